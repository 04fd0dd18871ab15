"""What one training epoch of every public estimator costs on a CPU thread.

Every estimator of :func:`sknets.utils.all_estimators` is fit with its
defaults (plus ``random_state=0``, ``device="cpu"``, what its data need,
such as ``input_shape``, ``vocab_size``, ``module``, ``class_attributes``
or ``branches``, and ``max_iter``) on the data set of its quality
benchmark, so that the "Choosing an estimator" page can put the time next
to that benchmark's accuracy.  An estimator without a quality benchmark
uses the data of its family's closest one; a regressor gets its
classifier's inputs with the class number, or the digit's value, as the
target.  The data set column says which.

How it measures: one thread (``torch.set_num_threads(1)`` and
threadpoolctl limits of 1 for BLAS and OpenMP), one fit of
``1 + --epochs`` epochs; the first epoch is a warm-up, the time per epoch
is the median of the durations the fit records for the others
(``history_[:, "dur"]``, from the start to the end of each epoch: the
batches, the epoch's loss and stopping rule).  The fixed cost of a fit
(input validation, building the network, the greedy pre-training of the
lower RBMs of a deep belief network) is left out of it; the text table
shows it as the wall-clock time of the fit minus its epochs.  Also
recorded: the trainable parameters of every fitted network (``_modules()``,
a GAN's generator and discriminator together) and the training rows.

Estimators whose default network makes an epoch on Fashion-MNIST take
minutes here (ResNet-18, VGG-11, MobileNetV2) train on fewer rows, not
on smaller networks; the data set column gives the rows.

Usage::

    python benchmarks/estimator_costs.py                  # all estimators (~15 minutes on 2 cores)
    python benchmarks/estimator_costs.py --write-docs     # and writes docs/_bench/estimator_costs.*
    python benchmarks/estimator_costs.py --quick          # smoke run: few rows, 1 timed epoch
    python benchmarks/estimator_costs.py --only GPTGenerator,VGGClassifier --write-docs
"""

import argparse
import functools
import json
import statistics
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import sknets
from sknets.networks import MLP
from sknets.utils import all_estimators

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import DOCS_DIR, describe_machine, environment, log, rst_table, text_table  # noqa: E402
from autoencoder_quality import load_split as autoencoder_digits  # noqa: E402
from cnn_quality import load_fashion_mnist  # noqa: E402
from forecasting import seasonal_data  # noqa: E402
from fusion_quality import digits_with_tokens  # noqa: E402
from generative_quality import N_POINTS, ring_points  # noqa: E402
from gnn_quality import LABELLED_FRACTION  # noqa: E402
from gpt_quality import split_hamlet  # noqa: E402
from rbm_quality import binarised_digits  # noqa: E402
from recommender_quality import movielens_ratings  # noqa: E402
from zeroshot_quality import seven_segment_table  # noqa: E402
from zeroshot_quality import split as zeroshot_split  # noqa: E402

# fusion_quality.py's branches, from the example that defines them.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
from fusion_digits_tokens import (  # noqa: E402
    IMAGE_COLUMNS,
    TOKEN_COLUMNS,
    image_model,
    token_model,
)

ROOT = Path(__file__).resolve().parents[1]
RST_PATH = DOCS_DIR / "estimator_costs.rst"
JSON_PATH = DOCS_DIR / "estimator_costs.json"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
TIMED_EPOCHS = 3
QUICK_ROWS = 200


# ---------------------------------------------------------------- data sets
@dataclass
class Data:
    """Training data of one measurement: ``fit(X)`` without ``y``, else ``fit(X, y)``."""

    name: str
    X: object
    y: object = None
    rows: int = 0
    note: str = ""


def _head(array, rows):
    return None if array is None else array[:rows]


def _data(name, X, y=None, rows=None, note=""):
    """The first ``rows`` rows of (X, y) (all with None), named with their count."""
    X, y = (X, y) if rows is None else (_head(X, rows), _head(y, rows))
    return Data(name.format(rows=f"{len(X):,}"), X, y, len(X), note)


@functools.cache
def _fashion():
    X_train, y_train, _, _ = load_fashion_mnist(FASHION_DIR)
    return X_train, y_train


def fashion(rows, regression=False):
    """The first ``rows`` Fashion-MNIST training images of cnn_quality.py's fashion part."""
    X, y = _fashion()
    target = y.astype(np.float32) if regression else y
    note = "target: the class number" if regression else ""
    return _data("Fashion-MNIST ({rows} images)", X, target, rows, note)


def digits(rows, regression=False):
    """cnn_quality.py's digits part: the 8 x 8 digits, standardised."""
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    target = y.astype(np.float32) if regression else y
    note = "target: the digit's value" if regression else ""
    return _data("digits ({rows} images, standardised)", X, target, rows, note)


