"""Sample-weighted batch normalisation and its end-of-fit statistics (sknets._batchnorm)."""

import numpy as np
import pytest
import torch
from sklearn.base import clone, is_classifier

from sknets import (
    CNNClassifier,
    CNNRegressor,
    FCNClassifier,
    MLPClassifier,
    ResNetClassifier,
    VGGClassifier,
)
from sknets._batchnorm import (
    _SampleWeightedBatchNorm,
    _SampleWeightedBatchNorm1d,
    _SampleWeightedBatchNorm2d,
    recalibrate_batch_norm,
)


def _batch_norms(module):
    return [m for m in module.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]


def test_weights_count_like_repeated_rows():
    torch.manual_seed(0)
    x = torch.randn(3, 2, 4, 4, dtype=torch.float64)
    weights = torch.tensor([2.0, 1.0, 0.0], dtype=torch.float64)
    repeated = torch.cat([x[:1], x[:1], x[1:2]])

    weighted_norm = _SampleWeightedBatchNorm2d(2).double()
    repeated_norm = _SampleWeightedBatchNorm2d(2).double()
    weighted_norm.batch_sample_weight = weights
    repeated_norm.batch_sample_weight = torch.ones(3, dtype=torch.float64)
    out_weighted = weighted_norm(x)
    out_repeated = repeated_norm(repeated)

    torch.testing.assert_close(out_weighted[:2], out_repeated[1:])
    torch.testing.assert_close(weighted_norm.running_mean, repeated_norm.running_mean)
    torch.testing.assert_close(weighted_norm.running_var, repeated_norm.running_var)
    weighted_norm.eval()
    torch.testing.assert_close(
        weighted_norm(x),
        torch.nn.functional.batch_norm(
            x,
            repeated_norm.running_mean,
            repeated_norm.running_var,
            repeated_norm.weight,
            repeated_norm.bias,
            eps=repeated_norm.eps,
        ),
    )


def test_unweighted_batches_take_pytorchs_kernel_with_the_same_outputs():
    torch.manual_seed(0)
    x = torch.randn(5, 3, 7, dtype=torch.float64)
    fused = _SampleWeightedBatchNorm1d(3).double()
    weighted = _SampleWeightedBatchNorm1d(3).double()
    weighted.batch_sample_weight = torch.ones(5, dtype=torch.float64)
    torch.testing.assert_close(fused(x), weighted(x))
    torch.testing.assert_close(fused.running_mean, weighted.running_mean)
    # PyTorch keeps the unbiased variance; the weighted path the population one.
    torch.testing.assert_close(fused.running_var - 0.9, (weighted.running_var - 0.9) * 35 / 34)


def test_batch_of_zero_weights_stays_finite():
    norm = _SampleWeightedBatchNorm2d(2)
    norm.batch_sample_weight = torch.zeros(3)
    assert torch.isfinite(norm(torch.randn(3, 2, 4, 4))).all()


@pytest.mark.parametrize(
    "estimator",
    [
        FCNClassifier(filters=(4, 4), kernel_size=(3, 3), max_iter=2),
        MLPClassifier(hidden_layer_sizes=(8,), batch_norm=True, max_iter=2),
    ],
    ids=["FCN", "MLP"],
)
def test_estimators_use_weighted_batch_norm(estimator, device):
    X = np.random.RandomState(0).normal(size=(12, 10))
    clf = clone(estimator).set_params(device=device, random_state=0)
    clf.fit(X, np.arange(12) % 2, sample_weight=np.arange(12) % 3)
    norms = _batch_norms(clf.module_)
    assert norms and all(isinstance(m, _SampleWeightedBatchNorm) for m in norms)
    assert all(m.batch_sample_weight is None for m in norms)  # reset after each step


