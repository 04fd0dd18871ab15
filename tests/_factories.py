"""Small estimator factories shared by the test modules."""

from sklearn.base import clone

from sknets import MLPClassifier, MLPRegressor


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
