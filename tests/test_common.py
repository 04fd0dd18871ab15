"""scikit-learn's own estimator checks over every public sknets estimator.

Estimators are discovered with ``all_estimators`` (never listed by hand) and
built with their ``_get_test_params`` (tiny networks, few epochs).
"""

import os

import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknets.utils import all_estimators

# Checks that get other settings than the class's test parameters, and why.
# Both sample-weight equivalence checks compare repeated rows with integer
# weights at rtol=1e-7; float32 training reorders sums, so after a few epochs
# the two fits drift apart by ~1e-6 although every gradient is the same in
# exact arithmetic.  One epoch keeps the comparison within float32 rounding
# while still failing if weights were applied wrongly.
_PER_CHECK_PARAMS = {
    "check_sample_weight_equivalence_on_dense_data": {"max_iter": 1},
    "check_sample_weight_equivalence_on_sparse_data": {"max_iter": 1},
}

# Expected failures: none. scikit-learn's own MLPClassifier/MLPRegressor
# need none either (DESIGN.md, principle 6).
_EXPECTED_FAILED_CHECKS = {}


# SKNETS_TEST_DEVICE=cuda runs the same checks on a GPU.
_DEVICE = os.environ.get("SKNETS_TEST_DEVICE", "cpu")


def _instances():
    for _, cls in all_estimators():
        yield cls(**cls._get_test_params(), device=_DEVICE)


def test_estimators_are_discovered():
    names = {name for name, _ in all_estimators()}
    assert {"MLPClassifier", "MLPRegressor"} <= names


@parametrize_with_checks(
    list(_instances()),
    expected_failed_checks=lambda est: _EXPECTED_FAILED_CHECKS.get(type(est).__name__, {}),
)
def test_sklearn_compatible_estimator(estimator, check):
    name = getattr(check, "func", check).__name__
    if name in _PER_CHECK_PARAMS:
        # The instance is shared by every check of the class: change a copy.
        estimator = clone(estimator).set_params(**_PER_CHECK_PARAMS[name])
    check(estimator)


@pytest.mark.parametrize("name, cls", all_estimators())
def test_public_estimator_has_examples_and_device(name, cls):
    assert "Examples" in (cls.__doc__ or ""), f"{name} docstring has no Examples section"
    params = cls().get_params()
    assert params["device"] == "auto"
    assert "random_state" in params
