"""The skorch side of sknets.

One skorch ``NeuralNet`` subclass runs every estimator's training loop, with
batches sliced straight from tensors that already live on the training
device, per-sample weighted losses, and two callbacks: ``EpochMonitor``
(scikit-learn's convergence and early-stopping rules, learning-rate
schedules, the NaN check) and ``ProgressReporter`` (``verbose``).

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
import copy
import inspect
import math
import sys
import threading
import time
import warnings

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.utils import TeeGenerator
from torch import nn

from ._batchnorm import batch_sample_weights, weighted_batch_norms
from ._optim import LBFGS
from .exceptions import NonFiniteLossError

# Prediction batches are padded to a multiple of this many rows.  CPU matrix
# kernels handle a block of rows at a time and leftover rows with other
# kernels that round differently, so without padding a row's float32 output
# could change in its last bits with the number of rows predicted with it.
_ROW_BLOCK = 16


class StopTraining(Exception):
    """Raised by a callback to end training early (convergence, early stopping).

    skorch ends its loop on ``KeyboardInterrupt``; sknets keeps that for
    the user's Ctrl-C, which must reach the caller (a script, a grid
    search) instead of ending the fit as if it had converged.
    """


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


# -------------------------------------------------------------- nested data
# An input or an output may be one tensor, a tuple/list or a dict of them
# (several inputs of their own dtypes; a VAE's reconstruction, mean and
# log-variance).  These helpers apply an operation to every leaf.
def tree_map(function, tree):
    """``function`` applied to every leaf of a tensor, tuple/list or dict nest."""
    if isinstance(tree, dict):
        return {key: tree_map(function, value) for key, value in tree.items()}
    if isinstance(tree, tuple | list):
        return type(tree)(tree_map(function, value) for value in tree)
    return function(tree)


def tree_leaves(tree):
    """The leaves of a nest, in order."""
    if isinstance(tree, dict):
        return [leaf for value in tree.values() for leaf in tree_leaves(value)]
    if isinstance(tree, tuple | list):
        return [leaf for value in tree for leaf in tree_leaves(value)]
    return [tree]


def tree_concat(trees):
    """Concatenate nests of the same structure along their first axis."""
    first = trees[0]
    if isinstance(first, dict):
        return {key: tree_concat([tree[key] for tree in trees]) for key in first}
    if isinstance(first, tuple | list):
        return type(first)(tree_concat(parts) for parts in zip(*trees, strict=True))
    return torch.cat(trees)


def _copy_rows(destination, source, start, count):
    """Copy the first ``count`` rows of every leaf of ``source`` into ``destination``."""
    if isinstance(destination, dict):
        for key, value in destination.items():
            _copy_rows(value, source[key], start, count)
    elif isinstance(destination, tuple | list):
        for part, source_part in zip(destination, source, strict=True):
            _copy_rows(part, source_part, start, count)
    else:
        destination[start : start + count] = source[:count]


def primary_output(outputs):
    """The prediction among a module's outputs: the tensor, or the first of a tuple or dict.

    A network may return auxiliary outputs after its prediction (attention
    weights, a VAE's latent statistics); the classifier and regressor
    kinds read the first.
    """
    if isinstance(outputs, dict):
        return next(iter(outputs.values()))
    if isinstance(outputs, tuple | list):
        return outputs[0]
    return outputs


def n_rows(X):
    """Number of samples of a batch's X (any nest, or a NodeBatch)."""
    if isinstance(X, torch.Tensor):
        return X.shape[0]
    return len(X) if isinstance(X, NodeBatch) else tree_leaves(X)[0].shape[0]


def _leaf_to_device(rows, device):
    if sp.issparse(rows):
        rows = rows.toarray()
    if isinstance(rows, np.ndarray):
        if rows.flags.writeable:
            rows = torch.from_numpy(rows)
        else:
            # torch warns about read-only arrays (memmaps, pandas 3 frames)
            # because writing through the tensor would be undefined; sknets
            # only reads its inputs, so share the memory without the warning.
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
                rows = torch.from_numpy(rows)
    return rows.to(device, non_blocking=True)


def as_device_tensor(rows, device):
    """Rows of numpy arrays, scipy sparse matrices or tensors (or a nest of them) on ``device``.

    Each leaf keeps its dtype: int64 ids stay int64.
    """
    if isinstance(rows, Graph):
        return rows.to(device)
    return tree_map(lambda leaf: _leaf_to_device(leaf, device), rows)


def _take_rows(leaf, index):
    if sp.issparse(leaf) and not isinstance(index, slice):
        index = index.cpu().numpy()
    return leaf[index]


# ---------------------------------------------------------------- datasets
class TensorBatches(torch.utils.data.Dataset):
    """Training data converted once to tensors on the training device.

    ``X`` is an array, a scipy CSR matrix (kept on the host and densified
    one batch at a time) or a tuple/dict of them; ``y`` and
    ``sample_weight`` may be None.
    """

    def __init__(self, X, y=None, sample_weight=None, device="cpu"):
        self.device = torch.device(device)
        self.X = tree_map(
            lambda leaf: leaf if sp.issparse(leaf) else _leaf_to_device(leaf, self.device), X
        )
        self.y = None if y is None else as_device_tensor(y, self.device)
        self.sample_weight = (
            None if sample_weight is None else as_device_tensor(sample_weight, self.device)
        )

    @property
    def on_host(self):
        """Whether some input stays on the host (sparse), so indices go there too."""
        return any(sp.issparse(leaf) for leaf in tree_leaves(self.X))

    def __len__(self):
        return n_rows(self.X)

    def take(self, index):
        """The batch ``(X, y, sample_weight)`` at ``index`` (a slice or index tensor)."""
        if isinstance(self.X, torch.Tensor):  # the common case, once per batch
            X = self.X[index]
        else:
            X = tree_map(lambda leaf: _take_rows(leaf, index), self.X)
            if any(sp.issparse(leaf) for leaf in tree_leaves(X)):
                X = as_device_tensor(X, self.device)
        y = None if self.y is None else self.y[index]
        weight = None if self.sample_weight is None else self.sample_weight[index]
        return self._batch(X, y, weight, index)

    # The sensitive-feature group of each row (a fairness penalty), or None.
    groups = None

    def _batch(self, X, y, weight, index):
        """``(X, y, sample_weight)``, with the rows' groups as ``.groups`` where there are."""
        if self.groups is None:
            return X, y, weight
        return GroupedBatch((X, y, weight), self.groups[index])

    def __getitem__(self, index):
        return self.take(index)

    @property
    def target(self):
        """What the loss compares the outputs with: y, or X for unsupervised models."""
        return self.X if self.y is None else self.y

    def subset(self, index):
        """A new dataset holding the rows at ``index`` (a numpy index array)."""
        part = copy.copy(self)
        index_t = torch.as_tensor(index, device=self.device)
        part.X = tree_map(lambda leaf: leaf[index] if sp.issparse(leaf) else leaf[index_t], self.X)
        part.y = None if self.y is None else self.y[index_t]
        part.sample_weight = None if self.sample_weight is None else self.sample_weight[index_t]
        part.groups = None if self.groups is None else self.groups[index_t]
        return part


class GroupedBatch(tuple):
    """A batch ``(X, y, sample_weight)`` that also carries its rows' ``groups``.

    Still unpacked as three values, so a family's own training step that
    does not use the groups takes it unchanged.
    """

    def __new__(cls, batch, groups):
        grouped = super().__new__(cls, batch)
        grouped.groups = groups
        return grouped


class Graph:
    """Node features with their edges, as PyTorch Geometric takes them.

    ``x`` is ``(n_nodes, n_features)``, ``edge_index`` the int64 ``(2,
    n_edges)`` array of (source, target) node indices and ``edge_weight``
    the ``(n_edges,)`` weights.  A graph network is called as
    ``module(x, edge_index, edge_weight)`` and returns one output row per
    node.
    """

    def __init__(self, x, edge_index, edge_weight):
        self.x = x
        self.edge_index = edge_index
        self.edge_weight = edge_weight

    @property
    def shape(self):
        return self.x.shape

    @property
    def n_nodes(self):
        return self.x.shape[0]

    def __len__(self):
        return self.n_nodes

    def to(self, device):
        """The graph as tensors on ``device`` (edges stay int64)."""
        return Graph(
            *(
                _leaf_to_device(value, device)
                if isinstance(value, np.ndarray)
                else value.to(device)
                for value in (self.x, self.edge_index, self.edge_weight)
            )
        )

    def __repr__(self):
        return f"Graph(n_nodes={self.n_nodes}, n_edges={self.edge_index.shape[1]})"


class NodeBatch:
    """The whole graph with the nodes of one batch: outputs are taken at ``nodes``."""

    def __init__(self, graph, nodes):
        self.graph = graph
        self.nodes = nodes

    def __len__(self):
        return self.nodes.shape[0]


class GraphBatches(TensorBatches):
    """One graph on the device; batches are sets of its nodes, never a cut graph."""

    def __init__(self, graph, y=None, sample_weight=None, device="cpu"):
        self.device = torch.device(device)
        self.graph = self.X = graph.to(self.device)
        self.y = None if y is None else as_device_tensor(y, self.device)
        self.sample_weight = (
            None if sample_weight is None else as_device_tensor(sample_weight, self.device)
        )
        self.nodes = torch.arange(graph.n_nodes, device=self.device)

    on_host = False

    def __len__(self):
        return self.nodes.shape[0]

    def take(self, index):
        nodes = self.nodes[index]
        y = None if self.y is None else self.y[nodes]
        weight = None if self.sample_weight is None else self.sample_weight[nodes]
        return self._batch(NodeBatch(self.graph, nodes), y, weight, nodes)

    @property
    def target(self):
        return self.graph.x[self.nodes] if self.y is None else self.y[self.nodes]

    @property
    def weights(self):
        return None if self.sample_weight is None else self.sample_weight[self.nodes]

    def subset(self, index):
        part = copy.copy(self)
        part.nodes = self.nodes[torch.as_tensor(index, device=self.device)]
        return part


class BatchIterator:
    """Mini-batches sliced from a TensorBatches, reshuffled on every pass.

    With ``parallel`` (a :class:`~sknets._distributed.DataParallel`), each
    batch is cut into one share per rank and this rank's share is yielded;
    ``on_share(fraction)`` is told which fraction of the batch's rows it holds.
    """

    def __init__(
        self, dataset, batch_size, shuffle=False, generator=None, parallel=None, on_share=None
    ):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.parallel = parallel
        self.on_share = on_share

    def __len__(self):
        return math.ceil(len(self.dataset) / self.batch_size)

    def _take(self, index, batch_rows):
        if self.parallel is not None:
            index = self.parallel.shard(index)
            share = index.stop - index.start if isinstance(index, slice) else len(index)
            self.on_share(share / batch_rows)
        return self.dataset.take(index)

    def __iter__(self):
        n_samples, step = len(self.dataset), self.batch_size
        if not self.shuffle:
            for start in range(0, n_samples, step):
                stop = min(start + step, n_samples)
                yield self._take(slice(start, stop), stop - start)
            return
        order = torch.randperm(n_samples, generator=self.generator)
        if not self.dataset.on_host:
            order = order.to(self.dataset.device)
        for start in range(0, n_samples, step):
            index = order[start : start + step]
            yield self._take(index, len(index))


# Losses return one value per sample so that sample weights can be applied;
# their scale matches scikit-learn's MLP losses (log-loss, half squared error).
# They read the primary output of a module that returns several.
class CrossEntropyPerSample(nn.Module):
    """Softmax cross-entropy for integer class targets."""

    def forward(self, logits, target):
        return F.cross_entropy(primary_output(logits), target, reduction="none")


def _column_weights(weights, like):
    """Per-column loss weights as a tensor beside ``like`` (None: all 1)."""
    if weights is None:
        return None
    return torch.as_tensor(weights, dtype=like.dtype, device=like.device)


class BinaryCrossEntropyPerSample(nn.Module):
    """Sigmoid cross-entropy summed over the output columns (binary, multilabel).

    ``label_weights`` (one per column, None for all 1) weigh the labels' terms.
    """

    def __init__(self, label_weights=None):
        super().__init__()
        self.label_weights = label_weights

    def forward(self, logits, target):
        logits = primary_output(logits)
        losses = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
        weights = _column_weights(self.label_weights, losses)
        return (losses if weights is None else losses * weights).sum(dim=1)


def split_tasks(logits, task_sizes):
    """The logits of each task: the output columns cut into blocks of ``task_sizes``."""
    return primary_output(logits).split(list(task_sizes), dim=1)


class MultiTaskCrossEntropyPerSample(nn.Module):
    """Weighted sum over tasks of each task's softmax cross-entropy (multi-task heads).

    For multiclass-multioutput targets: the network's outputs hold each
    task's class scores side by side (``task_sizes`` columns each, one
    softmax per task) and the target one column of class indices per task.
    ``task_weights`` (None: all 1) weigh the tasks' terms.
    """

    def __init__(self, task_sizes, task_weights=None):
        super().__init__()
        self.task_sizes = tuple(task_sizes)
        self.task_weights = task_weights

    def forward(self, logits, target):
        losses = torch.stack(
            [
                F.cross_entropy(task_logits, target[:, task], reduction="none")
                for task, task_logits in enumerate(split_tasks(logits, self.task_sizes))
            ],
            dim=1,
        )
        weights = _column_weights(self.task_weights, losses)
        return (losses if weights is None else losses * weights).sum(dim=1)


class HalfSquaredErrorPerSample(nn.Module):
    """Half the squared error, averaged over the output columns."""

    def forward(self, prediction, target):
        return 0.5 * (primary_output(prediction) - target).pow(2).mean(dim=1)


class HalfPoissonDeviancePerSample(nn.Module):
    """Half the Poisson deviance of the mean ``exp(output)``, averaged over the output columns.

    ``y * log(y / mu) - y + mu`` (scikit-learn's MLP Poisson loss), written
    from the log-mean ``eta`` as ``exp(eta) - y * eta + y * log(y) - y`` so
    that no ``log(exp(eta))`` under- or overflows.
    """

    def forward(self, log_mean, target):
        eta = primary_output(log_mean)
        return (torch.exp(eta) - target * eta + torch.xlogy(target, target) - target).mean(dim=1)


def accuracy_from_outputs(logits, target, sample_weight=None):
    """(Weighted) accuracy of raw classifier outputs; subset accuracy for multilabel."""
    logits = primary_output(logits)
    if target.dtype == torch.int64:
        correct = logits.argmax(dim=1) == target
    else:
        correct = ((logits > 0) == (target > 0.5)).all(dim=1)
    return _weighted_mean(correct, sample_weight)


def multitask_accuracy_from_outputs(logits, target, sample_weight=None, *, task_sizes):
    """(Weighted) subset accuracy of multi-task outputs: every task's argmax right."""
    predicted = torch.stack(
        [task_logits.argmax(dim=1) for task_logits in split_tasks(logits, task_sizes)], dim=1
    )
    return _weighted_mean((predicted == target).all(dim=1), sample_weight)


def _weighted_mean(correct, sample_weight):
    correct = correct.to(torch.float64)
    if sample_weight is None:
        return float(correct.mean())
    weight = sample_weight.to(torch.float64)
    return float((correct * weight).sum() / weight.sum())


def r2_from_outputs(prediction, target, sample_weight=None):
    """(Weighted) coefficient of determination, averaged over outputs as sklearn's r2_score."""
    prediction = primary_output(prediction).to(torch.float64)
    target = target.to(torch.float64)
    if sample_weight is None:
        weight = torch.ones_like(target[:, :1])
    else:
        weight = sample_weight.to(torch.float64)[:, None]
    mean = (weight * target).sum(dim=0) / weight.sum()
    residual = (weight * (target - prediction) ** 2).sum(dim=0)
    total = (weight * (target - mean) ** 2).sum(dim=0)
    perfect = torch.where(residual == 0, 1.0, 0.0).to(torch.float64)
    score = torch.where(total > 0, 1 - residual / total.clamp_min(1e-300), perfect)
    return float(score.mean())


def r2_from_log_outputs(log_mean, target, sample_weight=None):
    """:func:`r2_from_outputs` of the means ``exp(output)`` of a Poisson model."""
    return r2_from_outputs(torch.exp(primary_output(log_mean)), target, sample_weight)


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

    def __init__(self, *args, shuffle=True, modules=None, optimizers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.shuffle = shuffle
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
            decayed = [p for _, p in named_parameters if p.ndim > 1]
            not_decayed = [p for _, p in named_parameters if p.ndim <= 1]
            if isinstance(optimizer, type) and issubclass(optimizer, LBFGS):
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
            for group in groups:
                group["initial_lr"] = kwargs["lr"]
            setattr(self, name + "_", self._fused_or_plain(optimizer, groups, kwargs))
        return self

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
        if isinstance(x, NodeBatch):
            outputs = self.infer(x.graph, **fit_params)
            return tree_map(lambda output: output[x.nodes], outputs)
        if isinstance(x, Graph):
            return self.module_(x.x, x.edge_index, x.edge_weight, **fit_params)
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
        return Xi.graph.x[Xi.nodes] if isinstance(Xi, NodeBatch) else Xi

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
        dict of them, or a :class:`Graph`; the output (a tensor, or the
        module's tuple or dict of them) stays on ``device``.  Memory use is
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
            weight = dataset.weights if isinstance(dataset, GraphBatches) else dataset.sample_weight
            return loss, score_fn(tree_concat(outputs), dataset.target, weight)


class EpochMonitor(Callback):
    """scikit-learn's per-epoch rules, kept across warm starts and partial fits.

    After each epoch: refuse a non-finite loss; record the loss curve and,
    with a validation set, the validation loss and score (keeping the best
    weights); count epochs without an improvement of at least ``tol``; past
    ``n_iter_no_change`` of them either divide the learning rate by 5
    (``learning_rate="adaptive"``), halve it down to a floor
    (``"plateau"``) or stop; otherwise apply the schedule.

    ``"plateau"`` is Keras' ``ReduceLROnPlateau(factor=0.5,
    min_lr=learning_rate_init / 10)`` with a fixed epoch budget, as Fawaz et
    al. (2019) trained their series networks: a plateau at the floor marks
    the fit as converged but stops it only with a validation set; without
    one, the weights of the epoch with the lowest training loss are kept.
    """

    PLATEAU_FACTOR = 0.5
    PLATEAU_FLOOR = 0.1  # times learning_rate_init

    def __init__(
        self,
        *,
        tol,
        n_iter_no_change,
        learning_rate,
        learning_rate_init,
        power_t,
        max_iter,
    ):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.loss_curve = []
        self.validation_scores = []
        self.best_loss = np.inf
        self.best_validation_score = -np.inf
        self.no_improvement_count = 0
        self.n_iter = 0
        self.schedule_epoch = 0
        self.samples_seen = 0
        self.converged = False
        self.stop_message = None  # why a fit stopped unconverged before max_iter
        self.validation = None
        self.score_fn = None
        self.best_state = None
        self.n_train = 0
        self._epoch_start = 0.0

    def start(self, net, *, n_train, validation=None, score_fn=None, continuing=False):
        """Prepare one call to fit or partial_fit (``continuing``: on trained weights)."""
        self.n_train = n_train
        self.validation = validation
        self.score_fn = score_fn
        self.converged = False
        self.stop_message = None
        self.best_state = None
        self.best_validation_score = -np.inf
        self._best_loss_of_fit = np.inf
        if validation is not None:
            self.no_improvement_count = 0
            if continuing:
                # A warm-started fit keeps its starting weights unless an
                # epoch beats them on this fit's validation rows.
                self.best_validation_score = net.evaluate(validation, score_fn)[1]
                self.best_state = self._copy_state(net)

    # What the monitor carries from one fit or partial_fit call to the next.
    _CARRIED = (
        "loss_curve",
        "validation_scores",
        "best_loss",
        "best_validation_score",
        "no_improvement_count",
        "n_iter",
        "schedule_epoch",
        "samples_seen",
        "converged",
    )

    def carried_state(self):
        """A copy of the counters, curves and stopping state (to roll a failed call back)."""
        return {name: copy.copy(getattr(self, name)) for name in self._CARRIED}

    def restore(self, state):
        """Go back to a :meth:`carried_state`."""
        for name, value in state.items():
            setattr(self, name, copy.copy(value))

    def restart_schedule(self):
        """A new optimizer at learning_rate_init: the cosine or step schedule starts over."""
        self.schedule_epoch = 0

    @staticmethod
    def _copy_state(net):
        return {key: value.detach().clone() for key, value in net.module_.state_dict().items()}

    def release(self):
        """Drop the references to data and weight copies so the net pickles small."""
        self.validation = None
        self.score_fn = None
        self.best_state = None

    def on_epoch_begin(self, net, **kwargs):
        self._epoch_start = time.perf_counter()

    def on_epoch_end(self, net, **kwargs):
        history = net.history
        loss = history[-1, "train_loss"]
        if not math.isfinite(loss):
            raise NonFiniteLossError(
                f"The training loss became {loss} at epoch {self.n_iter + 1}; training was "
                "stopped. Scale the inputs (e.g. StandardScaler) or lower "
                "learning_rate_init."
            )
        validation_scores = self.validation_scores
        if self.validation is not None:
            valid_loss, score = net.evaluate(self.validation, self.score_fn)
            history.record("valid_loss", valid_loss)
            history.record("valid_score", score)
            validation_scores = [*validation_scores, score]
        # One statement, so that a Ctrl-C cannot leave the epoch counted in
        # one counter and not in another (Python handles signals between
        # calls, and these are plain attribute stores).
        self.n_iter, self.samples_seen, self.loss_curve, self.validation_scores = (
            self.n_iter + 1,
            self.samples_seen + self.n_train,
            [*self.loss_curve, loss],
            validation_scores,
        )
        self.schedule_epoch += 1
        if self.validation is not None:
            improved = score >= self.best_validation_score + self.tol
            if score > self.best_validation_score:
                self.best_validation_score = score
                self.best_state = self._copy_state(net)
        else:
            improved = loss <= self.best_loss - self.tol
            self.best_loss = min(self.best_loss, loss)
            if self.learning_rate == "plateau" and loss < self._best_loss_of_fit:
                self._best_loss_of_fit = loss
                self.best_state = self._copy_state(net)
        self.no_improvement_count = 0 if improved else self.no_improvement_count + 1
        history.record("lr", self._current_lr(net))
        history.record("dur", time.perf_counter() - self._epoch_start)

        full_batch = net._full_batch_optimizer()
        if full_batch is not None:
            self._full_batch_rules(full_batch)
        elif self.no_improvement_count > self.n_iter_no_change:
            current = self._current_lr(net)
            floor = self.learning_rate_init * self.PLATEAU_FLOOR
            if self.learning_rate == "adaptive" and current > 1e-6:
                self._set_lr(net, current / 5.0)
                self.no_improvement_count = 0
            elif self.learning_rate == "plateau" and current > floor * (1 + 1e-9):
                self._set_lr(net, max(current * self.PLATEAU_FACTOR, floor))
                self.no_improvement_count = 0
            elif self.learning_rate == "plateau" and self.validation is None:
                # A fixed budget: converged, but the fit runs on to max_iter.
                self.converged = True
                self.no_improvement_count = 0
            else:
                self.converged = True
                raise StopTraining
        elif self.learning_rate in ("invscaling", "cosine", "step"):
            self._set_lr(net, self._scheduled_lr())

    def _full_batch_rules(self, optimizer):
        """L-BFGS's own stopping rules (scipy's, as scikit-learn's lbfgs solver).

        No schedule and no training-loss plateau rule: the iteration stops
        on its gradient and relative-decrease tolerances or its evaluation
        budget; a validation set still stops it after ``n_iter_no_change``
        epochs without improvement.
        """
        if self.validation is not None and self.no_improvement_count > self.n_iter_no_change:
            self.converged = True
        elif optimizer.converged:
            self.converged = True
        elif optimizer.n_evaluations >= optimizer.max_fun:
            self.stop_message = (
                f"lbfgs failed to converge after {self.n_iter} iteration(s): the number of "
                f"loss evaluations reached max_fun={optimizer.max_fun}. Increase max_fun "
                "(or max_iter) or scale the data."
            )
        else:
            return
        raise StopTraining

    def on_train_end(self, net, **kwargs):
        if self.best_state is not None:
            net.module_.load_state_dict(self.best_state)

    def _scheduled_lr(self):
        if self.learning_rate == "invscaling":
            return self.learning_rate_init / (self.samples_seen + 1) ** self.power_t
        if self.learning_rate == "cosine":
            progress = min(self.schedule_epoch, self.max_iter) / self.max_iter
            return self.learning_rate_init * 0.5 * (1.0 + math.cos(math.pi * progress))
        step_size = max(1, self.max_iter // 3)
        return self.learning_rate_init * 0.1 ** (self.schedule_epoch // step_size)

    def _current_lr(self, net):
        """The main optimizer's rate (in ``learning_rate_init``'s units)."""
        for optimizer in net.optimizers.values():
            group = optimizer.param_groups[0]
            if group["initial_lr"] == self.learning_rate_init:
                return group["lr"]
            return self.learning_rate_init * group["lr"] / group["initial_lr"]
        return self.learning_rate_init

    def _set_lr(self, net, value):
        """Set the main rate to ``value`` and every other one in proportion."""
        factor = value / self.learning_rate_init
        for optimizer in net.optimizers.values():
            for group in optimizer.param_groups:
                # Exactly ``value`` where the rate started at learning_rate_init.
                same = group["initial_lr"] == self.learning_rate_init
                group["lr"] = value if same else group["initial_lr"] * factor


class ProgressReporter(Callback):
    """``verbose=1``: one tqdm bar per fit; ``verbose>=2``: one table row per epoch."""

    _columns = ("epoch", "train_loss", "valid_loss", "valid_score", "lr", "dur")

    def __init__(self, verbose=0, description="fit"):
        self.verbose = verbose
        self.description = description
        self._bar = None
        self._header_printed = False

    def start(self, epochs):
        """Open the progress bar of one fit call."""
        self.close()
        self._header_printed = False
        if self.verbose == 1:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=epochs, desc=self.description, unit="epoch", file=sys.stderr)

    def close(self):
        """Close the bar, also when training stopped on an error."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(loss=f"{row['train_loss']:.4g}", refresh=False)
        elif self.verbose >= 2:
            columns = [c for c in self._columns if c in row]
            if not self._header_printed:
                print("  ".join(f"{c:>11}" for c in columns), flush=True)
                self._header_printed = True
            cells = [
                f"{row[c]:>11d}" if isinstance(row[c], int) else f"{row[c]:>11.5g}" for c in columns
            ]
            print("  ".join(cells), flush=True)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_bar"] = None
        return state
