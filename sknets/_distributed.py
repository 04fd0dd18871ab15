"""Data-parallel training over the processes of a ``torchrun`` job.

When a launcher has set the torch.distributed environment (``torchrun``
sets ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``) and
``sknets.get_config()["distributed"]`` is True, every ``fit`` and
``partial_fit`` trains one model over all the processes:

- every rank holds the same data and draws the same batches (the seed is
  agreed on by rank 0); each rank computes the forward and backward pass
  of its contiguous share of every batch, so ``batch_size`` stays the
  global batch size of a single-process fit;
- before every optimizer step the gradients of that optimizer's
  parameters are summed over the ranks, each weighted by its share of the
  batch's rows, which gives the gradient of the whole batch.  The hook sits
  on the optimizers, not on the modules (as
  ``DistributedDataParallel`` would), so families with several optimizers
  and their own train steps (GAN, diffusion, RBM) need nothing of their own;
- the epoch's training loss is summed over the ranks, and every rank
  computes the validation score on the whole validation set, so early
  stopping and the learning-rate schedule decide the same on every rank;
- the initial weights are broadcast from rank 0, so every rank ends with
  bit-identical weights.

gloo runs on CPUs, nccl on CUDA devices; a CUDA rank trains on the GPU of
its ``LOCAL_RANK``.
"""

import contextlib
import os
from dataclasses import dataclass

import torch

from ._config import get_config

__all__ = ["DataParallel", "data_parallel_context"]


def _launched():
    """Whether a launcher set the environment of a job of several processes."""
    try:
        return int(os.environ.get("WORLD_SIZE", "1")) > 1 and "RANK" in os.environ
    except ValueError:
        return False


