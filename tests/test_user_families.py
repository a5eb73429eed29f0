"""A family written by a reader, in the required members only or with hooks, gets fast numeric expectations,
a centre found without assuming the order of its parameters, KL divergences in closed form where its hooks
allow (else an error naming the term), numeric KL divergences that agree with SciPy, and CPU limits."""

import threading
import time

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy import integrate, stats

from lossbook.symbolic import (
    Checker,
    DerivationError,
    Distribution,
    Expectation,
    NoClosedFormError,
    Normal,
    family,
    kl,
    numeric_expectation,
    numeric_kl,
)


class Gumbel(Distribution):
    """The issue's ten lines: required members only."""

    param_names = ("mu", "beta")

    def log_density_terms(self, x):
        mu, beta = self.params
        z = (x - mu) / beta
        return [-sp.log(beta), -z, -sp.exp(-z)]

    @property
    def support(self):
        return sp.Reals


class HookedGumbel(Gumbel):
    """The same family with two optional hooks: its first two moments and its moment-generating function."""

    def raw_moment(self, k):
        mu, beta = self.params
        mean = mu + beta * sp.EulerGamma
        moments = [sp.Integer(1), mean, mean**2 + sp.pi**2 * beta**2 / 6]
        if k >= len(moments):
            raise ValueError(f"k: only the first two moments are given, got {k}")
        return moments[k]

    def known_expectation(self, f, x):
        mu, beta = self.params
        if isinstance(f, sp.exp):
            t = sp.diff(f.args[0], x)
            if f.args[0] == t * x and not t.has(x) and (1 - beta * t).is_positive:
                return sp.gamma(1 - beta * t) * sp.exp(mu * t)
        return None


class Weibull(Distribution):
    """Shape first: a family whose first parameter is not a location and second not a scale."""

    param_names = ("k", "lam")

    def log_density_terms(self, x):
        k, lam = self.params
        return [sp.log(k / lam), (k - 1) * sp.log(x / lam), -((x / lam) ** k)]

    @property
    def support(self):
        return sp.Interval.open(0, sp.oo)


x = sp.Symbol("x", real=True)
t = sp.Symbol("t", positive=True)
m1, m2 = sp.symbols("mu1 mu2", real=True)
b1, b2, s2 = sp.symbols("beta1 beta2 sigma2", positive=True)


def test_name_defaults_to_the_class_name():
    assert Gumbel(0, 1).name == "Gumbel" and r"\operatorname{Gumbel}" in Gumbel(0, 1).latex()


@pytest.mark.parametrize("params", [(0,), (0, 1, 2)])
def test_the_number_of_parameters_is_checked_against_param_names(params):
    with pytest.raises(ValueError, match=r"^params: Gumbel takes 2 parameters \(mu, beta\)"):
        Gumbel(*params)


def test_the_issue_slow_case_second_moment_at_50_digits_is_right():
    """E[x^2] under Gumbel(0, 2) at 50 digits ran for more than 400 s: the left tail's exp(-exp(...))."""
    value, error = numeric_expectation(x**2, x, Gumbel(0, 2), digits=50, error=True)
    with mpmath.workdps(60):
        exact = 4 * mpmath.pi**2 / 6 + (2 * mpmath.euler) ** 2
        assert abs(value - exact) < mpmath.mpf("1e-45") and error < mpmath.mpf("1e-40")


def test_expected_log_density_at_50_digits_is_minus_log_beta_minus_euler_minus_one():
    g = Gumbel(sp.Rational(1, 3), 2)
    value = numeric_expectation(g.log_density(x), x, g, digits=50)
    with mpmath.workdps(60):
        assert abs(value - (-mpmath.log(2) - mpmath.euler - 1)) < mpmath.mpf("1e-45")


@pytest.mark.parametrize("mu, beta", [(0, 1), (3, sp.Rational(1, 1000)), (-10**6, 10**4)])
def test_default_centre_is_the_mode(mu, beta):
    centre = Gumbel(mu, beta).center()
    assert abs(float(centre) - mu) <= 1e-12 * max(1, abs(mu))


