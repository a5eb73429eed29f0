"""A chain of derivation steps, each checked by machine when it is added, printed as a textbook prints it.

Every step states its relation to the one before: *equal*; *same minimisers* in named variables (the two differ
by a positive factor and an additive term, both free of those variables), printed :math:`\\simeq` with the
variables under it; or a *special case* computed by substitution, printed :math:`=` with the substitution under
it. How a step is checked, and what a check does and does not guarantee, is described in
:mod:`lossbook.symbolic.checking`. A line may carry a *display form*, the author's own arrangement of the same
expression, which is checked equal to the line before it is shown.

The engine is introduced in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from .checking import Check, Checker, DerivationError
from .printing import latex as textbook_latex

__all__ = ["Derivation", "DerivationError", "Step", "SYMBOLIC_SECONDS"]

#: CPU seconds a symbolic confirmation of one step may take, unless a derivation says otherwise.
SYMBOLIC_SECONDS = 10.0

_RELATIONS = ("start", "equal", "argmin", "substitute")


@dataclass
class Step:
    """One line of a derivation.

    Attributes
    ----------
    expr : sympy.Expr
        The expression on this line (what is checked).
    reason : str
        Why it follows from the previous line (plain text, may contain ``$...$`` LaTeX).
    relation : str
        ``"start"``, ``"equal"``, ``"argmin"`` or ``"substitute"``.
    over : tuple
        For ``"argmin"`` steps, the variables being optimised; for ``"substitute"`` steps, the
        ``(symbol, value)`` pairs substituted.
    check : Check
        What was verified about the step (``None`` for the first line).
    display : sympy.Expr or None
        The author's arrangement of ``expr``, checked equal to it, printed in its place.
    display_check : Check or None
        How ``display`` was checked equal to ``expr``.
    """

    expr: sp.Expr
    reason: str
    relation: str
    over: tuple = ()
    check: Check | None = None
    display: sp.Expr | None = None
    display_check: Check | None = None

    @property
    def confirmed_by(self) -> list[str]:
        """How the step was checked, one phrase per method."""
        return list(self.check.how) if self.check is not None else []


def relation_latex(relation: str, over: tuple = (), number: int | None = None, names: dict | None = None) -> str:
    r"""The LaTeX of a relation between two lines: ``=``, or :math:`\simeq` with the optimised variables under it.

    Parameters
    ----------
    relation : str
        ``"start"`` or ``"equal"`` (printed ``=``), ``"argmin"`` (same minimisers in ``over``) or
        ``"substitute"`` (``=`` with the substituted values under it).
    over : tuple
        The optimised variables of an ``"argmin"`` relation, or the ``(symbol, value)`` pairs of a
        ``"substitute"`` one.
    number : int, optional
        A step number to write over the relation.
    names : dict, optional
        LaTeX names for symbols (see :func:`~lossbook.symbolic.latex`).

    Returns
    -------
    str
        The relation's LaTeX.

    Notes
    -----
    The relations are explained in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.

    Examples
    --------
    >>> import sympy as sp
    >>> mu = sp.Symbol("mu", real=True)
    >>> relation_latex("argmin", (mu,), 2)
    '\\underset{\\mu}{\\overset{(2)}{\\simeq}}'
    >>> relation_latex("equal")
    '='
    """
    if relation not in _RELATIONS:
        raise ValueError(f"relation: must be one of {', '.join(_RELATIONS)}, got {relation!r}")
    symbol = r"\simeq" if relation == "argmin" else "="
    if number is not None:
        symbol = rf"\overset{{({number})}}{{{symbol}}}"
    if relation == "argmin":
        return rf"\underset{{{', '.join(textbook_latex(v, names=names) for v in over)}}}{{{symbol}}}"
    if relation == "substitute":
        where = ",\\ ".join(f"{textbook_latex(k, names=names)} = {textbook_latex(v, names=names)}" for k, v in over)
        return rf"\underset{{{where}}}{{{symbol}}}"
    return symbol


class Derivation:
    r"""A chain of steps, each checked when it is added; renders as aligned LaTeX in a notebook.

    Parameters
    ----------
    lhs : str or sympy.Expr
        What the chain computes, shown on the left of the first line (LaTeX string or expression).
    start : sympy.Expr
        The first expression.
    reason : str, optional
        Why the first expression is what ``lhs`` means (for example "definition").
    display : sympy.Expr, optional
        The author's arrangement of ``start`` (see :meth:`equals`).
    points : int, optional
        How many random points each step is checked at (at least 10).
    seed : int, optional
        Seed of the random points, so a derivation is checked the same way every run.
    domain : str, optional
        "real" or "complex": whether the expressions are real-valued (the default: a complex value at a
        sample point is an error, which catches steps such as :math:`\log x^2 = 2\log x` for negative
        :math:`x`) or complex-valued.
    domains : dict, optional
        Where symbols (or the data of an ``IndexedBase``) live when that is narrower than their SymPy
        assumptions say, for example ``{p: "probability"}``; see :class:`~lossbook.symbolic.checking.Checker`.
    lead : sequence of sympy.Symbol or sympy.IndexedBase, optional
        Symbols a printed sum should start with when it has a choice (for example the data).
    names : dict, optional
        LaTeX names for symbols whose own names do not print as wanted, ``{y_hat: r"\hat y"}``.
    symbolic_seconds : float, optional
        CPU time allowed for a symbolic confirmation of each step (0 to skip it); ``lossbook.symbolic.derivation.SYMBOLIC_SECONDS`` (10 s)
        by default. CPU time rather than wall time, so that a busy machine does not change which steps are
        confirmed symbolically.

    Raises
    ------
    ValueError
        If ``points`` is below 10, or ``domain`` is not "real" or "complex".

    Notes
    -----
    Introduced in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.

    **What a check guarantees, and what it does not.** An *equal* step is evaluated, with the line before it,
    at seeded sample points with 50 significant digits, and the two values may differ by at most
    :math:`10^{-35}` times the larger of 1 and their size (an absolute bound below 1). A comparison that fails
    is repeated at 150 digits, and at 300 if the values moved between the two, so that rounding does not decide
    the verdict; for a line holding an expectation or an infinite series the tolerance is widened by the error
    estimate of its numerical value instead. Real symbols of both signs and positive symbols are drawn with
    magnitudes from :math:`10^{-6}` to :math:`10^{6}`, except inside an exponential or an exponent, where they
    stop at :math:`10^{2}`; integers, the sizes of sums over data among them, from small values upwards; data
    under a sum entry by entry over the same scales; and symbols or data declared with ``domains=``
    (``"probability"``, ``"binary"``, ``"count"``, ``"size"``, ``"integer"``, ``"positive"``,
    ``"nonnegative"``, ``"negative"``, ``"real"`` or a ``(low, high)`` interval) from their domains. For each
    threshold in either line set by the line's own symbols (the argument of ``Abs``, ``sign`` or
    ``Heaviside``, two arguments of ``Max`` or ``Min``, a ``Piecewise`` condition or other comparison), points
    are added on it and just either side of it, for the first eight thresholds and where the threshold can be
    solved for one of its symbols; a threshold that moves with the data inside a sum gets no points of its own.
    An expectation is integrated at the working precision with an error estimate, and an infinite series counts
    only at points where its convergence is established (an accelerated sum is never trusted alone); steps with
    either are sampled over magnitudes :math:`10^{-2}` to :math:`10^{2}`. A *same minimisers* step passes the
    same points with the optimised variables moved to three other sampled values at each, and the new line's
    changes must be one positive multiple of the old line's. A *special case* is computed by SymPy with all
    values substituted at once; the values must respect the assumptions and declared domains of the symbols
    they replace, and the new line must agree at the sample points with the old one at those values. Each
    "Checked:" line says how many points decided the step, over which ranges and sizes, which thresholds were
    straddled, and whether SymPy proved the step within its CPU-time budget (``symbolic_seconds``).

    Without a symbolic proof, a step is shown true at the points tried, not everywhere: a mistake confined to
    where no point lands (outside the magnitudes sampled, at sizes above those listed, between thresholds
    never straddled together, at a threshold the label does not name, or at a single point) is not seen.
    Points where a line is undefined or cannot be evaluated stably even at 300 digits are skipped and counted
    in the label, and at least half of the points must decide the step. Every failure while checking (a wrong
    step, a divergent series, a symbol that cannot be sampled, an unevaluated derivative or integral, an
    inaccurate quadrature, a numeric check beyond its CPU-time limit) raises :class:`DerivationError` naming
    the step; for a wrong step the message gives a point where the two lines differ.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b", real=True)
    >>> d = Derivation("f", (a + b)**2, "definition")
    >>> d = d.equals(a**2 + 2*a*b + b**2, "expand the square")
    >>> d.result
    a**2 + 2*a*b + b**2
    >>> d.equals(a**2 + b**2, "forget the cross term")
    Traceback (most recent call last):
    ...
    lossbook.symbolic.DerivationError: step 2 ("forget the cross term") is not equal to step 1: ...
    """

    def __init__(
        self,
        lhs: str | sp.Expr,
        start: sp.Expr,
        reason: str = "",
        *,
        display: sp.Expr | None = None,
        points: int = 16,
        seed: int = 0,
        symbolic_seconds: float | None = None,
        domain: str = "real",
        domains: dict | None = None,
        lead: Sequence = (),
        names: dict | None = None,
    ):
        if isinstance(points, bool) or not isinstance(points, (int, float)) or int(points) != points or points < 10:
            raise ValueError(f"points: at least 10 random points are needed for a reliable check, got {points}")
        if domain not in ("real", "complex"):
            raise ValueError(f"domain: must be 'real' or 'complex', got {domain!r}")
        self.lead = tuple(lead)
        self.names = dict(names or {})
        self.lhs = lhs if isinstance(lhs, str) else self._latex(lhs)
        self.points = int(points)
        self.seed = seed
        self.symbolic_seconds = SYMBOLIC_SECONDS if symbolic_seconds is None else symbolic_seconds
        self.domain = domain
        self.domains = dict(domains or {})
        checker_options = {"points": self.points, "seed": seed, "symbolic_seconds": self.symbolic_seconds}
        checker_options["domain"] = domain
        if self.domains:
            checker_options["domains"] = self.domains
        self.checker = Checker(**checker_options)
        first = Step(sp.sympify(start), reason, "start")
        self._attach_display(first, display, 0)
        self.steps: list[Step] = [first]

    # -- building ---------------------------------------------------------------------------------------------

    def _attach_display(self, step: Step, display, number: int) -> None:
        if display is None:
            return
        display = sp.sympify(display, evaluate=False) if isinstance(display, str) else display
        if not isinstance(display, sp.Basic):
            raise ValueError(f"display: expected a sympy expression, got {type(display).__name__}")
        step.display_check = self.checker.equal(step.expr, display, number, "the display form of this line")
        step.display = display

    def equals(self, expr: sp.Expr, reason: str, *, display: sp.Expr | None = None) -> "Derivation":
        """Add a step equal to the previous one; checked before it is added.

        Parameters
        ----------
        expr : sympy.Expr
            The new expression.
        reason : str
            Why it equals the previous one.
        display : sympy.Expr, optional
            The same expression arranged as the author wants it printed, written with
            ``sympy.evaluate(False)`` so that SymPy keeps the order of its terms. It is checked equal to
            ``expr`` and printed in its place, so a pretty form can never be a wrong form.

        Returns
        -------
        Derivation
            ``self``, so steps can be chained.

        Raises
        ------
        DerivationError
            If the step is not equal to the previous one, or the display form is not equal to the step; the
            message names the step and a counterexample.
        """
        step = Step(sp.sympify(expr), reason, "equal")
        step.check = self.checker.equal(self.steps[-1].expr, step.expr, len(self.steps), reason)
        self._attach_display(step, display, len(self.steps))
        self.steps.append(step)
        return self

    def same_argmin(self, expr: sp.Expr, reason: str, over, *, display: sp.Expr | None = None) -> "Derivation":
        """Add a step with the same minimisers in ``over`` as the previous one.

        The new expression must equal a positive factor times the previous one plus a term, the factor and
        the term both free of the variables in ``over`` (dropping an additive constant, or scaling by a
        positive number, keeps the argmin). It is printed with :math:`\\simeq` and the variables under it,
        never with ``=``.

        Parameters
        ----------
        expr : sympy.Expr
            The new expression.
        reason : str
            Why the minimisers are unchanged.
        over : sympy.Symbol or sequence of sympy.Symbol
            The variables being optimised.
        display : sympy.Expr, optional
            The author's arrangement of ``expr`` (see :meth:`equals`).

        Returns
        -------
        Derivation
            ``self``.

        Raises
        ------
        DerivationError
            If the new expression is not of that form, with a counterexample.
        ValueError
            If ``over`` is empty.
        """
        over = (over,) if isinstance(over, sp.Basic) else tuple(over)
        if not over:
            raise ValueError("over: name at least one variable being optimised")
        step = Step(sp.sympify(expr), reason, "argmin", over)
        step.check = self.checker.argmin(self.steps[-1].expr, step.expr, over, len(self.steps), reason)
        self._attach_display(step, display, len(self.steps))
        self.steps.append(step)
        return self

    def substitute(self, values: dict, reason: str, *, display: sp.Expr | None = None) -> "Derivation":
        """Add the previous expression with ``values`` substituted (a special case, not an identity).

        The new line is computed here, by substituting every value at once, so it cannot be mistyped; the
        values are checked against the assumptions of the symbols they replace.

        Parameters
        ----------
        values : dict
            Symbols to replace and what replaces them, for example ``{sigma: 1}``.
        reason : str
            Why the special case is of interest.
        display : sympy.Expr, optional
            The author's arrangement of the new line (see :meth:`equals`).

        Returns
        -------
        Derivation
            ``self``.

        Raises
        ------
        ValueError
            If ``values`` is empty or names a symbol that does not occur in the previous line.
        DerivationError
            If a value contradicts the assumptions of the symbol it replaces.
        """
        if not values:
            raise ValueError("values: name at least one symbol to substitute")
        previous = self.steps[-1].expr
        for symbol in values:
            if not previous.has(symbol):
                raise ValueError(f"values: {symbol} does not occur in the previous line")
        values = {sp.sympify(k): sp.sympify(v) for k, v in values.items()}
        new, check = self.checker.substitute(previous, values, len(self.steps), reason)
        step = Step(new, reason, "substitute", tuple(values.items()), check)
        self._attach_display(step, display, len(self.steps))
        self.steps.append(step)
        return self

    @property
    def result(self) -> sp.Expr:
        """The expression on the last line."""
        return self.steps[-1].expr

    def __len__(self) -> int:
        return len(self.steps)

    def relation_to(self, step: int = -1) -> tuple[str, tuple, tuple]:
        """How line ``step`` relates to the left-hand side: composed from every step up to it.

        Parameters
        ----------
        step : int
            The line (negative numbers count from the end).

        Returns
        -------
        tuple
            ``(relation, over, condition)``: ``relation`` is ``"equal"`` or ``"argmin"`` (same minimisers in the
            variables ``over`` that every argmin step up to the line kept); ``condition`` holds the
            ``(symbol, value)`` pairs of the special cases taken on the way (empty when there were none).

        Raises
        ------
        ValueError
            If the line does not exist, or argmin steps over different variables leave none in common.
        """
        number = self._line_number(step)
        chain = self.steps[1 : number + 1]
        condition = tuple(pair for s in chain if s.relation == "substitute" for pair in s.over)
        if not any(s.relation == "argmin" for s in chain):
            return "equal", (), condition
        common = None
        for s in chain:
            if s.relation == "argmin":
                common = list(s.over) if common is None else [v for v in common if v in s.over]
        if not common:
            raise ValueError(f"step: no variable keeps its minimisers through every step up to line {number}")
        return "argmin", tuple(common), condition

    def _line_number(self, step: int) -> int:
        if isinstance(step, bool) or not isinstance(step, int) or not -len(self.steps) <= step < len(self.steps):
            raise ValueError(f"step: must be a line number between 0 and {len(self.steps) - 1}, got {step!r}")
        return step % len(self.steps)

    def equation(self, step: int = -1, *, lhs: str | None = None, display: sp.Expr | None = None):
        """Line ``step`` as a single displayed result, with the relation the chain has established.

        Parameters
        ----------
        step : int, optional
            The line (the last by default).
        lhs : str, optional
            LaTeX for the left side (the derivation's own left side by default): a name for the quantity,
            for example the special case it is.
        display : sympy.Expr, optional
            The author's arrangement of the line, checked equal to it.

        Returns
        -------
        Equation
            ``lhs`` and the line, joined by ``=`` when every step up to the line is an equality, by
            :math:`\\simeq` over the optimised variables when some step only kept the minimisers; a special case
            taken on the way is written after the equation ("at :math:`\\sigma = 1`").

        Raises
        ------
        ValueError
            If the line does not exist or its relation cannot be stated (see :meth:`relation_to`).
        DerivationError
            If ``display`` is not equal to the line.
        """
        from .equation import Equation

        number = self._line_number(step)
        relation, over, condition = self.relation_to(number)
        line = self.steps[number]
        shown = display
        if shown is None and line.display is not None:
            shown = line.display
        left = lhs if lhs is not None else self.lhs
        return Equation._from_derivation(self, number, left, relation, over, condition, shown)

    # -- display ----------------------------------------------------------------------------------------------

    def line_latex(self, step: int) -> str:
        """The LaTeX of one line's expression (its display form when it has one).

        Parameters
        ----------
        step : int
            The line.

        Returns
        -------
        str
            The expression as the textbook printer writes it.
        """
        line = self.steps[self._line_number(step)]
        if line.display is not None:
            return self._latex(line.display, authored=True)
        return self._latex(line.expr)

    def _latex(self, expr: sp.Expr, authored: bool = False) -> str:
        return textbook_latex(expr, lead=self.lead, names=self.names, authored=authored)

    def latex(self) -> str:
        r"""The derivation as an ``aligned`` LaTeX block, one step per line, each relation marked with its step
        number: ``=`` for an equality, :math:`\simeq` with the variables under it for a step that keeps the
        minimisers, ``=`` with the substitution under it for a special case. The reasons are listed by number
        in :meth:`reasons` (so a narrow screen never has to scroll sideways to read them)."""
        lines = []
        for index, step in enumerate(self.steps):
            body = self.line_latex(index)
            if step.relation == "start":
                lines.append(f"{self.lhs} &= {body}")
            else:
                lines.append(f"&{relation_latex(step.relation, step.over, index, names=self.names)} {body}")
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    def reasons(self) -> str:
        """The reasons as a Markdown list: the starting point, then each step with how it was checked."""
        start = self.steps[0]
        lines = [f"Start: {start.reason}." if start.reason else "Start."]
        if start.display_check is not None:
            lines[0] += f" *Display form checked: {start.display_check.describe()}.*"
        for index, step in enumerate(self.steps[1:], start=1):
            if step.relation == "equal":
                relation = ""
            elif step.relation == "substitute":
                relation = " (special case " + ", ".join(f"${self._latex(k)} = {self._latex(v)}$" for k, v in step.over) + ")"
            else:
                relation = f" (same minimisers in {', '.join(f'${self._latex(v)}$' for v in step.over)})"
            line = f"({index}) {step.reason}{relation}. *Checked: {step.check.describe()}.*"
            if step.display_check is not None:
                line += " *The printed form is checked equal to the line.*"
            lines.append(line)
        return "\n".join(f"- {line}" for line in lines)

    def summary(self) -> str:
        """One sentence per step saying how it was confirmed."""
        parts = []
        for index, step in enumerate(self.steps[1:], start=1):
            parts.append(f"step {index}: {step.check.describe()}")
        return "Checked by lossbook: " + ("; ".join(parts) if parts else "a single expression, nothing to check") + "."

    def _repr_latex_(self) -> str:
        return "$$\n" + self.latex() + "\n$$"

    def _repr_markdown_(self) -> str:
        return self._repr_latex_() + "\n\n" + self.reasons()

    def __repr__(self) -> str:
        lines = [f"{self.lhs} = {self.steps[0].expr}    [{self.steps[0].reason}]"]
        for step in self.steps[1:]:
            if step.relation == "argmin":
                symbol = f"~(same minimisers in {', '.join(map(str, step.over))})"
            else:
                symbol = {"equal": "=", "substitute": "=(special case)"}[step.relation]
            lines.append(f"  {symbol} {step.expr}    [{step.reason}]")
        return "\n".join(lines)
