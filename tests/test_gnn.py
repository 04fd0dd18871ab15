"""GNNClassifier and GNNRegressor: semi-supervised node prediction on a graph of samples."""

import pickle
import sys

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.datasets import make_blobs
from sklearn.neighbors import kneighbors_graph
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknets import GNNClassifier, GNNRegressor
from sknets.networks import GNN_LAYERS, GraphNetwork

FAST = {"max_iter": 60, "random_state": 0}


def _karate():
    graph = nx.karate_club_graph()
    clubs = np.array([graph.nodes[node]["club"] == "Officer" for node in graph.nodes], dtype=int)
    return np.eye(34), nx.to_numpy_array(graph, weight=None), clubs


def _one_label_per_club(clubs):
    partial = np.full(34, -1)
    partial[[0, 33]] = clubs[[0, 33]]
    return partial


def _blobs(n_samples=120, seed=0):
    X, y = make_blobs(n_samples=n_samples, centers=2, cluster_std=1.0, random_state=seed)
    return X, y


@pytest.mark.parametrize("conv", GNN_LAYERS)
def test_network_forward_backward_without_nan(conv, seeded):
    net = GraphNetwork(n_features=5, n_outputs=3, hidden_layer_sizes=(6, 4), conv=conv, n_heads=2)
    x = torch.randn(10, 5)
    edge_index = torch.tensor([[0, 1, 2, 3, 4], [1, 2, 3, 4, 0]])  # nodes 5-9 isolated
    out = net(x, edge_index, torch.rand(5))
    assert out.shape == (10, 3) and torch.isfinite(out).all()
    out.pow(2).sum().backward()
    for name, parameter in net.named_parameters():
        assert parameter.grad is not None and torch.isfinite(parameter.grad).all(), name
    assert net.forward_features(x, edge_index).shape == (10, 4 * (2 if conv == "gat" else 1))


def test_karate_club_with_one_label_per_club():
    X, adjacency, clubs = _karate()
    clf = GNNClassifier(random_state=0, device="cpu").fit(
        X, _one_label_per_club(clubs), adjacency=adjacency
    )
    others = np.setdiff1d(np.arange(34), [0, 33])
    # One-hot features carry no information: only the graph does.
    assert (clf.transduction_[others] == clubs[others]).mean() >= 0.9


def test_unlabelled_nodes_pass_messages_but_add_no_loss():
    X, y = _blobs()
    partial = np.where(np.arange(len(y)) % 10 == 0, y, -1)
    clf = GNNClassifier(**FAST, device="cpu").fit(X, partial)
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    assert clf.transduction_.shape == y.shape
    assert (clf.transduction_ == y).mean() > 0.9
    # What an unlabelled node's label would have been does not matter.
    relabelled = np.where(partial == -1, 1 - y, partial)
    other = GNNClassifier(**FAST, device="cpu", unlabelled_label=None).fit(X, relabelled)
    assert (other.transduction_ == y).mean() < (clf.transduction_ == y).mean()
    with pytest.raises(ValueError, match="at least one labelled node"):
        GNNClassifier(**FAST, device="cpu").fit(X, np.full(len(y), -1))


def test_unlabelled_label_is_a_parameter():
    X, y = _blobs()
    names = np.array(["no", "yes"])[y].astype(object)
    partial = np.where(np.arange(len(y)) % 10 == 0, names, "?")
    clf = GNNClassifier(**FAST, unlabelled_label="?", device="cpu").fit(X, partial)
    np.testing.assert_array_equal(clf.classes_, ["no", "yes"])
    assert (clf.transduction_ == names).mean() > 0.9


def test_regressor_nan_marks_unlabelled_nodes():
    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, size=(200, 2))
    y = X[:, 0] + np.sin(2 * X[:, 1])
    partial = np.where(np.arange(200) % 5 == 0, y, np.nan)
    reg = GNNRegressor(dropout=0.0, max_iter=200, random_state=0, device="cpu").fit(X, partial)
    unlabelled = np.isnan(partial)
    error = np.mean((reg.transduction_[unlabelled] - y[unlabelled]) ** 2)
    assert error < 0.3 * np.var(y)  # predicting the mean: np.var(y)
    assert np.isnan(partial[1])  # the caller's y untouched
    with pytest.raises(ValueError, match="at least one labelled node"):
        GNNRegressor(**FAST, device="cpu").fit(X, np.full(200, np.nan))


def test_given_adjacency_versus_the_knn_default():
    X, y = _blobs()
    partial = np.where(np.arange(len(y)) % 10 == 0, y, -1)
    default = GNNClassifier(**FAST, n_neighbors=5, device="cpu").fit(X, partial)
    knn = kneighbors_graph(X, 5)
    explicit = GNNClassifier(**FAST, n_neighbors=5, device="cpu").fit(
        X, partial, adjacency=knn.maximum(knn.T)
    )
    np.testing.assert_allclose(explicit.predict_proba(X), default.predict_proba(X), atol=1e-6)
    # A graph that ties each node to the other blob's nodes misleads the network.
    rng = np.random.RandomState(0)
    wrong = np.array([[i, rng.choice(np.flatnonzero(y != y[i]))] for i in range(len(y))])
    misled = GNNClassifier(**FAST, device="cpu").fit(X, partial, adjacency=wrong)
    assert (misled.transduction_ == y).mean() < (default.transduction_ == y).mean()


def test_inductive_predict_on_new_rows():
    X, y = _blobs(200)
    clf = GNNClassifier(**FAST, device="cpu").fit(X[:150], y[:150])
    assert clf.score(X[150:], y[150:]) > 0.9
    # One row's prediction does not depend on the rows predicted with it.
    np.testing.assert_allclose(
        clf.predict_proba(X[150:151]), clf.predict_proba(X[150:])[:1], rtol=1e-5
    )


