"""Speed of the losses that lossbook.symbolic.loss_function generates, against SciPy (issue 15's goal).

Goal: each generated negative log-likelihood, called on n observations with scalar parameters (mean
reduction, validation included), within 2x of ``-scipy.stats.<family>.logpdf(y, ...).mean()`` at n = 1e3, 1e5
and 1e6, for the shipped families and for four a reader writes (Gumbel, Weibull, Logistic, LogNormal, written
as a reader would in tests/reader_families.py). The Poisson family is measured twice: at rate 30 (its terms
summed as they stand) and at rate 1e4 (Stirling's series, which keeps every digit where SciPy loses them).
Also: a second ``loss_function(Gumbel)`` is served from the cache, well within 1 ms.

Times are the minimum over repeats (``timeit.repeat``), the least disturbed measure of a deterministic function.

Run with `make bench` (or `python bench/loss_function.py`). Prints a Markdown table with each goal; not a test.
"""

from __future__ import annotations

import sys
from pathlib import Path
import time
import timeit

import numpy as np
import sympy as sp
from scipy import stats
from tables import report  # bench/tables.py: python puts the script's folder on sys.path

from lossbook import symbolic
from lossbook.symbolic import loss_function

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the reader's families live with the tests
from reader_families import Gumbel, LogNormal, Logistic, Weibull  # noqa: E402

SIZES = (1_000, 100_000, 1_000_000)
GOAL = 2.0


# (label, family, draw(rng, n), parameters, the SciPy log-density of y)
CASES = [
    ("Normal", symbolic.Normal, lambda r, n: r.normal(size=n), (0.3, 1.2), lambda y: stats.norm.logpdf(y, 0.3, 1.2)),
    ("Laplace", symbolic.Laplace, lambda r, n: r.laplace(size=n), (0.3, 1.2),
     lambda y: stats.laplace.logpdf(y, 0.3, 1.2)),
    ("Cauchy", symbolic.Cauchy, lambda r, n: r.standard_cauchy(n), (0.3, 1.2),
     lambda y: stats.cauchy.logpdf(y, 0.3, 1.2)),
    ("StudentT", symbolic.StudentT, lambda r, n: r.standard_t(4, n), (0.3, 1.2, 4.0),
     lambda y: stats.t.logpdf(y, 4.0, 0.3, 1.2)),
    ("Gamma", symbolic.Gamma, lambda r, n: r.gamma(2.0, 1.0, n), (2.0, 1.5),
     lambda y: stats.gamma.logpdf(y, 2.0, scale=1 / 1.5)),
    ("Bernoulli", symbolic.Bernoulli, lambda r, n: r.integers(0, 2, n).astype(float), (0.3,),
     lambda y: stats.bernoulli.logpmf(y, 0.3)),
    ("Poisson, rate 30", symbolic.Poisson, lambda r, n: r.poisson(30.0, n).astype(float), (30.0,),
     lambda y: stats.poisson.logpmf(y, 30.0)),
    ("Poisson, rate 1e4", symbolic.Poisson, lambda r, n: r.poisson(1e4, n).astype(float), (1e4,),
     lambda y: stats.poisson.logpmf(y, 1e4)),
    ("NegativeBinomial", symbolic.NegativeBinomial, lambda r, n: r.poisson(5.0, n).astype(float), (5.0, 0.5),
     lambda y: stats.nbinom.logpmf(y, 1 / 0.5, 1 / (1 + 0.5 * 5.0))),
    ("GeneralizedNormal", symbolic.GeneralizedNormal, lambda r, n: r.normal(size=n), (0.3, 1.2, 1.5),
     lambda y: stats.gennorm.logpdf(y, 1.5, 0.3, 1.2)),
    ("Gumbel (reader's)", Gumbel, lambda r, n: r.gumbel(size=n), (0.3, 1.2),
     lambda y: stats.gumbel_r.logpdf(y, 0.3, 1.2)),
    ("Weibull (reader's)", Weibull, lambda r, n: r.weibull(1.5, n), (1.5, 1.2),
     lambda y: stats.weibull_min.logpdf(y, 1.5, scale=1.2)),
    ("Logistic (reader's)", Logistic, lambda r, n: r.logistic(size=n), (0.3, 1.2),
     lambda y: stats.logistic.logpdf(y, 0.3, 1.2)),
    ("LogNormal (reader's)", LogNormal, lambda r, n: r.lognormal(size=n), (0.3, 1.2),
     lambda y: stats.lognorm.logpdf(y, 1.2, scale=np.exp(0.3))),
]
if hasattr(symbolic, "Exponential"):
    CASES.append(
        ("Exponential", symbolic.Exponential, lambda r, n: r.exponential(2.0, n), (0.5,),
         lambda y: stats.expon.logpdf(y, scale=2.0))
    )


def best_time(function, n: int) -> float:
    """Seconds per call: the minimum over 5 runs of enough calls to take a few milliseconds."""
    number = max(1, 200_000 // n)
    return min(timeit.repeat(function, number=number, repeat=5)) / number


def speed_rows() -> list[tuple[str, str, str, bool]]:
    rows = []
    for label, family, draw, params, scipy_logpdf in CASES:
        try:
            loss = loss_function(family)
        except Exception as error:  # report a family that cannot be generated instead of stopping the table
            rows.append((f"{label}: loss_function", f"error: {type(error).__name__}: {error}", "generates", False))
            continue
        for n in SIZES:
            y = draw(np.random.default_rng(n), n)
            try:
                ours = best_time(lambda: loss(y, *params), n)
            except Exception as error:
                rows.append((f"{label}, n = {n:.0e}: time / SciPy", f"error: {type(error).__name__}: {error}",
                             f"<= {GOAL:g}x", False))
                continue
            theirs = best_time(lambda: -scipy_logpdf(y).mean(), n)
            ratio = ours / theirs
            rows.append((
                f"{label}, n = {n:.0e}: time / SciPy",
                f"{ratio:.2f}x ({ours * 1e3:.3f} ms vs {theirs * 1e3:.3f} ms)",
                f"<= {GOAL:g}x",
                ratio <= GOAL,
            ))
    return rows


def cache_rows() -> list[tuple[str, str, str, bool]]:
    class FreshGumbel(Gumbel):  # a class not generated yet in this process
        pass

    start = time.perf_counter()
    loss_function(FreshGumbel)
    first = time.perf_counter() - start
    start = time.perf_counter()
    loss_function(FreshGumbel)
    second = time.perf_counter() - start
    return [(
        "second loss_function(Gumbel): time",
        f"{second * 1e6:.1f} us (the first, which generates the code: {first * 1e3:.0f} ms)",
        "<= 1 ms (cached)",
        second <= 1e-3,
    )]


def main() -> list[tuple[str, str, str, bool]]:
    return [*speed_rows(), *cache_rows()]


if __name__ == "__main__":
    sys.exit(report("Generated losses (loss_function) against scipy.stats", main()))
