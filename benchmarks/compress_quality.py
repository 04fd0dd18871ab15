"""Smaller models: size, speed and accuracy after quantisation and pruning.

One table, printed and, with ``--write-docs``, written to
``docs/_bench/compress.rst``.  Two models, each trained once
(random_state=0) and then compressed with :mod:`sknets.compress`:

* the digits MLP: scikit-learn's 8 x 8 digits (pixels / 16), a stratified
  75/25 split, MLPClassifier with one hidden layer of 256 units;
* the Fashion-MNIST CNN: the CNNClassifier of ``cnn_quality.py``'s
  ``fashion`` part (filters (32, 64), dense 128), trained on the first
  30,000 training images for 8 epochs and tested on the official 10,000.
  Needs the Debian package ``dataset-fashion-mnist`` (or ``--fashion-dir``).

Rows: the float model (the anchor of every ratio), ``quantize`` (int8
dynamic; the CNN's convolutions stay float), ``prune`` at 50 % and 90 %
(global L1), each also after a short fine-tune (``warm_start=True``, a few
epochs more).  Columns: pickle size in bytes and gzip-compressed (pruning
zeroes weights but stores them densely, with a mask, so only the
compressed file shrinks), the median time of ``predict`` on one row, the
rows per second of ``predict`` on 10,000 rows, and the test accuracy.

Usage::

    python benchmarks/compress_quality.py               # about 10 minutes, 1 thread
    python benchmarks/compress_quality.py --quick       # smoke run (under a minute)
    python benchmarks/compress_quality.py --write-docs
"""

import argparse
import gzip
import pickle
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sknets import CNNClassifier, MLPClassifier
from sknets.compress import prune, quantize

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import (  # noqa: E402
    DOCS_DIR,
    describe_machine,
    log,
    rst_table,
    start_timed_run,
    text_table,
)
from cnn_quality import CNN_ARCHITECTURE, load_fashion_mnist  # noqa: E402

HEADER = (
    "model",
    "variant",
    "pickle KiB",
    "gzip KiB",
    "size / float",
    "1-row predict (ms)",
    "latency / float",
    "rows/s (10,000 rows)",
    "throughput / float",
    "accuracy %",
)


def settings(quick):
    if quick:
        return {
            "mlp_epochs": 5,
            "cnn_rows": 2000,
            "cnn_epochs": 1,
            "fine_tune_epochs": 1,
            "latency_repeats": 20,
            "throughput_rows": 1000,
            "throughput_repeats": 1,
        }
    return {
        "mlp_epochs": 200,
        "cnn_rows": 30000,
        "cnn_epochs": 8,
        "fine_tune_epochs": 2,
        "latency_repeats": 200,
        "throughput_rows": 10000,
        "throughput_repeats": 3,
    }


def digits_data():
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


def fashion_data(directory, rows, quick):
    if quick and not (Path(directory) / "t10k-images-idx3-ubyte.gz").exists():
        # The smoke run exercises the CNN rows without the data set.
        log(f"{directory} has no Fashion-MNIST: the smoke run uses random 28 x 28 images")
        rng = np.random.default_rng(0)
        X = rng.normal(size=(rows + 500, 1, 28, 28)).astype(np.float32)
        y = rng.integers(0, 10, size=rows + 500)
        return X[:rows], X[rows:], y[:rows], y[rows:]
    X_train, y_train, X_test, y_test = load_fashion_mnist(directory)
    return X_train[:rows], X_test, y_train[:rows], y_test


def variants(model, X_train, y_train, fine_tune_epochs):
    """The float model, then each compressed one without and with a fine-tune."""
    yield "float", model
    for name, compress in [
        ("quantize (int8 dynamic)", quantize),
        ("prune 50 %", lambda est: prune(est, amount=0.5)),
        ("prune 90 %", lambda est: prune(est, amount=0.9)),
    ]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the CNN's convolutions stay float
            compressed = compress(model)
        yield name, compressed
        tuned = compress(model).set_params(warm_start=True, max_iter=fine_tune_epochs)
        yield f"{name} + {fine_tune_epochs}-epoch fine-tune", tuned.fit(X_train, y_train)


