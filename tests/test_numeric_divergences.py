"""Specification of the KL divergences in lossbook.numeric.

The closed forms are checked against their symbolic twins (lossbook.symbolic.kl, lambdified), against mpmath at
50 digits at extreme parameters, and against two independent numerical routes (quadrature and Monte Carlo).
"""

from __future__ import annotations

import functools
import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from lossbook.numeric import MonteCarloEstimate, kl_laplace, kl_monte_carlo, kl_normal, kl_quad
from lossbook.symbolic import Laplace, Normal, kl

CLOSED_FORMS = {"normal": kl_normal, "laplace": kl_laplace}
SYMBOLIC_FAMILIES = {"normal": Normal, "laplace": Laplace}

locations = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
# Scales spread over many orders of magnitude: exp of a uniform exponent.
scales = st.floats(-12.0, 12.0).map(math.exp)


# -- references -------------------------------------------------------------------------------------------------------


@functools.cache
def symbolic_twin(family: str):
    """lossbook.symbolic.kl of two distributions of the family, lambdified to NumPy."""
    mu_p, mu_q = sp.symbols("mu_p mu_q", real=True)
    s_p, s_q = sp.Symbol("s_p", positive=True), sp.Symbol("s_q", positive=True)
    cls = SYMBOLIC_FAMILIES[family]
    return sp.lambdify((mu_p, s_p, mu_q, s_q), kl(cls(mu_p, s_p), cls(mu_q, s_q)), "numpy")


def mp_kl_normal(mu_p, sigma_p, mu_q, sigma_q):
    with mpmath.workdps(50):
        mu_p, sigma_p, mu_q, sigma_q = map(mpmath.mpf, (mu_p, sigma_p, mu_q, sigma_q))
        return mpmath.log(sigma_q / sigma_p) + (sigma_p**2 + (mu_p - mu_q) ** 2) / (2 * sigma_q**2) - mpmath.mpf(1) / 2


def mp_kl_laplace(mu_p, b_p, mu_q, b_q):
    with mpmath.workdps(50):
        mu_p, b_p, mu_q, b_q = map(mpmath.mpf, (mu_p, b_p, mu_q, b_q))
        gap = abs(mu_p - mu_q)
        return mpmath.log(b_q / b_p) + gap / b_q + (b_p / b_q) * mpmath.exp(-gap / b_p) - 1


MP_REFERENCES = {"normal": mp_kl_normal, "laplace": mp_kl_laplace}
SCIPY_FAMILIES = {"normal": stats.norm, "laplace": stats.laplace}


def random_parameters(seed: int, size: int = 200):
    rng = np.random.default_rng(seed)
    return (
        rng.uniform(-5, 5, size),
        np.exp(rng.uniform(-2, 2, size)),
        rng.uniform(-5, 5, size),
        np.exp(rng.uniform(-2, 2, size)),
    )


# -- closed forms against the symbolic twin ---------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["normal", "laplace"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_closed_form_matches_the_symbolic_derivation(family, seed):
    params = random_parameters(seed)
    expected = symbolic_twin(family)(*params)
    np.testing.assert_allclose(CLOSED_FORMS[family](*params), expected, rtol=1e-11, atol=1e-13)


def test_kl_normal_matches_the_textbook_value():
    # log 2 + (1 + 1) / 8 - 1/2
    assert kl_normal(0.0, 1.0, 1.0, 2.0) == pytest.approx(math.log(2) - 0.25, rel=1e-15)


def test_kl_laplace_matches_the_textbook_value():
    # log 2 + 1/2 + (1/2) e^{-1} - 1
    assert kl_laplace(0.0, 1.0, 1.0, 2.0) == pytest.approx(math.log(2) - 0.5 + 0.5 * math.exp(-1), rel=1e-15)


# -- stability at extremes, against mpmath at 50 digits ---------------------------------------------------------------

