"""Fairness: measuring with fairlearn, mitigating by reduction, the in-training penalty."""

import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import sklearn
import torch
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sknets import MLPClassifier
from sknets._fairness import FairnessPenalty, encode_sensitive_features

# The example's documented generator: labels biased towards group "a", a proxy feature.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
from fairness_planted_bias import make_biased_classification  # noqa: E402


def _planted_bias(n_samples, seed):
    return make_biased_classification(n_samples, random_state=seed)


@pytest.fixture(scope="module")
def biased():
    return _planted_bias(1500, 0), _planted_bias(1500, 1)


def _mlp(**params):
    return MLPClassifier((16,), **{"max_iter": 60, "random_state": 0, **params})


def _fit_quietly(estimator, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of the short fits
        return estimator.fit(*args, **kwargs)


def _dp_difference(estimator, data):
    from fairlearn.metrics import demographic_parity_difference

    X, y, groups = data
    return demographic_parity_difference(y, estimator.predict(X), sensitive_features=groups)


# ---------------------------------------------------------------- the penalty
def test_demographic_parity_penalty_halves_the_gap_at_small_cost(biased):
    pytest.importorskip("fairlearn")
    (X, y, s), test = biased
    plain = _fit_quietly(_mlp(), X, y)
    fair = _fit_quietly(_mlp(fairness_penalty=1.0), X, y, sensitive_features=s)
    assert _dp_difference(plain, test) > 0.3  # the planted bias is learned
    assert _dp_difference(fair, test) <= 0.5 * _dp_difference(plain, test)
    assert fair.score(*test[:2]) >= plain.score(*test[:2]) - 0.1


def _noisier_for_one_group(n_samples, seed):
    """Fair labels, but the feature that predicts them is much noisier for group 1.

    A model then errs more on group 1 (lower true-positive, higher
    false-positive rate): an equalised-odds gap with no bias in the labels.
    """
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 2, n_samples)
    skill = rng.normal(size=n_samples)
    measured = skill + rng.normal(size=n_samples) * (0.2 + 1.5 * group)
    X = np.column_stack([measured, group + 0.3 * rng.normal(size=n_samples)])
    return X, (skill > 0).astype(int), group


def _soft_odds_gap(proba, y, groups):
    """The larger group difference of the mean probability among positives, and negatives."""
    return max(
        abs(proba[(y == label) & (groups == 0)].mean() - proba[(y == label) & (groups == 1)].mean())
        for label in (0, 1)
    )


def test_equalized_odds_penalty_lowers_the_odds_gap():
    fairlearn_metrics = pytest.importorskip("fairlearn.metrics")
    X, y, groups = _noisier_for_one_group(1500, 0)
    X_test, y_test, groups_test = _noisier_for_one_group(1500, 1)
    soft, hard = {}, {}
    for penalty in (0.0, 5.0):
        model = _mlp(fairness_penalty=penalty, fairness_constraint="equalized_odds")
        _fit_quietly(model, X, y, sensitive_features=groups)
        soft[penalty] = _soft_odds_gap(model.predict_proba(X_test)[:, 1], y_test, groups_test)
        hard[penalty] = fairlearn_metrics.equalized_odds_difference(
            y_test, model.predict(X_test), sensitive_features=groups_test
        )
    # The penalty closes the gap of soft predictions it is computed from;
    # the gap of hard labels falls less.
    assert soft[5.0] <= 0.5 * soft[0.0]
    assert hard[5.0] < hard[0.0] - 0.05


def test_penalty_zero_accepts_and_ignores_sensitive_features(biased):
    (X, y, s), (X_test, _, _) = biased
    without = _fit_quietly(_mlp(), X, y)
    given = _fit_quietly(_mlp(), X, y, sensitive_features=s)
    np.testing.assert_array_equal(without.predict_proba(X_test), given.predict_proba(X_test))


def test_groups_may_be_strings_ints_or_several_columns(biased):
    (X, y, s), (X_test, _, _) = biased
    as_strings = _fit_quietly(_mlp(fairness_penalty=1.0), X, y, sensitive_features=s)
    as_ints = _fit_quietly(_mlp(fairness_penalty=1.0), X, y, sensitive_features=(s == "a") * 7)
    np.testing.assert_array_equal(as_strings.predict(X_test), as_ints.predict(X_test))
    codes, n_groups = encode_sensitive_features(np.array([["f", 1], ["m", 1], ["f", 2]]), 3)
    assert n_groups == 3 and len(set(codes.tolist())) == 3


