"""The PDF's first pages, as one HTML document for Chromium to print: a title page and the table of contents.

The contents list every page of the book with its sections, grouped under the parts of ``_toc.yml``, each
with the number of the page it starts on and a link to it. Section titles keep their formulas, typeset by the
book's own MathJax. The front matter is numbered in lower-case roman numerals, the title page not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

# The MathJax that sphinx-mathjax-offline copies into the built book (the front matter is served beside it).
MATHJAX = "_static/mathjax/tex-chtml.js"

STYLE = """
@page { size: A4; margin: 20mm 18mm 20mm 18mm;
  @bottom-center { content: counter(page, lower-roman); font: 9pt "Liberation Serif", "DejaVu Serif", serif; } }
@page :first { @bottom-center { content: none; } }
html { font: 10.5pt/1.4 "Liberation Serif", "DejaVu Serif", serif; color: #000; }
body { margin: 0; }
.title-page { height: 240mm; display: flex; flex-direction: column; justify-content: center; break-after: page; }
.title-page h1 { font: bold 30pt/1.2 "Liberation Sans", "DejaVu Sans", sans-serif; margin: 0 0 0.3em; }
.title-page .subtitle { font-size: 18pt; margin: 0 0 2em; }
.title-page .author { font-size: 13pt; margin: 0; }
.title-page .edition { font-size: 10pt; margin-top: 3em; color: #333; }
h2 { font: bold 20pt "Liberation Sans", "DejaVu Sans", sans-serif; margin: 0 0 0.8em; }
ol { list-style: none; margin: 0; padding: 0; }
.part > .caption { font: bold 11pt "Liberation Sans", "DejaVu Sans", sans-serif; margin: 1.1em 0 0.3em; }
.sections { margin: 0 0 0.3em 1.6em; font-size: 9.5pt; }
li { break-inside: avoid; }
a { color: inherit; text-decoration: none; display: flex; align-items: baseline; }
a .title { flex: 0 1 auto; }
a .leader { flex: 1 1 auto; border-bottom: 0.8pt dotted #777; margin: 0 0.4em; min-width: 1.5em; }
a .number { flex: 0 0 auto; }
.page > a { font-weight: bold; margin-top: 0.35em; }
"""


@dataclass(frozen=True)
class Line:
    """A line of the contents: its depth (0 a part's caption, 1 a page, 2 a section), its HTML, the URL it
    links to (relative to the book's root; none for a part's caption) and the page it starts on."""

    depth: int
    html: str
    href: str | None = None
    page: int | None = None


def front_matter(title: str, author: str, year: str, lines: list[Line]) -> str:
    """The title page and the table of contents as one HTML document. A title "name: subtitle" prints as
    the name, large, over the subtitle.

    >>> html = front_matter("A book: on things", "Its authors", "2026", [
    ...     Line(1, "Introduction", "intro.html", 1),
    ...     Line(0, "Part one"),
    ...     Line(1, "A chapter", "chapters/a.html", 3),
    ...     Line(2, "A section with \\\\(x^2\\\\)", "chapters/a.html#s", 4),
    ... ])
    >>> "<h1>A book</h1>" in html and '<p class="subtitle">on things</p>' in html and 'href="chapters/a.html#s"' in html
    True
    >>> html.count('<span class="number">')
    3
    """
    body = []
    depth = 0  # how many lists are open: 1 inside the contents, 2 inside a part, 3 inside a page's sections
    in_part = False
    for line in lines:
        if line.depth == 0:
            body.append(_close(depth, 1))
            body.append(f'<li class="part"><p class="caption">{line.html}</p><ol>')
            depth, in_part = 2, True
            continue
        if line.depth == 1:
            body.append(_close(depth, 2 if in_part else 1))
            depth = 2 if in_part else 1
            body.append(f'<li class="page">{_link(line)}')
            body.append('<ol class="sections">')
            depth += 1
            continue
        if line.depth == 2:
            body.append(f"<li>{_link(line)}</li>")
            continue
        raise ValueError(f"lines: depth must be 0, 1 or 2, got {line.depth}")
    body.append(_close(depth, 0))
    name, _, subtitle = title.partition(": ")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<script>window.MathJax = {{"options": {{"processHtmlClass": "math"}}}};</script>
<script defer src="{MATHJAX}"></script>
<style>{STYLE}</style></head>
<body>
<section class="title-page">
<h1>{escape(name)}</h1>
<p class="subtitle">{escape(subtitle)}</p>
<p class="author">{escape(author)}</p>
<p class="edition">The PDF edition of the HTML book, printed from the same executed notebooks. &#169; {escape(year)}</p>
</section>
<nav class="contents" aria-label="Contents"><h2 id="contents">Contents</h2><a href="#contents" hidden></a>
<ol>{"".join(body)}
</nav>
</body></html>
"""


def _link(line: Line) -> str:
    if line.href is None or line.page is None:
        raise ValueError(f"lines: a page or section needs a link and a page number ({line.html!r})")
    return (
        f'<a href="{escape(line.href)}"><span class="title">{line.html}</span><span class="leader"></span>'
        f'<span class="number">{line.page}</span></a>'
    )


def _close(depth: int, to: int) -> str:
    """Close the open lists (and the items holding them) from ``depth`` down to ``to``."""
    closing = []
    while depth > to:
        closing.append("</ol></li>" if depth > 1 else "</ol>")
        depth -= 1
    return "".join(closing)
