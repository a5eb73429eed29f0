"""Kullback-Leibler divergences: closed forms (stable at extreme parameters), quadrature and Monte Carlo; the
divergence and the entropy of discrete distributions.

The closed forms are derived symbolically in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_
and `Laplace noise gives the L1 loss <chapters/laplace_l1.html>`_; here they are rewritten as sums of
non-negative terms, each computed without cancellation, so they stay accurate when the scales differ by a
factor of :math:`10^8` or the means by :math:`10^6` scales.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ._validation import (
    broadcast,
    finite_result,
    frozen_continuous,
    positive,
    quiet,
    real_array,
    sample_size,
    scaled_difference,
)

__all__ = [
    "kl_normal",
    "kl_laplace",
    "kl_quad",
    "kl_monte_carlo",
    "MonteCarloEstimate",
    "kl_categorical",
    "entropy",
]

# Taylor coefficients 1/k! for k = 2..17 of expm1(u) - u, used for |u| < 1/2 (truncation error below 1e-19).
_SERIES = [1 / math.factorial(k) for k in range(2, 18)]


def _expm1_minus_identity(u: np.ndarray) -> np.ndarray:
    """:math:`e^u - 1 - u \\ge 0`, accurate to a few ulps for every ``u`` (a series near 0, where it cancels)."""
    small = np.abs(u) < 0.5
    v = np.where(small, u, 0.0)
    series = np.zeros_like(v)
    for coefficient in reversed(_SERIES):
        series = series * v + coefficient
    with quiet():
        direct = np.expm1(u) - u
    return np.where(small, series * v * v, direct)


def _log_ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:math:`\\log(a/b)` for positive ``a``, ``b``: accurate near ``a == b`` and free of overflow."""
    with quiet():
        relative = (a - b) / b  # exact difference (Sterbenz) when a and b are within a factor of 2
        ratio = a / b
        near_one = np.log1p(relative)
        of_ratio = np.log(ratio)
        of_logs = np.log(a) - np.log(b)
    usable_ratio = np.isfinite(ratio) & (ratio >= np.finfo(np.float64).tiny)
    return np.where(np.abs(relative) < 0.5, near_one, np.where(usable_ratio, of_ratio, of_logs))


def _result(value: np.ndarray) -> float | np.ndarray:
    return float(value) if np.ndim(value) == 0 else np.asarray(value, dtype=np.float64)


def kl_normal(mu_p: ArrayLike, sigma_p: ArrayLike, mu_q: ArrayLike, sigma_q: ArrayLike) -> float | np.ndarray:
    r"""KL divergence between two normal distributions, elementwise.

    .. math::

        D_{\mathrm{KL}}\big(\mathcal{N}(\mu_p, \sigma_p^2)\,\|\,\mathcal{N}(\mu_q, \sigma_q^2)\big)
        = \log\frac{\sigma_q}{\sigma_p} + \frac{\sigma_p^2 + (\mu_p - \mu_q)^2}{2\sigma_q^2} - \frac12 .

    Computed as :math:`\tfrac12(e^{2t} - 1 - 2t) + \tfrac12\big((\mu_p-\mu_q)/\sigma_q\big)^2` with
    :math:`t = \log(\sigma_p/\sigma_q)`: two non-negative terms, each free of cancellation, so the result is
    accurate to about :math:`10^{-15}` relative even when :math:`\sigma_p/\sigma_q` is :math:`10^{\pm 8}` or
    :math:`1 + 10^{-10}`.

    Parameters
    ----------
    mu_p : array_like
        Mean of :math:`p`.
    sigma_p : array_like
        Standard deviation of :math:`p` (positive).
    mu_q : array_like
        Mean of :math:`q`.
    sigma_q : array_like
        Standard deviation of :math:`q` (positive).

    Returns
    -------
    float or numpy.ndarray
        The divergence, a float when every argument is a scalar, else an array of the broadcast shape.

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity; if a scale is not positive; if the
        shapes do not broadcast; or if the divergence overflows float64. The message starts with the argument's
        name.

    Notes
    -----
    Derived in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.

    Examples
    --------
    >>> kl_normal(0.0, 1.0, 1.0, 1.0)
    0.5
    >>> kl_normal(0.0, 1.0, 0.0, [1.0, 2.0])
    array([0.      , 0.318147])
    >>> kl_normal(0.0, -1.0, 0.0, 1.0)
    Traceback (most recent call last):
    ...
    ValueError: sigma_p: must be positive, got min -1.0
    """
    mu_p, sigma_p, mu_q, sigma_q = broadcast(
        mu_p=real_array(mu_p, "mu_p"),
        sigma_p=positive(sigma_p, "sigma_p"),
        mu_q=real_array(mu_q, "mu_q"),
        sigma_q=positive(sigma_q, "sigma_q"),
    )
    with quiet():
        t = _log_ratio(sigma_p, sigma_q)
        gap = scaled_difference(mu_p, mu_q, sigma_q)
        value = 0.5 * _expm1_minus_identity(2.0 * t) + 0.5 * gap * gap
    finite_result(value, "mu_p, sigma_p, mu_q, sigma_q", "the divergence")
    return _result(value)


