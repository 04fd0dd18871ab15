"""Base classes: the one public ``fit`` and the estimator kinds.

``NeuralEstimator`` validates, seeds, resolves the device, builds the
network, trains it through :class:`sknets._training.NeuralNetCore` and sets
the fitted attributes.  The kind bases (:class:`NeuralClassifier`,
:class:`NeuralRegressor`) add target encoding, the loss and the predict
methods.  An architecture adds only ``__init__`` and ``_build_module``.
"""

import warnings
from abc import ABC, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import compute_sample_weight
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._batchnorm import recalibrate_batch_norm, use_sample_weighted_batch_norm
from ._training import (
    BatchIterator,
    BinaryCrossEntropyPerSample,
    CrossEntropyPerSample,
    EpochMonitor,
    HalfSquaredErrorPerSample,
    NeuralNetCore,
    ProgressReporter,
    TensorBatches,
    accuracy_from_outputs,
    r2_from_outputs,
)
from .utils._device import resolve_device
from .utils._random import seed_from_random_state, torch_random_scope

__all__ = ["NeuralEstimator", "NeuralClassifier", "NeuralRegressor"]

_OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}

# The floating-point types a network can train in, by every name ``dtype`` accepts.
_DTYPES = {
    "float32": torch.float32,
    "float64": torch.float64,
    np.float32: torch.float32,
    np.float64: torch.float64,
    torch.float32: torch.float32,
    torch.float64: torch.float64,
}


def _numpy(dtype):
    """The numpy scalar type of a floating torch dtype."""
    return np.float64 if dtype == torch.float64 else np.float32


# Prediction batches hold about this many input values, so that memory
# stays flat for any number of rows (never fewer rows than a training batch).
_PREDICT_BATCH_VALUES = 1 << 22


