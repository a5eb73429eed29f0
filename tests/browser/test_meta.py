"""Every page has a meta description (from _ext/meta_description.py), what search results and link previews
show under the page's title."""

from __future__ import annotations

import html
import re

DESCRIPTIONS = """() => [...document.querySelectorAll('meta[name="description"]')].map(m => m.content)"""
# The extension trims to 155 characters; a description much shorter than a sentence says little.
LONGEST, SHORTEST_WORDS = 160, 5


def test_page_has_a_meta_description(reader, book_page):
    page = reader.document(book_page)
    descriptions = page.evaluate(DESCRIPTIONS)
    assert len(descriptions) == 1, f"{book_page}: {len(descriptions)} meta descriptions: {descriptions}"
    description = descriptions[0].strip()
    assert len(description.split()) >= SHORTEST_WORDS, f"{book_page}: description {description!r}"
    assert len(description) <= LONGEST, f"{book_page}: description of {len(description)} characters"
    assert not re.search(r"[\\{}$]", description), f"{book_page}: markup in the description {description!r}"


def test_redirect_page_has_the_introductions_description(built_book, reader):
    """``index.html`` redirects at once, but crawlers read it first."""
    redirect = (built_book / "index.html").read_text(encoding="utf-8")
    match = re.search(r'<meta name="description" content="([^"]*)"', redirect)
    assert match, f"index.html has no meta description:\n{redirect}"
    page = reader.document(reader.root)
    assert html.unescape(match.group(1)) == page.evaluate(DESCRIPTIONS)[0]


def test_redirect_page_links_the_books_icon(built_book):
    """Without a link a browser opening the bare address asks the server for /favicon.ico, a 404."""
    redirect = (built_book / "index.html").read_text(encoding="utf-8")
    match = re.search(r'<link rel="icon" href="([^"]+)"', redirect)
    assert match, f"index.html links no icon:\n{redirect}"
    assert (built_book / match.group(1)).is_file(), f"index.html links a missing icon {match.group(1)}"
