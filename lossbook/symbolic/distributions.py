"""Distribution families with SymPy parameters, and the protocol a reader's own family follows.

Each family knows its log-density as a sum of terms, its support and, where they exist, its raw moments, the
expectations of its non-polynomial terms and a quadrature rule. These are the ingredients that
:func:`lossbook.symbolic.expectation` and :func:`lossbook.symbolic.kl` work from; see the chapter
`KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_. A family of ten lines -- a subclass of
:class:`Distribution` with ``param_names``, ``log_density_terms`` and ``support`` -- is enough for all of them;
the optional hooks are listed in :class:`Distribution` and the chapter
`Your own likelihood <chapters/your_own_likelihood.html>`_ builds one.
"""

from __future__ import annotations

from functools import cached_property, lru_cache

import mpmath
import sympy as sp

__all__ = [
    "Distribution",
    "Normal",
    "Laplace",
    "Cauchy",
    "StudentT",
    "GeneralizedNormal",
    "Gamma",
    "Exponential",
    "Bernoulli",
    "Categorical",
    "Poisson",
    "NegativeBinomial",
    "ZeroInflatedNegativeBinomial",
    "MultivariateNormal",
    "family",
]

_FAMILIES: dict[str, type["Distribution"]] = {}


def family(name: str) -> type["Distribution"]:
    """Return the distribution class registered under ``name``.

    Every subclass of :class:`Distribution` is registered under its class name (the latest class of a name,
    when a notebook defines one twice) and under a key no other class shares (``family_key(cls)``).

    Parameters
    ----------
    name : str
        The family's class name, as in ``"Normal"``, or the key of one class (``family_key(cls)``).

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
        known = sorted(k for k in _FAMILIES if "#" not in k)
        raise ValueError(f"name: no distribution family called {name!r}; known: {known}") from None


def family_key(cls: type["Distribution"]) -> str:
    """The key under which :func:`family` finds exactly ``cls``.

    The class name for the families shipped here; for any other class its module, qualified name and
    identity, so that an expectation under a reader's ``Gumbel`` still finds that class after another class
    called ``Gumbel`` has been defined.

    Examples
    --------
    >>> family_key(Normal)
    'Normal'
    """
    if cls.__module__ == __name__:
        return cls.__name__
    return f"{cls.__module__}.{cls.__qualname__}#{id(cls):x}"


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
    r"""A parametric family of distributions on the real line with SymPy parameters: the protocol of a family.

    A family is a subclass. It must give three things, and may give more to go faster or further:

    **Required**

    ``param_names`` : tuple of str
        The names of the parameters, in the order the constructor takes them (``("mu", "beta")``).
    :meth:`log_density_terms` ``(x)``
        The log-density (or log-mass) at ``x`` as a list of terms whose sum is the log-density. Keep terms that
        do not depend on ``x`` apart from those that do: each term's expectation is taken on its own.
    :attr:`support`
        A property: the set on which the density is positive (``sympy.Reals``, ``sympy.Interval(0, sympy.oo)``,
        ``sympy.Naturals0``, a ``FiniteSet``).

    **Optional** (every hook has a default that is correct, only slower or narrower)

    ``name`` : str
        Defaults to the class name.
    ``discrete`` : bool
        Class attribute, ``True`` for a probability mass on integers (default ``False``).
    :meth:`raw_moment` ``(k)``
        :math:`E[x^k]`. Buys *reach*: :func:`~lossbook.symbolic.expectation` and :func:`~lossbook.symbolic.kl`
        turn every term polynomial in ``x`` into moments; the default raises ``ValueError``.
    :meth:`known_expectation` ``(f, x)``
        The closed form of :math:`E[f(x)]` for integrands the family knows (:math:`\log x` under a gamma
        distribution, :math:`e^{t x}` under a Gumbel distribution), or ``None``. Buys *reach*: the terms of a
        log-density that are not polynomial. The default knows none.
    :meth:`kinks` ``(x)``
        Points where the density is not smooth. Buys *accuracy and reach*: quadrature splits there, and
        :func:`~lossbook.symbolic.expectation` integrates piece by piece between them. Default: none.
    :meth:`gauss_rule` ``(nodes, digits)``
        Nodes and weights of a Gaussian quadrature rule for the density. Buys *speed*: polynomial integrands
        are integrated exactly by it. Default: ``None`` (adaptive quadrature).
    :meth:`quadrature` ``(integrand, cuts, digits)``
        A quadrature made for the family (after a substitution that removes an infinity of the density, say).
        Buys *accuracy* where general quadrature struggles. Default: ``None``.
    :meth:`center` ``()`` and :meth:`spread` ``()``
        A point in the bulk of the density and its width there, where numeric quadrature splits the line and
        in whose units it measures it. Buy *speed* with symbolic formulas; the default finds the mode and the
        half-width numerically (numeric parameters only), assuming nothing about the order of the parameters.
    :meth:`latex` ``()``
        LaTeX of the family with its parameters. Default: ``\operatorname{Name}(\ldots)``.

    Parameters
    ----------
    *params : sympy.Expr
        The parameters, in the order of ``param_names``: numbers or SymPy expressions. Declare a symbol that
        stands for a scale with ``positive=True``, so that SymPy may combine its logarithms.
    label : str, optional
        LaTeX name of the distribution in displayed formulas, for example ``"p_{gt}"``.

    Raises
    ------
    ValueError
        If the number of parameters differs from the number of ``param_names``, or a parameter is a string,
        not a number or SymPy expression, or a number that is not finite and real.

    Notes
    -----
    The protocol, with a family built from its density up to its loss, MLE and KL divergence, is the chapter
    `Your own likelihood <chapters/your_own_likelihood.html>`_; the families shipped here are derived from in
    `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_ and the chapters after it.

    Examples
    --------
    A Gumbel family in the required members only:

    >>> import sympy as sp
    >>> class Gumbel(Distribution):
    ...     param_names = ("mu", "beta")
    ...     def log_density_terms(self, x):
    ...         mu, beta = self.params
    ...         z = (x - mu) / beta
    ...         return [-sp.log(beta), -z, -sp.exp(-z)]
    ...     @property
    ...     def support(self):
    ...         return sp.Reals
    >>> Gumbel(1, 2).name, float(Gumbel(1, 2).center())  # the mode, found numerically
    ('Gumbel', 1.0)
    >>> Gumbel(0)
    Traceback (most recent call last):
    ...
    ValueError: params: Gumbel takes 2 parameters (mu, beta), got 1
    """

    name: str = "Distribution"
    param_names: tuple[str, ...] = ()
    discrete: bool = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__name__
        _FAMILIES[cls.__name__] = cls
        _FAMILIES[family_key(cls)] = cls

    def __init__(self, *params: sp.Expr, label: str | None = None):
        names = getattr(type(self), "param_names", ())
        if isinstance(names, tuple) and len(names) != len(params):
            listed = ", ".join(names) if names else "none: set param_names on the class"
            raise ValueError(f"params: {type(self).__name__} takes {len(names)} parameters ({listed}), got {len(params)}")
        self.params = tuple(_parameter(p, names[k] if isinstance(names, tuple) else f"params[{k}]")
                            for k, p in enumerate(params))
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
        """Required: the log-density at ``x`` as a list of terms whose sum is the log-density.

        Parameters
        ----------
        x : sympy.Symbol
            The point (a real symbol, or an integer one for a discrete family).

        Returns
        -------
        list of sympy.Expr
            Terms free of ``x`` and terms in ``x`` kept apart, each a product of a factor free of ``x`` and
            one in ``x`` where possible: the engine takes each term's expectation on its own.
        """
        raise NotImplementedError(f"{type(self).__name__} must define log_density_terms(self, x)")

    def log_density(self, x: sp.Symbol) -> sp.Expr:
        """The log-density at ``x`` (the sum of :meth:`log_density_terms`)."""
        return sp.Add(*self.log_density_terms(x))

    def density(self, x: sp.Symbol) -> sp.Expr:
        """The density (or probability mass) at ``x``."""
        return sp.exp(self.log_density(x))

    @property
    def support(self) -> sp.Set:
        """Required: the set on which the density is positive (an interval, ``Naturals0`` or a finite set)."""
        raise NotImplementedError(f"{type(self).__name__} must define the property support")

    def raw_moment(self, k: int) -> sp.Expr:
        """Optional: the raw moment :math:`E[x^k]` in closed form.

        Gives :func:`~lossbook.symbolic.expectation` (and so :func:`~lossbook.symbolic.kl`) every term of an
        integrand that is polynomial in ``x``.

        Parameters
        ----------
        k : int
            The order, a non-negative integer.

        Returns
        -------
        sympy.Expr

        Raises
        ------
        ValueError
            If ``k`` is not a non-negative integer or the moment does not exist or is not known (the default).
        """
        raise ValueError(f"k: raw moments of {type(self).__name__} are not available (it defines no raw_moment)")

    def known_expectation(self, f: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
        r"""Optional: the closed form of :math:`E[f(x)]` for an integrand the family knows, else ``None``.

        :func:`~lossbook.symbolic.expectation` asks this hook first for every term that is not a polynomial in
        ``x``. It hands over the part of the term that depends on ``x``, with every factor free of ``x``
        moved out, and an exponential of a sum split: the term :math:`c\,e^{(\mu - x)/\beta}` arrives as
        ``f = exp(-x/beta)``. Match ``f`` structurally (``f == sp.log(x)``, ``f.func is sp.exp`` and
        ``f.args[0]`` linear in ``x``), and return ``None`` for anything else -- also when a condition of the
        formula (a moment-generating function that exists only for :math:`t < 1/\beta`) cannot be decided
        for the symbols at hand.

        Parameters
        ----------
        f : sympy.Expr
            The part of a term that depends on ``x``.
        x : sympy.Symbol
            The random variable.

        Returns
        -------
        sympy.Expr or None
        """
        return None

    def kinks(self, x: sp.Symbol) -> list[sp.Expr]:
        """Optional: the points where the density is not smooth (the location of a Laplace density).

        Numeric quadrature splits the line there; :func:`~lossbook.symbolic.expectation` integrates
        piece by piece between them and the kinks of the integrand. Default: none.
        """
        return []

    def gauss_rule(self, nodes: int, digits: int) -> tuple[list, list] | None:
        """Optional: points and weights of a Gaussian quadrature rule for this density (numeric parameters only).

        The rule integrates polynomials of degree below ``2 * nodes`` against the density exactly, which is
        how numeric expectations of polynomials become exact and fast; families without one return ``None``
        and their expectations use adaptive quadrature instead.

        Parameters
        ----------
        nodes : int
            The number of nodes.
        digits : int
            The working precision in decimal digits.

        Returns
        -------
        tuple of two lists of mpmath.mpf, or None
        """
        return None

    def quadrature(self, integrand, cuts: list, digits: int):
        """Optional: expectation of ``integrand`` (an mpmath function) by a quadrature made for this family.

        Families whose density is awkward for general-purpose quadrature (infinite at an end of the support,
        say) override this; the general route compares the result with a run 15 digits finer for its error
        estimate. Numeric parameters only. Default: ``None`` (the general route).

        Parameters
        ----------
        integrand : callable
            The integrand, an mpmath function of one argument.
        cuts : list of mpmath.mpf
            The points where the integrand or the density is not smooth, and the centre.
        digits : int
            The working precision in decimal digits.

        Returns
        -------
        mpmath.mpf or None
        """
        return None

    def center(self) -> sp.Expr:
        """Optional: a point in the bulk of the distribution, where numerical quadrature splits the line.

        The default is found numerically (numeric parameters only): the mode of the density, where the
        derivative of the log-density changes sign, or, when the density is largest at an end of its support,
        that end plus :meth:`~lossbook.symbolic.Distribution.spread`. It assumes nothing about the order of the parameters. Discrete families:
        the mean rounded into the support, or the first point of the support.

        Raises
        ------
        ValueError
            For the default, if a parameter is symbolic or the log-density has no mode.
        """
        return self._bulk[0]

    def spread(self) -> sp.Expr:
        """Optional: the width of the bulk, the unit in which numeric quadrature measures the line.

        The default is found numerically (numeric parameters only): the mean distance from the mode at which
        the log-density has fallen by 1/2 (:math:`\\sigma` for a Gaussian). Discrete families: the standard
        deviation, or 1.

        Raises
        ------
        ValueError
            For the default, if a parameter is symbolic or the log-density has no mode.
        """
        return self._bulk[1]

    @cached_property
    def _bulk(self) -> tuple[sp.Expr, sp.Expr]:
        from ._bulk import bulk

        return bulk(self)

    def latex(self) -> str:
        """Optional: LaTeX of the family with its parameters, for example ``\\mathcal{N}(\\mu, \\sigma^2)``."""
        inner = ", ".join(sp.latex(p) for p in self.params)
        return rf"\operatorname{{{self.name}}}({inner})"


def _parameter(value, name: str) -> sp.Expr:
    """A parameter as a SymPy expression: a number must be finite and real."""
    if isinstance(value, str):
        raise ValueError(f"{name}: a parameter must be a number or a SymPy expression, not the string {value!r}")
    try:
        value = sp.sympify(value, strict=True)
    except sp.SympifyError:
        raise ValueError(f"{name}: a parameter must be a number or a SymPy expression, got {value!r}") from None
    if not isinstance(value, sp.Expr):
        raise ValueError(f"{name}: a parameter must be a scalar SymPy expression, got {value!r}")
    if value.is_number and (value.is_real is False or not value.is_finite):
        raise ValueError(f"{name}: a numeric parameter must be a finite real number, got {value}")
    return value


class _LocationScale:
    """Mixin of the families whose first two parameters are a location and a scale: the centre and spread."""

    def center(self) -> sp.Expr:
        """The location parameter."""
        return self.params[0]

    def spread(self) -> sp.Expr:
        """The scale parameter."""
        return self.params[1]


def _linear(g: sp.Expr, x: sp.Symbol) -> tuple[sp.Expr, sp.Expr] | None:
    """``(a, b)`` with ``g = a x + b`` and ``a`` not zero, or ``None``."""
    g = sp.expand(g)
    if not g.is_polynomial(x) or sp.degree(g, x) != 1:
        return None
    a, b = sp.Poly(g, x).all_coeffs()
    return a, b


def _exponential_rate(f: sp.Expr, x: sp.Symbol) -> tuple[sp.Expr, sp.Expr] | None:
    """``(t, s)`` when ``f`` is :math:`e^{t x + s}`, so that :math:`E[f] = e^{s} M(t)`; else ``None``."""
    if not isinstance(f, sp.exp):
        return None
    return _linear(f.args[0], x)


def _check_order(k: int) -> int:
    if isinstance(k, bool) or int(k) != k or k < 0:
        raise ValueError(f"k: the order of a moment must be a non-negative integer, got {k!r}")
    return int(k)


class Normal(_LocationScale, Distribution):
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
    Used and derived in `KL divergence and the L2 loss <chapters/kl_divergence_l2.html>`_.

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

    def known_expectation(self, f: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
        r"""Table entries: the moment-generating function and the mean absolute deviation about any point.

        :math:`E[e^{t x}] = e^{\mu t + \sigma^2 t^2/2}`, and, with :math:`d = \mu - c`,

        .. math:: E|x - c| = \sigma\sqrt{2/\pi}\, e^{-d^2/(2\sigma^2)} + d\,\operatorname{erf}\!\big(d/(\sqrt2\,\sigma)\big),

        from splitting the integral at :math:`c` and :math:`\int t\,\varphi(t)\,dt = -\varphi(t)` for the
        standard density :math:`\varphi`; an argument :math:`a x + b` gives :math:`|a|\,E|x + b/a|`. ``None``
        for other integrands.

        Examples
        --------
        >>> import sympy as sp
        >>> x, c = sp.symbols("x c", real=True)
        >>> Normal(0, 1).known_expectation(sp.Abs(x - c), x)
        c*erf(sqrt(2)*c/2) + sqrt(2)*exp(-c**2/2)/sqrt(pi)
        """
        rate = _exponential_rate(f, x)
        if rate is not None:
            t, s = rate
            return sp.exp(s + self.mu * t + self.sigma**2 * t**2 / 2)
        if isinstance(f, sp.Abs):
            line = _linear(f.args[0], x)
            if line is None:
                return None
            a, b = line
            gap = self.mu + b / a
            return sp.Abs(a) * (
                self.sigma * sp.sqrt(2 / sp.pi) * sp.exp(-gap**2 / (2 * self.sigma**2))
                + gap * sp.erf(gap / (sp.sqrt(2) * self.sigma))
            )
        return None

    def latex(self) -> str:
        return rf"\mathcal{{N}}\left({sp.latex(self.mu)}, {sp.latex(self.sigma**2)}\right)"

    def gauss_rule(self, nodes: int, digits: int) -> tuple[list, list] | None:
        """Gauss-Hermite nodes mapped to this Gaussian: x = mu + sqrt(2) sigma t, weights w / sqrt(pi)."""
        t, w = _rule("hermite", nodes, digits)
        with mpmath.workdps(digits):
            mu, sigma = (mpmath.mpf(str(sp.N(p, digits))) for p in self.params)
            points = [mu + mpmath.sqrt(2) * sigma * tk for tk in t]
            weights = [wk / mpmath.sqrt(mpmath.pi) for wk in w]
        return points, weights


class Laplace(_LocationScale, Distribution):
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

    def known_expectation(self, f: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
        r"""Table entry: the moment-generating function :math:`E[e^{t x}] = e^{\mu t}/(1 - b^2 t^2)`.

        It exists for :math:`|t| < 1/b` only: ``None`` unless SymPy can tell that :math:`1 - b^2 t^2 > 0`, and
        for other integrands.
        """
        rate = _exponential_rate(f, x)
        if rate is None:
            return None
        t, s = rate
        if (1 - self.b**2 * t**2).is_positive is not True:
            return None
        return sp.exp(s + self.mu * t) / (1 - self.b**2 * t**2)

    def latex(self) -> str:
        return rf"\operatorname{{Laplace}}\left({sp.latex(self.mu)}, {sp.latex(self.b)}\right)"

    def gauss_rule(self, nodes: int, digits: int) -> tuple[list, list] | None:
        """Gauss-Laguerre nodes on each side of the centre: x = mu +- b t, weights w / 2."""
        t, w = _rule("laguerre", nodes, digits)
        with mpmath.workdps(digits):
            mu, b = (mpmath.mpf(str(sp.N(p, digits))) for p in self.params)
            points = [mu + b * tk for tk in t] + [mu - b * tk for tk in t]
            weights = [wk / 2 for wk in w] * 2
        return points, weights


@lru_cache(maxsize=256)
def _rule(kind: str, nodes: int, digits: int, parameter: str = "0") -> tuple[tuple, tuple]:
    """Nodes and weights of a Gauss rule (computed once per size, precision and parameter)."""
    with mpmath.workdps(digits):
        t, w = mpmath.gauss_quadrature(nodes, kind, mpmath.mpf(parameter))
        return tuple(t), tuple(w)


def _central_to_raw(mu: sp.Expr, central, k: int) -> sp.Expr:
    """Raw moment k from the central moments central(j) by the binomial expansion of ((x - mu) + mu)^k."""
    return sp.expand(sum(sp.binomial(k, j) * mu ** (k - j) * central(j) for j in range(k + 1)))


class Cauchy(_LocationScale, Distribution):
    r"""The Cauchy distribution with location :math:`\mu` and scale :math:`\gamma`.

    Its density is :math:`\frac{1}{\pi\gamma}\left(1 + ((x-\mu)/\gamma)^2\right)^{-1}`; it has no mean and no
    variance, which is the point of the chapter
    `Heavy tails and robust losses <chapters/robust_losses.html>`_.

    Parameters
    ----------
    mu : sympy.Expr
        The location (median).
    gamma : sympy.Expr
        The scale (half width at half maximum), positive.
    label : str, optional
        LaTeX name in displayed formulas.

    Raises
    ------
    ValueError
        If ``gamma`` is not positive.

    Examples
    --------
    >>> Cauchy(0, 1).raw_moment(1)
    Traceback (most recent call last):
    ...
    ValueError: k: the Cauchy distribution has no moments of order 1 or higher
    """

    name = "Cauchy"
    param_names = ("mu", "gamma")

    def __init__(self, mu: sp.Expr, gamma: sp.Expr, *, label: str | None = None):
        super().__init__(_check_real(mu, "mu"), _check_scale(gamma, "gamma"), label=label)

    def log_density_terms(self, x: sp.Symbol) -> list[sp.Expr]:
        mu, gamma = self.params
        return [-sp.log(sp.pi * gamma), -sp.log(1 + ((x - mu) / gamma) ** 2)]

    @property
    def support(self) -> sp.Set:
        return sp.S.Reals

    def raw_moment(self, k: int) -> sp.Expr:
        k = _check_order(k)
        if k == 0:
            return sp.Integer(1)
        raise ValueError("k: the Cauchy distribution has no moments of order 1 or higher")

    def known_expectation(self, f: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
        r"""Table entry: :math:`E[\log(a(x-m)^2 + c)] = \log a + \log\left((\gamma + \sqrt{c/a})^2 + (\mu - m)^2\right)`.

        Valid for :math:`a, c > 0`; the logarithm of any such quadratic has a finite expectation under a Cauchy
        distribution even though its moments do not exist. Returns ``None`` for other integrands.
        """
        if not isinstance(f, sp.log):
            return None
        inner = sp.expand(f.args[0])
        if not inner.is_polynomial(x) or sp.degree(inner, x) != 2:
            return None
        a, b, c0 = sp.Poly(inner, x).all_coeffs()
        m = -b / (2 * a)
        c = sp.simplify(c0 - a * m**2)
        if a.is_positive is not True or c.is_positive is not True:
            return None
        mu, gamma = self.params
        return sp.log(a) + sp.log((gamma + sp.sqrt(c / a)) ** 2 + (mu - m) ** 2)


class StudentT(_LocationScale, Distribution):
    r"""Student's t distribution with location :math:`\mu`, scale :math:`\sigma` and ``nu`` degrees of freedom.

    Parameters are in the same order as everywhere in lossbook: location, scale, then shape.

    Parameters
    ----------
    mu : sympy.Expr
        The location.
    sigma : sympy.Expr
        The scale, positive.
    nu : sympy.Expr
        Degrees of freedom, positive.
    label : str, optional
        LaTeX name in displayed formulas.

    Raises
    ------
    ValueError
        If ``nu`` or ``sigma`` is not positive.

    Notes
    -----
    Used in `Heavy tails and robust losses <chapters/robust_losses.html>`_. The raw moment of order k
    exists only for :math:`k < \nu`.

    Examples
    --------
    >>> import sympy as sp
    >>> StudentT(0, 1, 5).raw_moment(2)
    5/3
    """

    name = "StudentT"
    param_names = ("mu", "sigma", "nu")

    def __init__(self, mu: sp.Expr, sigma: sp.Expr, nu: sp.Expr, *, label: str | None = None):
        super().__init__(_check_real(mu, "mu"), _check_scale(sigma, "sigma"), _check_scale(nu, "nu"), label=label)

    def log_density_terms(self, x: sp.Symbol) -> list[sp.Expr]:
        mu, sigma, nu = self.params
        return [
            sp.loggamma((nu + 1) / 2) - sp.loggamma(nu / 2) - sp.log(sp.sqrt(nu * sp.pi) * sigma),
            -(nu + 1) / 2 * sp.log(1 + ((x - mu) / sigma) ** 2 / nu),
        ]

    @property
    def support(self) -> sp.Set:
        return sp.S.Reals

    def raw_moment(self, k: int) -> sp.Expr:
        k = _check_order(k)
        mu, sigma, nu = self.params
        if k > 0 and (nu - k).is_positive is not True:
            raise ValueError(f"k: a Student t moment of order {k} exists only when nu > {k}, got nu = {nu}")

        def central(j: int) -> sp.Expr:
            if j % 2:
                return sp.Integer(0)
            return sp.simplify(
                sigma**j * nu ** sp.Rational(j, 2) * sp.gamma(sp.Rational(j + 1, 2)) * sp.gamma((nu - j) / 2)
                / (sp.sqrt(sp.pi) * sp.gamma(nu / 2))
            )

        return _central_to_raw(mu, central, k)


class GeneralizedNormal(_LocationScale, Distribution):
    r"""The generalised normal (exponential power) distribution with location :math:`\mu`, scale
    :math:`\alpha` and shape :math:`p`.

    Its density is :math:`\frac{p}{2\alpha\Gamma(1/p)}\exp\left(-(|x-\mu|/\alpha)^p\right)`: ``p = 1`` is the
    Laplace distribution, ``p = 2`` a Gaussian with :math:`\sigma = \alpha/\sqrt{2}`, and large ``p`` approaches
    the uniform distribution on :math:`[\mu-\alpha, \mu+\alpha]`.

    Parameters
    ----------
    mu : sympy.Expr
        The location.
    alpha : sympy.Expr
        The scale, positive.
    p : sympy.Expr
        The shape, positive.
    label : str, optional
        LaTeX name in displayed formulas.

    Raises
    ------
    ValueError
        If ``alpha`` or ``p`` is not positive.

    Notes
    -----
    Derived in `One family for every power <chapters/lp_family.html>`_.

    Examples
    --------
    >>> import sympy as sp
    >>> GeneralizedNormal(0, 1, 2).raw_moment(2)
    1/2
    """

    name = "GeneralizedNormal"
    param_names = ("mu", "alpha", "p")

    def __init__(self, mu: sp.Expr, alpha: sp.Expr, p: sp.Expr, *, label: str | None = None):
        super().__init__(_check_real(mu, "mu"), _check_scale(alpha, "alpha"), _check_scale(p, "p"), label=label)

    def log_density_terms(self, x: sp.Symbol) -> list[sp.Expr]:
        mu, alpha, p = self.params
        return [sp.log(p / (2 * alpha * sp.gamma(1 / p))), -((sp.Abs(x - mu) / alpha) ** p)]

    @property
    def support(self) -> sp.Set:
        return sp.S.Reals

    def kinks(self, x: sp.Symbol) -> list[sp.Expr]:
        return [self.params[0]]

    def raw_moment(self, k: int) -> sp.Expr:
        k = _check_order(k)
        mu, alpha, p = self.params

        def central(j: int) -> sp.Expr:
            if j % 2:
                return sp.Integer(0)
            return sp.simplify(alpha**j * sp.gamma((j + 1) / p) / sp.gamma(1 / p))

        return _central_to_raw(mu, central, k)


class Gamma(Distribution):
    r"""The gamma distribution with shape :math:`\alpha` and rate :math:`\beta` on the positive half-line.

    Its density is :math:`\frac{\beta^\alpha}{\Gamma(\alpha)} x^{\alpha-1} e^{-\beta x}` for :math:`x > 0`; the
    mean is :math:`\alpha/\beta` and the variance :math:`\alpha/\beta^2`. It is the conjugate prior and posterior
    of a Poisson or exponential rate.

    Parameters
    ----------
    alpha : sympy.Expr
        The shape, positive.
    beta : sympy.Expr
        The rate (one over the scale), positive.
    label : str, optional
        LaTeX name in displayed formulas.

    Raises
    ------
    ValueError
        If ``alpha`` or ``beta`` is not positive.

    Notes
    -----
    Used in `Mean, median and the loss behind each <chapters/mean_median.html>`_ for the posterior of a
    waiting-time rate. Raw moments are :math:`E[x^k] = \alpha(\alpha+1)\cdots(\alpha+k-1)/\beta^k`, and the
    expectation of :math:`\log x` is :math:`\psi(\alpha) - \log\beta` (the digamma function), which is what
    the KL divergence between two gamma distributions needs.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("alpha beta", positive=True)
    >>> sp.factor(Gamma(a, b).raw_moment(2) - Gamma(a, b).raw_moment(1) ** 2)
    alpha/beta**2
    """

    name = "Gamma"
    param_names = ("alpha", "beta")

    def __init__(self, alpha: sp.Expr, beta: sp.Expr, *, label: str | None = None):
        super().__init__(_check_scale(alpha, "alpha"), _check_scale(beta, "beta"), label=label)

    @property
    def alpha(self) -> sp.Expr:
        return self.params[0]

    @property
    def beta(self) -> sp.Expr:
        return self.params[1]

    def log_density_terms(self, x: sp.Symbol) -> list[sp.Expr]:
        return [self.alpha * sp.log(self.beta), -sp.loggamma(self.alpha), (self.alpha - 1) * sp.log(x), -self.beta * x]

    @property
    def support(self) -> sp.Set:
        return sp.Interval.open(0, sp.oo)

    def raw_moment(self, k: int) -> sp.Expr:
        k = _check_order(k)
        return sp.rf(self.alpha, k) / self.beta**k

    def known_expectation(self, f: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
        r"""Table entries: :math:`E[\log x] = \psi(\alpha) - \log\beta` and :math:`E[e^{t x}] = (\beta/(\beta - t))^\alpha`.

        The second exists for :math:`t < \beta` only: ``None`` unless SymPy can tell, and for other integrands.
        """
        if f == sp.log(x):
            return sp.digamma(self.alpha) - sp.log(self.beta)
        rate = _exponential_rate(f, x)
        if rate is not None and (self.beta - rate[0]).is_positive is True:
            t, s = rate
            return sp.exp(s) * (self.beta / (self.beta - t)) ** self.alpha
        return None

    def center(self) -> sp.Expr:
        r"""The mean, :math:`\alpha/\beta`."""
        return self.alpha / self.beta

    def spread(self) -> sp.Expr:
        r"""The standard deviation, :math:`\sqrt{\alpha}/\beta`."""
        return sp.sqrt(self.alpha) / self.beta

    def gauss_rule(self, nodes: int, digits: int) -> tuple[list, list] | None:
        r"""Generalised Gauss-Laguerre with weight :math:`t^{\alpha-1}e^{-t}`: x = t / beta, weights w / Gamma(alpha).

        The rule carries the factor :math:`x^{\alpha-1}` exactly, so a shape below 1 (a density that is
        infinite at 0) costs it no accuracy.
        """
        with mpmath.workdps(digits):
            alpha, beta = (mpmath.mpf(str(sp.N(p, digits))) for p in self.params)
            t, w = _rule("glaguerre", nodes, digits, str(alpha - 1))
            norm = mpmath.gamma(alpha)
            return [tk / beta for tk in t], [wk / norm for wk in w]

    def quadrature(self, integrand, cuts: list, digits: int):
        r"""For a shape below 1, tanh-sinh quadrature after substituting :math:`x = u^{1/\alpha}`.

        The substitution turns :math:`x^{\alpha-1}\,dx` into :math:`du/\alpha`, so the integrable infinity of
        the density at 0 disappears and the quadrature keeps its full precision. A shape of 1 or more has a
        bounded density, which the general route integrates well (and for which the substitution would
        stretch the bulk of the distribution over many orders of magnitude): ``None``.
        """
        with mpmath.workdps(digits):
            alpha, beta = (mpmath.mpf(str(sp.N(p, digits))) for p in self.params)
            if alpha >= 1:
                return None
            norm = beta**alpha / mpmath.gamma(alpha + 1)
            inner = sorted({mpmath.mpf(c) ** alpha for c in cuts if c > 0} | {(alpha / beta) ** alpha})
            return norm * mpmath.quad(lambda u: mpmath.exp(-beta * u ** (1 / alpha)) * integrand(u ** (1 / alpha)),
                                      [0, *inner, mpmath.inf])

    def latex(self) -> str:
        return rf"\operatorname{{Gamma}}\left({sp.latex(self.alpha)}, {sp.latex(self.beta)}\right)"


class Exponential(Distribution):
    r"""The exponential distribution with rate :math:`\lambda`: density :math:`\lambda e^{-\lambda x}` for :math:`x \ge 0`.

    The waiting time of a Poisson process; the mean is :math:`1/\lambda`, the variance :math:`1/\lambda^2`, and
    it is the gamma distribution of shape 1. SciPy's ``scipy.stats.expon(scale=1 / rate)`` is the same
    distribution.

    Parameters
    ----------
    rate : sympy.Expr
        The rate :math:`\lambda` (one over the mean), positive.
    label : str, optional
        LaTeX name in displayed formulas.

    Raises
    ------
    ValueError
        If ``rate`` is not positive.

    Notes
    -----
    Raw moments :math:`E[x^k] = k!/\lambda^k`; :math:`E[\log x] = -\gamma - \log\lambda` (Euler's
    :math:`\gamma`, the digamma function at 1), which :func:`~lossbook.symbolic.kl` needs against a gamma
    distribution. Used in `Your own likelihood <chapters/your_own_likelihood.html>`_.

    Examples
    --------
    >>> import sympy as sp
    >>> r1, r2 = sp.symbols("r1 r2", positive=True)
    >>> Exponential(r1).raw_moment(2)
    2/r1**2
    >>> from lossbook.symbolic import kl
    >>> kl(Exponential(r1), Exponential(r2))
    log(r1/r2) - 1 + r2/r1
    """

    name = "Exponential"
    param_names = ("rate",)

    def __init__(self, rate: sp.Expr, *, label: str | None = None):
        super().__init__(_check_scale(rate, "rate"), label=label)

    @property
    def rate(self) -> sp.Expr:
        return self.params[0]

    def log_density_terms(self, x: sp.Symbol) -> list[sp.Expr]:
        return [sp.log(self.rate), -self.rate * x]

    @property
    def support(self) -> sp.Set:
        return sp.Interval(0, sp.oo)

    def raw_moment(self, k: int) -> sp.Expr:
        k = _check_order(k)
        return sp.factorial(k) / self.rate**k

    def known_expectation(self, f: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
        r"""Table entries: :math:`E[\log x] = -\gamma - \log\lambda` and :math:`E[e^{t x}] = \lambda/(\lambda - t)`.

        The second exists for :math:`t < \lambda` only: ``None`` unless SymPy can tell, and for other integrands.
        """
        if f == sp.log(x):
            return -sp.EulerGamma - sp.log(self.rate)
        rate = _exponential_rate(f, x)
        if rate is not None and (self.rate - rate[0]).is_positive is True:
            t, s = rate
            return sp.exp(s) * self.rate / (self.rate - t)
        return None

    def center(self) -> sp.Expr:
        r"""The mean, :math:`1/\lambda`."""
        return 1 / self.rate

    def spread(self) -> sp.Expr:
        r"""The standard deviation, :math:`1/\lambda`."""
        return 1 / self.rate

    def gauss_rule(self, nodes: int, digits: int) -> tuple[list, list] | None:
        r"""Gauss-Laguerre with weight :math:`e^{-t}`: x = t / rate, weights w."""
        t, w = _rule("laguerre", nodes, digits)
        with mpmath.workdps(digits):
            rate = mpmath.mpf(str(sp.N(self.rate, digits)))
            return [tk / rate for tk in t], list(w)

    def latex(self) -> str:
        return rf"\operatorname{{Exponential}}\left({sp.latex(self.rate)}\right)"


def _check_probability(value: sp.Expr, argument: str) -> sp.Expr:
    value = sp.sympify(value)
    if value.is_number and not (value.is_real and 0 <= value <= 1):
        raise ValueError(f"{argument}: a probability must lie in [0, 1], got {value}")
    return value


class Bernoulli(Distribution):
    r"""The Bernoulli distribution on :math:`\{0, 1\}` with :math:`P(x = 1) = p`.

    Parameters
    ----------
    p : sympy.Expr
        The probability of a one, in [0, 1].
    label : str, optional
        LaTeX name in displayed formulas.

    Raises
    ------
    ValueError
        If a numeric ``p`` lies outside [0, 1].

    Notes
    -----
    Its negative log-likelihood is the binary cross-entropy:
    `Classification: cross-entropy is a likelihood <chapters/cross_entropy.html>`_.

    Examples
    --------
    >>> import sympy as sp
    >>> x, p = sp.symbols("x p")
    >>> Bernoulli(p).log_density(x)
    x*log(p) + (1 - x)*log(1 - p)
    """

    name = "Bernoulli"
    param_names = ("p",)
    discrete = True

    def __init__(self, p: sp.Expr, *, label: str | None = None):
        super().__init__(_check_probability(p, "p"), label=label)

    def log_density_terms(self, x: sp.Symbol) -> list[sp.Expr]:
        (p,) = self.params
        return [x * sp.log(p), (1 - x) * sp.log(1 - p)]

    @property
    def support(self) -> sp.Set:
        return sp.FiniteSet(0, 1)

    def center(self) -> sp.Expr:
        """The probability of a one, the mean."""
        return self.params[0]

    def raw_moment(self, k: int) -> sp.Expr:
        k = _check_order(k)
        return sp.Integer(1) if k == 0 else self.params[0]


class Categorical(Distribution):
    r"""A categorical distribution on :math:`\{0, \dots, K-1\}` with probabilities :math:`p_0, \dots, p_{K-1}`.

    Parameters
    ----------
    *probabilities : sympy.Expr
        The K probabilities (at least two); numeric ones must lie in [0, 1] and, if all numeric, sum to one.
    label : str, optional
        LaTeX name in displayed formulas.

    Raises
    ------
    ValueError
        If fewer than two probabilities are given, one lies outside [0, 1], or numeric ones do not sum to one.

    Notes
    -----
    Its negative log-likelihood is the cross-entropy:
    `Classification: cross-entropy is a likelihood <chapters/cross_entropy.html>`_.

    Examples
    --------
    >>> import sympy as sp
    >>> Categorical(sp.Rational(1, 2), sp.Rational(1, 4), sp.Rational(1, 4)).raw_moment(1)
    3/4
    """

    name = "Categorical"
    discrete = True

    def __init__(self, *probabilities: sp.Expr, label: str | None = None):
        if len(probabilities) < 2:
            raise ValueError(f"probabilities: a categorical distribution needs at least two, got {len(probabilities)}")
        checked = [_check_probability(p, f"probabilities[{k}]") for k, p in enumerate(probabilities)]
        if all(p.is_number for p in checked) and sp.nsimplify(sum(checked)) != 1:
            raise ValueError(f"probabilities: must sum to one, got {sum(checked)}")
        super().__init__(*checked, label=label)

    @property
    def param_names(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(f"p{k}" for k in range(len(self.params)))

    def log_density_terms(self, x: sp.Symbol) -> list[sp.Expr]:
        pieces = [(sp.log(p), sp.Eq(x, k)) for k, p in enumerate(self.params)]
        return [sp.Piecewise(*pieces, (sp.nan, True))]

    @property
    def support(self) -> sp.Set:
        return sp.FiniteSet(*range(len(self.params)))

    def center(self) -> sp.Expr:
        """The first category, 0."""
        return sp.Integer(0)

    def raw_moment(self, k: int) -> sp.Expr:
        k = _check_order(k)
        return sp.Add(*[sp.Integer(j) ** k * p for j, p in enumerate(self.params)])


class Poisson(Distribution):
    r"""The Poisson distribution with rate :math:`\lambda` on the non-negative integers.

    Parameters
    ----------
    rate : sympy.Expr
        The mean :math:`\lambda`, positive.
    label : str, optional
        LaTeX name in displayed formulas.

    Raises
    ------
    ValueError
        If ``rate`` is not positive.

    Notes
    -----
    Used in `Count data <chapters/count_data.html>`_. Raw moments are Touchard polynomials,
    :math:`E[x^k] = \sum_j S(k, j) \lambda^j` with Stirling numbers of the second kind.

    Examples
    --------
    >>> import sympy as sp
    >>> lam = sp.Symbol("lambda", positive=True)
    >>> Poisson(lam).raw_moment(2)
    lambda**2 + lambda
    """

    name = "Poisson"
    param_names = ("rate",)
    discrete = True

    def __init__(self, rate: sp.Expr, *, label: str | None = None):
        super().__init__(_check_scale(rate, "rate"), label=label)

    def log_density_terms(self, x: sp.Symbol) -> list[sp.Expr]:
        (rate,) = self.params
        return [x * sp.log(rate), -rate, -sp.loggamma(x + 1)]

    @property
    def support(self) -> sp.Set:
        return sp.S.Naturals0

    def center(self) -> sp.Expr:
        r"""The mean, :math:`\lambda`."""
        return self.params[0]

    def raw_moment(self, k: int) -> sp.Expr:
        k = _check_order(k)
        (rate,) = self.params
        return sp.expand(sum(sp.functions.combinatorial.numbers.stirling(k, j) * rate**j for j in range(k + 1)))


class NegativeBinomial(Distribution):
    r"""The negative binomial distribution in its mean-dispersion form: mean :math:`\mu`, variance
    :math:`\mu + \alpha\mu^2`.

    With :math:`r = 1/\alpha` its probability mass is
    :math:`\frac{\Gamma(x + r)}{\Gamma(r)\,x!}\left(\frac{r}{r+\mu}\right)^r\left(\frac{\mu}{r+\mu}\right)^x`;
    as :math:`\alpha \to 0` it becomes the Poisson distribution.

    Parameters
    ----------
    mu : sympy.Expr
        The mean, positive.
    alpha : sympy.Expr
        The dispersion, positive.
    label : str, optional
        LaTeX name in displayed formulas.

    Raises
    ------
    ValueError
        If ``mu`` or ``alpha`` is not positive.

    Notes
    -----
    Used in `Count data <chapters/count_data.html>`_.

    Examples
    --------
    >>> import sympy as sp
    >>> m, a = sp.symbols("mu alpha", positive=True)
    >>> sp.expand(NegativeBinomial(m, a).raw_moment(2) - NegativeBinomial(m, a).raw_moment(1) ** 2)
    alpha*mu**2 + mu
    """

    name = "NegativeBinomial"
    param_names = ("mu", "alpha")
    discrete = True

    def __init__(self, mu: sp.Expr, alpha: sp.Expr, *, label: str | None = None):
        super().__init__(_check_scale(mu, "mu"), _check_scale(alpha, "alpha"), label=label)

    def log_density_terms(self, x: sp.Symbol) -> list[sp.Expr]:
        mu, alpha = self.params
        r = 1 / alpha
        return [
            sp.loggamma(x + r) - sp.loggamma(r) - sp.loggamma(x + 1),
            r * sp.log(r / (r + mu)),
            x * sp.log(mu / (r + mu)),
        ]

    @property
    def support(self) -> sp.Set:
        return sp.S.Naturals0

    def raw_moment(self, k: int) -> sp.Expr:
        k = _check_order(k)
        mu, alpha = self.params
        moments = [sp.Integer(1), mu, mu + alpha * mu**2 + mu**2]
        if k >= len(moments):
            raise ValueError(f"k: negative binomial raw moments are available up to order 2, got {k}")
        return moments[k]


class ZeroInflatedNegativeBinomial(Distribution):
    r"""A negative binomial with extra zeros: with probability :math:`\pi` the count is a structural zero,
    otherwise it is drawn from :class:`NegativeBinomial` with mean :math:`\mu` and dispersion :math:`\alpha`.

    Parameters
    ----------
    pi : sympy.Expr
        The probability of a structural zero, in [0, 1].
    mu : sympy.Expr
        The mean of the negative binomial part, positive.
    alpha : sympy.Expr
        Its dispersion, positive.
    label : str, optional
        LaTeX name in displayed formulas.

    Raises
    ------
    ValueError
        If ``pi`` is outside [0, 1] or ``mu`` or ``alpha`` is not positive.

    Notes
    -----
    Used in `Count data <chapters/count_data.html>`_.

    Examples
    --------
    >>> import sympy as sp
    >>> ZeroInflatedNegativeBinomial(sp.Rational(1, 4), 4, 1).raw_moment(1)
    3
    """

    name = "ZeroInflatedNegativeBinomial"
    param_names = ("pi", "mu", "alpha")
    discrete = True

    def __init__(self, pi: sp.Expr, mu: sp.Expr, alpha: sp.Expr, *, label: str | None = None):
        super().__init__(
            _check_probability(pi, "pi"), _check_scale(mu, "mu"), _check_scale(alpha, "alpha"), label=label
        )

    def _count_part(self) -> NegativeBinomial:
        return NegativeBinomial(self.params[1], self.params[2])

    def log_density_terms(self, x: sp.Symbol) -> list[sp.Expr]:
        pi = self.params[0]
        count = self._count_part()
        zero = sp.log(pi + (1 - pi) * sp.exp(count.log_density(sp.Integer(0))))
        positive = sp.log(1 - pi) + count.log_density(x)
        return [sp.Piecewise((zero, sp.Eq(x, 0)), (positive, True))]

    @property
    def support(self) -> sp.Set:
        return sp.S.Naturals0

    def center(self) -> sp.Expr:
        r"""The mean :math:`\mu` of the count part."""
        return self.params[1]

    def raw_moment(self, k: int) -> sp.Expr:
        k = _check_order(k)
        if k == 0:
            return sp.Integer(1)
        return sp.expand((1 - self.params[0]) * self._count_part().raw_moment(k))


class MultivariateNormal:
    r"""The multivariate Gaussian :math:`\mathcal{N}(\boldsymbol\mu, \Sigma)` with matrix-symbol parameters.

    Parameters
    ----------
    mean : sympy.MatrixExpr or sympy.Matrix
        A column vector of shape (d, 1), such as ``MatrixSymbol("mu", d, 1)``, or an explicit matrix.
    covariance : sympy.MatrixExpr or sympy.Matrix
        A (d, d) symmetric positive definite matrix, such as ``MatrixSymbol("Sigma", d, d)``, or an explicit
        matrix; with explicit matrices and an explicit ``x`` the log-density is evaluated to a scalar.
    label : str, optional
        LaTeX name in displayed formulas.

    Raises
    ------
    ValueError
        If the shapes do not fit together.

    Notes
    -----
    Used in `Geometry of the error <chapters/geometry.html>`_ (Mahalanobis distance and whitening); its
    divergence is derived by :func:`lossbook.symbolic.kl` from
    :math:`E[(x-m)^\top A (x-m)] = \operatorname{tr}(A\Sigma) + (\mu-m)^\top A(\mu-m)`.

    Examples
    --------
    >>> import sympy as sp
    >>> d = sp.Symbol("d", integer=True, positive=True)
    >>> mvn = MultivariateNormal(sp.MatrixSymbol("mu", d, 1), sp.MatrixSymbol("Sigma", d, d))
    >>> mvn.dimension
    d
    """

    name = "MultivariateNormal"

    def __init__(self, mean: sp.MatrixExpr, covariance: sp.MatrixExpr, *, label: str | None = None):
        mean, covariance = (sp.ImmutableMatrix(m) if isinstance(m, sp.MatrixBase) else m for m in (mean, covariance))
        if mean.shape[1] != 1:
            raise ValueError(f"mean: must be a column vector of shape (d, 1), got shape {mean.shape}")
        if covariance.shape != (mean.shape[0], mean.shape[0]):
            raise ValueError(f"covariance: must have shape ({mean.shape[0]}, {mean.shape[0]}), got {covariance.shape}")
        self.mean = mean
        self.covariance = covariance
        self.label = label or "p"

    @property
    def dimension(self) -> sp.Expr:
        """The dimension d."""
        return self.mean.shape[0]

    def log_density(self, x: sp.MatrixExpr) -> sp.Expr:
        r"""The log-density :math:`-\tfrac12 (x-\mu)^\top\Sigma^{-1}(x-\mu) - \tfrac12\log\det(2\pi\Sigma)`."""
        r = x - self.mean
        quadratic = sp.Trace(r.T * self.covariance.I * r)
        value = -quadratic / 2 - self.dimension * sp.log(2 * sp.pi) / 2 - sp.log(sp.Determinant(self.covariance)) / 2
        explicit = not (self.mean.atoms(sp.MatrixSymbol) | self.covariance.atoms(sp.MatrixSymbol))
        if isinstance(x, sp.MatrixSymbol):
            explicit = False
        return sp.simplify(value.doit()) if explicit else value

    def expected_quadratic_form(self, matrix: sp.MatrixExpr, center: sp.MatrixExpr) -> sp.Expr:
        r""":math:`E[(x-m)^\top A (x-m)] = \operatorname{tr}(A\Sigma) + (\mu-m)^\top A (\mu-m)`.

        Parameters
        ----------
        matrix : sympy.MatrixExpr
            The (d, d) matrix A.
        center : sympy.MatrixExpr
            The (d, 1) vector m.

        Returns
        -------
        sympy.Expr
        """
        gap = self.mean - center
        trace = sp.Trace(matrix * self.covariance)
        # The 1x1 quadratic form is written as its own trace, which keeps it in matrix notation.
        return trace if gap.is_ZeroMatrix else trace + sp.Trace(gap.T * matrix * gap)

    def __repr__(self) -> str:
        return f"MultivariateNormal({self.mean}, {self.covariance})"
