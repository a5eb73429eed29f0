"""KL divergences derived through expectations, in closed form and in textbook form, for pairs of one family and
across families, each checked against quadrature or SciPy; the numeric route and its errors."""

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from lossbook.symbolic import (
    Bernoulli,
    Categorical,
    Cauchy,
    Exponential,
    Gamma,
    Laplace,
    NegativeBinomial,
    NoClosedFormError,
    Normal,
    Poisson,
    kl,
    numeric_expectation,
    numeric_kl,
)

m1, m2 = sp.symbols("mu1 mu2", real=True)
s1, s2, b1, b2 = sp.symbols("sigma1 sigma2 b1 b2", positive=True)
x = sp.Symbol("x", real=True)

NORMAL_KL = kl(Normal(m1, s1), Normal(m2, s2))
LAPLACE_KL = kl(Laplace(m1, b1), Laplace(m2, b2))


def test_normal_kl_is_the_textbook_closed_form():
    textbook = sp.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - sp.Rational(1, 2)
    assert sp.simplify(NORMAL_KL - textbook) == 0


def test_normal_kl_is_written_with_the_mean_gap():
    assert NORMAL_KL.has((m1 - m2) ** 2)


def test_unit_variance_normal_kl_is_half_the_squared_error():
    assert kl(Normal(m1, 1), Normal(m2, 1)) == (m1 - m2) ** 2 / 2


def test_laplace_kl_is_the_textbook_closed_form():
    d = sp.Abs(m1 - m2)
    textbook = sp.log(b2 / b1) + d / b2 + b1 / b2 * sp.exp(-d / b1) - 1
    assert sp.simplify(LAPLACE_KL - textbook) == 0


@pytest.mark.parametrize(
    "family, closed, symbols",
    [(Normal, NORMAL_KL, (m1, s1, m2, s2)), (Laplace, LAPLACE_KL, (m1, b1, m2, b2))],
)
@pytest.mark.parametrize("values", [(0.3, 1.2, -1.1, 0.7), (-1.1, 0.7, 0.3, 1.2), (2.0, 0.5, 2.0, 3.0)])
def test_kl_matches_quadrature_of_the_definition(family, closed, symbols, values):
    """Both orderings of the means: a sign error in |mu1 - mu2| would show in one of them."""
    numbers = [sp.nsimplify(v) for v in values]
    p, q = family(numbers[0], numbers[1]), family(numbers[2], numbers[3])
    expected = numeric_expectation(p.log_density(x) - q.log_density(x), x, p)
    with mpmath.workdps(30):
        got = mpmath.mpf(str(sp.N(closed.xreplace(dict(zip(symbols, numbers))), 30)))
        assert abs(got - expected) < mpmath.mpf("1e-15") * max(1, abs(expected))


finite = st.floats(min_value=-5, max_value=5, allow_nan=False)
positive = st.floats(min_value=0.1, max_value=5, allow_nan=False)
normal_kl = sp.lambdify((m1, s1, m2, s2), NORMAL_KL, "mpmath")
laplace_kl = sp.lambdify((m1, b1, m2, b2), LAPLACE_KL, "mpmath")


@settings(deadline=None, max_examples=60)
@given(finite, positive, finite, positive)
def test_normal_kl_is_never_negative(a, s, b, t):
    assert normal_kl(a, s, b, t) >= -1e-12


@settings(deadline=None, max_examples=60)
@given(finite, positive, finite, positive)
def test_laplace_kl_is_never_negative(a, s, b, t):
    assert laplace_kl(a, s, b, t) >= -1e-12


@settings(deadline=None, max_examples=40)
@given(finite, positive)
def test_kl_of_a_distribution_with_itself_is_zero(a, s):
    assert abs(normal_kl(a, s, a, s)) < 1e-12 and abs(laplace_kl(a, s, a, s)) < 1e-12


@pytest.mark.parametrize("bad", [None, 1.0, "Normal"])
def test_kl_needs_distributions(bad):
    with pytest.raises(ValueError, match="p:"):
        kl(bad, Normal(0, 1))


def test_cauchy_kl_is_the_known_closed_form():
    """Cauchy has no moments, but the log of a quadratic has a known expectation under it."""
    g1, g2 = sp.symbols("gamma1 gamma2", positive=True)
    derived = kl(Cauchy(m1, g1), Cauchy(m2, g2))
    closed = sp.log(((g1 + g2) ** 2 + (m1 - m2) ** 2) / (4 * g1 * g2))
    assert sp.simplify(sp.expand_log(derived - closed, force=True)) == 0


