"""The Kullback-Leibler divergence, derived as an expectation rather than looked up, and computed numerically.

:func:`kl` derives :math:`D_{\\mathrm{KL}}(p\\,\\|\\,q) = E_p[\\log p(x) - \\log q(x)]` term by term (moments, the
families' known expectations, piecewise integration, or the finite sum over the points of a discrete
distribution) and writes it in textbook form with :func:`tidy`; :func:`numeric_kl` computes it by quadrature for
numeric parameters. Derived in the chapter `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_;
for a reader's own family in `Your own likelihood <chapters/your_own_likelihood.html>`_.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from .distributions import Distribution, MultivariateNormal
from .errors import NoClosedFormError
from .expectation import CPU_SECONDS, QUADRATURE_DIGITS, expectation, numeric_expectation

__all__ = ["kl", "numeric_kl", "tidy"]

#: Relative error above which :func:`numeric_kl` does not trust its quadrature.
NUMERIC_TOLERANCE = 1e-10


def tidy(expr: sp.Expr, locations: tuple[sp.Expr, sp.Expr] | None = None) -> sp.Expr:
    r"""Bring a divergence into the textbook shape.

    Logarithms with the same coefficient are combined into one, :math:`c\log a - c\log b = c\log(a/b)`;
    terms with the same special function (an exponential, :math:`\operatorname{erf}` -- :math:`\operatorname{erfc}`
    is written as :math:`1 - \operatorname{erf}` --, :math:`\psi`, :math:`\log\Gamma`, an absolute value, Euler's
    :math:`\gamma`) are collected, with a factored coefficient and argument; products of exponentials become
    one; the rest goes over a common denominator, a leading minus sign absorbed by a difference
    (:math:`-a(b - c)` is written :math:`a(c - b)`).

    When ``locations`` ``(a, b)`` is given and the rational rest depends on them only through their difference,
    the difference is written out as :math:`a - b` (so :math:`a^2 - 2ab + b^2` becomes :math:`(a - b)^2`).

    Parameters
    ----------
    expr : sympy.Expr
        The expression to tidy (its logarithms' arguments must be positive).
    locations : tuple of two sympy.Expr, optional
        Two location parameters whose difference the result should be written in.

    Returns
    -------
    sympy.Expr
        An expression equal to ``expr``.

    Notes
    -----
    The textbook forms of :func:`kl`, used in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b", real=True)
    >>> s, l1, l2 = sp.symbols("s lambda1 lambda2", positive=True)
    >>> tidy(sp.log(2 * s) - sp.log(s) + (a**2 - 2*a*b + b**2) / 2, (a, b))
    (a - b)**2/2 + log(2)
    >>> tidy(l1 * sp.log(l1) - l1 * sp.log(l2) - l1 + l2)
    lambda1*log(lambda1/lambda2) - lambda1 + lambda2
    """
    expr = sp.sympify(expr).replace(lambda e: isinstance(e, sp.erfc), lambda e: 1 - sp.erf(e.args[0]))
    expr = sp.expand(sp.expand_log(expr, force=True))
    logs: dict[sp.Expr, list[sp.Expr]] = {}
    special: dict[sp.Expr, sp.Expr] = {}
    rest, euler = [], []
    for term in sp.Add.make_args(expr):
        factors = sp.Mul.make_args(term)
        functions = [f for f in factors if _is_special(f)]
        found = [f for f in factors if isinstance(f, sp.log)]
        if functions and not found and all(_is_euler(f) for f in functions):
            euler.append(term)  # Euler's constant alone: part of a square in the location gap, or collected
        elif functions or len(found) > 1:
            key = _joined(sp.Mul(*functions, *found))
            coefficient = sp.Mul(*[f for f in factors if f not in functions and f not in found])
            special[key] = special.get(key, sp.S.Zero) + coefficient
        elif found:
            number, symbolic = (term / found[0]).as_coeff_Mul()
            if symbolic.could_extract_minus_sign():
                number, symbolic = -number, -symbolic
            logs.setdefault(symbolic, []).append(number * found[0])
        else:
            rest.append(term)
    square = _square_in_gap(sp.Add(*rest, *[t for t in euler if not t.is_number]), locations) if euler else None
    if square is not None:
        rest_part = square
        constant = sp.Add(*[t for t in [*rest, *euler] if t.is_number])
    else:
        for term in euler:
            key = sp.Mul(*[f for f in sp.Mul.make_args(term) if _is_special(f)])
            special[key] = special.get(key, sp.S.Zero) + term / key
        constant = sp.Add(*[t for t in rest if t.is_number])
        rest_part = _rational_part(sp.Add(*[t for t in rest if not t.is_number]), locations)
    log_part = sp.Add(*[symbolic * sp.logcombine(sp.Add(*group), force=True) for symbolic, group in logs.items()])
    special_part = sp.Add(*[_absorb_sign(sp.factor(sp.together(c))) * key for key, c in special.items()])
    return log_part + _absorb_sign(rest_part) + special_part + constant


def _rational_part(rest: sp.Expr, locations: tuple[sp.Expr, sp.Expr] | None) -> sp.Expr:
    """Over a common denominator, in the difference of the locations where it depends on them only so."""
    if locations is not None:
        a, b = locations
        gap = sp.Dummy("gap", real=True)
        shifted = sp.expand(rest.subs(a, b + gap))
        if not shifted.has(b):
            return sp.factor(sp.together(shifted)).subs(gap, a - b)
    return sp.factor(sp.together(rest))


def _square_in_gap(rest: sp.Expr, locations: tuple[sp.Expr, sp.Expr] | None) -> sp.Expr | None:
    r"""The terms that are not numbers, as :math:`(A (g + s)^2 + C)/D` with :math:`g` the location gap, or None.

    Only where ``rest`` depends on the locations through their difference, quadratically, with a shift
    :math:`s \ne 0` (a Gumbel's mean is its location plus :math:`\beta\gamma`); the square is then completed.
    """
    if locations is None:
        return None
    a, b = locations
    gap = sp.Dummy("gap", real=True)
    shifted = sp.expand(sp.Add(*[t for t in sp.Add.make_args(rest) if not t.is_number]).subs(a, b + gap))
    if shifted.has(b) or not shifted.has(gap):
        return None
    numerator, denominator = sp.fraction(sp.together(shifted))
    numerator = sp.expand(numerator)
    if not numerator.is_polynomial(gap) or sp.degree(numerator, gap) != 2:
        return None
    A, B, C = sp.Poly(numerator, gap).all_coeffs()
    shift = sp.factor(B / (2 * A))
    if shift == 0:
        return None
    remainder = sp.factor(sp.expand(C - B**2 / (4 * A)))
    return (A * (a - b + shift) ** 2 + remainder) / denominator


def _is_euler(factor: sp.Expr) -> bool:
    return (factor.base if isinstance(factor, sp.Pow) else factor) is sp.EulerGamma


def _is_special(factor: sp.Expr) -> bool:
    """A special function (any function but the logarithm), a power of one, or Euler's constant."""
    base = factor.base if isinstance(factor, sp.Pow) else factor
    return (isinstance(base, sp.Function) and not isinstance(base, sp.log)) or base is sp.EulerGamma


def _joined(key: sp.Expr) -> sp.Expr:
    """One exponential for a product of them, and factored arguments of the special functions."""
    key = sp.powsimp(key, combine="exp")
    return key.replace(
        lambda e: isinstance(e, (sp.exp, sp.erf)) and e.args[0].free_symbols,
        lambda e: e.func(sp.factor(e.args[0])),
    )


def _absorb_sign(expr: sp.Expr) -> sp.Expr:
    """``-a (b - c)`` as ``a (c - b)``: a leading minus sign taken into the first difference of a product."""
    if not isinstance(expr, sp.Mul) or not expr.could_extract_minus_sign():
        return expr
    factors = list(expr.args)
    for position, factor in enumerate(factors):
        if isinstance(factor, sp.Add):
            if factors[0] == -1:
                return sp.Mul(*factors[1:position], -factor, *factors[position + 1:])
            if factors[0].is_number and factors[0].is_negative:
                return sp.Mul(-factors[0], *factors[1:position], -factor, *factors[position + 1:])
            return expr
    return expr


def kl(p: Distribution, q: Distribution) -> sp.Expr:
    r"""The Kullback-Leibler divergence :math:`D_{\mathrm{KL}}(p\,\|\,q) = E_p[\log p(x) - \log q(x)]` in closed form.

    Any two families, shipped or a reader's own: the log-densities are subtracted (terms they share, such as
    :math:`\log x!` of two count distributions, cancel) and every remaining term's expectation under ``p`` is
    taken by :func:`~lossbook.symbolic.expectation` -- raw moments, the families'
    :meth:`~lossbook.symbolic.Distribution.known_expectation` hooks, piecewise integration between kinks. A
    distribution on finitely many points gives the sum :math:`\sum_k p_k \log(p_k/q_k)` directly. The result
    is put in textbook form by :func:`tidy`.

    Parameters
    ----------
    p : Distribution
        The distribution the expectation is taken under (the "true" one).
    q : Distribution
        The approximating distribution.

    Returns
    -------
    sympy.Expr
        The divergence in closed form.

    Raises
    ------
    NoClosedFormError
        If the expectation of a term of the log-density ratio has no closed form here; the reason names the
        term and points at :func:`numeric_kl`, ``equations`` holds the term.
    ValueError
        If ``p`` or ``q`` is not a distribution, one is discrete and the other continuous, or the support of
        ``q`` misses part of the support of ``p`` (the divergence is infinite).

    Notes
    -----
    Derived step by step in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_; between a
    reader's own family and a shipped one in `Your own likelihood <chapters/your_own_likelihood.html>`_.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.symbolic import Bernoulli, Laplace, Normal, Poisson
    >>> m1, m2 = sp.symbols("mu1 mu2", real=True)
    >>> s1, s2 = sp.symbols("sigma1 sigma2", positive=True)
    >>> kl(Normal(m1, s1), Normal(m2, s2))
    log(sigma2/sigma1) - 1/2 + (sigma1**2 + (mu1 - mu2)**2)/(2*sigma2**2)
    >>> kl(Normal(m1, 1), Normal(m2, 1))
    (mu1 - mu2)**2/2
    >>> p1, p2, l1, l2 = sp.symbols("p1 p2 lambda1 lambda2", positive=True)
    >>> kl(Bernoulli(p1), Bernoulli(p2))
    p1*log(p1/p2) + (1 - p1)*log((1 - p1)/(1 - p2))
    >>> kl(Poisson(l1), Poisson(l2))
    lambda1*log(lambda1/lambda2) - lambda1 + lambda2

    Multivariate Gaussians give the trace and log-determinant form:

    >>> from lossbook.symbolic import MultivariateNormal
    >>> d = sp.Symbol("d", integer=True, positive=True)
    >>> p = MultivariateNormal(sp.MatrixSymbol("m", d, 1), sp.MatrixSymbol("S", d, d))
    >>> q = MultivariateNormal(sp.MatrixSymbol("n", d, 1), sp.MatrixSymbol("T", d, d))
    >>> kl(p, q)
    -d/2 - log(Determinant(S))/2 + log(Determinant(T))/2 + Trace(T**(-1)*S)/2 + Trace((m.T - n.T)*T**(-1)*(m - n))/2

    Where a term has no closed form, the error says which and where to go instead:

    >>> from lossbook.symbolic import NegativeBinomial
    >>> a = sp.Symbol("alpha", positive=True)
    >>> kl(Poisson(l1), NegativeBinomial(l2, a))
    Traceback (most recent call last):
    ...
    lossbook.symbolic.errors.NoClosedFormError: kl: no closed form for KL(Poisson(lambda1) || NegativeBinomial(lambda2, alpha)): no rule for the expectation of loggamma(x + 1/alpha) under Poisson(lambda1): ... use numeric_kl(p, q), ...
    """
    if isinstance(p, MultivariateNormal) and isinstance(q, MultivariateNormal):
        return _kl_multivariate_normal(p, q)
    _check_pair(p, q)
    if p.discrete and p.support.is_finite_set:
        return sp.Add(*[mass * sp.logcombine(sp.expand_log(log_p - log_q, force=True), force=True)
                        for mass, log_p, log_q in _finite_terms(p, q)])
    x = _variable(p, q)
    try:
        divergence = expectation(p.log_density(x) - q.log_density(x), x, p)
    except NoClosedFormError as blocked:
        raise NoClosedFormError(
            f"kl: no closed form for KL({p!r} || {q!r}): {blocked.reason.removeprefix('expr: ')}; for numeric "
            f"parameters use numeric_kl(p, q), or give {type(p).__name__} a known_expectation (or raw_moment) hook "
            "for that term",
            blocked.equations,
        ) from None
    return tidy(divergence, (p.params[0], q.params[0]) if p.params and q.params else None)


def _variable(p: Distribution, q: Distribution) -> sp.Symbol:
    """The variable of integration: ``x``, as messages show it, unless a parameter is called so."""
    names = {s.name for s in p.free_symbols | q.free_symbols}
    return sp.Symbol("x", real=True) if "x" not in names else sp.Dummy("x", real=True)


def _check_pair(p, q) -> None:
    """Both distributions, both discrete or both continuous, and q's support covering p's."""
    for name, dist in (("p", p), ("q", q)):
        if not isinstance(dist, Distribution):
            raise ValueError(f"{name}: expected a lossbook Distribution, got {type(dist).__name__}")
    if p.discrete != q.discrete:
        kinds = {True: "discrete", False: "continuous"}
        raise ValueError(f"q: {q!r} is {kinds[q.discrete]} and p = {p!r} is {kinds[p.discrete]}; KL(p || q) needs "
                         "two probability masses or two densities")
    ours, theirs = p.support, q.support
    if not p.discrete:
        ours, theirs = ours.closure, theirs.closure  # a density may be zero at a single point
    if ours.is_subset(theirs) is False:
        raise ValueError(f"q: the support {q.support} of {q!r} misses part of the support {p.support} of {p!r}, "
                         "so KL(p || q) is infinite")


def _finite_terms(p: Distribution, q: Distribution) -> list[tuple[sp.Expr, sp.Expr, sp.Expr]]:
    r"""``(p_k, log p_k, log q_k)`` at each point of p's finite support where p has mass; q must have mass there."""
    terms = []
    for k in sorted(p.support):
        log_p, log_q = p.log_density(k), q.log_density(k)
        mass = sp.exp(log_p)
        if mass == 0:
            continue
        if log_q.has(sp.zoo, sp.nan) or log_q == -sp.oo:
            raise ValueError(f"q: {q!r} has no mass at x = {k}, where p = {p!r} has mass {mass}, so KL(p || q) is "
                             "infinite")
        terms.append((mass, log_p, log_q))
    return terms


def numeric_kl(p: Distribution, q: Distribution, *, cpu_seconds: float = CPU_SECONDS) -> float:
    r"""The Kullback-Leibler divergence :math:`D_{\mathrm{KL}}(p\,\|\,q)` for numeric parameters, by quadrature.

    The numeric route for any two families, and the one to take where :func:`kl` finds no closed form:
    :func:`~lossbook.symbolic.numeric_expectation` of :math:`\log p(x) - \log q(x)` under ``p`` (the
    log-densities subtracted symbolically first, so shared terms cancel exactly), at 25 digits, with its error
    estimate checked.

    Parameters
    ----------
    p : Distribution
        The distribution the expectation is taken under; its parameters must be numbers.
    q : Distribution
        The approximating distribution; its parameters must be numbers.
    cpu_seconds : float
        CPU time allowed (60 s by default).

    Returns
    -------
    float
        The divergence, in nats.

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not a distribution or has a symbolic parameter; if one is discrete and the other
        continuous; if the support of ``q`` misses part of the support of ``p`` or ``q`` has no mass where ``p``
        has (the divergence is infinite: an error naming ``q``, never ``inf``, as in
        :func:`lossbook.numeric.kl_quad`); if the quadrature does not converge (the divergence may be infinite,
        as for a Cauchy ``p`` against a Gaussian ``q``).
    TimeoutError
        If the quadrature takes more than ``cpu_seconds`` of CPU time.

    Notes
    -----
    Used in `Your own likelihood <chapters/your_own_likelihood.html>`_ to check every closed form of :func:`kl`.

    Examples
    --------
    >>> from lossbook.symbolic import Laplace, Normal, kl
    >>> numeric_kl(Normal(0, 1), Laplace(0, 1))
    0.072093208158...
    >>> float(kl(Normal(0, 1), Laplace(0, 1)))  # log(2 / sqrt(2 pi)) - 1/2 + sqrt(2 / pi)
    0.072093208158...
    >>> from lossbook.symbolic import Exponential
    >>> numeric_kl(Normal(0, 1), Exponential(1))
    Traceback (most recent call last):
    ...
    ValueError: q: the support Interval(0, oo) of Exponential(1) misses part of the support Reals of Normal(0, 1), so KL(p || q) is infinite
    """
    _check_pair(p, q)
    for name, dist in (("p", p), ("q", q)):
        if dist.free_symbols:
            raise ValueError(f"{name}: numeric_kl needs numeric parameters; {dist!r} has symbols "
                             f"{sorted(dist.free_symbols, key=str)} (use kl for a closed form)")
    if p.discrete and p.support.is_finite_set:
        with mpmath.workdps(QUADRATURE_DIGITS):
            return float(mpmath.fsum(_mp(mass) * (_mp(log_p) - _mp(log_q)) for mass, log_p, log_q in _finite_terms(p, q)))
    x = sp.Dummy("x", integer=True) if p.discrete else sp.Dummy("x", real=True)
    try:
        value, error = numeric_expectation(p.log_density(x) - q.log_density(x), x, p, error=True,
                                           cpu_seconds=cpu_seconds)
    except TimeoutError:
        raise TimeoutError(f"numeric_kl: KL({p!r} || {q!r}) took more than {cpu_seconds} s of CPU time") from None
    except ArithmeticError as problem:
        raise ValueError(f"p, q: the sum for KL({p!r} || {q!r}) could not be shown to converge (the divergence may "
                         f"be infinite): {problem}") from None
    if isinstance(value, mpmath.mpc) or mpmath.isnan(value) or value == mpmath.inf:
        raise ValueError(f"q: the log-density of {q!r} is -inf (or not a real number) where p = {p!r} has mass, so "
                         "KL(p || q) is infinite")
    if not error <= NUMERIC_TOLERANCE * max(1, abs(value)):
        raise ValueError(f"p, q: the quadrature of KL({p!r} || {q!r}) did not converge (the divergence may be "
                         f"infinite): value {mpmath.nstr(value, 8)}, error estimate {mpmath.nstr(error, 3)}")
    return float(value)


def _mp(value: sp.Expr) -> mpmath.mpf:
    return mpmath.mpf(str(sp.N(value, QUADRATURE_DIGITS)))


def _kl_multivariate_normal(p: MultivariateNormal, q: MultivariateNormal) -> sp.Expr:
    r"""E_p[log p - log q] from E_p[(x-m)^T A (x-m)] = tr(A Sigma_p) + (mu_p - m)^T A (mu_p - m)."""
    if p.dimension != q.dimension:
        raise ValueError(f"q: dimension {q.dimension} differs from that of p, {p.dimension}")
    d = p.dimension

    def expected_log_density(dist: MultivariateNormal) -> sp.Expr:
        quadratic = p.expected_quadratic_form(dist.covariance.I, dist.mean)
        # Only the trace of a product that is the identity is evaluated; the rest stays in matrix form.
        quadratic = quadratic.replace(
            lambda e: isinstance(e, sp.Trace) and e.arg.doit().is_Identity, lambda e: e.arg.doit().shape[0]
        )
        return -d * sp.log(2 * sp.pi) / 2 - sp.log(sp.Determinant(dist.covariance)) / 2 - quadratic / 2

    return expected_log_density(p) - expected_log_density(q)
