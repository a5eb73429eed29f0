"""Debian's Chromium prints the pages of the built HTML book, one PDF per page, in reading order.

The book is served from ``127.0.0.1`` and read by headless Chromium with no network (every other host goes
to a proxy that refuses at once), as the browser tests read it. Each page is printed with the book's print
stylesheet (``_static/print.css``) once MathJax has typeset it and its images have loaded.

Pages print one after another, so that each knows how many pages come before it: its page numbers continue
the count (the CSS page counter starts where the previous page of the book ended) and its running head is its
title. Meanwhile the next pages load and typeset in tabs of their own, so the two cores are both at work:
loading and typesetting a page costs about as much as printing it.

Before it prints, a page gets a hidden link to each element that another page links to and to each of its
sections: Chromium writes a named destination into the PDF for every target of a link within the page, and
the assembly (``pdf_edition.assemble``) points the bookmarks and the links between pages at those destinations.
"""

from __future__ import annotations

import asyncio
import functools
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from posixpath import dirname, normpath
from urllib.parse import unquote

from pypdf import PdfReader

from .contents import Entry

# Debian's Chromium, headless and offline; the browser tests (tests/browser) read the book with the same.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOST = "127.0.0.1"
# Tabs lay pages out for print at the width of the printed column (A4's 210 mm less print.css's margins of
# 18 mm a side, in CSS pixels of 1/96 inch), so that what PREPARE measures is what will print.
COLUMN = {"width": round((210 - 2 * 18) / 25.4 * 96), "height": 1100}
TIMEOUT_MS = 120_000
# Pages loading and typesetting while one prints: two keep a second core busy; more only queue for it.
AHEAD = 2

# MathJax's copy of each formula in MathML for screen readers, and its context menu, are screen features:
# a plain PDF has no screen reader to hand them to. Without them a page prints a fifth faster. The page's own
# configuration (``window.MathJax = {...}``, written by Sphinx) is kept and only these options are added.
MATHJAX_FOR_PRINT = """(() => {
    let value;
    Object.defineProperty(window, "MathJax", {configurable: true, get() { return value; }, set(config) {
        if (config && !config.version) {
            config.options = Object.assign({}, config.options, {
                enableAssistiveMml: false,
                enableMenu: false,
                menuOptions: {settings: {assistiveMml: false}},
            });
        }
        value = config;
    }});
})();"""

WAIT_FOR_MATHJAX = """async () => {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
    await document.fonts.ready;  // MathJax's and the theme's web fonts: a late font would move line breaks
    const errors = [...document.querySelectorAll("mjx-merror, [data-mjx-error]")];
    return errors.map(node => node.getAttribute("data-mjx-error") || node.textContent);
}"""

# Waits for every image (a lazy one too), shrinks each display formula wider than the column to fit, lists
# the page's headings, and adds a hidden link to each id in ``targets`` that is on the page. A heading's text for a bookmark has each formula as the text of its
# MathML (L_p becomes "Lp"); its HTML for the table of contents has each formula as TeX again, for MathJax.
PREPARE = """async (targets) => {
    await Promise.all([...document.images].map(img => img.complete ? null : new Promise(resolve => {
        img.loading = "eager";
        img.addEventListener("load", resolve, {once: true});
        img.addEventListener("error", resolve, {once: true});
    })));
    const items = new Map();
    if (window.MathJax && MathJax.startup && MathJax.startup.document) {
        for (const item of MathJax.startup.document.math) items.set(item.typesetRoot, item);
    }
    const mathText = item => {
        const mml = MathJax.startup.toMML(item.root);
        const text = new DOMParser().parseFromString(mml, "application/xml").documentElement.textContent;
        return text.replace(/\\s+/g, "");
    };
    const escape = text => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    const describe = heading => {
        const text = heading.cloneNode(true);
        const html = heading.cloneNode(true);
        for (const clone of [text, html]) clone.querySelectorAll("a.headerlink").forEach(a => a.remove());
        const originals = [...heading.querySelectorAll("mjx-container")];
        [...text.querySelectorAll("mjx-container")].forEach((node, i) => {
            const item = items.get(originals[i]);
            node.replaceWith(item ? mathText(item) : node.textContent);
        });
        [...html.querySelectorAll("mjx-container")].forEach((node, i) => {
            const item = items.get(originals[i]);
            const span = document.createElement("span");
            span.className = "math";
            span.textContent = item ? "\\\\(" + item.math + "\\\\)" : node.textContent;
            node.replaceWith(span);
        });
        return {text: text.textContent.replace(/\\s+/g, " ").trim(), html: html.innerHTML.trim()};
    };
    // A display formula wider than the column would be cut at the margin: it shrinks until it fits.
    let shrunk = 0;
    for (const formula of document.querySelectorAll('mjx-container[display="true"]')) {
        const math = formula.querySelector("mjx-math");
        const box = formula.parentElement;  // the formula's own box grows to fit the formula; its parent does not
        const number = box.querySelector(":scope > .eqno");
        const room = box.clientWidth - (number ? number.getBoundingClientRect().width + 8 : 0);
        const needed = math ? math.getBoundingClientRect().width : 0;
        if (needed > room && room > 0) {
            formula.style.zoom = String(Math.floor(1000 * room / needed) / 1000);
            shrunk += 1;
        }
    }
    const headings = [];
    for (const heading of document.querySelectorAll("article.bd-article section > :is(h1, h2, h3)")) {
        const section = heading.parentElement;
        if (!section.id) continue;
        headings.push({id: section.id, level: Number(heading.tagName[1]), ...describe(heading)});
    }
    const anchors = document.createElement("nav");
    anchors.hidden = true;
    anchors.className = "lossbook-print-destinations";
    const wanted = new Set([...targets, ...headings.map(h => h.id)]);
    for (const id of wanted) {
        if (!document.getElementById(id)) continue;
        const link = document.createElement("a");
        link.href = "#" + id;
        anchors.append(link);
    }
    document.body.append(anchors);
    return {headings, shrunk};
}"""


