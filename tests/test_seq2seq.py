"""Seq2SeqRegressor and Seq2SeqNetwork: targets, teacher forcing, padding, learning."""

import functools
import pickle
import warnings

import numpy as np
import pytest
import torch
from conftest import assert_unfitted
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from sknets import Seq2SeqRegressor
from sknets._seq2seq import TeacherForcingNet
from sknets.networks import Seq2SeqNetwork


def tiny(device, **params):
    settings = {
        "hidden_size": 8,
        "max_iter": 2,
        "learning_rate_init": 0.01,
        "random_state": 0,
        "device": device,
    }
    return Seq2SeqRegressor(**{**settings, **params})


def windows(n_windows=120, channels=1, length=12, horizon=4, period=8, noise=0.1, seed=0):
    """Windows of a noisy seasonal series (channels phase-shifted) and the steps after them."""
    rng = np.random.RandomState(seed)
    t = np.arange(n_windows + length + horizon)
    phases = np.arange(channels)[:, None]
    series = np.sin(2 * np.pi * (t + phases) / period) + noise * rng.normal(size=(channels, t.size))
    X = np.stack([series[:, s : s + length] for s in range(n_windows)]).astype(np.float32)
    y = np.stack([series[:, s + length : s + length + horizon].T for s in range(n_windows)])
    return X, y.astype(np.float32)  # (n, channels, length), (n, horizon, channels)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


# ----------------------------------------------------------------- targets
def test_three_d_targets_round_trip(device):
    X, y = windows(n_windows=40, channels=2, horizon=3)
    reg = tiny(device).fit(X, y)
    assert (reg.horizon_, reg.n_target_channels_, reg.n_outputs_) == (3, 2, 6)
    assert reg.input_shape_ == (2, 12)
    prediction = reg.predict(X)
    assert prediction.shape == (40, 3, 2) and prediction.dtype == np.float64
    # Step-major flattening: the network's output reshaped is predict's answer.
    module_output = reg.module_(torch.as_tensor(X, device=reg.device_))
    np.testing.assert_allclose(
        prediction, module_output.detach().cpu().numpy().reshape(40, 3, 2), rtol=1e-5, atol=1e-6
    )
    assert reg.module_.start_from_input  # two target channels, like X
    assert isinstance(reg.score(X, y), float)


@pytest.mark.parametrize(
    "shape, expected",
    [((40,), (40,)), ((40, 1), (40, 1)), ((40, 5), (40, 5)), ((40, 5, 1), (40, 5, 1))],
)
def test_predict_returns_the_layout_of_y(device, shape, expected):
    X, _ = windows(n_windows=40)
    y = np.random.RandomState(0).normal(size=shape)
    reg = tiny(device).fit(X, y)
    assert reg.predict(X).shape == expected
    assert reg.horizon_ == (shape[1] if len(shape) > 1 else 1)
    assert reg.n_target_channels_ == 1


def test_target_channels_other_than_x_use_a_learned_start(device):
    X, y = windows(n_windows=40, channels=3, horizon=2)
    reg = tiny(device).fit(X, y[:, :, :1])  # one of three channels forecast
    assert not reg.module_.start_from_input
    assert reg.module_.start.shape == (1,)
    assert reg.predict(X).shape == (40, 2, 1)


def test_bad_targets_are_refused_before_training(device, training_spy):
    X, y = windows(n_windows=20, channels=1, horizon=3)
    reg = tiny(device)
    with pytest.raises(ValueError, match=r"got a 4-D array of shape \(20, 3, 1, 1\)"):
        reg.fit(X, y[..., None])
    with pytest.raises(ValueError, match="Input y contains NaN"):
        reg.fit(X, np.where(y > 0.9, np.nan, y))
    assert training_spy.calls == 0
    assert_unfitted(reg)