EXTREME_CASES = [
    pytest.param((0.0, 1e-8, 0.0, 1.0), id="scale-ratio-1e-8"),
    pytest.param((0.0, 1e8, 0.0, 1.0), id="scale-ratio-1e8"),
    pytest.param((0.0, 1.0, 1e6, 1.0), id="mean-gap-1e6"),
    pytest.param((2.0, 3e-8, -1e6, 3.0), id="small-ratio-and-large-gap"),
    pytest.param((0.0, 1.0 + 1e-10, 0.0, 1.0), id="scales-nearly-equal"),
    pytest.param((0.0, 1.0, 1e-9, 1.0), id="means-nearly-equal"),
    pytest.param((1e308, 1e290, -1e308, 1e300), id="gap-overflowing-float64-before-scaling"),
    pytest.param((0.0, 1e-300, 0.0, 1.0000000000009e-300), id="tiny-scales-nearly-equal"),
    pytest.param((5.0, 1e150, -5.0, 1e140), id="huge-scales"),
    pytest.param((0.0, 1.0, 0.0, 0.625), id="moderate"),
]


@pytest.mark.parametrize("family", ["normal", "laplace"])
@pytest.mark.parametrize("params", EXTREME_CASES)
def test_closed_form_is_accurate_at_extreme_parameters(family, params):
    exact = MP_REFERENCES[family](*params)
    got = CLOSED_FORMS[family](*params)
    assert abs(mpmath.mpf(got) - exact) <= 1e-9 * abs(exact)


def test_kl_normal_raises_rather_than_returning_inf_when_the_divergence_overflows():
    # (sigma_p / sigma_q)^2 = 1e400 is beyond float64.
    with pytest.raises(ValueError, match=r"^mu_p, sigma_p, mu_q, sigma_q: the divergence overflows float64"):
        kl_normal(0.0, 1e200, 0.0, 1.0)


# -- shapes and types -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["normal", "laplace"])
def test_scalar_inputs_give_a_python_float(family):
    assert type(CLOSED_FORMS[family](0, 1, 1, 2)) is float


@pytest.mark.parametrize("family", ["normal", "laplace"])
def test_array_inputs_broadcast_elementwise(family):
    f = CLOSED_FORMS[family]
    mu_q = np.array([[0.0], [1.0], [2.0]])
    sigma_q = np.array([0.5, 1.0, 2.0, 4.0])
    got = f(0.0, 1.0, mu_q, sigma_q)
    assert isinstance(got, np.ndarray) and got.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            assert got[i, j] == f(0.0, 1.0, float(mu_q[i, 0]), float(sigma_q[j]))


@pytest.mark.parametrize("family", ["normal", "laplace"])
def test_a_one_element_array_stays_an_array(family):
    got = CLOSED_FORMS[family]([0.0], 1.0, 1.0, 1.0)
    assert isinstance(got, np.ndarray) and got.shape == (1,)


# -- laws -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["normal", "laplace"])
@settings(deadline=None)
@given(mu_p=locations, s_p=scales, mu_q=locations, s_q=scales)
def test_divergence_is_non_negative(family, mu_p, s_p, mu_q, s_q):
    assert CLOSED_FORMS[family](mu_p, s_p, mu_q, s_q) >= 0.0


@pytest.mark.parametrize("family", ["normal", "laplace"])
@settings(deadline=None)
@given(mu=locations, s=scales)
def test_divergence_of_a_distribution_from_itself_is_zero(family, mu, s):
    assert CLOSED_FORMS[family](mu, s, mu, s) == 0.0


@pytest.mark.parametrize("family", ["normal", "laplace"])
@settings(deadline=None)
@given(mu_p=locations, s_p=scales, mu_q=locations, s_q=scales, k=st.integers(-20, 20))
def test_divergence_does_not_depend_on_the_unit_of_measurement(family, mu_p, s_p, mu_q, s_q, k):
    # Multiplying every location and scale by a power of two is exact in floating point.
    c = 2.0**k
    f = CLOSED_FORMS[family]
    assert f(c * mu_p, c * s_p, c * mu_q, c * s_q) == pytest.approx(f(mu_p, s_p, mu_q, s_q), rel=1e-14, abs=1e-300)


@settings(deadline=None)
@given(mu_p=locations, mu_q=locations, s=scales)
def test_kl_normal_with_equal_scales_is_half_the_squared_standardised_gap(mu_p, mu_q, s):
    assert kl_normal(mu_p, s, mu_q, s) == pytest.approx(0.5 * ((mu_p - mu_q) / s) ** 2, rel=1e-12, abs=1e-300)


@settings(deadline=None)
@given(mu_p=locations, mu_q=locations, b=scales)
def test_kl_laplace_is_symmetric_in_the_locations(mu_p, mu_q, b):
    assert kl_laplace(mu_p, b, mu_q, b) == kl_laplace(mu_q, b, mu_p, b)


