"""Maximum likelihood by numbers for any family: the score equations derived by SymPy, solved by SciPy.

:func:`fit` takes a :class:`~lossbook.symbolic.Distribution` whose parameters are SymPy symbols and a sample,
derives the score (the gradient of the log-density in the parameters) and the Hessian from the family's own
log-density, turns them into vectorised NumPy functions, and solves the score equations with
:func:`scipy.optimize.minimize`; the standard errors come from the observed information at the maximum. Used
where no closed form exists (:func:`~lossbook.symbolic.stationary_points` says why) in the chapter
`Your own likelihood <chapters/your_own_likelihood.html>`_.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike
from scipy import optimize, special

from ..numeric._validation import quiet, real_array
from .distributions import Distribution
from .likelihood import expand_sum, negative_log_likelihood

__all__ = ["fit", "Fit"]

MAX_ITERATIONS = 200
"""Iterations of the trust-region optimiser in one call of :func:`fit`."""

POLISH_STEPS = 20
"""Newton steps on the score equations after the optimiser, at most."""

CONVERGED = 1e-6
"""The last Newton step on the score equations must be below this many standard errors of each estimate."""

_CACHED_MODELS = 64


@dataclass(frozen=True, eq=False)
class Fit:
    r"""The maximum-likelihood estimates of a family's parameters from a sample, with their uncertainty.

    Returned by :func:`fit`; read it by the parameters' symbols: ``result.estimates[mu]``.

    Attributes
    ----------
    estimates : dict of sympy.Symbol to float
        The maximum-likelihood estimate of each fitted parameter.
    standard_errors : dict of sympy.Symbol to float
        The square roots of the diagonal of :attr:`covariance`.
    covariance : numpy.ndarray
        The inverse of the observed information at the estimates, rows and columns in the order of
        :attr:`symbols`: the asymptotic covariance of the estimates.
    symbols : tuple of sympy.Symbol
        The fitted parameters, in the order in which they first occur in the distribution's parameters.
    log_likelihood : float
        The log-likelihood :math:`\sum_i \log p(y_i)` at the estimates.
    score : list of sympy.Expr
        The score, :math:`\partial \log L / \partial \theta_j` for each fitted :math:`\theta_j`, as sums over
        ``n`` observations ``y[i]`` (``y = sympy.IndexedBase("y", real=True)``, ``i`` and ``n`` the symbols
        ``sympy.Symbol("i", integer=True, positive=True)`` and ``sympy.Symbol("n", integer=True, positive=True)``),
        with the fixed parameters at their values: with the data in place, the estimates are its root.
    information : sympy.Matrix
        The observed information :math:`-\partial^2 \log L / \partial \theta_j \partial \theta_k`, summed over
        the observations in the same symbols; at the estimates and the data it is the inverse of
        :attr:`covariance`.
    """

    estimates: dict
    standard_errors: dict
    covariance: np.ndarray
    symbols: tuple
    log_likelihood: float
    score: list
    information: sp.Matrix

    def __repr__(self) -> str:
        inner = ", ".join(f"{s}={self.estimates[s]:.6g} ± {self.standard_errors[s]:.2g}" for s in self.symbols)
        return f"Fit({inner}; log L={self.log_likelihood:.6g})"


def fit(dist: Distribution, data: ArrayLike, *, start: Mapping | None = None, fixed: Mapping | None = None) -> Fit:
    r"""The maximum-likelihood estimates of the symbolic parameters of ``dist`` from the sample ``data``.

    The log-density of the family is differentiated by SymPy once per family and set of fitted parameters
    (the score and the Hessian), turned into vectorised NumPy functions, and cached: later fits of the same
    family take milliseconds. The negative log-likelihood is minimised by SciPy's trust-region method with
    this exact gradient and Hessian, in coordinates where every parameter is free (the logarithm of a positive
    parameter, the logit of one confined to an interval), and the score equations are then polished to zero
    by Newton steps.

    Parameters
    ----------
    dist : Distribution
        A family whose parameters are SymPy symbols (the ones to fit, for example ``Gumbel(mu, beta)``), numbers
        (held at their value) or expressions in symbols (``Normal(mu, sympy.sqrt(v))`` fits ``v``). A symbol
        declared ``positive=True`` is kept positive; a symbol inside ``log(1 - p)`` is kept below 1.
    data : array_like
        The sample: a non-empty one-dimensional array of finite real numbers inside the family's support.
    start : mapping of sympy.Symbol (or its name) to float, optional
        Where the search starts, for some or all of the fitted parameters. The others start at the best of a
        few values from the sample's moments and quantiles (mean, median, standard deviation and their
        reciprocals, and small constants), chosen one parameter at a time by the log-likelihood.
    fixed : mapping of sympy.Symbol (or its name) to float, optional
        Parameters held at a value instead of fitted.

    Returns
    -------
    Fit
        The estimates, standard errors, covariance, log-likelihood, and the symbolic score and information.

    Raises
    ------
    ValueError
        If ``dist`` is not a distribution, has no symbol left to fit, has parameters that hold indexed data,
        or has a log-density that is not twice differentiable in a fitted parameter (``Abs(x - mu)``: hold such
        a parameter with ``fixed``); if ``data`` is not a non-empty one-dimensional array of finite real numbers
        or has values outside the support; if ``start`` or ``fixed`` name a symbol that is not a parameter, or
        give a value that is not a finite real number inside the parameter's range; or if no start gives a
        finite log-likelihood.
    RuntimeError
        If the search does not converge within ``MAX_ITERATIONS``, or stops where the observed information is
        not positive definite: no maximum in the interior of the parameter space for these data (the
        likelihood grows towards a boundary, such as :math:`p \to 1` for a sample of ones) or parameters the
        data cannot tell apart.

    Notes
    -----
    Used in `Your own likelihood <chapters/your_own_likelihood.html>`_, where a family written in ten lines is
    fitted and compared with SciPy's fit of the same family. Constraints between parameters (probabilities
    that sum to one) are not imposed: write such a family in free parameters. The standard errors are the
    square roots of the diagonal of the inverse observed information,
    :math:`\bigl(-\nabla^2 \log L(\hat\theta)\bigr)^{-1}`, which is the asymptotic covariance of the estimates
    when the model holds.

    Examples
    --------
    >>> import numpy as np
    >>> import sympy as sp
    >>> from lossbook.symbolic import Normal
    >>> mu = sp.Symbol("mu", real=True)
    >>> sigma = sp.Symbol("sigma", positive=True)
    >>> result = fit(Normal(mu, sigma), [1.0, 2.0, 4.0, 5.0])
    >>> round(result.estimates[mu], 12), round(result.estimates[sigma] ** 2, 12)
    (3.0, 2.5)
    >>> round(result.standard_errors[mu], 12)  # sigma / sqrt(n)
    0.790569415042
    >>> result.score[0]  # its root in mu is the mean
    -(mu*n - Sum(y[i], (i, 1, n)))/sigma**2
    >>> held = fit(Normal(mu, sigma), [1.0, 2.0], fixed={mu: 1.5})
    >>> held.symbols, round(held.estimates[sigma], 12)
    ((sigma,), 0.5)
    """
    if not isinstance(dist, Distribution):
        raise ValueError(f"dist: expected a lossbook Distribution, got {type(dist).__name__}")
    if any(p.has(sp.Indexed, sp.IndexedBase) for p in dist.params):
        raise ValueError(f"dist: fit takes parameters that are numbers or symbols, not indexed data: {dist!r}")
    parameters = _ordered_symbols(dist)
    held = _values(fixed, "fixed", parameters, dist)
    symbols = tuple(s for s in parameters if s not in held)
    if not symbols:
        raise ValueError(f"dist: {dist!r} has no symbolic parameter left to fit" + (" (all are fixed)" if held else ""))
    model = _model(dist, symbols, tuple(held))
    _check_ranges(held, "fixed", model.held, model.held_bounds)
    sample = _sample(data, dist, held)
    held_values = tuple(held.values())
    given = _values(start, "start", symbols, dist)
    _check_ranges(given, "start", model.symbols, model.bounds)
    theta = _start(model, sample, held_values, given)
    theta = _maximise(model, sample, held_values, theta)
    return _result(model, sample, held, theta)


# -- the model: derived and compiled once per family and set of fitted parameters ---------------------------------


class _Model:
    """The per-observation log-density of a family, its score and Hessian as NumPy functions, and the ranges."""

    def __init__(self, dist: Distribution, symbols: tuple, held: tuple):
        x = sp.Dummy("x", real=True)
        log_density = dist.log_density(x)
        for s in symbols:
            if not log_density.has(s):
                raise ValueError(f"dist: the log-density of {dist!r} does not depend on {s}, so the data cannot fit it")
            kink = _kink(log_density.xreplace({x: sp.Symbol("x", real=True)}), s)
            if kink is not None:
                median = isinstance(kink, sp.Abs) and abs(sp.diff(kink.args[0], s)) == 1
                raise ValueError(
                    f"dist: the log-density of {dist!r} is not differentiable in {s} (it holds {kink}); fit() solves "
                    "the score equations and needs a log-likelihood twice differentiable in the fitted parameters: "
                    f"hold {s} at its estimate with fixed={{{s}: value}}"
                    + (" (for this term the median of the data, numpy.median(data))" if median else "")
                )
        self.symbols = symbols
        self.held = held
        self.bounds = [_bounds(s, log_density, x) for s in symbols]
        self.held_bounds = [_bounds(s, log_density, x) for s in held]
        gradient = [_off_kinks(sp.diff(log_density, s)) for s in symbols]
        pairs = [(j, k) for j in range(len(symbols)) for k in range(j, len(symbols))]
        hessian = [_off_kinks(sp.diff(gradient[j], symbols[k])) for j, k in pairs]
        arguments = (x, *symbols, *held)
        modules = ["scipy", "numpy"]
        self.log_density = sp.lambdify(arguments, log_density, modules=modules)
        self.derivatives = sp.lambdify(arguments, [log_density, *gradient, *hessian], modules=modules, cse=True)
        self.pairs = pairs
        self.dist = dist
        self._symbolic = None

    def symbolic(self) -> tuple[list, sp.Matrix]:
        """The score and the observed information as sums over ``n`` observations ``y[i]`` (derived once)."""
        if self._symbolic is None:
            y = sp.IndexedBase("y", real=True)
            n = sp.Symbol("n", integer=True, positive=True)
            nll = negative_log_likelihood(self.dist, y, n)
            size = len(self.symbols)
            score = [_readable(-sp.diff(nll, s)) for s in self.symbols]
            information = sp.Matrix(
                size, size, lambda j, k: _readable(_off_kinks(sp.diff(nll, self.symbols[j], self.symbols[k])))
            )
            self._symbolic = (score, information)
        return self._symbolic


def _off_kinks(expr: sp.Expr) -> sp.Expr:
    """A derivative away from the kinks of ``Abs(x - mu)**p``: its Dirac deltas, zero everywhere else, dropped."""
    return expr.replace(sp.DiracDelta, lambda *args: sp.S.Zero)


def _readable(expr: sp.Expr) -> sp.Expr:
    r"""Sums with their summands whole and common factors taken out: :math:`-n/\sigma + \sum_i (y_i - \mu)^2/\sigma^3`
    rather than its expansion."""
    return sp.factor_terms(expand_sum(expr, expand_terms=False))


_MODELS: OrderedDict = OrderedDict()


def _model(dist: Distribution, symbols: tuple, held: tuple) -> _Model:
    """The compiled model of ``dist``, from the cache when the same family and parameters were fitted before."""
    key = (type(dist), dist.params, symbols, held)
    if key in _MODELS:
        _MODELS.move_to_end(key)
        return _MODELS[key]
    model = _Model(dist, symbols, held)
    _MODELS[key] = model
    if len(_MODELS) > _CACHED_MODELS:
        _MODELS.popitem(last=False)
    return model


_KINKS = (sp.Abs, sp.sign, sp.Heaviside, sp.Max, sp.Min)


def _kink(expr: sp.Expr, s: sp.Symbol) -> sp.Expr | None:
    """A function in ``expr`` that is not smooth in ``s``: ``Abs(x - s)``, or a ``Piecewise`` switching on ``s``.

    A power of one, ``Abs(x - s)**p``, is smooth for ``p > 1`` and passes (the generalised normal family).
    """
    smooth_powers = [
        p for p in expr.atoms(sp.Pow) if p.base.has(*_KINKS) and not (p.exp.is_number and p.exp <= 1)
    ]
    bare = expr.xreplace({p: sp.Dummy() for p in smooth_powers})
    for k in sorted(bare.atoms(*_KINKS), key=sp.default_sort_key):
        if k.has(s):
            return k
    for piecewise in expr.atoms(sp.Piecewise):
        if any(condition.has(s) for _, condition in piecewise.args):
            return piecewise
    return None


def _bounds(s: sp.Symbol, log_density: sp.Expr, x: sp.Symbol) -> tuple[float, float]:
    """The open range of ``s``: from its assumptions, narrowed by every logarithm or root of an expression
    linear in ``s`` alone (``log(1 - p)`` keeps ``p < 1``)."""
    lo, hi = -math.inf, math.inf
    if s.is_positive or s.is_nonnegative:
        lo = 0.0
    if s.is_negative or s.is_nonpositive:
        hi = 0.0
    arguments = [f.args[0] for f in log_density.atoms(sp.log)]
    arguments += [p.base for p in log_density.atoms(sp.Pow) if p.exp.is_number and not p.exp.is_integer]
    for argument in arguments:
        if argument.has(x) or argument.free_symbols != {s}:
            continue
        polynomial = sp.Poly(argument, s) if argument.is_polynomial(s) else None
        if polynomial is None or polynomial.degree() != 1:
            continue
        slope, intercept = (float(c) for c in polynomial.all_coeffs())
        edge = -intercept / slope + 0.0  # + 0.0: no -0 in messages
        if slope > 0:
            lo = max(lo, edge)
        else:
            hi = min(hi, edge)
    return lo, hi


# -- checks of the arguments --------------------------------------------------------------------------------------


def _ordered_symbols(dist: Distribution) -> tuple:
    """The symbols of the parameters, in the order in which they first occur (by name within one parameter)."""
    ordered = []
    for p in dist.params:
        for s in sorted(p.free_symbols, key=lambda s: s.name):
            if s not in ordered:
                ordered.append(s)
    return tuple(ordered)


def _values(mapping: Mapping | None, name: str, allowed: tuple, dist: Distribution) -> dict:
    """``mapping`` with its keys as the parameters' symbols (a name stands for the symbol) and float values."""
    if mapping is None:
        return {}
    if not isinstance(mapping, Mapping):
        raise ValueError(f"{name}: expected a mapping from parameter symbols to numbers, got {type(mapping).__name__}")
    by_name = {s.name: s for s in allowed}
    values = {}
    for key, value in mapping.items():
        symbol = by_name.get(key) if isinstance(key, str) else key
        if symbol not in allowed:
            listed = ", ".join(s.name for s in allowed)
            raise ValueError(f"{name}: {key!r} is not a symbol to fit in {dist!r} (those are: {listed})")
        if isinstance(value, (bool, np.bool_, complex, np.complexfloating, str)):
            raise ValueError(f"{name}: the value of {symbol} must be a real number, got {value!r}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{name}: the value of {symbol} must be a real number, got {value!r}") from None
        if not math.isfinite(number):
            raise ValueError(f"{name}: the value of {symbol} must be a finite real number, got {value!r}")
        values[symbol] = number
    return {s: values[s] for s in allowed if s in values}


