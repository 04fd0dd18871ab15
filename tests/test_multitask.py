"""Multi-task heads: every classifier on a 2-D y whose columns are separate multiclass tasks."""

import pickle
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import compute_sample_weight

from sknets import MLPClassifier
from sknets._losses import MultiTaskCrossEntropyPerSample
from sknets.utils import all_estimators

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

TASKS = ("digit", "parity", "above 4")


@pytest.fixture(scope="module")
def digits_tasks():
    """600 digits scaled to [0, 1]; y = (digit, "even"/"odd", above 4) with string labels."""
    X, digit = load_digits(return_X_y=True)
    X, digit = X[:600] / 16.0, digit[:600]
    y = np.column_stack(
        [digit.astype(str), np.where(digit % 2, "odd", "even"), np.where(digit > 4, "yes", "no")]
    )
    return X, y


def _clf(device, **params):
    return MLPClassifier(
        **{
            "hidden_layer_sizes": (32,),
            "learning_rate_init": 0.01,
            "max_iter": 40,
            "random_state": 0,
            "device": device,
        }
        | params
    )


def test_predict_and_probabilities_have_the_multioutput_classifier_layout(device, digits_tasks):
    X, y = digits_tasks
    clf = _clf(device).fit(X[:400], y[:400])
    assert [labels.tolist() for labels in clf.classes_] == [
        [str(d) for d in range(10)],
        ["even", "odd"],
        ["no", "yes"],
    ]
    assert clf.n_outputs_ == 14
    predicted = clf.predict(X[400:])
    assert predicted.shape == (200, 3) and predicted.dtype.kind == "U"
    proba, log_proba = clf.predict_proba(X[400:]), clf.predict_log_proba(X[400:])
    assert isinstance(proba, list) and [p.shape for p in proba] == [(200, 10), (200, 2), (200, 2)]
    for task, (labels, task_proba) in enumerate(zip(clf.classes_, proba, strict=True)):
        np.testing.assert_allclose(task_proba.sum(axis=1), 1.0, rtol=1e-6)
        np.testing.assert_allclose(np.exp(log_proba[task]), task_proba, rtol=1e-6)
        assert np.array_equal(labels[task_proba.argmax(axis=1)], predicted[:, task])


def test_one_network_learns_every_task(device, digits_tasks):
    X, y = digits_tasks
    clf = _clf(device).fit(X[:400], y[:400])
    predicted = clf.predict(X[400:])
    for task, name in enumerate(TASKS):
        accuracy = (predicted[:, task] == y[400:, task]).mean()
        majority = max(np.mean(y[400:, task] == label) for label in np.unique(y[400:, task]))
        assert accuracy > majority + 0.3, (name, accuracy, majority)
    assert clf.loss_curve_[-1] < 0.2 * clf.loss_curve_[0]


def test_score_is_subset_accuracy_with_sample_weight(device, digits_tasks):
    X, y = digits_tasks
    clf = _clf(device, max_iter=5).fit(X[:400], y[:400])
    all_right = (clf.predict(X[400:]) == y[400:]).all(axis=1)
    assert 0 < all_right.mean() < 1
    assert clf.score(X[400:], y[400:]) == pytest.approx(all_right.mean())
    weight = np.linspace(0, 2, 200)
    assert clf.score(X[400:], y[400:], sample_weight=weight) == pytest.approx(
        np.average(all_right, weights=weight)
    )
    with pytest.raises(ValueError, match="one column per task"):
        clf.score(X[400:], y[400:, 0])