def kl_laplace(mu_p: ArrayLike, b_p: ArrayLike, mu_q: ArrayLike, b_q: ArrayLike) -> float | np.ndarray:
    r"""KL divergence between two Laplace distributions, elementwise.

    .. math::

        D_{\mathrm{KL}}\big(\operatorname{Laplace}(\mu_p, b_p)\,\|\,\operatorname{Laplace}(\mu_q, b_q)\big)
        = \log\frac{b_q}{b_p} + \frac{|\mu_p - \mu_q|}{b_q} + \frac{b_p}{b_q}\,e^{-|\mu_p - \mu_q|/b_p} - 1 .

    Computed as :math:`(e^{t} - 1 - t) + e^{t}\,(a - 1 + e^{-a})` with :math:`t = \log(b_p/b_q)` and
    :math:`a = |\mu_p - \mu_q|/b_p`: two non-negative terms, each evaluated without cancellation.

    Parameters
    ----------
    mu_p : array_like
        Location of :math:`p`.
    b_p : array_like
        Scale of :math:`p` (positive).
    mu_q : array_like
        Location of :math:`q`.
    b_q : array_like
        Scale of :math:`q` (positive).

    Returns
    -------
    float or numpy.ndarray
        The divergence, a float when every argument is a scalar, else an array of the broadcast shape.

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity; if a scale is not positive; if the
        shapes do not broadcast; or if the divergence overflows float64.

    Notes
    -----
    Derived in `Laplace noise gives the L1 loss <chapters/laplace_l1.html>`_.

    Examples
    --------
    >>> kl_laplace(0.0, 1.0, 0.0, 1.0)
    0.0
    >>> kl_laplace(0.0, 1.0, 1.0, 1.0)  # exp(-1)
    0.367879
    >>> kl_laplace(0.0, 1.0, 0.0, 0.0)
    Traceback (most recent call last):
    ...
    ValueError: b_q: must be positive, got min 0.0
    """
    mu_p, b_p, mu_q, b_q = broadcast(
        mu_p=real_array(mu_p, "mu_p"),
        b_p=positive(b_p, "b_p"),
        mu_q=real_array(mu_q, "mu_q"),
        b_q=positive(b_q, "b_q"),
    )
    with quiet():
        t = _log_ratio(b_p, b_q)
        a = np.abs(scaled_difference(mu_p, mu_q, b_p))  # |mu_p - mu_q| / b_p
        a_q = np.abs(scaled_difference(mu_p, mu_q, b_q))  # |mu_p - mu_q| / b_q = e^t a
        ratio = np.exp(t)
        # e^t (a - 1 + e^-a): for a > 1 write e^t a as a_q (no overflow when b_p is tiny); for a <= 1 use the series.
        far = a_q + ratio * np.expm1(-a)
        near = ratio * _expm1_minus_identity(-np.minimum(a, 1.0))
        value = _expm1_minus_identity(t) + np.where(a > 1.0, far, near)
    finite_result(value, "mu_p, b_p, mu_q, b_q", "the divergence")
    return _result(value)


# Breakpoints of kl_quad: quantiles of p from 1e-12 to 1/2 (and their mirror images), so every piece of the line
# holds a known share of p's mass whatever p's location and scale; nothing of p's bulk can fall between nodes.
_TAIL_PROBABILITIES = (1e-12, 1e-9, 1e-6, 1e-4, 1e-3, 1e-2, 0.05, 0.15, 0.3)
_QUAD_RTOL = 1e-9  # the error estimate must be below this share of the result (the promise is 1e-8)
_QUAD_EVALUATIONS = 200_000  # bound on the evaluations of the log-densities (a few seconds of scipy calls)


