"""The book as readers get it: the built HTML, served on 127.0.0.1 and read in Debian's Chromium.

Session fixtures build the book if it is missing (one builder at a time across pytest-xdist workers), serve
``_build/html`` from a local HTTP server, and open one headless Chromium per session, so one per xdist worker.
Tests get a ``Reader``: a tab that reads pages of the book and records what goes wrong meanwhile (requests to
another host, which fail, console errors, page errors, failed responses), and that knows how to check a page
as a whole (``Reader.check``) and its accessibility (``Reader.audit``).

The page lists come from the built book at collection time (``pytest_generate_tests``): a test that takes
``book_page`` runs once for every HTML page, ``chapter_page`` once for every chapter (chapters/), and
``reference_page`` once for every other page (but index.html, which only redirects). A test of one given page
takes it as ``path`` (``reads``). The tests of one page run one after another, on one xdist worker, and share
one load of it (``page_of``, ``Reader.view``).
"""

from __future__ import annotations

import functools
import os
import re
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from filelock import FileLock

from pdf_edition.printer import CHROMIUM, CHROMIUM_ARGS, served  # the book is read as it is printed

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "_build"
HTML = BUILD / "html"
# Sphinx's support files, not pages: stylesheets and scripts, the copied sources, the figures.
NOT_PAGES = {"_static", "_sources", "_images"}
BUILD_COMMAND = ["build", "-W", "-n", "--keep-going", "--path-output", ".", "."]
HOST = "127.0.0.1"


def ensure_book() -> Path:
    """Return ``_build/html``, building the book first if it has not been built.

    ``make test`` builds the book before pytest runs; this is for a bare ``pytest``. The lock makes the
    second xdist worker wait for the first worker's build instead of starting its own in the same place.
    A failed build fails every worker of the run alike (a failed build still writes index.html, so the
    failure is remembered in a marker file named after the run), so that the workers collect the same tests.
    """
    global _build_failure
    if _build_failure is None:
        _build_failure = _build_if_missing()
    if _build_failure:
        pytest.fail(_build_failure, pytrace=False)
    return HTML


_build_failure: str | None = None
_FAILED_MARKER = BUILD / ".browser-tests-build-failed"


def _failure_of_this_run(run: str) -> str:
    if _FAILED_MARKER.is_file():
        marker_run, _, message = _FAILED_MARKER.read_text(encoding="utf-8").partition("\n")
        if marker_run == run:
            return message
    return ""


def _build_if_missing() -> str:
    """Build the book unless it is built; return why the build failed, or "" if the book is there."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", f"pid-{os.getpid()}")
    if (HTML / "index.html").is_file() and not _failure_of_this_run(run):
        return ""
    BUILD.mkdir(exist_ok=True)
    with FileLock(BUILD / ".browser-tests-build.lock"):
        if failure := _failure_of_this_run(run):
            return failure
        if (HTML / "index.html").is_file():
            return ""
        jupyter_book = Path(sys.executable).parent / "jupyter-book"
        result = subprocess.run(
            [str(jupyter_book), *BUILD_COMMAND], cwd=ROOT, capture_output=True, text=True, check=False
        )
        if result.returncode == 0 and (HTML / "index.html").is_file():
            _FAILED_MARKER.unlink(missing_ok=True)
            return ""
        output = (result.stdout + result.stderr)[-4000:]
        failure = f"building the book ({' '.join(BUILD_COMMAND)}) failed with exit {result.returncode}:\n{output}"
        _FAILED_MARKER.write_text(f"{run}\n{failure}", encoding="utf-8")
        return failure


def book_pages(html: Path) -> list[str]:
    """Every HTML page of the built book, as a path relative to ``html`` (``chapters/x.html``)."""
    pages = [p.relative_to(html) for p in html.rglob("*.html")]
    return sorted(p.as_posix() for p in pages if p.parts[0] not in NOT_PAGES)


def root_page() -> str:
    """The page ``index.html`` redirects to: the table of contents' root document."""
    match = re.search(r"^root:\s*(\S+)", (ROOT / "_toc.yml").read_text(encoding="utf-8"), re.MULTILINE)
    assert match, "_toc.yml has no root"
    return match.group(1) + ".html"


