"""Zero-shot classification: classes described by attributes, some never seen in training."""

from numbers import Real

import numpy as np
import torch
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import type_of_target

from ._inputs import TableInput
from ._mlp import _MLP_PARAMS
from ._params import CLASSIFIER_ATTRIBUTES, TABLE_ATTRIBUTES, TABLE_PARAMS, Param, attributes_doc
from ._targets import _as_class_array, _check_label_values
from ._vocabulary import build_network
from .base import NeuralClassifier
from .networks import AttributeCompatibilityNetwork

__all__ = ["ZeroShotClassifier"]

_ZERO_SHOT_PARAMS = (
    Param(
        "class_attributes",
        None,
        "DataFrame or tuple (array-like, array-like)",
        """\
        One attribute vector per class, every class ``predict`` may return
        (those absent from ``y`` included): a DataFrame whose index holds the
        class labels and whose columns are the attributes, or a pair
        ``(attributes, classes)`` of an array of shape (n_classes,
        n_attributes) and the class labels of its rows.  None: one-hot
        attributes of the classes in ``y``, an ordinary classifier.""",
        [None, "array-like"],
        positional=True,
    ),
    *_MLP_PARAMS[:3],
    Param(
        "seen_class_penalty",
        0.0,
        "float",
        """\
        Subtracted from the scores of the classes seen in training when
        predicting (calibrated stacking, Chao et al. 2016): a network
        trained on the seen classes alone over-scores them, so generalised
        zero-shot prediction (seen and unseen classes together) gains from
        a positive value, tuned on held-out data.  Needs no refit.""",
        [Interval(Real, None, None, closed="neither")],
    ),
    *TABLE_PARAMS,
)


def class_attribute_table(class_attributes):
    """``class_attributes`` checked, as (class labels sorted, attribute rows in that order)."""
    if hasattr(class_attributes, "index") and hasattr(class_attributes, "to_numpy"):
        attributes, classes = class_attributes.to_numpy(), class_attributes.index.to_numpy()
    elif isinstance(class_attributes, tuple) and len(class_attributes) == 2:
        attributes, classes = class_attributes
    else:
        raise TypeError(
            "class_attributes must be a DataFrame (index: class labels, columns: attributes) "
            "or a pair (attributes, classes) of an array of shape (n_classes, n_attributes) "
            f"and the classes of its rows; got {type(class_attributes).__name__}."
        )
    attributes = check_array(attributes, dtype=np.float64, input_name="class_attributes")
    classes = _as_class_array(classes)
    if len(classes) != len(attributes):
        raise ValueError(
            f"class_attributes has {len(attributes)} attribute rows but {len(classes)} classes."
        )
    labels, counts = np.unique(classes, return_counts=True)
    if (counts > 1).any():
        raise ValueError(
            "class_attributes lists a class more than once: "
            f"{labels[counts > 1].tolist()!r}; give one attribute vector per class."
        )
    order = np.argsort(classes, kind="stable")
    return classes[order], attributes[order]


def check_zero_shot_targets(y, classes):
    """Refuse targets the table cannot describe, before any training."""
    _check_label_values(y, "y")
    if type_of_target(y) not in ("binary", "multiclass"):
        raise ValueError(
            "With class_attributes, y must hold one class label per sample "
            f"(binary or multiclass), got a {type_of_target(y)} target."
        )
    missing = np.setdiff1d(np.unique(y), classes)
    if missing.size:
        raise ValueError(
            f"y contains classes that class_attributes does not describe: {missing.tolist()!r}; "
            f"the table has {classes.tolist()!r}."
        )
    if np.unique(y).size < 2:
        raise ValueError(
            "ZeroShotClassifier needs samples of at least 2 classes in the data, but the "
            f"data contains only one class: {np.unique(y).tolist()[0]!r}."
        )


