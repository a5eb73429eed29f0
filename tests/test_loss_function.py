"""loss_function: a numeric negative log-likelihood generated from a family's symbolic log-density.

Oracles: scipy.stats' ``logpdf`` / ``logpmf`` for every family it has (the shipped ones and the four families a
reader writes below), and mpmath at 50 digits where SciPy itself is inaccurate (each such case says so and why).
lossbook.numeric's hand-written losses are checked against the generated ones, and the generated ones against
lossbook.numeric's conventions (reduction, sample_weight, shapes, dtypes, masks, errors).
"""

from __future__ import annotations

import inspect
import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from reader_families import LogNormal as ReaderLogNormal  # no shipped family is called LogNormal
from scipy import stats

from lossbook import numeric, symbolic
from lossbook.symbolic import (
    Bernoulli,
    Categorical,
    Cauchy,
    Distribution,
    Gamma,
    GeneralizedNormal,
    Laplace,
    NegativeBinomial,
    Normal,
    Poisson,
    StudentT,
    ZeroInflatedNegativeBinomial,
    latex,
    loss_function,
)

Exponential = getattr(symbolic, "Exponential", None)  # shipped with issue 15's KL work; tested once it is there

mpmath.mp.dps = 50
M = mpmath.mpf
TOLERANCE = {"rtol": 1e-12, "atol": 1e-12}  # relative, or absolute near 0


# -- families a reader writes (about ten lines each) -------------------------------------------------------------------
# Their class names are not the plain family names: Distribution registers every subclass under its class name,
# and other tests look names up in that registry. The `name` attribute is what the reader sees.


class ReaderGumbel(Distribution):
    name = "Gumbel"
    param_names = ("mu", "beta")

    def log_density_terms(self, x):
        mu, beta = self.params
        z = (x - mu) / beta
        return [-sp.log(beta), -z, -sp.exp(-z)]

    @property
    def support(self):
        return sp.Reals


class ReaderWeibull(Distribution):
    name = "Weibull"
    param_names = ("k", "lambda")  # "lambda" is a Python keyword: the loss's argument is lambda_

    def log_density_terms(self, x):
        k, lam = self.params
        return [sp.log(k / lam), (k - 1) * sp.log(x / lam), -((x / lam) ** k)]

    @property
    def support(self):
        return sp.Interval(0, sp.oo)


class ReaderLogistic(Distribution):
    name = "Logistic"
    param_names = ("mu", "s")

    def log_density_terms(self, x):
        mu, s = self.params
        z = (x - mu) / s
        return [-z, -sp.log(s), -2 * sp.log(1 + sp.exp(-z))]

    @property
    def support(self):
        return sp.Reals


class ReaderSkewNormal(Distribution):
    name = "SkewNormal"
    param_names = ("xi", "omega", "alpha")

    def log_density_terms(self, x):
        xi, omega, alpha = self.params
        z = (x - xi) / omega
        phi = -(z**2) / 2 - sp.log(2 * sp.pi) / 2  # log of the standard normal density at z
        return [sp.log(2 / omega), phi, sp.log((1 + sp.erf(alpha * z / sp.sqrt(2))) / 2)]

    @property
    def support(self):
        return sp.Reals


class ReaderAsymmetricLaplace(Distribution):
    """A log-density in two pieces."""

    name = "AsymmetricLaplace"
    param_names = ("m", "lam", "kappa")

    def log_density_terms(self, x):
        m, lam, kappa = self.params
        return [
            sp.log(lam) - sp.log(kappa + 1 / kappa),
            sp.Piecewise((-lam * kappa * (x - m), x >= m), (lam / kappa * (x - m), True)),
        ]

    @property
    def support(self):
        return sp.Reals


class ReaderShiftedExponential(Distribution):
    """A support that depends on a parameter: [loc, inf)."""

    name = "ShiftedExponential"
    param_names = ("loc", "rate")

    def log_density_terms(self, x):
        loc, rate = self.params
        return [sp.log(rate), -rate * (x - loc)]

    @property
    def support(self):
        return sp.Interval(self.params[0], sp.oo)


# -- the families, their SciPy oracles and ordinary data ---------------------------------------------------------------


def _uniform(rng, low, high, n):
    return rng.uniform(low, high, n)