def measure(estimator, X_test, y_test, config):
    payload = pickle.dumps(estimator)
    one_row = X_test[:1]
    estimator.predict(one_row)  # first call measures the batch cost
    latencies = []
    for _ in range(config["latency_repeats"]):
        start = time.perf_counter()
        estimator.predict(one_row)
        latencies.append(time.perf_counter() - start)
    rows = np.resize(X_test, (config["throughput_rows"], *X_test.shape[1:]))
    durations = []
    for _ in range(config["throughput_repeats"]):
        start = time.perf_counter()
        estimator.predict(rows)
        durations.append(time.perf_counter() - start)
    return {
        "bytes": len(payload),
        "gzip": len(gzip.compress(payload)),
        "latency": statistics.median(latencies),
        "throughput": len(rows) / statistics.median(durations),
        "accuracy": estimator.score(X_test, y_test),
    }


def table_rows(model_name, model, data, config):
    X_train, X_test, y_train, y_test = data
    rows, anchor = [], None
    for variant, estimator in variants(model, X_train, y_train, config["fine_tune_epochs"]):
        result = measure(estimator, X_test, y_test, config)
        anchor = anchor or result
        log(f"{model_name} {variant}: {100 * result['accuracy']:.2f} %")
        rows.append(
            [
                model_name,
                variant,
                f"{result['bytes'] / 1024:.0f}",
                f"{result['gzip'] / 1024:.0f}",
                f"{result['bytes'] / anchor['bytes']:.2f}",
                f"{1000 * result['latency']:.2f}",
                f"{result['latency'] / anchor['latency']:.2f}",
                f"{result['throughput']:,.0f}",
                f"{result['throughput'] / anchor['throughput']:.2f}",
                f"{100 * result['accuracy']:.2f}",
            ]
        )
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny settings")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--fashion-dir", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--write-docs", action="store_true", help="write docs/_bench/compress.rst")
    args = parser.parse_args(argv)
    if args.write_docs and args.quick:
        parser.error("--write-docs needs the full settings (no --quick)")
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    torch.set_num_threads(args.threads)
    config = settings(args.quick)
    env = start_timed_run(args.threads, config["latency_repeats"], args.quick, log)
    start = time.perf_counter()

    digits = digits_data()
    mlp = MLPClassifier(
        hidden_layer_sizes=(256,), max_iter=config["mlp_epochs"], random_state=0, device="cpu"
    ).fit(digits[0], digits[2])
    rows = table_rows("digits MLP", mlp, digits, config)

    fashion = fashion_data(args.fashion_dir, config["cnn_rows"], args.quick)
    epochs = config["cnn_epochs"]
    cnn = CNNClassifier(
        **CNN_ARCHITECTURE,
        batch_size=128,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        random_state=0,
        device="cpu",
    ).fit(fashion[0], fashion[2])
    rows += table_rows("Fashion-MNIST CNN", cnn, fashion, config)

    print(f"\nCompressed models ({time.perf_counter() - start:.0f} s)\n")
    print(text_table(HEADER, rows), flush=True)
    if args.write_docs:
        intro = (
            f"{describe_machine(env)}.  The digits MLP: scikit-learn's 8 x 8 digits / 16, "
            "a stratified 75/25 split, MLPClassifier(hidden_layer_sizes=(256,)) trained "
            f"up to {config['mlp_epochs']} epochs.  The Fashion-MNIST CNN: CNNClassifier "
            "with filters (32, 64), 3 x 3 kernels, batch norm, dense 128, dropout 0.25, "
            f"trained {epochs} epochs on the first {config['cnn_rows']:,} training images "
            "(Adam 1e-3, batches of 128), tested on the official 10,000.  Each row "
            "compresses the float model with :mod:`sknets.compress`; a fine-tune continues "
            f"training for {config['fine_tune_epochs']} epochs (``warm_start=True``).  "
            "Sizes are of ``pickle.dumps(estimator)``, raw and gzip-compressed (pruning "
            "stores zeros densely, with a mask, so only the compressed file shrinks); "
            f"latency is the median of {config['latency_repeats']} ``predict`` calls on one "
            "row; throughput is ``predict`` on 10,000 rows (median of "
            f"{config['throughput_repeats']}).  Ratios are to the float model."
        )
        page = "\n".join(
            [
                ".. Generated by benchmarks/compress_quality.py --write-docs; do not edit by hand.",
                "",
                intro,
                "",
                *rst_table("Compressed models", HEADER, rows),
            ]
        )
        path = DOCS_DIR / "compress.rst"
        path.write_text(page)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
