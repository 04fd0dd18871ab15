"""Base classes: the one public ``fit`` and the estimator kinds.

``NeuralEstimator`` validates (through the estimator's input adapter),
seeds, resolves the device, builds the network(s), trains them through
:class:`sknets._training.NeuralNetCore` (or a family's subclass of it) and
sets the fitted attributes.  The kind bases add what their kind means:
:class:`NeuralClassifier` and :class:`NeuralRegressor` (targets, loss,
predict), :class:`NeuralTransformer` (``transform``, feature names,
``set_output``) and :class:`NeuralGenerator` (``sample``,
``score_samples``).  An architecture adds its parameters (``_params``) and
``_build_module(spec)``; its ``__init__``, parameter checks and the
Parameters section of its docstring are generated from ``_params``
(:mod:`sknets._params`).
"""

import contextlib
import copy
import functools
import itertools
import warnings
from abc import ABC, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    RegressorMixin,
    TransformerMixin,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import compute_sample_weight
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
    column_or_1d,
)

from ._batches import (
    _ROW_BLOCK,
    BatchIterator,
    _to_numpy,
    as_device_tensor,
    n_rows,
    primary_output,
    tree_leaves,
    tree_map,
)
from ._batchnorm import recalibrate_batch_norm, use_sample_weighted_batch_norm
from ._config import API_PAGE_TEMPLATE, get_config
from ._distributed import data_parallel_context, local_device
from ._fairness import FairnessPenalty, encode_sensitive_features
from ._guide import add_guide_note
from ._inputs import (
    DataSpec,
    DictInput,
    ForecastInput,
    GraphInput,
    IdInput,
    IdPairInput,
    ImageInput,
    ImageOrSeriesInput,
    InputAdapter,
    PaddedSeriesInput,
    SeriesInput,
    TabularInput,
    TokenInput,
)
from ._losses import (
    BinaryCrossEntropyPerSample,
    CrossEntropyPerSample,
    HalfPoissonDeviancePerSample,
    HalfSquaredErrorPerSample,
    MultiTaskCrossEntropyPerSample,
    accuracy_from_outputs,
    multitask_accuracy_from_outputs,
    r2_from_log_outputs,
    r2_from_outputs,
    split_tasks,
)
from ._monitor import EpochMonitor, ProgressReporter
from ._optim import LBFGS, SCIPY_FTOL, SGD
from ._params import (
    CLASSIFIER_PARAMS,
    DEVICE_PARAMS,
    REGRESSION_LOSS_PARAM,
    SHARED_TRAINING_PARAMS,
    Param,
    PositiveInts,
    PositiveIntTuples,
    install_parameters,
)
from ._persistence import net_state, rebuild_net
from ._resources import (
    MIN_FLOPS_PER_THREAD_PREDICT_BATCH,
    choose_threads,
    intra_op_threads,
    predict_batch_rows,
    probe_forward,
)
from ._training import NeuralNetCore
from .utils._device import resolve_device
from .utils._random import seed_from_random_state, torch_random_scope

# Everything a new estimator is written with: the kinds, the training net
# to subclass for an own step, parameter declarations and input adapters.
__all__ = [
    "DataSpec",
    "DictInput",
    "ForecastInput",
    "GraphInput",
    "IdInput",
    "IdPairInput",
    "ImageInput",
    "ImageOrSeriesInput",
    "InputAdapter",
    "NeuralClassifier",
    "NeuralEstimator",
    "NeuralGenerator",
    "NeuralNetCore",
    "NeuralRegressor",
    "NeuralTransformer",
    "PaddedSeriesInput",
    "Param",
    "PositiveIntTuples",
    "PositiveInts",
    "SeriesInput",
    "TabularInput",
    "TokenInput",
]

_OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": SGD, "lbfgs": LBFGS}

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


def _stochastic_solver(estimator):
    """``available_if`` check of ``partial_fit``: not with full-batch L-BFGS, as scikit-learn."""
    if getattr(estimator, "solver", None) == "lbfgs":
        raise AttributeError(
            "partial_fit is only available for stochastic optimizers. lbfgs is not stochastic."
        )
    return True


