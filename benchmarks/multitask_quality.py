"""Multi-task heads: one network for three digit tasks against three separate networks.

One part, printed as a table and, with ``--write-docs``, written to
``docs/_bench/multitask_digits.rst``:

``digits``
    scikit-learn's digits with three related tasks per image: the digit,
    its parity and whether it is above 4 (a 2-D y of three columns).  One
    multi-task MLPClassifier (a shared hidden layer, one softmax block per
    task, the three cross-entropies summed) against MultiOutputClassifier
    of three separate MLPClassifiers of the same settings, and
    MultiOutputClassifier of scikit-learn's MLPClassifier as the anchor:
    test accuracy of each task and of all three at once (mean and standard
    deviation over seeds), median fit time, one thread.  A fixed stratified
    70/30 split (``random_state=0``), pixels standardised on the training
    rows.  Targets: the multi-task network is within 1 point of the
    separate networks on every task, and fits faster than they do.

Usage::

    python benchmarks/multitask_quality.py           # about 30 seconds on one core
    python benchmarks/multitask_quality.py --quick   # smoke run (seconds; no targets)
    python benchmarks/multitask_quality.py --write-docs
"""

import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.preprocessing import StandardScaler

from sknets import MLPClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import log, seeded_quality_main  # noqa: E402

PARTS = ("digits",)
TASKS = ("digit", "parity", "above 4")
SETTINGS = {"hidden_layer_sizes": (128,), "max_iter": 200}


def digit_tasks(quick):
    """Standardised train/test pixels and y = (digit, parity, above 4) as integer columns."""
    X, digit = load_digits(return_X_y=True)
    y = np.column_stack([digit, digit % 2, (digit > 4).astype(int)])
    if quick:
        X, y = X[:400], y[:400]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=digit[: len(X)], random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def contenders(max_iter):
    """Name -> function(seed) making an unfitted model of the same network settings."""
    settings = {**SETTINGS, "max_iter": max_iter}

    def sknets_mlp(seed):
        return MLPClassifier(**settings, random_state=seed, device="cpu")

    return {
        "one multi-task MLPClassifier": sknets_mlp,
        "MultiOutputClassifier(3 x MLPClassifier)": lambda seed: MultiOutputClassifier(
            sknets_mlp(seed)
        ),
        "MultiOutputClassifier(3 x sklearn MLPClassifier)": lambda seed: MultiOutputClassifier(
            SklearnMLP(**settings, random_state=seed)
        ),
    }


def run_digits(args):
    X_train, X_test, y_train, y_test = digit_tasks(args.quick)
    seeds = range(args.seeds)
    models = contenders(5 if args.quick else SETTINGS["max_iter"])
    accuracies = {name: [] for name in models}  # per seed: the tasks', then all three
    times = {name: [] for name in models}
    for seed in seeds:
        # The contenders in a rotated order, so that load drifting over the run favours none.
        names = list(models)
        names = names[seed % len(names) :] + names[: seed % len(names)]
        for name in names:
            model = models[name](seed)
            start = time.perf_counter()
            model.fit(X_train, y_train)
            times[name].append(time.perf_counter() - start)
            predicted = model.predict(X_test)
            right = predicted == y_test
            accuracies[name].append([*right.mean(axis=0), right.all(axis=1).mean()])
        log(f"digits: seed {seed} done")
    rows, means = [], {}
    for name in models:
        scores = 100 * np.array(accuracies[name])
        means[name] = scores.mean(axis=0)
        cells = [f"{m:.1f} ({s:.1f})" for m, s in zip(means[name], scores.std(axis=0), strict=True)]
        rows.append([name, *cells, f"{statistics.median(times[name]):.2f}"])
    multitask, separate = "one multi-task MLPClassifier", "MultiOutputClassifier(3 x MLPClassifier)"
    gaps = means[separate][: len(TASKS)] - means[multitask][: len(TASKS)]
    ratio = statistics.median(times[multitask]) / statistics.median(times[separate])
    verdicts = [
        "multi-task network within 1 point of the separate networks on every task: "
        f"{'met' if (gaps <= 1).all() else 'MISSED'} (largest shortfall {gaps.max():.1f} points)",
        f"multi-task fit time / separate networks' fit time < 1: "
        f"{'met' if ratio < 1 else 'MISSED'} ({ratio:.2f}x)",
    ]
    intro = (
        "scikit-learn's digits with three tasks per image (the digit, its parity, whether it "
        "is above 4), a stratified 70/30 split (``random_state=0``), pixels standardised on "
        f"the training rows. Every network has one hidden layer of "
        f"{SETTINGS['hidden_layer_sizes'][0]} ReLU units and trains with Adam for at most "
        f"{SETTINGS['max_iter']} epochs (scikit-learn's stopping rule); the multi-task one "
        "shares that layer between the tasks and sums their cross-entropies. Test accuracy % "
        f"as mean (standard deviation) over seeds 0-{args.seeds - 1}; fit times are medians "
        "over the seeds, one thread."
    )
    return {
        "title": "One multi-task network against one network per task, digits",
        "intro": intro,
        "header": ("model", *(f"{task} %" for task in TASKS), "all three %", "fit (s)"),
        "rows": rows,
        "verdicts": [] if args.quick else verdicts,
    }


RUNNERS = {"digits": run_digits}


def main(argv=None):
    seeded_quality_main(__doc__, "multitask_quality.py", "multitask", RUNNERS, argv, quick_seeds=2)


if __name__ == "__main__":
    main()
