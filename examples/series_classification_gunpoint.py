"""Time-series classification: FCN and ResNet on the UCR GunPoint data set.

GunPoint (50 training and 150 test series of length 150, two classes) ships
in ``data/ucr/`` with its official split.  Series are passed as
``(n_series, n_channels, n_timepoints)`` arrays, the layout of aeon and of
PyTorch's Conv1d; string labels come back as strings.  Fawaz et al. (2019)
report 100.0 % (FCN) and 99.1 % (ResNet) test accuracy, means of 10 runs.

Both train as in that study: batches of a tenth of the training set (5
series), Adam at 1e-3, the learning rate halved whenever the training loss
stalls for 50 epochs, down to 1e-4, for 2,000 (FCN) and 1,500 (ResNet)
epochs, keeping the weights of the lowest training loss (FCNClassifier's
defaults but for the batch; ResNetClassifier, which also takes images, is
given them all), a long run on one CPU core (docs/_bench/cnn_ucr.rst gives
the times); ``--quick`` trains with ``learning_rate="adaptive"`` instead,
which stops once the rate falls below 1e-6.

Run it with ``python examples/series_classification_gunpoint.py [--quick]
[--max-iter N]``.
"""

import argparse
import time
from pathlib import Path

import numpy as np

from sknets import FCNClassifier, ResNetClassifier

DATA = Path(__file__).resolve().parents[1] / "data" / "ucr" / "GunPoint.npz"


def main(quick=False, max_iter=None):
    """Print each model's test accuracy; ``max_iter`` caps the epochs."""
    data = np.load(DATA)
    X_train, y_train = data["X_train"], data["y_train"]
    X_test, y_test = data["X_test"], data["y_test"]
    print(f"GunPoint: train {X_train.shape}, test {X_test.shape}, classes {np.unique(y_train)}")
    schedule = {"learning_rate": "adaptive"} if quick else {}
    batch_size = len(X_train) // 10
    for model in (
        FCNClassifier(batch_size=batch_size, random_state=0, **schedule),
        ResNetClassifier(
            batch_size=batch_size,
            learning_rate="plateau",
            n_iter_no_change=50,
            max_iter=1500,
            random_state=0,
        ).set_params(**schedule),
    ):
        if max_iter is not None:
            model.set_params(max_iter=max_iter)
        start = time.perf_counter()
        model.fit(X_train, y_train)
        elapsed = time.perf_counter() - start
        print(
            f"{type(model).__name__:>16}: test accuracy {model.score(X_test, y_test):.3f} "
            f"after {model.n_iter_} epochs ({elapsed:.0f} s on {model.device_})"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help='learning_rate="adaptive": stop on a low rate'
    )
    parser.add_argument("--max-iter", type=int, help="at most this many epochs")
    arguments = parser.parse_args()
    main(arguments.quick, arguments.max_iter)
