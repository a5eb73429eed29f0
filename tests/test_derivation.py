"""The derivation engine accepts true steps, rejects wrong ones with a counterexample, and renders."""

import pytest
import sympy as sp

from lossbook.symbolic import Derivation, DerivationError, Expectation, Laplace

x = sp.Symbol("x", real=True)
m1, m2, a, c = sp.symbols("mu1 mu2 a c", real=True)
sigma, b1, b2 = sp.symbols("sigma b1 b2", positive=True)
N = sp.Symbol("N", integer=True, positive=True)
i, j = sp.symbols("i j", integer=True, positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
y, z = sp.IndexedBase("y", real=True), sp.IndexedBase("z", real=True)
squares = sp.Sum((y[i] - m1) ** 2, (i, 1, N))
gaussian_nll = N * sp.log(sigma) + squares / (2 * sigma**2)

laplace_p, laplace_q = Laplace(m1, b1), Laplace(m2, b2)
LAPLACE_KL_DEFINITION = Expectation(laplace_p.log_density(x) - laplace_q.log_density(x), x, laplace_p)
LAPLACE_KL_CLOSED = sp.log(b2 / b1) + sp.Abs(m1 - m2) / b2 + b1 / b2 * sp.exp(-sp.Abs(m1 - m2) / b1) - 1

WRONG_EQUALITIES = {
    "log of a square for real x": (sp.log(x**2), 2 * sp.log(x)),
    "dropped factor one half": ((m1 - m2) ** 2 / 2, (m1 - m2) ** 2),
    "absolute value lost (wrong only when mu1 < mu2)": (sp.Abs(m1 - m2) + sigma, m1 - m2 + sigma),
    "sign error in the Laplace KL": (LAPLACE_KL_DEFINITION, LAPLACE_KL_CLOSED.subs(sp.Abs(m1 - m2), m1 - m2)),
    "a difference of 1e-20": (sp.exp(m1), sp.exp(m1) + sp.Rational(1, 10**20)),
    "a sum off by its last term": (sp.Sum(y[i], (i, 1, N)), sp.Sum(y[i], (i, 1, N - 1))),
    "a product of data mistaken for a sum": (sp.log(sp.Product(sp.exp(y[i]), (i, 1, N))), sp.Sum(y[i], (i, 1, N)) * N),
    "indices of two data series swapped": (sp.Sum(y[i] * z[i + 1], (i, 1, N)), sp.Sum(y[i + 1] * z[i], (i, 1, N))),
}

TRUE_EQUALITIES = {
    "erf plus erfc": (sp.erf(x) + sp.erfc(x), sp.Integer(1)),
    "max minus min": (sp.Max(m1, m2) - sp.Min(m1, m2), sp.Abs(m1 - m2)),
    "the Laplace KL": (LAPLACE_KL_DEFINITION, LAPLACE_KL_CLOSED),
    "log of a product of positives": (sp.log(2 * sigma * b1), sp.log(2) + sp.log(sigma) + sp.log(b1)),
    "a finite sum written out": (sp.Sum(i, (i, 1, N)), N * (N + 1) / 2),
    "a double sum of data is the square of a sum": (
        sp.Sum(y[i] * y[j], (i, 1, N), (j, 1, N)), sp.Sum(y[i], (i, 1, N)) ** 2
    ),
    "a nested sum whose inner limit is the outer index": (sp.Sum(sp.Sum(1, (j, 1, i)), (i, 1, N)), N * (N + 1) / 2),
    "the log of a product of data is a sum of logs": (
        sp.log(sp.Product(sp.exp(y[i]) * sigma, (i, 1, N))), sp.Sum(y[i], (i, 1, N)) + N * sp.log(sigma)
    ),
    "neighbouring data in one sum": (sp.Sum(y[i + 1] - y[i], (i, 1, N)), y[N + 1] - y[1]),
    "an infinite series (left to symbolic summation)": (sp.Sum(x**k / sp.factorial(k), (k, 0, sp.oo)), sp.exp(x)),
}


@pytest.mark.parametrize("old, new", WRONG_EQUALITIES.values(), ids=WRONG_EQUALITIES.keys())
def test_wrong_equality_is_rejected(old, new):
    with pytest.raises(DerivationError):
        Derivation("f", old).equals(new, "claimed")


@pytest.mark.parametrize("old, new", TRUE_EQUALITIES.values(), ids=TRUE_EQUALITIES.keys())
def test_true_equality_is_accepted(old, new):
    derivation = Derivation("f", old).equals(new, "true")
    assert derivation.result == new


@pytest.mark.parametrize("seed", range(25))
def test_lost_absolute_value_is_rejected_whatever_the_seed(seed):
    """Both signs of every difference inside Abs are sampled, so the check cannot be lucky."""
    with pytest.raises(DerivationError):
        Derivation("f", sp.Abs(m1 - m2), seed=seed).equals(m1 - m2, "claimed")


def test_error_names_the_step_and_a_counterexample():
    derivation = Derivation("f", (m1 + m2) ** 2).equals(m1**2 + 2 * m1 * m2 + m2**2, "expand")
    with pytest.raises(DerivationError, match=r'step 2 \("drop the cross term"\).*at mu1 = .*mu2 = '):
        derivation.equals(m1**2 + m2**2, "drop the cross term")


def test_rejected_step_is_not_added():
    derivation = Derivation("f", m1**2)
    with pytest.raises(DerivationError):
        derivation.equals(m1, "wrong")
    assert len(derivation) == 1


def test_dropping_a_constant_keeps_the_argmin():
    derivation = Derivation("L", gaussian_nll).same_argmin(squares / (2 * sigma**2), "drop N log sigma", over=m1)
    assert derivation.steps[-1].relation == "argmin"


def test_dropping_a_positive_factor_keeps_the_argmin():
    Derivation("L", squares / (2 * sigma**2)).same_argmin(squares, "drop 1/(2 sigma^2)", over=m1)


def test_dropping_a_sigma_term_changes_the_argmin_over_sigma():
    with pytest.raises(DerivationError, match="does not keep the argmin"):
        Derivation("L", gaussian_nll).same_argmin(squares / (2 * sigma**2), "drop N log sigma", over=(m1, sigma))


def test_negative_factor_changes_the_argmin():
    with pytest.raises(DerivationError):
        Derivation("L", (m1 - c) ** 2).same_argmin(-((m1 - c) ** 2), "negate", over=m1)


def test_same_argmin_needs_a_variable():
    with pytest.raises(ValueError, match="over"):
        Derivation("L", m1**2).same_argmin(m1**2, "nothing", over=())


@pytest.mark.parametrize("points", [5, 9, 2.5])
def test_too_few_points_is_a_value_error(points):
    with pytest.raises(ValueError, match="points"):
        Derivation("f", m1, points=points)


def test_symbolic_confirmation_is_reported_when_it_succeeds():
    derivation = Derivation("f", sp.log(sigma * b1)).equals(sp.log(sigma) + sp.log(b1), "log of a product")
    assert derivation.steps[1].confirmed_by[0].startswith("symbolic")


def test_every_step_reports_its_numeric_check():
    derivation = Derivation("f", sp.erf(x) + sp.erfc(x)).equals(1, "complementary error function")
    assert any("random points" in how for how in derivation.steps[1].confirmed_by)


def test_latex_has_one_aligned_line_per_step_numbered():
    derivation = Derivation("f", (m1 - m2) ** 2, "definition").equals(m1**2 - 2 * m1 * m2 + m2**2, "expand")
    latex = derivation.latex()
    assert latex.startswith("\\begin{aligned}") and latex.count("\\\\") == 1
    assert "\\overset{(1)}{=}" in latex


def test_reasons_are_listed_by_step_number():
    derivation = Derivation("f", (m1 - m2) ** 2, "definition").equals(m1**2 - 2 * m1 * m2 + m2**2, "expand")
    assert derivation.reasons().splitlines()[:2] == ["- Start: definition.", derivation.reasons().splitlines()[1]]
    assert derivation.reasons().splitlines()[1].startswith("- (1) expand.")


def test_argmin_steps_render_as_simeq_with_their_variables_never_as_equality():
    derivation = Derivation("L", 2 * (m1 - c) ** 2).same_argmin((m1 - c) ** 2, "halve", over=m1)
    second_line = derivation.latex().splitlines()[2]
    assert "\\underset{\\mu_{1}}{\\overset{(1)}{\\simeq}}" in second_line and "=" not in second_line


def test_notebook_display_says_how_each_step_was_checked():
    derivation = Derivation("f", (m1 - m2) ** 2).equals(m1**2 - 2 * m1 * m2 + m2**2, "expand")
    markdown = derivation._repr_markdown_()
    assert "$$" in markdown and "(1) expand" in markdown and "random points" in markdown


def test_gaussian_derivation_of_ten_steps_is_checked():
    """A ten-step chain (speed is measured in bench/, not asserted here)."""
    expr = (m1 - c) ** 2 / (2 * sigma**2) + sp.log(sigma)
    derivation = Derivation("f", expr)
    for k in range(10):
        derivation.equals(sp.expand(expr) if k % 2 == 0 else expr, f"rewrite {k}")
    assert len(derivation) == 11


def test_substitution_computes_the_special_case():
    derivation = Derivation("f", sp.log(sigma) + (m1 - m2) ** 2 / (2 * sigma**2)).substitute({sigma: 1}, "unit scale")
    assert derivation.result == (m1 - m2) ** 2 / 2


def test_substitution_of_an_absent_symbol_is_a_value_error():
    with pytest.raises(ValueError, match="values"):
        Derivation("f", m1**2).substitute({sigma: 1}, "nothing to substitute")


def test_substitution_is_shown_under_the_equals_sign():
    derivation = Derivation("f", m1 * sigma).substitute({sigma: 2}, "double")
    assert "\\sigma = 2" in derivation.latex()


def test_argmin_over_an_integer_variable():
    s = sp.Symbol("s", integer=True)
    Derivation("f", s**2).same_argmin(2 * s**2 + 1, "scale and shift", over=s)


def test_wrong_argmin_over_an_integer_variable_is_rejected():
    s = sp.Symbol("s", integer=True)
    with pytest.raises(DerivationError):
        Derivation("f", s**2).same_argmin(s**2 + s, "add a term that depends on s", over=s)


def test_complex_identity_needs_the_complex_domain():
    u, v = sp.symbols("u v", real=True)
    old, new = (u + sp.I * v) ** 2, u**2 - v**2 + 2 * sp.I * u * v
    Derivation("z^2", old, domain="complex").equals(new, "expand")
    with pytest.raises(DerivationError):
        Derivation("z^2", old).equals(new, "expand")


def test_wrong_complex_identity_is_rejected():
    u, v = sp.symbols("u v", real=True)
    with pytest.raises(DerivationError):
        Derivation("z^2", (u + sp.I * v) ** 2, domain="complex").equals(u**2 + v**2, "forgot the i")


def test_unknown_domain_is_a_value_error():
    with pytest.raises(ValueError, match="domain"):
        Derivation("f", m1, domain="quaternion")


def test_count_data_are_sampled_as_counts():
    """An IndexedBase of non-negative integers gets non-negative integer data, so log(y!) stays real."""
    counts = sp.IndexedBase("k", integer=True, nonnegative=True)
    rate = sp.Symbol("rate", positive=True)
    poisson = sp.Sum(counts[i] * sp.log(rate) - rate - sp.loggamma(counts[i] + 1), (i, 1, N))
    Derivation("-log L", -poisson).same_argmin(sp.Sum(rate - counts[i] * sp.log(rate), (i, 1, N)), "drop log k!", over=rate)


def test_data_do_not_depend_on_the_order_they_are_drawn_in():
    """A data value is a function of the point and the symbol's name, so two ways of summing see the same data."""
    forwards = Derivation("s", sp.Sum(y[i], (i, 1, N))).equals(sp.Sum(y[N + 1 - i], (i, 1, N)), "reverse the order")
    assert len(forwards) == 2


def test_a_sum_that_cannot_be_evaluated_names_the_expression():
    with pytest.raises(DerivationError, match="could not evaluate"):
        Derivation("f", sp.Sum(y[i], (i, 1, sp.Symbol("h", real=True)))).equals(sp.Integer(0), "nonsense")
