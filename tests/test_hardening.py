"""Hostile and unlucky calls: Ctrl-C, failures mid-training, threads, bad labels."""

import json
import re
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sknets import (
    CNNClassifier,
    CNNRegressor,
    MLPClassifier,
    ResNetClassifier,
    TransformerClassifier,
    TransformerRegressor,
)
from sknets.exceptions import NonFiniteLossError
from sknets.utils import all_estimators

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = {"hidden_layer_sizes": (8,), "random_state": 0, "device": "cpu"}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32)[:300], y[:300]


# ------------------------------------------------------------------ Ctrl-C
@pytest.fixture(scope="module")
def interrupt_results():
    script = Path(__file__).with_name("_interrupt_scenarios.py")
    completed = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_sigint_in_a_first_fit_propagates_and_leaves_it_unfitted(interrupt_results):
    result = interrupt_results["first_fit"]
    assert result["raised"]
    assert not result["fitted"] and result["n_iter"] is None and result["classes"] == []


@pytest.mark.parametrize("scenario", ["refit", "recalibration"])
def test_sigint_in_a_refit_restores_the_previous_model(interrupt_results, scenario):
    result = interrupt_results[scenario]
    assert result["raised"]
    assert result["after"] == result["before"]  # classes, counters and predictions


def test_sigint_in_a_warm_start_keeps_the_completed_epochs(interrupt_results):
    result = interrupt_results["warm_start"]
    assert result["raised"]
    before, after, resumed = result["before"], result["after"], result["resumed"]
    assert after["n_iter"] == before["n_iter"] + 2 == after["curve"] == after["history"]
    assert after["t"] == before["t"] * after["n_iter"] // before["n_iter"]
    assert resumed["n_iter"] == after["n_iter"] + 5 == resumed["curve"] == resumed["history"]


def test_sigint_in_partial_fit_rolls_the_call_back(interrupt_results):
    result = interrupt_results["partial_fit"]
    assert result["raised"]
    assert result["after"] == result["before"]


def test_sigint_stops_a_grid_search(interrupt_results):
    assert interrupt_results["grid_search"]["raised"]


# ------------------------------------------------- failures mid-training
def test_a_failed_partial_fit_rolls_back_weights_and_counters(digits):
    X, y = digits
    est = MLPClassifier(**FAST)
    for _ in range(3):
        est.partial_fit(X, y, classes=np.arange(10))
    proba = est.predict_proba(X)
    state = (est.n_iter_, est.t_, list(est.loss_curve_), len(est.history_))
    with pytest.raises(NonFiniteLossError):
        est.partial_fit(np.full_like(X, 3e38), y)
    assert (est.n_iter_, est.t_, list(est.loss_curve_), len(est.history_)) == state
    np.testing.assert_array_equal(est.predict_proba(X), proba)
    est.partial_fit(X, y)
    assert est.n_iter_ == len(est.loss_curve_) == len(est.history_) == 4


def test_a_failed_warm_start_rolls_back_the_schedule_and_early_stopping(digits):
    X, y = digits
    est = MLPClassifier(
        max_iter=4, warm_start=True, early_stopping=True, learning_rate="invscaling", **FAST
    ).fit(X, y)
    monitor = est._monitor
    carried = monitor.carried_state()
    rates = [group["lr"] for group in est.net_.optimizer_.param_groups]
    proba = est.predict_proba(X)
    with pytest.raises(NonFiniteLossError):
        est.fit(np.full_like(X, 3e38), y)
    assert est._monitor.carried_state() == carried
    assert [group["lr"] for group in est.net_.optimizer_.param_groups] == rates
    np.testing.assert_array_equal(est.predict_proba(X), proba)


# ------------------------------------------------------------------ threads
def test_prediction_never_runs_in_training_mode_while_another_thread_trains(digits):
    X, y = digits
    est = MLPClassifier(hidden_layer_sizes=(64,), dropout=0.5, random_state=0, device="cpu")
    est.partial_fit(X, y, classes=np.arange(10))
    modes = []
    main = threading.get_ident()

    def record_mode(module, inputs, output):
        if threading.get_ident() == main:
            modes.append(module.training)

    est.module_.register_forward_hook(record_mode)
    stop = threading.Event()

    def train():
        while not stop.is_set():
            est.partial_fit(X, y)

    trainer = threading.Thread(target=train)
    trainer.start()
    try:
        reference = None
        for _ in range(40):
            proba = est.predict_proba(X[:20])
            assert np.isfinite(proba).all()
            reference = proba if reference is None else reference
    finally:
        stop.set()
        trainer.join()
    assert modes and not any(modes)


def test_model_lock_lets_the_training_thread_predict():
    from sknets._training import ModelLock

    lock = ModelLock()
    with lock.writing(), lock.reading():
        pass
    with lock.reading(), lock.reading():
        pass


