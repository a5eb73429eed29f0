"""Search works offline, from the search box a reader types into, and finds the page they are looking for."""

from __future__ import annotations

import html
import re
from urllib.parse import urldefrag, urlsplit

QUERY = "Laplace"
# Until the book has a page with "Laplace" in its title, the KL chapter is the page to find: it works the
# Laplace case as an exercise.
FALLBACK = "chapters/kl_divergence_l2.html"
RESULT_LINKS = "#search-results ul.search li a"
TOP = 5


def page_title(path) -> str:
    match = re.search(r"<title>(.*?)</title>", path.read_text(encoding="utf-8"), re.DOTALL)
    return html.unescape(match.group(1)) if match else ""


def pages_titled(built_book, word: str) -> list[str]:
    """Pages whose own title (before the " — book title" suffix) contains ``word``."""
    found = []
    for path in sorted(built_book.rglob("*.html")):
        relative = path.relative_to(built_book)
        if relative.parts[0].startswith("_") or relative.name in ("search.html", "genindex.html"):
            continue
        own_title = re.split(r" [—-] ", page_title(path), maxsplit=1)[0]
        if word.lower() in own_title.lower():
            found.append(relative.as_posix())
    return found


def test_search_box_finds_the_laplace_page(reader, built_book):
    expected = pages_titled(built_book, QUERY) or [FALLBACK]

    page = reader.open(reader.root)
    # The search field in the header or sidebar opens the theme's search dialog (Ctrl+K does the same).
    page.locator("button.search-button__button:visible").first.click()
    box = page.locator("#pst-search-dialog input[name=q]")
    box.fill(QUERY)
    box.press("Enter")
    page.wait_for_url(re.compile(rf"/search\.html\?q={QUERY}"), wait_until="load")
    page.wait_for_function(
        "() => /Search finished/.test(document.querySelector('#search-results')?.textContent || '')",
        timeout=30_000,
    )

    summary = page.locator("#search-results").inner_text()
    found = [
        urldefrag(urlsplit(href)._replace(query="").geturl())[0]
        for href in page.locator(RESULT_LINKS).evaluate_all("links => links.map(a => a.href)")
    ]
    for path in expected:
        assert reader.url(path) in found, f"searching {QUERY!r} did not find {path}:\n{summary}"
        # A page with the word in its title is among the first results (API entries may come first).
        if path != FALLBACK:
            assert reader.url(path) in found[:TOP], f"{path} is not in the first {TOP} results:\n{summary}"
    assert not reader.problems(), reader.problems()


def test_search_page_takes_the_query_from_the_address(reader):
    """A bookmarked or shared search URL gives the same results."""
    page = reader.open(f"search.html?q={QUERY}")
    page.wait_for_function(
        "() => /Search finished/.test(document.querySelector('#search-results')?.textContent || '')",
        timeout=30_000,
    )
    assert page.locator(RESULT_LINKS).count() > 0
    assert not reader.problems(), reader.problems()
