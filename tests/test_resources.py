"""Memory and threads: the sknets configuration, prediction batches sized to a
budget, and the intra-op thread count of fit and predict.

The memory tests keep their networks and data small: they assert on the
batch size chosen and on the estimate behind it, never on the process's
memory.
"""

import os
import pickle
import subprocess
import sys
import threading

import numpy as np
import pytest
import torch
from sklearn.base import clone

import sknets
from sknets import CNNClassifier, MLPClassifier, MLPRegressor, config_context, get_config
from sknets._batches import _ROW_BLOCK
from sknets._resources import (
    MIN_FLOPS_PER_THREAD_BATCH,
    MIN_FLOPS_PER_THREAD_PREDICT_BATCH,
    _recurrent_flops,
    choose_threads,
    intra_op_threads,
    predict_batch_rows,
    probe_forward,
)
from sknets._training import NeuralNetCore

MiB = 2**20


@pytest.fixture
def caller_threads():
    """The caller runs with 2 intra-op threads during the test (conftest pins 1)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(2)
    yield 2
    torch.set_num_threads(previous)


def _old_batch_rows(estimator, X):
    """The sizing before issue 11: about 2**22 input values per batch."""
    return max(estimator.net_.batch_size, (1 << 22) // int(np.prod(X.shape[1:])))


# ------------------------------------------------------------ configuration
def test_config_defaults_and_context():
    assert get_config() == {"working_memory": 256, "n_threads": None, "distributed": True}
    with config_context(working_memory=8, n_threads=1):
        assert get_config() == {"working_memory": 8, "n_threads": 1, "distributed": True}
        with config_context(n_threads=None):
            assert get_config() == {"working_memory": 8, "n_threads": None, "distributed": True}
        assert get_config()["n_threads"] == 1
    assert get_config() == {"working_memory": 256, "n_threads": None, "distributed": True}


def test_set_config_changes_only_what_is_given():
    try:
        sknets.set_config(n_threads=3)
        sknets.set_config(working_memory=32)
        assert get_config() == {"working_memory": 32, "n_threads": 3, "distributed": True}
        sknets.set_config(n_threads=None)  # back to automatic
        assert get_config() == {"working_memory": 32, "n_threads": None, "distributed": True}
    finally:
        sknets.set_config(working_memory=256, n_threads=None)


@pytest.mark.parametrize("value", [0, -1, 1.5, "2", True])
def test_invalid_n_threads_is_refused(value):
    with pytest.raises(ValueError, match="n_threads must be None .* or a positive int"):
        sknets.set_config(n_threads=value)
    assert get_config()["n_threads"] is None


@pytest.mark.parametrize("value", [0, -8, "64", float("inf"), float("nan")])
def test_invalid_working_memory_is_refused(value):
    with pytest.raises(ValueError, match="working_memory must be a"):
        sknets.set_config(working_memory=value)
    assert get_config()["working_memory"] == 256


def test_a_refused_setting_changes_nothing():
    with pytest.raises(ValueError):
        sknets.set_config(working_memory=64, n_threads=0)
    assert get_config() == {"working_memory": 256, "n_threads": None, "distributed": True}
    with pytest.raises(TypeError, match="unknown settings"):
        with config_context(workingmemory=1):
            pass


def test_config_is_thread_local():
    seen = {}

    def other_thread():
        seen["config"] = get_config()

    with config_context(working_memory=1):
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
    assert seen["config"]["working_memory"] == 256


@pytest.mark.parametrize(("text", "expected"), [("64", "64"), ("0.5", "0.5"), ("", "256")])
def test_working_memory_from_the_environment(text, expected):
    env = {**os.environ, "SKNETS_WORKING_MEMORY": text}
    code = "import sknets; print(sknets.get_config()['working_memory'])"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == expected


def test_invalid_working_memory_in_the_environment_is_named():
    env = {**os.environ, "SKNETS_WORKING_MEMORY": "lots"}
    result = subprocess.run(
        [sys.executable, "-c", "import sknets"], capture_output=True, text=True, env=env
    )
    assert result.returncode != 0
    assert "SKNETS_WORKING_MEMORY must be a positive number of MiB" in result.stderr


# ---------------------------------------------------------- prediction memory
@pytest.fixture(scope="module")
def wide_mlp():
    """A 2000-unit MLP, fitted for one epoch on 64 rows of 20 features."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 20)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    return MLPClassifier((2000,), max_iter=1, random_state=0, device="cpu").fit(X, y)


