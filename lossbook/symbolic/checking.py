"""The checks behind :class:`~lossbook.symbolic.Derivation`: is a step equal to the one before, does it keep its
minimisers, is a substitution a legitimate special case?

What a check guarantees
    An *equal* step was evaluated, together with the line before it, at every sample point, and the two values
    agree to 35 significant digits (evaluated at 50 digits, and again at 150 and 300 digits wherever the
    first comparison fails, so that rounding never decides). The points cover each symbol's domain across
    scales -- reals of both signs with magnitudes from :math:`10^{-6}` to :math:`10^{6}`, positive symbols over
    the same magnitudes, integers and data sizes far beyond 5 -- and lie on both sides of, and on, every
    threshold found in either line: conditions of ``Piecewise`` and relational comparisons, the arguments of
    ``Abs``, ``sign`` and ``Heaviside``, the pairwise differences inside ``Max`` and ``Min``, including
    constants such as ``1e-7`` in a clamp. Data under sums (``IndexedBase``) are drawn per entry over the same
    scales. A *same minimisers* step passed the same points, with the optimised variables moved to several
    other sampled values at each: the changes of the new line must be one positive multiple of the changes of
    the old one. A *substitution* is computed (simultaneously, by SymPy), its values respect the assumptions
    and declared domains of the symbols they replace, and it is recomputed numerically at the sample points.
    Expectations are integrated at the working precision with an error estimate, and the tolerance of the
    comparison is derived from that estimate; an infinite series counts only where its convergence at the
    point is established (a ratio test with a bound on the tail; for terms that are powers of polynomials in
    the index, up to a sign :math:`(-1)^k`, comparison with a p-series or the alternating-series test; else
    SymPy's ``is_convergent``), with the sum then accelerated only when the accelerated value does not move
    when the precision rises by 20 digits. When SymPy
    proves the step within its CPU-time budget, the label says so.

What a check does not guarantee
    Without a symbolic proof, a step is shown true only at the points tried: a mistake confined to a region
    none of them reaches (beyond :math:`10^{6}`, between two thresholds that are never straddled together,
    at data sizes above those listed, at a single point where the two lines are undefined) is not seen.
    Points where either line is undefined (a division by zero, a logarithm of zero) or cannot be evaluated
    stably even at 300 digits are skipped; at least half of the points must be decided. Steps holding an
    expectation or an infinite series are sampled over narrower ranges (magnitudes from :math:`10^{-2}` to
    :math:`10^{2}`), which the label states. The labels list what was covered; nothing else is claimed.

Every failure while checking -- a wrong step, a divergent series, a symbol that cannot be sampled, an
unevaluated derivative, a quadrature that is not accurate enough, a check that exceeds its CPU-time limit --
raises :class:`DerivationError` naming the step. Each check returns a :class:`Check`, the record of what was
verified, which the derivation prints under its block.

Domains a reader can declare, per symbol or per ``IndexedBase`` of data (``domains={p: "probability"}``):
``"real"``, ``"positive"``, ``"nonnegative"``, ``"negative"``, ``"probability"`` (the open interval (0, 1)),
``"binary"`` (0 or 1), ``"count"`` (0, 1, 2, ...), ``"size"`` (1, 2, 3, ...), ``"integer"``, or a pair of
numbers ``(low, high)`` for the open interval between them (either end may be infinite).

The engine is introduced in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.
"""

from __future__ import annotations

import math
import gc
import random
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import mpmath
import sympy as sp

from .expectation import Expectation, canonical_expectation

__all__ = ["Check", "Checker", "DerivationError", "DOMAIN_NAMES"]

DIGITS = 50
#: Precisions (decimal digits) a failing comparison is repeated at before a step is refused.
ESCALATION = (150, 300)
EXACT_TOLERANCE = mpmath.mpf("1e-35")
#: An expectation or series whose error estimate exceeds this (relative) cannot decide a step.
ACCURACY_NEEDED = mpmath.mpf("1e-25")
#: Working precision of quadrature and of infinite series (decimal digits).
NUMERIC_DIGITS = 45
#: Terms of an infinite series summed before the convergence test falls back on SymPy.
MAX_SERIES_TERMS = 600
MAX_UNROLLED_TERMS = 10_000
_PREC = 170  # bits of every sampled value (50 digits and then some), so it is exact at any working precision

#: The domain names accepted by ``Checker(domains=...)`` (besides a ``(low, high)`` pair).
DOMAIN_NAMES = ("real", "positive", "nonnegative", "negative", "probability", "binary", "count", "size", "integer")


class DerivationError(ValueError):
    """A derivation step that does not follow from the one before it, or that could not be checked.

    Introduced in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.
    """


DerivationError.__module__ = "lossbook.symbolic"  # where readers import it from


# -- what was verified ------------------------------------------------------------------------------------------


@dataclass
class Check:
    """What was verified about one step.

    Attributes
    ----------
    how : list of str
        One phrase per method, the symbolic one first when there is a proof; :meth:`describe` joins them.
    kind : str
        ``"equal"``, ``"argmin"`` or ``"substitute"``.
    points : int
        Sample points at which the step was decided.
    skipped : int
        Sample points skipped because a line is undefined there.
    ranges : tuple of str
        The ranges the points were drawn from, one phrase per kind of symbol.
    thresholds : tuple of str
        The thresholds (LaTeX) on both sides of which points were placed.
    symbolic : str or None
        The symbolic proof found, if any.
    """

    how: list = field(default_factory=list)
    kind: str = "equal"
    points: int = 0
    skipped: int = 0
    ranges: tuple = ()
    thresholds: tuple = ()
    symbolic: str | None = None

    def describe(self) -> str:
        """The phrase printed after "Checked:" under a derivation (one line of Markdown, may hold ``$...$``).

        Examples
        --------
        >>> Check(["symbolic proof (simplify)", "16 random points at 50 digits: reals in ±[1e-6, 1e6]"]).describe()
        'symbolic proof (simplify); 16 random points at 50 digits: reals in ±[1e-6, 1e6]'
        """
        return "; ".join(self.how)


class _Timeout(Exception):
    pass


class _Unchecked(Exception):
    """A value that cannot be trusted (a series not shown to converge, an inaccurate quadrature)."""


def _in_finaliser(frame) -> bool:
    """Whether the code the signal interrupted runs inside a garbage-collector callback or a ``__del__``."""
    callbacks = {getattr(callback, "__code__", None) for callback in gc.callbacks}
    for _ in range(8):
        if frame is None:
            return False
        if frame.f_code in callbacks or frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


