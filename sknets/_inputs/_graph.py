"""A graph over the samples: the graph, its batches of nodes and its adapter; never split."""

import copy

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.neighbors import kneighbors_graph
from sklearn.utils.validation import check_array

from .._batches import StructuredRows, TensorBatches, _leaf_to_device, as_device_tensor, tree_map
from ._base import TabularInput

__all__ = ["Graph", "GraphInput"]


class Graph(StructuredRows):
    """Node features with their edges, as PyTorch Geometric takes them.

    ``x`` is ``(n_nodes, n_features)``, ``edge_index`` the int64 ``(2,
    n_edges)`` array of (source, target) node indices and ``edge_weight``
    the ``(n_edges,)`` weights.  A graph network is called as
    ``module(x, edge_index, edge_weight)`` and returns one output row per
    node.
    """

    def __init__(self, x, edge_index, edge_weight):
        self.x = x
        self.edge_index = edge_index
        self.edge_weight = edge_weight

    @property
    def shape(self):
        return self.x.shape

    @property
    def n_nodes(self):
        return self.x.shape[0]

    def __len__(self):
        return self.n_nodes

    def feed(self, module, **kwargs):
        return module(self.x, self.edge_index, self.edge_weight, **kwargs)

    @property
    def features(self):
        return self.x

    def to(self, device, non_blocking=False):
        """The graph as tensors on ``device`` (edges stay int64), as ``Tensor.to``."""
        return Graph(
            *(
                _leaf_to_device(value, device)
                if isinstance(value, np.ndarray)
                else value.to(device, non_blocking=non_blocking)
                for value in (self.x, self.edge_index, self.edge_weight)
            )
        )

    def __repr__(self):
        return f"Graph(n_nodes={self.n_nodes}, n_edges={self.edge_index.shape[1]})"


class NodeBatch(StructuredRows):
    """The whole graph with the nodes of one batch: outputs are taken at ``nodes``."""

    def __init__(self, graph, nodes):
        self.graph = graph
        self.nodes = nodes

    def __len__(self):
        return self.nodes.shape[0]

    def feed(self, module, **kwargs):
        # The network sees the whole graph; the batch is the nodes whose outputs count.
        outputs = self.graph.feed(module, **kwargs)
        return tree_map(lambda output: output[self.nodes], outputs)

    @property
    def features(self):
        return self.graph.x[self.nodes]


class GraphBatches(TensorBatches):
    """One graph on the device; batches are sets of its nodes, never a cut graph."""

    def __init__(self, graph, y=None, sample_weight=None, device="cpu"):
        self.device = torch.device(device)
        self.graph = self.X = graph.to(self.device)
        self.y = None if y is None else as_device_tensor(y, self.device)
        self.sample_weight = (
            None if sample_weight is None else as_device_tensor(sample_weight, self.device)
        )
        self.nodes = torch.arange(graph.n_nodes, device=self.device)

    on_host = False

    def __len__(self):
        return self.nodes.shape[0]

    def take(self, index):
        nodes = self.nodes[index]
        y = None if self.y is None else self.y[nodes]
        weight = None if self.sample_weight is None else self.sample_weight[nodes]
        return self._batch(NodeBatch(self.graph, nodes), y, weight, nodes)

    @property
    def target(self):
        return self.graph.x[self.nodes] if self.y is None else self.y[self.nodes]

    @property
    def weights(self):
        return None if self.sample_weight is None else self.sample_weight[self.nodes]

    def subset(self, index):
        part = copy.copy(self)
        part.nodes = self.nodes[torch.as_tensor(index, device=self.device)]
        return part


