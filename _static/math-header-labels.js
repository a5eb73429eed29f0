/* Formulas in table header cells get a spoken label.
 *
 * A chapter's table may head a column with a formula alone, such as $\mu$. MathJax draws it with CSS glyphs
 * and keeps a MathML copy for assistive technology, but ARIA gives a `math` element a name only from its
 * author, so the column header has no accessible name: Chromium announces nothing for it while a screen
 * reader moves along the column, and axe reports an empty table header. Once MathJax has typeset the page,
 * each formula inside a <th> gets the speech text of MathJax's own speech rule engine (the "mathspeak"
 * rules, as MathJax's accessibility menu uses) as the aria-label of its MathML. The engine and its English
 * rules are loaded from the book's own copy of MathJax, and only on pages that have such a header.
 *
 * Jupyter Book adds every script in _static/ to every page, after the inline MathJax configuration that
 * Sphinx writes on pages with math and before MathJax itself (which is deferred), so the hook below is in
 * place when MathJax starts; MathJax's startup promise resolves only once the labels are set.
 */
(() => {
  const SPEECH = {locale: "en", domain: "mathspeak", modality: "speech"};

  async function labelHeaderFormulas() {
    const formulas = [...MathJax.startup.document.math].filter(
      (item) => item.typesetRoot && item.typesetRoot.closest("th"),
    );
    if (!formulas.length) return;
    await MathJax.loader.load("a11y/sre");
    const Sre = MathJax._.a11y.sre.Sre;
    await Sre.setupEngine(SPEECH);
    await Sre.sreReady();
    for (const item of formulas) {
      const math = item.typesetRoot.querySelector("mjx-assistive-mml > math");
      if (math) math.setAttribute("aria-label", Sre.toSpeech(MathJax.startup.toMML(item.root)));
    }
  }

  // Sphinx configures MathJax (window.MathJax) only on pages that have math.
  if (!window.MathJax) return;
  // Another script of the book may have set a pageReady hook already: run it first (or MathJax's default).
  const previous = MathJax.startup && MathJax.startup.pageReady;
  MathJax.startup = Object.assign(MathJax.startup || {}, {
    pageReady: () =>
      (previous ? previous() : MathJax.startup.defaultPageReady())
        .then(labelHeaderFormulas)
        .catch((error) => console.error("lossbook: could not label the formulas in table headers:", error)),
  });
})();