@dataclass(frozen=True)
class Heading:
    """A section heading of a page: its section's id, its level (1 for the page's title), its text with
    each formula as plain text (for a bookmark) and its HTML with each formula as TeX (for the contents)."""

    id: str
    level: int
    text: str
    html: str


@dataclass(frozen=True)
class PrintedPage:
    """One page of the HTML book, printed: ``pdf`` holds ``pages`` pages numbered from ``first_page``."""

    entry: Entry
    title: str
    headings: tuple[Heading, ...]
    pdf: bytes
    pages: int
    first_page: int


def css_string(text: str) -> str:
    """``text`` as a CSS string literal.

    >>> css_string('Say "hi" \\\\ bye')
    '"Say \\\\"hi\\\\" \\\\\\\\ bye"'
    >>> css_string("two\\nlines")
    '"two\\\\a lines"'
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return f'"{escaped}"'


def page_style(first_page: int, running_head: str | None) -> str:
    """The CSS that numbers a printed page's sheets from ``first_page`` and puts ``running_head`` at the top.

    Chromium starts the page counter at the value of ``counter-reset: page`` on the root element, plus one.

    >>> page_style(12, "Signals")
    'html { counter-reset: page 11; } @page { @top-right { content: "Signals"; } }'
    >>> page_style(1, None)
    'html { counter-reset: page 0; }'
    """
    if first_page < 1:
        raise ValueError(f"first_page: must be at least 1, got {first_page}")
    style = f"html {{ counter-reset: page {first_page - 1}; }}"
    if running_head:
        style += f" @page {{ @top-right {{ content: {css_string(running_head)}; }} }}"
    return style


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature is http.server's
        pass


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 at a free port for the duration; yields the base URL (ending in /)."""
    server = ThreadingHTTPServer((HOST, 0), functools.partial(_QuietHandler, directory=str(folder)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="book-server", daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def page_count(pdf: bytes) -> int:
    """How many pages a PDF has, from its page tree's count (without reading every page)."""
    return int(PdfReader(BytesIO(pdf)).trailer["/Root"]["/Pages"]["/Count"])


class BookPrinter:
    """Prints pages of the book served at ``base_url`` with one headless Chromium.

    Use as ``async with BookPrinter(base_url) as printer``; then ``await printer.print_pages(...)`` and
    ``await printer.print_html(...)``. Any request to another host fails at once and is reported as an error,
    as are a console error, a page error, a failed request and a MathJax error: the PDF is not built from a
    page that did not load whole.
    """

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.problems: list[str] = []
        self.shrunk: dict[str, int] = {}  # page -> how many display formulas were shrunk to fit the column

    async def __aenter__(self) -> BookPrinter:
        if not CHROMIUM.exists():
            raise RuntimeError(
                f"Chromium is missing at {CHROMIUM}; the PDF is printed by Debian's chromium. Install it with "
                "`sudo apt-get install -y chromium` (or run `make browser`)."
            )
        from playwright.async_api import async_playwright

        self._refusing = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._refusing.bind((HOST, 0))
        self._playwright = await async_playwright().start()
        self._browser = await self._playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            proxy={"server": f"http://{HOST}:{self._refusing.getsockname()[1]}", "bypass": HOST},
        )
        self._context = await self._browser.new_context(viewport=COLUMN, color_scheme="light")
        self._context.set_default_timeout(TIMEOUT_MS)
        return self

    async def __aexit__(self, *exc) -> None:
        await self._browser.close()
        await self._playwright.stop()
        self._refusing.close()

    async def _new_tab(self):
        """A tab of the printer's one browser context: tabs share the HTTP cache and compiled scripts, so
        the theme and MathJax load once, not once per page."""
        page = await self._context.new_page()
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"{page.url}: console error: {m.text}"))
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: page error: {error}"))
        page.on("requestfailed", lambda r: self.problems.append(f"{page.url}: request failed: {r.url}"))
        page.on("response", lambda r: r.status >= 400 and self.problems.append(f"{page.url}: HTTP {r.status} {r.url}"))
        await page.add_init_script(MATHJAX_FOR_PRINT)
        await page.emulate_media(media="print")
        return page

    async def _load(self, page, entry: Entry, targets: set[str]) -> tuple[Heading, ...]:
        await page.goto(self.base_url + entry.html, wait_until="load")
        for error in await page.evaluate(WAIT_FOR_MATHJAX):
            self.problems.append(f"{entry.docname}: MathJax error: {error}")
        prepared = await page.evaluate(PREPARE, sorted(targets))
        self.shrunk[entry.docname] = prepared["shrunk"]
        return tuple(Heading(**h) for h in prepared["headings"])

    async def print_pages(self, entries: list[Entry], targets: dict[str, set[str]]) -> list[PrintedPage]:
        """Print every page of ``entries`` in order, numbered on from 1; ``targets[docname]`` are the ids on
        that page that other pages link to. Up to ``AHEAD`` pages load while one prints."""
        tabs: asyncio.Queue = asyncio.Queue()
        for _ in range(AHEAD + 1):
            tabs.put_nowait(await self._new_tab())

        async def load(entry: Entry):
            page = await tabs.get()
            return page, await self._load(page, entry, targets.get(entry.docname, set()))

        loading = [asyncio.ensure_future(load(entry)) for entry in entries]
        printed: list[PrintedPage] = []
        first_page = 1
        try:
            for entry, task in zip(entries, loading):
                page, headings = await task
                try:
                    titles = [h.text for h in headings if h.level == 1]
                    title = titles[0] if titles else (await page.title()).split(" \u2014 ")[0]
                    await page.add_style_tag(content=page_style(first_page, title))
                    pdf = await page.pdf(prefer_css_page_size=True, print_background=True)
                finally:
                    tabs.put_nowait(page)
                pages = page_count(pdf)
                printed.append(PrintedPage(entry, title, headings, pdf, pages, first_page))
                first_page += pages
        finally:
            for task in loading:
                task.cancel()
            await asyncio.gather(*loading, return_exceptions=True)
            while not tabs.empty():
                await tabs.get_nowait().close()
        return printed

    async def print_html(self, html: str, name: str) -> bytes:
        """Print an HTML document of our own (the title page and contents), served beside the book as
        ``name`` so that it can use the book's MathJax and stylesheets."""
        page = await self._new_tab()
        try:
            url = self.base_url + name

            async def fulfil(route):
                await route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

            await page.route(url, fulfil)
            await page.goto(url, wait_until="load")
            for error in await page.evaluate(WAIT_FOR_MATHJAX):
                self.problems.append(f"{name}: MathJax error: {error}")
            return await page.pdf(prefer_css_page_size=True, print_background=True)
        finally:
            await page.close()


def link_targets(html_root: Path, entries: list[Entry]) -> dict[str, set[str]]:
    """For each page of the book, the ids on it that another page links to (``page.html#id``).

    Reads the built HTML's ``href`` attributes; links within a page (``#id``) are not counted, Chromium
    makes those destinations itself.
    """
    known = {entry.html for entry in entries}
    targets: dict[str, set[str]] = {entry.docname: set() for entry in entries}
    href = re.compile(r'href="([^"#]+\.html)#([^"]+)"')
    for entry in entries:
        text = (html_root / entry.html).read_text(encoding="utf-8")
        here = dirname(entry.html)
        for path, fragment in href.findall(text):
            if "://" in path:
                continue
            target = normpath(f"{here}/{path}" if here else path)
            if target in known and target != entry.html:
                targets[target[: -len(".html")]].add(unquote(fragment))
    return targets
