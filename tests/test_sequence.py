"""The sequence family: RNN/LSTM/GRU and transformer estimators, series and token input."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sknets import (
    CNNClassifier,
    GRUClassifier,
    GRURegressor,
    LSTMClassifier,
    LSTMRegressor,
    RNNClassifier,
    RNNRegressor,
    TextTokenizer,
    TransformerClassifier,
    TransformerRegressor,
)
from sknets.networks import RecurrentNetwork, TransformerEncoderNetwork

CLASSIFIERS = [RNNClassifier, LSTMClassifier, GRUClassifier, TransformerClassifier]
REGRESSORS = [RNNRegressor, LSTMRegressor, GRURegressor, TransformerRegressor]


def _small(cls, **params):
    size = (
        {"d_model": 16, "n_heads": 2, "n_layers": 1, "dim_feedforward": 32}
        if cls.__name__.startswith("Transformer")
        else {"hidden_size": 16}
    )
    settings = {"max_iter": 5, "random_state": 0, "device": "cpu", **size, **params}
    return cls(**settings)


def _fit_quietly(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


def _tokens(n=60, length=8, vocab_size=12, seed=0):
    """Token ids padded at the end; the label: whether token 2 occurs."""
    rng = np.random.RandomState(seed)
    lengths = rng.randint(2, length + 1, size=n)
    X = np.zeros((n, length), dtype=np.int64)
    for row, size in enumerate(lengths):
        X[row, :size] = rng.randint(2, vocab_size, size=size)
    return X, (X == 2).any(axis=1).astype(int)


def _padded_series(n=40, channels=2, length=12, seed=0):
    """Series of 5 to 12 steps, NaN-padded at the end, and their lengths."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, channels, length)).astype(np.float32)
    lengths = rng.randint(5, length + 1, size=n)
    for row, size in enumerate(lengths):
        X[row, :, size:] = np.nan
    y = np.nan_to_num(X[:, 0]).sum(axis=1) > 0
    return X, y.astype(int), lengths


# ------------------------------------------------------------------ masking
_POOLINGS = [(cls, pooling) for cls in CLASSIFIERS[:3] for pooling in ("last", "mean", "attention")]


