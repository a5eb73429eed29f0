"""The Kullback-Leibler divergence, derived as an expectation rather than looked up.

Derived in the chapter `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.
"""

from __future__ import annotations

import sympy as sp

from .distributions import Distribution, MultivariateNormal
from .expectation import expectation

__all__ = ["kl", "tidy"]


def tidy(expr: sp.Expr, locations: tuple[sp.Expr, sp.Expr] | None = None) -> sp.Expr:
    r"""Bring a divergence into the textbook shape: one combined logarithm, the rest over a common denominator.

    When ``locations`` ``(a, b)`` is given and the expression depends on them only through their difference,
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

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b", real=True)
    >>> s = sp.Symbol("s", positive=True)
    >>> tidy(sp.log(2 * s) - sp.log(s) + (a**2 - 2*a*b + b**2) / 2, (a, b))
    (a - b)**2/2 + log(2)
    """
    expr = sp.expand(sp.expand_log(sp.sympify(expr), force=True))
    logs, rest = [], []
    for term in sp.Add.make_args(expr):
        (logs if term.has(sp.log) and not term.has(sp.Abs, sp.exp) else rest).append(term)
    log_part = sp.logcombine(sp.Add(*logs), force=True)
    special = sp.Add(*[t for t in rest if t.has(sp.Abs, sp.exp, sp.erf, sp.erfc)])
    rest_part = sp.Add(*[t for t in rest if not t.has(sp.Abs, sp.exp, sp.erf, sp.erfc)])
    constant = sp.Add(*[t for t in sp.Add.make_args(rest_part) if t.is_number])
    rest_part -= constant
    if locations is not None:
        a, b = locations
        gap = sp.Dummy("gap", real=True)
        shifted = sp.expand(rest_part.subs(a, b + gap))
        if not shifted.has(b):
            rest_part = sp.factor(sp.together(shifted)).subs(gap, a - b)
        else:
            rest_part = sp.factor(sp.together(rest_part))
    else:
        rest_part = sp.factor(sp.together(rest_part))
    return log_part + rest_part + special + constant


def kl(p: Distribution, q: Distribution) -> sp.Expr:
    r"""The Kullback-Leibler divergence :math:`D_{\mathrm{KL}}(p\,\|\,q) = E_p[\log p(x) - \log q(x)]`.

    Derived through :func:`~lossbook.symbolic.expectation` (moments and piecewise integration), not looked
    up in a table, and returned in closed form by :func:`tidy`.

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
    ValueError
        If ``p`` and ``q`` are not distributions or the expectation has no closed form here.

    Notes
    -----
    Derived step by step in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.symbolic import Laplace, Normal
    >>> m1, m2 = sp.symbols("mu1 mu2", real=True)
    >>> s1, s2 = sp.symbols("sigma1 sigma2", positive=True)
    >>> kl(Normal(m1, s1), Normal(m2, s2))
    log(sigma2/sigma1) - 1/2 + (sigma1**2 + (mu1 - mu2)**2)/(2*sigma2**2)
    >>> kl(Normal(m1, 1), Normal(m2, 1))
    (mu1 - mu2)**2/2

    Multivariate Gaussians give the trace and log-determinant form:

    >>> from lossbook.symbolic import MultivariateNormal
    >>> d = sp.Symbol("d", integer=True, positive=True)
    >>> p = MultivariateNormal(sp.MatrixSymbol("m", d, 1), sp.MatrixSymbol("S", d, d))
    >>> q = MultivariateNormal(sp.MatrixSymbol("n", d, 1), sp.MatrixSymbol("T", d, d))
    >>> kl(p, q)
    -d/2 - log(Determinant(S))/2 + log(Determinant(T))/2 + Trace(T**(-1)*S)/2 + Trace((m.T - n.T)*T**(-1)*(m - n))/2
    """
    if isinstance(p, MultivariateNormal) and isinstance(q, MultivariateNormal):
        return _kl_multivariate_normal(p, q)
    for name, dist in (("p", p), ("q", q)):
        if not isinstance(dist, Distribution):
            raise ValueError(f"{name}: expected a lossbook Distribution, got {type(dist).__name__}")
    x = sp.Dummy("x", real=True)
    divergence = expectation(p.log_density(x) - q.log_density(x), x, p)
    locations = (p.params[0], q.params[0]) if type(p) is type(q) else None
    return tidy(divergence, locations)


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
