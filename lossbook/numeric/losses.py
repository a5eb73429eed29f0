"""Loss functions as vectorised NumPy, with ``reduction`` and ``sample_weight`` as in torch and scikit-learn.

Every likelihood-based loss is the *full* negative log-density (constants included), so it can be compared
with :mod:`scipy.stats` and with the symbolic log-densities of :mod:`lossbook.symbolic`. Each function is
computed in a form that neither overflows nor cancels at extreme inputs, and rejects bad input with a
:class:`ValueError` naming the argument (see :mod:`lossbook.numeric._validation`). The conventions they share
(reduction, weights, shapes, dtypes, masks, errors) are tabled in :mod:`lossbook.numeric`.

The losses used in inner loops (:func:`mse`, :func:`mae`, :func:`huber`, :func:`gaussian_nll`,
:func:`laplace_nll`, :func:`log_cosh`) compute first and validate after: NaN, infinity and bad scales always
make their result non-finite, and only then are the arguments checked one by one (for the error message) and
the loss recomputed in its overflow-safe form. Valid input pays for no extra pass over the data.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from ._validation import (
    as_array,
    check,
    compute_dtype,
    data_shape,
    finite_result,
    fits,
    nonnegative_scalar,
    quiet,
    reduce,
    reduction_arg,
    scaled_difference,
    weights,
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
    "mean_poisson_deviance",
    "mean_gamma_deviance",
]

Reduction = Literal["mean", "sum", "none"]
#: What a loss returns: a number for ``"mean"`` and ``"sum"`` (a Python float in float64, a numpy.float32 in
#: float32), an array of the data's shape for ``"none"`` (a masked array when an input was masked).
LossValue = Any

_LOG_2 = math.log(2.0)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_FILL = {"real": 0.0, "positive": 1.0, "nonnegative": 0.0, "probability": 0.5, "count": 0.0}


class _Arg(NamedTuple):
    value: Any
    name: str
    kind: str
    eager: bool = False  # checked before a fast kernel runs (a bad value would not show as a non-finite result)


def _loss(
    fast: Callable[..., np.ndarray] | None,
    careful: Callable[..., np.ndarray],
    data: tuple[_Arg, _Arg],
    params: tuple[_Arg, ...],
    reduction: str,
    sample_weight: ArrayLike | None,
) -> LossValue:
    """Validate, compute per-element losses and reduce them (the conventions of :mod:`lossbook.numeric`).

    ``fast(*arrays)`` is tried first when given, with no validation but the ``eager`` parameters: if its reduced
    result is finite, it is returned. Otherwise (or without ``fast``) every argument is checked, in order, and
    ``careful(*arrays)`` computes the per-element losses in their overflow-safe form.
    """
    reduction = reduction_arg(reduction)
    items = data + params
    dtype = compute_dtype(*(item.value for item in items))
    arrays, masks = [], []
    for item in items:
        array, mask = as_array(item.value, item.name, dtype)
        arrays.append(array)
        masks.append(mask)
    shape = data_shape(arrays[0], data[0].name, arrays[1], data[1].name)
    data_names = f"{data[0].name}, {data[1].name}"
    for array, item in zip(arrays[2:], params):
        fits(array, item.name, shape, data_names)
    mask = None
    if any(m is not None for m in masks):
        mask = np.zeros(shape, dtype=bool)
        for m in masks:
            if m is not None:
                mask |= m
        arrays = [np.where(mask, _FILL[item.kind], a).astype(dtype) for a, item in zip(arrays, items)]
    w = weights(sample_weight, shape, dtype, mask, reduction)
    if fast is not None:
        for array, item in zip(arrays, items):
            if item.eager and not (array.ndim == 0 and _in_range(float(array), item.kind)):
                check(array, item.name, item.kind)
        with quiet():
            result = reduce(fast(*arrays), w, mask, reduction, shape, dtype)
            total = np.add.reduce(np.ma.getdata(result), axis=None) if reduction == "none" else result
        if math.isfinite(total):
            return result
    for array, item in zip(arrays, items):
        check(array, item.name, item.kind)
    names = ", ".join(item.name for item in items)
    with quiet():
        values = careful(*arrays)
    finite_result(values, names, "the loss", dtype)
    return _reduce_checked(values, w, mask, reduction, shape, dtype, names)


def _reduce_checked(
    values: np.ndarray,
    w: np.ndarray | None,
    mask: np.ndarray | None,
    reduction: str,
    shape: tuple[int, ...],
    dtype: np.dtype,
    names: str,
    denominator: Any = None,
) -> LossValue:
    """:func:`~lossbook.numeric._validation.reduce` of finite ``values``; a mean whose sum overflows is rescaled."""
    with quiet():
        result = reduce(values.copy(), w, mask, reduction, shape, dtype, denominator)
        total = np.add.reduce(np.ma.getdata(result), axis=None) if reduction == "none" else result
        if math.isfinite(total):
            return result
        if reduction == "mean":
            full = np.broadcast_to(values, shape)
            if w is None:
                scaled = full / (full.size if denominator is None else denominator)
            else:
                wb = np.broadcast_to(w, shape)
                scaled = full * (wb / (np.add.reduce(wb, axis=None) if denominator is None else denominator))
            result = np.add.reduce(scaled, axis=None)
            if math.isfinite(result):
                return float(result) if dtype == np.float64 else dtype.type(result)
    what = "the mean loss" if reduction == "mean" else "the sum of the losses"
    finite_result(np.inf, names, what, dtype)


def _in_range(x: float, kind: str) -> bool:
    """Whether one number is valid for ``kind`` (a shortcut of :func:`check` for the common scalar parameter)."""
    if kind == "positive":
        return 0.0 < x < math.inf
    if kind == "nonnegative":
        return 0.0 <= x < math.inf
    return False


def _data(value: Any, name: str, kind: str = "real") -> _Arg:
    return _Arg(value, name, kind)


def _difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a - b`` as a new array, also for 0-d input (where NumPy would give a scalar, which cannot be written to)."""
    r = np.subtract(a, b)
    return r if type(r) is np.ndarray else np.array(r)


