"""Bad input never gives a silent nan, inf or wrong number.

Every case raises ValueError whose message starts with the name of the argument at fault (``"sigma_p: ..."``) and
says why. The table below lists one case per rule and function; the tests after it pin down the helpers' messages.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy import stats

from lossbook import numeric
from lossbook.numeric import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cauchy_nll,
    cross_entropy,
    entropy,
    focal_loss,
    gaussian_nll,
    generalized_normal_nll,
    huber,
    kl_categorical,
    kl_laplace,
    kl_monte_carlo,
    kl_normal,
    kl_quad,
    laplace_nll,
    log_cosh,
    mae,
    mahalanobis_squared,
    mean_gamma_deviance,
    mean_poisson_deviance,
    mse,
    negative_binomial_nll,
    poisson_nll,
    student_t_nll,
    weighted_mse,
    zero_inflated_negative_binomial_nll,
)
from lossbook.numeric import _validation

NAN, INF = float("nan"), float("inf")
N01 = stats.norm(0, 1)

# (function, positional arguments, keyword arguments, regular expression the message must match)
CASES = [
    # non-positive scales
    (kl_normal, (0.0, -1.0, 0.0, 1.0), {}, r"^sigma_p: must be positive, got min -1\.0$"),
    (kl_normal, (0.0, 1.0, 0.0, [1.0, 0.0]), {}, r"^sigma_q: must be positive, got min 0\.0$"),
    (kl_laplace, (0.0, 0.0, 0.0, 1.0), {}, r"^b_p: must be positive"),
    (kl_laplace, (0.0, 1.0, 0.0, -2.0), {}, r"^b_q: must be positive"),
    (gaussian_nll, (0.0, 0.0, 0.0), {}, r"^sigma: must be positive"),
    (laplace_nll, (0.0, 0.0, -1.0), {}, r"^b: must be positive"),
    (cauchy_nll, (0.0, 0.0, 0.0), {}, r"^scale: must be positive"),
    (student_t_nll, (0.0, 0.0, -1.0, 3.0), {}, r"^scale: must be positive"),
    (student_t_nll, (0.0, 0.0, 1.0, 0.0), {}, r"^df: must be positive"),
    (poisson_nll, (1, 0.0), {}, r"^rate: must be positive where the count is positive"),
    # NaN or infinity in any input
    (kl_normal, (NAN, 1.0, 0.0, 1.0), {}, r"^mu_p: must be finite, got 1 NaN and 0 infinite"),
    (kl_normal, (0.0, 1.0, INF, 1.0), {}, r"^mu_q: must be finite, got 0 NaN and 1 infinite"),
    (kl_normal, (0.0, INF, 0.0, 1.0), {}, r"^sigma_p: must be finite"),
    (kl_laplace, (0.0, 1.0, 0.0, NAN), {}, r"^b_q: must be finite"),
    (mse, ([1.0, NAN], [1.0, 2.0]), {}, r"^y: must be finite"),
    (mae, ([1.0], [-INF]), {}, r"^y_hat: must be finite"),
    (huber, (0.0, 1.0), {"delta": NAN}, r"^delta: must be finite"),
    (log_cosh, (INF, 0.0), {}, r"^y: must be finite"),
    (gaussian_nll, (0.0, NAN, 1.0), {}, r"^mu: must be finite"),
    (gaussian_nll, (0.0, 0.0, INF), {}, r"^sigma: must be finite"),
    (laplace_nll, (NAN, 0.0, 1.0), {}, r"^y: must be finite"),
    (cauchy_nll, (0.0, INF, 1.0), {}, r"^loc: must be finite"),
    (student_t_nll, (0.0, 0.0, 1.0, INF), {}, r"^df: must be finite"),
    (poisson_nll, (NAN, 1.0), {}, r"^y: must be finite"),
    (binary_cross_entropy, (1.0, NAN), {}, r"^p: must be finite"),
    (binary_cross_entropy_with_logits, (1.0, INF), {}, r"^logits: must be finite"),
    (cross_entropy, ([0], [[0.0, NAN]]), {}, r"^logits: must be finite"),
    (focal_loss, (NAN, 0.5), {}, r"^y: must be finite"),
    (weighted_mse, (0.0, 1.0, NAN), {}, r"^weights: must be finite"),
    (mahalanobis_squared, ([NAN, 0.0], np.eye(2)), {}, r"^r: must be finite"),
    (mahalanobis_squared, ([1.0, 0.0], [[1.0, 0.0], [0.0, INF]]), {}, r"^covariance: must be finite"),
    # empty arrays
    (kl_normal, (0.0, [], 0.0, 1.0), {}, r"^sigma_p: must not be empty, got shape \(0,\)$"),
    (mse, ([], []), {}, r"^y: must not be empty"),
    (cross_entropy, ([], np.zeros((0, 3))), {}, r"^logits: must not be empty"),
    (weighted_mse, ([1.0], [2.0], []), {}, r"^weights: must not be empty"),
    # shapes that do not broadcast: both arguments named
    (kl_normal, ([0.0, 1.0], [1.0, 2.0, 3.0], 0.0, 1.0), {}, r"^sigma_p: shape \(3,\) does not broadcast with mu_p "),
    (kl_laplace, (0.0, 1.0, [0.0, 1.0], [1.0, 2.0, 3.0]), {}, r"^b_q: shape \(3,\) does not broadcast with mu_p, "),
    (mse, ([1.0, 2.0], [1.0, 2.0, 3.0]), {}, r"^y_hat: shape \(3,\) differs from the shape \(2,\) of y; the data "),
    (mse, (np.zeros(3), np.zeros((3, 1))), {}, r"^y_hat: shape \(3, 1\) differs from the shape \(3,\) of y;"),
    (mae, (np.zeros((2, 3)), np.zeros(3)), {}, r"^y_hat: shape \(3,\) differs from the shape \(2, 3\) of y;"),
    (huber, ([1.0, 2.0], [1.0, 2.0, 3.0]), {}, r"^y_hat: .* of y; "),
    (huber, ([1.0, 2.0], 0.0), {"delta": [1.0, 2.0, 3.0]}, r"^delta: shape \(3,\) does not broadcast to the shape \(2,\)"),
    (log_cosh, ([1.0, 2.0], [1.0, 2.0, 3.0]), {}, r"^y_hat: .* of y; "),
    (gaussian_nll, ([1.0, 2.0], 0.0, [1.0, 2.0, 3.0]), {}, r"^sigma: shape \(3,\) does not broadcast to the shape \(2,\) of y, mu$"),
    (gaussian_nll, (np.zeros(2), 0.0, np.ones((2, 1))), {}, r"^sigma: shape \(2, 1\) does not broadcast to the shape \(2,\)"),
    (laplace_nll, ([1.0, 2.0], [0.0, 1.0, 2.0], 1.0), {}, r"^mu: .* of y; "),
    (cauchy_nll, ([1.0, 2.0], [0.0, 1.0, 2.0], 1.0), {}, r"^loc: .* of y; "),
    (student_t_nll, ([1.0, 2.0], 0.0, 1.0, [1.0, 2.0, 3.0]), {}, r"^df: .* to the shape \(2,\) of y, loc$"),
    (poisson_nll, ([1, 2], [1.0, 2.0, 3.0]), {}, r"^rate: .* of y; "),
    (binary_cross_entropy, ([1, 0], [0.5, 0.5, 0.5]), {}, r"^p: .* of y; "),
    (binary_cross_entropy_with_logits, ([1, 0], [0.5, 0.5, 0.5]), {}, r"^logits: .* of y; "),
    (focal_loss, ([1, 0], [0.5, 0.5, 0.5]), {}, r"^p: .* of y; "),
    (weighted_mse, ([1.0, 2.0], 0.0, [1.0, 2.0, 3.0]), {}, r"^weights: .* to the shape \(2,\) of y, y_hat$"),
    (cross_entropy, ([0, 1, 0], np.zeros((2, 3))), {}, r"^labels: shape \(3,\) matches neither the shape \(2,\) of class labels"),
    (mean_poisson_deviance, ([1.0, 2.0], [1.0]), {}, r"^y_pred: shape \(1,\) differs from the shape \(2,\) of y_true"),
    (mean_gamma_deviance, ([1.0, 2.0], [[1.0, 2.0]]), {}, r"^y_pred: shape \(1, 2\) differs"),
    (mahalanobis_squared, ([1.0, 2.0, 3.0], np.eye(2)), {}, r"^r: must have shape \(\.\.\., 2\) to match covariance"),
    # probabilities outside [0, 1]
    (binary_cross_entropy, (1.5, 0.5), {}, r"^y: must be a probability in \[0, 1\], got min 1\.5 and max 1\.5$"),
    (binary_cross_entropy, (1.0, [0.5, -0.1]), {}, r"^p: must be a probability in \[0, 1\], got min -0\.1"),
    (binary_cross_entropy_with_logits, (-1.0, 0.0), {}, r"^y: must be a probability in \[0, 1\]"),
    (focal_loss, (1.0, 1.01), {}, r"^p: must be a probability in \[0, 1\]"),
    # a certain answer on the wrong label: the loss would be infinite
    (binary_cross_entropy, (1.0, 0.0), {}, r"^p: a probability of exactly 0 or 1 on the wrong label gives infinite"),
    (binary_cross_entropy, ([0.0, 1.0], [1.0, 0.5]), {}, r"^p: .*binary_cross_entropy_with_logits"),
    (binary_cross_entropy, (0.3, 1.0), {}, r"^p: a probability of exactly 0 or 1 on the wrong label"),
    (focal_loss, (1.0, 0.0), {}, r"^p: a probability of exactly 0 or 1 on the wrong label"),
    (focal_loss, (0.0, 1.0), {"gamma": 3.0}, r"^p: a probability of exactly 0 or 1 on the wrong label"),
    # labels out of range or not integers
    (cross_entropy, ([3], np.zeros((1, 3))), {}, r"^labels: must be integers in \[0, 3\), got min 3 and max 3$"),
    (cross_entropy, ([-1, 0], np.zeros((2, 3))), {}, r"^labels: must be integers in \[0, 3\), got min -1"),
    (cross_entropy, ([5, 0], np.zeros((2, 3))), {"ignore_index": -1}, r"^labels: must be integers in \[0, 3\) or ignore_index = -1"),
    (cross_entropy, ([0.5], np.zeros((1, 3))), {}, r"^labels: must be integers, got 0\.5$"),
    (cross_entropy, ([[0.5, 1.5]], np.zeros((1, 2))), {}, r"^labels: must be a probability in \[0, 1\]"),
    (cross_entropy, ([0], np.zeros((1, 2))), {"weight": [1.0, 2.0, 3.0]}, r"^weight: must have shape \(C,\) = \(2,\)"),
    (cross_entropy, ([0], np.zeros((1, 2))), {"weight": [1.0, -2.0]}, r"^weight: must be non-negative"),
    (cross_entropy, ([0], np.zeros((1, 2))), {"label_smoothing": 1.5}, r"^label_smoothing: must be in \[0, 1\]"),
    (cross_entropy, ([-100], np.zeros((1, 2))), {"ignore_index": -100}, r"^labels: every element is ignored"),
    (cross_entropy, ([0], np.zeros((1, 2))), {"ignore_index": 1.5}, r"^ignore_index: must be an integer"),
    (poisson_nll, (-1, 1.0), {}, r"^y: must be integers >= 0, got min -1"),
    (poisson_nll, ([1, 2.5], 1.0), {}, r"^y: must be integers, got 2\.5$"),
    (generalized_normal_nll, (0.0, 0.0, 1.0, -2.0), {}, r"^p: must be positive, got min -2\.0$"),
    (generalized_normal_nll, (0.0, 0.0, 0.0, 2.0), {}, r"^alpha: must be positive"),
    (generalized_normal_nll, (1e300, -1e300, 1e-300, 8.0), {}, r"^y, mu, alpha, p: the loss overflows float64"),
    (negative_binomial_nll, ([0, -2], 1.0, 0.5), {}, r"^y: must be integers >= 0, got min -2"),
    (negative_binomial_nll, (2, 0.0, 0.5), {}, r"^mu: must be positive"),
    (negative_binomial_nll, (2, 1.0, -0.5), {}, r"^alpha: must be positive"),
    (zero_inflated_negative_binomial_nll, (1.5, 0.2, 1.0, 0.5), {}, r"^y: must be integers, got 1\.5$"),
    (zero_inflated_negative_binomial_nll, (1, -0.2, 1.0, 0.5), {}, r"^pi: must be a probability in \[0, 1\]"),
    (zero_inflated_negative_binomial_nll, ([1, 1], [0.2, 1.0], 1.0, 0.5), {}, r"^pi: must be below 1 \(a certain structural"),
    (zero_inflated_negative_binomial_nll, (1, 0.2, 1.0, NAN), {}, r"^alpha: "),
    # shapes of matrices
    (cross_entropy, ([0], [0.0, 1.0]), {}, r"^labels: shape \(1,\) matches neither the shape \(\) of class labels"),
    (cross_entropy, (0, 1.0), {}, r"^logits: must have shape \(C,\) or \(N, C, d1, \.\.\., dk\)"),
    (mahalanobis_squared, ([1.0, 2.0], np.ones((2, 3))), {}, r"^covariance: must be a square \(d, d\) matrix"),
    (mahalanobis_squared, (1.0, np.eye(1)), {}, r"^r: must have shape \(\.\.\., 1\)"),
    (mahalanobis_squared, ([1.0, 2.0], [[1.0, 0.5], [0.0, 1.0]]), {}, r"^covariance: must be symmetric$"),
    (mahalanobis_squared, ([1.0, 2.0], [[1.0, 2.0], [2.0, 1.0]]), {}, r"^covariance: must be positive definite"),
    (mahalanobis_squared, ([1.0, 2.0], np.zeros((2, 2))), {}, r"^covariance: must be positive definite"),
    # weights
    (weighted_mse, ([1.0, 2.0], 0.0, [1.0, -1.0]), {}, r"^weights: must be non-negative, got min -1\.0$"),
    (weighted_mse, ([1.0, 2.0], 0.0, 0.0), {}, r"^weights: must not be all zero$"),
    # delta <= 0, gamma < 0 (single numbers)
    (huber, (0.0, 1.0), {"delta": 0.0}, r"^delta: must be positive, got min 0\.0$"),
    (huber, ([0.0, 0.0], 1.0), {"delta": [1.0, -1.0]}, r"^delta: must be positive, got min -1\.0$"),
    (focal_loss, (1.0, 0.5), {"gamma": -0.5}, r"^gamma: must be non-negative, got -0\.5$"),
    # discrete distributions (the divergences' own messages; listed here so that every public function has a case)
    (entropy, ([0.5, -0.5],), {}, r"^p: must be non-negative"),
    (kl_categorical, ([0.5, 0.5], [1.0, 0.0]), {}, r"^q: is 0 where p is positive"),
    # n < 2, and n not an integer
    (kl_monte_carlo, (N01, N01), {"n": 1}, r"^n: must be at least 2 to estimate a standard error, got 1$"),
    (kl_monte_carlo, (N01, N01), {"n": 0}, r"^n: must be at least 2"),
    (kl_monte_carlo, (N01, N01), {"n": 100.0}, r"^n: must be an integer, got 100\.0$"),
    (kl_monte_carlo, (N01, N01), {"n": True}, r"^n: must be an integer, got True$"),
    (kl_monte_carlo, (N01, N01), {"n": "1000"}, r"^n: must be an integer"),
    (kl_monte_carlo, (N01, N01), {"seed": -1}, r"^seed: not a valid seed"),
    # distributions that are not frozen continuous scipy distributions
    (kl_quad, (stats.norm, N01), {}, r"^p: must be a frozen distribution; call the family with its parameters"),
    (kl_quad, (N01, stats.poisson(3)), {}, r"^q: must be a continuous distribution, got the discrete poisson$"),
    (kl_quad, (1.0, N01), {}, r"^p: must be a frozen continuous scipy\.stats distribution .* got float$"),
    (kl_quad, (N01, None), {}, r"^q: must be a frozen continuous scipy\.stats distribution .* got NoneType$"),
    (kl_quad, (stats.norm(0, -1), N01), {}, r"^p: the parameters of norm are invalid"),
    (kl_monte_carlo, (N01, stats.laplace), {}, r"^q: must be a frozen distribution"),
    (kl_monte_carlo, (stats.binom(5, 0.5), N01), {}, r"^p: must be a continuous distribution"),
    # non-numeric input
    (kl_normal, ("a", 1.0, 0.0, 1.0), {}, r"^mu_p: must be numeric"),
    (kl_normal, (0.0, None, 0.0, 1.0), {}, r"^sigma_p: must be numeric, got an element of type NoneType"),
    (mse, (["1.0", "2.0"], 0.0), {}, r"^y: must be numeric, got an array of dtype <U3$"),
    (mae, ([1.0, 2.0], [1.0, object()]), {}, r"^y_hat: must be numeric, got an element of type object"),
    (gaussian_nll, (0.0, 1 + 2j, 1.0), {}, r"^mu: must be real, got complex values$"),
    (laplace_nll, ([[1.0, 2.0], [3.0]], 0.0, 1.0), {}, r"^y: must be a real number or a rectangular array"),
    (huber, (0.0, 1.0), {"delta": "1"}, r"^delta: must be numeric"),
    (poisson_nll, (np.array(["2024-01-01"], dtype="datetime64[D]"), 1.0), {}, r"^y: must be numeric, got an array"),
    (cross_entropy, ([0], "logits"), {}, r"^logits: must be numeric"),
    (mahalanobis_squared, ([1.0], [[None]]), {}, r"^covariance: must be numeric"),
    # results that would overflow float64 raise instead of returning inf
    (kl_normal, (0.0, 1e200, 0.0, 1.0), {}, r"^mu_p, sigma_p, mu_q, sigma_q: the divergence overflows float64"),
    (kl_laplace, (0.0, 1e-300, 1e300, 1e-300), {}, r"^mu_p, b_p, mu_q, b_q: the divergence overflows float64"),
    (mse, (1e200, -1e200), {}, r"^y, y_hat: the squared residual overflows float64"),
    (mae, (1.7e308, -1.7e308), {}, r"^y, y_hat: the residual overflows float64"),
    (gaussian_nll, (1e300, -1e300, 1e-300), {}, r"^y, mu, sigma: the loss overflows float64"),
    (weighted_mse, (1e200, 0.0, 1.0), {}, r"^y, y_hat: the squared residual overflows float64"),
    (mse, (np.float32(1e20), np.float32(0.0)), {}, r"^y, y_hat: the squared residual overflows float32 .* or pass float64"),
    (mse, (np.full(3, 1e300), 0.0), {"reduction": "sum"}, r"^y, y_hat: the squared residual overflows"),
    (mse, (np.full(3, 1e154), 0.0), {"reduction": "sum"}, r"^y, y_hat: the sum of the losses overflows float64"),
    # reduction and sample_weight
    (mse, (1.0, 2.0), {"reduction": "average"}, r"^reduction: must be 'mean', 'sum' or 'none', got 'average'$"),
    (gaussian_nll, (1.0, 2.0, 1.0), {"reduction": None}, r"^reduction: must be "),
    (mse, ([1.0, 2.0], 0.0), {"sample_weight": [1.0, -1.0]}, r"^sample_weight: must be non-negative, got min -1\.0$"),
    (mse, ([1.0, 2.0], 0.0), {"sample_weight": [1.0, NAN]}, r"^sample_weight: must be finite"),
    (mse, ([1.0, 2.0], 0.0), {"sample_weight": [1.0, 2.0, 3.0]}, r"^sample_weight: shape \(3,\) does not broadcast to the shape \(2,\)"),
    (mae, ([1.0, 2.0], 0.0), {"sample_weight": [0.0, 0.0]}, r"^sample_weight: the weights are all zero"),
    (mae, (np.ma.masked_array([1.0, 2.0], mask=[1, 1]), 0.0), {}, r"^sample_weight: the weights are all zero \(or every element is masked\)"),
    (binary_cross_entropy_with_logits, ([1.0], [0.0]), {"pos_weight": -1.0}, r"^pos_weight: must be non-negative"),
    (poisson_nll, ([0, 2], [0.0, 0.0]), {}, r"^rate: must be positive where the count is positive"),
    (poisson_nll, ([0, 2], [-1.0, 1.0]), {}, r"^rate: must be non-negative"),
    (mean_poisson_deviance, ([-1.0], [1.0]), {}, r"^y_true: must be non-negative"),
    (mean_poisson_deviance, ([1.0], [0.0]), {}, r"^y_pred: must be positive where y_true is positive"),
    (mean_poisson_deviance, ([1.0], [NAN]), {}, r"^y_pred: must be finite"),
    (mean_gamma_deviance, ([0.0], [1.0]), {}, r"^y_true: must be positive"),
    (mean_gamma_deviance, ([1.0], [-1.0]), {}, r"^y_pred: must be positive"),
    (mahalanobis_squared, ([1.0, 2.0], np.eye(2)), {"reduction": "max"}, r"^reduction: must be"),
    (mahalanobis_squared, ([1e200, 0.0], np.eye(2)), {}, r"^r, covariance: the squared length overflows float64"),
]


def case_id(case) -> str:
    function, args, kwargs, pattern = case
    return f"{function.__name__}-{pattern.split(':')[0].strip('^')}-{pattern.split(':', 1)[1][:28].strip()}"


@pytest.mark.parametrize("function, args, kwargs, pattern", CASES, ids=[case_id(c) for c in CASES])
def test_bad_input_raises_a_value_error_naming_the_argument(function, args, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        function(*args, **kwargs)


def test_every_public_function_has_a_bad_input_case():
    functions = {name for name in numeric.__all__ if callable(getattr(numeric, name)) and name[0].islower()}
    covered = {case[0].__name__ for case in CASES}
    assert functions <= covered, f"no bad-input case for {sorted(functions - covered)}"


@pytest.mark.parametrize("sigma", [0.0, -1.0, -np.inf, np.nan])
def test_a_bad_scale_is_never_turned_into_nan(sigma):
    with pytest.raises(ValueError, match=r"^sigma_q: "):
        kl_normal(0.0, 1.0, 0.0, sigma)


# -- the helpers ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (3, np.array(3.0)),
        ([1, 2], np.array([1.0, 2.0])),
        (np.float32(0.5), np.array(0.5)),
        (np.array([True, False]), np.array([1.0, 0.0])),
        (np.array([1.5, 2], dtype=object), np.array([1.5, 2.0])),
    ],
)
def test_real_array_converts_real_numbers_to_float64(value, expected):
    got = _validation.real_array(value, "x")
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)


def test_broadcast_returns_arrays_of_the_common_shape():
    a, b, c = _validation.broadcast(a=np.zeros((3, 1)), b=np.zeros(4), c=np.zeros(()))
    assert a.shape == b.shape == c.shape == (3, 4)


def test_broadcast_names_the_first_incompatible_argument_and_those_before_it():
    expected = r"^c: shape \(5,\) does not broadcast with a, b \(together of shape \(3, 4\)\)$"
    with pytest.raises(ValueError, match=expected):
        _validation.broadcast(a=np.zeros((3, 1)), b=np.zeros(4), c=np.zeros(5))


@pytest.mark.parametrize("n", [2, 10, np.int64(7)])
def test_sample_size_accepts_integers_of_at_least_two(n):
    assert _validation.sample_size(n) == int(n)
    assert type(_validation.sample_size(n)) is int


def test_integers_accepts_integer_valued_floats_and_returns_int64():
    got = _validation.integers([0.0, 2.0, 1.0], "y", low=0, high=3)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, [0, 2, 1])


def test_mean_survives_a_sum_that_overflows():
    assert _validation.mean(np.full(4, 1e308), "x") == pytest.approx(1e308, rel=1e-15)


def test_scaled_difference_survives_a_difference_that_overflows():
    got = _validation.scaled_difference(np.array(1e308), np.array(-1e308), np.array(1e300))
    assert got == pytest.approx(2e8, rel=1e-15)


# -- the helpers of the losses' conventions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arguments, expected",
    [
        ((np.zeros(2, np.float32), np.zeros(2, np.float32)), np.float32),
        ((np.zeros(2, np.float32), 0.5), np.float32),  # a Python number does not raise the precision
        ((np.zeros(2, np.float32), np.zeros(2, np.int64)), np.float32),  # nor do integer labels
        ((np.zeros(2, np.float16), 1), np.float32),
        ((np.zeros(2, np.float32), np.zeros(2)), np.float64),
        ((np.zeros(2, np.int64), np.zeros(2, bool)), np.float64),  # integers alone become float64
        (([1.0, 2.0], 3), np.float64),
        ((np.float32(1.0), np.float64(2.0)), np.float64),
    ],
)
def test_compute_dtype_is_float32_only_when_a_float32_argument_meets_no_float64(arguments, expected):
    assert _validation.compute_dtype(*arguments) == expected


def test_as_array_does_not_copy_an_array_of_the_computation_dtype():
    x = np.arange(4.0)
    assert _validation.as_array(x, "x", np.dtype(np.float64))[0] is x


def test_as_array_returns_the_mask_of_a_masked_array():
    array, mask = _validation.as_array(np.ma.masked_array([1.0, 2.0], mask=[0, 1]), "x", np.dtype(np.float64))
    np.testing.assert_array_equal(mask, [False, True])
    assert _validation.as_array(np.ma.masked_array([1.0, 2.0]), "x", np.dtype(np.float64))[1] is None


@pytest.mark.parametrize("a, b, shape", [((3,), (3,), (3,)), ((3, 2), (), (3, 2)), ((), (4,), (4,)), ((), (), ())])
def test_data_shape_is_the_common_shape_or_that_of_the_array_beside_a_single_number(a, b, shape):
    assert _validation.data_shape(np.zeros(a), "a", np.zeros(b), "b") == shape


@pytest.mark.parametrize("a, b", [((3,), (3, 1)), ((3,), (1,)), ((2, 3), (3,))])
def test_data_shape_refuses_to_broadcast_two_arrays(a, b):
    with pytest.raises(ValueError, match=rf"^b: shape {re.escape(str(b))} differs from the shape {re.escape(str(a))} of a;"):
        _validation.data_shape(np.zeros(a), "a", np.zeros(b), "b")


@pytest.mark.parametrize("param, ok", [((), True), ((3,), True), ((2, 1), True), ((1, 3), True), ((2, 3), True), ((3, 1), False), ((2, 2, 3), False)])
def test_a_parameter_broadcasts_to_the_data_shape_but_never_enlarges_it(param, ok):
    if ok:
        _validation.fits(np.zeros(param), "sigma", (2, 3), "y, mu")
    else:
        with pytest.raises(ValueError, match=r"^sigma: shape .* does not broadcast to the shape \(2, 3\) of y, mu$"):
            _validation.fits(np.zeros(param), "sigma", (2, 3), "y, mu")
