"""Speed of lossbook.symbolic.fit on 1000 observations, against scipy.stats' own fit (issue 15's goal).

Goal: after the first fit of a family (which derives the score and the Hessian with SymPy and compiles them with
lambdify), a fit of 1000 observations well under a second, here within 0.1 s. The first fit is reported as it
is (it includes the derivation and the symbolic score and information of the result). SciPy's time for the same
fit is reported for scale, not as a goal: SciPy derives nothing and uses closed forms or root-finders written
for each family where it has them.

Families: three a reader writes (Gumbel, Weibull, Logistic, written as a reader would in
tests/reader_families.py) and the shipped Normal and Gamma. Times of later fits are the minimum over repeats
(``timeit.repeat``), the least disturbed measure of a deterministic function; each first fit is timed once, in a
fresh cache.

Run with `python bench/fit.py`. Prints a Markdown table with each goal; not a test.
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

from lossbook.symbolic import Gamma, Normal
from lossbook.symbolic import fitting

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the reader's families live with the tests
from reader_families import Gumbel, Logistic, Weibull  # noqa: E402

SIZE = 1_000
GOAL = 0.1  # seconds for a fit after the first


def families():
    """(name, family to fit, sample of SIZE, SciPy's fit of it)."""
    rng = np.random.default_rng(15)
    mu = sp.Symbol("mu", real=True)
    beta, k, lam, s, sigma, alpha, rate = sp.symbols("beta k lam s sigma alpha rate", positive=True)
    return [
        ("Gumbel", Gumbel(mu, beta), stats.gumbel_r.rvs(2, 3, size=SIZE, random_state=rng), stats.gumbel_r.fit),
        ("Weibull", Weibull(k, lam), stats.weibull_min.rvs(1.7, scale=4, size=SIZE, random_state=rng),
         lambda y: stats.weibull_min.fit(y, floc=0)),
        ("Logistic", Logistic(mu, s), stats.logistic.rvs(1, 2, size=SIZE, random_state=rng), stats.logistic.fit),
        ("Normal", Normal(mu, sigma), stats.norm.rvs(1, 2, size=SIZE, random_state=rng), stats.norm.fit),
        ("Gamma", Gamma(alpha, rate), stats.gamma.rvs(2.5, scale=2, size=SIZE, random_state=rng),
         lambda y: stats.gamma.fit(y, floc=0)),
    ]


def best(function, repeat: int = 7, number: int = 5) -> float:
    return min(timeit.repeat(function, number=number, repeat=repeat)) / number


def main() -> list[tuple[str, str, str, bool]]:
    rows = []
    for name, dist, data, scipy_fit in families():
        fitting._MODELS.clear()
        started = time.perf_counter()
        fitting.fit(dist, data)
        first = time.perf_counter() - started
        later = best(lambda: fitting.fit(dist, data))
        theirs = best(lambda: scipy_fit(data), repeat=3, number=1)
        rows.append((f"{name}: first fit (derive and compile)", f"{first * 1e3:.0f} ms", "reported", True))
        rows.append((f"{name}: later fit, n = {SIZE}", f"{later * 1e3:.1f} ms (SciPy {theirs * 1e3:.2f} ms)",
                     f"< {GOAL * 1e3:.0f} ms", later < GOAL))
    return rows


if __name__ == "__main__":
    sys.exit(report(f"fit: maximum likelihood on {SIZE} observations", main()))
