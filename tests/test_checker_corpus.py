"""An adversarial corpus for the derivation checker: wrong steps a sceptical referee would try, each refused,
and hard true steps, each accepted.

Every case is written against the public API (``Derivation``, ``Expectation``, the families). The cases are not
fitted to the engine: a wrong step below differs from the true one only where a narrow sampler would not look
(beyond the ordinary range, past a threshold, at sizes above 5, by 1e-12 relative), or where a numerical
shortcut would fool a naive check (an accelerated divergent series, a quadrature compared at 1e-15).
The symbolic confirmation is switched off, so each verdict is the numeric check's own.
"""

from __future__ import annotations

import pytest
import sympy as sp

from lossbook.symbolic.checking import Checker
from lossbook.symbolic import (
    Bernoulli,
    Derivation,
    DerivationError,
    Expectation,
    Gamma,
    Laplace,
    Normal,
    Poisson,
    sigmoid,
)

a, b, c, m, x, z, r, s, u, v, w = sp.symbols("a b c m x z r s u v w", real=True)
mu, mu1, mu2, mu_gt, mu_m = sp.symbols("mu mu1 mu2 mu_gt mu_m", real=True)
sigma, sigma1, sigma2, b1, b2, delta, p, lam, t, k_pos = sp.symbols(
    "sigma sigma1 sigma2 b1 b2 delta p lambda t kappa", positive=True
)
n, N, i, j = sp.symbols("n N i j", integer=True, positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
y, X = sp.IndexedBase("y", real=True), sp.IndexedBase("x", real=True)
q = sp.IndexedBase("q", positive=True)
label = sp.IndexedBase("ell", real=True)

def derive(start, domains=None) -> Derivation:
    """A derivation checked numerically only, with the declared domains (passed through once Derivation takes them)."""
    if domains is None:
        return Derivation("f", start, symbolic_seconds=0)
    try:
        return Derivation("f", start, symbolic_seconds=0, domains=domains)
    except TypeError:
        derivation = Derivation("f", start, symbolic_seconds=0)
        derivation.checker = Checker(points=derivation.points, seed=derivation.seed, symbolic_seconds=0,
                                     domain=derivation.domain, domains=domains)
        return derivation


def total(expr, upper=N, index=i, lower=1):
    return sp.Sum(expr, (index, lower, upper))


y_bar = total(y[i]) / N


def huber(residual, threshold):
    return sp.Piecewise(
        (residual**2 / 2, sp.Abs(residual) <= threshold), (threshold * (sp.Abs(residual) - threshold / 2), True)
    )


def normal_kl(m1, s1, m2, s2):
    return sp.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - sp.Rational(1, 2)


def kl_definition(p_dist, q_dist):
    return Expectation(p_dist.log_density(x) - q_dist.log_density(x), x, p_dist)


LAPLACE_KL = sp.log(b2 / b1) + sp.Abs(mu1 - mu2) / b2 + b1 / b2 * sp.exp(-sp.Abs(mu1 - mu2) / b1) - 1
NORMAL_KL_DEFINITION = kl_definition(Normal(mu1, sigma1), Normal(mu2, sigma2))
LAPLACE_KL_DEFINITION = kl_definition(Laplace(mu1, b1), Laplace(mu2, b2))
UNIT_KL_DEFINITION = kl_definition(Normal(mu_gt, 1), Normal(mu_m, 1))

# name -> (old, new, keyword arguments of Derivation)
WRONG_EQUALITIES = {
    # dropped factors and sign errors
    "a dropped factor of 2 in the cross term": ((a + b) ** 2, a**2 + a * b + b**2, {}),
    "a sign error in the cross term": ((a - b) ** 2, a**2 + 2 * a * b + b**2, {}),
    "a dropped factor one half": ((mu1 - mu2) ** 2 / 2, (mu1 - mu2) ** 2, {}),
    "a sign error in the Gaussian exponent": (sp.exp(-((x - mu) ** 2) / 2), sp.exp((x - mu) ** 2 / 2), {}),
    "the log of a square as twice the log for real x": (sp.log(x**2), 2 * sp.log(x), {}),
    "the root of a square as the value for real x": (sp.sqrt(x**2), x, {}),
    "an absolute value lost": (sp.Abs(a - b) + sigma, a - b + sigma, {}),
    "the log of a sum as the sum of logs": (sp.log(sigma + t), sp.log(sigma) + sp.log(t), {}),
    "the exponential of a product as a product of exponentials": (sp.exp(a * b), sp.exp(a) * sp.exp(b), {}),
    "a power of a sum of exponents as a sum of powers": (sigma ** (a + b), sigma**a + sigma**b, {}),
    "a cosh identity with the wrong sign": (sp.cosh(x) ** 2 + sp.sinh(x) ** 2, sp.Integer(1), {}),
    "tanh as twice the sigmoid minus one at the same argument": (sp.tanh(x), 2 * sigmoid(x) - 1, {}),
    "the sigmoid derivative with a plus sign": (sigmoid(z) * (1 - sigmoid(z)), sigmoid(z) * (1 + sigmoid(z)), {}),
    "the softplus derivative as the complementary sigmoid": (sp.exp(z) / (1 + sp.exp(z)), 1 / (1 + sp.exp(z)), {}),
    "the softplus written without its linear part": (sp.log(1 + sp.exp(x)), sp.log(1 + sp.exp(-x)), {}),
    "log-sum-exp replaced by the maximum": (sp.log(sp.exp(a) + sp.exp(b)), sp.Max(a, b), {}),
    "log-sum-exp with the correction of the wrong sign": (
        sp.log(sp.exp(a) + sp.exp(b)), sp.Max(a, b) - sp.log(1 + sp.exp(-sp.Abs(a - b))), {}
    ),
    "the minimum written as the maximum formula": (sp.Min(a, b), (a + b + sp.Abs(a - b)) / 2, {}),
    "the duplication formula without its power of two": (
        sp.gamma(sigma) * sp.gamma(sigma + sp.Rational(1, 2)), sp.sqrt(sp.pi) * sp.gamma(2 * sigma), {}
    ),
    "gamma of a double argument as a square": (sp.gamma(2 * sigma), 2 * sp.gamma(sigma) ** 2, {}),
    "the recursion of the gamma function off by one": (sp.gamma(sigma + 1), (sigma + 1) * sp.gamma(sigma), {}),
    "a Stirling approximation passed off as exact": (
        sp.loggamma(sigma + 1), sigma * sp.log(sigma) - sigma + sp.log(2 * sp.pi * sigma) / 2, {}
    ),
    "erf as odd with the wrong sign": (sp.erf(-x), sp.erf(x), {}),
    # tiny perturbations
    "a perturbation of 1e-12 relative": (sp.exp(x), sp.exp(x) * (1 + sp.Float("1e-12")), {}),
    "a perturbation of 1e-20 absolute": (sp.exp(mu1), sp.exp(mu1) + sp.Rational(1, 10**20), {}),
    "a 16-digit float for log(2 pi) / 2": (sp.log(2 * sp.pi) / 2 + x**2, sp.Float("0.9189385332046727") + x**2, {}),
    "pi to 16 digits": (sp.pi * sigma, sp.Float("3.141592653589793") * sigma, {}),
    "an error of exp(-40)": (sp.log(1 + sigma), sp.log(1 + sigma) + sp.exp(-40), {}),
    # thresholds and clamps
    "a clamp max(p, 1e-7) dropped": (sp.log(sp.Max(p, sp.Float("1e-7"))), sp.log(p), {}),
    "a clamp max(p, 1e-12) dropped": (sp.log(sp.Max(p, sp.Float("1e-12"))), sp.log(p), {}),
    "a clamp of a probability at 1 - 1e-7 dropped": (
        sp.log(1 - sp.Min(p, 1 - sp.Float("1e-7"))), sp.log(1 - p), {"domains": {p: "probability"}}
    ),
    "a log-variance clip at plus and minus 10 dropped": (sp.exp(-sp.Min(sp.Max(s, -10), 10)), sp.exp(-s), {}),
    "a Huber threshold of 3 treated as never reached": (huber(r, 3), r**2 / 2, {}),
    "a Huber loss with the linear branch off by a constant": (
        huber(r, delta), sp.Piecewise((r**2 / 2, sp.Abs(r) <= delta), (delta * sp.Abs(r) - delta**2, True)), {}
    ),
    "a cap at 1000 dropped": (sp.Piecewise((x, x < 1000), (1000, True)), x, {}),
    "a cap at one million dropped": (sp.Min(x, 10**6), x, {}),
    "a penalty beyond 1e5 dropped": (x**2 + sp.Piecewise((x**4, sp.Abs(x) > 10**5), (0, True)), x**2, {}),
    "a step at 5 replaced by zero": (sp.Heaviside(x - 5) * x, sp.Integer(0) * x, {}),
    "the sign function times x as x": (sp.sign(x) * x, x, {}),
    "a clamp at 1e-7 as the absolute value": (sp.Max(x, sp.Float("1e-7")), sp.Abs(x), {}),
    "a ReLU as the identity": (sp.Max(x, 0), x, {}),
    "a hinge loss with the threshold at 0 instead of 1": (sp.Max(0, 1 - z), sp.Max(0, -z), {}),
    # sums over data and sizes
    "a sum whose upper bound is capped at 5": (total(y[i]), total(y[i], sp.Min(N, 5)), {}),
    "a sum of the integers capped at 20": (sp.Sum(i, (i, 1, sp.Min(N, 20))), N * (N + 1) / 2, {}),
    "a sum shifted by one index": (total(y[i]), total(y[i], N - 1, lower=0), {}),
    "a sum with one term too many": (total(y[i]), total(y[i], N + 1), {}),
    "a sum off by its last term": (total(y[i]), total(y[i], N - 1), {}),
    "the mean divided by N + 1": (total(y[i]) / N, total(y[i]) / (N + 1), {}),
    "the sample variance with 1/(N - 1) for 1/N": (
        total((y[i] - y_bar) ** 2) / N, total((y[i] - y_bar) ** 2) / (N - 1), {}
    ),
    "the expanded square without the factor 2": (
        total((y[i] - m) ** 2), total(y[i] ** 2) - m * total(y[i]) + N * m**2, {}
    ),
    "a double sum as the sum of squares": (sp.Sum(y[i] * y[j], (i, 1, N), (j, 1, N)), total(y[i] ** 2), {}),
    "the log of a product of data as N times the sum": (
        sp.log(sp.Product(q[i], (i, 1, N))), N * total(sp.log(q[i])), {}
    ),
    "indices of two data series swapped": (total(y[i] * X[i + 1]), total(y[i + 1] * X[i]), {}),
    "a kernel sum with the scalar x dropped from one term": (
        total((X[i] - x) ** 2), total(X[i] ** 2) - 2 * x * total(X[i]) + N, {}
    ),
    "a polynomial that agrees with the sum of cubes for sizes up to 5": (
        sp.Sum(i**3, (i, 1, n)),
        (n * (n + 1) / 2) ** 2 + (n - 1) * (n - 2) * (n - 3) * (n - 4) * (n - 5),
        {},
    ),
    "the binomial sum as 2^n - 1": (sp.Sum(sp.binomial(n, k), (k, 0, n)), 2**n - 1, {}),
    "(-1)^n as 1": ((-1) ** n, sp.Integer(1), {}),
    "n factorial as n^n": (sp.factorial(n), n**n, {}),
    "y^2 = y for real labels": (y[1] ** 2 + label[1], y[1] + label[1], {}),
    "the cross-entropy as -log p for every label": (
        -(z * sp.log(p) + (1 - z) * sp.log(1 - p)), -sp.log(p), {"domains": {p: "probability", z: "binary"}}
    ),
    # series
    "a geometric series summed for every r": (sp.Sum(r**k, (k, 0, sp.oo)), 1 / (1 - r), {}),
    "a geometric series in a positive ratio": (sp.Sum(sigma**k, (k, 0, sp.oo)), 1 / (1 - sigma), {}),
    "the Taylor series of log(1 + x) past its radius": (
        sp.Sum((-1) ** (k + 1) * sigma ** k / k, (k, 1, sp.oo)).subs(k, k), sp.log(1 + sigma), {}
    ),
    "the harmonic series given a value": (sp.Sum(1 / n, (n, 1, sp.oo)), sp.EulerGamma, {}),
    "Grandi's series as one half": (sp.Sum((-1) ** k, (k, 0, sp.oo)), sp.Rational(1, 2), {}),
    "the Basel sum as pi^2 / 4": (sp.Sum(1 / n**2, (n, 1, sp.oo)), sp.pi**2 / 4, {}),
    "the exponential series missing its first term": (sp.Sum(x**k / sp.factorial(k), (k, 1, sp.oo)), sp.exp(x), {}),
    # expectations
    "Jensen swapped for the square": (Expectation(x**2, x, Normal(mu, sigma)), mu**2, {}),
    "Jensen swapped for the exponential": (Expectation(sp.exp(x), x, Normal(mu, sigma)), sp.exp(mu), {}),
    "Jensen swapped for the absolute value": (Expectation(sp.Abs(x), x, Normal(mu, sigma)), sp.Abs(mu), {}),
    "the Gaussian variance as sigma": (Expectation((x - mu) ** 2, x, Normal(mu, sigma)), sigma, {}),
    "the Gaussian KL without its -1/2": (NORMAL_KL_DEFINITION, normal_kl(mu1, sigma1, mu2, sigma2) + sp.Rational(1, 2), {}),
    "the Gaussian KL in the swapped direction": (NORMAL_KL_DEFINITION, normal_kl(mu2, sigma2, mu1, sigma1), {}),
    "the Gaussian KL with the variance ratio inverted": (
        NORMAL_KL_DEFINITION, sp.log(sigma1 / sigma2) + (sigma1**2 + (mu1 - mu2) ** 2) / (2 * sigma2**2) - sp.Rational(1, 2), {}
    ),
    "the Laplace KL with its absolute value dropped": (LAPLACE_KL_DEFINITION, LAPLACE_KL.subs(sp.Abs(mu1 - mu2), mu1 - mu2), {}),
    "the Laplace KL in the swapped direction": (LAPLACE_KL_DEFINITION, LAPLACE_KL.xreplace({b1: b2, b2: b1}), {}),
    "the Laplace KL off by exp(-40)": (LAPLACE_KL_DEFINITION, LAPLACE_KL + sp.exp(-40), {}),
    "the unit Gaussian KL with a 16-digit float constant": (
        UNIT_KL_DEFINITION + sp.log(2 * sp.pi) / 2, (mu_gt - mu_m) ** 2 / 2 + sp.Float("0.9189385332046727"), {}
    ),
    "the mean absolute deviation of a Laplace as 2b": (Expectation(sp.Abs(x - mu), x, Laplace(mu, b1)), 2 * b1, {}),
    "the Gamma mean of log x as log of the mean": (
        Expectation(sp.log(x), x, Gamma(sigma, t)), sp.log(sigma / t), {}
    ),
    "the Poisson second moment as the squared rate": (Expectation(x**2, x, Poisson(lam)), lam**2, {}),
    "the Bernoulli log-likelihood mean without the entropy term": (
        Expectation(x * sp.log(p) + (1 - x) * sp.log(1 - p), x, Bernoulli(p)), p * sp.log(p), {"domains": {p: "probability"}}
    ),
}

TRUE_EQUALITIES = {
    "the recursion of the gamma function": (sp.gamma(sigma + 1), sigma * sp.gamma(sigma), {}),
    "gamma of one half": (sp.gamma(sp.Rational(1, 2)), sp.sqrt(sp.pi), {}),
    "Euler's reflection formula on (0, 1)": (
        sp.gamma(p) * sp.gamma(1 - p), sp.pi / sp.sin(sp.pi * p), {"domains": {p: "probability"}}
    ),
    "Legendre's duplication formula": (
        sp.gamma(sigma) * sp.gamma(sigma + sp.Rational(1, 2)), 2 ** (1 - 2 * sigma) * sp.sqrt(sp.pi) * sp.gamma(2 * sigma), {}
    ),
    "the beta function by gamma functions": (sp.beta(sigma, t), sp.gamma(sigma) * sp.gamma(t) / sp.gamma(sigma + t), {}),
    "the log-gamma recursion": (sp.loggamma(sigma + 1), sp.log(sigma) + sp.loggamma(sigma), {}),
    "the softplus split at its linear part": (sp.log(1 + sp.exp(x)), x + sp.log(1 + sp.exp(-x)), {}),
    "softplus minus mirrored softplus": (sp.log(1 + sp.exp(x)) - sp.log(1 + sp.exp(-x)), x, {}),
    "log-sum-exp shifted by any m": (
        sp.log(sp.exp(a) + sp.exp(b)), m + sp.log(sp.exp(a - m) + sp.exp(b - m)), {}
    ),
    "log-sum-exp as maximum plus a correction": (
        sp.log(sp.exp(a) + sp.exp(b)), sp.Max(a, b) + sp.log(1 + sp.exp(-sp.Abs(a - b))), {}
    ),
    "the sigmoid is symmetric": (sigmoid(z), 1 - sigmoid(-z), {}),
    "the sigmoid derivative": (sp.diff(1 / (1 + sp.exp(-z)), z), sigmoid(z) * (1 - sigmoid(z)), {}),
    "tanh by the sigmoid at twice the argument": (sp.tanh(x), 2 * sigmoid(2 * x) - 1, {}),
    "the logit of the sigmoid": (sp.log(sigmoid(z) / (1 - sigmoid(z))), z, {}),
    "the hyperbolic Pythagoras identity": (sp.cosh(x) ** 2 - sp.sinh(x) ** 2, sp.Integer(1), {}),
    "sine squared plus cosine squared at any argument": (sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1), {}),
    "the double-angle formula": (sp.cos(2 * x), 1 - 2 * sp.sin(x) ** 2, {}),
    "erf plus erfc": (sp.erf(x) + sp.erfc(x), sp.Integer(1), {}),
    "erf is odd": (sp.erf(-x), -sp.erf(x), {}),
    "the maximum by an absolute value": (sp.Max(a, b), (a + b + sp.Abs(a - b)) / 2, {}),
    "maximum minus minimum": (sp.Max(mu1, mu2) - sp.Min(mu1, mu2), sp.Abs(mu1 - mu2), {}),
    "maximum plus minimum": (sp.Max(a, b) + sp.Min(a, b), a + b, {}),
    "a clamp at 1e-7 by an absolute value": (
        sp.Max(p, sp.Float("1e-7")), (p + sp.Float("1e-7") + sp.Abs(p - sp.Float("1e-7"))) / 2, {}
    ),
    "a two-sided clip in either order": (sp.Min(sp.Max(s, -10), 10), sp.Max(sp.Min(s, 10), -10), {}),
    "Huber's loss as a clipped quadratic": (
        huber(r, delta), sp.Min(sp.Abs(r), delta) ** 2 / 2 + delta * (sp.Abs(r) - sp.Min(sp.Abs(r), delta)), {}
    ),
    "the Huber derivative as a clip": (
        sp.Piecewise((r, sp.Abs(r) <= delta), (delta * sp.sign(r), True)), sp.Max(-delta, sp.Min(delta, r)), {}
    ),
    "a ReLU by the absolute value": (sp.Max(x, 0), (x + sp.Abs(x)) / 2, {}),
    "sign times absolute value": (sp.sign(x) * sp.Abs(x), x, {}),
    "the log of a product of positives": (sp.log(2 * sigma * b1), sp.log(2) + sp.log(sigma) + sp.log(b1), {}),
    "the log-odds of a probability": (sp.log(p / (1 - p)), sp.log(p) - sp.log(1 - p), {"domains": {p: "probability"}}),
    "a binary label squared": (z**2, z, {"domains": {z: "binary"}}),
    "binary data squared under a sum": (total(label[i] ** 2), total(label[i]), {"domains": {label: "binary"}}),
    "the cross-entropy of a binary label as a log of a power": (
        -(z * sp.log(p) + (1 - z) * sp.log(1 - p)), -sp.log(p**z * (1 - p) ** (1 - z)), {"domains": {p: "probability", z: "binary"}}
    ),
    "the factorial recursion for counts": (sp.factorial(k + 1), (k + 1) * sp.factorial(k), {}),
    "a bounded parameter in its interval": (sp.sqrt((3 - t) * (t - 1)) ** 2, (3 - t) * (t - 1), {"domains": {t: (1, 3)}}),
    # sums over data
    "the square of residuals expanded": (total((y[i] - m) ** 2), total(y[i] ** 2) - 2 * m * total(y[i]) + N * m**2, {}),
    "deviations from the mean sum to zero": (total(y[i] - y_bar), sp.Integer(0), {}),
    "the variance by the second moment": (total((y[i] - y_bar) ** 2), total(y[i] ** 2) - N * y_bar**2, {}),
    "a kernel sum with a scalar named like the data": (
        total((X[i] - x) ** 2), total(X[i] ** 2) - 2 * x * total(X[i]) + N * x**2, {}
    ),
    "the log of a product of positive data": (sp.log(sp.Product(q[i], (i, 1, N))), total(sp.log(q[i])), {}),
    "a double sum as the square of a sum": (sp.Sum(y[i] * y[j], (i, 1, N), (j, 1, N)), total(y[i]) ** 2, {}),
    "a telescoping sum over data": (total(y[i + 1] - y[i]), y[N + 1] - y[1], {}),
    "a sum reversed": (total(y[i]), total(y[N + 1 - i]), {}),
    "the sum of the integers": (sp.Sum(i, (i, 1, n)), n * (n + 1) / 2, {}),
    "the sum of cubes": (sp.Sum(i**3, (i, 1, n)), (n * (n + 1) / 2) ** 2, {}),
    "the binomial sum": (sp.Sum(sp.binomial(n, k), (k, 0, n)), 2**n, {}),
    "a finite geometric sum": (sp.Sum(sigma**k, (k, 0, n - 1)), (1 - sigma**n) / (1 - sigma), {}),
    "the mean squared error of a line split into sums": (
        total((y[i] - a * X[i] - c) ** 2) / N,
        (total(y[i] ** 2) - 2 * a * total(X[i] * y[i]) - 2 * c * total(y[i]) + a**2 * total(X[i] ** 2)
         + 2 * a * c * total(X[i])) / N + c**2,
        {},
    ),
    "a logistic negative log-likelihood per example": (
        total(-(label[i] * sp.log(sigmoid(a * X[i] + c)) + (1 - label[i]) * sp.log(1 - sigmoid(a * X[i] + c)))),
        total(sp.log(1 + sp.exp(a * X[i] + c)) - label[i] * (a * X[i] + c)),
        {},
    ),
    # series
    "the exponential series": (sp.Sum(x**k / sp.factorial(k), (k, 0, sp.oo)), sp.exp(x), {}),
    "a geometric series inside its radius": (sp.Sum(r**k, (k, 0, sp.oo)), 1 / (1 - r), {"domains": {r: (-1, 1)}}),
    "the Basel sum": (sp.Sum(1 / n**2, (n, 1, sp.oo)), sp.pi**2 / 6, {}),
    "the Leibniz series": (sp.Sum((-1) ** k / (2 * k + 1), (k, 0, sp.oo)), sp.pi / 4, {}),
    "the cosine series": (sp.Sum((-1) ** k * x ** (2 * k) / sp.factorial(2 * k), (k, 0, sp.oo)), sp.cos(x), {}),
    # expectations
    "the Gaussian second moment about a point": (
        Expectation((x - c) ** 2, x, Normal(mu, sigma)), (mu - c) ** 2 + sigma**2, {}
    ),
    "the Gaussian KL from its definition": (NORMAL_KL_DEFINITION, normal_kl(mu1, sigma1, mu2, sigma2), {}),
    "the unit Gaussian KL from its definition": (UNIT_KL_DEFINITION, (mu_gt - mu_m) ** 2 / 2, {}),
    "the Laplace KL from its definition": (LAPLACE_KL_DEFINITION, LAPLACE_KL, {}),
    "the Laplace mean absolute deviation": (Expectation(sp.Abs(x - mu), x, Laplace(mu, b1)), b1, {}),
    "the Gamma mean": (Expectation(x, x, Gamma(sigma, t)), sigma / t, {}),
    "the Gamma mean of log x": (Expectation(sp.log(x), x, Gamma(sigma, t)), sp.digamma(sigma) - sp.log(t), {}),
    "the Poisson mean": (Expectation(x, x, Poisson(lam)), lam, {}),
    "the Poisson second moment": (Expectation(x**2, x, Poisson(lam)), lam**2 + lam, {}),
    "the Bernoulli mean log-likelihood is minus the entropy": (
        Expectation(x * sp.log(p) + (1 - x) * sp.log(1 - p), x, Bernoulli(p)),
        p * sp.log(p) + (1 - p) * sp.log(1 - p),
        {"domains": {p: "probability"}},
    ),
}

