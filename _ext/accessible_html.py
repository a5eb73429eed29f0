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

Execution status: myst-nb's ``{nb-exec-table}`` marks each notebook's run with the emoji ✅ or ❌, which show
as empty boxes where no emoji font is installed. The status is written as a word instead.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

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

# myst-nb's marks for a notebook that ran and one that failed, and the words that replace them.
STATUS_WORDS = {"✅": "succeeded", "❌": "failed"}
STATUS_HEADER = "Status"


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


class ExecutionStatusInWords(SphinxPostTransform):
    """Write the Status column of myst-nb's execution table in words; a failure keeps its error message."""

    default_priority = 20  # after myst-nb's ExecutionStatsPostTransform (8) has built the table

    def run(self, **kwargs) -> None:
        status_in_words(self.document)


def status_in_words(document: nodes.Node) -> None:
    for table in document.findall(nodes.table):
        header = next(table.findall(nodes.thead), None)
        body = next(table.findall(nodes.tbody), None)
        if header is None or body is None:
            continue
        names = [entry.astext().strip() for entry in header.findall(nodes.entry)]
        if STATUS_HEADER not in names:
            continue
        column = names.index(STATUS_HEADER)
        for row in body.findall(nodes.row):
            entries = [child for child in row.children if isinstance(child, nodes.entry)]
            if column >= len(entries):
                continue
            for text in list(entries[column].findall(nodes.Text)):
                if str(text).strip() in STATUS_WORDS:
                    text.parent.replace(text, nodes.Text(STATUS_WORDS[str(text).strip()]))


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", fix_roles)
    app.connect("html-page-context", fix_corner_cells)
    app.connect("build-finished", fix_index_togglers)
    app.connect("build-finished", label_sidebar)
    app.add_post_transform(ExecutionStatusInWords)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
