"""Fusion of modalities: one sknets network per group of columns, one shared head.

``branches=[(name, estimator, columns), ...]`` in the manner of
:class:`sklearn.compose.ColumnTransformer`: each branch is an unfitted
sknets estimator whose network supplies features (an MLP over numeric
columns, a CNN over pixel columns with ``input_shape``, an LSTM or a
transformer over token-id columns), the columns chosen by names, indices,
a slice, a boolean mask or a callable.  Each branch's columns become one
named input of a :class:`~sknets.networks.FusionNetwork`, validated and laid
out by the branch estimator's own input adapter; the network is built by the
branch estimator's own ``_build_module``.
"""

from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.utils import get_tags
from sklearn.utils._indexing import _get_column_indices, _safe_indexing
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.validation import validate_data

from ._inputs import DataSpec, DictInput, TableInput
from ._mlp import _MLP_PARAMS, MLPClassifier, MLPRegressor
from ._params import (
    CLASSIFIER_ATTRIBUTES,
    REGRESSOR_ATTRIBUTES,
    Param,
    attributes_doc,
)
from ._vocabulary import build_network
from .base import NeuralClassifier, NeuralRegressor
from .networks import COMBINATIONS, FusionNetwork

__all__ = ["FusionClassifier", "FusionRegressor"]

_FUSION_PARAMS = (
    Param(
        "branches",
        None,
        "list of (str, estimator, columns) tuples or None",
        """
        One ``(name, estimator, columns)`` per input, as in
        :class:`sklearn.compose.ColumnTransformer`.  ``estimator`` is an
        unfitted sknets classifier or regressor whose network supplies the
        features (only its architecture and input parameters are used; the
        fusion trains with its own ``max_iter``, ``learning_rate_init``...).
        ``columns``: a name or list of names (DataFrame), an int or list of
        ints, a slice, a boolean mask, or a callable taking X and returning
        one of those.  Selections must not overlap; columns no branch
        selects are ignored.  None: every column goes to one MLP branch
        named ``"mlp"``.""",
        [list, None],
        positional=True,
    ),
    *_MLP_PARAMS,
    Param(
        "combine",
        "concat",
        '{"concat", "attention"}',
        """
        ``"concat"``: the head sees the branches' features side by side;
        ``"attention"``: each branch's features are projected to a common
        width and weighted per sample by an additive attention.""",
        [StrOptions(set(COMBINATIONS))],
    ),
)

_FUSION_ATTRIBUTES = {
    "branch_columns_": (
        "dict of str to ndarray",
        "The indices of the columns of X each branch takes, by branch name.",
    ),
    "input_shapes_": (
        "dict of str to tuple",
        "One sample of each branch's input, as its network takes it.",
    ),
    "module_": ("torch.nn.Module", "The trained :class:`sknets.networks.FusionNetwork`."),
}


def _branch_error(name, error):
    """The branch's error, its type kept, its message naming the branch."""
    return type(error)(f"Branch {name!r}: {error}")


def _branch_network(name, estimator, spec):
    """The branch estimator's own network for its columns."""
    try:
        return estimator._build_module(spec.branch_specs[name])
    except (AttributeError, TypeError) as error:
        # A network built from more than the data's sizes (fitted ids, a graph).
        raise TypeError(
            f"Branch {name!r}: {type(estimator).__name__} cannot build a network that "
            f"supplies forward_features per row from its columns alone ({error})."
        ) from error


def _is_branch(branch):
    return isinstance(branch, tuple | list) and len(branch) == 3


def _column_key(X, key):
    """The positions of the columns ``key`` selects, as ColumnTransformer reads it."""
    if isinstance(key, slice) and all(
        bound is None or isinstance(bound, Integral) for bound in (key.start, key.stop)
    ):
        return key  # scikit-learn's helper reads slice(None) as a slice of names
    return _get_column_indices(X, key)


