"""KL divergences derived through expectations, in closed form."""

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from lossbook.symbolic import Laplace, Normal, kl, numeric_expectation

m1, m2 = sp.symbols("mu1 mu2", real=True)
s1, s2, b1, b2 = sp.symbols("sigma1 sigma2 b1 b2", positive=True)
x = sp.Symbol("x", real=True)

NORMAL_KL = kl(Normal(m1, s1), Normal(m2, s2))
LAPLACE_KL = kl(Laplace(m1, b1), Laplace(m2, b2))


def test_normal_kl_is_the_textbook_closed_form():
    textbook = sp.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - sp.Rational(1, 2)
    assert sp.simplify(NORMAL_KL - textbook) == 0


def test_normal_kl_is_written_with_the_mean_gap():
    assert NORMAL_KL.has((m1 - m2) ** 2)


def test_unit_variance_normal_kl_is_half_the_squared_error():
    assert kl(Normal(m1, 1), Normal(m2, 1)) == (m1 - m2) ** 2 / 2


def test_laplace_kl_is_the_textbook_closed_form():
    d = sp.Abs(m1 - m2)
    textbook = sp.log(b2 / b1) + d / b2 + b1 / b2 * sp.exp(-d / b1) - 1
    assert sp.simplify(LAPLACE_KL - textbook) == 0


@pytest.mark.parametrize(
    "family, closed, symbols",
    [(Normal, NORMAL_KL, (m1, s1, m2, s2)), (Laplace, LAPLACE_KL, (m1, b1, m2, b2))],
)
@pytest.mark.parametrize("values", [(0.3, 1.2, -1.1, 0.7), (-1.1, 0.7, 0.3, 1.2), (2.0, 0.5, 2.0, 3.0)])
def test_kl_matches_quadrature_of_the_definition(family, closed, symbols, values):
    """Both orderings of the means: a sign error in |mu1 - mu2| would show in one of them."""
    numbers = [sp.nsimplify(v) for v in values]
    p, q = family(numbers[0], numbers[1]), family(numbers[2], numbers[3])
    expected = numeric_expectation(p.log_density(x) - q.log_density(x), x, p)
    with mpmath.workdps(30):
        got = mpmath.mpf(str(sp.N(closed.xreplace(dict(zip(symbols, numbers))), 30)))
        assert abs(got - expected) < mpmath.mpf("1e-15") * max(1, abs(expected))


finite = st.floats(min_value=-5, max_value=5, allow_nan=False)
positive = st.floats(min_value=0.1, max_value=5, allow_nan=False)
normal_kl = sp.lambdify((m1, s1, m2, s2), NORMAL_KL, "mpmath")
laplace_kl = sp.lambdify((m1, b1, m2, b2), LAPLACE_KL, "mpmath")


@settings(deadline=None, max_examples=60)
@given(finite, positive, finite, positive)
def test_normal_kl_is_never_negative(a, s, b, t):
    assert normal_kl(a, s, b, t) >= -1e-12


@settings(deadline=None, max_examples=60)
@given(finite, positive, finite, positive)
def test_laplace_kl_is_never_negative(a, s, b, t):
    assert laplace_kl(a, s, b, t) >= -1e-12


@settings(deadline=None, max_examples=40)
@given(finite, positive)
def test_kl_of_a_distribution_with_itself_is_zero(a, s):
    assert abs(normal_kl(a, s, a, s)) < 1e-12 and abs(laplace_kl(a, s, a, s)) < 1e-12


@pytest.mark.parametrize("bad", [None, 1.0, "Normal"])
def test_kl_needs_distributions(bad):
    with pytest.raises(ValueError, match="p:"):
        kl(bad, Normal(0, 1))


def test_cauchy_kl_is_the_known_closed_form():
    """Cauchy has no moments, but the log of a quadratic has a known expectation under it."""
    from lossbook.symbolic import Cauchy

    g1, g2 = sp.symbols("gamma1 gamma2", positive=True)
    derived = kl(Cauchy(m1, g1), Cauchy(m2, g2))
    closed = sp.log(((g1 + g2) ** 2 + (m1 - m2) ** 2) / (4 * g1 * g2))
    assert sp.simplify(sp.expand_log(derived - closed, force=True)) == 0


@pytest.mark.parametrize("values", [(0.3, 2.0, -1.0, 0.5), (-1.0, 0.5, 0.3, 2.0)])
def test_cauchy_kl_matches_quadrature(values):
    from lossbook.symbolic import Cauchy

    g1, g2 = sp.symbols("gamma1 gamma2", positive=True)
    numbers = [sp.nsimplify(v) for v in values]
    p, q = Cauchy(numbers[0], numbers[1]), Cauchy(numbers[2], numbers[3])
    expected = numeric_expectation(p.log_density(x) - q.log_density(x), x, p)
    derived = kl(Cauchy(m1, g1), Cauchy(m2, g2)).xreplace(dict(zip((m1, g1, m2, g2), numbers)))
    with mpmath.workdps(30):
        assert abs(mpmath.mpf(str(sp.N(derived, 30))) - expected) < mpmath.mpf("1e-12")


def test_gamma_kl_is_the_known_closed_form():
    """Through the table entry E[log x] = digamma(alpha) - log(beta): no integral is taken."""
    from lossbook.symbolic import Gamma

    a1, a2, r1, r2 = sp.symbols("alpha1 alpha2 beta1 beta2", positive=True)
    derived = kl(Gamma(a1, r1), Gamma(a2, r2))
    closed = (
        (a1 - a2) * sp.digamma(a1) - sp.loggamma(a1) + sp.loggamma(a2)
        + a2 * (sp.log(r1) - sp.log(r2)) + a1 * (r2 - r1) / r1
    )
    assert sp.simplify(sp.expand_log(derived - closed, force=True)) == 0


@pytest.mark.parametrize("values", [(0.5, 2.0, 3.0, 1.5), (3.0, 1.5, 0.5, 2.0), (2.0, 1.0, 2.0, 1.0)])
def test_gamma_kl_matches_quadrature(values):
    from lossbook.symbolic import Gamma

    a1, a2, r1, r2 = sp.symbols("alpha1 alpha2 beta1 beta2", positive=True)
    t = sp.Symbol("t", positive=True)
    numbers = [sp.nsimplify(v) for v in values]
    p, q = Gamma(numbers[0], numbers[1]), Gamma(numbers[2], numbers[3])
    expected = numeric_expectation(p.log_density(t) - q.log_density(t), t, p)
    closed = kl(Gamma(a1, r1), Gamma(a2, r2)).xreplace(dict(zip((a1, r1, a2, r2), numbers)))
    with mpmath.workdps(30):
        assert abs(mpmath.mpf(str(sp.N(closed, 30))) - expected) < mpmath.mpf("1e-15") * max(1, abs(expected))