def kl_quad(p: Any, q: Any) -> float:
    r"""KL divergence :math:`D_{\mathrm{KL}}(p\,\|\,q)` by numerical quadrature, for any two continuous distributions.

    Integrates :math:`p(x)\,(\log p(x) - \log q(x))` with :func:`scipy.integrate.quad` over the support of
    :math:`p`, split at quantiles of :math:`p` from :math:`10^{-12}` to :math:`1 - 10^{-12}` (and at the
    quartiles and median of :math:`q`): every piece holds a known share of :math:`p`'s mass, so a narrow
    :math:`p` or one far from the origin cannot fall between the quadrature's nodes. The two outer tails are
    integrated to infinity in units of :math:`p`'s spread there. Log-densities are subtracted, never a ratio of
    densities formed, so the tails do not underflow to ``0/0``; where :math:`p(x) = 0` the integrand is 0.
    SciPy's Laplace log-density is the log of its density and becomes -inf far in the tails; there the exact
    log-density is used instead, so a narrow Laplace :math:`q` works.

    The result is checked, not trusted: the sum of the quadrature's error estimates must be below
    :math:`10^{-9}` of the result (plus the rounding error of the log-densities, about
    :math:`10^{-14}\,E_p\big[|\log p| + |\log q|\big]`), else a :class:`ValueError` says so. The returned value
    is therefore accurate to :math:`10^{-8}` relative, or, for a divergence so small that it is lost in the
    rounding of the log-densities (two nearly equal distributions), to that absolute error; two identical
    distributions give exactly 0.0. The work is bounded: more than 200,000 evaluations of the log-densities
    raise.

    Parameters
    ----------
    p : scipy.stats frozen continuous distribution
        The distribution the expectation is taken under, for example ``scipy.stats.norm(0, 1)``.
    q : scipy.stats frozen continuous distribution
        The approximating distribution.

    Returns
    -------
    float
        The divergence.

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not a frozen continuous :mod:`scipy.stats` distribution (or has invalid
        parameters); if ``q`` has zero density where ``p`` does not (the divergence is infinite); if ``p`` is
        narrower than float64 can resolve at its location; if the quadrature does not converge (for example
        because the divergence is infinite), its error estimate is too large for the accuracy promised above,
        or it needs more than 200,000 evaluations.

    Notes
    -----
    The divergence is defined as this expectation in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.

    Examples
    --------
    >>> from scipy import stats
    >>> kl_quad(stats.norm(0, 1), stats.norm(1, 1))
    0.5
    >>> kl_quad(stats.norm(0, 1), stats.laplace(0, 1))  # log 2 + sqrt(2 / pi) - log(2 pi e) / 2
    0.072093
    >>> kl_quad(stats.norm(0, 1e-4), stats.norm(0, 1))  # a narrow p: log(1e4) + 1e-8 / 2 - 1/2
    8.710340
    >>> kl_quad(stats.cauchy(), stats.norm())  # E[x^2] is infinite under the Cauchy distribution
    Traceback (most recent call last):
    ...
    ValueError: p, q: the quadrature of KL(p || q) over [...] did not converge (the divergence may be infinite): ...
    """
    frozen_continuous(p, "p")
    frozen_continuous(q, "q")
    from scipy import integrate

    low, high = (float(v) for v in p.support())
    bulk = _quantile_breakpoints(p, low, high)
    cuts = set(bulk)
    for point in _breakpoints_of(q):
        if low < point < high:
            cuts.add(point)
    edges = sorted(cuts)
    evaluations = [0]

    def integrand(x: float) -> float:
        evaluations[0] += 1
        if evaluations[0] > _QUAD_EVALUATIONS:
            raise _TooManyEvaluations
        with quiet():
            log_p = float(p.logpdf(x))
            if math.isnan(log_p):
                raise _NaNDensity("p", p, x)
            if math.isinf(log_p):  # zero density, or an infinite one at a single point (gamma at 0)
                return 0.0
            log_q = float(q.logpdf(x))
            if math.isnan(log_q):
                raise _NaNDensity("q", q, x)
            if log_q == np.inf:  # an infinite density of q at a single point
                return 0.0
            if log_q == -np.inf:
                log_q = _log_density_beyond_underflow(q, x)
            if log_q == -np.inf:
                raise _InfiniteDivergence(x)
            return math.exp(log_p) * (log_p - log_q)

    rounding, resolution = _rounding_scales(p, q, bulk)
    pieces = list(zip([low, *edges], [*edges, high]))
    epsabs = 16 * _EPS * rounding / len(pieces)
    total, error = 0.0, 0.0
    for a, b in pieces:
        if not a < b:
            continue
        function, lo, hi = _substitution(integrand, a, b, low, high, edges)
        try:
            value, estimate, _, *failure = integrate.quad(
                function, lo, hi, full_output=1, limit=200, epsabs=epsabs, epsrel=1e-11
            )
        except _InfiniteDivergence as infinite:
            raise _zero_density(q, infinite.args[0]) from None
        except _NaNDensity as nan:
            name, dist, x = nan.args
            raise ValueError(f"{name}: scipy's logpdf of {dist.dist.name} is NaN at x = {x!r}") from None
        except _TooManyEvaluations:
            raise ValueError(
                f"p, q: the quadrature of KL(p || q) needed more than {_QUAD_EVALUATIONS:,} evaluations of the "
                f"log-densities without reaching its tolerance; the integrand is too irregular for quadrature"
            ) from None
        # Rounding detected (ier 2) is acceptable when the error estimate passes the check below; the rest is not.
        if failure and "roundoff error is detected" not in failure[0]:
            message = " ".join(failure[0].split())
            raise ValueError(
                f"p, q: the quadrature of KL(p || q) over [{a}, {b}] did not converge (the divergence may be "
                f"infinite): {message}"
            )
        total += value
        error += estimate
    finite_result(total, "p, q", "the divergence")
    # Where x itself is rounded to a share `resolution` of p's spread, p's mass is misplaced by about that share.
    uncertainty = error + 8 * resolution * abs(total)
    allowed = _QUAD_RTOL * abs(total) + 64 * _EPS * rounding
    if not uncertainty <= allowed:
        cause = (
            f"p is too narrow for its location: float64 resolves x only to {resolution:.2g} of p's spread"
            if 8 * resolution * abs(total) > allowed
            else f"the quadrature's error estimate is {error:.3g}"
        )
        raise ValueError(
            f"p, q: KL(p || q) = {total:.10g} cannot be computed to 1e-8 relative by quadrature ({cause}, more than "
            f"{_QUAD_RTOL:g} of the result); use a closed form or kl_monte_carlo"
        )
    return float(total)


