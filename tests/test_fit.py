"""fit: maximum likelihood by numbers for any family, checked against scipy.stats and closed forms."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from reader_families import Gumbel, Logistic, Weibull
from scipy import optimize, stats

from lossbook.symbolic import (
    Bernoulli,
    Cauchy,
    Fit,
    Gamma,
    GeneralizedNormal,
    Laplace,
    Normal,
    Poisson,
    StudentT,
    fit,
    on_data,
)
from lossbook.symbolic import fitting

mu = sp.Symbol("mu", real=True)
sigma, beta, s, k, lam, rate, alpha, nu, p = sp.symbols("sigma beta s k lam rate alpha nu p", positive=True)
y = sp.IndexedBase("y", real=True)

RNG = np.random.default_rng(20150)
SAMPLES = {
    "gumbel": stats.gumbel_r.rvs(2.0, 3.0, size=400, random_state=RNG),
    "weibull": stats.weibull_min.rvs(1.7, scale=4.0, size=400, random_state=RNG),
    "logistic": stats.logistic.rvs(1.0, 2.0, size=400, random_state=RNG),
    "normal": stats.norm.rvs(1.0, 2.0, size=400, random_state=RNG),
    "exponential": stats.expon.rvs(scale=3.0, size=400, random_state=RNG),
    "gamma": stats.gamma.rvs(2.5, scale=2.0, size=400, random_state=RNG),
    "student t": stats.t.rvs(4.0, 1.0, 2.0, size=400, random_state=RNG),
    "cauchy": stats.cauchy.rvs(1.0, 2.0, size=400, random_state=RNG),
    "generalized normal": stats.gennorm.rvs(1.5, 1.0, 2.0, size=400, random_state=RNG),
}


def _nelder_mead_to_convergence(func, x0, args=(), disp=0):
    """scipy's own fit with its simplex run to convergence (its default stops at xtol=1e-4)."""
    return optimize.fmin(func, x0, args=args, disp=disp, xtol=1e-12, ftol=1e-14, maxiter=20_000, maxfun=40_000)


