"""A pytest plugin that hands the book build the notebooks strict nbval has just verified.

Strict nbval executes every chapter and compares each output with the stored one. When every cell of a
chapter passes, the stored notebook *is* the result of executing it now (nbval compares everything but
images and metadata), so executing it a second time for the book would repeat work already done. With
``--store-verified-notebooks CACHE``, the plugin adds each fully verified chapter to the book's jupyter-cache
at ``CACHE`` at the end of the run, with the time its cells took as the execution time; the build that
follows (`execute_notebooks: cache` in ``_config.yml``) finds it there and does not execute it again. A chapter
with a failed, errored or missing cell is not added, so the build executes it itself.

``make test`` runs the unit tests and nbval with this option, then builds the book, then runs the browser
tests; a plain ``pytest`` run never writes to the cache.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

OPTION = "--store-verified-notebooks"


def add_option(parser: pytest.Parser) -> None:
    parser.addoption(
        OPTION,
        metavar="CACHE",
        default=None,
        help="after the run, add every chapter notebook whose cells all passed strict nbval to the "
        "jupyter-cache at CACHE, so that the book build does not execute it again",
    )


def register(config: pytest.Config) -> None:
    """Register the plugin on the process that sees every report: the xdist controller, or the only process."""
    cache = config.getoption(OPTION.lstrip("-").replace("-", "_"))
    if cache and not hasattr(config, "workerinput"):
        root = Path(config.rootpath)
        config.pluginmanager.register(VerifiedNotebooks(root / cache, root), "verified-notebooks")


def code_cell_count(path: Path) -> int:
    """How many code cells the notebook has: nbval makes one test of each."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return sum(1 for cell in cells if cell["cell_type"] == "code")


class VerifiedNotebooks:
    """Collects nbval's reports per notebook; at the end of the session, caches the notebooks that passed whole.

    Parameters
    ----------
    cache : pathlib.Path
        The jupyter-cache directory the book build reads (``_build/.jupyter_cache``).
    root : pathlib.Path
        What the notebooks' test ids are relative to: pytest's rootdir.
    """

    def __init__(self, cache: Path, root: Path):
        self.cache = cache
        self.root = root
        self.passed: dict[str, int] = defaultdict(int)
        self.failed: set[str] = set()
        self.seconds: dict[str, float] = defaultdict(float)
        self.stored: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        notebook = report.nodeid.split("::", 1)[0]
        if not notebook.endswith(".ipynb"):
            return
        self.seconds[notebook] += report.duration
        if report.failed or report.skipped:
            self.failed.add(notebook)
        elif report.when == "call":
            self.passed[notebook] += 1

    def verified(self) -> list[Path]:
        """The notebooks every one of whose code cells passed, and nothing failed or was skipped."""
        found = []
        for notebook, count in sorted(self.passed.items()):
            path = self.root / notebook
            if notebook not in self.failed and path.is_file() and count == code_cell_count(path):
                found.append(path)
        return found

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        import nbformat
        from jupyter_cache import get_cache
        from jupyter_cache.base import CacheBundleIn

        verified = self.verified()
        if not verified:
            return
        cache = get_cache(str(self.cache))
        for path in verified:
            notebook = nbformat.read(path, as_version=4)
            relative = path.relative_to(self.root).as_posix()
            bundle = CacheBundleIn(notebook, str(path), data={"execution_seconds": round(self.seconds[relative], 2)})
            # check_validity: the execution counts run 1, 2, 3, ... (one clean top-to-bottom run).
            cache.cache_notebook_bundle(bundle, check_validity=True, overwrite=True)
            self.stored.append(relative)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.stored:
            terminalreporter.write_line(
                f"{len(self.stored)} notebooks verified by strict nbval were added to {self.cache} for the book build"
            )
