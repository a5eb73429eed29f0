"""Table headers have names a screen reader can say, formulas included.

A column headed by a formula alone ($\\mu$) has, as MathJax typesets it, no accessible name: ARIA names a
``math`` element only from its author. _static/math-header-labels.js gives every formula in a header cell
the speech text of MathJax's speech rule engine. Chromium's own accessibility tree is read here, through the
DevTools protocol, on the first chapter with such a header (found in the built book when pytest collects the
test, which then names the chapter in its id and reads it with the chapter's other tests).
"""

from __future__ import annotations

import re

import pytest

from .conftest import ensure_book

# A header cell whose only content is one formula, as the built HTML has it before MathJax runs.
FORMULA_HEADER = re.compile(
    r'<th class="head[^"]*"><p><span class="math notranslate nohighlight">[^<]*</span></p></th>'
)
HEADER_ROLES = {"columnheader", "rowheader"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.function is test_every_table_header_has_a_spoken_name:
        metafunc.parametrize("path", [_chapter_with_formula_header(ensure_book())])


def _chapter_with_formula_header(built_book):
    for path in sorted((built_book / "chapters").glob("*.html")):
        if FORMULA_HEADER.search(path.read_text(encoding="utf-8")):
            return path.relative_to(built_book).as_posix()
    pytest.fail("no chapter has a table column headed by a formula alone")


def _header_names(page) -> list[str]:
    session = page.context.new_cdp_session(page)
    try:
        tree = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    return [
        (node.get("name") or {}).get("value", "")
        for node in tree
        if (node.get("role") or {}).get("value") in HEADER_ROLES and not node.get("ignored")
    ]


def test_every_table_header_has_a_spoken_name(reader, path):
    page = reader.view(path)
    names = _header_names(page)
    assert names, f"{path}: Chromium sees no table headers"
    assert all(name.strip() for name in names), f"{path}: header names {names}"
    # Spoken words, not TeX source.
    assert not [name for name in names if "\\" in name], f"{path}: header names {names}"
    assert not reader.view_log(), reader.view_log()
