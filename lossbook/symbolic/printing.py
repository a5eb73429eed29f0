"""LaTeX as a textbook prints it: the printer behind every displayed derivation and equation.

SymPy's LaTeX printer writes an expression in SymPy's canonical order: :math:`(-\\mu + x)^2` for
:math:`(x - \\mu)^2`, :math:`\\log(\\sqrt{2}\\sqrt{\\pi}\\sigma)` for :math:`\\log(\\sigma\\sqrt{2\\pi})`, a sum over
observations in the numerator of a fraction over :math:`N` instead of :math:`\\frac{1}{N}\\sum`. The
:class:`TextbookPrinter` keeps SymPy's printer for everything else and changes only how the expression is laid
out, never what it is:

- a sum that would open with a minus sign while it has positive terms puts the positive terms first
  (:math:`x - \\mu`, :math:`y_i - a - b x_i`); a squared (or absolute) difference is written the way round
  whose first term is positive;
- square roots of positive constants are gathered into one root after the symbols
  (:math:`\\sigma\\sqrt{2\\pi}`, :math:`\\frac{1}{\\sqrt{2\\pi}}`);
- a sum over data divided by something is written :math:`\\frac{1}{N}\\sum_{i=1}^{N}\\dots`;
- an exponential of a sum of negative terms is written :math:`e^{-(c + d x)}`;
- a float shows at most six significant digits (:math:`10^{-7}`, not ``1.0e-7``).

A display form that an author wrote in their own order (see :meth:`Derivation.equals` and
:class:`Equation`) is printed with its terms in the order written. Introduced in
`KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.simplify import fraction

__all__ = ["TextbookPrinter", "latex"]


class _Typeset(sp.Symbol):
    """A positive constant that prints as given LaTeX, sorted after every ordinary symbol in a product."""

    _tex: dict = {}

    def __new__(cls, value: sp.Expr, tex: str):
        name = f"~{sp.srepr(value)}"
        obj = super().__new__(cls, name, positive=True)
        cls._tex[name] = (tex, value)
        return obj

    def _latex(self, printer) -> str:
        return self._tex[self.name][0]

    @property
    def value(self) -> sp.Expr:
        return self._tex[self.name][1]


def _is_root_constant(factor: sp.Expr) -> bool:
    """A square root of a positive number, or of a positive symbol (gathered only with other roots)."""
    return (
        factor.is_Pow
        and factor.exp in (sp.S.Half, -sp.S.Half)
        and (factor.base.is_number or factor.base.is_Symbol)
        and factor.base.is_positive is True
    )


class TextbookPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the layout conventions of a textbook (see the module's description).

    Parameters
    ----------
    lead : sequence of sympy.Symbol or sympy.IndexedBase, optional
        Symbols that a sum should start with when it has a choice (for example the data, so that a residual
        reads :math:`y_i - \\hat y_i`).
    **settings
        Any setting of :class:`sympy.printing.latex.LatexPrinter`; ``order="none"`` prints sums and products
        in the order their arguments were given (for display forms written with ``evaluate=False``).

    Notes
    -----
    Used by every derivation of the book; introduced in
    `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.
    """

    def __init__(self, lead: Sequence = (), **settings):
        super().__init__(settings)
        self.lead = [item.label if isinstance(item, sp.IndexedBase) else item for item in lead]

    # -- sums ------------------------------------------------------------------------------------------------

    def _lead_rank(self, term: sp.Expr) -> int:
        symbols = term.free_symbols | {i.base.label for i in term.atoms(sp.Indexed)}
        for rank, symbol in enumerate(self.lead):
            if symbol in symbols:
                return rank
        return len(self.lead)

    @staticmethod
    def _data_rank(term: sp.Expr) -> int:
        """0 for a term that is an observation (an indexed symbol, or a symbol named x or y), 1 for a term that
        holds one, 2 for a term without data: a difference reads best starting with the data themselves."""

        def observed(node) -> bool:
            return isinstance(node, sp.Indexed) or (
                node.is_Symbol and (node.name in ("x", "y") or node.name.startswith(("x_", "y_")))
            )

        if observed(term):
            return 0
        if term.atoms(sp.Indexed) or any(observed(s) for s in term.free_symbols):
            return 1
        return 2

    def _textbook_terms(self, terms: list) -> list:
        positive = [t for t in terms if not t.could_extract_minus_sign()]
        negative = [t for t in terms if t.could_extract_minus_sign()]
        if self.lead:
            positive.sort(key=self._lead_rank)
        if positive and terms[0].could_extract_minus_sign() or self.lead and positive != terms[: len(positive)]:
            return positive + negative
        return terms

    def _print_Add(self, expr, order=None):
        if self.order == "none":  # an authored sum: nested sums (from a - b + c) are one sum, in written order
            terms = []
            pending = list(expr.args)
            while pending:
                term = pending.pop(0)
                if term.is_Add:
                    pending[:0] = list(term.args)
                else:
                    terms.append(term)
            if len(terms) > 1 and terms[0].is_Number and terms[0].is_negative:
                terms = terms[1:] + terms[:1]  # n - 1, not -1 + n (SymPy's order inside sum limits)
        else:
            terms = self._textbook_terms(list(self._as_ordered_terms(expr, order=order)))
        tex = ""
        for index, term in enumerate(terms):
            if index == 0:
                if term.could_extract_minus_sign():
                    tex += "- "
                    term = -term
            elif term.could_extract_minus_sign():
                tex += " - "
                term = -term
            else:
                tex += " + "
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = rf"\left({term_tex}\right)"
            elif tex.endswith(" + ") and term_tex.startswith("- "):  # an authored -(x) y, nested: a - x y
                tex, term_tex = tex[:-3] + " - ", term_tex[2:]
            tex += term_tex
        return tex

    def _flip_difference(self, base: sp.Expr) -> sp.Expr:
        """``-base`` when that reads better as the base of an even power or an absolute value."""
        if not base.is_Add or self.order == "none":
            return base
        terms = list(base.args)
        if all(t.could_extract_minus_sign() for t in terms):
            return -base
        flipped = -base
        if not flipped.is_Add:
            return base
        rank = self._lead_rank if self.lead else self._data_rank
        mine = [rank(t) for t in terms if not t.could_extract_minus_sign()]
        theirs = [rank(t) for t in flipped.args if not t.could_extract_minus_sign()]
        if mine and theirs and min(theirs) < min(mine):
            return flipped
        return base

    # -- products ----------------------------------------------------------------------------------------------

    def _gather_roots(self, expr: sp.Expr) -> sp.Expr:
        """Gather square roots of positive constants (and the rational factor they cancel) into one root."""
        factors = sp.Mul.make_args(expr)
        roots = [f for f in factors if _is_root_constant(f)]
        if not roots or (len(roots) == 1 and len(factors) == 1):
            return expr
        if len(roots) == 1 and not roots[0].base.is_number:
            return expr  # a lone root of a symbol is printed as it is
        rational = sp.Mul(*(f for f in factors if f.is_Rational))
        rest = [f for f in factors if not f.is_Rational and not _is_root_constant(f)]
        up = [f.base for f in roots if f.exp > 0]
        down = [f.base for f in roots if f.exp < 0]
        p, q = rational.p, rational.q
        # sqrt(b) / b = 1 / sqrt(b) and b / sqrt(b) = sqrt(b), for integer radicands
        for b in list(up):
            if b.is_Integer and b > 1 and q % int(b) == 0:
                up.remove(b)
                down.append(b)
                q //= int(b)
        for b in list(down):
            if b.is_Integer and b > 1 and p % int(b) == 0:
                down.remove(b)
                up.append(b)
                p //= int(b)
        if len(roots) == 1 and len(up) + len(down) == 1 and not rest and (p, q) == (rational.p, rational.q):
            return expr

        def root(bases):
            if not bases:
                return sp.S.One
            order = lambda b: (not b.is_Integer, b.is_Symbol, sp.default_sort_key(b))  # noqa: E731
            inside = " ".join(self._print(b) for b in sorted(bases, key=order))
            return _Typeset(sp.Mul(*bases), rf"\sqrt{{{inside}}}")

        return sp.Mul(sp.Rational(p, q), *rest, root(up), 1 / root(down))

    def _print_Mul(self, expr):
        if self.order == "none":
            return self._print_authored_product(expr)
        if expr.is_Mul and (any(a.is_Mul for a in expr.args) or any(a.is_Number for a in expr.args[1:])):
            return self._print(sp.Mul(*expr.args))  # an unevaluated product outside a display form: tidy it first
        gathered = self._gather_roots(expr) if self.order != "none" else expr
        if gathered is not expr:
            return self._print(gathered)
        if self.order != "none" and expr.could_extract_minus_sign() and not any(a.is_Number for a in expr.args[1:]):
            inner = -expr
            tex = self._print(inner)
            if inner.is_Add:
                tex = rf"\left({tex}\right)"
            return "- " + tex
        numer, denom = fraction(expr, exact=True)
        if denom is not sp.S.One and self.order != "none" and not denom.has(sp.Sum):
            sums = [f for f in sp.Mul.make_args(numer) if isinstance(f, sp.Sum)]
            if sums or (numer.is_Add and numer.has(sp.Sum)):
                others = sp.Mul(*(f for f in sp.Mul.make_args(numer) if not isinstance(f, sp.Sum))) if sums else 1
                body = sp.Mul(*sums) if sums else numer
                front = self._print(others / denom)
                body_tex = self._print(body)
                if body.is_Add:
                    body_tex = rf"\left({body_tex}\right)"
                return f"{front} {body_tex}"
        return super()._print_Mul(expr)

    # -- brackets ------------------------------------------------------------------------------------------------

    @staticmethod
    def _without_indices(expr):
        """``expr`` with every indexed symbol replaced by a plain one: an index such as (s + t) mod n is a
        subscript, and must not make SymPy bracket the term around it."""
        indexed = expr.atoms(sp.Indexed) if isinstance(expr, sp.Basic) else ()
        return expr.xreplace({i: sp.Dummy() for i in indexed}) if indexed else expr

    def _needs_add_brackets(self, expr) -> bool:
        return super()._needs_add_brackets(self._without_indices(expr))

    def _needs_mul_brackets(self, expr, first=False, last=False) -> bool:
        return super()._needs_mul_brackets(self._without_indices(expr), first=first, last=last)

    def _print_Trace(self, expr):
        if getattr(expr.arg, "shape", None) == (1, 1):  # a quadratic form is a number: no trace around it
            return self._print(expr.arg)
        return super()._print_Trace(expr)

    @staticmethod
    def _regroup_transpose(expr):
        """(y^T - mu^T) as (y - mu)^T, the way a textbook writes a transposed difference."""
        if isinstance(expr, sp.MatAdd) and expr.has(sp.Transpose):
            plain = sp.transpose(expr)
            if not plain.has(sp.Transpose):
                return sp.Transpose(plain)
        return expr

    def _print_MatAdd(self, expr):
        regrouped = self._regroup_transpose(expr) if self.order != "none" else expr
        return self._print(regrouped) if regrouped is not expr else self._print_Add(expr)

    def _print_MatMul(self, expr):
        if self.order != "none":
            regrouped = expr.func(*(self._regroup_transpose(a) for a in expr.args))
            if regrouped != expr:
                return super()._print_MatMul(regrouped)
        return super()._print_MatMul(expr)

    def _print_Sum(self, expr):
        summand = expr.function
        if summand.is_Mul and summand.args and summand.args[0] is sp.S.One:  # evaluate(False) writes 1*f
            rest = summand.args[1:]
            expr = sp.Sum(rest[0] if len(rest) == 1 else sp.Mul(*rest, evaluate=False), *expr.limits)
        return super()._print_Sum(expr)

    def _print_authored_product(self, expr) -> str:
        """A product as its author wrote it: nested products flattened, numbers gathered into one coefficient,
        factors with negative powers under a fraction bar, a sum over data after its (1/N) factor."""
        factors, pending = [], list(expr.args) if expr.is_Mul else [expr]  # SymPy prints 1/x through _print_Mul
        while pending:
            factor = pending.pop(0)
            grouped_fraction = factor.is_Mul and any(a.is_Pow and a.exp.is_negative for a in factor.args)
            if factor.is_Mul and not (grouped_fraction and len(pending) + len(factors) > 0):
                pending[:0] = list(factor.args)  # a plain product inside a product is one product
            else:
                factors.append(factor)  # a fraction the author grouped, such as alpha/beta in (alpha/beta) f, stays one
        coefficient = sp.Integer(1)
        top, bottom = [], []
        for factor in factors:
            if factor.is_Number:
                coefficient *= factor
            elif factor.is_Pow and factor.base.is_Number and factor.exp.is_Integer:
                coefficient *= sp.Pow(factor.base, factor.exp)
            elif factor.is_Pow and factor.exp.is_negative:
                bottom.append(factor.base if factor.exp == -1 else sp.Pow(factor.base, -factor.exp, evaluate=False))
            else:
                top.append(factor)
        sign = "- " if coefficient < 0 else ""
        coefficient = abs(coefficient)
        if coefficient.q != 1:
            bottom.insert(0, sp.Integer(coefficient.q))
        if coefficient.p != 1:
            top.insert(0, sp.Integer(coefficient.p))

        def product(items, alone: bool = True) -> str:
            """``alone``: the product stands by itself (a numerator or a denominator), so a sum needs no brackets."""
            if not items:
                return "1"
            if len(items) == 1:
                tex = self._print(items[0])
                return rf"\left({tex}\right)" if items[0].is_Add and not alone else tex
            return LatexPrinter._print_Mul(self, sp.Mul(*items, evaluate=False))

        sums = [f for f in top if isinstance(f, sp.Sum)]
        if bottom and sums and not any(f.has(sp.Sum) for f in bottom):  # (1/N) sum, as written
            rest = [f for f in top if not isinstance(f, sp.Sum)]
            return rf"{sign}\frac{{{product(rest)}}}{{{product(bottom)}}} {product(sums, alone=False)}"
        if bottom:
            return rf"{sign}\frac{{{product(top)}}}{{{product(bottom)}}}"
        return sign + product(top, alone=not sign)

    # -- powers, exponentials, absolute values --------------------------------------------------------------

    def _print_Pow(self, expr):
        base, exponent = expr.args
        if exponent is sp.S.One:  # an authored power of one (evaluate(False) keeps b**1)
            return self.parenthesize(base, sp.printing.precedence.PRECEDENCE["Mul"])
        if base.is_Add and exponent.is_Integer and exponent.is_even:
            flipped = self._flip_difference(base)
            if flipped is not base:
                return self._print(sp.Pow(flipped, exponent, evaluate=False))
        if _is_root_constant(expr) and self.order != "none" and expr.exp > 0:
            return rf"\sqrt{{{self._print(expr.base)}}}"
        return super()._print_Pow(expr)

    def _print_Abs(self, expr, exp=None):
        flipped = self._flip_difference(expr.args[0])
        if flipped is not expr.args[0]:
            expr = sp.Abs(flipped, evaluate=False)
        return super()._print_Abs(expr, exp)

    def _print_ExpBase(self, expr, exp=None):
        argument = expr.args[0]
        if argument.is_Add and all(t.could_extract_minus_sign() for t in argument.args):
            tex = rf"e^{{-\left({self._print(-argument)}\right)}}"
            return self._do_exponent(tex, exp)
        return super()._print_ExpBase(expr, exp)

    def _print_loggamma(self, expr, exp=None):
        tex = rf"\log \Gamma\left({self._print(expr.args[0])}\right)"
        return self._do_exponent(tex, exp)

    # -- numbers -------------------------------------------------------------------------------------------------

    def _print_Float(self, expr):
        value = float(expr)
        if value == int(value) and abs(value) < 1e6:
            return str(int(value))
        mantissa, _, power = f"{value:.6g}".partition("e")
        if not power:
            return mantissa
        power = int(power)
        if mantissa in ("1", "-1"):
            return rf"{'-' if mantissa == '-1' else ''}10^{{{power}}}"
        return rf"{mantissa} \cdot 10^{{{power}}}"


