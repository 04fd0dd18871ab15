"""NeuralEstimator, the base class of every estimator: its one ``fit``, and its fitted state.

``NeuralEstimator`` validates (through the estimator's input adapter),
seeds, resolves the device, builds the network(s)
(:mod:`sknets._net_setup`), trains them through
:class:`sknets._training.NeuralNetCore` (or a family's subclass of it),
rolls a failed call back (:mod:`sknets._rollback`) and sets the fitted
attributes; it predicts in batches (:mod:`sknets._prediction`).  Its last
section is the internal interface through which the modules beside the
estimators read a fitted one (the contract page, "The internal
interface").  The kinds (:mod:`sknets._classifier`,
:mod:`sknets._regressor`, :mod:`sknets._unsupervised`) add what their kind
means.  All are documented, imported and pickled as :mod:`sknets.base`.
"""

import contextlib
import itertools
import warnings
from abc import ABC, abstractmethod

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ._batches import BatchIterator
from ._batchnorm import recalibrate_batch_norm
from ._compression import compression_scheme
from ._config import API_PAGE_TEMPLATE
from ._distributed import data_parallel_context, local_device
from ._guide import add_guide_note
from ._inputs import DataSpec, TabularInput
from ._monitor import not_learned_message
from ._net_setup import continue_net, make_net
from ._optim import OPTIMIZERS, solver_settings
from ._params import DEVICE_PARAMS, SHARED_TRAINING_PARAMS, install_parameters
from ._persistence import loaded_parameters, net_state, rebuild_net, saved_parameters
from ._prediction import forward_cost, forward_network, training_threads
from ._resources import intra_op_threads, predict_batch_rows
from ._rollback import keep_completed_epochs, roll_back, training_snapshot
from ._training import NeuralNetCore
from ._vocabulary import PeerSpellingsMixin, check_applicable_parameters, check_peer_values
from .utils._device import DTYPES, numpy_dtype, resolve_device
from .utils._random import seed_from_random_state, torch_random_scope


def _stochastic_solver(estimator):
    """``available_if`` check of ``partial_fit``: not with full-batch L-BFGS, as scikit-learn."""
    if getattr(estimator, "solver", None) == "lbfgs":
        raise AttributeError(
            "partial_fit is only available for stochastic optimizers. lbfgs is not stochastic."
        )
    return True


