"""The losses, one value per sample, and the validation scores of raw network outputs.

Losses return one value per sample so that sample weights can be applied;
their scale matches scikit-learn's MLP losses (log-loss, half squared
error).  They read the primary output of a module that returns several.
The scores (accuracy, R²) are what early stopping follows, computed from
the outputs the validation pass already has.
"""

import torch
import torch.nn.functional as F
from torch import nn

from ._batches import primary_output


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
    """Half the squared error, averaged over the output columns.

    With ``scale`` (one number per output column), each column's error is
    divided by it first: the loss of a target standardised by ``scale``,
    for a network whose outputs are in the target's units
    (:class:`~sknets.networks.TargetScaling`).
    """

    def __init__(self, scale=None):
        super().__init__()
        self.scale = None if scale is None else tuple(float(value) for value in scale)

    def forward(self, prediction, target):
        error = primary_output(prediction) - target
        if self.scale is not None:
            error = error / torch.as_tensor(self.scale, dtype=error.dtype, device=error.device)
        return 0.5 * error.pow(2).mean(dim=1)


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


class MemberAveragedLoss(nn.Module):
    """The mean over an ensemble's members of their per-sample losses (TabM's objective).

    A network that holds an ensemble returns, in training, ``(ensemble
    output, member outputs)`` with members ``(batch, n_members,
    n_outputs)``; each member's output is scored by ``loss`` against the
    same target and the member losses are averaged, so that every member
    learns on its own (the loss of the average would let members lean on
    each other).  A plain tensor (the ensemble output of a validation
    pass) is scored by ``loss`` directly.
    """

    def __init__(self, loss):
        super().__init__()
        self.loss = loss

    def forward(self, outputs, target):
        if not isinstance(outputs, tuple | list):
            return self.loss(outputs, target)
        members = outputs[1]
        n_rows, n_members = members.shape[:2]
        per_member = self.loss(
            members.reshape(n_rows * n_members, -1), target.repeat_interleave(n_members, dim=0)
        )
        return per_member.view(n_rows, n_members).mean(dim=1)
