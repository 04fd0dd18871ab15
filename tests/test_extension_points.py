"""The base's extension points, exercised through the toy estimators of _toys.py.

Each toy is what a family adds (parameters, a network, maybe a net with
its own step); these tests check that the base gives it every shared
behaviour and that scikit-learn's checks pass with no expected failure.
"""

import os
import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from _factories import run_sklearn_check
from _toys import (
    TOYS,
    ToyAttentionClassifier,
    ToyAutoencoder,
    ToyDictClassifier,
    ToyGaussianGenerator,
    ToyGenerativeTransformer,
    ToyIdRegressor,
    ToyKMeansTransformer,
    ToyTwoOptimizerRegressor,
)
from scipy.stats import norm
from sklearn.datasets import make_blobs
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from torch import nn

from sknets._inputs import GraphInput, IdPairInput, TokenInput
from sknets._params import Param
from sknets.base import DataSpec, NeuralClassifier
from sknets.utils import seed_from_random_state
from sknets.utils.discovery import estimator_kind

# SKNETS_TEST_DEVICE=cuda runs the same checks on a GPU.
_DEVICE = os.environ.get("SKNETS_TEST_DEVICE", "cpu")


@parametrize_with_checks([cls(**cls._get_test_params(), device=_DEVICE) for cls in TOYS])
def test_toy_estimators_pass_sklearn_checks(estimator, check):
    run_sklearn_check(estimator, check)


def _low_rank(n=200, seed=0):
    rng = np.random.RandomState(seed)
    codes = rng.normal(size=(n, 2))
    return codes @ rng.normal(size=(2, 6)) + 0.01 * rng.normal(size=(n, 6))


# -------------------------------------------------------------- transformer
def test_transformer_fits_without_y_and_transforms(device):
    X = _low_rank()
    est = ToyAutoencoder(
        n_components=2, learning_rate_init=0.02, max_iter=300, device=device, random_state=0
    )
    codes = est.fit_transform(X)
    assert codes.shape == (200, 2) and codes.dtype == np.float32
    assert est.fit(X, y=np.arange(200)).transform(X).shape == (200, 2)  # y is ignored
    reconstruction = est.inverse_transform(codes)
    assert reconstruction.shape == X.shape
    assert np.mean((reconstruction - X) ** 2) < 0.05 * X.var()
    assert list(est.get_feature_names_out()) == ["toyautoencoder0", "toyautoencoder1"]
    with pytest.raises(ValueError, match="expects 2"):
        est.inverse_transform(codes[:, :1])


def test_transformer_set_output_pandas(device):
    X = pd.DataFrame(_low_rank(60), columns=[f"f{i}" for i in range(6)])
    est = ToyAutoencoder(max_iter=5, device=device, random_state=0).set_output(transform="pandas")
    out = est.fit_transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["toyautoencoder0", "toyautoencoder1"]
    assert out.index.equals(X.index)


def test_inverse_transform_only_where_the_family_has_one():
    assert hasattr(ToyAutoencoder(), "inverse_transform")
    assert not hasattr(ToyKMeansTransformer(), "inverse_transform")


def test_validation_loss_from_x_drives_early_stopping(device):
    # The toy trains on noisy inputs with the squared error but validates
    # with its own loss: the clean mean absolute reconstruction error.
    X = _low_rank(300)
    est = ToyAutoencoder(
        noise_std=0.3,
        early_stopping=True,
        n_iter_no_change=5,
        learning_rate_init=0.02,
        max_iter=1000,
        random_state=0,
        device=device,
    )
    est.fit(X)
    assert est.n_iter_ < 1000
    _, valid_index = train_test_split(
        np.arange(300), test_size=0.1, random_state=seed_from_random_state(0)
    )
    clean_error = np.abs(est.inverse_transform(est.transform(X[valid_index])) - X[valid_index])
    # The restored (best) weights score what early stopping recorded.
    assert est.best_validation_score_ == max(est.validation_scores_)
    np.testing.assert_allclose(-clean_error.mean(), est.best_validation_score_, rtol=1e-5)
    valid_loss = est.history_[:, "valid_loss"]
    np.testing.assert_allclose(valid_loss, [-s for s in est.validation_scores_], rtol=1e-6)