# name -> (old, new, over, keyword arguments)
WRONG_ARGMINS = {
    "dropping a term linear in the variable": ((mu - c) ** 2 + mu, (mu - c) ** 2, mu, {}),
    "multiplying by a factor that depends on the variable": ((mu - c) ** 2, (1 + mu**2) * (mu - c) ** 2, mu, {}),
    "multiplying by a negative factor": ((mu - c) ** 2, -((mu - c) ** 2), mu, {}),
    "multiplying by a factor of unknown sign": ((mu - c) ** 2, c * (mu - c) ** 2, mu, {}),
    "a penalty active only beyond |mu| = 3 dropped": (
        (mu - 1) ** 2 + sp.Piecewise(((sp.Abs(mu) - 3) ** 2, sp.Abs(mu) > 3), (0, True)), (mu - 1) ** 2, mu, {}
    ),
    "a penalty active only beyond |mu| = 1e4 dropped": (
        (mu - 1) ** 2 + sp.Max(0, sp.Abs(mu) - 10**4), (mu - 1) ** 2, mu, {}
    ),
    "the log-sigma term dropped when sigma is optimised": (
        N * sp.log(sigma) + total((y[i] - mu) ** 2) / (2 * sigma**2), total((y[i] - mu) ** 2) / (2 * sigma**2), (mu, sigma), {}
    ),
    "Huber's loss replaced by the squared error": (total(huber(y[i] - mu, 1)), total((y[i] - mu) ** 2) / 2, mu, {}),
    "the absolute error replaced by the squared error": (total(sp.Abs(y[i] - mu)), total((y[i] - mu) ** 2), mu, {}),
    "the Gaussian KL in the swapped direction over both parameters": (
        normal_kl(mu_gt, sigma1, mu_m, sigma2), normal_kl(mu_m, sigma2, mu_gt, sigma1), (mu_m, sigma2), {}
    ),
    "an expectation replaced by a shifted square": (
        Expectation((x - a) ** 2, x, Normal(mu, sigma)), (a - mu - sigma) ** 2, a, {}
    ),
    "the unit Gaussian KL replaced by the absolute error": (UNIT_KL_DEFINITION, sp.Abs(mu_gt - mu_m), mu_m, {}),
    "a mean squared error with the wrong data index": (total((y[i] - a) ** 2), total((y[i + 1] - a) ** 2), a, {}),
    "a squared error with the weights moved onto the parameter": (
        total(q[i] * (y[i] - a) ** 2), total((q[i] * y[i] - a) ** 2), a, {}
    ),
}

