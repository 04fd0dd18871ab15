"""ModuleClassifier / ModuleRegressor: a user's own torch module as an estimator."""

import os
import pickle

import numpy as np
import pytest
import torch
from _factories import run_sklearn_check
from sklearn.datasets import make_regression
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks
from torch import nn

from sknets import ModuleClassifier, ModuleRegressor

_DEVICE = os.environ.get("SKNETS_TEST_DEVICE", "cpu")


class SmallNet(nn.Module):
    """What a user writes: the sknets keyword names, logits out."""

    def __init__(self, n_features, n_outputs, hidden_size=16, dropout=0.0):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(n_features, hidden_size), nn.Tanh(), nn.Dropout(dropout)
        )
        self.head = nn.Linear(hidden_size, n_outputs)

    def forward(self, X):
        return self.head(self.body(X))


class WithAuxiliaryOutput(SmallNet):
    def forward(self, X):
        hidden = self.body(X)
        return {"logits": self.head(hidden), "hidden": hidden}


def small_net_factory(n_features, n_outputs, width=8):
    return nn.Sequential(nn.Linear(n_features, width), nn.ReLU(), nn.Linear(width, n_outputs))


_SETTINGS = {"learning_rate_init": 0.01, "max_iter": 100, "random_state": 0, "device": _DEVICE}


@parametrize_with_checks(
    [
        ModuleClassifier(SmallNet, module_params={"hidden_size": 16}, **_SETTINGS),
        # A class, not the factory function: a function's repr (its address)
        # would differ between the test workers that collect these ids.
        ModuleRegressor(SmallNet, module_params={"hidden_size": 16}, **_SETTINGS),
    ]
)
def test_user_modules_pass_sklearn_checks(estimator, check):
    run_sklearn_check(estimator, check)


def test_grid_search_over_module_params(iris):
    X, y = iris
    search = GridSearchCV(
        ModuleClassifier(SmallNet, **_SETTINGS),
        {"module_params": [{"hidden_size": 2}, {"hidden_size": 32, "dropout": 0.1}]},
        cv=3,
    ).fit(X, y)
    assert search.best_params_ == {"module_params": {"hidden_size": 32, "dropout": 0.1}}
    assert search.best_estimator_.module_.body[0].out_features == 32


def test_shared_behaviour_reaches_the_user_module(iris):
    X, y = iris
    clf = ModuleClassifier(
        SmallNet,
        early_stopping=True,
        class_weight="balanced",
        **{**_SETTINGS, "learning_rate_init": 0.05},
    )
    clf.fit(X, y, sample_weight=np.ones(len(y)))
    assert clf.best_validation_score_ == max(clf.validation_scores_) > 0.85
    clf.set_params(early_stopping=False).partial_fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    refit = ModuleClassifier(SmallNet, **_SETTINGS).fit(X, y)
    again = ModuleClassifier(SmallNet, **_SETTINGS).fit(X, y)
    np.testing.assert_array_equal(refit.predict_proba(X), again.predict_proba(X))


def test_dict_outputs_take_their_first_entry(iris):
    X, y = iris
    clf = ModuleClassifier(WithAuxiliaryOutput, **_SETTINGS).fit(X, y)
    assert clf.predict_proba(X).shape == (150, 3)
    assert clf.score(X, y) > 0.9


def test_regressor_learns(device):
    X, y = make_regression(n_samples=200, n_features=4, noise=0.1, random_state=0)
    reg = ModuleRegressor(
        small_net_factory,
        module_params={"width": 32},
        max_iter=300,
        learning_rate_init=0.01,
        random_state=0,
        device=device,
    )
    assert reg.fit(X, y / y.std()).score(X, y / y.std()) > 0.95


def test_bad_modules_are_refused_before_training(iris, training_spy):
    X, y = iris
    with pytest.raises(InvalidParameterError, match="needs module"):
        ModuleClassifier().fit(X, y)
    with pytest.raises(InvalidParameterError, match="must not set \\['n_features'\\]"):
        ModuleClassifier(SmallNet, module_params={"n_features": 3}).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'module' parameter"):
        ModuleClassifier(module="SmallNet").fit(X, y)
    with pytest.raises(TypeError, match="not a torch.nn.Module"):
        ModuleClassifier(lambda n_features, n_outputs: "not a module").fit(X, y)
    with pytest.raises(TypeError, match="unexpected keyword argument 'width'"):
        ModuleClassifier(SmallNet, module_params={"width": 3}).fit(X, y)
    with pytest.raises(InvalidParameterError, match="not an instance.*module=SmallNet"):
        ModuleClassifier(SmallNet(n_features=4, n_outputs=3)).fit(X, y)
    with pytest.raises(ValueError, match=r"shape \(2, 4\).*need \(2, 3\)"):
        ModuleClassifier(lambda n_features, n_outputs: SmallNet(n_features, 4)).fit(X, y)
    assert training_spy.calls == 0


def test_a_regressor_module_with_extra_outputs_is_refused(training_spy):
    X, y = make_regression(n_samples=40, n_features=3, random_state=0)
    wide = ModuleRegressor(lambda n_features, n_outputs: SmallNet(n_features, 4))
    with pytest.raises(ValueError, match=r"shape \(2, 4\).*need \(2, 1\)"):
        wide.fit(X, y)
    assert training_spy.calls == 0


def test_module_params_are_not_modified(iris):
    X, y = iris
    params = {"hidden_size": 4}
    clf = ModuleClassifier(SmallNet, module_params=params, max_iter=2, device="cpu").fit(X, y)
    assert params == {"hidden_size": 4} and clf.module_params is params
    assert isinstance(clf.module_, SmallNet)
    assert next(clf.module_.parameters()).dtype == torch.float32
