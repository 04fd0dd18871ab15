"""Multi-task learning: one network answers three questions about each digit.

Every sknets classifier takes a 2-D y whose columns are separate tasks
(multiclass-multioutput targets): here the digit, its parity and whether it
is above 4.  The network shares its hidden layers between the tasks and
gives each one its own softmax output units; its loss is the sum of the
three cross-entropies, weighted by ``task_weights``.  ``predict`` returns
one column per task and ``predict_proba`` a list of probability arrays,
as scikit-learn's MultiOutputClassifier, which the script runs next to it
(three separate networks) for comparison.

Run it with ``python examples/multitask_digits.py``
(``--max-iter 2`` for a quick run with fewer epochs).
"""

import argparse
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknets import MLPClassifier

TASKS = ("digit", "parity", "above 4")


def digit_tasks():
    """Digits' pixels and a (n_samples, 3) y: the digit, "even"/"odd", "yes"/"no" for > 4."""
    X, digit = load_digits(return_X_y=True)
    y = np.column_stack(
        [digit, np.where(digit % 2, "odd", "even"), np.where(digit > 4, "yes", "no")]
    )
    return X, y


def main(max_iter=None):
    """Fit both models on 70 % of the digits and print each task's test accuracy."""
    X, y = digit_tasks()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y[:, 0]
    )
    network = MLPClassifier(hidden_layer_sizes=(128,), max_iter=max_iter or 200, random_state=0)
    models = {
        "one multi-task MLPClassifier": make_pipeline(StandardScaler(), network),
        "MultiOutputClassifier(3 x MLPClassifier)": make_pipeline(
            StandardScaler(), MultiOutputClassifier(network)
        ),
    }
    print(f"digits: {len(X_train)} training images, {len(X_test)} test; tasks {', '.join(TASKS)}")
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(X_train, y_train)
        elapsed = time.perf_counter() - start
        predicted = model.predict(X_test)
        accuracies = ", ".join(
            f"{task} {np.mean(predicted[:, i] == y_test[:, i]):.3f}" for i, task in enumerate(TASKS)
        )
        print(
            f"{name}: {accuracies}; all three right {model.score(X_test, y_test):.3f} "
            f"(fit {elapsed:.1f} s)"
        )
    multitask = models["one multi-task MLPClassifier"]
    proba = multitask.predict_proba(X_test[:1])
    print(
        "first test image: predicted",
        multitask.predict(X_test[:1])[0].tolist(),
        "with probabilities",
        [round(float(task_proba.max()), 3) for task_proba in proba],
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-iter", type=int, help="epochs of the networks")
    main(parser.parse_args().max_iter)
