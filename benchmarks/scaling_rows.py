"""Fit and predict time against the number of rows, with peak memory.

* Fit: ``MLPClassifier(hidden_layer_sizes=(64, 64), batch_size=256)`` on
  10^4, 10^5 and 10^6 rows x 20 float32 features held in memory, 2 epochs;
  time per epoch (the whole fit from NumPy arrays over the epochs) and the
  peak resident memory (RSS) the fit added to the process.
* Predict: the fitted model predicts 10^5, 10^6 and 10^7 rows read from a
  numpy memmap in chunks of 10^6 rows (each chunk's memmap closed after
  use, the labels written to an output memmap); predict time, the peak RSS
  it added, and the peak of the memory it allocated (RSS without the
  memmaps' file pages, which the system reclaims when it needs them).

Every measurement runs in a fresh process (one thread), so each peak RSS is
its own.  The table and a plot (``docs/_bench/scaling_rows.png``) go to the
docs with ``--write-docs``.

Usage::

    python benchmarks/scaling_rows.py               # full run: the tables (~10 min, 1 GB disk)
    python benchmarks/scaling_rows.py --write-docs  # ... and docs/_bench/scaling_rows.rst, .png
    python benchmarks/scaling_rows.py --quick       # smoke run: 10^3-10^4 fit, 10^4-10^5 predict
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning

import sknets

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import (  # noqa: E402
    DOCS_DIR,
    describe_machine,
    log,
    rst_table,
    start_timed_run,
    text_table,
)

DOCS_PATH = DOCS_DIR / "scaling_rows.rst"
PLOT_PATH = DOCS_DIR / "scaling_rows.png"
REPO = Path(__file__).resolve().parents[1]
N_FEATURES = 20
EPOCHS = 2
CHUNK_ROWS = 1_000_000
WRITE_ROWS = 1_000_000  # rows generated at a time when writing a memmap


def rows_of(seed, start, stop):
    """Rows ``start:stop`` of an endless, reproducible problem: X and its label."""
    rng = np.random.default_rng([seed, start])
    X = rng.normal(size=(stop - start, N_FEATURES)).astype(np.float32)
    return X, (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(np.int64)


def reset_peak_rss():
    """Reset Linux's peak RSS (VmHWM) to the current RSS, where the kernel allows it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_rss_mib():
    """The peak RSS since the last reset (VmHWM), else since the process started."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def anonymous_rss_mib():
    """The process's resident memory that no file backs (RssAnon): its own allocations."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class AnonymousPeak:
    """The peak of :func:`anonymous_rss_mib` within the block, sampled every 2 ms.

    Pages of a memmap that were read count in the resident memory (RSS)
    until the system reclaims them, although they are the file's cache, not
    memory the process allocated; this peak leaves them out.
    """

    def __enter__(self):
        import threading

        self.before = self.peak = anonymous_rss_mib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, anonymous_rss_mib())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, anonymous_rss_mib())
        self.added = self.peak - self.before


def make_estimator(seed):
    return sknets.MLPClassifier(
        hidden_layer_sizes=(64, 64),
        batch_size=256,
        max_iter=EPOCHS,
        tol=0.0,
        n_iter_no_change=EPOCHS + 1,
        random_state=seed,
    )


def fit_worker(n_rows, seed, model_path):
    """Fit on ``n_rows`` in memory; time per epoch and the peak RSS beyond the data."""
    X, y = rows_of(seed, 0, n_rows)
    make_estimator(seed).set_params(max_iter=1).fit(X[:1_000], y[:1_000])  # warm-up
    reset_peak_rss()
    before = current_rss_mib()
    start = time.perf_counter()
    estimator = make_estimator(seed).fit(X, y)
    elapsed = time.perf_counter() - start
    X_test, y_test = rows_of(seed + 1, 0, 10_000)
    if model_path:
        import joblib

        joblib.dump(estimator, model_path)
    return {
        "epoch": elapsed / estimator.n_iter_,
        "peak_added": peak_rss_mib() - before,
        "accuracy": estimator.score(X_test, y_test),
    }


def predict_worker(n_rows, seed, model_path, folder):
    """Predict ``n_rows`` from a memmap, chunk by chunk, into an output memmap."""
    import joblib

    path = Path(folder) / "rows.f32"
    table = np.memmap(path, np.float32, "w+", shape=(n_rows, N_FEATURES))
    for start in range(0, n_rows, WRITE_ROWS):
        stop = min(start + WRITE_ROWS, n_rows)
        table[start:stop] = rows_of(seed + 2, start, stop)[0]
    table.flush()
    del table
    estimator = joblib.load(model_path)
    estimator.predict(np.zeros((10, N_FEATURES), np.float32))  # warm-up
    labels = np.memmap(Path(folder) / "labels.i64", np.int64, "w+", shape=(n_rows,))
    # The writing above raised the peak; measure the prediction's own from here.
    reset_peak_rss()
    before = current_rss_mib()
    with AnonymousPeak() as anonymous:
        start = time.perf_counter()
        for first in range(0, n_rows, CHUNK_ROWS):
            count = min(CHUNK_ROWS, n_rows - first)
            chunk = np.memmap(
                path, np.float32, "r", offset=first * N_FEATURES * 4, shape=(count, N_FEATURES)
            )
            labels[first : first + count] = estimator.predict(chunk)
            del chunk
        labels.flush()
        elapsed = time.perf_counter() - start
    return {
        "predict": elapsed,
        "peak_added": peak_rss_mib() - before,
        "anonymous_added": anonymous.added,
    }


