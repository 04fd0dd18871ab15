"""A classifier's classes: found in y, then encoding targets and decoding the network's outputs.

:class:`ClassTargets` is to the classifiers what scikit-learn's
:class:`~sklearn.preprocessing.LabelBinarizer` is to its own: fitted on y,
it holds the classes and the kind of target (binary, multiclass,
multilabel or several tasks); it checks the y of a continued fit against
them, encodes y as the loss takes it and turns the network's logits into
labels and log-probabilities.  The estimator keeps its state as the fitted
attributes ``classes_`` and ``_target_type`` and makes the object from them.
The class and task weights of the loss are checked here too.
"""

from numbers import Real

import numpy as np
import torch
from sklearn.utils import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from ._losses import split_tasks


def _label_kind(value):
    if isinstance(value, str | bytes):
        return "str"
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, Real | np.number):
        return "number"
    return type(value).__name__


def _check_label_values(labels, name):
    """Refuse labels mixing types (int and str) or holding missing values, clearly.

    numpy would otherwise fail deep in ``np.unique`` ("'<' not supported
    between 'int' and 'str'") or, for NaN, accept it as a class of its own.
    """
    labels = np.asarray(labels)
    if labels.dtype.kind == "f" and np.isnan(labels).any():
        raise ValueError(f"{name} contains NaN; every label must be a class, not a missing value.")
    if labels.dtype != object:
        return
    values = labels.ravel().tolist()
    if any(value is None or (isinstance(value, float) and value != value) for value in values):
        raise ValueError(
            f"{name} contains missing values (None or NaN); every label must be a class."
        )
    kinds = sorted({_label_kind(value) for value in values})
    if len(kinds) > 1:
        raise ValueError(
            f"{name} mixes labels of different types ({', '.join(kinds)}); classes "
            "must be all strings or all numbers. Convert them, e.g. y.astype(str)."
        )


def _as_class_array(classes, name="classes"):
    """``partial_fit``'s ``classes`` as an array of labels (a set or any sequence)."""
    if isinstance(classes, set | frozenset | dict):
        classes = list(classes)
    _check_label_values(classes, name)
    classes = np.asarray(classes)
    if classes.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D sequence of labels, got an array of shape {classes.shape}."
        )
    return classes


def _task_class_arrays(classes):
    """``classes`` given per task (a sequence of label sequences) as arrays, else None."""
    if isinstance(classes, np.ndarray) and classes.ndim == 2:
        classes = list(classes)
    sequences = list | tuple | np.ndarray | set | frozenset
    if not isinstance(classes, list | tuple) or not classes:
        return None
    if not all(isinstance(task, sequences) for task in classes):
        return None
    return [_as_class_array(task, f"classes[{i}]") for i, task in enumerate(classes)]


