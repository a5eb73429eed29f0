"""Put a data set into an expression written with sums over observations.

Likelihoods in the book are written with :class:`sympy.Sum` over an integer index and
:class:`sympy.IndexedBase` data (:math:`\\sum_{i=1}^{N} (y_i - \\mu)^2`). :func:`on_data` replaces the data by
arrays: a sum whose terms depend only on the data is added up by NumPy; a sum that still holds parameters is
written out term by term, so the result can be differentiated or turned into a function of the parameters.
Used in `Maximum likelihood gives the mean squared error <chapters/gaussian_mse.html>`_.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

__all__ = ["on_data"]

#: The most terms a sum that still holds parameters is written out to.
MAX_WRITTEN_TERMS = 5_000


def on_data(expr: sp.Expr, data: dict, size: sp.Symbol | None = None):
    r"""Evaluate the sums over observations in ``expr`` on arrays of data.

    Parameters
    ----------
    expr : sympy.Expr
        An expression with sums ``Sum(f(y[i], x[i], ...), (i, 1, N))`` over one index per sum.
    data : dict
        Maps each :class:`sympy.IndexedBase` to a one-dimensional array of its observations; all arrays have
        the same length :math:`N`, and observation :math:`i` (from 1) is element ``i - 1``.
    size : sympy.Symbol, optional
        The symbol for the number of observations; found from the sums' upper limits when it is the only
        symbol there.

    Returns
    -------
    float or sympy.Expr
        A float when no symbol is left, otherwise an expression in the remaining symbols (sums that held
        parameters written out term by term).

    Raises
    ------
    ValueError
        If ``data`` is empty, its arrays differ in length, are not one-dimensional and finite, a sum does not
        run from 1 to the number of observations, or a sum with parameters would have more than
        ``MAX_WRITTEN_TERMS`` (5 000) terms.

    Notes
    -----
    Used in `Maximum likelihood gives the mean squared error <chapters/gaussian_mse.html>`_ and
    `Laplace noise and the L1 loss <chapters/laplace_l1.html>`_.

    Examples
    --------
    >>> import numpy as np
    >>> import sympy as sp
    >>> i, N = sp.Symbol("i", integer=True, positive=True), sp.Symbol("N", integer=True, positive=True)
    >>> y, mu = sp.IndexedBase("y", real=True), sp.Symbol("mu", real=True)
    >>> on_data(sp.Sum(y[i], (i, 1, N)) / N, {y: np.array([1.0, 2.0, 6.0])})
    3.0
    >>> on_data(sp.Sum((y[i] - mu) ** 2, (i, 1, N)), {y: np.array([1.0, 3.0])})
    (1.0 - mu)**2 + (3.0 - mu)**2
    """
    if not data:
        raise ValueError("data: give at least one IndexedBase and its array")
    arrays = {}
    for base, values in data.items():
        if not isinstance(base, sp.IndexedBase):
            raise ValueError(f"data: keys must be sympy IndexedBase objects, got {type(base).__name__}")
        array = np.asarray(values, dtype=float)
        if array.ndim != 1 or not np.all(np.isfinite(array)):
            raise ValueError(f"data: the observations of {base} must be a one-dimensional array of finite numbers")
        arrays[base] = array
    lengths = {array.size for array in arrays.values()}
    if len(lengths) != 1:
        raise ValueError(f"data: every array must have the same length, got lengths {sorted(lengths)}")
    (count,) = lengths
    expr = sp.sympify(expr)
    if size is None:
        limits = {s.limits[0][2] for s in expr.atoms(sp.Sum)}
        symbols = {limit for limit in limits if isinstance(limit, sp.Symbol)}
        size = symbols.pop() if len(symbols) == 1 else None
    if size is not None:
        expr = expr.xreplace({size: sp.Integer(count)})
    # innermost sums first (replace works from the leaves up), so an inner sum is a number, or written out in
    # the outer sum's data, before the sum around it is evaluated
    expr = expr.replace(lambda e: isinstance(e, sp.Sum), lambda s: _sum_on_data(s, arrays, count))
    leftover = {i for i in expr.atoms(sp.Indexed) if i.base in arrays and all(j.is_Integer for j in i.indices)}
    expr = expr.xreplace({i: sp.Float(arrays[i.base][int(i.indices[0]) - 1]) for i in leftover})
    if not expr.free_symbols:
        return float(expr)
    return expr


def _sum_on_data(node: sp.Sum, arrays: dict, count: int) -> sp.Expr:
    if len(node.limits) > 1:  # SymPy merges a sum of a sum into one Sum with several limits: undo that
        inner = _sum_on_data(sp.Sum(node.function, *node.limits[:-1]), arrays, count)
        return _sum_on_data(sp.Sum(inner, node.limits[-1]), arrays, count)
    index, low, high = node.limits[0]
    if low != 1 or high != count:
        raise ValueError(f"expr: the sum {node} must run from 1 to the number of observations, {count}")
    body = node.function
    bases = sorted({i.base for i in body.atoms(sp.Indexed)}, key=str)
    missing = [base for base in bases if base not in arrays]
    if missing:
        raise ValueError(f"data: no observations for {', '.join(map(str, missing))}")
    slots = [sp.Dummy(str(base.label)) for base in bases]
    replaced = body.xreplace({base[index]: slot for base, slot in zip(bases, slots)})
    if any(i.has(index) for i in replaced.atoms(sp.Indexed)):
        raise ValueError(f"expr: data must be indexed by the sum's own index alone in {node}")
    bases = [base for base, slot in zip(bases, slots) if replaced.has(slot)]
    slots = [slot for slot in slots if replaced.has(slot)]
    if not (replaced.free_symbols - set(slots) - {index}) and not replaced.has(sp.Indexed):
        function = sp.lambdify([index, *slots], replaced, "numpy")
        terms = function(np.arange(1, count + 1), *(arrays[base] for base in bases))
        return sp.Float(math.fsum(np.broadcast_to(terms, (count,)).tolist()), 30)
    if count > MAX_WRITTEN_TERMS:
        raise ValueError(f"data: {count} observations are too many to write out a sum with parameters")
    return sp.Add(
        *(
            replaced.xreplace({slot: sp.Float(arrays[base][k]) for base, slot in zip(bases, slots)} | {index: k + 1})
            for k in range(count)
        )
    )