# id: (family, -logpdf from scipy taking (y, *params), ordinary draw (rng, n) -> (y, params))
FAMILIES = {
    "Normal": (
        Normal, lambda y, m, s: -stats.norm.logpdf(y, m, s),
        lambda rng, n: (rng.normal(0, 3, n), (rng.normal(0, 2, n), _uniform(rng, 0.1, 5, n))),
    ),
    "Laplace": (
        Laplace, lambda y, m, b: -stats.laplace.logpdf(y, m, b),
        lambda rng, n: (rng.normal(0, 3, n), (rng.normal(0, 2, n), _uniform(rng, 0.1, 5, n))),
    ),
    "Cauchy": (
        Cauchy, lambda y, m, g: -stats.cauchy.logpdf(y, m, g),
        lambda rng, n: (rng.standard_cauchy(n), (rng.normal(0, 2, n), _uniform(rng, 0.1, 5, n))),
    ),
    "StudentT": (
        StudentT, lambda y, m, s, nu: -stats.t.logpdf(y, nu, m, s),
        lambda rng, n: (
            rng.standard_t(3, n), (rng.normal(0, 2, n), _uniform(rng, 0.1, 5, n), _uniform(rng, 0.5, 30, n))
        ),
    ),
    "Gamma": (
        Gamma, lambda y, a, b: -stats.gamma.logpdf(y, a, scale=1 / b),
        lambda rng, n: (rng.gamma(2.0, 1.0, n), (_uniform(rng, 0.2, 40, n), _uniform(rng, 0.1, 5, n))),
    ),
    "Bernoulli": (
        Bernoulli, lambda y, p: -stats.bernoulli.logpmf(y, p),
        lambda rng, n: (rng.integers(0, 2, n), (_uniform(rng, 0, 1, n),)),
    ),
    "Poisson": (
        Poisson, lambda y, rate: -stats.poisson.logpmf(y, rate),
        lambda rng, n: (rng.poisson(8.0, n), (_uniform(rng, 0.1, 30, n),)),
    ),
    "NegativeBinomial": (  # scipy's nbinom with n = 1/alpha, p = 1/(1 + alpha mu)
        NegativeBinomial, lambda y, m, a: -stats.nbinom.logpmf(y, 1 / a, 1 / (1 + a * m)),
        lambda rng, n: (rng.poisson(5.0, n), (_uniform(rng, 0.1, 30, n), _uniform(rng, 0.01, 3, n))),
    ),
    "GeneralizedNormal": (  # scipy's gennorm with beta = p, scale = alpha
        GeneralizedNormal, lambda y, m, a, p: -stats.gennorm.logpdf(y, p, m, a),
        lambda rng, n: (rng.normal(0, 3, n), (rng.normal(0, 2, n), _uniform(rng, 0.1, 5, n), _uniform(rng, 0.3, 8, n))),
    ),
    "Gumbel": (
        ReaderGumbel, lambda y, m, b: -stats.gumbel_r.logpdf(y, m, b),
        lambda rng, n: (rng.gumbel(0, 2, n), (rng.normal(0, 2, n), _uniform(rng, 0.1, 5, n))),
    ),
    "Weibull": (
        ReaderWeibull, lambda y, k, lam: -stats.weibull_min.logpdf(y, k, scale=lam),
        lambda rng, n: (rng.weibull(1.5, n), (_uniform(rng, 0.3, 5, n), _uniform(rng, 0.1, 5, n))),
    ),
    "Logistic": (
        ReaderLogistic, lambda y, m, s: -stats.logistic.logpdf(y, m, s),
        lambda rng, n: (rng.logistic(0, 2, n), (rng.normal(0, 2, n), _uniform(rng, 0.1, 5, n))),
    ),
    "LogNormal": (
        ReaderLogNormal, lambda y, m, s: -stats.lognorm.logpdf(y, s, scale=np.exp(m)),
        lambda rng, n: (rng.lognormal(0, 1, n), (rng.normal(0, 2, n), _uniform(rng, 0.1, 5, n))),
    ),
    "SkewNormal": (
        ReaderSkewNormal, lambda y, xi, omega, alpha: -stats.skewnorm.logpdf(y, alpha, xi, omega),
        lambda rng, n: (rng.normal(0, 3, n), (rng.normal(0, 2, n), _uniform(rng, 0.1, 5, n), rng.normal(0, 5, n))),
    ),
    "AsymmetricLaplace": (  # scipy's laplace_asymmetric with scale = 1/lam
        ReaderAsymmetricLaplace, lambda y, m, lam, kappa: -stats.laplace_asymmetric.logpdf(y, kappa, m, 1 / lam),
        lambda rng, n: (
            rng.laplace(0, 3, n), (rng.normal(0, 2, n), _uniform(rng, 0.1, 5, n), _uniform(rng, 0.2, 5, n))
        ),
    ),
    "ShiftedExponential": (
        ReaderShiftedExponential, lambda y, loc, rate: -stats.expon.logpdf(y, loc, 1 / rate),
        lambda rng, n: (lambda loc: (loc + rng.exponential(2.0, n), (loc, _uniform(rng, 0.1, 5, n))))(
            rng.normal(0, 3, n)
        ),
    ),
}
if Exponential is not None:
    FAMILIES["Exponential"] = (
        Exponential, lambda y, rate: -stats.expon.logpdf(y, scale=1 / rate),
        lambda rng, n: (rng.exponential(2.0, n), (_uniform(rng, 0.1, 5, n),)),
    )


@pytest.mark.parametrize("family", list(FAMILIES))
def test_agrees_with_scipy_on_ordinary_data(family):
    dist, reference, draw = FAMILIES[family]
    y, params = draw(np.random.default_rng(list(FAMILIES).index(family)), 400)
    np.testing.assert_allclose(loss_function(dist)(y, *params, reduction="none"), reference(y, *params), **TOLERANCE)


