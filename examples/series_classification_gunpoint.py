"""Time-series classification: FCN and ResNet on the UCR GunPoint data set.

GunPoint (50 training and 150 test series of length 150, two classes) ships
in ``data/ucr/`` with its official split.  Series are passed as
``(n_series, n_channels, n_timepoints)`` arrays, the layout of aeon and of
PyTorch's Conv1d; string labels come back as strings.  Fawaz et al. (2019)
report 100.0 % (FCN) and 99.1 % (ResNet) test accuracy, means of 10 runs.

Both train as in that study: batches of 16, Adam at 1e-3, the learning rate
divided whenever the training loss stalls for 50 epochs, until it falls
below 1e-6 (FCNClassifier's defaults; ResNetClassifier, which also takes
images, is given them).  That is several hundred epochs: a few minutes on a
laptop CPU, seconds on a GPU.

Run it with ``python examples/series_classification_gunpoint.py``.
"""

import time
from pathlib import Path

import numpy as np

from sknets import FCNClassifier, ResNetClassifier

DATA = Path(__file__).resolve().parents[1] / "data" / "ucr" / "GunPoint.npz"


def main():
    data = np.load(DATA)
    X_train, y_train = data["X_train"], data["y_train"]
    X_test, y_test = data["X_test"], data["y_test"]
    print(f"GunPoint: train {X_train.shape}, test {X_test.shape}, classes {np.unique(y_train)}")
    for model in (
        FCNClassifier(random_state=0),
        ResNetClassifier(
            batch_size=16,
            learning_rate="adaptive",
            n_iter_no_change=50,
            max_iter=1500,
            random_state=0,
        ),
    ):
        start = time.perf_counter()
        model.fit(X_train, y_train)
        elapsed = time.perf_counter() - start
        print(
            f"{type(model).__name__:>16}: test accuracy {model.score(X_test, y_test):.3f} "
            f"after {model.n_iter_} epochs ({elapsed:.0f} s on {model.device_})"
        )


if __name__ == "__main__":
    main()
