"""The logistic sigmoid as a SymPy function: derivative, values, printing and code generation."""

import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy import special

from lossbook.symbolic import Derivation, sigmoid

z = sp.Symbol("z", real=True)
w = sp.Symbol("w")


def test_derivative_is_sigmoid_times_one_minus_sigmoid():
    assert sp.diff(sigmoid(z), z) == sigmoid(z) * (1 - sigmoid(z))


def test_derivative_agrees_with_the_exponential_form():
    chain = Derivation("d", sp.diff(sigmoid(z), z), "differentiate")
    chain.equals(sp.diff(1 / (1 + sp.exp(-z)), z), "the same function differentiated in exponential form")
    assert len(chain) == 2


@pytest.mark.parametrize("value", ["-700.5", "-3", "-1e-30", "0.25", "40"])
def test_numeric_value_is_the_logistic_function_to_fifty_digits(value):
    with mpmath.workdps(50):
        expected = 1 / (1 + mpmath.exp(-mpmath.mpf(value)))
        got = mpmath.mpf(str(sp.N(sigmoid(sp.Float(value, 60)), 50)))
        assert abs(got - expected) <= mpmath.mpf("1e-48") * expected


@pytest.mark.parametrize("argument, value", [(0, sp.S.Half), (sp.oo, 1), (-sp.oo, 0)])
def test_exact_values(argument, value):
    assert sigmoid(argument) == value


def test_unevaluated_at_a_symbol():
    assert isinstance(sigmoid(z), sigmoid)


@pytest.mark.parametrize("module", ["numpy", "scipy"])
def test_vectorised_code_does_not_overflow_at_extreme_logits(module):
    grid = np.array([-1000.0, -40.0, -1e-8, 0.0, 1e-8, 40.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = sp.lambdify(z, sigmoid(z), module)(grid)
    np.testing.assert_allclose(got, special.expit(grid), rtol=1e-15, atol=0)


@pytest.mark.parametrize("module", ["numpy", "scipy", "mpmath", "math"])
def test_generated_code_keeps_precedence_inside_a_quotient_and_a_power(module):
    """y / sigma(z) printed as y/1/(1 + exp(-z)) would be y * sigma(z): the code must be one operand."""
    y = sp.Symbol("y", real=True)
    f = sp.lambdify((y, z), y / sigmoid(z) - sigmoid(z) ** 2, module)
    expected = 3 * (1 + np.exp(0.5)) - special.expit(-0.5) ** 2
    assert float(f(3.0, -0.5)) == pytest.approx(expected, rel=1e-14)


def test_mpmath_code_evaluates_at_any_precision():
    f = sp.lambdify(z, sigmoid(z), "mpmath")
    with mpmath.workdps(40):
        assert abs(f(mpmath.mpf(-2)) - 1 / (1 + mpmath.e**2)) < mpmath.mpf("1e-39")


def test_latex_is_sigma_with_its_argument_and_power():
    assert sp.latex(sigmoid(z)) == r"\sigma\left(z\right)"
    assert sp.latex(sigmoid(z) ** 2) == r"\sigma\left(z\right)^{2}"


def test_real_argument_gives_a_real_positive_value():
    assert sigmoid(z).is_real and sigmoid(z).is_positive


def test_assumptions_unknown_for_a_complex_argument():
    assert sigmoid(w).is_real is None and sigmoid(w).is_positive is None


def test_rewrite_as_exponential():
    assert sigmoid(z).rewrite(sp.exp) == 1 / (1 + sp.exp(-z))


def test_sigmoid_of_minus_z_is_one_minus_sigmoid_of_z():
    Derivation("s", sigmoid(-z), "reflect").equals(1 - sigmoid(z), "symmetry of the logistic function")


def test_takes_exactly_one_argument():
    with pytest.raises(TypeError, match="exactly one argument"):
        sigmoid(z, w)


def test_prints_before_its_logarithm_in_a_product():
    """The order the chapters show: sigma(z) log(sigma(z)), as in the textbook formula of the focal loss."""
    assert str(sigmoid(z) * sp.log(sigmoid(z))) == "sigmoid(z)*log(sigmoid(z))"
