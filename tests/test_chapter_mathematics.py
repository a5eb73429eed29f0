"""Every displayed formula of a chapter is accounted for: derived results come from checked objects, typed ones
are definitions, assumptions or cited results.

A derived result is printed from a `Derivation` or an `Equation` and glued by label; it is never assembled from
LaTeX strings, because nothing checks a string (two such displays once showed wrong mathematics). A display
formula typed in the chapter's Markdown must say what it is:

- a definition: inside a ``{prf:definition}`` or ``{prf:notation}`` directive;
- an assumption: inside a ``{prf:assumption}`` directive;
- a cited result: a citation role (``{footcite}``, ``{cite}`` and their variants) in the same directive as the
  formula or, outside directives, in the paragraph directly before or directly after it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "chapters").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)

CITATION = re.compile(r"\{(foot)?cite(:[a-z]+)?\}`")
FENCE = re.compile(r"^(`{3,}|:{3,})\s*\{([\w:-]+)\}")
DEFINITIONS = {"prf:definition", "prf:notation"}
ASSUMPTIONS = {"prf:assumption"}

# Code that builds displayed mathematics from strings.
STRING_MATHS = {
    "a Math object built from a string": re.compile(r"\bMath\("),
    "sp.latex / sympy.latex": re.compile(r"\b(sp|sympy)\.latex\("),
    "a $$ display built in code": re.compile(r"\$\$"),
}


def _cells(path: Path, kind: str) -> list[tuple[int, str]]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [(n, "".join(c["source"])) for n, c in enumerate(cells) if c["cell_type"] == kind]


@dataclass
class TypedFormula:
    cell: int
    line: int
    text: str
    kind: str  # "definition", "assumption", "cited" or "" (unaccounted)


def _classify(lines: list[str], start: int, end: int, stack: list[tuple[str, int]]) -> str:
    names = [name for name, _ in stack]
    if any(name in DEFINITIONS for name in names):
        return "definition"
    if any(name in ASSUMPTIONS for name in names):
        return "assumption"
    if stack:
        # the innermost directive's whole body, up to its closing fence
        _, opened = stack[-1]
        fence = FENCE.match(lines[opened].strip()).group(1)
        closing = next((k for k in range(end + 1, len(lines)) if lines[k].strip() == fence), len(lines))
        return "cited" if CITATION.search("\n".join(lines[opened:closing])) else ""
    before, k = [], start - 1
    while k >= 0 and not lines[k].strip():
        k -= 1
    while k >= 0 and lines[k].strip() and not lines[k].strip().startswith(("$$", "```", ":::")):
        before.append(lines[k])
        k -= 1
    after, k = [], end + 1
    while k < len(lines) and not lines[k].strip():
        k += 1
    while k < len(lines) and lines[k].strip() and not lines[k].strip().startswith(("$$", "```", ":::")):
        after.append(lines[k])
        k += 1
    return "cited" if CITATION.search("\n".join(before + after)) else ""


def typed_display_formulas(path: Path) -> list[TypedFormula]:
    """The display formulas typed in a chapter's Markdown, each with what it is."""
    found = []
    for number, source in _cells(path, "markdown"):
        lines = source.splitlines()
        stack: list[tuple[str, int]] = []
        k = 0
        while k < len(lines):
            stripped = lines[k].strip()
            opened = FENCE.match(stripped)
            if opened and opened.group(2) != "math":
                stack.append((opened.group(2), k))
                k += 1
                continue
            if stack and stripped and stripped == FENCE.match(lines[stack[-1][1]].strip()).group(1):
                stack.pop()
                k += 1
                continue
            start = k
            if stripped.startswith("$$"):
                end = k if stripped.count("$$") >= 2 else next(
                    (j for j in range(k + 1, len(lines)) if "$$" in lines[j]), len(lines) - 1
                )
            elif opened:  # a {math} directive
                fence = opened.group(1)
                end = next((j for j in range(k + 1, len(lines)) if lines[j].strip() == fence), len(lines) - 1)
            elif stripped.startswith("\\begin{") and not stack or stripped.startswith("\\begin{") and stack:
                environment = stripped[len("\\begin{") :].split("}")[0]
                end = next((j for j in range(k, len(lines)) if f"\\end{{{environment}}}" in lines[j]), len(lines) - 1)
            else:
                k += 1
                continue
            text = " ".join(line.strip() for line in lines[start : end + 1])
            found.append(TypedFormula(number, start + 1, text[:160], _classify(lines, start, end, stack)))
            k = end + 1
    return found


def test_there_are_chapters():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_displayed_mathematics_is_built_from_strings(path):
    hits = [
        f"cell {number}: {what}: {line.strip()[:100]}"
        for number, source in _cells(path, "code")
        for line in source.splitlines()
        for what, pattern in STRING_MATHS.items()
        if pattern.search(line)
    ]
    assert not hits, f"{path.name}: print derived results from Derivation/Equation objects instead:\n" + "\n".join(hits)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_typed_display_formula_is_a_definition_an_assumption_or_cited(path):
    unaccounted = [f for f in typed_display_formulas(path) if not f.kind]
    listing = "\n".join(f"  cell {f.cell}, line {f.line}: {f.text}" for f in unaccounted)
    assert not unaccounted, (
        f"{path.name}: typed display formulas that are neither a definition ({{prf:definition}}/{{prf:notation}}), "
        f"an assumption ({{prf:assumption}}) nor cited in the same block -- glue derived results from code:\n{listing}"
    )


SAMPLE = """Intro text.

```{prf:definition} Thing
:label: def-thing

$$
f(x) = x^2
$$
```

A classic bound {footcite}`someone1900` says

$$
g \\le h
$$

Unsupported:

$$
a = b
$$

```{prf:theorem} Cited inside
$$
c = d
$$
See {footcite}`other2000`.
```

```{prf:assumption} Noise
$$
e \\sim N(0, 1)
$$
```
"""


def test_the_classifier_tells_definitions_assumptions_citations_and_unaccounted_formulas(tmp_path):
    notebook = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": SAMPLE}], "metadata": {}, "nbformat": 4,
                "nbformat_minor": 5}
    path = tmp_path / "sample.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    kinds = [(f.text.replace("$$", "").strip(), f.kind) for f in typed_display_formulas(path)]
    assert kinds == [
        ("f(x) = x^2", "definition"),
        ("g \\le h", "cited"),
        ("a = b", ""),
        ("c = d", "cited"),
        ("e \\sim N(0, 1)", "assumption"),
    ]


@pytest.mark.parametrize(
    "line",
    ['Math(r"\\log p = " + sp.latex(e))', "text = sp.latex(expr)", 'Markdown(f"$${x}$$")', "sympy.latex(e)"],
)
def test_string_built_mathematics_is_recognised(line):
    assert any(pattern.search(line) for pattern in STRING_MATHS.values())


def main() -> int:
    """Print, per chapter, how many typed display formulas are definitions, assumptions and cited results (make
    test shows this table; the tests above fail on any formula that is none of these)."""
    print("| chapter | definitions | assumptions | cited | unaccounted |")
    print("|---|---:|---:|---:|---:|")
    for path in NOTEBOOKS:
        kinds = [f.kind for f in typed_display_formulas(path)]
        counts = [kinds.count(kind) for kind in ("definition", "assumption", "cited", "")]
        print(f"| {path.stem} | " + " | ".join(map(str, counts)) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