# -------------------------------------------------------------- bad values
@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), "2"])
def test_bad_class_weights_are_refused_before_training(digits, bad):
    X, y = digits
    est = MLPClassifier(class_weight={0: bad, 1: 2.0}, **FAST)
    with pytest.raises(ValueError, match="class_weight must map classes to finite"):
        est.fit(X, y % 2)
    assert not hasattr(est, "net_")


@pytest.mark.parametrize(
    "estimator",
    [
        MLPClassifier(**FAST),
        CNNRegressor(filters=(4,), random_state=0, device="cpu"),
        ResNetClassifier(filters=(4,), n_blocks=(1,), random_state=0, device="cpu"),
    ],
    ids=lambda est: type(est).__name__,
)
def test_a_fit_that_does_not_learn_warns(estimator):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4)) * 1e30
    y = np.arange(60) % 2
    with pytest.warns(ConvergenceWarning, match="did not learn"):
        estimator.set_params(max_iter=5).fit(X, y)


@pytest.mark.parametrize("cls", [TransformerClassifier, TransformerRegressor])
def test_an_input_that_overflows_the_network_is_refused_at_predict(cls):
    # 1e30 is finite, but attention's softmax of it is NaN: no silent NaN predictions.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 1, 12)).astype(np.float32)
    small = {"d_model": 8, "n_heads": 2, "n_layers": 1, "dim_feedforward": 16}
    estimator = cls(**small, max_iter=2, random_state=0, device="cpu").fit(X, np.arange(30) % 2)
    huge = X.copy()
    huge[3, 0, 4] = 1e30
    methods = ["predict", "predict_proba"] if cls is TransformerClassifier else ["predict"]
    refused = r"non-finite outputs for 1 row\(s\) of X \(rows \[3\]"
    for method in methods:
        with pytest.raises(ValueError, match=refused):
            getattr(estimator, method)(huge)
    assert np.isfinite(estimator.predict(X)).all()


def test_a_fit_that_learns_does_not_warn_it_did_not(digits):
    X, y = digits
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        MLPClassifier(max_iter=5, **FAST).fit(X, y)
    assert not [w for w in caught if "did not learn" in str(w.message)]


def test_channels_last_images_get_a_message_about_the_layout():
    rng = np.random.default_rng(0)
    X = rng.random((20, 3, 6, 6), dtype=np.float32)
    y = np.arange(20) % 2
    est = CNNClassifier(filters=(4,), max_iter=1, random_state=0, device="cpu").fit(X, y)
    channels_last = X.transpose(0, 2, 3, 1)
    with pytest.raises(ValueError, match=r"fitted on samples of shape \(3, 6, 6\)") as error:
        est.predict(channels_last)
    message = str(error.value)
    assert "(n_samples, channels, height, width) = (n_samples, 3, 6, 6)" in message
    assert "(20, 6, 6, 3)" in message and "transpose(0, 3, 1, 2)" in message
    with pytest.raises(ValueError, match="channels first"):
        est.partial_fit(channels_last, y)


def test_mixed_type_labels_are_refused_clearly(digits):
    X, y = digits
    labels = np.array([1 if v % 2 else "odd" for v in y], dtype=object)
    with pytest.raises(ValueError, match=r"mixes labels of different types \(number, str\)"):
        MLPClassifier(**FAST).fit(X, labels)


@pytest.mark.parametrize("bad", [np.array([0.0, np.nan, 1.0]), np.array([0, None, 1], object)])
def test_missing_labels_are_refused(digits, bad):
    X, _ = digits
    y = np.resize(bad, X.shape[0])
    with pytest.raises(ValueError, match="y contains"):
        MLPClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="classes contains"):
        MLPClassifier(**FAST).partial_fit(X, np.arange(X.shape[0]) % 2, classes=bad)


def test_partial_fit_takes_classes_as_a_set(digits):
    X, y = digits
    est = MLPClassifier(**FAST).partial_fit(X, y % 2, classes={1, 0})
    np.testing.assert_array_equal(est.classes_, [0, 1])
    assert est.predict_proba(X).shape == (X.shape[0], 2)


def test_early_stopping_without_a_validation_share_names_validation_fraction(digits):
    X, y = digits
    with pytest.raises(ValueError, match="validation_fraction must be above 0"):
        MLPClassifier(early_stopping=True, validation_fraction=0.0, **FAST).fit(X, y)


def test_resnet_with_negative_class_weights_refused(digits):
    X, y = digits
    est = ResNetClassifier(class_weight={0: -1.0, 1: 2.0}, max_iter=1, device="cpu")
    with pytest.raises(ValueError, match="class_weight"):
        est.fit(X.reshape(-1, 1, 8, 8), y % 2)


