"""The contract of sknets.base.NeuralEstimator, exercised through the MLPs.

Device resolution, seeding, bad input, the training rules shared by every
estimator (early stopping, convergence, schedules, sample and class
weights, partial_fit, warm_start), pickling, verbosity and the NaN-loss
guard.  See the contract page (docs/contract.rst), sections "Shared
parameters", "Fitted attributes" and "Bad input".
"""

import math
import pickle
import re
import subprocess
import sys
import textwrap
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from _factories import small_classifier, small_regressor
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import recall_score
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted
from skorch.exceptions import DeviceWarning

import sknets._estimator
from sknets import MLPClassifier, MLPRegressor
from sknets.exceptions import NonFiniteLossError
from sknets.utils import resolve_device

_clf = small_classifier
_reg = small_regressor


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(120, 4, noise=1.0, random_state=0)
    return X, y / y.std()


@pytest.fixture
def split_spy(monkeypatch):
    """Record every validation split made by sknets.base (its train_test_split calls)."""
    calls = []
    original = sknets._estimator.train_test_split

    def spy(*args, **kwargs):
        result = original(*args, **kwargs)
        calls.append({"kwargs": kwargs, "train": result[0], "valid": result[1]})
        return result

    monkeypatch.setattr(sknets._estimator, "train_test_split", spy)
    return calls


# ------------------------------------------------------------------ device
@pytest.mark.parametrize("value", ["cpu", torch.device("cpu")], ids=["str", "torch.device"])
def test_cpu_device_sets_device_(value, iris):
    X, y = iris
    est = _clf(value, max_iter=2).fit(X, y)
    assert est.device_ == torch.device("cpu")
    assert est.get_params()["device"] is value  # stored as given
    assert next(est.module_.parameters()).device == torch.device("cpu")
    assert clone(est).get_params()["device"] == value  # grid search clones it


def test_auto_device_resolves_to_an_available_device(iris):
    X, y = iris
    est = _clf("auto", max_iter=1).fit(X, y)
    assert isinstance(est.device_, torch.device)
    if torch.cuda.is_available():
        assert est.device_.type == "cuda"
    elif torch.backends.mps.is_available():
        assert est.device_.type == "mps"
    else:
        assert est.device_ == torch.device("cpu")
    assert est.get_params()["device"] == "auto"


def test_fit_on_test_device(device, iris):
    X, y = iris
    est = _clf(device, max_iter=2).fit(X, y)
    assert est.device_ == resolve_device(device)
    assert next(est.module_.parameters()).device.type == est.device_.type
    assert est.predict(X).shape == (150,)


_UNAVAILABLE = [
    pytest.param(
        "cuda",
        marks=pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available"),
    ),
    pytest.param(
        "cuda:7",
        marks=pytest.mark.skipif(torch.cuda.device_count() > 7, reason="8 GPUs visible"),
    ),
    pytest.param(
        torch.device("cuda"),
        marks=pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available"),
        id="torch.device-cuda",
    ),
    pytest.param(
        "mps",
        marks=pytest.mark.skipif(torch.backends.mps.is_available(), reason="MPS is available"),
    ),
]


@pytest.mark.parametrize("value", ["gpu", "cuda:abc", *_UNAVAILABLE])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_unknown_or_unavailable_device_is_refused_before_training(
    value, kind, iris, training_spy, check_unfitted
):
    X, y = iris
    est = _clf(value) if kind == "classifier" else _reg(value)
    with pytest.raises(ValueError, match=re.escape(f"device={value!r}")) as info:
        est.fit(X, y)
    message = str(info.value)
    assert "Available devices" in message
    assert "'cpu'" in message
    if torch.cuda.is_available():
        assert "'cuda:0'" in message
    assert training_spy.calls == 0
    check_unfitted(est)
    with pytest.raises(NotFittedError):
        est.predict(X)


def test_device_of_wrong_type_is_an_invalid_parameter(iris, training_spy):
    X, y = iris
    with pytest.raises(InvalidParameterError, match="'device' parameter.*Got 3 instead"):
        _clf(3).fit(X, y)
    assert training_spy.calls == 0


# ------------------------------------------------------------------- dtype
@pytest.mark.parametrize("value", ["float64", np.float64, torch.float64])
def test_float64_trains_and_predicts_in_float64(value, device, iris):
    X, y = iris
    est = _clf(device, dtype=value).fit(X, y)
    assert {p.dtype for p in est.module_.parameters()} == {torch.float64}
    assert est.coefs_[0].dtype == np.float64
    # Close to the float32 model: the same training, rounded less.
    single = _clf(device).fit(X, y)
    assert {p.dtype for p in single.module_.parameters()} == {torch.float32}
    np.testing.assert_allclose(est.predict_proba(X), single.predict_proba(X), atol=1e-4)
    np.testing.assert_allclose(est.loss_curve_, single.loss_curve_, rtol=1e-4)


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-10), ("float32", 1e-4)])
def test_row_order_changes_a_fit_only_by_rounding(dtype, rtol, device, regression):
    # Full-batch training on permuted rows sums the same terms in another
    # order: float64 fits agree to ~1e-13, float32 ones to ~1e-6.
    X, y = regression
    order = np.random.RandomState(0).permutation(len(y))
    params = {"batch_size": len(y), "shuffle": False, "dtype": dtype, "max_iter": 30}
    fit = _reg(device, **params).fit(X, y)
    permuted = _reg(device, **params).fit(X[order], y[order])
    assert fit.predict(X).dtype == np.float64
    np.testing.assert_allclose(permuted.predict(X), fit.predict(X), rtol=rtol)


def test_float64_on_mps_is_refused_before_training(monkeypatch, iris, training_spy, check_unfitted):
    X, y = iris
    monkeypatch.setattr(sknets._estimator, "resolve_device", lambda device: torch.device("mps"))
    est = _clf("mps", dtype="float64")
    with pytest.raises(ValueError, match="dtype='float64' cannot train on device='mps'"):
        est.fit(X, y)
    assert training_spy.calls == 0
    check_unfitted(est)


@pytest.mark.parametrize("method", ["warm_start", "partial_fit"])
def test_continued_fit_with_another_dtype_converts_the_network(method, device, iris):
    X, y = iris
    est = _clf(device, max_iter=5, learning_rate_init=0.05).fit(X, y)
    before = est.score(X, y)
    est.set_params(dtype="float64", warm_start=True)
    if method == "warm_start":
        est.fit(X, y)
    else:
        est.partial_fit(X, y)
    assert {p.dtype for p in est.module_.parameters()} == {torch.float64}
    states = est.net_.optimizer_.state.values()
    assert {t.dtype for state in states for t in state.values() if t.ndim} == {torch.float64}
    assert est.n_iter_ == (10 if method == "warm_start" else 6)
    assert est.score(X, y) >= before > 0.8
    pickled = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(pickled.predict_proba(X), est.predict_proba(X))


