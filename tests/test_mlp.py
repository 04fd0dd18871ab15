"""sknets.MLPClassifier / MLPRegressor: drop-in replacements for scikit-learn's MLPs."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from _factories import small_classifier, small_regressor
from sklearn.datasets import (
    load_digits,
    load_iris,
    make_classification,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits
from torch import nn

import sknets._optim
from sknets import MLPClassifier, MLPRegressor
from sknets.networks import MLP

_clf = small_classifier
_reg = small_regressor


def _sklearn(cls, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return cls(max_iter=1, random_state=0, **params)


# ------------------------------------------------------------- parameters
def test_parameters_follow_sklearn():
    for ours, theirs in [(MLPClassifier, SkMLPClassifier), (MLPRegressor, SkMLPRegressor)]:
        sklearn_params = theirs().get_params()
        our_params = ours().get_params()
        assert set(sklearn_params) <= set(our_params)
        for name in sklearn_params:
            assert our_params[name] == sklearn_params[name], name
        for name in ("solver", "loss"):
            if name in sklearn_params:
                theirs_allowed = theirs._parameter_constraints[name][0].options
                assert theirs_allowed <= ours._parameter_constraints[name][0].options
    assert {"dropout", "batch_norm", "device", "class_weight"} <= set(MLPClassifier().get_params())


@pytest.mark.parametrize("sizes, expected", [(8, (8,)), ([8, 4], (8, 4)), ((), ())])
def test_hidden_layer_sizes_forms(sizes, expected, device, iris):
    X, y = iris
    est = _clf(device, hidden_layer_sizes=sizes, max_iter=2).fit(X, y)
    widths = [layer.out_features for layer in est.module_.linear_layers()]
    assert tuple(widths[:-1]) == expected
    assert widths[-1] == 3
    assert est.get_params()["hidden_layer_sizes"] is sizes


def test_int_and_tuple_hidden_layer_sizes_give_the_same_model(iris):
    X, y = iris
    as_int = _clf("cpu", hidden_layer_sizes=8).fit(X, y).predict_proba(X)
    as_tuple = _clf("cpu", hidden_layer_sizes=(8,)).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(as_int, as_tuple)


def test_architecture_parameters_reach_the_module(device, iris):
    X, y = iris
    est = _clf(
        device, hidden_layer_sizes=(6, 5), activation="tanh", dropout=0.25, batch_norm=True
    ).fit(X, y)
    module = est.module_
    assert isinstance(module, MLP)
    kinds = [type(layer) for layer in module.features]
    expected = [nn.Linear, nn.BatchNorm1d, nn.Tanh, nn.Dropout] * 2
    # (the batch norms are sknets' sample-weighted subclass of BatchNorm1d)
    assert len(kinds) == len(expected)
    assert all(issubclass(kind, base) for kind, base in zip(kinds, expected, strict=True))
    assert all(layer.p == 0.25 for layer in module.features if isinstance(layer, nn.Dropout))
    # Dropout is off at prediction time: predictions are deterministic.
    np.testing.assert_array_equal(est.predict_proba(X), est.predict_proba(X))
    assert not module.training


def test_set_params_changes_the_architecture_on_refit(device, iris):
    X, y = iris
    est = _clf(device, max_iter=2).fit(X, y)
    est.set_params(hidden_layer_sizes=(3, 3)).fit(X, y)
    assert [w.shape for w in est.coefs_] == [(4, 3), (3, 3), (3, 3)]


# --------------------------------------------------- coefs_ and intercepts_
@pytest.mark.parametrize(
    "kind, hidden, n_classes",
    [("multiclass", (5, 3), 3), ("binary", (6,), 2), ("linear-multiclass", (), 4)],
)
def test_coefs_and_intercepts_shapes_match_sklearn(kind, hidden, n_classes, device):
    X, y = make_classification(
        60, 7, n_informative=4, n_classes=n_classes, n_clusters_per_class=1, random_state=0
    )
    theirs = _sklearn(SkMLPClassifier, hidden_layer_sizes=hidden).fit(X, y)
    ours = _clf(device, hidden_layer_sizes=hidden, max_iter=1).fit(X, y)
    assert [c.shape for c in ours.coefs_] == [c.shape for c in theirs.coefs_]
    assert [b.shape for b in ours.intercepts_] == [b.shape for b in theirs.intercepts_]
    assert ours.n_outputs_ == theirs.n_outputs_
    assert all(c.dtype == np.float64 for c in ours.coefs_ + ours.intercepts_)


def test_regressor_coefs_shapes_match_sklearn(device):
    X, y = make_regression(40, 5, n_targets=3, random_state=0)
    theirs = _sklearn(SkMLPRegressor, hidden_layer_sizes=(4,)).fit(X, y)
    ours = _reg(device, hidden_layer_sizes=(4,), max_iter=1).fit(X, y)
    assert [c.shape for c in ours.coefs_] == [c.shape for c in theirs.coefs_]
    assert [b.shape for b in ours.intercepts_] == [b.shape for b in theirs.intercepts_]


def _relu_forward(est, X):
    activation = X
    for index, (weight, bias) in enumerate(zip(est.coefs_, est.intercepts_, strict=True)):
        activation = activation @ weight + bias
        if index < len(est.coefs_) - 1:
            activation = np.maximum(activation, 0)
    return activation


def test_coefs_are_the_weights_the_model_uses(device, iris):
    X, y = iris
    est = _clf(device, hidden_layer_sizes=(6, 5), max_iter=5).fit(X, y)
    logits = _relu_forward(est, X)
    softmax = np.exp(logits - logits.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(est.predict_proba(X), softmax, atol=1e-5)


def test_binary_coefs_are_the_weights_the_model_uses(device):
    X, y = make_classification(80, 4, random_state=0)
    est = _clf(device, max_iter=5).fit(X, y)
    assert est.n_outputs_ == 1
    logit = _relu_forward(est, X)[:, 0]
    np.testing.assert_allclose(est.predict_proba(X)[:, 1], 1 / (1 + np.exp(-logit)), atol=1e-5)


# ------------------------------------------------------------------ outputs
def test_binary_classifier_outputs(device):
    X, y = make_classification(100, 4, random_state=0)
    est = _clf(device, max_iter=30, learning_rate_init=0.02).fit(X, y)
    proba = est.predict_proba(X)
    assert proba.shape == (100, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(est.predict_log_proba(X), np.log(proba), atol=1e-10)
    np.testing.assert_array_equal(est.predict(X), est.classes_[proba.argmax(axis=1)])
    assert est.score(X, y) > 0.8


def test_multiclass_classifier_outputs(device, iris):
    X, y = iris
    est = _clf(device, max_iter=40, learning_rate_init=0.02).fit(X, y)
    proba = est.predict_proba(X)
    assert proba.shape == (150, 3)
    assert est.n_outputs_ == 3
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(est.predict_log_proba(X), np.log(proba), atol=1e-10)
    np.testing.assert_array_equal(est.predict(X), proba.argmax(axis=1))


def test_multilabel_classification(device):
    X, Y = make_multilabel_classification(200, 6, n_classes=4, random_state=0)
    X = StandardScaler().fit_transform(X)
    est = _clf(device, hidden_layer_sizes=(16,), max_iter=60, learning_rate_init=0.01).fit(X, Y)
    assert est.classes_.tolist() == [0, 1, 2, 3]
    assert est.n_outputs_ == 4
    predicted = est.predict(X)
    assert predicted.shape == (200, 4)
    assert set(np.unique(predicted)) <= {0, 1}
    proba = est.predict_proba(X)
    assert proba.shape == (200, 4)
    assert ((proba >= 0) & (proba <= 1)).all()
    # Labels are independent: the rows need not sum to 1.
    assert np.abs(proba.sum(axis=1) - 1).max() > 0.1
    np.testing.assert_array_equal(predicted, (proba > 0.5).astype(int))
    # Better than predicting each label's majority value.
    majority = np.mean(Y == (Y.mean(axis=0) > 0.5))
    assert np.mean(predicted == Y) > majority + 0.05
    assert est.score(X, Y) == np.mean((predicted == Y).all(axis=1))


def test_multi_target_regression(device):
    X, Y = make_regression(150, 5, n_targets=3, noise=0.5, random_state=0)
    Y = Y / Y.std(axis=0)
    est = _reg(device, hidden_layer_sizes=(16,), max_iter=100, learning_rate_init=0.01).fit(X, Y)
    assert est.n_outputs_ == 3
    predicted = est.predict(X)
    assert predicted.shape == (150, 3)
    assert est.score(X, Y) > 0.8
    # Each column predicts its own target.
    for column in range(3):
        assert np.corrcoef(predicted[:, column], Y[:, column])[0, 1] > 0.9


@pytest.mark.parametrize("y_shape", ["1-d", "column"])
def test_single_target_regression_predicts_1d(y_shape, device):
    X, y = make_regression(150, 5, noise=0.5, random_state=0)
    y = y / y.std()
    target = y if y_shape == "1-d" else y[:, None]
    est = _reg(device, hidden_layer_sizes=(16,), max_iter=100, learning_rate_init=0.01)
    est.fit(X, target)
    assert est.n_outputs_ == 1
    assert est.predict(X).shape == (150,)
    assert est.score(X, y) > 0.8


# ------------------------------------------------------------------ solvers
@pytest.mark.parametrize(
    "solver, params",
    [
        ("adam", {"learning_rate_init": 0.01}),
        ("adamw", {"learning_rate_init": 0.01, "alpha": 0.01}),
        ("sgd", {"learning_rate_init": 0.1, "nesterovs_momentum": True}),
        ("sgd", {"learning_rate_init": 0.1, "nesterovs_momentum": False}),
        ("sgd", {"learning_rate_init": 0.1, "momentum": 0.0}),
    ],
    ids=["adam", "adamw", "sgd-nesterov", "sgd-momentum", "sgd-plain"],
)
def test_solvers_train_iris(solver, params, device, iris):
    X, y = iris
    est = _clf(
        device, hidden_layer_sizes=(16,), max_iter=100, batch_size=32, solver=solver, **params
    ).fit(X, y)
    assert est.score(X, y) >= 0.93
    assert est.loss_curve_[-1] < 0.5 * est.loss_curve_[0]


def test_solver_settings_reach_the_optimizer(iris):
    X, y = iris
    est = _clf("cpu", solver="sgd", momentum=0.8, nesterovs_momentum=True, max_iter=1).fit(X, y)
    optimizer = est.net_.optimizer_
    assert isinstance(optimizer, sknets._optim.SGD)
    assert optimizer.defaults["momentum"] == 0.8 and optimizer.defaults["nesterov"]
    est = _clf("cpu", solver="adamw", beta_1=0.8, beta_2=0.99, epsilon=1e-6, alpha=0.05, max_iter=1)
    optimizer = est.fit(X, y).net_.optimizer_
    assert isinstance(optimizer, torch.optim.AdamW)
    assert optimizer.defaults["betas"] == (0.8, 0.99) and optimizer.defaults["eps"] == 1e-6
    # Weight decay on weight matrices only, not on biases.
    decays = {
        p.ndim: group["weight_decay"] for group in optimizer.param_groups for p in group["params"]
    }
    assert decays == {2: 0.05, 1: 0.0}


def test_nesterov_flag_changes_training(iris):
    X, y = iris
    with_nesterov = _clf("cpu", solver="sgd", learning_rate_init=0.1).fit(X, y)
    without = _clf("cpu", solver="sgd", learning_rate_init=0.1, nesterovs_momentum=False).fit(X, y)
    assert np.abs(with_nesterov.predict_proba(X) - without.predict_proba(X)).max() > 1e-4


def test_alpha_shrinks_the_weights(device, iris):
    X, y = iris
    params = {"hidden_layer_sizes": (16,), "max_iter": 60, "learning_rate_init": 0.01}
    weak = _clf(device, alpha=0.0, **params).fit(X, y)
    strong = _clf(device, alpha=50.0, **params).fit(X, y)
    norm = lambda est: sum(float((w**2).sum()) for w in est.coefs_)  # noqa: E731
    assert norm(strong) < 0.7 * norm(weak)


# -------------------------------------------------------- sklearn ecosystem
def test_pipeline_and_grid_search(device):
    X, y = load_iris(return_X_y=True)  # unscaled: the pipeline scales
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("mlp", _clf(device, hidden_layer_sizes=(8,), max_iter=40)),
        ]
    )
    search = GridSearchCV(pipe, {"mlp__learning_rate_init": [1e-4, 3e-2]}, cv=3).fit(X, y)
    assert search.best_params_ == {"mlp__learning_rate_init": 3e-2}
    scores = search.cv_results_["mean_test_score"]
    assert scores[1] > scores[0]
    assert search.best_score_ > 0.85
    assert search.predict(X).shape == (150,)
    assert search.best_estimator_.named_steps["mlp"].n_iter_ >= 1


def test_cross_val_score(device):
    X, y = make_classification(150, 6, n_informative=4, random_state=0)
    scores = cross_val_score(
        make_pipeline(StandardScaler(), _clf(device, max_iter=40, learning_rate_init=0.02)),
        X,
        y,
        cv=3,
    )
    assert scores.shape == (3,)
    assert scores.min() > 0.7


def test_cross_val_score_regressor(device):
    X, y = make_regression(150, 5, noise=1.0, random_state=0)
    scores = cross_val_score(
        _reg(device, hidden_layer_sizes=(16,), max_iter=80, learning_rate_init=0.02),
        X,
        y / y.std(),
        cv=3,
    )
    assert scores.min() > 0.7


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_sparse_csr_input_trains_and_predicts_like_dense(cls, device):
    X = sp.random(120, 30, density=0.2, format="csr", random_state=0, dtype=np.float64)
    target = X @ np.random.RandomState(0).normal(size=30)
    y = (target > np.median(target)).astype(int) if cls is MLPClassifier else target
    params = {"hidden_layer_sizes": (8,), "max_iter": 10, "batch_size": 32, "random_state": 0}
    sparse_est = cls(device=device, **params).fit(X, y)
    dense_est = cls(device=device, **params).fit(X.toarray(), y)
    np.testing.assert_allclose(sparse_est.loss_curve_, dense_est.loss_curve_, rtol=1e-5)
    sparse_out = sparse_est.predict(X) if cls is MLPRegressor else sparse_est.predict_proba(X)
    dense_out = (
        dense_est.predict(X.toarray())
        if cls is MLPRegressor
        else dense_est.predict_proba(X.toarray())
    )
    np.testing.assert_allclose(sparse_out, dense_out, atol=1e-5)
    # A fitted model gives the same output for a sparse and a dense copy of X.
    np.testing.assert_allclose(dense_est.predict(X), dense_est.predict(X.toarray()), atol=1e-6)


def test_sparse_input_with_early_stopping(device):
    X = sp.random(100, 20, density=0.3, format="csr", random_state=1)
    y = np.arange(100) % 2
    est = _clf(device, early_stopping=True, max_iter=5).fit(X, y)
    assert len(est.validation_scores_) == est.n_iter_
    assert est.predict(X.tocsc()).shape == (100,)


# ------------------------------------------------------ accuracy vs sklearn
def test_digits_accuracy_is_comparable_to_sklearn(device):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = SkMLPClassifier(random_state=0).fit(X_train, y_train).score(X_test, y_test)
        ours = MLPClassifier(random_state=0, device=device).fit(X_train, y_train)
    accuracy = ours.score(X_test, y_test)
    assert accuracy >= reference - 0.02, (accuracy, reference)
    assert ours.n_iter_ < ours.max_iter  # converged, as sklearn's does on digits


@pytest.mark.parametrize("n_rows", [1, 3, 17, 50])
def test_prediction_of_a_row_does_not_depend_on_the_rows_predicted_with_it(device, n_rows):
    X, y = make_regression(n_samples=120, n_features=37, random_state=0)
    est = MLPRegressor(hidden_layer_sizes=(64, 64), max_iter=5, random_state=0, device=device)
    est.fit(X, y)
    full = est.predict(X)
    in_pieces = np.concatenate(
        [est.predict(X[start : start + n_rows]) for start in range(0, len(X), n_rows)]
    )
    np.testing.assert_array_equal(in_pieces, full)


# ------------------------------------------------------------------ lbfgs
def test_lbfgs_reaches_sklearn_accuracy_on_iris_and_digits(device, iris):
    X, y = iris
    est = _clf(device, hidden_layer_sizes=(16,), solver="lbfgs", max_iter=300).fit(X, y)
    assert est.score(X, y) >= 0.97
    # One epoch is one iteration over the full batch; the loss falls throughout.
    assert est.n_iter_ == len(est.loss_curve_) and est.t_ == est.n_iter_ * len(X)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    params = {"hidden_layer_sizes": (32,), "solver": "lbfgs", "max_iter": 100, "random_state": 0}
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = SkMLPClassifier(**params).fit(X_train, y_train).score(X_test, y_test)
        ours = MLPClassifier(**params, device=device).fit(X_train, y_train)
    assert ours.score(X_test, y_test) >= reference - 0.02, (ours.score(X_test, y_test), reference)


def test_lbfgs_loss_curve_is_the_data_loss_and_the_penalty_is_optimised(iris):
    X, y = iris
    strong = _clf("cpu", solver="lbfgs", alpha=10.0, max_iter=200, dtype="float64").fit(X, y)
    weak = _clf("cpu", solver="lbfgs", alpha=1e-5, max_iter=200, dtype="float64").fit(X, y)
    # The line search sees the L2 term: the penalty shrinks the weights ...
    norm = [sum((c**2).sum() for c in est.coefs_) for est in (strong, weak)]
    assert norm[0] < 0.2 * norm[1]
    # ... and the recorded loss is the data loss at the final weights, without it.
    from sklearn.metrics import log_loss

    assert strong.loss_ == pytest.approx(log_loss(y, strong.predict_proba(X)), rel=1e-9)


def test_lbfgs_converges_without_a_warning_and_caches_evaluations(iris):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = _clf("cpu", solver="lbfgs", max_iter=1000, tol=1e-3).fit(X, y)
    optimizer = est.net_.optimizer_
    assert est.n_iter_ < 1000 and optimizer.converged
    # PyTorch's L-BFGS asks again for the point its last line search ended on;
    # the cache answers, so fewer real evaluations than closure calls.
    closure_calls = optimizer.state[optimizer._params[0]]["func_evals"]
    assert est.n_iter_ <= optimizer.n_evaluations < closure_calls


def test_lbfgs_stops_at_max_fun_and_max_iter_with_convergence_warnings(iris):
    X, y = iris
    with pytest.warns(ConvergenceWarning, match="max_fun=15"):
        est = _clf("cpu", solver="lbfgs", max_fun=15, max_iter=1000).fit(X, y)
    assert est.net_.optimizer_.n_evaluations >= 15 and est.n_iter_ < 15
    with pytest.warns(ConvergenceWarning, match=r"lbfgs failed to converge .*max_iter=3"):
        est = _clf("cpu", solver="lbfgs", max_iter=3).fit(X, y)
    assert est.n_iter_ == 3


def test_lbfgs_ignores_the_stochastic_settings(iris):
    X, y = iris
    params = {"solver": "lbfgs", "max_iter": 20, "dtype": "float64"}
    reference = _clf("cpu", **params).fit(X, y)
    other = _clf(
        "cpu",
        **params,
        batch_size=7,
        learning_rate="invscaling",
        learning_rate_init=0.5,
        momentum=0.1,
        shuffle=False,
    ).fit(X, y)
    np.testing.assert_array_equal(reference.predict_proba(X), other.predict_proba(X))
    assert reference.net_.batch_size == len(X)


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_partial_fit_is_unavailable_with_lbfgs(cls):
    est = cls(solver="lbfgs")
    assert not hasattr(est, "partial_fit")
    # scikit-learn's available_if wraps the reason, as for its own MLPs.
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'") as error:
        _ = est.partial_fit
    assert "partial_fit is only available for stochastic optimizers. lbfgs is not stochastic." in (
        str(error.value.__cause__)
    )
    assert hasattr(cls(solver="sgd"), "partial_fit")


def test_lbfgs_warm_start_early_stopping_and_verbose(iris, capsys):
    X, y = iris
    est = _clf("cpu", solver="lbfgs", max_iter=5, warm_start=True).fit(X, y)
    first = est.loss_
    est.fit(X, y)
    assert est.n_iter_ == 10 and est.loss_ < first
    est = _clf("cpu", solver="lbfgs", max_iter=200, early_stopping=True, n_iter_no_change=3)
    est.fit(X, y)
    assert len(est.validation_scores_) == est.n_iter_ and est.best_validation_score_ >= 0.9
    _clf("cpu", solver="lbfgs", max_iter=2, verbose=2).fit(X, y)
    assert "train_loss" in capsys.readouterr().out


def test_lbfgs_warm_start_moves_to_another_dtype(iris):
    X, y = iris
    est = _clf("cpu", solver="lbfgs", max_iter=5, warm_start=True).fit(X, y)
    est.set_params(dtype="float64").fit(X, y)
    assert est.coefs_[0].dtype == np.float64 and est.n_iter_ == 10
    assert est.net_.optimizer_.param_groups[0]["params"][0].dtype == torch.float64


def test_partial_fit_after_lbfgs_gets_a_stochastic_optimizer(iris):
    X, y = iris
    est = _clf("cpu", solver="lbfgs", max_iter=3).fit(X, y)
    est.set_params(solver="sgd").partial_fit(X, y)
    assert isinstance(est.net_.optimizer_, sknets._optim.SGD) and est.n_iter_ == 4


def test_lbfgs_trains_a_convolutional_network():
    from sknets import CNNClassifier

    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 1, 8, 8)).astype(np.float32)
    y = (X[:, 0, :4].mean(axis=(1, 2)) > 0).astype(int)
    est = CNNClassifier(solver="lbfgs", max_iter=30, random_state=0, device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert est.loss_curve_[-1] < 0.5 * est.loss_curve_[0]


@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
def test_fitted_lbfgs_and_sgd_models_pickle(solver, iris):
    import pickle

    X, y = iris
    est = _clf("cpu", solver=solver, max_iter=5).fit(X, y)
    copy = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(copy.predict_proba(X), est.predict_proba(X))
    optimizer = copy.net_.optimizer_
    assert type(optimizer) is type(est.net_.optimizer_)
    if solver == "lbfgs":
        assert optimizer._params[0] is copy.module_.linear_layers()[0].weight
        copy.set_params(warm_start=True).fit(X, y)
        assert copy.n_iter_ == 10
    else:
        assert optimizer.state_dict()["state"]
        copy.partial_fit(X, y)
        assert copy.n_iter_ == 6


# ---------------------------------------------------------------- poisson
def _counts(n=300, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 4))
    mean = np.exp(1.5 + 0.8 * X[:, 0] - 0.6 * X[:, 1])
    return X, rng.poisson(mean).astype(float), mean


def test_poisson_regressor_predicts_positive_means(device):
    X, y, mean = _counts()
    est = _reg(device, loss="poisson", hidden_layer_sizes=(16,), max_iter=200)
    est.set_params(learning_rate_init=0.01).fit(X, y)
    predicted = est.predict(X)
    assert predicted.shape == (300,) and (predicted > 0).all()
    assert est.out_activation_ == "exp"
    assert _reg(device).fit(X, y).out_activation_ == "identity"
    assert np.corrcoef(predicted, mean)[0, 1] > 0.9
    assert est.score(X, y) > 0.5  # R² of the counts, as scikit-learn's MLPRegressor.score


def test_poisson_loss_is_sklearns_half_poisson_deviance():
    from sklearn.neural_network._base import poisson_loss

    from sknets._losses import HalfPoissonDeviancePerSample

    rng = np.random.RandomState(0)
    eta = rng.normal(size=(50, 2))
    y = rng.poisson(3.0, size=(50, 2)).astype(float)
    ours = HalfPoissonDeviancePerSample()(torch.from_numpy(eta), torch.from_numpy(y))
    # sklearn sums the per-column means; sknets averages over columns, as its squared error.
    assert float(ours.mean()) * 2 == pytest.approx(poisson_loss(y, np.exp(eta)), rel=1e-12)


def test_poisson_early_stopping_scores_the_predicted_means():
    X, y, _ = _counts(400)
    est = _reg("cpu", loss="poisson", hidden_layer_sizes=(16,), max_iter=100, early_stopping=True)
    est.set_params(learning_rate_init=0.01).fit(X, y)
    # R² of the log-means against the counts would be far below 0.
    assert est.best_validation_score_ > 0.5


@pytest.mark.parametrize(
    "y, match", [(np.array([1.0, -1.0] * 10), "non-negative"), (np.zeros(20), "sum of y")]
)
def test_poisson_refuses_invalid_targets_before_training(y, match, training_spy, check_unfitted):
    X = np.random.RandomState(0).normal(size=(20, 3))
    est = _reg("cpu", loss="poisson")
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)
    assert training_spy.calls == 0
    check_unfitted(est)


def test_a_continued_fit_keeps_the_loss():
    X, y, _ = _counts(60)
    est = _reg("cpu", loss="poisson", max_iter=2, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="cannot change it to 'squared_error'"):
        est.set_params(loss="squared_error").fit(X, y)
    assert est.out_activation_ == "exp" and est.n_iter_ == 2
    est.set_params(loss="poisson").partial_fit(X, y)
    assert est.n_iter_ == 3


def test_every_regressor_has_the_loss_parameter():
    from sknets import CNNRegressor, ResNetRegressor

    for cls in (MLPRegressor, CNNRegressor, ResNetRegressor):
        assert cls().get_params()["loss"] == "squared_error"
    assert "loss" not in MLPClassifier().get_params()