# (family to fit, sample, scipy's estimates in its parametrisation, ours in scipy's, scipy's log-density in ours)
CASES = {
    "gumbel": (
        Gumbel(mu, beta),
        lambda data: stats.gumbel_r.fit(data),
        lambda e: (e[mu], e[beta]),
        lambda data, m, b: stats.gumbel_r.logpdf(data, m, b),
    ),
    "weibull": (
        Weibull(k, lam),
        lambda data: stats.weibull_min.fit(data, floc=0, optimizer=_nelder_mead_to_convergence),
        lambda e: (e[k], 0.0, e[lam]),
        lambda data, shape, scale: stats.weibull_min.logpdf(data, shape, scale=scale),
    ),
    "logistic": (
        Logistic(mu, s),
        lambda data: stats.logistic.fit(data),
        lambda e: (e[mu], e[s]),
        lambda data, m, scale: stats.logistic.logpdf(data, m, scale),
    ),
    "normal": (
        Normal(mu, sigma),
        lambda data: stats.norm.fit(data),
        lambda e: (e[mu], e[sigma]),
        lambda data, m, sd: stats.norm.logpdf(data, m, sd),
    ),
    "exponential": (
        Gamma(1, rate),
        lambda data: stats.expon.fit(data, floc=0),
        lambda e: (0.0, 1 / e[rate]),
        lambda data, r: stats.expon.logpdf(data, scale=1 / r),
    ),
    "gamma": (
        Gamma(alpha, rate),
        lambda data: stats.gamma.fit(data, floc=0),
        lambda e: (e[alpha], 0.0, 1 / e[rate]),
        lambda data, a, r: stats.gamma.logpdf(data, a, scale=1 / r),
    ),
    "student t": (
        StudentT(mu, sigma, nu),
        lambda data: stats.t.fit(data, optimizer=_nelder_mead_to_convergence),
        lambda e: (e[nu], e[mu], e[sigma]),
        lambda data, m, scale, df: stats.t.logpdf(data, df, m, scale),
    ),
    "cauchy": (
        Cauchy(mu, s),
        lambda data: stats.cauchy.fit(data, optimizer=_nelder_mead_to_convergence),
        lambda e: (e[mu], e[s]),
        lambda data, m, scale: stats.cauchy.logpdf(data, m, scale),
    ),
    "generalized normal": (  # |x - mu|**p: smooth enough in mu for p > 1
        GeneralizedNormal(mu, alpha, p),
        lambda data: stats.gennorm.fit(data, optimizer=_nelder_mead_to_convergence),
        lambda e: (e[p], e[mu], e[alpha]),
        lambda data, m, scale, power: stats.gennorm.logpdf(data, power, m, scale),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_estimates_agree_with_scipy_stats_fit(name):
    dist, scipy_fit, as_scipy, _ = CASES[name]
    data = SAMPLES[name]
    np.testing.assert_allclose(as_scipy(fit(dist, data).estimates), scipy_fit(data), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", CASES)
def test_log_likelihood_is_scipys_at_the_estimates(name):
    dist, _, _, logpdf = CASES[name]
    result = fit(dist, SAMPLES[name])
    expected = np.sum(logpdf(SAMPLES[name], *result.estimates.values()))
    assert math.isclose(result.log_likelihood, expected, rel_tol=1e-12)


def _finite_difference_hessian(function, point, relative_step=1e-4):
    point = np.asarray(point, dtype=float)
    steps = relative_step * np.maximum(np.abs(point), 1.0)
    size = point.size
    hessian = np.empty((size, size))
    for j in range(size):
        for i in range(size):
            shifted = [point.copy() for _ in range(4)]
            for copy, (dj, di) in zip(shifted, [(1, 1), (1, -1), (-1, 1), (-1, -1)]):
                copy[j] += dj * steps[j]
                copy[i] += di * steps[i]
            pp, pm, mp, mm = (function(c) for c in shifted)
            hessian[j, i] = (pp - pm - mp + mm) / (4 * steps[j] * steps[i])
    return hessian


# Not the generalized normal: its Hessian in mu holds |y_i - mu|**(p - 2), singular at every observation, and a
# finite difference across the neighbouring observations does not converge to it.
@pytest.mark.parametrize("name", [name for name in CASES if name != "generalized normal"])
def test_standard_errors_from_a_finite_difference_hessian_of_scipys_logpdf(name):
    dist, _, _, logpdf = CASES[name]
    data = SAMPLES[name]
    result = fit(dist, data)
    hessian = _finite_difference_hessian(lambda point: np.sum(logpdf(data, *point)), list(result.estimates.values()))
    expected = np.sqrt(np.diag(np.linalg.inv(-hessian)))
    np.testing.assert_allclose(list(result.standard_errors.values()), expected, rtol=1e-5)


def test_normal_standard_errors_are_sigma_over_root_n_and_root_2n():
    data = SAMPLES["normal"]
    result = fit(Normal(mu, sigma), data)
    n = data.size
    expected = [result.estimates[sigma] / math.sqrt(n), result.estimates[sigma] / math.sqrt(2 * n)]
    np.testing.assert_allclose([result.standard_errors[mu], result.standard_errors[sigma]], expected, rtol=1e-10)


def test_exponential_rate_is_one_over_the_mean_with_standard_error_rate_over_root_n():
    data = SAMPLES["exponential"]
    result = fit(Gamma(1, rate), data)
    assert math.isclose(result.estimates[rate], 1 / np.mean(data), rel_tol=1e-12)
    assert math.isclose(result.standard_errors[rate], result.estimates[rate] / math.sqrt(data.size), rel_tol=1e-10)


@pytest.mark.parametrize(
    "dist, data, parameter",
    [
        pytest.param(Poisson(rate), np.array([0, 1, 3, 2, 5, 2, 2, 0]), rate, id="poisson rate"),
        pytest.param(Bernoulli(sp.Symbol("p", real=True)), np.array([1, 0, 0, 1, 0, 0, 0, 1, 0, 0]),
                     sp.Symbol("p", real=True), id="bernoulli p, kept in (0, 1) by its logarithms"),
    ],
)
def test_count_and_label_rates_are_the_sample_mean(dist, data, parameter):
    assert math.isclose(fit(dist, data).estimates[parameter], np.mean(data), rel_tol=1e-12)


def test_fixed_shape_gives_the_closed_form_weibull_scale():
    """stationary_points: with the shape k fixed, lam^k is the mean of y^k."""
    data = SAMPLES["weibull"]
    result = fit(Weibull(k, lam), data, fixed={k: 1.5})
    assert result.symbols == (lam,)
    assert math.isclose(result.estimates[lam], np.mean(data**1.5) ** (1 / 1.5), rel_tol=1e-12)


def test_a_number_in_the_family_holds_the_parameter_like_fixed():
    data = SAMPLES["weibull"]
    held_by_number = fit(Weibull(1.5, lam), data).estimates[lam]
    held_by_name = fit(Weibull(k, lam), data, fixed={"k": 1.5}).estimates[lam]
    assert math.isclose(held_by_number, held_by_name, rel_tol=1e-12)


def test_a_parameter_written_as_an_expression_fits_its_symbol():
    v = sp.Symbol("v", positive=True)
    data = SAMPLES["normal"]
    assert math.isclose(fit(Normal(mu, sp.sqrt(v)), data).estimates[v], np.var(data), rel_tol=1e-12)


def test_a_given_start_reaches_the_same_estimates():
    data = SAMPLES["gumbel"]
    default = fit(Gumbel(mu, beta), data).estimates
    started = fit(Gumbel(mu, beta), data, start={mu: -10.0, beta: 40.0}).estimates
    np.testing.assert_allclose(list(started.values()), list(default.values()), rtol=1e-12)


def test_the_score_is_zero_at_the_estimates_on_the_data():
    data = SAMPLES["gumbel"]
    result = fit(Gumbel(mu, beta), data)
    for score in result.score:
        assert abs(on_data(score.subs(result.estimates), {y: data})) < 1e-9 * data.size


def test_the_information_on_the_data_is_the_inverse_covariance():
    data = SAMPLES["gamma"]
    result = fit(Gamma(alpha, rate), data)
    n = sp.Symbol("n", integer=True, positive=True)
    at_estimates = result.information.subs(result.estimates)
    information = np.array([[on_data(e, {y: data}, size=n) for e in row] for row in at_estimates.tolist()])
    np.testing.assert_allclose(information @ result.covariance, np.eye(2), atol=1e-9)


def test_fit_reports_its_parts_in_the_order_of_its_symbols():
    result = fit(Gumbel(mu, beta), SAMPLES["gumbel"])
    assert isinstance(result, Fit) and result.symbols == (mu, beta)
    assert list(result.estimates) == list(result.standard_errors) == [mu, beta]
    assert result.covariance.shape == (2, 2) and result.information.shape == (2, 2) and len(result.score) == 2
    np.testing.assert_allclose(np.sqrt(np.diag(result.covariance)), list(result.standard_errors.values()), rtol=1e-15)


BASE = stats.gumbel_r.rvs(0.0, 1.0, size=200, random_state=np.random.default_rng(7))
BASE_FIT = fit(Gumbel(mu, beta), BASE)


@settings(max_examples=25)
@given(scale=st.floats(0.01, 100), shift=st.floats(-1000, 1000))
def test_a_location_scale_family_is_fitted_equivariantly(scale, shift):
    """Fitting scale * y + shift gives scale * mu + shift and scale * beta, whatever the units of the data."""
    result = fit(Gumbel(mu, beta), scale * BASE + shift)
    expected = [scale * BASE_FIT.estimates[mu] + shift, scale * BASE_FIT.estimates[beta]]
    np.testing.assert_allclose([result.estimates[mu], result.estimates[beta]], expected, rtol=1e-9, atol=1e-9 * scale)


def test_a_second_fit_of_the_family_reuses_the_compiled_model(monkeypatch):
    fit(Logistic(mu, s), SAMPLES["logistic"])

    def compile_again(*args):
        raise AssertionError("the model was derived and compiled again")

    monkeypatch.setattr(fitting, "_Model", compile_again)
    fit(Logistic(mu, s), SAMPLES["logistic"][:100])


# -- what fit refuses -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, reason",
    [
        pytest.param([], "must not be empty", id="empty"),
        pytest.param([[1.0, 2.0], [3.0, 4.0]], "one-dimensional", id="two-dimensional"),
        pytest.param([1.0, np.nan], "finite", id="nan"),
        pytest.param([1.0, np.inf], "finite", id="infinite"),
        pytest.param([1.0, 2.0 + 1.0j], "", id="complex"),
        pytest.param(["a", "b"], "", id="strings"),
        pytest.param([1.0, -2.0, 3.0], "outside the support", id="outside the support"),
    ],
)
def test_bad_data_is_a_value_error_naming_data(data, reason):
    with pytest.raises(ValueError, match=f"^data: .*{reason}"):
        fit(Weibull(k, lam), data)


def test_counts_must_be_whole_numbers():
    with pytest.raises(ValueError, match="^data: .*outside the support"):
        fit(Poisson(rate), [1.0, 2.5])


@pytest.mark.parametrize(
    "dist, keywords, argument, reason",
    [
        pytest.param(stats.norm, {}, "dist", "Distribution", id="not a distribution"),
        pytest.param(Normal(0, 1), {}, "dist", "no symbolic parameter", id="nothing to fit"),
        pytest.param(Normal(mu, sigma), {"fixed": {mu: 0, sigma: 1}}, "dist", "all are fixed", id="all fixed"),
        pytest.param(Normal(y[1], sigma), {}, "dist", "indexed", id="indexed data in a parameter"),
        pytest.param(Laplace(mu, sigma), {}, "dist", "not differentiable in mu", id="a kink in the parameter"),
        pytest.param(Normal(mu, sigma), {"fixed": {beta: 1.0}}, "fixed", "not a symbol to fit", id="fixed unknown"),
        pytest.param(Normal(mu, sigma), {"fixed": {mu: np.nan}}, "fixed", "finite", id="fixed nan"),
        pytest.param(Normal(mu, sigma), {"fixed": {mu: "zero"}}, "fixed", "real number", id="fixed string"),
        pytest.param(Normal(mu, sigma), {"fixed": [mu, 0.0]}, "fixed", "mapping", id="fixed not a mapping"),
        pytest.param(Normal(mu, sigma), {"fixed": {mu: 1 + 2j}}, "fixed", "real number", id="fixed complex"),
        pytest.param(Normal(mu, sigma), {"fixed": {sigma: -1.0}}, "fixed", "outside the range",
                     id="fixed negative scale"),
        pytest.param(Normal(mu, sigma), {"start": {"tau": 1.0}}, "start", "not a symbol to fit", id="start unknown"),
        pytest.param(Normal(mu, sigma), {"start": {sigma: -1.0}}, "start", "outside the range", id="start outside"),
        pytest.param(Normal(mu, sigma), {"start": {mu: math.inf}}, "start", "finite", id="start infinite"),
    ],
)
def test_bad_arguments_are_value_errors_naming_the_argument(dist, keywords, argument, reason):
    with pytest.raises(ValueError, match=f"^{argument}: .*{reason}"):
        fit(dist, [0.5, 1.0, 2.0], **keywords)


def test_a_start_outside_the_range_its_logarithms_allow_is_a_value_error():
    with pytest.raises(ValueError, match=r"^start: p = 1.5 lies outside the range \(0, 1\)"):
        fit(Bernoulli(sp.Symbol("p", real=True)), [0, 1, 1], start={"p": 1.5})


def test_a_positive_parameter_is_never_estimated_negative():
    """The likelihood of a positive mean grows towards 0 for data below zero: no maximum inside, an error."""
    positive_mean = sp.Symbol("m", positive=True)
    with pytest.raises(RuntimeError, match="edge m = 0 .*no maximum in the interior"):
        fit(Normal(positive_mean, 1), [-3.0, -2.0, -4.0])


def test_a_sample_of_ones_has_no_bernoulli_estimate_inside_0_1():
    with pytest.raises(RuntimeError, match="edge p = 1 .*no maximum in the interior"):
        fit(Bernoulli(sp.Symbol("p", positive=True)), [1, 1, 1, 1])


def test_parameters_the_data_cannot_tell_apart_are_an_error():
    other = sp.Symbol("nu", real=True)
    with pytest.raises(RuntimeError, match="not positive definite.*not tell the parameters apart"):
        fit(Normal(mu + other, sigma), SAMPLES["normal"])