_EPS = float(np.finfo(np.float64).eps)


def _substitution(integrand: Any, a: float, b: float, low: float, high: float, edges: list[float]):
    """``(function, lo, hi)`` whose quad equals the integral of ``integrand`` over ``[a, b]``.

    An infinite tail is integrated in units of p's spread next to it (quad's own map to a finite interval works in
    units of 1); a piece spanning many octaves next to a finite end of the support (a gamma density like
    :math:`x^{-0.9}` near 0) in the logarithm of the distance to that end, where it is smooth.
    """
    if a == -np.inf:
        scale = edges[1] - edges[0] if len(edges) > 1 else 1.0
        return (lambda z: scale * integrand(b - scale * z)), 0.0, np.inf
    if b == np.inf:
        scale = edges[-1] - edges[-2] if len(edges) > 1 else 1.0
        return (lambda z: scale * integrand(a + scale * z)), 0.0, np.inf
    if math.isfinite(low) and a - low < (b - low) / 16:
        def near_low(t: float) -> float:
            d = math.exp(t)
            return d * integrand(low + d) if d > 0.0 and low + d != low else 0.0

        return near_low, (math.log(a - low) if a > low else -np.inf), math.log(b - low)
    if math.isfinite(high) and high - b < (high - a) / 16:
        def near_high(t: float) -> float:
            d = math.exp(t)
            return d * integrand(high - d) if d > 0.0 and high - d != high else 0.0

        return near_high, (math.log(high - b) if b < high else -np.inf), math.log(high - a)
    return integrand, a, b