class ZeroShotClassifier(NeuralClassifier):
    __doc__ = f"""Zero-shot classifier: scores classes by their attributes, seen or not.

    Each class is described by an attribute vector (``class_attributes``).
    An MLP maps the input into the attribute space and the score of a class
    is the compatibility of that embedding with the class's attributes (the
    bilinear ``phi(x)^T W a_c`` of DeViSE and ESZSL), so a class absent from
    the training data is scored from its description alone.  Training is a
    softmax cross-entropy over the classes present in ``y``; ``classes_``
    lists every class of the table, and ``predict_proba`` spreads the
    probability over all of them.  Without ``class_attributes`` the
    attributes are one-hot and this is an ordinary MLP classifier.

    Attributes
    ----------{
        attributes_doc(
            CLASSIFIER_ATTRIBUTES,
            classes_=(
                "ndarray of shape (n_classes,)",
                "Every class of class_attributes (sorted), seen in training or not.",
            ),
            seen_classes_=("ndarray", "The classes present in the training targets."),
            class_attributes_=(
                "ndarray of shape (n_classes, n_attributes)",
                "The attribute vectors in the order of ``classes_`` (identity without a table).",
            ),
            module_=(
                "torch.nn.Module",
                "The trained :class:`sknets.networks.AttributeCompatibilityNetwork`.",
            ),
            **TABLE_ATTRIBUTES,
        )
    }

    See Also
    --------
    MLPClassifier : The same network with a class-per-output head.

    Notes
    -----
    Attributes are used as given; binary attributes work, and so do
    real-valued ones (word embeddings, measured properties), best
    standardised per column.  The defaults are MLPClassifier's: the
    reference models put a linear map on fixed features, which
    ``hidden_layer_sizes=()`` reproduces.

    References
    ----------
    - Frome et al. (2013), DeViSE: a deep visual-semantic embedding model. NeurIPS.
    - Romera-Paredes & Torr (2015), An embarrassingly simple approach to
      zero-shot learning. ICML.
    - Chao, Changpinyo, Gong & Sha (2016), An empirical study and analysis of
      generalized zero-shot learning for object recognition in the wild. ECCV.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sknets import ZeroShotClassifier
    >>> rng = np.random.RandomState(0)
    >>> table = pd.DataFrame([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1]],
    ...                      index=["a", "b", "ab", "c"], columns=["x", "y", "z"])
    >>> X = np.vstack([rng.normal(table.loc[label], 0.1, (20, 3)) for label in "a b c".split()])
    >>> y = np.repeat(["a", "b", "c"], 20)
    >>> clf = ZeroShotClassifier(class_attributes=table, hidden_layer_sizes=(),
    ...                          learning_rate_init=0.01, max_iter=200, random_state=0,
    ...                          device="cpu").fit(X, y)
    >>> clf.classes_.tolist()
    ['a', 'ab', 'b', 'c']
    >>> clf.score(X, y)  # the seen classes, learnt
    1.0
    >>> clf.predict_proba(X[:1]).shape
    (1, 4)
    >>> clf.predict([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]])  # "ab" never in y: its attributes
    array(['ab', 'a'], dtype=object)
    """

    _params = _ZERO_SHOT_PARAMS
    _input = TableInput

    def _encode_targets(self, y, *, continuing, incremental, classes=None):
        if self.class_attributes is None:
            encoded = super()._encode_targets(
                y, continuing=continuing, incremental=incremental, classes=classes
            )
            self.class_attributes_, self.seen_classes_ = np.eye(self.n_outputs_), self.classes_
            self._seen_mask = None  # every output trained: no masking, no penalty
            return encoded
        table_classes, attributes = class_attribute_table(self.class_attributes)
        check_zero_shot_targets(y, table_classes)
        if continuing and not np.array_equal(table_classes, self.classes_):
            raise ValueError("class_attributes lists other classes than when the model was fitted.")
        seen = np.union1d(self.seen_classes_, y) if continuing else np.unique(y)
        self.classes_, self.class_attributes_, self.seen_classes_ = table_classes, attributes, seen
        self._target_type, self.n_outputs_ = "multiclass", len(table_classes)
        # A NumPy array, as everything a pickle of an estimator holds outside its net.
        self._seen_mask = np.isin(table_classes, seen)
        if continuing:
            self.module_.seen_classes.copy_(torch.as_tensor(self._seen_mask))
        return np.searchsorted(self.classes_, np.ravel(y)).astype(np.int64)

    def _build_module(self, spec):
        return build_network(
            AttributeCompatibilityNetwork,
            self,
            spec,
            class_attributes=self.class_attributes_,
            seen_classes=self._seen_mask,
        )

    def _forward(self, X, call=None, **input_arguments):
        scores = super()._forward(X, call, **input_arguments)
        if call is not None or self._seen_mask is None or not self.seen_class_penalty:
            return scores
        penalty = torch.as_tensor(self._seen_mask, dtype=scores.dtype)
        return scores - self.seen_class_penalty * penalty

    @classmethod
    def _get_test_params(cls):
        return {"hidden_layer_sizes": (16,), "max_iter": 100, "random_state": 0}