def test_penalty_matches_the_gap_computed_by_hand():
    logits = torch.tensor([[0.0], [2.0], [-1.0], [1.0], [3.0]], requires_grad=True)
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0], [1.0]])
    groups = torch.tensor([0, 0, 1, 1, 1])
    p = torch.sigmoid(logits.detach())[:, 0].numpy()
    parity = FairnessPenalty(2.0, "demographic_parity", 2, "sigmoid")(logits, y, groups)
    assert parity.item() == pytest.approx(2 * abs(p[:2].mean() - p[2:].mean()), rel=1e-5)
    odds = FairnessPenalty(1.0, "equalized_odds", 2, "sigmoid")(logits, y, groups)
    true_positive_gap = abs(p[1] - p[[2, 4]].mean())
    false_positive_gap = abs(p[0] - p[3])
    assert odds.item() == pytest.approx(max(true_positive_gap, false_positive_gap), rel=1e-5)
    odds.backward()
    assert torch.isfinite(logits.grad).all() and logits.grad.abs().sum() > 0
    # One group only in the batch: nothing to compare.
    alone = FairnessPenalty(1.0, "demographic_parity", 2, "sigmoid")(logits, y, groups * 0)
    assert alone.item() == 0


def test_multiclass_gap_is_the_largest_over_classes():
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0], [0.0, 0.0, 2.0]])
    groups = torch.tensor([0, 0, 1, 1])
    proba = torch.softmax(logits, dim=1).numpy()
    expected = np.abs(proba[:2].mean(axis=0) - proba[2:].mean(axis=0)).max()
    penalty = FairnessPenalty(1.0, "demographic_parity", 2, "softmax")
    gap = penalty(logits, torch.tensor([0, 1, 2, 2]), groups)
    assert gap.item() == pytest.approx(expected, rel=1e-5)
    # Sample weights weigh the group means.
    weighted = penalty(logits, torch.tensor([0, 1, 2, 2]), groups, torch.tensor([1.0, 0, 1, 1]))
    expected = np.abs(proba[0] - proba[2:].mean(axis=0)).max()
    assert weighted.item() == pytest.approx(expected, rel=1e-5)


def test_partial_fit_early_stopping_and_pickle_carry_the_groups(biased):
    (X, y, s), (X_test, _, _) = biased
    model = _mlp(fairness_penalty=1.0)
    model.partial_fit(X, y, classes=[0, 1], sensitive_features=s)
    model.partial_fit(X, y, sensitive_features=s)
    assert model.n_iter_ == 2
    stopped = _fit_quietly(
        _mlp(fairness_penalty=1.0, early_stopping=True), X, y, sensitive_features=s
    )
    assert len(stopped.validation_scores_) == stopped.n_iter_
    restored = pickle.loads(pickle.dumps(stopped))
    np.testing.assert_array_equal(restored.predict(X_test), stopped.predict(X_test))


# ------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "sensitive_features, message",
    [
        (np.array(["a"] * 10), "has 10 rows, but X has 30 samples"),
        (np.r_[np.zeros(29), np.nan], "contains NaN"),
        (np.array(["a"] * 29 + [None], dtype=object), "missing values"),
        (np.zeros((30, 2, 2)), "must be 1-D"),
    ],
)
def test_bad_sensitive_features_are_refused_before_training(sensitive_features, message):
    X, y, _ = _planted_bias(30, 0)
    kept = np.copy(sensitive_features)
    model = _mlp(fairness_penalty=1.0)
    with pytest.raises(ValueError, match=message):
        model.fit(X, y, sensitive_features=sensitive_features)
    assert not hasattr(model, "n_iter_")
    np.testing.assert_array_equal(sensitive_features, kept)