def test_default_spread_is_where_the_log_density_has_fallen_by_a_half():
    for dist in (Gumbel(1, 3), Normal(0, 1)):
        mode, width = float(dist.center()), float(Distribution.spread(dist))
        f = sp.lambdify(x, dist.log_density(x))
        drops = f(mode) - f(mode + width), f(mode) - f(mode - width)
        assert min(drops) < 0.5 < max(drops) or np.allclose(drops, 0.5)
    assert abs(float(Distribution.spread(Normal(0, 3))) - 3) < 1e-12  # exactly sigma for a Gaussian


def test_default_centre_needs_numeric_parameters():
    with pytest.raises(ValueError, match="numeric parameters"):
        Gumbel(m1, b1).center()


@pytest.mark.parametrize("k", [sp.Rational(1, 2), 1, sp.Rational(3, 2), 5])
@pytest.mark.parametrize("lam", [sp.Rational(1, 1000), 1, 10**6])
def test_expectations_under_a_shape_first_family_match_scipy(k, lam):
    """Scales from 1e-3 to 1e6, and a density infinite at 0 (shape 1/2), with no centre or spread given."""
    w = Weibull(k, lam)
    y = sp.Symbol("y", positive=True)
    value = numeric_expectation(y, y, w)
    assert abs(float(value) / stats.weibull_min(float(k), scale=float(lam)).mean() - 1) < 1e-12


@pytest.mark.parametrize("values", [(0.0, 1.0, 0.0, 1.0), (1.0, 2.0, 0.0, 3.0), (-2.0, 0.5, 1.0, 1.5)])
def test_numeric_kl_of_a_reader_family_matches_scipy(values):
    mu, beta, m, s = values
    p, q = stats.gumbel_r(mu, beta), stats.norm(m, s)
    low, high = p.ppf(1e-300), p.isf(1e-18)  # beyond these the integrand is below 1e-15
    expected, _ = integrate.quad(lambda y: p.pdf(y) * (p.logpdf(y) - q.logpdf(y)), low, high, epsabs=1e-13,
                                 epsrel=1e-12, limit=200)
    got = numeric_kl(Gumbel(*map(sp.nsimplify, (mu, beta))), Normal(*map(sp.nsimplify, (m, s))))
    assert abs(got - expected) < 1e-10 * max(1, expected)


def test_kl_without_hooks_names_the_term_and_the_numeric_route():
    with pytest.raises(NoClosedFormError, match=r"exp\(-x/beta1\).*numeric_kl\(p, q\)") as raised:
        kl(Gumbel(m1, b1), Normal(m2, s2))
    assert raised.value.equations == [sp.exp(-x / b1)]


KL_PAIRS = {
    "Gumbel || Normal": (HookedGumbel(m1, b1), Normal(m2, s2), (m1, b1, m2, s2)),
    "Gumbel || Gumbel": (HookedGumbel(m1, b1), HookedGumbel(m2, b2), (m1, b1, m2, b2)),
    "Normal || Gumbel": (Normal(m1, s2), HookedGumbel(m2, b2), (m1, s2, m2, b2)),
}
CLOSED = {name: kl(p, q) for name, (p, q, _) in KL_PAIRS.items()}


@pytest.mark.parametrize("name", KL_PAIRS)
@pytest.mark.parametrize("values", [(0, 1, 0, 1), (sp.Rational(1, 2), 2, -1, 3), (-2, sp.Rational(1, 3), 1, 1)])
def test_kl_through_the_hooks_matches_numeric_kl(name, values):
    p, q, symbols = KL_PAIRS[name]
    at = dict(zip(symbols, values))
    numeric_p = type(p)(*(v.xreplace(at) for v in p.params))
    numeric_q = type(q)(*(v.xreplace(at) for v in q.params))
    assert abs(float(CLOSED[name].xreplace(at)) - numeric_kl(numeric_p, numeric_q)) < 1e-10


