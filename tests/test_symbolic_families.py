"""The families beyond Normal and Laplace: log-densities agree with SciPy, moments with quadrature or sums."""

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy import stats

from lossbook.symbolic import (
    Bernoulli,
    Categorical,
    Cauchy,
    Exponential,
    Gamma,
    GeneralizedNormal,
    MultivariateNormal,
    NegativeBinomial,
    Poisson,
    StudentT,
    ZeroInflatedNegativeBinomial,
    kl,
    numeric_expectation,
)

x = sp.Symbol("x", real=True)
POINTS = [-2.5, -0.3, 0.0, 0.7, 3.1]

CONTINUOUS = {
    "Cauchy": (Cauchy(sp.Rational(1, 2), 2), stats.cauchy(loc=0.5, scale=2)),
    "StudentT": (StudentT(-1, sp.Rational(3, 2), 5), stats.t(df=5, loc=-1, scale=1.5)),
    "GeneralizedNormal": (GeneralizedNormal(0, 2, 3), stats.gennorm(beta=3, loc=0, scale=2)),
    "Gamma": (Gamma(sp.Rational(5, 2), 3), stats.gamma(2.5, scale=1 / 3)),
    "Exponential": (Exponential(sp.Rational(3, 2)), stats.expon(scale=2 / 3)),
}


@pytest.mark.parametrize("ours, theirs", CONTINUOUS.values(), ids=CONTINUOUS.keys())
def test_continuous_log_density_matches_scipy(ours, theirs):
    f = sp.lambdify(x, ours.log_density(x), "mpmath")
    points = [v for v in POINTS if ours.support.contains(v)]
    assert np.allclose([float(f(v)) for v in points], theirs.logpdf(points), rtol=1e-12, atol=1e-12)


DISCRETE = {
    "Poisson": (Poisson(sp.Rational(7, 2)), stats.poisson(3.5).logpmf),
    "NegativeBinomial": (NegativeBinomial(4, sp.Rational(1, 2)), stats.nbinom(2, 2 / (2 + 4)).logpmf),
    "Bernoulli": (Bernoulli(sp.Rational(3, 10)), stats.bernoulli(0.3).logpmf),
}


@pytest.mark.parametrize("ours, theirs", DISCRETE.values(), ids=DISCRETE.keys())
def test_discrete_log_mass_matches_scipy(ours, theirs):
    k = sp.Symbol("k", integer=True, nonnegative=True)
    f = sp.lambdify(k, ours.log_density(k), "mpmath")
    counts = [0, 1] if isinstance(ours, Bernoulli) else [0, 1, 2, 5, 11]
    assert np.allclose([float(f(v)) for v in counts], theirs(counts), rtol=1e-12)


@pytest.mark.parametrize(
    "dist, orders",
    [
        (StudentT(sp.Rational(1, 3), 2, 7), range(5)),
        (GeneralizedNormal(sp.Rational(1, 2), sp.Rational(3, 2), 3), range(5)),
        (GeneralizedNormal(0, 1, 1), range(4)),
        (Gamma(sp.Rational(7, 3), sp.Rational(1, 2)), range(5)),
        (Gamma(sp.Rational(1, 3), 2), range(5)),
        (Exponential(sp.Rational(1, 1000)), range(5)),
    ],
    ids=["StudentT", "GeneralizedNormal p=3", "GeneralizedNormal p=1", "Gamma", "Gamma shape < 1", "Exponential"],
)
def test_continuous_moments_match_quadrature(dist, orders):
    for k in orders:
        expected = numeric_expectation(x**k, x, dist)
        with mpmath.workdps(30):
            got = mpmath.mpf(str(sp.N(dist.raw_moment(k), 30)))
            assert abs(got - expected) < mpmath.mpf("1e-15") * max(1, abs(expected)), k


@pytest.mark.parametrize(
    "dist, orders",
    [
        (Poisson(sp.Rational(5, 2)), range(5)),
        (NegativeBinomial(3, sp.Rational(1, 3)), range(3)),
        (ZeroInflatedNegativeBinomial(sp.Rational(1, 5), 3, sp.Rational(1, 3)), range(3)),
        (Bernoulli(sp.Rational(1, 4)), range(4)),
        (Categorical(sp.Rational(1, 2), sp.Rational(1, 3), sp.Rational(1, 6)), range(4)),
    ],
    ids=["Poisson", "NegativeBinomial", "ZINB", "Bernoulli", "Categorical"],
)
def test_discrete_moments_match_summation(dist, orders):
    k = sp.Symbol("k", integer=True, nonnegative=True)
    for order in orders:
        expected = numeric_expectation(k**order, k, dist)
        with mpmath.workdps(30):
            got = mpmath.mpf(str(sp.N(dist.raw_moment(order), 30)))
            assert abs(got - expected) < mpmath.mpf("1e-12") * max(1, abs(expected)), order


