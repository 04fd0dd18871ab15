"""Multi-layer perceptron."""

from torch import nn

from ._layers import HeadedNetwork, glorot_uniform_, make_activation
from ._tabular import TableInputLayer

__all__ = ["MLP"]


class MLP(HeadedNetwork):
    """Fully connected feed-forward network.

    Each hidden layer is Linear, then optional BatchNorm1d, the activation
    and optional Dropout; the head is a Linear layer with no activation
    (the loss applies softmax / sigmoid).

    Parameters
    ----------
    n_features : int
        Width of the input.
    category_sizes : sequence of int, default=()
        Number of codes of each categorical column, the last
        ``len(category_sizes)`` columns of the input (see
        :class:`~sknets.networks.TableInputLayer`); each is replaced by a
        learned embedding before the first hidden layer.
    n_outputs : int
        Width of the output.
    hidden_layer_sizes : sequence of int, default=(100,)
        Width of each hidden layer; empty for a linear model.
    activation : str, default="relu"
        A name from :data:`sknets.networks.ACTIVATIONS`.
    dropout : float, default=0.0
        Dropout probability after each hidden activation.
    batch_norm : bool, default=False
        Insert BatchNorm1d before each hidden activation.
    """

    def __init__(
        self,
        *,
        n_features,
        n_outputs,
        category_sizes=(),
        hidden_layer_sizes=(100,),
        activation="relu",
        dropout=0.0,
        batch_norm=False,
    ):
        super().__init__()
        self.table = TableInputLayer(n_features=n_features, category_sizes=category_sizes)
        layers = []
        width = self.table.out_features
        for size in hidden_layer_sizes:
            layers.append(glorot_uniform_(nn.Linear(width, size), activation))
            if batch_norm:
                layers.append(nn.BatchNorm1d(size))
            layers.append(make_activation(activation))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        self.features = nn.Sequential(*layers)
        self.head = glorot_uniform_(nn.Linear(width, n_outputs), activation)
        self.num_features = width

    def forward_features(self, x):
        """Activations of the last hidden layer."""
        return self.features(self.table(x))

    def linear_layers(self):
        """The Linear layers in order, head last (sklearn's ``coefs_`` order)."""
        return [m for m in self.features if isinstance(m, nn.Linear)] + [self.head]