def test_gumbel_kl_is_the_known_closed_form():
    textbook = (sp.log(b2 / b1) + sp.EulerGamma * (b1 / b2 - 1) + sp.exp((m2 - m1) / b2) * sp.gamma(1 + b1 / b2)
                - 1 + (m1 - m2) / b2)
    assert sp.simplify(CLOSED["Gumbel || Gumbel"] - textbook) == 0


def test_a_reader_family_inside_an_expectation_evaluates_numerically():
    assert abs(float(sp.N(Expectation(x, x, Gumbel(0, 1)))) - float(sp.EulerGamma)) < 1e-15


def test_a_pathological_integrand_stops_with_a_timeout():
    """Oscillating far faster than the density varies, at 300 digits: tanh-sinh quadrature refines for ever."""
    with pytest.raises(TimeoutError, match="more than 0.2 s of CPU time"):
        numeric_expectation(sp.sin(1000 * x), x, Gumbel(0, 1), digits=300, cpu_seconds=0.2)


def test_a_trigonometric_function_of_a_gigantic_number_is_refused_not_computed():
    """sin(e^x) at a far node needs pi to ~e^x bits: one multiplication no signal interrupts, so it is refused."""
    with pytest.raises(ArithmeticError, match="sin of a number beyond"):
        numeric_expectation(sp.sin(sp.exp(x)), x, Gumbel(0, 1), digits=30)


def test_the_cpu_limit_holds_outside_the_main_thread_between_evaluations():
    """No signal there: the thread's CPU time is checked at every evaluation of the integrand."""
    outcome = []

    def run():
        try:
            numeric_expectation(sp.sin(1000 * x), x, Normal(0, 1), digits=300, cpu_seconds=0.2)
        except TimeoutError as error:
            outcome.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive() and len(outcome) == 1


def test_inside_the_derivation_checker_its_shorter_limit_governs():
    """The default 60 s of numeric_expectation must not replace the checker's own, shorter, limit: one
    quadrature with a hundred kinks takes seconds, so only the checker's 0.3 s can stop it in time."""
    mu = sp.Symbol("mu", real=True)
    many_kinks = sp.Add(*[sp.Abs(x - sp.Rational(k, 25)) for k in range(-50, 50)])
    checker = Checker(points=16, seed=0, symbolic_seconds=0, domain="real", numeric_seconds=0.3)
    started = time.process_time()
    with pytest.raises(DerivationError, match="within 0.3 s of CPU time"):
        checker.equal(Expectation(many_kinks, x, Gumbel(mu, 1)), sp.Integer(0), 1, "slow")
    # Had the 60 s limit replaced the checker's, its timer would have come back only after that 60 s.
    assert time.process_time() - started < 30


def test_gumbel_against_normal_is_written_with_the_gap_of_the_means_squared():
    """E[(x - mu2)^2] = (mu1 + beta1 gamma - mu2)^2 + pi^2 beta1^2 / 6: tidy completes the square."""
    textbook = (sp.log(sp.sqrt(2 * sp.pi) * s2 / b1) - 1 - sp.EulerGamma
                + (sp.pi**2 * b1**2 + 6 * (m1 - m2 + sp.EulerGamma * b1) ** 2) / (12 * s2**2))
    assert CLOSED["Gumbel || Normal"] == textbook


def test_an_expectation_keeps_its_family_when_another_class_takes_the_name():
    """A notebook (or a doctest) may define a second class called Gumbel: earlier expectations keep theirs."""
    first = globals()["Gumbel"]
    before = Expectation(x, x, first(0, 1))

    class Gumbel(Distribution):
        param_names = ("mu", "beta")

        def log_density_terms(self, x):
            return [sp.Integer(0)]

        @property
        def support(self):
            return sp.Reals

    assert family("Gumbel") is Gumbel and type(before.distribution) is first
    assert abs(float(sp.N(before)) - float(sp.EulerGamma)) < 1e-15
