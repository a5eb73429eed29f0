"""Input checks (and overflow-safe arithmetic) shared by :mod:`lossbook.numeric`.

Bad input never gives a silent nan, inf or wrong number: every check raises :class:`ValueError` whose message
starts with the name of the argument at fault and says why, for example ``"sigma_p: must be positive, got min
-1.0"``. Results are checked too: a value that overflows float64 raises instead of coming back as ``inf``.

The second half (from :func:`reduction_arg` on) serves the losses' common conventions: the computation's dtype,
conversion without copies, the same-shape rule for the data, masks and ``sample_weight``, and the reductions.
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
    "REDUCTIONS",
    "reduction_arg",
    "compute_dtype",
    "as_array",
    "data_shape",
    "fits",
    "check",
    "weights",
    "reduce",
]


def quiet() -> np.errstate:
    """Silence NumPy's floating-point warnings inside a computation whose result is checked afterwards."""
    return np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore")


def real_array(value: ArrayLike, name: str) -> np.ndarray:
    """A non-empty float64 array of finite real numbers.

    Raises
    ------
    ValueError
        If ``value`` is not numeric, is empty, or contains NaN or infinity.
    """
    array = np.array(_as_dtype(value, name, np.dtype(np.float64)))  # a copy: callers may work in it
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


def finite_result(value: Any, names: str, what: str, dtype: Any = np.float64) -> None:
    """Raise if a computed ``value`` is not finite (it overflowed ``dtype``, or went nan on the way)."""
    if not np.all(np.isfinite(value)):
        raise ValueError(_overflow_message(names, what, np.dtype(dtype)))


def _overflow_message(names: str, what: str, dtype: np.dtype) -> str:
    advice = "rescale them" if dtype == np.float64 else "rescale them or pass float64 arrays"
    return f"{names}: {what} overflows {dtype.name} for these inputs; {advice}"


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


# -- the conventions of the losses ------------------------------------------------------------------------------------

REDUCTIONS = ("mean", "sum", "none")


def reduction_arg(value: Any) -> str:
    """``"mean"``, ``"sum"`` or ``"none"``."""
    if not isinstance(value, str) or value not in REDUCTIONS:
        raise ValueError(f"reduction: must be 'mean', 'sum' or 'none', got {value!r}")
    return value


def compute_dtype(*values: Any) -> np.dtype:
    """float32 when a floating argument is float32 (or float16) and none is float64; float64 otherwise.

    Python numbers, lists, integer and boolean arrays do not vote (as in torch): ``mse(y32, 0)`` stays float32,
    and integers alone become float64.
    """
    single = double = False
    for value in values:
        dtype = getattr(value, "dtype", None)
        if dtype is None or dtype.kind != "f":
            continue
        if dtype.itemsize <= 4:
            single = True
        else:
            double = True
    return np.dtype(np.float32) if single and not double else np.dtype(np.float64)


def _as_dtype(value: Any, name: str, dtype: np.dtype) -> np.ndarray:
    """``value`` as an array of ``dtype`` (no copy when it already is one), or a ValueError naming ``name``."""
    if isinstance(value, (str, bytes)):
        raise ValueError(f"{name}: must be numeric (a real number or an array of real numbers), got {value!r}")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:  # ragged nested sequences
        raise ValueError(f"{name}: must be a real number or a rectangular array of real numbers ({error})") from None
    if array.dtype == dtype:
        return array
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
            return array.astype(dtype)
    except (TypeError, ValueError, OverflowError) as error:
        raise ValueError(f"{name}: must be real numbers representable in {dtype.name} ({error})") from None


def as_array(value: Any, name: str, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray | None]:
    """A non-empty array of ``dtype`` and its mask (``None`` unless ``value`` is a masked array with a mask set).

    Nothing is checked for finiteness here (see :func:`check`); an array already of ``dtype`` is not copied.
    """
    mask = None
    if isinstance(value, np.ma.MaskedArray):
        if value.mask is not np.ma.nomask and value.mask.any():
            mask = np.ma.getmaskarray(value)
        value = value.data
    array = value if type(value) is np.ndarray and value.dtype == dtype else _as_dtype(value, name, dtype)
    if array.size == 0:
        raise ValueError(f"{name}: must not be empty, got shape {array.shape}")
    return array, mask


def data_shape(a: np.ndarray, a_name: str, b: np.ndarray, b_name: str) -> tuple[int, ...]:
    """The common shape of the two data arguments: equal shapes, or one of them a single number (0-d)."""
    if a.shape == b.shape or b.ndim == 0:
        return a.shape
    if a.ndim == 0:
        return b.shape
    raise ValueError(
        f"{b_name}: shape {b.shape} differs from the shape {a.shape} of {a_name}; the data arguments must have "
        "the same shape (or one be a single number), they are not broadcast against each other"
    )


