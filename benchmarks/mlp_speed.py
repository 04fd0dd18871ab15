"""Speed and accuracy of sknets.MLPClassifier against three reference points.

Contenders, run interleaved in one process on the same data, seeds and
thread count:

* ``hand loop``: the practical limit, a minimal hand-written PyTorch loop
  with the same network (:class:`sknets.networks.MLP`), optimizer (Adam with
  PyTorch's fused kernels, as sknets uses),
  loss and batch size -- data as tensors, ``randperm`` plus index slicing
  per batch, ``zero_grad`` / ``backward`` / ``step``.  Its predict is one
  forward pass over all rows under ``torch.inference_mode``.
* ``sknets``: :class:`sknets.MLPClassifier`.
* ``skorch``: :class:`skorch.NeuralNetClassifier` with its defaults (its
  DataLoader, default callbacks, per-batch loss read-back) around the same
  network, given raw logits with ``criterion=CrossEntropyLoss``,
  ``train_split=None`` and ``iterator_train__shuffle=True``.
* ``sklearn``: :class:`sklearn.neural_network.MLPClassifier` (NumPy).

Problem (c) runs on a busy machine: as many CPU-bound competing processes
as cores plus one run for its whole duration (the setting of issue 11:
other jobs keep every core busy).  Its contenders are the hand loop with 1
thread and with all threads, sknets with its automatic thread choice, and
scikit-learn (skorch, whose threads behave as the hand loop's, is left
out); ratios are to both hand loops.

Every estimator runs exactly the problem's number of epochs (10; 2 with
``--quick``): ``tol=0`` and ``n_iter_no_change`` larger than ``max_iter``,
checked after each fit; ``alpha=0`` so that all four optimise the same
objective.  A fit is timed end to end from the float32 NumPy arrays
(validation, tensor conversion and model construction included) and
reported per epoch; predict is timed on 50,000 rows (the best of three
calls).  After one untimed warm-up fit per contender, each repeat runs every
contender once, in a rotated order so that drift in the machine's load
spreads evenly.  Times are medians over the repeats; ratios are taken to the
hand loop within each repeat, then their median.

Usage::

    python benchmarks/mlp_speed.py                # full run, prints the tables
    python benchmarks/mlp_speed.py --write-docs   # ... and writes docs/_bench/mlp_speed.rst
    python benchmarks/mlp_speed.py --quick        # smoke run: small data, 1 repeat
"""

import argparse
import gc
import math
import os
import statistics
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import skorch
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from threadpoolctl import threadpool_limits
from torch import nn

import sknets
from sknets.networks import MLP

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import (  # noqa: E402
    DOCS_DIR,
    describe_machine,
    interleaved_samples,
    load_average,
    rst_table,
    start_timed_run,
)

DOCS_PATH = DOCS_DIR / "mlp_speed.rst"
N_PREDICT = 50_000
LEARNING_RATE = 1e-3


@dataclass
class Case:
    """One benchmark problem and its training configuration."""

    key: str
    n_train: int
    n_features: int
    n_classes: int
    hidden: tuple
    batch_size: int
    epochs: int
    fit_target: float  # sknets fit time per epoch, at most this times the hand loop's
    n_test: int = 10_000
    busy: bool = False  # run beside competing CPU-bound processes
    digits: bool = False  # scikit-learn's digits instead of make_classification

    @property
    def title(self):
        data = "digits" if self.digits else f"{self.n_train:,} x {self.n_features}"
        title = (
            f"({self.key}) {data}, {self.n_classes} classes, "
            f"MLP {'-'.join(map(str, self.hidden))}, batch {self.batch_size}, "
            f"{self.epochs} epochs"
        )
        if self.busy:
            title += f", busy machine ({competitors()} competing CPU-bound processes)"
        return title

    @property
    def contenders(self):
        if self.busy:
            return [HandLoop1, HandLoop, Sknets, Sklearn]
        return [HandLoop, Sknets, Skorch, Sklearn]


def competitors():
    """How many CPU-bound processes the busy problem runs beside the contenders."""
    return (os.cpu_count() or 1) + 1


