"""Small estimator factories shared by the test modules."""

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone

from sknets import CNNClassifier, LSTMClassifier, MLPClassifier, MLPRegressor
from sknets._params import collect_parameters
from sknets.networks import ConvNet

#: Rows of each small example of a kind of data.
N_ROWS = 24


def small_classifier(device, **params):
    """A tiny, seeded MLPClassifier (8 hidden units, 10 epochs) on ``device``."""
    params = {"hidden_layer_sizes": (8,), "max_iter": 10, "random_state": 0, **params}
    return MLPClassifier(device=device, **params)


def small_regressor(device, **params):
    """A tiny, seeded MLPRegressor (8 hidden units, 10 epochs) on ``device``."""
    params = {"hidden_layer_sizes": (8,), "max_iter": 10, "random_state": 0, **params}
    return MLPRegressor(device=device, **params)


# Checks that get other settings than the class's test parameters, and why.
# Both sample-weight equivalence checks compare a fit on repeated rows with
# a fit on integer weights at rtol=1e-7.  In float32 the two fits sum their
# gradients and batch statistics in different orders, and one float32 unit
# in a logit is already 6e-8..1.2e-7 of it, so they run in float64, where
# the same training (every epoch, with the penalty and the batch norms)
# agrees to ~1e-13.  No expected failures: the weighting is exact.
PER_CHECK_PARAMS = {
    "check_sample_weight_equivalence_on_dense_data": {"dtype": "float64"},
    "check_sample_weight_equivalence_on_sparse_data": {"dtype": "float64"},
}


def run_sklearn_check(estimator, check):
    """Run one of scikit-learn's checks, with the settings PER_CHECK_PARAMS gives it."""
    name = getattr(check, "func", check).__name__
    if name in PER_CHECK_PARAMS:
        # The instance is shared by every check of the class: change a copy.
        estimator = clone(estimator).set_params(**PER_CHECK_PARAMS[name])
    check(estimator)


def example_of_kind(kind, rng):
    """``(X, params, fit_params)``: a sample of ``kind`` and what an estimator needs for it."""
    if kind == "tabular":
        return rng.uniform(size=(N_ROWS, 5)), {}, {}
    if kind == "images":
        return rng.uniform(size=(N_ROWS, 1, 16, 16)), {"input_shape": (1, 16, 16)}, {}
    if kind == "series":
        return rng.normal(size=(N_ROWS, 2, 12)), {}, {}
    if kind == "tokens":
        return rng.integers(1, 10, size=(N_ROWS, 7)), {"vocab_size": 10}, {}
    if kind == "texts":
        return ["to be or not to be", "that is the question"] * (N_ROWS // 2), {}, {}
    if kind == "graph":
        adjacency = sp.random(N_ROWS, N_ROWS, density=0.2, random_state=0)
        return rng.normal(size=(N_ROWS, 3)), {}, {"adjacency": adjacency + adjacency.T}
    if kind == "id pairs":
        return np.column_stack([rng.integers(0, 5, N_ROWS), rng.integers(0, 7, N_ROWS)]), {}, {}
    if kind == "column groups":
        X = np.hstack([rng.uniform(size=(N_ROWS, 16)), rng.integers(1, 6, (N_ROWS, 3))])
        branches = [
            ("image", CNNClassifier(input_shape=(1, 4, 4), filters=(2,)), slice(0, 16)),
            ("tokens", LSTMClassifier(vocab_size=6, hidden_size=4), [16, 17, 18]),
        ]
        return X, {"branches": branches}, {}
    raise AssertionError(f"no example for the input kind {kind!r}")


def small_for_kind(cls, params, kind):
    """The class's test settings for ``kind`` with ``params``: 2 epochs on the CPU."""
    # The test settings without those for another kind of data, which fit refuses.
    elsewhere = {
        p.name for p in collect_parameters(cls) if p.applies_to and kind not in p.applies_to
    }
    settings = {k: v for k, v in cls._get_test_params().items() if k not in elsewhere}
    if cls.__name__.startswith("Module") and kind in ("images", "series"):
        settings["module"] = ConvNet
        settings["module_params"] = {"filters": (4,), "hidden_layer_sizes": (8,)}
    return cls(**settings).set_params(max_iter=2, device="cpu", **params)
