"""Every page of the built book but the chapters (which test_chapters.py reads), read in Chromium as a reader
gets it: see ``Reader.check`` in conftest.py for what is checked. And the book's front door, index.html, which
redirects to the introduction (read as a page of its own)."""

from __future__ import annotations


def test_index_redirects_to_the_introduction(reader):
    page = reader.open("index.html")
    assert page.url == reader.url(reader.root)
    assert "loss functions come from" in page.locator("main h1").first.inner_text()
    assert not reader.problems(), reader.problems()


def test_page_reads_cleanly(reader, reference_page):
    problems = reader.check(reference_page)
    assert not problems, f"{reference_page}:\n" + "\n".join(problems)
