"""Quality of AutoencoderTransformer on digits, against PCA and raw pixels.

One part, printed as a table and, with ``--write-docs``, written to
``docs/_bench/autoencoder_digits.rst`` (included by the family's docs page):

``digits``
    scikit-learn's 8 x 8 digits scaled to [0, 1], a fixed stratified 75/25
    split (``random_state=0``).  The dense AutoencoderTransformer and its
    convolutional variant (``input_shape=(1, 8, 8)``) with 16 components
    and their defaults otherwise, next to PCA with the same number of
    components: test reconstruction error (mean squared error per pixel),
    and the test accuracy of a LogisticRegression trained on the codes,
    next to one trained on the raw pixels.  Mean and standard deviation
    over 5 seeds (PCA and the raw pixels are deterministic).  Target: both
    autoencoders reconstruct better than PCA.

Usage::

    python benchmarks/autoencoder_quality.py               # about 5 minutes on 2 cores
    python benchmarks/autoencoder_quality.py --write-docs
    python benchmarks/autoencoder_quality.py --quick       # smoke run: 1 seed, 5 epochs
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from sknets import AutoencoderTransformer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import environment, quality_page, run_parts  # noqa: E402

N_COMPONENTS = 16
MODELS = {
    "AutoencoderTransformer (dense)": {},
    "AutoencoderTransformer (conv)": {"input_shape": (1, 8, 8)},
}


def load_split():
    X, y = load_digits(return_X_y=True)
    return train_test_split(
        (X / 16).astype(np.float32), y, test_size=0.25, random_state=0, stratify=y
    )


def _probe_accuracy(train_codes, y_train, test_codes, y_test):
    classifier = LogisticRegression(max_iter=5000).fit(train_codes, y_train)
    return 100 * classifier.score(test_codes, y_test)


def _autoencoder_run(name, seed, max_iter):
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    X_train, X_test, y_train, y_test = load_split()
    model = AutoencoderTransformer(
        n_components=N_COMPONENTS, random_state=seed, device="cpu", **MODELS[name]
    )
    if max_iter is not None:
        model.set_params(max_iter=max_iter)
    start = time.perf_counter()
    model.fit(X_train)
    elapsed = time.perf_counter() - start
    error = float(np.mean((model.inverse_transform(model.transform(X_test)) - X_test) ** 2))
    accuracy = _probe_accuracy(model.transform(X_train), y_train, model.transform(X_test), y_test)
    print(
        f"  {name} seed {seed}: mse {error:.5f}, accuracy {accuracy:.2f} %, "
        f"{model.n_iter_} epochs, {elapsed:.0f} s",
        file=sys.stderr,
        flush=True,
    )
    return error, accuracy, elapsed


def _mean_sd(values, digits):
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ({statistics.stdev(values):.{digits}f})"


def run_digits(args):
    X_train, X_test, y_train, y_test = load_split()
    start = time.perf_counter()
    pca = PCA(n_components=N_COMPONENTS).fit(X_train)
    pca_time = time.perf_counter() - start
    pca_error = float(np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2))
    pca_accuracy = _probe_accuracy(pca.transform(X_train), y_train, pca.transform(X_test), y_test)
    raw_accuracy = _probe_accuracy(X_train, y_train, X_test, y_test)
    tasks = [(name, seed) for seed in range(args.seeds) for name in MODELS]
    results = Parallel(n_jobs=args.jobs)(
        delayed(_autoencoder_run)(name, seed, args.max_iter) for name, seed in tasks
    )
    by_model = {
        name: [r for (n, _), r in zip(tasks, results, strict=True) if n == name] for name in MODELS
    }
    rows = [
        ["raw pixels (64)", "0", f"{raw_accuracy:.2f}", "-"],
        [f"PCA ({N_COMPONENTS})", f"{pca_error:.5f}", f"{pca_accuracy:.2f}", f"{pca_time:.2f}"],
    ]
    verdicts = []
    for name, runs in by_model.items():
        errors, accuracies, times = zip(*runs, strict=True)
        rows.append(
            [
                f"{name} ({N_COMPONENTS})",
                _mean_sd(errors, 5),
                _mean_sd(accuracies, 2),
                f"{statistics.mean(times):.1f}",
            ]
        )
        better = statistics.mean(errors) < pca_error
        verdicts.append(
            f"{name}: reconstruction error {statistics.mean(errors):.5f} "
            f"{'<' if better else '>='} PCA's {pca_error:.5f}: {'met' if better else 'NOT met'}"
        )
    return {
        "title": f"Digits (8 x 8, [0, 1]): {N_COMPONENTS} components, test split of 450 images",
        "header": [
            "model (components)",
            "test reconstruction MSE (sd)",
            "codes + LogisticRegression accuracy % (sd)",
            "fit time (s)",
        ],
        "rows": rows,
        "verdicts": verdicts,
        "intro": (
            f"scikit-learn's digits scaled to [0, 1], a stratified 75/25 split "
            f"(random_state=0); autoencoders with {N_COMPONENTS} components and their "
            f"defaults otherwise, seeds 0 to {args.seeds - 1}; the reconstruction error is "
            "the mean squared error per pixel of the test images; the accuracy is that of a "
            "LogisticRegression trained on the training codes.  Fit times are per run with "
            f"one thread, {args.jobs} runs in parallel."
        ),
    }


def format_rst(part, result, env):
    return quality_page("autoencoder_quality.py", part, result, env)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="parallel runs (default 2)")
    parser.add_argument("--seeds", type=int, default=5, help="seeds (default 5)")
    parser.add_argument("--max-iter", type=int, default=None, help="epochs cap (smoke runs)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 seed, 5 epochs")
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help="write docs/_bench/autoencoder_digits.rst",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.max_iter = 1, 5
    if args.write_docs and (args.seeds < 5 or args.max_iter is not None):
        parser.error("--write-docs needs the full settings")
    run_parts(
        {"digits": lambda: run_digits(args)},
        ["digits"],
        environment(1),
        format_rst,
        "autoencoder",
        args.write_docs,
    )


if __name__ == "__main__":
    main()
