"""Input checks (and one piece of overflow-safe arithmetic) shared by :mod:`lossbook.numeric`.

Bad input never gives a silent nan, inf or wrong number: every check raises :class:`ValueError` whose message
starts with the name of the argument at fault and says why, for example ``"sigma_p: must be positive, got min
-1.0"``. Results are checked too: a value that overflows float64 raises instead of coming back as ``inf``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "real_array",
    "positive",
    "nonnegative",
    "probability",
    "integers",
    "positive_scalar",
    "nonnegative_scalar",
    "broadcast",
    "sample_size",
    "frozen_continuous",
    "finite_result",
    "mean",
    "quiet",
    "scaled_difference",
]


def quiet() -> np.errstate:
    """Silence NumPy's floating-point warnings inside a computation whose result is checked afterwards."""
    return np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore")


def _float64(value: Any, name: str) -> np.ndarray:
    if isinstance(value, (str, bytes)):
        raise ValueError(f"{name}: must be numeric (a real number or an array of real numbers), got {value!r}")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:  # ragged nested sequences
        raise ValueError(f"{name}: must be a real number or a rectangular array of real numbers ({error})") from None
    kind = array.dtype.kind
    if kind == "c":
        raise ValueError(f"{name}: must be real, got complex values")
    if kind == "O" and not all(isinstance(v, numbers.Real) for v in array.flat):
        bad = next(v for v in array.flat if not isinstance(v, numbers.Real))
        raise ValueError(f"{name}: must be numeric, got an element of type {type(bad).__name__}: {bad!r}")
    if kind not in "biufO":
        raise ValueError(f"{name}: must be numeric, got an array of dtype {array.dtype}")
    try:
        with quiet():
            return array.astype(np.float64)
    except (TypeError, ValueError, OverflowError) as error:
        raise ValueError(f"{name}: must be real numbers representable in float64 ({error})") from None


def real_array(value: ArrayLike, name: str) -> np.ndarray:
    """A non-empty float64 array of finite real numbers.

    Raises
    ------
    ValueError
        If ``value`` is not numeric, is empty, or contains NaN or infinity.
    """
    array = _float64(value, name)
    if array.size == 0:
        raise ValueError(f"{name}: must not be empty, got shape {array.shape}")
    finite = np.isfinite(array)
    if not finite.all():
        nans = int(np.isnan(array).sum())
        infs = int(array.size - finite.sum()) - nans
        raise ValueError(f"{name}: must be finite, got {nans} NaN and {infs} infinite value(s)")
    return array


def positive(value: ArrayLike, name: str) -> np.ndarray:
    """A finite array whose every element is > 0 (scales, rates, degrees of freedom)."""
    array = real_array(value, name)
    if (array <= 0).any():
        raise ValueError(f"{name}: must be positive, got min {float(array.min())!r}")
    return array


def nonnegative(value: ArrayLike, name: str) -> np.ndarray:
    """A finite array whose every element is >= 0."""
    array = real_array(value, name)
    if (array < 0).any():
        raise ValueError(f"{name}: must be non-negative, got min {float(array.min())!r}")
    return array


def probability(value: ArrayLike, name: str) -> np.ndarray:
    """A finite array of probabilities (or soft labels) in [0, 1]."""
    array = real_array(value, name)
    if (array < 0).any() or (array > 1).any():
        raise ValueError(
            f"{name}: must be a probability in [0, 1], got min {float(array.min())!r} and max {float(array.max())!r}"
        )
    return array


def integers(value: ArrayLike, name: str, low: int = 0, high: int | None = None) -> np.ndarray:
    """An int64 array of whole numbers in ``[low, high)`` (``high=None``: no upper bound).

    Integer-valued floats such as ``2.0`` are accepted; ``2.5`` is not.
    """
    array = real_array(value, name)
    whole = array == np.round(array)
    if not whole.all():
        raise ValueError(f"{name}: must be integers, got {float(array[~whole].flat[0])!r}")
    if (array < low).any() or (high is not None and (array >= high).any()):
        allowed = f"in [{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(
            f"{name}: must be integers {allowed}, got min {int(array.min())} and max {int(array.max())}"
        )
    if (np.abs(array) > 2**53).any():
        raise ValueError(f"{name}: must be integers below 2**53 in magnitude, got {float(np.abs(array).max())!r}")
    return array.astype(np.int64)


