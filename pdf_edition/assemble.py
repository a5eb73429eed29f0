"""One PDF from the printed pages: the front matter, then every page of the book, with working links,
bookmarks, page labels and the book's metadata.

Chromium prints each page of the HTML book on its own (``pdf_edition.printer``). In each of those PDFs a link within
the page goes to a named destination, and a link to another page is a URL on the local server that served
the book. Here every link within the book becomes a link to a place in the one PDF: the destination of its
target, on the page where that target was printed, or the first page of the target page when the target has
no destination; the HTML book's link to this PDF goes to its first page. A link to a file of the HTML book that the PDF does not contain is removed (none should be
left where the reader can see it); links to other sites are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO
from urllib.parse import unquote, urlsplit

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, Fit, FloatObject, NameObject, NullObject

from .printer import PrintedPage


@dataclass(frozen=True)
class Place:
    """A point on a page of a PDF: the page's index and the point's coordinates (PDF units, from the
    bottom left)."""

    page: int
    left: float
    top: float


def destinations(reader: PdfReader) -> dict[str, Place]:
    """The named destinations of a PDF by name (without the leading slash of a PDF name)."""
    places = {}
    for name, destination in reader.named_destinations.items():
        page = reader.get_destination_page_number(destination)
        if page < 0:
            continue
        left = float(destination.left or 0)
        top = float(destination.top if destination.top is not None else reader.pages[page].mediabox.top)
        places[str(name).removeprefix("/")] = Place(page, left, top)
    return places


@dataclass
class LinkReport:
    """What the assembly did with the links of the printed pages."""

    within_book: int = 0
    external: int = 0
    removed: list[str] = field(default_factory=list)


class Book:
    """The PDF being assembled: pages appended in order, each printed page's destinations remembered by
    the document it came from, then links, bookmarks, labels and metadata."""

    def __init__(self, base_url: str, name: str):
        self.base_url = base_url
        self.name = name  # the PDF's own file name: the HTML book's link to the PDF opens its first page
        self.writer = PdfWriter()
        self.places: dict[str, dict[str, Place]] = {}  # document -> destination name -> place in the book
        self.starts: dict[str, int] = {}  # document -> index of its first page in the book
        self.owner: list[str] = []  # page index -> the document it came from
        self.links = LinkReport()

    def append(self, document: str, pdf: bytes) -> None:
        """Append the pages of ``pdf``, printed from ``document`` (a docname, or a name of our own)."""
        reader = PdfReader(BytesIO(pdf))
        start = len(self.writer.pages)
        self.starts[document] = start
        for page in reader.pages:
            self.writer.add_page(page)
            self.owner.append(document)
        self.places[document] = {
            name: Place(start + place.page, place.left, place.top) for name, place in destinations(reader).items()
        }

    def place(self, document: str, fragment: str | None) -> Place:
        """Where a link to ``document#fragment`` should go: the fragment's destination, or the top of the
        document's first page."""
        if fragment and fragment in self.places[document]:
            return self.places[document][fragment]
        page = self.starts[document]
        return Place(page, 0.0, float(self.writer.pages[page].mediabox.top))

    def resolve_links(self) -> LinkReport:
        """Turn every link within the book into an explicit destination in the book; see the module."""
        documents = {name + ".html": name for name in self.starts}
        for index, page in enumerate(self.writer.pages):
            if "/Annots" not in page:
                continue
            kept = ArrayObject()
            for reference in page["/Annots"]:
                annotation = reference.get_object()
                if annotation.get("/Subtype") != "/Link":
                    kept.append(reference)
                    continue
                target = self._target(annotation, self.owner[index], documents)
                if target is None:
                    self.links.external += 1
                    kept.append(reference)
                elif isinstance(target, str):
                    self.links.removed.append(target)
                else:
                    self.links.within_book += 1
                    annotation.pop(NameObject("/A"), None)
                    annotation[NameObject("/Dest")] = self._explicit(target)
                    kept.append(reference)
            page[NameObject("/Annots")] = kept
        return self.links

    def _target(self, annotation: DictionaryObject, document: str, documents: dict[str, str]):
        """The place a link goes to; None for a link to another site; the URL (a str) for a link to be
        removed."""
        if "/Dest" in annotation:
            name = str(annotation["/Dest"]).removeprefix("/")
            return self.place(document, unquote(name) or None)
        action = annotation.get("/A")
        if action is None or action.get_object().get("/S") != "/URI":
            return None
        url = str(action.get_object()["/URI"])
        if not url.startswith(self.base_url):
            return None
        parts = urlsplit(url[len(self.base_url) :])
        if parts.path == self.name:
            return Place(0, 0.0, float(self.writer.pages[0].mediabox.top))
        target = documents.get(parts.path)
        if target is None:
            return url[len(self.base_url) :]
        return self.place(target, unquote(parts.fragment) or None)

    def _explicit(self, place: Place) -> ArrayObject:
        return ArrayObject(
            [
                self.writer.pages[place.page].indirect_reference,
                NameObject("/XYZ"),
                FloatObject(place.left),
                FloatObject(place.top),
                NullObject(),
            ]
        )

    def bookmark(self, title: str, place: Place, parent=None):
        """Add a bookmark to ``place`` (under ``parent``, a bookmark this returned); returns it."""
        return self.writer.add_outline_item(title, place.page, parent=parent, fit=Fit.xyz(place.left, place.top))

    def finish(self, front_pages: int, metadata: dict[str, str]) -> None:
        """Label the front matter's pages i, ii, ... and the book's 1, 2, ...; set the metadata; open the
        PDF with its bookmarks shown."""
        total = len(self.writer.pages)
        if front_pages:
            self.writer.set_page_label(0, front_pages - 1, style="/r")
        if total > front_pages:
            self.writer.set_page_label(front_pages, total - 1, style="/D", start=1)
        self.writer.add_metadata(metadata)
        self.writer.page_mode = "/UseOutlines"

    def write(self, path) -> None:
        with open(path, "wb") as file:
            self.writer.write(file)


def add_bookmarks(book: Book, front: str, printed: list[PrintedPage]) -> None:
    """Bookmarks: the contents, then each page of the book (under its part) with its sections and their
    subsections."""
    book.bookmark("Contents", book.place(front, "contents"))
    parts: dict[str, object] = {}
    for page in printed:
        parent = None
        if page.entry.part is not None:
            if page.entry.part not in parts:
                parts[page.entry.part] = book.bookmark(page.entry.part, book.place(page.entry.docname, None))
            parent = parts[page.entry.part]
        chapter = book.bookmark(page.title, book.place(page.entry.docname, None), parent)
        section = None
        for heading in page.headings:
            if heading.level == 2:
                section = book.bookmark(heading.text, book.place(page.entry.docname, heading.id), chapter)
            elif heading.level == 3:
                book.bookmark(heading.text, book.place(page.entry.docname, heading.id), section or chapter)
