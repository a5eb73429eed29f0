"""The accessibility audit itself (``Reader.audit`` in conftest.py) finds what it is there to find.

The audit measures the contrast of code and of formulas on its own (``TEXT_CONTRAST``) and lets axe-core do
everything else, with axe's color-contrast rule told to skip code blocks and MathJax's glyph trees. These
tests read a small page written here, shaped like the book's (a paragraph, a formula as MathJax's CHTML output
draws it, a highlighted code cell and its printed output, an entry of the API reference), and spoil one thing at a time: the audit passes the
page as written and reports each defect, by the check meant to catch it and by no other.
"""

from __future__ import annotations

import re

import pytest

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<title>A page for the audit</title>
<style>
  body { background: #fff; color: #222832; font: 16px sans-serif; }
  /* As MathJax 3 draws a formula: glyphs are generated content; the MathML copy is clipped out of sight. */
  mjx-container, mjx-math, mjx-mi { display: inline-block; }
  mjx-c.x::before { content: "x"; }
  mjx-assistive-mml {
    position: absolute !important; clip: rect(1px, 1px, 1px, 1px); padding: 1px 0 0 0 !important;
    border: 0 !important; display: block !important; width: auto !important; overflow: hidden !important;
  }
  .highlight { background: #f8f8f8; }
  .highlight .n { color: #080808; }
</style>
</head>
<body>
<main>
<h1>A page for the audit</h1>
<p class="prose">The residual is what the model leaves unexplained.</p>
<p>The loss is a function of the residual
<mjx-container class="MathJax" jax="CHTML" tabindex="0"><mjx-math class="MJX-TEX" aria-hidden="true"><mjx-mi
class="mjx-i"><mjx-c class="x"></mjx-c></mjx-mi></mjx-math><mjx-assistive-mml display="inline"><math
xmlns="http://www.w3.org/1998/Math/MathML"><mi>x</mi></math></mjx-assistive-mml></mjx-container>.</p>
<div class="highlight"><pre><span></span><span class="n">residual</span> <span class="o">=</span> <span
class="mi">1</span></pre></div>
<div class="highlight"><pre><span></span>printed output of the cell</pre></div>
<dl class="py function"><dt class="sig sig-object py" id="loss"><span class="sig-name descname"><span
class="pre">loss</span></span><span class="sig-paren">(</span><em class="sig-param"><span class="n"><span
class="pre">r</span></span></em><span class="sig-paren">)</span></dt>
<dd><p>The loss of a residual.</p></dd></dl>
</main>
</body>
</html>"""

LIGHT_GREY = "#bbbbbb"  # 1.9:1 on white
DEFECTS = {
    "prose": f"document.querySelector('p.prose').style.color = '{LIGHT_GREY}'",
    "code token": f"document.querySelector('.highlight .n').style.color = '{LIGHT_GREY}'",
    "printed output": f"document.querySelectorAll('.highlight pre')[1].style.color = '{LIGHT_GREY}'",
    # What \\color{#bbbbbb}{x} makes MathJax write: a colour on the glyph's node.
    "formula glyph": f"document.querySelector('mjx-mi').style.color = '{LIGHT_GREY}'",
    # Text MathJax has no glyph for is a text node in the glyph tree (mjx-utext).
    "formula text": f"""document.querySelector('mjx-math').insertAdjacentHTML(
        'beforeend', '<mjx-utext style="color: {LIGHT_GREY}">max</mjx-utext>')""",
    # An entry of the API reference, as Sphinx writes one.
    "API entry": f"document.querySelector('dl.py dd p').style.color = '{LIGHT_GREY}'",
    "API signature": f"document.querySelector('dl.py em.sig-param .pre').style.color = '{LIGHT_GREY}'",
    # The glyph tree is hidden from screen readers, so nothing in it may take the keyboard's focus.
    "link in the glyphs": """document.querySelector('mjx-math').insertAdjacentHTML(
        'beforeend', '<a href="#top">x</a>')""",
}
REPORTED_AS = {
    "prose": r"axe \w+ color-contrast: ",
    "code token": r"code text 'span\.n' \('residual', rgb\(187, 187, 187\)\) has contrast 1\.\d\d:1",
    "printed output": r"code text 'pre' \('printed output of the cell', rgb\(187, 187, 187\)\) has contrast",
    "formula glyph": r"formula text 'mjx-c\.x' \('x', rgb\(187, 187, 187\)\) has contrast 1\.\d\d:1",
    "formula text": r"formula text 'mjx-utext' \('max', rgb\(187, 187, 187\)\) has contrast",
    "link in the glyphs": r"axe \w+ aria-hidden-focus: ",
    "API entry": r"API entry text 'p' \('The loss of a residual\.', rgb\(187, 187, 187\)\) has contrast",
    "API signature": r"API entry text 'span\.pre' \('r', rgb\(187, 187, 187\)\) has contrast",
}


@pytest.fixture(scope="module")
def audit_tab(_session_reader):
    """A tab of this file's own, kept for its tests: axe-core, which ``Reader.audit`` puts into a page, stays
    in the tab when ``set_content`` writes a new document into it."""
    page = _session_reader.new_tab()
    yield page
    page.close()


@pytest.fixture
def written_page(reader, audit_tab):
    """The tab with ``PAGE`` in it, as written (whatever the last test spoilt)."""
    audit_tab.set_content(PAGE)
    return audit_tab


def test_audit_passes_the_page_as_written(reader, written_page):
    assert reader.audit(written_page) == []


@pytest.mark.parametrize("defect", DEFECTS)
def test_audit_reports_each_defect_by_the_check_for_it(reader, written_page, defect):
    written_page.evaluate(DEFECTS[defect])
    problems = reader.audit(written_page)
    assert problems, f"the audit missed the {defect}"
    assert all(re.match(REPORTED_AS[defect], problem) for problem in problems), "\n".join(problems)


@pytest.mark.parametrize("defect", DEFECTS)
def test_the_colour_audit_reports_each_colour_defect_and_nothing_else(reader, written_page, defect):
    """``audit(colours_only=True)``, the audit of a page in its second colour mode, still reports every defect of
    colour, and only those."""
    written_page.evaluate(DEFECTS[defect])
    problems = reader.audit(written_page, colours_only=True)
    if defect == "link in the glyphs":  # not a matter of colour: the light-mode audit reports it
        assert problems == []
    else:
        assert problems and all(re.match(REPORTED_AS[defect], problem) for problem in problems), "\n".join(problems)


def test_text_a_reader_cannot_see_is_not_measured(reader, written_page):
    """As axe does: a permalink's "#" in an API entry is hidden until the pointer is over it."""
    written_page.evaluate(
        f"""document.querySelector('dl.py dt').insertAdjacentHTML('beforeend',
            '<a class="headerlink" href="#loss" style="visibility: hidden; color: {LIGHT_GREY}">#</a>')"""
    )
    assert reader.audit(written_page) == []
    written_page.evaluate("document.querySelector('dl.py a.headerlink').style.visibility = 'visible'")
    assert any(p.startswith("API entry text 'a.headerlink'") for p in reader.audit(written_page))
