"""Determinism soak: a green test run must mean the same thing every time and on every machine.

Part 1, the same machine: strict nbval and the unit tests, three times in a row, each in a new shuffled order
(pytest-randomly, a different seed each run; the cells of one notebook always run top to bottom). It shows that
no test depends on another's state or on files left by an earlier run.

Part 2, other machines: the stored outputs were produced on one processor and are compared on another (CI,
a reader's laptop). OpenBLAS picks its kernels by processor and NumPy its SIMD loops, and each choice can change
the last digits of a result. Strict nbval runs again over every chapter with OpenBLAS forced to the kernels of
other processors (``OPENBLAS_CORETYPE``), NumPy's wider SIMD loops switched off (``NPY_DISABLE_CPU_FEATURES``)
and another number of BLAS threads. Only the variants this processor can run are tried (forcing AVX-512
kernels on a processor without AVX-512 would crash it).

Part 3, slower machines: a derivation step's "Checked:" line names a symbolic confirmation only if SymPy finds
it within a limit of CPU time (``symbolic_seconds``), so a machine several times slower could store a different
line. Every chapter runs once with the limit measured: the goal is that the slowest confirmation in the book
takes at most a fifth of its limit, so a machine five times slower still confirms the same steps.

Prints Markdown tables. Run with ``make soak``; not part of ``make test``, which runs everything once.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITE = ["tests", "lossbook", "_ext", "chapters", "--ignore=tests/browser"]
CHAPTERS = ["tests/test_notebook_hygiene.py", "chapters"]

# (description, environment, processor flags it needs). NumPy's feature groups are named as in NumPy 2.4:
# X86_V3 is AVX2 with FMA, X86_V4 and AVX512_* are the AVX-512 loops.
MACHINES = [
    ("OpenBLAS Haswell kernels (AVX2), NumPy without AVX-512",
     {"OPENBLAS_CORETYPE": "Haswell", "NPY_DISABLE_CPU_FEATURES": "X86_V4,AVX512_ICL,AVX512_SPR"}, {"avx2", "fma"}),
    ("OpenBLAS SkylakeX kernels (AVX-512), 1 BLAS thread",
     {"OPENBLAS_CORETYPE": "SkylakeX", "OPENBLAS_NUM_THREADS": "1"}, {"avx512f", "avx512dq", "avx512bw", "avx512vl"}),
    ("OpenBLAS Sandybridge kernels (AVX), NumPy without AVX2 and AVX-512",
     {"OPENBLAS_CORETYPE": "Sandybridge", "NPY_DISABLE_CPU_FEATURES": "X86_V3,X86_V4,AVX512_ICL,AVX512_SPR"}, {"avx"}),
    ("OpenBLAS Nehalem kernels (SSE4.2), 4 BLAS threads",
     {"OPENBLAS_CORETYPE": "Nehalem", "OPENBLAS_NUM_THREADS": "4"}, {"sse4_2"}),
]


def processor_flags() -> set[str]:
    """The processor's feature flags from /proc/cpuinfo (empty where there is none, or off x86-64)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    match = re.search(r"^flags\s*:\s*(.*)$", text, re.MULTILINE)
    return set(match.group(1).split()) if match else set()


def pytest(arguments: list[str], environment: dict[str, str] | None = None) -> tuple[str, float, bool]:
    """Run pytest on two workers; return its summary line, the seconds it took and whether it passed."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadfile", "-p", "no:cacheprovider", *arguments],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, **(environment or {})},
    )
    seconds = time.perf_counter() - start
    summary = next((line for line in reversed(result.stdout.splitlines()) if re.search(r"passed|failed", line)), "")
    return summary.strip("= "), seconds, result.returncode == 0


MARGIN = 5
# Run in each chapter's kernel before its first cell: time every symbolic confirmation against its CPU limit.
MEASURE = """
import contextlib as _contextlib, time as _time, lossbook.symbolic.checking as _derivation
_limit, _SYMBOLIC_TIMES = _derivation._time_limit, []
@_contextlib.contextmanager
def _measured(seconds):
    start = _time.process_time()
    try:
        with _limit(seconds):
            yield
    finally:
        _SYMBOLIC_TIMES.append((_time.process_time() - start, seconds))
_derivation._time_limit = _measured
"""
REPORT = "import json as _json; print(_json.dumps(_SYMBOLIC_TIMES))"


def symbolic_confirmation_times(notebook: Path) -> list[tuple[float, float]]:
    """(CPU seconds, limit) of every symbolic confirmation attempted while the chapter runs."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    nb.cells = [nbformat.v4.new_code_cell(MEASURE), *nb.cells, nbformat.v4.new_code_cell(REPORT)]
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}})
    # The kernel inherits this process's stderr and logs its start-up there; keep it out of the table.
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            client.execute()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    return [tuple(pair) for pair in json.loads("".join(o.get("text", "") for o in nb.cells[-1].outputs))]


def main() -> int:
    ok = True
    print("## Determinism soak: three shuffled runs\n")
    print("| run | shuffle seed | result | time | green |\n|---:|---:|---|---:|---|")
    for run, seed in enumerate((101, 202, 303), start=1):
        summary, seconds, green = pytest(["-p", "randomly", f"--randomly-seed={seed}", *SUITE])
        ok &= green
        print(f"| {run} | {seed} | {summary} | {seconds:.0f} s | {'yes' if green else 'NO'} |")

    flags = processor_flags()
    print("\n## Determinism soak: the chapters' stored outputs on other processors\n")
    print("| machine simulated | result | time | green |\n|---|---|---:|---|")
    for description, environment, needs in MACHINES:
        if not needs <= flags:
            print(f"| {description} | not run: this processor lacks {', '.join(sorted(needs - flags))} | | |")
            continue
        summary, seconds, green = pytest(CHAPTERS, environment)
        ok &= green
        print(f"| {description} | {summary} | {seconds:.0f} s | {'yes' if green else 'NO'} |")

    print("\n## Determinism soak: symbolic confirmations against their CPU-time limit\n")
    print(f"| chapter | confirmations attempted | slowest (CPU) | its limit | goal: at most limit / {MARGIN} | met |")
    print("|---|---:|---:|---:|---|---|")
    for notebook in sorted((ROOT / "chapters").glob("*.ipynb")):
        times = symbolic_confirmation_times(notebook)
        slowest, limit = max(times, default=(0.0, 1.0))
        worst_share = max((t / s for t, s in times), default=0.0)
        met = worst_share <= 1 / MARGIN
        ok &= met
        print(f"| {notebook.stem} | {len(times)} | {slowest:.2f} s | {limit:g} s | "
              f"largest share {worst_share:.0%} | {'yes' if met else 'NO'} |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