# -- extreme data and parameters -----------------------------------------------------------------------------------


def mp_normal(y, m, s):
    return mpmath.log(s) + mpmath.log(2 * mpmath.pi) / 2 + ((y - m) / s) ** 2 / 2


def mp_laplace(y, m, b):
    return mpmath.log(2 * b) + abs(y - m) / b


def mp_cauchy(y, m, g):
    return mpmath.log(mpmath.pi * g) + mpmath.log1p(((y - m) / g) ** 2)


def mp_student_t(y, m, s, nu):
    return (
        mpmath.loggamma(nu / 2) - mpmath.loggamma((nu + 1) / 2) + mpmath.log(mpmath.sqrt(nu * mpmath.pi) * s)
        + (nu + 1) / 2 * mpmath.log1p(((y - m) / s) ** 2 / nu)
    )


def mp_poisson(k, rate):
    return rate - k * mpmath.log(rate) + mpmath.loggamma(k + 1)


def mp_negative_binomial(k, m, a):
    r = 1 / a
    return -(
        mpmath.loggamma(k + r) - mpmath.loggamma(r) - mpmath.loggamma(k + 1) + r * mpmath.log(r / (r + m))
        + k * mpmath.log(m / (r + m))
    )


def mp_gamma(y, a, b):
    return -(a * mpmath.log(b) - mpmath.loggamma(a) + (a - 1) * mpmath.log(y) - b * y)


def mp_generalized_normal(y, m, a, p):
    return mpmath.log(2 * a * mpmath.gamma(1 / p) / p) + (abs(y - m) / a) ** p


def mp_weibull(y, k, lam):
    return -(mpmath.log(k / lam) + (k - 1) * mpmath.log(y / lam) - (y / lam) ** k)


# (family, point, oracle, why this point): the oracle is "scipy", or an mpmath formula where SciPy is inaccurate
EXTREMES = [
    ("Normal", (1e200, 0.0, 1e190), "scipy", "(y - mu)**2 alone overflows"),
    ("Normal", (1e-300, 0.0, 1e-300), "scipy", "a tiny scale"),
    ("Laplace", (1e-290, 0.0, 1e-300), mp_laplace, "a tiny scale: SciPy gives -inf"),
    ("Cauchy", (1e200, 0.0, 1.0), "scipy", "the square of the residual overflows"),
    ("Cauchy", (-1e300, 1e300, 1e-10), mp_cauchy, "even (y - mu)/gamma overflows; SciPy gives -inf"),
    ("Cauchy", (1e-200, 0.0, 1.0), "scipy", "log1p of an underflowing square"),
    ("StudentT", (1e200, 0.0, 1.0, 3.0), mp_student_t, "SciPy's square overflows to -inf"),
    ("StudentT", (1.0, 0.0, 1.0, 1e16), "scipy", "log-gammas of 5e15 cancel"),
    ("StudentT", (0.5, 0.0, 1.0, 1e-3), "scipy", "a tiny df"),
    ("Gamma", (1e-300, 0.5, 1.0), "scipy", "y next to the open end"),
    ("Gamma", (1e300, 2.0, 1e-300), "scipy", "huge y, tiny rate"),
    ("Gamma", (1.0, 1e-8, 1.0), "scipy", "a tiny shape"),
    ("Gamma", (1e6, 1e6, 1.0), mp_gamma, "shape 1e6: SciPy's log-gamma and log terms cancel"),
    ("Bernoulli", (0, 1e-300), "scipy", "p = 1e-300: the loss is 1e-300 (log1p)"),
    ("Bernoulli", (1, 1e-300), "scipy", "p = 1e-300 on the label 1"),
    ("Bernoulli", (0, 0.0), "scipy", "0 log 0 = 0"),
    ("Bernoulli", (1, 1 - 2**-53), "scipy", "p next to 1"),
    ("Poisson", (1e8 + 1e4, 1e8), mp_poisson, "large rate: SciPy's terms of size 2e9 cancel to 10"),
    ("Poisson", (1e15, 1e15), mp_poisson, "rate 1e15: SciPy is 12 % off"),
    ("Poisson", (0, 1e-300), "scipy", "a tiny rate"),
    ("Poisson", (10**6, 1e-3), "scipy", "a count far above its rate"),
    ("NegativeBinomial", (3, 3.0, 1e-12), mp_negative_binomial, "the Poisson limit: SciPy's log-gammas cancel"),
    ("NegativeBinomial", (100, 100.0, 1e-10), mp_negative_binomial, "the Poisson limit, a larger count"),
    ("NegativeBinomial", (0, 1e10, 5.0), "scipy", "a huge mean"),
    ("NegativeBinomial", (50, 2.0, 1e5), "scipy", "a huge dispersion"),
    ("GeneralizedNormal", (1e300, 0.0, 1e-300, 0.5), mp_generalized_normal, "|y - mu|/alpha overflows"),
    ("GeneralizedNormal", (0.5, 0.0, 1.0, 50.0), "scipy", "a large shape"),
    ("GeneralizedNormal", (1.0, 0.0, 1.0, 0.02), "scipy", "a tiny shape: Gamma(50) in the constant"),
    ("Gumbel", (-50.0, 0.0, 1.0), "scipy", "z = -50: the density exp(-z - e^-z) underflows"),
    ("Gumbel", (-700.0, 0.0, 1.0), "scipy", "z = -700: e^-z is 1e304"),
    ("Gumbel", (700.0, 0.0, 1.0), "scipy", "z = 700"),
    ("Weibull", (1e300, 0.5, 1e-300), mp_weibull, "y/lambda overflows, its square root does not"),
    ("Weibull", (0.0, 1.0, 2.0), "scipy", "y = 0 with k = 1: 0 log 0 = 0"),
    ("Weibull", (1e-300, 2.0, 1.0), "scipy", "y next to 0"),
    ("Logistic", (800.0, 0.0, 1.0), "scipy", "e^-z underflows"),
    ("Logistic", (-800.0, 0.0, 1.0), "scipy", "e^-z overflows"),
    ("LogNormal", (1e-300, 0.0, 1.0), "scipy", "tiny y"),
    ("LogNormal", (1e300, 0.0, 1.0), "scipy", "huge y"),
    ("SkewNormal", (-30.0, 0.5, 1.5, 4.0), "scipy", "1 + erf(alpha z / sqrt 2) is 1e-700: log_ndtr"),
    ("SkewNormal", (40.0, 0.5, 1.5, -4.0), "scipy", "the other tail"),
]

