"""A chain of derivation steps, each checked by machine when it is added.

Every step states its relation to the one before: *equal*, or *same argmin* (the two differ by a positive
factor and an additive term, both free of the variables being optimised). A step is checked at random points
with mpmath at 50 significant digits, on both sides of every kink (``Abs``, ``sign``, ``Max``, ``Min``), and then,
where a symbolic confirmation succeeds quickly, also symbolically. A wrong step raises :class:`DerivationError`
naming the step and a point where it fails.

The engine is introduced in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .checking import Check, Checker, DerivationError

__all__ = ["Derivation", "DerivationError", "Step"]

@dataclass
class Step:
    """One line of a derivation.

    Attributes
    ----------
    expr : sympy.Expr
        The expression on this line.
    reason : str
        Why it follows from the previous line (plain text, may contain ``$...$`` LaTeX).
    relation : str
        ``"start"``, ``"equal"``, ``"argmin"`` or ``"substitute"``.
    over : tuple
        For ``"argmin"`` steps, the variables being optimised; for ``"substitute"`` steps, the
        ``(symbol, value)`` pairs substituted.
    check : Check
        What was verified about the step (``None`` for the first line).
    """

    expr: sp.Expr
    reason: str
    relation: str
    over: tuple = ()
    check: Check | None = None

    @property
    def confirmed_by(self) -> list[str]:
        """How the step was checked, one phrase per method."""
        return list(self.check.how) if self.check is not None else []



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
    points : int, optional
        How many random points each step is checked at (at least 10).
    seed : int, optional
        Seed of the random points, so a derivation is checked the same way every run.
    domain : str, optional
        "real" or "complex": whether the expressions are real-valued (the default: a complex value at a
        sample point is an error, which catches steps such as :math:`\log x^2 = 2\log x` for negative
        :math:`x`) or complex-valued.
    symbolic_seconds : float, optional
        CPU time allowed for a symbolic confirmation of each step (0 to skip it). CPU time rather than wall
        time, so that a busy machine does not change which steps are confirmed symbolically.

    Raises
    ------
    ValueError
        If ``points`` is below 10.

    Notes
    -----
    Introduced in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.

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
        points: int = 16,
        seed: int = 0,
        symbolic_seconds: float = 5.0,
        domain: str = "real",
    ):
        if isinstance(points, bool) or not isinstance(points, (int, float)) or int(points) != points or points < 10:
            raise ValueError(f"points: at least 10 random points are needed for a reliable check, got {points}")
        self.lhs = lhs if isinstance(lhs, str) else sp.latex(lhs)
        self.points = int(points)
        self.seed = seed
        self.symbolic_seconds = symbolic_seconds
        if domain not in ("real", "complex"):
            raise ValueError(f"domain: must be 'real' or 'complex', got {domain!r}")
        self.domain = domain
        self.checker = Checker(points=self.points, seed=seed, symbolic_seconds=symbolic_seconds, domain=domain)
        self.steps: list[Step] = [Step(sp.sympify(start), reason, "start")]

    # -- building ---------------------------------------------------------------------------------------------

    def equals(self, expr: sp.Expr, reason: str) -> "Derivation":
        """Add a step equal to the previous one; checked before it is added.

        Parameters
        ----------
        expr : sympy.Expr
            The new expression.
        reason : str
            Why it equals the previous one.

        Returns
        -------
        Derivation
            ``self``, so steps can be chained.

        Raises
        ------
        DerivationError
            If the step is not equal to the previous one; the message names the step and a counterexample.
        """
        step = Step(sp.sympify(expr), reason, "equal")
        step.check = self.checker.equal(self.steps[-1].expr, step.expr, len(self.steps), reason)
        self.steps.append(step)
        return self

    def same_argmin(self, expr: sp.Expr, reason: str, over) -> "Derivation":
        """Add a step with the same minimisers in ``over`` as the previous one.

        The new expression must equal a positive factor times the previous one plus a term, the factor and
        the term both free of the variables in ``over`` (dropping an additive constant, or scaling by a
        positive number, keeps the argmin).

        Parameters
        ----------
        expr : sympy.Expr
            The new expression.
        reason : str
            Why the minimisers are unchanged.
        over : sympy.Symbol or sequence of sympy.Symbol
            The variables being optimised.

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
        self.steps.append(step)
        return self

    def substitute(self, values: dict, reason: str) -> "Derivation":
        """Add the previous expression with ``values`` substituted (a special case, not an identity).

        The new line is computed here, ``previous.subs(values)``, so it cannot be mistyped; it is still checked
        against the substitution at random points of the remaining symbols.

        Parameters
        ----------
        values : dict
            Symbols to replace and what replaces them, for example ``{sigma: 1}``.
        reason : str
            Why the special case is of interest.

        Returns
        -------
        Derivation
            ``self``.

        Raises
        ------
        ValueError
            If ``values`` is empty or names a symbol that does not occur in the previous line.
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
        self.steps.append(step)
        return self

    @property
    def result(self) -> sp.Expr:
        """The expression on the last line."""
        return self.steps[-1].expr

    def __len__(self) -> int:
        return len(self.steps)

    # -- checking ---------------------------------------------------------------------------------------------

    # -- display ----------------------------------------------------------------------------------------------

    def latex(self) -> str:
        """The derivation as an ``aligned`` LaTeX block, one step per line, each relation marked with its step
        number; the reasons are listed by number in :meth:`reasons` (so a narrow screen never has to scroll
        sideways to read them)."""
        lines = []
        for index, step in enumerate(self.steps):
            body = sp.latex(step.expr)
            if step.relation == "start":
                lines.append(f"{self.lhs} &= {body}")
            elif step.relation == "equal":
                lines.append(rf"&\overset{{({index})}}{{=}} {body}")
            elif step.relation == "substitute":
                where = ", ".join(f"{sp.latex(k)} = {sp.latex(v)}" for k, v in step.over)
                lines.append(rf"&\underset{{{where}}}{{\overset{{({index})}}{{=}}}} {body}")
            else:
                over = ", ".join(sp.latex(v) for v in step.over)
                lines.append(rf"&\underset{{\arg\min_{{{over}}}}}{{\overset{{({index})}}{{=}}}} {body}")
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    def reasons(self) -> str:
        """The reasons as a Markdown list: the starting point, then each step with how it was checked."""
        start = self.steps[0]
        lines = [f"Start: {start.reason}." if start.reason else "Start."]
        for index, step in enumerate(self.steps[1:], start=1):
            if step.relation == "equal":
                relation = ""
            elif step.relation == "substitute":
                relation = " (" + ", ".join(f"${sp.latex(k)} = {sp.latex(v)}$" for k, v in step.over) + ")"
            else:
                relation = f" (same minimisers in {', '.join(f'${sp.latex(v)}$' for v in step.over)})"
            lines.append(f"({index}) {step.reason}{relation}. *Checked: {step.check.describe()}.*")
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
            symbol = {"equal": "=", "substitute": "=(special case)"}.get(step.relation, "~argmin")
            lines.append(f"  {symbol} {step.expr}    [{step.reason}]")
        return "\n".join(lines)


