"""The "Choosing an estimator" table's claims, checked against the estimators.

The input kinds come from each estimator's input adapter
(``data_kinds``) and the key parameters from ``sknets._guide``; every
claim is fitted here on a small example of that kind of data, so the
generated table cannot list an input an estimator does not take.
"""

import numpy as np
import pytest
from _factories import N_ROWS, example_of_kind, small_for_kind
from sklearn.base import is_classifier

from sknets._guide import GUIDE, KEY_PARAMETERS, input_kinds
from sknets.utils import all_estimators

pytestmark = pytest.mark.filterwarnings("ignore:Got batch_size")
ESTIMATORS = dict(all_estimators())
CLAIMS = [(name, kind) for name, cls in ESTIMATORS.items() for kind in input_kinds(cls)]


@pytest.mark.parametrize(("name", "kind"), CLAIMS, ids=[f"{n}-{k}" for n, k in CLAIMS])
def test_each_listed_input_kind_fits_and_predicts(name, kind):
    rng = np.random.default_rng(0)
    X, params, fit_params = example_of_kind(kind, rng)
    estimator = small_for_kind(ESTIMATORS[name], params, kind)
    if hasattr(estimator, "sample"):
        estimator.fit(X, **fit_params)
        assert len(estimator.sample(3, random_state=0)) == 3
        return
    y = rng.integers(0, 2, N_ROWS) if is_classifier(estimator) else rng.normal(size=N_ROWS)
    if name == "Seq2SeqRegressor":
        y = rng.normal(size=(N_ROWS, 1, 3))
    estimator.fit(X, y, **fit_params)
    out = estimator.transform(X) if hasattr(estimator, "transform") else estimator.predict(X)
    assert len(out) == len(X)


def test_every_estimator_has_a_guide_entry_and_existing_key_parameters():
    assert set(GUIDE) == set(ESTIMATORS) == set(KEY_PARAMETERS)
    for name, cls in ESTIMATORS.items():
        params = cls().get_params()
        missing = [p for p in KEY_PARAMETERS[name] if p not in params]
        assert not missing, f"{name} has no parameter {missing}"