def _quantile_breakpoints(p: Any, low: float, high: float) -> list[float]:
    """Quantiles of ``p`` at ``_TAIL_PROBABILITIES``, its median and their mirror images, inside its support."""
    with quiet():
        lower = [float(p.ppf(u)) for u in _TAIL_PROBABILITIES]
        upper = [float(p.isf(u)) for u in _TAIL_PROBABILITIES]
        median = float(p.median())
    points = sorted({x for x in [*lower, median, *upper] if math.isfinite(x) and low < x < high})
    quartiles = float(p.ppf(0.25)), float(p.isf(0.25))
    if not (quartiles[0] < median < quartiles[1]) or len(points) < 5:
        raise ValueError(
            f"p: its quantiles do not resolve in float64 (quartiles {quartiles[0]!r}, median {median!r}, "
            f"{quartiles[1]!r}): it is too narrow for its location, so its density cannot be integrated"
        )
    with quiet():
        lost = [
            (mass, where)
            for mass, where in (
                (float(p.cdf(np.nextafter(low, np.inf))) if math.isfinite(low) else 0.0, f"lower bound {low!r}"),
                (float(p.sf(np.nextafter(high, -np.inf))) if math.isfinite(high) else 0.0, f"upper bound {high!r}"),
            )
            if not mass <= 1e-12
        ]
    if lost:
        mass, where = lost[0]
        raise ValueError(
            f"p: a share {mass:.3g} of its mass lies within one float64 spacing of its {where}, where x cannot be "
            f"resolved, so its density cannot be integrated"
        )
    return points


def _breakpoints_of(q: Any) -> list[float]:
    """The median and quartiles of ``q``: where a kink (Laplace) or a narrow peak of ``q`` lies."""
    with quiet():
        points = [float(q.median()), float(q.ppf(0.25)), float(q.isf(0.25))]
    return [x for x in points if math.isfinite(x)]


def _rounding_scales(p: Any, q: Any, bulk: list[float]) -> tuple[float, float]:
    r"""The scales of kl_quad's rounding errors: :math:`E_p\big[|\log p| + |\log q|\big]`, and x's resolution.

    The first (by Gauss-Legendre on p's bulk, roughly) is the size the log-densities are computed to a few ulps
    of: a divergence much smaller than it times the machine epsilon cannot be resolved, and the accuracy check
    allows for it. The second is the spacing of float64 numbers at p's bulk over p's interquartile range: the
    share of p's spread by which every x, and so p's mass, is misplaced.
    """
    nodes, weights = np.polynomial.legendre.leggauss(10)
    a, b = np.asarray(bulk[:-1]), np.asarray(bulk[1:])
    x = (0.5 * (a + b))[:, None] + (0.5 * (b - a))[:, None] * nodes
    w = (0.5 * (b - a))[:, None] * weights
    with quiet():
        log_p = p.logpdf(x)
        log_q = q.logpdf(x)
        terms = np.exp(log_p) * (np.abs(log_p) + np.abs(log_q))
        quartiles = np.array([float(p.ppf(0.25)), float(p.isf(0.25))])
    terms = np.where(np.isfinite(terms), terms, 0.0)
    resolution = float(np.spacing(np.abs(quartiles).max()) / (quartiles[1] - quartiles[0]))
    return float(np.sum(w * terms)), resolution


class _NaNDensity(Exception):
    """Raised from inside the integrand of kl_quad where a log-density is NaN: ``(name, distribution, x)``."""


class _TooManyEvaluations(Exception):
    """Raised from inside the integrand of kl_quad when its evaluation budget is spent."""


def _log_density_beyond_underflow(dist: Any, x: float) -> float:
    r"""The log-density of families whose scipy ``logpdf`` is ``log(pdf)`` and so is -inf far in the tails.

    SciPy's Laplace computes its log-density as the log of its density, which underflows once
    :math:`|x - \mu|/b` exceeds about 745; its log-density :math:`-\log 2b - |x - \mu|/b` is finite everywhere.
    Location and scale come from public methods (median, and standard deviation :math:`\sqrt2\,b`). Other
    families return -inf, which the caller reports.
    """
    if dist.dist.name == "laplace":
        location, scale = float(dist.median()), float(dist.std()) / math.sqrt(2.0)
        return -math.log(2.0 * scale) - abs(x - location) / scale
    return -np.inf


