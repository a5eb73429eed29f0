"""What the PDF edition must get right (issue 16): the whole book, in order, findable (bookmarks, contents,
links), every formula typeset and every reference resolved, figures and solutions in place, fonts embedded,
nothing past the margin, on paper a reader can print."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter

from .conftest import HTML, built_page, page_margins, plain
from pypdf import PdfReader
from pypdf.generic import ArrayObject

from pdf_edition.contents import Entry

A4 = (595.28, 841.89)
LETTER = (612.0, 792.0)
# TeX that MathJax should have typeset, or a reference Sphinx could not resolve, in the text a reader sees.
# Code is exempt (a code cell may well print TeX): text in the monospace font is not searched.
# A horizontal rule of a formula (a bar, a fraction's line) that MathJax draws as one glyph stretched by a
# transformation: poppler gives it the box of the glyph before clipping, far wider than the page.
STRETCHED_RULE = re.compile(r"[\u2013\u2014\u2212\u00af_\u203e\u2500]")
RAW_TEX = re.compile(r"\\[A-Za-z]+|\$\$|\\\(|\\\[|\\begin\{|\?\?")
MONOSPACE = re.compile(r"Mono|Courier", re.IGNORECASE)


def _outline(reader: PdfReader, items=None, depth=0) -> list[tuple[int, str, int]]:
    """Every bookmark as (depth, title, index of the page it opens)."""
    found = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            found += _outline(reader, item, depth + 1)
        else:
            found.append((depth, item.title, reader.get_destination_page_number(item)))
    return found


def _page_title(entry: Entry) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", built_page(entry), re.S)
    assert match, f"{entry.html} has no <h1>"
    return plain(match.group(1)).rstrip("#").strip()


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_pages_are_a4_or_letter(reader):
    sizes = Counter((round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2)) for p in reader.pages)
    for size in sizes:
        # within a point: Chromium lays out A4 in whole CSS pixels
        assert any(abs(size[0] - w) < 1 and abs(size[1] - h) < 1 for w, h in (A4, LETTER)), f"page sizes: {dict(sizes)}"


def test_every_page_of_the_book_is_a_bookmark_at_its_first_page(reader, page_texts, entries):
    bookmarks = {title: page for _, title, page in _outline(reader)}
    for entry in entries:
        title = _page_title(entry)
        assert title in bookmarks, f"no bookmark for {entry.docname} ({title!r}); bookmarks: {sorted(bookmarks)}"
        opened = page_texts[bookmarks[title]]
        assert _normalise(title) in _normalise(opened), f"the bookmark {title!r} opens a page without that title"


def test_parts_are_bookmarks_holding_their_chapters(reader, entries):
    outline = _outline(reader)
    tops = [title for depth, title, _ in outline if depth == 0]
    for part in dict.fromkeys(e.part for e in entries if e.part):
        assert part in tops, f"the part {part!r} is not a top-level bookmark"
        start = next(k for k, (depth, title, _) in enumerate(outline) if depth == 0 and title == part)
        inside = []
        for depth, title, _ in outline[start + 1 :]:
            if depth == 0:
                break
            if depth == 1:
                inside.append(title)
        assert inside == [_page_title(e) for e in entries if e.part == part]


def test_contents_give_the_page_each_chapter_starts_on(reader, page_texts, entries):
    labels = reader.page_labels
    contents = " ".join(page_texts[: labels.index("1")])
    for entry in entries:
        title = _page_title(entry)
        match = re.search(re.escape(_normalise(title)) + r"\s+(\d+)", _normalise(contents))
        assert match, f"the contents do not list {title!r} with a page number"
        index = labels.index(match.group(1))
        assert _normalise(title) in page_texts[index], (
            f"the contents say {title!r} starts on page {match.group(1)}, which does not show that title"
        )


def test_page_numbers_printed_at_the_foot_match_the_page_labels(reader, pages):
    margins = page_margins()
    labels = reader.page_labels
    for page in pages[labels.index("1") :]:
        # the number is centred in the bottom margin, well below the last line of text
        foot = [t.text.strip() for t in page.texts if t.top > page.height - margins["bottom"] * 2 / 3]
        assert foot == [labels[page.number - 1]], f"page {page.number}: the foot reads {foot}"


def test_no_text_runs_past_the_margins(words):
    margins = page_margins()
    slack = 1.0  # points: a glyph's side bearing may reach a hair past its box
    outside = []
    for page in words:
        right = page.width - margins["right"]
        outside += [
            f"page {page.number}: {t.text!r} from x = {t.left:.1f} to {t.left + t.width:.1f}"
            for t in page.texts
            if (t.left < margins["left"] - slack or t.left + t.width > right + slack)
            and not STRETCHED_RULE.fullmatch(t.text)
        ]
    assert not outside, f"{len(outside)} runs of text outside the text area:\n" + "\n".join(outside[:20])


def test_no_raw_tex_or_unresolved_reference_in_the_prose(pages):
    found = []
    for page in pages:
        prose = _normalise(" ".join(t.text for t in page.texts if not MONOSPACE.search(t.font)))
        for match in RAW_TEX.finditer(prose):
            found.append(f"page {page.number}: {match.group()!r} in …{prose[max(0, match.start() - 50) : match.end() + 30]}…")
    assert not found, "\n".join(found)


def test_the_code_exempted_above_does_hold_tex(pages):
    """The check above is not vacuous: it tells code from prose by the font, and the code it exempts does
    print TeX (the derivations' labels, such as r"\\log L")."""
    code = " ".join(t.text for page in pages for t in page.texts if MONOSPACE.search(t.font))
    prose = [t for page in pages for t in page.texts if not MONOSPACE.search(t.font)]
    assert RAW_TEX.search(code) and prose


def test_every_font_is_embedded(pdf_path):
    pdffonts = shutil.which("pdffonts")
    assert pdffonts, "pdffonts (poppler-utils) is missing; run `make pdf-tools`"
    lines = subprocess.run([pdffonts, str(pdf_path)], check=True, capture_output=True, text=True).stdout.splitlines()
    header, rule, *fonts = lines
    column = header.index("emb")
    assert fonts, "pdffonts lists no font"
    not_embedded = [line for line in fonts if line[column : column + 3].strip() != "yes"]
    assert not not_embedded, "fonts not embedded:\n" + "\n".join(not_embedded)


def test_every_figure_is_printed_with_its_caption(images, book_text, entries):
    figures = []
    for entry in entries:
        for caption in re.findall(r"<figcaption>(.*?)</figcaption>", built_page(entry), re.S):
            figures.append(plain(caption).rstrip("#").strip())
    drawn = [image for image in images if image["type"] == "image"]
    assert len(drawn) == len(figures), f"{len(drawn)} images in the PDF, {len(figures)} figures in the book"
    for caption in figures:
        # up to the first formula, whose typeset text differs from its source
        words = re.split(r"\\\(|\$", caption)[0][:60]
        assert _normalise(words) in book_text, f"caption not found in the PDF: {caption[:80]!r}"


# Print resolution for the book's line figures: 300 ppi is the rule for photographs; every figure, stored at
# twice its display size (lossbook.plots), prints at 190 ppi or more, about twice what the screen shows.
PRINT_PPI = 190


def test_every_figure_is_printed_at_print_resolution(images):
    low = [
        f"page {image['page']}: {image['width']} x {image['height']} px at {image['x-ppi']} ppi"
        for image in images
        if image["type"] == "image" and min(int(image["x-ppi"]), int(image["y-ppi"])) < PRINT_PPI
    ]
    assert not low, "figures printed below print resolution:\n" + "\n".join(low)


def test_every_solution_is_printed_after_its_exercise(reader, page_texts, entries):
    # Whitespace is dropped on both sides: the PDF's text and the HTML's differ in spaces around tags and
    # punctuation. The search starts after the front matter, whose contents name every chapter too.
    front = reader.page_labels.index("1")
    text = _squash(" ".join(page_texts[front:]))
    count = 0
    for entry in entries:
        page = built_page(entry)
        for number, body in re.findall(
            r'<div class="solution[^"]*"[^>]*>\s*<p class="admonition-title">Solution to.*?Exercise (\d+).*?</p>(.*?)</div>',
            page,
            re.S,
        ):
            count += 1
            chapter = text.index(_squash(_page_title(entry)))
            exercise = text.index(f"Exercise{number}", chapter)
            solution = text.index(f"SolutiontoExercise{number}", chapter)
            assert exercise < solution, f"{entry.docname}: solution {number} before its exercise"
            # the longest run of words between formulas and code (whose printed text differs from the source,
            # or is set apart): five of its words, as a sample of the solution's prose
            prose = re.sub(r'<span class="math[^"]*">.*?</span>|<code.*?</code>|<pre.*?</pre>', "|", body, flags=re.S)
            run = max((plain(part).split() for part in prose.split("|")), key=len)
            if len(run) >= 5:
                sample = _squash(" ".join(run[:5]))
                assert sample in text[solution:], f"{entry.docname}: solution {number} is not printed ({sample})"
    assert count >= 10, f"only {count} solutions found in the book; the pattern above no longer matches"


def test_the_bibliography_is_printed_whole(reader, entries, page_texts):
    [bibliography] = [e for e in entries if e.docname == "bibliography"]
    citations = re.findall(r'<div class="citation"[^>]*>.*?<p>(.*?)</p>', built_page(bibliography), re.S)
    assert len(citations) > 20, f"only {len(citations)} entries found in the bibliography page"
    starts = sorted(page for depth, _, page in _outline(reader) if depth <= 1)
    first = dict((title, page) for _, title, page in _outline(reader))[_page_title(bibliography)]
    after = [page for page in starts if page > first]
    printed = " ".join(page_texts[first : after[0] if after else None])
    for citation in citations:
        opening = " ".join(plain(citation).split()[:5])
        assert opening in printed, f"bibliography entry missing from the PDF: {opening!r}"


def test_links_within_the_book_go_to_its_pages(reader):
    within, elsewhere, local = 0, 0, []
    for number, page in enumerate(reader.pages, 1):
        for reference in page.get("/Annots", []):
            annotation = reference.get_object()
            if annotation.get("/Subtype") != "/Link":
                continue
            if "/Dest" in annotation:
                destination = annotation["/Dest"]
                assert isinstance(destination, ArrayObject), f"page {number}: a named destination is left"
                assert reader.get_page_number(destination[0].get_object()) >= 0
                within += 1
            else:
                uri = str(annotation["/A"].get_object()["/URI"])
                if re.match(r"https?://(127\.|localhost|\[::1\])", uri) or "://" not in uri:
                    local.append(f"page {number}: {uri}")
                elsewhere += 1
    assert not local, "links to the server the book was printed from:\n" + "\n".join(local[:20])
    assert within > 100 and elsewhere > 0


def test_the_html_book_offers_the_pdf(pdf_path):
    copy = HTML / pdf_path.name
    assert copy.is_file() and copy.read_bytes() == pdf_path.read_bytes(), f"{copy} is not the PDF"
    assert 'href="lossbook.pdf"' in (HTML / "intro.html").read_text(encoding="utf-8")


def test_metadata_names_the_book(reader):
    import yaml

    config = yaml.safe_load((HTML.parents[1] / "_config.yml").read_text(encoding="utf-8"))
    assert reader.metadata.title == config["title"]
    assert reader.metadata.author == config["author"]