@functools.cache
def landing_page(path: str) -> str:
    """The page a reader lands on when opening ``path``: ``index.html`` redirects to the root page."""
    return root_page() if path == "index.html" else path


def reads(path: str) -> pytest.MarkDecorator:
    """For a test of the page at ``path`` only: pass it as the test's ``path``, which names it in the test's
    id, as the ids of the tests parametrized over pages (``book_page`` ...) do. See ``page_of``."""
    return pytest.mark.parametrize("path", [path])


PAGE_IN_ID = re.compile(r"\[([^\[\]]+\.html)\]$")


def page_of(nodeid: str) -> str | None:
    """The page a test reads, as its id names it (``test_x[chapters/y.html]``), or None.

    The tests of one page run one after another on one xdist worker (``pytest_xdist_make_scheduler``), so
    that they share one load of it (``Reader.view``, ``Reader.document``): a chapter is the costliest thing
    these tests read, a second or two of CPU to load and typeset.

    >>> page_of("tests/browser/test_meta.py::test_page_has_a_meta_description[chapters/signals.html]")
    'chapters/signals.html'
    >>> page_of("tests/browser/test_search.py::test_search_page_takes_the_query_from_the_address") is None
    True
    """
    match = PAGE_IN_ID.search(nodeid)
    return landing_page(match.group(1)) if match else None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "book_page" in metafunc.fixturenames:
        metafunc.parametrize("book_page", book_pages(ensure_book()))
    if "chapter_page" in metafunc.fixturenames:
        chapters = [p for p in book_pages(ensure_book()) if p.startswith("chapters/")]
        metafunc.parametrize("chapter_page", chapters)
    if "reference_page" in metafunc.fixturenames:
        # index.html only redirects to the root page, which is a reference page of its own: what a reader
        # meets on index.html itself is read by test_pages.py::test_index_redirects_to_the_introduction.
        others = [p for p in book_pages(ensure_book()) if not p.startswith("chapters/") and p != "index.html"]
        metafunc.parametrize("reference_page", others)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests of one page (``page_of``) run one after another, the pages with the most to read first.

    Two xdist workers share the tests; whichever runs the last group of tests may run alone at the end, so the
    costly groups go first (the API reference, read in both colour modes, takes as long as three chapters)
    and the single tests last. A group's cost is taken to be the size of its page's HTML times the number of
    its tests. Within a group, and among the single tests, the order is pytest-randomly's shuffle (which runs
    before this hook).
    """
    here = Path(__file__).parent
    slots = [index for index, item in enumerate(items) if item.path.is_relative_to(here)]
    ours = [items[index] for index in slots]  # the browser tests, wherever a wider run has them
    first: dict[str, int] = {}
    size: dict[str, int] = {}
    for index, item in enumerate(ours):
        group = _group_of(item.nodeid)
        first.setdefault(group, index)
        size[group] = size.get(group, 0) + _page_size(page_of(item.nodeid))
    ours.sort(key=lambda item: (-size[_group_of(item.nodeid)], first[_group_of(item.nodeid)]))
    for index, item in zip(slots, ours, strict=True):
        items[index] = item


def _group_of(nodeid: str) -> str:
    page = page_of(nodeid)
    return f"page {page}" if page else f"test {nodeid}"


@functools.cache
def _page_size(page: str | None) -> int:
    path = HTML / page if page else None
    return path.stat().st_size if path and path.is_file() else 0


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Under ``--dist loadgroup``, hand out the tests of one page (``page_of``) to one worker together, in the
    order of ``pytest_collection_modifyitems``.

    pytest-xdist groups tests by an ``xdist_group`` mark, which it writes into the test's id; pytest 9 ignores
    that write, so the mark groups nothing. The page in the test's id groups them instead. xdist would order
    the groups by their number of tests; the collection's order, costliest first, is kept instead.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class PageScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            page = page_of(nodeid)
            return f"page {page}" if page else super()._split_scope(nodeid)

    config.option.loadscopereorder = False
    return PageScheduling(config, log)


@pytest.fixture(scope="session")
def built_book() -> Path:
    return ensure_book()


@pytest.fixture(scope="session")
def book_url(built_book: Path):
    """The built book served over HTTP on 127.0.0.1 at a free port (as the PDF printer serves it); stopped
    when the session ends."""
    with served(built_book) as url:
        yield url


@pytest.fixture(scope="session")
def refusing_port():
    """A port on 127.0.0.1 that refuses every connection at once: bound for the session, so no other program
    can take it, and never listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        yield sock.getsockname()[1]


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory: pytest.TempPathFactory, refusing_port: int):
    """Headless Debian Chromium with a fresh profile, one per session (so one per xdist worker).

    Chromium sends every request to a host other than 127.0.0.1 through a proxy at ``refusing_port``, so it
    fails at once and nothing leaves the machine (the reader records each such request). This is not a
    Playwright route: a route would make Chromium bypass its HTTP cache, and every page would fetch the theme,
    MathJax and its fonts again from the Python server (27 MB instead of 5 MB for six pages).
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}; the browser tests need Debian's chromium. Install it with "
            "`sudo apt-get install -y chromium` (or run `make browser`, which `make test` does).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
            color_scheme="light",
            proxy={"server": f"http://{HOST}:{refusing_port}", "bypass": HOST},
        )
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="session")
def _session_reader(browser_context, book_url: str) -> Reader:
    return Reader(browser_context, book_url)


@pytest.fixture
def reader(_session_reader: Reader) -> Reader:
    """The session's reader with a clean record; every test reuses the same tab."""
    _session_reader.reset()
    return _session_reader


