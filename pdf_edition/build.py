"""Build the PDF edition from the built HTML book: print every page with Chromium, then assemble.

Nothing is executed or read again: the PDF is printed from ``_build/html``, the output of the same build
(and so the same executed notebooks in the jupyter cache) that the HTML book is.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from html import escape

import yaml
from pypdf import PdfReader

from .assemble import Book, add_bookmarks, destinations
from .contents import Entry, reading_order
from .front_matter import MATHJAX, Line, front_matter
from .printer import BookPrinter, PrintedPage, link_targets, page_count, served

# The front matter is served as this page of the book (it links to the pages by their paths).
FRONT = "lossbook-front-matter"


@dataclass(frozen=True)
class Summary:
    """What a build produced: where, how many pages (front matter included), how many bytes, how long."""

    path: Path
    pages: int
    front_pages: int
    size: int
    seconds: float
    links_within_book: int
    links_external: int
    shrunk: dict[str, int]  # page -> display formulas shrunk to fit the column


def build_pdf(root: Path, html: Path, output: Path) -> Summary:
    """Print the HTML book in ``html`` (built from the book in ``root``) into the PDF ``output``; a copy
    goes to ``html`` under the same name, where the book's introduction links to it."""
    start = time.perf_counter()
    entries = reading_order(root / "_toc.yml")
    missing = [entry.html for entry in entries if not (html / entry.html).is_file()]
    if missing or not (html / MATHJAX).is_file():
        raise FileNotFoundError(
            f"html: the HTML book in {html} is not built (missing: {', '.join(missing or [MATHJAX])}); "
            "run `make book` first"
        )
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    targets = link_targets(html, entries)
    with served(html) as base_url:
        printed, front, problems, shrunk = asyncio.run(_print(base_url, entries, targets, config))
        if problems:
            raise RuntimeError("the PDF was not built; pages did not load whole:\n" + "\n".join(problems))
        book = Book(base_url, output.name)
        book.append(FRONT, front)
        for page in printed:
            book.append(page.entry.docname, page.pdf)
        links = book.resolve_links()
        if links.removed:
            raise RuntimeError(
                "the PDF was not built; links to files of the HTML book that the PDF does not contain:\n"
                + "\n".join(sorted(set(links.removed)))
            )
    add_bookmarks(book, FRONT, printed)
    front_pages = page_count(front)
    book.finish(
        front_pages,
        {"/Title": config["title"], "/Author": config["author"], "/Subject": "The PDF edition of the HTML book"},
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    book.write(output)
    shutil.copyfile(output, html / output.name)
    return Summary(
        path=output,
        pages=len(book.writer.pages),
        front_pages=front_pages,
        size=output.stat().st_size,
        seconds=time.perf_counter() - start,
        links_within_book=links.within_book,
        links_external=links.external,
        shrunk={page: count for page, count in shrunk.items() if count},
    )


async def _print(base_url: str, entries: list[Entry], targets: dict[str, set[str]], config: dict):
    async with BookPrinter(base_url) as printer:
        printed = await printer.print_pages(entries, targets)
        lines = contents(printed)
        front = await printer.print_html(
            front_matter(config["title"], config["author"], str(config.get("copyright", "")), lines),
            FRONT + ".html",
        )
        return printed, front, printer.problems, printer.shrunk


def contents(printed: list[PrintedPage]) -> list[Line]:
    """The lines of the table of contents: each part's caption, each page and its sections (level 2
    headings), with the page number each starts on."""
    lines = []
    part = None
    for page in printed:
        if page.entry.part is not None and page.entry.part != part:
            part = page.entry.part
            lines.append(Line(0, escape(part)))
        lines.append(Line(1, escape(page.title), page.entry.html, page.first_page))
        places = destinations(PdfReader(BytesIO(page.pdf)))
        for heading in page.headings:
            if heading.level != 2:
                continue
            place = places.get(heading.id)
            if place is None:
                raise RuntimeError(f"{page.entry.docname}: the section {heading.id!r} has no place in the PDF")
            lines.append(Line(2, heading.html, f"{page.entry.html}#{heading.id}", page.first_page + place.page))
    return lines

