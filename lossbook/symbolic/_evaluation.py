"""SymPy expressions as mpmath functions whose exponentials never stall.

Far in a double-exponential tail -- the left tail of a Gumbel density, :math:`\\exp(-e^{-x})` -- tanh-sinh
quadrature evaluates the density at :math:`x \\approx -10^{50}`, where the inner exponential is about
:math:`10^{10^{49}}`. mpmath then computes :math:`\\exp(-10^{10^{49}})` exactly, with a working precision of as
many bits as the argument has digits before the point, which never finishes. Below :data:`UNDERFLOW` the
exponential here is zero instead: :math:`e^{-2^{20}} < 10^{-455000}`, far below anything a quadrature at up to a
thousand digits can resolve. Used by :func:`~lossbook.symbolic.numeric_expectation` and the default
:meth:`~lossbook.symbolic.Distribution.center`; see the chapter
`Your own likelihood <chapters/your_own_likelihood.html>`_.
"""

from __future__ import annotations

import mpmath
import sympy as sp

#: Exponentials of arguments below this are taken as zero (:math:`e^{-2^{20}} < 10^{-455000}`).
UNDERFLOW = -(2**20)


def bounded_exp(z):
    """``mpmath.exp(z)``, but exactly zero for a real ``z`` below :data:`UNDERFLOW`."""
    if not isinstance(z, mpmath.mpc) and z < UNDERFLOW:
        return mpmath.mpf(0)
    return mpmath.exp(z)


def to_mpmath(args, expr: sp.Expr):
    """``sympy.lambdify(args, expr, "mpmath")`` with :func:`bounded_exp` in place of ``exp``."""
    return sp.lambdify(args, expr, modules=[{"exp": bounded_exp}, "mpmath"])
