"""Numeric layer of lossbook (NumPy, SciPy): vectorised losses and divergences.

The losses share one set of conventions, those of torch.nn.functional and scikit-learn.metrics:

.. list-table:: Conventions of the losses
   :header-rows: 1
   :widths: 18 82

   * - topic
     - rule
   * - reduction
     - Every loss takes ``reduction="mean" | "sum" | "none"`` (keyword-only, after its data and parameters).
       ``"mean"`` is the default; ``"none"`` returns the per-element losses, of the data's shape.
       :func:`mahalanobis_squared` defaults to ``"none"`` (one squared length per row), and the divergences
       return one value per pair of distributions.
   * - sample_weight
     - Every loss takes ``sample_weight=None``: non-negative per-element weights :math:`w_i`, broadcast to the
       data's shape by NumPy's rules (a weight per row of (N, C) data has shape (N, 1)). ``"mean"`` is
       :math:`\\sum_i w_i \\ell_i / \\sum_i w_i` (as ``numpy.average`` and scikit-learn), ``"sum"`` is
       :math:`\\sum_i w_i \\ell_i`, ``"none"`` is :math:`w_i \\ell_i`. Weights of ones give the unweighted
       loss. :func:`cross_entropy` keeps torch's weighted mean for its class
       ``weight`` (see there).
   * - shapes
     - The two data arguments (the observation and its prediction: ``y, y_hat``; ``y, mu``; ``y, loc``;
       ``y, p``; ``y, logits``; ``y, rate``; ``y_true, y_pred``) must have the same shape, or one of them be a
       single number (a Python number or a 0-d array), as torch's ``GaussianNLLLoss`` lets a scalar stand for
       every element. Anything else raises a ``ValueError`` naming both shapes: nothing is broadcast into a
       grid. Parameters (``sigma``, ``b``, ``scale``, ``df``, ``alpha``, ``p``, ``pi``, ``delta``,
       ``pos_weight``, ``weights``) broadcast to the data's shape by NumPy's rules, but may not enlarge it. For
       :func:`cross_entropy` the logits are (N, C, d1, ..., dk), the class axis second, and the labels are
       either class indices of shape (N, d1, ..., dk) or class probabilities of the logits' shape.
   * - dtypes
     - float32 in, float32 computation and float32 out (a ``numpy.float32`` number, or a float32 array for
       ``"none"``): the computation is float32 when a floating argument is float32 and none is float64.
       Python numbers, integer and boolean arrays do not raise the precision; integers alone become float64.
       Otherwise everything is float64, and a number comes back as a Python float.
   * - masked arrays
     - A masked element (of any argument) is left out, exactly as ``sample_weight=0`` would leave it out; with
       ``"none"`` the result is a masked array with that mask. Masked values are never read.
   * - errors
     - Bad input raises :class:`ValueError` whose message starts with the argument's name and says why: NaN or
       infinity, out-of-range values (negative scales, probabilities outside [0, 1], non-integer counts),
       shapes that differ, an unknown ``reduction``, weights that are negative or (for the mean) all zero.
       A loss that overflows the dtype raises too: bad input never gives a silent nan, inf or wrong number.
       A probability of exactly 0 or 1 on the wrong label (a saturated sigmoid) is refused with advice to use
       :func:`binary_cross_entropy_with_logits`.

Validation is cheap rather than absent: the losses used in inner loops (:func:`mse`, :func:`mae`,
:func:`huber`, :func:`gaussian_nll`, :func:`laplace_nll`) compute first and check the arguments only when the
result is not finite, which bad input always makes it. Importing this module never imports matplotlib.
"""

from .divergences import MonteCarloEstimate, entropy, kl_categorical, kl_laplace, kl_monte_carlo, kl_normal, kl_quad
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
    mean_gamma_deviance,
    mean_poisson_deviance,
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
    "kl_categorical",
    "entropy",
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
    "mean_poisson_deviance",
    "mean_gamma_deviance",
]
