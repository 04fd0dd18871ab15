"""Tables as users have them: numeric, categorical and missing columns.

:class:`TableInput` takes what :class:`TabularInput` takes and also a
DataFrame (or object array) with categorical columns and missing values.
Its fitted :class:`TableEncoding` turns a table into the one float array a
network over a table takes (see :mod:`sknets.networks._tabular`): the
numeric columns transformed and imputed, a 0/1 column per numeric column
that had missing values in training, then one category code per
categorical column (0: rare or unseen in training, 1: missing, 2 onwards:
the kept categories).  Every fitted value is a plain array, a list of
arrays or a string, so that :mod:`skops.io` saves it.
"""

import warnings
from numbers import Integral

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import ndtri
from sklearn.utils.validation import _check_sample_weight, check_array, validate_data

from ._base import TabularInput

__all__ = ["TableEncoding", "TableInput"]

#: A categorical column with more distinct values than this gets a warning.
MANY_CATEGORIES = 1000

# The quantile transform's outputs stay within these probabilities, as in
# scikit-learn's QuantileTransformer: N^-1(1e-7) is about -5.2.
_QUANTILE_CLIP = 1e-7


def _is_frame(X):
    return hasattr(X, "iloc") and hasattr(X, "dtypes")


# What pandas' infer_dtype (one pass in C, missing values skipped) calls numbers.
_NUMBER_KINDS = {"integer", "floating", "mixed-integer-float", "decimal"}


def _column_type(values):
    """``"number"``, ``"boolean"`` or ``"string"``: what a column holds (checked at predict)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return _column_type(pd.Series(values.dtype.categories))
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in _NUMBER_KINDS:
        return "number"
    return "boolean" if kind == "boolean" else "string"


def _has_numeric_dtype(column):
    """Numbers or booleans by dtype (numpy or pandas' nullable ones): no value to inspect."""
    return pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype)


def _columns(X):
    """X as a list of pandas Series (one per column) and the column names to print."""
    if _is_frame(X):
        return [X.iloc[:, i] for i in range(X.shape[1])], [f"column {c!r}" for c in X.columns]
    array = np.asarray(X)
    if array.ndim != 2:
        raise ValueError(f"Expected a 2-D table, got an array of shape {array.shape}.")
    return [pd.Series(array[:, i]) for i in range(array.shape[1])], [
        f"column {i}" for i in range(array.shape[1])
    ]


def _categorical_mask(selection, columns, frame_columns, name):
    """The boolean mask of categorical columns that ``categorical_features`` selects."""
    n_columns = len(columns)
    if selection is None:
        return np.zeros(n_columns, dtype=bool)
    if isinstance(selection, str) and selection == "from_dtype":
        return np.array([_column_type(col) == "string" for col in columns], dtype=bool)
    selection = np.asarray(selection)
    if selection.dtype == bool:
        if selection.shape != (n_columns,):
            raise ValueError(
                f"{name}: categorical_features as a mask needs one entry per column of X "
                f"({n_columns}), got {selection.shape[0] if selection.ndim else 1}."
            )
        return selection.copy()
    mask = np.zeros(n_columns, dtype=bool)
    if selection.dtype.kind in "iu":
        if selection.size and (selection.min() < -n_columns or selection.max() >= n_columns):
            raise ValueError(
                f"{name}: categorical_features {selection.tolist()} holds an index outside "
                f"X's {n_columns} columns."
            )
        mask[selection] = True
        return mask
    if selection.dtype.kind in "UO" and frame_columns is not None:
        lookup = {str(column): i for i, column in enumerate(frame_columns)}
        unknown = [str(s) for s in selection.ravel() if str(s) not in lookup]
        if unknown:
            raise ValueError(
                f"{name}: categorical_features names columns X does not have: {unknown}."
            )
        mask[[lookup[str(s)] for s in selection.ravel()]] = True
        return mask
    if selection.dtype.kind in "UO":
        raise ValueError(
            f"{name}: categorical_features names columns ({selection.tolist()}), which needs "
            "X as a pandas DataFrame; give column indices or a mask for an array."
        )
    raise ValueError(
        f"{name}: categorical_features must be 'from_dtype', None, a boolean mask, column "
        f"indices or column names, got {selection!r}."
    )


