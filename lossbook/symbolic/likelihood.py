"""Negative log-likelihoods of independent observations, their argmin-preserving reductions, stationary points.

Sums over observations are written with :class:`sympy.Sum` over an integer index and an
:class:`sympy.IndexedBase` of data. SymPy's ``solve`` silently returns ``[]`` on the derivative of an
unexpanded ``Sum``; :func:`expand_sum` first pulls every factor free of the index out of the sum, after which
the stationary points come out in closed form in a fraction of a second. Used in the chapter
`Maximum likelihood gives the mean squared error <chapters/gaussian_mse.html>`_.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from .distributions import Distribution

__all__ = ["negative_log_likelihood", "expand_sum", "stationary_points"]


def negative_log_likelihood(dist: Distribution, data: sp.IndexedBase, n: sp.Symbol, index: sp.Symbol | None = None):
    r"""The negative log-likelihood :math:`-\sum_{i=1}^{n} \log p(y_i)` of ``n`` independent observations.

    Parameters
    ----------
    dist : Distribution
        The distribution of each observation; its parameters may be symbols or expressions (they may also
        contain ``data[index]``-style terms, for example a model's prediction for observation ``i``).
    data : sympy.IndexedBase
        The observations :math:`y_i`.
    n : sympy.Symbol
        The number of observations (a positive integer symbol) or a positive integer.
    index : sympy.Symbol, optional
        The summation index; a positive integer symbol ``i`` by default.

    Returns
    -------
    sympy.Sum
        The sum over observations of the negative log-density, with every index-free factor pulled out by
        :func:`expand_sum`.

    Raises
    ------
    ValueError
        If ``dist`` is not a distribution, ``data`` is not an ``IndexedBase``, or ``n`` is not a positive integer.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.symbolic import Normal
    >>> mu = sp.Symbol("mu", real=True)
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> y = sp.IndexedBase("y", real=True)
    >>> negative_log_likelihood(Normal(mu, 1), y, n)
    n*log(sqrt(2)*sqrt(pi)) + Sum((-mu + y[i])**2, (i, 1, n))/2
    """
    if not isinstance(dist, Distribution):
        raise ValueError(f"dist: expected a lossbook Distribution, got {type(dist).__name__}")
    if not isinstance(data, sp.IndexedBase):
        raise ValueError(f"data: expected a sympy IndexedBase of observations, got {type(data).__name__}")
    n = sp.sympify(n)
    if n.is_integer is not True or n.is_positive is not True:
        raise ValueError(f"n: the number of observations must be a positive integer (or such a symbol), got {n}")
    i = index if index is not None else sp.Symbol("i", integer=True, positive=True)
    x = sp.Dummy("x", real=True)
    summand = -dist.log_density(x).xreplace({x: data[i]})
    return expand_sum(sp.Sum(summand, (i, 1, n)), expand_terms=False)


def expand_sum(expr: sp.Expr, *, expand_terms: bool = True) -> sp.Expr:
    r"""Split every sum over its terms and pull factors free of the index out of it.

    :math:`\sum_i (a + b f_i) = n a + b \sum_i f_i` for :math:`a, b` free of :math:`i`. Sums of terms that
    depend on the index stay as sums of those terms.

    Parameters
    ----------
    expr : sympy.Expr
        An expression containing :class:`sympy.Sum` objects with one index each.
    expand_terms : bool
        Multiply out products and powers in the summand first (``True``, what solving needs), or only split
        its top-level terms (``False``, which keeps :math:`(y_i - \mu)^2` readable).

    Returns
    -------
    sympy.Expr
        An equal expression with the sums expanded.

    Examples
    --------
    >>> import sympy as sp
    >>> i = sp.Symbol("i", integer=True, positive=True)
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> y = sp.IndexedBase("y")
    >>> a = sp.Symbol("a")
    >>> expand_sum(sp.Sum(a * y[i] + 3, (i, 1, n)))
    a*Sum(y[i], (i, 1, n)) + 3*n
    """

    def split(node: sp.Sum) -> sp.Expr:
        if len(node.limits) != 1:
            return node
        index, low, high = node.limits[0]
        count = high - low + 1
        total = []
        summand = node.function
        if expand_terms:
            summand = sp.expand(summand, log=False, power_exp=False, power_base=True)
        for term in sp.Add.make_args(summand):
            outside, inside = term.as_independent(index, as_Add=False)
            total.append(outside * count if inside == 1 else outside * sp.Sum(inside, (index, low, high)))
        return sp.Add(*total)

    return sp.sympify(expr).replace(lambda e: isinstance(e, sp.Sum), split)


def stationary_points(expr: sp.Expr, variables: sp.Symbol | Sequence[sp.Symbol]) -> list[dict]:
    r"""Solve :math:`\nabla f = 0` for the given variables, for objectives built from sums over observations.

    Sums are expanded with :func:`expand_sum` before and after differentiating, so that
    :func:`sympy.solve` sees equations polynomial in the variables rather than opaque sums.

    Parameters
    ----------
    expr : sympy.Expr
        The objective, typically a negative log-likelihood.
    variables : sympy.Symbol or sequence of sympy.Symbol
        The variables to solve for.

    Returns
    -------
    list of dict
        Each solution as a mapping from variable to expression (only solutions consistent with the variables'
        assumptions, such as positivity, are kept).

    Raises
    ------
    ValueError
        If ``variables`` is empty or a variable does not occur in ``expr``.

    Examples
    --------
    >>> import sympy as sp
    >>> from lossbook.symbolic import Normal
    >>> mu = sp.Symbol("mu", real=True)
    >>> sigma = sp.Symbol("sigma", positive=True)
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> y = sp.IndexedBase("y", real=True)
    >>> stationary_points(negative_log_likelihood(Normal(mu, sigma), y, n), mu)
    [{mu: Sum(y[i], (i, 1, n))/n}]
    """
    variables = (variables,) if isinstance(variables, sp.Basic) else tuple(variables)
    if not variables:
        raise ValueError("variables: name at least one variable to solve for")
    expr = expand_sum(expr)
    for v in variables:
        if not expr.has(v):
            raise ValueError(f"variables: {v} does not occur in the objective")
    equations = [sp.together(expand_sum(sp.diff(expr, v))) for v in variables]
    numerators = [sp.numer(e) for e in equations]
    solutions = sp.solve(numerators, list(variables), dict=True)
    kept = []
    for solution in solutions:
        consistent = all(
            not v.is_positive or (value.is_positive is not False and not value.could_extract_minus_sign())
            for v, value in solution.items()
        )
        if consistent:
            kept.append({v: sp.simplify(value) for v, value in solution.items()})
    return kept
