"""The "Choosing an estimator" table's claims, checked against the estimators.

The input kinds come from each estimator's input adapter
(``data_kinds``) and the key parameters from ``sknets._guide``; every
claim is fitted here on a small example of that kind of data, so the
generated table cannot list an input an estimator does not take.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import is_classifier

from sknets import CNNClassifier, LSTMClassifier
from sknets._guide import GUIDE, KEY_PARAMETERS, input_kinds
from sknets._params import collect_parameters
from sknets.utils import all_estimators

N_ROWS = 24
pytestmark = pytest.mark.filterwarnings("ignore:Got batch_size")
ESTIMATORS = dict(all_estimators())
CLAIMS = [(name, kind) for name, cls in ESTIMATORS.items() for kind in input_kinds(cls)]


def _example(kind, rng):
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


def _small(cls, params, kind):
    # The test settings without those for another kind of data, which fit refuses.
    elsewhere = {
        p.name for p in collect_parameters(cls) if p.applies_to and kind not in p.applies_to
    }
    settings = {k: v for k, v in cls._get_test_params().items() if k not in elsewhere}
    return cls(**settings).set_params(max_iter=2, device="cpu", **params)


@pytest.mark.parametrize(("name", "kind"), CLAIMS, ids=[f"{n}-{k}" for n, k in CLAIMS])
def test_each_listed_input_kind_fits_and_predicts(name, kind):
    rng = np.random.default_rng(0)
    X, params, fit_params = _example(kind, rng)
    estimator = _small(ESTIMATORS[name], params, kind)
    if hasattr(estimator, "sample"):
        estimator.fit(X, **fit_params)
        assert len(estimator.sample(3, random_state=0)) == 3
        return
    y = rng.integers(0, 2, N_ROWS) if is_classifier(estimator) else rng.normal(size=N_ROWS)
    if name == "Seq2SeqRegressor":
        y = rng.normal(size=(N_ROWS, 1, 3))
    estimator.fit(X, y, **fit_params)
    out = estimator.transform(X) if hasattr(estimator, "transform") else estimator.predict(X)
    assert len(out) == len(X)


def test_every_estimator_has_a_guide_entry_and_existing_key_parameters():
    assert set(GUIDE) == set(ESTIMATORS) == set(KEY_PARAMETERS)
    for name, cls in ESTIMATORS.items():
        params = cls().get_params()
        missing = [p for p in KEY_PARAMETERS[name] if p not in params]
        assert not missing, f"{name} has no parameter {missing}"
