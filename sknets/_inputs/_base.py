"""The adapter interface, DataSpec and the tabular adapter."""

import contextlib

from pandas.api import types as pd_api
from sklearn.utils.validation import _check_y, check_consistent_length, validate_data

from .._batches import TensorBatches

__all__ = ["DataSpec", "InputAdapter", "TabularInput"]


class DataSpec:
    """What the training data determined, handed to ``_build_module`` in one object.

    Every adapter sets ``sample_shape`` (one sample as the network takes
    it) and the kind sets ``n_outputs`` (None for transformers and
    generators); adapters add their own sizes: ``n_features``,
    ``in_channels`` and ``spatial_dims`` (images, series), ``vocab_size``
    and ``max_len`` (token ids), ``n_users`` and ``n_items`` (id pairs),
    ``input_shapes`` (a dict of inputs), ``n_nodes`` (a graph).

    Examples
    --------
    >>> from sknets.base import DataSpec
    >>> spec = DataSpec(sample_shape=(4,), n_features=4, n_outputs=3)
    >>> spec.n_features, spec.n_outputs
    (4, 3)
    """

    def __init__(self, **sizes):
        self.__dict__.update(sizes)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(
            f"The training data determined no {name!r}; this DataSpec holds "
            f"{sorted(self.__dict__)}."
        )

    def as_dict(self):
        """The sizes as a dict."""
        return dict(self.__dict__)

    def __eq__(self, other):
        return isinstance(other, DataSpec) and self.__dict__ == other.__dict__

    def __repr__(self):
        sizes = ", ".join(f"{key}={value!r}" for key, value in self.__dict__.items())
        return f"DataSpec({sizes})"


class InputAdapter:
    """How one kind of data reaches a network; base class of the adapters.

    An adapter is made from the estimator (``Adapter(estimator)``) at each
    call and keeps no state of its own: what predict must check later is
    set on the estimator as fitted attributes (``n_features_in_``,
    ``input_shape_``...).

    Class attributes: ``data_kinds`` (the kinds of data of the contract
    page's "Input shapes" the adapter is made for, as the "Choosing an
    estimator" page lists them; every adapter also takes plain 2-D float
    rows), ``sparse`` (scipy CSR input accepted), ``three_d_array`` (3-D and 4-D
    arrays accepted) and ``rows_independent`` (each sample's output depends
    on that sample only, so prediction may run in batches padded to a block
    of rows; False for a graph).
    """

    data_kinds = ("tabular",)
    sparse = False
    three_d_array = False
    rows_independent = True

    def __init__(self, estimator):
        self.estimator = estimator

    @property
    def name(self):
        return type(self.estimator).__name__

    def check_params(self):
        """Check the estimator parameters the adapter reads (InvalidParameterError)."""

    def validate(self, X, y=None, *, reset, dtype, y_numeric=False):
        """Validated ``(X, y)`` for training, X in the network's layout.

        ``y=None`` for transformers and generators.  Sets the fitted
        attributes that predict checks against when ``reset``.
        """
        raise NotImplementedError

    def validate_predict(self, X, *, dtype):
        """Validated X for prediction, in the network's layout."""
        raise NotImplementedError

    def sizes(self, X):
        """The sizes that X determines, for the DataSpec (``sample_shape`` at least)."""
        return {"sample_shape": tuple(int(size) for size in X.shape[1:])}

    def n_samples(self, X):
        return X.shape[0]

    def dataset(self, X, y, sample_weight, device):
        """The batches the training loop takes."""
        return TensorBatches(X, y, sample_weight, device=device)

    def update_tags(self, tags):
        tags.input_tags.sparse = self.sparse
        tags.input_tags.three_d_array = self.three_d_array
        return tags

    def _validate_data(self, X, y, *, y_numeric, **arguments):
        """scikit-learn's ``validate_data`` on X, and on y where there is one."""
        if y is None:
            return validate_data(self.estimator, X, **arguments), None
        return validate_data(
            self.estimator, X, y, multi_output=True, y_numeric=y_numeric, **arguments
        )

    # Shared by the adapters whose X is not one array that validate_data takes.
    def _check_y(self, y, n_samples, y_numeric):
        if y is None:
            return None
        y = _check_y(y, multi_output=True, y_numeric=y_numeric, estimator=self.estimator)
        check_consistent_length(range(n_samples), y)
        return y

    def _forget_feature_names(self):
        """Drop n_features_in_ and feature_names_in_ of an earlier fit on a plain array."""
        for attribute in ("n_features_in_", "feature_names_in_"):
            self.estimator.__dict__.pop(attribute, None)


#: The estimators that take a table with categorical and missing values (TableInput).
TABLE_ESTIMATORS = (
    "MLPClassifier/MLPRegressor, TabMClassifier/TabMRegressor, "
    "FTTransformerClassifier/FTTransformerRegressor and ModuleClassifier/ModuleRegressor"
)


def _holds_text(dtype):
    if isinstance(dtype, pd_api.CategoricalDtype):
        return not pd_api.is_numeric_dtype(dtype.categories.dtype)
    # An object column may hold numbers, which scikit-learn converts.
    return pd_api.is_string_dtype(dtype) and dtype.kind != "O"


def _non_numeric_columns(X):
    """The columns of a DataFrame X of text or text categories (pandas converts none)."""
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or not hasattr(X, "columns"):
        return []
    return [column for column, dtype in zip(X.columns, dtypes, strict=True) if _holds_text(dtype)]


def _not_numbers_message(name, detail):
    return (
        f"{name} takes numeric rows, but X holds values that are not numbers ({detail}). "
        f"{TABLE_ESTIMATORS} take a table with categorical columns and encode them "
        f"inside; for {name}, encode them first (e.g. a OneHotEncoder in a "
        "ColumnTransformer before it)."
    )


def _numeric_rows_message(error, name):
    """scikit-learn's error on strings or NaN in X, said for an estimator of numeric rows."""
    text = str(error)
    if "could not convert" in text or "Unable to convert" in text or "Cannot cast" in text:
        return _not_numbers_message(name, text)
    if "contains NaN" in text:
        return (
            f"{name} takes complete rows, but X contains NaN (missing values). "
            f"{TABLE_ESTIMATORS} take missing values and impute them inside; for {name}, "
            f"impute them first (e.g. make_pipeline(SimpleImputer(), {name}(...)))."
        )
    return None


class TabularInput(InputAdapter):
    """Rows of features ``(n_samples, n_features)``: numpy, pandas, scipy CSR."""

    sparse = True

    def validate(self, X, y=None, *, reset, dtype, y_numeric=False):
        with self._numeric_rows(X):
            return self._validate_data(
                X, y, y_numeric=y_numeric, reset=reset, accept_sparse="csr", dtype=dtype
            )

    def validate_predict(self, X, *, dtype):
        with self._numeric_rows(X):
            return validate_data(self.estimator, X, reset=False, accept_sparse="csr", dtype=dtype)

    @contextlib.contextmanager
    def _numeric_rows(self, X):
        """Say which estimators take strings or NaN, where scikit-learn refuses them."""
        columns = _non_numeric_columns(X)
        if columns:
            shown = ", ".join(repr(column) for column in columns[:5])
            raise ValueError(_not_numbers_message(self.name, f"text in column(s) {shown}"))
        try:
            yield
        except ValueError as error:
            message = _numeric_rows_message(error, self.name)
            if message is None:
                raise
            raise ValueError(message) from error

    def sizes(self, X):
        return {**super().sizes(X), "n_features": int(X.shape[1])}
