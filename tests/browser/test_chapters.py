"""Every chapter page, read in Chromium as a reader gets it: nothing loaded from another host, no console or
page error, every formula typeset, every figure loaded and described by its alt text, no accessibility
violation of any impact (see ``Reader.check`` in conftest.py), and on a phone no formula cut off and no
figure squashed.

The chapters are the heavy pages (thousands of elements of typeset math and highlighted code). make test runs
the browser tests with pytest-xdist's --dist loadgroup, which hands out the tests of one page together, so the
two workers share the chapters and each chapter is loaded once for all the tests that read it.
"""

from __future__ import annotations

from .conftest import PHONE
from .test_phone import FIGURE_PROBLEMS, FORMULA_PROBLEMS


def test_chapter_reads_cleanly_on_a_desktop_and_on_a_phone(reader, chapter_page):
    """The page read as Reader.check reads it; then, in the same tab (a second load and typesetting of every
    chapter would double this file's time), narrowed to a 390-pixel phone: no formula is cut off, and a wide one
    scrolls with its cue, and every figure keeps its shape (see test_phone.py)."""
    problems = reader.check(chapter_page)
    page = reader.view(chapter_page, phone=True)
    problems += [f"at {PHONE['width']} px: {problem}" for problem in page.evaluate(FORMULA_PROBLEMS)]
    problems += [f"at {PHONE['width']} px: {problem}" for problem in page.evaluate(FIGURE_PROBLEMS)]
    assert not problems, f"{chapter_page}:\n" + "\n".join(problems)
