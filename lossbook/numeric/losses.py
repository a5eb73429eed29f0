"""Loss functions as vectorised NumPy, each the mean over all elements after broadcasting.

Every likelihood-based loss is the *full* negative log-density (constants included), so it can be compared
with :mod:`scipy.stats` and with the symbolic log-densities of :mod:`lossbook.symbolic`. Each function is
computed in a form that neither overflows nor cancels at extreme inputs, and rejects bad input with a
:class:`ValueError` naming the argument (see :mod:`lossbook.numeric._validation`).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from ._validation import (
    broadcast,
    finite_result,
    integers,
    mean,
    nonnegative,
    nonnegative_scalar,
    positive,
    positive_scalar,
    probability,
    quiet,
    real_array,
    scaled_difference,
)

__all__ = [
    "mse",
    "mae",
    "huber",
    "log_cosh",
    "gaussian_nll",
    "laplace_nll",
    "generalized_normal_nll",
    "cauchy_nll",
    "student_t_nll",
    "poisson_nll",
    "negative_binomial_nll",
    "zero_inflated_negative_binomial_nll",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "focal_loss",
    "weighted_mse",
    "mahalanobis_squared",
]

_LOG_2 = math.log(2.0)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def _residual(y: ArrayLike, y_hat: ArrayLike) -> np.ndarray:
    """The validated, broadcast residual ``y - y_hat``."""
    y, y_hat = broadcast(y=real_array(y, "y"), y_hat=real_array(y_hat, "y_hat"))
    with quiet():
        r = y - y_hat
    finite_result(r, "y, y_hat", "the residual")
    return r


def _log_abs_scaled_difference(a: np.ndarray, b: np.ndarray, scale: np.ndarray) -> np.ndarray:
    r""":math:`\log(|a - b| / s)`, finite even where ``(a - b) / s`` overflows float64 (halving is exact)."""
    with quiet():
        return np.log(np.abs(0.5 * a - 0.5 * b)) + _LOG_2 - np.log(scale)


def _log1p_square(z: np.ndarray, log_abs_z: np.ndarray) -> np.ndarray:
    r""":math:`\log(1 + z^2)`, accurate for small :math:`z` and free of overflow for large :math:`z`.

    ``log_abs_z`` is :math:`\log|z|` computed separately; it is used only where :math:`|z|` itself overflowed.
    """
    size = np.abs(z)
    small = np.minimum(size, 1.0)
    large = np.maximum(size, 1.0)
    with quiet():
        beyond = np.where(np.isinf(size), 2.0 * log_abs_z, 2.0 * np.log(large) + np.log1p(1.0 / (large * large)))
    return np.where(size <= 1.0, np.log1p(small * small), beyond)


def mse(y: ArrayLike, y_hat: ArrayLike) -> float:
    r"""Mean squared error :math:`\frac1n\sum_i (y_i - \hat y_i)^2`.

    Parameters
    ----------
    y : array_like
        Targets.
    y_hat : array_like
        Predictions, broadcastable with ``y``.

    Returns
    -------
    float
        The mean over all elements after broadcasting.

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, if the shapes do not broadcast, or
        if the loss overflows float64.

    Notes
    -----
    Derived as a Gaussian likelihood in `Maximum likelihood gives the mean squared error <chapters/gaussian_mse.html>`_.

    Examples
    --------
    >>> mse([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])
    1.333333
    >>> mse([1.0, 2.0], [1.0, 2.0, 3.0])
    Traceback (most recent call last):
    ...
    ValueError: y_hat: shape (3,) does not broadcast with y of shape (2,)
    """
    r = _residual(y, y_hat)
    with quiet():
        squared = r * r
    finite_result(squared, "y, y_hat", "the squared residual")
    return mean(squared, "y, y_hat")


def mae(y: ArrayLike, y_hat: ArrayLike) -> float:
    r"""Mean absolute error :math:`\frac1n\sum_i |y_i - \hat y_i|`.

    Parameters
    ----------
    y : array_like
        Targets.
    y_hat : array_like
        Predictions, broadcastable with ``y``.

    Returns
    -------
    float
        The mean over all elements after broadcasting.

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, or if the shapes do not broadcast.

    Notes
    -----
    Derived as a Laplace likelihood in `Laplace noise gives the L1 loss <chapters/laplace_l1.html>`_.

    Examples
    --------
    >>> mae([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])
    0.666667
    """
    return mean(np.abs(_residual(y, y_hat)), "y, y_hat")


def huber(y: ArrayLike, y_hat: ArrayLike, delta: float = 1.0) -> float:
    r"""Huber loss: quadratic for small residuals, linear for large ones.

    .. math::

        h_\delta(r) = \begin{cases} r^2/2 & |r| \le \delta \\ \delta\,(|r| - \delta/2) & |r| > \delta \end{cases}

    Parameters
    ----------
    y : array_like
        Targets.
    y_hat : array_like
        Predictions, broadcastable with ``y``.
    delta : float, optional
        Where the quadratic piece turns linear (a single positive number).

    Returns
    -------
    float
        The mean over all elements after broadcasting.

    Raises
    ------
    ValueError
        If ``delta`` is not a single positive number, or ``y``, ``y_hat`` are invalid (see :func:`mse`).

    Notes
    -----
    Derived in `Heavy tails and robust losses <chapters/robust_losses.html>`_.

    Examples
    --------
    >>> huber([0.0, 0.0], [0.5, 3.0])  # (0.125 + 2.5) / 2
    1.3125
    >>> huber(0.0, 1.0, delta=0)
    Traceback (most recent call last):
    ...
    ValueError: delta: must be positive, got 0.0
    """
    delta = positive_scalar(delta, "delta")
    size = np.abs(_residual(y, y_hat))
    with quiet():
        inside = np.minimum(size, delta)
        values = 0.5 * inside * inside + delta * (size - inside)
    finite_result(values, "y, y_hat", "the loss")
    return mean(values, "y, y_hat")


def log_cosh(y: ArrayLike, y_hat: ArrayLike) -> float:
    r"""Log-cosh loss :math:`\frac1n\sum_i \log\cosh(y_i - \hat y_i)`.

    Computed as :math:`\log(1 + 2\sinh^2(r/2))` for :math:`|r| \le 1` (accurate for tiny residuals, where it
    is :math:`r^2/2`) and as :math:`|r| + \log(1 + e^{-2|r|}) - \log 2` beyond (no overflow of
    :math:`\cosh`).

    Parameters
    ----------
    y : array_like
        Targets.
    y_hat : array_like
        Predictions, broadcastable with ``y``.

    Returns
    -------
    float
        The mean over all elements after broadcasting.

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, or if the shapes do not broadcast.

    Notes
    -----
    Derived in `Heavy tails and robust losses <chapters/robust_losses.html>`_.

    Examples
    --------
    >>> log_cosh(0.0, 1e-8)  # r**2 / 2
    5e-17
    >>> log_cosh(0.0, 1000.0)  # |r| - log 2
    999.306853
    """
    size = np.abs(_residual(y, y_hat))
    small = np.sinh(0.5 * np.minimum(size, 1.0))
    large = np.maximum(size, 1.0)
    values = np.where(size <= 1.0, np.log1p(2.0 * small * small), large + np.log1p(np.exp(-2.0 * large)) - _LOG_2)
    return mean(values, "y, y_hat")


def gaussian_nll(y: ArrayLike, mu: ArrayLike, sigma: ArrayLike) -> float:
    r"""Negative log-likelihood of :math:`y` under :math:`\mathcal{N}(\mu, \sigma^2)`, averaged.

    .. math::

        \frac1n\sum_i \Big[\tfrac12\log(2\pi\sigma_i^2) + \frac{(y_i - \mu_i)^2}{2\sigma_i^2}\Big]

    The full negative log-density, constants included (it equals ``-scipy.stats.norm.logpdf`` averaged).

    Parameters
    ----------
    y : array_like
        Observations.
    mu : array_like
        Means.
    sigma : array_like
        Standard deviations (positive).

    Returns
    -------
    float
        The mean over all elements after broadcasting.

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, if ``sigma`` is not positive, if
        the shapes do not broadcast, or if the loss overflows float64.

    Notes
    -----
    Derived in `Maximum likelihood gives the mean squared error <chapters/gaussian_mse.html>`_.

    Examples
    --------
    >>> gaussian_nll(0.0, 0.0, 1.0)  # log(2 pi) / 2
    0.918939
    >>> gaussian_nll([1.0, 3.0], 1.0, 2.0)  # log(2 pi 4) / 2 + mean of (0, 1 / 8)
    1.862086
    """
    y, mu, sigma = broadcast(y=real_array(y, "y"), mu=real_array(mu, "mu"), sigma=positive(sigma, "sigma"))
    z = scaled_difference(y, mu, sigma)
    with quiet():
        values = _HALF_LOG_2PI + np.log(sigma) + 0.5 * z * z
    finite_result(values, "y, mu, sigma", "the loss")
    return mean(values, "y, mu, sigma")


def laplace_nll(y: ArrayLike, mu: ArrayLike, b: ArrayLike) -> float:
    r"""Negative log-likelihood of :math:`y` under :math:`\operatorname{Laplace}(\mu, b)`, averaged.

    .. math::

        \frac1n\sum_i \Big[\log(2 b_i) + \frac{|y_i - \mu_i|}{b_i}\Big]

    The full negative log-density, constants included.

    Parameters
    ----------
    y : array_like
        Observations.
    mu : array_like
        Locations.
    b : array_like
        Scales (positive).

    Returns
    -------
    float
        The mean over all elements after broadcasting.

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, if ``b`` is not positive, if the
        shapes do not broadcast, or if the loss overflows float64.

    Notes
    -----
    Derived in `Laplace noise gives the L1 loss <chapters/laplace_l1.html>`_.

    Examples
    --------
    >>> laplace_nll(0.0, 0.0, 0.5)  # log(2 * 0.5)
    0.0
    >>> laplace_nll([1.0, 3.0], 1.0, 1.0)  # log 2 + mean |r|
    1.693147
    """
    y, mu, b = broadcast(y=real_array(y, "y"), mu=real_array(mu, "mu"), b=positive(b, "b"))
    z = scaled_difference(y, mu, b)
    with quiet():
        values = _LOG_2 + np.log(b) + np.abs(z)
    finite_result(values, "y, mu, b", "the loss")
    return mean(values, "y, mu, b")


def generalized_normal_nll(y: ArrayLike, mu: ArrayLike, alpha: ArrayLike, p: ArrayLike) -> float:
    r"""Negative log-likelihood of :math:`y` under the generalised normal distribution, averaged.

    .. math::

        \frac1n\sum_i \Big[\log\frac{2\alpha_i\,\Gamma(1/p_i)}{p_i} + \Big(\frac{|y_i - \mu_i|}{\alpha_i}\Big)^{p_i}\Big]

    Up to a constant and a positive factor this is the :math:`L_p` loss :math:`\sum_i |y_i - \mu_i|^p`:
    ``p = 1`` is :func:`laplace_nll` with :math:`b = \alpha`, ``p = 2`` is :func:`gaussian_nll` with
    :math:`\sigma = \alpha/\sqrt2`.

    Parameters
    ----------
    y : array_like
        Observations.
    mu : array_like
        Locations.
    alpha : array_like
        Scales (positive).
    p : array_like
        Shapes, the power of the loss (positive).

    Returns
    -------
    float
        The mean over all elements after broadcasting.

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, if ``alpha`` or ``p`` is not
        positive, if the shapes do not broadcast, or if the loss overflows float64.

    Notes
    -----
    Derived in `One family for every power <chapters/lp_family.html>`_, from
    :class:`lossbook.symbolic.GeneralizedNormal`.

    Examples
    --------
    >>> generalized_normal_nll([1.0, 3.0], 1.0, 1.0, 1.0) == laplace_nll([1.0, 3.0], 1.0, 1.0)
    True
    >>> generalized_normal_nll(0.5, 0.0, 1.0, 4.0)  # log(2 Gamma(1/4) / 4) + 0.5**4
    0.657375
    >>> generalized_normal_nll(0.5, 0.0, 1.0, 0.0)
    Traceback (most recent call last):
    ...
    ValueError: p: must be positive, got min 0.0
    """
    y, mu, alpha, p = broadcast(
        y=real_array(y, "y"), mu=real_array(mu, "mu"), alpha=positive(alpha, "alpha"), p=positive(p, "p")
    )
    z = scaled_difference(y, mu, alpha)
    with quiet():
        values = _LOG_2 + np.log(alpha) + special.gammaln(1.0 / p) - np.log(p) + np.abs(z) ** p
    finite_result(values, "y, mu, alpha, p", "the loss")
    return mean(values, "y, mu, alpha, p")


def cauchy_nll(y: ArrayLike, loc: ArrayLike, scale: ArrayLike) -> float:
    r"""Negative log-likelihood of :math:`y` under the Cauchy distribution, averaged.

    .. math::

        \frac1n\sum_i \Big[\log(\pi s_i) + \log\big(1 + ((y_i - \ell_i)/s_i)^2\big)\Big]

    It grows only logarithmically in the residual; :math:`\log(1 + z^2)` is computed without overflow.

    Parameters
    ----------
    y : array_like
        Observations.
    loc : array_like
        Locations :math:`\ell`.
    scale : array_like
        Scales :math:`s` (positive).

    Returns
    -------
    float
        The mean over all elements after broadcasting.

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, if ``scale`` is not positive, or if
        the shapes do not broadcast.

    Notes
    -----
    Derived in `Heavy tails and robust losses <chapters/robust_losses.html>`_.

    Examples
    --------
    >>> cauchy_nll(0.0, 0.0, 1.0)  # log(pi)
    1.144730
    >>> cauchy_nll(1e200, 0.0, 1.0)  # log(pi) + 2 log(1e200), although (1e200)**2 overflows
    922.178767
    """
    y, loc, scale = broadcast(y=real_array(y, "y"), loc=real_array(loc, "loc"), scale=positive(scale, "scale"))
    z = scaled_difference(y, loc, scale)
    with quiet():
        log_abs_z = _log_abs_scaled_difference(y, loc, scale)
        values = math.log(math.pi) + np.log(scale) + _log1p_square(z, log_abs_z)
    finite_result(values, "y, loc, scale", "the loss")
    return mean(values, "y, loc, scale")


def student_t_nll(y: ArrayLike, loc: ArrayLike, scale: ArrayLike, df: ArrayLike) -> float:
    r"""Negative log-likelihood of :math:`y` under Student's t distribution, averaged.

    .. math::

        \frac1n\sum_i \Big[\log s_i + \tfrac12\log(\nu_i\pi) + \log\frac{\Gamma(\nu_i/2)}{\Gamma((\nu_i+1)/2)}
        + \frac{\nu_i + 1}{2}\log\Big(1 + \frac{z_i^2}{\nu_i}\Big)\Big],
        \qquad z_i = \frac{y_i - \ell_i}{s_i}

    With :math:`\nu = 1` it is :func:`cauchy_nll`; as :math:`\nu \to \infty` it tends to :func:`gaussian_nll`.

    Parameters
    ----------
    y : array_like
        Observations.
    loc : array_like
        Locations :math:`\ell`.
    scale : array_like
        Scales :math:`s` (positive).
    df : array_like
        Degrees of freedom :math:`\nu` (positive).

    Returns
    -------
    float
        The mean over all elements after broadcasting.

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, if ``scale`` or ``df`` is not
        positive, if the shapes do not broadcast, or if the loss overflows float64.

    Notes
    -----
    Derived in `Heavy tails and robust losses <chapters/robust_losses.html>`_.

    Examples
    --------
    >>> student_t_nll(0.0, 0.0, 1.0, 1.0)  # the Cauchy value, log(pi)
    1.144730
    >>> student_t_nll(2.0, 0.0, 1.0, 4.0)
    2.713697
    """
    y, loc, scale, df = broadcast(
        y=real_array(y, "y"), loc=real_array(loc, "loc"), scale=positive(scale, "scale"), df=positive(df, "df")
    )
    z = scaled_difference(y, loc, scale)
    with quiet():
        w = z / np.sqrt(df)
        log_abs_w = _log_abs_scaled_difference(y, loc, scale) - 0.5 * np.log(df)
        values = (
            np.log(scale)
            + 0.5 * (np.log(df) + math.log(math.pi))
            - np.log(special.poch(0.5 * df, 0.5))  # log Gamma(df/2) - log Gamma((df+1)/2), accurate for large df
            + 0.5 * (df + 1.0) * _log1p_square(w, log_abs_w)
        )
    finite_result(values, "y, loc, scale, df", "the loss")
    return mean(values, "y, loc, scale, df")


def poisson_nll(y: ArrayLike, rate: ArrayLike) -> float:
    r"""Negative log-likelihood of counts :math:`y` under :math:`\operatorname{Poisson}(\lambda)`, averaged.

    .. math::

        \frac1n\sum_i \big[\lambda_i - y_i \log\lambda_i + \log(y_i!)\big]

    The full negative log-probability, with :math:`\log(y!)` from :func:`scipy.special.gammaln`.

    Parameters
    ----------
    y : array_like
        Counts (non-negative integers; integer-valued floats are accepted).
    rate : array_like
        Rates :math:`\lambda` (positive).

    Returns
    -------
    float
        The mean over all elements after broadcasting.

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, if ``y`` is not a non-negative
        integer, if ``rate`` is not positive, if the shapes do not broadcast, or if the loss overflows.

    Notes
    -----
    Derived in the chapter on `count data <chapters/count_data.html>`_.

    Examples
    --------
    >>> poisson_nll(0, 1.0)
    1.0
    >>> poisson_nll([2, 3], 2.5)
    1.451726
    >>> poisson_nll(1.5, 1.0)
    Traceback (most recent call last):
    ...
    ValueError: y: must be integers, got 1.5
    """
    counts = integers(y, "y", low=0)
    y, rate = broadcast(y=counts.astype(np.float64), rate=positive(rate, "rate"))
    with quiet():
        values = rate - special.xlogy(y, rate) + special.gammaln(y + 1.0)
    finite_result(values, "y, rate", "the loss")
    return mean(values, "y, rate")


def _log_rising_factorial(r: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`\log\Gamma(r + y) - \log\Gamma(r)` for :math:`r > 0` and counts :math:`y`, without cancellation.

    For :math:`r < 10^4` from ``scipy.special.poch`` (or, where that overflows and :math:`y` is large, the
    log-gamma difference, whose rounding is then small against the result). For :math:`r \ge 10^4` from the
    difference of Stirling's series, rearranged so that nothing large cancels:
    :math:`(r - \tfrac12)\log(1 + y/r) - y + y\log(r + y) - \frac{y}{12 r (r + y)}
    - \frac{1}{360}\left((r+y)^{-3} - r^{-3}\right)`, whose next term is below :math:`10^{-22}`.
    """
    with quiet():
        rising = special.poch(r, y)
        small_r = np.where(
            np.isfinite(rising) & (rising > 0), np.log(rising), special.gammaln(y + r) - special.gammaln(r)
        )
        stirling = (
            (r - 0.5) * np.log1p(y / r) - y + y * np.log(r + y) - y / (12.0 * r * (r + y))
            - ((r + y) ** -3.0 - r**-3.0) / 360.0
        )
    return np.where(r < 1e4, small_r, stirling)


