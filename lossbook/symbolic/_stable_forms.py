r"""Stable numeric forms of a negative log-density: the rewriting rules of :func:`lossbook.symbolic.loss_function`
and the numeric routines the rewritten expressions call.

The rules (applied bottom-up, each where its condition holds; every one is an identity, so the rewritten
expression equals the log-density as written):

=========================================  ========================================================================
form                                       becomes
=========================================  ========================================================================
``log(a*b)``, ``log(a/b)``, ``log(a**k)``  ``log(a) + log(b)``, ``log(a) - log(b)``, ``k*log(a)`` (positive factors)
``log(exp(u))``, ``log(gamma(u))``         ``u``, ``gammaln(u)``; ``loggamma(u)`` is ``gammaln(u)`` too
``log(1 + u)``, ``log(1 - u)``             ``log1p(u)``, ``log1p(-u)``; ``log(c + u)`` is ``log(c) + log1p(u/c)``
``log(a + b/c)``                           ``log(a*c + b) - log(c)`` (then ``log1p`` where a one appears)
``log(exp(a) + exp(b))``                   ``logaddexp(a, b)``; ``log(1 + exp(a))`` is ``softplus(a)``
``log(1 - exp(a))``                        ``log(-expm1(a))`` above :math:`-\log 2`, ``log1p(-exp(a))`` below
``log(1 + erf(u))``, ``log(erfc(u))``      ``log(2) + log_ndtr(sqrt(2)*u)``, ``log(2) + log_ndtr(-sqrt(2)*u)``
``exp(u) - 1``                             ``expm1(u)`` (the sums of SymPy's ``expm1_opt``)
``x*log(y)``, ``x*log1p(y)``               ``xlogy(x, y)``, ``xlog1py(x, y)`` where both can be 0 (:math:`0\log 0 = 0`)
``a**k * b**(-k)``                         ``(a/b)**k`` (no overflow of :math:`a^k` where :math:`a/b` is moderate)
``loggamma(a + d) - loggamma(a)``          ``log_rising(a, d)``: Stirling's series, no cancellation for large ``a``
``v - u*log(v) + loggamma(u + 1)``         ``poisson_kernel(u + 1, v)``: Stirling's series and the deviance series of
                                           Loader's ``dpois``, no cancellation between terms of size :math:`u\log u`
=========================================  ========================================================================

SymPy's own ``log1p_opt`` is not used: it factors the argument first, which turns :math:`\log(1 + z^2/g^2)` into
:math:`\log(g^2 + z^2) - 2\log g` and loses what ``log1p`` is for.

A second version, in log space, is generated too: there ``a**p`` is ``exp(p*log(a))`` and ``log1p(a**k)`` is
``softplus(k*log|a|)``. It runs only for the elements whose first result is not finite (a Cauchy residual of
:math:`10^{200}`, whose square overflows), so valid input pays nothing for it.

See the chapter `Your own likelihood <chapters/your_own_likelihood.html>`_.
"""

from __future__ import annotations

import math
from itertools import count

import numpy as np
import sympy as sp
from scipy import special
from sympy.codegen.cfunctions import log1p
from sympy.codegen.rewriting import expm1_opt



# -- the numeric special functions the rewritten expressions call ----------------------------------------------------
# They run inside the loss's numpy.errstate (lossbook.numeric._validation.quiet): an overflow on the way is seen
# in the result, which the loss checks, rather than as a warning.

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_LOG_2 = math.log(2.0)
# Stirling's series of Binet's function log Gamma(n) - [(n - 1/2) log n - n + log(2 pi)/2]:
# 1/(12 n) - 1/(360 n^3) + 1/(1260 n^5) - ... (the Bernoulli numbers B_2k / (2k (2k - 1)))
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156)
_STIRLING_FROM = 16.0  # from here on the seven terms leave out less than 1e-18
# Below this count the Poisson terms are summed as they stand: their rounding, about 2e-16 k log k, stays below
# 2e-13 of the result (at least log(2 pi k) / 2); above it Stirling's series regroups them.
_POISSON_STIRLING_FROM = 256.0
# Series of the Poisson deviance k log(k/l) - k + l in v = (k - l)/(k + l): (k - l) v + 2 k (v^3/3 + v^5/5 + ...),
# used for |v| < 0.1, where twelve terms leave out less than 1e-24 of the first
_DEVIANCE_TERMS = 12


