"""SymPy functions the chapters write by name: the logistic sigmoid.

Introduced in `Cross-entropy from the categorical likelihood <chapters/cross_entropy.html>`_.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["sigmoid"]


class sigmoid(sp.Function):  # noqa: N801 -- a SymPy function, named like sp.exp and sp.log
    r"""The logistic sigmoid :math:`\sigma(z) = 1/(1 + e^{-z})`, printed as :math:`\sigma(z)`.

    A SymPy function rather than the expression ``1 / (1 + exp(-z))``, so that derivations read as they do on
    paper: its derivative is :math:`\sigma(z)(1 - \sigma(z))`, ``rewrite(sp.exp)`` gives the exponential
    form, it evaluates numerically at any precision, and ``lambdify`` turns it into
    ``scipy.special.expit`` (with the ``"scipy"`` module), a form that cannot overflow (``"numpy"``), or
    the exponential form (``"mpmath"`` and others).

    Parameters
    ----------
    z : sympy.Expr
        The logit.

    Notes
    -----
    Used in `Cross-entropy from the categorical likelihood <chapters/cross_entropy.html>`_ and
    `Heatmaps, focal loss and class imbalance <chapters/heatmaps_focal.html>`_.

    Examples
    --------
    >>> import sympy as sp
    >>> z = sp.Symbol("z", real=True)
    >>> sp.diff(sigmoid(z), z)
    (1 - sigmoid(z))*sigmoid(z)
    >>> sigmoid(z).rewrite(sp.exp)
    1/(1 + exp(-z))
    >>> sigmoid(0), sp.N(sigmoid(2), 12)
    (1/2, 0.880797077978)
    >>> sp.latex(sigmoid(z) ** 2)
    '\\sigma\\left(z\\right)^{2}'
    >>> float(sp.lambdify(z, sigmoid(z), "numpy")(-1000.0))  # 1 / (1 + exp(1000)) would overflow
    0.0
    """

    @classmethod
    def eval(cls, *args):
        # Variadic on purpose: a fixed arity would make SymPy sort sigma after log in products, so that
        # sigma(z) log(sigma(z)) would print the other way round. One argument is still required.
        if len(args) != 1:
            raise TypeError(f"sigmoid takes exactly one argument ({len(args)} given)")
        (z,) = args
        if z.is_zero:
            return sp.S.Half
        if z is sp.oo:
            return sp.S.One
        if z is sp.S.NegativeInfinity:
            return sp.S.Zero
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return True if self.args[0].is_real else None

    def _latex(self, printer, exp=None):
        base = r"\sigma\left(" + printer._print(self.args[0]) + r"\right)"
        return base if exp is None else f"{base}^{{{exp}}}"

    def _mpmathcode(self, printer):  # parenthesised: the caller may divide by it
        return f"({printer._print(self.rewrite(sp.exp))})"

    def _numpycode(self, printer):
        from sympy.printing.numpy import SciPyPrinter

        z = printer._print(self.args[0])
        if isinstance(printer, SciPyPrinter):
            return f"{printer._module_format('scipy.special.expit')}({z})"
        # exp(-log(1 + exp(-z))), with logaddexp: no overflow for any z
        exp, logaddexp = (printer._module_format(f"{printer._module}.{name}") for name in ("exp", "logaddexp"))
        return f"{exp}(-{logaddexp}(0, -({z})))"

    def _pythoncode(self, printer):
        return f"({printer._print(self.rewrite(sp.exp))})"
