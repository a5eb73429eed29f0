"""Errors of the symbolic layer that say why a closed form was not found.

Raised by :func:`~lossbook.symbolic.stationary_points` and :func:`~lossbook.symbolic.kl` when the engine cannot
give a closed form; used in the chapter `Your own likelihood <chapters/your_own_likelihood.html>`_.
"""

from __future__ import annotations

__all__ = ["NoClosedFormError"]


class NoClosedFormError(ValueError):
    """No closed form was found; ``reason`` says why and what to do instead.

    A subclass of :class:`ValueError`, so code that catches bad input also catches it.

    Parameters
    ----------
    reason : str
        Why no closed form was found, in one sentence a reader can act on (for example the numeric route).
    equations : list, optional
        The equations or expressions that were left unsolved, for the reader to inspect.

    Attributes
    ----------
    reason : str
        The ``reason`` given.
    equations : list
        The ``equations`` given (empty when none were).

    Examples
    --------
    >>> error = NoClosedFormError("the score equation for beta is transcendental in beta")
    >>> isinstance(error, ValueError), error.reason
    (True, 'the score equation for beta is transcendental in beta')
    """

    def __init__(self, reason: str, equations: list | None = None):
        super().__init__(reason)
        self.reason = reason
        self.equations = list(equations) if equations is not None else []