@pytest.mark.parametrize("values", [(0.3, 2.0, -1.0, 0.5), (-1.0, 0.5, 0.3, 2.0)])
def test_cauchy_kl_matches_quadrature(values):
    g1, g2 = sp.symbols("gamma1 gamma2", positive=True)
    numbers = [sp.nsimplify(v) for v in values]
    p, q = Cauchy(numbers[0], numbers[1]), Cauchy(numbers[2], numbers[3])
    expected = numeric_expectation(p.log_density(x) - q.log_density(x), x, p)
    derived = kl(Cauchy(m1, g1), Cauchy(m2, g2)).xreplace(dict(zip((m1, g1, m2, g2), numbers)))
    with mpmath.workdps(30):
        assert abs(mpmath.mpf(str(sp.N(derived, 30))) - expected) < mpmath.mpf("1e-12")


def test_gamma_kl_is_the_known_closed_form():
    """Through the table entry E[log x] = digamma(alpha) - log(beta): no integral is taken."""
    a1, a2, r1, r2 = sp.symbols("alpha1 alpha2 beta1 beta2", positive=True)
    derived = kl(Gamma(a1, r1), Gamma(a2, r2))
    closed = (
        (a1 - a2) * sp.digamma(a1) - sp.loggamma(a1) + sp.loggamma(a2)
        + a2 * (sp.log(r1) - sp.log(r2)) + a1 * (r2 - r1) / r1
    )
    assert sp.simplify(sp.expand_log(derived - closed, force=True)) == 0


@pytest.mark.parametrize("values", [(0.5, 2.0, 3.0, 1.5), (3.0, 1.5, 0.5, 2.0), (2.0, 1.0, 2.0, 1.0)])
def test_gamma_kl_matches_quadrature(values):
    a1, a2, r1, r2 = sp.symbols("alpha1 alpha2 beta1 beta2", positive=True)
    t = sp.Symbol("t", positive=True)
    numbers = [sp.nsimplify(v) for v in values]
    p, q = Gamma(numbers[0], numbers[1]), Gamma(numbers[2], numbers[3])
    expected = numeric_expectation(p.log_density(t) - q.log_density(t), t, p)
    closed = kl(Gamma(a1, r1), Gamma(a2, r2)).xreplace(dict(zip((a1, r1, a2, r2), numbers)))
    with mpmath.workdps(30):
        assert abs(mpmath.mpf(str(sp.N(closed, 30))) - expected) < mpmath.mpf("1e-15") * max(1, abs(expected))


# -- textbook forms, cross-family pairs and the numeric route ---------------------------------------------------

p1, p2, l1, l2, r1, r2 = sp.symbols("p1 p2 lambda1 lambda2 r1 r2", positive=True)
a1, a2, be1, be2 = sp.symbols("alpha1 alpha2 beta1 beta2", positive=True)
P, Q = sp.symbols("P0:3", positive=True), sp.symbols("Q0:3", positive=True)

TEXTBOOK = {
    "Bernoulli": (kl(Bernoulli(p1), Bernoulli(p2)), p1 * sp.log(p1 / p2) + (1 - p1) * sp.log((1 - p1) / (1 - p2))),
    "Categorical": (kl(Categorical(*P), Categorical(*Q)), sum(p * sp.log(p / q) for p, q in zip(P, Q))),
    "Poisson": (kl(Poisson(l1), Poisson(l2)), l1 * sp.log(l1 / l2) - l1 + l2),
    "Exponential": (kl(Exponential(r1), Exponential(r2)), sp.log(r1 / r2) + r2 / r1 - 1),
    "Gamma": (
        kl(Gamma(a1, be1), Gamma(a2, be2)),
        (a1 - a2) * sp.digamma(a1) - sp.loggamma(a1) + sp.loggamma(a2) + a2 * sp.log(be1 / be2)
        + a1 * (be2 - be1) / be1,
    ),
    "Normal || Laplace": (
        kl(Normal(m1, s1), Laplace(m2, b2)),
        sp.log(sp.sqrt(2) * b2 / (sp.sqrt(sp.pi) * s1)) - sp.Rational(1, 2)
        + sp.sqrt(2) * s1 * sp.exp(-(m1 - m2) ** 2 / (2 * s1**2)) / (sp.sqrt(sp.pi) * b2)
        + (m1 - m2) * sp.erf((m1 - m2) / (sp.sqrt(2) * s1)) / b2,
    ),
}