class NeuralEstimator(BaseEstimator, ABC):
    """Base class of every sknets estimator.

    A subclass's ``__init__`` lists its architecture parameters and the
    shared training ones as keyword-only arguments (scikit-learn reads the
    signature) and its body is ``self._set_init_params(locals())``; it
    implements
    ``_build_module(sample_shape, n_outputs)`` returning a ``torch.nn.Module``.
    Optional hooks: ``_prepare_input`` (reshape the validated 2-D array to
    the network's layout), ``_net_class`` (a :class:`NeuralNetCore` subclass
    with its own train step) and ``_get_test_params`` (tiny settings for the
    conformance suite).

    The shared parameters are documented on every public estimator; their
    names and semantics follow :class:`sklearn.neural_network.MLPClassifier`.
    """

    _parameter_constraints: dict = {
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "solver": [StrOptions(set(_OPTIMIZERS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "learning_rate": [
            StrOptions({"constant", "invscaling", "adaptive", "plateau", "cosine", "step"})
        ],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "shuffle": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "dtype": [
            StrOptions({"float32", "float64"}),
            Options(type, {np.float32, np.float64}),
            Options(torch.dtype, {torch.float32, torch.float64}),
        ],
    }

    _net_class = NeuralNetCore

    def __init__(
        self,
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=0,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        device="auto",
        dtype="float32",
    ):
        self._set_init_params(locals())

    def _set_init_params(self, arguments):
        """Store every ``__init__`` argument, unchanged, under its own name.

        scikit-learn's rule for ``__init__``, written once: each estimator's
        ``__init__`` is its explicit signature (what ``get_params``, ``clone``
        and IDEs read) followed by ``self._set_init_params(locals())``.
        """
        for name in self._get_param_names():
            setattr(self, name, arguments[name])

    # ------------------------------------------------------------------ hooks
    @abstractmethod
    def _build_module(self, sample_shape, n_outputs):
        """Return the untrained network for inputs of ``sample_shape`` (one row)."""

    def _prepare_input(self, X):
        """Reshape a validated array to the layout the network takes (default: as is)."""
        return X

    @classmethod
    def _get_test_params(cls):
        """Small, fast settings with which the conformance suite checks the class."""
        return {"max_iter": 50, "random_state": 0}

    # Kind hooks, implemented by NeuralClassifier / NeuralRegressor.
    _y_numeric = False

    def _encode_targets(self, y, *, continuing, incremental, classes=None):
        """Check y against the fitted targets and return it as the loss expects it."""
        raise NotImplementedError

    def _make_criterion(self):
        raise NotImplementedError

    _score_outputs = None

    def _stratify_labels(self, y_encoded):
        return None

    def _target_sample_weight(self, y):
        return None

    # ----------------------------------------------------------------- public
    def fit(self, X, y=None, sample_weight=None):
        """Train the network from scratch (or from the last fit with ``warm_start``).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss; None weighs all samples equally.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "net_")

    @property
    def module_(self):
        """The trained :class:`torch.nn.Module`."""
        check_is_fitted(self)
        return self.net_.module_

    @property
    def history_(self):
        """Per-epoch record (a skorch ``History``: ``history_[:, "train_loss"]``)."""
        check_is_fitted(self)
        return self.net_.history

    def __setstate__(self, state):
        super().__setstate__(state)
        # skorch maps a CUDA model to the CPU when unpickled without a GPU.
        if "net_" in state:
            self.device_ = torch.device(self.net_.device)

    # --------------------------------------------------------------- training
    def _fit(self, X, y, *, sample_weight, incremental, classes=None):
        # A refused or failed call leaves the estimator as it was: unfitted, or
        # with its previous fitted attributes.  (A continued fit that fails
        # during training has already updated the network's weights in place.)
        previous_state = self.__dict__.copy()
        try:
            return self._fit_checked(
                X, y, sample_weight=sample_weight, incremental=incremental, classes=classes
            )
        except Exception:
            self.__dict__.clear()
            self.__dict__.update(previous_state)
            raise

    def _fit_checked(self, X, y, *, sample_weight, incremental, classes):
        self._validate_params()
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True.")
        device = resolve_device(self.device)
        dtype = self._resolve_dtype(device)
        np_dtype = _numpy(dtype)
        continuing = hasattr(self, "net_") and (incremental or self.warm_start)

        X, y = self._validate_training_data(X, y, reset=not continuing, dtype=np_dtype)
        y_encoded = self._encode_targets(
            y, continuing=continuing, incremental=incremental, classes=classes
        )
        if np.issubdtype(y_encoded.dtype, np.floating):
            y_encoded = y_encoded.astype(np_dtype, copy=False)
        sample_weight, mean_weight = self._combined_sample_weight(sample_weight, X, y)
        if sample_weight is not None:
            sample_weight = sample_weight.astype(np_dtype, copy=False)
        X = self._prepare_input(X)
        train_index, valid_index = self._split_validation(
            X.shape[0], y_encoded, incremental=incremental
        )
        batch_size = self._effective_batch_size(len(train_index))

        seed = seed_from_random_state(self.random_state)
        if continuing:
            # A new seed per continued call, so epochs do not repeat their shuffles.
            seed = (seed + 7919 * self.n_iter_) % np.iinfo(np.int32).max
        with torch_random_scope(seed, device):
            if continuing:
                self._continue_net(
                    device, dtype, batch_size, mean_weight, new_optimizer=not incremental
                )
            else:
                self.net_ = self._make_net(X.shape[1:], device, dtype, batch_size, mean_weight)
            data = TensorBatches(X, y_encoded, sample_weight, device=device)
            train = data if valid_index is None else data.subset(train_index)
            valid = None if valid_index is None else data.subset(valid_index)
            self.net_.batch_generator = torch.Generator().manual_seed(seed)
            epochs = 1 if incremental else self.max_iter
            self._run_epochs(train, valid, epochs, incremental=incremental, continuing=continuing)

        self.device_ = device
        self._set_fitted_attributes()
        if not incremental and not self._monitor.converged and self.max_iter == epochs:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and "
                "the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=4,
            )
        return self

    def _resolve_dtype(self, device):
        """The ``dtype`` parameter as a torch dtype that ``device`` can train in."""
        dtype = _DTYPES[self.dtype]
        if dtype == torch.float64 and device.type == "mps":
            raise ValueError(
                f"dtype={self.dtype!r} cannot train on device={self.device!r}: Apple's "
                "MPS backend has no float64. Use dtype='float32' or device='cpu'."
            )
        return dtype

    @property
    def _fitted_dtype(self):
        """The numpy dtype the fitted network computes in."""
        return _numpy(next(self.net_.module_.parameters()).dtype)

    def _validate_training_data(self, X, y, *, reset, dtype):
        return validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse="csr",
            dtype=dtype,
            multi_output=True,
            y_numeric=self._y_numeric,
        )

    def _validate_predict_data(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, accept_sparse="csr", dtype=self._fitted_dtype)
        return self._prepare_input(X)

    def _combined_sample_weight(self, sample_weight, X, y):
        """Sample weights times target weights, scaled to mean 1, and their mean before.

        Returns ``(None, 1.0)`` without sample and class weights.  The mean
        scales the L2 penalty as scikit-learn's MLP does, which divides it
        by the sum of the batch's weights rather than by its number of rows.
        """
        target_weight = self._target_sample_weight(y)
        if sample_weight is None and target_weight is None:
            return None, 1.0
        weight = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        if target_weight is not None:
            weight = weight * target_weight
        total = weight.sum()
        if total <= 0:
            raise ValueError("sample_weight must contain at least one positive value.")
        return weight * (weight.shape[0] / total), float(total / weight.shape[0])

    def _split_validation(self, n_samples, y_encoded, *, incremental):
        if not self.early_stopping or incremental:
            return np.arange(n_samples), None
        train_index, valid_index = train_test_split(
            np.arange(n_samples),
            test_size=self.validation_fraction,
            random_state=seed_from_random_state(self.random_state),
            stratify=self._stratify_labels(y_encoded),
        )
        if valid_index.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        return train_index, valid_index

    def _effective_batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                f"Got batch_size={self.batch_size} larger than the {n_samples} training "
                "samples; it is clipped to the number of samples.",
                stacklevel=5,
            )
        return min(self.batch_size, n_samples)

    def _optimizer_settings(self, batch_size, mean_weight):
        """The optimizer class and its keyword arguments for the ``solver`` chosen.

        ``mean_weight`` is the mean sample weight of the training rows.
        """
        if self.solver == "sgd":
            kwargs = {
                "momentum": self.momentum,
                "nesterov": bool(self.nesterovs_momentum and self.momentum > 0),
            }
        else:
            kwargs = {"betas": (self.beta_1, self.beta_2), "eps": self.epsilon}
        # AdamW decays decoupled from the gradient, with alpha as its rate;
        # otherwise scikit-learn's L2 term alpha * ||W||^2 / (2 * sw_sum), with
        # sw_sum the batch's total sample weight, becomes a weight decay of
        # alpha / sw_sum: weights of 2 then train as rows given twice.
        if self.solver == "adamw":
            kwargs["weight_decay"] = self.alpha
        else:
            kwargs["weight_decay"] = self.alpha / (batch_size * mean_weight)
        return _OPTIMIZERS[self.solver], kwargs

    def _monitor_settings(self):
        return {
            "tol": self.tol,
            "n_iter_no_change": self.n_iter_no_change,
            "learning_rate": self.learning_rate,
            "learning_rate_init": self.learning_rate_init,
            "power_t": self.power_t,
            "max_iter": self.max_iter,
        }

    def _make_net(self, sample_shape, device, dtype, batch_size, mean_weight):
        module = use_sample_weighted_batch_norm(
            self._build_module(tuple(sample_shape), self.n_outputs_)
        ).to(dtype)
        monitor = EpochMonitor(**self._monitor_settings())
        reporter = ProgressReporter(self.verbose, description=type(self).__name__)
        optimizer, optimizer_kwargs = self._optimizer_settings(batch_size, mean_weight)
        net = self._net_class(
            module=module,
            criterion=self._make_criterion(),
            optimizer=optimizer,
            lr=self.learning_rate_init,
            batch_size=batch_size,
            max_epochs=self.max_iter,
            callbacks=[("monitor", monitor), ("progress", reporter)],
            train_split=None,
            device=str(device),
            verbose=0,
            shuffle=self.shuffle,
            **{f"optimizer__{key}": value for key, value in optimizer_kwargs.items()},
        )
        return net.initialize()

    def _continue_net(self, device, dtype, batch_size, mean_weight, *, new_optimizer):
        """Prepare the fitted net for another call (warm start or partial_fit)."""
        net = self.net_
        self._move_net(device, dtype)
        net.batch_size, net.max_epochs, net.shuffle = batch_size, self.max_iter, self.shuffle
        vars(self._monitor).update(self._monitor_settings())
        dict(net.callbacks_)["progress"].verbose = self.verbose
        optimizer, kwargs = self._optimizer_settings(batch_size, mean_weight)
        if new_optimizer:
            # As scikit-learn: a warm-started fit keeps the weights, not the optimizer.
            for key in [key for key in vars(net) if key.startswith("optimizer__")]:
                delattr(net, key)
            net.optimizer, net.lr = optimizer, self.learning_rate_init
            for key, value in kwargs.items():
                setattr(net, f"optimizer__{key}", value)
            net.initialize_optimizer()
        else:
            # partial_fit keeps the optimizer's state; only the L2 penalty
            # follows this call's batch size and sample weights.
            net.optimizer__weight_decay = kwargs["weight_decay"]
            for group in net.optimizer_.param_groups:
                if group["weight_decay"]:
                    group["weight_decay"] = kwargs["weight_decay"]

    def _move_net(self, device, dtype):
        net = self.net_
        if torch.device(net.device) == device and self._fitted_dtype == _numpy(dtype):
            return
        optimizer_state = net.optimizer_.state_dict()
        net.device = str(device)
        net.module_.to(device=device, dtype=dtype)
        net.criterion_.to(device)
        # load_state_dict moves and casts the optimizer's moments to match the parameters.
        net.optimizer_.load_state_dict(optimizer_state)

    @property
    def _monitor(self):
        return dict(self.net_.callbacks_)["monitor"]

    def _run_epochs(self, train, valid, epochs, *, incremental, continuing):
        monitor = self._monitor
        reporter = dict(self.net_.callbacks_)["progress"]
        monitor.start(
            self.net_,
            n_train=len(train),
            validation=valid,
            score_fn=type(self)._score_outputs,
            continuing=continuing,
        )
        if not incremental:
            monitor.restart_schedule()
        reporter.start(epochs)
        try:
            self.net_.partial_fit(train, None, epochs=epochs)
            if not incremental:
                # partial_fit keeps PyTorch's running averages, which follow a stream.
                recalibrate_batch_norm(
                    self.net_.module_,
                    BatchIterator(train, self.net_.batch_size, True, self.net_.batch_generator),
                )
        finally:
            monitor.release()
            reporter.close()
            self.net_.batch_generator = None

    def _set_fitted_attributes(self):
        monitor = self._monitor
        self.n_iter_ = monitor.n_iter
        self.t_ = monitor.samples_seen
        self.loss_curve_ = list(monitor.loss_curve)
        self.loss_ = self.loss_curve_[-1]
        if self.early_stopping:
            self.validation_scores_ = list(monitor.validation_scores)
            self.best_validation_score_ = monitor.best_validation_score
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = monitor.best_loss

    # ------------------------------------------------------------- inference
    def _forward(self, X):
        """Raw network outputs for X, computed in batches, as a CPU tensor."""
        X = self._validate_predict_data(X)
        values_per_row = max(1, int(np.prod(X.shape[1:])))
        batch_size = max(self.net_.batch_size, _PREDICT_BATCH_VALUES // values_per_row)
        return self.net_.forward_batches(X, batch_size, self.device_).cpu()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class NeuralClassifier(ClassifierMixin, NeuralEstimator):
    """Base of the classifiers: label encoding, log-loss, probabilities.

    Binary targets use one logistic output, multiclass targets a softmax over
    one output per class, and multilabel targets (a 2-D 0/1 array) one
    logistic output per label, as scikit-learn's MLPClassifier does.
    Subclasses accept ``class_weight`` in ``__init__``.
    """

    _parameter_constraints = {
        **NeuralEstimator._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), dict, None],
    }
    _score_outputs = staticmethod(accuracy_from_outputs)

    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Run one epoch over (X, y), keeping the weights of earlier calls.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.
        classes : array-like of shape (n_classes,), default=None
            Every class that will ever appear; required on the first call
            unless y is multilabel.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True, classes=classes)

    def _encode_targets(self, y, *, continuing, incremental, classes=None):
        check_classification_targets(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        target_type = type_of_target(y)
        if target_type == "multiclass-multioutput":
            raise ValueError(
                f"{type(self).__name__} supports binary, multiclass and multilabel "
                "(2-D 0/1) targets, not multiclass-multioutput targets."
            )
        multilabel = target_type == "multilabel-indicator"
        if continuing:
            self._check_continued_targets(y, multilabel, classes, incremental)
        else:
            if multilabel:
                self.classes_ = np.arange(y.shape[1])
            elif classes is None and incremental:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            else:
                self.classes_ = np.unique(y if classes is None else classes)
                if self.classes_.shape[0] < 2:
                    raise ValueError(
                        f"{type(self).__name__} needs samples of at least 2 classes in the "
                        f"data, but the data contains only one class: "
                        f"{self.classes_.tolist()[0]!r}."
                    )
                if classes is not None:
                    self._check_known_labels(y)
            self._target_type = (
                "multilabel"
                if multilabel
                else ("binary" if self.classes_.shape[0] == 2 else "multiclass")
            )
            self.n_outputs_ = 1 if self._target_type == "binary" else self.classes_.shape[0]
        if self._target_type == "multilabel":
            return np.asarray(y, dtype=np.float32)
        index = np.searchsorted(self.classes_, y)
        if self._target_type == "binary":
            return index.astype(np.float32)[:, None]
        return index.astype(np.int64)

    def _check_continued_targets(self, y, multilabel, classes, incremental):
        name = type(self).__name__
        if multilabel != (self._target_type == "multilabel") or (
            multilabel and y.shape[1] != self.classes_.shape[0]
        ):
            raise ValueError(
                f"y does not match the targets {name} was fitted on "
                f"({self._target_type} with classes {self.classes_.tolist()})."
            )
        if multilabel:
            return
        if not incremental and not np.array_equal(np.unique(y), self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in the "
                f"previous call to fit. Previously got {self.classes_.tolist()!r}, `y` has "
                f"{np.unique(y).tolist()!r}."
            )
        if classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"classes={list(classes)!r} is not the same as on the first call "
                f"to partial_fit, which was {self.classes_.tolist()!r}."
            )
        self._check_known_labels(y)

    def _check_known_labels(self, y):
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if unseen.size:
            raise ValueError(
                f"y contains labels not seen when {type(self).__name__} was first fitted "
                f"(or not in the classes passed to partial_fit): {unseen.tolist()!r}; "
                f"expected labels among classes_ = {self.classes_.tolist()!r}."
            )

    def _target_sample_weight(self, y):
        if self.class_weight is None:
            return None
        return compute_sample_weight(self.class_weight, y)

    def _make_criterion(self):
        if self._target_type == "multiclass":
            return CrossEntropyPerSample()
        return BinaryCrossEntropyPerSample()

    def _stratify_labels(self, y_encoded):
        return None if self._target_type == "multilabel" else y_encoded.ravel()

    def predict_proba(self, X):
        """Probability of each class (each label for multilabel targets).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities in the order of ``classes_``.
        """
        return np.exp(self.predict_log_proba(X))

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed stably from the logits.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities in the order of ``classes_``.
        """
        logits = self._forward(X).to(torch.float64)
        if self._target_type == "multiclass":
            return torch.log_softmax(logits, dim=1).numpy()
        if self._target_type == "binary":
            logits = torch.cat([-logits, logits], dim=1)
        return torch.nn.functional.logsigmoid(logits).numpy()

    def predict(self, X):
        """Predicted class labels (a 0/1 matrix for multilabel targets).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels taken from ``classes_``.
        """
        logits = self._forward(X)
        if self._target_type == "multilabel":
            return (logits > 0).numpy().astype(np.int64)
        if self._target_type == "binary":
            return self.classes_[(logits[:, 0] > 0).numpy().astype(np.int64)]
        return self.classes_[logits.argmax(dim=1).numpy()]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class NeuralRegressor(RegressorMixin, NeuralEstimator):
    """Base of the regressors: half squared error, single or multi-target."""

    _y_numeric = True
    _score_outputs = staticmethod(r2_from_outputs)

    def partial_fit(self, X, y, sample_weight=None):
        """Run one epoch over (X, y), keeping the weights of earlier calls.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def _encode_targets(self, y, *, continuing, incremental, classes=None):
        y = np.asarray(y, dtype=np.float32)
        if y.ndim == 1:
            y = y[:, None]
        if not continuing:
            self.n_outputs_ = y.shape[1]
        elif y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} targets, but {type(self).__name__} was fitted "
                f"with {self.n_outputs_}."
            )
        return y

    def _make_criterion(self):
        return HalfSquaredErrorPerSample()

    def predict(self, X):
        """Predicted targets.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predictions; 1-D when the model has a single target.
        """
        prediction = self._forward(X).to(torch.float64).numpy()
        return prediction.ravel() if prediction.shape[1] == 1 else prediction

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
