"""Expectations by moments and by piecewise integration, never by brute force."""

import mpmath
import pytest
import sympy as sp

from lossbook.symbolic import (
    Expectation,
    Laplace,
    Normal,
    apply_moments,
    expand_expectation,
    expectation,
    numeric_expectation,
)

x, mu, c = sp.symbols("x mu c", real=True)
sigma, b = sp.symbols("sigma b", positive=True)


def _agrees_with_quadrature(expr, dist_type, values):
    """Compare a symbolic expectation with quadrature at the given parameter values."""
    derived = expectation(expr, x, dist_type(mu, sigma if dist_type is Normal else b))
    numeric_dist = dist_type(values[mu], values[sigma if dist_type is Normal else b])
    expected = numeric_expectation(expr.xreplace(values), x, numeric_dist)
    with mpmath.workdps(30):
        got = mpmath.mpf(str(sp.N(derived.xreplace(values), 30)))
        return abs(got - expected) < mpmath.mpf("1e-15") * max(1, abs(expected))


@pytest.mark.parametrize("expr", [x, x**2, (x - c) ** 2, x**3 - 2 * x + 5, (x - c) ** 4])
@pytest.mark.parametrize("dist_type", [Normal, Laplace])
def test_polynomial_expectation_matches_quadrature(expr, dist_type):
    values = {mu: sp.Rational(1, 3), c: sp.Rational(-5, 4), sigma: sp.Rational(3, 2), b: sp.Rational(3, 2)}
    assert _agrees_with_quadrature(expr, dist_type, values)


@pytest.mark.parametrize("c_value", [sp.Rational(-7, 3), sp.Rational(5, 2)])
def test_absolute_value_under_laplace_holds_on_both_sides_of_the_centre(c_value):
    values = {mu: sp.Rational(1, 3), c: c_value, b: sp.Rational(3, 2), sigma: 1}
    assert _agrees_with_quadrature(sp.Abs(x - c), Laplace, values)


def test_absolute_value_under_laplace_is_the_closed_form():
    derived = expectation(sp.Abs(x - c), x, Laplace(mu, b))
    closed = sp.Abs(mu - c) + b * sp.exp(-sp.Abs(mu - c) / b)
    assert sp.simplify(derived - closed) == 0


def test_absolute_deviation_about_the_centre():
    assert sp.simplify(expectation(sp.Abs(x - mu), x, Laplace(mu, b)) - b) == 0


def test_gaussian_expectation_needs_no_integral():
    derived = expectation(Normal(c, 2).log_density(x), x, Normal(mu, sigma))
    assert not derived.has(sp.Integral)


def test_term_without_a_rule_is_a_value_error():
    with pytest.raises(ValueError, match="expr"):
        expectation(sp.cos(x), x, Normal(mu, sigma))


def test_linearity_keeps_one_expectation_per_power():
    expanded = expand_expectation(3 * (x - c) ** 2 + 1, x, Normal(mu, sigma))
    powers = sorted(str(e.integrand) for e in expanded.atoms(Expectation))
    assert powers == ["x", "x**2"]


def test_moments_replace_expectations_of_powers():
    expanded = expand_expectation((x - c) ** 2, x, Normal(mu, sigma))
    assert sp.expand(apply_moments(expanded) - ((mu - c) ** 2 + sigma**2)) == 0


def test_unevaluated_expectation_evaluates_numerically():
    e = Expectation(x**2, x, Normal(mu, 2))
    assert abs(float(sp.N(e.xreplace({mu: 3}))) - 13.0) < 1e-12


def test_unevaluated_expectation_does_not_depend_on_its_variable():
    assert Expectation(x**2 + c, x, Normal(mu, sigma)).free_symbols == {c, mu, sigma}


def test_quadrature_needs_numbers():
    with pytest.raises(ValueError, match="symbolic"):
        numeric_expectation(x, x, Normal(mu, 1))


def test_a_term_without_a_rule_is_no_closed_form_holding_the_term():
    from lossbook.symbolic import NoClosedFormError

    with pytest.raises(NoClosedFormError, match=r"cos\(x\)") as raised:
        expectation(3 * sp.cos(x), x, Normal(mu, sigma))
    assert raised.value.equations == [sp.cos(x)]


def test_an_exponential_of_a_sum_is_split_before_the_family_sees_it():
    """exp(c - x) arrives at the Gaussian's table as exp(-x), with exp(c) outside."""
    assert sp.simplify(expectation(sp.exp(c - x), x, Normal(mu, sigma)) - sp.exp(c - mu + sigma**2 / 2)) == 0


def test_on_finitely_many_points_any_function_is_averaged_by_its_sum():
    from lossbook.symbolic import Categorical

    probabilities = sp.symbols("p0:3", positive=True)
    derived = expectation(sp.sqrt(x + 1), x, Categorical(*probabilities))
    assert derived == probabilities[0] + sp.sqrt(2) * probabilities[1] + sp.sqrt(3) * probabilities[2]


@pytest.mark.parametrize("centre", [sp.Rational(1, 3), sp.Rational(-5, 2)])
def test_kinks_at_numbers_are_ordered_without_a_symbol(centre):
    derived = expectation(sp.Abs(x), x, Laplace(centre, 2))
    assert sp.simplify(derived - (abs(centre) + 2 * sp.exp(-abs(centre) / 2))) == 0


def test_a_kink_at_the_end_of_the_support_needs_no_split():
    from lossbook.symbolic import Exponential

    rate = sp.Symbol("r", positive=True)
    assert sp.simplify(expectation(sp.Abs(x + 1), x, Exponential(rate)) - (1 / rate + 1)) == 0


def test_a_kink_that_may_lie_inside_or_outside_the_support_has_no_closed_form():
    from lossbook.symbolic import Exponential, NoClosedFormError

    with pytest.raises(NoClosedFormError, match="cannot tell whether the kink"):
        expectation(sp.Abs(x - c), x, Exponential(1))


@pytest.mark.parametrize("seconds", [0, -1, float("inf"), float("nan"), True, "60"])
def test_cpu_seconds_must_be_a_positive_number_or_none(seconds):
    with pytest.raises(ValueError, match="^cpu_seconds"):
        numeric_expectation(x, x, Normal(0, 1), cpu_seconds=seconds)


def test_a_divergent_expectation_gets_an_infinite_error_estimate():
    """tanh-sinh quadrature returns a large finite number for E[x^2] under a Cauchy distribution."""
    from lossbook.symbolic import Cauchy

    _, error = numeric_expectation(x**2, x, Cauchy(0, 1), error=True)
    assert error == mpmath.inf


def test_a_convergent_heavy_tail_keeps_a_small_error_estimate():
    from lossbook.symbolic import StudentT

    value, error = numeric_expectation(sp.Abs(x), x, StudentT(0, 1, 3), error=True)
    with mpmath.workdps(30):
        assert error < 1e-20 and abs(value - 2 * mpmath.sqrt(3) / mpmath.pi) < 1e-20
