r"""A fast, stable NumPy negative log-likelihood generated from a family's symbolic log-density.

:func:`loss_function` reads the log-density a :class:`~lossbook.symbolic.Distribution` writes down, negates
it, rewrites it into forms that neither overflow nor cancel (the rules of :mod:`lossbook.symbolic._stable_forms`),
and prints it as NumPy/SciPy code. Nothing is written twice by hand: the numeric loss *is* the derived formula,
so it cannot drift from it. Around that code sits the validation and reduction of :mod:`lossbook.numeric`.

See the chapter `Your own likelihood <chapters/your_own_likelihood.html>`_.
"""

from __future__ import annotations

import keyword
import linecache
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike
from scipy import special
from sympy.printing.numpy import SciPyPrinter

from ..numeric._validation import as_array, compute_dtype, fits, quiet, reduce, reduction_arg, weights
from . import _stable_forms
from ._stable_forms import NumericFunction, Stabiliser
from .distributions import Distribution
from .printing import latex

__all__ = ["loss_function"]


# -- the family: its parameters and their allowed values, its support ------------------------------------------------


@dataclass(frozen=True)
class _Range:
    """The values a parameter may take: an interval with open or closed ends."""

    low: float = -math.inf
    low_open: bool = True
    high: float = math.inf
    high_open: bool = True

    def describe(self) -> str:
        if self.low == -math.inf and self.high == math.inf:
            return "real"
        if self.high == math.inf and self.low == 0:
            return "non-negative" if not self.low_open else "positive"
        if (self.low, self.low_open, self.high, self.high_open) == (0, False, 1, False):
            return "a probability in [0, 1]"
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"in {left}{_number_text(self.low)}, {_number_text(self.high)}{right}"

    def assumptions(self) -> dict[str, bool]:
        if self.low > 0 or (self.low == 0 and self.low_open):
            return {"positive": True}
        if self.low == 0:
            return {"nonnegative": True}
        return {"real": True}

    def meet(self, other: "_Range") -> "_Range":
        """The values both ranges allow (an end shared by both is open if either has it open)."""
        if self.low != other.low:
            low, low_open = (self.low, self.low_open) if self.low > other.low else (other.low, other.low_open)
        else:
            low, low_open = self.low, self.low_open or other.low_open
        if self.high != other.high:
            high, high_open = (self.high, self.high_open) if self.high < other.high else (other.high, other.high_open)
        else:
            high, high_open = self.high, self.high_open or other.high_open
        return _Range(low, low_open, high, high_open)


_REAL = _Range()
_POSITIVE = _Range(0.0, True)


def _number_text(value: float) -> str:
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return str(int(value)) if value == int(value) else repr(value)


@dataclass(frozen=True)
class _Parameter:
    name: str  # as in param_names, used in messages
    argument: str  # the Python argument name (the name, made an identifier if it is not one)
    symbol: sp.Symbol  # in the exposed expression
    working: sp.Symbol  # in the rewritten expression and the generated code
    allowed: _Range


@dataclass(frozen=True)
class _Support:
    """Where ``y`` may lie: bounds (numbers, or expressions in the parameters), integers or not, or a finite set."""

    text: str
    integer: bool
    low: sp.Expr
    low_open: bool
    high: sp.Expr
    high_open: bool
    values: tuple[float, ...] | None = None

    def assumptions(self) -> dict[str, bool]:
        facts: dict[str, bool] = {"integer": True} if self.integer else {"real": True}
        if self.values is None and self.low.is_number and self.low >= 0:
            facts["positive" if (self.low > 0 or self.low_open) else "nonnegative"] = True
        elif self.values is not None and min(self.values) >= 0:
            facts["positive" if min(self.values) > 0 else "nonnegative"] = True
        return facts


def _support(support: sp.Set, family: str) -> _Support:
    """The support of a family as bounds that NumPy can check; a ValueError for sets it cannot check."""
    oo = sp.oo
    if support == sp.S.Reals:
        return _Support("(-inf, inf)", False, -oo, True, oo, True)
    if isinstance(support, sp.Interval):
        left = "(" if support.left_open else "["
        right = ")" if support.right_open else "]"
        text = f"{left}{_bound_text(support.start)}, {_bound_text(support.end)}{right}"
        return _Support(text, False, support.start, support.left_open, support.end, support.right_open)
    if support in (sp.S.Naturals0, sp.S.Naturals, sp.S.Integers):
        low = {sp.S.Naturals0: 0, sp.S.Naturals: 1, sp.S.Integers: -oo}[support]
        text = {0: "{0, 1, 2, ...}", 1: "{1, 2, 3, ...}", -oo: "{..., -1, 0, 1, ...}"}[low]
        return _Support(text, True, sp.sympify(low), False, oo, True)
    if isinstance(support, sp.Range) and support.step == 1:
        high = support.sup
        text = f"{{{support.inf}, ..., {high}}}"
        return _Support(text, True, support.inf, False, high, False)
    if isinstance(support, sp.FiniteSet) and all(v.is_number and v.is_real for v in support):
        values = sorted(float(v) for v in support)
        text = "{" + ", ".join(_number_text(v) for v in values) + "}"
        if all(v == int(v) for v in values):
            run = values == [float(v) for v in range(int(values[0]), int(values[-1]) + 1)]
            return _Support(text, True, sp.sympify(int(values[0])), False, sp.sympify(int(values[-1])), False,
                            None if run else tuple(values))
        return _Support(text, False, sp.sympify(values[0]), False, sp.sympify(values[-1]), False, tuple(values))
    raise ValueError(
        f"dist: the support {support} of {family} is not one loss_function can check; it checks intervals (with "
        "numeric or symbolic ends), the integers, ranges of integers and finite sets of numbers"
    )


