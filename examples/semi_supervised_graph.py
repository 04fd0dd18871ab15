"""Semi-supervised node classification with a graph neural network.

Two graphs with very few labels, each classified by GNNClassifier (a GCN,
Kipf & Welling's defaults) next to scikit-learn's LabelSpreading:

* Zachary's karate club: 34 members, the friendships as the graph, one
  labelled member per club (the instructor and the president) and no node
  features (one-hot rows): which club does everyone else join?
* scikit-learn's digits with 5 % of the labels: the graph is the
  7-nearest-neighbour graph of the pixels, built by the estimator itself.

Unlabelled nodes are marked -1, as in sklearn.semi_supervised; after fit,
``transduction_`` holds every node's predicted label, and ``predict`` on
new rows links each to its nearest training nodes.

Usage::

    python examples/semi_supervised_graph.py                 # about 10 seconds
    python examples/semi_supervised_graph.py --max-iter 20   # a quick run
"""

import argparse

import networkx as nx
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.semi_supervised import LabelSpreading

from sknets import GNNClassifier


def karate_club(max_iter):
    graph = nx.karate_club_graph()
    clubs = np.array([graph.nodes[node]["club"] for node in graph.nodes])
    adjacency = nx.to_numpy_array(graph, weight=None)
    X = np.eye(34)  # no features: only the friendships tell the clubs apart
    partial = np.full(34, "-1", dtype=object)
    partial[[0, 33]] = clubs[[0, 33]]
    others = np.setdiff1d(np.arange(34), [0, 33])
    gnn = GNNClassifier(max_iter=max_iter, unlabelled_label="-1", random_state=0, device="cpu")
    gnn.fit(X, partial, adjacency=adjacency)
    # With one-hot rows, X @ A @ X.T is the adjacency: LabelSpreading on the same graph.
    labels = np.where(partial == "-1", -1, (partial == "Officer").astype(int))
    spreading = LabelSpreading(kernel=lambda P, Q: P @ adjacency @ Q.T).fit(X, labels)
    spread_clubs = np.array(["Mr. Hi", "Officer"])[spreading.transduction_]
    print(f"karate club: 34 members, {int(adjacency.sum() / 2)} friendships, 2 labels")
    for name, predicted in [
        ("GNNClassifier (GCN)", gnn.transduction_),
        ("LabelSpreading", spread_clubs),
    ]:
        print(
            f"  {name} accuracy on the other 32: {np.mean(predicted[others] == clubs[others]):.3f}"
        )


def digits(max_iter):
    X, y = load_digits(return_X_y=True)
    X = X / 16
    labelled, _ = train_test_split(np.arange(len(y)), train_size=0.05, stratify=y, random_state=0)
    partial = np.full(len(y), -1)
    partial[labelled] = y[labelled]
    unlabelled = partial == -1
    print(f"digits: {len(y)} images, {len(labelled)} labelled, 7-nearest-neighbour graph")
    gnn = GNNClassifier(max_iter=max_iter, random_state=0, device="cpu")
    for name, model in [
        ("GNNClassifier (GCN)", gnn),
        ("LabelSpreading (knn)", LabelSpreading(kernel="knn", n_neighbors=7)),
    ]:
        model.fit(X, partial)
        accuracy = np.mean(model.transduction_[unlabelled] == y[unlabelled])
        print(f"  {name} accuracy on the unlabelled images: {accuracy:.3f}")
    new = X[:5] + np.random.RandomState(0).normal(0, 0.05, size=(5, 64))  # noisy copies
    print(f"  GNNClassifier on 5 new rows: {gnn.predict(new)} (true {y[:5]})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-iter", type=int, default=200, help="epochs (default 200)")
    args = parser.parse_args(argv)
    karate_club(args.max_iter)
    digits(args.max_iter)


if __name__ == "__main__":
    main()
