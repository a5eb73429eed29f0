"""Numeric layer of lossbook (NumPy, SciPy): vectorised losses and divergences.

Every function takes array-likes, broadcasts them, works in float64 and rejects bad input with a
:class:`ValueError` whose message starts with the argument's name: bad input never gives a silent nan, inf or
wrong number. The losses are means over all elements; :func:`mahalanobis_squared` returns one value per row.
Importing this module never imports matplotlib.
"""

from .divergences import MonteCarloEstimate, kl_laplace, kl_monte_carlo, kl_normal, kl_quad
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cauchy_nll,
    cross_entropy,
    focal_loss,
    gaussian_nll,
    generalized_normal_nll,
    huber,
    laplace_nll,
    log_cosh,
    mae,
    mahalanobis_squared,
    mse,
    negative_binomial_nll,
    poisson_nll,
    student_t_nll,
    weighted_mse,
    zero_inflated_negative_binomial_nll,
)

__all__ = [
    "kl_normal",
    "kl_laplace",
    "kl_quad",
    "kl_monte_carlo",
    "MonteCarloEstimate",
    "mse",
    "mae",
    "huber",
    "log_cosh",
    "gaussian_nll",
    "laplace_nll",
    "generalized_normal_nll",
    "cauchy_nll",
    "student_t_nll",
    "poisson_nll",
    "negative_binomial_nll",
    "zero_inflated_negative_binomial_nll",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "focal_loss",
    "weighted_mse",
    "mahalanobis_squared",
]
