"""Determinism soak: strict nbval and the unit tests, three times in a row, each in a new shuffled order.

A green test run must mean the same thing every time: the same outputs from every notebook, and no test
that depends on another's state or on files left by an earlier run. pytest-randomly shuffles the order
(with a different seed each run); the cells of one notebook always run top to bottom. Prints a table.
Run with `make soak`; not part of `make test`, which runs everything once.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    rows = []
    for run, seed in enumerate((101, 202, 303), start=1):
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadfile", "-p", "randomly",
             f"-p", "no:cacheprovider", f"--randomly-seed={seed}", "tests", "lossbook", "_ext", "chapters",
             "--ignore=tests/browser"],
            cwd=ROOT, capture_output=True, text=True,
        )
        seconds = time.perf_counter() - start
        summary = next((line for line in reversed(result.stdout.splitlines()) if re.search(r"passed|failed", line)), "")
        rows.append((run, seed, summary.strip("= "), f"{seconds:.0f} s", result.returncode == 0))
    print("## Determinism soak\n")
    print("| run | shuffle seed | result | time | green |\n|---:|---:|---|---:|---|")
    for run, seed, summary, seconds, ok in rows:
        print(f"| {run} | {seed} | {summary} | {seconds} | {'yes' if ok else 'NO'} |")
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
