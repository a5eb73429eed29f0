"""How long the book takes to build, from scratch and again: the goals of issue "Fast to build".

In a scratch copy of the repository (tracked files only, so nothing cached is reused), measures:
each chapter's bare execution time (`jupyter execute`, one after another), a clean build, a rebuild with
nothing changed, and a rebuild after a markdown-only edit of one chapter. Prints a Markdown table.
Run with `make bench`; not a test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tables import report

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def scratch_copy() -> Path:
    target = Path(tempfile.mkdtemp(prefix="lossbook-bench-")) / "book"
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()
    for name in files:
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, destination)
    return target


def build(book: Path) -> float:
    return run([str(BIN / "jupyter-book"), "build", "-W", "-n", "--keep-going", "--path-output", ".", "."], book)


def execute_in_parallel(book: Path) -> float:
    """What `make execute` does: run changed notebooks into the jupyter cache, two at a time."""
    cache = str(book / "_build" / ".jupyter_cache")
    (book / "_build").mkdir(exist_ok=True)
    chapters = [str(p) for p in sorted((book / "chapters").glob("*.ipynb"))]
    start = time.perf_counter()
    subprocess.run([str(BIN / "jcache"), "notebook", "-p", cache, "add", *chapters], input="y\n", text=True,
                   cwd=book, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run([str(BIN / "jcache"), "project", "-p", cache, "execute", "--executor", "local-parallel", "--timeout", "600"], book)
    return time.perf_counter() - start


def markdown_edit(notebook: Path) -> None:
    data = json.loads(notebook.read_text())
    cell = next(c for c in data["cells"] if c["cell_type"] == "markdown")
    cell["source"] = "".join(cell["source"]) + "\n\nA sentence added by the benchmark."
    notebook.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def main() -> int:
    book = scratch_copy()
    chapters = sorted((book / "chapters").glob("*.ipynb"))
    rows, per_chapter = [], []
    for notebook in chapters:
        output = book / "_bench_exec" / notebook.name
        output.parent.mkdir(exist_ok=True)
        shutil.copy2(notebook, output)
        seconds = run([str(BIN / "jupyter"), "execute", "--inplace", str(output.name)], output.parent)
        per_chapter.append((notebook.stem, seconds))
    shutil.rmtree(book / "_bench_exec")
    bare = sum(s for _, s in per_chapter)
    clean = execute_in_parallel(book) + build(book)
    unchanged = execute_in_parallel(book) + build(book)
    markdown_edit(chapters[0])
    edited = execute_in_parallel(book) + build(book)
    rows.append(("bare execution of all notebooks, one after another", f"{bare:.1f} s", "", True))
    rows.append(("clean build (make book: parallel execution, then jupyter-book)", f"{clean:.1f} s", f"<= 1.5 x bare = {1.5 * bare:.1f} s", clean <= 1.5 * bare))
    rows.append(("rebuild, nothing changed", f"{unchanged:.1f} s", f"<= 10 % of clean = {0.1 * clean:.1f} s", unchanged <= 0.1 * clean))
    rows.append((f"rebuild after a markdown edit of {chapters[0].stem}", f"{edited:.1f} s", f"<= 25 % of clean = {0.25 * clean:.1f} s", edited <= 0.25 * clean))
    for name, seconds in per_chapter:
        rows.append((f"execute {name}", f"{seconds:.1f} s", "<= 10 s", seconds <= 10))
    status = report("Book build", rows)
    shutil.rmtree(book.parent)
    return status


if __name__ == "__main__":
    sys.exit(main())
