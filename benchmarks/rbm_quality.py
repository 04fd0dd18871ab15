"""Quality and fit time of the RBM family, against scikit-learn's BernoulliRBM and MLPClassifier.

Two parts, each printed as a table and, with ``--write-docs``, written to
``docs/_bench/rbm_<part>.rst``:

``rbm``
    RBMTransformer and scikit-learn's BernoulliRBM on binarised digits
    (``load_digits() / 16 > 0.5``, as scikit-learn's "RBM features for
    digit classification" example; a fixed stratified 80/20 split), at the
    same n_components (256), batch size (10), rate (0.1) and epochs (10):
    mean test pseudo-likelihood, accuracy of a LogisticRegression on the
    hidden probabilities (next to one on the raw pixels), and the median fit
    time of interleaved repeats on one thread.  Target: RBMTransformer fits
    faster than BernoulliRBM.  Also draws the 256 learnt filters of
    RBMTransformer to ``docs/_bench/rbm_filters.png``.
``dbn``
    DBNClassifier (its defaults, ``max_iter=30``) and scikit-learn's
    MLPClassifier (``max_iter=300``) on digits scaled to [0, 1]: 5-fold
    stratified cross-validation accuracy (shuffled, ``random_state=0``).
    Target: DBNClassifier >= 97 %.

Usage::

    python benchmarks/rbm_quality.py           # both parts (about 4 minutes, 2 cores)
    python benchmarks/rbm_quality.py --quick   # smoke run (seconds; no targets)
    python benchmarks/rbm_quality.py --write-docs
"""

import argparse
import functools
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.neural_network import BernoulliRBM
from sklearn.neural_network import MLPClassifier as SklearnMLP

from sknets import DBNClassifier, RBMTransformer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import (  # noqa: E402
    DOCS_DIR,
    interleaved_samples,
    log,
    quality_page,
    run_parts,
    selected_parts,
    start_timed_run,
)

PARTS = ("rbm", "dbn")
RBM_SETTINGS = {"n_components": 256, "batch_size": 10, "learning_rate": 0.1, "epochs": 10}


def binarised_digits():
    X, y = load_digits(return_X_y=True)
    X = (X / 16 > 0.5).astype(np.float64)
    return train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)


class SknetsRBM:
    name = "RBMTransformer"

    @staticmethod
    def make(epochs, seed):
        return RBMTransformer(
            n_components=RBM_SETTINGS["n_components"],
            batch_size=RBM_SETTINGS["batch_size"],
            learning_rate_init=RBM_SETTINGS["learning_rate"],
            max_iter=epochs,
            random_state=seed,
            device="cpu",
        )


class SklearnRBM:
    name = "sklearn BernoulliRBM"

    @staticmethod
    def make(epochs, seed):
        return BernoulliRBM(
            n_components=RBM_SETTINGS["n_components"],
            batch_size=RBM_SETTINGS["batch_size"],
            learning_rate=RBM_SETTINGS["learning_rate"],
            n_iter=epochs,
            random_state=seed,
        )


def _draw_filters(rbm, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    components = rbm.components_
    side = int(np.ceil(np.sqrt(components.shape[0])))
    figure, axes = plt.subplots(side, side, figsize=(side * 0.5, side * 0.5))
    for index, axis in enumerate(axes.ravel()):
        axis.axis("off")
        if index < components.shape[0]:
            axis.imshow(components[index].reshape(8, 8), cmap="gray_r", interpolation="nearest")
    figure.suptitle("RBMTransformer filters (binarised digits)")
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)


