"""Anomaly detection with an autoencoder's reconstruction error.

An AutoencoderTransformer learns to reconstruct the digits 0 to 4 (8 x 8
images scaled to [0, 1]); ``score_samples`` (the negative reconstruction
error) then ranks held-out images: digits of the classes it saw score high,
the digits 5 to 9 and corrupted images (a block of pixels blanked) score
low.  Its ROC AUC at telling them apart is printed next to two baselines:
PCA's reconstruction error with the same number of components, and an
IsolationForest.

Run: ``python examples/anomaly_detection_autoencoder.py [--max-iter N]``.
"""

import argparse
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from sknets import AutoencoderTransformer

N_COMPONENTS = 8


def pca_scores(pca, X):
    """Negative reconstruction error of PCA, as score_samples is for the autoencoder."""
    return -np.mean((pca.inverse_transform(pca.transform(X)) - X) ** 2, axis=1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-iter", type=int, default=200)
    args = parser.parse_args(argv)

    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    normal, novel = X[y < 5], X[y >= 5]
    X_train, X_normal = train_test_split(normal, test_size=0.3, random_state=0)
    rng = np.random.RandomState(0)
    X_novel = novel[rng.choice(len(novel), len(X_normal), replace=False)]
    corrupted = X_normal.reshape(-1, 8, 8).copy()
    rows = rng.randint(0, 5, size=len(corrupted))
    for image, row in zip(corrupted, rows, strict=True):
        image[row : row + 4, 2:6] = 0.0  # a 4 x 4 block blanked
    X_corrupted = corrupted.reshape(len(corrupted), -1)
    print(
        f"digits 0-4: {len(X_train)} training images; test: {len(X_normal)} normal, "
        f"{len(X_novel)} of the digits 5-9, {len(X_corrupted)} corrupted"
    )

    start = time.perf_counter()
    autoencoder = AutoencoderTransformer(
        n_components=N_COMPONENTS, max_iter=args.max_iter, random_state=0, device="cpu"
    ).fit(X_train)
    print(f"AutoencoderTransformer: fitted in {time.perf_counter() - start:.1f} s")
    pca = PCA(n_components=N_COMPONENTS).fit(X_train)
    forest = IsolationForest(random_state=0).fit(X_train)
    scorers = {
        "AutoencoderTransformer": autoencoder.score_samples,
        f"PCA ({N_COMPONENTS} components)": lambda X: pca_scores(pca, X),
        "IsolationForest": forest.score_samples,
    }
    for anomalies, label in ((X_novel, "digits 5-9"), (X_corrupted, "corrupted images")):
        truth = np.r_[np.zeros(len(X_normal)), np.ones(len(anomalies))]
        for name, score in scorers.items():
            # Lower scores are more anomalous: the AUC ranks the minus scores.
            auc = roc_auc_score(truth, -np.r_[score(X_normal), score(anomalies)])
            print(f"{label}: {name}: ROC AUC {auc:.3f}")


if __name__ == "__main__":
    main()
