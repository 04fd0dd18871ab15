"""The classifier kind: labels in, class probabilities and labels out.

:class:`NeuralClassifier` adds to the base what a classifier means: its
targets (:class:`sknets._targets.ClassTargets`: binary, multiclass,
multilabel or several tasks), their log-loss, class and task weights, the
fairness penalty, ``predict_proba`` and accuracy.  Documented, imported
and pickled as :mod:`sknets.base`.
"""

import functools
import warnings

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._batches import primary_output
from ._estimator import NeuralEstimator, _stochastic_solver
from ._fairness import FairnessPenalty, encode_sensitive_features
from ._losses import (
    BinaryCrossEntropyPerSample,
    CrossEntropyPerSample,
    MultiTaskCrossEntropyPerSample,
    accuracy_from_outputs,
    multitask_accuracy_from_outputs,
)
from ._params import CLASSIFIER_PARAMS, DEVICE_PARAMS, SHARED_TRAINING_PARAMS
from ._targets import ClassTargets, checked_targets, checked_task_weights, class_sample_weight


class NeuralClassifier(ClassifierMixin, NeuralEstimator):
    """Base of the classifiers: label encoding, log-loss, probabilities.

    Binary targets use one logistic output, multiclass targets a softmax over
    one output per class, and multilabel targets (a 2-D 0/1 array) one
    logistic output per label, as scikit-learn's MLPClassifier does.
    Multiclass-multioutput targets (a 2-D y whose columns are separate
    tasks) get multi-task heads: the output units are split into one
    softmax block per task on the shared network, the loss is the sum of
    the tasks' cross-entropies weighted by ``task_weights``, and
    ``predict``, ``predict_proba`` and ``score`` answer as scikit-learn's
    :class:`~sklearn.multioutput.MultiOutputClassifier` (a 2-D label
    array, a list of probability arrays, subset accuracy).  Their shared
    parameters include ``class_weight`` and ``task_weights``.
    """

    __module__ = "sknets.base"
    _shared_params = SHARED_TRAINING_PARAMS + CLASSIFIER_PARAMS + DEVICE_PARAMS
    _score_outputs = staticmethod(accuracy_from_outputs)

    def fit(self, X, y, sample_weight=None, sensitive_features=None):
        """Train the network from scratch (or from the last fit with ``warm_start``).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss; None weighs all samples equally.
        sensitive_features : array-like of shape (n_samples,) or \
(n_samples, n_sensitive), default=None
            The group of each sample (strings or numbers; several columns
            make their combinations the groups), for the fairness term of
            ``fairness_penalty``. Required when ``fairness_penalty > 0``;
            checked, then ignored, when it is 0. With metadata routing
            (``set_fit_request(sensitive_features=True)``) it passes
            through Pipeline and GridSearchCV.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(
            X,
            y,
            sample_weight=sample_weight,
            incremental=False,
            sensitive_features=sensitive_features,
        )

    @available_if(_stochastic_solver)
    def partial_fit(self, X, y, sample_weight=None, classes=None, sensitive_features=None):
        """Run one epoch over (X, y), keeping the weights of earlier calls.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.
        classes : array-like of shape (n_classes,) or list of such, default=None
            Every class that will ever appear; required on the first call
            unless y is multilabel. For a 2-D y of several tasks, a list
            with each task's classes (which also marks y as multi-task
            when a first batch happens to hold only 0/1 columns).
        sensitive_features : array-like of shape (n_samples,) or \