def _contract_sparse_estimators():
    """The estimators the contract page says take sparse X (its bold list)."""
    contract = (Path(__file__).resolve().parents[1] / "docs" / "contract.rst").read_text()
    section = contract.split(".. _contract-sparse:")[1].split("\n\n")[1]
    listed = re.search(r"\*\*(.+?)\*\*", section, flags=re.S).group(1)
    return {name.strip() for name in listed.replace("\n", " ").split(",")}


@pytest.mark.parametrize(
    "name, cls",
    # Estimators of texts (strings in) have no sparse matrix to take or refuse.
    [(n, c) for n, c in all_estimators() if c().__sklearn_tags__().input_tags.two_d_array],
)
def test_sparse_input_is_taken_or_refused_as_the_contract_says(name, cls):
    X = sp.random(30, 6, density=0.5, format="csr", random_state=0)
    y = (np.arange(30) % 2).astype(float if "Regressor" in name else int)
    params = {**cls._get_test_params(), "max_iter": 1}
    params.pop("numeric_transform", None)  # at its default, as the contract page says
    estimator = cls(**params, device="cpu")
    if name in _contract_sparse_estimators():
        estimator.fit(X, y)
        assert estimator.n_features_in_ == 6
    else:
        with pytest.raises(TypeError, match="dense data is required"):
            estimator.fit(X, y)


def test_graph_predictions_during_partial_fit_match_a_sequential_state():
    from sknets import GNNRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 4)).astype(np.float32)
    y = X @ [1.0, -1.0, 0.5, 0.0]
    X_new = rng.normal(size=(10, 4)).astype(np.float32)
    est = GNNRegressor(hidden_layer_sizes=(16,), random_state=0, device="cpu")
    est.partial_fit(X, y)
    states = [est.predict(X_new)]
    stop = threading.Event()

    def train():
        for step in range(60):
            if stop.is_set():
                break
            # Training graphs of other sizes: the new nodes' outputs move in the output.
            rows = 60 + 10 * (step % 3)
            est.partial_fit(X[:rows], y[:rows])
            states.append(est.predict(X_new))  # this thread's own, sequential state

    trainer = threading.Thread(target=train)
    seen = []
    trainer.start()
    try:
        while trainer.is_alive() and len(seen) < 200:
            seen.append(est.predict(X_new))
    finally:
        stop.set()
        trainer.join()
    assert seen
    for prediction in seen:
        assert any(np.allclose(prediction, state, rtol=0, atol=1e-6) for state in states)


def _seeded_draws():
    """Fitted small generators and a seeded call of each that draws."""
    from sknets import DiffusionGenerator, GANGenerator, GPTGenerator, RBMTransformer, VAEGenerator

    rng = np.random.default_rng(0)
    rows = rng.normal(size=(40, 3)).astype(np.float32)
    binary = (rows > 0).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = {
            cls: cls(**cls._get_test_params(), device="cpu").fit(data)
            for cls, data in [
                (GANGenerator, rows),
                (DiffusionGenerator, rows),
                (VAEGenerator, rows),
                (RBMTransformer, binary),
                (GPTGenerator, ["to be or not to be", "that is the question"]),
            ]
        }
    return {
        "GAN sample": lambda: fitted[GANGenerator].sample(6, random_state=0),
        "diffusion sample": lambda: fitted[DiffusionGenerator].sample(6, random_state=0),
        "VAE sample": lambda: fitted[VAEGenerator].sample(6, random_state=0),
        "RBM gibbs": lambda: fitted[RBMTransformer].gibbs(binary[:6], random_state=0),
        "GPT generate": lambda: fitted[GPTGenerator].generate("to", 12, random_state=0),
        "GPT sample": lambda: fitted[GPTGenerator].sample(3, random_state=0),
    }


def test_seeded_draws_are_reproducible_while_other_threads_draw():
    draws = _seeded_draws()
    reference = {name: np.asarray(draw()) for name, draw in draws.items()}
    global_state = torch.random.get_rng_state()
    stop = threading.Event()

    def draw_from_the_global_generator():
        while not stop.is_set():
            torch.randn(64)

    results, errors = [], []

    def draw_seeded():
        try:
            for _ in range(3):
                results.extend((name, np.asarray(draw())) for name, draw in draws.items())
        except Exception as error:  # noqa: BLE001 -- reported below
            errors.append(error)

    noisy = threading.Thread(target=draw_from_the_global_generator)
    workers = [threading.Thread(target=draw_seeded) for _ in range(3)]
    noisy.start()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stop.set()
    noisy.join()
    assert not errors
    for name, result in results:
        np.testing.assert_array_equal(result, reference[name], err_msg=name)
    torch.random.set_rng_state(global_state)