TRUE_ARGMINS = {
    "dropping an additive constant": (N * sp.log(sigma) + total((y[i] - mu) ** 2) / (2 * sigma**2), total((y[i] - mu) ** 2), mu, {}),
    "dividing by the positive size": (total((y[i] - a * X[i] - c) ** 2), total((y[i] - a * X[i] - c) ** 2) / N, (a, c), {}),
    "the unit Gaussian KL from its definition is the squared error": (UNIT_KL_DEFINITION, (mu_gt - mu_m) ** 2, mu_m, {}),
    "an expected squared loss is the squared distance to the mean": (
        Expectation((x - a) ** 2, x, Normal(mu, sigma)), (a - mu) ** 2, a, {}
    ),
    "a Gaussian likelihood is the squared error": (
        -total(Normal(a * X[i] + c, sigma).log_density(y[i])), total((y[i] - a * X[i] - c) ** 2), (a, c), {}
    ),
    "a Laplace likelihood is the absolute error": (
        -total(Laplace(a * X[i] + c, b1).log_density(y[i])), total(sp.Abs(y[i] - a * X[i] - c)), (a, c), {}
    ),
    "a Huber loss scaled by its threshold": (huber(r, delta), delta * huber(r, delta) + sp.exp(delta), r, {}),
    "a clamp of a probability that does not involve the variable": (
        (mu - c) ** 2 * sp.Max(p, sp.Float("1e-7")), (mu - c) ** 2, mu, {}
    ),
    "a weighted squared error divided by the weights' sum": (
        total(q[i] * (y[i] - a) ** 2), total(q[i] * (y[i] - a) ** 2) / total(q[i]), a, {}
    ),
    "the Gaussian KL over the model mean drops the log-variance": (
        normal_kl(mu_gt, sigma1, mu_m, sigma2), (mu_gt - mu_m) ** 2, mu_m, {}
    ),
}

