"""The PDF edition as a reader gets it: ``_build/pdf/lossbook.pdf``, read back with pypdf and poppler.

``make test`` builds the PDF (``python -m pdf_edition``) after the HTML book and before these tests; a missing PDF
is a failure with the command that builds it, never a skip. Fixtures are per session: the PDF is parsed
once, its text with positions and fonts is read once by poppler's ``pdftohtml -xml``, and the built HTML
book supplies what the PDF must contain (titles, figures, solutions, references).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from pdf_edition.contents import Entry, reading_order

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
PDF = ROOT / "_build" / "pdf" / "lossbook.pdf"
PRINT_CSS = ROOT / "_static" / "print.css"
POINTS_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class Text:
    """A run of text on a page, as poppler reads it: its box in points from the top left, its font."""

    left: float
    top: float
    width: float
    height: float
    font: str
    text: str


@dataclass(frozen=True)
class Page:
    number: int  # 1-based, as a viewer counts
    width: float
    height: float
    texts: tuple[Text, ...]


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(
            f"{tool} is missing; the PDF's tests read it with poppler. Install it with "
            "`sudo apt-get install -y poppler-utils` (or run `make pdf-tools`, which `make test` does).",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def pdf_path() -> Path:
    if not PDF.is_file():
        pytest.fail(f"{PDF} is missing; build it with `make pdf`", pytrace=False)
    return PDF


@pytest.fixture(scope="session")
def reader(pdf_path: Path) -> PdfReader:
    return PdfReader(pdf_path)


@pytest.fixture(scope="session")
def images(pdf_path: Path) -> list[dict[str, str]]:
    """Every image drawn in the PDF, as poppler's ``pdfimages -list`` lists it: a row per drawing (page, type,
    width and height in pixels, x-ppi and y-ppi on the page, ...)."""
    listing = subprocess.run([_require("pdfimages"), "-list", str(pdf_path)], check=True, capture_output=True,
                             text=True).stdout.splitlines()
    header = listing[0].split()
    return [dict(zip(header, line.split())) for line in listing[2:]]


ZOOM = 3  # pdftohtml rounds positions to whole units: at 3 a point (its largest zoom), to a third of a point


def parse_pdftohtml(xml: str, zoom: float = 1) -> list[Page]:
    """The pages of ``pdftohtml -xml -zoom ZOOM`` output (positions in points), each with its text runs and
    their fonts' families.

    >>> xml = '''<page number="1" position="absolute" top="0" left="0" height="842" width="595">
    ... <fontspec id="0" size="10" family="AAAAAA+DejaVuSansMono" color="#000000"/>
    ... <text top="50" left="51" width="40" height="12" font="0">x = <b>1</b> &amp; 2</text>
    ... </page>'''
    >>> [page] = parse_pdftohtml(xml)
    >>> page.width, page.texts[0].font, page.texts[0].text
    (595.0, 'AAAAAA+DejaVuSansMono', 'x = 1 & 2')
    >>> parse_pdftohtml(xml, zoom=2)[0].texts[0].width
    20.0
    """
    fonts = dict(re.findall(r'<fontspec id="(\d+)"[^>]*family="([^"]*)"', xml))
    pages = []
    for attributes, body in re.findall(r"<page ([^>]*)>(.*?)</page>", xml, re.S):
        number = int(re.search(r'number="(\d+)"', attributes).group(1))
        width = float(re.search(r'width="([\d.]+)"', attributes).group(1)) / zoom
        height = float(re.search(r'height="([\d.]+)"', attributes).group(1)) / zoom
        texts = []
        for top, left, w, h, font, content in re.findall(
            r'<text top="([-\d.]+)" left="([-\d.]+)" width="([-\d.]+)" height="([-\d.]+)" font="(\d+)">(.*?)</text>',
            body,
            re.S,
        ):
            text = html.unescape(re.sub(r"<[^>]+>", "", content))
            box = (float(value) / zoom for value in (left, top, w, h))
            texts.append(Text(*box, fonts.get(font, ""), text))
        pages.append(Page(number, width, height, tuple(texts)))
    return pages


@pytest.fixture(scope="session")
def pages(pdf_path: Path) -> list[Page]:
    """Every page's text with positions and fonts (images ignored), from one run of pdftohtml."""
    result = subprocess.run(
        [_require("pdftohtml"), "-xml", "-i", "-q", "-stdout", "-zoom", str(ZOOM), str(pdf_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return parse_pdftohtml(result.stdout, zoom=ZOOM)


def parse_bbox(xhtml: str) -> list[Page]:
    """The pages of ``pdftotext -bbox`` output: each word with its box in points (the font is not given).

    >>> [page] = parse_bbox('<page width="595.28" height="841.89">'
    ...                     '<word xMin="51.0" yMin="60.5" xMax="70.25" yMax="70.0">x&lt;1</word></page>')
    >>> page.texts[0].left, page.texts[0].width, page.texts[0].text
    (51.0, 19.25, 'x<1')
    """
    pages = []
    for number, (width, height, body) in enumerate(
        re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', xhtml, re.S), 1
    ):
        texts = tuple(
            Text(float(x0), float(y0), float(x1) - float(x0), float(y1) - float(y0), "", html.unescape(word))
            for x0, y0, x1, y1, word in re.findall(
                r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*?)</word>', body
            )
        )
        pages.append(Page(number, float(width), float(height), texts))
    return pages


@pytest.fixture(scope="session")
def words(pdf_path: Path) -> list[Page]:
    """Every word with its exact box (pdftotext -bbox; pdftohtml's boxes are rounded, and it takes a
    stretched glyph of a formula for a line as wide as its transformation)."""
    result = subprocess.run(
        [_require("pdftotext"), "-bbox", str(pdf_path), "-"], check=True, capture_output=True, text=True
    )
    return parse_bbox(result.stdout)


@pytest.fixture(scope="session")
def page_texts(pdf_path: Path) -> list[str]:
    """Every page's text in reading order (pdftotext), whitespace collapsed to single spaces."""
    result = subprocess.run([_require("pdftotext"), str(pdf_path), "-"], check=True, capture_output=True, text=True)
    return [re.sub(r"\s+", " ", page).strip() for page in result.stdout.split("\f")[:-1]]


@pytest.fixture(scope="session")
def book_text(page_texts: list[str]) -> str:
    """The whole PDF's text in reading order, whitespace collapsed to single spaces."""
    return " ".join(page_texts)


@pytest.fixture(scope="session")
def entries() -> list[Entry]:
    return reading_order(ROOT / "_toc.yml")


def page_margins() -> dict[str, float]:
    """The margins of a printed page in points, from the ``@page`` rule of ``_static/print.css``."""
    match = re.search(r"@page\s*{[^}]*?margin:\s*([\d.]+)mm\s+([\d.]+)mm\s+([\d.]+)mm\s+([\d.]+)mm", PRINT_CSS.read_text())
    assert match, f"{PRINT_CSS} has no @page margin in mm (top right bottom left)"
    top, right, bottom, left = (float(value) * POINTS_PER_MM for value in match.groups())
    return {"top": top, "right": right, "bottom": bottom, "left": left}


def built_page(entry: Entry) -> str:
    """The built HTML of a page of the book."""
    path = HTML / entry.html
    if not path.is_file():
        pytest.fail(f"{path} is missing; build the book with `make book`", pytrace=False)
    return path.read_text(encoding="utf-8")


def plain(fragment: str) -> str:
    """The text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()
