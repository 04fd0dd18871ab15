"""Small estimator factories shared by the test modules."""

from sknets import MLPClassifier, MLPRegressor


def small_classifier(device, **params):
    """A tiny, seeded MLPClassifier (8 hidden units, 10 epochs) on ``device``."""
    params = {"hidden_layer_sizes": (8,), "max_iter": 10, "random_state": 0, **params}
    return MLPClassifier(device=device, **params)


def small_regressor(device, **params):
    """A tiny, seeded MLPRegressor (8 hidden units, 10 epochs) on ``device``."""
    params = {"hidden_layer_sizes": (8,), "max_iter": 10, "random_state": 0, **params}
    return MLPRegressor(device=device, **params)
