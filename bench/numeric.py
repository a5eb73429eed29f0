"""Speed and memory of lossbook.numeric's losses against the bare NumPy expression (issue 14's goals).

At 10 million elements, in float64 and in float32: mse, mae, huber and gaussian_nll within 1.3x of the time of
the bare expression, and no more scratch memory than two copies of the input (2 x 10^7 x itemsize: 153 MiB in
float64, 76 MiB in float32; 1 MiB more is allowed for the small Python and NumPy objects of a call, so two
array buffers pass and a third does not). On 256 elements: one call within 10 us of the bare expression. Also reported:
whether float32 stays float32, and kl_quad on the issue's hard pairs.

Times are the minimum over repeats (``timeit.repeat``), the least disturbed measure of a deterministic function.
Scratch memory is the peak traced by ``tracemalloc`` during one call (NumPy reports its array buffers to it) above
what was allocated before the call, the result included. The losses are called without keywords, so the script
measures whatever version of the library is installed.

Run with `make bench` (or `python bench/numeric.py`). Prints a Markdown table with each goal; not a test.
"""

from __future__ import annotations

import gc
import math
import sys
import timeit
import tracemalloc

import numpy as np
from tables import report  # bench/tables.py: python puts the script's folder on sys.path

from lossbook import numeric

LARGE = 10_000_000
SMALL = 256
SLACK = 2**20  # bytes of small objects allowed on top of the array buffers
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def bare_mse(y, y_hat):
    return np.mean((y - y_hat) ** 2)


def bare_mae(y, y_hat):
    return np.mean(np.abs(y - y_hat))


def bare_huber(y, y_hat, delta=1.0):
    r = np.abs(y - y_hat)
    return np.mean(np.where(r <= delta, 0.5 * r * r, delta * (r - 0.5 * delta)))


def bare_gaussian_nll(y, mu, sigma):
    return np.mean(HALF_LOG_2PI + np.log(sigma) + 0.5 * ((y - mu) / sigma) ** 2)


# (name, lossbook function, bare NumPy expression, does it take sigma)
LOSSES = [
    ("mse", numeric.mse, bare_mse, False),
    ("mae", numeric.mae, bare_mae, False),
    ("huber", numeric.huber, bare_huber, False),
    ("gaussian_nll", numeric.gaussian_nll, bare_gaussian_nll, True),
]


def data(n: int, dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = rng.normal(size=n).astype(dtype)
    y_hat = (y + rng.normal(scale=1.5, size=n)).astype(dtype)
    sigma = rng.uniform(0.5, 2.0, size=n).astype(dtype)
    return y, y_hat, sigma


def best_time(function, args, number: int, repeat: int) -> float:
    """Seconds per call: the minimum over ``repeat`` runs of ``number`` calls."""
    return min(timeit.repeat(lambda: function(*args), number=number, repeat=repeat)) / number


def scratch_bytes(function, args) -> int:
    """Peak bytes allocated during one call above what was allocated before it (tracemalloc sees NumPy's buffers)."""
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        function(*args)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def large_rows(dtype) -> list[tuple[str, str, str, bool]]:
    rows = []
    y, y_hat, sigma = data(LARGE, dtype)
    copy = LARGE * np.dtype(dtype).itemsize
    kind = np.dtype(dtype).name
    for name, loss, bare, with_sigma in LOSSES:
        args = (y, y_hat, sigma) if with_sigma else (y, y_hat)
        label = f"{name}, {LARGE:.0e} {kind}"
        try:
            ours = best_time(loss, args, number=1, repeat=5)
            memory = scratch_bytes(loss, args)
        except Exception as error:  # report a broken loss instead of stopping the table
            rows.append((f"{label}: time / bare NumPy", f"error: {type(error).__name__}: {error}", "<= 1.3x", False))
            continue
        reference = best_time(bare, args, number=1, repeat=5)
        reference_memory = scratch_bytes(bare, args)
        ratio = ours / reference
        rows.append(
            (
                f"{label}: time / bare NumPy",
                f"{ratio:.2f}x ({ours * 1e3:.1f} ms vs {reference * 1e3:.1f} ms)",
                "<= 1.3x",
                ratio <= 1.3,
            )
        )
        rows.append(
            (
                f"{label}: scratch memory",
                f"{memory / copy:.3f} copies ({memory / 2**20:.1f} MiB; bare NumPy {reference_memory / copy:.3f})",
                "<= 2 copies of the input (+1 MiB)",
                memory <= 2 * copy + SLACK,
            )
        )
    return rows


def small_rows() -> list[tuple[str, str, str, bool]]:
    rows = []
    for dtype in (np.float64, np.float32):
        y, y_hat, sigma = data(SMALL, dtype)
        kind = np.dtype(dtype).name
        for name, loss, bare, with_sigma in LOSSES:
            args = (y, y_hat, sigma) if with_sigma else (y, y_hat)
            label = f"{name}, {SMALL} {kind}: one call minus bare NumPy"
            try:
                ours = best_time(loss, args, number=2000, repeat=7)
            except Exception as error:
                rows.append((label, f"error: {type(error).__name__}: {error}", "<= 10 us", False))
                continue
            reference = best_time(bare, args, number=2000, repeat=7)
            extra = (ours - reference) * 1e6
            rows.append((label, f"{extra:+.1f} us ({ours * 1e6:.1f} us vs {reference * 1e6:.1f} us)", "<= 10 us", extra <= 10))
    return rows


def dtype_rows() -> list[tuple[str, str, str, bool]]:
    rows = []
    y, y_hat, sigma = data(SMALL, np.float32)
    for name, loss, _, with_sigma in LOSSES:
        args = (y, y_hat, sigma) if with_sigma else (y, y_hat)
        try:
            result = loss(*args)
        except Exception as error:
            rows.append((f"{name} of float32: result dtype", f"error: {type(error).__name__}", "float32", False))
            continue
        kind = np.asarray(result).dtype.name
        rows.append((f"{name} of float32: result dtype", kind, "float32", kind == "float32"))
    return rows


def kl_quad_rows() -> list[tuple[str, str, str, bool]]:
    """kl_quad on the issue's pairs: the relative error against the closed form, and the time."""
    from scipy import stats

    rows = []
    pairs = [
        ("narrow, N(0, 1e-4) || N(0, 1)", stats.norm(0, 1e-4), stats.norm(0, 1), numeric.kl_normal(0, 1e-4, 0, 1)),
        ("far apart, N(0, 1) || N(1e4, 1)", stats.norm(0, 1), stats.norm(1e4, 1), numeric.kl_normal(0, 1, 1e4, 1)),
        ("heavy-tailed, Cauchy(0, 1) || Cauchy(2, 3)", stats.cauchy(0, 1), stats.cauchy(2, 3), math.log(20 / 12)),
    ]
    for label, p, q, exact in pairs:
        try:
            seconds = best_time(numeric.kl_quad, (p, q), number=1, repeat=3)
            error = abs(numeric.kl_quad(p, q) - exact) / exact
        except ValueError as failure:
            rows.append((f"kl_quad, {label}", f"raises: {failure}", "<= 1e-8 relative", False))
            continue
        rows.append((f"kl_quad, {label}", f"{error:.1e} relative, {seconds * 1e3:.0f} ms", "<= 1e-8 relative", error <= 1e-8))
    return rows


def main() -> list[tuple[str, str, str, bool]]:
    return [*large_rows(np.float64), *large_rows(np.float32), *small_rows(), *dtype_rows(), *kl_quad_rows()]


if __name__ == "__main__":
    sys.exit(report("Numeric losses: speed and memory against bare NumPy", main()))