@pytest.mark.parametrize("name", TEXTBOOK)
def test_kl_is_written_in_textbook_form(name):
    """Structural equality: the same tree, not merely the same value."""
    derived, textbook = TEXTBOOK[name]
    assert derived == textbook


def test_normal_against_laplace_is_written_with_erf_alone():
    derived = TEXTBOOK["Normal || Laplace"][0]
    assert not derived.has(sp.erfc) and len(derived.atoms(sp.erf)) == 1 and len(derived.atoms(sp.exp)) == 1


def _scipy(dist):
    """The same distribution in scipy.stats (numeric parameters)."""
    values = [float(v) for v in dist.params]
    makers = {
        Normal: lambda mu, s: stats.norm(mu, s), Laplace: lambda mu, b: stats.laplace(mu, b),
        Exponential: lambda r: stats.expon(scale=1 / r), Gamma: lambda a, b: stats.gamma(a, scale=1 / b),
        Poisson: stats.poisson, Bernoulli: stats.bernoulli,
    }
    return makers[type(dist)](*values)


def _scipy_kl(p, q) -> float:
    """KL by scipy: a sum of logpmf differences for counts, quad between p's quantiles and kinks otherwise."""
    if isinstance(p, Categorical):
        return float(stats.entropy([float(v) for v in p.params], [float(v) for v in q.params]))
    sp_p = _scipy(p)
    if p.discrete:
        mean = float(p.raw_moment(1))
        k = np.arange(0, 2 if isinstance(p, Bernoulli) else int(mean + 40 * np.sqrt(mean) + 50))
        log_q = stats.poisson(float(q.params[0])).logpmf(k) if isinstance(q, Poisson) else _scipy(q).logpmf(k)
        mass = sp_p.pmf(k)
        return float(np.sum(np.where(mass > 0, mass * (sp_p.logpmf(k) - log_q), 0.0)))
    sp_q = _scipy(q)
    cuts = sorted({float(sp_p.ppf(1e-16)), float(sp_p.isf(1e-16)),
                   *(float(d.params[0]) for d in (p, q) if isinstance(d, Laplace))})
    cuts = [c for c in cuts if sp_p.ppf(1e-16) <= c <= sp_p.isf(1e-16)]
    return sum(integrate.quad(lambda t: sp_p.pdf(t) * (sp_p.logpdf(t) - sp_q.logpdf(t)), lo, hi, epsabs=1e-14,
                              epsrel=1e-12, limit=200)[0] for lo, hi in zip(cuts[:-1], cuts[1:]))

PAIRS = {
    "Bernoulli": ((Bernoulli(p1), Bernoulli(p2)), [(0.3, 0.6), (0.9, 0.1), (0.5, 0.5)]),
    "Categorical": ((Categorical(*P), Categorical(*Q)), [((0.2, 0.3, 0.5), (0.4, 0.4, 0.2)),
                                                         ((0.7, 0.2, 0.1), (0.1, 0.2, 0.7))]),
    "Poisson": ((Poisson(l1), Poisson(l2)), [(3.5, 1.25), (0.5, 8.0), (20.0, 20.0)]),
    "Exponential": ((Exponential(r1), Exponential(r2)), [(0.5, 2.0), (3.0, 0.25), (1.0, 1.0)]),
    "Gamma": ((Gamma(a1, be1), Gamma(a2, be2)), [(0.5, 2.0, 3.0, 1.5), (3.0, 1.5, 0.5, 2.0), (7.0, 0.25, 2.0, 1.0)]),
    "Normal || Laplace": ((Normal(m1, s1), Laplace(m2, b2)), [(0.3, 1.2, -1.1, 0.7), (-1.1, 0.7, 0.3, 1.2),
                                                              (2.0, 0.1, 2.0, 3.0)]),
    "Laplace || Normal": ((Laplace(m1, b1), Normal(m2, s2)), [(0.3, 1.2, -1.1, 0.7), (2.0, 0.5, 2.0, 3.0)]),
    "Exponential || Gamma": ((Exponential(r1), Gamma(a2, be2)), [(0.5, 2.0, 3.0), (2.0, 0.5, 0.25)]),
    "Gamma || Exponential": ((Gamma(a1, be1), Exponential(r2)), [(0.5, 2.0, 3.0), (4.0, 0.5, 0.25)]),
}


