"""Every chapter page, read in Chromium as a reader gets it: nothing loaded from another host, no console or
page error, every formula typeset, every figure loaded and described by its alt text, no accessibility
violation of any impact (see ``Reader.check`` in conftest.py), and on a phone no formula cut off.

The chapters are the heavy pages (thousands of elements of typeset math and highlighted code). make test runs
the browser tests with pytest-xdist's --dist loadgroup, which hands out single tests (none is grouped), so the
two workers share the chapters instead of one worker reading all of them.
"""

from __future__ import annotations


from .test_phone import FORMULA_PROBLEMS, MARKED, PHONE


def test_chapter_reads_cleanly_on_a_desktop_and_on_a_phone(reader, chapter_page):
    """The page read as Reader.check reads it; then, in the same tab (a second load and typesetting of every
    chapter would double this file's time), narrowed to a 390-pixel phone: no formula is cut off, and a wide one
    scrolls with its cue (see test_phone.py)."""
    problems = reader.check(chapter_page)
    page = reader.page
    desktop = page.viewport_size
    try:
        page.set_viewport_size(PHONE)
        page.wait_for_function(MARKED, timeout=20_000)
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        problems += [f"at {PHONE['width']} px: {problem}" for problem in page.evaluate(FORMULA_PROBLEMS)]
    finally:
        page.set_viewport_size(desktop)
    assert not problems, f"{chapter_page}:\n" + "\n".join(problems)