# name -> (old, values, keyword arguments)
WRONG_SUBSTITUTIONS = {
    "a positive scale replaced by a residual": (sp.sqrt(sigma**2) + mu, {sigma: y[1] - mu}, {}),
    "a positive scale replaced by a negative number": (sp.log(sigma) + mu, {sigma: -1}, {}),
    "a positive scale replaced by zero": (sp.log(sigma) + mu, {sigma: 0}, {}),
    "an integer size replaced by one half": (n * mu, {n: sp.Rational(1, 2)}, {}),
    "a probability replaced by 2": (sp.log(p) + mu, {p: 2}, {"domains": {p: "probability"}}),
    "a binary label replaced by one half": (z * mu, {z: sp.Rational(1, 2)}, {"domains": {z: "binary"}}),
    "a positive rate replaced by a real parameter": (sp.log(lam) * x, {lam: a}, {}),
}

TRUE_SUBSTITUTIONS = {
    "a unit scale": (sp.log(sigma) + (mu1 - mu2) ** 2 / (2 * sigma**2), {sigma: 1}, (mu1 - mu2) ** 2 / 2, {}),
    "two symbols swapped simultaneously": (a - 2 * b, {a: b, b: a}, b - 2 * a, {}),
    "a cyclic renaming of three symbols": (a + 2 * b + 3 * c, {a: b, b: c, c: a}, b + 2 * c + 3 * a, {}),
    "a scale replaced by an absolute residual plus one": (
        sp.log(sigma), {sigma: sp.Abs(a - b) + 1}, sp.log(sp.Abs(a - b) + 1), {}
    ),
    "a probability replaced by a sigmoid": (
        sp.log(p), {p: sigmoid(z)}, sp.log(sigmoid(z)), {"domains": {p: "probability"}}
    ),
    "a size replaced by twice a size": (sp.Sum(i, (i, 1, n)), {n: 2 * N}, sp.Sum(i, (i, 1, 2 * N)), {}),
}