def checked_targets(y, classes):
    """y and ``partial_fit``'s ``classes``, checked: ``(y, type of y, classes, task classes)``.

    A column vector y becomes 1-D (with scikit-learn's warning); ``classes``
    becomes an array of labels, or, for a 2-D y given a sequence of label
    sequences, one array per task (the task classes; otherwise None).
    """
    for column, labels in enumerate(y.T if y.ndim == 2 else [y]):
        _check_label_values(labels, f"y[:, {column}]" if y.ndim == 2 else "y")
    task_classes = _task_class_arrays(classes) if classes is not None and y.ndim == 2 else None
    if classes is not None and task_classes is None:
        classes = _as_class_array(classes)
    check_classification_targets(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    return y, type_of_target(y), classes, task_classes


def _check_known_labels(y, classes, name, where=""):
    unseen = np.setdiff1d(np.unique(y), classes)
    if unseen.size:
        raise ValueError(
            f"y contains labels{where} not seen when {name} was first "
            f"fitted (or not in the classes passed to partial_fit): {unseen.tolist()!r}; "
            f"expected labels among {classes.tolist()!r}."
        )


class ClassTargets:
    """The classes of a classifier's targets, and what they mean for its network.

    Parameters
    ----------
    classes : ndarray or list of ndarray
        The labels (label indices for multilabel targets); one array per
        task for several tasks.
    target_type : {"binary", "multiclass", "multilabel", "multitask"}
        Binary targets have one logistic output, multiclass targets a
        softmax over one output per class, multilabel targets (a 2-D 0/1
        y) one logistic output per label, and several tasks (a 2-D y whose
        columns are multiclass tasks) one softmax block per task.
    """

    def __init__(self, classes, target_type):
        self.classes = classes
        self.type = target_type

    # ------------------------------------------------------------- fitting
    @classmethod
    def fit(cls, y, target_type, classes=None, *, incremental, name):
        """The targets of a first fit on a binary, multiclass or multilabel y.

        ``target_type`` is scikit-learn's type of y, ``classes`` those given
        to ``partial_fit`` (required on its first call unless y is
        multilabel) and ``name`` the estimator's, for the messages.
        """
        if target_type == "multilabel-indicator":
            return cls(np.arange(y.shape[1]), "multilabel")
        if classes is None and incremental:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        found = np.unique(y if classes is None else classes)
        if found.shape[0] < 2:
            raise ValueError(
                f"{name} needs samples of at least 2 classes in the data, but the data "
                f"contains only one class: {found.tolist()[0]!r}."
            )
        if classes is not None:
            _check_known_labels(y, found, name)
        return cls(found, "binary" if found.shape[0] == 2 else "multiclass")

    @classmethod
    def fit_tasks(cls, y, classes=None, *, incremental, name):
        """The targets of a first fit on a y of several tasks, one per column.

        ``classes`` are those given to ``partial_fit``, one sequence per task.
        """
        if classes is None and incremental:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: for a 2-D y "
                "of several tasks, a list with each task's classes."
            )
        if classes is not None and len(classes) != y.shape[1]:
            raise ValueError(
                f"classes lists the classes of {len(classes)} tasks, but y has "
                f"{y.shape[1]} columns (one task each)."
            )
        found = [
            np.unique(y[:, task] if classes is None else classes[task])
            for task in range(y.shape[1])
        ]
        for task, task_classes in enumerate(found):
            if task_classes.shape[0] < 2:
                raise ValueError(
                    f"{name} needs at least 2 classes in every task, but column {task} "
                    f"of y holds only one class: {task_classes.tolist()[0]!r}."
                )
        targets = cls(found, "multitask")
        if classes is not None:
            targets._check_known_task_labels(y, name)
        return targets

    def check_continued(self, y, target_type, classes, *, incremental, name):
        """Refuse the y (and ``classes``) of a continued fit that do not match these targets.

        ``target_type`` is scikit-learn's type of y; ``incremental`` is
        True for ``partial_fit``, whose y may hold some of the classes
        only, and False for a warm start, whose y must hold all of them.
        """
        if self.type == "multitask":
            self._check_continued_tasks(y, classes, incremental, name)
            return
        multilabel = target_type == "multilabel-indicator"
        if (
            multilabel != (self.type == "multilabel")
            or (multilabel and y.shape[1] != self.classes.shape[0])
            or (not multilabel and y.ndim == 2)
        ):
            raise ValueError(
                f"y does not match the targets {name} was fitted on "
                f"({self.type} with classes {self.classes.tolist()})."
            )
        if multilabel:
            return
        if not incremental and not np.array_equal(np.unique(y), self.classes):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in the "
                f"previous call to fit. Previously got {self.classes.tolist()!r}, `y` has "
                f"{np.unique(y).tolist()!r}."
            )
        if classes is not None and not np.array_equal(np.unique(classes), self.classes):
            raise ValueError(
                f"classes={list(classes)!r} is not the same as on the first call "
                f"to partial_fit, which was {self.classes.tolist()!r}."
            )
        _check_known_labels(y, self.classes, name)

    def _check_continued_tasks(self, y, classes, incremental, name):
        fitted = [task_classes.tolist() for task_classes in self.classes]
        if y.ndim != 2 or y.shape[1] != len(fitted):
            raise ValueError(
                f"y does not match the targets {name} was fitted on "
                f"({len(fitted)} tasks, with classes {fitted}); got y of shape {y.shape}."
            )
        if classes is not None and [np.unique(c).tolist() for c in classes] != fitted:
            raise ValueError(
                f"classes={[c.tolist() for c in classes]!r} is not the same as on the first "
                f"call to partial_fit, which was {fitted!r}."
            )
        if not incremental and [np.unique(column).tolist() for column in y.T] != fitted:
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in the "
                f"previous call to fit, in every task. Previously got {fitted!r}, `y` has "
                f"{[np.unique(column).tolist() for column in y.T]!r}."
            )
        self._check_known_task_labels(y, name)

    def _check_known_task_labels(self, y, name):
        for task, task_classes in enumerate(self.classes):
            _check_known_labels(y[:, task], task_classes, name, f" (column {task} of y)")

    # ------------------------------------------------------------ encoding
    @property
    def task_sizes(self):
        """Output units of each task (its number of classes), for several tasks."""
        return tuple(task_classes.shape[0] for task_classes in self.classes)

    @property
    def n_outputs(self):
        """The network's output units."""
        if self.type == "multitask":
            return sum(self.task_sizes)
        return 1 if self.type == "binary" else self.classes.shape[0]

    def encode(self, y):
        """y as the loss takes it: class indices, or 0/1 floats for logistic outputs."""
        if self.type == "multitask":
            columns = [
                np.searchsorted(labels, y[:, task]) for task, labels in enumerate(self.classes)
            ]
            return np.column_stack(columns).astype(np.int64)
        if self.type == "multilabel":
            return np.asarray(y, dtype=np.float32)
        index = np.searchsorted(self.classes, y)
        if self.type == "binary":
            return index.astype(np.float32)[:, None]
        return index.astype(np.int64)

    # ------------------------------------------------------------ decoding
    def log_proba(self, logits):
        """Log-probabilities from the network's float64 logits (a list of arrays per task)."""
        if self.type == "multitask":
            return [
                torch.log_softmax(task_logits, dim=1).numpy()
                for task_logits in split_tasks(logits, self.task_sizes)
            ]
        if self.type == "multiclass":
            return torch.log_softmax(logits, dim=1).numpy()
        if self.type == "binary":
            logits = torch.cat([-logits, logits], dim=1)
        return torch.nn.functional.logsigmoid(logits).numpy()

    def predict(self, logits):
        """Labels from the network's logits (a 0/1 matrix for multilabel targets)."""
        if self.type == "multitask":
            return np.column_stack(
                [
                    task_classes[task_logits.argmax(dim=1).numpy()]
                    for task_classes, task_logits in zip(
                        self.classes, split_tasks(logits, self.task_sizes), strict=True
                    )
                ]
            )
        if self.type == "multilabel":
            return (logits > 0).numpy().astype(np.int64)
        if self.type == "binary":
            return self.classes[(logits[:, 0] > 0).numpy().astype(np.int64)]
        return self.classes[logits.argmax(dim=1).numpy()]