def _bound_text(bound: sp.Expr) -> str:
    if bound in (sp.oo, -sp.oo):
        return "inf" if bound == sp.oo else "-inf"
    return str(bound)


_PROBES = (sp.Integer(-1), sp.Integer(0), sp.Rational(1, 2), sp.Integer(1), sp.Integer(2))


def _builds(build: Callable, params: Sequence) -> bool:
    try:
        build(*params)
    except Exception:  # a reader's family may refuse values in any way it likes
        return False
    return True


def _probed_range(build: Callable, symbols: list, i: int) -> _Range:
    """The values the family's own validation accepts for parameter ``i``, probed at -1, 0, 1/2, 1 and 2.

    An interval from -inf, 0 (open or closed) to 1 (open or closed) or inf; the whole line when the probes do not
    fit such an interval (the family then checks nothing we can tell, and the log-density decides).
    """
    accepted = []
    for value in _PROBES:
        trial = list(symbols)
        trial[i] = value
        accepted.append(_builds(build, trial))
    if all(accepted):
        return _REAL
    minus_one, zero, half, one, two = accepted
    if not (zero or half):
        return _REAL
    low, low_open = (-math.inf, True) if minus_one else ((0.0, False) if zero else (0.0, True))
    high, high_open = (math.inf, True) if two else ((1.0, False) if one else (1.0, True))
    allowed = _Range(low, low_open, high, high_open)
    expected = [_inside(float(v), allowed) for v in _PROBES]
    return allowed if expected == accepted else _REAL


def _inside(value: float, allowed: _Range) -> bool:
    above = value > allowed.low or (value == allowed.low and not allowed.low_open)
    below = value < allowed.high or (value == allowed.high and not allowed.high_open)
    return above and below


def _domain_of_logs(expr: sp.Expr, candidates: set[sp.Symbol]) -> set[sp.Symbol]:
    """The candidate symbols the formula needs positive: the factors of a logarithm's argument and the bases of
    fractional powers."""
    needed = set()
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.log):
            for factor in sp.Mul.make_args(node.args[0]):
                base = factor.as_base_exp()[0]
                if base in candidates:
                    needed.add(base)
        elif node.is_Pow and node.exp.is_integer is not True and node.base in candidates:
            needed.add(node.base)
    return needed


_GENERATED = re.compile(r"_[zt]\d+")  # the names of the generated code's intermediates
# names the generated code uses for something else: the modules and the routines it calls
_TAKEN = {"numpy", "scipy"} | {
    f.routine for f in vars(_stable_forms).values()
    if isinstance(f, type) and issubclass(f, NumericFunction) and "." not in f.routine and f.routine
}
_ARGUMENTS = ("y", "reduction", "sample_weight")


def _arguments(names: Sequence[str], family: str) -> list[str]:
    """Python argument names for the parameters: each name itself, made an identifier where it is not one."""
    arguments = []
    for name in names:
        if name in _ARGUMENTS:
            raise ValueError(
                f"dist: {family} has a parameter called {name!r}, the name of an argument of the loss; rename it"
            )
        argument = re.sub(r"\W", "_", name)
        if not argument or argument[0].isdigit() or _GENERATED.fullmatch(argument):
            argument = f"p_{argument}"
        if keyword.iskeyword(argument) or argument in _TAKEN or argument in arguments:
            argument += "_"
        while argument in arguments:
            argument += "_"
        arguments.append(argument)
    return arguments


@dataclass
class _Family:
    """A family read for its loss: the exposed and working symbols, the parameter ranges, the support, the NLL."""

    name: str
    parameters: tuple[_Parameter, ...]
    support: _Support
    data: sp.Symbol
    expression: sp.Expr  # the negative log-density, in the exposed symbols
    working: sp.Expr  # the same in the working symbols (assumptions from the ranges)
    discrete: bool


