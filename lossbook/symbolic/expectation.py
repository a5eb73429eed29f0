"""Expectations under a distribution: symbolically by linearity and moments, numerically by quadrature.

The symbolic route never integrates :math:`p \\log(p/q)` by brute force. A term polynomial in :math:`x` is
reduced to raw moments; a term with an absolute value is integrated piece by piece between its kinks, with the
ordering of the kinks fixed by a positive symbol and undone afterwards. Derived in the chapter
`KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from contextlib import contextmanager

import mpmath
import sympy as sp
from sympy.core.symbol import Str

from ._evaluation import to_mpmath
from .distributions import Distribution, family, family_key
from .errors import NoClosedFormError

__all__ = ["Expectation", "expectation", "expand_expectation", "apply_moments", "numeric_expectation"]

#: Decimal digits used by numerical quadrature of an expectation.
QUADRATURE_DIGITS = 25
#: Nodes of the Gaussian quadrature rules (exact for polynomials of degree below twice this).
GAUSS_NODES = 16
#: CPU seconds a numeric expectation may take unless told otherwise.
CPU_SECONDS = 60.0
#: CPU seconds a piecewise symbolic integration may take before the expectation counts as having no closed form.
SYMBOLIC_SECONDS = 30.0


class Expectation(sp.Expr):
    r"""An unevaluated expectation :math:`\mathbb{E}_{x\sim p}[f(x)]`, to display and check derivation steps.

    It prints as :math:`\mathbb{E}_{x\sim p}[\dots]`, evaluates numerically by quadrature once every parameter is
    a number (which is how :class:`~lossbook.symbolic.Derivation` checks a step that contains one), and
    ``.doit()`` evaluates it symbolically with :func:`expectation`.

    Parameters
    ----------
    expr : sympy.Expr
        The integrand :math:`f(x)`.
    x : sympy.Symbol
        The random variable.
    dist : Distribution
        The distribution of ``x``.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.symbolic import Normal
    >>> x, mu = sp.symbols("x mu", real=True)
    >>> e = Expectation(x**2, x, Normal(mu, 2))
    >>> e.doit()
    mu**2 + 4
    >>> sp.N(e.xreplace({mu: 1}), 10)
    5.000000000
    """

    is_commutative = True

    def __new__(cls, expr, x, dist, *rest):
        if isinstance(dist, Distribution):
            name, label, params = Str(family_key(type(dist))), Str(dist.label), dist.params
        else:
            name, label, params = dist, rest[0], tuple(sp.sympify(p) for p in rest[1:])
        if not isinstance(x, sp.Symbol):
            raise ValueError(f"x: the random variable must be a sympy Symbol, got {x!r}")
        return sp.Expr.__new__(cls, sp.sympify(expr), x, name, label, *params)

    @property
    def integrand(self) -> sp.Expr:
        return self.args[0]

    @property
    def variable(self) -> sp.Symbol:
        return self.args[1]

    @property
    def distribution(self) -> Distribution:
        return family(self.args[2].name)(*self.args[4:], label=self.args[3].name)

    @property
    def free_symbols(self) -> set[sp.Basic]:
        inner = self.integrand.free_symbols - {self.variable}
        return inner.union(*(p.free_symbols for p in self.args[4:]))

    def _eval_is_real(self):
        return self.integrand.is_real

    def doit(self, **hints) -> sp.Expr:
        return expectation(self.integrand, self.variable, self.distribution)

    def _latex(self, printer) -> str:
        return (
            rf"\mathbb{{E}}_{{{printer._print(self.variable)} \sim {self.args[3].name}}}"
            rf"\left[{printer._print(self.integrand)}\right]"
        )

    def _sympystr(self, printer) -> str:
        return f"E[{printer._print(self.integrand)}; {printer._print(self.variable)} ~ {self.distribution!r}]"

    def _eval_evalf(self, prec):
        if self.free_symbols:
            return None
        value = numeric_expectation(self.integrand, self.variable, self.distribution)
        return sp.Float(value, QUADRATURE_DIGITS)


def _kink_points(expr: sp.Expr, x: sp.Symbol) -> list[sp.Expr]:
    """Roots in x of the arguments of Abs, sign and Heaviside inside expr (linear arguments only)."""
    points = []
    for node in expr.atoms(sp.Abs, sp.sign, sp.Heaviside):
        arg = node.args[0]
        if not arg.has(x):
            continue
        poly = sp.Poly(arg, x) if arg.is_polynomial(x) else None
        if poly is None or poly.degree() != 1:
            raise ValueError(f"expr: only kinks linear in {x} are supported, got {node}")
        a, b = poly.all_coeffs()
        points.append(sp.simplify(-b / a))
    return points


def numeric_expectation(
    expr: sp.Expr,
    x: sp.Symbol,
    dist: Distribution,
    digits: int = QUADRATURE_DIGITS,
    *,
    error: bool = False,
    cpu_seconds: float | None = CPU_SECONDS,
):
    """Expectation of ``expr`` under ``dist`` by mpmath quadrature (every parameter must be a number).

    A polynomial integrand under a family with a Gaussian quadrature rule (Gauss-Hermite for the normal,
    Gauss-Laguerre on each side for the Laplace) is integrated by that rule, exactly up to rounding. Anything
    else goes to adaptive tanh-sinh quadrature, with the real line split at the distribution's
    :meth:`~lossbook.symbolic.Distribution.center` and at every kink of the density and the integrand, and
    measured in units of its :meth:`~lossbook.symbolic.Distribution.spread`, so that each piece is smooth and of
    unit width whatever the scale. A discrete distribution with infinite support is summed until the ratio test
    bounds the tail (never by an accelerated sum alone).

    Parameters
    ----------
    expr : sympy.Expr
        The integrand, a function of ``x`` only once the parameters are numbers.
    x : sympy.Symbol
        The random variable.
    dist : Distribution
        A distribution whose parameters are numbers (a shipped family or a reader's own).
    digits : int
        Working precision of the quadrature in decimal digits.
    error : bool
        Also return an estimate of the absolute error at that precision.
    cpu_seconds : float or None
        CPU time allowed, 60 s by default. Inside a caller with a shorter limit of its own (the derivation
        checker's ``numeric_seconds``) that limit governs and its own error is raised. ``None`` sets no limit
        here and leaves it to such a caller. Outside the main thread, where no signal can interrupt a
        computation, the limit is checked between evaluations of the integrand only: there a single
        evaluation that never ends (the sine of :math:`e^{10^{30}}`) is not stopped.

    Returns
    -------
    mpmath.mpf or tuple
        The expectation, or ``(expectation, error estimate)`` when ``error`` is true.

    Raises
    ------
    ValueError
        If a parameter is still symbolic, or ``digits`` or ``cpu_seconds`` is not positive.
    TimeoutError
        If the quadrature takes more than ``cpu_seconds`` of CPU time.
    ArithmeticError
        If an infinite sum over the support cannot be shown to converge, or the integrand takes the sine, cosine
        or tangent of a number beyond :math:`2^{65536}` at a quadrature node (computing it would not finish).

    Notes
    -----
    Exponentials of arguments below :math:`-2^{20}` count as zero during the quadrature (their values are below
    :math:`10^{-455000}`): far in a double-exponential tail, such as the left tail of a Gumbel density, mpmath
    would otherwise compute :math:`\\exp(-e^{10^{49}})` to the last digit, which never finishes. Used in
    `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_ and
    `Your own likelihood <chapters/your_own_likelihood.html>`_.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.symbolic import Laplace, Normal
    >>> x = sp.Symbol("x", real=True)
    >>> float(numeric_expectation(sp.Abs(x - 1), x, Laplace(1, 2)))
    2.0
    >>> value, err = numeric_expectation(sp.log(1 + x**2), x, Normal(0, 1), digits=40, error=True)
    >>> err < 1e-35
    True
    """
    from .checking import _Timeout

    expr = sp.sympify(expr)
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 5:
        raise ValueError(f"digits: an integer of at least 5 is needed, got {digits!r}")
    if cpu_seconds is not None and (
        isinstance(cpu_seconds, bool) or not isinstance(cpu_seconds, (int, float)) or not 0 < cpu_seconds < math.inf
    ):
        raise ValueError(f"cpu_seconds: a positive number of seconds or None is needed, got {cpu_seconds!r}")
    if not isinstance(dist, Distribution):
        raise ValueError(f"dist: expected a lossbook Distribution, got {type(dist).__name__}")
    leftover = (expr.free_symbols - {x}) | dist.free_symbols
    if leftover:
        raise ValueError(f"expr: every parameter must be a number for quadrature; still symbolic: {leftover}")
    try:
        with _own_cpu_limit(cpu_seconds) as own:
            value, estimate = _quadrature(expr, x, dist, digits, _thread_deadline(cpu_seconds))
    except _Timeout:
        if not own.in_force:  # an outer limit (the derivation checker's) ran out: its business
            raise
        raise TimeoutError(
            f"numeric_expectation: the expectation of {expr} under {dist!r} took more than {cpu_seconds} s of CPU "
            f"time at {digits} digits; lower digits, pass a larger cpu_seconds, or give {type(dist).__name__} a "
            "gauss_rule or quadrature hook"
        ) from None
    return (value, estimate) if error else value


class _Limit:
    """Whether a CPU-time limit set by :func:`_own_cpu_limit` is the one in force."""

    def __init__(self, in_force: bool):
        self.in_force = in_force


@contextmanager
def _own_cpu_limit(seconds: float | None):
    """A CPU-time limit of ``seconds`` in the main thread, unless an outer limit runs out sooner.

    Nested limits do not stack in one profiling timer: a new one would replace the outer one (and a longer one
    would postpone it). So when an outer limit (the derivation checker's) has less time left than ``seconds``,
    it stays in force alone, and its timeout passes through to its owner.
    """
    from .checking import _cpu_limit

    outer = 0.0
    if seconds is not None and threading.current_thread() is threading.main_thread() and hasattr(signal, "getitimer"):
        outer = signal.getitimer(signal.ITIMER_PROF)[0]
    if seconds is None or (outer and outer <= seconds):
        yield _Limit(False)
        return
    with _cpu_limit(seconds):  # outside the main thread no signal: _thread_deadline's check is the limit
        yield _Limit(True)


def _thread_deadline(seconds: float | None) -> float | None:
    """Outside the main thread (no CPU-time signal there): the thread CPU time at which to stop, else None."""
    if seconds is None or threading.current_thread() is threading.main_thread():
        return None
    return time.thread_time() + seconds


def _guarded(function, deadline: float | None):
    """``function``, checking the thread's CPU time against ``deadline`` at every call (if there is one)."""
    if deadline is None:
        return function
    from .checking import _Timeout

    def run(t):
        if time.thread_time() > deadline:
            raise _Timeout
        return function(t)

    return run


def _number(value: sp.Expr, digits: int) -> mpmath.mpf:
    return mpmath.mpf(str(sp.N(value, digits)))


def _quadrature(expr: sp.Expr, x: sp.Symbol, dist: Distribution, digits: int, deadline: float | None = None):
    """The expectation and an estimate of its absolute error at ``digits`` digits."""
    with mpmath.workdps(digits):
        rounding = mpmath.mpf(10) ** (2 - digits)
        integrand = _guarded(to_mpmath(x, expr), deadline)
        if not dist.discrete and expr.is_polynomial(x) and sp.degree(expr, x) < 2 * GAUSS_NODES:
            rule = dist.gauss_rule(GAUSS_NODES, digits)
            if rule is not None:
                points, weights = rule
                terms = [w * integrand(t) for t, w in zip(points, weights)]
                return mpmath.fsum(terms), rounding * mpmath.fsum(abs(term) for term in terms)
        density = to_mpmath(x, dist.density(x))
        if dist.discrete:
            support = dist.support
            if support.is_finite_set:
                masses = [(k, density(k)) for k in support]
                terms = [integrand(k) * mass for k, mass in masses if mass != 0]  # no term where there is no mass
                return mpmath.fsum(terms), rounding * mpmath.fsum(abs(term) for term in terms)
            from .checking import _sum_series, _Unchecked

            try:
                value, tail = _sum_series(lambda k: integrand(k) * density(k), int(support.inf))
            except _Unchecked as problem:
                raise ArithmeticError(f"numeric_expectation: {problem}") from None
            return value, tail + rounding * max(1, abs(value))
        cuts = {sp.N(c, digits) for c in [dist.center(), *dist.kinks(x), *_kink_points(expr, x)]}
        cut_numbers = sorted({mpmath.mpf(str(c)) for c in cuts})
        small_shape = _gamma_small_shape(integrand, dist, cut_numbers, digits)
        if small_shape is not None:
            value, estimate = small_shape
            return value, estimate + rounding * max(1, abs(value))
        special = dist.quadrature(integrand, cut_numbers, digits)
        if special is not None:
            with mpmath.workdps(digits + 15):  # no error estimate from the family: compare with a finer run
                finer = dist.quadrature(integrand, cut_numbers, digits + 15)
            return special, abs(finer - special) + rounding * max(1, abs(special))
        points = [-mpmath.inf, *cut_numbers, mpmath.inf]
        support = dist.support
        if support.inf.is_finite:
            points = [_number(support.inf, digits)] + [p for p in points[1:] if p > support.inf]
        if support.sup.is_finite:
            points = [p for p in points[:-1] if p < support.sup] + [_number(support.sup, digits)]
        # Tanh-sinh quadrature maps an infinite tail with a unit scale: each tail is measured in units of the
        # spread from its finite end (finite pieces need no scale: the rule is affine-invariant there).
        scale = _number(dist.spread(), digits)
        if not (mpmath.isfinite(scale) and scale > 0):
            raise ValueError(f"dist: {type(dist).__name__}.spread() must be a positive number, got {scale}")

        def weighted(t):
            return integrand(t) * density(t)

        value, estimate = mpmath.mpf(0), mpmath.mpf(0)
        for lo, hi in zip(points[:-1], points[1:]):
            if lo == -mpmath.inf:
                piece, piece_error = mpmath.quad(lambda v: weighted(hi - scale * v), [0, mpmath.inf], error=True)
                piece, piece_error = scale * piece, scale * piece_error
            elif hi == mpmath.inf:
                piece, piece_error = mpmath.quad(lambda v: weighted(lo + scale * v), [0, mpmath.inf], error=True)
                piece, piece_error = scale * piece, scale * piece_error
            else:
                piece, piece_error = mpmath.quad(weighted, [lo, hi], error=True)
            value, estimate = value + piece, estimate + piece_error
        if not _tails_vanish(weighted, points, _number(dist.center(), digits), scale, value):
            estimate = mpmath.inf  # tanh-sinh returns a finite number for a divergent integral, with a small estimate
        return value, estimate + rounding * max(1, abs(value))


#: Distances from the centre, in spreads, at which an infinite tail of the integrand must have died out.
TAIL_SPREADS = (10**8, 10**16)
#: Largest tail mass (relative to the expectation, or absolute below 1) still counted as dying out.
TAIL_MASS = mpmath.mpf("1e-6")


def _tails_vanish(weighted, points: list, centre, scale, value) -> bool:
    r"""Whether ``weighted`` (integrand times density) dies out in each infinite tail.

    For a tail like :math:`C t^{-a}` the mass beyond :math:`T` is about :math:`T g(T)/(a-1)`: it must be
    small at :math:`10^{16}` spreads from the centre and no larger there than at :math:`10^8`. A divergent
    expectation (:math:`E[x^2]` under a Cauchy distribution) fails; tanh-sinh quadrature would give a large
    finite number for it with a small error estimate.
    """
    bound = TAIL_MASS * max(1, abs(value))
    for sign, end in ((1, points[-1]), (-1, points[0])):
        if mpmath.isfinite(end):
            continue
        near, far = (abs(d * scale * weighted(centre + sign * d * scale)) for d in TAIL_SPREADS)
        if not (far <= bound and far <= near):
            return False
    return True


def _gamma_small_shape(integrand, dist: Distribution, cuts: list, digits: int):
    r"""A Gamma expectation with shape below 1, with an error estimate: ``(value, error)``, or ``None``.

    The substitution of :meth:`Gamma.quadrature <lossbook.symbolic.distributions.Gamma.quadrature>`,
    :math:`x = u^{1/\alpha}`, which removes the infinity of the density at 0, integrated by tanh-sinh with
    mpmath's own error estimate: one run at the working precision instead of two runs (the family's rule
    returns no estimate, so the general route compares it with a run 15 digits finer).
    """
    if type(dist).__name__ != "Gamma":
        return None
    alpha, beta = (mpmath.mpf(str(sp.N(p, digits))) for p in dist.params)
    if alpha >= 1:
        return None
    norm = beta**alpha / mpmath.gamma(alpha + 1)
    inner = sorted({mpmath.mpf(c) ** alpha for c in cuts if c > 0} | {(alpha / beta) ** alpha})
    value, error = mpmath.quad(lambda u: mpmath.exp(-beta * u ** (1 / alpha)) * integrand(u ** (1 / alpha)),
                               [0, *inner, mpmath.inf], error=True)
    return norm * value, abs(norm) * error


def _split_term(term: sp.Expr, x: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """``(c, f)`` with ``term = c f``, ``c`` free of ``x``; an exponential factor keeps only its part in ``x``."""
    coefficient, dependent = term.as_independent(x, as_Add=False)
    factors = []
    for factor in sp.Mul.make_args(dependent):
        if isinstance(factor, sp.exp):
            constant, varying = sp.expand(factor.args[0]).as_independent(x, as_Add=True)
            coefficient, factor = coefficient * sp.exp(constant), sp.exp(varying)
        factors.append(factor)
    return coefficient, sp.Mul(*factors)


def _expanded_terms(expr: sp.Expr, x: sp.Symbol) -> list[sp.Expr]:
    expanded = sp.expand(expr, log=False, power_exp=False, power_base=False)
    return list(sp.Add.make_args(expanded))


def expand_expectation(expr: sp.Expr, x: sp.Symbol, dist: Distribution) -> sp.Expr:
    r"""Linearity of expectation: :math:`E[\sum_j c_j f_j(x)] = \sum_j c_j E[f_j(x)]`, left unevaluated.

    Each term's factor free of ``x`` moves out of the expectation; each power of ``x`` keeps its own
    :class:`Expectation`, so a derivation can show the moments it needs before substituting them.

    Parameters
    ----------
    expr : sympy.Expr
        The integrand.
    x : sympy.Symbol
        The random variable.
    dist : Distribution
        Its distribution.

    Returns
    -------
    sympy.Expr
        A sum of coefficients times unevaluated expectations (``E[1]`` is written as 1).

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.symbolic import Normal
    >>> x, mu, c = sp.symbols("x mu c", real=True)
    >>> expand_expectation((x - c)**2, x, Normal(mu, 1))
    c**2 - 2*c*E[x; x ~ Normal(mu, 1)] + E[x**2; x ~ Normal(mu, 1)]
    """
    total = []
    for term in _expanded_terms(expr, x):
        coefficient, dependent = _split_term(term, x)
        total.append(coefficient if dependent == 1 else coefficient * Expectation(dependent, x, dist))
    return sp.Add(*total)


def apply_moments(expr: sp.Expr) -> sp.Expr:
    """Replace every :class:`Expectation` of a power of its variable by the distribution's raw moment.

    Parameters
    ----------
    expr : sympy.Expr
        An expression containing expectations, such as the output of :func:`expand_expectation`.

    Returns
    -------
    sympy.Expr
        The expression with :math:`E[x^k]` replaced by :math:`m_k`; other expectations are left alone.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.symbolic import Normal
    >>> x, mu = sp.symbols("x mu", real=True)
    >>> apply_moments(3 * Expectation(x**2, x, Normal(mu, 2)))
    3*mu**2 + 12
    """

    def moment(node: Expectation) -> sp.Expr:
        f, x = node.integrand, node.variable
        if f.is_polynomial(x):
            poly = sp.Poly(f, x)
            if len(poly.terms()) == 1 and poly.LC() == 1:
                return node.distribution.raw_moment(poly.degree())
        return node

    return expr.replace(lambda e: isinstance(e, Expectation), moment)


def canonical_expectation(node: Expectation) -> sp.Basic:
    """``node`` built again with evaluation on, each absolute value in the one of its two signed forms that sorts
    first: an expectation kept unevaluated for printing, such as E|theta - a|, and E|a - theta| are then equal."""

    def rebuilt(expr: sp.Basic) -> sp.Basic:
        if not expr.args:
            return expr
        args = [rebuilt(arg) for arg in expr.args]
        if isinstance(expr, sp.Abs):
            return sp.Abs(min(args[0], -args[0], key=sp.default_sort_key), evaluate=False)
        return expr.func(*args)

    return rebuilt(node)


def expectation(expr: sp.Expr, x: sp.Symbol, dist: Distribution) -> sp.Expr:
    r"""The expectation of ``expr`` when ``x`` follows ``dist``, in closed form.

    Each term of the expanded integrand, with its factor free of ``x`` moved out (and an exponential of a
    sum split, :math:`e^{a + b x} = e^{a} e^{b x}`), is taken on its own:

    1. a term polynomial in ``x`` through the raw moments (:meth:`~lossbook.symbolic.Distribution.raw_moment`);
    2. any other term through the family's :meth:`~lossbook.symbolic.Distribution.known_expectation`;
    3. under a distribution on finitely many points, as the sum over them;
    4. a term with :math:`|x-c|` by integrating piece by piece between its kinks and the density's (with
       the kinks' order fixed by a positive symbol :math:`\delta` and restored as an absolute value
       afterwards), checked numerically on both sides of every kink.

    Nothing is integrated by brute force against :math:`p \log p`.

    Parameters
    ----------
    expr : sympy.Expr
        The function of ``x`` to average.
    x : sympy.Symbol
        The random variable.
    dist : Distribution
        The distribution of ``x``.

    Returns
    -------
    sympy.Expr
        The expectation.

    Raises
    ------
    NoClosedFormError
        If a term is of no kind the engine can take (a :class:`ValueError`); its ``equations`` hold that term.

    Notes
    -----
    Derived in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_; the hooks a reader's family
    can give are in `Your own likelihood <chapters/your_own_likelihood.html>`_.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.symbolic import Laplace, Normal
    >>> x, mu, c = sp.symbols("x mu c", real=True)
    >>> sigma, b = sp.symbols("sigma b", positive=True)
    >>> expectation((x - c)**2, x, Normal(mu, sigma))
    c**2 - 2*c*mu + mu**2 + sigma**2
    >>> expectation(sp.Abs(x - c), x, Laplace(mu, b))
    b*exp(-Abs(c - mu)/b) + Abs(c - mu)
    >>> expectation(sp.exp(-x), x, Normal(mu, sigma))
    exp(-mu + sigma**2/2)
    """
    expr = sp.sympify(expr)
    total = []
    for term in _expanded_terms(expr, x):
        coefficient, dependent = _split_term(term, x)
        if dependent == 1:
            total.append(coefficient)
            continue
        moments = None
        if dependent.is_polynomial(x):
            poly = sp.Poly(dependent, x)
            try:
                moments = sum(c * dist.raw_moment(k) for (k,), c in poly.terms())
            except ValueError as missing:  # no such moment: perhaps the family knows the term another way
                moments = missing
        if isinstance(moments, sp.Basic):
            total.append(coefficient * moments)
        else:
            total.append(coefficient * _nonpolynomial_expectation(dependent, x, dist, moments))
    return sp.Add(*total)


def _nonpolynomial_expectation(f: sp.Expr, x: sp.Symbol, dist: Distribution, moments: ValueError | None = None):
    value = dist.known_expectation(f, x)
    if value is not None:
        return value
    support = dist.support
    if dist.discrete and support.is_finite_set:
        return sp.Add(*[sp.exp(dist.log_density(k)) * f.xreplace({x: k}) for k in sorted(support)])
    if f.has(sp.Abs, sp.sign, sp.Heaviside) and not dist.discrete:
        return _piecewise_expectation(f, x, dist)
    if moments is not None:
        why = str(moments).removeprefix("k: ")  # the reason, without the name of raw_moment's argument
    elif f.is_polynomial(x):
        why = f"{type(dist).__name__} gives no raw_moment"
    else:
        why = (f"it is not polynomial in {x}, {type(dist).__name__}.known_expectation does not know it"
               + ("" if dist.discrete else ", and it has no kink to integrate between"))
    raise NoClosedFormError(f"expr: no rule for the expectation of {f} under {dist!r}: {why}", [f])


def _piecewise_expectation(f: sp.Expr, x: sp.Symbol, dist: Distribution) -> sp.Expr:
    """E[f] for f with kinks: the pieces between the kinks of f and of the density integrated symbolically."""
    from .checking import _Timeout

    try:
        with _own_cpu_limit(SYMBOLIC_SECONDS) as own:
            result = _integrate_pieces(f, x, dist)
    except _Timeout:
        if not own.in_force:
            raise
        raise NoClosedFormError(
            f"expr: the piecewise integration of {f} under {dist!r} took more than {SYMBOLIC_SECONDS:g} s of CPU time",
            [f],
        ) from None
    _check_both_orderings(f, x, dist, result)
    return result


def _integrate_pieces(f: sp.Expr, x: sp.Symbol, dist: Distribution) -> sp.Expr:
    density_kinks = list(dict.fromkeys(dist.kinks(x)))
    try:
        kinks = _kink_points(f, x)
    except ValueError as problem:
        raise NoClosedFormError(str(problem), [f]) from None
    if len(density_kinks) > 1:
        raise NoClosedFormError(f"expr: at most one kink of the density is supported, got {density_kinks}", [f])
    anchor = density_kinks[0] if density_kinks else kinks[0]
    others = sorted({k for k in kinks if sp.simplify(k - anchor) != 0}, key=sp.default_sort_key)
    if len(others) > 1:
        raise NoClosedFormError(f"expr: at most one kink away from the density's is supported, got {others}", [f])
    support = dist.support
    low, high = (support.inf, support.sup) if isinstance(support, sp.Interval) else (-sp.oo, sp.oo)
    u = sp.Dummy("u", real=True)
    delta = sp.Dummy("delta", positive=True)
    density = dist.density(x)
    restore = {}
    if not others:
        integrand = (f * density).subs(x, anchor + u)
        try:
            inside = [sp.sympify(low < anchor), sp.sympify(anchor < high)]
        except TypeError:  # a kink SymPy cannot compare with the ends of the support
            inside = [None, None]
        if all(side is sp.true for side in inside):
            edges = [low - anchor, sp.S.Zero, high - anchor]
        elif any(side is sp.false for side in inside):  # the kink lies outside the support, or at an end of it
            edges = [low - anchor, high - anchor]
        else:
            raise NoClosedFormError(
                f"expr: cannot tell whether the kink {anchor} of {f} lies inside the support {support} of {dist!r}", [f]
            )
    else:
        if (low, high) != (-sp.oo, sp.oo):
            raise NoClosedFormError(f"expr: two kinks ({anchor}, {others[0]}) are supported on the whole line only", [f])
        c = others[0]
        gap = sp.simplify(anchor - c)
        if gap.is_positive or gap.is_negative:  # the order is known (numbers, or assumptions): cut at both
            integrand = (f * density).subs(x, c + u)
            edges = [-sp.oo, *([gap, sp.S.Zero] if gap.is_negative else [sp.S.Zero, gap]), sp.oo]
        else:
            # Shift so the kink sits at 0 and the anchor at delta > 0; afterwards delta = |anchor - c|.
            if isinstance(anchor, sp.Symbol):
                shift = {anchor: c + delta}
            elif isinstance(c, sp.Symbol):
                shift = {c: anchor - delta}
            else:
                raise NoClosedFormError(f"expr: cannot order the kinks {c} and {anchor}: neither is a symbol", [f])
            integrand = (f * density).subs(x, c + u).subs(shift)
            edges = [-sp.oo, sp.S.Zero, delta, sp.oo]
            restore = {delta: sp.Abs(anchor - c)}
    pieces = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        middle = (lo + hi) / 2 if lo.is_finite and hi.is_finite else (hi - 1 if lo == -sp.oo else lo + 1)
        smooth = integrand.replace(
            lambda e: isinstance(e, sp.Abs) and e.args[0].has(u),
            lambda e: sp.sign(e.args[0].subs(u, middle)) * e.args[0],
        )
        if smooth.has(sp.sign):
            raise NoClosedFormError(f"expr: could not resolve the sign of a kink in {f} between {lo} and {hi}", [f])
        piece = sp.integrate(sp.expand(smooth), (u, lo, hi), conds="none")
        if piece.has(sp.Integral):
            raise NoClosedFormError(f"expr: SymPy found no antiderivative for a piece of {f} under {dist!r}", [f])
        pieces.append(piece)
    return sp.simplify(sp.Add(*pieces)).xreplace(restore)


def _check_both_orderings(f: sp.Expr, x: sp.Symbol, dist: Distribution, result: sp.Expr) -> None:
    """Compare a derived expectation with quadrature at points on both sides of every kink."""
    symbols = sorted((f.free_symbols - {x}) | dist.free_symbols, key=sp.default_sort_key)
    for sign in (1, -1):
        values = {}
        for position, s in enumerate(symbols):
            values[s] = sp.Rational(3 + position, 4) if s.is_positive else sp.Rational(sign * (1 + 2 * position), 3)
        numeric_dist = type(dist)(*(p.xreplace(values) for p in dist.params))
        expected = numeric_expectation(f.xreplace(values), x, numeric_dist)
        got = sp.N(result.xreplace(values), QUADRATURE_DIGITS)
        if abs(mpmath.mpf(str(got)) - expected) > mpmath.mpf("1e-15") * max(1, abs(expected)):
            raise ValueError(f"expr: derived expectation {result} disagrees with quadrature at {values}")
