"""On a 390-pixel phone screen no formula is cut off, and a formula wider than the column scrolls sideways with a
visible cue. test_chapters.py runs FORMULA_PROBLEMS on every chapter (in the tab it has already loaded); this file
shows that the marking works and that the check can fail.

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