def _family_name(cls: type) -> str:
    name = cls.__dict__.get("name") or next(
        (c.__dict__["name"] for c in cls.__mro__ if "name" in c.__dict__ and c is not Distribution), None
    )
    return name if isinstance(name, str) and name else cls.__name__


def _read_family(dist: Any) -> _Family:
    if isinstance(dist, type):
        if not issubclass(dist, Distribution):
            raise ValueError(f"dist: must be a Distribution subclass or instance, got the class {dist.__name__}")
        cls = dist
        names = cls.__dict__.get("param_names", getattr(cls, "param_names", None))
        if not isinstance(names, tuple) or not all(isinstance(n, str) for n in names):
            raise ValueError(
                f"dist: the parameters of {cls.__name__} depend on the instance (its param_names is not a tuple of "
                f"names); pass an instance whose parameters are symbols, such as "
                f"{cls.__name__}(*sympy.symbols('p0:3', nonnegative=True))"
            )
        family = _family_name(cls)
        build: Callable = cls
        symbols = _class_symbols(cls, names, family)
        user_symbols = None
    elif isinstance(dist, Distribution):
        cls = type(dist)
        family = _family_name(cls)
        names = tuple(dist.param_names)
        symbols = list(dist.params)
        if len(names) != len(symbols):
            raise ValueError(f"dist: {dist!r} has {len(symbols)} parameters but param_names {names}")
        for name, value in zip(names, symbols):
            if not isinstance(value, sp.Symbol):
                raise ValueError(
                    f"dist: every parameter must be a SymPy symbol (the loss takes its value as an argument); "
                    f"{name} of {dist!r} is {value}"
                )
        if len(set(symbols)) != len(symbols):
            raise ValueError(f"dist: the parameters of {dist!r} must be distinct symbols")
        if any(s.name == "y" for s in symbols):
            raise ValueError(f"dist: a parameter of {dist!r} is called y, the name of the data; use another symbol")
        build = cls if _builds(cls, symbols) else None  # a constructor with other arguments is not probed
        user_symbols = symbols
    else:
        raise ValueError(
            f"dist: must be a Distribution subclass (such as Normal) or an instance with symbolic parameters, "
            f"got {type(dist).__name__}"
        )
    arguments = _arguments(names, family)
    ranges = []
    for i, symbol in enumerate(symbols):
        allowed = _probed_range(build, symbols, i) if build is not None else _REAL
        if symbol.is_positive:
            allowed = allowed.meet(_POSITIVE)
        elif symbol.is_nonnegative:
            allowed = allowed.meet(_Range(0.0, False))
        ranges.append(allowed)
    instance = dist if user_symbols is not None else _construct(cls, symbols, family)
    try:
        support = _support(instance.support, family)
    except NotImplementedError:
        raise ValueError(f"dist: {family} does not define its support") from None
    data = sp.Symbol("y", **support.assumptions())
    try:
        terms = instance.log_density_terms(data)
    except NotImplementedError:
        raise ValueError(f"dist: {family} does not define log_density_terms") from None
    expression = -sp.Add(*terms)
    # a parameter of unknown sign that the formula takes the logarithm of must be positive
    unknown = {s for s, r in zip(symbols, ranges) if r == _REAL}
    needed = _domain_of_logs(expression, unknown)
    ranges = [r.meet(_POSITIVE) if s in needed else r for s, r in zip(symbols, ranges)]
    if user_symbols is None:  # rebuilt from symbols that know the ranges (positive, non-negative), as SymPy should
        final = [sp.Symbol(n, **r.assumptions()) for n, r in zip(names, ranges)]
        if final != symbols and _builds(cls, final):
            symbols = final
            expression = -sp.Add(*_construct(cls, symbols, family).log_density_terms(data))
    working = [sp.Symbol(a, **r.assumptions()) for a, r in zip(arguments, ranges)]
    mapping = dict(zip(symbols, working))
    stray = expression.free_symbols - set(symbols) - {data}
    if stray:
        raise ValueError(
            f"dist: the log-density of {family} contains symbols that are not its parameters: "
            f"{', '.join(sorted(map(str, stray)))}"
        )
    bounds = {"low": support.low.xreplace(mapping), "high": support.high.xreplace(mapping)}
    support = _Support(support.text, support.integer, bounds["low"], support.low_open, bounds["high"],
                       support.high_open, support.values)
    parameters = tuple(
        _Parameter(n, a, s, w, r) for n, a, s, w, r in zip(names, arguments, symbols, working, ranges)
    )
    return _Family(family, parameters, support, data, expression, expression.xreplace(mapping),
                   bool(getattr(cls, "discrete", False)) or support.integer)


