"""The textbook printer lays an expression out as a textbook does, and never changes what it is."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sympy.parsing.latex import parse_latex

from lossbook.symbolic import Normal, latex, logsumexp, sigmoid, softplus

x, mu, a, b, c, d = sp.symbols("x mu a b c d", real=True)
sigma = sp.Symbol("sigma", positive=True)
i = sp.Symbol("i", integer=True, positive=True)
N = sp.Symbol("N", integer=True, positive=True)
y, u = sp.IndexedBase("y", real=True), sp.IndexedBase("x", real=True)

TEXTBOOK = {
    "a difference puts its positive term first": (-mu + x, r"x - \mu"),
    "a residual reads data minus model": (y[i] - a - b * u[i], r"{y}_{i} - a - b {x}_{i}"),
    "a squared difference keeps its brackets": ((x - mu) ** 2, r"\left(x - \mu\right)^{2}"),
    "an expanded square keeps its order": (a**2 - 2 * a * b + b**2, r"a^{2} - 2 a b + b^{2}"),
    "one root of 2 pi after the symbols": (sp.log(sp.sqrt(2 * sp.pi) * sigma), r"\log{\left(\sigma \sqrt{2 \pi} \right)}"),
    "one over root 2 pi": (1 / sp.sqrt(2 * sp.pi), r"\frac{1}{\sqrt{2 \pi}}"),
    "one over sigma root 2 pi": (1 / (sigma * sp.sqrt(2 * sp.pi)), r"\frac{1}{\sigma \sqrt{2 \pi}}"),
    "a mean over data": (sp.Sum(y[i], (i, 1, N)) / N, r"\frac{1}{N} \sum_{i=1}^{N} {y}_{i}"),
    "half a mean of squares": (sp.Sum((y[i] - mu) ** 2, (i, 1, N)) / (2 * N), r"\frac{1}{2 N} \sum_{i=1}^{N} \left({y}_{i} - \mu\right)^{2}"),
    "a negative exponent in brackets": (sp.exp(-c - d * u[i]), r"e^{-\left(c + d {x}_{i}\right)}"),
    "a single negative exponent": (sp.exp(-x), r"e^{- x}"),
    "a small float as a power of ten": (sp.Float(1e-7) * x, r"10^{-7} x"),
    "a float rounded to six digits": (sp.Float(0.30000000000000004) * x, r"0.3 x"),
    "an integral float as an integer": (sp.Float(2.0) + x, r"x + 2"),
    "an absolute difference with its positive term first": (sp.Abs(-a - b), r"\left|{a + b}\right|"),
    "the sigmoid by name": (sigmoid(x), r"\sigma\left(x\right)"),
    "log-gamma as log Gamma": (sp.loggamma(sigma), r"\log \Gamma\left(\sigma\right)"),
    "roots of a constant and a symbol gathered": (sp.sqrt(sp.pi) * sp.sqrt(sigma) * x, r"x \sqrt{\pi \sigma}"),
    "a lone root of a symbol stays": (sp.sqrt(sigma) * x, r"\sqrt{\sigma} x"),
    "the softplus by name": (softplus(-x), r"\operatorname{softplus}\left(- x\right)"),
    "log-sum-exp by name": (logsumexp(a, b), r"\operatorname{logsumexp}\left(a, b\right)"),
}


@pytest.mark.parametrize("expr, expected", TEXTBOOK.values(), ids=TEXTBOOK.keys())
def test_textbook_layout(expr, expected):
    assert latex(expr) == expected


def test_a_ratio_of_sums_is_a_fraction_and_a_modular_index_brackets_nothing():
    n = sp.Symbol("n", integer=True, positive=True)
    t, s = sp.symbols("t s", integer=True)
    ratio = sp.Sum(u[t] * y[t], (t, 0, n - 1)) / sp.Sum(u[t] ** 2, (t, 0, n - 1))
    assert latex(ratio).startswith(r"\frac{\sum")
    shifted = sp.Sum(u[t] ** 2, (t, 0, n - 1)) - 2 * sp.Sum(u[t] * y[sp.Mod(t + s, n)], (t, 0, n - 1))
    assert latex(shifted) == (
        r"\sum_{t=0}^{n - 1} {x}_{t}^{2} - 2 \sum_{t=0}^{n - 1} {x}_{t} {y}_{\left(s + t\right) \bmod n}"
    )


def test_the_gaussian_log_density_reads_as_in_a_textbook():
    assert latex(Normal(mu, sigma).log_density(x)) == (
        r"- \log{\left(\sigma \sqrt{2 \pi} \right)} - \frac{\left(x - \mu\right)^{2}}{2 \sigma^{2}}"
    )


def test_lead_turns_a_squared_difference_to_start_with_the_data():
    assert latex((mu - x) ** 2, lead=[x]) == r"\left(x - \mu\right)^{2}"
    assert latex((mu - y[i]) ** 2, lead=[y]) == r"\left({y}_{i} - \mu\right)^{2}"


def test_without_lead_a_difference_keeps_its_sign():
    assert latex(mu - y[i]) == r"\mu - {y}_{i}"


def test_names_rename_symbols():
    y_hat = sp.Symbol("y_hat", real=True)
    assert latex(x - y_hat, names={y_hat: r"\hat y"}) == r"x - \hat y"


def test_an_authored_sum_of_several_terms_reads_as_written():
    with sp.evaluate(False):
        form = a - b + c - d
    assert latex(form, authored=True) == "a - b + c - d"


def test_an_authored_sum_over_data_has_no_stray_factor_one():
    with sp.evaluate(False):
        form = sp.Sum(sp.Abs(mu - y[i]), (i, 1, N))
    assert latex(form, authored=True) == r"\sum_{i=1}^{N} \left|{\mu - {y}_{i}}\right|"


def test_an_authored_sum_of_a_sum_keeps_its_brackets():
    with sp.evaluate(False):
        form = sp.Sum(sp.log(2 * sigma) + sp.Abs(y[i] - mu) / sigma, (i, 1, N))
    printed = latex(form, authored=True)
    assert printed.startswith(r"\sum_{i=1}^{N} \left(") and printed.endswith(r"\right)")


def test_an_authored_power_of_one_is_the_base():
    with sp.evaluate(False):
        form = sp.Pow(sigma, 1) * N
    assert latex(form, authored=True) == r"\sigma N"


def test_an_authored_quotient_is_a_fraction():
    p = sp.Symbol("p", positive=True)
    with sp.evaluate(False):
        form = sigma**4 * sp.gamma(5 / p) / sp.gamma(1 / p)
    assert latex(form, authored=True) == r"\frac{\sigma^{4} \Gamma\left(\frac{5}{p}\right)}{\Gamma\left(\frac{1}{p}\right)}"


def test_a_model_minus_data_inside_a_square_or_an_absolute_value_is_turned_round():
    assert latex(sp.Abs(a * u[i] + c - y[i])) == r"\left|{{y}_{i} - a {x}_{i} - c}\right|"
    assert latex((y[i] - a - b * u[i]) ** 2) == r"\left({y}_{i} - a - b {x}_{i}\right)^{2}"


def test_an_unevaluated_product_with_a_negative_factor_is_tidied():
    w = sp.Symbol("w", real=True)
    assert latex(sp.Mul(-1, a, sp.tanh(-w * u[i]), evaluate=False)) == r"a \tanh{\left(w {x}_{i} \right)}"


def test_an_authored_fraction_has_no_brackets_around_a_sum_alone_above_or_below():
    r, p = sp.symbols("r p", positive=True)
    with sp.evaluate(False):
        form = a * b * p * x / (r + b**2 * p)
    assert latex(form, authored=True) == r"\frac{a b p x}{r + b^{2} p}"


def test_an_authored_ratio_of_sums_stays_a_fraction():
    with sp.evaluate(False):
        form = sp.Sum(y[i] * u[i], (i, 1, N)) / sp.Sum(u[i] ** 2, (i, 1, N))
    assert latex(form, authored=True).startswith(r"\frac{\sum")


def test_an_authored_grouped_fraction_stays_in_front_of_its_factor():
    with sp.evaluate(False):
        form = (a / b) * (1 - sp.erf(x))
    assert latex(form, authored=True) == r"\frac{a}{b} \left(1 - \operatorname{erf}{\left(x \right)}\right)"


def test_printing_inside_an_evaluate_false_block_works():
    with sp.evaluate(False):
        form = -(2 * a)
        printed = latex(form, authored=True)
    assert printed == "- 2 a"


def test_a_multivariate_quadratic_form_reads_as_in_a_textbook():
    from lossbook.symbolic import MultivariateNormal

    data, mean, covariance = sp.MatrixSymbol("y", 3, 1), sp.MatrixSymbol("mu", 3, 1), sp.MatrixSymbol("Sigma", 3, 3)
    printed = latex(MultivariateNormal(mean, covariance).log_density(data))
    assert r"\left(y - \mu\right)^{T} \Sigma^{-1} \left(y - \mu\right)" in printed and "tr" not in printed


def test_an_authored_negated_product_inside_a_sum_is_a_minus():
    p, g = sp.symbols("p gamma", positive=True)
    with sp.evaluate(False):
        form = sp.Add(a, -((1 - p) ** g) * p)
    assert latex(form, authored=True) == r"a - \left(1 - p\right)^{\gamma} p"


def test_an_authored_gaussian_exponent_is_one_fraction():
    with sp.evaluate(False):
        form = sp.exp(-(x**2) / (4 * sigma**2))
    assert latex(form, authored=True) == r"e^{- \frac{x^{2}}{4 \sigma^{2}}}"


def test_an_authored_product_gathers_its_numbers():
    with sp.evaluate(False):
        form = -(2 * (3 * a))
    assert latex(form, authored=True) == "- 6 a"


def test_an_authored_mean_over_data_keeps_its_factor_in_front():
    with sp.evaluate(False):
        form = sp.Pow(2 * sigma**2, -1) * sp.Sum((y[i] - mu) ** 2, (i, 1, N))
    assert latex(form, authored=True).startswith(r"\frac{1}{2 \sigma^{2}} \sum_{i=1}^{N}")


def test_a_distance_to_data_starts_with_the_data():
    m = sp.Symbol("m", real=True)
    assert latex(sp.Abs(m - y[i])) == r"\left|{{y}_{i} - m}\right|"
    assert latex((m - y[i]) ** 2) == r"\left({y}_{i} - m\right)^{2}"
    assert latex(sp.Abs(mu - x)) == r"\left|{x - \mu}\right|"


def test_an_authored_form_keeps_the_order_it_was_written_in():
    with sp.evaluate(False):
        form = -sp.log(sigma * sp.sqrt(2 * sp.pi)) - (x - mu) ** 2 / (2 * sigma**2)
    printed = latex(form, authored=True)
    assert printed.index(r"\log") < printed.index(r"\frac") and r"x - \mu" in printed


FRIENDLY = st.sampled_from([x, mu, a, b, sigma, sp.Integer(2), sp.Rational(1, 3), sp.pi, sp.sqrt(2), sp.sqrt(sp.pi)])


@st.composite
def expressions(draw, depth=3):
    if depth == 0:
        return draw(FRIENDLY)
    left, right = draw(expressions(depth=depth - 1)), draw(expressions(depth=depth - 1))
    kind = draw(st.sampled_from(["add", "sub", "mul", "div", "pow", "exp", "log"]))
    return {
        "add": lambda: left + right,
        "sub": lambda: left - right,
        "mul": lambda: left * right,
        "div": lambda: left / (sigma + right**2),
        "pow": lambda: (left - right) ** 2,
        "exp": lambda: sp.exp(-left - right),
        "log": lambda: sp.log(sigma * sp.sqrt(2 * sp.pi) + right**2),
    }[kind]()


def _value(tex: str) -> complex:
    parsed = parse_latex(tex.replace(r"\left", "").replace(r"\right", ""))
    parsed = parsed.subs({sp.Symbol("e"): sp.E, sp.Symbol("pi"): sp.pi})
    point = {"x": 0.7, "mu": -0.3, "a": 1.1, "b": -1.7, "sigma": 1.3}
    return complex(parsed.subs({s: point.get(str(s), 0.0) for s in parsed.free_symbols}).evalf())


@settings(max_examples=50)  # each example parses the printed LaTeX back with SymPy's parser, about 0.1 s
@given(expressions())
def test_printing_never_changes_the_value(expr):
    """Read the textbook LaTeX back with SymPy's own parser: it has the value that SymPy's own LaTeX of the same
    expression reads back to (the parser's conventions, such as how it reads a power after a function, are then
    the same on both sides; only the layout differs)."""
    printed, plain = latex(expr), sp.latex(expr)
    try:
        want = _value(plain)
    except (TypeError, ValueError):
        assume(False)  # the parser cannot read SymPy's own form of this expression
    got = _value(printed)
    assert abs(got - want) <= 1e-9 * max(1.0, abs(want)), (printed, plain)
