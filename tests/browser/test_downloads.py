"""Every chapter page offers its notebook: the header's download button has an .ipynb link, and following it
gives the chapter's notebook."""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath

from .conftest import reads

MENU = ".dropdown-download-buttons"
NOTEBOOK_LINK = f"{MENU} a.btn-download-source-button"


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.replace("#", " "))).lower()


def test_chapter_offers_its_notebook(reader, chapter_page):
    page = reader.document(chapter_page)
    link = page.locator(NOTEBOOK_LINK)
    assert link.count() == 1, f"{chapter_page}: the download menu has no source (.ipynb) entry"
    assert link.inner_text().strip() == ".ipynb"
    href = link.evaluate("a => a.href")
    notebook_name = PurePosixPath(chapter_page).with_suffix(".ipynb").name
    assert href.endswith("/" + notebook_name), f"{chapter_page}: the download link is {href}"

    response = page.request.get(href)
    assert response.status == 200, f"{href}: HTTP {response.status}"
    notebook = json.loads(response.body())
    assert notebook["nbformat"] == 4 and notebook["cells"], f"{href} is not a notebook"
    # It is this chapter's notebook: its first heading is the page's title.
    first = next(cell for cell in notebook["cells"] if cell["cell_type"] == "markdown")
    heading = "".join(first["source"]).strip().splitlines()[0]
    assert _words(heading) == _words(page.locator("main h1").first.inner_text())


@reads("chapters/kl_divergence_l2.html")
def test_download_button_opens_a_menu_with_the_notebook(reader, path):
    """The button itself works as a reader uses it: a click shows the menu with the .ipynb entry."""
    page = reader.take(path)
    link = page.locator(NOTEBOOK_LINK)
    assert not link.is_visible()
    page.locator(f"{MENU} > button").click()
    link.wait_for(state="visible")
    assert link.inner_text().strip() == ".ipynb"
    assert not reader.problems(), reader.problems()