class FusionInput(DictInput):
    """A table (DataFrame or array) whose branches' columns become the named inputs.

    Each branch's block of columns goes through the branch estimator's own
    adapter (images reshaped by ``input_shape``, token ids kept int64...).
    """

    def check_params(self):
        malformed = [b for b in self.estimator._branch_list() if not _is_branch(b)]
        if malformed:
            raise ValueError(
                f"{self.name} takes branches as (name, estimator, columns) tuples, got "
                f"{malformed[0]!r}."
            )
        names = [name for name, _, _ in self.estimator._branch_list()]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name} got branch names that are not unique: {names}.")
        for name, estimator, _ in self.estimator._branch_list():
            if not isinstance(name, str) or not name or "__" in name or "." in name:
                raise ValueError(
                    f"{self.name} takes branch names that are non-empty str without '__' "
                    f"or '.', got {name!r}."
                )
            supervised = isinstance(estimator, NeuralClassifier | NeuralRegressor)
            if not supervised or not estimator._input(estimator).rows_independent:
                raise TypeError(
                    f"Branch {name!r} of {self.name} must be an unfitted sknets classifier "
                    "or regressor whose network supplies features per row (MLP, CNN, RNN, "
                    f"transformer families), got {estimator!r}."
                )
            try:
                estimator._validate_params()
            except ValueError as error:
                raise _branch_error(name, error) from error

    def _table(self, X, reset):
        """X as a DataFrame or a 2-D array, checked against the fit; feature names recorded."""
        if hasattr(X, "iloc"):
            validate_data(self.estimator, X, reset=reset, skip_check_array=True)
            return X
        return validate_data(self.estimator, X, reset=reset, dtype=None, ensure_all_finite=False)

    def _resolve_columns(self, X):
        fusion, taken = self.estimator, {}
        fusion._fitted_branches, fusion.branch_columns_ = [], {}
        for name, estimator, columns in fusion._branch_list():
            key = columns(X) if callable(columns) else columns
            try:
                indices = np.arange(X.shape[1])[_column_key(X, key)]
            except (ValueError, KeyError, IndexError, TypeError) as error:
                raise ValueError(
                    f"Branch {name!r} selects the columns {columns!r}, which X does not "
                    f"have ({X.shape[1]} columns): {error}"
                ) from None
            if indices.size == 0:
                raise ValueError(f"Branch {name!r} selects no column of X ({columns!r}).")
            shared = [int(i) for i in indices if i in taken]
            if shared:
                raise ValueError(
                    f"Branches {taken[shared[0]]!r} and {name!r} both select the columns "
                    f"{shared}; each column may feed one branch only."
                )
            taken.update(dict.fromkeys(indices.tolist(), name))
            fusion._fitted_branches.append((name, clone(estimator)))
            fusion.branch_columns_[name] = indices

    def _validated(self, X, y, *, reset, dtype, y_numeric):
        # DictInput.validate and validate_predict record and check input_shapes_.
        X = self._table(X, reset)
        if reset:
            self._resolve_columns(X)
        inputs = {}
        for name, estimator in self.estimator._fitted_branches:
            block = _safe_indexing(X, self.estimator.branch_columns_[name], axis=1)
            adapter = estimator._input(estimator)
            if not isinstance(adapter, TableInput):
                block = np.asarray(block)  # a table's columns keep their dtypes
            try:
                if reset:
                    inputs[name] = adapter.validate(block, reset=True, dtype=dtype)[0]
                else:
                    inputs[name] = adapter.validate_predict(block, dtype=dtype)
            except (ValueError, TypeError) as error:
                raise _branch_error(name, error) from error
        return inputs, self._check_y(y, self.n_samples(inputs), y_numeric)

    def update_tags(self, tags):
        # Missing values and strings reach the branches, which take them or refuse them.
        tags = super().update_tags(tags)
        branch_tags = [
            get_tags(b[1]).input_tags for b in self.estimator._branch_list() if _is_branch(b)
        ]
        for tag in ("allow_nan", "string"):
            taken = bool(branch_tags) and all(getattr(t, tag) for t in branch_tags)
            setattr(tags.input_tags, tag, taken)
        return tags

    def sizes(self, X):
        specs = {
            name: DataSpec(**estimator._input(estimator).sizes(X[name]), n_outputs=1)
            for name, estimator in self.estimator._fitted_branches
        }
        return {**super().sizes(X), "branch_specs": specs}


class _Fusion(_BaseComposition):
    """What both fusion estimators share: the branches as parameters, the network."""

    _params = _FUSION_PARAMS
    _input = FusionInput

    def _branch_list(self):
        if self.branches is None:
            return [("mlp", self._default_branch(), slice(None))]
        return list(self.branches)

    @property
    def _branches(self):
        # (name, estimator) pairs, the shape _BaseComposition reads and writes.
        if not isinstance(self.branches, list):
            return []  # None, or a value _validate_params will refuse at fit
        return [(branch[0], branch[1]) for branch in self.branches if _is_branch(branch)]

    @_branches.setter
    def _branches(self, value):
        self.branches = [
            (name, estimator, columns)
            for (name, estimator), (_, _, columns) in zip(value, self.branches, strict=True)
        ]

    def get_params(self, deep=True):
        """Parameters, with each branch's as ``<branch name>__<parameter>`` when deep."""
        return self._get_params("_branches", deep=deep)

    def set_params(self, **params):
        """Set parameters, a branch's as ``<branch name>__<parameter>``."""
        return self._set_params("_branches", **params)

    def _build_module(self, spec):
        branches = {name: _branch_network(name, est, spec) for name, est in self._fitted_branches}
        return build_network(FusionNetwork, self, spec, branches=branches)

    @classmethod
    def _get_test_params(cls):
        return {"hidden_layer_sizes": (16,), "max_iter": 100, "random_state": 0}


