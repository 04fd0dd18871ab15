"""Attribute-compatibility network for zero-shot classification."""

import torch

from ._layers import HeadedNetwork
from ._mlp import MLP

__all__ = ["AttributeCompatibilityNetwork"]


class AttributeCompatibilityNetwork(HeadedNetwork):
    """Scores each class by the compatibility of the input with its attributes.

    An MLP maps the input into the attribute space; the score of class
    ``c`` is the dot product of that embedding with the class's attribute
    vector ``a_c``, i.e. the bilinear compatibility ``phi(x)^T W a_c`` of
    DeViSE (Frome et al., 2013) and ESZSL (Romera-Paredes & Torr, 2015),
    where ``W`` is the MLP's last layer.  A class never trained on still
    gets a score, from its attributes alone.

    In training mode the classes outside ``seen_classes`` are masked out,
    so the softmax runs over the classes the data can contain (an unseen
    class is not a negative example: nothing says the input is not one).

    Parameters
    ----------
    n_features : int
        Width of the input.
    class_attributes : array-like of shape (n_classes, n_attributes)
        One attribute vector per class; the output has one score per row.
    category_sizes : sequence of int, default=()
        Number of codes of each categorical column (the last columns of
        the input), embedded by the MLP's :class:`TableInputLayer`.
    seen_classes : array-like of bool of shape (n_classes,), default=None
        The classes the training data contains (None: all of them).
    hidden_layer_sizes : sequence of int, default=(100,)
        Width of each hidden layer of the MLP; empty for a linear map.
    activation : str, default="relu"
        A name from :data:`sknets.networks.ACTIVATIONS`.
    dropout : float, default=0.0
        Dropout probability after each hidden activation.
    """

    def __init__(
        self,
        *,
        n_features,
        class_attributes,
        category_sizes=(),
        seen_classes=None,
        hidden_layer_sizes=(100,),
        activation="relu",
        dropout=0.0,
    ):
        super().__init__()
        attributes = torch.as_tensor(class_attributes, dtype=torch.float32)
        if attributes.ndim != 2:
            raise ValueError(
                f"class_attributes must be 2-D (n_classes, n_attributes), got {attributes.ndim}-D."
            )
        if seen_classes is None:
            seen_classes = torch.ones(attributes.shape[0], dtype=torch.bool)
        self.register_buffer("class_attributes", attributes)
        self.register_buffer("seen_classes", torch.as_tensor(seen_classes, dtype=torch.bool))
        self.embedding = MLP(
            n_features=n_features,
            n_outputs=attributes.shape[1],
            category_sizes=category_sizes,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            dropout=dropout,
        )
        self.num_features = self.embedding.num_features

    def forward_features(self, x):
        """Activations of the MLP's last hidden layer."""
        return self.embedding.forward_features(x)

    def embed(self, x):
        """The input mapped into the attribute space, shape (n, n_attributes)."""
        return self.embedding(x)

    def forward_head(self, features):
        """One compatibility score per class (masked to the seen classes in training)."""
        scores = self.embedding.forward_head(features) @ self.class_attributes.T
        if self.training and not bool(self.seen_classes.all()):
            scores = scores.masked_fill(~self.seen_classes, float("-inf"))
        return scores
