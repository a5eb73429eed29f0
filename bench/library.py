"""Speed of the library: derived KL against brute-force integration, derivation checks, import time.

Run with `make bench` (or `python bench/library.py`). Prints a Markdown table with each goal; not a test.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import numpy as np
import sympy as sp
from tables import report  # bench/tables.py: python puts the script's folder on sys.path

from lossbook import numeric
from lossbook.symbolic import Derivation, Normal, kl


def best_of(function, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def brute_force_kl() -> float:
    """sympy.integrate of p log(p/q) for two symbolic Gaussians, the route lossbook avoids."""
    x = sp.Symbol("x", real=True)
    m1, m2 = sp.symbols("mu1 mu2", real=True)
    s1, s2 = sp.symbols("sigma1 sigma2", positive=True)
    p = sp.exp(-((x - m1) ** 2) / (2 * s1**2)) / (sp.sqrt(2 * sp.pi) * s1)
    q = sp.exp(-((x - m2) ** 2) / (2 * s2**2)) / (sp.sqrt(2 * sp.pi) * s2)
    start = time.perf_counter()
    sp.integrate(p * sp.log(p / q), (x, -sp.oo, sp.oo))
    return time.perf_counter() - start


def derived_kl() -> None:
    m1, m2 = sp.symbols("mu1 mu2", real=True)
    s1, s2 = sp.symbols("sigma1 sigma2", positive=True)
    sp.core.cache.clear_cache()
    kl(Normal(m1, s1), Normal(m2, s2))


def ten_step_derivation(symbolic_seconds: float) -> None:
    """A fresh ten-step chain: SymPy's cache and the engine's compiled functions are cleared first."""
    from lossbook.symbolic import checking

    sp.core.cache.clear_cache()
    checking._PROGRAMS.clear()
    mu, c = sp.symbols("mu c", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    expr = (mu - c) ** 2 / (2 * sigma**2) + sp.log(sigma)
    derivation = Derivation("f", expr, symbolic_seconds=symbolic_seconds, seed=int(time.time_ns() % 1000))
    for k in range(10):
        derivation.equals(sp.expand(expr) if k % 2 == 0 else expr + 0 * mu, f"rewrite {k}")


def likelihood_chain(symbolic_seconds: float) -> None:
    """The Gaussian likelihood chain of the MSE chapter: products and sums over N data points."""
    from lossbook.symbolic import checking, negative_log_likelihood

    sp.core.cache.clear_cache()
    checking._PROGRAMS.clear()
    N, i = sp.symbols("N i", integer=True, positive=True)
    y, x = sp.IndexedBase("y", real=True), sp.IndexedBase("x", real=True)
    a, c = sp.symbols("a c", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    model = Normal(a * x[i] + c, sigma)
    sse = sp.Sum((y[i] - a * x[i] - c) ** 2, (i, 1, N))
    chain = Derivation("-log L", -sp.log(sp.Product(model.density(y[i]), (i, 1, N))), symbolic_seconds=symbolic_seconds)
    chain.equals(sp.Sum(-model.log_density(y[i]), (i, 1, N)), "log of a product")
    chain.equals(negative_log_likelihood(model, y, N), "collect the constant")
    chain.same_argmin(sse / (2 * sigma**2), "drop the constant", over=(a, c))
    chain.same_argmin(sse / N, "rescale", over=(a, c))


def import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(5)]
    return statistics.median(runs)


def main() -> list[tuple[str, str, str, bool]]:
    rows = []
    integrate = brute_force_kl()
    moments = best_of(derived_kl)
    speedup = integrate / moments
    rows.append(("kl(Normal, Normal) by moments", f"{moments * 1e3:.1f} ms", "", True))
    rows.append(("sympy.integrate of p log(p/q)", f"{integrate:.2f} s", "", True))
    rows.append(("speed-up of the moment route", f"{speedup:.0f}x", ">= 150x", speedup >= 150))
    numeric_only = best_of(lambda: ten_step_derivation(0.0))
    with_symbolic = best_of(lambda: ten_step_derivation(1.0))
    rows.append(("10-step Derivation, checked numerically", f"{numeric_only * 1e3:.0f} ms", "< 100 ms", numeric_only < 0.1))
    rows.append(("10-step Derivation, plus symbolic confirmation", f"{with_symbolic * 1e3:.0f} ms", "", True))
    chain = best_of(lambda: likelihood_chain(0.0), repeats=3)
    rows.append(("Gaussian likelihood chain (sums over data), checked numerically", f"{chain * 1e3:.0f} ms", "< 500 ms", chain < 0.5))
    seconds = import_seconds("lossbook")
    rows.append(("import lossbook", f"{seconds * 1e3:.0f} ms", "< 500 ms", seconds < 0.5))
    for module in ("lossbook.symbolic", "lossbook.numeric"):
        rows.append((f"import {module}", f"{import_seconds(module) * 1e3:.0f} ms", "", True))
    size = 1_000_000
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=size), rng.normal(size=size)
    s, t = rng.uniform(0.5, 2, size=size), rng.uniform(0.5, 2, size=size)
    rows.append((f"numeric.kl_normal on {size:,} pairs", f"{best_of(lambda: numeric.kl_normal(a, s, b, t)) * 1e3:.1f} ms", "", True))
    rows.append((f"numeric.mse on {size:,} values", f"{best_of(lambda: numeric.mse(a, b)) * 1e3:.1f} ms", "", True))
    return rows


if __name__ == "__main__":
    sys.exit(report("Library", main()))
