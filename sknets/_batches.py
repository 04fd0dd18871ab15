"""Batches: nests of tensors, training data on the device, and the mini-batches cut from it.

An input or an output may be one tensor, a tuple/list or a dict of them
(several inputs of their own dtypes; a VAE's reconstruction, mean and
log-variance): the ``tree_*`` helpers apply an operation to every leaf.  A
:class:`TensorBatches` holds the training data converted once to tensors on
the training device, and a :class:`BatchIterator` slices its mini-batches.
An input that is one object rather than a nest (a graph, whose rows cannot
be sliced apart) is a :class:`StructuredRows` and answers for itself.
"""

import copy
import math
import warnings
from abc import ABC, abstractmethod

import numpy as np
import scipy.sparse as sp
import torch

# Prediction batches are padded to a multiple of this many rows.  CPU matrix
# kernels handle a block of rows at a time and leftover rows with other
# kernels that round differently, so without padding a row's float32 output
# could change in its last bits with the number of rows predicted with it.
_ROW_BLOCK = 16


class StructuredRows(ABC):
    """Samples held as one object that cannot be sliced into rows: a graph, a batch of its nodes.

    The batching helpers and the training net handle every other input as a
    nest of tensors; such an object answers for itself instead: ``len`` is
    its number of samples, :meth:`feed` runs a network on it and
    :attr:`features` is what an unsupervised loss compares the outputs with.
    One that is moved between devices also has ``to(device,
    non_blocking=False)``, as a tensor does.
    """

    @abstractmethod
    def __len__(self):
        """The number of samples."""

    @abstractmethod
    def feed(self, module, **kwargs):
        """The outputs of ``module`` for these samples, one row each."""

    @property
    @abstractmethod
    def features(self):
        """The samples' input features, one row each."""


# -------------------------------------------------------------- nested data
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
    """Number of samples of a batch's X (any nest, or StructuredRows)."""
    if isinstance(X, torch.Tensor):
        return X.shape[0]
    return len(X) if isinstance(X, StructuredRows) else tree_leaves(X)[0].shape[0]


def _to_numpy(tensor):
    return tensor.detach().cpu().numpy()


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

    Each leaf keeps its dtype: int64 ids stay int64.  A leaf that is
    neither an array nor a sparse matrix moves with its own ``to`` (a
    tensor, a graph).
    """
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

    @property
    def weights(self):
        """The sample weights of the rows, in the order of :attr:`target` (None: unweighted)."""
        return self.sample_weight

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
