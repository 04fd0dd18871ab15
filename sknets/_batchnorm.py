"""Batch normalisation that honours sample weights, and its end-of-fit statistics.

Every estimator's network has its ``BatchNorm1d``/``BatchNorm2d`` layers
swapped for the subclasses below when it is built (same parameters and
buffers, so state dicts and pickles are PyTorch's).  Two things change:

* during training the batch mean and variance weigh the rows by their
  ``sample_weight``, as the loss does, so that a weight of 2 is a repeated
  row and a weight of 0 a removed one, as scikit-learn requires;
* at the end of ``fit`` the running statistics used at prediction time are
  recomputed over the whole training set (:func:`recalibrate_batch_norm`).
  PyTorch's exponential running averages trail the weights: after a long fit
  in small batches a network could score far lower in evaluation mode than
  with batch statistics (an FCN on GunPoint, for one).
"""

import contextlib

import torch
import torch.nn.functional as F


def _weighted_moments(x, weight, dims, view):
    """Total weight (a float without weights), mean and biased variance per channel."""
    values_per_row = x[0, 0].numel()
    if weight is None:
        var, mean = torch.var_mean(x, dim=dims, correction=0)
        return float(x.shape[0] * values_per_row), mean, var
    weight = weight.to(x.dtype).reshape((-1,) + (1,) * (x.ndim - 1))
    # A batch of zero weights gives finite outputs, which the loss then ignores.
    total = (weight.sum() * values_per_row).clamp_min(1e-12)
    mean = (x * weight).sum(dims) / total
    var = ((x - mean.view(view)).square() * weight).sum(dims) / total
    return total, mean, var


class _SampleWeightedBatchNorm:
    """Mixin over a PyTorch batch norm class; see the module docstring.

    ``batch_sample_weight`` holds the weights of the batch being trained on;
    None (no weights) leaves training to PyTorch's kernel, whose running
    variance is the unbiased one.  With weights, the running variance is
    the weighted population variance.  While ``_calibration`` is a list, a
    training-mode forward pass adds the batch's weighted moments to it
    instead of updating the running statistics.
    """

    batch_sample_weight = None
    _calibration = None

    def forward(self, x):
        weight = self.batch_sample_weight
        calibrating = self._calibration is not None
        if not (self.training and self.track_running_stats):
            return super().forward(x)
        values_per_channel = x.numel() // max(x.shape[1], 1)
        if weight is None and values_per_channel > 1:
            # PyTorch's fused kernel, twice as fast as the weighted statistics
            # below (it refuses a single value per channel, which they handle).
            if not calibrating:
                return super().forward(x)
            # momentum=1 makes the kernel write the batch's moments, unbiased variance.
            mean, var = torch.zeros_like(self.running_mean), torch.ones_like(self.running_var)
            out = F.batch_norm(x, mean, var, self.weight, self.bias, True, 1.0, self.eps)
            n = values_per_channel
            self._calibration.append((float(n), mean.double(), var.double() * (n - 1) / n))
            return out
        self._check_input_dim(x)
        dims = [0, *range(2, x.ndim)]
        view = (1, -1) + (1,) * (x.ndim - 2)
        total, mean, var = _weighted_moments(x, weight, dims, view)
        with torch.no_grad():
            if calibrating:
                self._calibration.append((total, mean.double(), var.double()))
            else:
                self.num_batches_tracked.add_(1)
                momentum = self.momentum
                if momentum is None:  # cumulative moving average
                    momentum = 1.0 / float(self.num_batches_tracked)
                self.running_mean.lerp_(mean.detach(), momentum)
                self.running_var.lerp_(var.detach(), momentum)
        out = (x - mean.view(view)) * torch.rsqrt(var + self.eps).view(view)
        if self.affine:
            out = out * self.weight.view(view) + self.bias.view(view)
        return out

    def _finish_calibration(self):
        """Set the running statistics to the weighted moments of the collected batches."""
        totals = torch.stack(
            [torch.as_tensor(t, dtype=torch.float64) for t, _, _ in self._calibration]
        )
        means = torch.stack([mean for _, mean, _ in self._calibration])
        variances = torch.stack([var for _, _, var in self._calibration])
        totals = totals.to(means.device)
        self._calibration = None
        if not totals.sum() > 1e-12:  # nothing but zero weights seen
            return
        share = (totals / totals.sum()).unsqueeze(1)
        mean = (share * means).sum(0)
        # Law of total variance: within-batch plus between-batch spread.
        var = (share * (variances + (means - mean).square())).sum(0)
        self.running_mean.copy_(mean)
        self.running_var.copy_(var)


class _SampleWeightedBatchNorm1d(_SampleWeightedBatchNorm, torch.nn.BatchNorm1d):
    pass


class _SampleWeightedBatchNorm2d(_SampleWeightedBatchNorm, torch.nn.BatchNorm2d):
    pass


_WEIGHTED_CLASSES = {
    torch.nn.BatchNorm1d: _SampleWeightedBatchNorm1d,
    torch.nn.BatchNorm2d: _SampleWeightedBatchNorm2d,
}


def use_sample_weighted_batch_norm(module):
    """Swap, in place, the class of every plain BatchNorm1d/2d inside ``module``."""
    for child in module.modules():
        if type(child) in _WEIGHTED_CLASSES:
            child.__class__ = _WEIGHTED_CLASSES[type(child)]
    return module


def weighted_batch_norms(module):
    """The sample-weighted batch norms of ``module`` that keep running statistics."""
    return [
        m
        for m in module.modules()
        if isinstance(m, _SampleWeightedBatchNorm) and m.track_running_stats
    ]


@contextlib.contextmanager
def batch_sample_weights(norms, weight):
    """Let ``norms`` weigh the rows of the next forward passes by ``weight``."""
    for norm in norms:
        norm.batch_sample_weight = weight
    try:
        yield
    finally:
        for norm in norms:
            norm.batch_sample_weight = None


def recalibrate_batch_norm(module, batches, forward=None):
    """Recompute the running statistics of ``module``'s batch norms over ``batches``.

    ``batches`` yields ``(X, y, sample_weight)`` training batches, in practice
    one shuffled pass in batches of the training size, so that each layer
    sees inputs normalised as in training.  The pass runs without gradients,
    in evaluation mode except for the batch norms (so dropout
    is off, as at prediction time).  Each running mean and variance becomes
    the sample-weighted mean and variance of the layer's inputs over the
    whole pass, like ``torch.optim.swa_utils.update_bn`` but weighted and
    exact rather than a running average.  Does nothing without batch norms.
    ``forward`` runs one batch's X through the model (default: ``module``);
    the training net passes its ``infer``, which also takes dicts and graphs.
    """
    forward = module if forward is None else forward
    # A fine-tuned backbone's frozen norms keep their checkpoint's statistics.
    frozen = {id(norm) for norm in getattr(module, "frozen_batch_norms", list)()}
    norms = [norm for norm in weighted_batch_norms(module) if id(norm) not in frozen]
    if not norms:
        return
    was_training = module.training
    module.eval()
    for norm in norms:
        norm.train()
        norm._calibration = []
    try:
        with torch.no_grad():
            for X, _, weight in batches:
                with batch_sample_weights(norms, weight):
                    forward(X)
        for norm in norms:
            norm._finish_calibration()
    finally:
        for norm in norms:
            norm._calibration = None
        module.train(was_training)
