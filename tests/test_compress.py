"""Pruning and quantisation of fitted estimators (sknets.compress)."""

import pickle
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sknets import (
    CNNClassifier,
    GANGenerator,
    LSTMClassifier,
    MLPClassifier,
    MLPRegressor,
    TransformerClassifier,
    TransformerRegressor,
)
from sknets._compression import compressed_state, rebuild_compressed
from sknets.base import DataSpec
from sknets.compress import prune, quantize


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    rng = np.random.RandomState(0)
    order = rng.permutation(len(y))
    train, test = order[:1200], order[1200:]
    return X[train], y[train], X[test], y[test]


@pytest.fixture(scope="module")
def wide_mlp(digits):
    X, y, _, _ = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPClassifier(hidden_layer_sizes=(256, 256), max_iter=15, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def cnn(digits):
    X, y, _, _ = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return CNNClassifier(
            input_shape=(1, 8, 8), filters=(8, 16), max_iter=4, random_state=0
        ).fit(X, y)


@pytest.fixture(scope="module")
def lstm(digits):
    X, y, _, _ = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LSTMClassifier(hidden_size=32, max_iter=8, random_state=0).fit(
            X.reshape(-1, 8, 8), y
        )


def _state_dict_copy(estimator):
    return {key: value.clone() for key, value in estimator.module_.state_dict().items()}


def _pruned_weights(estimator):
    return torch.cat(
        [
            layer.weight.detach().ravel()
            for layer in estimator.module_.modules()
            if isinstance(layer, torch.nn.Linear | torch.nn.Conv2d)
        ]
    )


def test_quantized_mlp_is_small_accurate_and_input_unchanged(digits, wide_mlp):
    _, _, X_test, y_test = digits
    before = _state_dict_copy(wide_mlp)
    small = quantize(wide_mlp)
    assert type(small) is MLPClassifier
    assert small.compression_ == {
        "method": "quantize",
        "dtype": "qint8",
        "scheme": "dynamic",
        "layers": ["features.0", "features.2", "head"],
        "float_layers": [],
    }
    assert len(pickle.dumps(small)) < 0.4 * len(pickle.dumps(wide_mlp))
    assert small.score(X_test, y_test) >= wide_mlp.score(X_test, y_test) - 0.03
    assert small.predict_proba(X_test).shape == (len(y_test), 10)
    after = wide_mlp.module_.state_dict()
    assert all(torch.equal(before[key], after[key]) for key in before)
    assert not hasattr(wide_mlp, "compression_")


def test_pruned_mlp_zeros_accuracy_and_input_unchanged(digits, wide_mlp):
    _, _, X_test, y_test = digits
    before = _state_dict_copy(wide_mlp)
    half = prune(wide_mlp, amount=0.5)
    assert half.score(X_test, y_test) >= wide_mlp.score(X_test, y_test) - 0.03
    heavy = prune(wide_mlp, amount=0.9)
    assert heavy.compression_ == {"method": "prune", "amount": 0.9, "structured": False}
    assert (_pruned_weights(heavy) == 0).float().mean() >= 0.9
    assert (_pruned_weights(wide_mlp) == 0).float().mean() < 0.01
    after = wide_mlp.module_.state_dict()
    assert set(after) == set(before)
    assert all(torch.equal(before[key], after[key]) for key in before)


def test_fine_tuning_after_pruning_keeps_zeros_and_recovers(digits, wide_mlp):
    X, y, X_test, y_test = digits
    heavy = prune(wide_mlp, amount=0.9)
    zeros = _pruned_weights(heavy) == 0
    pruned_score = heavy.score(X_test, y_test)
    heavy.set_params(warm_start=True, max_iter=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        heavy.fit(X, y)
    assert heavy.n_iter_ == wide_mlp.n_iter_ + 10
    assert heavy.score(X_test, y_test) > pruned_score
    assert heavy.score(X_test, y_test) >= wide_mlp.score(X_test, y_test) - 0.03
    assert torch.equal(_pruned_weights(heavy) == 0, zeros)
    heavy.partial_fit(X[:200], y[:200])
    assert torch.equal(_pruned_weights(heavy) == 0, zeros)
    assert heavy.compression_["method"] == "prune"


def test_fine_tuning_after_quantization_trains_in_float_and_stays_int8(digits, wide_mlp):
    X, y, X_test, y_test = digits
    small = quantize(wide_mlp)
    first_layer = small.module_.features[0].weight().int_repr().clone()
    small.set_params(warm_start=True, max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        small.fit(X, y)
    assert small.n_iter_ == wide_mlp.n_iter_ + 2
    assert small.module_.features[0].weight().dtype == torch.qint8
    assert not torch.equal(small.module_.features[0].weight().int_repr(), first_layer)
    assert small.score(X_test, y_test) >= wide_mlp.score(X_test, y_test) - 0.03
    small.partial_fit(X[:100], y[:100])
    assert small.module_.head.weight().dtype == torch.qint8
    # A fit from scratch builds a new float network.
    small.set_params(warm_start=False, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        small.fit(X, y)
    assert not hasattr(small, "compression_")
    assert small.module_.head.weight.dtype == torch.float32


def test_failed_continued_fit_leaves_quantized_model_unchanged(digits, wide_mlp):
    _, _, X_test, _ = digits
    small = quantize(wide_mlp).set_params(warm_start=True)
    expected = small.predict_proba(X_test)
    with pytest.raises(ValueError, match="features"):
        small.fit(X_test[:, :10], np.arange(len(X_test)) % 10)
    np.testing.assert_array_equal(small.predict_proba(X_test), expected)


def test_cnn_quantization_warns_and_keeps_convolutions_float(digits, cnn):
    _, _, X_test, y_test = digits
    with pytest.warns(UserWarning, match=r"convolutions .* float32"):
        small = quantize(cnn)
    assert small.compression_["float_layers"] == ["conv.0", "conv.4"]
    assert small.compression_["layers"] == ["dense.0", "head"]
    assert small.score(X_test, y_test) >= cnn.score(X_test, y_test) - 0.05
    pruned = prune(cnn, amount=0.5, structured=True)
    conv = pruned.module_.conv[0].weight.detach()
    silent_channels = (conv.abs().sum(dim=(1, 2, 3)) == 0).sum().item()
    assert silent_channels == 4  # half of the 8 filters
    assert (pruned.module_.head.weight != 0).all()
    assert pruned.score(X_test, y_test) > 0.3
    # The float convolutions and the de-quantised dense layers train together.
    conv_before = small.module_.conv[0].weight.detach().clone()
    small.partial_fit(X_test[:100], y_test[:100])
    assert not torch.equal(small.module_.conv[0].weight, conv_before)
    assert small.module_.head.weight().dtype == torch.qint8


def test_lstm_quantized_and_pruned(digits, lstm):
    _, _, X_test, y_test = digits
    sequences = X_test.reshape(-1, 8, 8)
    small = quantize(lstm)
    assert small.compression_["layers"] == ["rnn", "head"]
    assert small.score(sequences, y_test) >= lstm.score(sequences, y_test) - 0.05
    with pytest.raises(ValueError, match="use structured=False"):
        prune(lstm, structured=True)
    pruned = prune(lstm, amount=0.5)
    assert (pruned.module_.head.weight == 0).float().mean() >= 0.5
    assert pruned.predict(sequences).shape == y_test.shape


@pytest.mark.parametrize("cls", [TransformerClassifier, TransformerRegressor])
@pytest.mark.parametrize("tokens", [False, True], ids=["series", "token ids"])
def test_transformers_quantize_all_but_the_attention_output(cls, tokens):
    rng = np.random.default_rng(0)
    X = rng.integers(1, 9, (40, 6)) if tokens else rng.normal(size=(40, 1, 6)).astype(np.float32)
    small = {"d_model": 8, "n_heads": 2, "n_layers": 1, "dim_feedforward": 16}
    estimator = cls(**small, vocab_size=9 if tokens else None, max_iter=3, random_state=0)
    estimator.set_params(device="cpu").fit(X, np.arange(40) % 2)
    compressed = quantize(estimator)
    layers = compressed.compression_["layers"]
    assert {"encoder.layers.0.linear1", "encoder.layers.0.linear2", "head"} <= set(layers)
    # self_attn.out_proj stays float: nn.MultiheadAttention reads its weight itself
    assert not [name for name in layers if "out_proj" in name]
    predicted = compressed.predict(X)
    assert predicted.shape == (40,) and np.isfinite(predicted.astype(float)).all()
    restored = pickle.loads(pickle.dumps(compressed))
    np.testing.assert_array_equal(restored.predict(X), predicted)


@pytest.mark.parametrize("compress", [quantize, lambda est: prune(est, amount=0.7)])
def test_compressed_state_round_trips_through_plain_arrays(digits, wide_mlp, lstm, cnn, compress):
    _, _, X_test, _ = digits
    for estimator, rows in [
        (wide_mlp, X_test),
        (lstm, X_test.reshape(-1, 8, 8)),
        (cnn, X_test),
    ]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the CNN's convolutions stay float
            compressed = compress(estimator)
        state = compressed_state(compressed.module_)
        assert all(isinstance(value, np.ndarray) for value in state.values())
        spec, inputs = _spec_and_network_input(estimator, rows)
        fresh = estimator._build_module(spec)
        rebuilt = rebuild_compressed(fresh, compressed.compression_, state)
        with torch.inference_mode():
            expected = compressed.module_.eval()(inputs)
            assert torch.equal(rebuilt.eval()(inputs), expected)
    if compress is quantize:
        assert state["head.weight"].dtype == np.int8
        assert state["head.weight.scale"].dtype == np.float64


def _spec_and_network_input(estimator, X):
    """The DataSpec fit determined from rows like X, and X in the network's layout."""
    adapter = estimator._input(estimator)
    rows = adapter.validate_predict(X, dtype=np.float32)
    spec = DataSpec(**adapter.sizes(rows), n_outputs=estimator.n_outputs_)
    return spec, torch.from_numpy(rows)


def test_pickle_and_joblib_in_a_fresh_process(tmp_path, digits, wide_mlp):
    _, _, X_test, _ = digits
    for name, compressed in [("q", quantize(wide_mlp)), ("p", prune(wide_mlp, amount=0.5))]:
        path = tmp_path / f"{name}.joblib"
        joblib.dump(compressed, path)
        np.save(tmp_path / "X.npy", X_test)
        code = (
            "import joblib, numpy as np, pickle, sys;"
            f"est = joblib.load({str(path)!r});"
            f"X = np.load({str(tmp_path / 'X.npy')!r});"
            "again = pickle.loads(pickle.dumps(est));"
            "assert (again.predict_proba(X) == est.predict_proba(X)).all();"
            f"np.save({str(tmp_path / 'out.npy')!r}, est.predict_proba(X))"
        )
        subprocess.run([sys.executable, "-c", code], check=True)
        np.testing.assert_array_equal(
            np.load(tmp_path / "out.npy"), compressed.predict_proba(X_test)
        )


@pytest.mark.parametrize("amount", [0, 1, 1.5, -0.1, "half", True])
def test_bad_amount(wide_mlp, amount):
    with pytest.raises(ValueError, match="amount must be a float strictly between 0 and 1"):
        prune(wide_mlp, amount=amount)


def test_bad_estimators(digits, wide_mlp):
    X, y, _, _ = digits
    for compress in (quantize, prune):
        with pytest.raises(Exception, match="not fitted"):
            compress(MLPClassifier())
        with pytest.raises(TypeError, match="sknets estimator"):
            compress(object())
        with pytest.raises(ValueError, match="already compressed"):
            compress(prune(wide_mlp, amount=0.5))
    gan = GANGenerator(max_iter=1, random_state=0).fit(X[:50])
    with pytest.raises(ValueError, match="generator"):
        prune(gan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        wide = MLPRegressor(max_iter=1, dtype="float64", random_state=0).fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="float32"):
        quantize(wide)


def test_import_sknets_does_not_import_compress():
    code = "import sys, sknets; print('sknets.compress' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"]