def _log_rising(a: np.ndarray, d: np.ndarray) -> np.ndarray:
    r""":math:`\log\Gamma(a + d) - \log\Gamma(a)` without cancellation, for :math:`a > 0` and :math:`a + d > 0`.

    Where both arguments are at least 16, from Stirling's series:
    :math:`(a - \tfrac12)\log(1 + d/a) + d\log(a + d) - d + \mu(a + d) - \mu(a)` with Binet's function
    :math:`\mu` (:func:`_stirling_remainder`); no term is much larger than the result. Elsewhere one of the two
    log-gammas is below 30 and their difference loses nothing.
    """
    a, d = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(d, dtype=np.float64))
    b = a + d
    large = (a >= _STIRLING_FROM) & (b >= _STIRLING_FROM)
    result = np.array(special.gammaln(b) - special.gammaln(a))
    if large.any():
        a, d, b = a[large], d[large], b[large]
        result[large] = (
            (a - 0.5) * np.log1p(d / a) + (d * np.log(b) - d) + (_stirling_remainder(b) - _stirling_remainder(a))
        )
    return result


def _stirling_remainder(n: np.ndarray) -> np.ndarray:
    r"""Binet's function :math:`\mu(n) = \log\Gamma(n) - (n - \tfrac12)\log n + n - \tfrac12\log 2\pi`
    (also :math:`\log n! - (n + \tfrac12)\log n + n - \tfrac12\log 2\pi`) for :math:`n \ge 16`, by Stirling's
    series, summed up to the first term below :math:`10^{-18}` at the smallest ``n``."""
    smallest = float(np.min(n))
    terms = next(
        (m for m in range(1, len(_STIRLING)) if abs(_STIRLING[m]) * smallest ** -(2 * m + 1) < 1e-18), len(_STIRLING)
    )
    inverse_square = 1.0 / (n * n)
    total = _STIRLING[terms - 1]
    for coefficient in reversed(_STIRLING[: terms - 1]):
        total = total * inverse_square + coefficient
    return total / n


def _poisson_deviance(k: np.ndarray, rate: np.ndarray) -> np.ndarray:
    r""":math:`k\log(k/\lambda) - k + \lambda \ge 0`: by its series in :math:`v = (k-\lambda)/(k+\lambda)` where
    :math:`|v| < 0.1` (there the terms cancel), and as written elsewhere (with :math:`\log k - \log\lambda`
    where :math:`k/\lambda` overflows)."""
    difference = k - rate
    v = difference / (k + rate)
    square = v * v
    largest = float(np.max(square))
    if largest < 0.01:  # every count near its rate (the usual case): the series alone
        return difference * v + 2.0 * k * v * square * _odd_series(square, largest)
    log_ratio = np.log(k / rate)
    if not np.isfinite(log_ratio).all():
        log_ratio = np.log(k) - np.log(rate)
    deviance = k * log_ratio - difference
    near = square < 0.01
    if not near.any():
        return deviance
    square = np.where(near, square, 0.0)
    close = difference * v + 2.0 * k * v * square * _odd_series(square, float(np.max(square)))
    return np.where(near, close, deviance)


def _odd_series(square: np.ndarray, largest: float) -> np.ndarray:
    r""":math:`1/3 + v^2/5 + v^4/7 + \dots` for :math:`v^2 \le` ``largest`` :math:`< 0.01`, up to the first term
    below :math:`10^{-17}` of the first."""
    terms = 1 if largest == 0 else min(_DEVIANCE_TERMS, max(1, math.ceil(-17 / math.log10(largest))))
    series = 1.0 / (2 * terms + 1)
    for j in reversed(range(1, terms)):
        series = series * square + 1.0 / (2 * j + 1)
    return series