# ---------------------------------------------------------------- generator
def test_generator_learns_a_density_and_samples(device, global_rng_states):
    rng = np.random.RandomState(0)
    X = rng.normal(loc=[2.0, -1.0], scale=[0.5, 2.0], size=(2000, 2))
    est = ToyGaussianGenerator(max_iter=150, random_state=0, device=device).fit(X)
    mean = est.module_.mean.detach().cpu().numpy()
    std = est.module_.log_std.exp().detach().cpu().numpy()
    np.testing.assert_allclose(mean, X.mean(axis=0), atol=0.05)
    np.testing.assert_allclose(std, X.std(axis=0), rtol=0.05)

    torch_before, numpy_before = global_rng_states()
    samples = est.sample(5000, random_state=1)
    assert samples.shape == (5000, 2)
    np.testing.assert_allclose(samples.mean(axis=0), mean, atol=0.1)
    np.testing.assert_array_equal(samples, est.sample(5000, random_state=1))
    assert not np.array_equal(est.sample(3), est.sample(3))
    torch_after, numpy_after = global_rng_states()
    assert torch.equal(torch_before, torch_after)
    assert np.array_equal(numpy_before[1], numpy_after[1])

    expected = norm.logpdf(X[:10], loc=mean, scale=std).sum(axis=1)
    np.testing.assert_allclose(est.score_samples(X[:10]), expected, rtol=1e-4)
    assert est.score(X[:10]) == pytest.approx(expected.mean(), rel=1e-4)


def test_sample_refuses_bad_arguments():
    est = ToyGaussianGenerator(max_iter=2, device="cpu").fit(np.zeros((10, 2)))
    with pytest.raises(ValueError, match="n_samples"):
        est.sample(0)
    with pytest.raises(ValueError, match="random_state"):
        est.sample(2, random_state="x")


def test_estimator_kinds():
    assert estimator_kind(ToyAutoencoder) == "transformer"
    assert estimator_kind(ToyGaussianGenerator) == "generator"
    # A generator that also transforms (a VAE) is a generator.
    assert estimator_kind(ToyGenerativeTransformer) == "generator"
    assert estimator_kind(ToyAttentionClassifier) == "classifier"
    assert estimator_kind(ToyIdRegressor) == "regressor"


# --------------------------------------------------- several optimizers
def _rates(est):
    return [group["lr"] for group in est.net_.optimizer_.param_groups], [
        group["lr"] for group in est.net_.optimizer_auxiliary_.param_groups
    ]


@pytest.mark.parametrize("schedule", ["invscaling", "cosine", "step", "adaptive", "plateau"])
def test_every_optimizer_follows_the_schedule(schedule, device):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(64, 3)), rng.normal(size=64)
    # A large tol makes every epoch a stall, so that adaptive and plateau lower the rates.
    est = ToyTwoOptimizerRegressor(
        learning_rate=schedule,
        max_iter=40,
        tol=10.0,
        n_iter_no_change=2,
        random_state=0,
        device=device,
    )
    if schedule in ("invscaling", "cosine", "step"):
        est.set_params(tol=0.0, n_iter_no_change=100)
    est.fit(X, y)
    main, auxiliary = _rates(est)
    assert main[0] < est.learning_rate_init  # the schedule has lowered it
    np.testing.assert_allclose(auxiliary, [10 * rate for rate in main], rtol=1e-12)


def test_warm_start_partial_fit_dtype_and_pickle_cover_every_optimizer(device):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(64, 3)), rng.normal(size=64)
    est = ToyTwoOptimizerRegressor(
        learning_rate="invscaling", max_iter=5, random_state=0, device=device
    ).fit(X, y)
    steps = {
        name: opt.state[opt.param_groups[0]["params"][0]]["step"].item()
        for name, opt in est.net_.optimizers.items()
    }
    est.partial_fit(X, y)  # keeps the optimizers' state: one more step each
    for name, opt in est.net_.optimizers.items():
        assert opt.state[opt.param_groups[0]["params"][0]]["step"].item() == steps[name] + 1

    est.set_params(warm_start=True, dtype="float64", learning_rate="constant").fit(X, y)
    for module in (est.net_.module_, est.net_.auxiliary_):
        assert next(module.parameters()).dtype == torch.float64
    main, auxiliary = _rates(est)  # fresh optimizers at their initial rates
    assert set(main) == {est.learning_rate_init}
    assert set(auxiliary) == {10 * est.learning_rate_init}

    clone = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(clone.predict(X), est.predict(X))
    assert set(clone.net_.optimizers) == {"optimizer", "optimizer_auxiliary"}
    for a, b in zip(
        clone.net_.auxiliary_.parameters(), est.net_.auxiliary_.parameters(), strict=True
    ):
        assert torch.equal(a, b)
    # The auxiliary module is pickled once, as skorch's registered module.
    assert clone.net_.extra_modules == {"auxiliary": None}