def test_wide_mlp_batches_stay_within_the_budget(wide_mlp):
    # Enough rows that the old rule would have run 209,715-row batches,
    # whose 2000-wide activations are 1.6 GB (over 100 MiB at 13,108 rows).
    X = np.zeros((2**18, 20), dtype=np.float32)  # 20 MiB of zeros, untouched
    old_rows = min(_old_batch_rows(wide_mlp, X), X.shape[0])
    assert old_rows * 2000 * 4 > 100 * MiB
    cost = wide_mlp._forward_cost(X)
    # The estimate sees the 2000-wide layer: input and output of the ReLU.
    assert cost.step_bytes >= 2 * 2000 * 4
    assert cost.input_bytes == 20 * 4
    assert cost.flops == 2 * (20 * 2000 + 2000 * 1)
    for budget in (256, 64, 1):
        with config_context(working_memory=budget):
            rows = wide_mlp._predict_batch_size(X)
        assert rows % _ROW_BLOCK == 0
        assert rows * cost.peak_bytes <= budget * MiB or rows == _ROW_BLOCK
    assert wide_mlp._predict_batch_size(X) < old_rows
    with config_context(working_memory=1e-3):
        assert wide_mlp._predict_batch_size(X) == _ROW_BLOCK  # never below one block


def test_wide_mlp_predictions_do_not_depend_on_the_budget(wide_mlp):
    X = np.random.default_rng(1).standard_normal((1000, 20)).astype(np.float32)
    default = wide_mlp.predict_proba(X)
    assert wide_mlp._predict_batch_size(X) >= X.shape[0]  # one batch by default
    with config_context(working_memory=0.5):
        assert wide_mlp._predict_batch_size(X) < X.shape[0] // 4
        small = wide_mlp.predict_proba(X)
    # Bit for bit: every batch is padded to whole row blocks.
    np.testing.assert_array_equal(small, default)


def test_cnn_batches_stay_within_the_budget_and_predictions_agree():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 64)).astype(np.float32)
    y = rng.integers(0, 3, 200)
    cnn = CNNClassifier(
        input_shape=(1, 8, 8), filters=(32,), max_iter=1, random_state=0, device="cpu"
    ).fit(X, y)
    X_net = cnn._validated_input(X)[0]
    cost = cnn._forward_cost(X_net)
    # 32 filters of 8x8 float32: the layer's output alone is 8 KiB per row.
    assert cost.step_bytes >= 32 * 8 * 8 * 4
    for budget in (256, 4):
        with config_context(working_memory=budget):
            rows = cnn._predict_batch_size(X_net)
        assert rows * cost.peak_bytes <= budget * MiB
    with config_context(working_memory=0.5):
        assert cnn._predict_batch_size(X_net) < X.shape[0]
        small = cnn.predict_proba(X)
    np.testing.assert_array_equal(small, cnn.predict_proba(X))


def test_forward_batches_fills_one_preallocated_output():
    X = np.random.default_rng(0).standard_normal((90, 3))
    y = X @ [1.0, -2.0, 0.5]
    reg = MLPRegressor((8,), max_iter=2, random_state=0, device="cpu").fit(X, y)
    whole = reg.net_.forward_batches(X.astype(np.float32), 1024, torch.device("cpu"))
    parts = reg.net_.forward_batches(X.astype(np.float32), 16, torch.device("cpu"))
    assert whole.shape == parts.shape == (90, 1)
    torch.testing.assert_close(whole, parts, rtol=0, atol=0)


def test_forward_costs_are_measured_per_fit_and_not_pickled(wide_mlp):
    X = np.zeros((32, 20), dtype=np.float32)
    est = MLPClassifier((4,), max_iter=1, random_state=0, device="cpu")
    est.fit(X[:16] + np.arange(16)[:, None], np.arange(16) % 2)
    narrow = est._forward_cost(X)
    est.set_params(hidden_layer_sizes=(64,)).fit(X[:16] + np.arange(16)[:, None], np.arange(16) % 2)
    assert est._forward_cost(X).step_bytes > narrow.step_bytes
    restored = pickle.loads(pickle.dumps(est))
    assert "_forward_costs" not in vars(restored)
    assert restored._forward_cost(X) == est._forward_cost(X)
    assert "_forward_costs" not in vars(clone(est))


def test_predict_batch_rows_is_a_multiple_of_the_row_block(wide_mlp):
    cost = wide_mlp._forward_cost(np.zeros((16, 20), dtype=np.float32))
    rows = predict_batch_rows(cost, working_memory=10)
    assert rows % _ROW_BLOCK == 0
    assert rows * cost.peak_bytes <= 10 * MiB < (rows + _ROW_BLOCK) * cost.peak_bytes


# ------------------------------------------------------------------ threads
def test_automatic_threads_follow_the_work_per_batch(caller_threads):
    cpu = torch.device("cpu")
    assert choose_threads(1e6, cpu) == 1
    assert choose_threads(MIN_FLOPS_PER_THREAD_BATCH * 10, cpu) == caller_threads
    # Never more than the caller's count, and GPUs are left alone.
    torch.set_num_threads(1)
    assert choose_threads(MIN_FLOPS_PER_THREAD_BATCH * 10, cpu) == 1
    assert choose_threads(1e6, torch.device("cuda")) is None
    with config_context(n_threads=1):
        assert choose_threads(1e12, cpu) == 1
    with config_context(n_threads=4):
        assert choose_threads(1e3, cpu) == 4
        assert choose_threads(1e3, torch.device("cuda")) is None


