"""Negative log-likelihoods of independent observations, their argmin-preserving reductions, stationary points.

Sums over observations are written with :class:`sympy.Sum` over an integer index and an
:class:`sympy.IndexedBase` of data. SymPy's ``solve`` silently returns ``[]`` on the derivative of an
unexpanded ``Sum``; :func:`expand_sum` first pulls every factor free of the index out of the sum, after which
the stationary points come out in closed form in a fraction of a second. Used in the chapter
`Maximum likelihood gives the mean squared error <chapters/gaussian_mse.html>`_.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Sequence

import sympy as sp

from .checking import _cpu_limit, _Timeout
from .distributions import Distribution
from .errors import NoClosedFormError

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
    r"""Solve :math:`\nabla f = 0` for the given variables in closed form, or say why there is no closed form.

    Sums are expanded with :func:`expand_sum` before and after differentiating, so that :func:`sympy.solve`
    sees equations polynomial in the variables rather than opaque sums. When that gives no closed form, the
    sums are rewritten as a reader would by hand and solved again: the exponential of a sum is split into a
    product, :math:`e^{(\mu - y_i)/\beta} = e^{\mu/\beta} e^{-y_i/\beta}`, logarithms of products into sums,
    powers of products into products of powers, and every factor free of the index is pulled out of its sum.
    The score equation left, :math:`e^{\mu/\beta} \sum_i e^{-y_i/\beta} = n`, is solved by the monotone
    substitution :math:`t = e^{\mu/\beta}` that :func:`sympy.solve` makes itself.

    Parameters
    ----------
    expr : sympy.Expr
        The objective, typically a negative log-likelihood.
    variables : sympy.Symbol or sequence of sympy.Symbol
        The variables to solve for.

    Returns
    -------
    list of dict
        Each solution as a mapping from variable to expression, free of the variables (only solutions
        consistent with the variables' assumptions, such as positivity, are kept). Never empty.

    Raises
    ------
    ValueError
        If ``variables`` is empty or a variable does not occur in ``expr``.
    NoClosedFormError
        If no closed form is found. Its ``reason`` names the variable and the term that block it -- a variable
        that stays inside a sum over the observations after every rewrite (the equation is then transcendental
        in it), a term that is not differentiable in it, a function SymPy cannot invert, roots that contradict
        the variables' assumptions, or SymPy's solver running out of CPU time
        (``lossbook.symbolic.likelihood.SOLVE_SECONDS``, 10 s per attempt; the limit is a CPU-time signal, so it
        holds in the main thread only) -- and points at :func:`~lossbook.symbolic.fit`; its ``equations`` are the score equations,
        :math:`\partial f / \partial v = 0` for each variable.

    Notes
    -----
    Used in `Maximum likelihood gives the mean squared error <chapters/gaussian_mse.html>`_ and the chapters
    after it; the rewrites and the reasons are the subject of
    `Your own likelihood <chapters/your_own_likelihood.html>`_.

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

    The location of a Gumbel distribution needs the exponential of a sum split; its scale has no closed form:

    >>> from lossbook.symbolic import Distribution
    >>> class Gumbel(Distribution):
    ...     param_names = ("mu", "beta")
    ...     def log_density_terms(self, x):
    ...         mu, beta = self.params
    ...         return [-sp.log(beta), -(x - mu) / beta, -sp.exp(-(x - mu) / beta)]
    ...     @property
    ...     def support(self):
    ...         return sp.Reals
    >>> beta = sp.Symbol("beta", positive=True)
    >>> nll = negative_log_likelihood(Gumbel(mu, beta), y, n)
    >>> stationary_points(nll, mu)
    [{mu: beta*log(n/Sum(exp(-y[i]/beta), (i, 1, n)))}]
    >>> stationary_points(nll, beta)
    Traceback (most recent call last):
    ...
    lossbook.symbolic.errors.NoClosedFormError: the score equation for beta comes from a term of -log L, exp(-y_i/beta), ...
    """
    variables = (variables,) if isinstance(variables, sp.Basic) else tuple(variables)
    if not variables:
        raise ValueError("variables: name at least one variable to solve for")
    expr = expand_sum(expr)
    for v in variables:
        if not expr.has(v):
            raise ValueError(f"variables: {v} does not occur in the objective")
    # First as the sums stand (the form every earlier chapter's results come from), then after the rewrites.
    equations = [sp.together(expand_sum(sp.diff(expr, v))) for v in variables]
    attempt = _solve(equations, variables)
    if attempt.solutions:
        return attempt.solutions
    rewritten = _split_sums(expr)
    score = [expand_sum(sp.diff(rewritten, v)) for v in variables]
    unsolved = [sp.Eq(s, 0) for s in score]
    blocked = _terms_inside_sums(rewritten, variables)
    if blocked:
        raise NoClosedFormError(_inside_sum_reason(blocked), unsolved)
    attempt = _solve([sp.together(s) for s in score], variables, combine_logs=True)
    if attempt.solutions:
        return attempt.solutions
    raise NoClosedFormError(attempt.reason, unsolved)


SOLVE_SECONDS = 10.0
"""CPU seconds that :func:`stationary_points` gives :func:`sympy.solve` (and the simplification of what it
finds) in each of its two attempts."""

_FIT = "use fit() for a numeric MLE"


class _Attempt:
    """The closed-form solutions of one attempt, or why there are none."""

    def __init__(self, solutions: list[dict], reason: str = ""):
        self.solutions = solutions
        self.reason = reason


def _solve(equations: list[sp.Expr], variables: tuple[sp.Symbol, ...], combine_logs: bool = False) -> _Attempt:
    """Solve the numerators of ``equations`` for ``variables`` under a CPU-time limit."""
    names = ", ".join(str(v) for v in variables)
    own = _own_limit(SOLVE_SECONDS)
    try:
        if own:
            with _cpu_limit(SOLVE_SECONDS):
                return _closed_forms(equations, variables, combine_logs)
        return _closed_forms(equations, variables, combine_logs)
    except _Timeout:
        if not own:  # an outer limit (a derivation checker's) ran out: its business
            raise
        return _Attempt([], f"SymPy's solver ran out of time ({SOLVE_SECONDS:g} s of CPU) on the score equations "
                            f"for {names}; {_FIT}")


def _own_limit(seconds: float) -> bool:
    """Whether to set a CPU-time limit of ``seconds``: not when an outer limit has less time left (the profiling
    timer holds one limit; a new one would replace the outer one), and only in the main thread, where the
    limit's signal arrives."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "getitimer"):
        return False
    outer = signal.getitimer(signal.ITIMER_PROF)[0]
    return not outer or outer > seconds


def _closed_forms(equations: list[sp.Expr], variables: tuple[sp.Symbol, ...], combine_logs: bool) -> _Attempt:
    """The explicit solutions consistent with the variables' assumptions, simplified (and, with
    ``combine_logs``, a difference of logarithms of positive quantities written as one logarithm)."""
    numerators = [sp.numer(e) for e in equations]
    try:
        solutions = sp.solve(numerators, list(variables), dict=True)
    except NotImplementedError:
        solutions = []
    explicit = [
        s for s in solutions if set(s) == set(variables) and not any(value.has(*variables) for value in s.values())
    ]
    kept = [
        {v: _combined_logs(sp.simplify(value)) if combine_logs else sp.simplify(value) for v, value in solution.items()}
        for solution in explicit
        if all(
            not v.is_positive or (value.is_positive is not False and not value.could_extract_minus_sign())
            for v, value in solution.items()
        )
    ]
    if kept:
        return _Attempt(kept)
    if explicit:
        assumed = ", ".join(f"{v} positive" for v in variables if v.is_positive)
        roots = "; ".join(_show(s) for s in explicit)
        return _Attempt([], f"every root of the score equations ({roots}) contradicts the assumption that "
                            f"{assumed}; {_FIT}")
    return _Attempt([], _transcendental_reason(equations, variables, implicit=bool(solutions)))


def _transcendental_reason(equations: list[sp.Expr], variables: tuple[sp.Symbol, ...], implicit: bool) -> str:
    """Name, for each variable, the functions of it in its score equation that SymPy could not invert."""
    parts = []
    for v, equation in zip(variables, equations):
        functions = sorted(
            {_show(f) for f in sp.numer(equation).atoms(sp.Function, sp.Pow)
             if f.has(v) and not (isinstance(f, sp.Pow) and f.base == v and f.exp.is_number)},
            key=len,
        )
        if functions:
            parts.append(f"the score equation for {v} holds {', '.join(functions[:3])}, which SymPy's solver cannot "
                         f"invert for {v}")
    if not parts:
        names = ", ".join(str(v) for v in variables)
        parts.append(f"SymPy's solver finds no closed-form root of the score equations for {names}")
    if implicit:
        parts.append("what it finds still contains the unknowns")
    return "; ".join(parts) + f"; {_FIT}"


def _combined_logs(expr: sp.Expr) -> sp.Expr:
    r"""Each sum of logarithms, :math:`\log n - \log S`, as one logarithm :math:`\log(n/S)` (positive arguments
    only: :func:`sympy.logcombine` without ``force``)."""

    def only_logs(e) -> bool:
        return isinstance(e, sp.Add) and all(
            isinstance(t.as_coeff_Mul()[1], sp.log) and t.as_coeff_Mul()[0] in (1, -1) for t in e.args
        )

    return expr.replace(only_logs, sp.logcombine)


def _split_sums(expr: sp.Expr) -> sp.Expr:
    """Every sum's summand with exponentials of sums, logarithms of products and powers of products split,
    and the factors free of the index pulled out of the sum."""

    def split(node: sp.Sum) -> sp.Expr:
        if len(node.limits) != 1:
            return node
        index, low, high = node.limits[0]
        summand = sp.expand(node.function, power_exp=True, log=True, power_base=True, mul=True, multinomial=True)
        total = []
        for term in sp.Add.make_args(summand):
            outside, inside = term.as_independent(index, as_Add=False)
            total.append(outside * (high - low + 1) if inside == 1 else outside * sp.Sum(inside, (index, low, high)))
        return sp.Add(*total)

    return sp.sympify(expr).replace(lambda e: isinstance(e, sp.Sum), split)


def _terms_inside_sums(expr: sp.Expr, variables: tuple[sp.Symbol, ...]) -> dict:
    """For each variable, the summands of the sums over observations that still contain it."""
    blocked = {}
    for v in variables:
        summands = [s.function for s in expr.atoms(sp.Sum) if s.function.has(v)]
        if summands:
            blocked[v] = sorted(summands, key=sp.default_sort_key)
    return blocked


_KINKS = (sp.Abs, sp.sign, sp.Heaviside, sp.Max, sp.Min, sp.Piecewise)


def _bare_kinks(summand: sp.Expr, v: sp.Symbol) -> list[sp.Expr]:
    """The functions with a kink in ``v`` (``Abs(v - y_i)``) that occur in ``summand`` other than as the base of a
    power: ``Abs(v - y_i)**p`` may be smooth (``p > 1``), and is left to the general reason."""
    powers = {p: sp.Dummy() for p in summand.atoms(sp.Pow) if isinstance(p.base, _KINKS)}
    bare = summand.xreplace(powers)
    return sorted((k for k in bare.atoms(*_KINKS) if k.has(v)), key=sp.default_sort_key)


def _inside_sum_reason(blocked: dict) -> str:
    """Why the variables in ``blocked`` (variable -> summands that hold it) have no closed form."""
    parts, smooth = [], False
    for v, summands in blocked.items():
        kinked = [(s, k) for s in summands for k in _bare_kinks(s, v)]
        if kinked:
            summand, kink = kinked[0]
            where = f"{_show(kink.args[0])} = 0" if len(kink.args) == 1 else f"the conditions of {_show(kink)} switch"
            median = summand == kink and isinstance(kink, sp.Abs) and abs(sp.diff(kink.args[0], v)) == 1
            parts.append(
                f"the score equation for {v} holds {_show(kink)} inside a sum over the observations: -log L is not "
                f"differentiable in {v} where {where}, and its minimiser sits at such a kink, not at a root of the "
                "score equation"
                + (f" (for a sum of |y_i - {v}|, a median of the y_i: an order statistic, which no formula in n gives)"
                   if median else "")
                + f"; fit() needs a differentiable log-likelihood, so hold {v} at the minimiser with fit(..., fixed="
                + (f"{{{v}: numpy.median(data)}})" if median else f"{{{v}: value}})")
            )
        else:
            parts.append(
                f"the score equation for {v} comes from a term of -log L, {_show(summands[0])}, that mixes {v} with the "
                f"observations inside a sum over them: no rewrite takes {v} out of the sum, so the equation is "
                f"transcendental in {v}"
            )
            smooth = True
    return "; ".join(parts) + (f"; {_FIT}" if smooth else "")


def _show(expr) -> str:
    """``expr`` as text, with ``y[i]`` written ``y_i``."""
    return re.sub(r"(\w+)\[(\w+)\]", r"\1_\2", sp.sstr(expr))
