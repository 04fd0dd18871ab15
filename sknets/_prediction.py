"""Prediction in batches: a fitted network run over X within the memory and thread budgets.

Prediction batches are as large as ``working_memory`` allows, padded to a
block of rows, and run with the thread count their cost calls for; both
follow from what one row costs in a forward pass, measured once per fitted
network, kind of call and row layout (:func:`forward_cost`).  The training
loop's thread count comes from the same measurement
(:func:`training_threads`).
"""

import torch

from ._batches import _ROW_BLOCK, as_device_tensor, n_rows, tree_leaves, tree_map
from ._config import get_config
from ._resources import (
    MIN_FLOPS_PER_THREAD_PREDICT_BATCH,
    choose_threads,
    intra_op_threads,
    probe_forward,
)


def forward_network(estimator, X, call=None, *, rows_independent=True):
    """Network outputs for X (in the network's layout), computed in batches, as CPU tensors.

    ``call(rows)`` computes what is wanted from one batch of network input
    on the device (default: the module's forward).  With
    ``rows_independent=False`` (a graph) the network runs on all of X at once.
    """
    net = estimator.net_
    if call is not None:
        net = _CallingNet(net, call)
    if rows_independent:
        batch_size = estimator._predict_batch_size(X, call)
        rows = min(batch_size, -(-n_rows(X) // _ROW_BLOCK) * _ROW_BLOCK)
        threads = choose_threads(
            estimator._forward_cost(X, call).flops * rows,
            estimator.device_,
            threshold=MIN_FLOPS_PER_THREAD_PREDICT_BATCH,
        )
    else:
        # A graph runs whole; only a configured thread count applies.
        batch_size, threads = n_rows(X), choose_threads(None, estimator.device_)
    with intra_op_threads(threads):
        outputs = net.forward_batches(
            X, batch_size, estimator.device_, rows_independent=rows_independent
        )
    return tree_map(lambda output: output.cpu(), outputs)


def forward_cost(estimator, X, call=None, device=None):
    """What one row of X costs in a forward pass of ``call`` (a ForwardCost), cached."""
    key = (
        getattr(call, "__name__", "forward"),
        tuple(
            (tuple(leaf.shape[1:]), str(leaf.dtype).removeprefix("torch."))
            for leaf in tree_leaves(X)
        ),
    )
    costs = estimator.__dict__.setdefault("_forward_costs", {})
    if key not in costs:
        device = estimator.device_ if device is None else device
        rows = as_device_tensor(tree_map(lambda leaf: leaf[:_ROW_BLOCK], X), device)
        costs[key] = _probe(estimator, rows, call, device)
    return costs[key]


def _probe(estimator, rows, call, device):
    """Probe one forward pass over ``rows`` (on ``device``) in evaluation mode."""
    # Forked: a network that samples in its forward pass (a VAE) must not
    # move the random streams of the fit or prediction around the probe.
    if device.type == "cuda":
        index = torch.cuda.current_device() if device.index is None else device.index
        fork = torch.random.fork_rng(devices=[index])
    else:
        fork = torch.random.fork_rng(devices=[])
    with fork, estimator._evaluation():
        forward = estimator.net_.infer if call is None else call
        return probe_forward(forward, rows, estimator._modules().values())


def training_threads(estimator, train, adapter, device, batch_size):
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
    cost = estimator._forward_cost(rows, device=device)
    # A training step is about three forward passes: forward, and the
    # backward pass's two products per layer.
    return choose_threads(3 * cost.flops * batch_size, device)


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