# -- quadrature -------------------------------------------------------------------------------------------------------

QUADRATURE_CASES = [
    (0.0, 1.0, 0.0, 1.0),
    (0.0, 1.0, 1.0, 1.0),
    (0.0, 1.0, 0.0, 2.0),
    (1.0, 0.5, -2.0, 3.0),
    (5.0, 1e-3, 5.0, 1.1e-3),
    (0.0, 1.0, 10.0, 1.0),
    (100.0, 1.0, 0.0, 50.0),
]


@pytest.mark.parametrize("family", ["normal", "laplace"])
@pytest.mark.parametrize("params", QUADRATURE_CASES)
def test_kl_quad_agrees_with_the_closed_form(family, params):
    mu_p, s_p, mu_q, s_q = params
    dist = SCIPY_FAMILIES[family]
    got = kl_quad(dist(mu_p, s_p), dist(mu_q, s_q))
    assert type(got) is float
    assert got == pytest.approx(CLOSED_FORMS[family](*params), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("params", [(0.0, 1.0, 0.0, 1e-3), (0.0, 1.0, 3.0, 1e-2)])
def test_kl_quad_works_where_the_density_of_q_underflows_to_zero(params):
    # q.pdf(x) is 0.0 in float64 for most x where p lives, so a ratio p/q would be inf; log-densities are fine.
    mu_p, s_p, mu_q, s_q = params
    assert kl_quad(stats.norm(mu_p, s_p), stats.norm(mu_q, s_q)) == pytest.approx(kl_normal(*params), rel=1e-9)


@pytest.mark.parametrize("b", [0.5, 1.0, 3.0])
def test_kl_quad_between_families_matches_the_hand_derivation(b):
    # E_p[log p] = -log(2 pi e) / 2 for p = N(0, 1); E_p[-log q] = log(2b) + E|x| / b with E|x| = sqrt(2 / pi).
    expected = -0.5 * math.log(2 * math.pi * math.e) + math.log(2 * b) + math.sqrt(2 / math.pi) / b
    assert kl_quad(stats.norm(0, 1), stats.laplace(0, b)) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    "p, q, expected",
    [
        # p(x) = e^{-x}, q(x) = x e^{-x}: KL = E_p[-log x] = Euler's gamma.
        pytest.param(stats.expon(), stats.gamma(2), np.euler_gamma, id="exponential-vs-gamma"),
        # KL = E_p[log x] under Gamma(2) = digamma(2) = 1 - gamma.
        pytest.param(stats.gamma(2), stats.expon(), 1 - np.euler_gamma, id="gamma-vs-exponential"),
    ],
)
def test_kl_quad_respects_a_half_line_support(p, q, expected):
    assert kl_quad(p, q) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    "p",
    [stats.norm(0.3, 2.0), stats.laplace(-1.0, 0.5), stats.t(3, 1.0, 2.0), stats.gamma(2.5), stats.beta(2, 3)],
    ids=["normal", "laplace", "student-t", "gamma", "beta"],
)
def test_kl_quad_of_a_distribution_from_itself_is_zero(p):
    assert kl_quad(p, p) == 0.0


@settings(deadline=None, max_examples=25)
@given(
    mu_p=st.floats(-3, 3), s_p=st.floats(-2, 2).map(math.exp), mu_q=st.floats(-3, 3), s_q=st.floats(-1, 1).map(math.exp)
)
def test_kl_quad_agrees_with_kl_normal_on_random_parameters(mu_p, s_p, mu_q, s_q):
    got = kl_quad(stats.norm(mu_p, s_p), stats.norm(mu_q, s_q))
    assert got == pytest.approx(kl_normal(mu_p, s_p, mu_q, s_q), rel=1e-8, abs=1e-10)


def test_kl_quad_raises_when_q_has_zero_density_where_p_does_not():
    with pytest.raises(ValueError, match=r"^q: has zero density .* KL\(p \|\| q\) is infinite"):
        kl_quad(stats.norm(0, 1), stats.uniform(0, 1))


def test_kl_quad_raises_when_the_divergence_is_infinite():
    # E_cauchy[x^2] is infinite, so KL(Cauchy || Normal) is too.
    with pytest.raises(ValueError, match=r"^p, q: the quadrature .* did not converge"):
        kl_quad(stats.cauchy(), stats.norm())


