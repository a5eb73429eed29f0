"""Distribution families: parameters are checked, moments and known expectations agree with quadrature; the
base class checks what any family is given."""

import mpmath
import pytest
import sympy as sp

from lossbook.symbolic import Distribution, Exponential, Gamma, Laplace, Normal, family, numeric_expectation

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
        family("NoSuchFamily")


class _Shifted(Distribution):
    """A family in the required members only, for the base class's checks."""

    param_names = ("a",)

    def log_density_terms(self, x):
        return [-sp.log(2), -sp.Abs(x - self.params[0])]

    @property
    def support(self):
        return sp.Reals


@pytest.mark.parametrize("bad, reason", [("a", "not the string"), (sp.nan, "finite real"), (sp.I, "finite real"),
                                         (sp.oo, "finite real"), ([1], "number or a SymPy expression")])
def test_a_parameter_must_be_a_finite_real_number_or_an_expression(bad, reason):
    with pytest.raises(ValueError, match=f"^a: .*{reason}"):
        _Shifted(bad)


def test_a_family_without_param_names_takes_no_parameters():
    class Nameless(Distribution):
        pass

    with pytest.raises(ValueError, match="^params: Nameless takes 0 parameters .*set param_names"):
        Nameless(1)


@pytest.mark.parametrize("member", ["log_density_terms", "support"])
def test_a_missing_required_member_says_which(member):
    class Partial(Distribution):
        param_names = ()

    with pytest.raises(NotImplementedError, match=member):
        Partial().log_density_terms(x) if member == "log_density_terms" else Partial().support


def test_optional_hooks_default_to_knowing_nothing():
    dist = _Shifted(0)
    assert dist.known_expectation(x, x) is None and dist.kinks(x) == [] and dist.gauss_rule(4, 20) is None
    with pytest.raises(ValueError, match="^k: raw moments of _Shifted are not available"):
        dist.raw_moment(1)


def test_a_reader_family_is_registered_under_its_name():
    assert family("_Shifted") is _Shifted and _Shifted(0).name == "_Shifted"


r = sp.Symbol("r", positive=True)


def test_exponential_log_density_is_the_textbook_one():
    assert Exponential(r).log_density(x) == sp.log(r) - r * x


@pytest.mark.parametrize("k", range(5))
def test_exponential_moments_match_quadrature(k):
    dist = Exponential(sp.Rational(2, 3))
    expected = numeric_expectation(x**k, x, dist)
    with mpmath.workdps(30):
        assert abs(mpmath.mpf(str(sp.N(dist.raw_moment(k), 30))) - expected) < mpmath.mpf("1e-18") * max(1, expected)


@pytest.mark.parametrize("bad", [0, -1])
def test_exponential_rate_must_be_positive(bad):
    with pytest.raises(ValueError, match="^rate"):
        Exponential(bad)


t = sp.Symbol("t", positive=True)
KNOWN = [
    (Normal(sp.Rational(1, 3), sp.Rational(3, 2)), sp.Abs(x - sp.Rational(5, 4)), x),
    (Normal(sp.Rational(1, 3), sp.Rational(3, 2)), sp.Abs(2 - 3 * x), x),
    (Normal(sp.Rational(1, 3), sp.Rational(3, 2)), sp.exp(-x / 2), x),
    (Laplace(sp.Rational(1, 3), sp.Rational(3, 2)), sp.exp(x / 2), x),
    (Gamma(sp.Rational(5, 2), 3), sp.exp(-2 * t), t),
    (Gamma(sp.Rational(5, 2), 3), sp.log(t), t),
    (Exponential(sp.Rational(2, 3)), sp.log(t), t),
    (Exponential(sp.Rational(2, 3)), sp.exp(t / 3), t),
]


@pytest.mark.parametrize("dist, f, variable", KNOWN, ids=[f"{d!r}: {f}" for d, f, _ in KNOWN])
def test_known_expectations_match_quadrature(dist, f, variable):
    closed = dist.known_expectation(f, variable)
    assert closed is not None
    expected = numeric_expectation(f, variable, dist)
    with mpmath.workdps(30):
        assert abs(mpmath.mpf(str(sp.N(closed, 30))) - expected) < mpmath.mpf("1e-18") * max(1, abs(expected))


@pytest.mark.parametrize("dist, f", [(Laplace(0, 2), sp.exp(x)), (Exponential(1), sp.exp(2 * x)),
                                     (Gamma(2, 1), sp.exp(x * sp.Symbol("c", real=True)))])
def test_a_moment_generating_function_beyond_its_range_is_not_given(dist, f):
    """E[exp(t x)] is infinite there, or not known to be finite for a symbol: None, never a wrong formula."""
    assert dist.known_expectation(f, x) is None