class _InfiniteDivergence(Exception):
    """Raised from inside the integrand where q has zero density and p does not."""


def _zero_density(q: Any, x: float) -> ValueError:
    """The error for ``q.logpdf(x) == -inf`` at a point ``x`` where ``p`` has positive density."""
    low, high = q.support()
    if x < low or x > high:
        return ValueError(f"q: has zero density at x = {x!r}, where p has positive density, so KL(p || q) is infinite")
    return ValueError(
        f"q: scipy's logpdf of {q.dist.name} is -inf at x = {x!r}, inside its support, where p has positive "
        f"density; the log-density underflows there (some scipy families compute it as log(pdf)), so the "
        f"divergence cannot be computed from it"
    )


class MonteCarloEstimate(NamedTuple):
    """A Monte Carlo estimate with its standard error."""

    estimate: float
    """The sample mean."""
    standard_error: float
    """The sample standard deviation (``ddof=1``) divided by the square root of the sample size."""


def kl_monte_carlo(p: Any, q: Any, n: int = 100_000, seed: Any = 0) -> MonteCarloEstimate:
    r"""Monte Carlo estimate of :math:`D_{\mathrm{KL}}(p\,\|\,q) = E_{x\sim p}[\log p(x) - \log q(x)]`.

    Draws ``n`` samples from :math:`p` with ``numpy.random.default_rng(seed)`` and averages the log-density
    difference; the same ``seed`` gives the same estimate.

    Parameters
    ----------
    p : scipy.stats frozen continuous distribution
        The distribution sampled from.
    q : scipy.stats frozen continuous distribution
        The approximating distribution.
    n : int, optional
        Number of samples, at least 2.
    seed : int or None, optional
        Seed for :func:`numpy.random.default_rng`.

    Returns
    -------
    MonteCarloEstimate
        ``(estimate, standard_error)``, where the standard error is the sample standard deviation
        (``ddof=1``) over :math:`\sqrt{n}`.

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not a frozen continuous :mod:`scipy.stats` distribution, ``n`` is not an integer
        of at least 2, ``seed`` is not a valid seed, or a sample falls where ``q`` has zero density (the
        divergence is infinite).

    Notes
    -----
    The divergence is defined as this expectation in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.

    Examples
    --------
    >>> from scipy import stats
    >>> estimate, standard_error = kl_monte_carlo(stats.norm(0, 1), stats.norm(1, 1), n=10_000, seed=0)
    >>> abs(estimate - 0.5) < 4 * standard_error
    True
    """
    frozen_continuous(p, "p")
    frozen_continuous(q, "q")
    n = sample_size(n, "n")
    try:
        rng = np.random.default_rng(seed)
    except (TypeError, ValueError) as error:
        raise ValueError(f"seed: not a valid seed for numpy.random.default_rng ({error})") from None
    with quiet():
        x = np.asarray(p.rvs(size=n, random_state=rng), dtype=np.float64)
        log_q = q.logpdf(x)
        if np.any(log_q == -np.inf):
            raise _zero_density(q, float(x[log_q == -np.inf][0]))
        differences = p.logpdf(x) - log_q
    finite_result(differences, "p, q", "a log-density difference")
    estimate = float(np.mean(differences))
    standard_error = float(np.std(differences, ddof=1) / math.sqrt(n))
    finite_result([estimate, standard_error], "p, q", "the estimate")
    return MonteCarloEstimate(estimate, standard_error)


# -- discrete distributions -------------------------------------------------------------------------------------------