def test_kl_quad_names_an_underflowing_scipy_log_density_instead_of_claiming_zero_density():
    # scipy's hyperbolic secant computes logpdf as log(pdf), which is -inf far out although log(pdf) is finite.
    with pytest.raises(ValueError, match=r"^q: scipy's logpdf of hypsecant is -inf .* inside its support"):
        kl_quad(stats.norm(0, 3), stats.hypsecant(1, 0.003))


@pytest.mark.parametrize("p_params, q_params", [((0, 3), (1, 0.3)), ((0.3, 2), (-1, 0.01)), ((0, 1), (0, 1e-3))])
def test_kl_quad_handles_a_narrow_laplace_whose_scipy_log_density_underflows(p_params, q_params):
    """scipy's Laplace logpdf is log(pdf), -inf beyond about 745 scales; kl_quad uses the finite log-density."""
    assert kl_quad(stats.laplace(*p_params), stats.laplace(*q_params)) == pytest.approx(
        kl_laplace(*p_params, *q_params), rel=1e-9
    )


# -- Monte Carlo ------------------------------------------------------------------------------------------------------

MONTE_CARLO_CASES = [(0.0, 1.0, 1.0, 2.0), (0.0, 1.0, 0.0, 3.0), (2.0, 0.5, -1.0, 1.0), (0.0, 2.0, 0.5, 1.5)]


@pytest.mark.parametrize("family", ["normal", "laplace"])
@pytest.mark.parametrize("params", MONTE_CARLO_CASES)
def test_kl_monte_carlo_agrees_with_the_closed_form_within_four_standard_errors(family, params):
    mu_p, s_p, mu_q, s_q = params
    dist = SCIPY_FAMILIES[family]
    estimate, standard_error = kl_monte_carlo(dist(mu_p, s_p), dist(mu_q, s_q))
    assert 0 < standard_error < 0.05
    assert abs(estimate - CLOSED_FORMS[family](*params)) < 4 * standard_error


def test_kl_monte_carlo_returns_a_named_estimate_and_standard_error():
    result = kl_monte_carlo(stats.norm(0, 1), stats.norm(1, 1), n=1000)
    assert isinstance(result, MonteCarloEstimate)
    assert type(result.estimate) is float and type(result.standard_error) is float
    assert result == (result.estimate, result.standard_error)


def test_kl_monte_carlo_draws_from_p_with_the_seeded_default_rng():
    p, q, n, seed = stats.norm(0.5, 2.0), stats.norm(-1.0, 1.5), 5000, 7
    x = p.rvs(size=n, random_state=np.random.default_rng(seed))
    differences = p.logpdf(x) - q.logpdf(x)
    estimate, standard_error = kl_monte_carlo(p, q, n=n, seed=seed)
    assert estimate == pytest.approx(differences.mean(), rel=1e-13)
    assert standard_error == pytest.approx(differences.std(ddof=1) / math.sqrt(n), rel=1e-13)


def test_kl_monte_carlo_is_reproducible_for_a_seed_and_varies_across_seeds():
    p, q = stats.laplace(0, 1), stats.laplace(1, 2)
    assert kl_monte_carlo(p, q, n=2000, seed=3) == kl_monte_carlo(p, q, n=2000, seed=3)
    assert kl_monte_carlo(p, q, n=2000, seed=3) != kl_monte_carlo(p, q, n=2000, seed=4)


def test_kl_monte_carlo_standard_error_shrinks_like_one_over_root_n():
    p, q = stats.norm(0, 1), stats.norm(1, 2)
    small = kl_monte_carlo(p, q, n=10_000).standard_error
    large = kl_monte_carlo(p, q, n=40_000).standard_error
    assert large / small == pytest.approx(0.5, rel=0.1)


def test_kl_monte_carlo_of_a_distribution_from_itself_is_exactly_zero():
    assert kl_monte_carlo(stats.norm(1, 2), stats.norm(1, 2), n=100) == (0.0, 0.0)


def test_kl_monte_carlo_raises_when_a_sample_has_zero_density_under_q():
    with pytest.raises(ValueError, match=r"^q: has zero density"):
        kl_monte_carlo(stats.norm(0, 1), stats.uniform(0, 1), n=100)
