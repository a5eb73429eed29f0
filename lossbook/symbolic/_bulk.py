"""Where the bulk of a density lies, found numerically, for families that do not say.

:meth:`Distribution.center() <lossbook.symbolic.Distribution.center>` and
:meth:`~lossbook.symbolic.Distribution.spread` default to :func:`bulk`: the mode of the density and the
half-width at which its log has fallen by 1/2 from the mode (exactly :math:`\\sigma` for a Gaussian). Nothing
here assumes that a parameter is a location or a scale, so a family whose first parameter is a shape (a Weibull
written as ``(k, lam)``) gets a centre in its bulk all the same. Used by
:func:`~lossbook.symbolic.numeric_expectation` to split and scale its quadrature; see the chapter
`Your own likelihood <chapters/your_own_likelihood.html>`_.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from ._evaluation import to_mpmath

#: Decimal digits of the search (the centre only has to lie in the bulk; no digit of a result depends on it).
WORKING_DIGITS = 20
#: Doublings of the step while bracketing (2**400 is about 1e120).
MAX_DOUBLINGS = 400
#: Halvings of a bracket (from any bracket to far below the working precision).
BISECTIONS = 120
#: The fall of the log-density that defines the half-width.
DROP = sp.Rational(1, 2)


def bulk(dist) -> tuple[sp.Float, sp.Float]:
    """The centre and the spread of ``dist`` (numeric parameters), as SymPy floats.

    Continuous families: the mode (the derivative of the log-density changes sign there, bracketed by doubling
    steps from the mean, or from a point of the support when the mean is unknown, then bisected) and the
    half-width at which the log-density has fallen by :data:`DROP`. When the density is largest at an end of its
    support the centre is that end plus the half-width. Discrete families: the mean rounded into the support
    and the standard deviation, from the raw moments, or the first point of the support and 1.

    Raises
    ------
    ValueError
        If a parameter is symbolic, the support is not an interval, or the log-density or its derivative is
        not a real number where the search needs it (an improper density rises forever).
    """
    free = dist.free_symbols
    if free:
        raise ValueError(
            f"dist: the default centre and spread of {dist!r} are found numerically and need numeric parameters; "
            f"still symbolic: {sorted(free, key=str)} (give the family center() and spread() for symbols)"
        )
    if dist.discrete:
        return _discrete_bulk(dist)
    lo, hi = _bounds(dist)
    x = sp.Dummy("x", real=True)
    log_density = dist.log_density(x)
    with mpmath.workdps(WORKING_DIGITS):
        value = _checked(to_mpmath(x, log_density), dist, "log-density")
        slope = _checked(to_mpmath(x, sp.diff(log_density, x)), dist, "derivative of the log-density")
        curvature = to_mpmath(x, sp.diff(log_density, x, 2))
        mode = _mode(slope, _start(dist, lo, hi), lo, hi, dist)
        width = _half_width(value, curvature, mode, lo, hi)
        centre = mode
        if mode == lo:
            centre = lo + width
        elif mode == hi:
            centre = hi - width
        return sp.Float(str(centre), WORKING_DIGITS), sp.Float(str(width), WORKING_DIGITS)


def _bounds(dist) -> tuple:
    support = dist.support
    if not isinstance(support, sp.Interval):
        raise ValueError(f"dist: the support of {dist!r} must be an interval for a numeric centre, got {support}")
    return tuple(mpmath.mpf(str(sp.N(b, WORKING_DIGITS))) if b.is_finite else (mpmath.inf if b > 0 else -mpmath.inf)
                 for b in (support.inf, support.sup))


def _checked(function, dist, what: str):
    def run(t):
        value = function(t)
        if isinstance(value, mpmath.mpc) or mpmath.isnan(value):
            raise ValueError(f"dist: the {what} of {dist!r} is not a real number at x = {mpmath.nstr(t, 10)}")
        return value

    return run


def _start(dist, lo, hi):
    """The mean when the family gives it (and it lies inside the support), else a point of the support."""
    try:
        mean = mpmath.mpf(str(sp.N(dist.raw_moment(1), WORKING_DIGITS)))
        if lo < mean < hi:
            return mean
    except (ValueError, TypeError, NotImplementedError):
        pass
    if mpmath.isfinite(lo) and mpmath.isfinite(hi):
        return (lo + hi) / 2
    if mpmath.isfinite(lo):
        return lo + 1
    if mpmath.isfinite(hi):
        return hi - 1
    return mpmath.mpf(0)


def _mode(slope, start, lo, hi, dist):
    """Where the derivative of the log-density changes sign (or the end of the support it rises towards)."""
    rising = slope(start)
    if rising == 0:
        return start
    direction = 1 if rising > 0 else -1
    edge = hi if direction > 0 else lo
    inner, step = start, mpmath.mpf(1)
    near_edge = abs(start - edge) * mpmath.mpf(10) ** (-WORKING_DIGITS + 5) if mpmath.isfinite(edge) else None
    for _ in range(MAX_DOUBLINGS):
        outer = inner + direction * step
        if near_edge is not None and (outer - edge) * direction >= 0:
            outer = (inner + edge) / 2
            if abs(outer - edge) <= near_edge:
                return edge  # the log-density rises all the way to the end of the support
        if slope(outer) * direction <= 0:
            break
        inner, step = outer, step * 2
    else:
        raise ValueError(f"dist: the log-density of {dist!r} keeps rising away from x = {mpmath.nstr(start, 10)}: "
                         "no mode (is the density normalisable?)")
    for _ in range(BISECTIONS):
        middle = (inner + outer) / 2
        if middle in (inner, outer):
            break
        if slope(middle) * direction > 0:
            inner = middle
        else:
            outer = middle
    return (inner + outer) / 2


def _half_width(value, curvature, mode, lo, hi):
    """The mean distance from the mode to where the log-density has fallen by DROP (one side at an end)."""
    peak = value(mode)
    if not mpmath.isfinite(peak):
        return mpmath.mpf(1)  # an infinite density at an end: no scale to read off it
    target = peak - mpmath.mpf(DROP.p) / DROP.q
    bend = curvature(mode)
    first = 1 / mpmath.sqrt(-bend) if mpmath.isfinite(bend) and bend < 0 else mpmath.mpf(1)
    sides = []
    for direction, edge in ((1, hi), (-1, lo)):
        if mode == edge:
            continue
        sides.append(_fall(value, target, mode, direction, edge, first))
    return sum(sides) / len(sides)


def _fall(value, target, mode, direction, edge, first):
    """Distance from the mode, towards ``edge``, at which the log-density reaches ``target`` (or the edge)."""
    near, far = mpmath.mpf(0), first
    for _ in range(MAX_DOUBLINGS):
        if mpmath.isfinite(edge) and far >= abs(edge - mode):
            far = abs(edge - mode)
            if value(mode + direction * far * (1 - mpmath.mpf("1e-12"))) > target:
                return far  # still above the target next to the end of the support
            break
        if value(mode + direction * far) <= target:
            break
        near, far = far, far * 2
    for _ in range(BISECTIONS):
        middle = (near + far) / 2
        if middle in (near, far):
            break
        if value(mode + direction * middle) > target:
            near = middle
        else:
            far = middle
    return (near + far) / 2


def _discrete_bulk(dist) -> tuple[sp.Float, sp.Float]:
    first = dist.support.inf
    try:
        mean = sp.N(dist.raw_moment(1), WORKING_DIGITS)
        variance = sp.N(dist.raw_moment(2), WORKING_DIGITS) - mean**2
    except (ValueError, TypeError, NotImplementedError):
        return sp.Float(first, WORKING_DIGITS), sp.Float(1, WORKING_DIGITS)
    centre = max(sp.floor(mean + sp.Rational(1, 2)), first)
    spread = sp.sqrt(variance) if variance > 0 else sp.Integer(1)
    return sp.Float(centre, WORKING_DIGITS), sp.Float(spread, WORKING_DIGITS)
