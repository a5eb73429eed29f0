"""lossbook.numeric against the libraries a practitioner would compare it with.

torch.nn.functional (cross_entropy in every combination torch accepts, binary_cross_entropy_with_logits with
pos_weight, mse, l1, huber, gaussian_nll and poisson_nll with each reduction), sklearn.metrics (the weighted means
and the deviances) are the oracles. torch and scikit-learn are installed for the tests only (`make setup`); they
are never dependencies of the library.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from lossbook import numeric

torch = pytest.importorskip("torch")
F = torch.nn.functional
metrics = pytest.importorskip("sklearn.metrics")

REDUCTIONS = ["mean", "sum", "none"]
TOLERANCE = {np.float64: 1e-12, np.float32: 2e-5}


def assert_same(ours, theirs, dtype=np.float64):
    """Equal to the tolerance of ``dtype``, and of that dtype (a number for a reduction, an array for "none")."""
    expected = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    got = np.asarray(ours)
    assert got.dtype == np.dtype(dtype)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype] * 1e-3 if dtype == np.float64 else 1e-6)


def tensor(array):
    return torch.from_numpy(np.array(array))  # a contiguous copy; 0-d stays 0-d


# -- cross_entropy: every combination torch accepts ------------------------------------------------------------------

SHAPES = {"(C,)": (), "(N, C)": (6,), "(N, C, d1)": (4, 3), "(N, C, d1, d2)": (3, 2, 5)}


def logits_and_targets(rng, batch, k, dtype, soft):
    """Logits with the class axis second, and class labels or probabilities."""
    shape = batch[:1] + (k,) + batch[1:] if batch else (k,)
    z = (rng.normal(0, 3, shape)).astype(dtype)
    if soft:
        q = rng.dirichlet(np.ones(k), size=int(np.prod(batch)) if batch else None)
        q = np.moveaxis(q.reshape(batch[:1] + batch[1:] + (k,)), -1, 1) if batch else q
        return z, q.astype(dtype)
    return z, rng.integers(0, k, batch)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("shape_name", list(SHAPES))
@pytest.mark.parametrize("soft", [False, True], ids=["labels", "probabilities"])
@pytest.mark.parametrize("weighted", [False, True], ids=["", "weight"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_is_torchs(dtype, shape_name, soft, weighted, smoothing, reduction):
    rng = np.random.default_rng([list(SHAPES).index(shape_name), soft, weighted, int(10 * smoothing)])
    k = 4
    z, target = logits_and_targets(rng, SHAPES[shape_name], k, dtype, soft)
    weight = rng.uniform(0.2, 3.0, k).astype(dtype) if weighted else None
    ours = numeric.cross_entropy(target, z, weight=weight, label_smoothing=smoothing, reduction=reduction)
    theirs = F.cross_entropy(
        tensor(z), tensor(target), weight=None if weight is None else tensor(weight), label_smoothing=smoothing,
        reduction=reduction,
    )
    assert_same(ours, theirs, dtype)


@pytest.mark.parametrize("shape_name", ["(N, C)", "(N, C, d1)", "(N, C, d1, d2)"])
@pytest.mark.parametrize("ignore_index", [-100, 1])
@pytest.mark.parametrize("weighted", [False, True], ids=["", "weight"])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_ignore_index_is_torchs(shape_name, ignore_index, weighted, smoothing, reduction):
    rng = np.random.default_rng(7)
    k = 3
    z, labels = logits_and_targets(rng, SHAPES[shape_name], k, np.float64, soft=False)
    labels = np.where(rng.uniform(size=labels.shape) < 0.3, ignore_index, labels)
    labels.flat[0] = 0  # at least one element is not ignored
    weight = rng.uniform(0.2, 3.0, k) if weighted else None
    ours = numeric.cross_entropy(
        labels, z, weight=weight, ignore_index=ignore_index, label_smoothing=smoothing, reduction=reduction
    )
    theirs = F.cross_entropy(
        tensor(z), tensor(labels), weight=None if weight is None else tensor(weight), ignore_index=ignore_index,
        label_smoothing=smoothing, reduction=reduction,
    )
    assert_same(ours, theirs)


def test_cross_entropy_weighted_mean_divides_by_the_weights_of_the_labels_as_torch_does():
    z = np.array([[2.0, 0.0], [2.0, 0.0]])
    per_element = numeric.cross_entropy([0, 1], z, weight=[1.0, 3.0], reduction="none")
    assert numeric.cross_entropy([0, 1], z, weight=[1.0, 3.0]) == pytest.approx(per_element.sum() / 4.0, rel=1e-15)


def test_cross_entropy_sample_weight_is_a_weighted_mean_on_top_of_torchs_convention():
    rng = np.random.default_rng(3)
    z, labels = logits_and_targets(rng, (8,), 3, np.float64, soft=False)
    s = rng.uniform(0, 2, 8)
    weight = np.array([1.0, 2.0, 0.5])
    per_element = numeric.cross_entropy(labels, z, weight=weight, reduction="none")
    expected = np.sum(s * per_element) / np.sum(s * weight[labels])
    assert numeric.cross_entropy(labels, z, weight=weight, sample_weight=s) == pytest.approx(expected, rel=1e-14)


# -- binary cross-entropy with logits and pos_weight -----------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("pos_weight", [None, "scalar", "per column"])
@pytest.mark.parametrize("soft", [False, True], ids=["hard", "soft"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits_is_torchs(dtype, pos_weight, soft, reduction):
    rng = np.random.default_rng(11)
    z = rng.normal(0, 8, (20, 3)).astype(dtype)
    y = (rng.uniform(size=(20, 3)) if soft else rng.integers(0, 2, (20, 3))).astype(dtype)
    pw = {None: None, "scalar": np.asarray(2.5, dtype), "per column": rng.uniform(0.1, 5, 3).astype(dtype)}[pos_weight]
    ours = numeric.binary_cross_entropy_with_logits(y, z, pos_weight=pw, reduction=reduction)
    theirs = F.binary_cross_entropy_with_logits(
        tensor(z), tensor(y), pos_weight=None if pw is None else tensor(pw), reduction=reduction
    )
    assert_same(ours, theirs, dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_is_torchs(reduction):
    rng = np.random.default_rng(12)
    p, y = rng.uniform(0.01, 0.99, 30), rng.integers(0, 2, 30).astype(float)
    assert_same(numeric.binary_cross_entropy(y, p, reduction=reduction), F.binary_cross_entropy(tensor(p), tensor(y), reduction=reduction))


# -- regression losses -----------------------------------------------------------------------------------------------


def regression_data(dtype, shape=(5, 7), seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(0, 3, shape).astype(dtype), rng.normal(0, 3, shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "ours, theirs",
    [
        (numeric.mse, lambda y, y_hat, r: F.mse_loss(y_hat, y, reduction=r)),
        (numeric.mae, lambda y, y_hat, r: F.l1_loss(y_hat, y, reduction=r)),
        (numeric.huber, lambda y, y_hat, r: F.huber_loss(y_hat, y, reduction=r, delta=1.0)),
        (
            lambda y, y_hat, reduction: numeric.huber(y, y_hat, 2.5, reduction=reduction),
            lambda y, y_hat, r: F.huber_loss(y_hat, y, reduction=r, delta=2.5),
        ),
    ],
    ids=["mse", "mae", "huber", "huber-delta-2.5"],
)
def test_regression_loss_is_torchs(ours, theirs, dtype, reduction):
    y, y_hat = regression_data(dtype)
    assert_same(ours(y, y_hat, reduction=reduction), theirs(tensor(y), tensor(y_hat), reduction), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("sigma_shape", ["full", "per row", "scalar"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gaussian_nll_is_torchs_with_full_constant(dtype, sigma_shape, reduction):
    rng = np.random.default_rng(5)
    y, mu = regression_data(dtype, seed=5)
    sigma = {"full": rng.uniform(0.1, 3, y.shape), "per row": rng.uniform(0.1, 3, (5, 1)), "scalar": 0.7}[sigma_shape]
    sigma = np.asarray(sigma, dtype)
    ours = numeric.gaussian_nll(y, mu, sigma, reduction=reduction)
    var = torch.full(y.shape, float(sigma) ** 2, dtype=tensor(y).dtype) if sigma.ndim == 0 else tensor(sigma**2)
    theirs = F.gaussian_nll_loss(tensor(mu), tensor(y), var, full=True, reduction=reduction)
    assert_same(ours, theirs, dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_poisson_nll_is_torchs_with_the_log_factorial(reduction):
    rng = np.random.default_rng(9)
    log_rate = rng.normal(0, 1.5, 40)
    y = rng.poisson(np.exp(log_rate)).astype(float)
    theirs = F.poisson_nll_loss(tensor(log_rate), tensor(y), log_input=True, full=False, reduction="none")
    theirs = theirs.numpy() + special.gammaln(y + 1)
    theirs = {"mean": theirs.mean(), "sum": theirs.sum(), "none": theirs}[reduction]
    assert_same(numeric.poisson_nll(y, np.exp(log_rate), reduction=reduction), theirs)


# -- scikit-learn: weighted means and deviances ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "ours, theirs",
    [(numeric.mse, "mean_squared_error"), (numeric.mae, "mean_absolute_error")],
    ids=["mse", "mae"],
)
def test_weighted_mean_is_sklearns(ours, theirs, seed):
    rng = np.random.default_rng(seed)
    y, y_hat, w = rng.normal(size=50), rng.normal(size=50), rng.uniform(0, 3, 50)
    expected = getattr(metrics, theirs)(y, y_hat, sample_weight=w)
    assert ours(y, y_hat, sample_weight=w) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("weighted", [False, True], ids=["", "sample_weight"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mean_poisson_deviance_is_sklearns(weighted, seed):
    rng = np.random.default_rng(seed)
    y_pred = np.exp(rng.normal(0, 1, 60))
    y_true = rng.poisson(y_pred).astype(float)
    w = rng.uniform(0, 3, 60) if weighted else None
    expected = metrics.mean_poisson_deviance(y_true, y_pred, sample_weight=w)
    assert numeric.mean_poisson_deviance(y_true, y_pred, sample_weight=w) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True], ids=["", "sample_weight"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mean_gamma_deviance_is_sklearns(weighted, seed):
    rng = np.random.default_rng(seed)
    y_pred = np.exp(rng.normal(0, 1, 60))
    y_true = rng.gamma(2.0, y_pred / 2.0)
    w = rng.uniform(0, 3, 60) if weighted else None
    expected = metrics.mean_gamma_deviance(y_true, y_pred, sample_weight=w)
    assert numeric.mean_gamma_deviance(y_true, y_pred, sample_weight=w) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("deviance", [numeric.mean_poisson_deviance, numeric.mean_gamma_deviance])
@pytest.mark.parametrize("gap", [1e-3, 1e-6, 1e-9])
def test_deviance_near_a_perfect_fit_keeps_its_digits(deviance, gap):
    # d = 2 [y log(y/mu) - y + mu] ~ (y - mu)^2 / mu and 2 [log(mu/y) + y/mu - 1] ~ (y/mu - 1)^2 as y -> mu
    import mpmath

    y, mu = 3.0 * (1 + gap), 3.0
    with mpmath.workdps(50):
        Y, M = mpmath.mpf(y), mpmath.mpf(mu)
        if deviance is numeric.mean_poisson_deviance:
            exact = 2 * (Y * mpmath.log(Y / M) - Y + M)
        else:
            exact = 2 * (mpmath.log(M / Y) + Y / M - 1)
    assert deviance([y], [mu]) == pytest.approx(float(exact), rel=1e-12)


def test_masked_mse_agrees_with_numpy_ma():
    y = np.ma.masked_array([1.0, 2.0, 80.0], mask=[0, 0, 1])
    y_hat = np.array([1.0, 2.0, 0.0])
    assert numeric.mse(y, y_hat) == pytest.approx(float(np.ma.mean((y - y_hat) ** 2)), abs=0) == 0.0