_NOTES = """
    Notes
    -----
    Each branch's network is built by the branch estimator's own
    ``_build_module`` for the columns it takes, without its output layer;
    the features of all branches are concatenated (early fusion, Ngiam et
    al., 2011) or weighted by attention (Hori et al., 2017), and a shared
    MLP head (``hidden_layer_sizes``: scikit-learn's MLP default of one
    layer of 100) predicts.  Everything trains end to end with one
    optimizer, on the fusion's own training parameters: a branch
    estimator's ``max_iter`` or ``learning_rate_init`` are not used.
    Branch parameters are reached as ``<branch name>__<parameter>`` by
    ``get_params``, ``set_params`` and ``GridSearchCV``, as in
    :class:`sklearn.pipeline.Pipeline`.  A callable column selector must be
    a named function (not a lambda) for the estimator to pickle.

    References
    ----------
    - Ngiam, Khosla, Kim, Nam, Lee & Ng (2011), Multimodal deep learning.
      ICML.
    - Hori, Hori, Lee, Zhang, Harsham, Hershey, Marks & Sumi (2017),
      Attention-based multimodal fusion for video description. ICCV.
    - Baltrusaitis, Ahuja & Morency (2019), Multimodal machine learning: a
      survey and taxonomy. IEEE TPAMI 41(2).
"""

_EXAMPLE_DATA = """
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sknets import CNNClassifier, LSTMClassifier, {kind}
    >>> X_images, digits = load_digits(return_X_y=True)
    >>> rng = np.random.default_rng(0)
    >>> tokens = 1 + (digits[:, None] + rng.integers(0, 2, (len(digits), 3))) % 10
    >>> X = np.hstack([X_images / 16, tokens])  # 64 pixels, then 3 token ids
    >>> model = {kind}([
    ...     ("image", CNNClassifier(input_shape=(1, 8, 8), filters=(8,),
    ...                             hidden_layer_sizes=(32,)), slice(0, 64)),
    ...     ("tokens", LSTMClassifier(vocab_size=11, hidden_size=16), [64, 65, 66]),
    ... ], hidden_layer_sizes=(32,), max_iter=3, random_state=0, device="cpu")"""


class FusionClassifier(_Fusion, NeuralClassifier):
    __doc__ = f"""Classifier over several inputs: one sknets network per group of columns.

    Each branch's network (an MLP, a CNN, an LSTM or a transformer) turns
    its columns into features; a shared head classifies their combination,
    trained end to end. Without branches it is an MLP with one more hidden
    layer, on every column.

    Attributes
    ----------{attributes_doc(CLASSIFIER_ATTRIBUTES, **_FUSION_ATTRIBUTES)}

    See Also
    --------
    FusionRegressor : The regressor with the same network.
    sklearn.compose.ColumnTransformer : The same way of choosing columns.
{_NOTES}
    Examples
    --------{_EXAMPLE_DATA.format(kind="FusionClassifier")}
    >>> model.fit(X, digits).predict_proba(X[:2]).shape
    (2, 10)
    >>> model.get_params()["image__filters"]
    (8,)
    """

    _default_branch = MLPClassifier


class FusionRegressor(_Fusion, NeuralRegressor):
    __doc__ = f"""Regressor over several inputs: one sknets network per group of columns.

    Each branch's network (an MLP, a CNN, an LSTM or a transformer) turns
    its columns into features; a shared head predicts the targets from
    their combination, trained end to end. Without branches it is an MLP
    with one more hidden layer, on every column.

    Attributes
    ----------{attributes_doc(REGRESSOR_ATTRIBUTES, **_FUSION_ATTRIBUTES)}

    See Also
    --------
    FusionClassifier : The classifier with the same network.
    sklearn.compose.ColumnTransformer : The same way of choosing columns.
{_NOTES}
    Examples
    --------{_EXAMPLE_DATA.format(kind="FusionRegressor")}
    >>> model.set_params(combine="attention").fit(X, digits / 9).predict(X[:2]).shape
    (2,)
    """

    _default_branch = MLPRegressor
