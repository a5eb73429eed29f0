"""How long CI takes: `bash .ci/run` (that is, `make test`) on a fresh clone of the committed HEAD.

The goal of issue "Fast to build, fast to test": the whole suite within 5 minutes on this 2-core machine,
set-up of the virtual environment included (from uv's package cache; nothing is downloaded twice).
Prints a Markdown table. Run with `make bench`; not a test.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS = 300


def main() -> int:
    scratch = Path(tempfile.mkdtemp(prefix="lossbook-ci-"))
    clone = scratch / "lossbook"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    chromium_present = Path("/usr/bin/chromium").exists()
    start = time.perf_counter()
    result = subprocess.run(["bash", ".ci/run"], cwd=clone, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    # make test runs pytest three times (the chapters, the library beside the build, the built book).
    summaries = [line.strip("= ") for line in result.stdout.splitlines() if re.search(r"^=+ .*\b(passed|failed)\b", line)]
    ok = result.returncode == 0 and seconds <= GOAL_SECONDS
    print("## CI on a fresh clone\n")
    print("| measure | value | goal | met |\n|---|---:|---|---|")
    print(f"| `bash .ci/run` (make test), fresh clone of HEAD | {seconds:.0f} s | <= {GOAL_SECONDS} s | {'yes' if ok else 'NO'} |")
    print(f"| its pytest runs | {'; '.join(summaries) or 'no pytest summary'} | exit 0 | {'yes' if result.returncode == 0 else 'NO'} |")
    print(f"| Chromium to install first | {'no, already installed' if chromium_present else 'yes, included in the time'} | | |")
    if result.returncode != 0:
        print("\n```\n" + "\n".join((result.stdout + result.stderr).splitlines()[-30:]) + "\n```")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
