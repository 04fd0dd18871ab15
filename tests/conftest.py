"""Shared test settings: the device switch, thread count and small datasets.

``SKNETS_TEST_DEVICE`` (default ``"cpu"``) is the device the tests train on,
so the same suite runs on a GPU with ``SKNETS_TEST_DEVICE=cuda pytest``;
tests that are about the CPU (bit-for-bit reproducibility, simulated
GPU-to-CPU unpickling) say so and pin ``"cpu"`` themselves.

``SKNETS_TEST_TORCH_THREADS`` (default 1) sets torch's intra-op threads: the
test networks are tiny, and on a small shared machine several threads per
process oversubscribe the cores and make a fit tens of times slower.
"""

import os

import numpy as np
import pytest
import torch
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

from sknets.utils import resolve_device

TEST_DEVICE = os.environ.get("SKNETS_TEST_DEVICE", "cpu")

torch.set_num_threads(int(os.environ.get("SKNETS_TEST_TORCH_THREADS", "1")))


@pytest.fixture
def device():
    """The device every test trains on (``SKNETS_TEST_DEVICE``, default "cpu")."""
    return TEST_DEVICE


@pytest.fixture
def torch_device(device):
    """The test device as a torch.device ("auto" resolved as the estimators do)."""
    return resolve_device(device)


@pytest.fixture
def seeded():
    """Seed torch for the test without changing the caller's global RNG."""
    with torch.random.fork_rng(devices=list(range(torch.cuda.device_count()))):
        torch.manual_seed(0)
        yield


@pytest.fixture(scope="session")
def iris():
    """Standardised iris as float64 arrays (150 x 4, 3 balanced classes)."""
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture
def training_spy(monkeypatch):
    """Count the calls that train a network (``NeuralEstimator._run_epochs``).

    A bad input must be refused before any training starts: after the
    error, ``training_spy.calls`` must still be 0.
    """
    from sknets.base import NeuralEstimator

    class Spy:
        calls = 0

    original = NeuralEstimator._run_epochs

    def run_epochs(self, *args, **kwargs):
        Spy.calls += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(NeuralEstimator, "_run_epochs", run_epochs)
    return Spy


def assert_unfitted(estimator):
    """No network and no fitted attribute ending in ``_`` from training."""
    assert not hasattr(estimator, "net_")
    for name in ("module_", "history_", "n_iter_", "loss_curve_", "device_"):
        assert not hasattr(estimator, name), name


@pytest.fixture(scope="session")
def check_unfitted():
    return assert_unfitted


def rng_states():
    """The caller's global torch and numpy random states, comparable with ``==``."""
    torch_state = torch.random.get_rng_state().clone()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    return torch_state, (kind, keys.copy(), pos, has_gauss, cached)


@pytest.fixture(scope="session")
def global_rng_states():
    return rng_states