def _poisson_kernel(a: np.ndarray, rate: np.ndarray) -> np.ndarray:
    r""":math:`\lambda - (a - 1)\log\lambda + \log\Gamma(a)`, the Poisson negative log-mass of :math:`k = a - 1`
    (and the gamma density's core), accurate for every :math:`a > 0` and :math:`\lambda > 0`.

    Below :math:`k = 256` the three terms are summed as they stand (their rounding stays below
    :math:`2\cdot 10^{-13}` of the result). From there on they are of size :math:`k\log k` and cancel to
    :math:`\tfrac12\log(2\pi k)` near :math:`\lambda = k`, so Stirling's series regroups them:
    :math:`D(k, \lambda) + \tfrac12\log(2\pi k) + \mu(k)` with the deviance :math:`D` of :func:`_poisson_deviance`
    and Binet's function :math:`\mu` (Loader's algorithm for R's ``dpois``). The log-gamma takes ``a`` itself, so
    a small gamma shape keeps its digits.
    """
    a, rate = np.asarray(a), np.asarray(rate)
    k = a - 1.0
    large = k >= _POISSON_STIRLING_FROM
    if not large.any():
        return rate - special.xlogy(k, rate) + special.gammaln(a)
    if large.all():
        return _poisson_deviance(k, rate) + (_HALF_LOG_2PI + 0.5 * np.log(k) + _stirling_remainder(k))
    a, rate, large = np.broadcast_arrays(a, rate, large)
    result = np.empty(a.shape, dtype=np.result_type(a, rate, np.float32))
    small = ~large
    result[small] = _poisson_kernel(a[small], rate[small])
    result[large] = _poisson_kernel(a[large], rate[large])
    return result


def _softplus(a: np.ndarray) -> np.ndarray:
    r""":math:`\log(1 + e^{a}) = \max(a, 0) + \log(1 + e^{-|a|})`: no overflow, and a third of the time of
    ``numpy.logaddexp``."""
    return np.maximum(a, 0) + np.log1p(np.exp(-np.abs(a)))


