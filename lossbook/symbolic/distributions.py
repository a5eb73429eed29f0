"""Distribution families with SymPy parameters.

Each family knows its log-density as a sum of terms, its support and, where they exist, its raw moments.
These are the ingredients that :func:`lossbook.symbolic.expectation` and :func:`lossbook.symbolic.kl` work from;
see the chapter `KL divergence and the L2 loss <../chapters/kl_divergence_l2.html>`_.
"""

from __future__ import annotations

from functools import cached_property

import sympy as sp

__all__ = [
    "Distribution",
    "Normal",
    "Laplace",
    "family",
]

_FAMILIES: dict[str, type["Distribution"]] = {}


def family(name: str) -> type["Distribution"]:
    """Return the distribution class registered under ``name``.

    Parameters
    ----------
    name : str
        The family's name, as in ``Normal.name``.

    Returns
    -------
    type
        The :class:`Distribution` subclass.

    Raises
    ------
    ValueError
        If no family of that name exists.

    Examples
    --------
    >>> family("Normal").__name__
    'Normal'
    """
    try:
        return _FAMILIES[name]
    except KeyError:
        raise ValueError(f"name: no distribution family called {name!r}; known: {sorted(_FAMILIES)}") from None


def _check_scale(value: sp.Expr, argument: str) -> sp.Expr:
    """A scale parameter must be positive: a number that is, or a symbol declared ``positive=True``."""
    value = sp.sympify(value)
    if value.is_number:
        if not value.is_real:
            raise ValueError(f"{argument}: a scale must be a positive real number, got {value}")
        if not value.is_positive:
            raise ValueError(f"{argument}: a scale must be positive, got {value}")
        return value
    if value.is_positive is not True:
        raise ValueError(
            f"{argument}: a symbolic scale must be known to be positive; declare it with "
            f"sympy.Symbol({str(value)!r}, positive=True), got {value}"
        )
    return value


def _check_real(value: sp.Expr, argument: str) -> sp.Expr:
    value = sp.sympify(value)
    if value.is_real is False or (value.is_number and not value.is_finite):
        raise ValueError(f"{argument}: a location must be a finite real number, got {value}")
    return value


class Distribution:
    """A parametric family of distributions on the real line with SymPy parameters.

    Subclasses set ``name``, ``param_names`` and implement :meth:`log_density_terms`, :attr:`support`
    and, where they exist, :meth:`raw_moment`.

    Parameters
    ----------
    *params : sympy.Expr
        The parameters, in the order of ``param_names``.
    label : str, optional
        LaTeX name of the distribution in displayed formulas, for example ``"p_{gt}"``.
    """

    name: str = "Distribution"
    param_names: tuple[str, ...] = ()
    discrete: bool = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _FAMILIES[cls.__name__] = cls

    def __init__(self, *params: sp.Expr, label: str | None = None):
        self.params = tuple(sp.sympify(p) for p in params)
        self.label = label or "p"

    def __repr__(self) -> str:
        inner = ", ".join(str(p) for p in self.params)
        return f"{type(self).__name__}({inner})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.params == other.params  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.params))

    @property
    def free_symbols(self) -> set[sp.Symbol]:
        """The symbols among the parameters."""
        return set().union(*(p.free_symbols for p in self.params)) if self.params else set()

    def with_label(self, label: str) -> "Distribution":
        """The same distribution under another LaTeX name."""
        return type(self)(*self.params, label=label)

    def log_density_terms(self, x: sp.Symbol) -> list[sp.Expr]:
        """The log-density at ``x`` as a list of terms whose sum is the log-density."""
        raise NotImplementedError

    def log_density(self, x: sp.Symbol) -> sp.Expr:
        """The log-density at ``x`` (the sum of :meth:`log_density_terms`)."""
        return sp.Add(*self.log_density_terms(x))

    def density(self, x: sp.Symbol) -> sp.Expr:
        """The density (or probability mass) at ``x``."""
        return sp.exp(self.log_density(x))

    @property
    def support(self) -> sp.Set:
        """The set on which the density is positive."""
        raise NotImplementedError

    def raw_moment(self, k: int) -> sp.Expr:
        """The raw moment :math:`E[x^k]`.

        Raises
        ------
        ValueError
            If ``k`` is not a non-negative integer or the moment does not exist.
        """
        raise ValueError(f"k: raw moments of {type(self).__name__} are not available")

    def kinks(self, x: sp.Symbol) -> list[sp.Expr]:
        """Points where the density is not smooth (used to split numerical quadrature)."""
        return []

    def center(self) -> sp.Expr:
        """A point in the bulk of the distribution, where numerical quadrature splits the line."""
        return self.params[0]

    def spread(self) -> sp.Expr:
        """A scale of the bulk of the distribution."""
        return self.params[1]

    def latex(self) -> str:
        """LaTeX of the family with its parameters, for example ``\\mathcal{N}(\\mu, \\sigma^2)``."""
        inner = ", ".join(sp.latex(p) for p in self.params)
        return rf"\operatorname{{{type(self).__name__}}}({inner})"