@contextmanager
def _time_limit(seconds: float):
    """Raise _Timeout after ``seconds`` of this process's CPU time.

    CPU time, not wall-clock time: on a busy machine a wall-clock limit would let the same step be confirmed
    symbolically in one run and not in the next, and the stored "Checked:" line would change. Only in the
    main thread; elsewhere no symbolic attempt is made.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        raise _Timeout

    def handler(signum, frame):
        if _in_finaliser(frame):
            # An exception raised inside a garbage-collector callback or a __del__ is swallowed, and the limit
            # would be lost: try again a few milliseconds later, once the finaliser has returned.
            signal.setitimer(signal.ITIMER_PROF, 0.005)
            return
        raise _Timeout

    previous = signal.signal(signal.SIGPROF, handler)
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_PROF, seconds)
    started = time.process_time()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        if outer_delay:  # give back a profiling timer someone else had set, minus the CPU time spent here
            remaining = max(outer_delay - (time.process_time() - started), 1e-3)
            signal.setitimer(signal.ITIMER_PROF, remaining, outer_interval)


@contextmanager
def _cpu_limit(seconds: float | None):
    """Like :func:`_time_limit` for numeric work, but outside the main thread it runs without a limit."""
    if seconds is None or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    with _time_limit(seconds):
        yield


# -- domains ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Domain:
    kind: str  # "real", "positive", "nonnegative", "negative", "interval", "binary", "count", "size", "integer"
    low: float = -math.inf
    high: float = math.inf

    @property
    def integer(self) -> bool:
        return self.kind in ("binary", "count", "size", "integer")

    def contains(self, value) -> bool:
        if isinstance(value, mpmath.mpc) or not mpmath.isfinite(value):
            return False
        if self.integer and value != mpmath.floor(value):
            return False
        if self.kind in ("positive", "size"):
            return value > 0
        if self.kind in ("nonnegative", "count"):
            return value >= 0
        if self.kind == "negative":
            return value < 0
        if self.kind == "binary":
            return value in (0, 1)
        if self.kind == "interval":
            return self.low < value < self.high
        return True


def _domain_of_assumptions(symbol: sp.Symbol) -> _Domain:
    if symbol.is_integer:
        if symbol.is_positive:
            return _Domain("size")
        if symbol.is_nonnegative:
            return _Domain("count")
        return _Domain("integer")
    if symbol.is_positive:
        return _Domain("positive")
    if symbol.is_nonnegative:
        return _Domain("nonnegative")
    if symbol.is_negative:
        return _Domain("negative")
    return _Domain("real")


def _parse_domain(key, spec) -> _Domain:
    if isinstance(spec, str):
        if spec not in DOMAIN_NAMES:
            raise ValueError(f"domains: unknown domain {spec!r} for {key}; use one of {', '.join(DOMAIN_NAMES)} or (low, high)")
        if spec == "probability":
            return _Domain("interval", 0.0, 1.0)
        return _Domain(spec)
    if isinstance(spec, tuple) and len(spec) == 2:
        try:
            low, high = (float(sp.sympify(s)) for s in spec)
        except (TypeError, ValueError, sp.SympifyError):
            raise ValueError(f"domains: the bounds of {key} must be numbers, got {spec!r}") from None
        if not low < high:
            raise ValueError(f"domains: the interval of {key} must have low < high, got {spec!r}")
        if low == -math.inf and high == math.inf:
            return _Domain("real")
        return _Domain("interval", low, high)
    raise ValueError(f"domains: the domain of {key} must be a name or a (low, high) pair, got {spec!r}")


def _compatible(symbol, domain: _Domain) -> bool:
    """Whether every value of ``domain`` satisfies the assumptions of ``symbol``."""
    low = {"positive": 0, "nonnegative": 0, "count": 0, "size": 1, "binary": 0}.get(domain.kind, domain.low)
    if domain.kind == "negative":
        low = -math.inf
    closed_zero = domain.kind in ("nonnegative", "count", "binary")
    high = 0 if domain.kind == "negative" else domain.high
    if symbol.is_integer and not domain.integer:
        return False
    if symbol.is_positive and (low < 0 or (low == 0 and closed_zero)):
        return False
    if symbol.is_nonnegative and low < 0:
        return False
    if symbol.is_negative and high > 0:
        return False
    return True


# -- thresholds -------------------------------------------------------------------------------------------------


def _thresholds(expr: sp.Expr) -> list[tuple[sp.Expr, sp.Expr]]:
    """Pairs (left, right) whose comparison changes the expression's branch, free of bound variables."""
    found = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Abs, sp.sign, sp.Heaviside)):
            found.append((node.args[0], sp.S.Zero))
        elif isinstance(node, (sp.Max, sp.Min)):
            found.extend((a, b) for k, a in enumerate(node.args) for b in node.args[k + 1 :])
        elif isinstance(node, sp.core.relational.Relational):
            found.append((node.lhs, node.rhs))
    free = expr.free_symbols
    kept, seen = [], set()
    for left, right in found:
        difference = left - right
        symbols = difference.free_symbols
        if not symbols or not symbols <= free or any(not isinstance(s, sp.Symbol) for s in symbols):
            continue
        if difference in seen or -difference in seen:
            continue
        seen.add(difference)
        kept.append((left, right))
    return kept


def _kink_arguments(expr: sp.Expr) -> list[sp.Expr]:
    """Differences whose sign changes the expression's branch (see :func:`_thresholds`)."""
    return [left - right for left, right in _thresholds(expr)]


# -- points -----------------------------------------------------------------------------------------------------


def _mpf(value) -> mpmath.mpf:
    with mpmath.workprec(_PREC):
        return mpmath.mpf(value)


def _to_sympy(value) -> sp.Expr:
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, mpmath.mpf) and value == int(value) and abs(value) < 2**60:
        return sp.Integer(int(value))
    return sp.Float._new(mpmath.mpf(value)._mpf_, _PREC)


class _Point:
    """Values of the free symbols, plus data values for indexed symbols (drawn when first needed).

    A data value depends only on the point's seed and the indexed symbol's name, not on the order in which
    values are asked for, so evaluating sums in any order sees the same data. Values are mpmath numbers of
    170 bits (exact at every working precision).
    """

    def __init__(self, values: dict, seed: int, data_sampler=None):
        self.values = values
        self.seed = seed
        self.data: dict = {}
        self.data_sampler = data_sampler

    def with_values(self, values: dict) -> "_Point":
        """The same data at other values of the free symbols."""
        other = _Point(values, self.seed, self.data_sampler)
        other.data = self.data
        return other

    def data_value(self, indexed: sp.Indexed):
        key = str(indexed)
        if key not in self.data:
            rng = random.Random(f"{self.seed}/{key}")
            if self.data_sampler is not None:
                self.data[key] = self.data_sampler(indexed.base, rng)
            else:
                self.data[key] = _draw(_domain_of_assumptions(indexed.base.label), rng.choice(_STRATA), rng, "wide", 60)
        return self.data[key]

    def sympy_values(self) -> dict:
        return {s: _to_sympy(v) for s, v in self.values.items()}

    def describe(self) -> str:
        def show(v):
            return mpmath.nstr(v, 6) if not (isinstance(v, int) or v == int(v)) else str(int(v))

        parts = [f"{s} = {show(v)}" for s, v in self.values.items()]
        parts += [f"{k} = {show(v)}" for k, v in sorted(self.data.items())[:8]]
        if len(self.data) > 8:
            parts.append(f"... ({len(self.data)} data values)")
        return ", ".join(parts) if parts else "(no free symbols)"


_STRATA = ("ordinary", "ordinary", "tiny", "huge")
#: log10 of the magnitudes of each stratum, for the wide profile and for steps with quadrature or series.
_MAGNITUDES = {
    "wide": {"tiny": (-6.0, -2.0), "ordinary": (-0.52, 0.65), "huge": (2.0, 6.0)},
    "moderate": {"tiny": (-2.0, -0.52), "ordinary": (-0.52, 0.65), "huge": (0.65, 2.0)},
    "exponent": {"tiny": (-6.0, -2.0), "ordinary": (-0.52, 0.65), "huge": (0.65, 2.0)},
}
_RANGE_TEXT = {"wide": "[1e-6, 1e6]", "moderate": "[1e-2, 1e2]", "exponent": "[1e-6, 1e2]"}


def _magnitude(stratum: str, rng: random.Random, profile: str):
    low, high = _MAGNITUDES[profile][stratum]
    with mpmath.workprec(_PREC):
        return mpmath.mpf(10) ** mpmath.mpf(rng.uniform(low, high))


