"""Count, over the built book's HTML, the forms of mathematics a careful textbook does not print.

Every formula of a page (the TeX inside ``span.math`` and ``div.math``) is searched for:

- a parenthesised sum that opens with a minus sign, such as ``(-\\mu + x)`` where a textbook writes ``(x - \\mu)``;
- ``\\sqrt{2} \\sqrt{\\pi}`` where a textbook writes ``\\sqrt{2\\pi}``;
- a sum over data in the numerator of a fraction (``\\frac{\\sum ...}{N}``) where a textbook writes ``\\frac{1}{N}\\sum``;
- an argmin step printed with a plain ``=``;
- a number with more than six digits after the decimal point.

``python tests/formula_forms.py _build/html`` prints the counts as a table (``make test`` does, after the
browser tests); ``tests/browser/test_formula_forms.py`` asserts that every count is zero.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

MATH = re.compile(r'<(span|div) class="math[^"]*"[^>]*>(.*?)</\1>', re.DOTALL)
PATTERNS = {
    "square roots of 2 and pi apart": re.compile(r"\\sqrt\{2\}\s*\\sqrt\{\\pi\}"),
    "an argmin step printed with =": re.compile(r"\\arg\s*\\min[^=]{0,80}?\{\s*=\s*\}"),
    "a number with more than six decimals": re.compile(r"(?<![\w.])\d*\.\d{7,}"),
}
NEGATIVE_SUM = "a parenthesised sum opening with a minus sign"
SUM_OVER = "a sum over data in a numerator"


def _braced(tex: str, start: int) -> tuple[str, int]:
    """The contents of the brace group opening at ``tex[start]``, and the index after it."""
    depth = 0
    for k in range(start, len(tex)):
        depth += {"{": 1, "}": -1}.get(tex[k], 0)
        if depth == 0:
            return tex[start + 1 : k], k + 1
    return tex[start + 1 :], len(tex)


def _sums_over_something(tex: str):
    """Fractions whose numerator opens with a sum and whose denominator holds none (a mean written as
    Sum/N, where a textbook writes (1/N) Sum); a ratio of two sums is a fraction on paper too."""
    for match in re.finditer(r"\\frac\{", tex):
        numerator, after = _braced(tex, match.end() - 1)
        if after < len(tex) and tex[after] == "{":
            denominator, _ = _braced(tex, after)
            if numerator.lstrip().startswith("\\sum") and "\\sum" not in denominator:
                yield match.start()


def _parenthesised(tex: str):
    """The contents of every ``\\left( ... \\right)`` pair, innermost pairs included."""
    opens = []
    for match in re.finditer(r"\\left\(|\\right\)", tex):
        if match.group() == "\\left(":
            opens.append(match.end())
        elif opens:
            start = opens.pop()
            yield tex[start : match.start()]


def _opens_with_minus_and_has_a_plus(content: str) -> bool:
    if not content.lstrip().startswith("-"):
        return False
    depth = 0
    for k, char in enumerate(content):
        if char in "{(":
            depth += 1
        elif char in "})":
            depth -= 1
        elif depth == 0 and content.startswith(" + ", k):
            return True
    # \left( ... \right) pairs inside count as depth too
    return False


def formulas(page: Path) -> list[str]:
    """The TeX of every formula on a built page."""
    return [html.unescape(m.group(2)) for m in MATH.finditer(page.read_text(encoding="utf-8"))]


def count_forms(html_dir: Path) -> dict[str, list[str]]:
    """Each unwanted form, with ``page: snippet`` for every place it occurs."""
    found: dict[str, list[str]] = {NEGATIVE_SUM: [], SUM_OVER: [], **{name: [] for name in PATTERNS}}
    for page in sorted(html_dir.rglob("*.html")):
        if page.relative_to(html_dir).parts[0] in ("_static", "_sources", "_images"):
            continue
        where = page.relative_to(html_dir).as_posix()
        for tex in formulas(page):
            flat = re.sub(r"\\(left|right)\s*", lambda m: "\\" + m.group(1), tex)
            for content in _parenthesised(flat):
                plain = re.sub(r"\\left\(.*?\\right\)", "()", content)
                if _opens_with_minus_and_has_a_plus(plain):
                    found[NEGATIVE_SUM].append(f"{where}: ({content.strip()[:70]})")
            for start in _sums_over_something(tex):
                found[SUM_OVER].append(f"{where}: …{tex[start : start + 70]}…")
            for name, pattern in PATTERNS.items():
                for match in pattern.finditer(tex):
                    snippet = tex[max(0, match.start() - 30) : match.end() + 30].replace("\n", " ")
                    found[name].append(f"{where}: …{snippet}…")
    return found


def main(argv: list[str]) -> int:
    html_dir = Path(argv[1] if len(argv) > 1 else "_build/html")
    found = count_forms(html_dir)
    print("| form a textbook does not print | count in the built book |")
    print("|---|---:|")
    for name, places in found.items():
        print(f"| {name} | {len(places)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