def run_worker(kind, n_rows, seed, model_path, folder):
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker", kind,
        "--rows", str(n_rows),
        "--seed", str(seed),
        "--model", str(model_path),
        "--folder", str(folder),
    ]  # fmt: skip
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    finished = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(finished.stdout.strip().splitlines()[-1])


def measure(fit_rows, predict_rows, seed):
    with tempfile.TemporaryDirectory() as folder:
        model_path = Path(folder) / "model.joblib"
        fits = []
        for n_rows in fit_rows:
            # The model of the largest fit predicts below.
            fits.append({"rows": n_rows, **run_worker("fit", n_rows, seed, model_path, folder)})
            log(f"fit {n_rows:,} rows: {fits[-1]}")
        predictions = []
        for n_rows in predict_rows:
            result = run_worker("predict", n_rows, seed, model_path, folder)
            predictions.append({"rows": n_rows, **result})
            log(f"predict {n_rows:,} rows: {predictions[-1]}")
    return fits, predictions


FIT_HEADER = ["rows", "fit time / epoch (s)", "peak memory added (MiB)", "test accuracy"]
PREDICT_HEADER = [
    "rows (memmap)",
    "predict time (s)",
    "rows / s",
    "peak memory added (MiB)",
    "of which allocated, not file pages (MiB)",
]


def fit_cells(fits):
    return [
        [
            f"{row['rows']:,}",
            f"{row['epoch']:.3f}",
            f"{row['peak_added']:.0f}",
            f"{row['accuracy']:.4f}",
        ]
        for row in fits
    ]


def predict_cells(predictions):
    return [
        [
            f"{row['rows']:,}",
            f"{row['predict']:.2f}",
            f"{row['rows'] / row['predict']:,.0f}",
            f"{row['peak_added']:.0f}",
            f"{row['anonymous_added']:.0f}",
        ]
        for row in predictions
    ]


def plot(fits, predictions, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(12, 3.6))
    left.loglog([r["rows"] for r in fits], [r["epoch"] for r in fits], "o-")
    left.set(xlabel="training rows", ylabel="fit time per epoch (s)", title="fit")
    middle.loglog([r["rows"] for r in predictions], [r["predict"] for r in predictions], "o-")
    middle.set(xlabel="rows predicted (memmap)", ylabel="predict time (s)", title="predict")
    right.semilogx(
        [r["rows"] for r in fits], [r["peak_added"] for r in fits], "o-", label="fit (in memory)"
    )
    right.semilogx(
        [r["rows"] for r in predictions],
        [r["peak_added"] for r in predictions],
        "s-",
        label="predict (memmap chunks)",
    )
    right.semilogx(
        [r["rows"] for r in predictions],
        [r["anonymous_added"] for r in predictions],
        "^--",
        label="predict, allocated (no file pages)",
    )
    right.set(xlabel="rows", ylabel="peak memory added (MiB)", title="memory")
    right.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def format_rst(fits, predictions, env):
    return "\n".join(
        [
            ".. Generated by benchmarks/scaling_rows.py --write-docs; do not edit by hand.",
            "",
            f"{describe_machine(env)}, each measurement in a fresh process.  Fit: "
            f"MLPClassifier (64, 64), batch 256, {EPOCHS} epochs, {N_FEATURES} features in "
            "memory.  Predict: the model of the largest fit, over a float32 memmap read in "
            f"chunks of {CHUNK_ROWS:,} rows into an output memmap.  Peak memory added is the "
            "peak resident memory beyond the process's before the call; the memmaps' pages "
            "that were read or written count in it until the system reclaims them.  The "
            "allocated part leaves them out: the peak of the memory no file backs "
            "(``RssAnon``, sampled every 2 ms).",
            "",
            *rst_table("Fit time against rows", FIT_HEADER, fit_cells(fits)),
            *rst_table("Predict time against rows", PREDICT_HEADER, predict_cells(predictions)),
            ".. image:: /_bench/scaling_rows.png",  # from the source root: the page includes it
            "   :alt: Fit time per epoch, predict time and peak memory against rows",
            "",
        ]
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small row counts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", default=None, help="also write the plot to this path")
    parser.add_argument(
        "--write-docs", action="store_true", help=f"write {DOCS_PATH} and {PLOT_PATH}"
    )
    parser.add_argument("--worker", choices=["fit", "predict"], help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        torch.set_num_threads(1)
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        if args.worker == "fit":
            result = fit_worker(args.rows, args.seed, args.model)
        else:
            result = predict_worker(args.rows, args.seed, args.model, args.folder)
        print(json.dumps(result))
        return
    if args.write_docs and args.quick:
        parser.error("--write-docs needs a full run (no --quick)")
    fit_rows = [1_000, 10_000] if args.quick else [10_000, 100_000, 1_000_000]
    predict_rows = [10_000, 100_000] if args.quick else [100_000, 1_000_000, 10_000_000]
    env = start_timed_run(1, 1, args.quick, log)
    fits, predictions = measure(fit_rows, predict_rows, args.seed)
    print()
    print(text_table(FIT_HEADER, fit_cells(fits)))
    print()
    print(text_table(PREDICT_HEADER, predict_cells(predictions)))
    if args.plot:
        plot(fits, predictions, args.plot)
        print(f"\nwrote {args.plot}")
    if args.write_docs:
        DOCS_PATH.parent.mkdir(parents=True, exist_ok=True)
        plot(fits, predictions, PLOT_PATH)
        DOCS_PATH.write_text(format_rst(fits, predictions, env))
        print(f"\nwrote {DOCS_PATH} and {PLOT_PATH}")


if __name__ == "__main__":
    main()
