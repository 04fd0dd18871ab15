"""Graph neural networks over a graph of samples: semi-supervised node prediction."""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.neighbors import NearestNeighbors
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._inputs import Graph, GraphInput
from ._params import (
    CLASSIFIER_ATTRIBUTES,
    REGRESSOR_ATTRIBUTES,
    Param,
    PositiveInts,
    attributes_doc,
)
from ._vocabulary import build_network
from .base import NeuralClassifier, NeuralRegressor
from .networks import GNN_LAYERS, GraphNetwork, import_graph_layers

__all__ = ["GNNClassifier", "GNNRegressor"]

# GAT's eight heads (Veličković et al., 2018).
_N_HEADS_DEFAULT = 8

_GNN_PARAMS = (
    Param(
        "hidden_layer_sizes",
        (16,),
        "int or sequence of int",
        """
        Width of each hidden message-passing layer (per attention head with
        ``conv="gat"``). The default is Kipf & Welling's two-layer GCN.""",
        [PositiveInts(allow_empty=True)],
    ),
    Param(
        "conv",
        "gcn",
        "{" + ", ".join(f'"{name}"' for name in GNN_LAYERS) + "}",
        """
        Message passing: ``"gcn"``, the graph convolution of Kipf & Welling
        (2017), which uses edge weights; ``"sage"``, GraphSAGE's mean
        aggregator (Hamilton et al., 2017); ``"gat"``, graph attention
        (Veličković et al., 2018), with ELU activations and ``n_heads``
        heads in the hidden layers.""",
        [StrOptions(set(GNN_LAYERS))],
    ),
    Param(
        "dropout",
        0.5,
        "float",
        "Dropout probability of every layer's input (and of GAT's attention weights).",
        [Interval(Real, 0, 1, closed="left")],
    ),
    Param(
        "n_heads",
        _N_HEADS_DEFAULT,
        "int",
        'Attention heads of each hidden layer with ``conv="gat"`` (refused otherwise).',
        [Interval(Integral, 1, None, closed="left")],
    ),
    Param(
        "n_neighbors",
        7,
        "int",
        """
        Neighbours of each node in the k-nearest-neighbour graph built from X
        when fit gets no ``adjacency`` (made symmetric), and the training
        nodes each new row is linked to at predict time without one.
        The default is scikit-learn's LabelSpreading's.""",
        [Interval(Integral, 1, None, closed="left")],
    ),
    Param(
        "batch_size",
        "auto",
        'int or "auto"',
        """
        Nodes whose loss makes one optimizer step (the network always runs
        on the whole graph); ``"auto"`` is every node, one full-batch step
        per epoch, as in the papers.""",
        [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    ),
)

_UNLABELLED_LABEL_PARAM = Param(
    "unlabelled_label",
    -1,
    "int, str or None",
    """
    The label of y that marks an unlabelled node (-1, as in
    :mod:`sklearn.semi_supervised`); None makes every label a class.
    String labels mark theirs with a string (``"-1"``): a number's text
    among them is refused rather than read as a class.""",
    [Integral, str, None],
)

_GNN_ATTRIBUTES = {
    "module_": ("torch.nn.Module", "The trained :class:`sknets.networks.GraphNetwork`."),
}


class _NewNodes:
    """Rows passed to predict, with the links to the training nodes given with them."""

    def __init__(self, X, adjacency):
        self.X = X
        self.adjacency = adjacency

    @classmethod
    def of(cls, X, adjacency):
        return X if isinstance(X, cls) else cls(X, adjacency)


# Stands for the training graph itself: its nodes' predictions are transduction_.
_TRAINING_NODES = _NewNodes(None, None)


def _check_edge_weights(weights, where):
    if not np.isfinite(weights).all():
        raise ValueError(f"{where} contains NaN or infinity.")
    if weights.size and weights.min() < 0:
        raise ValueError(
            f"{where} has negative edge weights (minimum {float(weights.min())!r}); "
            "edge weights must be non-negative."
        )


class NodeGraphInput(GraphInput):
    """Rows of X are the nodes of one graph; new rows at predict time join it.

    Fit takes the graph from ``adjacency`` or builds a k-NN graph (see
    :class:`~sknets.base.GraphInput`); edge weights must be non-negative.
    Predict adds the new rows to the training graph as new nodes, each
    receiving messages from its ``n_neighbors`` nearest training nodes or
    from the training nodes its row of a predict-time ``adjacency`` of
    shape ``(n_new, n_train)`` names.  New nodes send nothing, so the
    training nodes' representations and each new row's prediction do not
    depend on the other rows predicted with it.  For a regressor, NaN in
    y marks unlabelled nodes.
    """

    def check_params(self):
        import_graph_layers()

    def validate(self, X, y=None, *, reset, dtype, y_numeric=False, adjacency=None):
        missing = None
        if y_numeric and y is not None:
            y = np.array(y, dtype=np.float64)
            missing = np.isnan(y)
            y[missing] = 0.0
        X, y = self._validate_data(X, y, y_numeric=y_numeric, reset=reset, dtype=dtype)
        if missing is not None:
            y = np.where(missing, np.nan, y)
        return self._graph(X, adjacency), y

    def _edges(self, adjacency, n_nodes):
        edge_index, edge_weight = super()._edges(adjacency, n_nodes)
        _check_edge_weights(edge_weight, "adjacency")
        return edge_index, edge_weight

    def validate_predict(self, X, *, dtype):
        train = self.estimator._training_graph
        if X is _TRAINING_NODES:
            return train
        X, adjacency = X.X, X.adjacency
        X = validate_data(self.estimator, X, reset=False, dtype=dtype)
        source, target, weight = self._links(X, adjacency, train)
        return Graph(
            np.concatenate([train.x, X]),
            np.concatenate([train.edge_index, np.stack([source, target])], axis=1),
            np.concatenate([train.edge_weight, weight.astype(dtype)]),
        )

    def _links(self, X, adjacency, train):
        """(training node, new node, weight) of each edge into the new nodes."""
        n_new, n_train = X.shape[0], train.n_nodes
        if adjacency is None:
            k = min(self.estimator.n_neighbors, n_train)
            nearest = NearestNeighbors(n_neighbors=k).fit(train.x).kneighbors(X)[1]
            new = np.repeat(np.arange(n_new), k)
            return nearest.ravel(), n_train + new, np.ones(n_new * k)
        if not sp.issparse(adjacency):
            adjacency = check_array(adjacency, dtype="numeric", input_name="adjacency")
        if adjacency.shape != (n_new, n_train):
            raise ValueError(
                "adjacency at predict time links each row of X to the training nodes: "
                f"expected shape ({n_new}, {n_train}) (rows of X, training nodes), got "
                f"{adjacency.shape}."
            )
        links = sp.coo_matrix(adjacency)
        _check_edge_weights(links.data, "adjacency")
        return links.col.astype(np.int64), n_train + links.row.astype(np.int64), links.data


def check_heads_need_attention(estimator):
    """Refuse ``n_heads`` away from its default where the layer has no attention."""
    if estimator.conv != "gat" and estimator.n_heads != _N_HEADS_DEFAULT:
        raise ValueError(
            f"{type(estimator).__name__}: n_heads={estimator.n_heads!r} applies to conv='gat' "
            f"only (conv={estimator.conv!r} has no attention); leave it at {_N_HEADS_DEFAULT}."
        )


def unlabelled_nodes(y, marker):
    """Which rows of y carry ``marker``, the label of an unlabelled node."""
    y = np.asarray(y)
    if marker is not None and not isinstance(marker, str) and y.dtype.kind in "OUS":
        # "-1" among string labels is the marker written as text, not a class.
        if (y == str(marker)).any():
            raise ValueError(
                f"y holds string labels, among them {str(marker)!r}, but "
                f"unlabelled_label={marker!r} is a number, so {str(marker)!r} would be "
                f"a class: set unlabelled_label={str(marker)!r} to mark the unlabelled "
                "nodes (or None if it is a class)."
            )
    return (y == marker).reshape(len(y), -1).all(axis=1)


class _GNN:
    """What both GNN estimators share: the network, the graph, unlabelled nodes."""

    _params = _GNN_PARAMS
    # Kipf & Welling: Adam at 0.01, weight decay 5e-4, 200 full-batch epochs.
    _defaults = {"learning_rate_init": 0.01, "alpha": 5e-4, "max_iter": 200}
    _input = NodeGraphInput

    def fit(self, X, y, adjacency=None, sensitive_features=None):
        """Train the network on the graph whose nodes are the rows of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Node features, one row per node.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Node targets. An unlabelled node (-1 for GNNClassifier, NaN for
            GNNRegressor) takes part in message passing but not in the loss.
        adjacency : array-like or sparse matrix of shape (n_samples, n_samples) \
or int array of shape (n_edges, 2), default=None
            The graph: a (weighted) adjacency matrix, whose entry ``[i, j]``
            carries node i's messages to node j, a list of ``(i, j)``
            edges, or a networkx graph whose nodes are the rows of X (0 to
            n - 1); None builds the symmetric k-nearest-neighbour graph of X
            (``n_neighbors``). Edge weights must be non-negative.
        sensitive_features : array-like of shape (n_samples,), default=None
            The group of each node, for GNNClassifier's ``fairness_penalty``
            (as in the other classifiers' ``fit``); GNNRegressor refuses it.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(
            X,
            y,
            sample_weight=None,
            incremental=False,
            adjacency=adjacency,
            sensitive_features=sensitive_features,
        )

    def _validate_params(self):
        super()._validate_params()
        check_heads_need_attention(self)

    def _build_module(self, spec):
        return build_network(GraphNetwork, self, spec)

    def _effective_batch_size(self, n_samples):
        return n_samples if self.batch_size == "auto" else super()._effective_batch_size(n_samples)

    def _optimizer_specs(self, batch_size, mean_weight):
        # The papers' weight decay, not scaled by the number of labelled nodes.
        specs = super()._optimizer_specs(batch_size, mean_weight)
        for _, kwargs, _ in specs.values():
            kwargs["weight_decay"] = self.alpha
        return specs

    def _encode_targets(self, y, **kwargs):
        unlabelled = self._unlabelled(y)
        if unlabelled.all():
            raise ValueError(
                f"{type(self).__name__} needs at least one labelled node, but every "
                "target of y marks an unlabelled one."
            )
        # Unlabelled nodes get any known target (their loss weight is 0).
        filled = np.array(y, copy=True)
        filled[unlabelled] = filled[~unlabelled][0]
        return super()._encode_targets(filled, **kwargs)

    def _target_sample_weight(self, y):
        labelled = ~self._unlabelled(y)
        weight = np.zeros(labelled.shape[0])
        target_weight = super()._target_sample_weight(y[labelled])  # class_weight
        weight[labelled] = 1.0 if target_weight is None else target_weight
        return weight

    def _after_fit(self, X):
        self._training_graph = X
        self.transduction_ = self.predict(_TRAINING_NODES)

    @classmethod
    def _get_test_params(cls):
        return {"hidden_layer_sizes": (8,), "max_iter": 100, "random_state": 0}

    def _forward(self, X, call=None):
        check_is_fitted(self)
        # The training graph and the weights of one state: a partial_fit in
        # another thread replaces both under the model's lock.
        with self.net_.model_lock.reading():
            outputs = super()._forward(X, call)
            n_training_nodes = self._training_graph.n_nodes
        # Outputs of the new nodes, which follow the training graph's.
        return outputs if X is _TRAINING_NODES else outputs[n_training_nodes:]


class GNNClassifier(_GNN, NeuralClassifier):
    __doc__ = f"""Graph neural network node classifier, semi-supervised.

    The rows of X are the nodes of a graph (``adjacency`` passed to fit, or
    the k-nearest-neighbour graph of X), and a stack of message-passing
    layers (GCN, GraphSAGE or GAT, from PyTorch Geometric) computes each
    node's class from its features and its neighbourhood's. As in
    :mod:`sklearn.semi_supervised`, a label of -1 marks an unlabelled node:
    it passes messages, its label is predicted, it adds nothing to the
    loss; ``transduction_`` holds the predicted label of every training
    node. ``predict`` on new rows links each to its ``n_neighbors``
    nearest training nodes (or to those a predict-time ``adjacency``
    names) and runs the trained network on that larger graph.

    Requires PyTorch Geometric: ``pip install sknets[graph]``.

    Attributes
    ----------{
        attributes_doc(
            CLASSIFIER_ATTRIBUTES,
            classes_=("ndarray of shape (n_classes,)", "Class labels, -1 (unlabelled) excluded."),
            transduction_=(
                "ndarray of shape (n_samples,)",
                "Predicted label of each training node.",
            ),
            **_GNN_ATTRIBUTES,
        )
    }

    See Also
    --------
    GNNRegressor : The same network for numeric node targets.
    sklearn.semi_supervised.LabelSpreading : Label propagation over a graph, nothing learnt.

    Notes
    -----
    The defaults are Kipf & Welling's: two layers (16 hidden units), ReLU,
    dropout 0.5, Adam at ``learning_rate_init=0.01`` with weight decay
    ``alpha=5e-4`` (not divided by the number of nodes, as in the paper),
    200 epochs of one full-batch step each. Veličković et al.'s GAT uses
    ``hidden_layer_sizes=(8,), n_heads=8, dropout=0.6,
    learning_rate_init=0.005``. fit takes no ``sample_weight``: on a graph,
    a node of weight 2 is not the node given twice (which would be a second
    node, with edges of its own); LabelSpreading takes none either.

    References
    ----------
    Kipf & Welling (2017), Semi-supervised classification with graph
    convolutional networks. ICLR.
    Hamilton, Ying & Leskovec (2017), Inductive representation learning on
    large graphs. NeurIPS.
    Veličković et al. (2018), Graph attention networks. ICLR.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sknets import GNNClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> y_partial = np.where(np.arange(150) % 10 == 0, y, -1)  # 10 % of the labels
    >>> clf = GNNClassifier(max_iter=100, random_state=0, device="cpu").fit(X, y_partial)
    >>> clf.classes_
    array([0, 1, 2])
    >>> float((clf.transduction_ == y).mean()) > 0.8
    True
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    """

    _params = (*_GNN_PARAMS, _UNLABELLED_LABEL_PARAM)

    def _unlabelled(self, y):
        return unlabelled_nodes(y, self.unlabelled_label)

    @classmethod
    def _get_test_params(cls):
        # scikit-learn's checks use -1 as a class (check_classifiers_classes);
        # they keep it from their own semi-supervised classifiers by name.
        return {**super()._get_test_params(), "unlabelled_label": None}

    def predict(self, X, adjacency=None):
        """Predicted labels of new nodes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features of the new nodes.
        adjacency : array-like or sparse matrix of shape (n_samples, n_train), default=None
            Edge weights from the training nodes (columns, in the order fit
            saw them) into the new nodes (rows); None links each row to its
            ``n_neighbors`` nearest training nodes.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels taken from ``classes_``.
        """
        return super().predict(_NewNodes.of(X, adjacency))

    def predict_proba(self, X, adjacency=None):
        """Probability of each class for new nodes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features of the new nodes.
        adjacency : array-like or sparse matrix of shape (n_samples, n_train), default=None
            Edge weights from the training nodes (columns, in the order fit
            saw them) into the new nodes (rows); None links each row to its
            ``n_neighbors`` nearest training nodes.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Class probabilities in the order of ``classes_``.
        """
        return super().predict_proba(_NewNodes.of(X, adjacency))

    def predict_log_proba(self, X, adjacency=None):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features of the new nodes.
        adjacency : array-like or sparse matrix of shape (n_samples, n_train), default=None
            Edge weights from the training nodes (columns, in the order fit
            saw them) into the new nodes (rows); None links each row to its
            ``n_neighbors`` nearest training nodes.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities in the order of ``classes_``.
        """
        return super().predict_log_proba(_NewNodes.of(X, adjacency))


class GNNRegressor(_GNN, NeuralRegressor):
    __doc__ = f"""Graph neural network node regressor, semi-supervised.

    The regression counterpart of :class:`GNNClassifier`: the rows of X are
    the nodes of a graph (``adjacency`` passed to fit, or the
    k-nearest-neighbour graph of X) and message-passing layers (GCN,
    GraphSAGE or GAT) predict each node's target. A NaN target marks an
    unlabelled node (a row of y with any NaN, for several targets): it
    passes messages but adds nothing to the loss; ``transduction_`` holds
    the prediction for every training node. ``predict`` on new rows links
    each to its ``n_neighbors`` nearest training nodes (or to those a
    predict-time ``adjacency`` names).

    Requires PyTorch Geometric: ``pip install sknets[graph]``.

    Attributes
    ----------{
        attributes_doc(
            REGRESSOR_ATTRIBUTES,
            transduction_=(
                "ndarray of shape (n_samples,) or (n_samples, n_outputs)",
                "Prediction for each training node.",
            ),
            **_GNN_ATTRIBUTES,
        )
    }

    See Also
    --------
    GNNClassifier : The classifier, with the defaults' sources.

    Notes
    -----
    The defaults are Kipf & Welling's (see :class:`GNNClassifier`); fit
    takes no ``sample_weight`` for the same reason.

    References
    ----------
    Kipf & Welling (2017), Semi-supervised classification with graph
    convolutional networks. ICLR.
    Hamilton, Ying & Leskovec (2017), Inductive representation learning on
    large graphs. NeurIPS.
    Veličković et al. (2018), Graph attention networks. ICLR.

    Examples
    --------
    >>> import numpy as np
    >>> from sknets import GNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-2, 2, size=(200, 2))
    >>> y = np.sin(X[:, 0]) + X[:, 1]
    >>> y_partial = np.where(np.arange(200) % 4 == 0, y, np.nan)  # a quarter labelled
    >>> reg = GNNRegressor(dropout=0.0, random_state=0, device="cpu").fit(X, y_partial)
    >>> reg.transduction_.shape
    (200,)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    @staticmethod
    def _unlabelled(y):
        return np.isnan(np.asarray(y, dtype=np.float64)).reshape(len(y), -1).any(axis=1)

    def predict(self, X, adjacency=None):
        """Predicted targets of new nodes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features of the new nodes.
        adjacency : array-like or sparse matrix of shape (n_samples, n_train), default=None
            Edge weights from the training nodes (columns, in the order fit
            saw them) into the new nodes (rows); None links each row to its
            ``n_neighbors`` nearest training nodes.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions; 1-D when the model has a single target.
        """
        return super().predict(_NewNodes.of(X, adjacency))
