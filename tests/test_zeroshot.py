"""ZeroShotClassifier: classes described by attributes, some never seen in training."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknets import ZeroShotClassifier
from sknets.networks import AttributeCompatibilityNetwork

# Eight classes over four binary attributes; "f", "g" and "h" never appear in y.
ATTRIBUTES = np.array(
    [
        [1, 0, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
        [1, 1, 0, 0],
        [1, 0, 1, 0],
        [0, 1, 0, 1],
        [0, 0, 1, 1],
    ],
    dtype=float,
)
CLASSES = np.array(list("abcdefgh"))
SEEN, UNSEEN = CLASSES[:5], CLASSES[5:]
FAST = {
    "hidden_layer_sizes": (),
    "batch_size": 32,
    "learning_rate_init": 0.01,
    "max_iter": 100,
    "random_state": 0,
    "device": "cpu",
}


def _table():
    return pd.DataFrame(ATTRIBUTES, index=CLASSES, columns=["w", "x", "y", "z"])


def _data(classes, n_per_class=30, seed=0):
    """Rows that are a fixed linear mix of the class's attributes, plus noise."""
    rng = np.random.RandomState(seed)
    mixing = np.random.RandomState(42).normal(size=(4, 10))
    rows = {label: ATTRIBUTES[list(CLASSES).index(label)] for label in classes}
    X = np.vstack([rng.normal(rows[label] @ mixing, 0.3, (n_per_class, 10)) for label in classes])
    return X, np.repeat(classes, n_per_class)


def test_network_forward_backward_without_nan(seeded):
    seen = torch.tensor([True, True, False])
    net = AttributeCompatibilityNetwork(
        n_features=5, class_attributes=np.eye(3)[:, :2] + 0.5, seen_classes=seen
    )
    x = torch.randn(8, 5)
    scores = net(x)
    assert scores.shape == (8, 3) and torch.isinf(scores[:, 2]).all()
    loss = torch.nn.functional.cross_entropy(scores, torch.randint(0, 2, (8,)))
    loss.backward()
    grads = [p.grad for p in net.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert sum(g.abs().sum() for g in grads) > 0
    net.eval()
    assert torch.isfinite(net(x)).all()  # in prediction every class is scored
    assert net.embed(x).shape == (8, 2)


def test_unseen_classes_are_recognised_from_their_attributes():
    X, y = _data(SEEN)
    X_unseen, y_unseen = _data(UNSEEN, seed=1)
    clf = ZeroShotClassifier(_table(), **FAST).fit(X, y)
    predicted = clf.predict(X_unseen)
    # Chance among the three unseen classes is 1/3; among all eight, 1/8.
    assert np.mean(predicted == y_unseen) > 0.8
    assert set(predicted) & set(UNSEEN)
    X_test, y_test = _data(SEEN, seed=2)
    assert clf.score(X_test, y_test) > 0.8


def test_classes_cover_the_whole_table_and_probabilities_sum_to_one():
    X, y = _data(SEEN)
    clf = ZeroShotClassifier(_table(), **FAST).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, CLASSES)
    np.testing.assert_array_equal(clf.seen_classes_, SEEN)
    assert clf.n_outputs_ == 8
    proba = clf.predict_proba(X[:7])
    assert proba.shape == (7, 8)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.log(proba), clf.predict_log_proba(X[:7]), rtol=1e-5)


def test_dataframe_and_array_with_names_are_the_same_table():
    X, y = _data(SEEN)
    order = np.random.RandomState(0).permutation(8)  # rows in any order
    from_frame = ZeroShotClassifier(_table(), **FAST).fit(X, y)
    from_pair = ZeroShotClassifier((ATTRIBUTES[order], list(CLASSES[order])), **FAST).fit(X, y)
    np.testing.assert_array_equal(from_pair.classes_, CLASSES)
    np.testing.assert_array_equal(from_pair.class_attributes_, ATTRIBUTES)
    np.testing.assert_allclose(from_frame.predict_proba(X), from_pair.predict_proba(X), atol=1e-6)


def test_integer_labels_and_an_unseen_one_in_the_middle():
    X, y = _data(SEEN)
    codes = {label: i for i, label in enumerate(CLASSES)}
    y_int = np.array([codes[label] for label in y]) * 10
    clf = ZeroShotClassifier((ATTRIBUTES, np.arange(8) * 10), **FAST).fit(X, y_int)
    np.testing.assert_array_equal(clf.classes_, np.arange(8) * 10)
    X_unseen, y_unseen = _data(UNSEEN, seed=1)
    expected = np.array([codes[label] for label in y_unseen]) * 10
    assert np.mean(clf.predict(X_unseen) == expected) > 0.8