def fits(array: np.ndarray, name: str, shape: tuple[int, ...], data_names: str) -> None:
    """Check that a parameter broadcasts to the data's ``shape`` without enlarging it."""
    if array.shape == shape or array.ndim == 0:
        return
    try:
        ok = np.broadcast_shapes(shape, array.shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{name}: shape {array.shape} does not broadcast to the shape {shape} of {data_names}")


def check(array: np.ndarray, name: str, kind: str) -> None:
    """Raise unless every element of ``array`` is of ``kind``.

    ``kind`` is ``"real"`` (finite), ``"positive"``, ``"nonnegative"``, ``"probability"`` (in [0, 1]) or
    ``"count"`` (a whole number >= 0). One pass for finiteness, one for the range.
    """
    if not np.isfinite(array).all():
        nans = int(np.isnan(array).sum())
        infs = int(array.size - np.isfinite(array).sum()) - nans
        raise ValueError(f"{name}: must be finite, got {nans} NaN and {infs} infinite value(s)")
    if kind == "real":
        return
    low = array.min()
    if kind == "positive" and not low > 0:
        raise ValueError(f"{name}: must be positive, got min {float(low)!r}")
    if kind == "nonnegative" and not low >= 0:
        raise ValueError(f"{name}: must be non-negative, got min {float(low)!r}")
    if kind == "probability":
        high = array.max()
        if not (low >= 0 and high <= 1):
            raise ValueError(
                f"{name}: must be a probability in [0, 1], got min {float(low)!r} and max {float(high)!r}"
            )
    if kind == "count":
        whole = array == np.round(array)
        if not whole.all():
            raise ValueError(f"{name}: must be integers, got {float(array[~whole].flat[0])!r}")
        if not low >= 0:
            raise ValueError(f"{name}: must be integers >= 0, got min {int(low)}")


def weights(
    sample_weight: Any, shape: tuple[int, ...], dtype: np.dtype, mask: np.ndarray | None, reduction: str
) -> np.ndarray | None:
    """The effective per-element weights: ``sample_weight`` (validated) times 0 where ``mask`` is set.

    ``None`` when every element has weight one. The result broadcasts to ``shape`` (it is not expanded).
    """
    if sample_weight is None:
        if mask is None:
            return None
        w = (~mask).astype(dtype)
    else:
        w, w_mask = as_array(sample_weight, "sample_weight", dtype)
        fits(w, "sample_weight", shape, "the data")
        if w_mask is not None:
            w = np.where(w_mask, 0, w).astype(dtype)
        check(w, "sample_weight", "nonnegative")
        if mask is not None:
            w = np.where(mask, 0, w).astype(dtype)
    if reduction == "mean" and not w.any():
        raise ValueError(
            "sample_weight: the weights are all zero (or every element is masked); the weighted mean is undefined"
        )
    return w


def _scalar_of(value: Any, dtype: np.dtype) -> Any:
    return float(value) if dtype == np.float64 else dtype.type(value)


def reduce(
    values: np.ndarray,
    w: np.ndarray | None,
    mask: np.ndarray | None,
    reduction: str,
    shape: tuple[int, ...],
    dtype: np.dtype,
    denominator: Any = None,
) -> Any:
    """Apply ``reduction`` to the per-element ``values`` (a scratch array: it may be overwritten).

    ``"none"``: ``w * values`` of ``shape`` (a masked array where ``mask`` is set); ``"sum"``: ``sum(w * values)``;
    ``"mean"``: ``sum(w * values) / sum(w)`` (or ``denominator`` when given). The result is not checked here.
    """
    if values.shape != shape:
        values = np.array(np.broadcast_to(values, shape), dtype=dtype)
    elif values.dtype != dtype:
        values = values.astype(dtype)
    if reduction == "none":
        if w is not None:
            np.multiply(values, w, out=values)
        if mask is not None:
            return np.ma.MaskedArray(values, mask=mask)
        return values
    if w is None:
        total = np.add.reduce(values, axis=None)
        if reduction == "sum":
            return _scalar_of(total, dtype)
        return _scalar_of(total / (values.size if denominator is None else denominator), dtype)
    if w.shape == shape and dtype == np.float64:
        total = np.dot(values.ravel(), w.ravel())
    else:
        np.multiply(values, w, out=values)
        total = np.add.reduce(values, axis=None)
    if reduction == "sum":
        return _scalar_of(total, dtype)
    if denominator is None:
        denominator = np.add.reduce(w, axis=None) * (values.size // w.size)
    return _scalar_of(total / denominator, dtype)