def run_rbm(args):
    X_train, X_test, y_train, y_test = binarised_digits()
    epochs = 1 if args.quick else RBM_SETTINGS["epochs"]
    fitted = {}

    def fit_once(contender, seed):
        model = contender.make(epochs, seed)
        start = time.perf_counter()
        model.fit(X_train)
        elapsed = time.perf_counter() - start
        fitted[contender.name] = model
        return elapsed

    times = interleaved_samples(
        [SknetsRBM, SklearnRBM], fit_once, args.repeats, 0, log, "rbm fit time"
    )
    raw = LogisticRegression(max_iter=2000).fit(X_train, y_train).score(X_test, y_test)
    rows = [["raw pixels + LogisticRegression", "-", f"{100 * raw:.1f}", "-"]]
    medians = {}
    for contender in (SknetsRBM, SklearnRBM):
        model = fitted[contender.name]
        features = LogisticRegression(max_iter=2000).fit(model.transform(X_train), y_train)
        accuracy = features.score(model.transform(X_test), y_test)
        medians[contender.name] = statistics.median(times[contender.name])
        rows.append(
            [
                f"{contender.name} + LogisticRegression",
                f"{model.score_samples(X_test).mean():.2f}",
                f"{100 * accuracy:.1f}",
                f"{medians[contender.name]:.2f}",
            ]
        )
    ratio = medians[SknetsRBM.name] / medians[SklearnRBM.name]
    verdicts = [
        f"RBMTransformer fit time / BernoulliRBM fit time < 1: "
        f"{'met' if ratio < 1 else 'MISSED'} ({ratio:.2f}x)"
    ]
    if args.write_docs:
        _draw_filters(fitted[SknetsRBM.name], DOCS_DIR / "rbm_filters.png")
    settings = ", ".join(f"{key}={value}" for key, value in RBM_SETTINGS.items())
    intro = (
        "Binarised digits (``load_digits() / 16 > 0.5``), a stratified 80/20 split "
        f"(``random_state=0``); both RBMs with {settings}, float64 input; the "
        "pseudo-likelihood is the mean of ``score_samples`` on the test rows; fit times "
        f"are medians of {args.repeats} interleaved repeats after a warm-up, one thread."
    )
    return {
        "title": "RBM features on binarised digits",
        "intro": intro,
        "header": ("model", "test pseudo-likelihood", "test accuracy %", "fit (s)"),
        "rows": rows,
        "verdicts": verdicts,
    }


def run_dbn(args):
    X, y = load_digits(return_X_y=True)
    X = X / 16
    if args.quick:
        X, y = X[:300], y[:300]
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    models = {
        "DBNClassifier(max_iter=30)": DBNClassifier(
            max_iter=2 if args.quick else 30, random_state=0, device="cpu"
        ),
        "sklearn MLPClassifier(max_iter=300)": SklearnMLP(
            max_iter=20 if args.quick else 300, random_state=0
        ),
    }
    rows, scores = [], {}
    for name, model in models.items():
        start = time.perf_counter()
        fold_scores = 100 * cross_val_score(model, X, y, cv=folds)
        scores[name] = fold_scores.mean()
        rows.append(
            [
                name,
                f"{fold_scores.mean():.1f} ({fold_scores.std():.1f})",
                f"{time.perf_counter() - start:.0f}",
            ]
        )
        log(f"dbn {name}: {fold_scores.mean():.2f} %")
    dbn = scores["DBNClassifier(max_iter=30)"]
    verdicts = [f"DBNClassifier >= 97 %: {'met' if dbn >= 97 else 'MISSED'} ({dbn:.1f} %)"]
    intro = (
        "Digits scaled to [0, 1] (``load_digits() / 16``), 5-fold stratified "
        "cross-validation (shuffled, ``random_state=0``). DBNClassifier with its "
        "defaults: RBMs of 256 and 256 hidden units, each pre-trained for 10 epochs of "
        "persistent CD-1, then 30 epochs of fine-tuning by SGD with momentum."
    )
    return {
        "title": "Deep belief network on digits",
        "intro": intro,
        "header": ("model", "5-fold accuracy % (sd)", "total time (s)"),
        "rows": rows,
        "verdicts": verdicts,
    }


RUNNERS = {"rbm": run_rbm, "dbn": run_dbn}


def format_rst(part, result, env):
    page = quality_page("rbm_quality.py", part, result, env)
    if part == "rbm":
        page += "\n.. image:: /_bench/rbm_filters.png\n   :alt: The filters RBMTransformer learnt\n"
    return page


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", default=",".join(PARTS), help="rbm, dbn or both")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats (default 5)")
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny settings")
    parser.add_argument(
        "--write-docs", action="store_true", help=f"write {DOCS_DIR}/rbm_<part>.rst"
    )
    args = parser.parse_args(argv)
    parts = selected_parts(parser, args, PARTS)
    if args.quick:
        args.repeats = 1
    if args.write_docs and args.quick:
        parser.error("--write-docs needs the full settings")
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    torch.set_num_threads(1)
    env = start_timed_run(1, args.repeats, args.quick, log)
    runners = {part: functools.partial(RUNNERS[part], args) for part in parts}
    run_parts(runners, parts, env, format_rst, "rbm", args.write_docs)


if __name__ == "__main__":
    main()
