"""Negative log-likelihoods of iid data and their stationary points, in closed form."""

import pytest
import sympy as sp

from lossbook.symbolic import Laplace, Normal, expand_sum, negative_log_likelihood, stationary_points

mu = sp.Symbol("mu", real=True)
sigma, b = sp.symbols("sigma b", positive=True)
n = sp.Symbol("n", integer=True, positive=True)
i = sp.Symbol("i", integer=True, positive=True)
y = sp.IndexedBase("y", real=True)
DATA = [sp.Rational(v) for v in ("1", "2", "3", "7/2", "-1")]


def _on_data(expr):
    """Substitute the concrete data set DATA for n and y."""
    return expand_sum(expr).subs(n, len(DATA)).doit().subs({y[k + 1]: v for k, v in enumerate(DATA)})


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