def _distributions(value: ArrayLike, name: str, axis: Any) -> tuple[np.ndarray, int]:
    """Probability vectors along ``axis``: float32 stays float32, other reals become float64; normalised.

    Every element must be finite and non-negative and every vector must sum to 1 within the square root of the
    dtype's epsilon (1.5e-8 in float64, 3.5e-4 in float32); it is then divided by its sum, as
    :func:`scipy.stats.entropy` does, so the two agree to rounding.
    """
    if np.ma.isMaskedArray(value):
        if np.ma.getmaskarray(value).any():
            raise ValueError(
                f"{name}: a masked array with masked entries is not a distribution; fill them (for example "
                f"with np.ma.filled(p, 0.0)) and renormalise first"
            )
        value = np.ma.getdata(value)
    if isinstance(value, (str, bytes)):
        raise ValueError(f"{name}: must be numeric (an array of probabilities), got {value!r}")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: must be a rectangular array of probabilities ({error})") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name}: must be an array of real numbers, got dtype {array.dtype}")
    array = array.astype(np.float32 if array.dtype == np.float32 else np.float64)
    if array.ndim == 0:
        raise ValueError(f"{name}: must be an array of probabilities with at least one axis, got a scalar")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"axis: must be an integer, got {axis!r}")
    if not -array.ndim <= axis < array.ndim:
        raise ValueError(f"axis: {axis} is out of range for {name} of shape {array.shape}")
    axis = int(axis) % array.ndim
    if array.shape[axis] == 0 or array.size == 0:
        raise ValueError(f"{name}: must not be empty, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name}: must be finite, got {int((~np.isfinite(array)).sum())} NaN or infinite value(s)")
    if (array < 0).any():
        raise ValueError(f"{name}: must be non-negative (probabilities), got min {float(array.min())!r}")
    totals = np.sum(array, axis=axis, keepdims=True)
    tolerance = math.sqrt(float(np.finfo(array.dtype).eps))
    off = np.abs(totals - 1.0) > tolerance
    if off.any():
        worst = float(totals.flat[int(np.argmax(np.abs(totals - 1.0)))])
        raise ValueError(
            f"{name}: must sum to 1 along axis {axis} (within {tolerance:.2g}), got a sum of {worst!r}; "
            f"divide counts or weights by their sum, or take the softmax of logits"
        )
    return array / totals, axis


def _discrete_result(value: np.ndarray) -> Any:
    """A float (float64 input) or a float32 scalar (float32 input) for one distribution, else an array."""
    if np.ndim(value) == 0:
        return float(value) if value.dtype == np.float64 else value[()]
    return value


def entropy(p: ArrayLike, axis: int = -1) -> Any:
    r"""Shannon entropy :math:`H(p) = -\sum_k p_k \log p_k` (in nats) of discrete distributions along ``axis``.

    Terms with :math:`p_k = 0` are 0 (the limit of :math:`p \log p`). The same numbers as
    ``scipy.stats.entropy(p, axis=axis)`` for probability vectors, but with ``axis=-1`` by default (the class
    axis last, as in the output of a softmax) and with validation: ``p`` must be non-negative and sum to 1
    along ``axis`` within :math:`\sqrt{\epsilon}` of its dtype; it is then divided by its sum as scipy does.
    Counts or unnormalised weights, which scipy would silently normalise, are rejected.

    Parameters
    ----------
    p : array_like
        Probabilities, summing to 1 along ``axis``; float32 stays float32, other real types become float64.
        A masked array is accepted only with no masked entries.
    axis : int, optional
        The axis of the categories (default the last).

    Returns
    -------
    float, numpy.float32 or numpy.ndarray
        The entropy, of ``p``'s shape without ``axis`` and of ``p``'s floating dtype: a Python float for one
        float64 distribution, a numpy.float32 for one float32 distribution.

    Raises
    ------
    ValueError
        If ``p`` is not a real array, is empty or a scalar, contains NaN, infinity or a negative value, or does
        not sum to 1 along ``axis``; or if ``axis`` is not an integer in range.

    Notes
    -----
    The entropy of the labels is the smallest cross-entropy any model can reach, as in
    `Cross-entropy is a likelihood <chapters/cross_entropy.html>`_; :math:`H(p) \le \log K` for :math:`K`
    categories, with equality for the uniform distribution.

    Examples
    --------
    >>> entropy([0.5, 0.5])  # log 2
    0.693147
    >>> entropy([[1.0, 0.0], [0.25, 0.75]])
    array([0.      , 0.562335])
    >>> entropy(np.array([0.5, 0.5], dtype=np.float32)).dtype
    dtype('float32')
    >>> entropy([3, 1])
    Traceback (most recent call last):
    ...
    ValueError: p: must sum to 1 along axis 0 (within 1.5e-08), got a sum of 4.0; divide counts or weights by their sum, or take the softmax of logits
    """
    p, axis = _distributions(p, "p", axis)
    with quiet():
        terms = np.where(p > 0, -p * np.log(np.where(p > 0, p, 1)), 0).astype(p.dtype, copy=False)
    return _discrete_result(np.sum(terms, axis=axis))