# What a reader should see, as the checks in Reader.check look for it.

WAIT_FOR_MATHJAX = """async () => {
    const startup = window.MathJax && window.MathJax.startup;
    if (!(startup && startup.promise)) return "absent";
    const timeout = new Promise(resolve => setTimeout(() => resolve("timeout"), 20000));
    return await Promise.race([startup.promise.then(() => "typeset"), timeout]);
}"""

# TeX that MathJax should have turned into math. Code is exempt: a code cell may well print LaTeX.
RAW_TEX = re.compile(r"\\\[|\\\(|\$\$|\\begin\{")
VISIBLE_PROSE = """() => {
    const root = document.querySelector("main") || document.querySelector("article") || document.body;
    const skip = "pre, code, kbd, samp, script, style, textarea, mjx-container";
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
        acceptNode: node => node.parentElement.closest(skip) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
    });
    const parts = [];
    while (walker.nextNode()) parts.push(walker.currentNode.nodeValue);
    return parts.join("");
}"""
MATHJAX_ERRORS = """() => [...document.querySelectorAll("mjx-merror, [data-mjx-error]")].map(
    node => node.getAttribute("data-mjx-error") || node.textContent)"""

# Wait for every image, including any lazy one below the fold, then describe it.
IMAGES = """async () => {
    const images = [...document.images];
    await Promise.all(images.map(img => img.complete ? null : new Promise(resolve => {
        img.loading = "eager";
        img.addEventListener("load", resolve, {once: true});
        img.addEventListener("error", resolve, {once: true});
        setTimeout(resolve, 15000);
    })));
    return images.map(img => ({src: img.getAttribute("src"), width: img.naturalWidth, alt: img.getAttribute("alt")}));
}"""
IMAGE_FILE = re.compile(r"\.(png|jpe?g|gif|svg|webp|avif)\b", re.IGNORECASE)
MIN_ALT_WORDS = 4


