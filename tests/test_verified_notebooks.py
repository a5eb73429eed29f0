"""`make test` hands the chapters strict nbval verified to the book build through the jupyter cache.

A chapter reaches the cache only when every one of its code cells passed; the build then reuses it instead of
executing it again. These tests feed the plugin the reports nbval would produce for a small notebook.
"""

from __future__ import annotations

from types import SimpleNamespace

import nbformat
import pytest
from jupyter_cache import get_cache

from verified_notebooks import VerifiedNotebooks


@pytest.fixture
def notebook(tmp_path):
    """A notebook of two executed code cells and a markdown cell, stored as chapters/tiny.ipynb."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Tiny"),
        nbformat.v4.new_code_cell("x = 1 + 1", execution_count=1),
        nbformat.v4.new_code_cell(
            "x", execution_count=2,
            outputs=[nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=2)],
        ),
    ]
    path = tmp_path / "chapters" / "tiny.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    return path


def report(cell: int, when: str = "call", outcome: str = "passed", nodeid: str = "chapters/tiny.ipynb"):
    return SimpleNamespace(
        nodeid=f"{nodeid}::Cell {cell}", when=when, duration=0.5,
        passed=outcome == "passed", failed=outcome == "failed", skipped=outcome == "skipped",
    )


def run(plugin: VerifiedNotebooks, reports) -> None:
    for item in reports:
        plugin.pytest_runtest_logreport(item)
    plugin.pytest_sessionfinish(session=None)


def cached(path, cache_dir):
    try:
        return get_cache(str(cache_dir)).match_cache_notebook(nbformat.read(path, as_version=4))
    except KeyError:
        return None


def test_a_notebook_whose_cells_all_passed_is_found_in_the_cache(notebook, tmp_path):
    cache_dir = tmp_path / "cache"
    run(VerifiedNotebooks(cache_dir, tmp_path), [report(0), report(1)])
    record = cached(notebook, cache_dir)
    assert record is not None
    assert record.data["execution_seconds"] == 1.0


def test_the_cached_notebook_carries_the_stored_outputs(notebook, tmp_path):
    cache_dir = tmp_path / "cache"
    run(VerifiedNotebooks(cache_dir, tmp_path), [report(0), report(1)])
    _, merged = get_cache(str(cache_dir)).merge_match_into_notebook(nbformat.read(notebook, as_version=4))
    assert merged.cells[2].outputs[0]["data"]["text/plain"] == "2"


@pytest.mark.parametrize(
    "reports",
    [
        [report(0), report(1, outcome="failed")],
        [report(0), report(1, when="setup", outcome="failed"), report(1)],
        [report(0), report(1, outcome="skipped")],
        [report(0)],  # a cell that never ran (deselected, or the run was interrupted)
    ],
    ids=["a failed cell", "a failed set-up", "a skipped cell", "a missing cell"],
)
def test_a_notebook_with_any_cell_not_passed_is_not_cached(notebook, tmp_path, reports):
    cache_dir = tmp_path / "cache"
    run(VerifiedNotebooks(cache_dir, tmp_path), reports)
    assert cached(notebook, cache_dir) is None


def test_reports_of_other_tests_are_ignored(notebook, tmp_path):
    cache_dir = tmp_path / "cache"
    plugin = VerifiedNotebooks(cache_dir, tmp_path)
    run(plugin, [report(0), report(1), report(0, outcome="failed", nodeid="tests/test_numeric_losses.py")])
    assert plugin.stored == ["chapters/tiny.ipynb"]


def test_a_notebook_not_run_in_order_from_one_is_refused(notebook, tmp_path):
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[2].execution_count = 5
    nbformat.write(nb, notebook)
    with pytest.raises(Exception, match="execution_count"):
        run(VerifiedNotebooks(tmp_path / "cache", tmp_path), [report(0), report(1)])
