"""Data-parallel training under torchrun: time per epoch for 1, 2 and 4 processes.

Workloads (the same global batch size for every process count, so every
run takes the same optimisation steps):

* ``mlp``: the 50,000 x 100 problem of ``mlp_speed.py`` (case a):
  ``make_classification`` with 5 classes, ``MLPClassifier(hidden_layer_sizes=(256, 256),
  batch_size=256)``;
* ``cnn``: 20,000 8x8 one-channel images (``make_classification`` rows
  reshaped), 10 classes, ``CNNClassifier(input_shape=(1, 8, 8), filters=(32, 64),
  batch_size=256)``.

One process is a plain ``fit`` (the anchor, no launcher); N processes are
``python -m torch.distributed.run --nproc_per_node=N`` running the same fit,
which sknets trains data-parallel (gloo on CPUs; nccl with ``--device
auto`` on a machine with N GPUs, one per rank).  Every process uses one
intra-op thread, so N processes use N cores.  Each run first fits one
untimed epoch (process-group start, warm-up), then times the whole fit
from NumPy arrays; time per epoch is that over the epochs.  Repeats rotate
the order of the process counts.  Speed-up is the one-process time over the
N-process time within a repeat (then the median), scaling efficiency the
speed-up over N.  Where N exceeds the machine's cores the processes share
cores and the figures say so.

Usage::

    python benchmarks/ddp_speed.py                # full run, prints the table (~15 min)
    python benchmarks/ddp_speed.py --write-docs   # ... and writes docs/_bench/ddp_speed.rst
    python benchmarks/ddp_speed.py --quick        # smoke run: 5,000 rows, 1 and 2 processes
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import make_classification
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

DOCS_PATH = DOCS_DIR / "ddp_speed.rst"
REPO = Path(__file__).resolve().parents[1]

WORKLOADS = {
    # name: (rows, features, classes, epochs)
    "mlp": (50_000, 100, 5, 5),
    "cnn": (20_000, 64, 10, 3),
}


def make_data(workload, n_rows, seed):
    _, n_features, n_classes, _ = WORKLOADS[workload]
    X, y = make_classification(
        n_samples=n_rows + 5_000,
        n_features=n_features,
        n_informative=min(n_features, 50),
        n_redundant=5,
        n_classes=n_classes,
        n_clusters_per_class=1,
        random_state=seed,
    )
    X = X.astype(np.float32)
    return X[:n_rows], y[:n_rows], X[n_rows:], y[n_rows:]


def make_estimator(workload, epochs, device, seed):
    common = {
        "batch_size": 256,
        "max_iter": epochs,
        "tol": 0.0,
        "n_iter_no_change": epochs + 1,
        "random_state": seed,
        "device": device,
    }
    if workload == "mlp":
        return sknets.MLPClassifier(hidden_layer_sizes=(256, 256), alpha=0.0, **common)
    return sknets.CNNClassifier(input_shape=(1, 8, 8), filters=(32, 64), **common)


def worker(args):
    """One rank's (or the single process') timed fit; rank 0 writes the result as JSON."""
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    X, y, X_test, y_test = make_data(args.workload, args.rows, args.seed)
    make_estimator(args.workload, 1, args.device, args.seed).fit(X, y)  # untimed warm-up
    estimator = make_estimator(args.workload, args.epochs, args.device, args.seed)
    start = time.perf_counter()
    estimator.fit(X, y)
    elapsed = time.perf_counter() - start
    rank = torch.distributed.get_rank() if torch.distributed.is_initialized() else 0
    if rank == 0:
        Path(args.result).write_text(
            json.dumps(
                {
                    "epoch": elapsed / estimator.n_iter_,
                    "accuracy": estimator.score(X_test, y_test),
                    "n_iter": estimator.n_iter_,
                }
            )
        )


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_once(workload, n_processes, args):
    """Time per epoch and accuracy of one fit over ``n_processes`` processes."""
    with tempfile.TemporaryDirectory() as folder:
        result = Path(folder) / "result.json"
        worker_args = [
            "--worker",
            "--workload", workload,
            "--rows", str(args.rows[workload]),
            "--epochs", str(args.epochs[workload]),
            "--device", args.device,
            "--seed", str(args.seed),
            "--result", str(result),
        ]  # fmt: skip
        launcher = (
            []
            if n_processes == 1
            else [
                "-m",
                "torch.distributed.run",
                f"--nproc_per_node={n_processes}",
                "--master_addr=127.0.0.1",
                f"--master_port={_free_port()}",
            ]
        )
        env = {
            **os.environ,
            "OMP_NUM_THREADS": "1",
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        }
        command = [sys.executable, *launcher, str(Path(__file__).resolve()), *worker_args]
        subprocess.run(command, env=env, check=True, capture_output=True)
        return json.loads(result.read_text())


def measure(args):
    """Rows per workload: process count, time per epoch, speed-up, efficiency, accuracy."""
    results = {}
    for workload in args.workloads:
        samples = {n: [] for n in args.processes}
        for repeat in range(args.repeats):
            order = (
                args.processes[repeat % len(args.processes) :]
                + args.processes[: repeat % len(args.processes)]
            )
            for n_processes in order:
                sample = run_once(workload, n_processes, args)
                samples[n_processes].append(sample)
                log(f"{workload}, {n_processes} process(es), repeat {repeat + 1}: {sample}")
        rows = []
        for n_processes in args.processes:
            speedups = [
                one["epoch"] / many["epoch"]
                for one, many in zip(samples[1], samples[n_processes], strict=True)
            ]
            speedup = statistics.median(speedups)
            rows.append(
                {
                    "processes": n_processes,
                    "epoch": statistics.median(s["epoch"] for s in samples[n_processes]),
                    "speedup": speedup,
                    "efficiency": speedup / n_processes,
                    "accuracy": statistics.mean(s["accuracy"] for s in samples[n_processes]),
                    "oversubscribed": n_processes > (os.cpu_count() or 1),
                }
            )
        results[workload] = rows
    return results


def title(workload, args):
    n_rows, n_features, n_classes, _ = WORKLOADS[workload]
    shape = (
        f"{args.rows[workload]:,} x {n_features}"
        if workload == "mlp"
        else (f"{args.rows[workload]:,} images 1x8x8")
    )
    network = "MLP 256-256" if workload == "mlp" else "CNN 32-64"
    return (
        f"{workload}: {shape}, {n_classes} classes, {network}, global batch 256, "
        f"{args.epochs[workload]} epochs, {args.device}"
    )


HEADER = ["processes", "time / epoch (s)", "speed-up", "scaling efficiency", "test accuracy"]


def cells(rows):
    return [
        [
            f"{row['processes']}" + (" (more than the cores)" if row["oversubscribed"] else ""),
            f"{row['epoch']:.2f}",
            f"{row['speedup']:.2f}x",
            f"{row['efficiency']:.0%}",
            f"{row['accuracy']:.4f}",
        ]
        for row in rows
    ]


def format_rst(results, env, args):
    lines = [
        ".. Generated by benchmarks/ddp_speed.py --write-docs; do not edit by hand.",
        "",
        f"{describe_machine(env)} per process ({env['cores']} cores in all).  One process "
        "is a plain fit; N processes are torchrun with sknets' data-parallel training "
        f"({'gloo' if args.device == 'cpu' else 'nccl'}), the same global batch size. "
        f"Times are medians of {args.repeats} repeats, speed-ups the median of the "
        "per-repeat ratios to one process; efficiency is the speed-up over N.",
        "",
    ]
    for workload, rows in results.items():
        lines += rst_table(title(workload, args), HEADER, cells(rows))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: small data, 1 and 2 processes"
    )
    parser.add_argument("--repeats", type=int, default=None, help="repeats (default 3)")
    parser.add_argument("--processes", default=None, help="process counts, e.g. '1,2,4' (default)")
    parser.add_argument("--workloads", default="mlp,cnn")
    parser.add_argument("--device", default="cpu", help="'cpu' (gloo) or 'auto' (one GPU per rank)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write-docs", action="store_true", help=f"write {DOCS_PATH}")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workload", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args)
        return
    if args.write_docs and args.quick:
        parser.error("--write-docs needs a full run (no --quick)")
    args.processes = [
        int(n) for n in (args.processes or ("1,2" if args.quick else "1,2,4")).split(",")
    ]
    if args.processes[0] != 1:
        parser.error("--processes must start with 1 (the anchor)")
    args.workloads = args.workloads.split(",")
    args.repeats = args.repeats or (1 if args.quick else 3)
    args.rows = {w: 5_000 if args.quick else WORKLOADS[w][0] for w in WORKLOADS}
    args.epochs = {w: 2 if args.quick else WORKLOADS[w][3] for w in WORKLOADS}
    env = start_timed_run(1, args.repeats, args.quick, log)
    results = measure(args)
    for workload, rows in results.items():
        print()
        print(title(workload, args))
        print(text_table(HEADER, cells(rows)))
    if args.quick:
        print("  (quick run: small data; the full run measures the real workloads)")
    if args.write_docs:
        DOCS_PATH.parent.mkdir(parents=True, exist_ok=True)
        DOCS_PATH.write_text(format_rst(results, env, args))
        print(f"\nwrote {DOCS_PATH}")


if __name__ == "__main__":
    main()