def _check_order(k: int) -> int:
    if isinstance(k, bool) or int(k) != k or k < 0:
        raise ValueError(f"k: the order of a moment must be a non-negative integer, got {k!r}")
    return int(k)


class Normal(Distribution):
    r"""The Gaussian (normal) distribution :math:`\mathcal{N}(\mu, \sigma^2)`.

    Parameters
    ----------
    mu : sympy.Expr
        The mean (a real symbol or number).
    sigma : sympy.Expr
        The standard deviation (a positive number or a symbol declared ``positive=True``).
    label : str, optional
        LaTeX name in displayed formulas.

    Raises
    ------
    ValueError
        If ``sigma`` is not positive, or ``mu`` is not a finite real number.

    Notes
    -----
    Used and derived in `KL divergence and the L2 loss <../chapters/kl_divergence_l2.html>`_.

    Examples
    --------
    >>> import sympy as sp
    >>> mu, x = sp.symbols("mu x", real=True)
    >>> sigma = sp.Symbol("sigma", positive=True)
    >>> Normal(mu, sigma).raw_moment(2)
    mu**2 + sigma**2
    >>> Normal(0, -1)
    Traceback (most recent call last):
    ...
    ValueError: sigma: a scale must be positive, got -1
    """

    name = "Normal"
    param_names = ("mu", "sigma")

    def __init__(self, mu: sp.Expr, sigma: sp.Expr, *, label: str | None = None):
        super().__init__(_check_real(mu, "mu"), _check_scale(sigma, "sigma"), label=label)

    @property
    def mu(self) -> sp.Expr:
        return self.params[0]

    @property
    def sigma(self) -> sp.Expr:
        return self.params[1]

    def log_density_terms(self, x: sp.Symbol) -> list[sp.Expr]:
        return [-sp.log(sp.sqrt(2 * sp.pi) * self.sigma), -((x - self.mu) ** 2) / (2 * self.sigma**2)]

    @property
    def support(self) -> sp.Set:
        return sp.S.Reals

    def raw_moment(self, k: int) -> sp.Expr:
        r"""Raw moment by the recursion :math:`m_k = \mu m_{k-1} + (k-1)\sigma^2 m_{k-2}`.

        Examples
        --------
        >>> import sympy as sp
        >>> Normal(sp.Symbol("mu", real=True), 1).raw_moment(3)
        mu**3 + 3*mu
        """
        k = _check_order(k)
        return self._moments[k] if k < len(self._moments) else self._extend_moments(k)

    @cached_property
    def _moments(self) -> list[sp.Expr]:
        return [sp.Integer(1), self.mu]

    def _extend_moments(self, k: int) -> sp.Expr:
        m = self._moments
        while len(m) <= k:
            j = len(m)
            m.append(sp.expand(self.mu * m[j - 1] + (j - 1) * self.sigma**2 * m[j - 2]))
        return m[k]

    def latex(self) -> str:
        return rf"\mathcal{{N}}\left({sp.latex(self.mu)}, {sp.latex(self.sigma**2)}\right)"


class Laplace(Distribution):
    r"""The Laplace (double exponential) distribution with location :math:`\mu` and scale :math:`b`.

    Its density is :math:`\frac{1}{2b}\exp(-|x-\mu|/b)`.

    Parameters
    ----------
    mu : sympy.Expr
        The location (mean and median).
    b : sympy.Expr
        The scale (a positive number or a symbol declared ``positive=True``); the variance is :math:`2b^2`.
    label : str, optional
        LaTeX name in displayed formulas.

    Raises
    ------
    ValueError
        If ``b`` is not positive, or ``mu`` is not a finite real number.

    Examples
    --------
    >>> import sympy as sp
    >>> mu = sp.Symbol("mu", real=True)
    >>> b = sp.Symbol("b", positive=True)
    >>> Laplace(mu, b).raw_moment(2)
    2*b**2 + mu**2
    """

    name = "Laplace"
    param_names = ("mu", "b")

    def __init__(self, mu: sp.Expr, b: sp.Expr, *, label: str | None = None):
        super().__init__(_check_real(mu, "mu"), _check_scale(b, "b"), label=label)

    @property
    def mu(self) -> sp.Expr:
        return self.params[0]

    @property
    def b(self) -> sp.Expr:
        return self.params[1]

    def log_density_terms(self, x: sp.Symbol) -> list[sp.Expr]:
        return [-sp.log(2 * self.b), -sp.Abs(x - self.mu) / self.b]

    @property
    def support(self) -> sp.Set:
        return sp.S.Reals

    def kinks(self, x: sp.Symbol) -> list[sp.Expr]:
        return [self.mu]

    def raw_moment(self, k: int) -> sp.Expr:
        r"""Raw moment from the central moments :math:`E[(x-\mu)^j] = j!\,b^j` for even :math:`j`, 0 for odd."""
        k = _check_order(k)
        return sp.expand(
            sum(sp.binomial(k, j) * self.mu ** (k - j) * sp.factorial(j) * self.b**j for j in range(0, k + 1, 2))
        )

    def latex(self) -> str:
        return rf"\operatorname{{Laplace}}\left({sp.latex(self.mu)}, {sp.latex(self.b)}\right)"