if Exponential is not None:
    EXTREMES += [
        ("Exponential", (1e300, 1e-300), "scipy", "huge y, tiny rate"),
        ("Exponential", (0.0, 1e300), "scipy", "a huge rate: the loss is -log(1e300)"),
    ]


def scipy_value(family, point):
    with np.errstate(all="ignore"):
        return float(FAMILIES[family][1](*point))


def exact_value(formula, point):
    return float(formula(*(M(v) for v in point)))


@pytest.mark.parametrize(
    "family, point, oracle, why", EXTREMES, ids=[f"{case[0]}: {case[3]}" for case in EXTREMES]
)
def test_agrees_at_extremes(family, point, oracle, why):
    ours = loss_function(FAMILIES[family][0])(*point)
    expected = scipy_value(family, point) if oracle == "scipy" else exact_value(oracle, point)
    np.testing.assert_allclose(ours, expected, **TOLERANCE)


def test_scipy_is_inaccurate_where_mpmath_is_the_oracle():
    """Each mpmath case above is there because SciPy misses the tolerance there (a better SciPy would show here)."""
    for family, point, oracle, why in EXTREMES:
        if oracle != "scipy":
            theirs, exact = scipy_value(family, point), exact_value(oracle, point)
            assert not math.isclose(theirs, exact, rel_tol=1e-12, abs_tol=1e-12), (family, point, why)


# -- property tests: any parameters, against SciPy or mpmath -----------------------------------------------------------

magnitudes = st.floats(-30, 30)  # decimal exponents


@settings(max_examples=80)
@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), magnitudes)
def test_gumbel_agrees_with_scipy_wherever_it_is_finite(y, mu, log_beta):
    beta = 10.0**log_beta
    z = (y - mu) / beta
    if z < -700:  # e^-z overflows float64: the loss is not a float64 number
        return
    loss = loss_function(ReaderGumbel)
    np.testing.assert_allclose(loss(y, mu, beta), -stats.gumbel_r.logpdf(y, mu, beta), **TOLERANCE)


@settings(max_examples=60)
@given(st.floats(-300, 300), st.floats(-1, 1), magnitudes)
def test_cauchy_agrees_with_mpmath_for_residuals_of_any_size(log_residual, mu, log_gamma):
    """mpmath: SciPy's log1p(x**2) overflows to -inf from |x| = 1e154 on."""
    gamma = 10.0**log_gamma
    y = mu + 10.0**log_residual
    exact = float(mp_cauchy(M(y), M(mu), M(gamma)))
    np.testing.assert_allclose(loss_function(Cauchy)(y, mu, gamma), exact, **TOLERANCE)


@settings(max_examples=60)
@given(st.floats(0, 12), st.floats(-2, 2))
def test_poisson_agrees_with_mpmath_for_counts_up_to_a_trillion(log_count, log_ratio):
    """mpmath: SciPy's log-mass loses digits in proportion to the count (1e-9 relative at 1e8)."""
    k = float(np.floor(10.0**log_count))
    rate = k * 10.0**log_ratio if k > 0 else 10.0**log_ratio
    exact = float(mp_poisson(M(k), M(rate)))
    np.testing.assert_allclose(loss_function(Poisson)(k, rate), exact, **TOLERANCE)