class GraphInput(TabularInput):
    """Rows of X are the nodes of one graph; the whole graph is every batch.

    The graph comes from ``adjacency`` (scipy sparse or dense ``(n, n)``,
    or an ``(n_edges, 2)`` integer edge list) passed to fit or predict;
    without one, a symmetric k-nearest-neighbour graph of X with the
    estimator's ``n_neighbors``.  Training batches are sets of nodes whose
    loss counts; the network always sees the whole graph, and prediction
    runs it once over every node (no batching, no padding rows, which
    would be fake nodes).
    """

    data_kinds = ("graph",)
    sparse = False
    rows_independent = False

    def validate(self, X, y=None, *, reset, dtype, y_numeric=False, adjacency=None):
        X, y = super().validate(X, y, reset=reset, dtype=dtype, y_numeric=y_numeric)
        return self._graph(X, adjacency), y

    def validate_predict(self, X, *, dtype, adjacency=None):
        return self._graph(super().validate_predict(X, dtype=dtype), adjacency)

    def _graph(self, X, adjacency):
        n_nodes = X.shape[0]
        if adjacency is None:
            k = min(self.estimator.n_neighbors, n_nodes - 1)
            if k < 1:
                adjacency = sp.csr_matrix((n_nodes, n_nodes))
            else:
                adjacency = kneighbors_graph(X, k, include_self=False)
                adjacency = adjacency.maximum(adjacency.T)
        edge_index, edge_weight = self._edges(adjacency, n_nodes)
        return Graph(X, edge_index, edge_weight.astype(X.dtype))

    def _edges(self, adjacency, n_nodes):
        adjacency = _from_networkx(adjacency, n_nodes)
        if not sp.issparse(adjacency):
            adjacency = check_array(adjacency, ensure_2d=True, dtype="numeric")
            if adjacency.shape[1] == 2 and adjacency.shape != (n_nodes, n_nodes):
                if not np.issubdtype(adjacency.dtype, np.integer):
                    # Floats in two columns are far likelier a mis-sized
                    # adjacency matrix than node indices.
                    raise ValueError(
                        f"adjacency of shape {adjacency.shape} is neither the ({n_nodes}, "
                        f"{n_nodes}) matrix of X's rows nor an edge list: an edge list holds "
                        f"integer node indices, and this one holds {adjacency.dtype} values."
                    )
                return self._edge_list(adjacency, n_nodes)
            adjacency = sp.csr_matrix(adjacency)
        if adjacency.shape != (n_nodes, n_nodes):
            raise ValueError(
                f"adjacency must be square with one row and column per row of X: expected "
                f"shape ({n_nodes}, {n_nodes}), got {adjacency.shape}."
            )
        coo = adjacency.tocoo()
        if not np.isfinite(coo.data).all():
            raise ValueError("adjacency contains NaN or infinity.")
        return np.stack([coo.row, coo.col]).astype(np.int64), coo.data

    @staticmethod
    def _edge_list(edges, n_nodes):
        if not np.all(np.mod(edges, 1) == 0) or edges.min() < 0 or edges.max() >= n_nodes:
            raise ValueError(
                f"An edge list must hold node indices in [0, {n_nodes - 1}] (rows of X)."
            )
        return edges.T.astype(np.int64), np.ones(edges.shape[0])

    def sizes(self, X):
        n_features = int(X.x.shape[1])
        return {"sample_shape": (n_features,), "n_features": n_features, "n_nodes": X.n_nodes}

    def n_samples(self, X):
        return X.n_nodes

    def dataset(self, X, y, sample_weight, device):
        return GraphBatches(X, y, sample_weight, device=device)


def _from_networkx(graph, n_nodes):
    """A networkx graph as its sparse adjacency matrix (anything else unchanged).

    Its nodes must be the rows of X, 0 to n_nodes - 1 (as
    ``nx.karate_club_graph()``'s); edge weights come from the ``"weight"``
    attribute, 1 where it is missing.
    """
    if not (hasattr(graph, "adj") and hasattr(graph, "nodes") and hasattr(graph, "edges")):
        return graph
    import networkx as nx  # noqa: PLC0415 (a graph of it was given, so it is installed)

    nodes = set(graph.nodes)
    if nodes != set(range(n_nodes)):
        unknown = sorted(map(repr, nodes - set(range(n_nodes))))[:3]
        raise ValueError(
            f"A networkx graph given as adjacency must have the rows of X as its nodes, "
            f"0 to {n_nodes - 1}; it has {len(nodes)} nodes"
            + (f", among them {', '.join(unknown)}." if unknown else ".")
            + " Relabel them (nx.convert_node_labels_to_integers) in the order of X's rows."
        )
    return nx.to_scipy_sparse_array(graph, nodelist=range(n_nodes), format="csr")
