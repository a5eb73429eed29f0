"""Fix accessibility faults in the HTML that Sphinx writes, where CSS cannot reach.

Citation lists: docutils writes a bibliography as ``<div role="list">`` whose entries have the DPUB role
``doc-biblioentry``. That role is deprecated, and ARIA does not count it as a list item, so assistive
technology sees a list without items (axe: aria-required-children, critical). The entries become plain list
items, which is what they are.

Module index: Sphinx's ``py-modindex.html`` shows a package's submodules under a small minus/plus image that
folds them away, with the alt text "-". The image is given alt text that says what it does.

Corner cells of tables: a table whose first column labels its rows (a chapter's code prints such tables as
Markdown) has an empty first header cell. An empty ``<th>`` is a column header without a name (axe:
empty-table-header); the corner labels nothing, so it becomes a data cell, ``<td>``.

Primary sidebar: the theme puts the book's title (a link to the first page), the search button and the table
of contents in a plain ``<div>``; only the table of contents is a landmark, so the title sits outside every
landmark (axe: region). The sidebar's items are marked as the "Site navigation" landmark, the name of the
header button that opens the sidebar on narrow screens.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx

TOGGLER = 'class="toggler"'
TOGGLER_ALT = 'alt="Show or hide the submodules of this package"'

# The first cell of a table's header row, empty (docutils writes an empty entry as <p></p> or nothing).
EMPTY_CORNER = re.compile(r'(<thead>\s*<tr\b[^>]*>\s*)<th class="head\b([^"]*)">((?:\s|<p>\s*</p>)*)</th>')

SIDEBAR_ITEMS = '<div class="sidebar-primary-items__start sidebar-primary__section">'
SIDEBAR_LANDMARK = (
    '<div class="sidebar-primary-items__start sidebar-primary__section" role="navigation" '
    'aria-label="Site navigation">'
)
# Sphinx's support folders hold no pages.
NOT_PAGES = {"_static", "_sources", "_images"}


def fix_roles(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def corner_cells_as_data(body: str) -> str:
    """Turn the empty first cell of every table's header row into a data cell."""
    return EMPTY_CORNER.sub(r'\1<td class="head\2">\3</td>', body)


def fix_corner_cells(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    body = context.get("body")
    if body and "<thead>" in body:
        context["body"] = corner_cells_as_data(body)


def fix_index_togglers(app: Sphinx, exception: Exception | None) -> None:
    """Domain indices are rendered from Sphinx's template, so their files are corrected once written."""
    if exception is not None or app.builder.format != "html":
        return
    for path in Path(app.outdir).glob("*index.html"):
        text = path.read_text(encoding="utf-8")
        if TOGGLER in text and 'alt="-"' in text:
            fixed = "\n".join(
                line.replace('alt="-"', TOGGLER_ALT) if "toggle-" in line or TOGGLER in line else line
                for line in text.split("\n")
            )
            path.write_text(fixed, encoding="utf-8")


def label_sidebar(app: Sphinx, exception: Exception | None) -> None:
    """The sidebar is written by the theme's layout template, outside the page body, so every page's file is
    corrected once written (pages Sphinx did not rewrite in this build are corrected already)."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for path in outdir.rglob("*.html"):
        if path.relative_to(outdir).parts[0] in NOT_PAGES:
            continue
        text = path.read_text(encoding="utf-8")
        if SIDEBAR_ITEMS in text:
            path.write_text(text.replace(SIDEBAR_ITEMS, SIDEBAR_LANDMARK), encoding="utf-8")


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", fix_roles)
    app.connect("html-page-context", fix_corner_cells)
    app.connect("build-finished", fix_index_togglers)
    app.connect("build-finished", label_sidebar)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