@settings(max_examples=60)
@given(st.integers(0, 200), st.floats(-1, 3), st.floats(-12, 1))
def test_negative_binomial_agrees_with_mpmath_down_to_the_poisson_limit(k, log_mean, log_alpha):
    """mpmath: SciPy's log-gammas of 1/alpha cancel as alpha goes to 0."""
    mu, alpha = 10.0**log_mean, 10.0**log_alpha
    exact = float(mp_negative_binomial(M(k), M(mu), M(alpha)))
    np.testing.assert_allclose(loss_function(NegativeBinomial)(k, mu, alpha), exact, **TOLERANCE)


@settings(max_examples=60)
@given(st.integers(0, 1), st.floats(-300, -1e-15))  # p up to 1 - 2e-15 (p = 1 on the label 0 is refused, below)
def test_bernoulli_agrees_with_scipy_for_probabilities_down_to_1e300(y, log_p):
    p = 10.0**log_p
    np.testing.assert_allclose(loss_function(Bernoulli)(y, p), -stats.bernoulli.logpmf(y, p), **TOLERANCE)


@settings(max_examples=40)
@given(st.floats(-3, 3), st.floats(-1, 1), st.floats(-2, 2))
def test_float32_in_is_float32_out_and_within_float32_rounding(y, mu, log_s):
    s = 10.0**log_s
    loss = loss_function(ReaderLogistic)
    single = loss(np.array([y], np.float32), np.float32(mu), np.float32(s))
    assert type(single) is np.float32
    assert math.isclose(single, loss(y, mu, s), rel_tol=1e-5, abs_tol=1e-6)


# -- lossbook.numeric's hand-written losses against the generated ones -------------------------------------------------

# lossbook.numeric's likelihood losses are the full negative log-densities, constants included (its losses.py
# docstring), so the generated loss differs from each by the constant 0: the test says so explicitly.
CATEGORICAL = Categorical(*sp.symbols("p0:3", nonnegative=True))
ZINB = ZeroInflatedNegativeBinomial(sp.Symbol("pi", nonnegative=True), *sp.symbols("mu alpha", positive=True))
HAND_WRITTEN = {
    "gaussian_nll": (Normal, numeric.gaussian_nll, 0.0),
    "laplace_nll": (Laplace, numeric.laplace_nll, 0.0),
    "cauchy_nll": (Cauchy, numeric.cauchy_nll, 0.0),
    "student_t_nll": (StudentT, numeric.student_t_nll, 0.0),
    "generalized_normal_nll": (GeneralizedNormal, numeric.generalized_normal_nll, 0.0),
    "poisson_nll": (Poisson, numeric.poisson_nll, 0.0),
    "negative_binomial_nll": (NegativeBinomial, numeric.negative_binomial_nll, 0.0),
    "binary_cross_entropy": (Bernoulli, numeric.binary_cross_entropy, 0.0),
    "zero_inflated_negative_binomial_nll": (ZINB, numeric.zero_inflated_negative_binomial_nll, 0.0),
}


def ordinary_arguments(dist, rng, n):
    """Data and parameters for a family of HAND_WRITTEN, from FAMILIES where it is there."""
    if dist is ZINB:
        return rng.poisson(2.0, n), (rng.uniform(0, 0.9, n), rng.uniform(0.1, 10, n), rng.uniform(0.05, 3, n))
    family = next(k for k, v in FAMILIES.items() if v[0] is dist)
    return FAMILIES[family][2](rng, n)


@pytest.mark.parametrize("reduction", ["none", "mean"])
@pytest.mark.parametrize("loss_name", list(HAND_WRITTEN))
def test_hand_written_losses_equal_the_generated_ones_up_to_their_constant(loss_name, reduction):
    dist, hand_written, constant = HAND_WRITTEN[loss_name]
    y, params = ordinary_arguments(dist, np.random.default_rng(7), 300)
    generated = loss_function(dist)(y, *params, reduction=reduction)
    np.testing.assert_allclose(generated - hand_written(y, *params, reduction=reduction), constant, atol=1e-12)


def test_cross_entropy_of_log_probabilities_is_the_categorical_loss():
    rng = np.random.default_rng(3)
    probabilities = rng.dirichlet(np.ones(3), size=200)
    labels = rng.integers(0, 3, 200)
    generated = loss_function(CATEGORICAL)(labels, *probabilities.T, reduction="none")
    hand_written = numeric.cross_entropy(labels, np.log(probabilities), reduction="none")
    np.testing.assert_allclose(generated - hand_written, 0.0, atol=1e-12)


# -- the conventions of lossbook.numeric -------------------------------------------------------------------------------


@pytest.fixture
def gumbel():
    return loss_function(ReaderGumbel)


def test_mean_and_sum_reduce_the_per_observation_losses(gumbel):
    y = np.linspace(-2, 5, 11)
    each = gumbel(y, 0.5, 2.0, reduction="none")
    assert each.shape == y.shape
    assert math.isclose(gumbel(y, 0.5, 2.0, reduction="sum"), each.sum(), rel_tol=1e-15)
    assert math.isclose(gumbel(y, 0.5, 2.0), each.mean(), rel_tol=1e-15)
    assert type(gumbel(y, 0.5, 2.0)) is float