def _check_ranges(values: dict, name: str, symbols: tuple, bounds: list) -> None:
    """Each value must lie inside the open range of its symbol."""
    for s, value in values.items():
        lo, hi = bounds[symbols.index(s)]
        if not lo < value < hi:
            raise ValueError(f"{name}: {s} = {value!r} lies outside the range ({lo:g}, {hi:g}) of {s}")


def _sample(data: ArrayLike, dist: Distribution, held: dict) -> np.ndarray:
    """``data`` as a float64 vector, checked against the support of ``dist``."""
    sample = real_array(data, "data")
    if sample.ndim != 1:
        raise ValueError(f"data: must be a one-dimensional array, got shape {sample.shape}")
    support = dist.support.xreplace({s: sp.Float(v) for s, v in held.items()})
    if support.free_symbols:
        return sample  # a support that moves with a fitted parameter: the log-likelihood must be finite instead
    outside = _outside(support, sample)
    if outside.any():
        bad = sample[outside]
        raise ValueError(
            f"data: {bad.size} value(s) lie outside the support {support} of {type(dist).__name__}, "
            f"for example {float(bad[0])!r}"
        )
    return sample


def _outside(support: sp.Set, values: np.ndarray) -> np.ndarray:
    """Which ``values`` lie outside ``support``, vectorised for intervals, integers and finite sets."""
    if support == sp.S.Reals:
        return np.zeros(values.shape, dtype=bool)
    if isinstance(support, sp.Interval):
        lo, hi = float(support.start), float(support.end)
        below = values <= lo if support.left_open else values < lo
        above = values >= hi if support.right_open else values > hi
        return below | above
    whole = np.floor(values) != values
    if support == sp.S.Naturals0:
        return whole | (values < 0)
    if support == sp.S.Naturals:
        return whole | (values < 1)
    if support == sp.S.Integers:
        return whole
    if isinstance(support, sp.FiniteSet) and all(e.is_number for e in support):
        return ~np.isin(values, np.array([float(e) for e in support]))
    if isinstance(support, sp.Union):
        return np.logical_and.reduce([_outside(part, values) for part in support.args])
    unique, positions = np.unique(values, return_inverse=True)
    members = np.array([support.contains(sp.Float(v)) is not sp.true for v in unique])
    return members[positions]