@pytest.mark.parametrize("weighted", [True, False], ids=["weighted", "unweighted"])
def test_fit_ends_with_population_statistics(weighted, device):
    """The first norm's running statistics are its inputs' weighted moments over the data."""
    rng = np.random.RandomState(0)
    X = rng.normal(loc=3.0, size=(90, 1, 20)).astype(np.float32)
    y = np.arange(90) % 2
    weight = rng.randint(0, 4, size=90).astype(np.float64) if weighted else np.ones(90)
    clf = FCNClassifier(
        filters=(4, 4), kernel_size=(3, 3), batch_size=16, max_iter=5, random_state=0
    )
    clf.set_params(device=device).fit(X, y, sample_weight=weight if weighted else None)

    first = _batch_norms(clf.module_)[0]
    captured = []
    handle = first.register_forward_hook(lambda module, args, out: captured.append(args[0]))
    try:
        clf.module_.eval()
        with torch.no_grad():
            clf.module_(torch.as_tensor(X, device=clf.device_))
    finally:
        handle.remove()
    inputs = captured[0].double().cpu()  # the first convolution's output: no norm before it
    w = torch.as_tensor(weight).reshape(-1, 1, 1) * torch.ones_like(inputs)
    mean = (w * inputs).sum((0, 2)) / w.sum((0, 2))
    var = (w * (inputs - mean.reshape(1, -1, 1)).square()).sum((0, 2)) / w.sum((0, 2))
    torch.testing.assert_close(first.running_mean.double().cpu(), mean, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(first.running_var.double().cpu(), var, rtol=1e-5, atol=1e-6)


def test_recalibration_matches_training_mode_on_the_training_data(device):
    """After recalibration, evaluation-mode outputs track batch-statistics outputs."""
    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Conv1d(1, 8, 3), _SampleWeightedBatchNorm1d(8), torch.nn.ReLU()
    ).to(device)
    X = torch.randn(64, 1, 30, device=device) * 2 + 5
    batches = [(X, None, None)]
    recalibrate_batch_norm(module, batches)
    assert module.training  # mode restored
    module.eval()
    evaluated = module(X)
    module.train()
    torch.testing.assert_close(evaluated, module(X), rtol=1e-4, atol=1e-4)


def test_partial_fit_keeps_running_averages(device):
    """partial_fit follows a stream: PyTorch's running averages, not one call's data."""
    X = np.random.RandomState(0).normal(loc=3.0, size=(40, 1, 16))
    y = np.arange(40) % 2
    clf = FCNClassifier(filters=(4, 4), kernel_size=(3, 3), batch_size=8, random_state=0)
    clf.set_params(device=device).partial_fit(X, y, classes=[0, 1])
    first = _batch_norms(clf.module_)[0]
    assert int(first.num_batches_tracked) == 5


# The sample-weight equivalence of scikit-learn's checks over several
# epochs: in float32 at the tolerance scikit-learn applies to float32
# results, in float64 to 1e-9 (tests/test_common.py says why the checks'
# rtol=1e-7 needs float64).
@pytest.mark.parametrize("dtype, rtol, atol", [("float32", 1e-4, 1e-6), ("float64", 1e-9, 0.0)])
@pytest.mark.parametrize(
    "estimator",
    [
        CNNClassifier(filters=(4,), hidden_layer_sizes=(16,)),
        CNNRegressor(filters=(8,), kernel_size=3, hidden_layer_sizes=(8,)),
        FCNClassifier(filters=(4, 8), kernel_size=(3, 3)),
        ResNetClassifier(filters=(4,), n_blocks=(1,)),
        VGGClassifier(filters=(4, 8), n_blocks=(1, 1), hidden_layer_sizes=(16,), dropout=0.0),
        MLPClassifier(hidden_layer_sizes=(16,), batch_norm=True),
    ],
    ids=lambda est: type(est).__name__,
)
def test_weighted_fit_equals_repeated_rows_fit(estimator, dtype, rtol, atol, device):
    rng = np.random.RandomState(42)
    X = rng.rand(15, 30)
    y = rng.randint(0, 3, size=15)
    weight = rng.randint(0, 5, size=15)
    # One batch holds all rows, weighted or repeated, so both fits take the same steps.
    params = {
        "solver": "sgd",
        "learning_rate_init": 0.05,
        "learning_rate": "constant",
        "batch_size": 200,
        "max_iter": 5,
        "random_state": 0,
    }
    weighted = clone(estimator).set_params(**params, device=device, dtype=dtype)
    repeated = clone(weighted)
    if not is_classifier(weighted):
        y = y.astype(np.float64)
    weighted.fit(X, y, sample_weight=weight)
    repeated.fit(np.repeat(X, weight, axis=0), np.repeat(y, weight))
    method = "predict_proba" if hasattr(weighted, "predict_proba") else "predict"
    np.testing.assert_allclose(
        getattr(weighted, method)(X), getattr(repeated, method)(X), rtol=rtol, atol=atol
    )