def _numeric_values(column, label, name, expected="number"):
    """A column as float64 with NaN for missing values, or a clear error."""
    if _has_numeric_dtype(column):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isinf(values).any():
            raise ValueError(
                f"Input X contains infinity or a value too large ({label} of {name}); X must "
                "be finite or missing."
            )
        return values
    try:
        values = pd.to_numeric(column.astype(object).where(column.notna(), np.nan))
        values = np.asarray(values, dtype=np.float64)
    except (ValueError, TypeError):
        present = column[column.notna()]
        bad = next((v for v in present if not _is_number(v)), present.iloc[0])
        hint = (
            f"it was {'boolean' if expected == 'boolean' else 'numeric'} in fit"
            if expected
            else "it is not categorical"
        )
        raise ValueError(
            f"{name}: {label} holds {bad!r}, which is not a number, and {hint}. Declare it in "
            "categorical_features (or give it the category dtype) at fit, or convert it."
        ) from None
    if np.isinf(values).any():
        raise ValueError(
            f"Input X contains infinity or a value too large ({label} of {name}); X must be "
            "finite or missing."
        )
    return values


def _is_number(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _category_keys(column, numeric_levels):
    """The keys the fitted categories are stored by, for each row, and which rows have one."""
    present = column.notna().to_numpy()
    if isinstance(column.dtype, pd.CategoricalDtype):
        # The keys of the few categories, taken by each row's code.
        category_keys, _ = _category_keys(pd.Series(column.dtype.categories), numeric_levels)
        keys = np.full(len(column), np.nan if numeric_levels else "", dtype=category_keys.dtype)
        keys[present] = category_keys[column.cat.codes.to_numpy()[present]]
        return keys, present
    if numeric_levels and _has_numeric_dtype(column):
        return column.to_numpy(dtype=np.float64, na_value=np.nan), present
    if numeric_levels:
        # An object column: a string is no number here, even "3".
        values = column.to_numpy(dtype=object)
        keys = np.full(len(values), np.nan)
        for i in np.flatnonzero(present):
            if _is_number(values[i]) and not isinstance(values[i], str):
                keys[i] = float(values[i])
        return keys, present
    keys = np.full(len(column), "", dtype=object)
    keys[present] = column[present].astype(str).to_numpy(dtype=object)
    return keys.astype(str), present


def _quantiles(values, weights=None):
    """The reference quantiles of a column, as scikit-learn's QuantileTransformer fits them.

    With ``weights``, those of the rows repeated as many times as their
    (integer) weight says: numpy's linear interpolation on the repeated
    column, which non-integer weights extend.
    """
    present = ~np.isnan(values)
    if weights is None:
        values, weights = values[present], np.ones(int(present.sum()))
    else:
        present &= weights > 0
        values, weights = values[present], weights[present]
    # Gorishniy et al.'s choice: n_quantiles = max(min(n // 30, 1000), 10).
    total = weights.sum()
    n_quantiles = max(min(int(round(total)) // 30, 1000), 10)
    order = np.argsort(values, kind="stable")
    values, ends = values[order], np.cumsum(weights[order])
    # Position h of each quantile among the repeated rows, as numpy's "linear" method.
    positions = np.linspace(0, 1, n_quantiles) * max(total - 1, 0)
    below = np.floor(positions)
    last = len(values) - 1
    lower = values[np.minimum(np.searchsorted(ends, below, side="right"), last)]
    upper = values[np.minimum(np.searchsorted(ends, below + 1, side="right"), last)]
    return lower + (positions - below) * (upper - lower)


def _weighted_nanmean(values, weights):
    """Column means over the present values, weighted (plain where those weigh nothing)."""
    present = ~np.isnan(values)
    if weights is not None:
        w = np.where(present, weights[:, None], 0.0)
        total = w.sum(axis=0)
        if (total > 0).all():
            return np.where(present, values, 0.0).T @ weights / total
    return np.nanmean(values, axis=0)


def _apply_quantiles(values, quantiles):
    """A column mapped to a standard normal by its quantiles (ties averaged, as scikit-learn)."""
    references = np.linspace(0, 1, len(quantiles))
    ranks = 0.5 * (
        np.interp(values, quantiles, references)
        - np.interp(-values, -quantiles[::-1], -references[::-1])
    )
    return ndtri(np.clip(ranks, _QUANTILE_CLIP, 1 - _QUANTILE_CLIP))


class TableEncoding:
    """What a fit learned of a table's columns, and the encoding it applies.

    Fitted on the training rows by :meth:`fit`; :meth:`encode` turns a
    table of the same columns into the network's float array.  Made and
    kept by :class:`TableInput` as the estimator's ``table_encoding_``.

    Attributes
    ----------
    is_categorical : ndarray of bool, shape (n_features_in,)
        The categorical columns.
    column_types : ndarray of str
        ``"number"``, ``"boolean"`` or ``"string"`` for each column, as fit saw it.
    numeric_transform : str or None
        The transform the numeric columns get (``"auto"`` resolved).
    center, scale : ndarray
        Per numeric column, subtracted then divided by (``"standard"``, and
        the imputation of None).
    quantiles : list of ndarray
        Per numeric column, its reference quantiles (``"quantile"``).
    indicators : ndarray of int
        Positions, among the numeric columns, of those that get a missing-value column.
    categories : list of ndarray
        Per categorical column, its kept categories (str, or float for numbers).
    passthrough : bool
        Numeric rows with nothing to encode: X reaches the network as given.
    """

    def fit(
        self, X, *, categorical_features, numeric_transform, min_frequency, name, sample_weight=None
    ):
        columns, labels = _columns(X)
        if not len(columns) or not len(columns[0]):
            raise ValueError(
                f"{name}: X has {len(columns[0]) if columns else 0} sample(s) and "
                f"{len(columns)} feature(s); at least one of each is required."
            )
        # Weights count as repeated rows (a weight of 0 as a row left out),
        # as the estimators' losses take them.
        weights = (
            None
            if sample_weight is None
            else _check_sample_weight(
                sample_weight, range(len(columns[0])), dtype=np.float64, ensure_non_negative=True
            )
        )
        frame_columns = X.columns if _is_frame(X) else None
        self.is_categorical = _categorical_mask(categorical_features, columns, frame_columns, name)
        self.column_types = np.array([_column_type(col) for col in columns], dtype=str)
        numeric = [
            _numeric_values(col, label, name, expected=None)
            for col, label, categorical in zip(columns, labels, self.is_categorical, strict=True)
            if not categorical
        ]
        numeric_labels = [
            label for label, c in zip(labels, self.is_categorical, strict=True) if not c
        ]
        for values, label in zip(numeric, numeric_labels, strict=True):
            if np.isnan(values).all():
                raise ValueError(
                    f"{name}: {label} is missing in every training row; drop it from X."
                )
        counted = slice(None) if weights is None else weights > 0
        has_missing = np.array([np.isnan(values[counted]).any() for values in numeric], dtype=bool)
        table = bool(self.is_categorical.any() or has_missing.any())
        if numeric_transform == "auto":
            # Numeric rows (array or DataFrame alike: scikit-learn's checks compare
            # them) are taken as given, as scikit-learn's MLPs take them.
            numeric_transform = "standard" if table else None
        self.numeric_transform = numeric_transform
        self.indicators = np.flatnonzero(has_missing)
        self._fit_numeric(numeric, weights)
        self.categories = [
            self._fit_categories(col, label, min_frequency, name, weights)
            for col, label, categorical in zip(columns, labels, self.is_categorical, strict=True)
            if categorical
        ]
        self.passthrough = not table and numeric_transform is None and not _is_frame(X)
        self.labels = np.array(labels, dtype=str)
        return self

    def _fit_numeric(self, numeric, weights):
        stacked = np.column_stack(numeric) if numeric else np.empty((0, 0))
        self.center = _weighted_nanmean(stacked, weights) if numeric else np.empty(0)
        self.scale = np.ones_like(self.center)
        self.quantiles = []
        if self.numeric_transform == "standard":
            scale = np.sqrt(_weighted_nanmean((stacked - self.center) ** 2, weights))
            self.scale = np.where(scale > 0, scale, 1.0)
        elif self.numeric_transform == "quantile":
            self.quantiles = [_quantiles(values, weights) for values in numeric]

    def _fit_categories(self, column, label, min_frequency, name, weights):
        numeric_levels = _column_type(column) == "number"
        keys, present = _category_keys(column, numeric_levels)
        if not present.any():
            raise ValueError(f"{name}: {label} is missing in every training row; drop it from X.")
        levels, inverse = np.unique(keys[present], return_inverse=True)
        row_weights = np.ones(len(keys)) if weights is None else weights
        counts = np.bincount(inverse, weights=row_weights[present], minlength=len(levels))
        total = row_weights.sum()
        threshold = min_frequency if isinstance(min_frequency, Integral) else min_frequency * total
        kept = levels[counts >= threshold]
        if len(levels) > MANY_CATEGORIES:
            warnings.warn(
                f"{name}: the categorical column {label} has {len(levels):,} distinct values in "
                f"{len(keys):,} rows. The {len(kept):,} seen at least min_frequency="
                f"{min_frequency} times each get their own embedding; the others share one "
                "with the values unseen in training. An identifier column carries nothing "
                "that generalises: drop it.",
                UserWarning,
                stacklevel=5,
            )
        return kept.astype(np.float64 if numeric_levels else str)

    @property
    def category_sizes(self):
        """The codes of each categorical column: its kept categories, missing, and rare/unseen."""
        return tuple(len(levels) + 2 for levels in self.categories)

    def encode(self, X, *, dtype, name):
        """X (checked against the fit) as the network's float array of ``dtype``."""
        columns, labels = _columns(X)
        numeric, codes = [], []
        for i, (column, label) in enumerate(zip(columns, labels, strict=True)):
            if self.is_categorical[i]:
                codes.append(self._codes(column, self.categories[len(codes)]))
            else:
                numeric.append(_numeric_values(column, label, name, self.column_types[i]))
        n_rows = len(columns[0])
        numeric = np.column_stack(numeric) if numeric else np.empty((n_rows, 0))
        missing = np.isnan(numeric)
        transformed = self._transform(numeric)
        transformed[missing] = 0.0
        if self.numeric_transform is None:
            transformed[missing] = np.broadcast_to(self.center, numeric.shape)[missing]
        blocks = [transformed, missing[:, self.indicators].astype(np.float64)]
        if codes:
            blocks.append(np.column_stack(codes).astype(np.float64))
        rows = np.hstack(blocks)
        with np.errstate(over="ignore"):
            cast = rows.astype(dtype, copy=False)
        if not np.isfinite(cast).all():
            raise ValueError(
                f"Input X contains a value too large for {np.dtype(dtype).name}, the dtype "
                f"{name} computes in."
            )
        return cast

    def _transform(self, numeric):
        if self.numeric_transform == "quantile":
            return (
                np.column_stack(
                    [_apply_quantiles(numeric[:, j], q) for j, q in enumerate(self.quantiles)]
                )
                if self.quantiles
                else numeric.copy()
            )
        if self.numeric_transform == "standard":
            return (numeric - self.center) / self.scale
        return numeric.copy()

    def _codes(self, column, levels):
        keys, present = _category_keys(column, levels.dtype.kind == "f")
        positions = np.searchsorted(levels, keys)
        positions = np.clip(positions, 0, max(len(levels) - 1, 0))
        found = present & (len(levels) > 0)
        if len(levels):
            found &= levels[positions] == keys
        codes = np.where(found, positions + 2, 0)
        return np.where(present, codes, 1)


class TableInput(TabularInput):
    """Tables: DataFrames with numeric, categorical (category, object, string) and missing values.

    Plain numeric rows (numpy, a numeric DataFrame, scipy CSR) without
    missing values are handled exactly as by :class:`TabularInput` unless
    ``numeric_transform`` asks for a transform; anything else goes through
    the estimator's fitted :class:`TableEncoding` (``table_encoding_``).
    The :class:`~sknets.base.DataSpec` carries ``category_sizes`` (the
    codes of each categorical column, the last columns of the encoded
    array) for the network's first layer.
    """

    data_kinds = ("tabular",)
    # The encoding is fitted with the fit's sample_weight (validate takes it).
    weighted_fit = True

    def _transform_choice(self):
        return self.estimator.numeric_transform

    def update_tags(self, tags):
        tags = super().update_tags(tags)
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.sparse = self._transform_choice() in ("auto", None)
        return tags

    def _check_sparse(self, X):
        if self._transform_choice() not in ("auto", None):
            raise TypeError(
                f"{self.name} got sparse X, which numeric_transform="
                f"{self._transform_choice()!r} cannot transform without densifying: dense "
                "data is required; pass X.toarray() or set numeric_transform=None."
            )

    def validate(self, X, y=None, *, reset, dtype, y_numeric=False, sample_weight=None):
        if sp.issparse(X):
            self._check_sparse(X)
            if reset:
                self.estimator.table_encoding_ = None
                self.estimator.is_categorical_ = None
            else:
                self._check_sparse_after_fit()
            return super().validate(X, y, reset=reset, dtype=dtype, y_numeric=y_numeric)
        if reset:
            X = self._checked_table(X)
            encoding = TableEncoding().fit(
                X,
                categorical_features=self.estimator.categorical_features,
                numeric_transform=self._transform_choice(),
                min_frequency=self.estimator.min_frequency,
                name=self.name,
                sample_weight=sample_weight,
            )
            self.estimator.table_encoding_ = encoding
            self.estimator.is_categorical_ = (
                encoding.is_categorical.copy() if encoding.is_categorical.any() else None
            )
        rows = self._encoded(X, reset=reset, dtype=dtype)
        return rows, self._check_y(y, len(rows), y_numeric)

    def validate_predict(self, X, *, dtype):
        if sp.issparse(X):
            self._check_sparse_after_fit()
        if self.estimator.table_encoding_ is None or sp.issparse(X):
            # Fitted on sparse X, or numeric rows given sparse: rows as TabularInput takes them.
            return super().validate_predict(X, dtype=dtype)
        return self._encoded(X, reset=False, dtype=dtype)

    def _check_sparse_after_fit(self):
        encoding = self.estimator.table_encoding_
        if encoding is not None and not encoding.passthrough:
            raise TypeError(
                f"{self.name} was fitted on a table it encodes (categorical or missing values, "
                "or a numeric transform), which sparse X cannot be: pass X.toarray()."
            )

    def _encoded(self, X, *, reset, dtype):
        encoding = self.estimator.table_encoding_
        if encoding.passthrough and not _is_frame(X):
            # A numeric array is looked at once (one-row predictions are
            # latency-bound); anything else is checked first.
            numeric = isinstance(X, np.ndarray) and X.dtype.kind in "fiub"
            array = (
                X
                if numeric
                else check_array(X, dtype=None, ensure_all_finite=False, estimator=self.estimator)
            )
            if array.dtype.kind in "iub" or (array.dtype.kind == "f" and not np.isnan(array).any()):
                # Numeric rows as today's TabularInput takes them.
                return validate_data(self.estimator, X, reset=reset, dtype=dtype)
        X = self._checked_table(X)
        validate_data(self.estimator, X, reset=reset, skip_check_array=True)
        if _is_frame(X) and not reset:
            self._check_column_types(X, encoding)
        return encoding.encode(X, dtype=dtype, name=self.name)

    def _checked_table(self, X):
        """X as a DataFrame or a 2-D array with rows and columns (scikit-learn's messages)."""
        if not _is_frame(X):
            return check_array(X, dtype=None, ensure_all_finite=False, estimator=self.estimator)
        for count, what in ((X.shape[0], "sample"), (X.shape[1], "feature")):
            if count == 0:
                raise ValueError(
                    f"Found array with 0 {what}(s) (shape={X.shape}) while a minimum of 1 is "
                    f"required by {self.name}."
                )
        return X

    def _check_column_types(self, X, encoding):
        pairs = zip(encoding.column_types, encoding.labels, strict=True)
        for i, (fitted, label) in enumerate(pairs):
            now = _column_type(X.iloc[:, i])
            if encoding.is_categorical[i] or now == fitted or not X.iloc[:, i].notna().any():
                continue
            if {fitted, now} <= {"number", "boolean"}:
                continue
            raise ValueError(
                f"{self.name}: {label} held {fitted} values in fit and holds {now} values now; "
                "a column keeps its type between fit and predict."
            )

    def sizes(self, X):
        sizes = super().sizes(X)
        encoding = getattr(self.estimator, "table_encoding_", None)
        if encoding is not None and encoding.categories:
            sizes["category_sizes"] = encoding.category_sizes
        return sizes