(n_samples, n_sensitive), default=None
            The group of each sample, as in :meth:`fit`.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(
            X,
            y,
            sample_weight=sample_weight,
            incremental=True,
            classes=classes,
            sensitive_features=sensitive_features,
        )

    @property
    def _targets(self):
        """The fitted classes as a :class:`~sknets._targets.ClassTargets`."""
        return ClassTargets(self.classes_, self._target_type)

    def _encode_targets(self, y, *, continuing, incremental, classes=None):
        y, target_type, classes, task_classes = checked_targets(y, classes)
        name = type(self).__name__
        if continuing:
            targets = self._targets
            targets.check_continued(
                y,
                target_type,
                task_classes if targets.type == "multitask" else classes,
                incremental=incremental,
                name=name,
            )
        else:
            if target_type == "multiclass-multioutput" or task_classes is not None:
                targets = ClassTargets.fit_tasks(
                    y, task_classes, incremental=incremental, name=name
                )
            else:
                targets = ClassTargets.fit(
                    y, target_type, classes, incremental=incremental, name=name
                )
            self.classes_, self._target_type = targets.classes, targets.type
            self.n_outputs_ = targets.n_outputs
        self._loss_weights = checked_task_weights(self.task_weights, targets.type, y)
        return targets.encode(y)

    def _target_sample_weight(self, y):
        return class_sample_weight(self.class_weight, y)

    def _fairness_penalty(self, sensitive_features, n_samples):
        name = type(self).__name__
        if sensitive_features is None:
            if self.fairness_penalty > 0:
                raise ValueError(
                    f"{name} with fairness_penalty={self.fairness_penalty!r} needs the group "
                    "of each sample: pass sensitive_features to fit (or set "
                    "fairness_penalty=0)."
                )
            return None, None
        groups, n_groups = encode_sensitive_features(sensitive_features, n_samples)
        if self.fairness_penalty == 0:
            return None, None
        if self._target_type == "multitask":
            raise ValueError(
                f"{name} has no fairness_penalty for a y of several tasks; it is defined for "
                "binary, multiclass and multilabel targets."
            )
        if n_groups < 2:
            warnings.warn(
                f"sensitive_features holds one group only, so {name}'s fairness_penalty "
                "has no gap to close and changes nothing.",
                UserWarning,
                stacklevel=5,
            )
        link = "softmax" if self._target_type == "multiclass" else "sigmoid"
        penalty = FairnessPenalty(self.fairness_penalty, self.fairness_constraint, n_groups, link)
        return penalty, groups

    def _make_criterion(self):
        if self._target_type == "multitask":
            return MultiTaskCrossEntropyPerSample(self._targets.task_sizes, self._loss_weights)
        if self._target_type == "multiclass":
            return CrossEntropyPerSample()
        return BinaryCrossEntropyPerSample(self._loss_weights)

    def _continue_net(self, *args, **kwargs):
        super()._continue_net(*args, **kwargs)
        # task_weights may have changed (set_params) since the criterion was made.
        self.net_.criterion_ = self._make_criterion()

    def _validation_score_fn(self):
        if self._target_type == "multitask":
            return functools.partial(
                multitask_accuracy_from_outputs, task_sizes=self._targets.task_sizes
            )
        return super()._validation_score_fn()

    @property
    def _output_kind(self):
        return self._target_type

    def _stratify_labels(self, y_encoded):
        return y_encoded.ravel() if y_encoded.ndim == 1 or y_encoded.shape[1] == 1 else None

    def predict_proba(self, X):
        """Probability of each class (each label for multilabel targets).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), or list of such
            Class probabilities in the order of ``classes_``; for
            multiclass-multioutput targets a list with one array per task.
        """
        log_proba = self.predict_log_proba(X)
        if isinstance(log_proba, list):
            return [np.exp(task_log_proba) for task_log_proba in log_proba]
        return np.exp(log_proba)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed stably from the logits.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes), or list of such
            Log-probabilities in the order of ``classes_``; for
            multiclass-multioutput targets a list with one array per task.
        """
        logits = self._finite_outputs(primary_output(self._forward(X)))
        return self._targets.log_proba(logits.to(torch.float64))

    def predict(self, X):
        """Predicted class labels (a 0/1 matrix for multilabel targets).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Labels taken from ``classes_``; for multiclass-multioutput
            targets one column per task.
        """
        logits = self._finite_outputs(primary_output(self._forward(X)))
        return self._targets.predict(logits)

    def score(self, X, y, sample_weight=None):
        """Mean accuracy on (X, y); subset accuracy for multilabel and multi-task targets.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            The fraction of samples whose labels (every task's) are all right.
        """
        check_is_fitted(self)
        if self._target_type != "multitask":
            return super().score(X, y, sample_weight=sample_weight)
        # accuracy_score refuses multiclass-multioutput targets; this is
        # MultiOutputClassifier.score, with sample weights.
        y = np.asarray(y)
        if y.ndim != 2 or y.shape[1] != len(self.classes_):
            raise ValueError(
                f"y must have one column per task ({len(self.classes_)}), as in fit; got "
                f"y of shape {y.shape}."
            )
        correct = np.all(y == self.predict(X), axis=1)
        return float(np.average(correct, weights=sample_weight))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        return tags
