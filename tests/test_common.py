"""scikit-learn's own estimator checks over every public sknets estimator.

Estimators are discovered with ``all_estimators`` (never listed by hand) and
built with their ``_get_test_params`` (tiny networks, few epochs).
"""

import ast
import inspect
import os
import re

import pytest
from _factories import run_sklearn_check
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknets import TextTokenizer
from sknets.utils import all_estimators

# SKNETS_TEST_DEVICE=cuda runs the same checks on a GPU.
_DEVICE = os.environ.get("SKNETS_TEST_DEVICE", "cpu")


def _instances():
    for _, cls in all_estimators():
        yield cls(**cls._get_test_params(), device=_DEVICE)


def test_estimators_are_discovered():
    names = {name for name, _ in all_estimators()}
    assert {"MLPClassifier", "MLPRegressor"} <= names


# TextTokenizer takes strings: scikit-learn runs the checks it has for text
# (as for its own CountVectorizer); tests/test_text.py covers the rest.
@parametrize_with_checks([*_instances(), TextTokenizer()])
def test_sklearn_compatible_estimator(estimator, check):
    run_sklearn_check(estimator, check)


@pytest.mark.parametrize("name, cls", all_estimators())
def test_public_estimator_has_examples_and_device(name, cls):
    assert "Examples" in (cls.__doc__ or ""), f"{name} docstring has no Examples section"
    # Where the architecture comes from: the paper (or library) it follows.
    assert "References\n    ----------" in cls.__doc__, f"{name} docstring has no References"
    # When to use it and what it costs (sknets._guide, also the "Choosing" page).
    assert "**When to use it.**" in cls.__doc__, f"{name} has no entry in sknets._guide"
    params = cls().get_params()
    assert params["device"] == "auto"
    assert "random_state" in params


@pytest.mark.parametrize("name, cls", all_estimators())
def test_docstring_documents_every_parameter_with_its_default(name, cls):
    # The Parameters section is generated from the same declaration as
    # __init__ (sknets._params); this keeps the two from drifting apart.
    signature = inspect.signature(cls.__init__)
    section = cls.__doc__.split("Parameters\n    ----------")[1].split("\n    Attributes")[0]
    documented = dict(re.findall(r"\n    (\w+) : ([^\n]*)", section))
    assert set(documented) == set(signature.parameters) - {"self"}
    for parameter, line in documented.items():
        default = re.search(r"default=(.+)$", line)
        assert default, f"{name}.{parameter}: no default in {line!r}"
        value = signature.parameters[parameter].default
        assert ast.literal_eval(default.group(1).strip()) == value, f"{name}.{parameter}"