def _scalar(value: Any, name: str) -> float:
    array = real_array(value, name)
    if array.ndim != 0:
        raise ValueError(f"{name}: must be a single number, got an array of shape {array.shape}")
    return float(array)


def positive_scalar(value: Any, name: str) -> float:
    """A single finite number > 0 (for example Huber's ``delta``)."""
    number = _scalar(value, name)
    if number <= 0:
        raise ValueError(f"{name}: must be positive, got {number!r}")
    return number


def nonnegative_scalar(value: Any, name: str) -> float:
    """A single finite number >= 0 (for example the focal loss's ``gamma``)."""
    number = _scalar(value, name)
    if number < 0:
        raise ValueError(f"{name}: must be non-negative, got {number!r}")
    return number


def broadcast(**arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """Broadcast the named arrays together, in order.

    Raises
    ------
    ValueError
        Naming the first argument whose shape does not broadcast with the ones before it, and those.
    """
    shape: tuple[int, ...] = ()
    names = list(arrays)
    for index, name in enumerate(names):
        try:
            shape = np.broadcast_shapes(shape, arrays[name].shape)
        except ValueError:
            before = ", ".join(names[:index])
            of = f"{before} of shape {shape}" if index == 1 else f"{before} (together of shape {shape})"
            raise ValueError(f"{name}: shape {arrays[name].shape} does not broadcast with {of}") from None
    return tuple(np.broadcast_arrays(*arrays.values()))


def sample_size(value: Any, name: str = "n") -> int:
    """An integer >= 2 (a sample large enough to estimate a standard error)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}: must be an integer, got {value!r}")
    if value < 2:
        raise ValueError(f"{name}: must be at least 2 to estimate a standard error, got {int(value)}")
    return int(value)


def frozen_continuous(dist: Any, name: str) -> Any:
    """A frozen continuous :mod:`scipy.stats` distribution with valid parameters, such as ``norm(0, 1)``."""
    from scipy import stats

    family = getattr(dist, "dist", None)
    if isinstance(dist, stats.rv_continuous):
        raise ValueError(
            f"{name}: must be a frozen distribution; call the family with its parameters, "
            f"for example {dist.name}(0, 1), got the unfrozen family {dist.name}"
        )
    if isinstance(family, stats.rv_discrete):
        raise ValueError(f"{name}: must be a continuous distribution, got the discrete {family.name}")
    if not isinstance(family, stats.rv_continuous):
        raise ValueError(
            f"{name}: must be a frozen continuous scipy.stats distribution such as scipy.stats.norm(0, 1), "
            f"got {type(dist).__name__}"
        )
    low, high = dist.support()
    if np.isnan(low) or np.isnan(high):
        raise ValueError(f"{name}: the parameters of {family.name} are invalid (scipy gives support ({low}, {high}))")
    return dist


def finite_result(value: Any, names: str, what: str) -> None:
    """Raise if a computed ``value`` is not finite (it overflowed float64, or went nan on the way)."""
    if not np.all(np.isfinite(value)):
        raise ValueError(f"{names}: {what} overflows float64 for these inputs; rescale them")


def mean(values: np.ndarray, names: str, what: str = "the mean loss") -> float:
    """The mean of finite ``values``, robust to overflow of the intermediate sum, checked to be finite."""
    with quiet():
        result = np.mean(values)
        if not np.isfinite(result) and np.isfinite(values).all():
            result = np.sum(values / values.size)
    finite_result(result, names, what)
    return float(result)


def scaled_difference(a: np.ndarray, b: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``(a - b) / scale`` without spurious overflow when ``a - b`` alone exceeds float64 but the ratio does not.

    Where ``a - b`` is finite this is the exact difference divided once (relative error of one rounding); where
    it overflows the terms are scaled first (no cancellation is possible there, as ``a`` and ``b`` are far apart).
    """
    with quiet():
        direct = (a - b) / scale
        fallback = a / scale - b / scale
    return np.where(np.isfinite(direct), direct, fallback)