# ------------------------------------------------- a step without autograd
def test_a_step_without_autograd_trains(device):
    X, labels = make_blobs(n_samples=300, centers=3, cluster_std=0.3, random_state=0)
    X = StandardScaler().fit_transform(X)
    centers = np.array([X[labels == k].mean(axis=0) for k in range(3)])
    est = ToyKMeansTransformer(n_clusters=3, max_iter=50, random_state=1, device=device).fit(X)
    assert est.net_.autograd_used is False
    learnt = est.module_.centroids.detach().cpu().numpy()
    distances = np.linalg.norm(learnt[:, None] - centers[None], axis=2)
    assert distances.min(axis=0).max() < 0.3  # every blob has a centroid
    assert est.transform(X).shape == (300, 3)
    assert est.loss_curve_[-1] < est.loss_curve_[0]


# ----------------------------------------------------------- tuple outputs
def test_tuple_outputs_at_predict(iris, device):
    X, y = iris
    est = ToyAttentionClassifier(
        learning_rate_init=0.05, max_iter=100, random_state=0, device=device
    ).fit(X, y)
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert est.score(X, y) > 0.9
    logits, attention = est.module_(torch.as_tensor(X[:4], dtype=torch.float32, device=est.device_))
    assert attention.shape == (4, 4)


# ------------------------------------------------------------- int64 ids
def test_int64_ids_above_2_24_stay_exact(device):
    ids = np.arange(2**24, 2**24 + 20, dtype=np.int64)
    assert len(np.unique(ids.astype(np.float32))) < 20  # what float32 would do to them
    X = np.column_stack([ids, ids % 3])
    y = (ids - 2**24) / 10.0
    est = ToyIdRegressor(
        solver="sgd",
        momentum=0.0,
        learning_rate_init=0.5,
        max_iter=500,
        tol=0.0,
        random_state=0,
        device=device,
    ).fit(X, y)
    np.testing.assert_array_equal(est.categories_[0], ids)
    np.testing.assert_allclose(est.predict(X), y, atol=1e-3)  # one vector per id
    # An id unseen in fit predicts without failing (from the bias and the known column).
    assert np.isfinite(est.predict(np.array([[2**40, 1]]))).all()


def test_id_pairs_take_strings_and_name_their_sizes():
    X = np.array([["ann", "film"], ["bob", "book"], ["ann", "book"]], dtype=object)
    adapter = IdPairInput(ToyIdRegressor())
    indices, _ = adapter.validate(X, None, reset=True, dtype=np.float32)
    assert indices.dtype == np.int64
    assert adapter.sizes(indices) == {
        "sample_shape": (2,),
        "n_ids": (2, 2),
        "n_users": 2,
        "n_items": 2,
    }
    with pytest.raises(ValueError, match="2 id columns"):
        adapter.validate(np.zeros((3, 3)), None, reset=True, dtype=np.float32)


def test_token_ids_stay_int64_and_are_range_checked():
    estimator = ToyAttentionClassifier()
    estimator.vocab_size = 2**25  # what a sequence estimator's parameter holds
    adapter = TokenInput(estimator)
    X, _ = adapter.validate(np.array([[2**24 + 1, 0], [3, 2]]), None, reset=True, dtype=np.float32)
    assert X.dtype == np.int64 and X[0, 0] == 2**24 + 1
    assert adapter.sizes(X)["vocab_size"] == 2**25
    with pytest.raises(ValueError, match="vocab_size"):
        adapter.validate(np.array([[2**25]]), None, reset=True, dtype=np.float32)
    with pytest.raises(ValueError, match="whole numbers"):
        adapter.validate(np.array([[0.5]]), None, reset=True, dtype=np.float32)
    # Prediction may send more padding than fit saw.
    assert adapter.validate_predict(np.array([[5, 0, 0, 0]]), dtype=np.float32).shape == (1, 4)