_REDUCTION_DOC = """reduction : {"mean", "sum", "none"}, optional
        ``"mean"`` (the default): :math:`\\sum_i w_i \\ell_i / \\sum_i w_i`; ``"sum"``: :math:`\\sum_i w_i \\ell_i`;
        ``"none"``: the array :math:`w_i \\ell_i` of the data's shape.
    sample_weight : array_like, optional
        Non-negative weights :math:`w_i`, broadcast to the data's shape; ``None`` weighs every element 1."""

_RETURNS_DOC = """float or numpy.ndarray
        A number for ``"mean"`` and ``"sum"`` (a Python float, or a ``numpy.float32`` when the computation is in
        float32), an array of the data's shape for ``"none"`` (a masked array when an input is masked)."""


def _documented(function: Callable) -> Callable:
    function.__doc__ = (
        function.__doc__.replace("{{reduction}}", _REDUCTION_DOC).replace("{{returns}}", _RETURNS_DOC)
    )
    return function




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


@_documented
def mse(
    y: ArrayLike,
    y_hat: ArrayLike,
    *,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
    r"""Mean squared error :math:`\frac1n\sum_i (y_i - \hat y_i)^2`.

    Parameters
    ----------
    y : array_like
        Targets.
    y_hat : array_like
        Predictions, of the same shape as ``y`` (or a single number).
    {{reduction}}

    Returns
    -------
    {{returns}}

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, if the shapes do not fit (see
        :mod:`lossbook.numeric`), or
        if the loss overflows float64.

    Notes
    -----
    Derived as a Gaussian likelihood in `Maximum likelihood gives the mean squared error <chapters/gaussian_mse.html>`_.

    Examples
    --------
    >>> mse([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])
    1.333333
    >>> mse([1.0, 2.0, 3.0], [1.0, 2.0, 5.0], reduction="none")
    array([0., 0., 4.])
    >>> mse([1.0, 2.0, 3.0], [1.0, 2.0, 5.0], sample_weight=[1.0, 1.0, 2.0])  # (0 + 0 + 2 * 4) / 4
    2.0
    >>> mse(np.array([1.0, 2.0, 3.0], np.float32), 0.0)  # float32 in, float32 out
    np.float32(4.6666665)
    >>> mse([1.0, 2.0], [[1.0], [2.0]])
    Traceback (most recent call last):
    ...
    ValueError: y_hat: shape (2, 1) differs from the shape (2,) of y; the data arguments must have the same shape
    (or one be a single number), they are not broadcast against each other
    """
    return _loss(_mse_fast, _mse_careful, (_data(y, "y"), _data(y_hat, "y_hat")), (), reduction, sample_weight)


def _mse_fast(y: np.ndarray, y_hat: np.ndarray) -> np.ndarray:
    r = _difference(y, y_hat)
    return np.multiply(r, r, out=r)


def _mse_careful(y: np.ndarray, y_hat: np.ndarray) -> np.ndarray:
    r = y - y_hat
    finite_result(r, "y, y_hat", "the residual", r.dtype)
    squared = r * r
    finite_result(squared, "y, y_hat", "the squared residual", r.dtype)
    return squared


@_documented
def mae(
    y: ArrayLike,
    y_hat: ArrayLike,
    *,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
    r"""Mean absolute error :math:`\frac1n\sum_i |y_i - \hat y_i|`.

    Parameters
    ----------
    y : array_like
        Targets.
    y_hat : array_like
        Predictions, of the same shape as ``y`` (or a single number).
    {{reduction}}

    Returns
    -------
    {{returns}}

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, or if the shapes do not fit (see
        :mod:`lossbook.numeric`).

    Notes
    -----
    Derived as a Laplace likelihood in `Laplace noise gives the L1 loss <chapters/laplace_l1.html>`_.

    Examples
    --------
    >>> mae([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])
    0.666667
    """
    return _loss(_mae_fast, _mae_careful, (_data(y, "y"), _data(y_hat, "y_hat")), (), reduction, sample_weight)


def _mae_fast(y: np.ndarray, y_hat: np.ndarray) -> np.ndarray:
    r = _difference(y, y_hat)
    return np.abs(r, out=r)


def _mae_careful(y: np.ndarray, y_hat: np.ndarray) -> np.ndarray:
    r = y - y_hat
    finite_result(r, "y, y_hat", "the residual", r.dtype)
    return np.abs(r)


@_documented
def huber(
    y: ArrayLike,
    y_hat: ArrayLike,
    delta: ArrayLike = 1.0,
    *,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
    r"""Huber loss: quadratic for small residuals, linear for large ones.

    .. math::

        h_\delta(r) = \begin{cases} r^2/2 & |r| \le \delta \\ \delta\,(|r| - \delta/2) & |r| > \delta \end{cases}

    Parameters
    ----------
    y : array_like
        Targets.
    y_hat : array_like
        Predictions, of the same shape as ``y`` (or a single number).
    delta : array_like, optional
        Where the quadratic piece turns linear (positive; a number, or an array that broadcasts to the data's
        shape).
    {{reduction}}

    Returns
    -------
    {{returns}}

    Raises
    ------
    ValueError
        If ``delta`` is not positive, or ``y``, ``y_hat`` are invalid (see :func:`mse`).

    Notes
    -----
    Derived in `Heavy tails and robust losses <chapters/robust_losses.html>`_.

    Examples
    --------
    >>> huber([0.0, 0.0], [0.5, 3.0])  # (0.125 + 2.5) / 2
    1.3125
    >>> huber([0.0, 0.0], [0.5, 3.0], reduction="none")
    array([0.125, 2.5  ])
    >>> huber(0.0, 1.0, delta=0)
    Traceback (most recent call last):
    ...
    ValueError: delta: must be positive, got min 0.0
    """
    return _loss(
        _huber, _huber_careful, (_data(y, "y"), _data(y_hat, "y_hat")), (_Arg(delta, "delta", "positive", True),),
        reduction, sample_weight,
    )


def _huber(y: np.ndarray, y_hat: np.ndarray, delta: np.ndarray) -> np.ndarray:
    size = _difference(y, y_hat)
    np.abs(size, out=size)
    inside = np.minimum(size, delta)
    size -= inside
    size *= delta  # delta (|r| - min(|r|, delta))
    inside *= inside
    inside *= 0.5
    inside += size
    return inside


def _huber_careful(y: np.ndarray, y_hat: np.ndarray, delta: np.ndarray) -> np.ndarray:
    r = y - y_hat
    finite_result(r, "y, y_hat", "the residual", r.dtype)
    return _huber(y, y_hat, delta)


@_documented
def log_cosh(
    y: ArrayLike,
    y_hat: ArrayLike,
    *,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
    r"""Log-cosh loss :math:`\frac1n\sum_i \log\cosh(y_i - \hat y_i)`.

    Computed as :math:`\log(1 + 2\sinh^2(r/2))` for :math:`|r| \le 1` (accurate for tiny residuals, where it
    is :math:`r^2/2`) and as :math:`|r| + \log(1 + e^{-2|r|}) - \log 2` beyond (no overflow of
    :math:`\cosh`).

    Parameters
    ----------
    y : array_like
        Targets.
    y_hat : array_like
        Predictions, of the same shape as ``y`` (or a single number).
    {{reduction}}

    Returns
    -------
    {{returns}}

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, or if the shapes do not fit (see
        :mod:`lossbook.numeric`).

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
    return _loss(None, _log_cosh, (_data(y, "y"), _data(y_hat, "y_hat")), (), reduction, sample_weight)


def _log_cosh(y: np.ndarray, y_hat: np.ndarray) -> np.ndarray:
    r = y - y_hat
    finite_result(r, "y, y_hat", "the residual", r.dtype)
    size = np.abs(r)
    small = np.sinh(0.5 * np.minimum(size, 1.0))
    large = np.maximum(size, 1.0)
    return np.where(size <= 1.0, np.log1p(2.0 * small * small), large + np.log1p(np.exp(-2.0 * large)) - _LOG_2)


@_documented
def gaussian_nll(
    y: ArrayLike,
    mu: ArrayLike,
    sigma: ArrayLike,
    *,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
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
    {{reduction}}

    Returns
    -------
    {{returns}}

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, if ``sigma`` is not positive, if
        the shapes do not fit (see :mod:`lossbook.numeric`), or if the loss overflows float64.

    Notes
    -----
    Derived in `Maximum likelihood gives the mean squared error <chapters/gaussian_mse.html>`_.

    Examples
    --------
    >>> gaussian_nll(0.0, 0.0, 1.0)  # log(2 pi) / 2
    0.918939
    >>> gaussian_nll([1.0, 3.0], 1.0, 2.0)  # log(2 pi 4) / 2 + mean of (0, 1 / 8)
    1.862086
    >>> gaussian_nll([1.0, 3.0], 1.0, 2.0, reduction="none")  # per observation: log(2 pi 4) / 2 + (0, 1 / 2)
    array([1.612086, 2.112086])
    >>> gaussian_nll([1.0, 3.0], 1.0, [1.0, 2.0], sample_weight=[0.0, 1.0])  # only the second counts
    2.112086
    """
    return _loss(
        _gaussian_fast, _gaussian_careful, (_data(y, "y"), _data(mu, "mu")), (_Arg(sigma, "sigma", "positive"),),
        reduction, sample_weight,
    )


def _gaussian_fast(y: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    z = _difference(y, mu)
    z /= sigma
    z *= z
    z *= 0.5
    if sigma.ndim == 0:
        z += _HALF_LOG_2PI + np.log(sigma)
    else:
        log_sigma = np.log(sigma)
        log_sigma += _HALF_LOG_2PI
        z += log_sigma
    return z


def _gaussian_careful(y: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    z = scaled_difference(y, mu, sigma)
    return _HALF_LOG_2PI + np.log(sigma) + 0.5 * z * z


@_documented
def laplace_nll(
    y: ArrayLike,
    mu: ArrayLike,
    b: ArrayLike,
    *,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
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
    {{reduction}}

    Returns
    -------
    {{returns}}

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
    return _loss(
        _laplace_fast, _laplace_careful, (_data(y, "y"), _data(mu, "mu")), (_Arg(b, "b", "positive"),),
        reduction, sample_weight,
    )


def _laplace_fast(y: np.ndarray, mu: np.ndarray, b: np.ndarray) -> np.ndarray:
    z = _difference(y, mu)
    np.abs(z, out=z)
    z /= b
    z += _LOG_2 + np.log(b)
    return z


def _laplace_careful(y: np.ndarray, mu: np.ndarray, b: np.ndarray) -> np.ndarray:
    z = scaled_difference(y, mu, b)
    return _LOG_2 + np.log(b) + np.abs(z)


@_documented
def generalized_normal_nll(
    y: ArrayLike,
    mu: ArrayLike,
    alpha: ArrayLike,
    p: ArrayLike,
    *,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
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
    {{reduction}}

    Returns
    -------
    {{returns}}

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, if ``alpha`` or ``p`` is not
        positive, if the shapes do not fit (see :mod:`lossbook.numeric`), or if the loss overflows float64.

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
    return _loss(
        None, _generalized_normal, (_data(y, "y"), _data(mu, "mu")),
        (_Arg(alpha, "alpha", "positive"), _Arg(p, "p", "positive")), reduction, sample_weight,
    )


def _generalized_normal(y: np.ndarray, mu: np.ndarray, alpha: np.ndarray, p: np.ndarray) -> np.ndarray:
    z = scaled_difference(y, mu, alpha)
    return _LOG_2 + np.log(alpha) + special.gammaln(1.0 / p) - np.log(p) + np.abs(z) ** p


@_documented
def cauchy_nll(
    y: ArrayLike,
    loc: ArrayLike,
    scale: ArrayLike,
    *,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
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
    {{reduction}}

    Returns
    -------
    {{returns}}

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, if ``scale`` is not positive, or if
        the shapes do not fit (see :mod:`lossbook.numeric`).

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
    return _loss(
        None, _cauchy, (_data(y, "y"), _data(loc, "loc")), (_Arg(scale, "scale", "positive"),),
        reduction, sample_weight,
    )


def _cauchy(y: np.ndarray, loc: np.ndarray, scale: np.ndarray) -> np.ndarray:
    z = scaled_difference(y, loc, scale)
    log_abs_z = _log_abs_scaled_difference(y, loc, scale)
    return math.log(math.pi) + np.log(scale) + _log1p_square(z, log_abs_z)


@_documented
def student_t_nll(
    y: ArrayLike,
    loc: ArrayLike,
    scale: ArrayLike,
    df: ArrayLike,
    *,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
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
    {{reduction}}

    Returns
    -------
    {{returns}}

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, if ``scale`` or ``df`` is not
        positive, if the shapes do not fit (see :mod:`lossbook.numeric`), or if the loss overflows float64.

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
    return _loss(
        None, _student_t, (_data(y, "y"), _data(loc, "loc")),
        (_Arg(scale, "scale", "positive"), _Arg(df, "df", "positive")), reduction, sample_weight,
    )


def _student_t(y: np.ndarray, loc: np.ndarray, scale: np.ndarray, df: np.ndarray) -> np.ndarray:
    z = scaled_difference(y, loc, scale)
    w = z / np.sqrt(df)
    log_abs_w = _log_abs_scaled_difference(y, loc, scale) - 0.5 * np.log(df)
    return (
        np.log(scale)
        + 0.5 * (np.log(df) + math.log(math.pi))
        - np.log(special.poch(0.5 * df, 0.5))  # log Gamma(df/2) - log Gamma((df+1)/2), accurate for large df
        + 0.5 * (df + 1.0) * _log1p_square(w, log_abs_w)
    )


@_documented
def poisson_nll(
    y: ArrayLike,
    rate: ArrayLike,
    *,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
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
    {{reduction}}

    Returns
    -------
    {{returns}}

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, if ``y`` is not a non-negative
        integer, if ``rate`` is not positive, if the shapes do not fit (see
        :mod:`lossbook.numeric`), or if the loss overflows.

    Notes
    -----
    Derived in the chapter on `count data <chapters/count_data.html>`_.

    Examples
    --------
    >>> poisson_nll(0, 1.0)
    1.0
    >>> poisson_nll([2, 3], 2.5)
    1.451726
    >>> poisson_nll([0, 0], 0.0)  # the saturated model of zero counts
    0.0
    >>> poisson_nll(1.5, 1.0)
    Traceback (most recent call last):
    ...
    ValueError: y: must be integers, got 1.5
    """
    return _loss(
        None, _poisson, (_data(y, "y", "count"), _Arg(rate, "rate", "nonnegative")), (), reduction, sample_weight
    )


def _poisson(y: np.ndarray, rate: np.ndarray) -> np.ndarray:
    impossible = (rate == 0) & (y > 0)
    if impossible.any():
        raise ValueError(
            "rate: must be positive where the count is positive (a zero rate makes a positive count impossible), "
            f"got rate 0 for count {int(np.broadcast_to(y, impossible.shape)[impossible].flat[0])}"
        )
    return rate - special.xlogy(y, rate) + special.gammaln(y + 1.0)


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


@_documented
def negative_binomial_nll(
    y: ArrayLike,
    mu: ArrayLike,
    alpha: ArrayLike,
    *,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
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
    {{reduction}}

    Returns
    -------
    {{returns}}

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, or contains NaN or infinity, if ``y`` is not a non-negative
        integer, if ``mu`` or ``alpha`` is not positive, if the shapes do not fit (see
        :mod:`lossbook.numeric`), or if the loss
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
    return _loss(
        None, _negative_binomial, (_data(y, "y", "count"), _Arg(mu, "mu", "positive")),
        (_Arg(alpha, "alpha", "positive"),), reduction, sample_weight,
    )


def _negative_binomial(y: np.ndarray, mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    dtype = np.result_type(y, mu, alpha)
    f64 = [np.asarray(a, dtype=np.float64) for a in (y, mu, alpha)]
    return (-_negative_binomial_log_mass(*f64)).astype(dtype)


@_documented
def zero_inflated_negative_binomial_nll(
    y: ArrayLike,
    pi: ArrayLike,
    mu: ArrayLike,
    alpha: ArrayLike,
    *,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
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
    {{reduction}}

    Returns
    -------
    {{returns}}

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
    return _loss(
        None, _zinb, (_data(y, "y", "count"), _Arg(mu, "mu", "positive")),
        (_Arg(pi, "pi", "probability"), _Arg(alpha, "alpha", "positive")), reduction, sample_weight,
    )


def _zinb(y: np.ndarray, mu: np.ndarray, pi: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    if (pi >= 1).any():
        raise ValueError(
            "pi: must be below 1 (a certain structural zero makes every positive count impossible), "
            f"got {float(pi.max())!r}"
        )
    dtype = np.result_type(y, mu, pi, alpha)
    y, mu, pi, alpha = (np.asarray(a, dtype=np.float64) for a in (y, mu, pi, alpha))
    count_part = _negative_binomial_log_mass(y, mu, alpha)
    log_keep = np.log1p(-pi)
    at_zero = np.logaddexp(np.log(pi), log_keep + count_part)
    return (-np.where(y == 0, at_zero, log_keep + count_part)).astype(dtype)


@_documented
def binary_cross_entropy(
    y: ArrayLike,
    p: ArrayLike,
    *,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
    r"""Binary cross-entropy :math:`-\frac1n\sum_i [y_i\log p_i + (1 - y_i)\log(1 - p_i)]`.

    Uses :func:`scipy.special.xlogy`, so :math:`0 \log 0 = 0`: a probability of exactly 0 or 1 on the
    *right* label costs nothing. Nothing is clipped.

    Parameters
    ----------
    y : array_like
        Labels in [0, 1] (usually 0 or 1; soft labels are allowed).
    p : array_like
        Predicted probabilities of label 1, in [0, 1].
    {{reduction}}

    Returns
    -------
    {{returns}}

    Raises
    ------
    ValueError
        If ``y`` or ``p`` is outside [0, 1] (or not numeric, empty, NaN, infinite), if the shapes do not fit
        (see :mod:`lossbook.numeric`), or if a probability of exactly 0 or 1 is put on the wrong label (the loss would be
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
    return _loss(
        None, _binary_cross_entropy, (_data(y, "y", "probability"), _data(p, "p", "probability")), (),
        reduction, sample_weight,
    )


def _reject_certain_mistakes(values: np.ndarray) -> None:
    if not np.isfinite(values).all():
        raise ValueError(
            "p: a probability of exactly 0 or 1 on the wrong label gives infinite loss; "
            "use binary_cross_entropy_with_logits to work with logits instead"
        )


def _binary_cross_entropy(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    values = -(special.xlogy(y, p) + special.xlogy(1.0 - y, 1.0 - p))
    _reject_certain_mistakes(values)
    return values


@_documented
def binary_cross_entropy_with_logits(
    y: ArrayLike,
    logits: ArrayLike,
    *,
    pos_weight: ArrayLike | None = None,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
    r"""Binary cross-entropy of labels given logits :math:`z`, with :math:`p = \sigma(z) = 1/(1 + e^{-z})`.

    Computed stably as :math:`\max(z, 0) - z y + \log(1 + e^{-|z|})`, which never forms :math:`\sigma(z)` and
    so is exact for logits of any size (a logit of 1000 on the wrong label costs 1000, not ``inf``).

    Parameters
    ----------
    y : array_like
        Labels in [0, 1].
    logits : array_like
        Logits (log-odds of label 1).
    {{reduction}}

    Returns
    -------
    {{returns}}

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
    >>> binary_cross_entropy_with_logits([1, 0], [0.0, 0.0], pos_weight=3.0, reduction="none")  # 3 log 2, log 2
    array([2.079442, 0.693147])
    """
    params = () if pos_weight is None else (_Arg(pos_weight, "pos_weight", "nonnegative"),)
    return _loss(
        None, _bce_with_logits, (_data(y, "y", "probability"), _data(logits, "logits")), params,
        reduction, sample_weight,
    )


def _bce_with_logits(y: np.ndarray, z: np.ndarray, pos_weight: np.ndarray | None = None) -> np.ndarray:
    # -[pw y log sigma(z) + (1 - y) log(1 - sigma(z))]
    #   = (1 - y) max(z, 0) + pw y max(-z, 0) + (1 + (pw - 1) y) log(1 + e^-|z|):
    # every term is non-negative, so nothing cancels
    tail = np.log1p(np.exp(-np.abs(z)))
    if pos_weight is None:
        return (1.0 - y) * np.maximum(z, 0.0) + y * np.maximum(-z, 0.0) + tail
    return (1.0 - y) * np.maximum(z, 0.0) + pos_weight * y * np.maximum(-z, 0.0) + (1.0 + (pos_weight - 1.0) * y) * tail


@_documented
def cross_entropy(
    labels: ArrayLike,
    logits: ArrayLike,
    *,
    weight: ArrayLike | None = None,
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
    r"""Multiclass cross-entropy given logits, as :func:`torch.nn.functional.cross_entropy`.

    For a class label :math:`c_i` and class weights :math:`v` (all 1 by default), with :math:`\log p_{ij}` the
    log-softmax of the logits over the class axis and :math:`\varepsilon` the label smoothing,

    .. math::

        \ell_i = -(1 - \varepsilon)\, v_{c_i} \log p_{i c_i} - \frac{\varepsilon}{C} \sum_j v_j \log p_{ij};
        \qquad \text{for class probabilities } q_{ij}: \quad
        \ell_i = -\sum_j v_j \big((1 - \varepsilon) q_{ij} + \varepsilon / C\big) \log p_{ij}.

    The mean follows torch: with class labels it is :math:`\sum_i s_i \ell_i / \sum_i s_i v_{c_i}` over the
    elements not ignored (the weighted mean of torch's ``weight``), with probabilities it is
    :math:`\sum_i s_i \ell_i / \sum_i s_i`; :math:`s_i` is ``sample_weight`` (1 by default). The maximum over the
    classes is subtracted before exponentiating, so logits of :math:`\pm 1000` are fine.

    Parameters
    ----------
    labels : array_like
        Either class labels, integers in ``[0, C)`` of shape (N, d1, ..., dk) (the logits' shape without the class
        axis; integer-valued floats are accepted), or class probabilities of the logits' shape.
    logits : array_like, shape (N, C) or (N, C, d1, ..., dk), or (C,) for one example
        Logits, the class axis second as in torch.
    weight : array_like, shape (C,), optional
        Non-negative class weights :math:`v`.
    ignore_index : int, optional
        A label value whose elements are left out (loss 0, not counted in the mean). As in torch it has no
        effect on class probabilities.
    label_smoothing : float, optional
        :math:`\varepsilon` in [0, 1]: the target is mixed with the uniform distribution over the ``C`` classes.
    {{reduction}}
        It broadcasts to the shape (N, d1, ..., dk) of the per-element losses.

    Returns
    -------
    {{returns}}
        The per-element losses have the shape (N, d1, ..., dk).

    Raises
    ------
    ValueError
        If ``labels`` has neither shape, a label is not an integer in ``[0, C)`` (other than ``ignore_index``), a
        probability is outside [0, 1], ``weight`` is not (C,) and non-negative, ``label_smoothing`` is outside
        [0, 1], every element is ignored (for the mean), or an argument is not numeric, empty, NaN or infinite.

    Notes
    -----
    Derived (categorical likelihood) in `Classification: cross-entropy is a likelihood <chapters/cross_entropy.html>`_.

    Examples
    --------
    >>> cross_entropy([0, 1], [[0.0, 0.0], [0.0, 0.0]])  # log 2
    0.693147
    >>> cross_entropy([2], [[1000.0, -1000.0, 1000.0]])
    0.693147
    >>> cross_entropy([0, 1], [[2.0, 0.0], [2.0, 0.0]], reduction="none")
    array([0.126928, 2.126928])
    >>> cross_entropy([0, 1], [[2.0, 0.0], [2.0, 0.0]], weight=[1.0, 3.0])  # (0.127 + 3 * 2.127) / (1 + 3)
    1.626928
    >>> cross_entropy([0, -100], [[2.0, 0.0], [2.0, 0.0]], ignore_index=-100)
    0.126928
    >>> cross_entropy([[0.5, 0.5]], [[2.0, 0.0]])  # class probabilities
    1.126928
    >>> cross_entropy([3], [[0.0, 0.0, 0.0]])
    Traceback (most recent call last):
    ...
    ValueError: labels: must be integers in [0, 3), got min 3 and max 3
    """
    reduction = reduction_arg(reduction)
    dtype = compute_dtype(logits, labels if getattr(labels, "shape", None) == np.shape(logits) else None)
    z, z_mask = as_array(logits, "logits", dtype)
    if z.ndim == 0:
        raise ValueError(
            "logits: must have shape (C,) or (N, C, d1, ..., dk), the class axis second, got a single number"
        )
    axis = 1 if z.ndim >= 2 else 0
    k = z.shape[axis]
    shape = z.shape[:axis] + z.shape[axis + 1 :]  # the shape of the per-element losses
    smoothing = _Arg(label_smoothing, "label_smoothing", "probability")
    eps = float(as_array(smoothing.value, smoothing.name, np.dtype(np.float64))[0])
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"label_smoothing: must be in [0, 1], got {eps!r}")
    if ignore_index is not None and (isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer))):
        raise ValueError(f"ignore_index: must be an integer, got {ignore_index!r}")
    class_weight = None
    if weight is not None:
        class_weight, _ = as_array(weight, "weight", dtype)
        if class_weight.shape != (k,):
            raise ValueError(f"weight: must have shape (C,) = ({k},), one weight per class, got {class_weight.shape}")
        check(class_weight, "weight", "nonnegative")
    labels_shape = np.shape(labels.data if isinstance(labels, np.ma.MaskedArray) else labels)
    soft = labels_shape == z.shape
    target, t_mask = as_array(labels, "labels", dtype if soft else np.dtype(np.float64))
    if not soft and target.shape != shape:
        raise ValueError(
            f"labels: shape {target.shape} matches neither the shape {shape} of class labels nor the shape "
            f"{z.shape} of class probabilities for logits of shape {z.shape} (the class axis is axis {axis})"
        )
    mask = None
    if t_mask is not None:
        mask = t_mask if not soft else t_mask.any(axis=axis)
    if z_mask is not None:
        mask = z_mask.any(axis=axis) if mask is None else mask | z_mask.any(axis=axis)
    if mask is not None:
        z = np.where(np.expand_dims(mask, axis), 0, z).astype(dtype)
        target = np.where(np.expand_dims(mask, axis) if soft else mask, 0, target).astype(target.dtype)
    check(z, "logits", "real")
    with quiet():
        top = z.max(axis=axis, keepdims=True)
        log_p = z - top
        log_p -= np.log(np.exp(log_p).sum(axis=axis, keepdims=True))  # log-softmax
    if soft:
        check(target, "labels", "probability")
        q = target if eps == 0.0 else target * (1.0 - eps) + eps / k
        terms = q * log_p if class_weight is None else q * log_p * _on_class_axis(class_weight, z.ndim, axis)
        values = -terms.sum(axis=axis)
        count_weight = None  # the mean divides by the number of elements, as torch does
    else:
        check(target, "labels", "real")
        ignored = np.zeros(shape, dtype=bool) if ignore_index is None else target == ignore_index
        kept = np.where(ignored, 0, target)
        whole = kept == np.round(kept)
        if not whole.all():
            raise ValueError(f"labels: must be integers, got {float(kept[~whole].flat[0])!r}")
        if (kept < 0).any() or (kept >= k).any():
            allowed = f"in [0, {k})" + ("" if ignore_index is None else f" or ignore_index = {ignore_index}")
            raise ValueError(f"labels: must be integers {allowed}, got min {int(kept.min())} and max {int(kept.max())}")
        index = kept.astype(np.intp)
        picked = -np.take_along_axis(log_p, np.expand_dims(index, axis), axis=axis).squeeze(axis)
        per_class = 1.0 if class_weight is None else class_weight[index]
        values = picked * per_class if class_weight is not None else picked
        if eps > 0.0:
            weighted = log_p if class_weight is None else log_p * _on_class_axis(class_weight, z.ndim, axis)
            spread = -weighted.sum(axis=axis)
            values = (1.0 - eps) * values + (eps / k) * spread
        values = np.where(ignored, 0, values).astype(dtype)
        counted = ignore_index is not None or class_weight is not None
        count_weight = np.where(ignored, 0, per_class).astype(dtype) if counted else None
    if mask is not None and count_weight is None:
        count_weight = np.ones(shape, dtype)
    if count_weight is not None and mask is not None:
        count_weight = np.where(mask, 0, count_weight).astype(dtype)
    w = weights(sample_weight, shape, dtype, mask, "sum")
    finite_result(values, "labels, logits", "the loss", dtype)
    values = np.asarray(values, dtype=dtype)
    denominator = None
    if reduction == "mean":
        if count_weight is None and w is None:
            denominator = None
        else:
            c = np.broadcast_to(np.ones((), dtype) if count_weight is None else count_weight, shape)
            denominator = np.add.reduce(c * (1 if w is None else w), axis=None)
            if not denominator > 0:
                raise ValueError(
                    "labels: every element is ignored, masked or of weight zero; the mean is undefined"
                )
    return _reduce_checked(values, w, mask, reduction, shape, dtype, "labels, logits", denominator)


def _on_class_axis(class_weight: np.ndarray, ndim: int, axis: int) -> np.ndarray:
    """The (C,) class weights shaped to broadcast along the class ``axis`` of an array of ``ndim`` dimensions."""
    return class_weight.reshape((-1,) + (1,) * (ndim - axis - 1))


@_documented
def focal_loss(
    y: ArrayLike,
    p: ArrayLike,
    gamma: float = 2.0,
    *,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
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
    {{reduction}}

    Returns
    -------
    {{returns}}

    Raises
    ------
    ValueError
        If ``gamma`` is negative, ``y`` or ``p`` is outside [0, 1] (or invalid), the shapes do not fit (see
        :mod:`lossbook.numeric`),
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
    return _loss(
        None, lambda y, p: _focal(y, p, gamma), (_data(y, "y", "probability"), _data(p, "p", "probability")), (),
        reduction, sample_weight,
    )


def _focal(y: np.ndarray, p: np.ndarray, gamma: float) -> np.ndarray:
    values = -(np.power(1.0 - p, gamma) * special.xlogy(y, p) + np.power(p, gamma) * special.xlogy(1.0 - y, 1.0 - p))
    _reject_certain_mistakes(values)
    return values


@_documented
def weighted_mse(
    y: ArrayLike,
    y_hat: ArrayLike,
    weights: ArrayLike,
    *,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
    r"""Weighted mean squared error :math:`\sum_i w_i (y_i - \hat y_i)^2 \big/ \sum_i w_i`.

    Parameters
    ----------
    y : array_like
        Targets.
    y_hat : array_like
        Predictions.
    weights : array_like
        Non-negative weights, not all zero, broadcast to the shape of ``y`` and ``y_hat``; the same as
        ``mse(y, y_hat, sample_weight=weights)`` (multiplied by ``sample_weight`` when that is given too).
    {{reduction}}

    Returns
    -------
    {{returns}}

    Raises
    ------
    ValueError
        If a weight is negative or all are zero, an argument is not numeric, empty, NaN or infinite, the shapes
        do not fit (see :mod:`lossbook.numeric`), or the loss overflows float64.

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
    reduction = reduction_arg(reduction)
    dtype = compute_dtype(y, y_hat)
    w, w_mask = as_array(weights, "weights", dtype)
    if w_mask is not None:
        w = np.where(w_mask, 0, w).astype(dtype)
    check(w, "weights", "nonnegative")
    if not w.any():
        raise ValueError("weights: must not be all zero")
    shape = data_shape(as_array(y, "y", dtype)[0], "y", as_array(y_hat, "y_hat", dtype)[0], "y_hat")
    fits(w, "weights", shape, "y, y_hat")
    if sample_weight is not None:
        s, s_mask = as_array(sample_weight, "sample_weight", dtype)
        fits(s, "sample_weight", shape, "y, y_hat")
        if s_mask is not None:
            s = np.where(s_mask, 0, s).astype(dtype)
        check(s, "sample_weight", "nonnegative")
        w = w * s
    return mse(y, y_hat, reduction=reduction, sample_weight=w)


def mahalanobis_squared(
    r: ArrayLike,
    covariance: ArrayLike,
    *,
    reduction: Reduction = "none",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
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

    reduction = reduction_arg(reduction)
    dtype = compute_dtype(r, covariance)
    sigma, _ = as_array(covariance, "covariance", dtype)
    check(sigma, "covariance", "real")
    if sigma.ndim != 2 or sigma.shape[0] != sigma.shape[1]:
        raise ValueError(f"covariance: must be a square (d, d) matrix, got shape {sigma.shape}")
    d = sigma.shape[0]
    if not np.allclose(sigma, sigma.T, rtol=1e-10 if dtype == np.float64 else 1e-5, atol=1e-12 * np.abs(sigma).max()):
        raise ValueError("covariance: must be symmetric")
    vectors, r_mask = as_array(r, "r", dtype)
    if vectors.ndim == 0 or vectors.shape[-1] != d:
        raise ValueError(
            f"r: must have shape (..., {d}) to match covariance of shape {sigma.shape}, got {vectors.shape}"
        )
    shape = vectors.shape[:-1]
    mask = None if r_mask is None else r_mask.any(axis=-1)
    if mask is not None:
        vectors = np.where(r_mask, 0, vectors).astype(dtype)
    check(vectors, "r", "real")
    try:
        factor = linalg.cholesky(sigma, lower=True)
    except linalg.LinAlgError:
        raise ValueError("covariance: must be positive definite (its Cholesky factorisation fails)") from None
    rows = vectors.reshape(-1, d)
    with quiet():
        solved = linalg.solve_triangular(factor, rows.T, lower=True)
        values = np.sum(solved * solved, axis=0).reshape(shape).astype(dtype)
    finite_result(values, "r, covariance", "the squared length", dtype)
    if reduction == "none" and sample_weight is None and mask is None:
        if values.ndim:
            return values
        return float(values) if dtype == np.float64 else dtype.type(values)
    w = weights(sample_weight, shape, dtype, mask, reduction)
    return _reduce_checked(values, w, mask, reduction, shape, dtype, "r, covariance")


@_documented
def mean_poisson_deviance(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
    r"""Mean Poisson deviance, as :func:`sklearn.metrics.mean_poisson_deviance`.

    .. math::

        \frac{\sum_i w_i\, d_i}{\sum_i w_i}, \qquad d_i = 2\Big[y_i \log\frac{y_i}{\hat y_i} - y_i + \hat y_i\Big]

    The deviance is twice the excess of :func:`poisson_nll` over that of the saturated model
    (:math:`\hat y = y`), so it is zero at a perfect fit; near it the bracket is summed as a series, without the
    cancellation of the three terms. The targets need not be integers.

    Parameters
    ----------
    y_true : array_like
        Targets (non-negative).
    y_pred : array_like
        Predicted means, of the same shape as ``y_true`` (positive; zero is allowed where ``y_true`` is zero).
    {{reduction}}

    Returns
    -------
    {{returns}}

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, NaN or infinite, if ``y_true`` is negative, if ``y_pred`` is
        negative or zero where ``y_true`` is positive, or if the shapes differ.

    Notes
    -----
    Derived in the chapter on `count data <chapters/count_data.html>`_ (the Poisson likelihood).

    Examples
    --------
    >>> mean_poisson_deviance([0.0, 2.0, 5.0], [0.5, 2.0, 4.0])  # (1 + 0 + 2 (5 log 1.25 - 1)) / 3
    0.410479
    >>> mean_poisson_deviance([1.0, 3.0], [1.0, 2.0], sample_weight=[3.0, 1.0])
    0.108198
    """
    return _loss(
        None, _poisson_deviance, (_data(y_true, "y_true", "nonnegative"), _data(y_pred, "y_pred", "nonnegative")),
        (), reduction, sample_weight,
    )


# Taylor coefficients of (1 + r) log(1 + r) - r = sum_k (-1)^k r^k / (k (k - 1)), k >= 2, and of
# r - log(1 + r) = sum_k (-1)^k r^k / k: used for |r| < 1/8, where both cancel (truncation below 1e-19).
_XLOGX_SERIES = [(-1) ** k / (k * (k - 1)) for k in range(2, 24)]
_X_MINUS_LOG_SERIES = [(-1) ** k / k for k in range(2, 24)]


def _series(r: np.ndarray, coefficients: list[float]) -> np.ndarray:
    total = np.zeros_like(r)
    for c in reversed(coefficients):
        total = total * r + c
    return total * r * r


def _poisson_deviance(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    impossible = (mu == 0) & (y > 0)
    if impossible.any():
        raise ValueError("y_pred: must be positive where y_true is positive (the deviance would be infinite)")
    y, mu = np.broadcast_arrays(y, mu)
    safe_mu = np.where(mu > 0, mu, 1.0)
    ratio = y / safe_mu
    r = (y - mu) / safe_mu
    direct = special.xlogy(ratio, ratio) - ratio + 1.0  # (1 + r) log(1 + r) - r
    near = _series(np.where(np.abs(r) < 0.125, r, 0.0), _XLOGX_SERIES)
    return np.where(mu > 0, 2.0 * safe_mu * np.where(np.abs(r) < 0.125, near, direct), 0.0)


@_documented
def mean_gamma_deviance(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    reduction: Reduction = "mean",
    sample_weight: ArrayLike | None = None,
) -> LossValue:
    r"""Mean Gamma deviance, as :func:`sklearn.metrics.mean_gamma_deviance`.

    .. math::

        \frac{\sum_i w_i\, d_i}{\sum_i w_i}, \qquad d_i = 2\Big[\log\frac{\hat y_i}{y_i} + \frac{y_i}{\hat y_i} - 1\Big]

    Scale-free: multiplying ``y_true`` and ``y_pred`` by the same factor leaves it unchanged. Near
    :math:`\hat y = y` the bracket is summed as a series, without cancellation.

    Parameters
    ----------
    y_true : array_like
        Targets (positive).
    y_pred : array_like
        Predicted means, of the same shape as ``y_true`` (positive).
    {{reduction}}

    Returns
    -------
    {{returns}}

    Raises
    ------
    ValueError
        If an argument is not numeric, empty, NaN, infinite or not positive, or if the shapes differ.

    Notes
    -----
    The Gamma family with a variance growing as the square of the mean; see the chapter on
    `heteroscedastic noise <chapters/heteroscedastic.html>`_ for losses whose scale follows the mean.

    Examples
    --------
    >>> mean_gamma_deviance([1.0, 2.0], [2.0, 2.0])  # (2 (log 2 + 1/2 - 1) + 0) / 2
    0.193147
    """
    return _loss(
        None, _gamma_deviance, (_data(y_true, "y_true", "positive"), _data(y_pred, "y_pred", "positive")),
        (), reduction, sample_weight,
    )


def _gamma_deviance(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    s = (y - mu) / mu  # y / mu - 1; the deviance is 2 (s - log(1 + s))
    direct = s - np.log1p(s)
    near = _series(np.where(np.abs(s) < 0.125, s, 0.0), _X_MINUS_LOG_SERIES)
    return 2.0 * np.where(np.abs(s) < 0.125, near, direct)
