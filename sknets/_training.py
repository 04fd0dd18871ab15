"""The skorch net that runs every estimator's training loop and batched forward pass.

One skorch ``NeuralNet`` subclass runs every estimator's training loop, with
batches sliced straight from tensors that already live on the training
device (:mod:`sknets._batches`), per-sample weighted losses
(:mod:`sknets._losses`), and two callbacks: ``EpochMonitor``
(scikit-learn's convergence and early-stopping rules, learning-rate
schedules, the NaN check) and ``ProgressReporter`` (``verbose``), both in
:mod:`sknets._monitor`.

A family whose model trains differently subclasses ``NeuralNetCore`` beside
its estimators and overrides ``train_step_single`` (one batch: forward,
loss, backward), ``train_step`` (the whole step, e.g. a GAN's two updates
or an RBM's contrastive-divergence update without autograd) and/or
``validation_step`` (a validation loss of its own, which early stopping
then follows).  Several modules (``modules``) and optimizers
(``optimizers``) are registered with skorch, so device moves, pickling and
``get_all_learnable_params`` cover all of them.
"""

import contextlib
import inspect
import threading

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.utils import TeeGenerator
from torch import nn

from ._batches import (
    _ROW_BLOCK,
    BatchIterator,
    StructuredRows,
    TensorBatches,
    _copy_rows,
    as_device_tensor,
    n_rows,
    primary_output,
    tree_concat,
    tree_map,
)
from ._batchnorm import batch_sample_weights, weighted_batch_norms
from ._monitor import StopTraining
from ._optim import LBFGS


class ModelLock:
    """Predictions share a model; a training call has it to itself.

    A reader-writer lock: any number of threads may predict at once, but
    a prediction waits while another thread trains the same network (and
    training waits for running predictions), so a prediction never runs
    with the network in training mode or halfway through a ``partial_fit``.
    The training thread may itself predict (a family that samples during
    training) without deadlocking.
    """

    def __init__(self):
        self._condition = threading.Condition()
        self._readers = 0
        self._writer = None

    @contextlib.contextmanager
    def reading(self):
        """Hold the model for a prediction."""
        with self._condition:
            reentrant = self._writer == threading.get_ident()
            if not reentrant:
                while self._writer is not None:
                    self._condition.wait()
                self._readers += 1
        if reentrant:
            yield
            return
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                if not self._readers:
                    self._condition.notify_all()

    @contextlib.contextmanager
    def writing(self):
        """Hold the model alone for a training call."""
        me = threading.get_ident()
        with self._condition:
            while self._writer is not None or self._readers:
                self._condition.wait()
            self._writer = me
        try:
            yield
        finally:
            with self._condition:
                self._writer = None
                self._condition.notify_all()


