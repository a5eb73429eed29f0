"""Speed of the derivation checker on the adversarial corpus of tests/test_checker_corpus.py.

Run with `python bench/checker.py` (part of `make bench`). Each case is one checked step (numeric check, no
symbolic attempt, which has its own CPU budget), timed in CPU seconds with a fresh cache of compiled
expressions. Prints a Markdown table with the goals; not a test.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
from pathlib import Path

import sympy as sp
from tables import report  # bench/tables.py: python puts the script's folder on sys.path

from lossbook.symbolic import DerivationError, checking

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "test_checker_corpus.py"


def load_corpus():
    spec = importlib.util.spec_from_file_location("checker_corpus", CORPUS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cases(corpus):
    for name, (old, new, options) in {**corpus.WRONG_EQUALITIES, **corpus.TRUE_EQUALITIES}.items():
        yield name, lambda old=old, new=new, options=options: corpus.derive(old, **options).equals(new, "step")
    for name, (old, new, over, options) in {**corpus.WRONG_ARGMINS, **corpus.TRUE_ARGMINS}.items():
        yield name, lambda old=old, new=new, over=over, options=options: corpus.derive(old, **options).same_argmin(
            new, "step", over=over)
    substitutions = {**corpus.WRONG_SUBSTITUTIONS, **{k: (o, v, opts) for k, (o, v, _, opts) in corpus.TRUE_SUBSTITUTIONS.items()}}
    for name, (old, values, options) in substitutions.items():
        yield name, lambda old=old, values=values, options=options: corpus.derive(old, **options).substitute(values, "step")


def timed(function) -> float:
    sp.core.cache.clear_cache()
    checking._PROGRAMS.clear()
    checking._SERIES.clear()
    start = time.process_time()
    try:
        function()
    except DerivationError:
        pass
    return time.process_time() - start


def main() -> list[tuple[str, str, str, bool]]:
    corpus = load_corpus()
    times = sorted(((timed(function), name) for name, function in cases(corpus)), reverse=True)
    seconds = [t for t, _ in times]
    median = statistics.median(seconds)
    slowest, slowest_name = times[0]
    rows = [
        ("corpus steps timed", f"{len(seconds)}", "", True),
        ("median checked step", f"{median * 1e3:.0f} ms", "<= 30 ms", median <= 0.030),
        ("90th percentile", f"{seconds[len(seconds) // 10] * 1e3:.0f} ms", "", True),
        (f"slowest step ({slowest_name})", f"{slowest * 1e3:.0f} ms", "<= 1 s", slowest <= 1.0),
        ("whole corpus", f"{sum(seconds):.1f} s", "", True),
    ]
    rows += [(f"next slowest: {name}", f"{t * 1e3:.0f} ms", "", True) for t, name in times[1:4]]
    return rows


if __name__ == "__main__":
    sys.exit(report("Derivation checker", main()))
