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


#: Bits before the point beyond which a trigonometric function is refused.
TRIGONOMETRIC_BITS = 2**16


def _bounded_trigonometric(name: str):
    function = getattr(mpmath, name)

    def bounded(z):
        if mpmath.isfinite(z) and mpmath.mag(z) > TRIGONOMETRIC_BITS:
            raise ArithmeticError(f"{name} of a number beyond 2^{TRIGONOMETRIC_BITS} (at a far quadrature node): its "
                                  "argument reduction would need pi to as many bits")
        return function(z)

    bounded.__name__ = f"bounded_{name}"
    return bounded


_BOUNDED = {"exp": bounded_exp, **{name: _bounded_trigonometric(name) for name in ("sin", "cos", "tan")}}


def to_mpmath(args, expr: sp.Expr):
    """``sympy.lambdify(args, expr, "mpmath")`` with :func:`bounded_exp` and bounded sin, cos and tan."""
    return sp.lambdify(args, expr, modules=[_BOUNDED, "mpmath"])