# ------------------------------------------------------------ random_state
@pytest.mark.parametrize(
    "params",
    [{}, {"dropout": 0.3, "early_stopping": True, "batch_size": 16}],
    ids=["plain", "dropout-early-stopping"],
)
def test_same_int_seed_gives_bit_identical_fits_on_cpu(params, iris):
    X, y = iris
    first = _clf("cpu", **params).fit(X, y)
    second = _clf("cpu", **params).fit(X, y)
    assert np.array_equal(first.predict_proba(X), second.predict_proba(X))
    assert first.loss_curve_ == second.loss_curve_


def test_same_int_seed_is_reproducible_on_test_device(device, iris):
    X, y = iris
    first = _clf(device).fit(X, y).predict_proba(X)
    second = _clf(device).fit(X, y).predict_proba(X)
    if device == "cpu":
        assert np.array_equal(first, second)
    else:
        np.testing.assert_allclose(first, second, atol=1e-5)


def test_different_seeds_give_different_models(device, iris):
    X, y = iris
    first = _clf(device, random_state=0).fit(X, y).predict_proba(X)
    second = _clf(device, random_state=1).fit(X, y).predict_proba(X)
    assert np.abs(first - second).max() > 1e-3


def test_random_state_none_gives_different_models(device, iris):
    X, y = iris
    first = _clf(device, random_state=None).fit(X, y).predict_proba(X)
    second = _clf(device, random_state=None).fit(X, y).predict_proba(X)
    assert np.abs(first - second).max() > 1e-3


def test_random_state_instance_is_accepted(device, iris):
    X, y = iris
    first = _clf(device, random_state=np.random.RandomState(3)).fit(X, y).predict_proba(X)
    second = _clf(device, random_state=np.random.RandomState(3)).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(first, second, atol=1e-6 if device == "cpu" else 1e-5)


@pytest.mark.parametrize("random_state", [None, 0, 12345])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_fit_leaves_the_global_random_states_unchanged(
    random_state, early_stopping, device, iris, global_rng_states
):
    X, y = iris
    np.random.seed(7)
    torch.manual_seed(7)
    torch_before, numpy_before = global_rng_states()
    cuda_before = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []
    est = _clf(device, random_state=random_state, dropout=0.2, early_stopping=early_stopping)
    est.fit(X, y)
    est.set_params(early_stopping=False).partial_fit(X, y)
    est.predict_proba(X)
    torch_after, numpy_after = global_rng_states()
    assert torch.equal(torch_before, torch_after)
    cuda_after = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []
    assert all(map(torch.equal, cuda_before, cuda_after))
    assert numpy_before[0] == numpy_after[0]
    assert np.array_equal(numpy_before[1], numpy_after[1])
    assert numpy_before[2:] == numpy_after[2:]
    # The global generators still produce what they would have without the fit.
    reference = torch.Generator().manual_seed(7)
    assert torch.equal(torch.rand(3), torch.rand(3, generator=reference))


def test_global_seed_does_not_decide_the_model_with_an_int_seed(iris):
    X, y = iris
    torch.manual_seed(1)
    np.random.seed(1)
    first = _clf("cpu").fit(X, y).predict_proba(X)
    torch.manual_seed(2)
    np.random.seed(2)
    second = _clf("cpu").fit(X, y).predict_proba(X)
    assert np.array_equal(first, second)


# ------------------------------------------------------------------ pandas
def test_dataframe_sets_feature_names_in_(device, iris):
    X, y = iris
    frame = pd.DataFrame(X, columns=["sepal_l", "sepal_w", "petal_l", "petal_w"])
    est = _clf(device).fit(frame, y)
    assert list(est.feature_names_in_) == list(frame.columns)
    assert est.n_features_in_ == 4
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        from_array = est.predict(X)
    np.testing.assert_array_equal(est.predict(frame), from_array)
    assert not hasattr(_clf(device).fit(X, y), "feature_names_in_")


def test_dataframe_with_other_column_names_is_refused_at_predict(device, iris):
    X, y = iris
    frame = pd.DataFrame(X, columns=list("abcd"))
    est = _clf(device).fit(frame, y)
    with pytest.raises(ValueError, match="feature names should match"):
        est.predict(frame.rename(columns={"a": "z"}))
    with pytest.raises(ValueError, match="same order"):
        est.predict(frame[list("badc")])
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        est.predict(X)
    plain = _clf(device).fit(X, y)
    with pytest.warns(UserWarning, match="X has feature names, but MLPClassifier was fitted"):
        plain.predict(frame)


def test_series_with_string_labels(device, iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])
    labels = pd.Series(names[y], name="species")
    frame = pd.DataFrame(X, columns=list("abcd"))
    est = _clf(device, max_iter=60, learning_rate_init=0.02).fit(frame, labels)
    assert est.classes_.tolist() == names.tolist()
    predicted = est.predict(frame)
    assert set(predicted) <= set(names)
    assert np.mean(predicted == labels.to_numpy()) > 0.85
    assert est.score(frame, labels) > 0.85


@pytest.mark.parametrize("labels", [["no", "yes"], ["b", "a", "c"]])
def test_string_labels(labels, device):
    X, y = make_classification(
        150, 4, n_informative=3, n_redundant=0, n_classes=len(labels), random_state=0
    )
    y_str = np.asarray(labels, dtype=object)[y]
    est = _clf(device, max_iter=40, learning_rate_init=0.02).fit(X, y_str)
    assert est.classes_.tolist() == sorted(labels)
    predicted = est.predict(X)
    assert predicted.shape == (150,)
    assert set(predicted) <= set(labels)
    assert np.mean(predicted == y_str) > 0.75
    proba = est.predict_proba(X)
    assert proba.shape == (150, len(labels))
    np.testing.assert_array_equal(est.classes_[proba.argmax(axis=1)], predicted)


