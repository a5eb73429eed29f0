"""Lighthouse accessibility and best-practices scores of the KL chapter, as the built book serves it.

Serves ``_build/html`` on 127.0.0.1 (building the book first if it has not been built), runs the npm
``lighthouse`` pinned in bench/package-lock.json (installed into bench/node_modules with ``npm ci`` when
missing) with Debian's Chromium, and prints a Markdown table of the two scores, whose goal is 1.0 each, with
every audit that keeps a score below 1. The table is also written to bench/results/lighthouse.md.
Run with `make bench`; not a test.

bench/package.json pins two packages by "overrides": a dependency of Lighthouse asks for third-party-web and
legacy-javascript at the moving tag "latest", which would put the lock file out of date (and fail `npm ci`)
whenever either publishes a release; the overrides hold them at the versions the lock file records.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
HTML = ROOT / "_build" / "html"
RESULTS = BENCH / "results" / "lighthouse.md"
PAGE = "chapters/kl_divergence_l2.html"
CATEGORIES = ("accessibility", "best-practices")
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu"
GOAL = 1.0


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature is http.server's
        pass


def ensure_book() -> None:
    if not (HTML / "index.html").is_file():
        jupyter_book = Path(sys.executable).parent / "jupyter-book"
        command = [str(jupyter_book), "build", "-W", "-n", "--keep-going", "--path-output", ".", "."]
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def ensure_lighthouse() -> Path:
    binary = BENCH / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        if shutil.which("npm") is None:
            sys.exit("lighthouse.py needs Node.js and npm (Debian: apt-get install -y nodejs npm)")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=BENCH, check=True, stdout=subprocess.DEVNULL)
    return binary


def run_lighthouse(binary: Path, url: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as scratch:
        report = Path(scratch) / "report.json"
        command = [
            str(binary),
            url,
            f"--only-categories={','.join(CATEGORIES)}",
            "--output=json",
            f"--output-path={report}",
            f"--chrome-flags={CHROME_FLAGS}",
            "--quiet",
        ]
        # Lighthouse's Chrome profile and logs go to the scratch directory, not the user's home.
        env = {**os.environ, "CHROME_PATH": CHROMIUM, "TMPDIR": scratch}
        subprocess.run(command, env=env, check=True)
        return json.loads(report.read_text(encoding="utf-8"))


def failing_audits(report: dict, category: str) -> list[str]:
    """The audits that keep ``category`` below a full score: weighted, scored, and not passed."""
    lines = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] > 0 and audit["score"] is not None and audit["score"] < 1:
            lines.append(f"{audit['id']} ({audit['title']}, score {audit['score']})")
    return lines


def table(report: dict) -> str:
    rows = [
        f"Lighthouse {report['lighthouseVersion']} on `{PAGE}` of the built book, served from 127.0.0.1",
        "",
        "| category | score | goal | met | failing audits |",
        "|---|---:|---|---|---|",
    ]
    for category in CATEGORIES:
        score = report["categories"][category]["score"]
        met = "yes" if score is not None and score >= GOAL else "NO"
        failing = "; ".join(failing_audits(report, category)) or "none"
        rows.append(f"| {report['categories'][category]['title']} | {score:.2f} | {GOAL:.1f} | {met} | {failing} |")
    return "\n".join(rows) + "\n"


def main() -> int:
    ensure_book()
    binary = ensure_lighthouse()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(HTML)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{PAGE}"
        report = run_lighthouse(binary, url)
    finally:
        server.shutdown()
        server.server_close()
    text = table(report)
    print(text, end="")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    scores = [report["categories"][category]["score"] for category in CATEGORIES]
    return 0 if all(score is not None and score >= GOAL for score in scores) else 1


if __name__ == "__main__":
    sys.exit(main())
