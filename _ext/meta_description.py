"""Give every HTML page a ``<meta name="description">`` built from its first paragraph.

Search engines and link previews show this text under the page title. A page that already sets one (MyST
front matter ``html_meta: {description: ...}``) keeps its own. Pages without a source document (the general
index, the search page, the proof index) describe themselves by their title and the book's first paragraph.
Jupyter Book's ``index.html`` is a bare redirect to the root page; it gets the root page's description.

Inline math is written as plain text (``$\\sigma^2$`` becomes ``σ^2``), since a description cannot hold
markup, and the text is cut at a word boundary to about 155 characters, the length search results show.
"""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

MAX_LENGTH = 155
# A paragraph this short is a label or a caption rather than the page's opening statement.
MIN_WORDS = 8

# Paragraphs inside these are asides, not the page's opening text.
SKIPPED_ANCESTORS = (
    nodes.Admonition,
    nodes.topic,
    nodes.sidebar,
    nodes.footnote,
    nodes.citation,
    nodes.table,
    nodes.figure,
    nodes.field_list,
    nodes.option_list,
    nodes.system_message,
    nodes.comment,
)

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
SYMBOLS = {
    "|": "‖", "mid": "|", "sim": "~", "infty": "∞", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
    "neq": "≠", "ne": "≠", "approx": "≈", "cdot": "·", "times": "×", "pm": "±", "to": "→", "in": "∈",
    "sum": "∑", "prod": "∏", "int": "∫", "partial": "∂", "nabla": "∇", "propto": "∝", "ldots": "…",
    "dots": "…", "cdots": "…", "vert": "|", "lvert": "|", "rvert": "|", "Vert": "‖", "lVert": "‖",
    "rVert": "‖", "langle": "⟨", "rangle": "⟩", "ell": "ℓ", "sqrt": "√", "top": "ᵀ", "prime": "′",
}
# Relations and operators, written with a space on either side.
RELATIONS = {"sim", "le", "leq", "ge", "geq", "neq", "ne", "approx", "cdot", "times", "pm", "to", "in", "propto", "mid"}
SPACING = {",", ";", ":", "!", " ", "quad", "qquad", "left", "right", "big", "Big", "bigl", "bigr", "displaystyle"}


def latex_to_text(latex: str) -> str:
    """Write a short piece of inline LaTeX as readable plain text.

    >>> latex_to_text(r"D_{\\mathrm{KL}}(p\\,\\|\\,q)")
    'D_KL(p‖q)'
    >>> latex_to_text(r"\\mathcal{N}(\\mu, \\sigma^2)")
    'N(μ, σ^2)'
    >>> latex_to_text(r"\\frac{1}{2}\\hat{y}")
    '1/2ŷ'
    >>> latex_to_text(r"\\lVert y - \\hat y\\rVert^2")
    '‖y - ŷ‖^2'
    >>> latex_to_text(r"\\log p(x) \\le \\log q(x)")
    'log p(x) ≤ log q(x)'
    """
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"\1/\2", latex)
    text = re.sub(r"\\hat(?:\{(\w)\}|\s*(\w))", lambda m: (m[1] or m[2]) + "\N{COMBINING CIRCUMFLEX ACCENT}", text)
    text = re.sub(r"\\bar(?:\{(\w)\}|\s*(\w))", lambda m: (m[1] or m[2]) + "\N{COMBINING MACRON}", text)

    def command(match: re.Match) -> str:
        # A control word swallows the spaces after it, as in TeX; a control symbol is one character.
        name = match.group(1) or match.group(2)
        if name in SPACING:
            return " " if name in {" ", "quad", "qquad"} else ""
        if name in GREEK:
            return GREEK[name]
        if name in SYMBOLS:
            return f" {SYMBOLS[name]} " if name in RELATIONS else SYMBOLS[name]
        if name in {"{", "}", "_", "%", "$", "#", "&"}:
            return name
        # \mathrm, \operatorname, \mathcal, \text, \log, ...: keep what follows, or the name of a function.
        if name.startswith(("math", "operatorname", "text", "hat", "bar", "tilde", "boldsymbol")):
            return ""
        return name + " "  # \log, \exp, \min: a function's name, then its argument

    text = re.sub(r"\\([A-Za-z]+)\s*|\\(.)", command, text)
    text = text.replace("{", "").replace("}", "")
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text).strip())


