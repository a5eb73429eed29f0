"""Every link a reader can follow inside the book leads somewhere: the target is served (HTTP 200), and a
``#fragment`` names an element that exists on the target page."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.error import HTTPError
from urllib.parse import unquote, urldefrag, urlsplit
from urllib.request import urlopen

import pytest

LINKS = "() => [...document.querySelectorAll('a[href]')].map(a => a.href)"


class _Anchors(HTMLParser):
    """The ids (and old-style ``<a name>``) a fragment can point at."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name == "id" or (tag == "a" and name == "name")):
                self.ids.add(value)


class _Targets:
    """Fetches each link target once per session: its HTTP status and, for an HTML page, its anchors."""

    def __init__(self):
        self._seen: dict[str, tuple[int, set[str] | None]] = {}

    def get(self, url: str) -> tuple[int, set[str] | None]:
        if url not in self._seen:
            try:
                with urlopen(url, timeout=30) as response:  # noqa: S310 - our own server on 127.0.0.1
                    status, body = response.status, response.read()
                    is_html = response.headers.get_content_type() == "text/html"
            except HTTPError as error:
                status, body, is_html = error.code, b"", False
                error.close()
            anchors = None
            if is_html:
                parser = _Anchors()
                parser.feed(body.decode("utf-8", errors="replace"))
                anchors = parser.ids
            self._seen[url] = (status, anchors)
        return self._seen[url]


@pytest.fixture(scope="session")
def targets() -> _Targets:
    return _Targets()


def test_internal_links_resolve(reader, targets, book_page):
    page = reader.document(book_page)
    origin = urlsplit(reader.base_url).netloc
    broken = []
    for href in sorted(set(page.evaluate(LINKS))):
        parts = urlsplit(href)
        if parts.scheme not in ("http", "https") or parts.netloc != origin:
            continue  # another host, mailto:, javascript:: not the book's
        target, fragment = urldefrag(href)
        status, anchors = targets.get(target)
        if status != 200:
            broken.append(f"{href}: HTTP {status}")
        elif fragment and anchors is not None and unquote(fragment) not in anchors:
            broken.append(f"{href}: no element with id {unquote(fragment)!r} on {target}")
    assert not broken, f"broken links on {book_page}:\n" + "\n".join(broken)


def test_the_book_links_its_own_pages(reader, book_url):
    """The check above is not vacuous: the introduction links to the chapters and the reference pages."""
    page = reader.document(reader.root)
    links = {urldefrag(href)[0] for href in page.evaluate(LINKS)}
    for expected in ("chapters/kl_divergence_l2.html", "api.html", "glossary.html", "bibliography.html"):
        assert book_url + expected in links