def test_sample_weight_gives_scikit_learns_weighted_mean(gumbel):
    y, w = np.linspace(-2, 5, 11), np.linspace(0, 3, 11)
    each = gumbel(y, 0.5, 2.0, reduction="none")
    assert math.isclose(gumbel(y, 0.5, 2.0, sample_weight=w), np.average(each, weights=w), rel_tol=1e-14)
    assert math.isclose(gumbel(y, 0.5, 2.0, sample_weight=w, reduction="sum"), each @ w, rel_tol=1e-14)
    np.testing.assert_allclose(gumbel(y, 0.5, 2.0, sample_weight=w, reduction="none"), each * w, rtol=1e-15)


@settings(max_examples=30)
@given(st.lists(st.floats(-5, 5), min_size=1, max_size=8), st.integers(0, 7))
def test_an_observation_of_weight_two_counts_twice(y, which):
    which %= len(y)
    loss = loss_function(ReaderLogistic)
    weights = np.ones(len(y))
    weights[which] = 2.0
    twice = loss(np.append(y, y[which]), 0.3, 1.5)
    assert math.isclose(loss(y, 0.3, 1.5, sample_weight=weights), twice, rel_tol=1e-13, abs_tol=1e-13)


def test_parameters_broadcast_against_the_data(gumbel):
    y = np.arange(12.0).reshape(4, 3)
    per_column = np.array([0.0, 1.0, 2.0])
    expected = np.column_stack([gumbel(y[:, j], per_column[j], 2.0, reduction="none") for j in range(3)])
    np.testing.assert_array_equal(gumbel(y, per_column, 2.0, reduction="none"), expected)


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.zeros(3), np.zeros(4), 1.0), r"^mu: shape \(4,\) does not broadcast to the shape \(3,\) of y"),
        ((0.0, np.zeros(4), 1.0), r"^mu: shape \(4,\) does not broadcast to the shape \(\) of y"),  # never enlarged
        ((np.zeros((2, 3)), 0.0, np.ones((3, 1))), r"^beta: shape \(3, 1\) does not broadcast"),
    ],
)
def test_shapes_that_do_not_fit_are_refused(gumbel, args, message):
    with pytest.raises(ValueError, match=message):
        gumbel(*args)


def test_masked_elements_are_left_out_like_weight_zero(gumbel):
    y = np.ma.array([0.5, np.nan, 2.0], mask=[False, True, False])
    assert math.isclose(gumbel(y, 0.0, 1.0), gumbel([0.5, 9.0, 2.0], 0.0, 1.0, sample_weight=[1, 0, 1]))
    each = gumbel(y, 0.0, 1.0, reduction="none")
    assert isinstance(each, np.ma.MaskedArray) and each.mask.tolist() == [False, True, False]


def test_integers_become_float64_and_float32_stays_float32(gumbel):
    assert type(gumbel([1, 2], 0, 1)) is float
    assert gumbel(np.array([1.0, 2.0], np.float32), 0.0, 1.0, reduction="none").dtype == np.float32
    assert type(loss_function(Poisson)(np.array([1, 2]), np.float32(2.0))) is np.float32


# (family, arguments, keywords, message)
BAD_INPUT = [
    ("Gumbel", ([1.0, np.nan], 0.0, 1.0), {}, r"^y: must be finite, got 1 NaN"),
    ("Gumbel", ([1.0], np.inf, 1.0), {}, r"^mu: must be finite, got 0 NaN and 1 infinite"),
    ("Gumbel", ([1.0], 0.0, -1.0), {}, r"^beta: must be positive, got min -1.0"),  # log(beta) in the log-density
    ("Gumbel", ([1.0], 0.0, 1.0), {"reduction": "avg"}, r"^reduction: must be 'mean', 'sum' or 'none'"),
    ("Gumbel", ("one", 0.0, 1.0), {}, r"^y: must be numeric"),
    ("Gumbel", ([], 0.0, 1.0), {}, r"^y: must not be empty"),
    ("Normal", ([1.0], 0.0, 0.0), {}, r"^sigma: must be positive, got min 0.0"),  # Normal's own validation
    ("Bernoulli", ([1], 1.5), {}, r"^p: must be a probability in \[0, 1\], got min 1.5"),
    ("Bernoulli", ([2], 0.5), {}, r"^y: must lie in the support \{0, 1\} of Bernoulli, got max 2.0"),
    ("Bernoulli", ([0.5], 0.5), {}, r"^y: must be integers \(the support \{0, 1\} of Bernoulli\), got 0.5"),
    ("Poisson", ([-1], 1.0), {}, r"^y: must lie in the support \{0, 1, 2, ...\} of Poisson, got min -1.0"),
    ("Poisson", ([2], 0.0), {}, r"^rate: must be positive, got min 0.0"),
    ("Gamma", ([0.0], 2.0, 1.0), {}, r"^y: must lie in the support \(0, inf\) of Gamma, got min 0.0"),
    ("Weibull", ([-1.0], 2.0, 1.0), {}, r"^y: must lie in the support \[0, inf\) of Weibull, got min -1.0"),
    ("Weibull", ([1.0], 2.0, -1.0), {}, r"^lambda: must be positive, got min -1.0"),
    ("ShiftedExponential", ([0.5, 1.0], 0.8, 1.0), {},
     r"^y: must lie in the support \[loc, inf\) .* got y = 0.5 where loc = 0.8"),
]


