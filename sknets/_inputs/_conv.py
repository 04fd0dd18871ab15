"""Images and series for the convolutional (and later the sequence) families.

Rules (the contract page, "Input shapes"):

* a 4-D array is images ``(n_samples, channels, height, width)``;
* a 3-D array is series ``(n_samples, channels, timepoints)`` for the
  estimators that take series, and grayscale images
  ``(n_samples, height, width)`` for the image-only ones;
* 2-D rows with the estimator's ``input_shape`` are reshaped to
  ``(n_samples, *input_shape)`` and then follow the two rules above, so
  that a ``StandardScaler`` can run first in a pipeline;
* a 2-D array without ``input_shape`` is a univariate series ``(n, 1, T)``
  for the estimators that take series, and a one-row image ``(n, 1, 1, F)``
  for the image-only ones.

Sparse input is refused: a convolution needs the dense layout.
"""

import contextlib

import numpy as np
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import validate_data

from .._params import as_positive_ints
from ._base import InputAdapter

__all__ = ["ImageInput", "ImageOrSeriesInput", "SeriesInput"]

_KIND_TEXT = {
    "any": "series (n_samples, n_channels, n_timepoints) or images "
    "(n_samples, channels, height, width)",
    "images": "images (n_samples, channels, height, width) or (n_samples, height, width)",
    "series": "series (n_samples, n_channels, n_timepoints)",
}