def test_fit_chooses_one_thread_for_a_tiny_batch_and_all_for_a_big_one(caller_threads):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1024, 100)).astype(np.float32)
    y = rng.integers(0, 2, 1024)
    tiny = MLPClassifier((8,), max_iter=1, random_state=0, device="cpu").fit(X[:64], y[:64])
    assert tiny._n_threads_fit == 1
    # 1024 rows x 100-256-256-1 x 3 passes: about 0.6 GFLOP per batch.
    big = MLPClassifier((256, 256), batch_size=1024, max_iter=1, random_state=0, device="cpu")
    assert big.fit(X, y)._n_threads_fit == caller_threads
    assert torch.get_num_threads() == caller_threads


def _spy_threads(monkeypatch, fail=False):
    seen = []
    original = NeuralNetCore.train_step_single

    def spy(self, batch, **fit_params):
        seen.append(torch.get_num_threads())
        if fail:
            raise RuntimeError("failure during training")
        return original(self, batch, **fit_params)

    monkeypatch.setattr(NeuralNetCore, "train_step_single", spy)
    return seen


def test_configured_threads_are_used_in_training_and_restored(monkeypatch, caller_threads):
    seen = _spy_threads(monkeypatch)
    X = np.random.default_rng(0).standard_normal((64, 4))
    y = (X[:, 0] > 0).astype(int)
    with config_context(n_threads=1):
        est = MLPClassifier((8,), max_iter=2, random_state=0, device="cpu").fit(X, y)
        est.predict(X)
    assert set(seen) == {1}
    assert torch.get_num_threads() == caller_threads
    seen.clear()
    with config_context(n_threads=3):
        est.fit(X, y)
    assert set(seen) == {3}
    assert torch.get_num_threads() == caller_threads


def test_the_callers_threads_are_restored_when_fit_raises(monkeypatch, caller_threads):
    seen = _spy_threads(monkeypatch, fail=True)
    X = np.random.default_rng(0).standard_normal((64, 4))
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(RuntimeError, match="failure during training"):
        MLPClassifier((8,), max_iter=2, device="cpu").fit(X, y)
    assert seen == [1]
    assert torch.get_num_threads() == caller_threads


def test_intra_op_threads_restores_on_keyboard_interrupt(caller_threads):
    with pytest.raises(KeyboardInterrupt):
        with intra_op_threads(1):
            assert torch.get_num_threads() == 1
            raise KeyboardInterrupt
    assert torch.get_num_threads() == caller_threads
    with intra_op_threads(None):
        assert torch.get_num_threads() == caller_threads


def test_predict_keeps_the_callers_threads(wide_mlp, caller_threads):
    X = np.zeros((3, 20), dtype=np.float32)
    wide_mlp.predict(X)
    assert torch.get_num_threads() == caller_threads
    # One block of rows of a 2000-unit layer is far below the threshold: one thread.
    flops = wide_mlp._forward_cost(X).flops * _ROW_BLOCK
    cpu = torch.device("cpu")
    assert choose_threads(flops, cpu, threshold=MIN_FLOPS_PER_THREAD_PREDICT_BATCH) == 1
    # A prediction batch of 20 MFLOP gains from a second thread; a training step not yet.
    assert choose_threads(2e7, cpu, threshold=MIN_FLOPS_PER_THREAD_PREDICT_BATCH) == (
        torch.get_num_threads()
    )
    assert choose_threads(2e7, cpu) == 1


def test_cpu_batches_stay_under_the_cpu_cap_whatever_the_budget(wide_mlp):
    from sknets._resources import CPU_BATCH_MIB

    X = np.zeros((10, 20), dtype=np.float32)
    cost = wide_mlp._forward_cost(X)
    with config_context(working_memory=4096):
        rows = wide_mlp._predict_batch_size(X)
    assert rows * cost.peak_bytes <= CPU_BATCH_MIB * MiB
    # Elsewhere (a GPU) the budget alone decides.
    assert predict_batch_rows(cost, 4096, device="cuda") > rows


@pytest.mark.parametrize(
    "layer, gates",
    [(torch.nn.LSTM, 4), (torch.nn.GRU, 3), (torch.nn.RNN, 1)],
)
def test_recurrent_layers_are_counted(layer, gates):
    # FlopCounterMode sees no FLOP in PyTorch's fused recurrent kernels.
    network = layer(3, 8, num_layers=2, bidirectional=True, batch_first=True).eval()
    rows = torch.randn(4, 10, 3)
    cost = probe_forward(lambda x: network(x)[0], rows, [network])
    per_step = gates * 8 * ((3 + 8) + (16 + 8)) * 2  # two layers, two directions
    assert cost.flops == pytest.approx(2 * 10 * per_step)
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        rows, torch.tensor([10, 5, 5, 5]), batch_first=True
    )
    # Packed sequences count their real steps only (10 + 3 x 5).
    assert _recurrent_flops(network, packed) == 2 * 25 * per_step