def alt_text_problem(src: str, alt: str | None) -> str | None:
    """Why ``alt`` is not a real description of the image at ``src`` (None if it is one).

    >>> alt_text_problem("a/b.png", "Two curves of the loss against the residual")
    >>> alt_text_problem("a/b.png", "b.png")
    'alt text is a file name'
    >>> alt_text_problem("a/b.png", "")
    'no alt text'
    >>> alt_text_problem("a/b.png", "A plot")
    'alt text has fewer than 4 words'
    >>> alt_text_problem("_images/3fa9c2.png", "3fa9c2")
    'alt text is a file name'
    >>> alt_text_problem("_images/loss.png", "The loss against the residual, for three noise models")
    >>> alt_text_problem("a/b.png", None)
    'no alt text'
    """
    alt = (alt or "").strip()
    if not alt:
        return "no alt text"
    name = PurePosixPath(unquote(urlsplit(src or "").path))
    if IMAGE_FILE.search(alt) or alt.lower() in (name.stem.lower(), name.name.lower()):
        return "alt text is a file name"
    if re.fullmatch(r"[0-9a-f]{16,}", alt):
        return "alt text is a file name"
    if len(re.findall(r"[^\W\d_]{2,}", alt)) < MIN_ALT_WORDS:
        return f"alt text has fewer than {MIN_ALT_WORDS} words"
    return None


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": AXE_TAGS},
    "resultTypes": ["violations"],
    # axe's preload fetches every stylesheet again to build a CSS object model, and resolves a CSS @import
    # against the page instead of the stylesheet (the theme's `@import "../basic.css"` becomes a request for
    # /basic.css, a 404 in the console). It only serves the css-orientation-lock rule, and no style sheet of
    # the book has an orientation media query for that rule to find.
    "preload": False,
}
# The rules of axe (among AXE_TAGS) whose outcome depends on the colours of the page.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
AXE_SCRIPT = Axe().axe_script  # axe-core, as axe-playwright-python ships it
# Three kinds of text are too numerous for axe's color-contrast rule, which measures every text element on its
# own (milliseconds each: it finds the element's background by stacking up every box at that point), and share
# a few colours:
# - code blocks: every syntax-highlighted token is an element, two thirds of a chapter's text elements, and
#   measuring each one tripled the time axe takes on a chapter;
# - formulas: MathJax's CHTML output draws each glyph as an element of mjx-math (aria-hidden, the visible
#   formula; mjx-assistive-mml beside it holds the MathML a screen reader reads, clipped out of sight). A glyph
#   is CSS generated content (mjx-c::before), not a text node, so axe's rule has never measured a formula's
#   contrast: it only spent time deciding, glyph by glyph, that there was no text to measure.
# - the entries of the API reference: Sphinx writes each name, parameter and punctuation mark of a signature,
#   and each term of a parameter list, as an element of its own; measuring them one by one took axe 15 s on
#   the API page, two thirds of its time there.
# Text of one colour on one background has one contrast, so color-contrast skips these (SKIP_IN_CONTRAST), and
# TEXT_CONTRAST measures each distinct colour pair of their text, generated content included, once, by the
# same WCAG formula and the same 4.5:1 threshold for text of normal size: every code token, a cell's printed
# output, every glyph of a formula (a colour given with \color included) and every piece of an API entry is
# measured, one pair at a time.
# Every other rule of axe runs on every element: the code, the formulas' containers, their MathML, the glyph
# trees (aria-hidden-focus checks that nothing in them takes focus). Excluding the glyph trees from those
# rules through axe's context made them slower, not faster: axe tests each node it gathers against them.
OWN_CONTRAST = {
    "code": ".highlight pre, .highlight pre *",  # the block itself too: a cell's printed output is its own text
    "formula": "mjx-math, mjx-math *",
    "API entry": "dl.py, dl.py *",
}
SKIP_IN_CONTRAST = ".highlight pre, mjx-math, dl.py"
# One axe run with every rule (one set-up, and link-in-text-block reuses the colours that color-contrast has
# computed) instead of one without color-contrast and one with it alone: color-contrast is told to skip
# SKIP_IN_CONTRAST by wrapping its matches function (axe has no option for a rule's own context; _audit is
# axe's, not a public API, so a missing rule is an error rather than a silent skip). Run after AXE_SCRIPT.
SKIP_CONTRAST_OF = """(skip) => {
    const rule = axe._audit.rules.find(r => r.id === "color-contrast");
    if (!rule) throw new Error("axe has no color-contrast rule");
    if (rule.lossbookSkip === skip) return;
    const matches = rule.lossbookMatches || rule.matches;
    rule.lossbookMatches = matches;
    rule.lossbookSkip = skip;
    rule.matches = function (node, virtualNode, context) {
        return !node.closest(skip) && matches.call(this, node, virtualNode, context);
    };
}"""
# Each distinct colour pair of the text of the elements that match a selector: their own text nodes and what
# CSS draws as their ::before and ::after content (a formula's glyphs), in the colour it is drawn in.
TEXT_CONTRAST = """(selector) => {
    const parse = text => {
        const [r, g, b, a = 1] = text.match(/[\\d.]+/g).map(Number);
        return {r, g, b, a};
    };
    const over = (top, bottom) => ({
        r: top.r * top.a + bottom.r * (1 - top.a),
        g: top.g * top.a + bottom.g * (1 - top.a),
        b: top.b * top.a + bottom.b * (1 - top.a),
        a: 1,
    });
    const backgrounds = new Map();
    const background = element => {
        if (!element) return {r: 255, g: 255, b: 255, a: 1};
        if (!backgrounds.has(element)) {
            const colour = parse(getComputedStyle(element).backgroundColor);
            backgrounds.set(element, colour.a >= 1 ? colour
                : colour.a > 0 ? over(colour, background(element.parentElement)) : background(element.parentElement));
        }
        return backgrounds.get(element);
    };
    const luminance = ({r, g, b}) => {
        const channel = v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    // Computed content is "none", "normal", or CSS such as "\"x\"" (a string in quotes).
    const generated = content => content === "none" || content === "normal" ? "" : content.replace(/^"(.*)"$/s, "$1");
    const measured = new Map();
    const measure = (element, text, style, pseudo) => {
        // Text a reader cannot see is not measured, as axe measures none: a permalink's "#" is hidden until hover.
        if (!text.trim() || style.visibility !== "visible") return;
        const own = pseudo ? parse(style.backgroundColor) : {a: 0};  // a ::before or ::after may have one
        const back = own.a > 0 ? over(own, background(element)) : background(element);
        const fore = over(parse(style.color), back);
        const key = JSON.stringify([fore, back]);
        if (measured.has(key)) return;
        const [light, dark] = [luminance(fore), luminance(back)].sort((x, y) => y - x);
        measured.set(key, {ratio: (light + 0.05) / (dark + 0.05), color: style.color, text: text.trim().slice(0, 30),
                           element: [element.localName, ...element.classList].join(".")});
    };
    for (const element of document.querySelectorAll(selector)) {
        const text = [...element.childNodes].filter(n => n.nodeType === 3).map(n => n.nodeValue).join("");
        measure(element, text, getComputedStyle(element), false);
        for (const pseudo of ["::before", "::after"]) {
            const style = getComputedStyle(element, pseudo);
            measure(element, generated(style.content), style, true);
        }
    }
    return [...measured.values()];
}"""
MIN_CONTRAST = 4.5


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# _static/math-overflow.js has marked the formulas wider than their box (it marks them again on a resize).
MARKED = "() => document.documentElement.dataset.lossbookMath === 'marked'"
TWO_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
# Colours are read once the theme's colour transitions, if any are running, have finished (transitions only: an
# endless CSS animation would never finish; one cancelled by a later change counts as done).
TRANSITIONS_DONE = """() => Promise.all(document.getAnimations().filter(a => a instanceof CSSTransition).map(
    a => a.finished.catch(() => null))).then(() => true)"""
