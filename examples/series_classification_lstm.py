"""Time-series classification with recurrent and transformer networks.

ItalyPowerDemand (``data/ucr/``: 67 training and 1,029 test days of Italian
electricity demand, 24 hourly values each, two classes: October to March
or April to September) with its official split.  The LSTM, the GRU and the
transformer run with their defaults; Fawaz et al. (2019) report 95.4 %
(MLP), 96.1 % (FCN) and 96.3 % (ResNet) test accuracy.

The second part shows variable-length series: each test day is cut to its
first 12 to 24 hours and padded with NaN at its end, which the networks
mask (the predictions are those of the shorter series).

Run it with ``python examples/series_classification_lstm.py [--max-iter N]``.
"""

import argparse
import time
from pathlib import Path

import numpy as np

from sknets import GRUClassifier, LSTMClassifier, TransformerClassifier

DATA = Path(__file__).resolve().parents[1] / "data" / "ucr" / "ItalyPowerDemand.npz"


def main(max_iter=200):
    """Print each model's test accuracy, then its accuracy on NaN-padded shorter days."""
    data = np.load(DATA)
    X_train, y_train = data["X_train"], data["y_train"]
    X_test, y_test = data["X_test"], data["y_test"]
    print(f"ItalyPowerDemand: train {X_train.shape}, test {X_test.shape}")
    models = [
        LSTMClassifier(max_iter=max_iter, random_state=0),
        GRUClassifier(max_iter=max_iter, random_state=0),
        TransformerClassifier(max_iter=max_iter, random_state=0),
    ]
    rng = np.random.RandomState(0)
    hours = rng.randint(12, 25, size=len(X_test))
    shorter = X_test.copy()
    for day, kept in enumerate(hours):
        shorter[day, :, kept:] = np.nan  # trailing NaN: padding
    for model in models:
        start = time.perf_counter()
        model.fit(X_train, y_train)
        elapsed = time.perf_counter() - start
        print(
            f"{type(model).__name__:>22}: test accuracy {model.score(X_test, y_test):.3f} "
            f"after {model.n_iter_} epochs ({elapsed:.0f} s); on days cut to 12-24 hours "
            f"{model.score(shorter, y_test):.3f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-iter", type=int, default=200, help="at most this many epochs")
    main(parser.parse_args().max_iter)