def test_penalty_without_sensitive_features_and_bad_parameters_are_refused():
    X, y, s = _planted_bias(30, 0)
    with pytest.raises(ValueError, match="pass sensitive_features to fit"):
        _mlp(fairness_penalty=0.5).fit(X, y)
    with pytest.raises(InvalidParameterError, match="fairness_penalty"):
        _mlp(fairness_penalty=-1.0).fit(X, y, sensitive_features=s)
    with pytest.raises(InvalidParameterError, match="fairness_constraint"):
        _mlp(fairness_constraint="parity").fit(X, y, sensitive_features=s)
    with pytest.raises(ValueError, match="several tasks"):
        tasks = np.column_stack([y, np.arange(30) % 3])
        _mlp(fairness_penalty=1.0).fit(X, tasks, sensitive_features=s)
    with pytest.warns(UserWarning, match="one group only"):
        _fit_quietly_but_user(_mlp(fairness_penalty=1.0), X, y, np.zeros(30))


def _fit_quietly_but_user(estimator, X, y, sensitive_features):
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y, sensitive_features=sensitive_features)


# ------------------------------------------------------------ metadata routing
def test_routing_through_pipeline_reaches_the_penalty(biased):
    pytest.importorskip("fairlearn")
    (X, y, s), test = biased
    with sklearn.config_context(enable_metadata_routing=True):
        requested = _mlp(fairness_penalty=2.0).set_fit_request(sensitive_features=True)
        pipe = _fit_quietly(make_pipeline(StandardScaler(), requested), X, y, sensitive_features=s)
        plain = _fit_quietly(make_pipeline(StandardScaler(), _mlp()), X, y)
        assert _dp_difference(pipe, test) <= 0.5 * _dp_difference(plain, test)
        # Not requested: routing refuses to pass the features anywhere.
        refused = _mlp(fairness_penalty=2.0).set_fit_request(sensitive_features=False)
        with pytest.raises(TypeError, match="not routed"):
            make_pipeline(StandardScaler(), refused).fit(X, y, sensitive_features=s)


def test_routing_through_grid_search_splits_the_features_by_fold(biased):
    pytest.importorskip("fairlearn")
    (X, y, s), test = biased
    with sklearn.config_context(enable_metadata_routing=True):
        model = _mlp(fairness_penalty=2.0).set_fit_request(sensitive_features=True)
        search = GridSearchCV(model, {"fairness_constraint": ["demographic_parity"]}, cv=3)
        _fit_quietly(search, X, y, sensitive_features=s)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert _dp_difference(search.best_estimator_, test) < 0.2


# ------------------------------------------------------------------ fairlearn
def test_metric_frame_and_exponentiated_gradient(biased):
    pytest.importorskip("fairlearn")
    from fairlearn.metrics import MetricFrame, selection_rate
    from fairlearn.reductions import DemographicParity, ExponentiatedGradient
    from sklearn.metrics import accuracy_score

    (X, y, s), (X_test, y_test, s_test) = biased
    plain = _fit_quietly(_mlp(), X, y)
    frame = MetricFrame(
        metrics={"accuracy": accuracy_score, "selection_rate": selection_rate},
        y_true=y_test,
        y_pred=plain.predict(X_test),
        sensitive_features=s_test,
    )
    assert list(frame.by_group.index) == ["a", "b"]
    assert frame.difference()["selection_rate"] == pytest.approx(
        _dp_difference(plain, (X_test, y_test, s_test))
    )
    reduction = ExponentiatedGradient(_mlp(max_iter=15), DemographicParity(), max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reduction.fit(X, y, sensitive_features=s)
    mitigated = frame.difference()["selection_rate"]
    from fairlearn.metrics import demographic_parity_difference

    gap = demographic_parity_difference(
        y_test, reduction.predict(X_test, random_state=0), sensitive_features=s_test
    )
    assert gap < mitigated


def test_import_sknets_does_not_import_fairlearn():
    code = "import sys, sknets; print('fairlearn' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_graph_classifier_takes_sensitive_features_and_regressor_refuses_them():
    pytest.importorskip("torch_geometric")
    from sknets import GNNClassifier, GNNRegressor

    X, y, s = _planted_bias(60, 0)
    params = {"hidden_layer_sizes": (8,), "max_iter": 5, "random_state": 0}
    model = _fit_quietly(GNNClassifier(fairness_penalty=1.0, **params), X, y, sensitive_features=s)
    assert model.predict(X).shape == (60,)
    with pytest.raises(ValueError, match="sensitive_features is for classifiers"):
        GNNRegressor(**params).fit(X, y.astype(float), sensitive_features=s)