# The theme keeps the reader's colour mode in localStorage, which every tab of the browser shares.
FORGET_COLOUR_MODE = "localStorage.removeItem('mode'); localStorage.removeItem('theme');"
# The theme's colour-mode button, as a click calls it: it cycles through auto, dark and light. The click is the
# button's own (no mouse moves, so nothing is left hovered or focused for the audit).
PRESS_COLOUR_BUTTON = """() => {
    const button = document.querySelector(".theme-switch-button");
    if (!button) throw new Error("the page has no colour-mode button");
    button.click();
    return document.documentElement.dataset.theme;
}"""

# A style sheet adopted by the document before the parser fills it in: the root element is not displayed, so
# the document is parsed but never laid out or painted (an element's innerText is then its textContent).
NOT_DRAWN = """{
    const sheet = new CSSStyleSheet();
    sheet.replaceSync("html { display: none !important; }");
    document.adoptedStyleSheets = [sheet];
}"""


@dataclass
class View:
    """What the reader's tab shows: a page loaded once at ``url``, then narrowed to a phone or switched to dark
    mode in place as tests ask. ``log`` is what went wrong in that tab since the load (requests to another
    host, console errors, page errors, failed responses), whichever test was running."""

    token: str
    url: str = ""
    mathjax: str = "absent"
    log: list[str] = field(default_factory=list)
    dark: bool = False
    phone: bool = False