@pytest.mark.parametrize(
    "cls, pooling", _POOLINGS + [(TransformerClassifier, "cls"), (TransformerClassifier, "mean")]
)
def test_appending_token_padding_changes_no_prediction(cls, pooling):
    recurrent = not cls.__name__.startswith("Transformer")
    X, y = _tokens()
    clf = _fit_quietly(
        _small(cls, vocab_size=12, pooling=pooling, dropout=0.0, bidirectional=True)
        if recurrent
        else _small(cls, vocab_size=12, pooling=pooling),
        X,
        y,
    )
    expected = clf.predict_proba(X)
    wider = np.hstack([X, np.zeros((len(X), 5), dtype=np.int64)])
    np.testing.assert_allclose(clf.predict_proba(wider), expected, rtol=1e-5, atol=1e-6)
    # Padding in front (Keras' pad_sequences default) is padding too.
    in_front = np.zeros_like(X)
    for row in range(len(X)):
        tokens = X[row][X[row] != 0]
        in_front[row, len(X[row]) - len(tokens) :] = tokens
    np.testing.assert_allclose(clf.predict_proba(in_front), expected, rtol=1e-5, atol=1e-6)
    # And a sequence alone gives what it gives in a batch of longer ones.
    alone = np.vstack(
        [clf.predict_proba(X[row : row + 1, : (X[row] != 0).sum()]) for row in (0, 1)]
    )
    np.testing.assert_allclose(alone, expected[:2], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_nan_padded_series_predict_as_the_trimmed_series(cls):
    X, y, lengths = _padded_series()
    clf = _fit_quietly(_small(cls), X, y)
    assert clf.input_shape_ == (2, 12)
    proba = clf.predict_proba(X)
    module = clf.module_.eval()
    with torch.no_grad():
        for row in np.flatnonzero(lengths < 12)[:5]:
            trimmed = torch.from_numpy(X[row : row + 1, :, : lengths[row]])
            positive = torch.sigmoid(module(trimmed)).item()  # binary: one logit
            expected = [1 - positive, positive]
            np.testing.assert_allclose(proba[row], expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "network",
    [
        lambda: RecurrentNetwork(n_outputs=2, in_channels=3, cell="gru", bidirectional=True),
        lambda: RecurrentNetwork(n_outputs=2, vocab_size=9, pooling="attention", n_layers=2),
        lambda: TransformerEncoderNetwork(n_outputs=2, in_channels=3, pooling="mean"),
        lambda: TransformerEncoderNetwork(n_outputs=2, vocab_size=9, d_model=8, n_heads=2),
    ],
)
def test_networks_forward_backward_finite_with_padding(network):
    torch.manual_seed(0)
    net = network()
    tokens = net.inputs.tokens
    x = torch.randint(1, 9, (4, 6)) if tokens else torch.randn(4, 3, 6)
    if tokens:
        x[1, 3:] = 0
        x[2] = 0  # a row of padding only
    else:
        x[1, :, 3:] = float("nan")
    out = net(x)
    assert out.shape == (4, 2) and torch.isfinite(out).all()
    out.square().sum().backward()
    for name, parameter in net.named_parameters():
        assert parameter.grad is not None and torch.isfinite(parameter.grad).all(), name


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "where, message",
    [
        ((slice(None), 3), "followed by values"),  # inside the series, every channel
        ((0, 5), "some channels but not all"),
    ],
)
def test_nan_that_is_not_trailing_padding_is_refused(where, message):
    X = np.random.RandomState(0).normal(size=(10, 2, 8))
    sample = X[0]
    sample[where] = np.nan
    before = X.copy()
    with pytest.raises(ValueError, match=message):
        LSTMClassifier(max_iter=1, device="cpu").fit(X, np.arange(10) % 2)
    np.testing.assert_array_equal(X, before)  # nothing the caller passed is changed


def test_an_all_nan_series_is_read_as_an_all_padding_token_row():
    # Both are empty: one step of zeros (the padding embedding, or a zero
    # step), the prediction the model makes from no data, finite.
    X = np.random.RandomState(0).normal(size=(10, 8))
    X[3] = np.nan
    clf = _fit_quietly(
        GRUClassifier(max_iter=2, random_state=0, device="cpu"), X, np.arange(10) % 2
    )
    zero_step = np.full((1, 8), np.nan)
    zero_step[0, 0] = 0.0
    np.testing.assert_allclose(clf.predict_proba(X[3:4]), clf.predict_proba(zero_step))
    tokens = np.random.RandomState(0).randint(1, 20, size=(10, 6))
    tokens[3] = 0
    text = _fit_quietly(
        GRUClassifier(vocab_size=20, max_iter=2, random_state=0, device="cpu"),
        tokens,
        np.arange(10) % 2,
    )
    assert np.isfinite(text.predict_proba(tokens[3:4])).all()
    assert np.isfinite(clf.predict_proba(X[3:4])).all()


def test_a_forecast_window_without_an_observed_step_and_infinity_are_refused():
    from sknets import Seq2SeqRegressor

    X = np.random.RandomState(0).normal(size=(10, 8))
    X[3] = np.nan
    with pytest.raises(ValueError, match="every time step of sample 3"):
        Seq2SeqRegressor(max_iter=1, device="cpu").fit(X, np.zeros(10))
    X[3] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        GRUClassifier(max_iter=1, device="cpu").fit(X, np.arange(10) % 2)


