"""Building blocks shared by the networks."""

import math

import torch
from torch import nn

__all__ = ["ACTIVATIONS", "HeadedNetwork", "TargetScaling", "make_activation", "glorot_uniform_"]

#: Activation names accepted by every network's ``activation`` argument.
#: The first four are scikit-learn's MLP names.
ACTIVATIONS = {
    "identity": nn.Identity,
    "logistic": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
}


def make_activation(name):
    """Return a fresh activation module for ``name`` (a key of ACTIVATIONS)."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(
            f"Unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}."
        ) from None


def glorot_uniform_(linear, activation):
    """Initialise a Linear layer as scikit-learn's MLP does.

    Weights and bias are drawn from U(-b, b) with Glorot's
    b = sqrt(6 / (fan_in + fan_out)) (2 instead of 6 for the logistic
    activation), so that a network starts where sklearn's would.
    """
    gain = 2.0 if activation == "logistic" else 6.0
    bound = math.sqrt(gain / (linear.in_features + linear.out_features))
    nn.init.uniform_(linear.weight, -bound, bound)
    if linear.bias is not None:
        nn.init.uniform_(linear.bias, -bound, bound)
    return linear


class TargetScaling(nn.Module):
    """The outputs mapped back to the target's units: ``output * scale + shift``, per output.

    A regressor that standardises its target (TabM, FT-Transformer) trains
    the layers before this one on the standardised scale, while the
    network's outputs stay in the target's units: ``predict``, an ONNX
    export and saliency need no inverse transform.  The buffers are the
    target's mean and standard deviation, filled by the estimator before
    training, saved with the weights and never trained; until then the
    map is the identity.
    """

    def __init__(self, *, n_outputs):
        super().__init__()
        self.register_buffer("shift", torch.zeros(n_outputs))
        self.register_buffer("scale", torch.ones(n_outputs))

    def forward(self, x):
        return x * self.scale + self.shift


class HeadedNetwork(nn.Module):
    """A network split as in timm: ``forward_features`` then ``forward_head``.

    Subclasses implement ``forward_features`` (returning ``(n,
    num_features)``) and set ``self.head``; a transformer that wants the
    features calls ``forward_features`` alone.
    """

    def forward_features(self, x):
        raise NotImplementedError

    def forward_head(self, features):
        """Raw outputs (logits or regression values) from the features."""
        return self.head(features)

    def forward(self, x):
        return self.forward_head(self.forward_features(x))
