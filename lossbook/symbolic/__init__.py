"""Symbolic layer of lossbook (SymPy): distributions, expectations, KL divergences, likelihoods, derivations,
checked equations and the textbook printer."""

from .distributions import (
    Bernoulli,
    Categorical,
    Cauchy,
    Distribution,
    Exponential,
    Gamma,
    GeneralizedNormal,
    Laplace,
    MultivariateNormal,
    NegativeBinomial,
    Normal,
    Poisson,
    StudentT,
    ZeroInflatedNegativeBinomial,
    family,
)
from .data import on_data
from .errors import NoClosedFormError
from .checking import Check, Checker
from .derivation import Derivation, DerivationError, Step
from .equation import Equation, EquationGroup, equations
from .functions import logsumexp, sigmoid, softplus
from .printing import TextbookPrinter, latex
from .divergence import kl, numeric_kl, tidy
from .likelihood import expand_sum, negative_log_likelihood, stationary_points
from .fitting import Fit, fit
from .expectation import Expectation, apply_moments, expand_expectation, expectation, numeric_expectation
from .numeric_loss import loss_function

__all__ = [
    "Distribution",
    "Normal",
    "Laplace",
    "Cauchy",
    "StudentT",
    "Gamma",
    "Exponential",
    "GeneralizedNormal",
    "Bernoulli",
    "Categorical",
    "Poisson",
    "NegativeBinomial",
    "ZeroInflatedNegativeBinomial",
    "MultivariateNormal",
    "family",
    "sigmoid",
    "softplus",
    "logsumexp",
    "Expectation",
    "expectation",
    "expand_expectation",
    "apply_moments",
    "numeric_expectation",
    "kl",
    "numeric_kl",
    "tidy",
    "Derivation",
    "DerivationError",
    "Step",
    "Check",
    "Checker",
    "Equation",
    "EquationGroup",
    "equations",
    "latex",
    "TextbookPrinter",
    "on_data",
    "negative_log_likelihood",
    "expand_sum",
    "stationary_points",
    "fit",
    "Fit",
    "NoClosedFormError",
    "loss_function",
]
