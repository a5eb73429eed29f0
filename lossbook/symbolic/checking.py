"""The checks behind :class:`~lossbook.symbolic.Derivation`: is a step equal to the one before, or does it keep
its minimisers?

A step is checked at random points with mpmath at 50 significant digits, on both sides of every kink (``Abs``,
``sign``, ``Max``, ``Min``), and then, where a symbolic confirmation succeeds quickly, also symbolically. A wrong
step raises :class:`DerivationError` naming the step and a point where it fails. Each check returns a
:class:`Check`, the record of what was verified, which the derivation prints under its block.

The engine is introduced in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import mpmath
import sympy as sp

from .expectation import Expectation

__all__ = ["Check", "Checker", "DerivationError"]

DIGITS = 50
EXACT_TOLERANCE = mpmath.mpf("1e-35")
QUADRATURE_TOLERANCE = mpmath.mpf("1e-15")


class DerivationError(ValueError):
    """A derivation step that does not follow from the one before it, or that could not be checked.

    Introduced in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.
    """


DerivationError.__module__ = "lossbook.symbolic"  # where readers import it from




@dataclass
class Check:
    """What was verified about one step.

    Attributes
    ----------
    how : list of str
        One phrase per method that confirmed the step, the symbolic one first when there is one.
    """

    how: list = field(default_factory=list)

    def describe(self) -> str:
        """The phrase printed after "Checked:" under a derivation (Markdown, may hold ``$...$``)."""
        return "; ".join(self.how)

class _Timeout(Exception):
    pass


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


def _kink_arguments(expr: sp.Expr) -> list[sp.Expr]:
    """Differences whose sign changes the expression's branch, excluding ones with bound variables."""
    found = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Abs, sp.sign, sp.Heaviside)):
            found.append(node.args[0])
        elif isinstance(node, (sp.Max, sp.Min)):
            args = node.args
            found.extend(a - b for i, a in enumerate(args) for b in args[i + 1 :])
    free = expr.free_symbols
    return [arg for arg in found if arg.free_symbols and arg.free_symbols <= free]


def _sample_value(symbol: sp.Symbol, rng: random.Random) -> sp.Expr:
    if symbol.is_integer:
        if symbol.is_positive:
            return sp.Integer(rng.randint(1, 5))
        if symbol.is_nonnegative:
            return sp.Integer(rng.randint(0, 5))
        return sp.Integer(rng.randint(-4, 4))
    magnitude = sp.Float(mpmath.exp(mpmath.mpf(rng.uniform(-1.2, 1.5))), DIGITS)
    if symbol.is_positive or symbol.is_nonnegative:
        return magnitude
    if symbol.is_negative or symbol.is_nonpositive:
        return -magnitude
    return sp.Float(rng.uniform(-2.5, 2.5), DIGITS)


def _variables(*exprs: sp.Expr) -> list[sp.Symbol]:
    symbols = set().union(*(e.free_symbols for e in exprs))
    symbols = {s for s in symbols if isinstance(s, sp.Symbol) and not isinstance(s, sp.Indexed)}
    for e in exprs:
        symbols -= {i.base.label for i in e.atoms(sp.Indexed)}
        symbols -= {b.label for b in e.atoms(sp.IndexedBase)}
    return sorted(symbols, key=sp.default_sort_key)


class _Point:
    """Values of the free symbols, plus data values for indexed symbols (drawn when first needed).

    A data value depends only on the point's seed and the indexed symbol's name, not on the order in which
    values are asked for, so evaluating sums in any order sees the same data.
    """

    def __init__(self, values: dict, seed: int):
        self.values = values
        self.seed = seed
        self.data: dict = {}

    def with_values(self, values: dict) -> "_Point":
        """The same data at other values of the free symbols."""
        other = _Point(values, self.seed)
        other.data = self.data
        return other

    def data_value(self, indexed: sp.Indexed) -> sp.Expr:
        key = str(indexed)
        if key not in self.data:
            # Data values respect the assumptions of their IndexedBase, like symbols do (counts stay counts).
            self.data[key] = _sample_value(indexed.base.label, random.Random(f"{self.seed}/{key}"))
        return self.data[key]

    def describe(self) -> str:
        parts = [f"{s} = {sp.N(v, 6) if not v.is_Integer else v}" for s, v in self.values.items()]
        parts += [f"{k} = {sp.N(v, 6)}" for k, v in sorted(self.data.items())]
        return ", ".join(parts) if parts else "(no free symbols)"