# ------------------------------------------------ sample and class weights
def test_zero_sample_weights_equal_removing_the_rows(device):
    X, y = make_classification(100, 5, random_state=0)
    weight = np.ones(100)
    weight[:30] = 0.0
    full_batch = {"max_iter": 15, "batch_size": 100, "shuffle": False, "learning_rate_init": 0.01}
    weighted = _clf(device, **full_batch).fit(X, y, sample_weight=weight)
    removed = _clf(device, **{**full_batch, "batch_size": 70}).fit(X[30:], y[30:])
    np.testing.assert_allclose(weighted.loss_curve_, removed.loss_curve_, rtol=1e-5)
    np.testing.assert_allclose(weighted.predict_proba(X), removed.predict_proba(X), atol=1e-5)
    unweighted = _clf(device, **full_batch).fit(X, y)
    assert np.abs(unweighted.predict_proba(X) - removed.predict_proba(X)).max() > 1e-3


def test_sample_weight_changes_the_model(device, regression):
    X, y = regression
    weight = np.random.RandomState(0).uniform(0.1, 3.0, size=len(y))
    weighted = _reg(device, learning_rate_init=0.01).fit(X, y, sample_weight=weight)
    unweighted = _reg(device, learning_rate_init=0.01).fit(X, y)
    ones = _reg(device, learning_rate_init=0.01).fit(X, y, sample_weight=np.ones(len(y)))
    assert np.abs(weighted.predict(X) - unweighted.predict(X)).max() > 1e-3
    np.testing.assert_allclose(ones.predict(X), unweighted.predict(X), atol=1e-5)


# Full-batch float64 fits, where the same training agrees to ~1e-13 (see
# tests/test_common.py): a weight of k trains as a row given k times, the
# alpha penalty included, as scikit-learn's MLP divides it by the batch's
# total weight.
_EXACT = {"alpha": 0.5, "dtype": "float64", "max_iter": 20, "learning_rate_init": 0.01}


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_integer_weights_equal_repeated_rows_penalty_included(solver, device):
    X, y = make_classification(40, 5, random_state=0)
    weight = np.random.RandomState(0).randint(0, 4, size=40)
    params = {**_EXACT, "solver": solver}
    weighted = _clf(device, **params).fit(X, y, sample_weight=weight)
    repeated = _clf(device, **params).fit(np.repeat(X, weight, 0), np.repeat(y, weight))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-9)
    # The penalty is large enough here to tell a wrong scaling apart.
    unpenalised = _clf(device, **{**params, "alpha": 0.0}).fit(X, y, sample_weight=weight)
    assert np.abs(unpenalised.predict_proba(X) - weighted.predict_proba(X)).max() > 1e-3


def test_scaling_every_weight_scales_the_penalty_down(device):
    X, y = make_classification(40, 5, random_state=0)
    weight = np.random.RandomState(0).uniform(0.5, 2.0, size=40)
    base = _clf(device, **_EXACT).fit(X, y, sample_weight=weight)
    tripled = _clf(device, **{**_EXACT, "alpha": 3 * _EXACT["alpha"]})
    tripled.fit(X, y, sample_weight=3 * weight)
    np.testing.assert_allclose(tripled.predict_proba(X), base.predict_proba(X), rtol=1e-10)
    same_alpha = _clf(device, **_EXACT).fit(X, y, sample_weight=3 * weight)
    assert np.abs(same_alpha.predict_proba(X) - base.predict_proba(X)).max() > 1e-3


def test_partial_fit_penalty_follows_each_calls_weights(device):
    X, y = make_classification(40, 5, random_state=0)
    weighted, repeated = _clf(device, **_EXACT), _clf(device, **_EXACT)
    weighted.partial_fit(X, y, classes=[0, 1])
    repeated.partial_fit(X, y, classes=[0, 1])
    weighted.partial_fit(X, y, sample_weight=np.full(40, 3.0))
    repeated.partial_fit(np.repeat(X, 3, 0), np.repeat(y, 3))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-9)
    # Each call's penalty: alpha over its batch's total weight (40 rows of 3).
    for est in (weighted, repeated):
        decays = sorted(group["weight_decay"] for group in est.net_.optimizer_.param_groups)
        assert decays == [0.0, pytest.approx(_EXACT["alpha"] / 120)]


@pytest.fixture(scope="module")
def imbalanced():
    X, y = make_classification(
        600, 5, n_informative=3, weights=[0.93], flip_y=0, class_sep=0.5, random_state=0
    )
    assert np.bincount(y)[1] < 50
    return X, y


@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 15.0}])
def test_class_weight_raises_minority_recall(class_weight, device, imbalanced):
    X, y = imbalanced
    params = {"hidden_layer_sizes": (16,), "max_iter": 40, "learning_rate_init": 0.01}
    plain = _clf(device, **params).fit(X, y)
    weighted = _clf(device, class_weight=class_weight, **params).fit(X, y)
    plain_recall = recall_score(y, plain.predict(X))
    weighted_recall = recall_score(y, weighted.predict(X))
    assert weighted_recall > plain_recall + 0.15
    # The minority class gets more probability on average.
    assert weighted.predict_proba(X)[:, 1].mean() > plain.predict_proba(X)[:, 1].mean()


def test_class_weight_equals_sample_weight(device, imbalanced):
    X, y = imbalanced
    class_weight = {0: 1.0, 1: 5.0}
    by_class = _clf(device, class_weight=class_weight).fit(X, y)
    by_sample = _clf(device).fit(X, y, sample_weight=np.where(y == 1, 5.0, 1.0))
    np.testing.assert_allclose(by_class.predict_proba(X), by_sample.predict_proba(X), atol=1e-6)


# ---------------------------------------------------------- early stopping
@pytest.fixture(scope="module")
def noisy():
    return make_classification(300, 10, n_informative=5, flip_y=0.1, random_state=0)


def test_early_stopping_records_scores_and_restores_the_best_weights(device, noisy, split_spy):
    X, y = noisy
    est = _clf(
        device,
        hidden_layer_sizes=(32,),
        max_iter=100,
        early_stopping=True,
        learning_rate_init=0.05,
        n_iter_no_change=2,
        validation_fraction=0.2,
    ).fit(X, y)
    assert est.best_loss_ is None
    assert 3 <= est.n_iter_ < est.max_iter
    scores = est.validation_scores_
    assert len(scores) == est.n_iter_ == len(est.loss_curve_)
    assert scores == est.history_[:, "valid_score"]
    assert est.best_validation_score_ == max(scores)
    assert all(0.0 <= score <= 1.0 for score in scores)

    (split,) = split_spy
    valid = split["valid"]
    assert len(valid) == 60
    # The restored weights score max(validation_scores_) on the validation rows,
    # although the last epochs scored less.
    assert scores[-1] < max(scores), "the last epoch is the best: the check has no power"
    assert est.score(X[valid], y[valid]) == pytest.approx(max(scores), abs=1e-12)


