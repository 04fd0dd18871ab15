"""Integer inputs that must stay exact: token ids and (user, item) id pairs.

Both become int64 tensors, never floats: float32 holds integers exactly
only up to 2**24, so ids above it would collide.
"""

import numpy as np
import pandas as pd
from sklearn.utils.validation import _check_feature_names, check_array

from ._base import InputAdapter

__all__ = ["IdInput", "IdPairInput", "TokenInput"]


def _as_int64(X, what, name):
    """X (a validated numeric array) as int64, refusing non-integral values."""
    if np.issubdtype(X.dtype, np.integer):
        return X.astype(np.int64, copy=False)
    if np.issubdtype(X.dtype, np.floating) and np.all(np.mod(X, 1) == 0):
        if np.abs(X).max(initial=0) > 2**53:
            raise ValueError(f"{name} got {what} above 2**53 as floats; pass them as integers.")
        return X.astype(np.int64)
    raise ValueError(
        f"{name} takes {what} as integers, but X has values of dtype {X.dtype} that are "
        "not all whole numbers."
    )


def token_vocab_size(estimator):
    """The number of token ids a sequence estimator embeds, None for series.

    Once fitted, the fitted ``vocab_size_``; before, the ``vocab_size``
    parameter.
    """
    if "vocab_size_" in vars(estimator):
        return estimator.vocab_size_
    return getattr(estimator, "vocab_size", None)


class TokenInput(InputAdapter):
    """Token ids: a 2-D integer array ``(n_samples, max_len)`` padded with 0.

    Reads the estimator's ``vocab_size``; every id must lie in ``[0,
    vocab_size)``.  Predict accepts another sequence length (more or less
    padding), so the number of columns is not checked there.
    """

    data_kinds = ("tokens",)

    def _check(self, X):
        X = _as_int64(X, "token ids", self.name)
        vocab_size = token_vocab_size(self.estimator)
        if X.size and (X.min() < 0 or X.max() >= vocab_size):
            raise ValueError(
                f"{self.name} got token ids in [{X.min()}, {X.max()}], but vocab_size="
                f"{vocab_size} allows ids in [0, {vocab_size - 1}] (0 is padding)."
            )
        return X

    def validate(self, X, y=None, *, reset, dtype, y_numeric=False):
        X, y = self._validate_data(X, y, y_numeric=y_numeric, reset=reset, dtype="numeric")
        return self._check(X), y

    def validate_predict(self, X, *, dtype):
        _check_feature_names(self.estimator, X, reset=False)
        X = check_array(X, dtype="numeric", estimator=self.estimator)
        return self._check(X)

    def sizes(self, X):
        return {
            "sample_shape": (int(X.shape[1]),),
            "vocab_size": int(token_vocab_size(self.estimator)),
            "max_len": int(X.shape[1]),
        }


class IdInput(InputAdapter):
    """Columns of categorical ids (users, items, contexts): ints or strings, numpy or pandas.

    Fit learns the known ids of each column (``categories_``, sorted, as
    scikit-learn's OrdinalEncoder) and the network sees their indices,
    int64; an id unseen in fit becomes the index one past the column's
    known ones, so a network that keeps one extra row per column for it
    predicts unknown ids without failing.  ``n_columns`` (class attribute)
    fixes the number of columns where the data have a meaning per column.
    """

    data_kinds = ("ids",)
    n_columns = None
    column_names = None

    def _validated(self, X, y, *, reset, y_numeric):
        self._check_no_missing_ids(X)
        X, y = self._validate_data(X, y, y_numeric=y_numeric, reset=reset, dtype=None)
        if self.n_columns is not None and X.shape[1] != self.n_columns:
            raise ValueError(
                f"{self.name} takes {self.n_columns} id columns ({', '.join(self.column_names)}), "
                f"but X has {X.shape[1]} columns."
            )
        return X, y

    def _check_no_missing_ids(self, X):
        """Refuse None and pd.NA ids, before scikit-learn's checks (which pd.NA breaks).

        scikit-learn names NaN in numeric columns itself; an object column
        may hold None or pd.NA, which no id can stand for.
        """
        values = np.asarray(X)
        if values.dtype != object or values.ndim != 2:
            return
        missing = pd.isna(values)
        if missing.any():
            row, j = np.argwhere(missing)[0]
            names = self.column_names or ()
            column = f" ({names[j]})" if j < len(names) else ""
            raise ValueError(
                f"{self.name} takes an id in every cell, but X has a missing one "
                f"({values[row, j]!r}) in row {row}, column {j}{column}."
            )

    def validate(self, X, y=None, *, reset, dtype, y_numeric=False):
        X, y = self._validated(X, y, reset=reset, y_numeric=y_numeric)
        if reset:
            try:
                self.estimator.categories_ = [_column(X, j) for j in range(X.shape[1])]
            except TypeError as error:
                raise TypeError(
                    f"{self.name} takes id columns whose every argument must be a string "
                    f"or a number, one type per column: {error}"
                ) from None
        return self._indices(X), y

    def validate_predict(self, X, *, dtype):
        X, _ = self._validated(X, None, reset=False, y_numeric=False)
        return self._indices(X)

    def _indices(self, X):
        columns = []
        for j, known in enumerate(self.estimator.categories_):
            column = X[:, j]
            if column.dtype == object and known.dtype != object:
                try:
                    column = column.astype(known.dtype)
                except (TypeError, ValueError):
                    raise ValueError(
                        f"{self.name} was fitted on {known.dtype} ids in column {j}; X has "
                        f"ids of another type there: {column[:3].tolist()}..."
                    ) from None
            index = np.searchsorted(known, column)
            clipped = np.minimum(index, len(known) - 1)
            columns.append(np.where(known[clipped] == column, index, len(known)))
        return np.stack(columns, axis=1).astype(np.int64)

    def sizes(self, X):
        n_ids = tuple(len(known) for known in self.estimator.categories_)
        return {"sample_shape": (len(n_ids),), "n_ids": n_ids}


def _column(X, j):
    """The sorted known ids of column ``j``, in the column's own type (int64 stays int64)."""
    column = X[:, j]
    if column.dtype == object:
        values = column.tolist()
        kinds = {type(value) for value in values}
        if all(issubclass(kind, int | np.integer) for kind in kinds):
            column = np.asarray(values, dtype=np.int64)
    return np.unique(column)


class IdPairInput(IdInput):
    """Two id columns, (user, item), as collaborative filtering takes them.

    Adds ``n_users`` and ``n_items`` (the known ids of each column) to the
    DataSpec; unknown ids become index ``n_users`` or ``n_items``.
    """

    data_kinds = ("id pairs",)
    n_columns = 2
    column_names = ("user", "item")

    def sizes(self, X):
        sizes = super().sizes(X)
        return {**sizes, "n_users": sizes["n_ids"][0], "n_items": sizes["n_ids"][1]}