class NeuralEstimator(PeerSpellingsMixin, BaseEstimator, ABC):
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

    # Documented, imported and pickled from there (see the module docstring).
    __module__ = "sknets.base"

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
    # The epoch count is the model's schedule, not a budget it may run out
    # of (contrastive divergence, Surprise's 20 epochs of SGD): reaching
    # max_iter says nothing, so no ConvergenceWarning unless early stopping
    # was asked for (then a validation score still improving is news).
    _max_iter_is_schedule = False

    @property
    def _trains_every_epoch(self):
        """Whether nothing but max_iter (and early stopping) ends training."""
        return self._fixed_epochs or (self._stochastic_loss and not self.early_stopping)

    def _encode_targets(self, y, *, continuing, incremental, classes=None):
        """Check y against the fitted targets and return it as the loss expects it."""
        return None

    def _resolve_input_kind(self, X):
        """Record, before X is validated, what X says of its own kind (token ids or series)."""

    def _fit_target_scaling(self, y_encoded, sample_weight):
        """Fit what the network's outputs are scaled by, before a network is built (regressors)."""

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

    def _check_training_data(self, X):
        """Refuse training data (validated, in the network's layout) the network cannot take."""

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
        state = saved_parameters(dict(super().__getstate__()), self._get_param_names())
        # Measured again on first use: the pickle may be loaded on another device.
        state.pop("_forward_costs", None)
        if "net_" in state:
            state["net_"] = net_state(self)
            state["device_"] = str(state["device_"])
        return state

    def __setstate__(self, state):
        state = loaded_parameters(state)
        saved_net = state.pop("net_", None)
        super().__setstate__(state)
        if saved_net is not None:
            self.net_ = rebuild_net(self, saved_net, OPTIMIZERS.values())
            # A model trained on a GPU loads on the CPU of a machine without one.
            self.device_ = torch.device(self.net_.device)

    def _validate_params(self):
        check_peer_values(self)
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
        self._input_adapter().check_params()
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
        # A call is a transaction (sknets._rollback): a refused or failed one
        # leaves the estimator as it was.
        previous_state = self.__dict__.copy()
        warm_start = isinstance(self.warm_start, bool | np.bool_) and bool(self.warm_start)
        continuing = hasattr(self, "net_") and (incremental or warm_start)
        # A compressed network may train in another form (an int8 one in
        # float): no extra frame here, so that warnings still point at the
        # caller's line.
        with self._trainable_form(continuing):
            snapshot = training_snapshot(self) if continuing else None
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
                    keep_completed_epochs(self, snapshot)
                else:
                    roll_back(self, previous_state, snapshot)
                raise
            except Exception:
                roll_back(self, previous_state, snapshot)
                raise

    def _trainable_form(self, continuing):
        """Where a continued fit trains: as its compression scheme says, if it was compressed."""
        if continuing and hasattr(self, "compression_"):
            return compression_scheme(self.compression_).continued_fit(self)
        return contextlib.nullcontext()

    def _fit_checked(
        self, X, y, *, sample_weight, incremental, classes, sensitive_features, input_arguments
    ):
        self._validate_params()
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True.")
        device = local_device(self.device, resolve_device(self.device))
        parallel = data_parallel_context(device)
        dtype = self._resolve_dtype(device)
        np_dtype = numpy_dtype(dtype)
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

        if not continuing:
            self._resolve_input_kind(X)
        adapter = self._input_adapter()
        if getattr(adapter, "weighted_fit", False):
            # What the adapter fits on X (a table's encoding) counts the weights too.
            input_arguments = {**input_arguments, "sample_weight": sample_weight}
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
        if not continuing:
            self._fit_target_scaling(y_encoded, sample_weight)
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
        # What the network's own preparation (a checkpoint's) takes, before any work.
        self._check_training_data(X)
        with torch_random_scope(seed, device):
            if continuing:
                net = self.net_
            else:
                # A new network: what its batches cost is measured anew.
                self._forward_costs = {}
                spec = DataSpec(**adapter.sizes(X), n_outputs=getattr(self, "n_outputs_", None))
                check_applicable_parameters(self, spec)
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
                self._n_threads_fit = training_threads(self, train, adapter, device, batch_size)
                in_parallel = (
                    contextlib.nullcontext()
                    if parallel is None
                    else parallel.training(net, self._modules().values(), seed)
                )
                with intra_op_threads(self._n_threads_fit), in_parallel:
                    self._run_epochs(
                        train, valid, epochs, incremental=incremental, continuing=continuing
                    )
                # Still held: a prediction sees the new weights with the new
                # fitted attributes (a graph's training nodes), never a mix.
                self.device_ = device
                self._set_fitted_attributes()
                self._after_fit(X)
        if not continuing and not self._fixed_epochs:
            message = not_learned_message(type(self).__name__, self._modules(), self.loss_curve_)
            if message is not None:
                warnings.warn(message, ConvergenceWarning, stacklevel=4)
        if (
            not incremental
            and not self._trains_every_epoch
            and not (self._max_iter_is_schedule and not self.early_stopping)
            and not self._monitor.converged
            and self.max_iter == epochs
        ):
            warnings.warn(
                self._monitor.unconverged_message(self.solver), ConvergenceWarning, stacklevel=4
            )
        return self

    def _resolve_dtype(self, device):
        """The ``dtype`` parameter as a torch dtype that ``device`` can train in."""
        dtype = DTYPES[self.dtype]
        if dtype == torch.float64 and device.type == "mps":
            raise ValueError(
                f"dtype={self.dtype!r} cannot train on device={self.device!r}: Apple's "
                "MPS backend has no float64. Use dtype='float32' or device='cpu'."
            )
        return dtype

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

    def _optimizer_specs(self, batch_size, mean_weight):
        """Every optimizer: name -> (class, keyword arguments, modules it updates).

        By default each optimizer of ``_optimized_modules`` gets the
        ``solver`` settings; a family overrides this to give one of them
        other settings (a GAN's discriminator its own rate).
        """
        optimizer, kwargs = solver_settings(self, batch_size, mean_weight)
        return {
            name: (optimizer, dict(kwargs), modules)
            for name, modules in self._optimized_modules.items()
        }

    def _continue_net(self, device, dtype, batch_size, mean_weight, *, new_optimizer):
        """Prepare the fitted net for another call (warm start or partial_fit)."""
        continue_net(self, device, dtype, batch_size, mean_weight, new_optimizer=new_optimizer)

    def _validation_score_fn(self):
        """``score(outputs, target, sample_weight)`` for early stopping, from raw outputs."""
        return type(self)._score_outputs

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

    # ------------------------------------------------------------- prediction
    def _forward(self, X, call=None, **input_arguments):
        """Network outputs for X, computed in batches, as CPU tensors.

        ``call(rows)`` computes what is wanted from one batch of network
        input on the device (default: the module's forward); the result is
        a tensor, or the module's tuple or dict of tensors.
        """
        X, adapter = self._validated_input(X, **input_arguments)
        return self._forward_network(X, call, rows_independent=adapter.rows_independent)

    def _finite_outputs(self, outputs):
        """``outputs`` (predictions' logits or values), refused where not finite.

        Finite inputs can still overflow float32 inside a network (one value
        of 1e30 through attention's softmax gives NaN); a prediction made of
        them would be a silent wrong answer.
        """
        finite = torch.isfinite(outputs)
        if bool(finite.all()):
            return outputs
        bad = ~finite.reshape(len(outputs), -1).all(dim=1)
        if bad.any():
            rows = torch.nonzero(bad).ravel()[:5].tolist()
            dtype = np.dtype(self._fitted_dtype).name
            raise ValueError(
                f"{type(self).__name__} computed non-finite outputs for {int(bad.sum())} "
                f"row(s) of X (rows {rows}...): values in them overflow the network's "
                f"{dtype} arithmetic. Scale X (e.g. with StandardScaler)."
            )
        return outputs

    def _forward_network(self, X, call=None, *, rows_independent=True):
        """``_forward`` on X already in the network's layout (numpy, tensors or a nest)."""
        return forward_network(self, X, call, rows_independent=rows_independent)

    def _predict_batch_size(self, X, call=None):
        """Rows per prediction batch: as many as the ``working_memory`` budget allows."""
        return predict_batch_rows(self._forward_cost(X, call), device=self.device_)

    def _forward_cost(self, X, call=None, device=None):
        """What one row of X costs in a forward pass of ``call`` (a ForwardCost).

        Measured on the first rows of X once per fitted network, kind of
        call and row layout (per-row shapes and dtypes), then cached.
        """
        return forward_cost(self, X, call, device)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        return self._input_adapter().update_tags(tags)

    # ----------------------------------------------------- internal interface
    # What the modules beside the estimators (sknets.onnx, sknets.inspection,
    # sknets.compress and sknets._compression, sknets._persistence) read of a
    # fitted estimator, beside its public attributes, and all they read: the
    # contract page lists these members ("The internal interface").
    def _input_adapter(self):
        """The estimator's input adapter (an :class:`~sknets.base.InputAdapter`)."""
        return self._input(self)

    def _validated_input(self, X, **input_arguments):
        """X checked against the fit and in the network's layout, and its adapter."""
        check_is_fitted(self)
        adapter = self._input_adapter()
        return adapter.validate_predict(X, dtype=self._fitted_dtype, **input_arguments), adapter

    def _modules(self):
        """The fitted networks, by name (``"module"`` first)."""
        return {name: getattr(self.net_, name + "_") for name in self.net_.module_names}

    @property
    def _fitted_dtype(self):
        """The numpy dtype the fitted networks compute in."""
        for module in self._modules().values():
            for tensor in itertools.chain(module.parameters(), module.buffers()):
                if tensor.is_floating_point():
                    return numpy_dtype(tensor.dtype)
        return numpy_dtype(DTYPES.get(self.dtype, torch.float32))

    @property
    def _output_kind(self):
        """What the network's (primary) raw output is; None where no kind says.

        A classifier's: ``"binary"`` (one logit), ``"multiclass"`` (a
        softmax's logits), ``"multilabel"`` (one logit per label) or
        ``"multitask"`` (a softmax's logits per task); a regressor's:
        ``"mean"`` or ``"log-mean"`` (``loss="poisson"``).
        """
        return None

    @contextlib.contextmanager
    def _evaluation(self):
        """Hold the model as a prediction does: no training call meanwhile, evaluation mode."""
        with self.net_.model_lock.reading():
            self.net_._set_training(False)
            yield

    def _replace_network(self, module, *, trainable):
        """Put ``module`` in place of the fitted network (``module_``).

        What was measured on the old network is forgotten.  The optimizers
        held the old network's parameters: with ``trainable`` new ones are
        made; without (an int8 network, which only predicts) there are none
        until a continued fit makes them.
        """
        net = self.net_
        net.module_ = module
        if trainable:
            net.initialize_optimizer()
        else:
            for name in net.optimizer_specs:
                setattr(net, name + "_", None)
        self._forward_costs = {}

    @property
    def _monitor(self):
        """The fit's :class:`~sknets._monitor.EpochMonitor`: counters, curves, stopping state."""
        return dict(self.net_.callbacks_)["monitor"]

    def _make_net(self, spec, device, dtype, batch_size, mean_weight):
        """The untrained net for the data ``spec`` describes (sknets._net_setup).

        A loaded estimator's net is rebuilt with it from ``_data_spec``, the
        sizes its training data determined, before the saved arrays are
        copied in.
        """
        return make_net(self, spec, device, dtype, batch_size, mean_weight)


# NeuralEstimator's own signature (the kinds' come from __init_subclass__).
install_parameters(NeuralEstimator)