def test_loss_is_the_task_weighted_sum_of_cross_entropies(seeded):
    logits, target = (
        torch.randn(5, 6),
        torch.stack([torch.arange(5) % 3, torch.arange(5) % 3 // 2], 1),
    )
    parts = [
        F.cross_entropy(logits[:, :3], target[:, 0], reduction="none"),
        F.cross_entropy(logits[:, 3:], target[:, 1], reduction="none"),
    ]
    equal = MultiTaskCrossEntropyPerSample((3, 3))(logits, target)
    weighted = MultiTaskCrossEntropyPerSample((3, 3), (0.5, 2.0))(logits, target)
    torch.testing.assert_close(equal, parts[0] + parts[1])
    torch.testing.assert_close(weighted, 0.5 * parts[0] + 2.0 * parts[1])


def test_task_weights_steer_what_the_shared_network_learns(device, digits_tasks):
    X, y = digits_tasks
    digit_only = _clf(device, task_weights=[1, 0, 0]).fit(X[:400], y[:400])
    equal = _clf(device).fit(X[:400], y[:400])
    parity = [(clf.predict(X[400:])[:, 1] == y[400:, 1]).mean() for clf in (digit_only, equal)]
    # A task of weight 0 leaves its head as initialised: about chance.
    assert parity[0] < 0.7 < 0.85 < parity[1]
    assert digit_only.net_.criterion_.task_weights == (1.0, 0.0, 0.0)
    # A continued fit takes the weights set since.
    digit_only.set_params(task_weights=[1, 1, 1]).partial_fit(X[:400], y[:400])
    assert digit_only.net_.criterion_.task_weights == (1.0, 1.0, 1.0)


def test_per_task_class_weight_equals_its_sample_weight(device, digits_tasks):
    X, y = digits_tasks
    class_weight = [{}, {"odd": 2.0}, {"no": 1.0, "yes": 4.0}]
    # scikit-learn's multi-output rule: a row weighs the product of its columns' weights.
    by_class = _clf(device, max_iter=5, class_weight=class_weight).fit(X[:400], y[:400])
    by_sample = _clf(device, max_iter=5).fit(
        X[:400], y[:400], sample_weight=compute_sample_weight(class_weight, y[:400])
    )
    np.testing.assert_allclose(by_class.loss_curve_, by_sample.loss_curve_, rtol=1e-5)
    balanced = _clf(device, max_iter=2, class_weight="balanced").fit(X[:400], y[:400])
    assert np.isfinite(balanced.loss_)


def test_partial_fit_takes_each_tasks_classes(device, digits_tasks):
    X, y = digits_tasks
    classes = [np.unique(y[:, task]) for task in range(3)]
    clf = _clf(device)
    # A first batch holding two classes per task still fits three tasks.
    first = np.isin(y[:, 0], ["0", "1"])
    clf.partial_fit(X[first], y[first], classes=classes)
    assert [labels.tolist() for labels in clf.classes_] == [c.tolist() for c in classes]
    for _ in range(20):
        clf.partial_fit(X[:400], y[:400])
    assert (clf.predict(X[400:])[:, 0] == y[400:, 0]).mean() > 0.5
    with pytest.raises(ValueError, match="not the same as on the first call"):
        clf.partial_fit(X[:10], y[:10], classes=[classes[0], classes[1], ["no", "maybe"]])
    fresh = _clf(device)
    with pytest.raises(ValueError, match="a list with each task's classes"):
        fresh.partial_fit(X[:10], y[:10])
    with pytest.raises(ValueError, match=r"labels \(column 1 of y\) not seen"):
        fresh.partial_fit(X[:10], y[:10], classes=[classes[0], ["even", "other"], classes[2]])
    with pytest.raises(ValueError, match="classes of 2 tasks, but y has 3 columns"):
        fresh.partial_fit(X[:10], y[:10], classes=classes[:2])


def test_same_seed_same_model_and_pickling_keeps_it(device, digits_tasks):
    X, y = digits_tasks
    first = _clf(device, max_iter=5).fit(X[:300], y[:300])
    second = _clf(device, max_iter=5).fit(X[:300], y[:300])
    restored = pickle.loads(pickle.dumps(first))
    for other in (second, restored):
        assert np.array_equal(other.predict(X[300:]), first.predict(X[300:]))
        for mine, theirs in zip(
            first.predict_proba(X[300:]), other.predict_proba(X[300:]), strict=True
        ):
            np.testing.assert_array_equal(mine, theirs)
    assert [c.tolist() for c in restored.classes_] == [c.tolist() for c in first.classes_]


def test_pipeline_and_grid_search_over_task_weights(device, digits_tasks):
    X, y = digits_tasks
    pipe = make_pipeline(StandardScaler(), _clf(device, max_iter=10))
    search = GridSearchCV(pipe, {"mlpclassifier__task_weights": [None, (1.0, 0.0, 0.0)]}, cv=2).fit(
        X[:300], y[:300]
    )
    assert search.best_params_ == {"mlpclassifier__task_weights": None}
    assert search.predict(X[300:]).shape == (300, 3)
    assert search.best_score_ > search.cv_results_["mean_test_score"].min()


def test_early_stopping_follows_subset_accuracy(device, digits_tasks):
    X, y = digits_tasks
    clf = _clf(device, early_stopping=True, max_iter=15).fit(X, y)
    assert 0.3 < clf.best_validation_score_ <= 1.0
    assert len(clf.validation_scores_) == clf.n_iter_


@pytest.mark.parametrize(
    "params, match",
    [
        ({"task_weights": [1.0, 2.0]}, "task_weights has 2 values, but y has 3 columns"),
        ({"task_weights": [1.0, -1.0, 1.0]}, "finite, non-negative and not all 0"),
        ({"task_weights": [0.0, 0.0, 0.0]}, "finite, non-negative and not all 0"),
        ({"task_weights": [[1.0, 2.0, 3.0]]}, "1-D sequence of numbers"),
        ({"class_weight": [{"odd": 2.0}]}, "number of elements in class_weight"),
        ({"class_weight": [{"odd": 2.0}, "balanced", None]}, "one dict per column"),
        ({"class_weight": {"odd": 2.0}}, "list of dicts"),
        ({"class_weight": [{"odd": -2.0}, {}, {}]}, "finite, non-negative"),
    ],
)
def test_bad_weights_are_refused_before_training(
    params, match, device, digits_tasks, training_spy, check_unfitted
):
    X, y = digits_tasks
    y_before = y.copy()
    clf = _clf(device, **params)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)
    assert training_spy.calls == 0
    check_unfitted(clf)
    assert np.array_equal(y, y_before)


def test_single_task_weights_are_refused(device, digits_tasks, training_spy):
    X, y = digits_tasks
    with pytest.raises(ValueError, match="task_weights weighs the columns of a 2-D y"):
        _clf(device, task_weights=[1.0]).fit(X, y[:, 0])
    with pytest.raises(ValueError, match="class_weight as a list"):
        _clf(device, class_weight=[{"0": 2.0}]).fit(X, y[:, 0])
    assert training_spy.calls == 0


def test_continued_fit_refuses_other_tasks(device, digits_tasks):
    X, y = digits_tasks
    clf = _clf(device, max_iter=2, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="3 tasks"):
        clf.fit(X, y[:, :2])
    with pytest.raises(ValueError, match="3 tasks"):
        clf.partial_fit(X, y[:, 0])
    with pytest.raises(ValueError, match="same classes as in the previous call"):
        clf.fit(X[y[:, 0] != "9"], y[y[:, 0] != "9"])
    single = _clf(device, max_iter=2).fit(X, y[:, 0])
    with pytest.raises(ValueError, match="does not match the targets"):
        single.partial_fit(X, y)


def test_multilabel_targets_stay_multilabel(device, digits_tasks):
    X, y = digits_tasks
    indicator = np.column_stack([y[:, 1] == "odd", y[:, 2] == "yes"]).astype(int)
    clf = _clf(device, max_iter=5, task_weights=[1.0, 2.0]).fit(X, indicator)
    assert clf.classes_.tolist() == [0, 1] and clf.n_outputs_ == 2
    assert clf.predict_proba(X[:3]).shape == (3, 2)
    assert set(np.unique(clf.predict(X))) <= {0, 1}
    assert clf.net_.criterion_.label_weights == (1.0, 2.0)


@pytest.mark.parametrize(
    "cls",
    [cls for _, cls in all_estimators(type_filter="classifier")],
    ids=[name for name, _ in all_estimators(type_filter="classifier")],
)
def test_every_classifier_has_multitask_heads(cls, device):
    rng = np.random.RandomState(0)
    X = rng.rand(48, 8).astype(np.float32)
    y = np.column_stack([(X[:, 0] * 3).astype(int), np.where(X[:, 1] > 0.5, "hi", "lo")])
    params = cls._get_test_params() | {"max_iter": 2, "device": device}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = cls(**params).fit(X, y)
    assert clf.predict(X).shape == (48, 2)
    assert [p.shape for p in clf.predict_proba(X)] == [(48, 3), (48, 2)]
    assert set(clf.predict(X)[:, 1]) <= {"hi", "lo"}
