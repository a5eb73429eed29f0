"""Distribution families: parameters are checked, moments agree with quadrature."""

import mpmath
import pytest
import sympy as sp

from lossbook.symbolic import Laplace, Normal, family, numeric_expectation

x = sp.Symbol("x", real=True)
mu = sp.Symbol("mu", real=True)
scale = sp.Symbol("s", positive=True)


@pytest.mark.parametrize("make", [Normal, Laplace])
@pytest.mark.parametrize("bad_scale", [0, -1, sp.Rational(-1, 2)])
def test_non_positive_numeric_scale_is_rejected(make, bad_scale):
    with pytest.raises(ValueError, match="must be positive"):
        make(0, bad_scale)


@pytest.mark.parametrize("make", [Normal, Laplace])
def test_scale_symbol_without_positivity_is_rejected(make):
    with pytest.raises(ValueError, match="positive=True"):
        make(mu, sp.Symbol("s"))


@pytest.mark.parametrize("make", [Normal, Laplace])
def test_infinite_location_is_rejected(make):
    with pytest.raises(ValueError, match="mu"):
        make(sp.oo, 1)


@pytest.mark.parametrize("make", [Normal, Laplace])
def test_density_integrates_to_one(make):
    total = numeric_expectation(sp.Integer(1), x, make(sp.Rational(1, 3), sp.Rational(3, 2)))
    with mpmath.workdps(30):
        assert abs(total - 1) < mpmath.mpf("1e-20")


@pytest.mark.parametrize("make", [Normal, Laplace])
@pytest.mark.parametrize("k", range(7))
def test_raw_moment_matches_quadrature(make, k):
    dist = make(sp.Rational(-2, 3), sp.Rational(5, 4))
    expected = numeric_expectation(x**k, x, dist)
    with mpmath.workdps(30):
        assert abs(mpmath.mpf(str(sp.N(dist.raw_moment(k), 30))) - expected) < mpmath.mpf("1e-18") * max(1, abs(expected))


@pytest.mark.parametrize("k", [-1, 1.5, True])
def test_moment_order_must_be_a_non_negative_integer(k):
    with pytest.raises(ValueError, match="k:"):
        Normal(mu, scale).raw_moment(k)


def test_normal_log_density_is_the_textbook_one():
    dist = Normal(mu, scale)
    textbook = -sp.log(scale * sp.sqrt(2 * sp.pi)) - (x - mu) ** 2 / (2 * scale**2)
    assert sp.simplify(sp.expand_log(dist.log_density(x) - textbook, force=True)) == 0


def test_laplace_log_density_is_the_textbook_one():
    dist = Laplace(mu, scale)
    assert sp.simplify(dist.log_density(x) - (-sp.log(2 * scale) - sp.Abs(x - mu) / scale)) == 0


def test_family_lookup_by_name():
    assert family("Laplace") is Laplace


def test_unknown_family_is_a_value_error():
    with pytest.raises(ValueError, match="name"):
        family("Gumbel")
