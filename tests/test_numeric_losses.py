"""Specification of the losses in lossbook.numeric.

Each loss is compared with an independent implementation (scipy.stats log-densities, scipy.special.logsumexp,
mpmath at 50 digits, scipy.spatial.distance) and, where the book derives it symbolically, with its symbolic
twin from lossbook.symbolic. Laws that hold for every input are property tests.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats
from scipy.spatial import distance

from lossbook.numeric import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cauchy_nll,
    cross_entropy,
    focal_loss,
    gaussian_nll,
    generalized_normal_nll,
    huber,
    laplace_nll,
    log_cosh,
    mae,
    mahalanobis_squared,
    mse,
    negative_binomial_nll,
    poisson_nll,
    student_t_nll,
    weighted_mse,
    zero_inflated_negative_binomial_nll,
)
from lossbook.symbolic import (
    Bernoulli,
    Cauchy,
    GeneralizedNormal,
    Laplace,
    NegativeBinomial,
    Normal,
    Poisson,
    StudentT,
    ZeroInflatedNegativeBinomial,
)

values = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
small_values = st.floats(-50, 50, allow_nan=False, allow_infinity=False)
vectors = st.lists(values, min_size=1, max_size=20)
probabilities = st.floats(0.0, 1.0)
safe_probabilities = st.floats(1e-6, 1 - 1e-6)
labels01 = st.sampled_from([0.0, 1.0])


def rng_for(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# -- symbolic twins ---------------------------------------------------------------------------------------------------


def symbolic_twin(build, *symbols: sp.Symbol):
    """-log_density(y) of the symbolic distribution build(*parameters), lambdified; arguments (y, *parameters)."""
    return sp.lambdify(symbols, -build(*symbols[1:]).log_density(symbols[0]), ["scipy", "numpy"])


_y, _mu = sp.Symbol("y", real=True), sp.Symbol("mu", real=True)
_scale, _nu = sp.Symbol("scale", positive=True), sp.Symbol("nu", positive=True)
_count, _rate = sp.Symbol("k", integer=True, nonnegative=True), sp.Symbol("rate", positive=True)
_p = sp.Symbol("p", positive=True)


def random_probabilities(rng: np.random.Generator, size: int):
    return rng.integers(0, 2, size).astype(float), rng.uniform(0.001, 0.999, size)


def random_counts(rng: np.random.Generator, size: int):
    rate = np.exp(rng.uniform(-3, 4, size))
    return rng.poisson(rate), rate


def random_overdispersed_counts(rng: np.random.Generator, size: int):
    mu, alpha = np.exp(rng.uniform(-2, 4, size)), np.exp(rng.uniform(-4, 1, size))
    return rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mu)), mu, alpha


def random_zero_inflated_counts(rng: np.random.Generator, size: int):
    y, mu, alpha = random_overdispersed_counts(rng, size)
    pi = rng.uniform(0, 0.9, size)
    return np.where(rng.uniform(size=size) < pi, 0, y), pi, mu, alpha


def random_generalized_normal(rng: np.random.Generator, size: int):
    y, loc, scale = random_location_scale(rng, size)
    return y, loc, scale, np.exp(rng.uniform(-1, 2.5, size))


def random_t(rng: np.random.Generator, size: int):
    y, loc, scale = random_location_scale(rng, size)
    return y, loc, scale, rng.uniform(0.5, 30, size)


def random_location_scale(rng: np.random.Generator, size: int):
    return rng.normal(0, 3, size), rng.uniform(-2, 2, size), np.exp(rng.uniform(-2, 2, size))


# name: (numeric loss, its symbolic twin as a thunk, random arguments for the loss)
TWINS = {
    "gaussian_nll": (gaussian_nll, lambda: symbolic_twin(Normal, _y, _mu, _scale), random_location_scale),
    "laplace_nll": (laplace_nll, lambda: symbolic_twin(Laplace, _y, _mu, _scale), random_location_scale),
    "generalized_normal_nll": (
        generalized_normal_nll,
        lambda: symbolic_twin(GeneralizedNormal, _y, _mu, _scale, _nu),
        random_generalized_normal,
    ),
    "cauchy_nll": (cauchy_nll, lambda: symbolic_twin(Cauchy, _y, _mu, _scale), random_location_scale),
    "student_t_nll": (
        student_t_nll,
        lambda: symbolic_twin(lambda mu, scale, nu: StudentT(mu, scale, nu), _y, _mu, _scale, _nu),
        random_t,
    ),
    "poisson_nll": (poisson_nll, lambda: symbolic_twin(Poisson, _count, _rate), random_counts),
    "negative_binomial_nll": (
        negative_binomial_nll,
        lambda: symbolic_twin(NegativeBinomial, _count, _rate, _scale),
        random_overdispersed_counts,
    ),
    "zero_inflated_negative_binomial_nll": (
        zero_inflated_negative_binomial_nll,
        lambda: symbolic_twin(ZeroInflatedNegativeBinomial, _count, _p, _rate, _scale),
        random_zero_inflated_counts,
    ),
    "binary_cross_entropy": (
        binary_cross_entropy,
        lambda: symbolic_twin(Bernoulli, _y, _p),
        random_probabilities,
    ),
}


@pytest.mark.parametrize("name", list(TWINS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_loss_matches_its_symbolic_twin_the_negative_log_density(name, seed):
    loss, twin, draw = TWINS[name]
    args = draw(rng_for(seed), 300)
    expected = np.mean(twin()(*args))
    assert loss(*args) == pytest.approx(expected, rel=1e-12)


NLL = {"normal": gaussian_nll, "laplace": laplace_nll}
SCIPY_LOGPDF = {"normal": stats.norm.logpdf, "laplace": stats.laplace.logpdf}


def random_observations(seed: int, size: int = 300):
    rng = rng_for(seed)
    return rng.normal(0, 3, size), rng.uniform(-2, 2, size), np.exp(rng.uniform(-2, 2, size))


@pytest.mark.parametrize("family", ["normal", "laplace"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nll_matches_scipy_stats(family, seed):
    y, mu, scale = random_observations(seed)
    expected = -np.mean(SCIPY_LOGPDF[family](y, mu, scale))
    assert NLL[family](y, mu, scale) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("family", ["normal", "laplace"])
@pytest.mark.parametrize("seed", [0, 1])
def test_nll_of_a_single_observation_is_the_negative_log_density(family, seed):
    y, mu, scale = random_observations(seed, size=5)
    for i in range(5):
        expected = -SCIPY_LOGPDF[family](y[i], mu[i], scale[i])
        assert NLL[family](y[i], mu[i], scale[i]) == pytest.approx(expected, rel=1e-14)


def test_gaussian_nll_with_unit_scale_is_half_the_mse_plus_a_constant():
    y, mu, _ = random_observations(3)
    assert gaussian_nll(y, mu, 1.0) == pytest.approx(0.5 * mse(y, mu) + 0.5 * math.log(2 * math.pi), rel=1e-14)


def test_laplace_nll_with_unit_scale_is_the_mae_plus_log_two():
    y, mu, _ = random_observations(4)
    assert laplace_nll(y, mu, 1.0) == pytest.approx(mae(y, mu) + math.log(2), rel=1e-14)


def test_gaussian_nll_survives_a_residual_whose_square_overflows_before_scaling():
    # (y - mu) = 2e300 overflows when squared, but (y - mu) / sigma = 2e10 does not.
    with mpmath.workdps(50):
        expected = float(mpmath.log(2 * mpmath.pi * mpmath.mpf(1e290) ** 2) / 2 + mpmath.mpf(2e10) ** 2 / 2)
    assert gaussian_nll(1e300, -1e300, 1e290) == pytest.approx(expected, rel=1e-13)


# -- mean squared and absolute error ----------------------------------------------------------------------------------


@pytest.mark.parametrize("loss, pointwise", [(mse, np.square), (mae, np.abs)], ids=["mse", "mae"])
def test_loss_is_the_mean_over_all_elements(loss, pointwise):
    y = np.arange(12.0).reshape(3, 4)
    y_hat = np.array([0.5, -1.0, 4.0, 2.0]) * np.ones((3, 1))
    assert loss(y, y_hat) == pytest.approx(np.mean(pointwise(y - y_hat)), rel=1e-15)


@pytest.mark.parametrize("loss", [mse, mae], ids=["mse", "mae"])
def test_data_of_different_shapes_are_not_broadcast_into_a_grid(loss):
    y = np.arange(3.0)
    with pytest.raises(ValueError, match=r"^y_hat: shape \(3, 1\) differs from the shape \(3,\) of y"):
        loss(y, y[:, None])


@pytest.mark.parametrize("loss", [mse, mae, log_cosh, huber], ids=["mse", "mae", "log_cosh", "huber"])
def test_loss_returns_a_python_float(loss):
    assert type(loss([1, 2], [3, 4])) is float


@pytest.mark.parametrize("loss", [mse, mae, log_cosh, huber], ids=["mse", "mae", "log_cosh", "huber"])
@settings(deadline=None)
@given(y=vectors, shift=values)
def test_regression_loss_is_non_negative_and_zero_at_a_perfect_fit(loss, y, shift):
    assert loss(y, np.add(y, shift)) >= 0.0
    assert loss(y, y) == 0.0


@pytest.mark.parametrize("loss", [mse, mae, log_cosh, huber], ids=["mse", "mae", "log_cosh", "huber"])
@settings(deadline=None)
@given(y=vectors, y_hat=vectors)
def test_regression_loss_is_symmetric_in_targets_and_predictions(loss, y, y_hat):
    n = min(len(y), len(y_hat))
    assert loss(y[:n], y_hat[:n]) == loss(y_hat[:n], y[:n])


def test_mse_does_not_overflow_in_the_sum_of_large_squares():
    # Each square is 1e306; their sum overflows float64 but their mean does not.
    assert mse(np.full(1000, 1e153), 0.0) == pytest.approx(1e306, rel=1e-13)


# -- Huber and log-cosh -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "r, delta, expected",
    [(0.5, 1.0, 0.125), (-0.5, 1.0, 0.125), (1.0, 1.0, 0.5), (3.0, 1.0, 2.5), (-3.0, 2.0, 4.0), (1e200, 1.0, 1e200)],
)
def test_huber_is_quadratic_inside_delta_and_linear_outside(r, delta, expected):
    assert huber(0.0, r, delta=delta) == pytest.approx(expected, rel=1e-15)


@settings(deadline=None)
@given(r=values, delta=st.floats(1e-3, 1e3))
def test_huber_lies_between_its_linear_and_quadratic_pieces(r, delta):
    h = huber(0.0, r, delta=delta)
    linear = delta * (abs(r) - delta / 2)
    quadratic = r * r / 2
    # Absolute slack of 1e-300 on both sides: near the subnormal range, r*r/2 and the loss round differently.
    assert linear * (1 - 1e-12) - 1e-300 <= h <= quadratic * (1 + 1e-12) + 1e-300


@settings(deadline=None)
@given(delta=st.floats(1e-3, 1e3))
def test_huber_is_continuous_where_the_pieces_meet(delta):
    below, above = huber(0.0, np.nextafter(delta, 0), delta=delta), huber(0.0, np.nextafter(delta, np.inf), delta=delta)
    assert above == pytest.approx(below, rel=1e-12)


def test_huber_with_a_large_delta_is_half_the_mse_and_with_a_small_delta_scales_to_the_mae():
    y, y_hat, _ = random_observations(5)
    assert huber(y, y_hat, delta=1e6) == pytest.approx(mse(y, y_hat) / 2, rel=1e-14)
    assert huber(y, y_hat, delta=1e-9) / 1e-9 == pytest.approx(mae(y, y_hat), rel=1e-6)


@pytest.mark.parametrize("r", [1e-300, 1e-10, 1e-3, 0.5, -0.99, 1.0, 1.5, -3.0, 30.0, 1e6, 1e300])
def test_log_cosh_matches_mpmath_for_tiny_moderate_and_huge_residuals(r):
    with mpmath.workdps(50):
        expected = float(mpmath.log(mpmath.cosh(mpmath.mpf(r))))
    assert log_cosh(r, 0.0) == pytest.approx(expected, rel=1e-14, abs=1e-320)


@settings(deadline=None)
@given(r=values)
def test_log_cosh_lies_between_abs_minus_log_two_and_half_the_square(r):
    value = log_cosh(0.0, r)
    assert abs(r) - math.log(2) - 1e-12 * abs(r) <= value <= r * r / 2 * (1 + 1e-12) + 1e-300  # subnormal rounding


# -- heavy-tailed likelihoods -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_generalized_normal_nll_matches_scipy_stats(seed):
    y, mu, alpha, p = random_generalized_normal(rng_for(seed), 400)
    expected = -np.mean(stats.gennorm.logpdf(y, p, loc=mu, scale=alpha))
    assert generalized_normal_nll(y, mu, alpha, p) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_generalized_normal_nll_with_power_one_is_laplace_nll(seed):
    y, mu, alpha = random_location_scale(rng_for(seed), 100)
    assert generalized_normal_nll(y, mu, alpha, 1.0) == pytest.approx(laplace_nll(y, mu, alpha), rel=1e-14)


@pytest.mark.parametrize("seed", [0, 1])
def test_generalized_normal_nll_with_power_two_is_gaussian_nll(seed):
    y, mu, sigma = random_location_scale(rng_for(seed), 100)
    assert generalized_normal_nll(y, mu, sigma * math.sqrt(2), 2.0) == pytest.approx(gaussian_nll(y, mu, sigma), rel=1e-14)


@settings(deadline=None, max_examples=60)
@given(shift=st.floats(-5, 5), power=st.floats(0.3, 12))
def test_generalized_normal_nll_has_the_argmin_of_the_lp_loss(shift, power):
    """Same minimiser over mu as sum |y - mu|**p: the loss minus its constant, over alpha**p, is the Lp loss."""
    y = np.array([-1.3, 0.2, 0.9, 2.4])
    constant = math.log(2.0) + special.gammaln(1.0 / power) - math.log(power)
    lp = np.mean(np.abs(y - shift) ** power)
    assert generalized_normal_nll(y, shift, 1.0, power) - constant == pytest.approx(lp, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cauchy_nll_matches_scipy_stats(seed):
    y, loc, scale = random_observations(seed)
    assert cauchy_nll(y, loc, scale) == pytest.approx(-np.mean(stats.cauchy.logpdf(y, loc, scale)), rel=1e-13)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("df", [0.5, 1.0, 3.0, 30.0])
def test_student_t_nll_matches_scipy_stats(seed, df):
    y, loc, scale = random_observations(seed)
    assert student_t_nll(y, loc, scale, df) == pytest.approx(-np.mean(stats.t.logpdf(y, df, loc, scale)), rel=1e-12)


def test_student_t_nll_broadcasts_degrees_of_freedom_to_the_data():
    y, loc, scale, df = np.full(3, 1.5), 0.0, 2.0, np.array([1.0, 4.0, 9.0])
    assert student_t_nll(y, loc, scale, df) == pytest.approx(-np.mean(stats.t.logpdf(y, df, loc, scale)), rel=1e-13)


@pytest.mark.parametrize("seed", [0, 1])
def test_student_t_nll_with_one_degree_of_freedom_is_cauchy_nll(seed):
    y, loc, scale = random_observations(seed)
    assert student_t_nll(y, loc, scale, 1.0) == pytest.approx(cauchy_nll(y, loc, scale), rel=1e-13)


def test_student_t_nll_tends_to_gaussian_nll_as_degrees_of_freedom_grow():
    y, loc, scale = random_observations(6)
    # The gap is of order z**4 / df, about 1e-10 here.
    assert student_t_nll(y, loc, scale, 1e15) == pytest.approx(gaussian_nll(y, loc, scale), rel=1e-8)


@pytest.mark.parametrize(
    "r, scale, df",
    [
        pytest.param(1e200, 1.0, 1.0, id="huge-residual-cauchy"),
        pytest.param(1e200, 1.0, 5.0, id="huge-residual"),
        pytest.param(-1e300, 1e-5, 2.5, id="standardised-residual-overflows-float64"),
        pytest.param(1e300, 1e-300, 1.0, id="standardised-residual-far-beyond-float64"),
        pytest.param(1e10, 1.0, 1e-300, id="tiny-df"),
        pytest.param(1e-200, 1.0, 3.0, id="tiny-residual"),
        pytest.param(1.5, 1.0, 1e6, id="large-df"),
        pytest.param(1.5, 1.0, 1e9, id="larger-df"),
        pytest.param(1.5, 2.0, 1e12, id="huge-df"),
    ],
)
def test_heavy_tailed_nll_matches_mpmath_at_extreme_inputs(r, scale, df):
    with mpmath.workdps(50):
        z2 = (mpmath.mpf(r) / mpmath.mpf(scale)) ** 2
        nu = mpmath.mpf(df)
        expected = float(
            mpmath.log(scale)
            + mpmath.log(nu * mpmath.pi) / 2
            + mpmath.loggamma(nu / 2)
            - mpmath.loggamma((nu + 1) / 2)
            + (nu + 1) / 2 * mpmath.log1p(z2 / nu)
        )
    assert student_t_nll(r, 0.0, scale, df) == pytest.approx(expected, rel=1e-13)
    if df == 1.0:
        assert cauchy_nll(r, 0.0, scale) == pytest.approx(expected, rel=1e-13)


@settings(deadline=None)
@given(r=values, scale=st.floats(-5, 5).map(math.exp))
def test_cauchy_nll_grows_slower_than_gaussian_nll_in_the_tails(r, scale):
    # Both minus their value at r = 0: log(1 + z^2) <= z^2 / 2 + ... ; precisely log1p(z^2) <= z^2.
    extra_cauchy = cauchy_nll(r, 0.0, scale) - cauchy_nll(0.0, 0.0, scale)
    extra_gauss = 2 * (gaussian_nll(r, 0.0, scale) - gaussian_nll(0.0, 0.0, scale))
    assert extra_cauchy <= extra_gauss + 1e-12 * (1 + extra_gauss)


# -- Poisson ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_poisson_nll_matches_scipy_stats(seed):
    rng = rng_for(seed)
    rate = np.exp(rng.uniform(-5, 5, 300))
    y = rng.poisson(rate)
    assert poisson_nll(y, rate) == pytest.approx(-np.mean(stats.poisson.logpmf(y, rate)), rel=1e-13)


@pytest.mark.parametrize("y, rate", [(0, 1e-300), (0, 5.0), (10**6, 10**6), (3, 1e-3)])
def test_poisson_nll_matches_scipy_at_edge_counts(y, rate):
    assert poisson_nll(y, rate) == pytest.approx(-stats.poisson.logpmf(y, rate), rel=1e-13, abs=1e-300)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_negative_binomial_nll_matches_scipy_stats(seed):
    y, mu, alpha = random_overdispersed_counts(rng_for(seed), 500)
    r = 1 / alpha
    expected = -np.mean(stats.nbinom.logpmf(y, r, r / (r + mu)))
    assert negative_binomial_nll(y, mu, alpha) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("alpha", [1e-6, 1e-10, 1e-14])
def test_negative_binomial_nll_tends_to_poisson_nll_without_losing_digits(alpha):
    """The Poisson limit: log-gamma differences of size 1/alpha would cancel to noise; the Pochhammer form does not."""
    y, mu = np.array([0, 1, 4, 17, 60]), np.array([0.3, 2.0, 4.0, 15.0, 55.0])
    with mpmath.workdps(60):
        r, a = mpmath.mpf(1) / alpha, mpmath.mpf(alpha)
        exact = [
            -(mpmath.loggamma(k + r) - mpmath.loggamma(r) - mpmath.loggamma(k + 1) - r * mpmath.log1p(a * m)
              + k * mpmath.log(a * m / (1 + a * m)))
            for k, m in zip(y.tolist(), mu.tolist())
        ]
        expected = float(mpmath.fsum(exact) / len(exact))
    assert negative_binomial_nll(y, mu, alpha) == pytest.approx(expected, rel=1e-13)
    assert negative_binomial_nll(y, mu, alpha) == pytest.approx(poisson_nll(y, mu), rel=1e-5)


@settings(deadline=None, max_examples=150)
@given(log_alpha=st.floats(-30, 3), y=st.integers(0, 10**6), log_mu=st.floats(-5, 10))
def test_negative_binomial_nll_matches_mpmath_for_any_dispersion(log_alpha, y, log_mu):
    alpha, mu = math.exp(log_alpha), math.exp(log_mu)
    with mpmath.workdps(50):
        a, m = mpmath.mpf(alpha), mpmath.mpf(mu)
        r = 1 / a
        exact = -(mpmath.loggamma(y + r) - mpmath.loggamma(r) - mpmath.loggamma(y + 1) - r * mpmath.log1p(a * m)
                  + y * mpmath.log(a * m / (1 + a * m)))
    assert negative_binomial_nll(y, mu, alpha) == pytest.approx(float(exact), rel=1e-11, abs=1e-11)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_zero_inflated_negative_binomial_nll_is_the_mixture(seed):
    """p(0) = pi + (1 - pi) NB(0), p(y > 0) = (1 - pi) NB(y), with NB from scipy.stats."""
    y, pi, mu, alpha = random_zero_inflated_counts(rng_for(seed), 500)
    r = 1 / alpha
    count_part = stats.nbinom.pmf(y, r, r / (r + mu))
    expected = -np.mean(np.log(np.where(y == 0, pi + (1 - pi) * count_part, (1 - pi) * count_part)))
    assert zero_inflated_negative_binomial_nll(y, pi, mu, alpha) == pytest.approx(expected, rel=1e-12)


def test_zero_inflated_negative_binomial_nll_without_inflation_is_negative_binomial_nll():
    y, mu, alpha = random_overdispersed_counts(rng_for(7), 200)
    assert zero_inflated_negative_binomial_nll(y, 0.0, mu, alpha) == pytest.approx(
        negative_binomial_nll(y, mu, alpha), rel=1e-14
    )


def test_zero_inflated_negative_binomial_nll_keeps_a_tiny_count_part_at_zero():
    """log(pi + (1 - pi) NB(0)) on the log scale: NB(0) = 1e-400 underflows float64 but pi dominates anyway,
    while pi = 1e-300 with NB(0) near 1 must not lose the count part."""
    assert zero_inflated_negative_binomial_nll(0, 1e-300, 1e-3, 1.0) == pytest.approx(math.log1p(1e-3), rel=1e-12)


def test_poisson_nll_accepts_integer_valued_floats():
    assert poisson_nll([2.0, 3.0], 2.5) == poisson_nll([2, 3], 2.5)


# -- binary classification --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binary_cross_entropy_is_the_bernoulli_negative_log_likelihood(seed):
    rng = rng_for(seed)
    p = rng.uniform(0.001, 0.999, 300)
    y = rng.integers(0, 2, 300)
    assert binary_cross_entropy(y, p) == pytest.approx(-np.mean(stats.bernoulli.logpmf(y, p)), rel=1e-13)


@pytest.mark.parametrize("y, p", [(1, 1.0), (0, 0.0), ([1, 0], [1.0, 0.0])])
def test_binary_cross_entropy_of_certain_right_answers_is_zero(y, p):
    assert binary_cross_entropy(y, p) == 0.0


@settings(deadline=None)
@given(y=probabilities, p=safe_probabilities)
def test_binary_cross_entropy_is_at_least_the_entropy_of_the_label(y, p):
    # Gibbs' inequality: the cross-entropy H(y, p) is smallest at p = y.
    assert binary_cross_entropy(y, p) >= binary_cross_entropy(y, min(max(y, 0.0), 1.0)) - 1e-12


@settings(deadline=None)
@given(y=probabilities, z=st.floats(-10, 10))  # beyond, 1 - sigmoid(z) loses digits to rounding
def test_bce_with_logits_equals_bce_of_the_sigmoid_in_a_safe_range(y, z):
    expected = binary_cross_entropy(y, special.expit(z))
    assert binary_cross_entropy_with_logits(y, z) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
@pytest.mark.parametrize("z", [-1000.0, -40.0, -1e-8, 0.0, 1e-8, 40.0, 1000.0, 1e300])
def test_bce_with_logits_matches_mpmath_at_large_logits(y, z):
    with mpmath.workdps(50):
        zz, yy = mpmath.mpf(z), mpmath.mpf(y)
        # -[y log sigma(z) + (1 - y) log(1 - sigma(z))] = y log(1 + e^{-z}) + (1 - y) log(1 + e^{z})
        expected = float(yy * mpmath.log1p(mpmath.exp(-zz)) + (1 - yy) * mpmath.log1p(mpmath.exp(zz)))
    assert binary_cross_entropy_with_logits(y, z) == pytest.approx(expected, rel=1e-13, abs=1e-300)


@settings(deadline=None)
@given(y=probabilities, z=values)
def test_bce_with_logits_is_non_negative(y, z):
    assert binary_cross_entropy_with_logits(y, z) >= 0.0


@settings(deadline=None)
@given(y=probabilities, p=safe_probabilities)
def test_focal_loss_with_gamma_zero_is_binary_cross_entropy(y, p):
    assert focal_loss(y, p, gamma=0.0) == pytest.approx(binary_cross_entropy(y, p), rel=1e-14)


@pytest.mark.parametrize("gamma", [0.5, 1.0, 2.0, 5.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_focal_loss_matches_lin_et_al_with_p_t(gamma, seed):
    rng = rng_for(seed)
    p = rng.uniform(0.001, 0.999, 200)
    y = rng.integers(0, 2, 200)
    p_t = np.where(y == 1, p, 1 - p)
    expected = np.mean(-((1 - p_t) ** gamma) * np.log(p_t))
    assert focal_loss(y, p, gamma=gamma) == pytest.approx(expected, rel=1e-13)


@settings(deadline=None)
@given(y=labels01, p=safe_probabilities, gamma=st.floats(0.0, 5.0), more=st.floats(0.0, 5.0))
def test_focal_loss_shrinks_as_gamma_grows_and_never_exceeds_bce(y, p, gamma, more):
    low, high = focal_loss(y, p, gamma=gamma), focal_loss(y, p, gamma=gamma + more)
    assert 0.0 <= high <= low * (1 + 1e-12)
    assert low <= binary_cross_entropy(y, p) * (1 + 1e-12)


@pytest.mark.parametrize("y, p", [(1, 1.0), (0, 0.0)])
@pytest.mark.parametrize("gamma", [0.0, 2.0])
def test_focal_loss_of_certain_right_answers_is_zero(y, p, gamma):
    assert focal_loss(y, p, gamma=gamma) == 0.0


# -- multiclass cross-entropy -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("spread", [1.0, 30.0, 1000.0])
def test_cross_entropy_matches_logsumexp(seed, spread):
    rng = rng_for(seed)
    logits = rng.uniform(-spread, spread, (50, 7))
    y = rng.integers(0, 7, 50)
    expected = np.mean(special.logsumexp(logits, axis=1) - logits[np.arange(50), y])
    assert cross_entropy(y, logits) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize(
    "label, logits, expected",
    [
        (0, [1000.0, -1000.0], 0.0),
        (1, [1000.0, -1000.0], 2000.0),
        (2, [1000.0, 1000.0, 1000.0], math.log(3)),
        (0, [-1000.0, -1000.0], math.log(2)),
    ],
)
def test_cross_entropy_is_stable_at_logits_of_a_thousand(label, logits, expected):
    assert cross_entropy([label], [logits]) == pytest.approx(expected, rel=1e-15, abs=1e-300)


@settings(deadline=None)
@given(
    rows=st.lists(st.lists(small_values, min_size=3, max_size=3), min_size=1, max_size=6),
    shift=st.floats(-1e3, 1e3),
    data=st.data(),
)
def test_cross_entropy_is_invariant_to_adding_a_constant_to_each_row(rows, shift, data):
    logits = np.array(rows)
    y = np.array(data.draw(st.lists(st.integers(0, 2), min_size=len(rows), max_size=len(rows))))
    shifts = shift * np.arange(1, len(rows) + 1)[:, None]  # a different constant for each row
    assert cross_entropy(y, logits + shifts) == pytest.approx(cross_entropy(y, logits), rel=1e-9, abs=1e-9)


@settings(deadline=None)
@given(rows=st.lists(st.lists(values, min_size=4, max_size=4), min_size=1, max_size=6), data=st.data())
def test_cross_entropy_is_non_negative(rows, data):
    y = data.draw(st.lists(st.integers(0, 3), min_size=len(rows), max_size=len(rows)))
    assert cross_entropy(y, rows) >= 0.0


@settings(deadline=None)
@given(y=labels01, z=st.floats(-1e3, 1e3))
def test_cross_entropy_with_two_classes_is_bce_with_logits(y, z):
    # Logits (0, z) give class 1 the probability sigmoid(z).
    assert cross_entropy([int(y)], [[0.0, z]]) == pytest.approx(binary_cross_entropy_with_logits(y, z), rel=1e-12)


# -- geometry: weighted squared error and Mahalanobis -----------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weighted_mse_matches_numpy_average(seed):
    rng = rng_for(seed)
    y, y_hat, w = rng.normal(size=100), rng.normal(size=100), rng.uniform(0, 5, 100)
    assert weighted_mse(y, y_hat, w) == pytest.approx(np.average((y - y_hat) ** 2, weights=w), rel=1e-13)


@settings(deadline=None)
@given(y=vectors, shift=values, weight=st.floats(1e-100, 1e100))
def test_weighted_mse_with_equal_weights_is_the_mse(y, shift, weight):
    y_hat = np.add(y, shift) * 0.5
    assert weighted_mse(y, y_hat, weight) == pytest.approx(mse(y, y_hat), rel=1e-12)


def test_weighted_mse_ignores_elements_of_zero_weight():
    assert weighted_mse([0.0, 0.0, 0.0], [1.0, 2.0, 1e6], [1.0, 1.0, 0.0]) == pytest.approx(2.5, rel=1e-15)


def test_weighted_mse_broadcasts_weights():
    y = np.zeros((2, 3))
    y_hat = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    w = np.array([[1.0], [3.0]])
    expected = np.average((y - y_hat) ** 2, weights=np.broadcast_to(w, (2, 3)))
    assert weighted_mse(y, y_hat, w) == pytest.approx(expected, rel=1e-14)


def random_spd(rng: np.random.Generator, d: int) -> np.ndarray:
    a = rng.normal(size=(d, d))
    return a @ a.T + 0.1 * np.eye(d)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("d", [1, 2, 5])
def test_mahalanobis_squared_matches_scipy_distance(seed, d):
    rng = rng_for(seed)
    covariance = random_spd(rng, d)
    r = rng.normal(size=(10, d))
    inverse = np.linalg.inv(covariance)
    expected = [distance.mahalanobis(row, np.zeros(d), inverse) ** 2 for row in r]
    np.testing.assert_allclose(mahalanobis_squared(r, covariance), expected, rtol=1e-10)


def test_mahalanobis_squared_with_identity_covariance_is_the_squared_length():
    r = np.array([[3.0, 4.0], [1.0, -1.0]])
    np.testing.assert_allclose(mahalanobis_squared(r, np.eye(2)), [25.0, 2.0], rtol=1e-15)


def test_mahalanobis_squared_with_diagonal_covariance_divides_by_the_variances():
    assert mahalanobis_squared([2.0, 3.0, -1.0], np.diag([4.0, 9.0, 0.25])) == pytest.approx(6.0, rel=1e-15)


def test_mahalanobis_squared_returns_one_value_per_row_not_a_mean():
    rng = rng_for(0)
    r = rng.normal(size=(4, 3, 2))
    got = mahalanobis_squared(r, random_spd(rng, 2))
    assert isinstance(got, np.ndarray) and got.shape == (4, 3)
    assert type(mahalanobis_squared([1.0, 2.0], np.eye(2))) is float


@settings(deadline=None)
@given(r=st.lists(st.integers(-1000, 1000).map(lambda k: k / 8), min_size=3, max_size=3), seed=st.integers(0, 1000))
def test_mahalanobis_squared_is_non_negative_and_zero_only_at_zero(r, seed):
    value = mahalanobis_squared(r, random_spd(rng_for(seed), 3))
    assert value >= 0.0
    assert (value == 0.0) == (not any(r))


# -- the conventions: reduction, sample_weight, masks, dtypes --------------------------------------------------------

from lossbook.numeric import mean_gamma_deviance, mean_poisson_deviance  # noqa: E402


def _regression(rng, n):
    return rng.normal(0, 3, n), rng.normal(0, 3, n)


def _location_scale(rng, n):
    return rng.normal(0, 3, n), rng.uniform(-2, 2, n), np.exp(rng.uniform(-2, 2, n))


def _labels_probabilities(rng, n):
    return rng.integers(0, 2, n).astype(float), rng.uniform(0.01, 0.99, n)


def _positive_pair(rng, n):
    return np.exp(rng.normal(0, 1, n)), np.exp(rng.normal(0, 1, n))


# name: (loss, random arguments (data first) for n elements)
EVERY_LOSS = {
    "mse": (mse, _regression),
    "mae": (mae, _regression),
    "huber": (huber, lambda rng, n: (*_regression(rng, n), 1.5)),
    "log_cosh": (log_cosh, _regression),
    "gaussian_nll": (gaussian_nll, _location_scale),
    "laplace_nll": (laplace_nll, _location_scale),
    "cauchy_nll": (cauchy_nll, _location_scale),
    "student_t_nll": (student_t_nll, lambda rng, n: (*_location_scale(rng, n), 4.0)),
    "generalized_normal_nll": (generalized_normal_nll, lambda rng, n: (*_location_scale(rng, n), 1.5)),
    "poisson_nll": (poisson_nll, random_counts),
    "negative_binomial_nll": (negative_binomial_nll, random_overdispersed_counts),
    "zero_inflated_negative_binomial_nll": (
        lambda y, pi, mu, alpha, **kw: zero_inflated_negative_binomial_nll(y, pi, mu, alpha, **kw),
        random_zero_inflated_counts,
    ),
    "binary_cross_entropy": (binary_cross_entropy, _labels_probabilities),
    "binary_cross_entropy_with_logits": (binary_cross_entropy_with_logits, lambda rng, n: (_labels_probabilities(rng, n)[0], rng.normal(0, 4, n))),
    "focal_loss": (focal_loss, _labels_probabilities),
    "weighted_mse": (weighted_mse, lambda rng, n: (*_regression(rng, n), rng.uniform(0.1, 2, n))),
    "cross_entropy": (cross_entropy, lambda rng, n: (rng.integers(0, 3, n), rng.normal(0, 3, (n, 3)))),
    "mean_poisson_deviance": (mean_poisson_deviance, lambda rng, n: (rng.poisson(2.0, n).astype(float), np.exp(rng.normal(0, 1, n)))),
    "mean_gamma_deviance": (mean_gamma_deviance, _positive_pair),
}


@pytest.mark.parametrize("name", list(EVERY_LOSS))
@pytest.mark.parametrize("seed", [0, 1])
def test_sum_is_the_sum_of_the_per_element_losses_and_mean_their_mean(name, seed):
    loss, draw = EVERY_LOSS[name]
    args = draw(rng_for(seed), 40)
    per_element = loss(*args, reduction="none")
    assert isinstance(per_element, np.ndarray) and per_element.shape == (40,)
    assert loss(*args, reduction="sum") == pytest.approx(per_element.sum(), rel=1e-12)
    if name != "weighted_mse":
        assert loss(*args) == pytest.approx(per_element.mean(), rel=1e-12)


@pytest.mark.parametrize("name", list(EVERY_LOSS))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_sample_weight_of_ones_is_no_weight(name, reduction):
    loss, draw = EVERY_LOSS[name]
    args = draw(rng_for(3), 25)
    np.testing.assert_allclose(
        loss(*args, reduction=reduction, sample_weight=np.ones(25)), loss(*args, reduction=reduction), rtol=1e-14
    )


@pytest.mark.parametrize("name", [n for n in EVERY_LOSS if n not in ("weighted_mse", "cross_entropy")])
@pytest.mark.parametrize("seed", [0, 1])
def test_weighted_mean_is_the_average_of_the_per_element_losses(name, seed):
    loss, draw = EVERY_LOSS[name]
    rng = rng_for(seed)
    args, w = draw(rng, 30), rng.uniform(0, 4, 30)
    expected = np.average(loss(*args, reduction="none"), weights=w)  # sklearn's weighted mean
    assert loss(*args, sample_weight=w) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(loss(*args, reduction="none", sample_weight=w), w * loss(*args, reduction="none"), rtol=1e-14)


@pytest.mark.parametrize("name", list(EVERY_LOSS))
def test_a_masked_element_is_left_out_as_a_weight_of_zero_would_leave_it(name):
    loss, draw = EVERY_LOSS[name]
    args = list(draw(rng_for(4), 12))
    keep = np.ones(12)
    keep[[2, 7]] = 0.0
    masked = list(args)
    data = np.array(args[0], dtype=float)
    data[[2, 7]] = np.nan  # never read
    masked[0] = np.ma.masked_array(data, mask=keep == 0)
    assert loss(*masked) == pytest.approx(loss(*args, sample_weight=keep), rel=1e-13)
    assert loss(*masked, reduction="sum") == pytest.approx(loss(*args, reduction="sum", sample_weight=keep), rel=1e-13)
    per_element = loss(*masked, reduction="none")
    assert isinstance(per_element, np.ma.MaskedArray) and list(np.flatnonzero(per_element.mask)) == [2, 7]


def test_the_issue_example_a_masked_outlier_is_not_counted():
    y = np.ma.masked_array([1.0, 2.0, 3.0, 9999.0], mask=[0, 0, 0, 1])
    assert mse(y, np.array([1.0, 2.0, 3.0, 0.0])) == 0.0


@pytest.mark.parametrize("name", list(EVERY_LOSS))
def test_float32_in_is_float32_out_and_close_to_float64(name):
    loss, draw = EVERY_LOSS[name]
    args = draw(rng_for(5), 30)
    single = [np.asarray(a, np.float32) if np.asarray(a).dtype.kind == "f" else a for a in args]
    value = loss(*single)
    assert type(value) is np.float32
    assert loss(*single, reduction="none").dtype == np.float32
    assert value == pytest.approx(loss(*args), rel=2e-5)


@pytest.mark.parametrize("loss", [mse, mae, huber, log_cosh], ids=["mse", "mae", "huber", "log_cosh"])
def test_integers_become_float64_and_python_numbers_keep_float32(loss):
    assert type(loss(np.array([1, 2, 3]), np.array([0, 0, 1]))) is float
    assert type(loss(np.array([1.0, 2.0], np.float32), 0)) is np.float32
    assert type(loss(np.array([1.0, 2.0], np.float32), np.array([1.0, 2.0]))) is float


@settings(deadline=None, max_examples=60)
@given(
    data=st.lists(st.tuples(values, values, st.floats(0.0, 1e3)), min_size=1, max_size=30),
    name=st.sampled_from(["mse", "mae", "huber", "log_cosh"]),
)
def test_laws_of_reduction_and_weights_hold_for_any_data(data, name):
    loss = EVERY_LOSS[name][0]
    y, y_hat, w = (np.array(column) for column in zip(*data))
    per_element = loss(y, y_hat, reduction="none")
    assert loss(y, y_hat, reduction="sum") == pytest.approx(math.fsum(per_element), rel=1e-12, abs=1e-300)
    assert loss(y, y_hat, sample_weight=np.ones_like(w)) == pytest.approx(loss(y, y_hat), rel=1e-14, abs=1e-300)
    if w.sum() > 0:
        expected = math.fsum(w * per_element) / math.fsum(w)
        assert loss(y, y_hat, sample_weight=w) == pytest.approx(expected, rel=1e-10, abs=1e-300)


def test_huber_with_reduction_none_draws_in_losses_side_by_side():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from lossbook import plots

    r = np.linspace(-3, 3, 61)
    fig = plots.losses_side_by_side({"Huber": lambda residual: huber(residual, 0.0, reduction="none")}, r)
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), huber(r, 0.0, reduction="none"))
    plt.close(fig)


@pytest.mark.parametrize("rate", [0.0, [0.0, 0.0]])
def test_poisson_nll_of_zero_counts_at_a_zero_rate_is_zero_the_saturated_model(rate):
    assert poisson_nll([0, 0], rate) == 0.0


@pytest.mark.parametrize("seed", [0, 1])
def test_mahalanobis_squared_reductions(seed):
    rng = rng_for(seed)
    r, cov = rng.normal(size=(10, 2)), random_spd(rng, 2)
    per_row = mahalanobis_squared(r, cov)
    assert mahalanobis_squared(r, cov, reduction="mean") == pytest.approx(per_row.mean(), rel=1e-14)
    assert mahalanobis_squared(r, cov, reduction="sum") == pytest.approx(per_row.sum(), rel=1e-14)