@pytest.mark.parametrize(
    "table, message",
    [
        (pd.DataFrame(ATTRIBUTES[1:], index=CLASSES[1:]), r"does not describe: \['a'\]"),
        (
            pd.DataFrame(np.where(np.eye(8, 4) == 1, np.nan, ATTRIBUTES), index=CLASSES),
            "NaN",
        ),
        (pd.DataFrame(ATTRIBUTES, index=list("abcdeffh")), r"more than once: \['f'\]"),
        ((ATTRIBUTES, CLASSES[:7]), "8 attribute rows but 7 classes"),
        (ATTRIBUTES, "must be a DataFrame .* or a pair"),
        ((ATTRIBUTES[0], CLASSES[:1]), "2D array"),
    ],
    ids=["missing seen class", "nan", "duplicate class", "lengths", "no names", "1-D"],
)
def test_bad_tables_are_refused_before_training(table, message):
    X, y = _data(SEEN)
    before = pickle.dumps(table)
    clf = ZeroShotClassifier(table, **FAST)
    with pytest.raises((ValueError, TypeError), match=message):
        clf.fit(X, y)
    assert not hasattr(clf, "classes_") and not hasattr(clf, "net_")
    assert pickle.dumps(table) == before  # nothing the caller passed is modified


def test_one_seen_class_or_multilabel_targets_are_refused():
    X, y = _data(SEEN)
    with pytest.raises(ValueError, match="at least 2 classes"):
        ZeroShotClassifier(_table(), **FAST).fit(X[:30], y[:30])
    with pytest.raises(ValueError, match="one class label per sample"):
        ZeroShotClassifier(_table(), **FAST).fit(X, np.eye(4, dtype=int)[np.arange(150) % 4])


def test_seen_class_penalty_moves_predictions_to_unseen_classes_without_refit():
    X, y = _data(SEEN)
    X_all, y_all = _data(CLASSES, seed=3)
    clf = ZeroShotClassifier(_table(), **FAST).fit(X, y)
    plain = np.isin(clf.predict(X_all), UNSEEN).mean()
    weights = clf.module_.state_dict()["embedding.head.weight"].clone()
    penalised = np.isin(clf.set_params(seen_class_penalty=50.0).predict(X_all), UNSEEN).mean()
    assert penalised > plain and penalised > 0.9
    assert torch.equal(weights, clf.module_.state_dict()["embedding.head.weight"])
    np.testing.assert_allclose(clf.predict_proba(X_all).sum(axis=1), 1.0, rtol=1e-6)
    assert np.isin(clf.set_params(seen_class_penalty=0.0).predict(X_all), UNSEEN).mean() == plain


def test_without_a_table_it_is_an_ordinary_classifier():
    X, y = _data(SEEN)
    clf = ZeroShotClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, SEEN)
    np.testing.assert_array_equal(clf.class_attributes_, np.eye(5))
    assert clf.score(X, y) > 0.9
    binary = ZeroShotClassifier(**FAST).fit(X[:60], y[:60])
    assert binary.predict_proba(X[:3]).shape == (3, 2)


def test_random_state_makes_fits_reproducible():
    X, y = _data(SEEN)
    params = {**FAST, "hidden_layer_sizes": (16,), "max_iter": 20}
    first = ZeroShotClassifier(_table(), **params).fit(X, y).predict_proba(X)
    second = ZeroShotClassifier(_table(), **params).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)


def test_pickle_round_trip_keeps_predictions():
    X, y = _data(SEEN)
    clf = ZeroShotClassifier(_table(), **FAST, seen_class_penalty=1.0).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(restored.classes_, CLASSES)
    # the contract: outside its net, an estimator's state is numbers and arrays
    tensors = [name for name, value in vars(clf).items() if isinstance(value, torch.Tensor)]
    assert tensors == []


def test_in_a_pipeline():
    X, y = _data(SEEN)
    X_unseen, y_unseen = _data(UNSEEN, seed=1)
    pipeline = make_pipeline(StandardScaler(), ZeroShotClassifier(_table(), **FAST)).fit(X, y)
    assert np.mean(pipeline.predict(X_unseen) == y_unseen) > 0.6
    assert pipeline.predict_proba(X_unseen).shape == (90, 8)


def test_warm_start_adds_newly_seen_classes():
    X, y = _data(SEEN)
    X_more, y_more = _data(CLASSES[:6], seed=4)
    clf = ZeroShotClassifier(_table(), **FAST, warm_start=True).fit(X, y)
    assert not clf.module_.seen_classes[5]
    clf.fit(X_more, y_more)
    np.testing.assert_array_equal(clf.seen_classes_, CLASSES[:6])
    assert clf.module_.seen_classes[5]
    other = pd.DataFrame(ATTRIBUTES[:7], index=CLASSES[:7])
    with pytest.raises(ValueError, match="other classes"):
        clf.set_params(class_attributes=other).fit(X, y)


def test_predict_before_fit_is_refused():
    with pytest.raises(NotFittedError):
        ZeroShotClassifier(_table()).predict(np.zeros((1, 10)))