def _draw(domain: _Domain, stratum: str, rng: random.Random, profile: str, max_size: int, negative: bool = None):
    """One value of ``domain`` in the given stratum (``tiny``, ``ordinary``, ``huge``)."""
    if negative is None:
        negative = rng.random() < 0.5
    kind = domain.kind
    if kind == "binary":
        return _mpf(rng.randint(0, 1))
    if kind in ("count", "size", "integer"):
        first = 1 if kind == "size" else 0
        if stratum == "ordinary":
            value = rng.randint(first, 5)
        elif stratum == "tiny":
            value = rng.randint(max(first, 6), max(6, min(20, max_size)))
        else:
            top = max_size if kind == "size" else (max_size if profile == "moderate" else 10_000)
            value = rng.randint(max(6, top // 3), max(6, top))
        return _mpf(-value if kind == "integer" and negative else value)
    if kind == "interval":
        low, high = domain.low, domain.high
        with mpmath.workprec(_PREC):
            if math.isinf(low) or math.isinf(high):
                m = _magnitude(stratum, rng, profile)
                return mpmath.mpf(high) - m if math.isinf(low) else mpmath.mpf(low) + m
            width = mpmath.mpf(high) - mpmath.mpf(low)
            if stratum == "ordinary":
                return mpmath.mpf(low) + width * mpmath.mpf(rng.uniform(0.02, 0.98))
            offset = width * mpmath.mpf(10) ** mpmath.mpf(rng.uniform(-6.0, -2.0))
            return mpmath.mpf(low) + offset if stratum == "tiny" else mpmath.mpf(high) - offset
    value = _magnitude(stratum, rng, profile)
    if kind == "negative" or (kind == "real" and negative):
        return -value
    return value


def _scalar_symbols(expr: sp.Basic) -> set:
    """Free scalar symbols of ``expr``: the label of an ``IndexedBase`` counts only where it also occurs alone."""
    if isinstance(expr, sp.Symbol):
        return {expr}
    if isinstance(expr, sp.IndexedBase):
        return set()
    if isinstance(expr, sp.Indexed):
        return set().union(*(_scalar_symbols(index) for index in expr.indices))
    if isinstance(expr, (sp.Sum, sp.Product)):
        found = _scalar_symbols(expr.function)
        for index, low, high in reversed(expr.limits):
            found = (found - {index}) | _scalar_symbols(low) | _scalar_symbols(high)
        return found
    if isinstance(expr, Expectation):
        return (_scalar_symbols(expr.integrand) - {expr.variable}).union(*(_scalar_symbols(p) for p in expr.args[4:]))
    if isinstance(expr, (sp.Integral, sp.Derivative, sp.Lambda, sp.Limit)):
        return {s for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    return set().union(*(_scalar_symbols(arg) for arg in expr.args)) if expr.args else set()


def _variables(*exprs: sp.Expr) -> list[sp.Symbol]:
    """Free scalar symbols (a symbol named like an IndexedBase is a symbol of its own, and is sampled)."""
    symbols = set().union(*(_scalar_symbols(e) for e in exprs))
    return sorted(symbols, key=sp.default_sort_key)


def _size_symbols(*exprs: sp.Expr) -> tuple[set, int, set]:
    """Integer symbols that bound a sum or product or index data, the deepest nesting of sums, and which of
    those symbols bound a sum or product (a bound is a count; an index offset such as a shift may be negative)."""
    sizes, bounds, depth = set(), set(), 0
    for expr in exprs:
        for node in sp.preorder_traversal(expr):
            if isinstance(node, (sp.Sum, sp.Product)):
                for _, low, high in node.limits:
                    found = {s for s in (low.free_symbols | high.free_symbols) if isinstance(s, sp.Symbol)}
                    sizes |= found
                    bounds |= found
            elif isinstance(node, sp.Indexed):
                for index in node.indices:
                    sizes |= {s for s in index.free_symbols if isinstance(s, sp.Symbol)}

        def nesting(node) -> int:
            inner = max((nesting(a) for a in node.args), default=0)
            return inner + (len(node.limits) if isinstance(node, (sp.Sum, sp.Product)) else 0)

        depth = max(depth, nesting(expr))
    return sizes, depth, bounds


_EXPONENTIAL = (sp.exp, sp.sinh, sp.cosh, sp.gamma, sp.factorial)


def _exponential_symbols(*exprs: sp.Expr) -> set:
    """Symbols and data inside the argument of an exponential-type function or in a variable exponent.

    Their magnitudes stop at 1e2: e^100 is within reach of 150-digit evaluation, while at
    1e6 a cancellation such as cosh(x)^2 - sinh(x)^2 would need 400 000 digits.
    """
    found = set()
    for expr in exprs:
        for node in sp.preorder_traversal(expr):
            inner = None
            if isinstance(node, _EXPONENTIAL) or type(node).__name__ in ("sigmoid", "softplus"):
                inner = node.args[0]
            elif isinstance(node, sp.Pow) and node.exp.free_symbols:
                inner = node.exp
            if inner is not None:
                found |= {s for s in inner.free_symbols if isinstance(s, sp.Symbol)}
                found |= {i.base for i in inner.atoms(sp.Indexed)}
    return found


def _has_series(expr: sp.Expr) -> bool:
    return any(isinstance(n, (sp.Sum, sp.Product)) and any(h.has(sp.oo, -sp.oo) or l.has(sp.oo, -sp.oo) for _, l, h in n.limits)
               for n in sp.preorder_traversal(expr))


# -- the compiled evaluator ---------------------------------------------------------------------------------------


class _NotCompiled(Exception):
    """An expression the compiled evaluator does not handle; the slower evalf route is used instead."""


def _as_integer(value) -> int:
    if isinstance(value, mpmath.mpc) or not mpmath.isfinite(value) or value != int(value):
        raise _NotCompiled
    return int(value)


_PROGRAMS: dict = {}
_ERRORS: list = []  # error estimates of the quadratures and series of the evaluation under way


def _program(expr: sp.Expr):
    """A function ``(env, point) -> mpmath number`` evaluating ``expr``; ``env`` maps symbols to mpmath numbers.

    Sums and products with integer limits become loops over their terms, indexed symbols become look-ups of
    the point's data and expectations become quadratures, around mpmath functions made by ``lambdify``: each
    step is compiled once for all its sample points. ``None`` for an expression this does not handle.
    """
    if expr in _PROGRAMS:
        return _PROGRAMS[expr]
    if len(_PROGRAMS) > 2000:
        _PROGRAMS.clear()
    try:
        program = _build_program(expr)
    except Exception:  # _NotCompiled, or anything lambdify raises: the evalf route handles it
        program = None
    _PROGRAMS[expr] = program
    return program


def _build_program(expr: sp.Expr):
    if isinstance(expr, (sp.Sum, sp.Product)):
        return _loop_program(expr)
    if isinstance(expr, sp.Indexed):
        return _data_program(expr)
    if isinstance(expr, Expectation):
        return _expectation_program(expr)
    parts: dict = {}

    def collect(node):
        if isinstance(node, (sp.Sum, sp.Product, sp.Indexed, Expectation)):
            parts.setdefault(node, sp.Dummy())
            return
        for arg in node.args:
            collect(arg)

    collect(expr)
    part_programs = {parts[node]: _program(node) for node in parts}
    if any(program is None for program in part_programs.values()):
        raise _NotCompiled
    rest = expr.xreplace(parts)
    if rest.atoms(sp.IndexedBase, sp.Idx):
        raise _NotCompiled
    arguments = tuple(sorted(rest.free_symbols, key=sp.default_sort_key))
    function = sp.lambdify(arguments, rest, modules="mpmath")

    def run(env: dict, point: "_Point"):
        values = []
        for symbol in arguments:
            if symbol in part_programs:
                values.append(part_programs[symbol](env, point))
            elif symbol in env:
                values.append(env[symbol])
            else:
                raise _NotCompiled
        return function(*values)

    return run


def _expectation_program(expr: Expectation):
    from .distributions import family
    from .expectation import numeric_expectation

    symbols = sorted(expr.free_symbols, key=sp.default_sort_key)
    if any(not isinstance(s, sp.Symbol) for s in symbols):
        raise _NotCompiled
    integrand, variable, cls, params = expr.integrand, expr.variable, family(expr.args[2].name), expr.args[4:]

    def run(env: dict, point: "_Point"):
        values = {s: _to_sympy(env[s]) for s in symbols}
        dist = cls(*(p.xreplace(values) for p in params))
        value, error = numeric_expectation(integrand.xreplace(values), variable, dist, digits=max(NUMERIC_DIGITS, mpmath.mp.dps - 5), error=True)
        _ERRORS.append(error)
        return value

    return run


def _loop_program(expr: sp.Expr):
    inner = expr.func(expr.function, *expr.limits[:-1]) if len(expr.limits) > 1 else expr.function
    index, low, high = expr.limits[-1]
    body, low_program, high_program = _program(inner), _program(low), _program(high)
    if body is None or low_program is None or high_program is None:
        raise _NotCompiled
    is_sum = isinstance(expr, sp.Sum)

    def run(env: dict, point: "_Point"):
        first, end = _as_integer(low_program(env, point)), high_program(env, point)
        inner_env = dict(env)
        if end == mpmath.inf:
            if not is_sum:
                raise _Unchecked(f"the infinite product {expr} is not evaluated")

            def term(k):
                inner_env[index] = mpmath.mpf(k)
                return body(inner_env, point)

            value, error = _sum_series(term, first, inner, index, env)
            _ERRORS.append(error)
            return value
        last = _as_integer(end)
        if last - first >= MAX_UNROLLED_TERMS:
            raise _NotCompiled
        total = mpmath.mpf(0) if is_sum else mpmath.mpf(1)
        for k in range(first, last + 1):
            inner_env[index] = mpmath.mpf(k)
            term = body(inner_env, point)
            total = total + term if is_sum else total * term
        return total

    return run


#: Convergence verdicts and sums of series whose summand is a number at the point, keyed by that summand:
#: a step with a parameter-free series (or a point drawn twice) settles it once, not at every point.
_SERIES: dict = {}


def _sum_series(term, first: int, summand: sp.Expr | None = None, index=None, env: dict | None = None):
    """The sum of ``term(k)`` for k from ``first`` to infinity and an error bound, or :class:`_Unchecked`.

    Convergence must be established at this point: by the ratio test on the terms summed (the last ratios all
    below some q < 1, and the tail bounded by :math:`|t_k|\\,q/(1-q)`); or, where the ratio tends to 1, by the
    order of the summand at the point when it is (up to a sign :math:`(-1)^k`) a product of powers of
    polynomials in k -- a p-series comparison for terms of one sign, the alternating-series test (terms of
    eventually decreasing magnitude tending to 0) for alternating ones; or else by SymPy's ``is_convergent``.
    After the last two, mpmath's accelerated ``nsum`` is used only if its own error estimate is small and
    it agrees with a second run at higher precision. Acceleration alone is never trusted: it returns
    analytic continuations, such as :math:`\\sum_k 2^k = -1`.
    """
    at_point = None
    if summand is not None and env is not None:
        values = {s: _to_sympy(v) for s, v in env.items() if isinstance(s, sp.Symbol)}
        candidate = summand.xreplace(values)
        if not (candidate.free_symbols - {index}):
            at_point = candidate
    key = (at_point, index, first, mpmath.mp.prec) if at_point is not None else None
    if len(_SERIES) > 2000:
        _SERIES.clear()
    if key is not None and key in _SERIES:
        value, error = _SERIES[key]
        if isinstance(value, Exception):  # the same verdict as before: diverges, or falls back on SymPy
            raise type(value)(*value.args)
        return value, error
    try:
        result = _sum_series_at(term, first, at_point, index)
    except (_Unchecked, _NotCompiled) as problem:
        if key is not None:
            _SERIES[key] = (problem, None)
        raise
    if key is not None:
        _SERIES[key] = result
    return result


def _sum_series_at(term, first: int, at_point: sp.Expr | None, index):
    total, previous, ratios, zeros, absolute = mpmath.mpf(0), None, [], 0, mpmath.mpf(0)
    summed = 0
    for k in range(first, first + MAX_SERIES_TERMS):
        t = term(k)
        summed += 1
        if isinstance(t, mpmath.mpc) or not mpmath.isfinite(t):
            raise _Unchecked(f"a term of the series is not a finite real number at k = {k}")
        total += t
        absolute += abs(t)
        zeros = zeros + 1 if t == 0 else 0
        if zeros >= 40:
            return total, absolute * mpmath.eps * 4
        if previous not in (None, 0) and t != 0:
            ratios.append(abs(t / previous))
        previous = t
        if len(ratios) >= 8:
            recent = ratios[-6:]
            q = max(recent)
            if q < mpmath.mpf("0.98") and all(b <= a * (1 + mpmath.mpf("1e-6")) for a, b in zip(recent, recent[1:])):
                tail = abs(t) * q / (1 - q)
                if tail <= mpmath.eps * 10 * max(abs(total), mpmath.mpf("1e-300")):
                    return total, tail + absolute * mpmath.eps * 4  # the tail, and rounding in the partial sums
        if len(ratios) >= 40:
            recent = ratios[-30:]
            if min(recent) >= 1 and all(b >= a * (1 - mpmath.mpf("1e-9")) for a, b in zip(recent, recent[1:])):
                break  # terms that do not shrink, at ratios that do not fall: the ratio test says it diverges
    verdict, method, shape = None, None, None
    if len(ratios) >= 30:  # the ratio test: the last ratios all below 1 and not rising
        recent = ratios[-30:]
        if max(recent) < 1 and all(b <= a * (1 + mpmath.mpf("1e-9")) for a, b in zip(recent, recent[1:])):
            verdict = True
    if verdict is None and at_point is not None:
        verdict, method, shape = _order_test(at_point, index, first, first + summed)
        if verdict is None:
            try:
                with _time_limit(2.0):
                    verdict = sp.Sum(at_point, (index, first, sp.oo)).is_convergent()
            except _Timeout:
                verdict = None
            except Exception:
                verdict = None
            if verdict is not None:
                method = "SymPy's is_convergent"
    if verdict is sp.false or verdict is False:
        raise _Unchecked(f"the series diverges at this point ({method})")
    if verdict is not sp.true and verdict is not True:
        raise _Unchecked("convergence of the series at this point is not established (ratio test inconclusive, "
                         "SymPy's is_convergent undecided)")
    # The series converges; now its sum. Each method runs at the working precision and again 20 digits higher,
    # and the change between the two is its error estimate (mpmath's nsum has none of its own: error=True is
    # ignored), which a trustworthy value does not show.
    methods = []
    if shape is not None and shape[0] == "alternating":
        methods.append(lambda: _alternating_sum(term, first, shape[1]))
    if shape is not None and shape[0] == "smooth":
        methods.append(lambda: _smooth_sum(term, first, shape[1]))
    methods.append(lambda: mpmath.nsum(term, [first, mpmath.inf]))
    error = None
    for method_sum in methods:
        try:
            value = method_sum()
            with mpmath.workdps(mpmath.mp.dps + 20):
                finer = method_sum()
        except _Timeout:
            raise
        except Exception:
            continue
        if isinstance(value, mpmath.mpc) or isinstance(finer, mpmath.mpc) or not mpmath.isfinite(value):
            continue
        error = abs(finer - value) + mpmath.eps * abs(value)
        if error <= ACCURACY_NEEDED * max(1, abs(value)):
            return value, error
    if at_point is not None:
        raise _NotCompiled  # SymPy's summation and evalf decide the value (convergence is established above)
    raise _Unchecked("the series converges but its sum is not known accurately"
                     + (f" (only to about {mpmath.nstr(error, 3)})" if error is not None else ""))


def _alternating_sum(term, first: int, alternating_from: int):
    """Sum of a series whose terms alternate in sign from ``alternating_from`` on: the terms before it directly,
    the rest by the acceleration of Cohen, Rodriguez Villegas and Zagier.

    Exact for terms :math:`(-1)^k a_k` with :math:`a_k` a moment sequence (such as :math:`1/(2k+1)`), with
    error about :math:`5.8^{-n}` after n terms; for other terms its value moves with n, which the comparison
    at two precisions (two values of n) shows.
    """
    start = max(first, alternating_from)
    head = mpmath.fsum(term(k) for k in range(first, start))
    n = int(mpmath.mp.dps / 0.76) + 8
    sign = 1 if term(start) >= 0 else -1
    d = (3 + mpmath.sqrt(8)) ** n
    d = (d + 1 / d) / 2
    b, c, total = mpmath.mpf(-1), -d, mpmath.mpf(0)
    for k in range(n):
        magnitude = term(start + k) * sign * (-1) ** k
        c = b - c
        total += c * magnitude
        b = (k + n) * (k - n) * b / ((k + mpmath.mpf(1) / 2) * (k + 1))
    return head + sign * total / d


def _smooth_sum(term, first: int, smooth_from: int):
    """Sum of a series whose term is a smooth function of k from ``smooth_from`` on (past every root): the
    terms before it directly, the rest by Euler-Maclaurin summation."""
    start = max(first, smooth_from)
    head = mpmath.fsum(term(k) for k in range(first, start))
    return head + mpmath.nsum(term, [start, mpmath.inf], method="euler-maclaurin")


def _order_test(summand: sp.Expr, index, first: int, checked: int):
    """``(verdict, method, shape)`` for a summand that is a number times :math:`(-1)^{ck}` times powers of
    polynomials in k.

    With :math:`|t_k| \\sim C k^{-p}` (p from the degrees and exponents, exactly), terms of one sign converge
    if and only if p > 1 (comparison with a p-series) and alternating terms if and only if p > 0 (terms tend to
    0 if and only if p > 0, and a product of powers of polynomials is eventually monotone, so the
    alternating-series test applies). Every root of the polynomials lies below ``checked`` (a Cauchy bound), so
    no term beyond those already summed is undefined. ``shape`` is ``("alternating", bound)`` or
    ``("smooth", bound)`` with ``bound`` an integer beyond every root. ``(None, None, None)`` for any other
    summand, or when a leading coefficient is too small to trust or p is too close to its threshold to decide.
    """
    k = sp.Dummy("k", real=True)  # the continuous variable; the summation index is an integer
    undecided = (None, None, None)
    try:
        expr = sp.together(summand.xreplace({index: k}))
        alternating = False
        order = sp.S.Zero
        bound = mpmath.mpf(first)
        for factor in sp.Mul.make_args(expr):
            base, exponent = factor.as_base_exp()
            if not factor.has(k):
                if not factor.is_number or factor.is_zero or factor.is_real is False:
                    return undecided
                continue
            if base == -1:  # a sign (-1)^(c k + d)
                poly = sp.Poly(exponent, k)
                if poly.degree() != 1 or not all(c.is_integer for c in poly.all_coeffs()):
                    return undecided
                alternating ^= bool(poly.all_coeffs()[0] % 2)
                continue
            if exponent.has(k) or not exponent.is_number or exponent.is_real is False:
                return undecided
            if not base.is_polynomial(k):
                return undecided
            poly = sp.Poly(base, k)
            coefficients = [mpmath.mpf(c._to_mpmath(_PREC)) if isinstance(c, sp.Float) else mpmath.mpf(sp.N(c, 60))
                            for c in poly.all_coeffs()]
            lead, rest = coefficients[0], coefficients[1:]
            if lead == 0 or (rest and abs(lead) < mpmath.mpf("1e-30") * max(abs(c) for c in rest)):
                return undecided
            if rest:
                cauchy = 1 + max(abs(c / lead) for c in rest)
                if cauchy >= checked:
                    return undecided  # a root where no term has been looked at
                bound = max(bound, cauchy)
            order += exponent * poly.degree()
        p = -order
        threshold = 0 if alternating else 1
        gap = mpmath.mpf(sp.N(p - threshold, 60)) if not (p - threshold).is_Rational else None
        if gap is not None and abs(gap) < mpmath.mpf("1e-20"):
            return undecided
        converges = bool(p > threshold)
    except Exception:
        return undecided
    test = "the alternating-series test" if alternating else "comparison with a p-series"
    shape = ("alternating" if alternating else "smooth", int(mpmath.floor(bound)) + 1)
    return converges, f"{test}: terms of order k^-{sp.N(p, 6) if not p.is_Rational else p}", shape


def _data_program(expr: sp.Indexed):
    index_programs = [_program(index) for index in expr.indices]
    if any(program is None for program in index_programs):
        raise _NotCompiled
    base = expr.base

    def run(env: dict, point: "_Point"):
        indices = tuple(sp.Integer(_as_integer(program(env, point))) for program in index_programs)
        return +point.data_value(base[indices])

    return run


def _evaluate(expr: sp.Expr, point: _Point, digits: int = DIGITS):
    """Evaluate an expression at a point with mpmath; an mpmath number (possibly complex or nan).

    Error estimates of quadratures and series met on the way are appended to ``_ERRORS``.
    """
    program = _program(expr)
    with mpmath.workdps(digits):
        if program is not None:
            try:
                value = program(dict(point.values), point)
            except (_Unchecked, _Timeout):
                raise
            except (ZeroDivisionError, OverflowError, ValueError):
                return mpmath.nan
            except Exception:  # _NotCompiled at this point: the evalf route below decides
                value = None
            if isinstance(value, (int, float, complex)):
                value = mpmath.mpmathify(value)
            if isinstance(value, (mpmath.mpf, mpmath.mpc)):
                return value
        if expr.has(Expectation):
            raise _Unchecked(f"could not evaluate {expr} numerically")
        value = expr.xreplace(point.sympy_values())
        if value.has(sp.Sum, sp.Product):
            try:
                value = value.doit()
            except RecursionError:  # SymPy recurses without end on, for example, a sum up to a non-integer
                raise _Unchecked(f"could not evaluate {expr} numerically: symbolic summation did not finish") from None
        value = _fill_data(value, point)
        number = sp.N(value, digits)
        if number.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            return mpmath.nan
        if not number.is_number:
            raise _Unchecked(f"could not evaluate {expr} numerically: {number} is left")
        try:
            return mpmath.mpmathify(complex(number)) if not number.is_real else mpmath.mpf(number._to_mpmath(mpmath.mp.prec))
        except (TypeError, ValueError):
            raise _Unchecked(f"could not evaluate {expr} numerically: {number} is left") from None


def _fill_data(expr: sp.Expr, point: _Point) -> sp.Expr:
    """Replace every indexed symbol whose indices are all numbers by its data value at the point."""
    indexed = [i for i in expr.atoms(sp.Indexed) if all(index.is_number for index in i.indices)]
    return expr.xreplace({i: _to_sympy(point.data_value(i)) for i in indexed}) if indexed else expr


def _value(expr: sp.Expr, point: _Point, digits: int):
    """The value and the summed error estimate of its quadratures and series."""
    _ERRORS.clear()
    value = _evaluate(expr, point, digits)
    error = mpmath.fsum(_ERRORS) if _ERRORS else mpmath.mpf(0)
    _ERRORS.clear()
    return value, error


def _is_finite(value) -> bool:
    if isinstance(value, mpmath.mpc):
        return mpmath.isfinite(value.real) and mpmath.isfinite(value.imag)
    return mpmath.isfinite(value)


def _is_complex(value) -> bool:
    return isinstance(value, mpmath.mpc) and abs(value.imag) > EXACT_TOLERANCE * max(1, abs(value.real))


def _is_bad(value, domain: str = "real") -> bool:
    """NaN and infinities are always failures; so is a complex value when the derivation is real."""
    return not _is_finite(value) or (domain == "real" and _is_complex(value))


def _is_real_number(value) -> bool:
    return not isinstance(value, mpmath.mpc) or abs(value.imag) <= EXACT_TOLERANCE


def _close(a, b, tolerance, absolute=0) -> bool:
    with mpmath.workdps(DIGITS):
        return abs(a - b) <= tolerance * max(1, abs(a), abs(b)) + absolute


def _same(a, b) -> bool:
    """Two evaluations of one line at two precisions agree (the value is stable)."""
    if not _is_finite(a) or not _is_finite(b):
        return (not _is_finite(a)) and (not _is_finite(b))
    return _close(a, b, EXACT_TOLERANCE)


def _logs_positive(expr: sp.Expr) -> bool:
    return all(node.args[0].is_positive for node in expr.atoms(sp.log))


def _latex_threshold(left: sp.Expr, right: sp.Expr) -> str:
    return f"${sp.latex(left)} = {sp.latex(right)}$"


def _short(value, other=None) -> str:
    """A value with enough digits to tell it from ``other``."""
    if not _is_finite(value):
        return "undefined"
    digits = 12
    if other is not None and _is_finite(other) and value != other:
        with mpmath.workdps(DIGITS):
            relative = abs(value - other) / max(abs(value), abs(other))
            if relative > 0:
                digits = int(min(DIGITS, max(12, 3 - mpmath.log10(relative))))
    return mpmath.nstr(value, digits)


# -- the checker ------------------------------------------------------------------------------------------------


@dataclass
class _Plan:
    points: list
    ranges: tuple
    thresholds: tuple
    base: int


class Checker:
    """Checks steps at seeded sample points that cover the expressions, then symbolically where that is quick.

    Parameters
    ----------
    points : int
        How many sample points each step is checked at, before the points added at thresholds.
    seed : int
        Seed of the sample points.
    symbolic_seconds : float
        CPU time allowed for a symbolic confirmation of each step (0 to skip it).
    domain : str
        "real" or "complex": whether the expressions' values are real.
    domains : dict, optional
        Where symbols (or the data of an ``IndexedBase``) live, beyond their SymPy assumptions, one entry per
        symbol: a name among ``DOMAIN_NAMES`` or a ``(low, high)`` pair. Sampling respects them.
    numeric_seconds : float, optional
        CPU time allowed for the numeric check of one step (quadrature and series included).

    Raises
    ------
    ValueError
        If an argument is out of range, or a declared domain contradicts a symbol's assumptions.

    Examples
    --------
    >>> import sympy as sp
    >>> p = sp.Symbol("p", positive=True)
    >>> checker = Checker(points=16, seed=0, symbolic_seconds=0, domain="real", domains={p: "probability"})
    >>> checker.equal(sp.log(p / (1 - p)), sp.log(p) - sp.log(1 - p), 1, "log of a quotient").describe()
    '16 random points at 50 digits (symbolic proof not attempted): probabilities in (0, 1), 1e-6 from either end'
    """

    def __init__(self, *, points: int, seed: int, symbolic_seconds: float, domain: str, domains: dict | None = None,
                 numeric_seconds: float = 60.0):
        if isinstance(points, bool) or not isinstance(points, int) or points < 1:
            raise ValueError(f"points: a positive integer is needed, got {points!r}")
        if not isinstance(symbolic_seconds, (int, float)) or symbolic_seconds < 0:
            raise ValueError(f"symbolic_seconds: a non-negative number is needed, got {symbolic_seconds!r}")
        if domain not in ("real", "complex"):
            raise ValueError(f"domain: must be 'real' or 'complex', got {domain!r}")
        if not isinstance(numeric_seconds, (int, float)) or numeric_seconds <= 0:
            raise ValueError(f"numeric_seconds: a positive number is needed, got {numeric_seconds!r}")
        self.points = points
        self.seed = seed
        self.symbolic_seconds = symbolic_seconds
        self.domain = domain
        self.numeric_seconds = float(numeric_seconds)
        # Expectations whose symbolic evaluation ran out of symbolic_seconds once: not tried again (a derivation
        # meets the same expectation in its display form and in the step after it).
        self._expectations_out_of_time: set = set()
        self.domains: dict = {}
        for key, spec in (domains or {}).items():
            if isinstance(key, sp.IndexedBase):
                symbol = key.label
            elif isinstance(key, sp.Symbol):
                symbol = key
            else:
                raise ValueError(f"domains: keys must be sympy Symbols or IndexedBase objects, got {key!r}")
            parsed = _parse_domain(key, spec)
            if not _compatible(symbol, parsed):
                raise ValueError(f"domains: {spec!r} contradicts the assumptions of {key}")
            self.domains[key] = parsed

    # -- public -------------------------------------------------------------------------------------------------

    def equal(self, old: sp.Expr, new: sp.Expr, number: int, reason: str) -> Check:
        """Check that step ``number`` (``new``) equals step ``number - 1`` (``old``).

        Raises
        ------
        DerivationError
            If the step is wrong at a sample point, or cannot be checked.
        """
        return self._guarded(number, reason, lambda: self._check_equal(old, new, number, reason))

    def argmin(self, old: sp.Expr, new: sp.Expr, over: tuple, number: int, reason: str) -> Check:
        """Check that ``new`` has the same minimisers in ``over`` as ``old``.

        Raises
        ------
        ValueError
            If ``over`` is empty or holds something other than symbols.
        DerivationError
            If ``new`` is not a positive multiple of ``old`` plus a term free of ``over``, or cannot be checked.
        """
        over = (over,) if isinstance(over, sp.Basic) else tuple(over)
        if not over or not all(isinstance(v, sp.Symbol) for v in over):
            raise ValueError(f"over: name at least one variable being optimised (sympy Symbols), got {over!r}")
        return self._guarded(number, reason, lambda: self._check_argmin(old, new, over, number, reason))

    def substitute(self, old: sp.Expr, values: dict, number: int, reason: str) -> tuple[sp.Expr, Check]:
        """The special case of ``old`` at ``values`` (substituted simultaneously) and the record of its check.

        Raises
        ------
        ValueError
            If ``values`` is empty or a key is not a symbol.
        DerivationError
            If a value breaks the assumptions or declared domain of the symbol it replaces, or the computed
            line does not agree with the previous line evaluated at the values.
        """
        if not values:
            raise ValueError("values: name at least one symbol to substitute")
        values = {sp.sympify(k): sp.sympify(v) for k, v in values.items()}
        if not all(isinstance(k, sp.Symbol) for k in values):
            raise ValueError(f"values: only symbols can be substituted, got {list(values)}")
        result = {}

        def run():
            new = old.subs(values, simultaneous=True)
            result["new"] = new
            return self._check_substitute(old, new, values, number, reason)

        check = self._guarded(number, reason, run)
        return result["new"], check

    # -- machinery ----------------------------------------------------------------------------------------------

    def _name(self, number: int, reason: str) -> str:
        return f'step {number} ("{reason}")'

    def _guarded(self, number: int, reason: str, work):
        name = self._name(number, reason)
        try:
            with _cpu_limit(self.numeric_seconds):
                return work()
        except DerivationError:
            raise
        except _Timeout:
            raise DerivationError(f"{name} could not be checked within {self.numeric_seconds:g} s of CPU time "
                                  "(quadrature, series or sums too slow at the sample points)") from None
        except _Unchecked as error:
            raise DerivationError(f"{name} could not be checked: {error}") from None
        except Exception as error:
            raise DerivationError(f"{name} could not be checked: {type(error).__name__}: {error}") from None

    def _refuse_unevaluated(self, exprs, number, reason):
        for expr in exprs:
            for kind in (sp.Derivative, sp.Integral, sp.Limit):
                if expr.has(kind):
                    raise DerivationError(f"{self._name(number, reason)} could not be checked: it holds an unevaluated "
                                          f"{kind.__name__} ({next(iter(expr.atoms(kind)))}); call .doit() first")

    def _domain(self, symbol) -> _Domain:
        if symbol in self.domains:
            return self.domains[symbol]
        return _domain_of_assumptions(symbol)

    def _data_domain(self, base: sp.IndexedBase) -> _Domain:
        if base in self.domains:
            return self.domains[base]
        for key, domain in self.domains.items():
            if isinstance(key, sp.IndexedBase) and key.label.name == base.label.name:
                return domain
        return _domain_of_assumptions(base.label)

    def _plan(self, exprs, number: int, count: int, tag: str = "") -> _Plan:
        """Sample points covering scales, signs, sizes and thresholds of the expressions."""
        variables = _variables(*exprs)
        for v in variables:
            if v.is_real is False or v.is_commutative is False:
                raise _Unchecked(f"the symbol {v} cannot be sampled (it is not declared real)")
        sizes, depth, bounds = _size_symbols(*exprs)
        quadrature = any(e.has(Expectation) for e in exprs)
        series = any(_has_series(e) for e in exprs)
        profile = "moderate" if quadrature or series else "wide"
        max_size = 20 if quadrature or series else {0: 60, 1: 60, 2: 16}.get(depth, 6)
        rng = random.Random(f"{self.seed}/{number}{tag}")
        exponential = _exponential_symbols(*exprs) if profile == "wide" else set()
        profiles = {v: "exponent" if v in exponential else profile for v in variables}
        domains = {}
        for v in variables:
            domain = self._domain(v)
            if v in bounds and domain.kind == "integer":
                domain = _Domain("count")  # a sum's bound is a count; an index offset keeps both signs
            domains[v] = domain
        strata, signs = {}, {}
        for v in variables:
            labels = ["tiny"] * (count // 4) + ["huge"] * (count // 4)
            labels += ["ordinary"] * (count - len(labels))
            rng.shuffle(labels)
            strata[v] = labels
            half = ["-"] * (count // 2) + ["+"] * (count - count // 2)
            rng.shuffle(half)
            signs[v] = half

        def data_sampler(base, data_rng):
            domain = self._data_domain(base)
            data_profile = "exponent" if base in exponential else profile
            return _draw(domain, data_rng.choice(_STRATA), data_rng, data_profile, max_size)

        points = []
        for k in range(count):
            values = {}
            for v in variables:
                size_cap = max_size if v in sizes else (20 if profile == "moderate" else 10_000)
                values[v] = _draw(domains[v], strata[v][k], rng, profiles[v], size_cap, signs[v][k] == "-")
            points.append(_Point(values, seed=rng.randrange(2**32), data_sampler=data_sampler))
        thresholds = []
        for expr in exprs:
            for pair in _thresholds(expr):
                if all(sp.simplify(pair[0] - pair[1] - (a - b)) != 0 for a, b in thresholds):
                    thresholds.append(pair)
        straddled = []
        for position, (left, right) in enumerate(thresholds[:8]):
            g = left - right
            added = self._threshold_points(g, points[position % count], domains, rng, exponential)
            points.extend(added)
            program = _program(g)
            signs_seen = set()
            for point in points:
                try:
                    value = _evaluate(g, point) if program is None else self._quick(program, point)
                except Exception:
                    continue
                if _is_finite(value) and not isinstance(value, mpmath.mpc):
                    signs_seen.add(int(mpmath.sign(value)))
            if {1, -1} <= signs_seen:
                straddled.append(_latex_threshold(left, right))
        ranges = self._ranges(variables, domains, bounds, points, profiles, exprs, profile, exponential)
        return _Plan(points, ranges, tuple(straddled), count)

    @staticmethod
    def _quick(program, point):
        with mpmath.workdps(DIGITS):
            return program(dict(point.values), point)

    def _threshold_points(self, g, seed_point: _Point, domains, rng, exponential=()) -> list[_Point]:
        """Points at, just below and just above g = 0, moving one variable of g from ``seed_point``."""
        candidates = [v for v in sorted(g.free_symbols, key=sp.default_sort_key) if v in domains]
        candidates.sort(key=lambda v: (domains[v].integer, v in exponential))  # continuous variables first
        for v in candidates:
            try:
                root = self._root(g, v, seed_point)
            except Exception:
                root = None
            if root is None or (v in exponential and abs(root) > 100):
                continue
            domain = domains[v]
            if domain.integer:
                base = int(mpmath.nint(root))
                tries = [base, base - 1, base + 1, base - 3, base + 3]
                values = [_mpf(t) for t in tries]
            else:
                with mpmath.workprec(_PREC):
                    values = [root]
                    for direction in (-1, 1):
                        epsilon = mpmath.mpf(10) ** mpmath.mpf(rng.uniform(-3, -0.5))
                        step = abs(root) * epsilon if root != 0 else epsilon
                        for _ in range(6):  # closer to the threshold until the point is inside the domain
                            if domain.contains(root + direction * step):
                                break
                            step /= 1000
                        values.append(root + direction * step)
            added = []
            for value in values:
                if domain.contains(value):
                    new_values = dict(seed_point.values)
                    new_values[v] = value
                    added.append(seed_point.with_values(new_values))
            if added:
                return added
        return []

    def _root(self, g, v, point: _Point):
        """A root of g in v with the other symbols at the point (exact for g linear in v), or None."""
        program = _program(g)
        if program is None:
            return None

        def at(t):
            env = dict(point.values)
            env[v] = t
            with mpmath.workprec(_PREC + 20):
                return program(env, point)

        with mpmath.workprec(_PREC + 20):
            try:
                linear = sp.Poly(g, v).degree() == 1 if g.is_polynomial(v) else False
            except Exception:
                linear = False
            if linear:
                b = at(mpmath.mpf(0))
                a = at(mpmath.mpf(1)) - b
                if a == 0 or isinstance(a, mpmath.mpc) or isinstance(b, mpmath.mpc):
                    return None
                root = -b / a
            else:
                try:
                    root = mpmath.findroot(at, point.values[v])
                except Exception:
                    return None
            if isinstance(root, mpmath.mpc) or not mpmath.isfinite(root):
                return None
        return _mpf(root)

    def _ranges(self, variables, domains, sizes, points, profiles, exprs, profile, exponential) -> tuple:
        """Phrases for the label: which ranges the points were drawn from."""
        groups: dict = {}
        for v in variables:
            domain = domains[v]
            if domain.integer and domain.kind != "binary":
                observed = [int(p.values[v]) for p in points]
                key = "sizes" if v in sizes else "integers"
                low, high = groups.get(key, (min(observed), max(observed)))
                groups[key] = (min(low, *observed), max(high, *observed))
            else:
                phrase = self._domain_phrase(domain, _RANGE_TEXT[profiles[v]])
                if profiles[v] == "exponent" and domain.kind in ("real", "positive", "nonnegative", "negative"):
                    phrase += " inside exponentials"
                groups.setdefault(phrase, True)
        bases = sorted({i.base for e in exprs for i in e.atoms(sp.Indexed)}, key=lambda b: b.label.name)
        data_phrases = {}
        for base in bases:
            domain = self._data_domain(base)
            text = _RANGE_TEXT["exponent" if base in exponential else profile]
            phrase = "integers" if domain.integer and domain.kind != "binary" else self._domain_phrase(domain, text)
            data_phrases.setdefault(phrase, []).append(f"${sp.latex(base)}$")
        parts = []
        for key, value in groups.items():
            if key in ("sizes", "integers"):
                low, high = value
                parts.append(f"{key} {low} to {high}" if low != high else f"{key} {low}")
            else:
                parts.append(key)
        for phrase, names in data_phrases.items():
            parts.append(f"data {', '.join(names)}: {phrase}")
        return tuple(parts)

    @staticmethod
    def _domain_phrase(domain: _Domain, text: str) -> str:
        if domain.kind == "real":
            return f"reals in ±{text}"
        if domain.kind in ("positive", "nonnegative"):
            return f"{domain.kind}s in {text}"
        if domain.kind == "negative":
            return f"negatives in -{text}"
        if domain.kind == "binary":
            return "binary values 0 and 1"
        if domain.kind == "interval":
            if (domain.low, domain.high) == (0.0, 1.0):
                return "probabilities in (0, 1), 1e-6 from either end"
            return f"values in ({domain.low:g}, {domain.high:g})"
        return domain.kind

    def _numeric_phrase(self, plan: _Plan, decided: int, skipped: int, extra: str = "") -> str:
        quadrature = ", quadrature with error estimates" if extra == "quadrature" else ""
        phrase = f"{decided} random points at {DIGITS} digits{quadrature}"
        if skipped:
            phrase += f" ({skipped} more skipped: undefined there)"
        if plan.ranges:
            phrase += ": " + ", ".join(plan.ranges)
        if plan.thresholds:
            shown = list(plan.thresholds[:4])
            more = len(plan.thresholds) - len(shown)
            phrase += "; both sides of " + ", ".join(shown) + (f" and {more} more thresholds" if more > 0 else "")
        return phrase

    def _symbolic_phrase(self, proof: str | None) -> str | None:
        if proof:
            return proof
        return None

    def _finish(self, kind, plan, decided, skipped, proof, quadrature, lead=None) -> Check:
        numeric = self._numeric_phrase(plan, decided, skipped, "quadrature" if quadrature else "")
        how = []
        if lead:
            how.append(lead)
        if proof:
            how.append(f"symbolic proof ({proof})")
        elif self.symbolic_seconds <= 0:
            numeric = numeric.replace(f"at {DIGITS} digits", f"at {DIGITS} digits (symbolic proof not attempted)", 1)
        else:
            numeric = numeric.replace(f"at {DIGITS} digits", f"at {DIGITS} digits (no symbolic proof found)", 1)
        how.append(numeric)
        return Check(how, kind, decided, skipped, plan.ranges, plan.thresholds, proof)

    def _count(self, exprs) -> int:
        quadrature = any(e.has(Expectation) for e in exprs)
        return max(10, self.points * 5 // 8) if quadrature else self.points

    # -- equality -----------------------------------------------------------------------------------------------

    def _compare(self, old, new, point):
        """``("ok" | "skip" | "wrong", a, b)`` for one point, with escalation of precision before "wrong"."""
        return self._compare_split(old, new, point, point)

    def _verdict(self, a, b, ea, eb) -> str:
        if not _is_finite(a) or not _is_finite(b):
            return "skip"
        if self.domain == "real" and (_is_complex(a) or _is_complex(b)):
            return "wrong"
        scale = max(1, abs(a), abs(b))
        if ea + eb > ACCURACY_NEEDED * scale:
            return "inaccurate"
        return "ok" if _close(a, b, EXACT_TOLERANCE, 100 * (ea + eb)) else "wrong"

    def _check_equal(self, old: sp.Expr, new: sp.Expr, number: int, reason: str) -> Check:
        self._refuse_unevaluated((old, new), number, reason)
        plan = self._plan((old, new), number, self._count((old, new)))
        decided, skipped = 0, 0
        for point in plan.points:
            verdict, a, b = self._compare(old, new, point)
            if verdict == "wrong":
                raise DerivationError(
                    f"{self._name(number, reason)} is not equal to step {number - 1}: at {point.describe()} "
                    f"step {number - 1} is {_short(a, b)} but step {number} is {_short(b, a)}"
                )
            if verdict == "skip":
                skipped += 1
            else:
                decided += 1
        self._enough(decided, skipped, number, reason, (old, new))
        quadrature = old.has(Expectation) or new.has(Expectation)
        return self._finish("equal", plan, decided, skipped, self._symbolic_equal(old, new), quadrature)

    def _enough(self, decided, skipped, number, reason, exprs):
        if decided < max(1, (decided + skipped) // 2):
            raise DerivationError(
                f"{self._name(number, reason)} could not be evaluated: it is undefined or numerically unstable at "
                f"{skipped} of {decided + skipped} sample points (could not evaluate {' and '.join(map(str, exprs))})"
            )

    def _symbolic_equal(self, old: sp.Expr, new: sp.Expr) -> str | None:
        if self.symbolic_seconds <= 0:
            return None
        difference = old - new
        evaluating = []

        def evaluate(node: Expectation) -> sp.Expr:
            evaluating.append(canonical_expectation(node))
            value = node.doit()
            evaluating.pop()
            return value

        try:
            with _time_limit(self.symbolic_seconds):
                if difference.has(Expectation):
                    if {canonical_expectation(e) for e in difference.atoms(Expectation)} & self._expectations_out_of_time:
                        return None
                    evaluated = difference.replace(lambda e: isinstance(e, Expectation), evaluate)
                    if sp.simplify(sp.expand(sp.expand_log(evaluated, force=_logs_positive(evaluated)))) == 0:
                        return "moments"
                    return None
                if difference.has(sp.Sum) and _has_series(difference):
                    return None
                if _logs_positive(difference):
                    if sp.cancel(sp.expand(sp.expand_log(difference, force=True))) == 0:
                        return "expand_log, cancel"
                if sp.simplify(difference) == 0:
                    return "simplify"
        except _Timeout:
            self._expectations_out_of_time.update(evaluating)
            return None
        except Exception:  # a symbolic attempt that errors proves nothing either way
            return None
        return None

    # -- same minimisers ----------------------------------------------------------------------------------------

    def _check_argmin(self, old: sp.Expr, new: sp.Expr, over, number: int, reason: str) -> Check:
        self._refuse_unevaluated((old, new), number, reason)
        plan = self._plan((old, new), number, self._count((old, new)), "/argmin")
        points = plan.points
        decided, skipped = 0, 0
        for index, point in enumerate(points):
            trials = [point]
            for j in range(1, 4):
                other = points[(index + j * (len(points) // 4 + 1)) % len(points)]
                values = dict(point.values)
                values.update({v: other.values[v] for v in over if v in other.values})
                trials.append(point.with_values(values))
            outcome = self._argmin_at(old, new, trials, over, number, reason)
            if outcome == "skip":
                skipped += 1
            else:
                decided += 1
        self._enough(decided, skipped, number, reason, (old, new))
        quadrature = old.has(Expectation) or new.has(Expectation)
        varied = ", ".join(f"${sp.latex(v)}$" for v in over)
        check = self._finish("argmin", plan, decided, skipped, self._symbolic_argmin(old, new, over), quadrature)
        check.how[-1] = check.how[-1].replace("random points", f"random points × 4 values of {varied}", 1)
        return check

    def _argmin_at(self, old, new, trials, over, number, reason) -> str:
        for digits in (DIGITS, *ESCALATION):
            evaluated = [(_value(old, t, digits), _value(new, t, digits)) for t in trials]
            a = [e[0][0] for e in evaluated]
            b = [e[1][0] for e in evaluated]
            ea = [e[0][1] for e in evaluated]
            eb = [e[1][1] for e in evaluated]
            if any(not _is_finite(v) for v in a + b):
                return "skip"
            if self.domain == "real" and any(_is_complex(v) for v in a + b):
                failure = f"a value is complex at {trials[0].describe()}"
            else:
                failure = self._ratios_fail(a, b, ea, eb, trials, over, number, reason, digits)
            if failure is None:
                return "ok"
            if any(ea) or any(eb):
                break
        raise DerivationError(failure)

    def _ratios_fail(self, a, b, ea, eb, trials, over, number, reason, digits=DIGITS) -> str | None:
        ratios = []
        resolution = mpmath.mpf(10) ** (15 - digits)  # 35 digits at 50, 135 at 150
        with mpmath.workdps(digits):
            for j in range(1, len(trials)):
                da, db = a[j] - a[0], b[j] - b[0]
                noise_a = 10 * (ea[j] + ea[0]) + resolution * max(1, abs(a[0]), abs(a[j]))
                noise_b = 10 * (eb[j] + eb[0]) + resolution * max(1, abs(b[0]), abs(b[j]))
                if abs(da) <= noise_a:
                    if abs(db) > noise_b:
                        return (f"{self._name(number, reason)} changes where step {number - 1} is flat, "
                                f"between {trials[0].describe()} and {trials[j].describe()}")
                    continue
                if abs(db) <= noise_b:
                    return (f"{self._name(number, reason)} is flat where step {number - 1} changes, "
                            f"between {trials[0].describe()} and {trials[j].describe()}")
                ratio = db / da
                slack = noise_a / abs(da) + noise_b / abs(db)
                ratios.append((ratio, slack, trials[j]))
            for ratio, slack, trial in ratios:
                first, first_slack, _ = ratios[0]
                if _is_real_number(ratio) and ratio.real > 0 and abs(ratio - first) <= (slack + first_slack + resolution) * max(abs(ratio), abs(first)):
                    continue
                return (
                    f"{self._name(number, reason)} does not keep the argmin over "
                    f"{', '.join(map(str, over))}: it is not a positive multiple of step {number - 1} plus a term "
                    f"free of them (at {trials[0].describe()} the ratio of changes is {_short(first, ratio)}, "
                    f"at {trial.describe()} it is {_short(ratio, first)})"
                )
        return None

    def _symbolic_argmin(self, old: sp.Expr, new: sp.Expr, over) -> str | None:
        if self.symbolic_seconds <= 0 or old.has(Expectation) or new.has(Expectation):
            return None
        try:
            with _time_limit(self.symbolic_seconds):
                ratios = set()
                for v in over:
                    d_old, d_new = sp.diff(old, v), sp.diff(new, v)
                    if d_old == 0 and d_new == 0:
                        continue
                    ratio = sp.simplify(sp.factor_terms(d_new) / sp.factor_terms(d_old))
                    if ratio.has(*over) or ratio.is_positive is not True:
                        return None
                    ratios.add(ratio)
                if len(ratios) == 1:
                    return "ratio of derivatives"
        except _Timeout:
            return None
        except Exception:
            return None
        return None

    # -- substitution -------------------------------------------------------------------------------------------

    def _check_substitute(self, old, new, values: dict, number: int, reason: str) -> Check:
        self._refuse_unevaluated((old, new, *values.values()), number, reason)
        name = self._name(number, reason)
        for symbol, value in values.items():
            self._assumptions_hold(symbol, value, name)
        plan = self._plan((new, *values.values()), number, self._count((old, new)), "/substitute")
        base_points = set(map(id, plan.points[: plan.base]))
        decided, skipped = 0, 0
        for point in plan.points:
            replaced = dict(point.values)
            usable = True
            for symbol, value in values.items():
                number_value, _ = _value(value, point, DIGITS)
                domain = self._domain(symbol)
                if isinstance(number_value, mpmath.mpc) and _is_real_number(number_value):
                    number_value = number_value.real
                if not domain.contains(number_value):
                    if id(point) in base_points and _is_finite(number_value):
                        raise DerivationError(
                            f"{name} substitutes {symbol} = {value}, but {symbol} is declared {domain.kind} and "
                            f"{value} = {_short(number_value)} at {point.describe()}"
                        )
                    usable = False
                    break
                replaced[symbol] = _mpf(number_value)
            if not usable:
                skipped += 1
                continue
            verdict, a, b = self._compare_split(old, new, point.with_values(replaced), point)
            if verdict == "wrong":
                raise DerivationError(f"{name}: the substituted line does not agree with step {number - 1} at the "
                                      f"substituted values, at {point.describe()}: {_short(a, b)} against {_short(b, a)}")
            if verdict == "skip":
                skipped += 1
            else:
                decided += 1
        self._enough(decided, skipped, number, reason, (new,))
        lead = "special case, computed by simultaneous substitution; values within the symbols' domains"
        check = self._finish("substitute", plan, decided, skipped, None, old.has(Expectation), lead)
        check.how[-1] = check.how[-1].replace("random points", f"random points agree with step {number - 1} at those values,", 1)
        check.how[-1] = check.how[-1].replace(" (no symbolic proof found)", "").replace(" (symbolic proof not attempted)", "")
        return check

    def _compare_split(self, old, new, old_point: _Point, new_point: _Point):
        """Compare ``old`` at one point with ``new`` at another; a verdict other than "ok" is trusted only
        when the values are stable between two precisions (or come with small error estimates)."""
        previous = None
        for digits in (DIGITS, *ESCALATION):
            a, ea = _value(old, old_point, digits)
            b, eb = _value(new, new_point, digits)
            verdict = self._verdict(a, b, ea, eb)
            if verdict == "ok" or (verdict == "wrong" and (ea or eb)):
                return verdict, a, b
            if previous is not None and verdict != "inaccurate" and _same(a, previous[0]) and _same(b, previous[1]):
                return verdict, a, b
            previous = (a, b)
        if verdict == "inaccurate":
            raise _Unchecked(f"the error estimate of a quadrature or series ({mpmath.nstr(ea + eb, 3)}) is too large "
                             f"to decide at {new_point.describe()}")
        return "skip", a, b  # not stable even at the highest precision

    def _assumptions_hold(self, symbol, value, name):
        for assumption in ("positive", "nonnegative", "negative", "nonpositive", "integer", "real", "nonzero"):
            if getattr(symbol, f"is_{assumption}") and getattr(value, f"is_{assumption}") is False:
                raise DerivationError(f"{name} substitutes {symbol} = {value}, but {symbol} is declared {assumption} "
                                      f"and {value} is not")
