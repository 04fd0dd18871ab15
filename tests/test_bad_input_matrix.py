"""Bad inputs against every public estimator and each kind of data it takes.

One table: the rows are the (estimator, kind of data) pairs that the
"Choosing an estimator" guide lists (``sknets._guide.input_kinds``), the
columns the hostile calls below.  Each cell expects one outcome: a clear
error whose message names the problem, or a correct result (finite, of
the right length) where the contract says the input is valid (NaN in a
table is a missing value; a huge value is either refused or gives finite
outputs, never NaN).  Every call also checks that the caller's arrays are
unchanged, and a refit on bad data that a good fit preceded leaves the
fitted model answering as before.  A new family is held to this from its
first commit: its estimators are discovered, and a kind of data without a
row of expectations here fails the test.
"""

import copy
import re
import warnings

import numpy as np
import pytest
from _factories import N_ROWS, example_of_kind, small_for_kind
from sklearn.base import is_classifier

from sknets._guide import input_kinds
from sknets.utils import all_estimators

pytestmark = pytest.mark.filterwarnings("ignore")
ESTIMATORS = dict(all_estimators())
PAIRS = [(name, kind) for name, cls in ESTIMATORS.items() for kind in input_kinds(cls)]


def _targets(estimator, name, rng):
    if hasattr(estimator, "sample") or (
        hasattr(estimator, "transform") and not is_classifier(estimator)
    ):
        return None
    if name == "Seq2SeqRegressor":
        return rng.normal(size=(N_ROWS, 1, 3))
    if is_classifier(estimator):
        return rng.integers(0, 2, N_ROWS)
    return rng.normal(size=N_ROWS)


def _fit(estimator, X, y, fit_params):
    return estimator.fit(X, **fit_params) if y is None else estimator.fit(X, y, **fit_params)


def _answer(estimator, X, fit_params):
    """What the fitted estimator says about new X (its prediction, codes or a step)."""
    extra = {k: v for k, v in fit_params.items() if k != "adjacency"}
    if hasattr(estimator, "predict"):
        return estimator.predict(X, **extra)
    if hasattr(estimator, "transform"):
        return estimator.transform(X)
    return estimator.score_samples(X) if hasattr(estimator, "score_samples") else None


def _with(X, index, value):
    bad = np.array(X, dtype=np.float64)
    bad[index] = value
    return bad


# kind -> corruption -> (bad X from the good X, what is expected, whether a
# fit on it fails too).  An expectation is a regex (case-insensitive) the
# error message must match, or holds "finite": the call may instead work,
# with finite answers for every row.
def _cases(kind, X, estimator):
    tags = estimator.__sklearn_tags__().input_tags
    table = tags.allow_nan and tags.string and kind == "tabular"
    first = (0,) * np.ndim(X)
    cases = {}
    if kind in ("tabular", "images", "series", "graph", "column groups"):
        inner = (0, 0, 3) if kind == "series" else first
        nan = _with(X, inner, np.nan)
        cases["NaN"] = (nan, "finite", False) if table else (nan, r"NaN|missing", True)
        cases["infinity"] = (_with(X, first, np.inf), r"inf", True)
        cases["1e30"] = (_with(X, first, 1e30), r"finite|overflow|too large", False)
        cases["no rows"] = (np.asarray(X)[:0], r"0 sample|empty|at least one", True)
        # A table takes text columns (categories) in a fit, not where numbers were.
        text = np.full(np.shape(X), "a", dtype=object)
        cases["text"] = (text, r"string|float|number|type", not table)
    if kind in ("tabular", "graph", "column groups"):
        # A series or an image without its batch axis reads as univariate series.
        cases["one sample without its batch axis"] = (np.asarray(X)[0], r"array|dim|shape", True)
    if kind in ("tabular", "graph"):
        cases["a feature missing"] = (np.asarray(X)[:, :-1], r"features|shape|columns", False)
    if kind == "tokens":
        cases["negative id"] = (_with(X, first, -1).astype(np.int64), r"id", True)
        cases["id past vocab_size"] = (_with(X, first, 10**6).astype(np.int64), r"vocab", True)
        cases["fractional id"] = (_with(X, first, 1.5), r"whole|integer", True)
    if kind == "id pairs":
        cases["missing id"] = (np.array([[None, 1]], dtype=object), r"missing|none|id", True)
        cases["one column"] = (np.asarray(X)[:, :1], r"column|shape|pair|features", True)
    if kind == "texts":
        cases["not text"] = (np.array([[1.0, 2.0]]), r"str|text", True)
        cases["no texts"] = ([], r"0 sample|0 texts|empty|at least", True)
    return cases


KNOWN_KINDS = {
    "tabular",
    "images",
    "series",
    "graph",
    "column groups",
    "tokens",
    "id pairs",
    "texts",
}


def _check_outcome(call, expected, what):
    if expected == "finite":
        out = np.asarray(call(), dtype=np.float64)
        assert np.isfinite(out).all(), f"{what}: non-finite answers"
        return
    try:
        out = call()
    except (ValueError, TypeError) as error:
        message = str(error)
        assert re.search(expected, message, re.IGNORECASE), f"{what}: unclear: {message:.300}"
        return
    if "finite" in expected.split("|"):
        assert np.isfinite(np.asarray(out, dtype=np.float64)).all(), f"{what}: NaN answers"
        return
    pytest.fail(f"{what}: accepted, expected an error matching {expected!r}")