class NeuralEstimator(BaseEstimator, ABC):
    """Base class of every sknets estimator.

    A subclass declares

    * ``_params``: its own parameters (:class:`~sknets.base.Param`), and
      ``_defaults``: the shared defaults it changes (FCN's ``batch_size``).
      Its ``__init__`` (an explicit signature, as scikit-learn requires),
      ``_parameter_constraints`` and the Parameters section of its
      docstring are generated from them and the kind's shared parameters;
    * ``_build_module(spec)``: the untrained network for the
      :class:`DataSpec` the training data determined (sample shape, number
      of outputs, vocabulary size...), or a dict ``{"module": ...,
      "discriminator": ...}`` of several networks;
    * optionally ``_input`` (the input adapter class, default
      :class:`~sknets.base.TabularInput`), ``_net_class`` (a
      :class:`NeuralNetCore` subclass with its own train or validation
      step) and ``_net_kwargs`` (its own arguments), ``_optimized_modules``
      (optimizer name -> names of the modules it updates, None for all),
      ``_optimizer_specs`` (their settings), ``_make_criterion`` and
      ``_get_test_params`` (tiny settings for the conformance suite).

    The shared parameters are documented on every public estimator; their
    names and semantics follow :class:`sklearn.neural_network.MLPClassifier`.
    """

    _params = ()
    _shared_params = SHARED_TRAINING_PARAMS + DEVICE_PARAMS
    _defaults: dict = {}
    _input = TabularInput
    _net_class = NeuralNetCore
    _optimized_modules = {"optimizer": None}
    # The "?" link of the HTML representation in notebooks: the API page.
    _doc_link_module = "sknets"
    _doc_link_template = API_PAGE_TEMPLATE

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        install_parameters(cls)
        add_guide_note(cls)

    # ------------------------------------------------------------------ hooks
    @abstractmethod
    def _build_module(self, spec):
        """Return the untrained network(s) for the data described by ``spec`` (a DataSpec)."""

    @classmethod
    def _get_test_params(cls):
        """Small, fast settings with which the conformance suite checks the class."""
        return {"max_iter": 50, "random_state": 0}

    # Kind hooks, implemented by the kind bases.
    _y_numeric = False
    _requires_y = True
    # An unsupervised model that conditions on labels when fit is given y
    # (a conditional GAN); others ignore y, as scikit-learn's transformers.
    _uses_y = False
    # Trains for max_iter epochs whatever its loss does (an adversarial game
    # has no loss that falls as it converges): no stop on a training-loss
    # plateau, no early stopping, no ConvergenceWarning.
    _fixed_epochs = False
    # The training loss is a Monte Carlo estimate (random diffusion steps, a
    # VAE's latent draws): it falls too noisily for the plateau rule, so
    # training runs max_iter epochs unless early stopping follows the
    # family's validation loss (which such a family computes at fixed draws).
    _stochastic_loss = False

    @property
    def _trains_every_epoch(self):
        """Whether nothing but max_iter (and early stopping) ends training."""
        return self._fixed_epochs or (self._stochastic_loss and not self.early_stopping)

    def _encode_targets(self, y, *, continuing, incremental, classes=None):
        """Check y against the fitted targets and return it as the loss expects it."""
        return None

    def _make_criterion(self):
        raise NotImplementedError(
            f"{type(self).__name__} must define _make_criterion: the per-sample loss module."
        )

    _score_outputs = None

    def _stratify_labels(self, y_encoded):
        return None

    def _target_sample_weight(self, y):
        return None

    def _fairness_penalty(self, sensitive_features, n_samples):
        """The loss's fairness term and each row's group, or ``(None, None)``."""
        if sensitive_features is not None:
            raise ValueError(
                f"{type(self).__name__} has no fairness penalty: sensitive_features is for "
                "classifiers."
            )
        return None, None

    def _after_fit(self, X):
        """Set the kind's fitted attributes that need the (validated) training data."""

    def _net_kwargs(self):
        """Keyword arguments of the family's ``_net_class`` beyond the shared ones."""
        return {}

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

    def __getstate__(self):
        # Plain numbers and arrays only (see sknets._persistence): what
        # skops.io can save, and a pickle that needs no torch to read.
        state = dict(super().__getstate__())
        # Measured again on first use: the pickle may be loaded on another device.
        state.pop("_forward_costs", None)
        if "net_" in state:
            state["net_"] = net_state(self)
            state["device_"] = str(state["device_"])
        return state

    def __setstate__(self, state):
        state = dict(state)
        saved_net = state.pop("net_", None)
        super().__setstate__(state)
        if saved_net is not None:
            self.net_ = rebuild_net(self, saved_net, _OPTIMIZERS.values())
            # A model trained on a GPU loads on the CPU of a machine without one.
            self.device_ = torch.device(self.net_.device)

    def _validate_params(self):
        super()._validate_params()
        if self.early_stopping and self.validation_fraction == 0:
            raise ValueError(
                "early_stopping=True holds out validation_fraction of the training data "
                "to decide when to stop, so validation_fraction must be above 0; got "
                f"validation_fraction={self.validation_fraction!r}."
            )
        if self.early_stopping and self._fixed_epochs:
            raise ValueError(
                f"{type(self).__name__} trains for max_iter epochs: it has no validation "
                "loss that early stopping could follow, so early_stopping must be False."
            )
        self._input(self).check_params()
        if self.solver == "lbfgs":
            self._check_full_batch_solver()

    def _check_full_batch_solver(self):
        # L-BFGS steps through NeuralNetCore.train_step's closure, with one optimizer.
        own_step = self._net_class.train_step is not NeuralNetCore.train_step
        if own_step or len(self._optimized_modules) != 1:
            why = "its own training step" if own_step else "several optimizers"
            raise ValueError(
                f"{type(self).__name__} trains with {why}, so it cannot use "
                "solver='lbfgs' (full-batch L-BFGS needs one optimizer and the default "
                "training step); use 'adam', 'adamw' or 'sgd'."
            )

    # --------------------------------------------------------------- training
    def _fit(
        self,
        X,
        y,
        *,
        sample_weight,
        incremental,
        classes=None,
        sensitive_features=None,
        **input_arguments,
    ):
        # A refused or failed call leaves the estimator as it was: unfitted,
        # or with its previous fitted attributes, weights, optimizer states
        # and counters.  A Ctrl-C does the same, except that a continued fit
        # (warm_start, partial_fit) keeps the epochs it completed.
        previous_state = self.__dict__.copy()
        warm_start = isinstance(self.warm_start, bool | np.bool_) and bool(self.warm_start)
        continuing = hasattr(self, "net_") and (incremental or warm_start)
        # A quantised network trains in float: no extra frame here, so that
        # warnings still point at the caller's line.
        with self._trainable_form(continuing):
            snapshot = self._training_snapshot() if continuing else None
            try:
                return self._fit_checked(
                    X,
                    y,
                    sample_weight=sample_weight,
                    incremental=incremental,
                    classes=classes,
                    sensitive_features=sensitive_features,
                    input_arguments=input_arguments,
                )
            except KeyboardInterrupt:
                if snapshot is not None and self._monitor.n_iter > snapshot["monitor"]["n_iter"]:
                    self._keep_completed_epochs(snapshot)
                else:
                    self._roll_back(previous_state, snapshot)
                raise
            except Exception:
                self._roll_back(previous_state, snapshot)
                raise

    def _trainable_form(self, continuing):
        """Where a continued fit trains: a quantised network trains in float (sknets.compress)."""
        if continuing and getattr(self, "compression_", {}).get("method") == "quantize":
            from .compress import _float_training

            return _float_training(self)
        return contextlib.nullcontext()

    def _training_snapshot(self):
        """What a continued call changes in place: weights, optimizers, counters, history."""
        net = self.net_
        with net.model_lock.reading():
            return {
                "device": torch.device(net.device),
                "dtype": _DTYPES[self._fitted_dtype],
                "modules": {
                    name: {key: value.clone() for key, value in module.state_dict().items()}
                    for name, module in self._modules().items()
                },
                "optimizer_specs": copy.deepcopy(net.optimizer_specs),
                "optimizers": {
                    name: copy.deepcopy(optimizer.state_dict())
                    for name, optimizer in net.optimizers.items()
                },
                "monitor": self._monitor.carried_state(),
                "history": len(net.history),
                "settings": (net.batch_size, net.max_epochs, net.shuffle),
            }

    def _roll_back(self, previous_state, snapshot):
        """Undo a call: the previous attributes and, for a continued fit, the net's state."""
        if snapshot is not None:
            net = previous_state["net_"]
            self.__dict__["net_"] = net
            with net.model_lock.writing():
                self._move_net(snapshot["device"], snapshot["dtype"], keep_optimizers=False)
                for name, module in self._modules().items():
                    module.load_state_dict(snapshot["modules"][name])
                net.optimizer_specs = snapshot["optimizer_specs"]
                net.initialize_optimizer()
                for name, state in snapshot["optimizers"].items():
                    getattr(net, name + "_").load_state_dict(state)
                self._monitor.restore(snapshot["monitor"])
                self._monitor.release()
                del net.history[snapshot["history"] :]
                net.batch_size, net.max_epochs, net.shuffle = snapshot["settings"]
        self.__dict__.clear()
        self.__dict__.update(previous_state)

    def _keep_completed_epochs(self, snapshot):
        """After a Ctrl-C in a continued fit: the fitted attributes of the epochs completed."""
        monitor = self._monitor
        monitor.release()
        completed = monitor.n_iter - snapshot["monitor"]["n_iter"]
        del self.net_.history[snapshot["history"] + completed :]
        self.device_ = torch.device(self.net_.device)
        self._set_fitted_attributes()

    def _fit_checked(
        self, X, y, *, sample_weight, incremental, classes, sensitive_features, input_arguments
    ):
        self._validate_params()
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True.")
        device = local_device(self.device, resolve_device(self.device))
        parallel = data_parallel_context(device)
        dtype = self._resolve_dtype(device)
        np_dtype = _numpy(dtype)
        continuing = hasattr(self, "net_") and (incremental or self.warm_start)
        if not continuing:
            # A fit from scratch builds a new, uncompressed network.
            self.__dict__.pop("compression_", None)
        if not self._requires_y:
            if not self._uses_y:
                y = None  # unsupervised: y is ignored, as in scikit-learn's transformers
        elif y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )

        adapter = self._input(self)
        X, y = adapter.validate(
            X,
            y,
            reset=not continuing,
            dtype=np_dtype,
            y_numeric=self._y_numeric,
            **input_arguments,
        )
        n_samples = adapter.n_samples(X)
        if parallel is not None:
            parallel.check_same_rows(n_samples)
        y_encoded = self._encode_targets(
            y, continuing=continuing, incremental=incremental, classes=classes
        )
        if y_encoded is not None and np.issubdtype(y_encoded.dtype, np.floating):
            y_encoded = y_encoded.astype(np_dtype, copy=False)
        sample_weight, mean_weight = self._combined_sample_weight(sample_weight, n_samples, y)
        if sample_weight is not None:
            sample_weight = sample_weight.astype(np_dtype, copy=False)
        fairness, groups = self._fairness_penalty(sensitive_features, n_samples)
        # Every rank of a data-parallel fit takes rank 0's seeds.
        agree = (lambda seed: seed) if parallel is None else parallel.agree
        train_index, valid_index = self._split_validation(
            n_samples, y_encoded, incremental=incremental, agree=agree
        )
        batch_size = self._effective_batch_size(len(train_index))

        seed = agree(seed_from_random_state(self.random_state))
        if continuing:
            # A new seed per continued call, so epochs do not repeat their shuffles.
            seed = (seed + 7919 * self.n_iter_) % np.iinfo(np.int32).max
        with torch_random_scope(seed, device):
            if continuing:
                net = self.net_
            else:
                # A new network: what its batches cost is measured anew.
                self._forward_costs = {}
                spec = DataSpec(**adapter.sizes(X), n_outputs=getattr(self, "n_outputs_", None))
                net = self._make_net(spec, device, dtype, batch_size, mean_weight)
                # What rebuilds the networks when the estimator is loaded.
                self._data_spec = spec.as_dict()
            # Predictions in other threads wait for this call (ModelLock).
            with net.model_lock.writing():
                if continuing:
                    self._continue_net(
                        device, dtype, batch_size, mean_weight, new_optimizer=not incremental
                    )
                else:
                    self.net_ = net
                data = adapter.dataset(X, y_encoded, sample_weight, device)
                if groups is not None:
                    data.groups = torch.as_tensor(groups, device=device)
                net.fairness = fairness
                train = data if valid_index is None else data.subset(train_index)
                valid = None if valid_index is None else data.subset(valid_index)
                net.batch_generator = torch.Generator().manual_seed(seed)
                epochs = 1 if incremental else self.max_iter
                self._n_threads_fit = self._training_threads(train, adapter, device, batch_size)
                with (
                    intra_op_threads(self._n_threads_fit),
                    self._data_parallel(parallel, seed),
                ):
                    self._run_epochs(
                        train, valid, epochs, incremental=incremental, continuing=continuing
                    )

        self.device_ = device
        self._set_fitted_attributes()
        self._after_fit(X)
        if not continuing and not self._fixed_epochs:
            self._warn_if_not_learned()
        if (
            not incremental
            and not self._trains_every_epoch
            and not self._monitor.converged
            and self.max_iter == epochs
        ):
            warnings.warn(
                self._monitor.stop_message or self._max_iter_message(),
                ConvergenceWarning,
                stacklevel=4,
            )
        return self

    def _warn_if_not_learned(self):
        """Warn when a fresh fit ended with a model that learned nothing.

        That is, its training loss ended no lower than after the first epoch,
        or its batch norm statistics overflowed.

        Unscaled inputs (values of 1e30) or a rate far too high or low
        leave the loss flat without making it non-finite; the fit would
        otherwise end with a useless model and nothing said.
        """
        overflowed = [
            f"{name}.{buffer_name}" if name != "module" else buffer_name
            for name, module in self._modules().items()
            for buffer_name, buffer in module.named_buffers()
            if buffer.is_floating_point() and not torch.isfinite(buffer).all()
        ]
        if overflowed:
            # Batch norm statistics of huge inputs overflow while the training
            # loss, computed with per-batch statistics, still falls.
            warnings.warn(
                f"{type(self).__name__} did not learn a usable model: the running "
                f"statistics {', '.join(overflowed[:3])} overflowed to non-finite values, "
                "so predictions are meaningless. Scale the inputs (e.g. with "
                "StandardScaler).",
                ConvergenceWarning,
                stacklevel=5,
            )
            return
        curve = self.loss_curve_
        if len(curve) >= 2 and curve[-1] >= curve[0] - 1e-3 * abs(curve[0]):
            warnings.warn(
                f"{type(self).__name__} did not learn: its training loss after "
                f"{len(curve)} epochs ({curve[-1]:.4g}) is no lower than after the first "
                f"({curve[0]:.4g}). Scale the inputs (e.g. with StandardScaler) or "
                "change learning_rate_init.",
                ConvergenceWarning,
                stacklevel=5,
            )

    def _max_iter_message(self):
        if self.solver == "lbfgs":
            return (
                f"lbfgs failed to converge after {self.n_iter_} iteration(s): the maximum "
                f"number of iterations was reached (max_iter={self.max_iter}). Increase "
                "max_iter or scale the data."
            )
        return (
            f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and "
            "the optimization hasn't converged yet."
        )

    def _resolve_dtype(self, device):
        """The ``dtype`` parameter as a torch dtype that ``device`` can train in."""
        dtype = _DTYPES[self.dtype]
        if dtype == torch.float64 and device.type == "mps":
            raise ValueError(
                f"dtype={self.dtype!r} cannot train on device={self.device!r}: Apple's "
                "MPS backend has no float64. Use dtype='float32' or device='cpu'."
            )
        return dtype

    def _modules(self):
        """The fitted networks, by name (``"module"`` first)."""
        return {name: getattr(self.net_, name + "_") for name in self.net_.module_names}

    @property
    def _fitted_dtype(self):
        """The numpy dtype the fitted networks compute in."""
        for module in self._modules().values():
            for tensor in itertools.chain(module.parameters(), module.buffers()):
                if tensor.is_floating_point():
                    return _numpy(tensor.dtype)
        return _numpy(_DTYPES.get(self.dtype, torch.float32))

    def _combined_sample_weight(self, sample_weight, n_samples, y):
        """Sample weights times target weights, scaled to mean 1, and their mean before.

        Returns ``(None, 1.0)`` without sample and class weights.  The mean
        scales the L2 penalty as scikit-learn's MLP does, which divides it
        by the sum of the batch's weights rather than by its number of rows.
        """
        target_weight = self._target_sample_weight(y)
        if sample_weight is None and target_weight is None:
            return None, 1.0
        weight = _check_sample_weight(
            sample_weight, range(n_samples), dtype=np.float64, ensure_non_negative=True
        )
        if target_weight is not None:
            weight = weight * target_weight
        total = weight.sum()
        if total <= 0:
            raise ValueError("sample_weight must contain at least one positive value.")
        return weight * (weight.shape[0] / total), float(total / weight.shape[0])

    def _split_validation(self, n_samples, y_encoded, *, incremental, agree=int):
        if not self.early_stopping or incremental:
            return np.arange(n_samples), None
        train_index, valid_index = train_test_split(
            np.arange(n_samples),
            test_size=self.validation_fraction,
            random_state=agree(seed_from_random_state(self.random_state)),
            stratify=None if y_encoded is None else self._stratify_labels(y_encoded),
        )
        if valid_index.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        return train_index, valid_index

    def _effective_batch_size(self, n_samples):
        if self.solver == "lbfgs":
            return n_samples  # full batch, as scikit-learn's lbfgs (batch_size ignored)
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
        elif self.solver == "lbfgs":
            # scipy's options as scikit-learn sets them: gtol=tol, the default
            # ftol (but no finer than the dtype resolves), the first step 1.
            eps = torch.finfo(_DTYPES[self.dtype]).eps
            kwargs = {
                "tolerance_grad": self.tol,
                "tolerance_change": max(SCIPY_FTOL, eps),
                "history_size": 10,
                "max_fun": self.max_fun,
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
        kwargs["lr"] = 1.0 if self.solver == "lbfgs" else self.learning_rate_init
        return _OPTIMIZERS[self.solver], kwargs

    def _optimizer_specs(self, batch_size, mean_weight):
        """Every optimizer: name -> (class, keyword arguments, modules it updates).

        By default each optimizer of ``_optimized_modules`` gets the
        ``solver`` settings; a family overrides this to give one of them
        other settings (a GAN's discriminator its own rate).
        """
        optimizer, kwargs = self._optimizer_settings(batch_size, mean_weight)
        return {
            name: (optimizer, dict(kwargs), modules)
            for name, modules in self._optimized_modules.items()
        }

    def _monitor_settings(self):
        return {
            "tol": self.tol,
            "n_iter_no_change": np.inf if self._trains_every_epoch else self.n_iter_no_change,
            "learning_rate": self.learning_rate,
            "learning_rate_init": self.learning_rate_init,
            "power_t": self.power_t,
            "max_iter": self.max_iter,
        }

    def _make_net(self, spec, device, dtype, batch_size, mean_weight):
        built = self._build_module(spec)
        modules = dict(built) if isinstance(built, dict) else {"module": built}
        if "module" not in modules:
            raise TypeError(
                f"{type(self).__name__}._build_module returned networks named "
                f"{sorted(modules)}; one must be named 'module' (the one that predicts)."
            )
        modules = {
            name: use_sample_weighted_batch_norm(module).to(dtype)
            for name, module in modules.items()
        }
        monitor = EpochMonitor(**self._monitor_settings())
        reporter = ProgressReporter(self.verbose, description=type(self).__name__)
        net = self._net_class(
            module=modules.pop("module"),
            modules=modules,
            criterion=self._make_criterion(),
            optimizers=self._optimizer_specs(batch_size, mean_weight),
            lr=self.learning_rate_init,
            batch_size=batch_size,
            max_epochs=self.max_iter,
            callbacks=[("monitor", monitor), ("progress", reporter)],
            train_split=None,
            device=str(device),
            verbose=0,
            shuffle=self._shuffles(),
            **self._net_kwargs(),
        )
        return net.initialize()

    def _continue_net(self, device, dtype, batch_size, mean_weight, *, new_optimizer):
        """Prepare the fitted net for another call (warm start or partial_fit)."""
        net = self.net_
        self._move_net(device, dtype)
        net.batch_size, net.max_epochs, net.shuffle = batch_size, self.max_iter, self._shuffles()
        for key, value in self._net_kwargs().items():
            setattr(net, key, value)
        vars(self._monitor).update(self._monitor_settings())
        dict(net.callbacks_)["progress"].verbose = self.verbose
        specs = self._optimizer_specs(batch_size, mean_weight)
        # A solver changed since the last fit (lbfgs, then partial_fit with sgd) needs its own.
        if new_optimizer or any(
            isinstance(specs[name][0], type) and not isinstance(optimizer, specs[name][0])
            for name, optimizer in net.optimizers.items()
        ):
            # As scikit-learn: a warm-started fit keeps the weights, not the optimizers.
            net.optimizer_specs = specs
            net.initialize_optimizer()
            return
        # partial_fit keeps the optimizers' state; only the L2 penalty
        # follows this call's batch size and sample weights.
        for name, (_, kwargs, _) in specs.items():
            net.optimizer_specs[name][1]["weight_decay"] = kwargs["weight_decay"]
            for group in getattr(net, name + "_").param_groups:
                if group["weight_decay"]:
                    group["weight_decay"] = kwargs["weight_decay"]

    def _shuffles(self):
        # One full batch (lbfgs): shuffling would only reorder its sums.
        return self.shuffle and self.solver != "lbfgs"

    def _move_net(self, device, dtype, *, keep_optimizers=True):
        net = self.net_
        if torch.device(net.device) == device and self._fitted_dtype == _numpy(dtype):
            return
        optimizer_states = {name: opt.state_dict() for name, opt in net.optimizers.items()}
        net.device = str(device)
        for module in self._modules().values():
            module.to(device=device, dtype=dtype)
        net.criterion_.to(device)
        if keep_optimizers:
            # load_state_dict moves and casts the optimizers' moments to match the parameters.
            for name, state in optimizer_states.items():
                getattr(net, name + "_").load_state_dict(state)

    def _validation_score_fn(self):
        """``score(outputs, target, sample_weight)`` for early stopping, from raw outputs."""
        return type(self)._score_outputs

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
            score_fn=self._validation_score_fn(),
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
                    forward=self.net_.infer,
                )
        finally:
            monitor.release()
            reporter.close()
            self.net_.batch_generator = None

    @contextlib.contextmanager
    def _data_parallel(self, parallel, seed):
        """Within the block, the net trains data-parallel over ``parallel``'s ranks (None: not)."""
        if parallel is None:
            yield
            return
        net = self.net_
        # Same weights everywhere, whatever the ranks' seeds or earlier fits did.
        parallel.broadcast_modules(self._modules().values())
        # Batches are drawn from net.batch_generator, the same on every rank;
        # what a step draws (dropout, a GAN's noise) differs between ranks,
        # as it differs between the rows of one process's batch.
        torch.manual_seed(seed + 1 + parallel.rank)
        net.data_parallel = parallel
        try:
            with parallel.averaging_gradients(net):
                yield
        finally:
            net.data_parallel, net.shard_share = None, 1.0

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
    def _validated_input(self, X, **input_arguments):
        """X checked against the fit and in the network's layout, and its adapter."""
        check_is_fitted(self)
        adapter = self._input(self)
        return adapter.validate_predict(X, dtype=self._fitted_dtype, **input_arguments), adapter

    def _forward(self, X, call=None, **input_arguments):
        """Network outputs for X, computed in batches, as CPU tensors.

        ``call(rows)`` computes what is wanted from one batch of network
        input on the device (default: the module's forward); the result is
        a tensor, or the module's tuple or dict of tensors.
        """
        X, adapter = self._validated_input(X, **input_arguments)
        return self._forward_network(X, call, rows_independent=adapter.rows_independent)

    def _forward_network(self, X, call=None, *, rows_independent=True):
        """``_forward`` on X already in the network's layout (numpy, tensors or a nest)."""
        net = self.net_
        if call is not None:
            net = _CallingNet(net, call)
        if rows_independent:
            batch_size = self._predict_batch_size(X, call)
            rows = min(batch_size, -(-n_rows(X) // _ROW_BLOCK) * _ROW_BLOCK)
            threads = choose_threads(
                self._forward_cost(X, call).flops * rows,
                self.device_,
                threshold=MIN_FLOPS_PER_THREAD_PREDICT_BATCH,
            )
        else:
            # A graph runs whole; only a configured thread count applies.
            batch_size, threads = n_rows(X), choose_threads(None, self.device_)
        with intra_op_threads(threads):
            outputs = net.forward_batches(
                X, batch_size, self.device_, rows_independent=rows_independent
            )
        return tree_map(lambda output: output.cpu(), outputs)

    def _predict_batch_size(self, X, call=None):
        """Rows per prediction batch: as many as the ``working_memory`` budget allows."""
        return predict_batch_rows(self._forward_cost(X, call), device=self.device_)

    def _forward_cost(self, X, call=None, device=None):
        """What one row of X costs in a forward pass of ``call`` (a ForwardCost).

        Measured on the first rows of X once per fitted network, kind of
        call and row layout (per-row shapes and dtypes), then cached.
        """
        key = (
            getattr(call, "__name__", "forward"),
            tuple(
                (tuple(leaf.shape[1:]), str(leaf.dtype).removeprefix("torch."))
                for leaf in tree_leaves(X)
            ),
        )
        costs = self.__dict__.setdefault("_forward_costs", {})
        if key not in costs:
            device = self.device_ if device is None else device
            rows = as_device_tensor(tree_map(lambda leaf: leaf[:_ROW_BLOCK], X), device)
            costs[key] = self._probe(rows, call, device)
        return costs[key]

    def _probe(self, rows, call, device):
        """Probe one forward pass over ``rows`` (on ``device``) in evaluation mode."""
        # Forked: a network that samples in its forward pass (a VAE) must not
        # move the random streams of the fit or prediction around the probe.
        if device.type == "cuda":
            index = torch.cuda.current_device() if device.index is None else device.index
            fork = torch.random.fork_rng(devices=[index])
        else:
            fork = torch.random.fork_rng(devices=[])
        with fork, self.net_.model_lock.reading():
            self.net_._set_training(False)
            return probe_forward(
                self.net_.infer if call is None else call, rows, self._modules().values()
            )

    def _training_threads(self, train, adapter, device, batch_size):
        """The intra-op thread count of the training loop (None: left as the caller has it)."""
        if device.type != "cpu":
            return None
        forced = get_config()["n_threads"]
        if forced is not None:
            return forced
        if torch.get_num_threads() == 1 or not adapter.rows_independent:
            # Nothing to decide (one thread already), or each batch runs the
            # whole graph: the caller's count.
            return None
        rows = train.take(slice(0, _ROW_BLOCK))[0]
        cost = self._forward_cost(rows, device=device)
        # A training step is about three forward passes: forward, and the
        # backward pass's two products per layer.
        return choose_threads(3 * cost.flops * batch_size, device)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        return self._input(self).update_tags(tags)


class _CallingNet:
    """The net with ``infer`` replaced by ``call`` (transform, decode, per-sample scores)."""

    def __init__(self, net, call):
        self._net = net
        self.infer = call

    def forward_batches(self, *args, **kwargs):
        return type(self._net).forward_batches(self, *args, **kwargs)

    @property
    def model_lock(self):
        return self._net.model_lock

    def _set_training(self, training):
        self._net._set_training(training)


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
    def _task_sizes(self):
        """Output units of each task of a multi-task fit (its number of classes)."""
        if not isinstance(self.classes_, list):
            # An AttributeError, so that hasattr and dir() (which skl2onnx walks)
            # pass over it on a single-task fit.
            raise AttributeError("_task_sizes: the fitted targets are not multi-task.")
        return tuple(task_classes.shape[0] for task_classes in self.classes_)

    def _encode_targets(self, y, *, continuing, incremental, classes=None):
        for column, labels in enumerate(y.T if y.ndim == 2 else [y]):
            _check_label_values(labels, f"y[:, {column}]" if y.ndim == 2 else "y")
        task_classes = _task_class_arrays(classes) if classes is not None and y.ndim == 2 else None
        if classes is not None and task_classes is None:
            classes = _as_class_array(classes)
        check_classification_targets(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        target_type = type_of_target(y)
        if continuing:
            multitask = self._target_type == "multitask"
        else:
            multitask = target_type == "multiclass-multioutput" or task_classes is not None
        if multitask:
            encoded = self._encode_tasks(y, task_classes, continuing, incremental)
        else:
            encoded = self._encode_single(y, target_type, classes, continuing, incremental)
        self._loss_weights = self._checked_task_weights(y)
        return encoded

    def _encode_single(self, y, target_type, classes, continuing, incremental):
        """Binary, multiclass or multilabel y, as the loss expects it."""
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
                    self._check_known_labels(y, self.classes_)
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

    def _encode_tasks(self, y, classes, continuing, incremental):
        """Multiclass-multioutput y: one column of class indices per task."""
        name = type(self).__name__
        if continuing:
            self._check_continued_tasks(y, classes, incremental)
        else:
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
            self.classes_ = [
                np.unique(y[:, task] if classes is None else classes[task])
                for task in range(y.shape[1])
            ]
            for task, task_classes in enumerate(self.classes_):
                if task_classes.shape[0] < 2:
                    raise ValueError(
                        f"{name} needs at least 2 classes in every task, but column {task} "
                        f"of y holds only one class: {task_classes.tolist()[0]!r}."
                    )
            self._target_type = "multitask"
            self.n_outputs_ = sum(self._task_sizes)
        if continuing or classes is not None:
            for task, task_classes in enumerate(self.classes_):
                self._check_known_labels(y[:, task], task_classes, f" (column {task} of y)")
        columns = [np.searchsorted(labels, y[:, task]) for task, labels in enumerate(self.classes_)]
        return np.column_stack(columns).astype(np.int64)

    def _check_continued_tasks(self, y, classes, incremental):
        fitted = [task_classes.tolist() for task_classes in self.classes_]
        if y.ndim != 2 or y.shape[1] != len(fitted):
            raise ValueError(
                f"y does not match the targets {type(self).__name__} was fitted on "
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

    def _check_continued_targets(self, y, multilabel, classes, incremental):
        name = type(self).__name__
        fitted_multilabel = self._target_type == "multilabel"
        if (
            multilabel != fitted_multilabel
            or (multilabel and y.shape[1] != self.classes_.shape[0])
            or (not multilabel and y.ndim == 2)
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
        self._check_known_labels(y, self.classes_)

    def _check_known_labels(self, y, classes, where=""):
        unseen = np.setdiff1d(np.unique(y), classes)
        if unseen.size:
            raise ValueError(
                f"y contains labels{where} not seen when {type(self).__name__} was first "
                f"fitted (or not in the classes passed to partial_fit): {unseen.tolist()!r}; "
                f"expected labels among {classes.tolist()!r}."
            )

    def _checked_task_weights(self, y):
        """``task_weights`` as one float per column of y (None: unweighted), or a clear error."""
        if self.task_weights is None:
            return None
        if self._target_type not in ("multitask", "multilabel"):
            raise ValueError(
                "task_weights weighs the columns of a 2-D y (one task or label each), but "
                f"y is {self._target_type} (a single task); leave task_weights=None."
            )
        try:
            weights = np.asarray(self.task_weights, dtype=np.float64)
        except (TypeError, ValueError):
            weights = None
        if weights is None or weights.ndim != 1:
            raise ValueError(
                f"task_weights must be a 1-D sequence of numbers; got {self.task_weights!r}."
            )
        if weights.shape[0] != y.shape[1]:
            raise ValueError(
                f"task_weights has {weights.shape[0]} values, but y has {y.shape[1]} "
                "columns (tasks): give one weight per column of y."
            )
        if not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
            raise ValueError(
                "task_weights must be finite, non-negative and not all 0; got "
                f"{weights.tolist()!r}."
            )
        return tuple(weights.tolist())

    def _target_sample_weight(self, y):
        class_weight = self.class_weight
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
            return MultiTaskCrossEntropyPerSample(self._task_sizes, self._loss_weights)
        if self._target_type == "multiclass":
            return CrossEntropyPerSample()
        return BinaryCrossEntropyPerSample(self._loss_weights)

    def _continue_net(self, *args, **kwargs):
        super()._continue_net(*args, **kwargs)
        # task_weights may have changed (set_params) since the criterion was made.
        self.net_.criterion_ = self._make_criterion()

    def _validation_score_fn(self):
        if self._target_type == "multitask":
            return functools.partial(multitask_accuracy_from_outputs, task_sizes=self._task_sizes)
        return super()._validation_score_fn()

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
        logits = primary_output(self._forward(X)).to(torch.float64)
        if self._target_type == "multitask":
            return [
                torch.log_softmax(task_logits, dim=1).numpy()
                for task_logits in split_tasks(logits, self._task_sizes)
            ]
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
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Labels taken from ``classes_``; for multiclass-multioutput
            targets one column per task.
        """
        logits = primary_output(self._forward(X))
        if self._target_type == "multitask":
            return np.column_stack(
                [
                    task_classes[task_logits.argmax(dim=1).numpy()]
                    for task_classes, task_logits in zip(
                        self.classes_, split_tasks(logits, self._task_sizes), strict=True
                    )
                ]
            )
        if self._target_type == "multilabel":
            return (logits > 0).numpy().astype(np.int64)
        if self._target_type == "binary":
            return self.classes_[(logits[:, 0] > 0).numpy().astype(np.int64)]
        return self.classes_[logits.argmax(dim=1).numpy()]

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


class NeuralRegressor(RegressorMixin, NeuralEstimator):
    """Base of the regressors: single or multi-target, half squared error or Poisson.

    With ``loss="poisson"`` the network's raw output is the log of the
    predicted mean: ``predict`` returns its exponential and the loss is the
    half Poisson deviance, as in scikit-learn's MLPRegressor.
    """

    _shared_params = SHARED_TRAINING_PARAMS + (REGRESSION_LOSS_PARAM,) + DEVICE_PARAMS
    _y_numeric = True
    _score_outputs = staticmethod(r2_from_outputs)

    @property
    def _log_link(self):
        """Whether the fitted network outputs log-means (``loss="poisson"`` at fit time)."""
        return getattr(self, "_fitted_loss", "squared_error") == "poisson"

    @available_if(_stochastic_solver)
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
        if self.loss == "poisson":
            # Negative counts have no Poisson likelihood, and with an all-zero
            # target the best log-mean is -inf.
            if (y < 0).any():
                raise ValueError(
                    f"{type(self).__name__} with loss='poisson' requires non-negative y; "
                    f"got a minimum of {float(y.min())!r}."
                )
            if not incremental and (y.sum(axis=0) <= 0).any():
                raise ValueError(
                    f"{type(self).__name__} with loss='poisson' requires the sum of y "
                    "(of each target) to be positive."
                )
        if not continuing:
            self._fitted_loss = self.loss
        elif self.loss != getattr(self, "_fitted_loss", "squared_error"):
            # The network's output means the fitted loss's quantity (a mean or a log-mean).
            raise ValueError(
                f"{type(self).__name__} was fitted with loss={self._fitted_loss!r}; a "
                f"continued fit cannot change it to {self.loss!r}. Fit from scratch "
                "(warm_start=False)."
            )
        if not continuing:
            self.n_outputs_ = y.shape[1]
        elif y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} targets, but {type(self).__name__} was fitted "
                f"with {self.n_outputs_}."
            )
        return y

    def _make_criterion(self):
        if self.loss == "poisson":
            return HalfPoissonDeviancePerSample()
        return HalfSquaredErrorPerSample()

    def _validation_score_fn(self):
        # R² of the predicted means, exp(output), not of the log-means.
        return r2_from_log_outputs if self._log_link else r2_from_outputs

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
        prediction = primary_output(self._forward(X)).to(torch.float64)
        if self._log_link:
            prediction = torch.exp(prediction)
        prediction = prediction.numpy()
        return prediction.ravel() if prediction.shape[1] == 1 else prediction

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class _UnsupervisedEstimator(NeuralEstimator):
    """What transformers and generators share: training on X alone.

    The family's loss is a module called as ``criterion(outputs, X)``
    (``_make_criterion``); early stopping follows the negative validation
    loss, which a family's net may compute its own way (``validation_step``).
    y is ignored, except by a family that sets ``_uses_y`` (a conditional
    GAN): its ``_encode_targets`` receives y and the batches carry it.
    """

    _requires_y = False

    def fit(self, X, y=None, sample_weight=None):
        """Train the model on X (y is ignored unless the model conditions on labels).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None or array-like of shape (n_samples,)
            Ignored, present for the scikit-learn API; a conditional model
            (GANGenerator) learns to generate each class of y.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    @available_if(_stochastic_solver)
    def partial_fit(self, X, y=None, sample_weight=None):
        """Run one epoch over X, keeping the weights of earlier calls.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None or array-like of shape (n_samples,)
            Ignored, except by a conditional model (the labels of X).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags


class NeuralTransformer(TransformerMixin, ClassNamePrefixFeaturesOutMixin, _UnsupervisedEstimator):
    """Base of the transformers: unsupervised training, ``transform``, feature names.

    ``fit(X, y=None)`` ignores y and trains the family's per-sample loss
    (``_make_criterion``: a module called as ``criterion(outputs, X)``).
    ``transform`` runs ``_transform_tensor`` (default: the network's
    ``encode``) in batches; ``inverse_transform``, where the family sets
    ``_has_inverse_transform``, runs ``_inverse_transform_tensor`` (default:
    ``decode``).  Output names are ``<classname><i>`` as in scikit-learn's
    PCA, so ``set_output(transform="pandas")`` works.  Early stopping
    follows the negative validation loss (the family's, computed from X).
    """

    _has_inverse_transform = False

    def _transform_tensor(self, X):
        """The transform of one batch of network input, on the device."""
        return self.net_.module_.encode(X)

    def _inverse_transform_tensor(self, Z):
        """The inverse transform of one batch of codes, on the device."""
        return self.net_.module_.decode(Z)

    def _after_fit(self, X):
        first_row = tree_map(lambda leaf: leaf[:1], X) if not hasattr(X, "n_nodes") else X
        codes = self._forward_network(first_row, self._transform_tensor)
        self._n_features_out = int(primary_output(codes).reshape(n_rows(first_row), -1).shape[1])

    def transform(self, X):
        """The network's representation of X (codes, hidden activations).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            The transformed data, in the network's dtype.
        """
        codes = primary_output(self._forward(X, self._transform_tensor))
        return _to_numpy(codes.reshape(codes.shape[0], -1))

    @available_if(lambda self: self._has_inverse_transform)
    def inverse_transform(self, X):
        """Map codes back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, as returned by ``transform``.

        Returns
        -------
        X_original : ndarray
            The reconstructed samples, in the layout the network takes.
        """
        check_is_fitted(self)
        Z = check_array(X, dtype=self._fitted_dtype, estimator=self)
        if Z.shape[1] != self._n_features_out:
            raise ValueError(
                f"X has {Z.shape[1]} features, but {type(self).__name__}.inverse_transform "
                f"expects {self._n_features_out} (the width of transform's output)."
            )
        return _to_numpy(primary_output(self._forward_network(Z, self._inverse_transform_tensor)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The network computes in its dtype; transform returns that dtype.
        dtype = _numpy(_DTYPES.get(self.dtype, torch.float32))
        tags.transformer_tags.preserves_dtype = [np.dtype(dtype).name]
        return tags


class NeuralGenerator(_UnsupervisedEstimator):
    """Base of the generators: unsupervised training, ``sample``, likelihoods.

    A plain estimator, as scikit-learn's density models (GaussianMixture,
    KernelDensity): ``fit(X, y=None)`` trains the family's per-sample loss
    (``_make_criterion``, called as ``criterion(outputs, X)``),
    ``sample(n_samples, random_state)`` draws new samples through
    ``_sample_tensor`` (default: the network's ``generate(n_samples)``), and
    where the family sets ``_has_likelihood`` (the loss is a negative
    log-likelihood or a bound on it), ``score_samples`` is the negative
    per-sample loss and ``score`` its mean.  A generator that also
    transforms (a VAE) derives from :class:`NeuralTransformer` too, and is
    still listed as a generator by :func:`sknets.utils.all_estimators`.
    """

    _has_likelihood = False

    def _sample_tensor(self, n_samples):
        """``n_samples`` new samples on the device (the network's ``generate``)."""
        return self.net_.module_.generate(n_samples)

    @validate_params(
        {
            "n_samples": [Interval(Integral, 1, None, closed="left")],
            "random_state": ["random_state"],
        },
        prefer_skip_nested_validation=True,
    )
    def sample(self, n_samples=1, random_state=None):
        """Draw new samples from the trained model.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        random_state : int, RandomState instance or None, default=None
            Seeds the draw: an int gives the same samples every time; None
            draws fresh ones. The caller's global random state is never
            changed.

        Returns
        -------
        X : ndarray of shape (n_samples, ...)
            The samples, in the layout of one training sample.
        """
        return self._draw(n_samples, random_state)

    def _draw(self, n_samples, random_state, **conditions):
        """``sample``'s work: ``_sample_tensor(n_samples, **conditions)`` under the seed."""
        check_is_fitted(self)
        with (
            torch_random_scope(seed_from_random_state(random_state), self.device_),
            self.net_.model_lock.reading(),
            torch.inference_mode(),
        ):
            self.net_._set_training(False)
            samples = primary_output(self._sample_tensor(n_samples, **conditions))
        return _to_numpy(samples)

    def _score_tensor(self, X):
        """Per-sample log-likelihood (or its bound) of one batch, on the device."""
        return -self.net_.criterion_(self.net_.infer(X), X)

    @available_if(lambda self: self._has_likelihood)
    def score_samples(self, X):
        """Log-likelihood of each sample (or the bound the model trains on).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Higher is more likely.
        """
        scores = primary_output(self._forward(X, self._score_tensor))
        return _to_numpy(scores).astype(np.float64)

    @available_if(lambda self: self._has_likelihood)
    def score(self, X, y=None):
        """Mean log-likelihood of the samples, as GaussianMixture.score.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.
        y : None
            Ignored.

        Returns
        -------
        score : float
            Mean of :meth:`score_samples`.
        """
        return float(self.score_samples(X).mean())


# NeuralEstimator's own signature (the kinds' come from __init_subclass__).
install_parameters(NeuralEstimator)
