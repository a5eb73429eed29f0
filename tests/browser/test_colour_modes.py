"""The book in its two colour modes.

Figures stay legible in both: the book's figures have opaque light backgrounds (lossbook.plots), so a dark
page does not show through transparent areas and turn black axes and labels invisible. The KL chapter is read
in light mode, then switched to dark mode with the theme's own button. For each figure a screenshot of it in
its page and one of the figure alone are saved under the test's temporary directory (kl-{mode}-page-{n}.png,
kl-{mode}-figure-{n}.png), and the inner corners of every figure, as drawn on screen, must be light in both
modes.

Text stays legible in dark mode too: the colour rules of the accessibility audit that test_pages.py and
test_chapters.py run in light mode (axe's colour contrast and links told apart from text, and the contrast of
code and formula text) are run again in dark mode, on the KL chapter and on every page that is not a chapter.
Only colours differ between the modes, so axe's other rules would repeat the light mode's verdicts. The page is
switched to dark mode with the theme's button in the tab that has read it in light mode (``Reader.view``), as a
reader switches it, instead of being loaded and typeset a second time.
"""

from __future__ import annotations

import io

from PIL import Image

from .conftest import FORGET_COLOUR_MODE, TRANSITIONS_DONE, reads

CHAPTER = "chapters/kl_divergence_l2.html"
FIGURES = "main figure img, main .cell_output img"
# A light pixel in every channel. White under the theme's dark-mode image filter, brightness(.8) contrast(1.2),
# is about 219; the dark page background is below 40.
LIGHT = 200
# Where to sample, inside each corner of the image's content box (clear of the theme's rounded corners).
INSET = 4
# The image's content box within its border box, in CSS pixels.
CONTENT_BOX = """img => {
    const style = getComputedStyle(img);
    const px = name => parseFloat(style.getPropertyValue(name)) || 0;
    return {
        left: px("padding-left") + px("border-left-width"),
        top: px("padding-top") + px("border-top-width"),
        right: px("padding-right") + px("border-right-width"),
        bottom: px("padding-bottom") + px("border-bottom-width"),
    };
}"""


def corner_pixels(png: bytes, box: dict, scale: float) -> list[tuple[int, int, int]]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    left, top = (box["left"] + INSET) * scale, (box["top"] + INSET) * scale
    right, bottom = width - 1 - (box["right"] + INSET) * scale, height - 1 - (box["bottom"] + INSET) * scale
    return [image.getpixel((round(x), round(y))) for x in (left, right) for y in (top, bottom)]


def switch_to_dark(page) -> None:
    """Click the theme's colour-mode button until the page is dark (it cycles light, dark, system)."""
    button = page.locator(".theme-switch-button:visible").first
    for _ in range(3):
        if page.evaluate("document.documentElement.dataset.theme") == "dark":
            return
        button.click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark", "the theme button gives no dark mode"


@reads(CHAPTER)
def test_figures_have_light_opaque_backgrounds_in_light_and_dark_mode(reader, path, tmp_path):
    page = reader.take(path)  # scrolled and switched to dark mode here
    scale = page.evaluate("window.devicePixelRatio")
    figures = page.locator(FIGURES)
    count = figures.count()
    assert count > 0, f"{path} has no figures"

    problems = []
    for mode in ("light", "dark"):
        if mode == "dark":
            try:
                switch_to_dark(page)
            finally:
                page.evaluate(f"() => {{ {FORGET_COLOUR_MODE} }}")
            page.evaluate(TRANSITIONS_DONE)
        assert page.evaluate("document.documentElement.dataset.theme") == mode
        for index in range(count):
            figure = figures.nth(index)
            # The figure in its page (caption, text around it), then the figure alone.
            figure.evaluate("img => img.scrollIntoView({block: 'center'})")
            page.screenshot(path=tmp_path / f"kl-{mode}-page-{index + 1}.png")
            png = figure.screenshot(path=tmp_path / f"kl-{mode}-figure-{index + 1}.png")
            for pixel in corner_pixels(png, figure.evaluate(CONTENT_BOX), scale):
                if min(pixel) < LIGHT:
                    problems.append(f"{mode} mode, figure {index + 1}: corner pixel {pixel} is not light")
    assert not problems, "\n".join(problems) + f"\nscreenshots in {tmp_path}"
    assert not reader.problems(), reader.problems()


@reads(CHAPTER)
def test_figure_files_are_opaque(reader, path):
    """The PNG files themselves have no transparent corners, whatever the page's CSS does."""
    page = reader.document(path)
    sources = page.locator(FIGURES).evaluate_all("images => images.map(img => img.src)")
    assert sources
    for src in sources:
        response = page.request.get(src)
        assert response.status == 200, src
        image = Image.open(io.BytesIO(response.body())).convert("RGBA")
        width, height = image.size
        alphas = [image.getpixel((x, y))[3] for x in (0, width - 1) for y in (0, height - 1)]
        assert alphas == [255] * 4, f"{src}: transparent corners (alpha {alphas})"


def _audit_in_dark_mode(reader, path: str) -> list[str]:
    page = reader.view(path, dark=True)
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    return reader.audit(page, colours_only=True)


@reads(CHAPTER)
def test_chapter_text_is_legible_in_dark_mode(reader, path):
    """The per-page checks read every page in light mode. This reads the KL chapter, with its definition,
    theorem and exercise boxes, links, math, code and outputs, in dark mode."""
    problems = _audit_in_dark_mode(reader, path)
    assert not problems, f"{path} in dark mode:\n" + "\n".join(problems)


def test_page_text_is_legible_in_dark_mode(reader, reference_page):
    """Every page but the chapters in dark mode: index tables, the bibliography, the API reference."""
    problems = _audit_in_dark_mode(reader, reference_page)
    assert not problems, f"{reference_page} in dark mode:\n" + "\n".join(problems)


def test_colours_are_read_after_running_transitions(reader):
    """TRANSITIONS_DONE, which the tests above wait on, returns once a colour transition has reached its end."""
    page = reader.new_tab()
    try:
        page.set_content('<p style="color: rgb(0, 0, 0); transition: color 400ms linear">text</p>')
        page.evaluate("document.querySelector('p').style.color = 'rgb(255, 255, 255)'")
        page.evaluate(TRANSITIONS_DONE)
        assert page.evaluate("getComputedStyle(document.querySelector('p')).color") == "rgb(255, 255, 255)"
    finally:
        page.close()
