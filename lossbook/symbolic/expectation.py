"""Expectations under a distribution: symbolically by linearity and moments, numerically by quadrature.

The symbolic route never integrates :math:`p \\log(p/q)` by brute force. A term polynomial in :math:`x` is
reduced to raw moments; a term with an absolute value is integrated piece by piece between its kinks, with the
ordering of the kinks fixed by a positive symbol and undone afterwards. Derived in the chapter
`KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.
"""

from __future__ import annotations

import mpmath
import sympy as sp
from sympy.core.symbol import Str

from .distributions import Distribution, family

__all__ = ["Expectation", "expectation", "expand_expectation", "apply_moments", "numeric_expectation"]

#: Decimal digits used by numerical quadrature of an expectation.
QUADRATURE_DIGITS = 25
#: Nodes of the Gaussian quadrature rules (exact for polynomials of degree below twice this).
GAUSS_NODES = 16


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
            name, label, params = Str(type(dist).__name__), Str(dist.label), dist.params
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
    cpu_seconds: float | None = None,
):
    """Expectation of ``expr`` under ``dist`` by mpmath quadrature (every parameter must be a number).

    A polynomial integrand under a family with a Gaussian quadrature rule (Gauss-Hermite for the normal,
    Gauss-Laguerre on each side for the Laplace) is integrated by that rule, exactly up to rounding. Anything
    else goes to adaptive tanh-sinh quadrature, with the real line split at the distribution's centre and at
    every kink of the integrand, so that each piece is smooth. A discrete distribution with infinite support
    is summed until the ratio test bounds the tail (never by an accelerated sum alone).

    Parameters
    ----------
    expr : sympy.Expr
        The integrand, a function of ``x`` only once the parameters are numbers.
    x : sympy.Symbol
        The random variable.
    dist : Distribution
        A distribution whose parameters are numbers.
    digits : int
        Working precision of the quadrature in decimal digits.
    error : bool
        Also return an estimate of the absolute error at that precision.
    cpu_seconds : float, optional
        CPU time allowed (main thread only); ``None`` for no limit.

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
        If an infinite sum over the support cannot be shown to converge.

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
    from .checking import _cpu_limit, _Timeout

    expr = sp.sympify(expr)
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 5:
        raise ValueError(f"digits: an integer of at least 5 is needed, got {digits!r}")
    if cpu_seconds is not None and (not isinstance(cpu_seconds, (int, float)) or cpu_seconds <= 0):
        raise ValueError(f"cpu_seconds: a positive number or None is needed, got {cpu_seconds!r}")
    leftover = (expr.free_symbols - {x}) | dist.free_symbols
    if leftover:
        raise ValueError(f"expr: every parameter must be a number for quadrature; still symbolic: {leftover}")
    try:
        with _cpu_limit(cpu_seconds):
            value, estimate = _quadrature(expr, x, dist, digits)
    except _Timeout:
        if cpu_seconds is None:  # an outer limit (the derivation checker's) ran out: its business
            raise
        raise TimeoutError(
            f"numeric_expectation: the expectation of {expr} under {dist!r} took more than {cpu_seconds} s of CPU time"
        ) from None
    return (value, estimate) if error else value


def _quadrature(expr: sp.Expr, x: sp.Symbol, dist: Distribution, digits: int):
    """The expectation and an estimate of its absolute error at ``digits`` digits."""
    with mpmath.workdps(digits):
        rounding = mpmath.mpf(10) ** (2 - digits)
        integrand = sp.lambdify(x, expr, "mpmath")
        if not dist.discrete and expr.is_polynomial(x) and sp.degree(expr, x) < 2 * GAUSS_NODES:
            rule = dist.gauss_rule(GAUSS_NODES, digits)
            if rule is not None:
                points, weights = rule
                terms = [w * integrand(t) for t, w in zip(points, weights)]
                return mpmath.fsum(terms), rounding * mpmath.fsum(abs(term) for term in terms)
        density = sp.lambdify(x, dist.density(x), "mpmath")
        if dist.discrete:
            support = dist.support
            if support.is_finite_set:
                terms = [integrand(k) * density(k) for k in support]
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
            points = [mpmath.mpf(str(sp.N(support.inf, digits)))] + [p for p in points[1:] if p > support.inf]
        if support.sup.is_finite:
            points = [p for p in points[:-1] if p < support.sup] + [mpmath.mpf(str(sp.N(support.sup, digits)))]
        value, estimate = mpmath.quad(lambda t: integrand(t) * density(t), points, error=True)
        return value, estimate + rounding * max(1, abs(value))


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
    coefficient, dependent = term.as_independent(x, as_Add=False)
    return coefficient, dependent


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


def expectation(expr: sp.Expr, x: sp.Symbol, dist: Distribution) -> sp.Expr:
    r"""The expectation of ``expr`` when ``x`` follows ``dist``, in closed form.

    Terms polynomial in ``x`` go through linearity and the raw moments; a term with :math:`|x-c|` is
    integrated piece by piece between its kinks (with the kinks' order fixed by a positive symbol
    :math:`\delta` and restored as an absolute value afterwards), and the result is checked numerically for
    both orderings. Nothing is integrated by brute force against :math:`p \log p`.

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
    ValueError
        If a term is neither polynomial in ``x`` nor of a kind the engine can integrate.

    Notes
    -----
    Derived in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.

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
    """
    expr = sp.sympify(expr)
    total = []
    for term in _expanded_terms(expr, x):
        coefficient, dependent = _split_term(term, x)
        if dependent == 1:
            total.append(coefficient)
        elif dependent.is_polynomial(x):
            poly = sp.Poly(dependent, x)
            total.append(coefficient * sum(c * dist.raw_moment(k) for (k,), c in poly.terms()))
        else:
            total.append(coefficient * _nonpolynomial_expectation(dependent, x, dist))
    return sp.Add(*total)


def _nonpolynomial_expectation(f: sp.Expr, x: sp.Symbol, dist: Distribution) -> sp.Expr:
    known = getattr(dist, "known_expectation", None)
    if known is not None:
        value = known(f, x)
        if value is not None:
            return value
    if f.has(sp.Abs, sp.sign, sp.Heaviside) and not dist.discrete:
        return _piecewise_expectation(f, x, dist)
    raise ValueError(f"expr: no rule for the expectation of {f} under {dist!r}")


def _piecewise_expectation(f: sp.Expr, x: sp.Symbol, dist: Distribution) -> sp.Expr:
    center = dist.center()
    others = sorted({k for k in _kink_points(f, x) if sp.simplify(k - center) != 0}, key=sp.default_sort_key)
    if len(others) > 1:
        raise ValueError(f"expr: at most one kink away from the centre is supported, got {others}")
    u = sp.Dummy("u", real=True)
    delta = sp.Dummy("delta", positive=True)
    density = dist.density(x)
    if not others:
        integrand = (f * density).subs(x, center + u)
        cuts = [sp.S.Zero]
        restore = {}
    else:
        c = others[0]
        # Shift so the kink sits at 0 and the centre at delta > 0; afterwards delta = |centre - c|.
        if isinstance(center, sp.Symbol):
            shift = {center: c + delta}
        elif isinstance(c, sp.Symbol):
            shift = {c: center - delta}
        else:
            raise ValueError(f"expr: cannot order the kinks {c} and {center}: neither is a symbol")
        integrand = (f * density).subs(x, c + u).subs(shift)
        cuts = [sp.S.Zero, delta]
        restore = {delta: sp.Abs(center - c)}
    edges = [-sp.oo, *cuts, sp.oo]
    pieces = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        middle = (lo + hi) / 2 if lo.is_finite and hi.is_finite else (hi - 1 if lo == -sp.oo else lo + 1)
        smooth = integrand.replace(
            lambda e: isinstance(e, sp.Abs) and e.args[0].has(u),
            lambda e: sp.sign(e.args[0].subs(u, middle)) * e.args[0],
        )
        if smooth.has(sp.sign):
            raise ValueError(f"expr: could not resolve the sign of a kink in {f} between {lo} and {hi}")
        pieces.append(sp.integrate(sp.expand(smooth), (u, lo, hi), conds="none"))
    result = sp.simplify(sp.Add(*pieces)).xreplace(restore)
    _check_both_orderings(f, x, dist, result)
    return result


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