# -------------------------------------------------------------- dict input
def test_dict_input_keeps_each_dtype(device):
    rng = np.random.RandomState(0)
    ids = rng.randint(2**24, 2**24 + 1000, size=(80, 1)).astype(np.int64)
    X = {"numbers": rng.normal(size=(80, 3)), "ids": ids}
    y = (ids[:, 0] % 2).astype(int)
    seen = {}

    class Recording(nn.Module):
        def __init__(self, n_outputs):
            super().__init__()
            self.layer = nn.Linear(1, n_outputs)

        def forward(self, numbers, ids):
            seen["dtypes"] = (numbers.dtype, ids.dtype)
            return self.layer((ids % 2).to(numbers.dtype))

    class DictModel(ToyDictClassifier):
        def _build_module(self, spec):
            seen["spec"] = spec
            return Recording(spec.n_outputs)

    est = DictModel(learning_rate_init=0.1, max_iter=100, random_state=0, device=device)
    est.fit(X, y)
    assert seen["dtypes"] == (torch.float32, torch.int64)
    assert seen["spec"].input_shapes == {"numbers": (3,), "ids": (1,)}
    assert est.score(X, y) == 1.0  # parity of ids above 2**24: exact only as int64
    assert X["ids"].dtype == np.int64 and X["ids"].shape == (80, 1)  # caller's data untouched
    with pytest.raises(ValueError, match="fitted on inputs"):
        est.predict({"numbers": X["numbers"]})
    with pytest.raises(ValueError, match="fitted on inputs"):
        est.predict({"numbers": X["numbers"][:, :2], "ids": ids})


def test_dict_input_refuses_bad_dicts(training_spy):
    est = ToyDictClassifier(max_iter=2, device="cpu")
    with pytest.raises(ValueError, match="empty dict"):
        est.fit({}, [0, 1])
    with pytest.raises(ValueError, match="str keys"):
        est.fit({1: np.zeros((2, 2))}, [0, 1])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        est.fit({"a": np.zeros((2, 2)), "b": np.zeros((3, 2))}, [0, 1])
    assert training_spy.calls == 0


# ------------------------------------------------------------------- graph
class MeanAggregation(nn.Module):
    """One round of neighbour averaging, then a linear layer; records what it sees."""

    calls = []

    def __init__(self, n_features, n_outputs):
        super().__init__()
        self.layer = nn.Linear(2 * n_features, n_outputs)

    def forward(self, x, edge_index, edge_weight):
        MeanAggregation.calls.append(x.shape[0])
        source, target = edge_index
        total = torch.zeros_like(x).index_add_(0, target, x[source] * edge_weight[:, None])
        degree = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
        degree = degree.index_add_(0, target, edge_weight).clamp_min(1.0)
        return self.layer(torch.cat([x, total / degree[:, None]], dim=1))


class ToyGraphClassifier(NeuralClassifier):
    _input = GraphInput
    _params = (Param("n_neighbors", 5, "int", "Neighbours of the k-NN graph.", [int]),)

    def fit(self, X, y, sample_weight=None, adjacency=None):
        return self._fit(X, y, sample_weight=sample_weight, incremental=False, adjacency=adjacency)

    def _build_module(self, spec):
        return MeanAggregation(spec.n_features, spec.n_outputs)


def test_graph_batches_are_whole_graphs(device):
    X, y = make_blobs(n_samples=90, centers=2, random_state=0)
    MeanAggregation.calls.clear()
    est = ToyGraphClassifier(
        batch_size=16, max_iter=20, learning_rate_init=0.05, random_state=0, device=device
    ).fit(X, y)
    # Every training batch and the prediction ran the whole graph of 90 nodes.
    assert set(MeanAggregation.calls) == {90}
    assert len(MeanAggregation.calls) == 20 * 6  # 6 batches of nodes per epoch
    MeanAggregation.calls.clear()
    assert est.predict(X[:7]).shape == (7,)
    assert MeanAggregation.calls == [7]  # the new graph, once, no padding rows
    assert est.score(X, y) > 0.9


def test_graph_adjacency_is_checked_before_training(training_spy):
    X, y = make_blobs(n_samples=10, centers=2, random_state=0)
    est = ToyGraphClassifier(max_iter=2, device="cpu")
    with pytest.raises(ValueError, match=r"expected shape \(10, 10\), got \(10, 9\)"):
        est.fit(X, y, adjacency=sp.random(10, 9, density=0.3, random_state=0))
    with pytest.raises(ValueError, match="node indices"):
        est.fit(X, y, adjacency=np.array([[0, 1], [1, 12], [3, 4]]))
    assert training_spy.calls == 0
    ring = np.array([[i, (i + 1) % 10] for i in range(10)])
    assert est.fit(X, y, adjacency=ring).n_iter_ == 2


def test_data_spec_names_what_is_missing():
    spec = DataSpec(sample_shape=(3,), n_features=3, n_outputs=2)
    assert spec.as_dict() == {"sample_shape": (3,), "n_features": 3, "n_outputs": 2}
    with pytest.raises(AttributeError, match="no 'vocab_size'.*n_features"):
        _ = spec.vocab_size