def _class_symbols(cls: type, names: tuple[str, ...], family: str) -> list[sp.Symbol]:
    """Fresh symbols named after ``names``: positive where the family's validation needs it, real otherwise."""
    positive = [sp.Symbol(n, positive=True) for n in names]
    if not _builds(cls, positive):
        real = [sp.Symbol(n, real=True) for n in names]
        if not _builds(cls, real):
            _construct(cls, positive, family)  # raises with the family's own reason
        return real
    symbols = positive
    for i, name in enumerate(names):
        trial = list(symbols)
        trial[i] = sp.Symbol(name, real=True)
        if _builds(cls, trial):
            symbols = trial
    return symbols


def _construct(cls: type, symbols: Sequence[sp.Symbol], family: str) -> Distribution:
    try:
        return cls(*symbols)
    except Exception as error:
        raise ValueError(
            f"dist: {family} cannot be built from the symbols {', '.join(map(str, symbols))}: {error}"
        ) from error


# -- code generation ---------------------------------------------------------------------------------------------------


class _Printer(SciPyPrinter):
    """NumPy/SciPy code: constants to the last digit, ``1/x`` for ``x**-1``, and in a sum the terms free of the
    data first (so that they are added as numbers before they meet an array)."""

    def __init__(self, arrays: set[sp.Symbol]):
        super().__init__({"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False})
        self._arrays = arrays

    def _print_Float(self, expr: sp.Float) -> str:
        return repr(float(expr))

    def _print_Rational(self, expr: sp.Rational) -> str:
        return repr(float(expr))

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        if expr.exp == -1:
            return f"1/{self.parenthesize(expr.base, sp.printing.precedence.PRECEDENCE['Pow'])}"
        return super()._print_Pow(expr, rational=rational)

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        terms = sorted(self._as_ordered_terms(expr, order=order), key=lambda t: bool(t.free_symbols & self._arrays))
        level = sp.printing.precedence.precedence(expr)
        pieces: list[str] = []
        for term in terms:
            text = self._print(term)
            sign = "+"
            if text.startswith("-"):
                sign, text = "-", text[1:]
            if sp.printing.precedence.precedence(term) < level:
                text = f"({text})"
            pieces.extend([sign, text])
        first = pieces.pop(0)
        return ("-" if first == "-" else "") + " ".join(pieces)


@dataclass
class _Kernel:
    """One generated function and the expression it computes."""

    function: Callable
    expression: sp.Expr
    definitions: dict[sp.Symbol, sp.Expr]


def _body(expr: sp.Expr, definitions: dict[sp.Symbol, sp.Expr], data: sp.Symbol) -> tuple[list[str], set[str]]:
    """The lines of a function body computing ``expr``, and the helper routines it calls."""
    lines: list[tuple[sp.Symbol, sp.Expr]] = list(definitions.items())
    names = sp.numbered_symbols("_t")
    replacements, (reduced,) = sp.cse(expr, symbols=names, order="none")
    lines += replacements
    arrays = {data}
    for symbol, value in lines:
        if value.free_symbols & arrays:
            arrays.add(symbol)
    printer = _Printer(arrays)
    text = [f"    {printer.doprint(symbol)} = {printer.doprint(value)}" for symbol, value in lines]
    text.append(f"    return {printer.doprint(reduced)}")
    helpers = {f.routine for f in sp.preorder_traversal(sp.Tuple(expr, *definitions.values()))
               if isinstance(f, NumericFunction) and "." not in f.routine}
    modules = sorted(printer.module_imports)
    return [f"import {m}" for m in modules] + text, helpers


def _generate(family: _Family, name: str) -> tuple[str, _Kernel, _Kernel | None]:
    """Print the fast and (where it differs) the log-space kernel as Python source, and compile them."""
    arguments = [family.data.name] + [p.working.name for p in family.parameters]
    kernels: list[tuple[str, Stabiliser, sp.Expr]] = []
    for log_space in (False, True):
        stabiliser = Stabiliser(log_space)
        kernels.append((f"{name}_in_log_space" if log_space else name, stabiliser, stabiliser(family.working)))
    same = kernels[1][2] == kernels[0][2] and kernels[1][1].definitions == kernels[0][1].definitions
    if same:
        kernels = kernels[:1]
    imports: set[str] = set()
    helpers: set[str] = set()
    functions = []
    for function_name, stabiliser, expr in kernels:
        try:
            body, used = _body(expr, stabiliser.definitions, family.data)
        except Exception as error:  # a node the printer does not know, such as an unevaluated Sum
            raise ValueError(
                f"dist: the log-density of {family.name} cannot be turned into NumPy code ({type(error).__name__}: "
                f"{error})"
            ) from error
        imports.update(line for line in body if line.startswith("import "))
        helpers |= used
        what = "in log space, for the elements where the first form overflows" if stabiliser.log_space else (
            "per observation"
        )
        functions.append(
            f"def {function_name}({', '.join(arguments)}):\n"
            f'    """The negative log-likelihood of {family.name}, {what}."""\n'
            + "\n".join(line for line in body if not line.startswith("import "))
        )
    header = [f"# Generated by lossbook.symbolic.loss_function from the log-density of {family.name}."]
    header += sorted(imports)
    if helpers:
        header.append(f"from lossbook.symbolic._stable_forms import {', '.join(sorted(helpers))}")
    source = "\n".join(header) + "\n\n\n" + "\n\n\n".join(functions) + "\n"
    filename = f"<loss_function {name}>"
    namespace: dict[str, Any] = {"__name__": __name__}
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 -- our own generated code
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # tracebacks show it
    compiled = [
        _Kernel(namespace[function_name], expr, dict(stabiliser.definitions))
        for function_name, stabiliser, expr in kernels
    ]
    return source, compiled[0], (compiled[1] if len(compiled) > 1 else None)


# -- the loss: validation, evaluation, reduction ----------------------------------------------------------------------


@dataclass
class _Loss:
    """Everything a generated loss needs at call time."""

    family: _Family
    fast: _Kernel
    careful: _Kernel | None
    # the ends of the support: (end, open, side) with the end None (infinite), a float, or a function of the
    # parameters (where the support depends on them)
    ends: tuple[tuple[float | Callable | None, bool, str], ...]
    names: str  # "y" and the parameters, for messages about all of them


def _end(bound: sp.Expr, family: _Family) -> float | Callable | None:
    if bound in (sp.oo, -sp.oo):
        return None
    if bound.is_number:
        return float(bound)
    working = [p.working for p in family.parameters]
    return sp.lambdify(working, bound, modules=[{"loggamma": special.gammaln}, "scipy", "numpy"])


def _nonfinite_message(name: str, array: np.ndarray) -> str:
    nans = int(np.isnan(array).sum())
    infs = int(array.size - np.isfinite(array).sum()) - nans
    return f"{name}: must be finite, got {nans} NaN and {infs} infinite value(s)"


def _check_parameter(array: np.ndarray, parameter: _Parameter) -> None:
    allowed = parameter.allowed
    if array.ndim == 0:
        low = high = float(array)
        if allowed is _REAL and math.isfinite(low):
            return
    else:
        low, high = float(array.min()), float(array.max())  # NaN propagates through both
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(_nonfinite_message(parameter.name, array))
    bad_low = low < allowed.low or (allowed.low_open and low == allowed.low)
    bad_high = high > allowed.high or (allowed.high_open and high == allowed.high)
    if bad_low or bad_high:
        what = allowed.describe()
        if allowed.high == math.inf:
            raise ValueError(f"{parameter.name}: must be {what}, got min {low!r}")
        raise ValueError(f"{parameter.name}: must be {what}, got min {low!r} and max {high!r}")


def _check_data(y: np.ndarray, loss: _Loss, params: list[np.ndarray]) -> None:
    support = loss.family.support
    low, high = float(y.min()), float(y.max())
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(_nonfinite_message("y", y))
    where = f"the support {support.text} of {loss.family.name}"
    if support.integer:
        if not np.array_equal(y, np.round(y)):
            raise ValueError(f"y: must be integers ({where}), got {float(y[y != np.round(y)].flat[0])!r}")
        if max(-low, high) > 2.0**53:
            raise ValueError(f"y: must be integers below 2**53 in magnitude, got {max(-low, high)!r}")
    if support.values is not None:
        outside = ~np.isin(y, support.values)
        if outside.any():
            raise ValueError(f"y: must lie in {where}, got {float(y[outside].flat[0])!r}")
        return
    for end, is_open, side in loss.ends:
        if end is None:
            continue
        if isinstance(end, float):  # a number: the smallest or largest y decides
            extreme = low if side == "low" else high
            if _beyond(extreme, end, is_open, side):
                raise ValueError(f"y: must lie in {where}, got {'min' if side == 'low' else 'max'} {extreme!r}")
            continue
        with quiet():
            edge = np.asarray(end(*params), dtype=np.float64)
        outside = np.broadcast_to(_beyond(y, edge, is_open, side), y.shape)
        if outside.any():
            index = np.unravel_index(int(np.argmax(outside)), y.shape)
            values = ", ".join(
                f"{p.name} = {float(np.broadcast_to(a, y.shape)[index])!r}"
                for p, a in zip(loss.family.parameters, params)
            )
            raise ValueError(f"y: must lie in {where}, got y = {float(y[index])!r} where {values}")


def _beyond(value: Any, edge: Any, is_open: bool, side: str) -> Any:
    """Whether ``value`` lies past the ``side`` ("low" or "high") end ``edge`` of the support (elementwise)."""
    past = value < edge if side == "low" else value > edge
    return past | (value == edge) if is_open else past


def _filled(array: np.ndarray, mask: np.ndarray, position: int, dtype: np.dtype) -> np.ndarray:
    """``array`` with its masked elements replaced by its value at the first unmasked ``position`` (never read)."""
    full = np.broadcast_to(array, mask.shape)
    return np.where(mask, full.flat[position], full).astype(dtype)


def _diagnosis(loss: _Loss, values: np.ndarray, inputs: list[np.ndarray], dtype: np.dtype) -> str:
    """Why the loss is not finite at its first such element: zero density, an infinite density, or overflow."""
    shape = values.shape
    index = np.unravel_index(int(np.argmax(~np.isfinite(values))), shape)
    point = [float(np.broadcast_to(a, shape)[index]) for a in inputs]
    family = loss.family
    where = ", ".join(f"{name} = {v!r}" for name, v in zip(["y"] + [p.name for p in family.parameters], point))
    at = f"at index {tuple(int(i) for i in index)} ({where})"
    symbols = [family.data] + [p.working for p in family.parameters]
    try:
        exact = family.working.xreplace({s: sp.Float(repr(v), 30) for s, v in zip(symbols, point)}).evalf(30)
    except Exception:  # a formula SymPy cannot evaluate at a point; fall back on the numeric value
        exact = sp.nan
    mass = "probability" if family.discrete else "density"
    value = values[index]
    finite = bool(exact.is_finite and exact.is_real)
    if value == -np.inf or exact == -sp.oo:
        return f"{loss.names}: the density of {family.name} is infinite {at}, so the loss would be -inf"
    if finite:
        size = str(sp.N(exact, 6)).replace("E", "e")
        if abs(exact) < np.finfo(dtype).max:
            return (
                f"{loss.names}: the loss is {size} {at}, but the generated formula loses it to rounding (it gives "
                f"{value}): no rule of loss_function rewrites this log-density into a stable form there"
            )
        advice = "rescale the data or parameters" if dtype == np.float64 else "rescale them or pass float64 arrays"
        return f"{loss.names}: the loss overflows {dtype.name} {at}: its value is {size}; {advice}"
    if value == np.inf or exact in (sp.oo, sp.zoo):
        return (
            f"{loss.names}: y has zero {mass} under {family.name} {at}, so its negative log-likelihood is infinite"
        )
    return f"{loss.names}: the log-density of {family.name} is undefined {at} (it evaluates to NaN)"


def _repaired(loss: _Loss, values: np.ndarray, inputs: list[np.ndarray], dtype: np.dtype) -> np.ndarray:
    """``values`` with its non-finite elements computed again in float64 (in log space where that form exists)."""
    bad = ~np.isfinite(values)
    kernel = loss.careful or loss.fast
    subset = [np.broadcast_to(a, values.shape)[bad].astype(np.float64) for a in inputs]
    with quiet():
        again = np.broadcast_to(np.asarray(kernel.function(*subset), dtype=np.float64), subset[0].shape)
        values[bad] = again.astype(dtype)
    if not np.isfinite(values).all():
        raise ValueError(_diagnosis(loss, values, inputs, dtype))
    return values


def _result(total: Any, dtype: np.dtype) -> Any:
    return float(total) if dtype == np.float64 else dtype.type(total)


def _reduced(values, w, mask, reduction: str, shape, dtype: np.dtype, names: str) -> Any:
    """Apply ``reduction`` to finite ``values``; a mean whose sum overflows is summed again from scaled terms."""
    with quiet():
        result = reduce(values, w, mask, reduction, shape, dtype)
        total = np.add.reduce(np.ma.getdata(result), axis=None) if reduction == "none" else result
        if math.isfinite(total):
            return result
        if reduction == "mean":
            full = np.broadcast_to(values, shape)
            if w is None:
                result = np.add.reduce(full / full.size, axis=None)
            else:
                wb = np.broadcast_to(w, shape)
                result = np.add.reduce(full * (wb / np.add.reduce(wb, axis=None)), axis=None)
            if math.isfinite(result):
                return _result(result, dtype)
    what = {"mean": "the mean loss", "sum": "the sum of the losses", "none": "the weighted losses"}[reduction]
    raise ValueError(f"{names}: {what} overflows {dtype.name} for these inputs; rescale them")


def _evaluate(loss: _Loss, y: ArrayLike, params: tuple, reduction: str, sample_weight: ArrayLike | None) -> Any:
    """Validate, compute the per-observation losses, reduce: the conventions of :mod:`lossbook.numeric`."""
    reduction = reduction_arg(reduction)
    parameters = loss.family.parameters
    dtype = compute_dtype(y, *params)
    data, mask = as_array(y, "y", dtype)
    shape = data.shape
    arrays = []
    for parameter, value in zip(parameters, params):
        array, parameter_mask = as_array(value, parameter.name, dtype)
        fits(array, parameter.name, shape, "y")
        arrays.append(array)
        if parameter_mask is not None:
            mask = np.broadcast_to(parameter_mask, shape) if mask is None else mask | parameter_mask
    if mask is not None:
        mask = np.array(np.broadcast_to(mask, shape))
        if mask.all():
            weights(sample_weight, shape, dtype, mask, reduction)  # the mean of nothing raises there
            zero = np.zeros(shape, dtype)
            return np.ma.MaskedArray(zero, mask=mask) if reduction == "none" else _result(0.0, dtype)
        first = int(np.argmin(mask.ravel()))
        data = _filled(data, mask, first, dtype)
        arrays = [_filled(a, mask, first, dtype) for a in arrays]
    w = weights(sample_weight, shape, dtype, mask, reduction)
    for parameter, array in zip(parameters, arrays):
        _check_parameter(array, parameter)
    _check_data(data, loss, arrays)
    with quiet():
        values = loss.fast.function(data, *arrays)
        if type(values) is not np.ndarray or values.shape != shape or values.dtype != dtype or any(
            values is a for a in (data, *arrays)
        ):
            values = np.array(np.broadcast_to(values, shape), dtype=dtype)
        total = np.add.reduce(values, axis=None)
    if not math.isfinite(total):
        values = _repaired(loss, values, [data, *arrays], dtype)
    elif w is None and mask is None and reduction != "none":
        with quiet():
            result = total if reduction == "sum" else total / values.size
        if math.isfinite(result):
            return _result(result, dtype)
    return _reduced(values, w, mask, reduction, shape, dtype, loss.names)


# -- loss_function -----------------------------------------------------------------------------------------------------


_CACHE: dict[tuple, Callable] = {}
_CACHE_SIZE = 128


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _docstring(family: _Family, name: str) -> str:
    try:
        formula = latex(family.expression)
    except Exception:  # the textbook printer may not know a reader's function; SymPy's own printer does
        formula = sp.latex(family.expression)
    given = ", ".join(sp.latex(p.symbol) for p in family.parameters)
    kind = "integers in" if family.support.integer else "values in"
    lines = [
        f"Negative log-likelihood of ``y`` under the {family.name} family, generated from its symbolic log-density.",
        "",
        ".. math::",
        "",
        f"    -\\log p(y \\mid {given}) = {formula}",
        "",
        "Parameters",
        "----------",
        "y : array_like",
        f"    Observations: {kind} {family.support.text}.",
    ]
    for p in family.parameters:
        lines += [
            f"{p.argument} : array_like",
            f"    The parameter {p.name} ({p.allowed.describe()}): a number, or an array that broadcasts to the shape "
            "of ``y``.",
        ]
    lines += [
        'reduction : {"mean", "sum", "none"}, optional',
        '    ``"mean"`` (the default): the weighted mean; ``"sum"``; ``"none"``: one loss per observation.',
        "sample_weight : array_like, optional",
        "    Non-negative weights, broadcast to the shape of ``y``; ``None`` weighs every observation 1.",
        "",
        "Returns",
        "-------",
        "float or numpy.ndarray",
        '    A number for ``"mean"`` and ``"sum"``, an array of the shape of ``y`` for ``"none"``.',
        "",
        "Raises",
        "------",
        "ValueError",
        "    Naming the argument: values that are not finite, outside the support or the parameters' ranges, shapes",
        "    that do not broadcast, or a loss that is infinite (zero density) or overflows.",
        "",
        "Notes",
        "-----",
        "Made by :func:`lossbook.symbolic.loss_function`: ``.expression`` is the formula above, ``.rewritten`` its",
        f"stable form and ``.source`` the generated code of ``{name}``.",
    ]
    return "\n".join(lines)


def _make(dist: Any, name: str | None) -> Callable:
    family = _read_family(dist)
    name = name or f"{_snake(family.name)}_nll"
    source, fast, careful = _generate(family, name)
    support = family.support
    ends = (
        (_end(support.low, family), support.low_open, "low"), (_end(support.high, family), support.high_open, "high")
    )
    loss = _Loss(family, fast, careful, ends, ", ".join(["y"] + [p.name for p in family.parameters]))
    arguments = [p.argument for p in family.parameters]
    listed = "".join(f"{a}, " for a in arguments)
    wrapper = (
        f"def {name}(y, {listed}*, reduction='mean', sample_weight=None):\n"
        f"    return _evaluate(_loss, y, ({listed}), reduction, sample_weight)\n"
    )
    namespace: dict[str, Any] = {"__name__": __name__, "_evaluate": _evaluate, "_loss": loss}
    exec(compile(wrapper, f"<loss_function {name} wrapper>", "exec"), namespace)  # noqa: S102 -- generated here
    function = namespace[name]
    function.__doc__ = _docstring(family, name)
    function.expression = family.expression
    function.rewritten = fast.expression.xreplace(
        {p.working: p.symbol for p in family.parameters}
    ).xreplace({s: v.xreplace({p.working: p.symbol for p in family.parameters}) for s, v in fast.definitions.items()})
    function.symbols = (family.data, *(p.symbol for p in family.parameters))
    function.source = source
    function.family = family.name
    return function


def loss_function(dist: type[Distribution] | Distribution, *, name: str | None = None) -> Callable[..., Any]:
    r"""A vectorised NumPy negative log-likelihood, generated from the symbolic log-density of ``dist``.

    The log-density the family writes down (:meth:`~lossbook.symbolic.Distribution.log_density_terms`) is
    negated, rewritten by rules into a form that neither overflows nor cancels (``log1p``, ``xlogy``,
    ``logaddexp``, ``softplus``, ``expm1``, ``gammaln``, logarithms of products split, powers combined or taken
    in log space, Stirling's series where log-gammas cancel; the rules are tabled in the module
    ``lossbook.symbolic._stable_forms``), and printed as NumPy and SciPy code. There is no hand-written twin of
    the formula to drift from it.

    Parameters
    ----------
    dist : type or Distribution
        A :class:`~lossbook.symbolic.Distribution` subclass, such as ``Normal`` or a family of your own (it is
        built from fresh symbols named after its ``param_names``, positive where its validation needs it and
        real otherwise), or an instance whose parameters are SymPy symbols.
    name : str, optional
        The name of the returned function; by default the family's name in snake case with ``_nll``
        (``normal_nll``).

    Returns
    -------
    collections.abc.Callable
        ``f(y, *params, reduction="mean", sample_weight=None)``, the parameters in the order of ``param_names``
        (each a number or an array that broadcasts to the shape of ``y`` without enlarging it). It follows the
        conventions of :mod:`lossbook.numeric`: ``reduction`` ``"mean"``, ``"sum"`` or ``"none"``,
        ``sample_weight`` as scikit-learn's weighted mean, float32 in and float32 out, masked elements left out,
        and a :class:`ValueError` naming the argument for bad input (values that are not finite, ``y`` outside
        the support or not an integer for a discrete family, parameters outside their range: positive where the
        family or the formula needs it, such as a scale whose logarithm the density takes, and probabilities in
        [0, 1]), for a loss that is infinite (``y`` has zero density) and for one that overflows. It carries
        ``.expression`` (the negative log-density it was generated from, in ``.symbols``), ``.rewritten`` (its
        stable form), ``.source`` (the generated code) and ``.family``.

    Raises
    ------
    ValueError
        If ``dist`` is not a family or an instance with symbolic parameters, if its support is not an interval,
        a range of integers or a finite set, or if its log-density contains symbols other than its parameters
        or a function that cannot be printed as NumPy code; if ``name`` is not a Python identifier (or is the name
        of a module or routine the generated code uses, such as ``numpy``).

    Notes
    -----
    Built in the chapter `Your own likelihood <chapters/your_own_likelihood.html>`_. Parameters the family
    requires to be positive, non-negative or in [0, 1] are found by building it with the numbers -1, 0, 1/2, 1
    and 2 in their place; constraints that tie parameters together (categorical probabilities summing to one)
    are not checked. The generated function is cached per family and parameters, so a second call is
    immediate. Where the log-density's own terms cancel for large arguments in a way no rule covers (negative
    binomial counts in the tens of thousands, whose log-gammas cancel against :math:`y\log\mu`), the loss keeps
    the accuracy of the formula as written, as :mod:`scipy.stats` does.

    Examples
    --------
    >>> from lossbook.symbolic import Normal, Poisson
    >>> nll = loss_function(Normal)
    >>> nll([1.0, 3.0], 1.0, 2.0)  # log(2 pi 4) / 2 + mean of (0, 1 / 8)
    1.862086
    >>> nll([1.0, 3.0], 1.0, 2.0, reduction="none")
    array([1.612086, 2.112086])
    >>> print(nll.source.splitlines()[-1])
        return numpy.log(sigma) + 0.9189385332046727 + 0.5*_z0**2
    >>> loss_function(Poisson)(2, 0.0)
    Traceback (most recent call last):
    ...
    ValueError: rate: must be positive, got min 0.0
    """
    if name is not None and (not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name)):
        raise ValueError(f"name: must be a Python identifier, got {name!r}")
    if name in _TAKEN:
        raise ValueError(f"name: {name!r} is a module or routine the generated code uses; choose another name")
    key = (dist if isinstance(dist, type) else (type(dist), getattr(dist, "params", None)), name)
    try:
        cached = _CACHE.get(key)
    except TypeError:  # unhashable parameters: not a valid family anyway, let _make say why
        cached = None
    if cached is not None:
        return cached
    function = _make(dist, name)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = function
    return function
