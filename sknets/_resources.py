"""What one batch costs, and the memory and threads spent on it.

A fitted network is probed once (:func:`probe_forward`): one forward pass
over a block of rows counts its floating-point operations
(:class:`torch.utils.flop_counter.FlopCounterMode`) and records, through
forward hooks on the leaf modules, the bytes per row of each layer's input,
output and workspace.  From that, prediction sizes its batches to the
``working_memory`` budget (:func:`predict_batch_rows`), and fit and
prediction choose their intra-op thread count (:func:`choose_threads`,
applied by :func:`intra_op_threads`).
"""

import math
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from ._batches import _ROW_BLOCK, n_rows, tree_leaves
from ._config import get_config

# The peak temporary memory of a forward pass, per row, is estimated as
#
#     input + output + PEAK_FACTOR * (largest layer step),
#
# a layer step being one leaf module's input, output and workspace (the
# im2col buffer of a convolution with a kernel wider than 1, which
# PyTorch's float64 CPU kernels build; oneDNN's float32 kernels need none,
# so the estimate is generous there).  Why 3: measured peak RSS per row over
# four 2048-row batches (fresh process each), divided by the largest step,
# was 1.0-2.6 for MLPs (glibc keeps freed activations in its heap between
# batches; a second thread adds its own buffers), 1.0-1.6 for CNNs, 0.6-1.2
# for a ResNet, whose skip tensor stays alive beside the block's output,
# and 1.7 for MobileNetV2; the table is in benchmarks/README.md.
PEAK_FACTOR = 3

# Below this many floating-point operations per batch (a multiply-add counts
# two; a training step counts three forward passes), one intra-op thread.
# The threads of a parallel region wait for each other at its end, and on a
# machine whose cores are busy a waiting thread is descheduled: measured on
# 2 cores, 2 threads took 1.5-3.7x (beside 3 spinning processes) and up to
# 10-40x (beside two test suites) the time of 1 thread on batches of 1-1000
# MFLOP, whereas on the quiet machine they gained from 10-20 MFLOP on (0.6x
# above 50).  1e8 keeps one thread for small batches (the digits MLP with
# 256 units trains at 23 MFLOP per batch) and the caller's count for
# mlp_speed's problem (a), at 142 MFLOP.  Table: benchmarks/README.md.
MIN_FLOPS_PER_THREAD_BATCH = 1e8

# The same threshold for a prediction batch (a forward pass only).  There
# the trade is even: on the quiet machine a second thread took 0.41-0.65x
# the time from 8 MFLOP per batch on, and beside 3 spinning processes
# 1.3-2.4x (not training's 2-4x), so prediction uses the caller's threads
# wherever they gain on a quiet machine (a 32-filter CNN predicting 8x8
# images in 64 MiB batches, 50 MFLOP each: 1.52x the plain 2-thread loop
# with one thread).
MIN_FLOPS_PER_THREAD_PREDICT_BATCH = 1e7


@dataclass(frozen=True)
class ForwardCost:
    """What one row of input costs in a forward pass."""

    flops: float  # floating-point operations
    input_bytes: float
    output_bytes: float
    step_bytes: float  # the largest layer step: input + output + workspace

    @property
    def peak_bytes(self):
        """Estimated peak temporary memory of a forward pass, per row."""
        return self.input_bytes + self.output_bytes + PEAK_FACTOR * self.step_bytes


def _nbytes(tree):
    return sum(
        leaf.nelement() * leaf.element_size()
        for leaf in tree_leaves(tree)
        if isinstance(leaf, torch.Tensor)
    )


def _workspace_bytes(module, output):
    """The im2col buffer a convolution may build: one column per output position."""
    if not isinstance(module, nn.modules.conv._ConvNd) or not isinstance(output, torch.Tensor):
        return 0
    kernel = math.prod(module.kernel_size)
    if kernel == 1:
        return 0
    positions = math.prod(output.shape[2:]) * output.shape[0]
    return module.in_channels // module.groups * kernel * positions * output.element_size()


# Gates per step of each recurrent cell: one weight product per gate.
_RECURRENT_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _recurrent_flops(module, steps):
    """Multiply-adds of a recurrent layer stack over ``steps`` (a tensor or PackedSequence).

    FlopCounterMode misses what PyTorch runs as a fused kernel (oneDNN's
    LSTM on a CPU, cuDNN's recurrent layers on a GPU) and counts the layers
    it decomposes into matrix products (a GRU on a CPU): the probe adds
    what the counter did not see.
    """
    if isinstance(steps, nn.utils.rnn.PackedSequence):
        row_steps = steps.data.shape[0]
    elif isinstance(steps, torch.Tensor) and steps.dim() == 3:
        row_steps = steps.shape[0] * steps.shape[1]
    else:
        return 0
    gates = _RECURRENT_GATES.get(module.mode, 4) * module.hidden_size
    directions = 2 if module.bidirectional else 1
    flops = 0
    for layer in range(module.num_layers):
        inputs = module.input_size if layer == 0 else module.hidden_size * directions
        flops += 2 * row_steps * gates * (inputs + module.hidden_size) * directions
    return flops