def test_predict_refuses_series_of_another_length_and_bad_nan():
    X, y, _ = _padded_series()
    clf = _fit_quietly(_small(LSTMClassifier, max_iter=1), X, y)
    with pytest.raises(ValueError, match=r"\(2, 12\)"):
        clf.predict(X[:, :, :10])
    inner = X[:3].copy()
    inner[0, :, 1] = np.nan
    inner[0, :, 2:] = 0
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(inner)


def test_token_ids_are_checked():
    X, y = _tokens()
    with pytest.raises(ValueError, match=r"vocab_size=5 allows ids in \[0, 4\]"):
        LSTMClassifier(vocab_size=5, max_iter=1, device="cpu").fit(X, y)
    with pytest.raises(ValueError, match="whole numbers"):
        LSTMClassifier(vocab_size=12, max_iter=1, device="cpu").fit(X + 0.5, y)
    with pytest.raises(InvalidParameterError, match="vocab_size"):
        LSTMClassifier(vocab_size=1, device="cpu").fit(X, y)


def test_transformer_heads_must_divide_d_model_before_training():
    with pytest.raises(ValueError, match="n_heads=3 must divide d_model=16"):
        TransformerClassifier(d_model=16, n_heads=3, device="cpu").fit(np.ones((4, 5)), [0, 1] * 2)


# ------------------------------------------------------------ architecture
def test_the_cell_is_a_parameter_of_rnn_and_fixed_elsewhere():
    X, y = _tokens()
    for cell, kind in [("rnn", torch.nn.RNN), ("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)]:
        clf = _fit_quietly(_small(RNNClassifier, cell=cell, vocab_size=12, max_iter=1), X, y)
        assert type(clf.module_.rnn) is kind
    assert "cell" not in LSTMClassifier().get_params()
    assert type(_fit_quietly(_small(GRURegressor, max_iter=1), X, y).module_.rnn) is torch.nn.GRU


def test_layers_directions_and_embedding_sizes_reach_the_network():
    X, y = _tokens()
    clf = _fit_quietly(
        _small(
            LSTMClassifier,
            vocab_size=12,
            embedding_dim=7,
            hidden_size=5,
            n_layers=2,
            bidirectional=True,
            max_iter=1,
        ),
        X,
        y,
    )
    rnn = clf.module_.rnn
    assert (rnn.input_size, rnn.hidden_size, rnn.num_layers, rnn.bidirectional) == (7, 5, 2, True)
    assert clf.module_.head.in_features == 10


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_learns_which_token_decides_the_label(cls):
    X, y = _tokens(n=200)
    params = {"learning_rate_init": 0.01, "max_iter": 40, "batch_size": 32, "vocab_size": 12}
    if cls.__name__.startswith("Transformer"):
        params["dropout"] = 0.0
    else:
        params["pooling"] = "attention"
    clf = _fit_quietly(_small(cls, **params), X, y)
    X_new, y_new = _tokens(n=200, seed=1)
    assert clf.score(X_new, y_new) >= 0.9


@pytest.mark.parametrize("cls", REGRESSORS)
def test_regressors_take_multichannel_series_and_several_targets(cls):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 3, 6)).astype(np.float32)
    y = np.stack([X[:, 0].mean(axis=1), X[:, 2, -1]], axis=1)
    reg = _fit_quietly(_small(cls), X, y)
    assert reg.predict(X).shape == (30, 2)
    assert reg.n_features_in_ == 3 and reg.input_shape_ == (3, 6)


def test_input_shape_lets_a_scaler_run_first_and_keeps_nan_padding():
    X, y, _ = _padded_series(channels=2, length=6)
    rows = X.reshape(len(X), -1)  # channel-major rows, as input_shape=(2, 6) reshapes them
    pipe = make_pipeline(StandardScaler(), _small(GRUClassifier, input_shape=(2, 6)))
    _fit_quietly(pipe, rows, y)  # StandardScaler passes the NaN padding through
    assert pipe[-1].input_shape_ == (2, 6)
    assert pipe.predict(rows).shape == (len(X),)