@dataclass(frozen=True)
class DataParallel:
    """This process's place in a data-parallel job: its rank among ``world_size``."""

    rank: int
    world_size: int

    def shard(self, index):
        """This rank's contiguous share of a batch's row ``index`` (a slice or an index tensor)."""
        if isinstance(index, slice):
            # Sizes as tensor_split gives them: the first ranks take one row more.
            size, extra = divmod(index.stop - index.start, self.world_size)
            start = index.start + self.rank * size + min(self.rank, extra)
            return slice(start, start + size + (self.rank < extra))
        return index.tensor_split(self.world_size)[self.rank]

    def agree(self, value):
        """Rank 0's integer ``value``, on every rank."""
        box = torch.tensor([int(value)], dtype=torch.int64, device=self._device)
        torch.distributed.broadcast(box, src=0)
        return int(box.item())

    def check_same_rows(self, n_samples):
        """Refuse, on every rank at once, a fit whose ranks hold different numbers of rows."""
        counts = [
            torch.zeros(1, dtype=torch.int64, device=self._device) for _ in range(self.world_size)
        ]
        mine = torch.tensor([n_samples], dtype=torch.int64, device=self._device)
        torch.distributed.all_gather(counts, mine)
        counts = [int(count.item()) for count in counts]
        if len(set(counts)) > 1:
            raise ValueError(
                "Every process of a data-parallel fit must be given the same data; the "
                f"processes hold {counts} rows (by rank). Load the same rows on every "
                "rank (sknets shares each batch out), or fit within "
                "sknets.config_context(distributed=False)."
            )

    def broadcast_modules(self, modules):
        """Copy rank 0's parameters and buffers to every rank."""
        for module in modules:
            for tensor in [*module.parameters(), *module.buffers()]:
                with torch.no_grad():
                    torch.distributed.broadcast(tensor.data, src=0)

    def sum(self, *values):
        """Each float ``value`` summed over the ranks (in float64)."""
        box = torch.tensor([float(v) for v in values], dtype=torch.float64, device=self._device)
        torch.distributed.all_reduce(box)
        return box.tolist()

    @property
    def _device(self):
        # nccl moves only CUDA tensors; gloo only CPU ones.
        if torch.distributed.get_backend() == "nccl":
            return torch.device("cuda", torch.cuda.current_device())
        return torch.device("cpu")

    def sum_gradients(self, parameters, share):
        """Each parameter's gradient, weighted by ``share``, summed over the ranks (in place)."""
        grads = [p.grad for p in parameters if p.grad is not None]
        if not grads:
            return
        flat = torch.cat([g.reshape(-1) for g in grads]) * share
        torch.distributed.all_reduce(flat)
        offset = 0
        for grad in grads:
            grad.copy_(flat[offset : offset + grad.numel()].view_as(grad))
            offset += grad.numel()

    @contextlib.contextmanager
    def averaging_gradients(self, net):
        """Within the block, every optimizer step of ``net`` uses the whole batch's gradient.

        Each rank's gradient (and loss) is weighted by ``net.shard_share``
        (its rows over the batch's), set by the batch iterator for the
        current batch, and summed over the ranks.  A step given a closure
        (skorch's steps, L-BFGS's repeated evaluations) sums after each
        call of the closure, which is where the gradients are computed.
        """

        def before_step(optimizer, args, kwargs):
            parameters = [p for group in optimizer.param_groups for p in group["params"]]
            # ``args`` starts with the optimizer itself, as ``step`` receives it.
            closure = kwargs.get("closure", args[1] if len(args) > 1 else None)
            if closure is None:
                self.sum_gradients(parameters, net.shard_share)
                return None

            def summed_closure():
                loss = closure()
                share = net.shard_share
                self.sum_gradients(parameters, share)
                (total,) = self.sum(float(loss) * share)
                return torch.as_tensor(total, dtype=loss.dtype, device=loss.device)

            kwargs = {key: value for key, value in kwargs.items() if key != "closure"}
            return (args[0], summed_closure, *args[2:]), kwargs

        handles = [opt.register_step_pre_hook(before_step) for opt in net.optimizers.values()]
        try:
            yield
        finally:
            for handle in handles:
                handle.remove()

    @contextlib.contextmanager
    def training(self, net, modules, seed):
        """Within the block, ``net`` (whose networks are ``modules``) trains over the ranks.

        ``seed`` is the fit's seed, which every rank has from rank 0.
        """
        # Same weights everywhere, whatever the ranks' seeds or earlier fits did.
        self.broadcast_modules(modules)
        # Batches are drawn from net.batch_generator, the same on every rank;
        # what a step draws (dropout, a GAN's noise) differs between ranks,
        # as it differs between the rows of one process's batch.
        torch.manual_seed(seed + 1 + self.rank)
        net.data_parallel = self
        try:
            with self.averaging_gradients(net):
                yield
        finally:
            net.data_parallel, net.shard_share = None, 1.0


def _ensure_process_group(device):
    if torch.distributed.is_initialized():
        return
    backend = "nccl" if device.type == "cuda" else "gloo"
    torch.distributed.init_process_group(backend=backend)


def data_parallel_context(device):
    """The :class:`DataParallel` of this fit on ``device``, or None for a single-process fit.

    Initialises the process group from the environment on first use.
    """
    if not get_config()["distributed"] or not torch.distributed.is_available():
        return None
    if not (torch.distributed.is_initialized() or _launched()):
        return None
    _ensure_process_group(device)
    world_size = torch.distributed.get_world_size()
    if world_size < 2:
        return None
    return DataParallel(rank=torch.distributed.get_rank(), world_size=world_size)


def local_device(parameter, device):
    """The device of this rank: the GPU of its ``LOCAL_RANK`` where ``parameter`` names no GPU.

    ``parameter`` is the estimator's ``device`` ("auto", "cuda", "cuda:1"...),
    ``device`` the one it resolved to.
    """
    unindexed = isinstance(parameter, str) and parameter in ("auto", "cuda")
    if device.type == "cuda" and unindexed and _launched() and get_config()["distributed"]:
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        if local_rank < torch.cuda.device_count():
            torch.cuda.set_device(local_rank)
            return torch.device("cuda", local_rank)
    return device