def leaf_modules(modules):
    """The modules without children of every network in ``modules``."""
    return [
        leaf
        for module in modules
        if isinstance(module, nn.Module)
        for leaf in module.modules()
        if next(leaf.children(), None) is None
    ]


def probe_forward(forward, rows, modules):
    """Measure one forward pass of ``forward`` over ``rows`` (a small batch on the device).

    ``modules`` are the networks whose leaf modules are hooked.  Returns a
    :class:`ForwardCost` per row.  Runs under :func:`torch.inference_mode`;
    the caller puts the networks in evaluation mode, so no random numbers
    are drawn and no running statistics change.
    """
    count = max(n_rows(rows), 1)
    largest_step = 0
    uncounted_flops = 0
    counter = FlopCounterMode(display=False)
    counted_before = {}

    def note_counted(module, inputs):
        counted_before[module] = counter.get_total_flops()

    def record(module, inputs, output):
        nonlocal largest_step, uncounted_flops
        step = _nbytes(inputs) + _nbytes(output) + _workspace_bytes(module, output)
        largest_step = max(largest_step, step)
        if isinstance(module, nn.RNNBase) and inputs:
            counted = counter.get_total_flops() - counted_before.pop(module, 0)
            uncounted_flops += max(0, _recurrent_flops(module, inputs[0]) - counted)

    leaves = leaf_modules(modules)
    hooks = [leaf.register_forward_hook(record) for leaf in leaves]
    hooks += [
        leaf.register_forward_pre_hook(note_counted)
        for leaf in leaves
        if isinstance(leaf, nn.RNNBase)
    ]
    try:
        with torch.inference_mode(), counter:
            output = forward(rows)
    finally:
        for hook in hooks:
            hook.remove()
    return ForwardCost(
        flops=(counter.get_total_flops() + uncounted_flops) / count,
        input_bytes=_nbytes(rows) / count,
        output_bytes=_nbytes(output) / count,
        step_bytes=largest_step / count,
    )


# On a CPU, batches past about 64 MiB of activations predict more slowly,
# not faster: measured on 2 cores predicting 100,000 8x8 images with a
# 32-filter CNN, 0.89-0.91 s with batches of 32-128 MiB against 1.86 s at
# 256 MiB (5,424 rows); a 32-64-filter CNN 1.59-1.61 s at 64-128 MiB against
# 1.91 s at 256 MiB; an MLP 100-256-256 on 200,000 rows 0.22-0.25 s at
# 16-128 MiB against 0.38 s at 256 MiB (allocations that large go to mmap
# and fault their pages in again for every batch, and leave the caches).
# GPUs gain from large batches: there the budget alone decides.
CPU_BATCH_MIB = 64


def predict_batch_rows(cost, working_memory=None, device="cpu"):
    """Rows per prediction batch that keep ``cost.peak_bytes`` within ``working_memory`` MiB.

    A multiple of the row block, at least one block.  ``working_memory``
    defaults to the configured one (:func:`sknets.get_config`); on a CPU
    a batch takes at most :data:`CPU_BATCH_MIB` of it, where larger batches
    run slower.
    """
    if working_memory is None:
        working_memory = get_config()["working_memory"]
    if torch.device(device).type == "cpu":
        working_memory = min(working_memory, CPU_BATCH_MIB)
    rows = int(working_memory * 2**20 // max(cost.peak_bytes, 1.0))
    return max(_ROW_BLOCK, rows // _ROW_BLOCK * _ROW_BLOCK)


def choose_threads(flops_per_batch, device, n_threads=None, threshold=MIN_FLOPS_PER_THREAD_BATCH):
    """The intra-op thread count for batches of ``flops_per_batch`` on ``device``.

    None where the setting is left alone: other devices than the CPU (their
    host threads only launch kernels), or no cost known.  ``n_threads``
    (the configured one by default) forces a count; automatic chooses one
    thread below ``threshold`` (:data:`MIN_FLOPS_PER_THREAD_BATCH` for a
    training step, :data:`MIN_FLOPS_PER_THREAD_PREDICT_BATCH` for a
    prediction batch), otherwise the caller's ``torch.get_num_threads()``.
    """
    if torch.device(device).type != "cpu":
        return None
    if n_threads is None:
        n_threads = get_config()["n_threads"]
    if n_threads is not None:
        return n_threads
    if flops_per_batch is None:
        return None
    return 1 if flops_per_batch < threshold else torch.get_num_threads()


@contextmanager
def intra_op_threads(n_threads):
    """Run the block with ``n_threads`` intra-op threads, then restore the caller's count.

    Changes nothing where ``n_threads`` is None or already the count; the
    caller's count comes back also on errors and KeyboardInterrupt.
    """
    previous = torch.get_num_threads()
    if n_threads is None or n_threads == previous:
        yield
        return
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
