"""How long the PDF edition takes to print (issue 16): `python -m pdf_edition` on the built HTML book.

The PDF is printed from ``_build/html`` (built first with `make book` if it is missing) into
``_build/pdf/lossbook.pdf``, as `make pdf` prints it. Measured: wall time, and CPU time of the printer and of every process it starts (Chromium's browser,
renderers and utilities, Playwright's driver); this script makes itself the subreaper of those processes, so
the CPU of each is counted when it ends, whichever process started it. The goal is what `make test` can
afford for the stage on two cores: 40 s of wall time, so at most 80 s of CPU. Also reported: pages and size.
Run with `make bench`; not a test.
"""

from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from tables import report  # bench/tables.py: python puts the script's folder on sys.path

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
PR_SET_CHILD_SUBREAPER = 36
WALL_GOAL = 40.0
CPU_GOAL = 80.0


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def reap_orphans() -> None:
    """Wait for every process that was re-parented to this one, so that its CPU time is counted."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def main() -> int:
    if not (HTML / "intro.html").is_file():
        subprocess.run(["make", "book"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("bench/pdf.py: could not become a subreaper; Chromium's CPU time would be lost", file=sys.stderr)
        return 1
    # The PDF goes where `make pdf` puts it, and its copy beside the HTML book with it: a scratch output would
    # still put its copy in the HTML book, which would then offer a PDF other than _build/pdf's.
    output = ROOT / "_build" / "pdf" / "lossbook.pdf"
    before = children_cpu()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pdf_edition"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    reap_orphans()
    wall = time.perf_counter() - start
    cpu = children_cpu() - before
    from pypdf import PdfReader

    pages = len(PdfReader(output).pages)
    size = output.stat().st_size / 2**20
    rows = [
        ("wall time of `python -m pdf_edition`", f"{wall:.1f} s", f"<= {WALL_GOAL:.0f} s on two cores", wall <= WALL_GOAL),
        ("CPU time, Chromium and Playwright included", f"{cpu:.1f} s", f"<= {CPU_GOAL:.0f} s", cpu <= CPU_GOAL),
        ("pages", str(pages), "", True),
        ("size", f"{size:.1f} MiB", "<= 25 MiB", size <= 25),
    ]
    return report("PDF edition", rows)


if __name__ == "__main__":
    sys.exit(main())