@pytest.mark.parametrize("old, new, options", WRONG_EQUALITIES.values(), ids=WRONG_EQUALITIES.keys())
def test_wrong_equality_is_refused(old, new, options):
    with pytest.raises(DerivationError):
        derive(old, **options).equals(new, "claimed")


@pytest.mark.parametrize("old, new, options", TRUE_EQUALITIES.values(), ids=TRUE_EQUALITIES.keys())
def test_true_equality_is_accepted(old, new, options):
    derivation = derive(old, **options).equals(new, "true")
    assert derivation.result == new


@pytest.mark.parametrize("old, new, over, options", WRONG_ARGMINS.values(), ids=WRONG_ARGMINS.keys())
def test_wrong_argmin_step_is_refused(old, new, over, options):
    with pytest.raises(DerivationError):
        derive(old, **options).same_argmin(new, "claimed", over=over)


@pytest.mark.parametrize("old, new, over, options", TRUE_ARGMINS.values(), ids=TRUE_ARGMINS.keys())
def test_true_argmin_step_is_accepted(old, new, over, options):
    derivation = derive(old, **options).same_argmin(new, "true", over=over)
    assert derivation.steps[-1].relation == "argmin"


@pytest.mark.parametrize("old, values, options", WRONG_SUBSTITUTIONS.values(), ids=WRONG_SUBSTITUTIONS.keys())
def test_substitution_breaking_an_assumption_is_refused(old, values, options):
    with pytest.raises(DerivationError):
        derive(old, **options).substitute(values, "claimed")


@pytest.mark.parametrize("old, values, expected, options", TRUE_SUBSTITUTIONS.values(), ids=TRUE_SUBSTITUTIONS.keys())
def test_legitimate_substitution_gives_the_special_case(old, values, expected, options):
    derivation = derive(old, **options).substitute(values, "special case")
    assert sp.simplify(derivation.result - expected) == 0
    assert derivation.steps[-1].check.describe().startswith("special case, computed")


@pytest.mark.xfail(strict=True, reason="known limitation: the integrand's bulk lies sigma^2 beyond the centre where "
                   "quadrature splits the line, and tanh-sinh's error estimate does not see it")
def test_the_gaussian_mean_of_the_exponential_is_accepted():
    derive(Expectation(sp.exp(x), x, Normal(mu, sigma))).equals(sp.exp(mu + sigma**2 / 2), "true")


def test_the_corpus_has_at_least_150_cases():
    sizes = [WRONG_EQUALITIES, TRUE_EQUALITIES, WRONG_ARGMINS, TRUE_ARGMINS, WRONG_SUBSTITUTIONS, TRUE_SUBSTITUTIONS]
    assert sum(map(len, sizes)) >= 150
