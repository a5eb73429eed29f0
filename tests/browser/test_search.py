"""Search works offline, from the search box a reader types into, and finds the page they are looking for;
the snippet under each result shows formulas as plain text, not as TeX (_static/search-snippets.js)."""

from __future__ import annotations

import html
import re
from urllib.parse import urldefrag, urlsplit

import pytest

QUERY = "Laplace"
# Until the book has a page with "Laplace" in its title, the KL chapter is the page to find: it works the
# Laplace case as an exercise.
FALLBACK = "chapters/kl_divergence_l2.html"
RESULT_LINKS = "#search-results ul.search li a"
TOP = 5


def page_title(path) -> str:
    match = re.search(r"<title>(.*?)</title>", path.read_text(encoding="utf-8"), re.DOTALL)
    return html.unescape(match.group(1)) if match else ""


def pages_titled(built_book, word: str) -> list[str]:
    """Pages whose own title (before the " — book title" suffix) contains ``word``."""
    found = []
    for path in sorted(built_book.rglob("*.html")):
        relative = path.relative_to(built_book)
        if relative.parts[0].startswith("_") or relative.name in ("search.html", "genindex.html"):
            continue
        own_title = re.split(r" [—-] ", page_title(path), maxsplit=1)[0]
        if word.lower() in own_title.lower():
            found.append(relative.as_posix())
    return found


def test_search_box_finds_the_laplace_page(reader, built_book):
    expected = pages_titled(built_book, QUERY) or [FALLBACK]

    page = reader.open(reader.root)
    # The search field in the header or sidebar opens the theme's search dialog (Ctrl+K does the same).
    page.locator("button.search-button__button:visible").first.click()
    box = page.locator("#pst-search-dialog input[name=q]")
    box.fill(QUERY)
    box.press("Enter")
    page.wait_for_url(re.compile(rf"/search\.html\?q={QUERY}"), wait_until="load")
    page.wait_for_function(
        "() => /Search finished/.test(document.querySelector('#search-results')?.textContent || '')",
        timeout=30_000,
    )

    summary = page.locator("#search-results").inner_text()
    found = [
        urldefrag(urlsplit(href)._replace(query="").geturl())[0]
        for href in page.locator(RESULT_LINKS).evaluate_all("links => links.map(a => a.href)")
    ]
    for path in expected:
        assert reader.url(path) in found, f"searching {QUERY!r} did not find {path}:\n{summary}"
        # A page with the word in its title is among the first results (API entries may come first).
        if path != FALLBACK:
            assert reader.url(path) in found[:TOP], f"{path} is not in the first {TOP} results:\n{summary}"
    assert not reader.problems(), reader.problems()


def test_search_page_takes_the_query_from_the_address(reader):
    """A bookmarked or shared search URL gives the same results."""
    page = reader.open(f"search.html?q={QUERY}")
    page.wait_for_function(
        "() => /Search finished/.test(document.querySelector('#search-results')?.textContent || '')",
        timeout=30_000,
    )
    assert page.locator(RESULT_LINKS).count() > 0
    assert not reader.problems(), reader.problems()


# Searching this word finds pages whose snippets show formulas (a variance is written with math).
MATH_QUERY = "variance"
RAW_TEX_IN_SNIPPET = re.compile(r"\\\(|\\\)|\\\[|\\\]|\\begin\b|\$\$")
# Every formula of a page as the search page writes it in a snippet, longest first.
FORMULAS_AS_TEXT = """async (url) => {
    const page = new DOMParser().parseFromString(await (await fetch(url)).text(), "text/html");
    const formulas = [...page.querySelectorAll("[role=main] .math")].map(
        m => window.lossbookTexToText([...m.childNodes].filter(n => n.nodeType === 3).map(n => n.nodeValue).join("")));
    return formulas.filter(f => f.length >= 3).sort((a, b) => b.length - a.length);
}"""


def test_search_snippets_show_formulas_without_tex(reader):
    page = reader.open(f"search.html?q={MATH_QUERY}")
    page.wait_for_function(
        "() => /Search finished/.test(document.querySelector('#search-results')?.textContent || '')",
        timeout=30_000,
    )
    # Each page result fetches its page for the snippet; wait until every one has it. A result for an API
    # object (the attribute Fit.covariance matches "variance") shows its description in a span instead.
    page.wait_for_function(
        "() => [...document.querySelectorAll('#search-results ul.search li')]"
        ".every(li => li.querySelector(':scope > span') || li.querySelector('p.context'))",
        timeout=30_000,
    )
    results = page.locator("#search-results ul.search li").evaluate_all(
        "items => items.map(li => [li.querySelector('a').href, li.querySelector('p.context')?.textContent || ''])"
    )
    assert results, f"searching {MATH_QUERY!r} found nothing"

    raw = [(url, snippet) for url, snippet in results if RAW_TEX_IN_SNIPPET.search(snippet)]
    assert not raw, "snippets with raw TeX:\n" + "\n".join(f"{url}: {snippet}" for url, snippet in raw)
    # The snippets do show formulas, as text: the test would be empty if none of them had one.
    with_formulas = [
        url for url, snippet in results if any(f in snippet for f in page.evaluate(FORMULAS_AS_TEXT, url))
    ]
    assert with_formulas, f"no snippet of a search for {MATH_QUERY!r} shows a formula"
    assert not reader.problems(), reader.problems()


@pytest.mark.parametrize(
    "tex, text",
    [
        (r"\(\mathcal{N}(\mu, \sigma^2)\)", "N(μ, σ^2)"),
        (r"\(D_{\mathrm{KL}}(p\,\|\,q)\)", "D_KL(p ‖ q)"),
        (r"\(\frac{1}{2}\hat{y}\)", "1/2ŷ"),
        (r"\(r \log\frac{r}{r + \mu}\)", "r log r/(r + μ)"),
        (r"\(\sqrt{\hat\lambda / N}\)", "√(λ̂ / N)"),
        (r"\(x_{t+1} = e^{-\mu}\)", "x_(t+1) = e^(-μ)"),
        (r"\(\lVert y - Xw \rVert^2 \le 1\)", "‖ y - Xw ‖^2 ≤ 1"),
        (r"\[\begin{aligned} \ell(\mu) &= \sum_{i=1}^{N} (y_i - \mu)^2 \\ &= N\bar y\end{aligned}\]",
         "ℓ(μ) = ∑_(i=1)^N (y_i - μ)^2; = Nȳ"),
        (r"$$\operatorname{Var}[y] = \mu + \alpha\mu^2$$", "Var[y] = μ + αμ^2"),
    ],
)
def test_snippet_writes_a_formula_as_text(reader, tex, text):
    page = reader.open("search.html")
    assert page.evaluate("tex => window.lossbookTexToText(tex)", tex) == text
