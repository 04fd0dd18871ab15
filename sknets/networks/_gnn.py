"""Graph neural networks: message passing with PyTorch Geometric's layers."""

import warnings

from torch import nn

__all__ = ["GNN_LAYERS", "GraphNetwork", "import_graph_layers"]

#: Message-passing layers of :class:`GraphNetwork`, by the name its ``conv`` takes.
GNN_LAYERS = ("gcn", "sage", "gat")


def import_graph_layers():
    """PyTorch Geometric's ``{"gcn": GCNConv, "sage": SAGEConv, "gat": GATConv}``.

    Raises
    ------
    ImportError
        Without PyTorch Geometric, naming the extra that installs it.
    """
    try:
        # torch_geometric first: with its package missing (or blocked), a
        # cached ``torch_geometric.nn`` must not let the import through.
        with warnings.catch_warnings():
            # PyG's own import compiles with torch.jit, which recent torch
            # deprecates; that is PyG's business, not the caller's.
            warnings.simplefilter("ignore", DeprecationWarning)
            import torch_geometric  # noqa: F401
            from torch_geometric.nn import GATConv, GCNConv, SAGEConv
    except ImportError as error:
        raise ImportError(
            "Graph neural networks need PyTorch Geometric, an optional dependency of "
            "sknets: install it with `pip install sknets[graph]` (or `pip install "
            "torch_geometric`)."
        ) from error
    return {"gcn": GCNConv, "sage": SAGEConv, "gat": GATConv}


class GraphNetwork(nn.Module):
    """A stack of message-passing layers over the nodes of one graph.

    Each layer takes the node features of the layer below and the edges;
    the last one outputs ``n_outputs`` values per node (logits or
    regression values).  As in the reference implementations, dropout is
    applied to the input of every layer, and the hidden activation is ReLU
    for GCN (Kipf & Welling, 2017) and GraphSAGE (Hamilton et al., 2017),
    ELU for GAT (Veličković et al., 2018), whose layers also drop attention
    coefficients with the same probability and concatenate ``n_heads``
    heads in the hidden layers (one head in the output layer).

    Edge weights enter GCN's normalised aggregation; GraphSAGE's mean
    aggregator and GAT's attention use the edges only.  Every layer keeps
    each node's own features (GCN and GAT add self-loops, GraphSAGE has a
    root weight), so isolated nodes are classified from their features.

    Parameters
    ----------
    n_features : int
        Width of the node features.
    n_outputs : int
        Width of the output per node.
    hidden_layer_sizes : sequence of int, default=(16,)
        Width of each hidden layer (per attention head for ``"gat"``).
    conv : {"gcn", "sage", "gat"}, default="gcn"
        The message-passing layer.
    dropout : float, default=0.5
        Dropout probability of every layer's input (and of GAT's attention).
    n_heads : int, default=8
        Attention heads of each hidden GAT layer; ignored by the others.
    """

    def __init__(
        self,
        *,
        n_features,
        n_outputs,
        hidden_layer_sizes=(16,),
        conv="gcn",
        dropout=0.5,
        n_heads=8,
    ):
        super().__init__()
        layers = import_graph_layers()
        if conv not in layers:
            raise ValueError(f"Unknown conv {conv!r}; expected one of {list(GNN_LAYERS)}.")
        self.conv = conv
        self.dropout = nn.Dropout(dropout)
        self.activation = nn.ELU() if conv == "gat" else nn.ReLU()
        layer_class = layers[conv]
        self.convs = nn.ModuleList()
        width_in = n_features
        for width in hidden_layer_sizes:
            self.convs.append(self._layer(layer_class, width_in, width, n_heads, dropout))
            width_in = width * n_heads if conv == "gat" else width
        self.convs.append(self._layer(layer_class, width_in, n_outputs, 1, dropout))

    def _layer(self, layer_class, width_in, width_out, heads, dropout):
        if self.conv == "gat":
            return layer_class(width_in, width_out, heads=heads, dropout=dropout)
        if self.conv == "sage":
            return layer_class(width_in, width_out, aggr="mean")
        return layer_class(width_in, width_out)

    def _propagate(self, conv, x, edge_index, edge_weight):
        x = self.dropout(x)
        if self.conv == "gcn":
            return conv(x, edge_index, edge_weight)
        return conv(x, edge_index)

    def forward_features(self, x, edge_index, edge_weight=None):
        """Node representations after the last hidden layer."""
        for conv in self.convs[:-1]:
            x = self.activation(self._propagate(conv, x, edge_index, edge_weight))
        return x

    def forward(self, x, edge_index, edge_weight=None):
        """One output row per node."""
        features = self.forward_features(x, edge_index, edge_weight)
        return self._propagate(self.convs[-1], features, edge_index, edge_weight)
