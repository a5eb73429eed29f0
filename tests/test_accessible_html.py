"""The HTML fixes of the book's Sphinx extension _ext/accessible_html.py, on pieces of what Sphinx, the theme
and myst-nb write. The built book is checked as a whole by the browser tests (axe on every page)."""

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document
from myst_nb.ext.execution_tables import make_stat_table

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("accessible_html", ROOT / "_ext" / "accessible_html.py")
accessible_html = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(accessible_html)

ROW = '<thead>\n<tr class="row-odd">'
LABELLED = '\n<th class="head"><p>loss</p></th>\n</tr>\n</thead>'


@pytest.mark.parametrize(
    "corner",
    ['<th class="head"><p></p></th>', '<th class="head"></th>', '<th class="head"> <p> </p> </th>'],
    ids=["empty-paragraph", "no-paragraph", "blank"],
)
def test_empty_corner_header_cell_becomes_a_data_cell(corner):
    fixed = accessible_html.corner_cells_as_data(ROW + corner + LABELLED)
    assert fixed == ROW + corner.replace("<th", "<td").replace("</th>", "</td>") + LABELLED


@pytest.mark.parametrize(
    "header",
    [
        ROW + '<th class="head"><p>p</p></th>' + LABELLED,  # a corner with text labels the first column
        ROW + '<th class="head"><p>p</p></th>\n<th class="head"><p></p></th>\n</tr>',  # not the corner
    ],
    ids=["labelled-corner", "empty-cell-elsewhere"],
)
def test_other_header_cells_stay_header_cells(header):
    assert accessible_html.corner_cells_as_data(header) == header


def _built(tmp_path, pages: dict[str, str]):
    for name, text in pages.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(format="html"))


def test_sidebar_items_are_the_site_navigation_landmark(tmp_path):
    app = _built(tmp_path, {"chapters/a.html": f"<div>{accessible_html.SIDEBAR_ITEMS}</div></div>"})
    accessible_html.label_sidebar(app, None)
    page = (tmp_path / "chapters/a.html").read_text(encoding="utf-8")
    assert 'role="navigation" aria-label="Site navigation"' in page
    assert accessible_html.SIDEBAR_ITEMS not in page


def test_sidebar_is_labelled_once_when_the_build_finishes_again(tmp_path):
    app = _built(tmp_path, {"a.html": accessible_html.SIDEBAR_ITEMS})
    accessible_html.label_sidebar(app, None)
    accessible_html.label_sidebar(app, None)
    assert (tmp_path / "a.html").read_text(encoding="utf-8").count('role="navigation"') == 1


def test_support_files_are_not_pages(tmp_path):
    app = _built(tmp_path, {"_static/a.html": accessible_html.SIDEBAR_ITEMS})
    accessible_html.label_sidebar(app, None)
    assert (tmp_path / "_static/a.html").read_text(encoding="utf-8") == accessible_html.SIDEBAR_ITEMS


def _execution_table(succeeded: bool) -> nodes.document:
    """A document holding myst-nb's execution table for one notebook run."""
    run = {"mtime": 0, "method": "cache", "runtime": 1.5, "succeeded": succeeded, "error": None}
    if not succeeded:
        run["error"] = "NameError: name 'x' is not defined"
    document = new_document("execution", get_default_settings(Parser))
    document += make_stat_table("execution", {"chapters/a": {"exec_data": run}})
    return document


def _status(document: nodes.document) -> nodes.entry:
    return list(document.findall(nodes.row))[-1].children[-1]


@pytest.mark.parametrize("succeeded, word", [(True, "succeeded"), (False, "failed")])
def test_execution_status_is_a_word(succeeded, word):
    document = _execution_table(succeeded)
    assert _status(document).astext() in ("✅", "❌")  # what myst-nb writes
    accessible_html.status_in_words(document)
    assert _status(document).astext() == word


def test_failed_execution_keeps_its_error_message():
    document = _execution_table(succeeded=False)
    accessible_html.status_in_words(document)
    (abbreviation,) = _status(document).findall(nodes.abbreviation)
    assert abbreviation["explanation"] == "NameError: name 'x' is not defined"


def test_marks_outside_a_status_column_are_kept():
    document = _execution_table(succeeded=True)
    header = next(document.findall(nodes.thead))
    title = next(text for text in header.findall(nodes.Text) if str(text) == "Status")
    title.parent.replace(title, nodes.Text("Checked"))
    accessible_html.status_in_words(document)
    assert _status(document).astext() == "✅"
