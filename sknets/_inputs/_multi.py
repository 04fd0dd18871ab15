"""Several inputs at once: a dict of arrays, one entry per network input."""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array, check_consistent_length

from ._base import InputAdapter

__all__ = ["DictInput"]


class DictInput(InputAdapter):
    """A dict ``{name: array}`` whose arrays share their first axis.

    Float arrays take the estimator's ``dtype``; integer arrays (ids,
    tokens) stay int64.  The network's ``forward`` receives the dict.  Plain
    2-D data (what ``check_estimator`` and most users send) becomes
    ``{"X": X}``.  Fit records ``input_shapes_`` (one sample per input);
    predict needs the same names and shapes.
    """

    data_kinds = ("column groups",)

    def _validate_array(self, key, value, dtype):
        if not isinstance(key, str):
            raise ValueError(f"{self.name} takes a dict with str keys, got the key {key!r}.")
        value = check_array(
            value, dtype="numeric", allow_nd=True, ensure_2d=False, estimator=self.estimator
        )
        if value.ndim == 1:
            value = value[:, None]
        if np.issubdtype(value.dtype, np.integer):
            return value.astype(np.int64, copy=False)
        return value.astype(dtype, copy=False)

    def _validated(self, X, y, *, reset, dtype, y_numeric):
        # A scipy DOK matrix is a dict too: it goes to validate_data, which refuses it.
        if not isinstance(X, dict) or sp.issparse(X):
            X, y = self._validate_data(X, y, y_numeric=y_numeric, reset=reset, dtype=dtype)
            return {"X": X}, y
        if not X:
            raise ValueError(f"{self.name} got an empty dict of inputs.")
        if reset:
            self._forget_feature_names()
        inputs = {key: self._validate_array(key, value, dtype) for key, value in X.items()}
        check_consistent_length(*inputs.values())
        return inputs, self._check_y(y, len(next(iter(inputs.values()))), y_numeric)

    def validate(self, X, y=None, *, reset, dtype, y_numeric=False):
        inputs, y = self._validated(X, y, reset=reset, dtype=dtype, y_numeric=y_numeric)
        shapes = {key: value.shape[1:] for key, value in inputs.items()}
        if reset:
            self.estimator.input_shapes_ = shapes
        else:
            self._check_shapes(shapes)
        return inputs, y

    def validate_predict(self, X, *, dtype):
        inputs, _ = self._validated(X, None, reset=False, dtype=dtype, y_numeric=False)
        self._check_shapes({key: value.shape[1:] for key, value in inputs.items()})
        return inputs

    def _check_shapes(self, shapes):
        expected = self.estimator.input_shapes_
        if shapes != expected:
            raise ValueError(
                f"{self.name} was fitted on inputs {expected} (name: shape of one sample), "
                f"but got {shapes}."
            )

    def sizes(self, X):
        shapes = {key: tuple(int(s) for s in value.shape[1:]) for key, value in X.items()}
        return {"sample_shape": shapes, "input_shapes": shapes}

    def n_samples(self, X):
        return len(next(iter(X.values())))
