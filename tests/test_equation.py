"""Displayed results are checked objects: equations, display forms, a derivation's lines as results."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from lossbook.symbolic import Derivation, DerivationError, Equation, Normal, equations, kl, logsumexp, on_data, softplus

x, mu, a, b = sp.symbols("x mu a b", real=True)
sigma, s1, s2 = sp.symbols("sigma sigma_1 sigma_2", positive=True)
i = sp.Symbol("i", integer=True, positive=True)
N = sp.Symbol("N", integer=True, positive=True)
y = sp.IndexedBase("y", real=True)


def test_an_equation_between_expressions_is_checked():
    assert Equation((x - mu) ** 2, x**2 - 2 * x * mu + mu**2).checks


def test_a_wrong_equation_is_refused():
    with pytest.raises(DerivationError, match="not equal to the left side"):
        Equation((x - mu) ** 2, x**2 + mu**2)


def test_a_same_minimiser_equation_is_checked_and_printed_with_simeq():
    equation = Equation((x - mu) ** 2 / 2 + 7, (x - mu) ** 2, relation="argmin", over=mu)
    assert r"\underset{\mu}{\simeq}" in equation.latex() and "=" not in equation.latex()


def test_a_term_that_moves_the_minimiser_is_refused():
    with pytest.raises(DerivationError):
        Equation((x - mu) ** 2 + mu, (x - mu) ** 2, relation="argmin", over=mu)


def test_a_wrong_display_form_is_refused():
    with sp.evaluate(False):
        wrong = -sp.log(sigma * sp.sqrt(2 * sp.pi)) - (x - mu) ** 2 / sigma**2
    with pytest.raises(DerivationError, match="display form"):
        Equation(r"\log p(x)", Normal(mu, sigma).log_density(x), display=wrong)


def test_a_display_form_is_printed_as_written():
    with sp.evaluate(False):
        form = -(x - mu) ** 2 / (2 * sigma**2) - sp.log(sigma * sp.sqrt(2 * sp.pi))
    printed = Equation(r"\log p(x)", Normal(mu, sigma).log_density(x), display=form).latex()
    assert printed.index(r"\frac") < printed.index(r"\log{")


def test_a_derivation_step_with_a_wrong_display_form_is_refused():
    derivation = Derivation("f", (a + b) ** 2)
    with sp.evaluate(False):
        wrong = a**2 + b**2
    with pytest.raises(DerivationError):
        derivation.equals(a**2 + 2 * a * b + b**2, "expand", display=wrong)
    assert len(derivation) == 1


@pytest.mark.parametrize("relation, over", [("argmin", ()), ("less", ())])
def test_bad_relations_are_value_errors(relation, over):
    with pytest.raises(ValueError):
        Equation(x, x, relation=relation, over=over)


def test_a_complex_equation_is_checked_in_the_complex_domain():
    z = a + sp.I * b
    assert Equation(z * sp.conjugate(z), a**2 + b**2, domain="complex").checks
    with pytest.raises(DerivationError):
        Equation(z**2, a**2 + b**2, domain="complex")


def test_an_argmin_equation_needs_an_expression_on_the_left():
    with pytest.raises(ValueError, match="lhs"):
        Equation("L", x**2, relation="argmin", over=x)


def test_a_line_after_an_argmin_step_is_shown_with_simeq_not_equals():
    derivation = Derivation("L", 3 * (x - mu) ** 2 + 1).same_argmin((x - mu) ** 2, "drop", over=mu)
    assert derivation.equation().relation == "argmin"
    assert r"\simeq" in derivation.equation().latex()
    assert derivation.equation(0).latex().startswith("L = ")


def test_a_special_case_is_written_after_the_equation():
    derivation = Derivation("D", kl(Normal(a, s1), Normal(b, s2))).substitute({s1: 1, s2: 1}, "unit variances")
    assert derivation.equation().latex().endswith(r"\text{at } \sigma_{1} = 1,\ \sigma_{2} = 1")


def test_argmin_steps_over_disjoint_variables_have_no_common_relation():
    derivation = Derivation("L", (x - a) ** 2 + (x - b) ** 2)
    derivation.same_argmin((x - a) ** 2 + (x - b) ** 2 + 1, "add a constant", over=a)
    derivation.same_argmin((x - a) ** 2 + (x - b) ** 2 + 2, "add another", over=b)
    with pytest.raises(ValueError, match="no variable"):
        derivation.equation()


def test_equations_side_by_side_and_without_members():
    group = equations(Equation("f(x)", x**2), Equation("g(x)", x))
    assert ",\\qquad " in group.latex() and "0x" not in repr(group)
    with pytest.raises(ValueError):
        equations()


def test_on_data_sums_data_with_numpy_and_writes_out_sums_with_parameters():
    data = np.array([1.0, 2.0, 6.0])
    assert on_data(sp.Sum((y[i] - 3) ** 2, (i, 1, N)) / N, {y: data}) == pytest.approx(14 / 3)
    written = on_data(sp.Sum((y[i] - mu) ** 2, (i, 1, N)), {y: data})
    assert sp.solve(sp.diff(written, mu), mu) == [pytest.approx(3.0)]


def test_on_data_handles_a_sum_inside_a_sum():
    j = sp.Symbol("j", integer=True, positive=True)
    data = np.array([1.0, 2.0, 6.0])
    double = sp.Sum(sp.Sum(y[i] * y[j], (j, 1, N)), (i, 1, N))
    assert on_data(double, {y: data}) == pytest.approx(81.0)


@pytest.mark.parametrize(
    "data, match",
    [({}, "at least one"), ({y: np.array([[1.0]])}, "one-dimensional"), ({y: np.array([1.0, np.nan])}, "finite")],
)
def test_on_data_refuses_bad_data(data, match):
    with pytest.raises(ValueError, match=match):
        on_data(sp.Sum(y[i], (i, 1, N)), data)


def test_softplus_and_logsumexp_agree_with_their_definitions_and_do_not_overflow():
    z = sp.Symbol("z", real=True)
    assert float(sp.N(softplus(z).subs(z, 0.3) - sp.log(1 + sp.exp(0.3)))) == pytest.approx(0.0, abs=1e-15)
    assert sp.lambdify(z, softplus(z), "numpy")(800.0) == pytest.approx(800.0)
    values = np.array([700.0, 710.0])
    assert sp.lambdify((a, b), logsumexp(a, b), "numpy")(*values) == pytest.approx(np.logaddexp(*values))


def test_matrices_are_checked_entry_by_entry():
    X = sp.Matrix(3, 2, sp.symbols("x_11 x_12 x_21 x_22 x_31 x_32", real=True))
    w = sp.Matrix(sp.symbols("w_1 w_2", real=True))
    target = sp.Matrix(sp.symbols("t_1:4", real=True))
    loss = ((target - X * w).T * (target - X * w))[0]
    gradient = sp.Matrix([sp.diff(loss, v) for v in w])
    equation = Equation(gradient, 2 * X.T * (X * w - target))
    assert equation.checks[0].startswith("each of the 2 entries")
    with pytest.raises(DerivationError):
        Equation(gradient, X.T * (X * w - target))
    with pytest.raises(DerivationError, match="shapes"):
        Equation(gradient, X * w)