def gunpoint(rows, regression=False):
    """UCR GunPoint's training split (the ucr parts of sequence_quality.py and cnn_quality.py)."""
    data = np.load(ROOT / "data" / "ucr" / "GunPoint.npz")
    name = "UCR GunPoint ({rows} series of 150 steps)"
    y = data["y_train"]
    if regression:
        # A numeric target the series determine: each series' mean.
        return _data(
            name,
            data["X_train"],
            data["X_train"].mean(axis=(1, 2)),
            rows,
            "target: the series' mean",
        )
    return _data(name, data["X_train"], y, rows)


def seasonal(rows):
    """forecasting.py's seasonal windows: 48 past steps, the next 12 as targets."""
    X_train, y_train, *_ = seasonal_data()
    return _data("seasonal series ({rows} windows, 48 steps -> 12)", X_train, y_train, rows)


def scaled_digits(rows):
    """autoencoder_quality.py's training split of the digits / 16."""
    X_train, _, _, _ = autoencoder_digits()
    return _data("digits / 16 ({rows} images)", X_train, None, rows)


def binary_digits(rows):
    """rbm_quality.py's training split of the binarised digits."""
    X_train, _, y_train, _ = binarised_digits()
    return _data("binarised digits ({rows} images)", X_train, y_train, rows)


def dbn_digits(rows):
    """rbm_quality.py's dbn part: the digits / 16 (cross-validated there; all rows here)."""
    X, y = load_digits(return_X_y=True)
    return _data("digits / 16 ({rows} images)", (X / 16).astype(np.float32), y, rows)


def ring(rows):
    """generative_quality.py's ring of 8 Gaussians (seed 0)."""
    return _data("ring of 8 Gaussians ({rows} points)", ring_points(N_POINTS, 0), None, rows)


def hamlet(rows):
    """gpt_quality.py's training text: the first 90 % of Hamlet (rows: characters)."""
    train, _ = split_hamlet(quick=False)
    train = train[:rows]
    return Data(f"Hamlet, first 90 % ({len(train):,} characters)", [train], None, len(train))


def partly_labelled_digits(rows, regression=False):
    """gnn_quality.py's digits part: 5 % of the labels (seed 0), on a 7-neighbour graph."""
    X, y = load_digits(return_X_y=True)
    X, y = (X / 16)[:rows], y[:rows]
    labelled, _ = train_test_split(
        np.arange(len(y)), train_size=LABELLED_FRACTION, stratify=y, random_state=0
    )
    partial = np.full(len(y), np.nan if regression else -1.0)
    partial[labelled] = y[labelled]
    note = "target: the digit's value" if regression else ""
    name = f"digits ({{rows}} nodes, {100 * LABELLED_FRACTION:.0f} % labelled)"
    return _data(name, X, partial if regression else partial.astype(int), note=note)


def movielens(rows):
    """recommender_quality.py's MovieLens-100k, the training ratings of its first fold."""
    X, y = movielens_ratings()
    train, _ = next(KFold(5, shuffle=True, random_state=0).split(X))
    return _data("MovieLens-100k ({rows} ratings)", X[train], y[train], rows)


def tokens_and_digits(rows, regression=False):
    """fusion_quality.py's noisy digits plus tokens, its 70 % training split of seed 0."""
    X, y = digits_with_tokens(random_state=0)
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    target = y_train.astype(np.float32) if regression else y_train
    note = "target: the digit's value" if regression else ""
    return _data("noisy digits + tokens ({rows} rows)", X_train, target, rows, note)


def seen_digits(rows):
    """zeroshot_quality.py's digits 0-6 (seed 0), with the seven-segment table."""
    X_train, y_train, *_ = zeroshot_split(0)
    return _data("digits 0-6 ({rows} images, standardised)", X_train, y_train, rows)


# -------------------------------------------------------------------- cases
@dataclass
class Case:
    """How to measure one estimator: its data and the parameters they need."""

    data: object  # function(rows) -> Data
    params: dict = None
    rows: int = None  # None: every row of the data set
    quick_rows: int = QUICK_ROWS
    note: str = ""


def _fusion_branches():
    # The branches' own max_iter is not used: the fusion estimator trains them.
    return [
        ("image", image_model(1), IMAGE_COLUMNS),
        ("tokens", token_model(1), TOKEN_COLUMNS),
    ]


FASHION_ROWS = 10_000
HEAVY_FASHION_ROWS = 1_000
MODULE_NOTE = "module: sknets.networks.MLP, MLPClassifier's network"

