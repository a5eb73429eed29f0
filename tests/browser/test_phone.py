"""On a 390-pixel phone screen no formula is cut off, a formula wider than the column scrolls sideways with a
visible cue, and a figure narrows to the column keeping its shape. test_chapters.py runs FORMULA_PROBLEMS and
FIGURE_PROBLEMS on every chapter (in the tab it has already loaded); this file shows that the marking works and
that the checks can fail.

The theme clips inline formulas (``span.math`` hides its overflow) and gives no sign that a wide display
formula scrolls. ``_static/math-overflow.js`` marks every formula wider than its box (class ``lossbook-wide``:
it scrolls, see ``_static/lossbook.css``) and, while there is more of it to the right, ``more-right`` (its right
edge fades out). Formulas inside closed drop-downs (hidden solutions) are not laid out and are not checked.
"""

from __future__ import annotations

from .conftest import reads

CHAPTER = "chapters/kl_divergence_l2.html"

FORMULA_PROBLEMS = """() => {
    const problems = [];
    const screen = document.documentElement.clientWidth;
    const scrolls = element => ["auto", "scroll"].includes(getComputedStyle(element).overflowX);
    for (const box of document.querySelectorAll("span.math, div.math mjx-container")) {
        const math = box.querySelector("mjx-math");
        if (!math || box.offsetParent === null) continue;
        const name = (box.closest(".math").textContent || "").replace(/\\s+/g, " ").slice(0, 60);
        const width = math.getBoundingClientRect().width;
        if (width > box.clientWidth + 1) {
            if (!scrolls(box)) problems.push(`cut off (${Math.round(width)} px in ${box.clientWidth} px): ${name}`);
            else if (box.scrollLeft === 0 && !box.classList.contains("more-right"))
                problems.push(`scrolls with no cue that there is more: ${name}`);
        }
        const right = box.getBoundingClientRect().right;
        if (right > screen + 1) {
            let ancestor = box.parentElement, inside = false;
            while (ancestor && !inside) { inside = scrolls(ancestor); ancestor = ancestor.parentElement; }
            if (!inside) problems.push(`runs off the screen (${Math.round(right)} px of ${screen}): ${name}`);
        }
    }
    return problems;
}"""

# Figures are stored at twice their display size and state that size (width and height) on the image; on a
# phone the column is narrower, and a figure must narrow as a whole: its drawn shape is its image's shape.
FIGURE_PROBLEMS = """() => {
    const problems = [];
    const screen = document.documentElement.clientWidth;
    for (const img of document.querySelectorAll("article img")) {
        if (img.offsetParent === null || !img.naturalWidth) continue;
        const style = getComputedStyle(img), box = img.getBoundingClientRect();
        const edges = (a, b) => ["border-" + a + "-width", "border-" + b + "-width", "padding-" + a, "padding-" + b]
            .reduce((sum, name) => sum + parseFloat(style.getPropertyValue(name)), 0);
        const width = box.width - edges("left", "right"), height = box.height - edges("top", "bottom");
        const name = (img.getAttribute("alt") || img.getAttribute("src")).slice(0, 60);
        const distortion = (width / height) / (img.naturalWidth / img.naturalHeight);
        if (Math.abs(distortion - 1) > 0.02)
            problems.push(`figure drawn ${Math.round(width)} x ${Math.round(height)} px from a ` +
                          `${img.naturalWidth} x ${img.naturalHeight} image: ${name}`);
        if (box.right > screen + 1) problems.push(`figure runs off the screen (${Math.round(box.right)} px): ${name}`);
    }
    return problems;
}"""

WIDE = "() => document.querySelectorAll('.lossbook-wide.more-right').length"


@reads(CHAPTER)
def test_a_wide_derivation_scrolls_with_a_fading_edge(reader, path):
    page = reader.view(path, phone=True)
    assert page.evaluate(WIDE) > 0, f"no formula of {path} is marked as wider than a phone's column"
    mask = page.evaluate("() => getComputedStyle(document.querySelector('.lossbook-wide.more-right')).maskImage")
    assert "gradient" in mask


@reads(CHAPTER)
def test_the_check_finds_a_clipped_formula(reader, path):
    """A wide inline formula that does not scroll (as the theme alone leaves it) is reported as cut off."""
    page = reader.take(path, phone=True)
    page.evaluate(
        """() => {
            const span = document.querySelector("p span.math");
            span.querySelector("mjx-math").style.paddingRight = "2000px";
            span.style.setProperty("overflow-x", "hidden", "important");
        }"""
    )
    assert any(problem.startswith("cut off") for problem in page.evaluate(FORMULA_PROBLEMS))


@reads(CHAPTER)
def test_figures_narrow_whole_on_a_phone(reader, path):
    page = reader.view(path, phone=True)
    assert page.evaluate("() => document.querySelectorAll('article img').length") > 0
    assert page.evaluate(FIGURE_PROBLEMS) == []


@reads(CHAPTER)
def test_the_check_finds_a_squashed_figure(reader, path):
    """A figure that keeps its stated height while the column narrows its width is reported."""
    page = reader.take(path, phone=True)
    page.evaluate("() => document.querySelector('article img').style.setProperty('height', '411px', 'important')")
    assert any(problem.startswith("figure drawn") for problem in page.evaluate(FIGURE_PROBLEMS))