class CompetingLoad:
    """CPU-bound processes that keep every core busy while the block runs."""

    def __enter__(self):
        command = [sys.executable, "-c", "while True: pass"]
        self.processes = [subprocess.Popen(command) for _ in range(competitors())]
        time.sleep(0.5)  # let the scheduler spread them before timing starts
        return self

    def __exit__(self, *exc_info):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait()


def make_cases(quick):
    if quick:
        return [
            Case("a", 10_000, 100, 5, (256, 256), 256, 2, 1.15, n_test=2_000),
            Case("b", 2_000, 20, 2, (100,), 200, 2, 1.3, n_test=1_000),
            Case("c", 1_347, 64, 10, (256,), 200, 2, 1.5, n_test=450, busy=True, digits=True),
        ]
    return [
        Case("a", 50_000, 100, 5, (256, 256), 256, 10, 1.15),
        Case("b", 2_000, 20, 2, (100,), 200, 10, 1.3, n_test=2_000),
        Case("c", 1_347, 64, 10, (256,), 200, 10, 1.5, n_test=450, busy=True, digits=True),
    ]


def mlp_parameters(case, seed):
    """The same MLPClassifier parameters for sknets and scikit-learn (a drop-in swap)."""
    return {
        "hidden_layer_sizes": case.hidden,
        "batch_size": case.batch_size,
        "learning_rate_init": LEARNING_RATE,
        "alpha": 0.0,
        "max_iter": case.epochs,
        "tol": 0.0,
        "n_iter_no_change": case.epochs + 1,
        "random_state": seed,
    }


