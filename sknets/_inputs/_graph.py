"""A graph over the samples: node features plus an adjacency, never split or padded."""

import numpy as np
import scipy.sparse as sp
from sklearn.neighbors import kneighbors_graph
from sklearn.utils.validation import check_array

from .._training import Graph, GraphBatches
from ._base import TabularInput

__all__ = ["Graph", "GraphInput"]


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
        if not sp.issparse(adjacency):
            adjacency = check_array(adjacency, ensure_2d=True, dtype="numeric")
            if adjacency.shape[1] == 2 and adjacency.shape != (n_nodes, n_nodes):
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