def _logaddexp(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    r""":math:`\log(e^a + e^b) = \max(a, b) + \log(1 + e^{-|a - b|})` (equal infinite arguments give that infinity)."""
    top = np.maximum(a, b)
    return np.where(a == b, top + _LOG_2, top + np.log1p(np.exp(-np.abs(a - b))))


def _log1mexp(a: np.ndarray) -> np.ndarray:
    r""":math:`\log(1 - e^{a})` for :math:`a \le 0`: ``log(-expm1(a))`` above :math:`-\log 2`, ``log1p(-exp(a))``
    below (Mächler's rule: each where it keeps every digit)."""
    return np.where(a > -_LOG_2, np.log(-np.expm1(a)), np.log1p(-np.exp(a)))


class NumericFunction(sp.Function):
    """A SymPy function that stands for one numeric routine of the generated code (printed by name)."""

    routine = ""  # the dotted name the printer writes

    @classmethod
    def eval(cls, *args):
        return None

    def _numpycode(self, printer) -> str:
        routine = printer._module_format(self.routine) if "." in self.routine else self.routine
        return f"{routine}({', '.join(printer._print(a) for a in self.args)})"


class xlogy(NumericFunction):  # noqa: N801 -- named like the SciPy routine it prints as
    r""":math:`x\log y`, zero where :math:`x = 0` (also at :math:`y = 0`)."""

    nargs = 2
    routine = "scipy.special.xlogy"


class xlog1py(NumericFunction):  # noqa: N801
    r""":math:`x\log(1 + y)`, zero where :math:`x = 0` (also at :math:`y = -1`)."""

    nargs = 2
    routine = "scipy.special.xlog1py"


class gammaln(NumericFunction):  # noqa: N801
    r""":math:`\log\Gamma(z)` (SymPy's ``loggamma`` turns into ``log(gamma(z))`` at integer arguments; this does
    not)."""

    nargs = 1
    routine = "scipy.special.gammaln"


class log_ndtr(NumericFunction):  # noqa: N801
    r""":math:`\log\Phi(x)`, the logarithm of the standard normal distribution function (SciPy's, accurate in both
    tails)."""

    nargs = 1
    routine = "scipy.special.log_ndtr"


class log_rising(NumericFunction):  # noqa: N801
    r""":math:`\log\Gamma(a + d) - \log\Gamma(a)`, see :func:`_log_rising`."""

    nargs = 2
    routine = "_log_rising"


class poisson_kernel(NumericFunction):  # noqa: N801
    r""":math:`\lambda - (a - 1)\log\lambda + \log\Gamma(a)`, see :func:`_poisson_kernel`."""

    nargs = 2
    routine = "_poisson_kernel"


class softplus(NumericFunction):  # noqa: N801
    r""":math:`\log(1 + e^a)`, see :func:`_softplus`."""

    nargs = 1
    routine = "_softplus"


class logaddexp(NumericFunction):  # noqa: N801
    r""":math:`\log(e^a + e^b)`, see :func:`_logaddexp`."""

    nargs = 2
    routine = "_logaddexp"


class log1mexp(NumericFunction):  # noqa: N801
    r""":math:`\log(1 - e^a)`, see :func:`_log1mexp`."""

    nargs = 1
    routine = "_log1mexp"


# -- rewriting for numerical stability ------------------------------------------------------------------------------


def _is_exp(factor: sp.Expr) -> bool:
    return isinstance(factor, sp.exp)


def _maybe_zero(value: sp.Expr) -> bool:
    return not (value.is_number and value != 0) and value.is_zero is not False


class Stabiliser:
    """Rewrites a negative log-density, bottom-up, into forms that neither overflow nor cancel.

    ``log_space=True`` gives the second version of the module docstring (powers and ``log1p`` of products in log
    space). Combined powers ``(a/b)**k`` get a name of their own (``definitions``), so that SymPy does not
    distribute the power again; the printer assigns them before the expression.
    """

    def __init__(self, log_space: bool):
        self.log_space = log_space
        self.definitions: dict[sp.Symbol, sp.Expr] = {}
        self._named: dict[sp.Expr, sp.Symbol] = {}
        self._numbers = count()

    def __call__(self, expr: sp.Expr) -> sp.Expr:
        return fold_constants(self.visit(expr))

    def visit(self, e: sp.Expr) -> sp.Expr:
        if e.is_Atom or isinstance(e, sp.Symbol):
            return e
        if isinstance(e, sp.Piecewise):
            return sp.Piecewise(*[(self.visit(value), condition) for value, condition in e.args])
        if isinstance(e, sp.log):
            return self.log(e.args[0])
        if isinstance(e, sp.loggamma):
            return gammaln(self.visit(e.args[0]))
        args = [self.visit(a) for a in e.args]
        new = e.func(*args) if args != list(e.args) else e
        if new.is_Add:
            return self.add(new)
        if new.is_Mul:
            return self.mul(new)
        if new.is_Pow:
            return self.power(new)
        return new

    # logarithms

    def log(self, arg: sp.Expr) -> sp.Expr:
        """A stable form of ``log(arg)``."""
        if arg.is_number:
            return sp.log(arg)
        if isinstance(arg, sp.exp):
            return self.visit(arg.args[0])
        if isinstance(arg, sp.gamma):
            return gammaln(self.visit(arg.args[0]))
        if isinstance(arg, sp.erfc):  # erfc(u) = 2 Phi(-sqrt(2) u)
            return sp.log(2) + log_ndtr(-sp.sqrt(2) * self.visit(arg.args[0]))
        whole = sp.log(arg)
        if not isinstance(whole, sp.log):  # SymPy simplified it (log(exp(u)) for real u, say)
            return self.visit(whole)
        split = sp.expand_log(whole, deep=False, force=False)
        if split != whole:
            return self.visit(split)
        if self.log_space and (arg.is_Mul or arg.is_Pow):
            product = self.log_of_product(arg)
            if product is not None:
                return product
        if arg.is_Add:
            return self.log_of_sum(arg)
        return sp.log(self.visit(arg))

    def log_of_product(self, arg: sp.Expr) -> sp.Expr | None:
        """``log`` of a positive product of powers as a sum of logs (``log|a|`` for even powers of real ``a``).

        ``None`` if a factor's sign is unknown (and it is not raised to an even power).
        """
        coefficient, factors = arg.as_coeff_mul()
        if not coefficient > 0:
            return None
        logs = [sp.log(coefficient)]
        for factor in factors:
            base, exponent = factor.as_base_exp()
            if base.is_nonnegative and base not in self.definitions:
                logs.append(exponent * self.log(base))
            elif exponent.is_even and base.is_real:
                logs.append(exponent * self.log_abs(base))
            else:
                return None
        return sp.Add(*logs)

    def log_abs(self, u: sp.Expr) -> sp.Expr:
        """``log|u|`` as a sum of the logs of its factors' sizes (a named ratio is opened up: no overflow of it)."""
        if u in self.definitions:
            return self.log_abs(self.definitions[u])
        coefficient, factors = u.as_coeff_mul()
        logs = [sp.log(abs(coefficient))]
        for factor in factors:
            base, exponent = factor.as_base_exp()
            if base in self.definitions:
                logs.append(exponent * self.log_abs(base))
            elif base.is_nonnegative:
                logs.append(exponent * self.log(base))
            else:
                logs.append(exponent * sp.log(sp.Abs(self.visit(base))))
        return sp.Add(*logs)

    def log_of_positive_term(self, term: sp.Expr) -> sp.Expr:
        """``log`` of one term of a sum that is taken to be positive: its factors' logs added."""
        coefficient, factors = term.as_coeff_mul()
        logs = [sp.log(coefficient)]
        for factor in factors:
            if _is_exp(factor):
                logs.append(self.visit(factor.args[0]))
            else:
                base, exponent = factor.as_base_exp()
                logs.append(exponent * self.log(base))
        return sp.Add(*logs)

    def log_of_sum(self, arg: sp.Expr) -> sp.Expr:
        terms = arg.args
        number = sp.Add(*[t for t in terms if t.is_number])
        rest = sp.Add(*[t for t in terms if not t.is_number])
        # log-sum-exp: every term a positive multiple of factors, one of them an exponential
        has_exp = [any(_is_exp(f) for f in sp.Mul.make_args(t)) for t in terms]
        if any(has_exp) and all(t.as_coeff_Mul()[0] > 0 for t in terms):
            logs = [self.log_of_positive_term(t) for t in terms]
            zeros = [L for L in logs if L == 0]
            others = [L for L in logs if L != 0]
            if len(zeros) == 1 and len(others) == 1:
                return softplus(others[0])
            result = logs[0]
            for L in logs[1:]:
                result = logaddexp(result, L)
            return result
        # log(c (1 + erf(u))) = log(c) + log(erfc(-u)), log(c (1 - erf(u))) = log(c) + log(erfc(u)): the normal
        # distribution function, which log_ndtr keeps in both tails
        for sign in (1, -1):
            if number.is_positive and isinstance(sign * rest / number, sp.erf):
                u = self.visit((sign * rest / number).args[0])
                return sp.log(2 * number) + log_ndtr(sign * sp.sqrt(2) * u)
        # log(1 - exp(a))
        if number == 1 and rest.is_Mul and rest.as_coeff_Mul()[0] == -1:
            inner = -rest
            if _is_exp(inner):
                return log1mexp(self.visit(inner.args[0]))
        # log(c + u) = log(c) + log1p(u / c)
        if number.is_positive:
            u = self.visit(rest / number)
            return sp.log(number) + self.log1p(u)
        # log(a + b/c) = log(a c + b) - log(c)
        numerator, denominator = sp.fraction(sp.together(arg))
        if denominator != 1 and denominator.is_positive:
            return self.log(numerator) - self.log(denominator)
        return sp.log(self.visit(arg))

    def log1p(self, u: sp.Expr) -> sp.Expr:
        if self.log_space and (u.is_Mul or u.is_Pow) and not u.is_number:
            product = self.log_of_product(u)
            if product is not None:
                return softplus(product)
        return log1p(u)

    # products, powers and sums

    def mul(self, e: sp.Expr) -> sp.Expr:
        e = self.combine_powers(e)
        if not e.is_Mul:
            return e
        logs = [f for f in e.args if isinstance(f, (sp.log, log1p))]
        sums = [f for f in e.args if f.is_Add and any(isinstance(t, (sp.log, log1p)) for t in _factors_of_terms(f))]
        if not logs and len(sums) == 1:  # c*(log(a) - log(b)) with c possibly 0: distributed, for xlogy below
            (total,) = sums
            coefficient = sp.Mul(*[f for f in e.args if f is not total])
            if _maybe_zero(coefficient.as_coeff_Mul()[1]):
                return sp.Add(*[self.mul(coefficient * t) if (coefficient * t).is_Mul else coefficient * t
                                for t in total.args])
        if len(logs) != 1:
            return e
        (log_factor,) = logs
        coefficient = sp.Mul(*[f for f in e.args if f is not log_factor])
        number, x = coefficient.as_coeff_Mul()
        (inner,) = log_factor.args
        if not _maybe_zero(x):
            return e
        if isinstance(log_factor, sp.log) and inner.is_positive is not True:
            return number * xlogy(x, inner)
        if isinstance(log_factor, log1p) and (1 + inner).is_positive is not True:
            return number * xlog1py(x, inner)
        return e

    def combine_powers(self, e: sp.Expr) -> sp.Expr:
        """``a**k * b**(-k) * c`` as ``(a/b)**k * c``, with ``a/b`` named (so that SymPy does not split it again)."""
        groups: dict[sp.Expr, list[tuple[sp.Expr, int]]] = {}
        for factor in e.args:
            base, exponent = factor.as_base_exp()
            if exponent in (1, -1) or base.is_number:
                continue
            size = -exponent if exponent.could_extract_minus_sign() else exponent
            groups.setdefault(size, []).append((factor, 1 if size == exponent else -1))
        for size, members in groups.items():
            if len(members) < 2:
                continue
            bases = [m.as_base_exp()[0] for m, _ in members]
            if not (size.is_integer or all(b.is_nonnegative for b in bases)):
                continue
            ratio = sp.Mul(*[b**sign for b, (_, sign) in zip(bases, members)])
            rest = sp.Mul(*[f for f in e.args if f not in [m for m, _ in members]])
            e = rest * self.named(ratio, all(b.is_positive for b in bases)) ** size
            return self.mul(e) if e.is_Mul else e
        return e

    def named(self, value: sp.Expr, positive: bool) -> sp.Symbol:
        """A symbol standing for ``value`` (the same one each time), recorded in ``definitions``."""
        if value not in self._named:
            assumptions = {"positive": True} if positive else {"real": True}
            symbol = sp.Symbol(f"_z{next(self._numbers)}", **assumptions)
            self._named[value] = symbol
            self.definitions[symbol] = value
        return self._named[value]

    def power(self, e: sp.Expr) -> sp.Expr:
        base, exponent = e.args
        if self.log_space and not exponent.is_integer and base.is_nonnegative and not base.is_number:
            product = self.log_of_product(base) if (base.is_Mul or base.is_Pow) else None
            logarithm = product if product is not None else self.log(base)
            return sp.exp(exponent * logarithm)
        return e

    def add(self, e: sp.Expr) -> sp.Expr:
        e = self.poisson_kernels(e)
        if e.is_Add:
            e = self.rising_factorials(e)
        if e.is_Add:
            e = expm1_opt.replace_in_Add(e)
        return e

    def poisson_kernels(self, e: sp.Expr) -> sp.Expr:
        """``v - u*log(v) + loggamma(u + 1)`` as ``poisson_kernel(u + 1, v)``, the logarithm of ``v`` possibly spread
        over several terms: the gamma density's ``-alpha*log(beta) - (alpha - 1)*log(y) + beta*y + loggamma(alpha)``
        is ``poisson_kernel(alpha, beta*y) - log(beta)``. Taken where what is left is simpler than before."""
        terms = list(e.args)
        for gamma_term in terms:
            if not isinstance(gamma_term, gammaln):
                continue
            u = gamma_term.args[0] - 1
            for v in terms:
                if v is gamma_term or v.has(sp.log, log1p, gammaln, xlogy, xlog1py) or not v.as_coeff_Mul()[0] > 0:
                    continue
                rest = [t for t in terms if t is not gamma_term and t is not v]
                as_logs = sp.Add(*rest).replace(xlogy, lambda a, b: a * sp.log(b))
                remainder = sp.expand(as_logs + u * sp.expand_log(sp.log(v), force=False))
                if sp.count_ops(remainder) < sp.count_ops(as_logs):
                    return sp.Add(poisson_kernel(gamma_term.args[0], v), self.visit(remainder))
        return e

    def rising_factorials(self, e: sp.Expr) -> sp.Expr:
        """``loggamma(a + d) - loggamma(a)`` as ``log_rising(a, d)`` where ``d`` is simpler than both arguments
        (a number, or the count ``y`` against ``y + 1/alpha``)."""
        terms = list(e.args)
        plus = [t for t in terms if isinstance(t, gammaln)]
        minus = [
            t for t in terms if t.is_Mul and t.args[0] == -1 and len(t.args) == 2 and isinstance(t.args[1], gammaln)
        ]
        for negative in minus:
            a_minus = negative.args[1].args[0]
            best = None
            for positive in plus:
                a_plus = positive.args[0]
                d = sp.simplify(a_plus - a_minus)
                ops = sp.count_ops(-d if d.could_extract_minus_sign() else d)
                simpler = d.is_number or ops < min(sp.count_ops(a_plus), sp.count_ops(a_minus))
                if simpler and (best is None or ops < best[0]):
                    best = (ops, positive, d)
            if best is not None:
                _, positive, d = best
                a_plus = positive.args[0]
                pair = -log_rising(a_plus, -d) if d.could_extract_minus_sign() else log_rising(a_minus, d)
                kept = [t for t in terms if t is not positive and t is not negative]
                return self.add(sp.Add(pair, *kept))
        return e


def _factors_of_terms(total: sp.Expr) -> list[sp.Expr]:
    return [f for t in total.args for f in sp.Mul.make_args(t)]


def fold_constants(e: sp.Expr) -> sp.Expr:
    """Every constant subexpression (``log(2)/2 + log(pi)/2``) as one float, rounded once."""

    def constant(node: sp.Expr) -> bool:
        return node.is_number and not isinstance(node, (sp.Integer, sp.Float)) and node.is_finite

    e = e.replace(constant, lambda node: sp.Float(float(sp.N(node, 30))))
    return e.replace(
        lambda node: node.is_Add and sum(1 for a in node.args if a.is_number) > 1,
        lambda node: sp.Add(
            sp.Float(float(sp.N(sp.Add(*[a for a in node.args if a.is_number]), 30))),
            *[a for a in node.args if not a.is_number],
        ),
    )