def make_data(case, seed):
    if case.digits:
        X, y = load_digits(return_X_y=True)
        X = X / 16.0
    else:
        X, y = make_classification(
            n_samples=case.n_train + case.n_test,
            n_features=case.n_features,
            n_informative=min(case.n_features, max(10, case.n_features // 2)),
            n_redundant=min(5, case.n_features // 10),
            n_classes=case.n_classes,
            n_clusters_per_class=2,
            class_sep=1.0,
            random_state=seed,
        )
    X = X.astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=case.n_test, random_state=seed, stratify=y
    )
    rows = np.random.default_rng(seed).integers(0, X.shape[0], N_PREDICT)
    X_predict = np.ascontiguousarray(X[rows])
    return X_train, y_train, X_test, y_test, X_predict


# ---------------------------------------------------------------- contenders
class HandLoop:
    """The practical limit: the smallest correct PyTorch training loop."""

    name = "hand loop"
    threads = None  # the run's thread count

    def __init__(self, case, seed):
        self.case, self.seed = case, seed

    def fit(self, X, y):
        case = self.case
        torch.manual_seed(self.seed)
        self.classes_ = np.unique(y)
        binary = self.classes_.shape[0] == 2
        X_t = torch.from_numpy(X)
        index = np.searchsorted(self.classes_, y)
        if binary:  # one logit and a logistic loss, as sknets (and sklearn) use
            y_t = torch.from_numpy(index.astype(np.float32)[:, None])
            loss_fn = F.binary_cross_entropy_with_logits
        else:
            y_t = torch.from_numpy(index.astype(np.int64))
            loss_fn = F.cross_entropy
        self.model = MLP(
            n_features=X.shape[1],
            n_outputs=1 if binary else self.classes_.shape[0],
            hidden_layer_sizes=case.hidden,
        )
        optimizer = torch.optim.Adam(self.model.parameters(), lr=LEARNING_RATE, fused=True)
        generator = torch.Generator().manual_seed(self.seed)
        n, step = X_t.shape[0], case.batch_size
        self.model.train()
        for _ in range(case.epochs):
            order = torch.randperm(n, generator=generator)
            for start in range(0, n, step):
                rows = order[start : start + step]
                optimizer.zero_grad()
                loss = loss_fn(self.model(X_t[rows]), y_t[rows])
                loss.backward()
                optimizer.step()
        self.n_iter_ = case.epochs
        return self

    def predict(self, X):
        self.model.eval()
        with torch.inference_mode():
            logits = self.model(torch.from_numpy(X))
        if self.classes_.shape[0] == 2:
            return self.classes_[(logits[:, 0] > 0).numpy().astype(np.int64)]
        return self.classes_[logits.argmax(dim=1).numpy()]


class HandLoop1(HandLoop):
    """The hand loop with one intra-op thread, the robust choice on a busy machine."""

    name = "hand loop, 1 thread"
    threads = 1


class Sknets:
    name = "sknets"
    threads = None

    def __init__(self, case, seed):
        self.estimator = sknets.MLPClassifier(**mlp_parameters(case, seed), device="cpu")

    def fit(self, X, y):
        self.estimator.fit(X, y)
        self.n_iter_ = self.estimator.n_iter_
        return self

    def predict(self, X):
        return self.estimator.predict(X)


class Skorch:
    name = "skorch"
    threads = None

    def __init__(self, case, seed):
        self.case, self.seed = case, seed

    def fit(self, X, y):
        torch.manual_seed(self.seed)
        self.classes_ = np.unique(y)
        module = MLP(
            n_features=X.shape[1],
            n_outputs=self.classes_.shape[0],
            hidden_layer_sizes=self.case.hidden,
        )
        self.net = skorch.NeuralNetClassifier(
            module,
            criterion=nn.CrossEntropyLoss,
            optimizer=torch.optim.Adam,
            lr=LEARNING_RATE,
            batch_size=self.case.batch_size,
            max_epochs=self.case.epochs,
            train_split=None,
            iterator_train__shuffle=True,
            device="cpu",
            verbose=0,
        )
        self.net.fit(X, np.searchsorted(self.classes_, y).astype(np.int64))
        self.n_iter_ = len(self.net.history)
        return self

    def predict(self, X):
        return self.classes_[self.net.predict(X)]


class Sklearn:
    name = "sklearn"
    threads = None

    def __init__(self, case, seed):
        self.estimator = SklearnMLPClassifier(**mlp_parameters(case, seed))

    def fit(self, X, y):
        self.estimator.fit(X, y)
        self.n_iter_ = self.estimator.n_iter_
        return self

    def predict(self, X):
        return self.estimator.predict(X)


# ------------------------------------------------------------------- running
def run_once(contender_class, case, data, seed):
    X_train, y_train, X_test, y_test, X_predict = data
    contender = contender_class(case, seed)
    gc.collect()
    caller_threads = torch.get_num_threads()
    if contender.threads is not None:
        torch.set_num_threads(contender.threads)
    try:
        return _fit_and_predict(contender, case, X_train, y_train, X_test, y_test, X_predict)
    finally:
        torch.set_num_threads(caller_threads)


def _fit_and_predict(contender, case, X_train, y_train, X_test, y_test, X_predict):
    start = time.perf_counter()
    contender.fit(X_train, y_train)
    fit_time = time.perf_counter() - start
    if contender.n_iter_ != case.epochs:
        raise RuntimeError(
            f"{contender.name} ran {contender.n_iter_} epochs instead of {case.epochs}"
        )
    accuracy = float(np.mean(contender.predict(X_test) == y_test))
    predict_times = []
    for _ in range(3):
        start = time.perf_counter()
        contender.predict(X_predict)
        predict_times.append(time.perf_counter() - start)
    return fit_time / case.epochs, min(predict_times), accuracy


def run_case(case, repeats, seed, log):
    data = make_data(case, seed)
    contenders = case.contenders
    samples = interleaved_samples(
        contenders,
        lambda contender_class, run_seed: run_once(contender_class, case, data, run_seed),
        repeats,
        seed,
        log,
        case.title,
    )
    # Ratios are paired: each repeat's time over the hand loop's in the same
    # repeat, then the median, which cancels load that drifts between repeats.
    base = samples[contenders[0].name]
    # On the busy machine, also to the hand loop with all threads.
    second = samples[contenders[1].name] if case.busy else base
    rows = []
    for contender_class in contenders:
        runs = samples[contender_class.name]
        pairs = list(zip(runs, base, strict=True))
        second_pairs = list(zip(runs, second, strict=True))
        rows.append(
            {
                "name": contender_class.name,
                "epoch": statistics.median(r[0] for r in runs),
                "predict": statistics.median(r[1] for r in runs),
                # Each repeat uses its own seed: the accuracy is a mean over seeds.
                "accuracy": statistics.mean(r[2] for r in runs),
                "accuracy_sd": statistics.stdev(r[2] for r in runs) if len(runs) > 1 else 0.0,
                "accuracies": [r[2] for r in runs],
                "epochs": [r[0] for r in runs],
                "epoch_ratio": statistics.median(r[0] / b[0] for r, b in pairs),
                "predict_ratio": statistics.median(r[1] / b[1] for r, b in pairs),
                "epoch_ratio_all": statistics.median(r[0] / b[0] for r, b in second_pairs),
                "predict_ratio_all": statistics.median(r[1] / b[1] for r, b in second_pairs),
            }
        )
    return rows


def verdicts(case, rows):
    by_name = {row["name"]: row for row in rows}
    ours, sk = by_name["sknets"], by_name["sklearn"]
    # Paired like the other ratios: sknets over sklearn within each repeat.
    sklearn_ratio = statistics.median(
        o / k for o, k in zip(ours["epochs"], sk["epochs"], strict=True)
    )
    # "Equal or better" up to seed noise: the mean over seeds may trail by at
    # most two standard errors of the difference.
    n_seeds = len(ours["accuracies"])
    noise = 2 * math.sqrt((ours["accuracy_sd"] ** 2 + sk["accuracy_sd"] ** 2) / n_seeds)
    if case.busy:
        # The ratio to the faster of the two loops is the larger ratio.
        to_faster = max(ours["epoch_ratio"], ours["epoch_ratio_all"])
        return [
            (
                f"fit <= {case.fit_target:g}x the faster hand loop (1 or all threads)",
                to_faster <= case.fit_target,
                f"{ours['epoch_ratio']:.2f}x the 1-thread loop, "
                f"{ours['epoch_ratio_all']:.2f}x the all-threads loop",
            ),
            (
                "faster than sklearn per epoch",
                sklearn_ratio < 1,
                (
                    f"{1 / sklearn_ratio:.2f}x faster"
                    if sklearn_ratio < 1
                    else f"{sklearn_ratio:.2f}x slower"
                ),
            ),
        ]
    return [
        (
            f"fit <= {case.fit_target:g}x hand loop",
            ours["epoch_ratio"] <= case.fit_target,
            f"{ours['epoch_ratio']:.2f}x",
        ),
        (
            "predict <= 1.5x one batched forward pass",
            ours["predict_ratio"] <= 1.5,
            f"{ours['predict_ratio']:.2f}x",
        ),
        (
            "faster than sklearn per epoch",
            sklearn_ratio < 1,
            (
                f"{1 / sklearn_ratio:.2f}x faster"
                if sklearn_ratio < 1
                else f"{sklearn_ratio:.2f}x slower"
            ),
        ),
        (
            f"accuracy >= sklearn (mean of {n_seeds} seeds, within 2 standard errors)",
            ours["accuracy"] >= sk["accuracy"] - noise,
            f"{ours['accuracy']:.4f} vs {sk['accuracy']:.4f}, 2 SE = {noise:.4f}",
        ),
    ]


HEADER = ("contender", "time/epoch (ms)", "ratio", "predict 50k (ms)", "ratio", "accuracy (sd)")
BUSY_HEADER = (
    "contender",
    "time/epoch (ms)",
    "ratio to 1 thread",
    "ratio to all threads",
    "predict 50k (ms)",
    "ratio to 1 thread",
    "ratio to all threads",
)


def header(case):
    return BUSY_HEADER if case.busy else HEADER


def table_cells(case, rows):
    if case.busy:
        return [
            (
                row["name"],
                f"{row['epoch'] * 1e3:.1f}",
                f"{row['epoch_ratio']:.2f}x",
                f"{row['epoch_ratio_all']:.2f}x",
                f"{row['predict'] * 1e3:.1f}",
                f"{row['predict_ratio']:.2f}x",
                f"{row['predict_ratio_all']:.2f}x",
            )
            for row in rows
        ]
    return [
        (
            row["name"],
            f"{row['epoch'] * 1e3:.1f}",
            f"{row['epoch_ratio']:.2f}x",
            f"{row['predict'] * 1e3:.1f}",
            f"{row['predict_ratio']:.2f}x",
            f"{row['accuracy']:.4f} ± {row['accuracy_sd']:.4f}",
        )
        for row in rows
    ]


def format_text(case, rows, quick=False):
    cells = [header(case), *table_cells(case, rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = [case.title]
    for index, row in enumerate(cells):
        lines.append(
            "  ".join(
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            )
        )
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    if quick:
        lines.append("  (quick run: the targets apply to the full run)")
    for label, ok, detail in verdicts(case, rows):
        lines.append(f"  [{'met' if ok else 'MISSED'}] {label}: {detail}")
    return "\n".join(lines)


def format_rst(results, env, repeats):
    lines = [
        ".. Generated by benchmarks/mlp_speed.py --write-docs; do not edit by hand.",
        "",
        f"{describe_machine(env)} for every contender (1-minute load average "
        f"{env['load']:.1f} at the start, {env['load_end']:.1f} at the end).  "
        f"Times are the median of "
        f"{repeats} interleaved repeats, each with its own seed; ratios are to the "
        "hand-written PyTorch loop "
        "(fit) and to its one batched forward pass over all rows (predict), taken "
        "within each repeat, then the median.  Time per "
        "epoch is the whole fit from NumPy arrays divided by the number of epochs; "
        "predict is timed on 50,000 rows; accuracy is on a held-out test split, the mean "
        "(and standard deviation) over the repeats' seeds.  Problem (c) runs beside "
        f"{competitors()} CPU-bound competing processes, with the hand loop once with 1 "
        "thread and once with all threads (the ratios' two anchors) and sknets choosing "
        "its own thread count.",
        "",
    ]
    for case, rows in results:
        lines += rst_table(case.title, header(case), table_cells(case, rows))
        lines.append("Targets for sknets:")
        lines.append("")
        for label, ok, detail in verdicts(case, rows):
            lines.append(f"- {label}: {'met' if ok else 'missed'} ({detail})")
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small data, 1 repeat")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats (default 5)")
    parser.add_argument(
        "--threads", type=int, default=None, help="threads for every contender (default: torch's)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--cases",
        default="abc",
        help="which problems to run, e.g. 'a', 'c' or 'abc' (default; c is the busy machine)",
    )
    parser.add_argument(
        "--write-docs", action="store_true", help=f"write the tables to {DOCS_PATH}"
    )
    args = parser.parse_args(argv)
    if not args.cases or not set(args.cases) <= {"a", "b", "c"}:
        parser.error("--cases takes letters among 'a', 'b' and 'c'")
    if args.write_docs and (args.quick or set(args.cases) != {"a", "b", "c"}):
        parser.error("--write-docs needs a full run (no --quick, all cases)")
    repeats = args.repeats or (1 if args.quick else 5)
    threads = args.threads or torch.get_num_threads()
    torch.set_num_threads(threads)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    env = start_timed_run(threads, repeats, args.quick, log)
    results = []
    with threadpool_limits(limits=threads):
        for case in make_cases(args.quick):
            if case.key not in args.cases:
                continue
            if case.busy:
                with CompetingLoad():
                    rows = run_case(case, repeats, args.seed, log)
            else:
                rows = run_case(case, repeats, args.seed, log)
                # The page's load figures are the quiet problems' own.
                env["load_end"] = load_average()
            results.append((case, rows))
            print()
            print(format_text(case, rows, args.quick), flush=True)
    env.setdefault("load_end", load_average())
    if args.write_docs:
        DOCS_PATH.parent.mkdir(parents=True, exist_ok=True)
        DOCS_PATH.write_text(format_rst(results, env, repeats))
        print(f"\nwrote {DOCS_PATH}")


if __name__ == "__main__":
    main()
