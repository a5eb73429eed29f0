"""Negative log-likelihoods of iid data and their stationary points, in closed form or with the reason why not."""

import functools
import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from reader_families import Gumbel, GumbelAsOneLog, Logistic, Weibull

from lossbook.symbolic import (
    Bernoulli,
    Gamma,
    Laplace,
    NoClosedFormError,
    Normal,
    Poisson,
    expand_sum,
    negative_log_likelihood,
    on_data,
    stationary_points,
)
from lossbook.symbolic import likelihood

mu = sp.Symbol("mu", real=True)
sigma, b = sp.symbols("sigma b", positive=True)
n = sp.Symbol("n", integer=True, positive=True)
i = sp.Symbol("i", integer=True, positive=True)
y = sp.IndexedBase("y", real=True)
DATA = [sp.Rational(v) for v in ("1", "2", "3", "7/2", "-1")]


def _on_data(expr, data=DATA):
    """Substitute a concrete data set (DATA unless given) for n and y."""
    return expand_sum(expr).subs(n, len(data)).doit().subs({y[k + 1]: v for k, v in enumerate(data)})


def test_gaussian_nll_is_the_sum_of_negative_log_densities():
    nll = negative_log_likelihood(Normal(mu, sigma), y, n)
    direct = sum(-Normal(mu, sigma).log_density(v) for v in DATA)
    assert sp.simplify(_on_data(nll) - direct) == 0


def test_gaussian_mean_is_the_stationary_point_in_mu():
    (solution,) = stationary_points(negative_log_likelihood(Normal(mu, sigma), y, n), mu)
    assert _on_data(solution[mu]) == sum(DATA) / len(DATA)


def test_gaussian_variance_estimate_divides_by_n():
    (solution,) = stationary_points(negative_log_likelihood(Normal(mu, sigma), y, n), (mu, sigma))
    mean = sum(DATA) / len(DATA)
    expected = sp.sqrt(sum((v - mean) ** 2 for v in DATA) / len(DATA))
    assert sp.simplify(_on_data(solution[sigma]) - expected) == 0


def test_laplace_scale_is_the_mean_absolute_deviation():
    (solution,) = stationary_points(negative_log_likelihood(Laplace(mu, b), y, n), b)
    assert sp.simplify(_on_data(solution[b]) - sum(abs(v - mu) for v in DATA) / len(DATA)) == 0


def test_expand_sum_pulls_index_free_factors_out():
    a = sp.Symbol("a", real=True)
    assert expand_sum(sp.Sum(a * y[i] + 3, (i, 1, n))) == a * sp.Sum(y[i], (i, 1, n)) + 3 * n


def test_expand_sum_without_expanding_keeps_squares_whole():
    expr = expand_sum(sp.Sum((y[i] - mu) ** 2 / 2, (i, 1, n)), expand_terms=False)
    assert expr == sp.Sum((y[i] - mu) ** 2, (i, 1, n)) / 2


@pytest.mark.parametrize(
    "args, argument",
    [((1.0, y, n), "dist"), ((Normal(mu, 1), "y", n), "data"), ((Normal(mu, 1), y, -3), "n"), ((Normal(mu, 1), y, sp.Symbol("m")), "n")],
)
def test_bad_likelihood_arguments_are_value_errors(args, argument):
    with pytest.raises(ValueError, match=f"^{argument}:"):
        negative_log_likelihood(*args)


def test_stationary_points_need_a_variable_that_occurs():
    with pytest.raises(ValueError, match="variables"):
        stationary_points(negative_log_likelihood(Normal(mu, 1), y, n), sigma)


def test_generalized_normal_scale_has_a_stationary_point():
    """(|y - mu| / alpha)**p must be split into |y - mu|**p alpha**-p before solving for alpha."""
    from lossbook.symbolic import GeneralizedNormal

    alpha, p = sp.symbols("alpha p", positive=True)
    (solution,) = stationary_points(negative_log_likelihood(GeneralizedNormal(mu, alpha, p), y, n), alpha)
    expected = (p * sp.Sum(sp.Abs(mu - y[i]) ** p, (i, 1, n)) / n) ** (1 / p)
    assert sp.simplify(solution[alpha] - expected) == 0


# -- closed forms that need the sums rewritten, and the reasons when there is none (issue 15) ---------------------

beta, rate, alpha, p, k, lam, s = sp.symbols("beta rate alpha p k lam s", positive=True)
POSITIVE = [sp.Rational(v) for v in ("1", "2", "3", "7/2", "1/2")]
COUNTS = [0, 1, 3, 2, 5]
LABELS = [1, 0, 1, 1, 0]


def _mean(values):
    return sum(values) / len(values)