CASES = {
    "AutoencoderTransformer": Case(scaled_digits),
    "CNNClassifier": Case(fashion, rows=FASHION_ROWS),
    "CNNRegressor": Case(functools.partial(fashion, regression=True), rows=FASHION_ROWS),
    "CollaborativeFilteringRegressor": Case(movielens),
    "DBNClassifier": Case(dbn_digits, note="fine-tuning epochs; pre-training not counted"),
    "DBNTransformer": Case(binary_digits, note="top RBM's epochs; lower RBMs not counted"),
    "DiffusionGenerator": Case(ring),
    "FCNClassifier": Case(gunpoint),
    "InceptionTimeClassifier": Case(gunpoint),
    "InceptionTimeRegressor": Case(functools.partial(gunpoint, regression=True)),
    "LITETimeClassifier": Case(gunpoint),
    "FTTransformerClassifier": Case(digits),
    "FTTransformerRegressor": Case(functools.partial(digits, regression=True)),
    "FusionClassifier": Case(tokens_and_digits, params={"branches": _fusion_branches()}),
    "FusionRegressor": Case(
        functools.partial(tokens_and_digits, regression=True),
        params={"branches": _fusion_branches()},
    ),
    "GANGenerator": Case(ring),
    "GNNClassifier": Case(partly_labelled_digits),
    "GNNRegressor": Case(functools.partial(partly_labelled_digits, regression=True)),
    "GPTGenerator": Case(hamlet, quick_rows=20_000),
    "GRUClassifier": Case(gunpoint),
    "GRURegressor": Case(seasonal),
    "LSTMClassifier": Case(gunpoint),
    "LSTMRegressor": Case(seasonal),
    "LeNetClassifier": Case(fashion, rows=FASHION_ROWS),
    "MLPClassifier": Case(digits),
    "MLPRegressor": Case(functools.partial(digits, regression=True)),
    "MobileNetClassifier": Case(fashion, rows=HEAVY_FASHION_ROWS),
    "ModuleClassifier": Case(digits, params={"module": MLP}, note=MODULE_NOTE),
    "ModuleRegressor": Case(
        functools.partial(digits, regression=True),
        params={"module": MLP},
        note=MODULE_NOTE,
    ),
    "RBMTransformer": Case(binary_digits),
    "RNNClassifier": Case(gunpoint),
    "RNNRegressor": Case(seasonal),
    "ResNetClassifier": Case(fashion, rows=HEAVY_FASHION_ROWS),
    "ResNetRegressor": Case(functools.partial(fashion, regression=True), rows=HEAVY_FASHION_ROWS),
    "Seq2SeqRegressor": Case(seasonal),
    "TabMClassifier": Case(digits),
    "TabMRegressor": Case(functools.partial(digits, regression=True)),
    "TransformerClassifier": Case(gunpoint),
    "TransformerRegressor": Case(seasonal),
    "VAEGenerator": Case(ring),
    "VGGClassifier": Case(fashion, rows=HEAVY_FASHION_ROWS),
    "ZeroShotClassifier": Case(
        seen_digits,
        params={"class_attributes": seven_segment_table()},
        note="class_attributes: the seven-segment table",
    ),
}


def check_cases():
    """Refuse to run unless every public estimator has a case, and no other name does."""
    names = {name for name, _ in all_estimators()}
    missing, unknown = sorted(names - set(CASES)), sorted(set(CASES) - names)
    if missing or unknown:
        raise SystemExit(
            f"benchmarks/estimator_costs.py: no case for {missing}; cases for no estimator "
            f"{unknown}. Add each new estimator to CASES, so that the table lists all of them."
        )


# -------------------------------------------------------------- measurement
def trainable_parameters(estimator):
    """Trainable parameters of every fitted network, each tensor counted once."""
    seen = {}
    for module in estimator._modules().values():
        for parameter in module.parameters():
            if parameter.requires_grad:
                seen[id(parameter)] = parameter.numel()
    return sum(seen.values())


def measure(name, case, epochs, quick):
    """Fit ``name`` for ``1 + epochs`` epochs; its cost per epoch, parameters and rows."""
    data = case.data(case.quick_rows if quick else case.rows)
    estimator = getattr(sknets, name)(
        **(case.params or {}), max_iter=1 + epochs, random_state=0, device="cpu"
    )
    start = time.perf_counter()
    estimator.fit(data.X) if data.y is None else estimator.fit(data.X, data.y)
    fit_seconds = time.perf_counter() - start
    durations = list(estimator.history_[:, "dur"])
    # The recorded durations are trusted only if they are one per epoch and
    # fit within the wall-clock time of the whole fit.
    if estimator.n_iter_ != 1 + epochs or len(durations) != 1 + epochs:
        raise RuntimeError(
            f"{name} trained {estimator.n_iter_} epochs and recorded {len(durations)} "
            f"durations, not {1 + epochs}: the measurement would not be of {epochs} epochs."
        )
    if sum(durations) > fit_seconds:
        raise RuntimeError(f"{name}: its epochs took longer than its fit ({durations}).")
    seconds = statistics.median(durations[1:])
    return {
        "data": data.name,
        "rows": data.rows,
        "seconds_per_epoch": seconds,
        "parameters": trainable_parameters(estimator),
        "note": "; ".join(note for note in (data.note, case.note) if note),
        "fixed_seconds": fit_seconds - sum(durations),
    }