def test_early_stopping_stops_before_max_iter_on_an_easy_problem(device, iris):
    X, y = iris
    est = _clf(device, max_iter=300, early_stopping=True, learning_rate_init=0.05).fit(X, y)
    assert est.n_iter_ < 100
    assert est.best_validation_score_ >= 0.9
    assert est.validation_scores_[-1] <= est.best_validation_score_


def test_early_stopping_regressor_scores_are_r2(device, regression, split_spy):
    X, y = regression
    est = _reg(device, max_iter=40, early_stopping=True, learning_rate_init=0.02).fit(X, y)
    (split,) = split_spy
    assert split["kwargs"]["stratify"] is None
    valid = split["valid"]
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.score(X[valid], y[valid]) == pytest.approx(max(est.validation_scores_), abs=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_early_stopping_split_is_stratified(seed, device, split_spy):
    X, y = make_classification(200, 4, n_informative=2, n_redundant=0, random_state=seed)
    y = np.zeros(200, dtype=int)
    y[np.random.RandomState(seed).choice(200, 10, replace=False)] = 1  # a rare class
    _clf(device, max_iter=1, early_stopping=True, random_state=seed).fit(X, y)
    (split,) = split_spy
    assert split["kwargs"]["stratify"] is not None
    assert np.bincount(y[split["valid"]]).tolist() == [19, 1]


def test_early_stopping_validation_set_too_small(training_spy, check_unfitted):
    X, y = make_regression(10, 3, random_state=0)
    est = _reg("cpu", early_stopping=True, validation_fraction=0.1)
    with pytest.raises(ValueError, match="validation set is too small"):
        est.fit(X, y)
    assert training_spy.calls == 0
    check_unfitted(est)
    X, y = make_classification(10, 3, n_informative=2, n_redundant=0, random_state=0)
    est = _clf("cpu", early_stopping=True, validation_fraction=0.1)
    with pytest.raises(ValueError):
        est.fit(X, y)
    assert training_spy.calls == 0


# --------------------------------------------- convergence without a split
def test_stops_when_the_training_loss_stalls(device, iris):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = _clf(device, max_iter=100, tol=1.0, n_iter_no_change=2).fit(X, y)
    # Epoch 1 improves on +inf; the next n_iter_no_change + 1 epochs do not.
    assert est.n_iter_ == 4
    assert len(est.loss_curve_) == 4
    assert est.best_loss_ == min(est.loss_curve_)
    assert est.validation_scores_ is None
    assert est.best_validation_score_ is None


def test_convergence_warning_when_max_iter_is_reached(device, iris):
    X, y = iris
    est = _clf(device, max_iter=3, tol=0.0)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
        est.fit(X, y)
    assert est.n_iter_ == 3


def test_warnings_point_at_the_callers_line(device, iris):
    X, y = iris
    with pytest.warns(ConvergenceWarning) as record:
        _clf(device, max_iter=1, tol=0.0).fit(X, y)
    assert record[0].filename == __file__
    with pytest.warns(UserWarning, match="batch_size=500 larger than the 150") as record:
        _clf(device, max_iter=1, batch_size=500).partial_fit(X, y, classes=[0, 1, 2])
    assert record[0].filename == __file__


def test_no_convergence_warning_from_partial_fit(device, iris):
    X, y = iris
    est = _clf(device, max_iter=1, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.partial_fit(X, y, classes=[0, 1, 2])


# --------------------------------------------------- learning-rate schedules
def _lrs(device, iris, schedule, **params):
    X, y = iris
    params = {"max_iter": 9, "learning_rate_init": 0.1, "learning_rate": schedule, **params}
    est = _clf(device, **params).fit(X, y)
    return est, np.asarray(est.history_[:, "lr"])


def test_constant_schedule(device, iris):
    est, lr = _lrs(device, iris, "constant")
    np.testing.assert_allclose(lr, 0.1)


@pytest.mark.parametrize("power_t", [0.5, 0.25])
def test_invscaling_schedule(power_t, device, iris):
    est, lr = _lrs(device, iris, "invscaling", power_t=power_t)
    n_samples = 150
    expected = [0.1 / (epoch * n_samples + 1) ** power_t for epoch in range(9)]
    np.testing.assert_allclose(lr, expected, rtol=1e-6)
    assert est.t_ == 9 * n_samples


def test_cosine_schedule(device, iris):
    _, lr = _lrs(device, iris, "cosine")
    expected = [0.1 * 0.5 * (1 + math.cos(math.pi * epoch / 9)) for epoch in range(9)]
    np.testing.assert_allclose(lr, expected, rtol=1e-6)


@pytest.mark.parametrize("max_iter", [9, 7])
def test_step_schedule(max_iter, device, iris):
    _, lr = _lrs(device, iris, "step", max_iter=max_iter)
    step = max_iter // 3
    expected = [0.1 * 0.1 ** (epoch // step) for epoch in range(max_iter)]
    np.testing.assert_allclose(lr, expected, rtol=1e-6)


@pytest.mark.parametrize("schedule", ["cosine", "step"])
def test_warm_started_fit_restarts_its_schedule(schedule, device, iris):
    est, first = _lrs(device, iris, schedule, tol=0.0)
    est.set_params(warm_start=True).fit(*iris)
    lr = np.asarray(est.history_[:, "lr"])
    assert est.n_iter_ == 18
    np.testing.assert_allclose(lr[9:], first, rtol=1e-6)


def test_partial_fit_continues_its_schedule(device, iris):
    X, y = iris
    est = _clf(device, learning_rate="cosine", learning_rate_init=0.1, max_iter=4)
    for _ in range(4):
        est.partial_fit(X, y, classes=[0, 1, 2])
    expected = [0.1 * 0.5 * (1 + math.cos(math.pi * epoch / 4)) for epoch in range(4)]
    np.testing.assert_allclose(np.asarray(est.history_[:, "lr"]), expected, rtol=1e-6)


def test_adaptive_schedule_divides_by_five_after_stalls(device, iris):
    # tol=10: only epoch 1 counts as an improvement; after every
    # n_iter_no_change + 1 = 2 epochs without one the rate is divided by 5.
    _, lr = _lrs(device, iris, "adaptive", tol=10.0, n_iter_no_change=1)
    expected = 0.1 / 5.0 ** np.array([0, 0, 0, 1, 1, 2, 2, 3, 3])
    np.testing.assert_allclose(lr, expected, rtol=1e-6)


def test_adaptive_schedule_stops_below_1e_6(device, iris):
    est, lr = _lrs(
        device,
        iris,
        "adaptive",
        learning_rate_init=1e-5,
        tol=10.0,
        n_iter_no_change=1,
        max_iter=50,
    )
    np.testing.assert_allclose(lr, [1e-5] * 3 + [2e-6] * 2 + [4e-7] * 2, rtol=1e-6)
    assert est.n_iter_ == 7


def test_plateau_schedule_halves_down_to_a_tenth_and_runs_every_epoch(device, iris):
    # tol=10: only epoch 1 improves; the rate halves after every 2 epochs
    # without improvement until it reaches learning_rate_init / 10, where a
    # plateau marks convergence (no warning) without stopping the fit.
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est, lr = _lrs(device, iris, "plateau", tol=10.0, n_iter_no_change=1, max_iter=14)
    expected = [0.1] * 3 + [0.05] * 2 + [0.025] * 2 + [0.0125] * 2 + [0.01] * 5
    np.testing.assert_allclose(lr, expected, rtol=1e-6)
    assert est.n_iter_ == 14


def test_plateau_schedule_stops_at_the_floor_with_early_stopping(device, iris):
    est, lr = _lrs(
        device, iris, "plateau", tol=10.0, n_iter_no_change=1, max_iter=50, early_stopping=True
    )
    expected = [0.1] * 3 + [0.05] * 2 + [0.025] * 2 + [0.0125] * 2 + [0.01] * 2
    np.testing.assert_allclose(lr, expected, rtol=1e-6)
    assert est.n_iter_ == 11


def test_plateau_schedule_keeps_the_weights_of_the_lowest_training_loss(device, iris):
    X, y = iris
    # A large step makes the training loss oscillate, so the last epoch is not the best.
    params = {"learning_rate_init": 1.0, "batch_size": 32, "random_state": 1}
    est = _clf(device, learning_rate="plateau", max_iter=12, **params).fit(X, y)
    best_epoch = int(np.argmin(est.loss_curve_)) + 1
    assert best_epoch < 12
    assert est.best_loss_ == min(est.loss_curve_)
    # The same seeded trajectory stopped at the best epoch ends with the same weights.
    shorter = _clf(device, learning_rate="plateau", max_iter=best_epoch, **params).fit(X, y)
    np.testing.assert_array_equal(est.predict_proba(X), shorter.predict_proba(X))
    last = _clf(device, learning_rate="constant", max_iter=12, **params).fit(X, y)
    assert not np.array_equal(est.predict_proba(X), last.predict_proba(X))


@pytest.mark.parametrize("schedule", ["invscaling", "cosine", "step"])
def test_schedule_applies_to_sgd_too(schedule, device, iris):
    _, lr = _lrs(device, iris, schedule, solver="sgd")
    assert lr[0] == pytest.approx(0.1)
    assert lr[-1] < 0.05
    assert np.all(np.diff(lr) <= 0)


# ---------------------------------------------------------------- partial_fit
def test_partial_fit_needs_classes_on_the_first_call(device, iris, training_spy, check_unfitted):
    X, y = iris
    est = _clf(device)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        est.partial_fit(X, y)
    assert training_spy.calls == 0
    check_unfitted(est)


def test_partial_fit_runs_one_epoch_per_call_and_learns(device, iris):
    X, y = iris
    est = _clf(device, learning_rate_init=0.01, batch_size=32)
    est.partial_fit(X, y, classes=[0, 1, 2])
    first_accuracy = est.score(X, y)
    for call in range(2, 16):
        est.partial_fit(X, y)
        assert est.n_iter_ == call
        assert len(est.loss_curve_) == call
    assert est.t_ == 15 * 150
    assert est.score(X, y) > first_accuracy + 0.2
    assert est.loss_curve_[-1] < est.loss_curve_[0]


def test_partial_fit_with_a_subset_of_classes_per_call(device, iris):
    X, y = iris
    est = _clf(device, learning_rate_init=0.01)
    est.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert est.classes_.tolist() == [0, 1, 2]
    assert est.predict_proba(X).shape == (150, 3)
    est.partial_fit(X[y == 2], y[y == 2])
    assert est.n_iter_ == 2


def test_partial_fit_refuses_unseen_labels(device, iris):
    X, y = iris
    est = _clf(device).partial_fit(X, y, classes=[0, 1, 2])
    before = est.predict_proba(X)
    y_new = np.where(y == 2, 3, y)
    y_copy = y_new.copy()
    with pytest.raises(ValueError, match=r"not seen.*\[3\]"):
        est.partial_fit(X, y_new)
    assert np.array_equal(y_new, y_copy)
    assert est.n_iter_ == 1
    np.testing.assert_array_equal(est.predict_proba(X), before)


def test_partial_fit_refuses_labels_outside_classes_on_the_first_call(
    device, iris, training_spy, check_unfitted
):
    X, y = iris
    est = _clf(device)
    with pytest.raises(ValueError, match=r"\[2\]"):
        est.partial_fit(X, y, classes=[0, 1])
    assert training_spy.calls == 0
    assert not hasattr(est, "net_")


def test_partial_fit_refuses_changed_classes(device, iris):
    X, y = iris
    est = _clf(device).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="not the same as on the first call"):
        est.partial_fit(X, y, classes=[0, 1, 2, 3])


def test_partial_fit_refuses_early_stopping(device, iris, training_spy, check_unfitted):
    X, y = iris
    est = _clf(device, early_stopping=True)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        est.partial_fit(X, y, classes=[0, 1, 2])
    assert training_spy.calls == 0
    check_unfitted(est)
    X, y = make_regression(50, 3, random_state=0)
    with pytest.raises(ValueError, match="early_stopping"):
        _reg(device, early_stopping=True).partial_fit(X, y)


def test_regressor_partial_fit(device, regression):
    X, y = regression
    est = _reg(device, learning_rate_init=0.01, batch_size=16)
    est.partial_fit(X, y)
    first = est.score(X, y)
    for call in range(2, 11):
        est.partial_fit(X, y)
        assert est.n_iter_ == call
    assert est.score(X, y) > first + 0.1
    assert est.predict(X).shape == (120,)
    with pytest.raises(ValueError, match="y has 2 targets"):
        est.partial_fit(X, np.c_[y, y])


def test_partial_fit_after_fit_continues(device, iris):
    X, y = iris
    est = _clf(device, max_iter=5, tol=0.0).fit(X, y)
    curve = list(est.loss_curve_)
    est.partial_fit(X, y)
    assert est.n_iter_ == 6
    assert est.loss_curve_[:5] == curve


# --------------------------------------------------------------- warm_start
def test_warm_start_continues_training(device, iris):
    X, y = iris
    est = _clf(device, max_iter=8, tol=0.0, warm_start=True, learning_rate_init=0.01)
    est.fit(X, y)
    first_curve = list(est.loss_curve_)
    est.fit(X, y)
    assert est.n_iter_ == 16
    assert len(est.loss_curve_) == 16
    assert est.loss_curve_[:8] == first_curve
    # It goes on from where it stopped, not from a new initialisation.
    assert est.loss_curve_[8] < first_curve[0]
    assert abs(est.loss_curve_[8] - first_curve[-1]) < abs(first_curve[0] - first_curve[-1])


def test_without_warm_start_fit_starts_over(device, iris):
    X, y = iris
    est = _clf(device, max_iter=8, tol=0.0)
    est.fit(X, y)
    first_curve = list(est.loss_curve_)
    est.fit(X, y)
    assert est.n_iter_ == 8
    assert len(est.loss_curve_) == 8
    # The same seed and a new initialisation: the same curve again.
    np.testing.assert_allclose(est.loss_curve_, first_curve, rtol=1e-5)


def test_warm_start_with_new_classes_raises(device, iris, training_spy):
    X, y = iris
    est = _clf(device, warm_start=True).fit(X, y)
    before = est.predict_proba(X)
    calls = training_spy.calls
    with pytest.raises(ValueError, match=r"same classes as in the previous.*\[0, 1, 5\]"):
        est.fit(X, np.where(y == 2, 5, y))
    # As scikit-learn: a subset of the classes is refused too.
    with pytest.raises(ValueError, match=r"same classes as in the previous.*\[0, 1\]\."):
        est.fit(X[y < 2], y[y < 2])
    assert training_spy.calls == calls
    np.testing.assert_array_equal(est.predict_proba(X), before)
    with pytest.raises(ValueError, match="y does not match the targets"):
        est.fit(X, np.c_[y == 0, y == 1].astype(int))


def test_warm_start_with_early_stopping_keeps_the_best_weights(device, noisy, split_spy):
    X, y = noisy
    est = _clf(
        device,
        hidden_layer_sizes=(32,),
        max_iter=100,
        early_stopping=True,
        learning_rate_init=0.01,
        n_iter_no_change=2,
        validation_fraction=0.2,
        warm_start=True,
    ).fit(X, y)
    assert est.best_validation_score_ > 0.75
    # A second fit with a far too large step cannot improve on the first one.
    est.set_params(solver="sgd", momentum=0.0, learning_rate_init=1e3).fit(X, y)
    valid = split_spy[-1]["valid"]
    assert np.array_equal(valid, split_spy[0]["valid"])
    assert max(est.validation_scores_[-3:]) < est.best_validation_score_
    # "the best weights are restored" (the contract page): the model must score its
    # best_validation_score_ on the validation rows.
    assert est.score(X[valid], y[valid]) == pytest.approx(est.best_validation_score_)


# ------------------------------------------------------------------ pickling
@pytest.fixture
def fitted(device, iris):
    X, y = iris
    return _clf(device, max_iter=20, learning_rate_init=0.02).fit(X, y)


def test_pickle_round_trip(fitted, iris):
    X, _ = iris
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(X), fitted.predict_proba(X))
    assert restored.n_iter_ == fitted.n_iter_
    assert restored.loss_curve_ == fitted.loss_curve_
    assert restored.device_ == fitted.device_
    assert restored.classes_.tolist() == fitted.classes_.tolist()
    # The restored estimator can keep training.
    restored.partial_fit(X, iris[1])
    assert restored.n_iter_ == fitted.n_iter_ + 1


def test_joblib_round_trip(fitted, iris, tmp_path):
    X, _ = iris
    path = tmp_path / "model.joblib"
    joblib.dump(fitted, path)
    restored = joblib.load(path)
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
    np.testing.assert_array_equal(restored.predict_proba(X), fitted.predict_proba(X))


def test_pickle_does_not_hold_the_training_data(device):
    small_X, small_y = make_classification(100, 20, random_state=0)
    big_X, big_y = make_classification(4000, 20, random_state=0)
    params = {"max_iter": 2, "early_stopping": True}
    small = len(pickle.dumps(_clf(device, **params).fit(small_X, small_y)))
    big = len(pickle.dumps(_clf(device, **params).fit(big_X, big_y)))
    # 4000 x 20 float32 rows would add 320 kB.
    assert big < small + 20_000


def test_clone_of_a_fitted_estimator_is_unfitted(fitted, check_unfitted):
    copy = clone(fitted)
    check_unfitted(copy)
    with pytest.raises(NotFittedError):
        check_is_fitted(copy)
    assert copy.get_params() == fitted.get_params()
    check_is_fitted(fitted)


def test_unfitted_estimator_has_no_fitted_attributes(check_unfitted):
    est = MLPClassifier()
    check_unfitted(est)
    assert [name for name in vars(est) if name.endswith("_")] == []
    with pytest.raises(NotFittedError):
        est.predict(np.ones((2, 3)))
    pickle.loads(pickle.dumps(est))


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_unpickling_a_gpu_model_on_a_cpu_machine(iris):
    X, y = iris
    est = _clf("cpu", max_iter=5).fit(X, y)
    expected = est.predict_proba(X)
    # Pretend it was trained on a GPU: skorch pickles the device with the net.
    est.net_.device = "cuda"
    est.device_ = torch.device("cuda")
    payload = pickle.dumps(est)
    with pytest.warns(DeviceWarning, match="(?i)cuda") as record:
        restored = pickle.loads(payload)
    assert any("cpu" in str(warning.message) for warning in record)
    assert restored.device_ == torch.device("cpu")
    assert torch.device(restored.net_.device) == torch.device("cpu")
    np.testing.assert_array_equal(restored.predict_proba(X), expected)


# ------------------------------------------------------------------- verbose
def test_verbose_0_prints_nothing(device, iris, capsys):
    X, y = iris
    _clf(device, max_iter=3, verbose=0).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_verbose_1_prints_a_progress_bar_to_stderr(device, iris, capsys):
    X, y = iris
    _clf(device, max_iter=3, tol=0.0, verbose=1).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "MLPClassifier" in captured.err
    assert "3/3" in captured.err
    assert "epoch" in captured.err


def test_verbose_2_prints_an_epoch_table_to_stdout(device, iris, capsys):
    X, y = iris
    est = _clf(device, max_iter=4, tol=0.0, verbose=2).fit(X, y)
    captured = capsys.readouterr()
    lines = [line.split() for line in captured.out.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    assert header[:2] == ["epoch", "train_loss"]
    assert [int(row[0]) for row in rows] == [1, 2, 3, 4]
    train_loss = header.index("train_loss")
    np.testing.assert_allclose([float(row[train_loss]) for row in rows], est.loss_curve_, rtol=1e-4)
    assert captured.err == ""


def test_verbose_2_with_early_stopping_shows_validation_columns(device, iris, capsys):
    X, y = iris
    _clf(device, max_iter=2, tol=0.0, verbose=2, early_stopping=True).fit(X, y)
    header = capsys.readouterr().out.splitlines()[0].split()
    assert {"valid_loss", "valid_score"} <= set(header)


# -------------------------------------------------------------- NaN loss
def test_diverging_training_raises_non_finite_loss_error(device, check_unfitted):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 5)) * 1e3
    y = (X[:, 0] > 0).astype(int)
    est = _clf(device, solver="sgd", learning_rate_init=1e6, max_iter=20)
    with pytest.raises(NonFiniteLossError, match=r"loss became .* at epoch \d+") as info:
        est.fit(X, y)
    epoch = int(re.search(r"epoch (\d+)", str(info.value)).group(1))
    assert 1 <= epoch <= 20
    assert isinstance(info.value, ValueError)
    # A failed fit from scratch leaves no half-trained model behind ...
    check_unfitted(est)
    with pytest.raises(NotFittedError):
        est.predict(X)
    # ... so a sane refit, also with warm_start, starts cleanly.
    est.set_params(learning_rate_init=1e-3, warm_start=True, max_iter=2)
    est.fit(X / 1e3, y)
    assert est.n_iter_ == 2


def test_refused_or_failed_refit_keeps_the_previous_model(device, iris):
    X, y = iris
    est = _clf(device).fit(X, y)
    before = est.predict_proba(X)
    wider = np.hstack([X, X])
    # Refused before training: an unavailable device (checked first) ...
    with pytest.raises(ValueError, match="device="):
        est.set_params(device="cuda:99").fit(wider, y)
    # ... or a bad sample_weight (checked after the data).
    with pytest.raises(ValueError, match="Negative values"):
        est.set_params(device=device).fit(wider, y, sample_weight=-np.ones(len(y)))
    # Failed during training: a fresh network diverged.
    with pytest.raises(NonFiniteLossError):
        est.set_params(solver="sgd", learning_rate_init=1e6).fit(wider * 1e3, y)
    assert est.n_features_in_ == 4
    np.testing.assert_array_equal(est.predict_proba(X), before)


def test_huge_finite_values_raise_non_finite_loss_error_at_epoch_1(device):
    X = np.random.RandomState(0).normal(size=(50, 3))
    X[0, 0] = 1e30
    with pytest.raises(NonFiniteLossError, match="at epoch 1;"):
        _reg(device).fit(X, X[:, 1])


# ----------------------------------------------------------------- bad input
_X = np.random.RandomState(0).normal(size=(20, 3))
_y = np.arange(20) % 2


def _with(value, at=(0, 0), array=_X):
    array = array.copy()
    array[at] = value
    return array


_BAD_FIT_INPUTS = {
    # NaN in X is a missing value, which the MLPs take (tests/test_tables.py);
    # sklearn's check_estimators_nan_inf checks the estimators that take none.
    "inf-in-X": (MLPClassifier, _with(np.inf), _y, None, "Input X contains infinity"),
    "neg-inf-in-X-regressor": (MLPRegressor, _with(-np.inf), _y * 1.0, None, "infinity"),
    "too-large-for-float32": (MLPRegressor, _with(1e39), _y * 1.0, None, "too large"),
    "nan-in-y-regressor": (MLPRegressor, _X, _with(np.nan, 3, _y * 1.0), None, "y contains NaN"),
    "inf-in-y-regressor": (MLPRegressor, _X, _with(np.inf, 3, _y * 1.0), None, "y contains inf"),
    "nan-in-y-classifier": (MLPClassifier, _X, _with(np.nan, 3, _y * 1.0), None, "y contains NaN"),
    "3-d-X": (MLPClassifier, _X.reshape(20, 3, 1), _y, None, "dim 3"),
    "1-d-X": (MLPClassifier, _X[:, 0], _y, None, "Expected 2D array, got 1D"),
    "empty": (MLPClassifier, _X[:0], _y[:0], None, "0 sample"),
    "empty-features": (MLPRegressor, _X[:, :0], _y * 1.0, None, "0 feature"),
    "single-class": (
        MLPClassifier,
        _X,
        np.zeros(20),
        None,
        "at least 2 classes.*only one class: 0.0",
    ),
    "continuous-y-classifier": (MLPClassifier, _X, _X[:, 0], None, "Unknown label type"),
    "multioutput-single-class-task": (
        MLPClassifier,
        _X,
        np.c_[_y, np.arange(20) % 3, np.zeros(20)],
        None,
        "at least 2 classes in every task, but column 2",
    ),
    "string-y-regressor": (MLPRegressor, _X, np.array(["a"] * 20), None, "convert"),
    "inconsistent-lengths": (MLPClassifier, _X, _y[:-1], None, "inconsistent numbers of samples"),
    "negative-sample-weight": (
        MLPClassifier,
        _X,
        _y,
        _with(-1.0, 0, np.ones(20)),
        "Negative values",
    ),
    "sample-weight-length": (MLPClassifier, _X, _y, np.ones(19), r"expected \(20,\)"),
    "zero-sample-weights": (MLPRegressor, _X, _y * 1.0, np.zeros(20), "at least one"),
}


# 1e39 overflows float32: numpy warns while sklearn casts, then sklearn refuses it.
@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
@pytest.mark.parametrize("case", list(_BAD_FIT_INPUTS), ids=list(_BAD_FIT_INPUTS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bad_fit_input_is_refused_before_training(
    case, dtype, device, training_spy, check_unfitted
):
    cls, X, y, sample_weight, match = _BAD_FIT_INPUTS[case]
    with np.errstate(over="ignore"):
        X = X.astype(dtype)
    arrays = [a for a in (X, y, sample_weight) if a is not None]
    copies = [a.copy() for a in arrays]
    est = cls(hidden_layer_sizes=(4,), max_iter=2, random_state=0, device=device)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y, sample_weight=sample_weight)
    assert training_spy.calls == 0
    check_unfitted(est)
    for array, copy in zip(arrays, copies, strict=True):
        assert np.array_equal(array, copy, equal_nan=array.dtype.kind == "f")


@pytest.mark.parametrize(
    "params, name",
    [
        ({"solver": "newton"}, "solver"),
        ({"max_fun": 0}, "max_fun"),
        ({"hidden_layer_sizes": 0}, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": (4, -2)}, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": (4.5,)}, "hidden_layer_sizes"),
        ({"dropout": 1.5}, "dropout"),
        ({"dropout": -0.1}, "dropout"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": "big"}, "batch_size"),
        ({"device": 3}, "device"),
        ({"activation": "swish"}, "activation"),
        ({"learning_rate": "cyclic"}, "learning_rate"),
        ({"learning_rate_init": 0.0}, "learning_rate_init"),
        ({"alpha": -1.0}, "alpha"),
        ({"max_iter": 0}, "max_iter"),
        ({"momentum": 1.5}, "momentum"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"n_iter_no_change": 0}, "n_iter_no_change"),
        ({"class_weight": "auto"}, "class_weight"),
        ({"early_stopping": "yes"}, "early_stopping"),
        ({"dtype": "float16"}, "dtype"),
        ({"dtype": np.int64}, "dtype"),
    ],
)
def test_invalid_parameter_is_refused_before_training(
    params, name, device, iris, training_spy, check_unfitted
):
    X, y = iris
    X_copy = X.copy()
    est = MLPClassifier(**{"device": device, "max_iter": 2, **params})
    with pytest.raises(
        InvalidParameterError,
        match=rf"'{name}' parameter of MLPClassifier must be .* Got .* instead",
    ):
        est.fit(X, y)
    assert training_spy.calls == 0
    check_unfitted(est)
    assert np.array_equal(X, X_copy)


def test_invalid_regressor_parameter(regression, training_spy):
    X, y = regression
    with pytest.raises(
        InvalidParameterError, match="'hidden_layer_sizes' parameter of MLPRegressor"
    ):
        MLPRegressor(hidden_layer_sizes=(0,), device="cpu").fit(X, y)
    with pytest.raises(InvalidParameterError, match="'solver' parameter of MLPRegressor"):
        MLPRegressor(solver="newton", device="cpu").fit(X, y)
    with pytest.raises(InvalidParameterError, match="'loss' parameter of MLPRegressor"):
        MLPRegressor(loss="absolute_error", device="cpu").fit(X, y)
    assert training_spy.calls == 0


@pytest.fixture
def fitted_float32(device, iris):
    X, y = iris
    return _clf(device, max_iter=3).fit(X.astype(np.float32), y)


@pytest.mark.parametrize(
    "X, exception, match",
    [
        (
            np.ones((5, 3), dtype=np.float32),
            ValueError,
            "X has 3 features, but MLPClassifier is expecting 4 features",
        ),
        (
            np.ones((5, 6)),
            ValueError,
            "X has 6 features, but MLPClassifier is expecting 4 features",
        ),
        (np.ones((5, 4, 1)), ValueError, "dim 3"),
        (np.ones(4), ValueError, "Expected 2D array, got 1D"),
        (_with(np.inf, array=np.ones((5, 4))), ValueError, "Input X contains infinity"),
        (np.ones((0, 4)), ValueError, "0 sample"),
    ],
    # NaN is a missing value, imputed (tests/test_tables.py).
    ids=["fewer-features", "more-features", "3-d", "1-d", "inf", "empty"],
)
@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba", "score"])
def test_bad_predict_input(X, exception, match, method, fitted_float32):
    copy = X.copy()
    with pytest.raises(exception, match=match):
        if method == "score":
            fitted_float32.score(X, np.zeros(len(X), dtype=int))
        else:
            getattr(fitted_float32, method)(X)
    assert np.array_equal(X, copy, equal_nan=True)


def test_bad_partial_fit_input_keeps_the_model(device, iris):
    X, y = iris
    est = _clf(device).partial_fit(X, y, classes=[0, 1, 2])
    before = est.predict_proba(X)
    for bad_X, bad_y, match in [
        (X[:, :3], y, "X has 3 features, but MLPClassifier is expecting 4"),
        (_with(np.inf, array=X), y, "infinity"),
        (X, np.where(y == 1, 7, y), r"\[7\]"),
    ]:
        copies = bad_X.copy(), bad_y.copy()
        with pytest.raises(ValueError, match=match):
            est.partial_fit(bad_X, bad_y)
        assert np.array_equal(bad_X, copies[0], equal_nan=True)
        assert np.array_equal(bad_y, copies[1])
        assert est.n_iter_ == 1
        np.testing.assert_array_equal(est.predict_proba(X), before)


# The torch warning about read-only arrays is test_read_only_float32_input_gives_no_torch_warning.
@pytest.mark.filterwarnings("ignore:The given NumPy array is not writable")
@pytest.mark.parametrize("net_dtype", ["float32", "float64"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fit_and_predict_do_not_modify_the_callers_arrays(dtype, net_dtype, device, regression):
    # Input already of the network's dtype is used without a copy: it must only be read.
    X, y = regression
    X, y = X.astype(dtype), y.astype(dtype)
    weight = np.linspace(0.5, 2.0, len(y)).astype(dtype)
    copies = X.copy(), y.copy(), weight.copy()
    est = _reg(device, max_iter=3, early_stopping=True, dtype=net_dtype)
    est.fit(X, y, sample_weight=weight)
    est.set_params(early_stopping=False).partial_fit(X, y, sample_weight=weight)
    est.predict(X)
    est.score(X, y)
    for array, copy in zip((X, y, weight), copies, strict=True):
        assert np.array_equal(array, copy)
    frame = pd.DataFrame(X)
    frame_copy = frame.copy()
    _reg(device, max_iter=2).fit(frame, pd.Series(y))
    pd.testing.assert_frame_equal(frame, frame_copy)


def test_read_only_float32_input_gives_no_torch_warning(device):
    # torch emits that warning once per process: check in a fresh one.
    code = textwrap.dedent(
        f"""
        import warnings
        import numpy as np
        import pandas as pd
        import torch
        from sknets import MLPRegressor

        torch.set_num_threads(1)
        X = np.random.RandomState(0).normal(size=(40, 3)).astype(np.float32)
        X.setflags(write=False)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est = MLPRegressor((4,), max_iter=2, device={device!r}).fit(X, X[:, 0])
            est.predict(pd.DataFrame(X))
        print(sum("not writable" in str(w.message) for w in caught))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0", result.stdout
