/* Search results show formulas as plain text, not as TeX source.
 *
 * Sphinx's search page shows under each result a snippet of the page's text (Search.makeSearchSummary, in
 * searchtools.js), taken from the page's HTML by Search.htmlToText. In that HTML every formula is still its
 * TeX source, such as \(\sigma^2\) or \[\begin{aligned} ... \end{aligned}\], which MathJax typesets only in
 * the browser, so the snippets showed raw TeX. Search.htmlToText is wrapped: before Sphinx takes the text,
 * each formula's TeX is written as plain text (\(\mathcal{N}(\mu, \sigma^2)\) becomes "N(μ, σ^2)"), so the
 * snippet's window and its highlighted words are those of readable text. It all happens in the reader's
 * browser, on the page Sphinx fetched from the book itself; nothing else is loaded.
 *
 * Jupyter Book adds every script in _static/ to every page; only the search page makes snippets.
 */
(() => {
  const GREEK = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ",
    eta: "η", theta: "θ", vartheta: "ϑ", iota: "ι", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν",
    xi: "ξ", pi: "π", rho: "ρ", sigma: "σ", tau: "τ", upsilon: "υ", phi: "φ", varphi: "φ",
    chi: "χ", psi: "ψ", omega: "ω", Gamma: "Γ", Delta: "Δ", Theta: "Θ", Lambda: "Λ", Xi: "Ξ",
    Pi: "Π", Sigma: "Σ", Phi: "Φ", Psi: "Ψ", Omega: "Ω",
  };
  // Relations and binary operators are written with a space on either side.
  const RELATIONS = {
    le: "≤", leq: "≤", ge: "≥", geq: "≥", ne: "≠", neq: "≠", approx: "≈", sim: "~", propto: "∝",
    in: "∈", to: "→", mapsto: "↦", cdot: "·", times: "×", pm: "±", mid: "|", equiv: "≡",
    Rightarrow: "⇒", Leftrightarrow: "⇔", Longleftrightarrow: "⟺", implies: "⟹", iff: "⟺",
    bmod: "mod",
  };
  const SYMBOLS = {
    infty: "∞", sum: "∑", prod: "∏", int: "∫", iint: "∬", partial: "∂", nabla: "∇", ell: "ℓ",
    star: "⋆", top: "ᵀ", prime: "′", dots: "…", ldots: "…", cdots: "…", vert: "|", lvert: "|",
    rvert: "|", Vert: "‖", lVert: "‖", rVert: "‖", langle: "⟨", rangle: "⟩", lfloor: "⌊",
    rfloor: "⌋", lceil: "⌈", rceil: "⌉", forall: "∀", exists: "∃",
  };
  // Sizing and spacing commands that leave nothing (or a space) behind.
  const DROPPED = new Set([
    "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "displaystyle",
    "textstyle", "limits", "nolimits",
  ]);
  const SPACES = new Set(["quad", "qquad"]);
  // Commands whose one argument is shown as it is: fonts, text, operator names.
  const KEEP_ARGUMENT =
    "text|textrm|textit|textbf|mathrm|mathit|mathbf|mathsf|mathtt|mathcal|mathbb|mathfrak|boldsymbol|" +
    "operatorname\\*?|mbox|substack";
  // Accents become the combining character after their argument (\hat\sigma is σ̂).
  const ACCENTS = {
    hat: "\u0302", widehat: "\u0302", bar: "\u0304", overline: "\u0305", tilde: "\u0303",
    widetilde: "\u0303", dot: "\u0307", ddot: "\u0308", vec: "\u20d7",
  };
  const TAKES_ARGUMENTS = new RegExp(
    "^(?:[dt]?frac|sqrt|overset|underset|stackrel|begin|end|" +
      `${KEEP_ARGUMENT}|${Object.keys(ACCENTS).join("|")})$`,
  );
  const GROUP = "\\{([^{}]*)\\}"; // a brace group with no group inside it

  // A fraction's numerator or denominator in parentheses, unless it is one character or one bracket.
  const wrap = (text) => (/^[\p{L}\p{N}]$|^\([^()]*\)$/u.test(text.trim()) ? text.trim() : `(${text.trim()})`);

  function texToText(tex) {
    let text = tex.replace(/\\[()[\]]|\$\$?/g, " ");
    text = text.replace(/\\(begin|end)\s*\{[^{}]*\}/g, " ").replace(/\\\\/g, "; ").replace(/&/g, " ");
    // Symbols and function names first, so that an accent or a script applies to a symbol (\hat\sigma, x_\mu).
    // A space after a command is kept; a function's name is kept apart from a name or number after it.
    text = text.replace(/\\([A-Za-z]+)(\s*)/g, (whole, name, space, offset, all) => {
      const gap = space ? " " : "";
      if (name in GREEK) return GREEK[name] + gap;
      if (name in RELATIONS) return ` ${RELATIONS[name]} `;
      if (name in SYMBOLS) return SYMBOLS[name] + gap;
      if (DROPPED.has(name)) return gap;
      if (SPACES.has(name)) return " ";
      if (TAKES_ARGUMENTS.test(name)) return whole;
      // \log, \exp, \min, \arg, \det and any other command: its name.
      return name + (space || /^[\p{L}\p{N}\\]/u.test(all.slice(offset + whole.length)) ? " " : "");
    });
    text = text.replace(/\\[,;:> ]/g, " ").replace(/\\!/g, "").replace(/\\\|/g, "‖");
    text = text.replace(/\\([{}%$#_])/g, "$1");
    // Commands with arguments, innermost groups first, until none is left.
    const token = "([^\\s\\\\{}])"; // one character that is not a space, a backslash or a brace
    for (let previous = ""; previous !== text; ) {
      previous = text;
      text = text
        .replace(new RegExp(`\\\\(?:${KEEP_ARGUMENT})\\s*${GROUP}`, "g"), "$1")
        .replace(new RegExp(`\\\\(?:${KEEP_ARGUMENT})\\s*${token}`, "g"), "$1")
        .replace(new RegExp(`\\\\[dt]?frac\\s*${GROUP}\\s*${GROUP}`, "g"),
                 (_, top, bottom) => `${wrap(top)}/${wrap(bottom)}`)
        .replace(new RegExp(`\\\\[dt]?frac\\s*${token}\\s*${token}`, "g"), "$1/$2")
        .replace(new RegExp(`\\\\sqrt\\s*${GROUP}`, "g"), (_, radicand) => `√${wrap(radicand)}`)
        .replace(new RegExp(`\\\\(?:overset|underset|stackrel)\\s*${GROUP}\\s*${GROUP}`, "g"), "$2")
        .replace(new RegExp(`\\\\(${Object.keys(ACCENTS).join("|")})\\s*(?:${GROUP}|${token})`, "g"),
                 (_, accent, group, single) => (group ?? single) + ACCENTS[accent])
        .replace(new RegExp(`\\^\\s*${GROUP}`, "g"), (_, power) => `^${wrap(power)}`)
        .replace(new RegExp(`_\\s*${GROUP}`, "g"),
                 (_, index) => (/^[\p{L}\p{N},]+$/u.test(index) ? `_${index}` : `_${wrap(index)}`))
        // A group that is no command's argument, such as \log{(x)}: its content.
        .replace(new RegExp(`(?<!\\\\[A-Za-z]+\\*?\\s*)(?<![\\^_}]\\s*)${GROUP}`, "g"), "$1");
    }
    text = text.replace(/\\([A-Za-z]+)\*?/g, "$1").replace(/[{}]/g, "").replace(/\^ᵀ/g, "ᵀ");
    text = text.replace(/\s+/g, " ").replace(/([([])\s+/g, "$1").replace(/\s+([)\],.;])/g, "$1");
    return text.trim().normalize("NFC"); // an accent and its letter as one character where Unicode has it
  }

  /** The page's HTML with every formula's TeX written as plain text (equation numbers are kept). */
  function withReadableMath(htmlString) {
    const page = new DOMParser().parseFromString(htmlString, "text/html");
    for (const formula of page.querySelectorAll(".math")) {
      for (const node of formula.childNodes) {
        if (node.nodeType === Node.TEXT_NODE) node.nodeValue = ` ${texToText(node.nodeValue)} `;
      }
    }
    return page.documentElement.outerHTML;
  }

  function install() {
    if (typeof Search === "undefined" || typeof Search.htmlToText !== "function") return;
    const htmlToText = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => htmlToText(withReadableMath(htmlString), anchor);
  }

  window.lossbookTexToText = texToText; // for the book's tests
  // searchtools.js, which defines Search, may come after this script: wait until every script has run.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", install);
  else install();
})();
