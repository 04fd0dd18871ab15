"""Fairness in training: the sensitive features of ``fit`` and the gap penalty.

A classifier's ``fit(X, y, sensitive_features=...)`` encodes the sensitive
features into one integer group per row (:func:`encode_sensitive_features`);
the training batches carry those codes beside their rows, and
:class:`FairnessPenalty` adds ``fairness_penalty`` times the batch's gap
between groups to the loss.  The gap is computed from soft predictions
(probabilities, not labels), so that it has a gradient:

* ``"demographic_parity"``: for each class (the positive class of a
  binary target), the largest difference between two groups of the mean
  predicted probability of that class; the gap is the largest over the
  classes;
* ``"equalized_odds"``: the same for the soft true-positive rate (the mean
  probability of a class over the rows that belong to it) and the soft
  false-positive rate (over the rows that do not); the gap is the larger
  of the two, over the classes, as fairlearn's
  ``equalized_odds_difference``.

A group absent from a batch (or, for a rate, without rows of that kind in
it) is left out of that batch's gap; a batch holding one group only adds
nothing.  Sample weights weigh the group means as they weigh the loss.
"""

import numpy as np
import torch
from torch.nn import functional as F

__all__ = ["FAIRNESS_CONSTRAINTS", "FairnessPenalty", "encode_sensitive_features"]

FAIRNESS_CONSTRAINTS = ("demographic_parity", "equalized_odds")


def _is_missing(value):
    return value is None or (isinstance(value, float) and value != value)


def encode_sensitive_features(sensitive_features, n_samples):
    """One integer group per row, and the number of groups.

    ``sensitive_features`` is a 1-D array-like (a pandas Series, a list of
    strings or ints) or a 2-D one (a DataFrame of several sensitive
    columns, whose combinations are the groups, as fairlearn takes them).
    Missing values and a length other than ``n_samples`` are refused.
    """
    values = np.asarray(sensitive_features)
    if values.ndim == 0 or values.ndim > 2:
        raise ValueError(
            "sensitive_features must be 1-D (one value per sample) or 2-D (one column per "
            f"sensitive feature); got an array of shape {values.shape}."
        )
    if values.shape[0] != n_samples:
        raise ValueError(
            f"sensitive_features has {values.shape[0]} rows, but X has {n_samples} samples; "
            "give one value (or row of values) per sample."
        )
    if values.dtype.kind == "f" and np.isnan(values).any():
        raise ValueError("sensitive_features contains NaN; every sample needs a group.")
    if values.dtype == object and any(_is_missing(value) for value in values.ravel().tolist()):
        raise ValueError(
            "sensitive_features contains missing values (None or NaN); every sample needs a group."
        )
    # Strings and numbers alike become group indices; several columns, their combinations.
    columns = values.reshape(n_samples, -1).T
    codes = np.column_stack(
        [np.unique(column.astype(str), return_inverse=True)[1] for column in columns]
    )
    groups, inverse = np.unique(codes, axis=0, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64), groups.shape[0]


class FairnessPenalty:
    """``weight`` times a batch's gap between groups, from the network's logits.

    Parameters
    ----------
    weight : float
        The ``fairness_penalty`` of the estimator.
    constraint : {"demographic_parity", "equalized_odds"}
        Which gap.
    n_groups : int
        The number of groups the sensitive features encode.
    link : {"sigmoid", "softmax"}
        How the logits become probabilities: one logistic output per column
        (binary, multilabel) or a softmax over classes (multiclass).
    """

    def __init__(self, weight, constraint, n_groups, link):
        self.weight = weight
        self.constraint = constraint
        self.n_groups = n_groups
        self.link = link

    def __call__(self, logits, target, groups, sample_weight=None):
        if self.link == "softmax":
            probability = torch.softmax(logits, dim=1)
            member = F.one_hot(target, logits.shape[1]).to(probability.dtype)
        else:
            probability = torch.sigmoid(logits)
            member = target.to(probability.dtype)
        rows = torch.ones_like(probability)
        if sample_weight is not None:
            rows = rows * sample_weight[:, None]
        in_group = F.one_hot(groups, self.n_groups).to(probability.dtype)
        if self.constraint == "demographic_parity":
            gap = _largest_gap(probability, rows, in_group)
        else:
            gap = torch.maximum(
                _largest_gap(probability, rows * member, in_group),
                _largest_gap(probability, rows * (1 - member), in_group),
            )
        return self.weight * gap


def _largest_gap(probability, rows, in_group):
    """Largest difference between two groups of a column's weighted mean probability.

    ``rows`` weighs each row in each column's means (0 leaves it out);
    ``in_group`` is the rows' one-hot group membership.
    """
    totals = in_group.T @ rows
    means = (in_group.T @ (rows * probability)) / totals.clamp_min(torch.finfo(totals.dtype).tiny)
    present = totals > 0
    highest = torch.where(present, means, -torch.inf).amax(dim=0)
    lowest = torch.where(present, means, torch.inf).amin(dim=0)
    compared = present.sum(dim=0) >= 2
    return torch.where(compared, highest - lowest, torch.zeros_like(highest)).amax()
