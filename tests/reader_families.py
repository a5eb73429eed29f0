"""Families the library does not ship, written as a reader would: a Distribution subclass in about ten lines.

Used by test_likelihood.py and test_fit.py, and by the benchmarks of issue 15 (bench/fit.py, bench/loss_function.py,
bench/families.py); their scipy.stats twins are gumbel_r, weibull_min (loc 0), logistic and lognorm (scale e^mu).
"""

import sympy as sp

from lossbook.symbolic import Distribution


class Gumbel(Distribution):
    """Gumbel (maxima): density exp(-z - exp(-z)) / beta with z = (x - mu) / beta."""

    param_names = ("mu", "beta")

    def log_density_terms(self, x):
        mu, beta = self.params
        z = (x - mu) / beta
        return [-sp.log(beta), -z, -sp.exp(-z)]

    @property
    def support(self):
        return sp.Reals


class GumbelAsOneLog(Distribution):
    """The same Gumbel density written as the logarithm of one product, as a reader might copy it."""

    param_names = ("mu", "beta")

    def log_density_terms(self, x):
        mu, beta = self.params
        z = (x - mu) / beta
        return [sp.log(sp.exp(-z) * sp.exp(-sp.exp(-z)) / beta)]

    @property
    def support(self):
        return sp.Reals


class Weibull(Distribution):
    """Weibull (lifetimes) with shape k and scale lam: (k / lam) (x / lam)^(k - 1) exp(-(x / lam)^k)."""

    param_names = ("k", "lam")

    def log_density_terms(self, x):
        k, lam = self.params
        return [sp.log(k), -k * sp.log(lam), (k - 1) * sp.log(x), -((x / lam) ** k)]

    @property
    def support(self):
        return sp.Interval.open(0, sp.oo)


class Logistic(Distribution):
    """Logistic with location mu and scale s: exp(-z) / (s (1 + exp(-z))^2) with z = (x - mu) / s."""

    param_names = ("mu", "s")

    def log_density_terms(self, x):
        mu, s = self.params
        z = (x - mu) / s
        return [-sp.log(s), -z, -2 * sp.log(1 + sp.exp(-z))]

    @property
    def support(self):
        return sp.Reals


class LogNormal(Distribution):
    """Log-normal: the logarithm of x is Normal(mu, sigma^2)."""

    param_names = ("mu", "sigma")

    def log_density_terms(self, x):
        mu, sigma = self.params
        return [-sp.log(x * sigma * sp.sqrt(2 * sp.pi)), -((sp.log(x) - mu) ** 2) / (2 * sigma**2)]

    @property
    def support(self):
        return sp.Interval.open(0, sp.oo)