def _text_of(node: nodes.Node) -> str:
    """The reader-visible text of a paragraph, with inline math as plain text and no note markers."""
    if isinstance(node, nodes.math):
        return latex_to_text(node.astext())
    if isinstance(node, (nodes.footnote_reference, nodes.citation_reference, nodes.substitution_definition)):
        return ""
    if isinstance(node, nodes.Text):
        return str(node)
    return "".join(_text_of(child) for child in node.children)


def _is_aside(paragraph: nodes.paragraph) -> bool:
    parent = paragraph.parent
    while parent is not None:
        if isinstance(parent, SKIPPED_ANCESTORS):
            return True
        # Notebook cell outputs are computed results, not the page's prose.
        if isinstance(parent, nodes.container) and "cell_output" in parent.get("classes", []):
            return True
        parent = parent.parent
    return False


def trim(text: str, limit: int = MAX_LENGTH) -> str:
    """Collapse whitespace and cut at a word boundary to at most ``limit`` characters.

    >>> trim("one two three", limit=9)
    'one two…'
    >>> trim("A first sentence. A second one that is too long.", limit=30)
    'A first sentence.'
    >>> trim("  short   text ")
    'short text'
    """
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    # Whole sentences if they fill most of the space, else as many whole words as fit, and an ellipsis.
    sentences = [m.end() for m in re.finditer(r"[.!?](?= )", text[: limit + 1])]
    if sentences and sentences[-1] >= limit // 2:
        return text[: sentences[-1]]
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:–—-") + "…"


def first_paragraph(doctree: nodes.document) -> str:
    """The text of the document's opening paragraph ("" if it has none)."""
    candidates = [
        text
        for text in (
            _text_of(p).strip() for p in doctree.findall(nodes.paragraph) if not _is_aside(p)
        )
        if text
    ]
    for text in candidates:
        if len(text.split()) >= MIN_WORDS:
            return text
    return candidates[0] if candidates else ""


def _root_description(app: Sphinx) -> str:
    try:
        doctree = app.env.get_doctree(app.config.root_doc)
    except FileNotFoundError:
        return ""
    return first_paragraph(doctree)


def add_description(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    metatags = context.get("metatags", "")
    if re.search(r"""<meta\s[^>]*name=["']description["']""", metatags, re.IGNORECASE):
        return
    description = first_paragraph(doctree) if doctree is not None else ""
    if not description:
        # Sphinx's own pages (general index, search, domain indices) set their titles in the template.
        title = context.get("title") or context.get("indextitle") or SPECIAL_TITLES.get(pagename, pagename)
        title = re.sub(r"<[^>]+>", "", title)
        description = f"{html.unescape(title)} – {context.get('docstitle', app.config.project)}. "
        description += _root_description(app)
    content = html.escape(trim(description), quote=True)
    context["metatags"] = metatags + f'\n<meta name="description" content="{content}" />'


SPECIAL_TITLES = {"genindex": "Index", "search": "Search", "py-modindex": "Python module index"}

REDIRECT = re.compile(r'^\s*<meta http-equiv="Refresh" content="0; url=([^"]+)" />\s*$', re.IGNORECASE)


def describe_redirect(app: Sphinx, exception: Exception | None) -> None:
    """Give the redirecting ``index.html`` (written by sphinx-external-toc) the root page's description and the
    book's icon."""
    if exception is not None or app.builder.format != "html":
        return
    index = Path(app.outdir) / "index.html"
    if not index.is_file():
        return
    lines = [line for line in index.read_text(encoding="utf-8").splitlines() if line.strip()]
    ours = [line for line in lines if line.startswith(('<meta name="description"', '<link rel="icon"'))]
    rest = [line for line in lines if line not in ours]
    if len(rest) != 1 or not (match := REDIRECT.match(rest[0])):
        return  # a real page, not the bare redirect
    description = _root_description(app)
    if not description:
        return
    content = html.escape(trim(description), quote=True)
    # The book's icon too: without it a browser opening the bare address asks for /favicon.ico, which is a 404.
    icon = app.config.html_favicon
    icon_link = f'<link rel="icon" href="_static/{Path(icon).name}" />\n' if icon else ""
    index.write_text(
        f'<meta name="description" content="{content}" />\n{icon_link}'
        f'<meta http-equiv="Refresh" content="0; url={match.group(1)}" />\n',
        encoding="utf-8",
    )


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", add_description)
    # After sphinx-external-toc's own build-finished handler, which writes the redirect.
    app.connect("build-finished", describe_redirect, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