@pytest.mark.parametrize("method", ["warm_start", "partial_fit"])
def test_continued_fit_refuses_another_target_layout(device, method):
    X, y = windows(n_windows=20, horizon=4)  # y (20, 4, 1)
    reg = tiny(device, warm_start=method == "warm_start").fit(X, y[:, :, 0])
    before = reg.predict(X)
    continue_fit = reg.fit if method == "warm_start" else reg.partial_fit
    with pytest.raises(ValueError, match=r"\(n_samples, 3\) does not match .* horizon 4"):
        continue_fit(X, y[:, :3, 0])
    # Same number of values (4), but one step of 4 channels: refused too.
    with pytest.raises(ValueError, match=r"\(n_samples, 1, 4\) does not match"):
        continue_fit(X, y.reshape(20, 1, 4))
    np.testing.assert_array_equal(reg.predict(X), before)
    continue_fit(X, y)  # (n, 4, 1): the same horizon and channel
    assert reg.predict(X).shape == (20, 4)  # the layout of the first fit


def test_teacher_forcing_ratio_is_checked():
    X, y = windows(n_windows=20)
    with pytest.raises(InvalidParameterError, match="teacher_forcing_ratio"):
        Seq2SeqRegressor(teacher_forcing_ratio=1.5).fit(X, y)


# ---------------------------------------------------------- teacher forcing
def test_network_decodes_from_targets_or_its_own_forecasts(seeded):
    net = Seq2SeqNetwork(in_channels=1, horizon=5, hidden_size=8).eval()
    x, targets = torch.randn(4, 1, 10), torch.randn(4, 5)
    free = net(x)
    forced = net(x, targets=targets)
    # Step 0 sees the same input; later steps are fed the targets instead.
    torch.testing.assert_close(forced[:, 0], free[:, 0])
    assert not torch.allclose(forced[:, 1:], free[:, 1:])
    torch.testing.assert_close(net(x, targets=targets, teacher_forcing_ratio=0.0), free)
    # Feeding its own forecasts as "targets" is autoregressive decoding.
    torch.testing.assert_close(net(x, targets=free), free)
    mixed = net(x, targets=targets, teacher_forcing_ratio=0.5)
    assert mixed.shape == (4, 5) and torch.isfinite(mixed).all()


def test_training_steps_pass_the_targets_and_validation_does_not(device):
    X, y = windows(n_windows=60, horizon=3)
    calls = []

    def record(module, args, kwargs):
        calls.append((module.training, kwargs.get("targets"), kwargs.get("teacher_forcing_ratio")))

    reg = tiny(device, early_stopping=True, validation_fraction=0.2, teacher_forcing_ratio=0.7)
    original = Seq2SeqNetwork.__init__

    @functools.wraps(original)
    def init(self, **kwargs):
        original(self, **kwargs)
        self.register_forward_pre_hook(record, with_kwargs=True)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Seq2SeqNetwork, "__init__", init)
        reg.fit(X, y)
    assert reg._net_class is TeacherForcingNet
    training = [call for call in calls if call[0]]
    assert training and all(
        targets is not None and targets.shape[1] == 3 and ratio == 0.7
        for _, targets, ratio in training
    )
    evaluation = [call for call in calls if not call[0]]
    assert evaluation and all(targets is None for _, targets, _ in evaluation)


def test_lbfgs_trains_with_full_teacher_forcing_only(device):
    X, y = windows(n_windows=30, horizon=2)
    reg = tiny(device, solver="lbfgs", max_iter=5).fit(X, y)
    assert reg.n_iter_ >= 1 and np.isfinite(reg.predict(X)).all()
    with pytest.raises(ValueError, match="teacher_forcing_ratio=0.5"):
        tiny(device, solver="lbfgs", teacher_forcing_ratio=0.5).fit(X, y)