class NeuralNetCore(NeuralNet):
    """The skorch net behind every sknets estimator.

    Differences from skorch's ``NeuralNet``: batches are ``(X, y,
    sample_weight)`` slices of a :class:`TensorBatches` (``y`` is None for
    transformers and generators, whose loss compares the outputs with X);
    the criterion returns per-sample losses that are weighted and averaged
    here; the epoch loss is accumulated on the device and read once per
    epoch instead of once per batch; weight decay applies to weight
    matrices only, not to biases and normalisation parameters; optimizers
    use PyTorch's fused kernels where they have them; per-batch hooks that
    do nothing are skipped; there are no default callbacks.

    ``modules`` adds networks next to ``module`` (a GAN's
    ``{"discriminator": ...}`` becomes ``discriminator_``); ``optimizers``
    maps each optimizer's name (``"optimizer"``, ``"optimizer_discriminator"``)
    to ``(optimizer class, keyword arguments, names of the modules it
    updates or None for all)``; each becomes ``<name>_``.  The rate of every
    parameter group starts at its ``lr`` and is kept as ``initial_lr``, so a
    schedule scales every optimizer in proportion.
    """

    # Attributes of a subclass that a fitted estimator saves with its
    # weights (plain values: numbers, lists), because a continued fit or a
    # fitted attribute reads them.
    carried_attributes = ()

    def __init__(
        self,
        *args,
        shuffle=True,
        modules=None,
        optimizers=None,
        augment=None,
        n_frozen_epochs=0,
        backbone_lr_scale=1.0,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.shuffle = shuffle
        # Fine-tuning (sknets._augment, sknets.networks.PreparedNetwork): a
        # function applied to the training batches' X, the epochs a
        # backbone is frozen for, and its rate relative to the head's.
        self.augment = augment
        self.n_frozen_epochs = n_frozen_epochs
        self.backbone_lr_scale = backbone_lr_scale
        self.batch_generator = None
        # A FairnessPenalty, applied to batches that carry sensitive groups.
        self.fairness = None
        self.extra_modules = dict(modules or {})
        self.optimizer_specs = dict(optimizers or {})
        # Set for the duration of a data-parallel fit (sknets._distributed).
        self.data_parallel = None
        self.shard_share = 1.0

    @property
    def _default_callbacks(self):
        return []

    @property
    def model_lock(self):
        """The :class:`ModelLock` that predictions and training calls take."""
        # Created on first use, so that unpickled and copied nets get their own.
        return self.__dict__.setdefault("_model_lock", ModelLock())

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_model_lock", None)
        return state

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        # skorch's partial_fit, except that only StopTraining ends the loop
        # quietly: a KeyboardInterrupt propagates to the caller.
        if not self.initialized_:
            self.initialize()
        self.notify("on_train_begin", X=X, y=y)
        try:
            self.fit_loop(X, y, _routing_method="partial_fit", **fit_params)
        except StopTraining:
            pass
        self.notify("on_train_end", X=X, y=y)
        return self

    def initialize_module(self):
        super().initialize_module()
        # Set as attributes in skorch's module context, so that skorch
        # registers them (device moves, pickling, learnable parameters).
        for name, module in self.extra_modules.items():
            setattr(self, name + "_", module)
        # Only the names stay: the modules themselves live in <name>_, and a
        # second reference would be pickled as a second copy.
        self.extra_modules = dict.fromkeys(self.extra_modules)
        return self

    @property
    def module_names(self):
        """Every trained module's name: ``"module"`` and the extra ones."""
        return ["module", *self.extra_modules]

    def get_dataset(self, X, y=None):
        if isinstance(X, TensorBatches):
            return X
        return super().get_dataset(X, y)

    def get_iterator(self, dataset, training=False):
        if not isinstance(dataset, TensorBatches):
            return super().get_iterator(dataset, training=training)
        parallel = getattr(self, "data_parallel", None) if training else None
        return BatchIterator(
            dataset,
            batch_size=self.batch_size if training else max(self.batch_size, 1024),
            shuffle=training and self.shuffle,
            generator=self.batch_generator,
            parallel=parallel,
            on_share=None if parallel is None else self._set_shard_share,
        )

    def _set_shard_share(self, fraction):
        self.shard_share = fraction

    def initialize_optimizer(self, triggered_directly=None):
        for name, (optimizer, kwargs, module_names) in self.optimizer_specs.items():
            kwargs = {"lr": self.lr, **kwargs}
            if module_names is None:
                named_parameters = list(self.get_all_learnable_params())
            else:
                named_parameters = [
                    (n, p)
                    for module_name in module_names
                    for n, p in getattr(self, module_name + "_").named_parameters()
                    if p.requires_grad
                ]
            weight_decay = kwargs.pop("weight_decay", 0.0)
            exempt = self._no_weight_decay_ids()
            decayed = [p for _, p in named_parameters if p.ndim > 1 and id(p) not in exempt]
            not_decayed = [p for _, p in named_parameters if p.ndim <= 1 or id(p) in exempt]
            full_batch = isinstance(optimizer, type) and issubclass(optimizer, LBFGS)
            if full_batch:
                # L-BFGS takes one group; it adds the penalty to its objective itself.
                groups = [{"params": decayed + not_decayed, "weight_decay": weight_decay}]
            elif weight_decay == 0:
                # Nothing to tell apart: one group, so that each step runs the
                # update loop once instead of twice (same updates, same order).
                groups = [{"params": decayed + not_decayed, "weight_decay": 0.0}]
            else:
                groups = [
                    {"params": params, "weight_decay": decay}
                    for params, decay in ((decayed, weight_decay), (not_decayed, 0.0))
                    if params
                ]
            if not full_batch:
                groups = self._backbone_groups(groups, kwargs["lr"])
            for group in groups:
                group.setdefault("initial_lr", kwargs["lr"])
            setattr(self, name + "_", self._fused_or_plain(optimizer, groups, kwargs))
        return self

    def _backbone_groups(self, groups, lr):
        """Each group split in two, the backbone's part at ``backbone_lr_scale`` times ``lr``.

        Only for a network with a backbone (``backbone_parameters()``) and a
        scale other than 1 (L-BFGS, which takes a single group and one rate,
        is not asked).
        """
        backbone_parameters = getattr(self.module_, "backbone_parameters", None)
        if backbone_parameters is None or self.backbone_lr_scale == 1:
            return groups
        backbone = {id(p) for p in backbone_parameters()}
        split = []
        for group in groups:
            for in_backbone, scale in ((False, 1.0), (True, self.backbone_lr_scale)):
                params = [p for p in group["params"] if (id(p) in backbone) == in_backbone]
                if params:
                    split.append(
                        {**group, "params": params, "lr": lr * scale, "initial_lr": lr * scale}
                    )
        return split

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_begin(net, dataset_train, dataset_valid, **kwargs)
        # The backbone trains from epoch n_frozen_epochs + 1, counted over
        # warm starts and partial_fit calls (the history's rows).
        set_frozen = getattr(self.module_, "set_backbone_frozen", None)
        if set_frozen is not None:
            set_frozen(len(self.history) <= self.n_frozen_epochs)

    def _no_weight_decay_ids(self):
        """Ids of the parameters a network's ``no_weight_decay()`` names (timm's hook).

        Biases and norms (one-dimensional) are never decayed; a network
        names the matrices its reference leaves undecayed too (embeddings,
        a [CLS] token).
        """
        exempt = set()
        for name in self.module_names:
            for module in getattr(self, name + "_").modules():
                if callable(getattr(module, "no_weight_decay", None)):
                    exempt.update(id(module.get_parameter(p)) for p in module.no_weight_decay())
        return exempt

    @property
    def optimizers(self):
        """The initialised optimizers, by name."""
        return {name: getattr(self, name + "_") for name in self.optimizer_specs}

    def _fused_or_plain(self, optimizer, groups, kwargs):
        """The optimizer with PyTorch's fused kernels where the device has them.

        A fused step updates every parameter of a group in one kernel instead
        of a dozen small ones per tensor, which on small networks is a third
        of the time of a batch.  Optimizers or devices without them fall back
        to the plain implementation.
        """
        device_type = torch.device(self.device).type
        if device_type in ("cpu", "cuda") and "fused" in inspect.signature(optimizer).parameters:
            try:
                return optimizer(groups, fused=True, **kwargs)
            except (RuntimeError, ValueError):
                pass
        return optimizer(groups, **kwargs)

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        # skorch opens a history row per batch; sknets records per epoch only.
        pass

    def _active_hooks(self, method_name):
        """The calls ``self.notify(method_name, ...)`` makes, less the empty ones.

        The per-batch hooks of the net and of most callbacks are the empty
        defaults of skorch's ``NeuralNet`` and ``Callback`` (and this class's
        ``on_batch_begin``); calling them costs microseconds per batch for
        nothing.  Each hook returned is called as ``hook(net, **kwargs)``, in
        ``notify``'s order: the net first, then the callbacks.
        """
        if type(self).notify is not NeuralNet.notify:
            return [lambda net, **kwargs: self.notify(method_name, **kwargs)]
        empty = {getattr(Callback, method_name)}
        if method_name == "on_batch_begin":
            # Not skorch's NeuralNet.on_batch_begin, which opens a history row.
            empty.add(NeuralNetCore.on_batch_begin)
        else:
            empty.add(getattr(NeuralNet, method_name))
        hooks = [getattr(self, method_name)]
        hooks += [getattr(callback, method_name) for _, callback in self.callbacks_]
        return [hook for hook in hooks if getattr(hook, "__func__", None) not in empty]

    def infer(self, x, **fit_params):
        if isinstance(x, StructuredRows):
            return x.feed(self.module_, **fit_params)
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False, sample_weight=None):
        per_sample = self.criterion_(y_pred, y_true)
        if not per_sample.numel():
            # A data-parallel rank's empty share of a small last batch: no
            # rows, no gradient (the mean of nothing would be NaN).
            return per_sample.sum()
        if sample_weight is None:
            return per_sample.mean()
        return (per_sample * sample_weight).mean()

    def _set_training(self, training=True):
        # Module.train walks the module tree through Python calls, once per
        # batch here.  Skip it when every module already is in the requested
        # mode, where it would change nothing; a module whose own train()
        # keeps a child in the other mode (a frozen BatchNorm) fails this
        # check, so it still gets the call every time, as in skorch.
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, nn.Module) and any(
                m.training != training for m in module.modules()
            ):
                super()._set_training(training)
                return

    def train_step(self, batch, **fit_params):
        # skorch's train_step (closure, accumulator, on_grad_computed), except
        # that the parameter generator for on_grad_computed is built only when
        # a hook listens.
        step_accumulator = self.get_train_step_accumulator()
        grad_hooks = self._active_hooks("on_grad_computed")

        def step_fn():
            self._zero_grad_optimizer()
            step = self.train_step_single(batch, **fit_params)
            step_accumulator.store_step(step)
            if grad_hooks:
                named_parameters = TeeGenerator(self.get_all_learnable_params())
                for hook in grad_hooks:
                    hook(self, named_parameters=named_parameters, batch=batch, training=True)
            return step["loss"]

        optimizer = self._full_batch_optimizer()
        if optimizer is None:
            self._step_optimizer(step_fn)
            return step_accumulator.get_step()
        # The loss at the weights after the L-BFGS iteration, not at the
        # first or last point its line search tried.
        loss = optimizer.step(step_fn)
        return {**step_accumulator.get_step(), "loss": loss}

    def _full_batch_optimizer(self):
        """The net's :class:`~sknets._optim.LBFGS` (``solver="lbfgs"``), or None."""
        optimizer = getattr(self, "optimizer_", None)
        return optimizer if isinstance(optimizer, LBFGS) else None

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi, weight = batch
        if self.augment is not None:
            Xi = self.augment(Xi)
        # Batch norms weigh their batch statistics as the loss weighs the rows.
        norms = () if weight is None else weighted_batch_norms(self.module_)
        with batch_sample_weights(norms, weight):
            y_pred = self.infer(Xi, **fit_params)
        target = self.batch_target(batch)
        loss = self.get_loss(y_pred, target, X=Xi, training=True, sample_weight=weight)
        groups = getattr(batch, "groups", None)
        if groups is not None and getattr(self, "fairness", None) is not None:
            loss = loss + self.fairness(primary_output(y_pred), target, groups, weight)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    @staticmethod
    def batch_target(batch):
        """What the loss compares the outputs with: y, or X when there is no y."""
        Xi, yi, _ = batch
        if yi is not None:
            return yi
        return Xi.features if isinstance(Xi, StructuredRows) else Xi

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        Xi, _, weight = batch
        with torch.no_grad():
            y_pred = self.infer(Xi, **fit_params)
            loss = self.get_loss(
                y_pred, self.batch_target(batch), X=Xi, training=False, sample_weight=weight
            )
        return {"loss": loss, "y_pred": y_pred}

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if iterator is None:
            return
        total, count = 0.0, 0
        # The callbacks do not change within an epoch: look their hooks up once.
        begin_hooks = self._active_hooks("on_batch_begin")
        end_hooks = self._active_hooks("on_batch_end")
        for batch in iterator:
            for hook in begin_hooks:
                hook(self, batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            batch_rows = n_rows(batch[0])
            # Summed on the device: one host sync per epoch, not per batch.
            total = total + step["loss"].detach() * batch_rows
            count += batch_rows
            for hook in end_hooks:
                hook(self, batch=batch, training=training, **step)
        parallel = getattr(self, "data_parallel", None)
        if parallel is not None and training:
            # Every rank records the loss of the whole epoch, so that the
            # monitor's rules decide the same on every rank.
            total, count = parallel.sum(total, count)
        self.history.record(prefix + "_loss", float(total) / max(count, 1))

    def forward_batches(self, X, batch_size, device, *, rows_independent=True):
        """Raw module outputs for the samples of ``X``, ``batch_size`` rows at a time.

        ``X`` is a numpy array, scipy sparse matrix or tensor, a tuple or
        dict of them, or ``StructuredRows`` (a graph); the output (a tensor,
        or the module's tuple or dict of them) stays on ``device``.  Memory use is
        bounded by one batch beside the output, which is allocated once
        (after the first batch tells its shapes) and filled batch by batch.
        With ``rows_independent=False`` (a graph) the module sees all of X
        at once, with no padding rows.
        """
        with self.model_lock.reading(), torch.inference_mode():
            self._set_training(False)
            if not rows_independent:
                return self.infer(as_device_tensor(X, device))
            result = None
            total = n_rows(X)
            batch_size = -(-batch_size // _ROW_BLOCK) * _ROW_BLOCK
            for start in range(0, total, batch_size):
                rows = as_device_tensor(
                    tree_map(lambda leaf, start=start: leaf[start : start + batch_size], X), device
                )
                count = n_rows(rows)
                padding = -count % _ROW_BLOCK
                if padding:
                    rows = tree_map(
                        lambda leaf, padding=padding: torch.cat(
                            [leaf, leaf[-1:].expand(padding, *leaf.shape[1:])]
                        ),
                        rows,
                    )
                outputs = self.infer(rows)
                if count == total:  # one batch: its output is the result, no copy
                    return tree_map(lambda out, count=count: out[:count], outputs)
                if result is None:
                    # One output array filled in place: a list of batches
                    # joined at the end would hold the output twice.
                    result = tree_map(lambda out: out.new_empty((total, *out.shape[1:])), outputs)
                _copy_rows(result, outputs, start, count)
        return result

    def evaluate(self, dataset, score_fn=None):
        """Weighted validation loss and score of the model on a dataset.

        Runs ``validation_step`` over the batches, so a family's own
        validation loss is what early stopping follows.  The score is
        ``score_fn(outputs, target, sample_weight)`` (accuracy, R²) or,
        without one, the negative validation loss (reconstruction error,
        negative ELBO...).
        """
        total, count, outputs = 0.0, 0, []
        for batch in self.get_iterator(dataset, training=False):
            step = self.validation_step(batch)
            batch_rows = n_rows(batch[0])
            total = total + step["loss"].detach() * batch_rows
            count += batch_rows
            if score_fn is not None:
                outputs.append(step["y_pred"])
        loss = float(total) / max(count, 1)
        if score_fn is None:
            return loss, -loss
        with torch.inference_mode():
            return loss, score_fn(tree_concat(outputs), dataset.target, dataset.weights)