@pytest.mark.parametrize(
    "dist, variable, numbers, data, expected",
    [
        pytest.param(Gumbel(mu, beta), mu, {beta: 2}, DATA, -2 * sp.log(_mean([sp.exp(-v / 2) for v in DATA])),
                     id="gumbel location: exp of a sum split"),
        pytest.param(GumbelAsOneLog(mu, beta), mu, {beta: 2}, DATA, -2 * sp.log(_mean([sp.exp(-v / 2) for v in DATA])),
                     id="gumbel location: log of a product split"),
        pytest.param(Gamma(1, rate), rate, {}, POSITIVE, 1 / _mean(POSITIVE), id="exponential rate"),
        pytest.param(Gamma(alpha, rate), rate, {alpha: 3}, POSITIVE, 3 / _mean(POSITIVE), id="gamma rate, shape fixed"),
        pytest.param(Weibull(k, lam), lam, {k: sp.Rational(3, 2)}, POSITIVE,
                     _mean([v ** sp.Rational(3, 2) for v in POSITIVE]) ** sp.Rational(2, 3),
                     id="weibull scale, shape fixed"),
        pytest.param(Poisson(rate), rate, {}, COUNTS, _mean(COUNTS), id="poisson rate"),
        pytest.param(Bernoulli(p), p, {}, LABELS, _mean(LABELS), id="bernoulli p"),
    ],
)
def test_closed_form_maximum_likelihood_estimates(dist, variable, numbers, data, expected):
    (solution,) = stationary_points(negative_log_likelihood(dist, y, n), variable)
    value = _on_data(solution[variable], [sp.Integer(v) if isinstance(v, int) else v for v in data]).subs(numbers)
    assert math.isclose(float(value), float(expected), rel_tol=1e-12)


def test_gumbel_location_comes_out_as_one_logarithm():
    (solution,) = stationary_points(negative_log_likelihood(Gumbel(mu, beta), y, n), mu)
    assert solution == {mu: beta * sp.log(n / sp.Sum(sp.exp(-y[i] / beta), (i, 1, n)))}


@functools.lru_cache
def _gumbel_location():
    (solution,) = stationary_points(negative_log_likelihood(Gumbel(mu, 2), y, n), mu)
    return solution[mu]


@settings(max_examples=25)
@given(st.lists(st.floats(-5, 5), min_size=1, max_size=8))
def test_gumbel_location_zeros_the_score_on_any_data(values):
    data = np.array(values)
    estimate = on_data(_gumbel_location(), {y: data}, size=n)
    score = np.sum(1 - np.exp(-(data - estimate) / 2)) / 2  # d log L / d mu of a Gumbel(mu, 2) sample
    assert abs(score) <= 1e-12 * data.size


@pytest.mark.parametrize(
    "dist, variables, words",
    [
        pytest.param(Gumbel(mu, beta), beta, ["for beta", "exp(-y_i/beta)", "transcendental", "fit()"],
                     id="gumbel scale"),
        pytest.param(Gumbel(mu, beta), (mu, beta), ["for beta", "exp(-y_i/beta)", "fit()"], id="gumbel jointly"),
        pytest.param(Laplace(mu, b), mu, ["for mu", "Abs(mu - y_i)", "not differentiable", "median", "fixed="],
                     id="laplace location"),
        pytest.param(Logistic(mu, s), mu, ["for mu", "inside a sum", "transcendental", "fit()"],
                     id="logistic location"),
        pytest.param(Gamma(alpha, rate), alpha, ["for alpha", "polygamma(0, alpha)", "fit()"], id="gamma shape"),
    ],
)
def test_no_closed_form_says_what_blocks_it(dist, variables, words):
    with pytest.raises(NoClosedFormError) as raised:
        stationary_points(negative_log_likelihood(dist, y, n), variables)
    for word in words:
        assert word in raised.value.reason


def test_smooth_families_are_not_called_non_differentiable():
    with pytest.raises(NoClosedFormError) as raised:
        stationary_points(negative_log_likelihood(Logistic(mu, s), y, n), mu)
    assert "differentiable" not in raised.value.reason


def test_no_closed_form_carries_the_score_equations():
    nll = negative_log_likelihood(Gumbel(mu, beta), y, n)
    with pytest.raises(NoClosedFormError) as raised:
        stationary_points(nll, beta)
    (equation,) = raised.value.equations
    assert equation.rhs == 0
    difference = _on_data(equation.lhs - sp.diff(nll, beta)).subs({mu: 1, beta: 2})
    assert abs(float(difference)) < 1e-12


def test_solver_out_of_time_is_a_reason(monkeypatch):
    monkeypatch.setattr(likelihood, "SOLVE_SECONDS", 1e-3)
    with pytest.raises(NoClosedFormError, match="ran out of time"):
        stationary_points(negative_log_likelihood(Weibull(k, lam), y, n), lam)