# -- the search ---------------------------------------------------------------------------------------------------


class _Coordinates:
    """Free coordinates u of the parameters: theta = lo + exp(u), hi - exp(u), lo + (hi - lo) expit(u) or u."""

    def __init__(self, bounds: list[tuple[float, float]]):
        self.bounds = bounds

    def parameters(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """theta(u) and its first and second derivatives, element by element."""
        theta, first, second = np.empty_like(u), np.empty_like(u), np.empty_like(u)
        for j, ((lo, hi), uj) in enumerate(zip(self.bounds, u)):
            if math.isinf(lo) and math.isinf(hi):
                theta[j], first[j], second[j] = uj, 1.0, 0.0
            elif math.isinf(hi):
                e = math.exp(min(uj, 700.0))
                theta[j], first[j], second[j] = lo + e, e, e
            elif math.isinf(lo):
                e = math.exp(min(uj, 700.0))
                theta[j], first[j], second[j] = hi - e, -e, -e
            else:
                width, p = hi - lo, float(special.expit(uj))
                theta[j], first[j], second[j] = lo + width * p, width * p * (1 - p), width * p * (1 - p) * (1 - 2 * p)
        return theta, first, second

    def free(self, theta: np.ndarray) -> np.ndarray:
        """u(theta), the inverse."""
        u = np.empty_like(theta)
        for j, ((lo, hi), t) in enumerate(zip(self.bounds, theta)):
            if math.isinf(lo) and math.isinf(hi):
                u[j] = t
            elif math.isinf(hi):
                u[j] = math.log(t - lo)
            elif math.isinf(lo):
                u[j] = math.log(hi - t)
            else:
                u[j] = float(special.logit((t - lo) / (hi - lo)))
        return u


def _total(values, size: int) -> float:
    """The sum over observations of a per-observation value (a scalar when it does not depend on the data)."""
    return float(np.sum(values)) if np.ndim(values) else float(values) * size


def _log_likelihood(model: _Model, sample: np.ndarray, held_values: tuple, theta) -> float:
    with quiet():
        value = _total(model.log_density(sample, *theta, *held_values), sample.size)
    return value if math.isfinite(value) else -math.inf


def _derivatives(model: _Model, sample: np.ndarray, held_values: tuple, theta) -> tuple[float, np.ndarray, np.ndarray]:
    """The log-likelihood, its gradient and its Hessian at ``theta``."""
    k = len(model.symbols)
    with quiet():
        values = model.derivatives(sample, *theta, *held_values)
        totals = [_total(v, sample.size) for v in values]
    gradient = np.array(totals[1 : k + 1])
    hessian = np.empty((k, k))
    for (j, i), value in zip(model.pairs, totals[k + 1 :]):
        hessian[j, i] = hessian[i, j] = value
    return totals[0], gradient, hessian


def _candidates(bounds: tuple[float, float], sample: np.ndarray) -> list[float]:
    """Starting values for one parameter from the sample's moments and quantiles, inside its range."""
    lo, hi = bounds
    mean, median, spread = float(np.mean(sample)), float(np.median(sample)), float(np.std(sample))
    size = [spread, 1.0, abs(mean), abs(median), 0.5, 2.0, 5.0]
    size += [1.0 / v for v in (spread, abs(mean)) if v > 0]
    if spread > 0:
        size += [mean**2 / spread**2, abs(mean) / spread**2]
    size = [v for v in size if v > 0 and math.isfinite(v)]
    if math.isinf(lo) and math.isinf(hi):
        values = [median, mean, 0.0, 1.0, -1.0, spread, -spread]
    elif math.isinf(hi):
        values = [lo + v for v in size]
    elif math.isinf(lo):
        values = [hi - v for v in size]
    else:
        values = [lo + f * (hi - lo) for f in (0.5, 0.1, 0.9, 0.25, 0.75)] + [mean]
    unique = []
    for v in values:
        if lo < v < hi and math.isfinite(v) and v not in unique:
            unique.append(v)
    return unique


def _start(model: _Model, sample: np.ndarray, held_values: tuple, given: dict) -> np.ndarray:
    """A start with a finite log-likelihood: the given values, the others chosen one at a time among candidates."""
    options = [[given[s]] if s in given else _candidates(b, sample) for s, b in zip(model.symbols, model.bounds)]
    theta = [values[0] for values in options]
    best = _log_likelihood(model, sample, held_values, theta)
    for _ in range(2):
        for j, values in enumerate(options):
            for value in values:
                trial = list(theta)
                trial[j] = value
                score = _log_likelihood(model, sample, held_values, trial)
                if score > best:
                    best, theta = score, trial
    if not math.isfinite(best):
        names = ", ".join(s.name for s in model.symbols)
        raise ValueError(
            f"start: no starting point found where the log-likelihood of {model.dist!r} is finite on these data; "
            f"pass start={{...}} with values of {names} that fit the data"
        )
    return np.array(theta, dtype=float)


def _maximise(model: _Model, sample: np.ndarray, held_values: tuple, theta: np.ndarray) -> np.ndarray:
    """The root of the score equations: a trust-region search in free coordinates, then Newton steps."""
    coordinates = _Coordinates(model.bounds)
    scale = 1.0 / sample.size
    evaluated = {}

    def evaluate(u):
        key = u.tobytes()
        if key not in evaluated:
            evaluated.clear()
            t, first, second = coordinates.parameters(u)
            value, gradient, hessian = _derivatives(model, sample, held_values, t)
            if not (math.isfinite(value) and np.isfinite(gradient).all() and np.isfinite(hessian).all()):
                evaluated[key] = (math.inf, np.zeros_like(u), np.eye(u.size))
            else:
                g = gradient * first
                h = hessian * np.outer(first, first) + np.diag(gradient * second)
                evaluated[key] = (-value * scale, -g * scale, -h * scale)
        return evaluated[key]

    search = optimize.minimize(
        lambda u: evaluate(u)[0],
        coordinates.free(theta),
        jac=lambda u: evaluate(u)[1],
        hess=lambda u: evaluate(u)[2],
        method="trust-exact",
        options={"maxiter": MAX_ITERATIONS, "gtol": 1e-12},
    )
    theta, _, _ = coordinates.parameters(search.x)
    return _polish(model, sample, held_values, theta, search)


def _polish(model: _Model, sample: np.ndarray, held_values: tuple, theta: np.ndarray, search) -> np.ndarray:
    """Newton steps on the score equations until the step is negligible; check that it is a maximum."""
    step = np.full(theta.shape, math.inf)
    covariance = None
    for _ in range(POLISH_STEPS):
        value, gradient, hessian = _derivatives(model, sample, held_values, theta)
        covariance = _inverse(-hessian)
        if not math.isfinite(value) or covariance is None:
            break
        step = covariance @ gradient
        trial = theta + step
        if not all(lo < t < hi for t, (lo, hi) in zip(trial, model.bounds)):
            break
        theta = trial
        if np.all(np.abs(step) <= 1e-13 * (np.abs(theta) + np.sqrt(np.diag(covariance)))):
            break
    if covariance is None:
        raise _failure(model, theta, search, "the observed information there is not positive definite")
    if not np.all(np.abs(step) <= CONVERGED * np.sqrt(np.diag(covariance))):
        raise _failure(model, theta, search, f"the score equations are not solved to {CONVERGED:g} standard errors")
    return theta


def _failure(model: _Model, theta: np.ndarray, search, what: str) -> RuntimeError:
    """The error of a search that found no maximum, with the edge of the parameter range it ran to, if any."""
    names = ", ".join(s.name for s in model.symbols)
    where = ", ".join(f"{s} = {t:.6g}" for s, t in zip(model.symbols, theta))
    edges = [
        f"{s} = {bound:g}"
        for s, t, bounds in zip(model.symbols, theta, model.bounds)
        for bound in bounds
        if math.isfinite(bound) and abs(t - bound) <= 1e-6 * max(1.0, abs(bound))
    ]
    if edges:
        cause = (f"the likelihood grows towards the edge {', '.join(edges)} of the parameter range: it has no maximum "
                 "in the interior of the parameter space for these data")
    else:
        cause = ("the likelihood may have no maximum for these data, the data may not tell the parameters apart, or "
                 "the search may need another start")
    return RuntimeError(
        f"fit: the search for {names} of {model.dist!r} stopped at {where} after {search.nit} iterations, and {what}; "
        f"{cause}; the optimiser said: {search.message}"
    )


def _inverse(information: np.ndarray) -> np.ndarray | None:
    """The inverse of a positive definite matrix, or None when it is not positive definite (or not finite)."""
    if not np.isfinite(information).all():
        return None
    try:
        factor = np.linalg.cholesky(information)
    except np.linalg.LinAlgError:
        return None
    inverse_factor = np.linalg.inv(factor)
    return inverse_factor.T @ inverse_factor


def _result(model: _Model, sample: np.ndarray, held: dict, theta: np.ndarray) -> Fit:
    held_values = tuple(held.values())
    value, _, hessian = _derivatives(model, sample, held_values, theta)
    covariance = _inverse(-hessian)
    if covariance is None or not math.isfinite(value):
        where = ", ".join(f"{s} = {t:.6g}" for s, t in zip(model.symbols, theta))
        raise RuntimeError(f"fit: the observed information of {model.dist!r} at {where} is not positive definite")
    errors = np.sqrt(np.diag(covariance))
    score, information = model.symbolic()
    replacements = {s: sp.Integer(int(v)) if v.is_integer() else sp.Float(v) for s, v in held.items()}
    return Fit(
        estimates={s: float(t) for s, t in zip(model.symbols, theta)},
        standard_errors={s: float(e) for s, e in zip(model.symbols, errors)},
        covariance=covariance,
        symbols=model.symbols,
        log_likelihood=float(value),
        score=[e.xreplace(replacements) for e in score],
        information=information.xreplace(replacements),
    )