# ------------------------------------------------------------------ padding
def test_trailing_nan_padding_does_not_change_the_forecast(device):
    X, y = windows(n_windows=40, length=12, horizon=3)
    X_train = np.concatenate([X, np.full((40, 1, 4), np.nan, np.float32)], axis=2)
    X_train[::2] = windows(n_windows=40, length=16, horizon=3)[0][::2]  # some unpadded
    reg = tiny(device, max_iter=3).fit(X_train, y)
    padded = X_train[1::2][:5]  # 12 real steps, 4 of NaN padding
    forecast = reg.predict(padded)
    with torch.no_grad():
        trimmed = reg.module_(torch.as_tensor(padded[:, :, :12], device=reg.device_))
    np.testing.assert_allclose(forecast, trimmed.cpu().numpy().reshape(5, 3, 1), atol=1e-5)
    # Padded rows predicted together with full rows give the same forecasts.
    np.testing.assert_allclose(reg.predict(X_train)[1::2][:5], forecast, atol=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_network_ignores_padding_in_mixed_batches(cell, seeded):
    net = Seq2SeqNetwork(
        in_channels=2, horizon=4, n_target_channels=2, cell=cell, hidden_size=8, n_layers=2
    ).eval()
    x = torch.randn(3, 2, 10)
    padded = x.clone()
    padded[1, :, 6:] = float("nan")
    with torch.no_grad():
        torch.testing.assert_close(net(padded)[1], net(x[1:2, :, :6])[0])
        torch.testing.assert_close(net(padded)[[0, 2]], net(x[[0, 2]]))
        _, weights = net(padded, return_attention=True)
    assert weights.shape == (3, 4, 10)
    assert (weights[1, :, 6:] == 0).all()
    torch.testing.assert_close(weights.sum(-1), torch.ones(3, 4))


def test_network_gradients_reach_every_parameter(seeded):
    net = Seq2SeqNetwork(in_channels=3, horizon=3, n_target_channels=1, hidden_size=8)
    out = net(torch.randn(5, 3, 7), targets=torch.randn(5, 3))
    (out * torch.randn_like(out)).sum().backward()
    for name, parameter in net.named_parameters():
        assert parameter.grad is not None and torch.isfinite(parameter.grad).all(), name
        assert parameter.grad.abs().sum() > 0, name


# ----------------------------------------------------------------- learning
def test_learns_a_noisy_sine_beyond_the_naive_forecast(device):
    X, y = windows(n_windows=400, length=24, horizon=6, period=12, noise=0.1)
    train, test = slice(0, 320), slice(320, None)  # chronological
    y = y[:, :, 0]  # (n, horizon): one channel
    reg = tiny(device, hidden_size=16, max_iter=25).fit(X[train], y[train])
    rmse = np.sqrt(np.mean((reg.predict(X[test]) - y[test]) ** 2))
    naive = np.sqrt(np.mean((X[test, 0, -1:] - y[test]) ** 2))
    assert rmse < 0.25 * naive, (rmse, naive)  # 0.13 against 1.10
    assert rmse < 0.2, rmse  # the noise floor is 0.1


def test_poisson_loss_feeds_the_decoder_means_not_log_means(device):
    X, y = windows(n_windows=40, horizon=3)
    counts_X = np.round(3 * (X + 1.5)).clip(0)  # counts around 4
    counts_y = np.round(3 * (y[:, :, 0] + 1.5)).clip(0)
    reg = tiny(device, loss="poisson").fit(counts_X, counts_y)
    assert reg.module_.log_outputs and (reg.predict(counts_X) > 0).all()
    net = Seq2SeqNetwork(in_channels=1, horizon=3, hidden_size=8, log_outputs=True).eval()
    x = torch.as_tensor(counts_X[:4])
    log_means = net(x)
    # Teacher forcing with the exponential of its own outputs is its free decoding.
    torch.testing.assert_close(net(x, targets=torch.exp(log_means)), log_means)


def test_pickle_round_trip_predicts_identically(device):
    X, y = windows(n_windows=30, horizon=2)
    reg = tiny(device).fit(X, y)
    restored = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(restored.predict(X), reg.predict(X))
    assert (restored.horizon_, restored.n_target_channels_) == (2, 1)


def test_same_seed_same_forecasts_and_float64():
    # Bit-for-bit refits are promised on a CPU, scheduled sampling's draws included.
    X, y = windows(n_windows=30, horizon=2)
    first = tiny("cpu", teacher_forcing_ratio=0.5).fit(X, y).predict(X)
    again = tiny("cpu", teacher_forcing_ratio=0.5).fit(X, y).predict(X)
    np.testing.assert_array_equal(again, first)
    reg = tiny("cpu", dtype="float64").fit(X, y)
    assert reg.module_.head.weight.dtype == torch.float64