def test_predict_time_adjacency_links_new_nodes():
    X, adjacency, clubs = _karate()
    clf = GNNClassifier(random_state=0, device="cpu").fit(
        X, _one_label_per_club(clubs), adjacency=adjacency
    )
    # Two new nodes with no features of their own, each linked to one club's core.
    new = np.zeros((2, 34))
    links = np.zeros((2, 34))
    links[0, [0, 1, 2, 3]] = 1
    links[1, [33, 32, 31, 30]] = 1
    np.testing.assert_array_equal(clf.predict(new, adjacency=links), clubs[[0, 33]])
    np.testing.assert_array_equal(
        clf.predict(new, adjacency=sp.csr_matrix(links[::-1])), clubs[[33, 0]]
    )
    assert clf.predict_proba(new, adjacency=links).shape == (2, 2)
    with pytest.raises(ValueError, match=r"expected shape \(2, 34\).*got \(2, 30\)"):
        clf.predict(new, adjacency=links[:, :30])


def test_isolated_nodes():
    X, y = _blobs(60)
    ring = sp.lil_matrix((60, 60))
    for i in range(0, 40):  # nodes 40-59 have no edge at all
        ring[i, (i + 1) % 40] = ring[(i + 1) % 40, i] = 1
    clf = GNNClassifier(**FAST, device="cpu").fit(X, y, adjacency=ring.tocsr())
    proba = clf.predict_proba(X, adjacency=np.zeros((60, 60)))
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    # Isolated nodes are classified from their own features.
    assert (clf.transduction_[40:] == y[40:]).mean() > 0.8


@pytest.mark.parametrize(
    "adjacency, message",
    [
        (np.ones((10, 9)), r"expected shape \(10, 10\), got \(10, 9\)"),
        (sp.eye(11, format="csr"), r"expected shape \(10, 10\), got \(11, 11\)"),
        (np.array([[0, 1], [2, 10]]), "node indices"),
        (np.ones((2, 2)), r"neither the \(10, 10\) matrix of X's rows nor an edge list"),
        (-np.eye(10), "negative edge weights"),
        (np.full((10, 10), np.nan), "NaN"),
    ],
)
def test_bad_adjacency_is_refused_before_training(adjacency, message, training_spy):
    X, y = _blobs(10)
    with pytest.raises(ValueError, match=message):
        GNNClassifier(**FAST, device="cpu").fit(X, y, adjacency=adjacency)
    assert training_spy.calls == 0


def test_reproducible_and_pickles():
    X, y = _blobs()
    first = GNNClassifier(**FAST, conv="gat", n_heads=2, device="cpu").fit(X, y)
    second = GNNClassifier(**FAST, conv="gat", n_heads=2, device="cpu").fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(restored.predict_proba(X), first.predict_proba(X))


def test_pipeline_with_scaler():
    X, y = _blobs(200)
    X = X * [1000.0, 0.001]
    pipe = make_pipeline(StandardScaler(), GNNClassifier(**FAST, conv="sage", device="cpu"))
    assert pipe.fit(X[:150], y[:150]).score(X[150:], y[150:]) > 0.9


def test_without_torch_geometric_the_error_names_the_extra(monkeypatch, training_spy):
    X, y = _blobs(20)
    monkeypatch.setitem(sys.modules, "torch_geometric", None)
    with pytest.raises(ImportError, match=r"pip install sknets\[graph\]"):
        GNNClassifier(**FAST, device="cpu").fit(X, y)
    with pytest.raises(ImportError, match=r"pip install sknets\[graph\]"):
        GraphNetwork(n_features=2, n_outputs=2)
    assert training_spy.calls == 0


def test_n_heads_is_refused_without_attention(training_spy):
    X, y = _blobs()
    with pytest.raises(ValueError, match="n_heads=2 applies to conv='gat' only"):
        GNNClassifier(conv="sage", n_heads=2).fit(X, y)
    assert training_spy.calls == 0
    GNNClassifier(**FAST, conv="gat", n_heads=2, device="cpu").fit(X, y)


def test_a_networkx_graph_is_taken_as_adjacency(training_spy):
    X, adjacency, clubs = _karate()
    graph = nx.karate_club_graph()
    partial = _one_label_per_club(clubs)
    from_graph = GNNClassifier(**FAST, device="cpu").fit(X, partial, adjacency=graph)
    weighted = nx.to_numpy_array(graph)  # the graph's "weight" attributes, as networkx reads them
    from_matrix = GNNClassifier(**FAST, device="cpu").fit(X, partial, adjacency=weighted)
    np.testing.assert_array_equal(from_graph.transduction_, from_matrix.transduction_)
    calls = training_spy.calls
    with pytest.raises(ValueError, match="among them 'zero'.*convert_node_labels_to_integers"):
        GNNClassifier(**FAST).fit(X, partial, adjacency=nx.relabel_nodes(graph, {0: "zero"}))
    assert training_spy.calls == calls


def test_the_unlabelled_marker_written_as_a_string_is_not_a_class(training_spy):
    X, adjacency, clubs = _karate()
    partial = _one_label_per_club(clubs)
    names = np.where(partial == -1, "-1", np.where(partial == 1, "officer", "instructor"))
    with pytest.raises(ValueError, match="set unlabelled_label='-1'"):
        GNNClassifier(**FAST).fit(X, names, adjacency=adjacency)
    assert training_spy.calls == 0
    fitted = GNNClassifier(**FAST, unlabelled_label="-1", device="cpu")
    assert fitted.fit(X, names, adjacency=adjacency).classes_.tolist() == ["instructor", "officer"]