@pytest.mark.parametrize(("name", "kind"), PAIRS, ids=[f"{n}-{k}" for n, k in PAIRS])
def test_bad_inputs_get_clear_errors_and_leave_the_model_and_the_data_alone(name, kind):
    assert kind in KNOWN_KINDS, f"no bad-input cases for the kind {kind!r}: add them here"
    rng = np.random.default_rng(0)
    X, params, fit_params = example_of_kind(kind, rng)
    estimator = small_for_kind(ESTIMATORS[name], params, kind)
    y = _targets(estimator, name, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _fit(estimator, X, y, fit_params)
    generator = hasattr(estimator, "sample")
    before = None if generator else _answer(estimator, X, fit_params)
    for case, (bad, expected, fit_fails) in _cases(kind, X, estimator).items():
        kept = copy.deepcopy(bad)
        what = f"{name} on {kind}, {case}"
        if not generator and kind != "graph" and case != "one sample without its batch axis":
            # Predict on the bad input (a graph predicts its new nodes: fit covers it).
            _check_outcome(lambda bad=bad: _answer(estimator, bad, fit_params), expected, what)
        refit_y = y if y is None or len(bad) == len(y) else y[: len(bad)]
        if fit_fails:
            # A refit on it fails, clearly, and keeps the model fitted before.
            with pytest.raises((ValueError, TypeError)) as refused:
                _fit(estimator, bad, refit_y, fit_params)
            message = str(refused.value)
            assert re.search(expected, message, re.IGNORECASE), f"{what}, fit: {message:.300}"
            if before is not None:
                after = _answer(estimator, X, fit_params)
                np.testing.assert_array_equal(after, before, err_msg=what)
        np.testing.assert_array_equal(bad, kept, err_msg=f"{what}: X was modified")


def _supervised_pairs():
    return [
        (name, kind)
        for name, kind in PAIRS
        if kind == "tabular"
        and hasattr(ESTIMATORS[name], "predict")
        and not hasattr(ESTIMATORS[name], "sample")
    ]


@pytest.mark.parametrize(("name", "kind"), _supervised_pairs(), ids=lambda v: str(v))
def test_bad_labels_and_weights_are_refused_before_training(name, kind):
    rng = np.random.default_rng(0)
    X, params, fit_params = example_of_kind(kind, rng)
    estimator = small_for_kind(ESTIMATORS[name], params, kind)
    y = _targets(estimator, name, rng)
    cases = {
        "y of another length": (y[:-1], None, r"(?i)inconsistent|length|samples"),
        "negative sample_weight": (y, np.full(N_ROWS, -1.0), r"(?i)negative|non-negative"),
        "sample_weight of another length": (y, np.ones(N_ROWS - 1), r"(?i)shape|length|samples"),
        "NaN in sample_weight": (y, _with(np.ones(N_ROWS), 0, np.nan), r"(?i)NaN|finite|inf"),
    }
    if not is_classifier(estimator):
        cases["NaN in y"] = (_with(y, 0, np.nan), None, r"(?i)NaN|finite|missing|inf")
    for case, (labels, weights, expected) in cases.items():
        kwargs = {} if weights is None else {"sample_weight": weights}
        with pytest.raises(ValueError, match=expected):
            estimator.fit(X, labels, **kwargs)
        assert not hasattr(estimator, "net_"), f"{name}, {case}: a failed fit left a model"


def _continued_pairs():
    return [
        (name, kind)
        for name, kind in PAIRS
        if hasattr(ESTIMATORS[name], "partial_fit") and not hasattr(ESTIMATORS[name], "sample")
    ]


@pytest.mark.parametrize(("name", "kind"), _continued_pairs(), ids=lambda v: str(v))
def test_predictions_during_partial_fit_in_another_thread_match_a_sequential_state(name, kind):
    import threading

    rng = np.random.default_rng(0)
    X, params, _ = example_of_kind(kind, rng)
    fit_params = {}  # a graph's partial_fit builds its k-NN graph (no adjacency)
    estimator = small_for_kind(ESTIMATORS[name], params, kind)
    y = _targets(estimator, name, rng)
    extra = {} if y is None or not is_classifier(estimator) else {"classes": np.unique(y)}
    train = (X,) if y is None else (X, y)
    estimator.partial_fit(*train, **extra, **fit_params)
    states = [np.asarray(_answer(estimator, X, fit_params))]
    seen, errors = [], []

    def continue_training():
        try:
            for _ in range(4):
                estimator.partial_fit(*train, **fit_params)
                states.append(np.asarray(_answer(estimator, X, fit_params)))
        except Exception as error:  # noqa: BLE001 -- reported below
            errors.append(error)

    trainer = threading.Thread(target=continue_training)
    trainer.start()
    while trainer.is_alive() and len(seen) < 50:
        seen.append(np.asarray(_answer(estimator, X, fit_params)))
    trainer.join()
    assert not errors, errors
    for answer in seen:
        assert any(np.array_equal(answer, state) for state in states), name
