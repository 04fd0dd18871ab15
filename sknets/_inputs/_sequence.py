"""Sequences for the recurrent and transformer families: series or token ids.

The estimator's ``vocab_size`` chooses: ``None`` takes series (3-D float
arrays ``(n_samples, n_channels, n_timepoints)``, or 2-D rows as univariate
series, as the convolutional family does); an int takes a 2-D integer array
of token ids padded with 0 (:class:`TokenInput`).

Series may be of different lengths: a shorter series is padded at its end
with NaN in every channel, and the network masks those steps. NaN anywhere
else (inside a series, or in some channels of a step only) and infinite
values are refused before any training.
"""

import numpy as np
from sklearn.utils.validation import validate_data

from ._conv import SeriesInput
from ._ids import TokenInput

__all__ = ["PaddedSeriesInput", "sequence_input"]


def sequence_input(estimator):
    """The adapter of a sequence estimator: token ids when ``vocab_size`` is set, else series."""
    if getattr(estimator, "vocab_size", None) is not None:
        return TokenInput(estimator)
    return PaddedSeriesInput(estimator)


class PaddedSeriesInput(SeriesInput):
    """Series whose trailing NaN steps are padding (variable-length series).

    The NaN stay in the array the network takes: it reads them as its
    padding mask (see :func:`sknets.networks.sequence_mask`).
    """

    def validate(self, X, y=None, *, reset, dtype, y_numeric=False):
        if not reset:
            self._check_layout(X)
        X, y = self._validate_data(
            X,
            y,
            y_numeric=y_numeric,
            reset=reset,
            accept_sparse=False,
            dtype=dtype,
            allow_nd=True,
            ensure_all_finite="allow-nan",
        )
        X = self._network_layout(X)
        self._check_padding(X)
        if reset:
            self.estimator.input_shape_ = tuple(int(size) for size in X.shape[1:])
        else:
            self._check_fitted_shape(X)
        return X, y

    def validate_predict(self, X, *, dtype):
        self._check_layout(X)
        X = validate_data(
            self.estimator,
            X,
            reset=False,
            accept_sparse=False,
            dtype=dtype,
            allow_nd=True,
            ensure_all_finite="allow-nan",
        )
        X = self._network_layout(X)
        self._check_padding(X)
        self._check_fitted_shape(X)
        return X

    def _check_padding(self, X):
        """Refuse NaN that are not trailing padding, and infinite values."""
        if np.isinf(X).any():
            raise ValueError(f"Input X contains infinity; {self.name} takes finite values.")
        missing = np.isnan(X)
        if not missing.any():
            return
        padded = missing.all(axis=1)  # (n, T): steps missing in every channel
        partial = missing.any(axis=1) & ~padded
        if partial.any():
            sample, step = np.argwhere(partial)[0]
            raise ValueError(
                f"Input X contains NaN in some channels but not all at time step {step} of "
                f"sample {sample}. {self.name} reads NaN only as padding: a shorter series "
                "is padded at its end with NaN in every channel. Impute missing values "
                "first (e.g. with sklearn.impute.SimpleImputer on 2-D rows)."
            )
        inner = padded[:, :-1] & ~padded[:, 1:]
        if inner.any():
            sample, step = np.argwhere(inner)[0]
            raise ValueError(
                f"Input X contains NaN at time step {step} of sample {sample}, followed by "
                f"values. {self.name} reads NaN only as trailing padding of a shorter "
                "series; NaN inside a series is missing data: impute it first (e.g. with "
                "sklearn.impute.SimpleImputer on 2-D rows)."
            )
        empty = padded[:, 0]
        if empty.any():
            raise ValueError(
                f"Input X contains NaN in every time step of sample {np.flatnonzero(empty)[0]}"
                f": {self.name} needs at least one observed step per series."
            )