# ---------------------------------------------------------------- weights
def checked_task_weights(task_weights, target_type, y):
    """``task_weights`` as one float per column of y (None: unweighted), or a clear error."""
    if task_weights is None:
        return None
    if target_type not in ("multitask", "multilabel"):
        raise ValueError(
            "task_weights weighs the columns of a 2-D y (one task or label each), but "
            f"y is {target_type} (a single task); leave task_weights=None."
        )
    try:
        weights = np.asarray(task_weights, dtype=np.float64)
    except (TypeError, ValueError):
        weights = None
    if weights is None or weights.ndim != 1:
        raise ValueError(f"task_weights must be a 1-D sequence of numbers; got {task_weights!r}.")
    if weights.shape[0] != y.shape[1]:
        raise ValueError(
            f"task_weights has {weights.shape[0]} values, but y has {y.shape[1]} "
            "columns (tasks): give one weight per column of y."
        )
    if not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
        raise ValueError(
            f"task_weights must be finite, non-negative and not all 0; got {weights.tolist()!r}."
        )
    return tuple(weights.tolist())


def class_sample_weight(class_weight, y):
    """Each sample's weight under ``class_weight`` (None: no class weights), checked first."""
    if class_weight is None:
        return None
    if isinstance(class_weight, list) and np.ndim(y) != 2:
        raise ValueError(
            "class_weight as a list (one dict per column of y) is for a 2-D y of "
            "several tasks or labels; for a 1-D y, pass one dict or 'balanced'."
        )
    for weights in class_weight if isinstance(class_weight, list) else [class_weight]:
        if not isinstance(weights, dict):
            if isinstance(class_weight, list):
                raise ValueError(
                    f"class_weight as a list must hold one dict per column of y; got "
                    f"{weights!r} in it."
                )
            continue
        bad = {
            label: weight
            for label, weight in weights.items()
            if not isinstance(weight, Real) or not np.isfinite(weight) or weight < 0
        }
        if bad:
            raise ValueError(
                "class_weight must map classes to finite, non-negative numbers; got "
                f"{bad!r}. A negative or NaN weight would make the loss meaningless."
            )
    return compute_sample_weight(class_weight, y)