@pytest.mark.parametrize(
    "family, args, keywords, message", BAD_INPUT, ids=[f"{case[0]}-{case[3][1:].split(':')[0]}" for case in BAD_INPUT]
)
def test_bad_input_raises_a_value_error_naming_the_argument(family, args, keywords, message):
    with pytest.raises(ValueError, match=message):
        loss_function(FAMILIES[family][0])(*args, **keywords)


def test_weights_are_checked_like_lossbook_numeric(gumbel):
    with pytest.raises(ValueError, match=r"^sample_weight: must be non-negative"):
        gumbel([0.0, 1.0], 0.0, 1.0, sample_weight=[1.0, -1.0])
    with pytest.raises(ValueError, match=r"^sample_weight: the weights are all zero"):
        gumbel([0.0, 1.0], 0.0, 1.0, sample_weight=[0.0, 0.0])


def test_zero_probability_is_an_error_not_an_infinite_loss():
    with pytest.raises(ValueError, match=r"^y, p: y has zero probability under Bernoulli at index \(0,\)"):
        loss_function(Bernoulli)([1, 0], [0.0, 0.5])
    assert loss_function(Bernoulli)([0, 1], [0.0, 1.0]) == 0.0  # certain and right: 0 log 0 = 0


def test_an_infinite_density_is_an_error_not_minus_infinity():
    with pytest.raises(ValueError, match=r"^y, k, lambda: the density of Weibull is infinite at index \(0,\)"):
        loss_function(ReaderWeibull)([0.0], 0.5, 1.0)


def test_a_loss_beyond_float64_is_an_overflow_error(gumbel):
    with pytest.raises(ValueError, match=r"^y, mu, beta: the loss overflows float64 .* its value is 2.72637e\+347"):
        gumbel([-800.0], 0.0, 1.0)


class ReaderHyperbolicSecant(Distribution):
    """No rule rewrites log(cosh(u)): cosh overflows from |u| = 710 on, the loss there does not."""

    param_names = ("s",)

    def log_density_terms(self, x):
        (s,) = self.params
        return [-sp.log(2 * s), -sp.log(sp.cosh(sp.pi * x / (2 * s)))]

    @property
    def support(self):
        return sp.Reals


def test_a_finite_loss_the_formula_loses_to_rounding_is_an_error_that_says_so():
    loss = loss_function(ReaderHyperbolicSecant)
    np.testing.assert_allclose(loss(1.0, 1.0), -stats.hypsecant.logpdf(1.0, scale=2 / np.pi), **TOLERANCE)
    with pytest.raises(ValueError, match=r"^y, s: the loss is 1570.80 at index \(\) .* loses it to rounding"):
        loss(1000.0, 1.0)


def test_a_float32_overflow_advises_float64(gumbel):
    with pytest.raises(ValueError, match=r"overflows float32 .* pass float64 arrays"):
        gumbel(np.array([-100.0], np.float32), 0.0, 1.0)
    assert math.isclose(gumbel(-100.0, 0.0, 1.0), math.exp(100) - 100, rel_tol=1e-15)


# -- parameters: their ranges come from the family's validation and from the formula ----------------------------------


def test_a_location_of_any_sign_is_accepted_where_the_family_does_not_restrict_it(gumbel):
    np.testing.assert_allclose(gumbel(-3.0, -5.0, 2.0), -stats.gumbel_r.logpdf(-3.0, -5.0, 2.0), **TOLERANCE)


def test_an_instance_keeps_its_own_symbols_and_their_assumptions():
    m, s = sp.Symbol("m", real=True), sp.Symbol("s", positive=True)
    loss = loss_function(Normal(m, s))
    assert loss.expression.free_symbols == {m, s, loss.symbols[0]}
    assert math.isclose(loss(1.0, 0.0, 2.0), numeric.gaussian_nll(1.0, 0.0, 2.0), rel_tol=1e-15)
    positive_location = loss_function(Normal(sp.Symbol("m", positive=True), s))
    with pytest.raises(ValueError, match=r"^mu: must be positive, got min -1.0"):
        positive_location(0.0, -1.0, 1.0)


def test_a_categorical_instance_checks_each_probability():
    loss = loss_function(CATEGORICAL)
    with pytest.raises(ValueError, match=r"^p1: must be a probability in \[0, 1\]"):
        loss([1], 0.5, 1.5, 0.5)
    with pytest.raises(ValueError, match=r"^y: must lie in the support \{0, 1, 2\} of Categorical"):
        loss([3], 0.2, 0.3, 0.5)


