"""scikit-learn's own estimator checks over every public sknets estimator.

Estimators are discovered with ``all_estimators`` (never listed by hand) and
built with their ``_get_test_params`` (tiny networks, few epochs).
"""

import ast
import inspect
import os
import re

import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknets.utils import all_estimators

# Checks that get other settings than the class's test parameters, and why.
# Both sample-weight equivalence checks compare a fit on repeated rows with
# a fit on integer weights at rtol=1e-7.  In float32 the two fits sum their
# gradients and batch statistics in different orders, and one float32 unit
# in a logit is already 6e-8..1.2e-7 of it, so they run in float64, where
# the same training (every epoch, with the penalty and the batch norms)
# agrees to ~1e-13.  No expected failures: the weighting is exact.
_PER_CHECK_PARAMS = {
    "check_sample_weight_equivalence_on_dense_data": {"dtype": "float64"},
    "check_sample_weight_equivalence_on_sparse_data": {"dtype": "float64"},
}

# SKNETS_TEST_DEVICE=cuda runs the same checks on a GPU.
_DEVICE = os.environ.get("SKNETS_TEST_DEVICE", "cpu")


def _instances():
    for _, cls in all_estimators():
        yield cls(**cls._get_test_params(), device=_DEVICE)


def test_estimators_are_discovered():
    names = {name for name, _ in all_estimators()}
    assert {"MLPClassifier", "MLPRegressor"} <= names


@parametrize_with_checks(list(_instances()))
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


@pytest.mark.parametrize("name, cls", all_estimators())
def test_docstring_documents_every_parameter_with_its_default(name, cls):
    # The shared parameter docs are spliced in with per-family defaults
    # (sknets._docstrings.with_defaults); this keeps them true to __init__.
    signature = inspect.signature(cls.__init__)
    section = cls.__doc__.split("Parameters\n    ----------")[1].split("\n    Attributes")[0]
    documented = dict(re.findall(r"\n    (\w+) : ([^\n]*)", section))
    assert set(documented) == set(signature.parameters) - {"self"}
    for parameter, line in documented.items():
        default = re.search(r"default=(.+)$", line)
        assert default, f"{name}.{parameter}: no default in {line!r}"
        value = signature.parameters[parameter].default
        assert ast.literal_eval(default.group(1).strip()) == value, f"{name}.{parameter}"
