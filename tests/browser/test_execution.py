"""The execution status page (execution.md, myst-nb's ``{nb-exec-table}``) reads the same on every system:
the status of each chapter's run is a word, not an emoji that needs an emoji font to show."""

from __future__ import annotations

PAGE = "execution.html"
STATUS_WORDS = {"succeeded", "failed"}
# Characters drawn as emoji by default (✅, ❌, …) and the selector that asks for emoji presentation.
EMOJI_IN_MAIN = """() => [
    ...(document.querySelector("main").textContent.match(/[\\p{Emoji_Presentation}\\uFE0F]/gu) || [])
]"""
STATUS_COLUMN = """() => {
    const table = [...document.querySelectorAll("main table")].find(
        t => [...t.querySelectorAll("thead th")].some(th => th.textContent.trim() === "Status"));
    if (!table) return null;
    const column = [...table.querySelectorAll("thead th")].findIndex(th => th.textContent.trim() === "Status");
    return [...table.querySelectorAll("tbody tr")].map(row => row.children[column].textContent.trim());
}"""


def test_execution_page_needs_no_emoji_font(reader):
    page = reader.document(PAGE)
    assert page.evaluate(EMOJI_IN_MAIN) == []


def test_every_chapter_has_its_status_in_words(reader, built_book):
    page = reader.document(PAGE)
    statuses = page.evaluate(STATUS_COLUMN)
    assert statuses is not None, f"{PAGE} has no table with a Status column"
    chapters = list((built_book / "chapters").glob("*.html"))
    assert len(statuses) == len(chapters)
    assert set(statuses) <= STATUS_WORDS, statuses
