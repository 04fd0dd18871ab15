"""Fusion of several inputs: one feature network per input, one shared head."""

import torch
from torch import nn

from ._mlp import MLP
from ._sequence import AttentionPooling

__all__ = ["COMBINATIONS", "FusionNetwork"]

#: How the branches' features are combined before the head.
COMBINATIONS = ("concat", "attention")


class FusionNetwork(nn.Module):
    """Feature networks over named inputs, their features combined, one head on top.

    Each branch is a network with ``forward_features(x)`` returning ``(n,
    num_features)`` (an MLP, a CNN, a recurrent or transformer network: the
    networks split as :class:`~sknets.networks.HeadedNetwork`); its own
    output layer is dropped, since the shared head predicts.  ``forward``
    takes the inputs as keyword arguments named as the branches.

    With ``combine="concat"`` the head sees the branches' features side by
    side (early fusion, Ngiam et al., 2011).  With ``combine="attention"``
    each branch's features are projected to a common width and an additive
    attention weighs them per sample (attention fusion, Hori et al., 2017):
    the head sees their weighted sum, and ``attention_weights`` (``(n,
    n_branches)``, in the order of ``branches``) the weights of the last call.

    Parameters
    ----------
    branches : dict of str to torch.nn.Module
        The feature network of each named input.
    n_outputs : int
        Width of the output.
    hidden_layer_sizes : sequence of int, default=(100,)
        Hidden layers of the shared head (an :class:`~sknets.networks.MLP`).
    activation : str, default="relu"
        Activation of the head's hidden layers.
    dropout : float, default=0.0
        Dropout after each of the head's hidden layers.
    batch_norm : bool, default=False
        Batch normalisation in the head's hidden layers.
    combine : {"concat", "attention"}, default="concat"
        How the branches' features are combined.

    Examples
    --------
    >>> import torch
    >>> from sknets.networks import MLP, ConvNet, FusionNetwork
    >>> net = FusionNetwork(branches=
    ...     {"image": ConvNet(in_channels=1, n_outputs=1, filters=(4,), hidden_layer_sizes=()),
    ...      "numbers": MLP(n_features=3, n_outputs=1, hidden_layer_sizes=(8,))},
    ...     n_outputs=5, hidden_layer_sizes=(16,))
    >>> net(image=torch.randn(2, 1, 8, 8), numbers=torch.randn(2, 3)).shape
    torch.Size([2, 5])
    """

    def __init__(
        self,
        *,
        branches,
        n_outputs,
        hidden_layer_sizes=(100,),
        activation="relu",
        dropout=0.0,
        batch_norm=False,
        combine="concat",
    ):
        super().__init__()
        if combine not in COMBINATIONS:
            raise ValueError(f"Unknown combine {combine!r}; expected one of {COMBINATIONS}.")
        if not branches:
            raise ValueError("FusionNetwork needs at least one branch.")
        for name, network in branches.items():
            if not callable(getattr(network, "forward_features", None)) or not hasattr(
                network, "num_features"
            ):
                raise TypeError(
                    f"The network of branch {name!r} ({type(network).__name__}) has no "
                    "forward_features and num_features, so it cannot supply features "
                    "to a fusion; use an estimator whose network is split into "
                    "features and head (MLP, CNN, RNN or transformer families)."
                )
            if hasattr(network, "head"):
                network.head = nn.Identity()
        self.branches = nn.ModuleDict(branches)
        widths = {name: int(network.num_features) for name, network in branches.items()}
        self.combine = combine
        if combine == "attention":
            width = max(widths.values())
            self.projections = nn.ModuleDict(
                {name: nn.Linear(size, width) for name, size in widths.items()}
            )
            self.attention = AttentionPooling(n_features=width)
        else:
            width = sum(widths.values())
        self.num_features = width
        self.attention_weights = None
        self.head = MLP(
            n_features=width,
            n_outputs=n_outputs,
            hidden_layer_sizes=tuple(hidden_layer_sizes),
            activation=activation,
            dropout=dropout,
            batch_norm=batch_norm,
        )

    def forward_features(self, **inputs):
        """The combined features of the inputs, ``(n, num_features)``."""
        missing = set(self.branches) - set(inputs)
        if missing:
            raise KeyError(f"FusionNetwork got no input for the branches {sorted(missing)}.")
        features = {name: net.forward_features(inputs[name]) for name, net in self.branches.items()}
        if self.combine == "concat":
            return torch.cat(list(features.values()), dim=1)
        stacked = torch.stack(
            [self.projections[name](value) for name, value in features.items()], dim=1
        )
        weights = self.attention.weights(stacked)
        self.attention_weights = weights.detach()
        return torch.bmm(weights.unsqueeze(1), stacked).squeeze(1)

    def forward(self, **inputs):
        return self.head(self.forward_features(**inputs))
