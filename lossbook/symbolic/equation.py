"""Single displayed results as checked objects: a left side, a relation and a right side.

A chapter never assembles a displayed formula from LaTeX strings: it builds an :class:`Equation` (checked when
it is built) or takes one from a :class:`~lossbook.symbolic.Derivation`, and glues it by label. Several results
shown side by side are an :func:`equations` group. Introduced in
`KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.
"""

from __future__ import annotations

import sympy as sp

from .checking import Check, Checker, DerivationError
from .derivation import SYMBOLIC_SECONDS, relation_latex
from .printing import latex as textbook_latex

__all__ = ["Equation", "EquationGroup", "equations"]


class Equation:
    r"""``lhs`` (relation) ``rhs``, checked when it is built, printed as a textbook prints it.

    Parameters
    ----------
    lhs : str or sympy.Expr
        A LaTeX name for the quantity (``r"\log p(x)"``), or an expression. When it is an expression, the
        relation between ``lhs`` and ``rhs`` is checked by the derivation engine. Explicit SymPy matrices
        (for example a gradient written out for a symbolic 3 x 2 design) are checked entry by entry.
    rhs : sympy.Expr
        The value: an expression computed by the library or by a derivation.
    relation : str, optional
        ``"="`` (the default) or ``"argmin"``: the two sides have the same minimisers in ``over`` (printed
        :math:`\simeq` with the variables under it). ``"argmin"`` needs ``lhs`` to be an expression.
    over : sympy.Symbol or sequence of sympy.Symbol, optional
        The optimised variables of an ``"argmin"`` relation.
    display : sympy.Expr, optional
        ``rhs`` arranged as the author wants it printed (written with ``sympy.evaluate(False)``); checked
        equal to ``rhs`` and printed in its place.
    domains : dict, optional
        Narrower domains of symbols for the checks (see :class:`~lossbook.symbolic.checking.Checker`).
    lead : sequence, optional
        Symbols a printed sum should start with when it has a choice.
    names : dict, optional
        LaTeX names for symbols (see :func:`~lossbook.symbolic.latex`).
    seed : int, optional
        Seed of the random points of the checks.
    domain : str, optional
        "real" (the default) or "complex": whether the two sides are real- or complex-valued.

    Attributes
    ----------
    checks : list of str
        What was verified, one phrase per check ("" when nothing needed checking: a name and a value).

    Raises
    ------
    DerivationError
        If ``lhs`` and ``rhs`` are not in the stated relation, or ``display`` is not equal to ``rhs``.
    ValueError
        If ``relation`` is unknown, or ``"argmin"`` comes without ``over`` or with a named ``lhs``.

    Notes
    -----
    Introduced in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.

    Examples
    --------
    >>> import sympy as sp
    >>> x, mu = sp.symbols("x mu", real=True)
    >>> Equation((x - mu)**2, x**2 - 2*mu*x + mu**2).latex()
    '\\left(x - \\mu\\right)^{2} = \\mu^{2} - 2 \\mu x + x^{2}'
    >>> Equation((x - mu)**2, x**2 + mu**2)
    Traceback (most recent call last):
    ...
    lossbook.symbolic.DerivationError: the right side of ... is not equal to the left side: ...
    >>> Equation((x - mu)**2 / 2, (x - mu)**2, relation="argmin", over=mu).latex()
    '\\frac{\\left(x - \\mu\\right)^{2}}{2} \\underset{\\mu}{\\simeq} \\left(x - \\mu\\right)^{2}'
    """

    def __init__(
        self,
        lhs: str | sp.Expr,
        rhs: sp.Expr,
        *,
        relation: str = "=",
        over=(),
        display: sp.Expr | None = None,
        domains: dict | None = None,
        lead=(),
        names: dict | None = None,
        seed: int = 0,
        domain: str = "real",
    ):
        if relation not in ("=", "argmin"):
            raise ValueError(f"relation: must be '=' or 'argmin', got {relation!r}")
        over = (over,) if isinstance(over, sp.Basic) else tuple(over)
        if relation == "argmin" and not over:
            raise ValueError("over: an 'argmin' relation names the variables being optimised")
        if relation == "argmin" and isinstance(lhs, str):
            raise ValueError("lhs: an 'argmin' relation is checked, so the left side must be an expression")
        if domain not in ("real", "complex"):
            raise ValueError(f"domain: must be 'real' or 'complex', got {domain!r}")
        if not isinstance(lhs, (str, sp.Basic, sp.MatrixBase)):
            raise ValueError(f"lhs: expected a LaTeX string or a sympy expression, got {type(lhs).__name__}")
        self.rhs = rhs if _is_matrix(rhs) else sp.sympify(rhs)
        self.lhs = lhs if isinstance(lhs, str) or _is_matrix(lhs) else sp.sympify(lhs)
        self.relation = "equal" if relation == "=" else "argmin"
        self.over = over
        self.lead = tuple(lead)
        self.names = dict(names or {})
        self.display = None
        self.checks: list[str] = []
        options = {"points": 16, "seed": seed, "symbolic_seconds": SYMBOLIC_SECONDS, "domain": domain}
        if domains:
            options["domains"] = dict(domains)
        self._checker = Checker(**options)
        self.condition: tuple = ()
        if not isinstance(self.lhs, str):
            described = f"{self.lhs} = {self.rhs}"
            try:
                if _is_matrix(self.lhs) or _is_matrix(self.rhs):
                    if self.relation != "equal":
                        raise ValueError("relation: matrices can only be stated equal")
                    check = _check_entries(self._checker, self.lhs, self.rhs, "right side")
                elif self.relation == "equal":
                    check = self._checker.equal(self.lhs, self.rhs, 1, "right side")
                else:
                    check = self._checker.argmin(self.lhs, self.rhs, over, 1, "right side")
            except DerivationError as error:
                kind = "equal to" if self.relation == "equal" else "of the same minimisers as"
                raise DerivationError(f"the right side of {described} is not {kind} the left side: {error}") from None
            self.checks.append(check.describe())
        self._set_display(display)

    def _set_display(self, display) -> None:
        if display is None:
            return
        if not isinstance(display, (sp.Basic, sp.MatrixBase)):
            raise ValueError(f"display: expected a sympy expression, got {type(display).__name__}")
        try:
            if _is_matrix(self.rhs) or _is_matrix(display):
                check: Check = _check_entries(self._checker, self.rhs, display, "display form")
            else:
                check = self._checker.equal(self.rhs, display, 1, "display form")
        except DerivationError as error:
            raise DerivationError(f"the display form {display} is not equal to {self.rhs}: {error}") from None
        self.display = display
        self.checks.append("display form: " + check.describe())

    @classmethod
    def _from_derivation(cls, derivation, number: int, lhs, relation: str, over: tuple, condition: tuple, display):
        equation = cls.__new__(cls)
        equation.condition = condition
        equation.lhs = lhs
        equation.rhs = derivation.steps[number].expr
        equation.relation = relation
        equation.over = over
        equation.lead = derivation.lead
        equation.names = derivation.names
        equation.display = None
        equation.checks = [f"line {number} of a checked derivation"]
        equation._checker = derivation.checker
        equation._set_display(display)
        return equation

    # -- display ----------------------------------------------------------------------------------------------

    def latex(self) -> str:
        """The equation's LaTeX (no dollar signs): left side, relation, right side."""
        def tex(expr, authored=False):
            return textbook_latex(expr, lead=self.lead, names=self.names, authored=authored)

        left = self.lhs if isinstance(self.lhs, str) else tex(self.lhs)
        right = tex(self.display, authored=True) if self.display is not None else tex(self.rhs)
        text = f"{left} {relation_latex(self.relation, self.over, names=self.names)} {right}"
        if self.condition:
            where = ",\\ ".join(f"{tex(k)} = {tex(v)}" for k, v in self.condition)
            text += rf"\qquad \text{{at }} {where}"
        return text

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"

    def __repr__(self) -> str:
        symbol = {"equal": "=", "argmin": "~", "substitute": "="}[self.relation]
        return f"Equation({self.lhs} {symbol} {self.rhs})"


