"""Kullback-Leibler divergences: closed forms (stable at extreme parameters), quadrature and Monte Carlo.

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

__all__ = ["kl_normal", "kl_laplace", "kl_quad", "kl_monte_carlo", "MonteCarloEstimate"]

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


def kl_quad(p: Any, q: Any) -> float:
    r"""KL divergence :math:`D_{\mathrm{KL}}(p\,\|\,q)` by numerical quadrature, for any two continuous distributions.

    Integrates :math:`p(x)\,(\log p(x) - \log q(x))` with :func:`scipy.integrate.quad` over the support of
    :math:`p`, split at the median of :math:`p` (and at the median of :math:`q` when it lies inside that
    support). Log-densities are subtracted, never a ratio of densities formed, so the tails do not underflow
    to ``0/0``; where :math:`p(x) = 0` the integrand is 0. SciPy's Laplace log-density is the log of its
    density and becomes -inf far in the tails; there the exact log-density is used instead, so a narrow
    Laplace :math:`q` works.

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
        parameters); if ``q`` has zero density where ``p`` does not (the divergence is infinite); or if the
        quadrature does not converge (for example because the divergence is infinite).

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
    """
    frozen_continuous(p, "p")
    frozen_continuous(q, "q")
    from scipy import integrate

    low, high = (float(v) for v in p.support())
    cuts = {float(p.median())}
    q_median = float(q.median())
    if low < q_median < high:
        cuts.add(q_median)
    edges = [low, *sorted(cuts), high]

    def integrand(x: float) -> float:
        with quiet():
            density = float(p.pdf(x))
            if density == 0.0:
                return 0.0
            log_q = float(q.logpdf(x))
            if log_q == -np.inf:
                log_q = _log_density_beyond_underflow(q, x)
            if log_q == -np.inf:
                raise _InfiniteDivergence(x)
            return density * (float(p.logpdf(x)) - log_q)

    total = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        try:
            value, _, _, *failure = integrate.quad(integrand, a, b, full_output=1, limit=200)
        except _InfiniteDivergence as infinite:
            raise _zero_density(q, infinite.args[0]) from None
        if failure:
            message = " ".join(failure[0].split())
            raise ValueError(
                f"p, q: the quadrature of KL(p || q) over [{a}, {b}] did not converge (the divergence may be "
                f"infinite): {message}"
            )
        total += value
    finite_result(total, "p, q", "the divergence")
    return float(total)


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
