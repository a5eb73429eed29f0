"""Unit behaviour of the checker: sampling covers scales and thresholds, domains, series, substitution, errors,
labels and CPU limits."""

import re
import time

import pytest
import sympy as sp

from lossbook.symbolic import Derivation, DerivationError, Expectation, Normal, StudentT, numeric_expectation
from lossbook.symbolic.checking import Checker, _thresholds
from lossbook.symbolic.expectation import canonical_expectation

x, r, s, mu = sp.symbols("x r s mu", real=True)
sigma, p, delta = sp.symbols("sigma p delta", positive=True)
N, i = sp.symbols("N i", integer=True, positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
y, X = sp.IndexedBase("y", real=True), sp.IndexedBase("x", real=True)


def checker(**options):
    settings = {"points": 16, "seed": 0, "symbolic_seconds": 0, "domain": "real"}
    settings.update(options)
    return Checker(**settings)


def sampled(exprs, **options):
    return checker(**options)._plan(exprs, 1, 16).points


def test_positive_symbols_are_sampled_from_tiny_to_huge():
    values = [pt.values[sigma] for pt in sampled((sp.log(sigma),))]
    assert min(values) < 1e-2 and max(values) > 1e2


def test_real_symbols_are_sampled_with_both_signs_and_large_magnitudes():
    values = [pt.values[x] for pt in sampled((x**2,))]
    assert min(values) < -100 and max(values) > 100


def test_sizes_of_sums_go_far_beyond_five():
    sizes = [int(pt.values[N]) for pt in sampled((sp.Sum(y[i], (i, 1, N)),))]
    assert max(sizes) > 20 and min(sizes) <= 5


def test_a_threshold_is_straddled_and_reached():
    points = sampled((sp.Max(p, sp.Float("1e-7")),))
    values = [pt.values[p] for pt in points]
    assert any(v < 1e-7 for v in values) and any(abs(v - 1e-7) < 1e-40 for v in values)


def test_piecewise_conditions_are_thresholds():
    pairs = _thresholds(sp.Piecewise((r**2, sp.Abs(r) <= delta), (delta, True)))
    assert any(sp.simplify((left - right) ** 2 - (sp.Abs(r) - delta) ** 2) == 0 for left, right in pairs)


def test_a_declared_probability_stays_inside_zero_and_one():
    values = [pt.values[p] for pt in sampled((sp.log(p),), domains={p: "probability"})]
    assert all(0 < v < 1 for v in values) and min(values) < 1e-3 and max(values) > 1 - 1e-3


def test_declared_binary_data_are_zero_or_one():
    label = sp.IndexedBase("ell", real=True)
    Derivation("f", sp.Sum(label[i] ** 2, (i, 1, N)), symbolic_seconds=0)
    c = checker(domains={label: "binary"})
    c.equal(sp.Sum(label[i] ** 2, (i, 1, N)), sp.Sum(label[i], (i, 1, N)), 1, "binary")


def test_a_bounded_parameter_respects_its_interval():
    t = sp.Symbol("t", real=True)
    values = [pt.values[t] for pt in sampled((t,), domains={t: (0, 10)})]
    assert all(0 < v < 10 for v in values)


@pytest.mark.parametrize("domains, message", [
    ({p: "colour"}, "unknown domain"),
    ({p: (2, 1)}, "low < high"),
    ({p: (-1, 1)}, "contradicts"),
    ({N: "real"}, "contradicts"),
    ({"p": "real"}, "keys"),
])
def test_a_bad_domain_is_a_value_error_naming_domains(domains, message):
    with pytest.raises(ValueError, match=f"domains: .*{message}"):
        checker(domains=domains)


def test_a_scalar_named_like_data_is_sampled():
    scalar = sp.Symbol("x", real=True)
    points = sampled((sp.Sum((X[i] - scalar) ** 2, (i, 1, N)),))
    assert all(scalar in pt.values for pt in points)


def test_a_divergent_series_is_refused_saying_so():
    with pytest.raises(DerivationError, match="diverges|not established"):
        checker().equal(sp.Sum(sp.Integer(2) ** k, (k, 0, sp.oo)), sp.Integer(-1), 1, "analytic continuation")


def test_a_convergent_series_is_accepted():
    checker().equal(sp.Sum(1 / (k + 1) ** 2, (k, 0, sp.oo)), sp.pi**2 / 6, 1, "Basel")


@pytest.mark.parametrize("summand", [
    (-1) ** k,                          # Grandi: terms alternate but do not shrink
    (-1) ** k * (k + 1) / (k + 2),      # alternating, magnitudes rising towards 1
    (-1) ** k * (1 + 1 / (k + 1)),      # alternating, magnitudes falling but not to 0
], ids=["Grandi", "rising magnitudes", "magnitudes not tending to 0"])
def test_an_alternating_series_whose_terms_do_not_decrease_to_zero_is_refused(summand):
    with pytest.raises(DerivationError, match="diverges"):
        checker().equal(sp.Sum(summand, (k, 0, sp.oo)), sp.Rational(1, 2), 1, "alternating, divergent")


def test_a_conditionally_convergent_alternating_series_is_accepted_and_a_near_miss_refused():
    leibniz = sp.Sum((-1) ** k / (2 * k + 1), (k, 0, sp.oo))
    checker().equal(leibniz, sp.pi / 4, 1, "Leibniz")
    checker().equal(sp.Sum((-1) ** k * x / (k + 1), (k, 0, sp.oo)), x * sp.log(2), 1, "alternating harmonic")
    with pytest.raises(DerivationError, match="not equal"):
        checker().equal(leibniz, sp.pi / 4 * (1 + sp.Float("1e-12", 50)), 1, "Leibniz, perturbed")


def test_the_order_of_the_terms_decides_a_series_of_one_sign():
    with pytest.raises(DerivationError, match="diverges"):
        checker().equal(sp.Sum(1 / sp.sqrt(k + 1), (k, 0, sp.oo)), sp.zeta(sp.Rational(1, 2)), 1, "p = 1/2")
    with pytest.raises(DerivationError, match="diverges"):
        checker().equal(sp.Sum(1 / (k + 1 + x**2), (k, 0, sp.oo)), sp.Integer(0), 1, "harmonic-like")
    checker().equal(sp.Sum((k + 1) ** sp.Rational(-3, 2), (k, 0, sp.oo)), sp.zeta(sp.Rational(3, 2)), 1, "p = 3/2")


def test_the_order_test_reads_sign_order_and_roots():
    from lossbook.symbolic.checking import _order_test

    assert _order_test((-1) ** k / (k + 1), k, 0, 600)[:1] == (True,)
    assert _order_test((-1) ** k / (k + 1), k, 0, 600)[2][0] == "alternating"
    assert _order_test(1 / (k + 1), k, 0, 600)[0] is False
    assert _order_test(1 / (k + 1) ** 2, k, 0, 600)[0] is True
    assert _order_test((-1) ** (2 * k) / (k + 1), k, 0, 600)[0] is False  # an even power of -1 is no alternation
    assert _order_test(1 / (k - 1000) ** 2, k, 0, 600) == (None, None, None)  # a pole beyond the terms looked at
    assert _order_test(sp.log(k + 2) / (k + 1) ** 2, k, 0, 600) == (None, None, None)  # not powers of polynomials


def test_substitution_is_simultaneous():
    a, b = sp.symbols("a b", real=True)
    new, check = checker().substitute(a - 2 * b, {a: b, b: a}, 1, "swap")
    assert new == b - 2 * a


def test_substitution_against_an_assumption_names_the_symbol():
    with pytest.raises(DerivationError, match="sigma is declared positive"):
        checker().substitute(sp.log(sigma) + mu, {sigma: mu - x}, 1, "residual")


def test_substitution_is_labelled_as_a_computed_special_case():
    _, check = checker().substitute(sp.log(sigma) + mu, {sigma: 1}, 1, "unit")
    assert check.describe().startswith("special case, computed by simultaneous substitution")


def test_an_unevaluated_derivative_is_a_derivation_error():
    with pytest.raises(DerivationError, match="unevaluated Derivative"):
        checker().equal(sp.Derivative(x**2, x), 2 * x, 1, "differentiate")


def test_a_symbol_that_cannot_be_sampled_is_a_derivation_error():
    imaginary = sp.Symbol("w", imaginary=True)
    with pytest.raises(DerivationError, match="cannot be sampled"):
        checker().equal(imaginary**2, -sp.Abs(imaginary) ** 2, 1, "square")


def test_the_label_states_points_ranges_and_thresholds():
    check = checker().equal(sp.Max(r, delta), (r + delta + sp.Abs(r - delta)) / 2, 3, "max")
    text = check.describe()
    assert "random points at 50 digits" in text and "reals in ±[1e-6, 1e6]" in text and "both sides of" in text
    assert "\n" not in text


def test_the_label_says_whether_a_symbolic_proof_was_found():
    proved = checker(symbolic_seconds=5).equal(sp.log(sigma * delta), sp.log(sigma) + sp.log(delta), 1, "log")
    assert proved.describe().startswith("symbolic proof")
    unattempted = checker().equal(sp.log(sigma * delta), sp.log(sigma) + sp.log(delta), 1, "log")
    assert "symbolic proof not attempted" in unattempted.describe()


def test_the_label_is_the_same_in_two_runs():
    first = checker().equal(sp.Sum(y[i], (i, 1, N)), sp.Sum(y[N + 1 - i], (i, 1, N)), 1, "reverse").describe()
    second = checker().equal(sp.Sum(y[i], (i, 1, N)), sp.Sum(y[N + 1 - i], (i, 1, N)), 1, "reverse").describe()
    assert first == second and re.search(r"sizes \d+ to \d+", first)


def test_expectation_steps_are_compared_far_below_1e_15():
    expectation = Expectation((x - mu) ** 2, x, Normal(mu, sigma))
    with pytest.raises(DerivationError):
        checker().equal(expectation, sigma**2 + sp.exp(-40), 1, "variance")


def test_numeric_expectation_reports_an_error_estimate():
    value, error = numeric_expectation(sp.Abs(x), x, Normal(0, 1), digits=40, error=True)
    assert abs(value - sp.sqrt(2 / sp.pi).evalf(40)) < 1e-35 and error < 1e-30


def test_numeric_expectation_has_a_cpu_limit():
    with pytest.raises(TimeoutError, match="CPU time"):
        numeric_expectation(sp.log(1 + x**2), x, StudentT(0, 1, 3), digits=200, cpu_seconds=0.05)


def test_a_step_past_its_cpu_limit_is_a_derivation_error():
    slow = checker(numeric_seconds=0.001)  # far below what one quadrature at this precision takes
    with pytest.raises(DerivationError, match="CPU time"):
        slow.equal(Expectation(sp.log(1 + (x - mu) ** 2), x, StudentT(mu, sigma, 3)), sp.Integer(1), 1, "slow")


def test_an_expectation_that_ran_out_of_symbolic_time_is_not_evaluated_again(monkeypatch):
    evaluations = []

    def doit_slowly(self, **hints):
        evaluations.append(self)
        deadline = time.process_time() + 5
        while time.process_time() < deadline:  # the symbolic limit of 0.2 s strikes first
            pass
        raise AssertionError("the symbolic time limit did not strike")

    monkeypatch.setattr(Expectation, "doit", doit_slowly)
    patient = checker(symbolic_seconds=0.2)
    second_moment = Expectation(x**2, x, Normal(0, sigma))
    first = patient.equal(second_moment, sigma**2, 1, "the variance")
    assert len(evaluations) == 1 and "no symbolic proof found" in first.describe()
    again = patient.equal(2 * second_moment, 2 * sigma**2, 2, "twice the variance")
    assert len(evaluations) == 1, "the same expectation was evaluated symbolically a second time"
    assert "no symbolic proof found" in again.describe()
    checker(symbolic_seconds=0.2).equal(second_moment, sigma**2, 1, "the variance")  # a new checker tries again
    assert len(evaluations) == 2


def test_an_expectation_printed_unevaluated_is_the_same_expectation():
    a, theta = sp.symbols("a theta", positive=True)
    with sp.evaluate(False):
        printed = Expectation(sp.Abs(theta - a), theta, Normal(0, sigma))
    derived = Expectation(sp.Abs(a - theta), theta, Normal(0, sigma))
    assert canonical_expectation(printed) == canonical_expectation(derived)
    assert canonical_expectation(printed) != canonical_expectation(Expectation(sp.Abs(a + theta), theta, Normal(0, sigma)))


@pytest.mark.parametrize("options, name", [
    ({"points": 0}, "points"), ({"symbolic_seconds": -1}, "symbolic_seconds"), ({"domain": "p-adic"}, "domain"),
    ({"numeric_seconds": 0}, "numeric_seconds"),
])
def test_bad_arguments_are_value_errors_naming_them(options, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        checker(**options)


def test_argmin_needs_symbols_to_vary():
    with pytest.raises(ValueError, match="^over:"):
        checker().argmin(mu**2, mu**2, (), 1, "nothing")


def test_substitution_needs_values():
    with pytest.raises(ValueError, match="^values:"):
        checker().substitute(mu**2, {}, 1, "nothing")


def test_an_index_offset_is_sampled_with_both_signs_and_a_sum_bound_as_a_size():
    """A shift such as s in x[s] may be negative; only a sum's bound is a count."""
    n = sp.Symbol("n", integer=True, positive=True)
    t, s = sp.symbols("t s", integer=True)
    x = sp.IndexedBase("x", real=True)
    with pytest.raises(DerivationError, match="s = -"):
        Derivation("f", x[s]).equals(x[sp.Abs(s)], "wrong for negative shifts")
    cyclic = Derivation("E", sp.Sum(x[sp.Mod(t + s, n)] ** 2, (t, 0, n - 1)))
    cyclic.equals(sp.Sum(x[t] ** 2, (t, 0, n - 1)), "a cyclic shift keeps the energy")
    label = cyclic.steps[1].check.describe()
    assert "sizes 1 to" in label and "integers -" in label


def test_a_cpu_limit_that_strikes_inside_a_garbage_collector_callback_is_not_lost():
    """A signal handler's exception raised inside a gc callback is swallowed; the limit must still stop the work."""
    import gc

    from lossbook.symbolic.checking import _time_limit, _Timeout

    def busy_callback(phase, info):  # about half of the CPU time is spent in here
        deadline = time.process_time() + 0.002
        while time.process_time() < deadline:
            pass

    def busy_elsewhere():
        deadline = time.process_time() + 0.004
        while time.process_time() < deadline:
            pass

    gc.callbacks.append(busy_callback)
    started = time.process_time()
    try:
        with pytest.raises(_Timeout):
            with _time_limit(0.05):
                while time.process_time() - started < 5:  # bounded, so a lost limit fails instead of hanging
                    gc.collect()
                    busy_elsewhere()
    finally:
        gc.callbacks.remove(busy_callback)