def _at(pair, values):
    """The pair with numbers for its symbols (in order of appearance), and those numbers as a mapping."""
    symbols = [s for d in pair for s in d.params]
    flat = [v for group in values for v in (group if isinstance(group, tuple) else (group,))]
    mapping = {s: sp.nsimplify(v) for s, v in zip(symbols, flat)}
    return [type(d)(*(v.xreplace(mapping) for v in d.params)) for d in pair], mapping


CLOSED_FORMS = {name: kl(*pair) for name, (pair, _) in PAIRS.items()}


@pytest.mark.parametrize("name, point", [(name, k) for name, (_, points) in PAIRS.items() for k in range(len(points))])
def test_every_closed_form_matches_scipy(name, point):
    pair, points = PAIRS[name]
    (p, q), mapping = _at(pair, points[point])
    assert abs(float(CLOSED_FORMS[name].xreplace(mapping)) - _scipy_kl(p, q)) < 1e-9


@pytest.mark.parametrize("name", ["Bernoulli", "Categorical", "Poisson", "Gamma", "Normal || Laplace"])
def test_numeric_kl_matches_scipy(name):
    pair, points = PAIRS[name]
    (p, q), _ = _at(pair, points[0])
    assert abs(numeric_kl(p, q) - _scipy_kl(p, q)) < 1e-10


def test_normal_against_laplace_needs_no_integral_and_one_ordering_check():
    """The Gaussian's E|x - c| is a table entry of the family, so nothing is integrated symbolically."""
    from lossbook.symbolic import expectation

    derived = expectation(sp.Abs(x - m2), x, Normal(m1, s1))
    assert not derived.has(sp.Integral) and derived.has(sp.erf)


def test_no_closed_form_names_the_term_and_the_numeric_route():
    alpha = sp.Symbol("alpha", positive=True)
    with pytest.raises(NoClosedFormError, match=r"loggamma\(x \+ 1/alpha\).*numeric_kl\(p, q\)") as raised:
        kl(Poisson(l1), NegativeBinomial(l2, alpha))
    assert raised.value.equations == [sp.loggamma(sp.Symbol("x", real=True) + 1 / alpha)]


def test_no_closed_form_is_a_value_error():
    with pytest.raises(ValueError, match="no moments"):
        kl(Cauchy(m1, s1), Normal(m2, s2))


@pytest.mark.parametrize("kl_function", [kl, numeric_kl])
def test_a_support_q_does_not_cover_makes_kl_infinite_and_is_an_error_naming_q(kl_function):
    with pytest.raises(ValueError, match=r"^q: .*misses part of the support.*infinite"):
        kl_function(Normal(0, 1), Exponential(1))


@pytest.mark.parametrize("kl_function", [kl, numeric_kl])
def test_a_mass_against_a_density_is_an_error(kl_function):
    with pytest.raises(ValueError, match="^q: .*continuous"):
        kl_function(Poisson(2), Normal(0, 1))


@pytest.mark.parametrize("kl_function", [kl, numeric_kl])
def test_a_point_without_mass_in_q_makes_kl_infinite(kl_function):
    half, third = sp.Rational(1, 2), sp.Rational(1, 3)
    with pytest.raises(ValueError, match="^q: .*infinite"):
        kl_function(Categorical(third, third, third), Categorical(half, half, 0))


def test_numeric_kl_needs_numbers():
    with pytest.raises(ValueError, match="^p: numeric_kl needs numeric parameters"):
        numeric_kl(Normal(m1, 1), Normal(0, 1))


def test_numeric_kl_of_an_infinite_divergence_is_an_error():
    """E[x^2] is infinite under a Cauchy distribution, and so is its KL divergence from a Gaussian."""
    with pytest.raises(ValueError, match="did not converge"):
        numeric_kl(Cauchy(0, 1), Normal(0, 1))


def test_numeric_kl_has_a_cpu_limit():
    with pytest.raises(TimeoutError, match="numeric_kl"):
        numeric_kl(Cauchy(0, 1), Laplace(0, 1), cpu_seconds=0.001)