def run(names, epochs, quick):
    results = {}
    torch.set_num_threads(1)
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        for name in names:
            results[name] = measure(name, CASES[name], epochs, quick)
            log(
                f"{name}: {results[name]['seconds_per_epoch']:.3g} s per epoch on "
                f"{results[name]['data']}"
            )
    return results


# ------------------------------------------------------------------- output
HEADER = ("estimator", "data set", "training rows", "s per epoch", "trainable parameters")


def _seconds(value):
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def table_rows(estimators):
    return [
        [
            name,
            entry["data"] + (f"; {entry['note']}" if entry.get("note") else ""),
            f"{entry['rows']:,}",
            _seconds(entry["seconds_per_epoch"]),
            f"{entry['parameters']:,}",
        ]
        for name, entry in sorted(estimators.items())
    ]


def format_rst(report):
    intro = (
        "Every public estimator with its defaults (plus ``random_state=0``, "
        '``device="cpu"`` and what its data need), one thread, on the data set of its '
        "quality benchmark or, without one, its family's closest (a regressor: its "
        "classifier's inputs with the class number or the digit's value as the target). "
        f"Seconds per epoch: the median of {TIMED_EPOCHS} epochs after a warm-up epoch, as "
        "the fit records them (the batches, the epoch's loss and stopping rule; not the "
        "fixed cost of a fit). Fashion-MNIST: the first images of the official training "
        f"set, {FASHION_ROWS:,} for the small networks and {HEAVY_FASHION_ROWS:,} for "
        "MobileNetV2, ResNet-18 and VGG-11, whose default networks take minutes an epoch "
        "on the full data here: an epoch's time grows in proportion to the rows. Training "
        "rows of GPTGenerator are characters."
    )
    lines = [
        ".. Generated by benchmarks/estimator_costs.py --write-docs; do not edit by hand.",
        "",
        f"{report['machine']}.  {intro}",
        "",
        *rst_table("CPU time per epoch", HEADER, table_rows(report["estimators"])),
    ]
    return "\n".join(lines)


def write_docs(results, env):
    """Merge ``results`` into the JSON report and rewrite the report and its page."""
    report = json.loads(JSON_PATH.read_text()) if JSON_PATH.is_file() else {"estimators": {}}
    report["measured"] = env["date"]
    report["machine"] = describe_machine(env)
    report["estimators"] = {**report["estimators"], **results}
    known = {name for name, _ in all_estimators()}
    report["estimators"] = {k: v for k, v in sorted(report["estimators"].items()) if k in known}
    JSON_PATH.write_text(json.dumps(report, indent=1) + "\n")
    RST_PATH.write_text(format_rst(report))
    print(f"wrote {RST_PATH} and {JSON_PATH}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="comma-separated estimator names (default: all)")
    parser.add_argument("--epochs", type=int, default=TIMED_EPOCHS, help="timed epochs")
    parser.add_argument("--quick", action="store_true", help="smoke run: few rows, 1 epoch")
    parser.add_argument(
        "--write-docs", action="store_true", help="write docs/_bench/estimator_costs.{rst,json}"
    )
    args = parser.parse_args(argv)
    check_cases()
    names = sorted(CASES) if args.only is None else args.only.split(",")
    unknown = sorted(set(names) - set(CASES))
    if unknown:
        parser.error(f"unknown estimator(s) {unknown}")
    if args.quick:
        args.epochs = 1
    if args.write_docs and (args.quick or args.epochs != TIMED_EPOCHS):
        parser.error("--write-docs needs the full settings (no --quick, --epochs 3)")
    env = environment(1)
    print(f"{describe_machine(env)}, load average {env['load']:.1f}")
    results = run(names, args.epochs, args.quick)
    rows = [[*row, f"{results[row[0]]['fixed_seconds']:.2f}"] for row in table_rows(results)]
    print(text_table((*HEADER, "fixed s per fit"), rows))
    if args.write_docs:
        write_docs(
            {
                name: {k: v for k, v in entry.items() if k != "fixed_seconds"}
                for name, entry in results.items()
            },
            env,
        )


if __name__ == "__main__":
    main()