def latex(expr: sp.Expr, *, lead: Sequence = (), names: dict | None = None, authored: bool = False, **settings) -> str:
    r"""LaTeX of ``expr`` as a textbook prints it.

    Parameters
    ----------
    expr : sympy.Expr
        The expression.
    lead : sequence of sympy.Symbol or sympy.IndexedBase, optional
        Symbols a sum should start with when it has a choice.
    names : dict, optional
        LaTeX names for symbols, ``{symbol: r"\\hat y"}``, where the symbol's own name does not print as wanted.
    authored : bool, optional
        Print sums and products in the order their arguments were given (a display form written with
        ``sympy.evaluate(False)``), without rearranging anything.
    **settings
        Further settings of SymPy's LaTeX printer.

    Returns
    -------
    str
        The LaTeX, without surrounding dollar signs.

    Notes
    -----
    Used for every displayed formula of the book; introduced in
    `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.

    Examples
    --------
    >>> import sympy as sp
    >>> x, mu = sp.symbols("x mu", real=True)
    >>> sigma = sp.Symbol("sigma", positive=True)
    >>> latex((x - mu)**2)
    '\\left(x - \\mu\\right)^{2}'
    >>> latex(sp.log(sp.sqrt(2 * sp.pi) * sigma))
    '\\log{\\left(\\sigma \\sqrt{2 \\pi} \\right)}'
    >>> latex(1 / sp.sqrt(2 * sp.pi))
    '\\frac{1}{\\sqrt{2 \\pi}}'
    >>> i, N = sp.Symbol("i", integer=True), sp.Symbol("N", integer=True, positive=True)
    >>> y = sp.IndexedBase("y")
    >>> latex(sp.Sum(y[i]**2, (i, 1, N)) / N)
    '\\frac{1}{N} \\sum_{i=1}^{N} {y}_{i}^{2}'
    >>> latex(sp.exp(-x - mu))
    'e^{-\\left(\\mu + x\\right)}'
    >>> latex(sp.Float(1e-7) * x)
    '10^{-7} x'
    """
    if authored:
        settings.setdefault("order", "none")
    if names:
        settings["symbol_names"] = {**settings.get("symbol_names", {}), **names}
    with sp.evaluate(True):  # the printer computes with the expression's parts (signs, coefficients)
        return TextbookPrinter(lead=lead, **settings).doprint(sp.sympify(expr))
