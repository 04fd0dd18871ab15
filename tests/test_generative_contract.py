"""The generator and transformer contract, over every public one (discovered).

Each family's own file tests what its model learns; this one holds every
generator and every transformer to the same promises: ``sample`` answers
in the fitted layout and dtype, is reproducible and leaves the global
random state alone, refuses ``n_samples < 1``; ``inverse_transform``
returns X's shape.
"""

import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from sknets.utils import all_estimators

# Tiny data: the defaults' batch sizes are clipped, which is beside the point here.
pytestmark = pytest.mark.filterwarnings("ignore:Got batch_size")

GENERATORS = all_estimators("generator")
TRANSFORMERS = [
    (name, cls) for name, cls in all_estimators("transformer") if name not in dict(GENERATORS)
]


def _fitted(cls, device, dtype="float32"):
    rng = np.random.RandomState(0)
    estimator = cls(**cls._get_test_params(), device=device, dtype=dtype)
    if cls.__name__ == "GPTGenerator":
        return estimator.fit(["to be or not to be", "that is the question"]), None
    X = rng.uniform(size=(40, 5))
    return estimator.fit(X), X


@pytest.mark.parametrize("name, cls", GENERATORS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sample_layout_dtype_and_reproducibility(name, cls, dtype, device):
    estimator, X = _fitted(cls, device, dtype)
    global_numpy, global_torch = np.random.get_state()[1].copy(), torch.get_rng_state()
    first = estimator.sample(4, random_state=0)
    again = estimator.sample(4, random_state=0)
    other = estimator.sample(4, random_state=1)
    assert np.array_equal(np.random.get_state()[1], global_numpy)
    assert torch.equal(torch.get_rng_state(), global_torch)
    if X is None:  # text: a list of strings
        assert len(first) == 4 and all(isinstance(text, str) for text in first)
        assert list(first) == list(again)
        return
    assert first.shape == (4, X.shape[1])
    assert first.dtype == np.dtype(dtype)
    assert np.all(np.isfinite(first))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("name, cls", GENERATORS)
@pytest.mark.parametrize("n_samples", [0, -1, 2.5])
def test_sample_refuses_bad_counts(name, cls, n_samples, device):
    estimator, _ = _fitted(cls, device)
    with pytest.raises(InvalidParameterError, match="n_samples"):
        estimator.sample(n_samples)


@pytest.mark.parametrize(
    "name, cls",
    [
        (name, cls)
        for name, cls in TRANSFORMERS + GENERATORS
        if hasattr(cls, "inverse_transform") and name != "GPTGenerator"
    ],
)
def test_inverse_transform_of_transform_has_the_shape_of_x(name, cls, device):
    estimator, X = _fitted(cls, device)
    if not hasattr(estimator, "inverse_transform"):
        pytest.skip(f"{name} has no inverse_transform")
    codes = estimator.transform(X)
    assert codes.shape[0] == X.shape[0]
    assert estimator.inverse_transform(codes).shape == X.shape


@pytest.mark.parametrize("name, cls", [(n, c) for n, c in GENERATORS if c._stochastic_loss])
def test_a_monte_carlo_loss_trains_every_epoch_unless_early_stopping(name, cls, device):
    X = np.random.RandomState(0).uniform(size=(60, 3))
    # With tol this large no epoch counts as progress: a plateau rule would stop at once.
    params = {**cls._get_test_params(), "max_iter": 8, "tol": 1e3, "n_iter_no_change": 1}
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        every_epoch = cls(**params, device=device).fit(X)
    assert every_epoch.n_iter_ == 8
    stopped = cls(**params, early_stopping=True, device=device).fit(X)
    assert stopped.n_iter_ < 8
