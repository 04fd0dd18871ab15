"""sknets' MLPs against scikit-learn's: same settings, same loss curves' end points.

The two libraries initialise their weights differently, so single fits do
not agree; the comparison is statistical.  Each configuration is fitted by
both with seeds 0, 1 and 2, in float64 on the CPU, on the same data, with
the same ``hidden_layer_sizes``, ``alpha``, ``batch_size``, ``max_iter``
and ``shuffle``, and the mean final losses (scikit-learn's ``loss_``
includes the L2 term, so it is added to sknets' ``loss_``) must agree to
``RELATIVE_TOLERANCE``.

Measured (mean over seeds 0-2 of the final loss, scikit-learn vs sknets,
relative difference), 600 digits rows scaled to [0, 1] as in scikit-learn's
plot_mlp_training_curves.py, 32 hidden units, batch_size=100, 15 epochs:

============================  ==============  ==============  =========
configuration                 scikit-learn    sknets          rel. diff
============================  ==============  ==============  =========
sgd constant, momentum 0      0.3572          0.3768          0.055
sgd constant, momentum 0.9    0.0201          0.0202          0.007
sgd invscaling, momentum 0    2.0178          2.0132          0.002
sgd invscaling, momentum 0.9  0.6118          0.6236          0.019
sgd adaptive, momentum 0      0.3572          0.3768          0.055
sgd adaptive, momentum 0.9    0.0236          0.0242          0.024
adam                          0.0745          0.0786          0.056
lbfgs (alpha=1, 100 iter.)    0.1327          0.1320          0.005
regressor squared_error       0.0035          0.0037          0.053
regressor poisson             0.4723          0.4682          0.009
============================  ==============  ==============  =========

(Nesterov momentum; ``"adaptive"`` with ``tol=0.02, n_iter_no_change=2``
so that the rate is divided within the 15 epochs.)  With PyTorch's SGD,
whose rate-free momentum buffer is scaled by the current rate, the
invscaling and adaptive runs with momentum ended at 1.1682 (rel. diff 0.909)
and 0.0274 (0.160): the tolerance below tells the two updates apart.  On
the full digits data with 100 hidden units (the gallery script's setting),
invscaling with momentum ended at 0.3013 (scikit-learn), 0.2721 (sknets)
and 0.5840 (PyTorch's SGD).
"""

import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from threadpoolctl import threadpool_limits

from sknets import MLPClassifier, MLPRegressor

RELATIVE_TOLERANCE = 0.10
SEEDS = (0, 1, 2)

_SGD = {"solver": "sgd", "learning_rate_init": 0.2, "nesterovs_momentum": True}
_ADAPTIVE = {"learning_rate": "adaptive", "tol": 0.02, "n_iter_no_change": 2}
CLASSIFIER_CONFIGS = {
    "sgd-constant": {**_SGD, "learning_rate": "constant", "momentum": 0.0},
    "sgd-constant-momentum": {**_SGD, "learning_rate": "constant", "momentum": 0.9},
    "sgd-invscaling": {**_SGD, "learning_rate": "invscaling", "momentum": 0.0},
    "sgd-invscaling-momentum": {**_SGD, "learning_rate": "invscaling", "momentum": 0.9},
    "sgd-adaptive": {**_SGD, **_ADAPTIVE, "momentum": 0.0},
    "sgd-adaptive-momentum": {**_SGD, **_ADAPTIVE, "momentum": 0.9},
    "adam": {"solver": "adam", "learning_rate_init": 0.01},
    # Strongly regularised, so that both L-BFGS runs approach the same minimum.
    "lbfgs": {"solver": "lbfgs", "alpha": 1.0, "max_iter": 100},
}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return MinMaxScaler().fit_transform(X[:600]), y[:600]


def _penalty(estimator, n_rows):
    return 0.5 * estimator.alpha * sum((c**2).sum() for c in estimator.coefs_) / n_rows


def _mean_final_losses(sklearn_cls, sknets_cls, X, y, params, penalty_rows):
    theirs, ours = [], []
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        for seed in SEEDS:
            theirs.append(sklearn_cls(**params, random_state=seed).fit(X, y).loss_)
            est = sknets_cls(**params, random_state=seed, dtype="float64", device="cpu")
            est.fit(X, y)
            ours.append(est.loss_ + _penalty(est, penalty_rows))
    return float(np.mean(theirs)), float(np.mean(ours))


@pytest.mark.parametrize("name", list(CLASSIFIER_CONFIGS))
def test_classifier_final_loss_matches_sklearn(name, digits):
    X, y = digits
    params = {"hidden_layer_sizes": (32,), "alpha": 1e-4, "batch_size": 100, "max_iter": 15}
    params.update(shuffle=True, **CLASSIFIER_CONFIGS[name])
    # L-BFGS is full-batch: its penalty is divided by all the rows.
    rows = len(X) if params["solver"] == "lbfgs" else params["batch_size"]
    theirs, ours = _mean_final_losses(SkMLPClassifier, MLPClassifier, X, y, params, rows)
    assert abs(ours / theirs - 1) <= RELATIVE_TOLERANCE, (theirs, ours)


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regressor_final_loss_matches_sklearn(loss):
    X, y = make_regression(300, 10, noise=5, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    if loss == "poisson":
        y = np.random.RandomState(0).poisson(np.exp(0.5 * y)).astype(float)
    params = {
        "hidden_layer_sizes": (16,),
        "alpha": 1e-4,
        "batch_size": 100,
        "max_iter": 40,
        "learning_rate_init": 0.01,
        "shuffle": True,
        "loss": loss,
    }
    theirs, ours = _mean_final_losses(SkMLPRegressor, MLPRegressor, X, y, params, 100)
    assert abs(ours / theirs - 1) <= RELATIVE_TOLERANCE, (theirs, ours)


def test_invscaling_momentum_with_torch_sgd_would_fail_the_tolerance(digits, monkeypatch):
    # The check above has teeth: PyTorch's SGD (the optimizer before) misses it.
    import sknets._optim

    monkeypatch.setitem(sknets._optim.OPTIMIZERS, "sgd", torch.optim.SGD)
    X, y = digits
    params = {"hidden_layer_sizes": (32,), "alpha": 1e-4, "batch_size": 100, "max_iter": 15}
    params.update(CLASSIFIER_CONFIGS["sgd-invscaling-momentum"])
    theirs, ours = _mean_final_losses(SkMLPClassifier, MLPClassifier, X, y, params, 100)
    assert abs(ours / theirs - 1) > 3 * RELATIVE_TOLERANCE, (theirs, ours)