def _is_matrix(value) -> bool:
    return isinstance(value, sp.MatrixBase)


def _check_entries(checker: Checker, left, right, what: str) -> Check:
    """Two explicit matrices (or a matrix and zero) are equal entry by entry; the record of the first entry's
    check, with the number of entries checked."""
    if not (_is_matrix(left) and _is_matrix(right)):
        raise DerivationError(f"the {what}: a matrix can only equal a matrix")
    if left.shape != right.shape:
        raise DerivationError(f"the {what}: shapes {left.shape} and {right.shape} differ")
    checks = [checker.equal(a, b, 1, f"{what}, entry {k}") for k, (a, b) in enumerate(zip(left, right))]
    first = checks[0]
    return Check([f"each of the {len(checks)} entries: {first.describe()}"])


class EquationGroup:
    """Several checked equations shown in one display, side by side.

    Parameters
    ----------
    members : sequence of Equation
        The equations, in order.

    Notes
    -----
    Made by :func:`equations`; see `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.
    """

    def __init__(self, members):
        self.members = list(members)

    def latex(self) -> str:
        """The equations' LaTeX, separated by a comma and a wide space."""
        return ",\\qquad ".join(member.latex() for member in self.members)

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"

    def __repr__(self) -> str:
        return "EquationGroup(" + ", ".join(map(repr, self.members)) + ")"


def equations(*members: Equation) -> EquationGroup:
    r"""Show several checked equations in one display, side by side.

    Parameters
    ----------
    *members : Equation
        The equations.

    Returns
    -------
    EquationGroup
        An object that displays (and glues) as one formula.

    Raises
    ------
    ValueError
        If there is no equation, or a member is not an :class:`Equation`.

    Notes
    -----
    Used from `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_ on.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> equations(Equation("f(x)", x**2), Equation("g(x)", sp.exp(-x))).latex()
    'f(x) = x^{2},\\qquad g(x) = e^{- x}'
    """
    if not members:
        raise ValueError("members: give at least one equation")
    for member in members:
        if not isinstance(member, Equation):
            raise ValueError(f"members: expected Equation objects, got {type(member).__name__}")
    return EquationGroup(members)
