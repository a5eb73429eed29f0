"""The book's reading order, as ``_toc.yml`` gives it: the root page, then each part's chapters in turn.

The PDF prints the pages of the HTML book in this order, and its table of contents and bookmarks group the
chapters under the part captions of the table of contents.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Entry:
    """One page of the book: its document name (``chapters/gaussian_mse``) and the part it belongs to
    (``None`` for the root page, which comes before the first part)."""

    docname: str
    part: str | None

    @property
    def html(self) -> str:
        """The page's path in the built HTML book."""
        return self.docname + ".html"


def reading_order(toc: Path) -> list[Entry]:
    """Every page of the book in reading order, from a Jupyter Book table of contents (``format: jb-book``).

    A chapter's sub-pages (``sections:``) follow the chapter, in the chapter's part.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     toc = Path(folder) / "_toc.yml"
    ...     _ = toc.write_text(
    ...         "format: jb-book\\nroot: intro\\nparts:\\n"
    ...         "  - caption: First\\n    chapters:\\n      - file: chapters/a\\n"
    ...         "        sections:\\n          - file: chapters/a_more\\n"
    ...         "  - caption: Second\\n    chapters:\\n      - file: chapters/b.ipynb\\n"
    ...     )
    ...     [(e.docname, e.part) for e in reading_order(toc)]
    [('intro', None), ('chapters/a', 'First'), ('chapters/a_more', 'First'), ('chapters/b', 'Second')]
    """
    data = yaml.safe_load(toc.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != "jb-book":
        raise ValueError(f"toc: {toc} is not a Jupyter Book table of contents with 'format: jb-book'")
    if "root" not in data:
        raise ValueError(f"toc: {toc} names no root page")
    entries = [Entry(_docname(data["root"]), None)]
    parts = data.get("parts")
    if parts is None:
        parts = [{"caption": None, "chapters": data.get("chapters", [])}]
    for part in parts:
        for chapter in part.get("chapters", []):
            entries += _pages(chapter, part.get("caption"), toc)
    return entries


def _pages(item: dict, part: str | None, toc: Path) -> list[Entry]:
    if "file" not in item:
        raise ValueError(f"toc: {toc} has an entry without a file ({item!r}); the PDF prints files only")
    pages = [Entry(_docname(item["file"]), part)]
    for section in item.get("sections", []):
        pages += _pages(section, part, toc)
    return pages


def _docname(file: str) -> str:
    """``chapters/x.ipynb`` and ``chapters/x`` both name the document ``chapters/x``."""
    path = Path(file)
    return path.with_suffix("").as_posix() if path.suffix in (".md", ".ipynb", ".rst") else path.as_posix()
