"""Every chapter page, read in Chromium as a reader gets it: nothing loaded from another host, no console or
page error, every formula typeset, every figure loaded and described by its alt text, and no accessibility
violation of any impact (see ``Reader.check`` in conftest.py).

The chapters are the heavy pages (thousands of elements of typeset math and highlighted code), so they have
a file of their own: pytest-xdist's --dist loadfile gives each file to one worker, and this lets the two
workers share the work with test_pages.py and the other files."""

from __future__ import annotations


def test_chapter_reads_cleanly(reader, chapter_page):
    problems = reader.check(chapter_page)
    assert not problems, f"{chapter_page}:\n" + "\n".join(problems)
