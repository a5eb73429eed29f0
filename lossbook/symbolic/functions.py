"""SymPy functions the chapters write by name: the logistic sigmoid, softplus and log-sum-exp.

Introduced in `Cross-entropy from the categorical likelihood <chapters/cross_entropy.html>`_.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["sigmoid", "softplus", "logsumexp"]


class _PrintedByName(sp.Function):
    """A SymPy function that prints by its name and evaluates through its elementary form.

    A subclass gives ``latex_name`` and ``_elementary`` (the same function written with exp and log), which
    numeric evaluation at any precision, mpmath and plain Python code use.
    """

    latex_name = ""

    def _elementary(self) -> sp.Expr:
        raise NotImplementedError

    def _eval_evalf(self, prec):
        return self._elementary()._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        inner = ", ".join(printer._print(z) for z in self.args)
        base = rf"{self.latex_name}\left({inner}\right)"
        return base if exp is None else f"{base}^{{{exp}}}"

    def _mpmathcode(self, printer):  # parenthesised: the caller may divide by it
        return f"({printer._print(self._elementary())})"

    def _pythoncode(self, printer):
        return f"({printer._print(self._elementary())})"



class sigmoid(_PrintedByName):  # noqa: N801 -- a SymPy function, named like sp.exp and sp.log
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

    latex_name = r"\sigma"

    def _elementary(self) -> sp.Expr:
        return self.rewrite(sp.exp)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return True if self.args[0].is_real else None

    def _numpycode(self, printer):
        from sympy.printing.numpy import SciPyPrinter

        z = printer._print(self.args[0])
        if isinstance(printer, SciPyPrinter):
            return f"{printer._module_format('scipy.special.expit')}({z})"
        # exp(-log(1 + exp(-z))), with logaddexp: no overflow for any z
        exp, logaddexp = (printer._module_format(f"{printer._module}.{name}") for name in ("exp", "logaddexp"))
        return f"{exp}(-{logaddexp}(0, -({z})))"



class softplus(_PrintedByName):  # noqa: N801 -- a SymPy function, named like sp.exp and sp.log
    r"""The softplus :math:`\operatorname{softplus}(z) = \log(1 + e^{z})`, printed by name.

    The logistic loss of a logit :math:`z` with label 1 is :math:`\operatorname{softplus}(-z)`. Its
    derivative is :math:`\sigma(z)`; ``rewrite(sp.log)`` gives :math:`\log(1 + e^z)`; ``lambdify`` with NumPy
    gives ``logaddexp(0, z)``, which cannot overflow.

    Parameters
    ----------
    z : sympy.Expr
        The argument.

    Notes
    -----
    Used in `Cross-entropy from the categorical likelihood <chapters/cross_entropy.html>`_.

    Examples
    --------
    >>> import sympy as sp
    >>> z = sp.Symbol("z", real=True)
    >>> sp.diff(softplus(z), z)
    sigmoid(z)
    >>> softplus(z).rewrite(sp.log)
    log(exp(z) + 1)
    >>> sp.latex(softplus(-z))
    '\\operatorname{softplus}\\left(- z\\right)'
    >>> float(sp.lambdify(z, softplus(z), "numpy")(1000.0))
    1000.0
    """

    @classmethod
    def eval(cls, *args):
        if len(args) != 1:
            raise TypeError(f"softplus takes exactly one argument ({len(args)} given)")
        (z,) = args
        if z.is_zero:
            return sp.log(2)
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        return sigmoid(self.args[0])

    latex_name = r"\operatorname{softplus}"

    def _elementary(self) -> sp.Expr:
        return self.rewrite(sp.log)

    def _eval_rewrite_as_log(self, z, **kwargs):
        return sp.log(1 + sp.exp(z))

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return True if self.args[0].is_real else None

    def _numpycode(self, printer):
        logaddexp = printer._module_format(f"{printer._module}.logaddexp")
        return f"{logaddexp}(0, {printer._print(self.args[0])})"


class logsumexp(_PrintedByName):  # noqa: N801 -- a SymPy function, named like sp.exp and sp.log
    r"""Log-sum-exp :math:`\log \sum_k e^{z_k}` of two or more arguments, printed by name.

    The normaliser of the softmax: :math:`\log \operatorname{softmax}_k(z) = z_k - \operatorname{logsumexp}(z)`.
    Its partial derivatives are the softmax probabilities; ``rewrite(sp.log)`` gives the sum of exponentials;
    ``lambdify`` with NumPy subtracts the largest argument first, so it cannot overflow.

    Parameters
    ----------
    *z : sympy.Expr
        The arguments (at least two).

    Notes
    -----
    Used in `Cross-entropy from the categorical likelihood <chapters/cross_entropy.html>`_.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b", real=True)
    >>> sp.diff(logsumexp(a, b), a)
    exp(a)/(exp(a) + exp(b))
    >>> sp.latex(logsumexp(a, b))
    '\\operatorname{logsumexp}\\left(a, b\\right)'
    >>> float(sp.lambdify((a, b), logsumexp(a, b), "numpy")(1000.0, 1000.0))  # doctest: +ELLIPSIS
    1000.69314718...
    """

    @classmethod
    def eval(cls, *args):
        if len(args) < 2:
            raise TypeError(f"logsumexp takes at least two arguments ({len(args)} given)")
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        if not 1 <= argindex <= len(self.args):
            raise sp.ArgumentIndexError(self, argindex)
        return sp.exp(self.args[argindex - 1]) / sp.Add(*(sp.exp(z) for z in self.args))

    latex_name = r"\operatorname{logsumexp}"

    def _elementary(self) -> sp.Expr:
        return self.rewrite(sp.log)

    def _eval_rewrite_as_log(self, *z, **kwargs):
        return sp.log(sp.Add(*(sp.exp(t) for t in z)))

    def _eval_is_real(self):
        return True if all(z.is_real for z in self.args) else None

    def _numpycode(self, printer):
        module = printer._module
        maximum, log, exp = (printer._module_format(f"{module}.{name}") for name in ("maximum", "log", "exp"))
        args = [printer._print(z) for z in self.args]
        top = args[0]
        for other in args[1:]:
            top = f"{maximum}({top}, {other})"
        inside = " + ".join(f"{exp}(({z}) - _m)" for z in args)
        return f"(lambda _m: _m + {log}({inside}))({top})"