def _negative_binomial_log_mass(y: np.ndarray, mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    r""":math:`\log p(y)` of the negative binomial with mean :math:`\mu` and dispersion :math:`\alpha` (validated input).

    With :math:`r = 1/\alpha`: :math:`\log\frac{\Gamma(y+r)}{\Gamma(r)} - \log y! - r\log(1+\alpha\mu)
    + y\log\frac{\alpha\mu}{1+\alpha\mu}`, with :math:`\log(1+\alpha\mu)/\alpha` from ``log1p``. The ratio of
    gamma functions is the difference of two log-gammas of size :math:`r\log r`, which cancel to noise when
    :math:`\alpha` is small (the Poisson limit); see :func:`_log_rising_factorial`.
    """
    with quiet():
        log_rising = _log_rising_factorial(1.0 / alpha, y)
        log_one_plus = np.log1p(alpha * mu)
        return log_rising - special.gammaln(y + 1.0) - log_one_plus / alpha + special.xlogy(y, alpha * mu) - y * log_one_plus


def negative_binomial_nll(y: ArrayLike, mu: ArrayLike, alpha: ArrayLike) -> float:
    r"""Negative log-likelihood of counts :math:`y` under a negative binomial with mean :math:`\mu` and
    dispersion :math:`\alpha` (variance :math:`\mu + \alpha\mu^2`), averaged.

    .. math::

        -\frac1n\sum_i \Big[\log\frac{\Gamma(y_i + r_i)}{\Gamma(r_i)\,y_i!}
        + r_i \log\frac{r_i}{r_i + \mu_i} + y_i \log\frac{\mu_i}{r_i + \mu_i}\Big], \qquad r_i = 1/\alpha_i.

    As :math:`\alpha \to 0` it becomes :func:`poisson_nll`; it stays accurate there (no cancellation between
    large log-gamma values).

    Parameters
    ----------
    y : array_like
        Counts (non-negative integers; integer-valued floats are accepted).
    mu : array_like
        Means (positive).
    alpha : array_like
        Dispersions (positive).

    Returns
    -------
    float
        The mean over all elements after broadcasting.

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, if ``y`` is not a non-negative
        integer, if ``mu`` or ``alpha`` is not positive, if the shapes do not broadcast, or if the loss
        overflows.

    Notes
    -----
    Derived in the chapter on `count data <chapters/count_data.html>`_, from
    :class:`lossbook.symbolic.NegativeBinomial`.

    Examples
    --------
    >>> negative_binomial_nll(0, 2.0, 1.0)  # log(1 + alpha mu) / alpha = log 3
    1.098612
    >>> negative_binomial_nll([0, 3, 7], 3.0, 1e-12) - poisson_nll([0, 3, 7], 3.0)
    0.0...
    >>> negative_binomial_nll(2, 2.0, 0.0)
    Traceback (most recent call last):
    ...
    ValueError: alpha: must be positive, got min 0.0
    """
    counts = integers(y, "y", low=0)
    y, mu, alpha = broadcast(y=counts.astype(np.float64), mu=positive(mu, "mu"), alpha=positive(alpha, "alpha"))
    values = -_negative_binomial_log_mass(y, mu, alpha)
    finite_result(values, "y, mu, alpha", "the loss")
    return mean(values, "y, mu, alpha")


def zero_inflated_negative_binomial_nll(y: ArrayLike, pi: ArrayLike, mu: ArrayLike, alpha: ArrayLike) -> float:
    r"""Negative log-likelihood of counts under a zero-inflated negative binomial, averaged.

    With probability :math:`\pi` a count is a structural zero, otherwise it is negative binomial with mean
    :math:`\mu` and dispersion :math:`\alpha` (see :func:`negative_binomial_nll`):

    .. math::

        p(0) = \pi + (1 - \pi)\,\mathrm{NB}(0), \qquad p(y) = (1 - \pi)\,\mathrm{NB}(y) \quad (y > 0).

    The mixture at zero is formed on the log scale (``logaddexp``), so it neither underflows nor loses the
    small term.

    Parameters
    ----------
    y : array_like
        Counts (non-negative integers; integer-valued floats are accepted).
    pi : array_like
        Probabilities of a structural zero, in :math:`[0, 1)`; 0 gives :func:`negative_binomial_nll`.
    mu : array_like
        Means of the count part (positive).
    alpha : array_like
        Dispersions of the count part (positive).

    Returns
    -------
    float
        The mean over all elements after broadcasting.

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, if ``y`` is not a non-negative
        integer, if ``pi`` is outside :math:`[0, 1)`, if ``mu`` or ``alpha`` is not positive, if the shapes do
        not broadcast, or if the loss overflows.

    Notes
    -----
    Derived in the chapter on `count data <chapters/count_data.html>`_, from
    :class:`lossbook.symbolic.ZeroInflatedNegativeBinomial`.

    Examples
    --------
    >>> zero_inflated_negative_binomial_nll([0, 0, 4], 0.0, 3.0, 0.5) == negative_binomial_nll([0, 0, 4], 3.0, 0.5)
    True
    >>> zero_inflated_negative_binomial_nll(0, 0.5, 3.0, 0.5)  # -log(0.5 + 0.5 * 2.5**-2)
    0.544727
    >>> zero_inflated_negative_binomial_nll(1, 1.0, 3.0, 0.5)
    Traceback (most recent call last):
    ...
    ValueError: pi: must be below 1 (a certain structural zero makes every positive count impossible), got 1.0
    """
    counts = integers(y, "y", low=0)
    pi = probability(pi, "pi")
    if (pi >= 1).any():
        raise ValueError(
            "pi: must be below 1 (a certain structural zero makes every positive count impossible), "
            f"got {float(pi.max())!r}"
        )
    y, pi, mu, alpha = broadcast(
        y=counts.astype(np.float64), pi=pi, mu=positive(mu, "mu"), alpha=positive(alpha, "alpha")
    )
    count_part = _negative_binomial_log_mass(y, mu, alpha)
    with quiet():
        log_keep = np.log1p(-pi)
        at_zero = np.logaddexp(np.log(pi), log_keep + count_part)
        values = -np.where(y == 0, at_zero, log_keep + count_part)
    finite_result(values, "y, pi, mu, alpha", "the loss")
    return mean(values, "y, pi, mu, alpha")


def _probabilities(y: ArrayLike, p: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    return broadcast(y=probability(y, "y"), p=probability(p, "p"))


def _reject_certain_mistakes(values: np.ndarray) -> None:
    if not np.isfinite(values).all():
        raise ValueError(
            "p: a probability of exactly 0 or 1 on the wrong label gives infinite loss; "
            "use binary_cross_entropy_with_logits to work with logits instead"
        )


def binary_cross_entropy(y: ArrayLike, p: ArrayLike) -> float:
    r"""Binary cross-entropy :math:`-\frac1n\sum_i [y_i\log p_i + (1 - y_i)\log(1 - p_i)]`.

    Uses :func:`scipy.special.xlogy`, so :math:`0 \log 0 = 0`: a probability of exactly 0 or 1 on the
    *right* label costs nothing. Nothing is clipped.

    Parameters
    ----------
    y : array_like
        Labels in [0, 1] (usually 0 or 1; soft labels are allowed).
    p : array_like
        Predicted probabilities of label 1, in [0, 1].

    Returns
    -------
    float
        The mean over all elements after broadcasting.

    Raises
    ------
    ValueError
        If ``y`` or ``p`` is outside [0, 1] (or not numeric, empty, NaN, infinite), if the shapes do not
        broadcast, or if a probability of exactly 0 or 1 is put on the wrong label (the loss would be
        infinite; use :func:`binary_cross_entropy_with_logits`).

    Notes
    -----
    Derived (a Bernoulli likelihood) in `Classification: cross-entropy is a likelihood <chapters/cross_entropy.html>`_.

    Examples
    --------
    >>> binary_cross_entropy([1, 0], [0.8, 0.2])  # -log 0.8
    0.223144
    >>> binary_cross_entropy([1, 0], [1.0, 0.0])
    0.0
    >>> binary_cross_entropy(1, 0.0)
    Traceback (most recent call last):
    ...
    ValueError: p: a probability of exactly 0 or 1 on the wrong label gives infinite loss;
    use binary_cross_entropy_with_logits to work with logits instead
    """
    y, p = _probabilities(y, p)
    with quiet():
        values = -(special.xlogy(y, p) + special.xlogy(1.0 - y, 1.0 - p))
    _reject_certain_mistakes(values)
    return mean(values, "y, p")


def binary_cross_entropy_with_logits(y: ArrayLike, logits: ArrayLike) -> float:
    r"""Binary cross-entropy of labels given logits :math:`z`, with :math:`p = \sigma(z) = 1/(1 + e^{-z})`.

    Computed stably as :math:`\max(z, 0) - z y + \log(1 + e^{-|z|})`, which never forms :math:`\sigma(z)` and
    so is exact for logits of any size (a logit of 1000 on the wrong label costs 1000, not ``inf``).

    Parameters
    ----------
    y : array_like
        Labels in [0, 1].
    logits : array_like
        Logits (log-odds of label 1).

    Returns
    -------
    float
        The mean over all elements after broadcasting.

    Raises
    ------
    ValueError
        If ``y`` is outside [0, 1], if an argument is not numeric, empty, NaN or infinite, or if the shapes do
        not broadcast.

    Notes
    -----
    Derived in `Classification: cross-entropy is a likelihood <chapters/cross_entropy.html>`_.

    Examples
    --------
    >>> binary_cross_entropy_with_logits(1, 0.0)  # log 2
    0.693147
    >>> binary_cross_entropy_with_logits([1, 0], [-1000.0, 1000.0])
    1000.0
    """
    y, z = broadcast(y=probability(y, "y"), logits=real_array(logits, "logits"))
    with quiet():
        values = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
    finite_result(values, "y, logits", "the loss")
    return mean(values, "y, logits")


def cross_entropy(y: ArrayLike, logits: ArrayLike) -> float:
    r"""Multiclass cross-entropy of integer labels given logits, through log-sum-exp.

    .. math::

        \frac1n\sum_i \Big[\log\sum_j e^{z_{ij}} - z_{i y_i}\Big]

    The row maximum is subtracted before exponentiating, so logits of :math:`\pm 1000` are fine.

    Parameters
    ----------
    y : array_like of int, shape (n,)
        Class labels, integers in ``[0, k)``.
    logits : array_like, shape (n, k)
        One row of logits per example.

    Returns
    -------
    float
        The mean over the ``n`` examples.

    Raises
    ------
    ValueError
        If ``logits`` is not 2-D, ``y`` is not 1-D of length ``n``, a label is not an integer in ``[0, k)``, or
        an argument is not numeric, empty, NaN or infinite.

    Notes
    -----
    Derived (categorical likelihood) in `Classification: cross-entropy is a likelihood <chapters/cross_entropy.html>`_.

    Examples
    --------
    >>> cross_entropy([0, 1], [[0.0, 0.0], [0.0, 0.0]])  # log 2
    0.693147
    >>> cross_entropy([2], [[1000.0, -1000.0, 1000.0]])
    0.693147
    >>> cross_entropy([3], [[0.0, 0.0, 0.0]])
    Traceback (most recent call last):
    ...
    ValueError: y: must be integers in [0, 3), got min 3 and max 3
    """
    z = real_array(logits, "logits")
    if z.ndim != 2:
        raise ValueError(f"logits: must be 2-D of shape (n, k), got shape {z.shape}")
    n, k = z.shape
    labels = real_array(y, "y")
    if labels.shape != (n,):
        raise ValueError(f"y: must have shape (n,) = ({n},) to match logits of shape {z.shape}, got {labels.shape}")
    labels = integers(labels, "y", low=0, high=k)
    with quiet():
        top = z.max(axis=1)
        values = (top - z[np.arange(n), labels]) + np.log(np.exp(z - top[:, None]).sum(axis=1))
    finite_result(values, "y, logits", "the loss")
    return mean(values, "y, logits")


def focal_loss(y: ArrayLike, p: ArrayLike, gamma: float = 2.0) -> float:
    r"""Binary focal loss (Lin et al., 2017): cross-entropy down-weighted on examples already classified well.

    .. math::

        -\frac1n\sum_i \big[y_i (1 - p_i)^\gamma \log p_i + (1 - y_i)\, p_i^\gamma \log(1 - p_i)\big]

    For a label of 1 this is :math:`-(1 - p_t)^\gamma \log p_t` with :math:`p_t = p`, and with
    :math:`p_t = 1 - p` for a label of 0. With :math:`\gamma = 0` it is :func:`binary_cross_entropy`.

    Parameters
    ----------
    y : array_like
        Labels in [0, 1] (usually 0 or 1).
    p : array_like
        Predicted probabilities of label 1, in [0, 1].
    gamma : float, optional
        Focusing parameter, a single number >= 0.

    Returns
    -------
    float
        The mean over all elements after broadcasting.

    Raises
    ------
    ValueError
        If ``gamma`` is negative, ``y`` or ``p`` is outside [0, 1] (or invalid), the shapes do not broadcast,
        or a probability of exactly 0 or 1 is put on the wrong label (infinite loss).

    Notes
    -----
    Derived in `Keypoint heatmaps and the focal loss <chapters/heatmaps_focal.html>`_.

    Examples
    --------
    >>> focal_loss(1, 0.9, gamma=2.0)  # 0.01 * -log 0.9
    0.001054
    >>> focal_loss(1, 0.9, gamma=0.0) == binary_cross_entropy(1, 0.9)
    True
    """
    gamma = nonnegative_scalar(gamma, "gamma")
    y, p = _probabilities(y, p)
    with quiet():
        values = -(
            np.power(1.0 - p, gamma) * special.xlogy(y, p) + np.power(p, gamma) * special.xlogy(1.0 - y, 1.0 - p)
        )
    _reject_certain_mistakes(values)
    return mean(values, "y, p")


def weighted_mse(y: ArrayLike, y_hat: ArrayLike, weights: ArrayLike) -> float:
    r"""Weighted mean squared error :math:`\sum_i w_i (y_i - \hat y_i)^2 \big/ \sum_i w_i`.

    Parameters
    ----------
    y : array_like
        Targets.
    y_hat : array_like
        Predictions.
    weights : array_like
        Non-negative weights, not all zero (after broadcasting with ``y`` and ``y_hat``).

    Returns
    -------
    float
        The weighted mean over all elements after broadcasting.

    Raises
    ------
    ValueError
        If a weight is negative or all are zero, an argument is not numeric, empty, NaN or infinite, the shapes
        do not broadcast, or the loss overflows float64.

    Notes
    -----
    Derived in the chapter on `the geometry of losses <chapters/geometry.html>`_.

    Examples
    --------
    >>> weighted_mse([0.0, 0.0], [1.0, 3.0], [3.0, 1.0])  # (3 * 1 + 1 * 9) / 4
    3.0
    >>> weighted_mse([0.0, 0.0], [1.0, 3.0], [0.0, 0.0])
    Traceback (most recent call last):
    ...
    ValueError: weights: must not be all zero
    """
    y, y_hat, weights = broadcast(
        y=real_array(y, "y"), y_hat=real_array(y_hat, "y_hat"), weights=nonnegative(weights, "weights")
    )
    if not weights.any():
        raise ValueError("weights: must not be all zero")
    with quiet():
        r = y - y_hat
        w = weights / weights.max()  # in [0, 1], so the sums cannot overflow because of the weights
        value = np.sum(w * r * r) / np.sum(w)
    finite_result(value, "y, y_hat, weights", "the loss")
    return float(value)


def mahalanobis_squared(r: ArrayLike, covariance: ArrayLike) -> float | np.ndarray:
    r"""Squared Mahalanobis length :math:`r^\top \Sigma^{-1} r` of each row of ``r`` (not a mean).

    Solved with a Cholesky factor :math:`\Sigma = LL^\top` as :math:`\|L^{-1} r\|^2`; :math:`\Sigma^{-1}` is never
    formed.

    Parameters
    ----------
    r : array_like, shape (..., d)
        Residual vectors, one per row.
    covariance : array_like, shape (d, d)
        Symmetric positive-definite covariance matrix.

    Returns
    -------
    float or numpy.ndarray
        One value per row, of shape ``r.shape[:-1]`` (a float for a single vector). Unlike the losses, this is
        **not** averaged.

    Raises
    ------
    ValueError
        If ``covariance`` is not a square, symmetric, positive-definite matrix, if ``r``'s last dimension is
        not ``d``, if an argument is not numeric, empty, NaN or infinite, or if the result overflows.

    Notes
    -----
    Derived in the chapter on `the geometry of losses <chapters/geometry.html>`_.

    Examples
    --------
    >>> mahalanobis_squared([1.0, 2.0], [[1.0, 0.0], [0.0, 4.0]])  # 1 + 4 / 4
    2.0
    >>> mahalanobis_squared([[1.0, 0.0], [0.0, 2.0]], [[1.0, 0.0], [0.0, 4.0]])
    array([1., 1.])
    """
    from scipy import linalg

    sigma = real_array(covariance, "covariance")
    if sigma.ndim != 2 or sigma.shape[0] != sigma.shape[1]:
        raise ValueError(f"covariance: must be a square (d, d) matrix, got shape {sigma.shape}")
    d = sigma.shape[0]
    if not np.allclose(sigma, sigma.T, rtol=1e-10, atol=1e-12 * np.abs(sigma).max()):
        raise ValueError("covariance: must be symmetric")
    vectors = real_array(r, "r")
    if vectors.ndim == 0 or vectors.shape[-1] != d:
        raise ValueError(
            f"r: must have shape (..., {d}) to match covariance of shape {sigma.shape}, got {vectors.shape}"
        )
    try:
        factor = linalg.cholesky(sigma, lower=True)
    except linalg.LinAlgError:
        raise ValueError("covariance: must be positive definite (its Cholesky factorisation fails)") from None
    rows = vectors.reshape(-1, d)
    with quiet():
        solved = linalg.solve_triangular(factor, rows.T, lower=True)
        values = np.sum(solved * solved, axis=0).reshape(vectors.shape[:-1])
    finite_result(values, "r, covariance", "the squared length")
    return float(values) if values.ndim == 0 else values
