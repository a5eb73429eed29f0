"""Specification of the KL divergences in lossbook.numeric.

The closed forms are checked against their symbolic twins (lossbook.symbolic.kl, lambdified), against mpmath at
50 digits at extreme parameters, and against two independent numerical routes (quadrature and Monte Carlo).
kl_quad is held to its promise on narrow, far-apart, heavy-tailed and skewed pairs: the exact value to 1e-8
relative, or a ValueError that says why. The discrete divergence and entropy are checked against
scipy.stats.entropy as the oracle, and against mpmath where scipy's plain sum cancels.
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

from scipy import special

from lossbook.numeric import divergences
from lossbook.numeric.divergences import (
    MonteCarloEstimate,
    entropy,
    kl_categorical,
    kl_laplace,
    kl_monte_carlo,
    kl_normal,
    kl_quad,
)
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


# -- quadrature: right or raises, on hard pairs ------------------------------------------------------------------------


def kl_gamma(a_p, scale_p, a_q, scale_q):
    """KL(Gamma(a_p, scale_p) || Gamma(a_q, scale_q)), shapes a and scales (scipy's parametrisation).

    With E_p[log x] = digamma(a_p) + log scale_p and E_p[x] = a_p scale_p in the two log-densities
    (a - 1) log x - x / scale - log Gamma(a) - a log scale, the difference of expectations is
    (a_p - a_q) digamma(a_p) - log Gamma(a_p) + log Gamma(a_q) + a_q log(scale_q / scale_p)
    + a_p (scale_p - scale_q) / scale_q; the same as W. D. Penny, "KL-divergences of Normal, Gamma, Dirichlet
    and Wishart densities" (2001), eq. (25), there with rates 1 / scale. The exponential is the case a = 1.
    """
    return float(
        (a_p - a_q) * special.digamma(a_p)
        - special.gammaln(a_p)
        + special.gammaln(a_q)
        + a_q * math.log(scale_q / scale_p)
        + a_p * (scale_p - scale_q) / scale_q
    )


def kl_cauchy(loc_p, scale_p, loc_q, scale_q):
    """log(((s_p + s_q)^2 + (l_p - l_q)^2) / (4 s_p s_q)): F. Chyzak and F. Nielsen, "A closed-form formula for the
    Kullback-Leibler divergence between Cauchy distributions", arXiv:1905.10965 (2019), eq. (1)."""
    return math.log(((scale_p + scale_q) ** 2 + (loc_p - loc_q) ** 2) / (4 * scale_p * scale_q))


def mp_kl_student_t(df, loc_p, scale_p, loc_q, scale_q):
    """The KL integral of two Student t densities of the same df, by mpmath at 30 digits (no closed form)."""
    with mpmath.workdps(30):
        df = mpmath.mpf(df)

        def log_t(x, loc, scale):
            z = (x - loc) / scale
            return (
                mpmath.loggamma((df + 1) / 2) - mpmath.loggamma(df / 2) - mpmath.log(mpmath.sqrt(df * mpmath.pi) * scale)
                - (df + 1) / 2 * mpmath.log(1 + z * z / df)
            )

        def integrand(x):
            lp = log_t(x, loc_p, scale_p)
            return mpmath.exp(lp) * (lp - log_t(x, loc_q, scale_q))

        cuts = sorted({loc_p - 50 * scale_p, loc_p, loc_p + 50 * scale_p, loc_q})
        return mpmath.quad(integrand, [-mpmath.inf, *cuts, mpmath.inf])


HARD_PAIRS = [
    # narrow: the case (kl_quad returned 0.0; exact log(1e4) + 1e-8 / 2 - 1/2 = 8.7103...)
    pytest.param(stats.norm(0, 1e-4), stats.norm(0, 1), kl_normal(0, 1e-4, 0, 1), id="narrow-normal"),
    pytest.param(stats.norm(0, 1e-12), stats.norm(0, 1), kl_normal(0, 1e-12, 0, 1), id="very-narrow-normal"),
    pytest.param(stats.norm(0, 1), stats.norm(0, 1e-4), kl_normal(0, 1, 0, 1e-4), id="narrow-q"),
    pytest.param(stats.norm(3, 1e-4), stats.norm(0, 1), kl_normal(3, 1e-4, 0, 1), id="narrow-off-centre"),
    pytest.param(stats.laplace(0, 1e-4), stats.laplace(0, 1), kl_laplace(0, 1e-4, 0, 1), id="narrow-laplace"),
    # far apart: the case (off by a factor of 2)
    pytest.param(stats.norm(0, 1), stats.norm(1e4, 1), kl_normal(0, 1, 1e4, 1), id="far-apart-normal"),
    pytest.param(stats.norm(1e4, 1), stats.norm(0, 1), kl_normal(1e4, 1, 0, 1), id="far-apart-normal-reversed"),
    pytest.param(stats.norm(0, 1), stats.norm(1e4, 3), kl_normal(0, 1, 1e4, 3), id="far-apart-different-scales"),
    pytest.param(stats.laplace(0, 1), stats.laplace(1e4, 1), kl_laplace(0, 1, 1e4, 1), id="far-apart-laplace"),
    # heavy-tailed
    pytest.param(stats.cauchy(0, 1), stats.cauchy(2, 3), kl_cauchy(0, 1, 2, 3), id="cauchy"),
    pytest.param(stats.cauchy(0, 1e-4), stats.cauchy(0, 1), kl_cauchy(0, 1e-4, 0, 1), id="narrow-cauchy"),
    pytest.param(stats.cauchy(0, 1), stats.cauchy(1e4, 1), kl_cauchy(0, 1, 1e4, 1), id="far-apart-cauchy"),
    pytest.param(stats.t(3, 0, 1), stats.t(3, 1, 2), mp_kl_student_t(3, 0, 1, 1, 2), id="student-t-3"),
    pytest.param(stats.t(1.5, 0, 1), stats.t(1.5, 0, 0.1), mp_kl_student_t(1.5, 0, 1, 0, 0.1), id="student-t-1.5"),
    # skewed
    pytest.param(stats.gamma(2, scale=1), stats.gamma(3, scale=2), kl_gamma(2, 1, 3, 2), id="gamma"),
    pytest.param(stats.gamma(0.5), stats.gamma(2), kl_gamma(0.5, 1, 2, 1), id="gamma-infinite-density-at-0"),
    pytest.param(stats.gamma(0.1), stats.gamma(1), kl_gamma(0.1, 1, 1, 1), id="gamma-shape-0.1"),
    pytest.param(stats.gamma(50, scale=0.01), stats.gamma(2), kl_gamma(50, 0.01, 2, 1), id="gamma-narrow"),
    pytest.param(stats.gamma(1e3), stats.gamma(1e3, scale=1.1), kl_gamma(1e3, 1, 1e3, 1.1), id="gamma-far-from-0"),
    pytest.param(stats.expon(scale=1e-4), stats.expon(), kl_gamma(1, 1e-4, 1, 1), id="narrow-exponential"),
    # lognormal: KL is invariant under x -> log x, so it is the KL of the normals of the logarithms
    pytest.param(stats.lognorm(1, scale=1), stats.lognorm(2, scale=math.e), kl_normal(0, 1, 1, 2), id="lognormal"),
    pytest.param(stats.lognorm(2, scale=math.e), stats.lognorm(0.5), kl_normal(1, 2, 0, 0.5), id="lognormal-wide"),
    pytest.param(stats.lognorm(0.01, scale=5), stats.lognorm(1), kl_normal(math.log(5), 0.01, 0, 1), id="lognormal-narrow"),
    # beta: log B(a_q, b_q) / B(a_p, b_p) + (a_p - a_q) psi(a_p) + (b_p - b_q) psi(b_p) + (a_q - a_p + b_q - b_p) psi(a_p + b_p)
    pytest.param(stats.beta(2, 3), stats.beta(3, 2), 0.5, id="beta"),
]


@pytest.mark.parametrize("p, q, exact", HARD_PAIRS)
def test_kl_quad_agrees_with_the_exact_value_on_hard_pairs(p, q, exact):
    got = kl_quad(p, q)
    assert type(got) is float
    assert abs(got - float(exact)) <= 1e-8 * abs(float(exact))


@pytest.mark.parametrize(
    "p, q",
    [
        pytest.param(stats.cauchy(), stats.norm(), id="cauchy-normal"),
        pytest.param(stats.t(2), stats.norm(), id="student-t-2-normal"),
        pytest.param(stats.t(1), stats.laplace(), id="student-t-1-laplace"),
    ],
)
def test_kl_quad_raises_for_heavy_tails_under_a_light_tailed_q(p, q):
    # E_p[x^2] (or E_p|x| for the Laplace q and the Cauchy p = t(1)) is infinite, and so is the divergence.
    with pytest.raises(ValueError, match=r"^p, q: the quadrature of KL\(p \|\| q\) over .* did not converge"):
        kl_quad(p, q)


def test_kl_quad_raises_when_p_is_too_narrow_for_float64_at_its_location():
    # x near 1e3 is resolved only to 1.1e-13, a share 8e-8 of p's spread: the answer would be off by about 1e-8.
    with pytest.raises(ValueError, match=r"^p, q: KL\(p \|\| q\) = .* cannot be computed to 1e-8 .* too narrow"):
        kl_quad(stats.norm(1e3, 1e-6), stats.norm(0, 1))


def test_kl_quad_raises_when_p_has_mass_closer_to_its_bound_than_float64_resolves():
    # Gamma(0.1) shifted to 5: a share 0.03 of the mass lies within one spacing (8.9e-16) of 5.
    with pytest.raises(ValueError, match=r"^p: a share 0\.0328 of its mass lies within one float64 spacing"):
        kl_quad(stats.gamma(0.1, loc=5), stats.gamma(1, loc=5))


def test_kl_quad_raises_when_its_error_estimate_is_too_large(monkeypatch):
    monkeypatch.setattr(divergences, "_QUAD_RTOL", 1e-30)
    with pytest.raises(ValueError, match=r"^p, q: KL\(p \|\| q\) = 0\.117783\d* cannot .* error estimate is .*kl_monte_carlo$"):
        kl_quad(stats.cauchy(0, 1), stats.cauchy(0, 2))


def test_kl_quad_bounds_its_work(monkeypatch):
    monkeypatch.setattr(divergences, "_QUAD_EVALUATIONS", 100)
    with pytest.raises(ValueError, match=r"^p, q: the quadrature of KL\(p \|\| q\) needed more than 100 evaluations"):
        kl_quad(stats.norm(0, 1), stats.norm(1, 2))


@pytest.mark.parametrize("family", ["normal", "laplace"])
@settings(deadline=None, max_examples=30)
@given(
    mu_p=st.floats(-1e4, 1e4),
    s_p=st.floats(-10, 10).map(math.exp),
    mu_q=st.floats(-1e4, 1e4),
    s_q=st.floats(-10, 10).map(math.exp),
)
def test_kl_quad_is_right_or_raises_over_extreme_parameters(family, mu_p, s_p, mu_q, s_q):
    """Over scales from 4.5e-5 to 2.2e4 and locations 2e4 apart: within 1e-8 of the closed form, or a ValueError."""
    dist = SCIPY_FAMILIES[family]
    exact = CLOSED_FORMS[family](mu_p, s_p, mu_q, s_q)
    try:
        got = kl_quad(dist(mu_p, s_p), dist(mu_q, s_q))
    except ValueError as error:
        assert str(error).startswith(("p, q:", "p:", "q:"))
        return
    assert abs(got - exact) <= 1e-8 * exact + 1e-13


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



# -- discrete distributions: kl_categorical and entropy ---------------------------------------------------------------


def dirichlet(seed, shape):
    return np.random.default_rng(seed).dirichlet(np.ones(shape[-1]), size=shape[:-1])


SHAPES_AND_AXES = [((5,), -1), ((5,), 0), ((4, 5), -1), ((4, 5), 0), ((3, 4, 5), 1), ((3, 4, 5), -1), ((2, 1), -1)]


@pytest.mark.parametrize("shape, axis", SHAPES_AND_AXES)
def test_kl_categorical_and_entropy_agree_with_scipy(shape, axis):
    p = np.moveaxis(dirichlet(0, shape), -1, axis)
    q = np.moveaxis(dirichlet(1, shape), -1, axis)
    expected_kl = stats.entropy(p, q, axis=axis)
    expected_h = stats.entropy(p, axis=axis)
    got_kl, got_h = kl_categorical(p, q, axis=axis), entropy(p, axis=axis)
    assert np.shape(got_kl) == np.shape(expected_kl) and np.shape(got_h) == np.shape(expected_h)
    np.testing.assert_allclose(got_kl, expected_kl, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(got_h, expected_h, rtol=1e-13, atol=1e-15)


def test_one_float64_distribution_gives_a_python_float():
    assert type(entropy([0.25, 0.75])) is float
    assert type(kl_categorical([0.25, 0.75], [0.5, 0.5])) is float


@pytest.mark.parametrize("shape", [(6,), (4, 6)])
def test_float32_in_float32_out(shape):
    p, q = dirichlet(2, shape).astype(np.float32), dirichlet(3, shape).astype(np.float32)
    got_kl, got_h = kl_categorical(p, q), entropy(p)
    assert np.asarray(got_kl).dtype == np.float32 and np.asarray(got_h).dtype == np.float32
    np.testing.assert_allclose(got_kl, stats.entropy(p.astype(float), q.astype(float), axis=-1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_h, stats.entropy(p.astype(float), axis=-1), rtol=1e-5, atol=1e-6)


def test_mixed_precision_and_integers_give_float64():
    p32 = np.array([0.5, 0.5], dtype=np.float32)
    assert type(kl_categorical(p32, [0.25, 0.75])) is float
    assert entropy([1, 0]) == 0.0 and type(entropy([1, 0])) is float
    assert np.asarray(entropy(np.array([[1, 0]], dtype=np.int32))).dtype == np.float64


def test_zero_probabilities_contribute_nothing():
    # 0 log 0 = 0, and q = 0 is fine where p = 0 too.
    assert entropy([0.0, 1.0]) == 0.0
    assert kl_categorical([0.0, 1.0], [0.0, 1.0]) == 0.0
    assert kl_categorical([0.0, 1.0], [0.5, 0.5]) == pytest.approx(math.log(2), rel=1e-15)
    assert kl_categorical([0.0, 0.5, 0.5], [0.0, 0.25, 0.75]) == pytest.approx(stats.entropy([0, 0.5, 0.5], [0, 0.25, 0.75]), rel=1e-14)


def test_q_zero_where_p_is_positive_raises_instead_of_returning_inf():
    assert stats.entropy([0.5, 0.5], [1.0, 0.0]) == np.inf  # scipy's answer
    with pytest.raises(ValueError, match=r"^q: is 0 where p is positive \(at index \(1, 0\) of the broadcast shape \(2, 2\)\), so KL\(p \|\| q\) is infinite$"):
        kl_categorical([[0.5, 0.5], [0.5, 0.5]], [[0.5, 0.5], [0.0, 1.0]])


def test_one_q_broadcasts_against_many_p():
    p = dirichlet(4, (7, 3))
    q = np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(kl_categorical(p, q), stats.entropy(p, np.broadcast_to(q, p.shape), axis=-1), rtol=1e-13)


def test_nearly_equal_distributions_are_accurate_where_the_plain_sum_cancels():
    p = np.array([0.3, 0.2, 0.5])
    q = p + np.array([1e-9, -2e-9, 1e-9])
    with mpmath.workdps(50):
        exact = sum(mpmath.mpf(a) * mpmath.log(mpmath.mpf(a) / mpmath.mpf(b)) for a, b in zip(p, q / q.sum()))
    assert abs(kl_categorical(p, q) - exact) <= 1e-6 * exact  # exact is 1.4e-17; scipy's sum is off by more


BAD_DISTRIBUTIONS = [
    ((np.array([0.5, 0.6]),), {}, r"^p: must sum to 1 along axis 0 \(within 1\.5e-08\), got a sum of 1\.1"),
    ((np.array([1.5, -0.5]),), {}, r"^p: must be non-negative \(probabilities\), got min -0\.5$"),
    ((np.array([np.nan, 1.0]),), {}, r"^p: must be finite, got 1 NaN or infinite value\(s\)$"),
    ((np.array([]),), {}, r"^p: must not be empty, got shape \(0,\)$"),
    ((0.5,), {}, r"^p: must be an array of probabilities with at least one axis, got a scalar$"),
    (("ab",), {}, r"^p: must be numeric"),
    (([[0.5, 0.5], [1.0]],), {}, r"^p: must be a rectangular array of probabilities"),
    ((np.array([0.5, 0.5]),), {"axis": 1}, r"^axis: 1 is out of range for p of shape \(2,\)$"),
    ((np.array([0.5, 0.5]),), {"axis": 0.0}, r"^axis: must be an integer, got 0\.0$"),
    ((np.ma.masked_array([0.5, 0.5], [True, False]),), {}, r"^p: a masked array with masked entries is not a distribution"),
    ((np.array([3, 1]),), {}, r"^p: must sum to 1 .* divide counts or weights by their sum"),
    ((np.array([0.5, 0.5 + 1e-3], dtype=np.float32),), {}, r"^p: must sum to 1 along axis 0 \(within 0\.00035\)"),
]


@pytest.mark.parametrize("args, kwargs, message", BAD_DISTRIBUTIONS)
def test_entropy_rejects_what_is_not_a_distribution(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        entropy(*args, **kwargs)


@pytest.mark.parametrize("args, kwargs, message", BAD_DISTRIBUTIONS)
def test_kl_categorical_rejects_what_is_not_a_distribution_in_either_argument(args, kwargs, message):
    valid = np.array([0.5, 0.5])
    with pytest.raises(ValueError, match=message):
        kl_categorical(*args, valid, **kwargs)
    if "axis" not in kwargs:  # a bad axis is reported with p, checked first
        with pytest.raises(ValueError, match=message.replace("^p:", "^q:")):
            kl_categorical(valid, *args, **kwargs)


def test_kl_categorical_names_both_shapes_when_they_do_not_broadcast():
    with pytest.raises(ValueError, match=r"^p, q: shapes \(2, 3\) and \(2,\) do not broadcast$"):
        kl_categorical(dirichlet(0, (2, 3)), [0.5, 0.5])


def test_a_masked_array_without_masked_entries_is_its_data():
    p = np.ma.masked_array([0.25, 0.75], [False, False])
    assert entropy(p) == entropy([0.25, 0.75])


def test_the_sum_is_normalised_as_scipy_does():
    p = np.array([0.25, 0.75]) * (1 + 1e-9)
    assert entropy(p) == pytest.approx(stats.entropy(p), rel=1e-15)


distributions = st.integers(2, 8).flatmap(
    lambda k: st.tuples(
        st.lists(st.floats(1e-3, 1.0), min_size=k, max_size=k), st.lists(st.floats(1e-3, 1.0), min_size=k, max_size=k)
    )
)


def normalised(weights):
    w = np.asarray(weights)
    return w / w.sum()


@given(pair=distributions)
def test_kl_categorical_is_non_negative_and_zero_only_for_equal_distributions(pair):
    p, q = (normalised(w) for w in pair)
    value = kl_categorical(p, q)
    assert value >= 0.0
    assert (value == 0.0) == np.array_equal(p, q)
    assert kl_categorical(p, p) == 0.0
    assert value == pytest.approx(stats.entropy(p, q), rel=1e-9, abs=1e-15)


@given(pair=distributions)
def test_entropy_lies_between_0_and_log_k(pair):
    p = normalised(pair[0])
    h = entropy(p)
    assert 0.0 <= h <= math.log(p.size) * (1 + 1e-14)
    assert h == pytest.approx(stats.entropy(p), rel=1e-13)


@given(pair=distributions)
def test_cross_entropy_is_entropy_plus_divergence(pair):
    p, q = (normalised(w) for w in pair)
    cross = -float(np.sum(p * np.log(q)))
    assert entropy(p) + kl_categorical(p, q) == pytest.approx(cross, rel=1e-12)


def test_entropy_of_the_uniform_distribution_is_log_k():
    assert entropy(np.full(7, 1 / 7)) == pytest.approx(math.log(7), rel=1e-15)