class ImageOrSeriesInput(InputAdapter):
    """Images or series, chosen by the shape of X; reads ``input_shape``.

    Sets ``input_shape_`` (one sample, channels first) at fit; predict
    refuses samples of another shape.
    """

    kind = "any"
    data_kinds = ("images", "series")
    three_d_array = True
    # Whether a 2-D array without input_shape is read (as univariate series
    # or one-row images); not by a module's input, for which it is a table.
    univariate_rows = True

    def _input_shape(self):
        value = self.estimator.input_shape
        if value is None:
            return None
        shape = as_positive_ints(value, allow_int=False)
        if shape is None or not 1 <= len(shape) <= 3:
            raise InvalidParameterError(
                f"The 'input_shape' parameter of {self.name} must be None or the shape of "
                "one sample, (channels, timepoints) or (channels, height, width). Got "
                f"{value!r} instead."
            )
        return shape

    def check_params(self):
        self._input_shape()

    # scikit-learn's ensure_all_finite; a subclass that reads NaN as padding
    # allows them and checks where they stand in _check_values.
    ensure_all_finite = True

    def _check_values(self, X):
        """Checks of X in the network's layout, beyond scikit-learn's (none here)."""

    def validate(self, X, y=None, *, reset, dtype, y_numeric=False):
        if not reset:
            self._check_layout(X)
        with self._ragged_samples_explained():
            X, y = self._validate_data(
                X,
                y,
                y_numeric=y_numeric,
                reset=reset,
                accept_sparse=False,
                dtype=dtype,
                allow_nd=True,
                ensure_all_finite=self.ensure_all_finite,
            )
        X = self._network_layout(X)
        self._check_values(X)
        if reset:
            self.estimator.input_shape_ = tuple(int(size) for size in X.shape[1:])
        else:
            self._check_fitted_shape(X)
        return X, y

    def validate_predict(self, X, *, dtype):
        self._check_layout(X)
        with self._ragged_samples_explained():
            X = validate_data(
                self.estimator,
                X,
                reset=False,
                accept_sparse=False,
                dtype=dtype,
                allow_nd=True,
                ensure_all_finite=self.ensure_all_finite,
            )
        X = self._network_layout(X)
        self._check_values(X)
        self._check_fitted_shape(X)
        return X

    def sizes(self, X):
        sample_shape = tuple(int(size) for size in X.shape[1:])
        return {
            "sample_shape": sample_shape,
            "in_channels": sample_shape[0],
            "spatial_dims": len(sample_shape) - 1,
        }

    # How samples of different shapes reach this adapter, if at all.
    ragged_advice = (
        "every sample must have the same shape; series of different lengths are taken "
        "by the RNN, LSTM, GRU and transformer estimators, padded at their end with NaN"
    )

    @contextlib.contextmanager
    def _ragged_samples_explained(self):
        """numpy's "inhomogeneous shape" error, said in terms of samples."""
        try:
            yield
        except ValueError as error:
            if "inhomogeneous" not in str(error):
                raise
            raise ValueError(
                f"{self.name} got samples of different shapes (nested lists of unequal "
                f"lengths): {self.ragged_advice}."
            ) from None

    def _check_layout(self, X):
        """Refuse an array whose samples are not shaped as at fit, naming both shapes.

        Runs before scikit-learn's validation, whose feature-count message
        ("X has 6 features, but ... is expecting 1 features") would speak
        of features where a 3-D or 4-D array's second axis holds channels.
        """
        shape = getattr(X, "shape", None)
        expected = getattr(self.estimator, "input_shape_", None)
        if shape is None or expected is None or len(shape) < 3:
            return
        got = tuple(int(size) for size in shape[1:])
        as_taken = (1, *got) if len(got) == 2 and self.kind == "images" else got
        if as_taken == expected:
            return
        layout = (
            "(n_samples, channels, height, width)"
            if len(expected) == 3
            else ("(n_samples, channels, timepoints)")
        )
        hint = ""
        if len(got) == len(expected) and (got[-1], *got[:-1]) == expected:
            axes = ", ".join(str(axis) for axis in (0, len(got), *range(1, len(got))))
            hint = f" The channels look last: move them first, e.g. X.transpose({axes})."
        raise ValueError(
            f"{self.name} was fitted on samples of shape {expected}, channels first: X "
            f"must be {layout} = (n_samples, {', '.join(map(str, expected))}), or 2-D rows "
            f"of {int(np.prod(expected))} values. Got X of shape {tuple(shape)}: "
            f"expected {expected}, got {as_taken}.{hint}"
        )

    def _check_fitted_shape(self, X):
        got = tuple(int(size) for size in X.shape[1:])
        expected = self.estimator.input_shape_
        if got != expected:
            raise ValueError(
                f"X has samples of shape {got} (channels first, as the network takes "
                f"them), but {self.name} was fitted on samples of shape {expected}: "
                f"expected {expected}, got {got}."
            )

    def _network_layout(self, X):
        """X (validated, floating) as a view of shape (n, C, T) or (n, C, H, W)."""
        n_samples = X.shape[0]
        shape = self._input_shape()
        if shape is not None:
            if X.ndim == 2:
                if int(np.prod(shape)) != X.shape[1]:
                    raise ValueError(
                        f"input_shape={shape} holds {int(np.prod(shape))} values per sample, "
                        f"but X has {X.shape[1]} features per row; {self.name} reshapes each "
                        "row to input_shape, so the two numbers must be equal."
                    )
                X = X.reshape(n_samples, *shape)
            elif X.shape[1:] != shape:
                raise ValueError(
                    f"X has samples of shape {X.shape[1:]}, but input_shape={shape}. "
                    "input_shape describes how 2-D rows are reshaped; pass 2-D rows, or "
                    "leave input_shape=None for arrays that already have their shape."
                )
        if X.ndim == 2:
            # A univariate series (n, 1, T), or a one-row image (n, 1, 1, F).
            X = X[:, None, None, :] if self.kind == "images" else X[:, None, :]
        elif X.ndim == 3 and self.kind == "images":
            X = X[:, None, :, :]  # grayscale images (n, H, W)
        elif X.ndim == 4 and self.kind == "series":
            raise ValueError(
                f"{self.name} takes series of shape (n_samples, n_channels, n_timepoints) "
                f"or 2-D rows, but got a 4-D array of shape {X.shape} (images). Use "
                "CNNClassifier or ResNetClassifier for images."
            )
        elif X.ndim > 4:
            raise ValueError(
                f"{self.name} takes 2-D rows or {_KIND_TEXT[self.kind]}, but got a "
                f"{X.ndim}-D array of shape {X.shape}."
            )
        if 0 in X.shape[1:]:
            raise ValueError(
                f"Found array with a sample shape of {X.shape[1:]} while a minimum of 1 is "
                f"required by {self.name} along every axis."
            )
        return X


class ImageInput(ImageOrSeriesInput):
    """Images only: 3-D X is grayscale ``(n, H, W)``, 2-D rows one-row images."""

    kind = "images"
    data_kinds = ("images",)


class SeriesInput(ImageOrSeriesInput):
    """Series only: 4-D X (images) is refused."""

    kind = "series"
    data_kinds = ("series",)