def kl_categorical(p: ArrayLike, q: ArrayLike, axis: int = -1) -> Any:
    r"""KL divergence :math:`\sum_k p_k \log(p_k / q_k)` (in nats) between discrete distributions along ``axis``.

    Terms with :math:`p_k = 0` are 0; a :math:`q_k = 0` where :math:`p_k > 0` makes the divergence infinite and
    raises (scipy returns ``inf``). Otherwise the same numbers as ``scipy.stats.entropy(p, q, axis=axis)``, with
    ``axis=-1`` by default and the validation of :func:`entropy` for both arguments; ``p`` and ``q`` broadcast
    against each other (one ``q`` for many ``p``). Each term is computed as
    :math:`q_k - p_k + p_k \log(p_k / q_k) \ge 0` (the extra terms sum to 0), with :math:`\log(q_k/p_k)` by
    ``log1p`` near 1, so the result is never negative and stays accurate to rounding when :math:`p \approx q`,
    where the plain sum cancels; it is exactly 0 when ``p`` equals ``q``.

    Parameters
    ----------
    p : array_like
        Probabilities, summing to 1 along ``axis``: the distribution the expectation is taken under.
    q : array_like
        Probabilities, summing to 1 along ``axis``: the approximating distribution.
    axis : int, optional
        The axis of the categories (default the last), of the broadcast shape.

    Returns
    -------
    float, numpy.float32 or numpy.ndarray
        The divergence, of the broadcast shape without ``axis``; float32 when both are float32, else float64
        (a Python float for one float64 pair).

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not a valid array of distributions (see :func:`entropy`), the shapes do not
        broadcast, or ``q`` is 0 where ``p`` is positive (the divergence is infinite).

    Notes
    -----
    Minimising the cross-entropy :math:`H(p) + D_{\mathrm{KL}}(p\,\|\,q)` over the model :math:`q` is minimising
    this divergence, as in `Cross-entropy is a likelihood <chapters/cross_entropy.html>`_.

    Examples
    --------
    >>> kl_categorical([0.5, 0.5], [0.9, 0.1])  # (log(5/9) + log 5) / 2
    0.510826
    >>> kl_categorical([[0.5, 0.5], [1.0, 0.0]], [0.5, 0.5])  # one q for two p
    array([0.      , 0.693147])
    >>> kl_categorical([0.5, 0.5], [1.0, 0.0])
    Traceback (most recent call last):
    ...
    ValueError: q: is 0 where p is positive (at index (1,) of the broadcast shape (2,)), so KL(p || q) is infinite
    """
    p, _ = _distributions(p, "p", axis)
    q, _ = _distributions(q, "q", axis)
    try:
        shape = np.broadcast_shapes(p.shape, q.shape)
    except ValueError:
        raise ValueError(f"p, q: shapes {p.shape} and {q.shape} do not broadcast") from None
    p, q = np.broadcast_arrays(p, q)
    dtype = np.result_type(p, q)
    p, q = p.astype(dtype, copy=False), q.astype(dtype, copy=False)
    axis = int(axis) % len(shape)
    impossible = (q == 0) & (p > 0)
    if impossible.any():
        where = tuple(int(i) for i in np.argwhere(impossible)[0])
        raise ValueError(
            f"q: is 0 where p is positive (at index {where} of the broadcast shape {shape}), so KL(p || q) is "
            f"infinite"
        )
    with quiet():
        positive_p = np.where(p > 0, p, 1)
        relative = (q - positive_p) / positive_p
        u = np.where(  # log(q / p): by log1p near 1, as a difference of logs elsewhere (no overflow of q / p)
            np.abs(relative) < 0.5, np.log1p(relative), np.log(np.where(q > 0, q, 1)) - np.log(positive_p)
        )
        series = positive_p * _expm1_minus_identity(np.where(np.abs(u) < 0.5, u, 0))
        direct = q - positive_p - positive_p * u
        terms = np.where(p > 0, np.where(np.abs(u) < 0.5, series, direct), q).astype(dtype, copy=False)
    return _discrete_result(np.sum(terms, axis=axis))