def test_zero_inflation_adds_mass_at_zero():
    k = sp.Symbol("k", integer=True, nonnegative=True)
    plain = sp.exp(NegativeBinomial(3, 1).log_density(k)).subs(k, 0)
    inflated = sp.exp(ZeroInflatedNegativeBinomial(sp.Rational(1, 4), 3, 1).log_density(k)).subs(k, 0)
    assert sp.simplify(inflated - (sp.Rational(1, 4) + sp.Rational(3, 4) * plain)) == 0


def test_cauchy_has_no_mean():
    with pytest.raises(ValueError, match="no moments"):
        Cauchy(0, 1).raw_moment(1)


def test_student_t_variance_needs_more_than_two_degrees_of_freedom():
    with pytest.raises(ValueError, match="nu > 2"):
        StudentT(0, 1, 2).raw_moment(2)


@pytest.mark.parametrize(
    "make, argument",
    [
        (lambda: Bernoulli(sp.Rational(3, 2)), "p"),
        (lambda: Categorical(sp.Rational(1, 2), sp.Rational(1, 3)), "probabilities"),
        (lambda: Categorical(1), "probabilities"),
        (lambda: Poisson(0), "rate"),
        (lambda: NegativeBinomial(2, -1), "alpha"),
        (lambda: ZeroInflatedNegativeBinomial(2, 1, 1), "pi"),
        (lambda: StudentT(0, 1, 0), "nu"),
        (lambda: GeneralizedNormal(0, 1, -2), "p"),
        (lambda: Cauchy(0, 0), "gamma"),
        (lambda: Gamma(0, 1), "alpha"),
        (lambda: Gamma(2, sp.Symbol("b", real=True)), "beta"),
        (lambda: Exponential(-2), "rate"),
    ],
)
def test_bad_parameters_are_value_errors_naming_the_argument(make, argument):
    with pytest.raises(ValueError, match=f"^{argument}"):
        make()


def test_multivariate_normal_kl_matches_numpy():
    d = sp.Symbol("d", integer=True, positive=True)
    names = {"m": (d, 1), "n": (d, 1), "S": (d, d), "T": (d, d)}
    m, n, s, t = (sp.MatrixSymbol(name, *shape) for name, shape in names.items())
    divergence = kl(MultivariateNormal(m, s), MultivariateNormal(n, t))
    values = {
        "m": np.array([[1.0], [2.0]]),
        "n": np.array([[0.0], [-1.0]]),
        "S": np.array([[2.0, 0.5], [0.5, 1.0]]),
        "T": np.array([[1.0, 0.2], [0.2, 3.0]]),
    }
    concrete = divergence.subs(d, 2).subs(
        {sp.MatrixSymbol(k, *v.shape): sp.Matrix(v) for k, v in values.items()}
    ).doit()
    gap = (values["m"] - values["n"]).ravel()
    tinv = np.linalg.inv(values["T"])
    expected = 0.5 * (
        np.trace(tinv @ values["S"]) + gap @ tinv @ gap - 2 + np.log(np.linalg.det(values["T"]) / np.linalg.det(values["S"]))
    )
    assert abs(float(concrete) - expected) < 1e-12


def test_multivariate_normal_shapes_must_fit():
    d = sp.Symbol("d", integer=True, positive=True)
    with pytest.raises(ValueError, match="covariance"):
        MultivariateNormal(sp.MatrixSymbol("m", d, 1), sp.MatrixSymbol("S", d, 2))


@pytest.mark.parametrize("shape", [sp.Rational(1, 3), sp.Rational(7, 3)], ids=["infinite density at 0", "bounded density"])
@pytest.mark.parametrize(
    "integrand, closed",
    [
        (lambda t: sp.log(t), lambda a, b: mpmath.digamma(a) - mpmath.log(b)),
        (lambda t: sp.Abs(t - 1), lambda a, b: a / b - 1 + 2 * mpmath.gammainc(a, 0, b, regularized=True) - 2 * _gamma_partial_mean(a, b)),
    ],
    ids=["log x", "|x - 1|"],
)
def test_gamma_expectations_keep_full_precision(shape, integrand, closed):
    """Quadrature against a gamma density is accurate to 25 digits even where the density is infinite at 0."""
    t = sp.Symbol("t", positive=True)
    got = numeric_expectation(integrand(t), t, Gamma(shape, 2))
    with mpmath.workdps(30):
        expected = closed(mpmath.mpf(shape.p) / shape.q, mpmath.mpf(2))
        assert abs(got - expected) < mpmath.mpf("1e-20") * max(1, abs(expected))


def _gamma_partial_mean(a, b):
    """E[x; x < 1] for x ~ Gamma(a, b): (a / b) P(a + 1, b), with P the regularised lower incomplete gamma."""
    return a / b * mpmath.gammainc(a + 1, 0, b, regularized=True)


def test_gamma_expectation_of_log_is_the_digamma_function():
    a, b = sp.symbols("alpha beta", positive=True)
    t = sp.Symbol("t", positive=True)
    from lossbook.symbolic import expectation

    assert expectation(sp.log(t), t, Gamma(a, b)) == sp.digamma(a) - sp.log(b)
