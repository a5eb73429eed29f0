/* Wide formulas on narrow screens scroll sideways, and say so.
 *
 * A derivation line or a long inline formula can be wider than a phone's column. The theme clips inline
 * formulas (span.math has overflow: hidden), so the end of a formula would silently vanish, and a wide display
 * formula scrolls with no cue that there is more. Once MathJax has typeset the page, every formula wider than
 * its box gets the class `lossbook-wide` (it then scrolls sideways, with a visible scroll bar), plus
 * `more-right` / `more-left` while there is more of it to that side (the edge fades out: see lossbook.css).
 * A ResizeObserver keeps the classes right when the window is resized or a hidden solution is opened.
 *
 * Jupyter Book adds every script in _static/ to every page before MathJax itself (which is deferred), in no
 * promised order; this script and math-header-labels.js each chain onto whatever pageReady hook is already set.
 */
(() => {
  const SCROLLERS = "span.math, div.math mjx-container";

  // The formula's own width: MathJax's hidden MathML copy for screen readers inflates scrollWidth.
  function formulaWidth(element) {
    const math = element.querySelector("mjx-math");
    return math ? math.getBoundingClientRect().width : element.scrollWidth;
  }

  function mark(element) {
    const width = formulaWidth(element);
    const wide = width > element.clientWidth + 1;
    element.classList.toggle("lossbook-wide", wide);
    if (wide && !element.hasAttribute("tabindex")) {
      element.setAttribute("tabindex", "0"); // a keyboard can scroll it too
      element.dataset.lossbookTabindex = "";
    } else if (!wide && "lossbookTabindex" in element.dataset) {
      element.removeAttribute("tabindex");
      delete element.dataset.lossbookTabindex;
    }
    const left = element.scrollLeft;
    element.classList.toggle("more-left", wide && left > 1);
    element.classList.toggle("more-right", wide && left + element.clientWidth < width - 1);
  }

  function watch() {
    const elements = [...document.querySelectorAll(SCROLLERS)];
    const observer = new ResizeObserver((entries) => entries.forEach((entry) => mark(entry.target)));
    for (const element of elements) {
      mark(element);
      observer.observe(element);
      element.addEventListener("scroll", () => mark(element), {passive: true});
    }
    document.documentElement.dataset.lossbookMath = "marked";
  }

  if (!window.MathJax) {
    document.addEventListener("DOMContentLoaded", watch);
    return;
  }
  const previous = MathJax.startup && MathJax.startup.pageReady;
  MathJax.startup = Object.assign(MathJax.startup || {}, {
    pageReady: () =>
      (previous ? previous() : MathJax.startup.defaultPageReady())
        .then(watch)
        .catch((error) => console.error("lossbook: could not mark the wide formulas:", error)),
  });
})();