# ----------------------------------------------------- text in a pipeline
TEXTS = [
    "a fine film",
    "a dull film",
    "fine acting and a fine plot",
    "dull plot",
    "the plot was fine",
    "the acting was dull",
] * 8
LABELS = ["good", "bad", "good", "bad", "good", "bad"] * 8


def test_text_pipeline_in_grid_search_and_pickled():
    pipe = make_pipeline(
        TextTokenizer(), _small(LSTMClassifier, vocab_size=20, learning_rate_init=0.01)
    )
    search = GridSearchCV(
        pipe,
        {"lstmclassifier__pooling": ["last", "mean"], "texttokenizer__lowercase": [True]},
        cv=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(TEXTS, LABELS)
    assert set(search.best_params_) == {"lstmclassifier__pooling", "texttokenizer__lowercase"}
    best = search.best_estimator_
    assert best[-1].device_ == torch.device("cpu")
    restored = pickle.loads(pickle.dumps(best))
    np.testing.assert_array_equal(restored.predict_proba(TEXTS[:6]), best.predict_proba(TEXTS[:6]))


def test_char_level_text_into_a_transformer():
    tokenizer = TextTokenizer(level="char").fit(TEXTS)
    pipe = make_pipeline(
        TextTokenizer(level="char"),
        _small(TransformerClassifier, vocab_size=tokenizer.vocab_size_, dropout=0.0),
    )
    _fit_quietly(pipe, TEXTS, LABELS)
    assert set(pipe.predict(["what a fine film"])) <= {"good", "bad"}


@pytest.mark.parametrize(
    "cls, advice",
    [
        (LSTMClassifier, "pass a list of arrays, one \\(channels, length\\)"),
        (TransformerClassifier, "pass a list of arrays, one \\(channels, length\\)"),
        (CNNClassifier, "taken by the RNN, LSTM, GRU and transformer estimators"),
    ],
)
def test_ragged_series_get_a_message_that_says_how_to_pass_them(cls, advice, training_spy):
    # Channels of unequal lengths within a series: no padding can mean that.
    ragged = [[[1.0, 2.0, 3.0], [1.0]], [[1.0, 2.0], [3.0, 4.0]]]
    if cls is CNNClassifier:
        ragged = [[[1.0, 2.0, 3.0]], [[1.0, 2.0]]]  # a convolution takes one length
    with pytest.raises(ValueError, match=f"samples of different shapes.*{advice}"):
        cls(max_iter=1).fit(ragged, [0, 1])
    assert training_spy.calls == 0


def test_a_list_of_unequal_series_is_taken_as_the_nan_padded_array():
    # aeon's layout for unequal lengths: one (channels, length) array per series.
    rng = np.random.RandomState(0)
    series = [rng.normal(size=(2, length)) for length in rng.randint(4, 12, size=20)]
    labels = np.arange(20) % 2
    padded = np.full((20, 2, max(s.shape[1] for s in series)), np.nan)
    for index, one in enumerate(series):
        padded[index, :, : one.shape[1]] = one
    from_list = _fit_quietly(_small(LSTMClassifier, max_iter=3), series, labels)
    from_array = _fit_quietly(_small(LSTMClassifier, max_iter=3), padded, labels)
    np.testing.assert_array_equal(from_list.predict_proba(series), from_array.predict_proba(padded))
    # Predict pads a list to the fitted length; 1-D series are univariate.
    univariate = _fit_quietly(_small(LSTMClassifier, max_iter=1), [s[0] for s in series], labels)
    assert univariate.input_shape_ == (1, padded.shape[2])
    assert univariate.predict([series[0][0][:3]]).shape == (1,)
    with pytest.raises(ValueError, match="at most 11 steps; series 0 has 30"):
        from_list.predict([rng.normal(size=(2, 30))])
    with pytest.raises(ValueError, match="different numbers of channels"):
        from_list.predict([rng.normal(size=(2, 5)), rng.normal(size=(3, 5))])