# -- the returned function ---------------------------------------------------------------------------------------------


def test_the_function_is_named_after_the_family_and_takes_its_parameters_by_name():
    weibull = loss_function(ReaderWeibull)
    assert weibull.__name__ == "weibull_nll"
    assert list(inspect.signature(weibull).parameters) == ["y", "k", "lambda_", "reduction", "sample_weight"]
    assert weibull(1.0, k=2.0, lambda_=1.5) == weibull(1.0, 2.0, 1.5)
    assert loss_function(NegativeBinomial).__name__ == "negative_binomial_nll"
    assert loss_function(ReaderGumbel, name="extreme_value_loss").__name__ == "extreme_value_loss"


def test_the_docstring_shows_the_family_its_formula_and_its_parameters(gumbel):
    doc = gumbel.__doc__
    assert "Gumbel" in doc
    assert latex(gumbel.expression) in doc
    assert "mu : array_like" in doc and "beta : array_like" in doc and "(positive)" in doc


@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_expression_is_the_negated_log_density_of_the_family(family):
    loss = loss_function(FAMILIES[family][0])
    y, *params = loss.symbols
    dist = FAMILIES[family][0](*params)
    assert loss.expression + dist.log_density(y) == 0


@pytest.mark.parametrize("family", ["Gumbel", "Poisson", "Cauchy", "Weibull"])
def test_the_source_is_the_code_that_runs(family):
    loss = loss_function(FAMILIES[family][0])
    namespace: dict = {}
    exec(loss.source, namespace)
    y, params = FAMILIES[family][2](np.random.default_rng(1), 50)
    y = np.asarray(y, dtype=float)
    np.testing.assert_array_equal(namespace[loss.__name__](y, *params), loss(y, *params, reduction="none"))


@pytest.mark.parametrize(
    "family, fragment",
    [
        ("Bernoulli", "scipy.special.xlog1py"),  # (1 - y) log(1 - p): 0 log 0 and log1p
        ("Logistic", "_softplus("),  # log(1 + exp(-z))
        ("Cauchy", "numpy.log1p("),  # log(1 + z**2)
        ("StudentT", "_log_rising("),  # loggamma((nu + 1)/2) - loggamma(nu/2)
        ("Gamma", "_poisson_kernel("),  # alpha log beta - loggamma(alpha) + (alpha - 1) log y - beta y
        ("GeneralizedNormal", "scipy.special.gammaln("),  # log(gamma(1/p))
        ("SkewNormal", "scipy.special.log_ndtr("),  # log((1 + erf(u)) / 2)
        ("AsymmetricLaplace", "numpy.select("),  # the two pieces
    ],
)
def test_the_source_shows_the_stable_form_of_each_rule(family, fragment):
    assert fragment in loss_function(FAMILIES[family][0]).source


def test_a_second_call_returns_the_cached_function():
    assert loss_function(ReaderGumbel) is loss_function(ReaderGumbel)
    assert loss_function(ReaderGumbel, name="other") is not loss_function(ReaderGumbel)


# -- what loss_function refuses ----------------------------------------------------------------------------------------


class ReaderUnion(Distribution):
    param_names = ("a",)

    def log_density_terms(self, x):
        return [-sp.log(2 * self.params[0])]

    @property
    def support(self):
        return sp.Union(sp.Interval(-2, -1), sp.Interval(1, 2))


class ReaderStray(Distribution):
    param_names = ("a",)

    def log_density_terms(self, x):
        return [-sp.Abs(x - self.params[0]) / sp.Symbol("b", positive=True) - sp.log(2)]

    @property
    def support(self):
        return sp.Reals


@pytest.mark.parametrize(
    "dist, message",
    [
        (3, r"^dist: must be a Distribution subclass"),
        (dict, r"^dist: must be a Distribution subclass or instance, got the class dict"),
        (Categorical, r"^dist: the parameters of Categorical depend on the instance"),
        (Normal(sp.Symbol("m", real=True), 1), r"^dist: every parameter must be a SymPy symbol"),
        (Normal(*[sp.Symbol("m", positive=True)] * 2), r"^dist: the parameters of .* must be distinct symbols"),
        (Normal(sp.Symbol("y", real=True), sp.Symbol("s", positive=True)), r"^dist: a parameter of .* is called y"),
        (ReaderUnion, r"^dist: the support .* is not one loss_function can check"),
        (ReaderStray, r"^dist: the log-density of ReaderStray contains symbols that are not its parameters: b"),
    ],
)
def test_a_distribution_it_cannot_turn_into_a_loss_is_a_value_error(dist, message):
    with pytest.raises(ValueError, match=message):
        loss_function(dist)


@pytest.mark.parametrize("name", ["two words", "lambda", "numpy", 3])
def test_a_name_that_cannot_name_the_function_is_a_value_error(name):
    with pytest.raises(ValueError, match=r"^name: "):
        loss_function(Normal, name=name)