class Reader:
    """A browser tab reading the book, with a record of what went wrong while it read.

    ``external`` lists requests to any host but 127.0.0.1 (they fail: see ``browser_context``);
    ``errors`` lists console errors, uncaught page errors and HTTP error responses. Both are the current
    test's record (``reset`` clears them); the tab's ``View`` keeps its own record of the page it shows.

    A page is expensive to read (loading and typesetting a chapter takes a second or two of CPU), and several
    tests read the same page: ``view`` and ``document`` hand out the page the tab already shows when it is the
    one asked for, unchanged. A test that changes the page (clicks, scrolls, edits it) takes it with ``take``
    or loads its own with ``open``, and the page is not handed out again.
    """

    def __init__(self, context, base_url: str):
        self.context = context
        self.base_url = base_url
        self.external: list[str] = []
        self.errors: list[str] = []
        self.mathjax = "absent"
        self.root = root_page()
        self._view: View | None = None
        self._loads = 0
        context.on("request", self._outside)
        self.page = self.new_tab()
        # Every page loaded in the reader's tab starts in the theme's default colour mode, whatever a test stored
        # (about:blank, which the tab passes through, has no storage of its own).
        self.page.add_init_script(f"if (location.protocol === 'http:') {{ {FORGET_COLOUR_MODE} }}")
        # A second tab that loads a page's HTML and nothing else, for tests of the document itself. Chromium
        # itself refuses Sphinx's support files (a page asks for about thirty), so only the page and whatever
        # else it asks for make the round trip to _document_only in Python, which aborts all but documents.
        # Nothing of it is drawn either (NOT_DRAWN): a chapter's bare HTML, thousands of lines of TeX and code,
        # cost more to lay out and paint than to parse.
        self._document_tab = context.new_page()
        self._document_tab.add_init_script(NOT_DRAWN)
        self._document_tab.route("**/*", self._document_only)
        self._document_cdp = context.new_cdp_session(self._document_tab)
        self._document_cdp.send("Network.enable")
        self._document_cdp.send("Network.setBlockedURLs", {"urls": [f"*/{name}/*" for name in sorted(NOT_PAGES)]})
        self._document: tuple[str, str] | None = None
        # The tab created last is the one Chromium shows; in a hidden tab it draws no frames, so every wait for
        # a frame or a CSS transition (a resize to a phone, a switch to dark mode) took one to five seconds.
        self.page.bring_to_front()

    def _outside(self, request) -> None:
        url = request.url
        if urlsplit(url).hostname == HOST or (url.startswith("blob:") and urlsplit(url[5:]).hostname == HOST):
            return
        self.external.append(url)
        try:
            page = request.frame.page
        except Exception:  # noqa: BLE001 - a service worker's request has no frame (the book registers none)
            page = None
        self._record(page, f"request to another host: {url}", test=False)

    def _record(self, page, problem: str, *, test: bool = True) -> None:
        if test:
            self.errors.append(problem)
        if page is self.page and self._view is not None:
            self._view.log.append(problem)

    @staticmethod
    def _document_only(route) -> None:
        if route.request.resource_type == "document":
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def new_tab(self):
        page = self.context.new_page()

        def console(message) -> None:
            if message.type == "error":
                where = message.location.get("url", "")
                self._record(page, f"console error: {message.text} ({where})")

        def response(response) -> None:
            if response.status >= 400:
                self._record(page, f"HTTP {response.status} for {response.url}")

        page.on("console", console)
        page.on("pageerror", lambda error: self._record(page, f"page error: {error}"))
        page.on("response", response)
        return page

    def reset(self) -> None:
        self.external.clear()
        self.errors.clear()

    def url(self, path: str) -> str:
        return self.base_url + path

    def open(self, path: str, page=None):
        """Load a page as a reader does and wait until it is ready to read: loaded, redirected (the root
        ``index.html``), its math typeset. Returns the Playwright page, which the test may change as it likes:
        in the reader's tab, it is not handed out again (see ``view``)."""
        if page is None or page is self.page:
            self._view = None
            page = self.page
            self._widen()
        self.mathjax = self._load(page, path)
        return page

    def _widen(self) -> None:
        if self.page.viewport_size != DESKTOP:
            # Narrowed to a phone by the last test: leave the page before widening, so that it is not laid out
            # again at the new width on its way out.
            self.page.goto("about:blank")
            self.page.set_viewport_size(DESKTOP)

    def _load(self, page, path: str) -> str:
        """Load ``path`` in ``page``; return how MathJax ended ("typeset", "absent" or "timeout")."""
        page.goto(self.url(path), wait_until="load")
        if path == "index.html":
            page.wait_for_url(self.url(self.root), wait_until="load")
        return page.evaluate(WAIT_FOR_MATHJAX)

    def view(self, path: str, *, dark: bool = False, phone: bool = False):
        """The page at ``path`` in the reader's tab, as ``open`` loads it, in dark mode if ``dark`` (switched
        with the theme's own button) and ``PHONE`` wide if ``phone``. It is the page the tab already shows
        when that is ``path`` and no test has changed it: the test must not change it either (clicks, scrolls,
        edits: use ``take``). Returns the Playwright page; ``view_log`` lists what went wrong in it."""
        view = self._view
        if view is None or view.url != self.url(landing_page(path)) or not self._shows(view):
            self._loads += 1
            self._widen()
            view = self._view = View(token=f"view-{self._loads}")
            view.mathjax = self._load(self.page, path)
            view.url = self.page.url
            self.page.evaluate("token => { window.lossbookView = token; }", view.token)
        try:
            if view.phone and (not phone or dark != view.dark):
                self._narrow(False)
            if dark != view.dark:
                self._switch_colour_mode(dark)
            if phone != view.phone:
                self._narrow(True)
        except BaseException:
            self._view = None  # in whatever state the failure left it, the page is not handed out again
            raise
        return self.page

    def take(self, path: str, *, dark: bool = False, phone: bool = False):
        """The page at ``path`` as ``view`` gives it, for a test that changes it: it is not handed out again."""
        page = self.view(path, dark=dark, phone=phone)
        self._view = None
        return page

    def _shows(self, view: View) -> bool:
        """Whether the tab still shows the page of ``view`` (a navigation, even to the same address, drops
        the token the view left on the page)."""
        page = self.page
        return page.url == view.url and page.evaluate("() => window.lossbookView || null") == view.token

    def _narrow(self, phone: bool) -> None:
        """Resize the reader's tab to a phone (or back to a desktop) and wait until the page is laid out anew
        and its formulas are marked for the new width."""
        page = self.page
        page.set_viewport_size(PHONE if phone else DESKTOP)
        page.wait_for_function(MARKED, timeout=20_000)
        page.evaluate(TWO_FRAMES)
        self._view.phone = phone

    def _switch_colour_mode(self, dark: bool) -> None:
        """Press the theme's colour-mode button until the page is in the colour mode asked for, and wait for
        the colours to settle. The mode the theme stores is forgotten at once, so no other tab opens dark."""
        page = self.page
        wanted = "dark" if dark else "light"
        for _ in range(3):
            if page.evaluate(PRESS_COLOUR_BUTTON) == wanted:
                break
        page.evaluate(f"() => {{ {FORGET_COLOUR_MODE} }}")
        assert page.evaluate("document.documentElement.dataset.theme") == wanted, f"the theme gives no {wanted} mode"
        page.evaluate(TRANSITIONS_DONE)
        self._view.dark = dark

    def document(self, path: str):
        """The page's HTML as Chromium parses it, with no script, style sheet, font or image loaded (and
        so no cost for them): for tests of what the document says, such as its links and meta tags.
        The root ``index.html`` is followed to the page it redirects to. The page is parsed, not drawn: what a
        test reads is the document, not its layout. Returns the Playwright page, which the test must not
        change: the next test of the same page gets it as it is."""
        tab = self._document_tab
        if self._document == (path, tab.url):
            return tab
        tab.goto(self.url(path), wait_until="domcontentloaded")
        if path == "index.html":
            tab.wait_for_url(self.url(self.root), wait_until="domcontentloaded")
        self._document = (path, tab.url)
        return tab

    def check(self, path: str) -> list[str]:
        """Read a page (``view``) and list what is wrong with it (empty if nothing): (a) requests to another
        host, (b) console errors, page errors and failed requests, since the page was loaded and during this
        test, (c) TeX left untypeset or MathJax errors, (d) images that did not load or whose alt text does not
        describe them, (e) accessibility violations of any impact."""
        page = self.view(path)
        problems = []

        # (a), (b): nothing fetched from another host; no console error, page error or failed request.
        if record := self.view_log():
            problems.append(record)

        # (c): the math is typeset: no raw TeX left in the prose, no MathJax error.
        if self._view.mathjax == "timeout":
            problems.append("MathJax did not finish typesetting within 20 s")
        prose = page.evaluate(VISIBLE_PROSE)
        for match in RAW_TEX.finditer(prose):
            context = prose[max(0, match.start() - 40) : match.end() + 40].replace("\n", " ")
            problems.append(f"raw TeX {match.group()!r} in the text: …{context}…")
        problems += [f"MathJax error: {error}" for error in page.evaluate(MATHJAX_ERRORS)]

        # (d): every image loads and has alt text that describes it.
        for image in page.evaluate(IMAGES):
            if image["width"] == 0:
                problems.append(f"image did not load: {image['src']}")
            if why := alt_text_problem(image["src"], image["alt"]):
                problems.append(f"{why}: {image['src']} (alt={image['alt']!r})")

        # (e): no accessibility violation, whatever its impact (minor, moderate, serious or critical).
        problems += self.audit(page)
        return problems

    def audit(self, page, *, colours_only: bool = False) -> list[str]:
        """axe-core's violations on the page, of every impact, and code or formula text below 4.5:1 contrast.
        With ``colours_only``, axe runs only its rules that read colours (COLOUR_RULES): for a page already
        audited in the other colour mode, since nothing else differs between the modes."""
        problems = []
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(AXE_SCRIPT)
        page.evaluate(SKIP_CONTRAST_OF, SKIP_IN_CONTRAST)
        options = AXE_OPTIONS
        if colours_only:
            options = {**AXE_OPTIONS, "runOnly": {"type": "rule", "values": COLOUR_RULES}}
        results = page.evaluate("options => axe.run(document, options)", options)
        for violation in results["violations"]:
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            problems.append(
                f"axe {violation['impact']} {violation['id']}: {violation['help']} "
                f"({len(violation['nodes'])} elements: {targets}) {violation['helpUrl']}"
            )
        for kind, selector in OWN_CONTRAST.items():
            for pair in page.evaluate(TEXT_CONTRAST, selector):
                if pair["ratio"] < MIN_CONTRAST:
                    problems.append(
                        f"{kind} text {pair['element']!r} ({pair['text']!r}, {pair['color']}) has contrast "
                        f"{pair['ratio']:.2f}:1, below {MIN_CONTRAST}:1"
                    )
        return problems

    def view_log(self) -> str:
        """What went wrong in the page ``view`` gave, since it was loaded, and anywhere during this test, one
        item a line ("" if nothing)."""
        lines = list(self._view.log) if self._view else []
        lines += [line for line in self.problems().splitlines() if line not in lines]
        return "\n".join(lines)

    def problems(self) -> str:
        """What went wrong since the last reset, one item a line ("" if nothing)."""
        lines = [f"request to another host: {url}" for url in self.external] + self.errors
        return "\n".join(lines)
