"""`make pdf`: ``python -m pdf_edition`` prints the built HTML book (``_build/html``) into ``_build/pdf/lossbook.pdf``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .build import build_pdf

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pdf_edition", description=__doc__)
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html", help="the built HTML book")
    parser.add_argument("--output", type=Path, default=ROOT / "_build" / "pdf" / "lossbook.pdf", help="the PDF to write")
    arguments = parser.parse_args(argv)
    summary = build_pdf(ROOT, arguments.html, arguments.output)
    print(
        f"The PDF is at {summary.path}: {summary.pages} pages ({summary.front_pages} of front matter), "
        f"{summary.size / 2**20:.1f} MiB, {summary.links_within_book} links within the book and "
        f"{summary.links_external} to other sites; printed in {summary.seconds:.1f} s"
    )
    if summary.shrunk:
        pages = ", ".join(f"{page} ({count})" for page, count in sorted(summary.shrunk.items()))
        print(f"Display formulas wider than the column, printed smaller to fit: {pages}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