MAX_UNROLLED_TERMS = 10_000


class _NotCompiled(Exception):
    """An expression the compiled evaluator does not handle; the slower evalf route is used instead."""


def _as_integer(value) -> int:
    if isinstance(value, mpmath.mpc) or not mpmath.isfinite(value) or value != int(value):
        raise _NotCompiled
    return int(value)


_PROGRAMS: dict = {}


def _program(expr: sp.Expr):
    """A function ``(env, point) -> mpmath number`` evaluating ``expr``; ``env`` maps symbols to mpmath numbers.

    Sums and products with integer limits become loops over their terms and indexed symbols become look-ups
    of the point's data, around mpmath functions made by ``lambdify``: the terms are numbers, so no symbolic
    summation is ever attempted, and each step is compiled once for all its sample points. ``None`` for an
    expression this does not handle (an expectation, or something ``lambdify`` cannot print).
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
    if expr.has(Expectation):
        raise _NotCompiled
    parts: dict = {}

    def collect(node):
        if isinstance(node, (sp.Sum, sp.Product, sp.Indexed)):
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
        if is_sum and end == mpmath.inf:  # a series: mpmath's nsum, with its convergence acceleration

            def term(k):
                inner_env[index] = mpmath.mpf(k)
                return body(inner_env, point)

            return mpmath.nsum(term, [first, mpmath.inf])
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


def _data_program(expr: sp.Indexed):
    index_programs = [_program(index) for index in expr.indices]
    if any(program is None for program in index_programs):
        raise _NotCompiled
    base = expr.base

    def run(env: dict, point: "_Point"):
        indices = tuple(sp.Integer(_as_integer(program(env, point))) for program in index_programs)
        return point.data_value(base[indices])._to_mpmath(mpmath.mp.prec)

    return run


def _evaluate(expr: sp.Expr, point: _Point):
    """Evaluate an expression at a point with mpmath; returns an mpmath number (possibly complex or nan)."""
    program = _program(expr)
    if program is not None:
        with mpmath.workdps(DIGITS):
            env = {symbol: value._to_mpmath(mpmath.mp.prec) for symbol, value in point.values.items()}
            try:
                value = program(env, point)
            except (ZeroDivisionError, OverflowError, ValueError):
                return mpmath.nan
            except Exception:  # _NotCompiled at this point: the evalf route below decides
                value = None
            if isinstance(value, (int, float, complex)):
                value = mpmath.mpmathify(value)
            if isinstance(value, (mpmath.mpf, mpmath.mpc)):
                return value
    value = expr.xreplace(point.values)
    if value.has(sp.Sum, sp.Product):
        try:
            value = value.doit()
        except RecursionError:  # SymPy recurses without end on, for example, a sum up to a non-integer
            raise DerivationError(f"could not evaluate {expr} numerically: symbolic summation did not finish") from None
    value = _fill_data(value, point)
    with mpmath.workdps(DIGITS):
        number = sp.N(value, DIGITS)
        if number.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            return mpmath.nan
        if not number.is_number:
            raise DerivationError(f"could not evaluate {expr} numerically: {number} is left")
        return mpmath.mpmathify(complex(number)) if not number.is_real else mpmath.mpf(str(number))


def _fill_data(expr: sp.Expr, point: _Point) -> sp.Expr:
    """Replace every indexed symbol whose indices are all numbers by its data value at the point."""
    indexed = [i for i in expr.atoms(sp.Indexed) if all(index.is_number for index in i.indices)]
    return expr.xreplace({i: point.data_value(i) for i in indexed}) if indexed else expr


def _is_bad(value, domain: str = "real") -> bool:
    """NaN and infinities are always failures; so is a complex value when the derivation is real."""
    if isinstance(value, mpmath.mpc):
        if mpmath.isnan(value.real) or mpmath.isnan(value.imag) or mpmath.isinf(value.real) or mpmath.isinf(value.imag):
            return True
        return domain == "real" and abs(value.imag) > EXACT_TOLERANCE
    return mpmath.isnan(value) or mpmath.isinf(value)


def _is_real_number(value) -> bool:
    return not isinstance(value, mpmath.mpc) or abs(value.imag) <= EXACT_TOLERANCE


def _close(a, b, tolerance) -> bool:
    with mpmath.workdps(DIGITS):
        return abs(a - b) <= tolerance * max(1, abs(a), abs(b))



def _sign_at(expr: sp.Expr, point: _Point) -> int:
    value = sp.N(expr.xreplace(point.values), 20)
    if not value.is_number or not value.is_real:
        return 0
    return 1 if value > 0 else -1 if value < 0 else 0


def _logs_positive(expr: sp.Expr) -> bool:
    return all(node.args[0].is_positive for node in expr.atoms(sp.log))




class Checker:
    """Checks steps at seeded random points, then symbolically where that is quick.

    Parameters
    ----------
    points : int
        How many random points each step is checked at.
    seed : int
        Seed of the random points.
    symbolic_seconds : float
        CPU time allowed for a symbolic confirmation of each step (0 to skip it).
    domain : str
        "real" or "complex".
    """

    def __init__(self, *, points: int, seed: int, symbolic_seconds: float, domain: str):
        self.points = points
        self.seed = seed
        self.symbolic_seconds = symbolic_seconds
        self.domain = domain

    def equal(self, old: sp.Expr, new: sp.Expr, number: int, reason: str) -> Check:
        """Check that step ``number`` (``new``) equals step ``number - 1`` (``old``)."""
        return Check(self._check_equal(old, new, number, reason))

    def argmin(self, old: sp.Expr, new: sp.Expr, over: tuple, number: int, reason: str) -> Check:
        """Check that ``new`` has the same minimisers in ``over`` as ``old``."""
        return Check(self._check_argmin(old, new, over, number, reason))

    def substitute(self, old: sp.Expr, values: dict, number: int, reason: str) -> tuple[sp.Expr, Check]:
        """The special case of ``old`` at ``values`` and the record of how it was checked."""
        new = old.subs(values)
        return new, Check(self._check_equal(old.subs(values), new, number, reason))

    def _is_bad(self, value) -> bool:
        return _is_bad(value, self.domain)

    def _sample_points(self, exprs, step_number: int, count: int, exclude=()) -> list[_Point]:
        variables = [v for v in _variables(*exprs) if v not in exclude]
        kinks = [k for e in exprs for k in _kink_arguments(e)]
        rng = random.Random(f"{self.seed}/{step_number}")
        pool = []
        for index in range(count * 8 if kinks else count):
            values = {v: _sample_value(v, rng) for v in variables}
            pool.append(_Point(values, seed=rng.randrange(2**32)))
        if not kinks:
            return pool[:count]
        chosen: list[_Point] = []
        # First make sure every kink argument is seen with both signs (twice each where possible).
        for kink in kinks:
            for wanted in (1, -1):
                matches = [p for p in pool if p not in chosen and _sign_at(kink, p) == wanted]
                chosen.extend(matches[:2])
        chosen.extend(p for p in pool if p not in chosen)
        return chosen[:count]

    def _check_equal(self, old: sp.Expr, new: sp.Expr, number: int, reason: str) -> list[str]:
        has_quadrature = old.has(Expectation) or new.has(Expectation)
        count = max(10, self.points * 5 // 8) if has_quadrature else self.points
        tolerance = QUADRATURE_TOLERANCE if has_quadrature else EXACT_TOLERANCE
        for point in self._sample_points((old, new), number, count):
            a, b = _evaluate(old, point), _evaluate(new, point)
            if self._is_bad(a) or self._is_bad(b) or not _close(a, b, tolerance):
                raise DerivationError(
                    f'step {number} ("{reason}") is not equal to step {number - 1}: at {point.describe()} '
                    f"step {number - 1} is {mpmath.nstr(a, 12)} but step {number} is {mpmath.nstr(b, 12)}"
                )
        how = [f"{count} random points, {'25-digit quadrature' if has_quadrature else f'{DIGITS} digits'}"]
        symbolic = self._symbolic_equal(old, new)
        if symbolic:
            how.insert(0, symbolic)
        return how

    def _symbolic_equal(self, old: sp.Expr, new: sp.Expr) -> str | None:
        if self.symbolic_seconds <= 0:
            return None
        difference = old - new
        try:
            with _time_limit(self.symbolic_seconds):
                if difference.has(Expectation):
                    evaluated = difference.replace(lambda e: isinstance(e, Expectation), lambda e: e.doit())
                    if sp.simplify(sp.expand(sp.expand_log(evaluated, force=_logs_positive(evaluated)))) == 0:
                        return "symbolic (moments)"
                    return None
                if _logs_positive(difference):
                    if sp.cancel(sp.expand(sp.expand_log(difference, force=True))) == 0:
                        return "symbolic (expand_log, cancel)"
                if sp.simplify(difference) == 0:
                    return "symbolic (simplify)"
        except _Timeout:
            return None
        except Exception:  # a symbolic attempt that errors proves nothing either way
            return None
        return None

    def _check_argmin(self, old: sp.Expr, new: sp.Expr, over, number: int, reason: str) -> list[str]:
        rng = random.Random(f"{self.seed}/{number}/argmin")
        count = self.points
        for point in self._sample_points((old, new), number, count, exclude=over):
            trials = []
            while len(trials) < 3:
                values = dict(point.values)
                values.update({v: _sample_value(v, rng) for v in over})
                if any(values == t.values for t in trials) and len(trials) < 3 and rng.random() < 0.95:
                    continue  # distinct values of the optimised variables (integers repeat often)
                trials.append(point.with_values(values))
            a = [_evaluate(old, t) for t in trials]
            b = [_evaluate(new, t) for t in trials]
            if any(self._is_bad(v) for v in a + b):
                raise DerivationError(
                    f'step {number} ("{reason}") cannot be evaluated at {trials[0].describe()}: '
                    f"a value is not a finite {self.domain} number"
                )
            ratios = []
            with mpmath.workdps(DIGITS):
                for j in (1, 2):
                    da, db = a[j] - a[0], b[j] - b[0]
                    if abs(da) < EXACT_TOLERANCE * max(1, abs(a[0])):
                        if not _close(db, 0, EXACT_TOLERANCE):
                            raise DerivationError(
                                f'step {number} ("{reason}") changes where step {number - 1} is flat, '
                                f"between {trials[0].describe()} and {trials[j].describe()}"
                            )
                        continue
                    ratios.append((db / da, trials[j]))
            for k, trial in ratios:
                if _is_real_number(k) and k > 0 and _close(k, ratios[0][0], EXACT_TOLERANCE):
                    continue
                raise DerivationError(
                    f'step {number} ("{reason}") does not keep the argmin over '
                    f"{', '.join(map(str, over))}: it is not a positive multiple of step {number - 1} plus a term "
                    f"free of them (at {trials[0].describe()} the ratio of changes is {mpmath.nstr(ratios[0][0], 10)}, "
                    f"at {trial.describe()} it is {mpmath.nstr(k, 10)})"
                )
        varied = ", ".join(f"${sp.latex(v)}$" for v in over)
        how = [f"{count} random points × 3 values of {varied}, {DIGITS} digits"]
        symbolic = self._symbolic_argmin(old, new, over)
        if symbolic:
            how.insert(0, symbolic)
        return how

    def _symbolic_argmin(self, old: sp.Expr, new: sp.Expr, over) -> str | None:
        if self.symbolic_seconds <= 0:
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
                    return "symbolic (ratio of derivatives)"
        except _Timeout:
            return None
        except Exception:
            return None
        return None

