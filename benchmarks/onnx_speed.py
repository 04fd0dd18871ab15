"""Prediction speed of an exported pipeline in onnxruntime against sknets itself.

Two workloads, each a ``make_pipeline(StandardScaler(), estimator)`` fitted
briefly (speed, not accuracy, is measured) and exported whole with
``skl2onnx.to_onnx`` (``zipmap=False``):

* ``MLP``: :class:`sknets.MLPClassifier` with its defaults on 100 features,
  10 classes (the ``mlp_speed`` workload's width);
* ``CNN``: :class:`sknets.CNNClassifier` with its defaults on
  Fashion-MNIST-sized images (28x28 rows reshaped with ``input_shape``).

Contenders: ``sknets`` (the pipeline's ``predict_proba``) and
``onnxruntime`` (one ``InferenceSession.run`` of the exported model, one
intra-op thread as sknets gets).  Latency is the median of many calls on one
row; throughput is rows per second on 10,000 rows.  After one warm-up per
contender, each repeat measures both in a rotated order; figures are
medians over the repeats and ratios are sknets / onnxruntime times taken
within each repeat.  The largest probability difference and the agreement
of the labels show that both compute the same model.

Usage::

    python benchmarks/onnx_speed.py                # full run (about 2 minutes on 1 thread)
    python benchmarks/onnx_speed.py --write-docs   # ... and writes docs/_bench/onnx_speed.rst
    python benchmarks/onnx_speed.py --quick        # smoke run: small data, 1 repeat
"""

import argparse
import statistics
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sknets import CNNClassifier, MLPClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import (  # noqa: E402
    DOCS_DIR,
    describe_machine,
    interleaved_samples,
    load_average,
    log,
    rst_table,
    start_timed_run,
    text_table,
)

DOCS_PATH = DOCS_DIR / "onnx_speed.rst"
HEADER = ("contender", "1-row latency (ms)", "latency ratio", "rows/s (10,000)", "time ratio")


@dataclass
class Workload:
    name: str
    n_features: int
    n_classes: int
    make_estimator: object


WORKLOADS = [
    Workload("MLP, 100 features", 100, 10, lambda: MLPClassifier(max_iter=2, random_state=0)),
    Workload(
        "CNN, 28x28 images",
        784,
        10,
        lambda: CNNClassifier(input_shape=(1, 28, 28), max_iter=1, random_state=0),
    ),
]


def fitted_models(workload, quick):
    import onnxruntime
    import skl2onnx

    import sknets.onnx  # noqa: F401  (registers the converters)

    n_rows = 2000 if quick else 10_000
    X, y = make_classification(
        n_samples=n_rows + 1000,
        n_features=workload.n_features,
        n_informative=min(workload.n_features, 30),
        n_classes=workload.n_classes,
        random_state=0,
    )
    X = X.astype(np.float32)
    estimator = workload.make_estimator()
    pipe = make_pipeline(StandardScaler(), estimator).fit(X[:1000], y[:1000])
    model = skl2onnx.to_onnx(pipe, X[:1], options={id(estimator): {"zipmap": False}})
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = torch.get_num_threads()
    session = onnxruntime.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    return pipe, session, X[1000:]


def contenders(pipe, session):
    input_name = session.get_inputs()[0].name

    class Sknets:
        name = "sknets"

        @staticmethod
        def predict_proba(X):
            return pipe.predict_proba(X)

    class OnnxRuntime:
        name = "onnxruntime"

        @staticmethod
        def predict_proba(X):
            return session.run(["probabilities"], {input_name: X})[0]

    return [Sknets, OnnxRuntime]


def measure(contender, X, n_calls):
    start = time.perf_counter()
    for index in range(n_calls):
        contender.predict_proba(X[index : index + 1])
    latency = (time.perf_counter() - start) / n_calls
    start = time.perf_counter()
    contender.predict_proba(X)
    return {"latency": latency, "throughput": len(X) / (time.perf_counter() - start)}


def run_workload(workload, repeats, quick):
    pipe, session, X = fitted_models(workload, quick)
    sknets_proba = pipe.predict_proba(X)
    onnx_proba = session.run(["probabilities", "label"], {session.get_inputs()[0].name: X})
    agreement = float(np.mean(onnx_proba[1] == pipe.predict(X)))
    difference = float(np.abs(onnx_proba[0] - sknets_proba).max())
    players = contenders(pipe, session)
    n_calls = 20 if quick else 200
    samples = interleaved_samples(
        players, lambda player, seed: measure(player, X, n_calls), repeats, 0, log, workload.name
    )
    rows = []
    for player in players:
        ratios = [
            (ours["latency"] / theirs["latency"], theirs["throughput"] / ours["throughput"])
            for ours, theirs in zip(samples["sknets"], samples[player.name], strict=True)
        ]
        rows.append(
            (
                player.name,
                f"{1000 * statistics.median(s['latency'] for s in samples[player.name]):.3f}",
                f"{statistics.median(r[0] for r in ratios):.2f}x",
                f"{statistics.median(s['throughput'] for s in samples[player.name]):,.0f}",
                f"{statistics.median(r[1] for r in ratios):.2f}x",
            )
        )
    return rows, agreement, difference, len(X)


def format_rst(results, env, repeats):
    lines = [
        ".. Generated by benchmarks/onnx_speed.py --write-docs; do not edit by hand.",
        "",
        f"{describe_machine(env)} for both contenders (1-minute load average "
        f"{env['load']:.1f} at the start, {env['load_end']:.1f} at the end).  Figures "
        f"are the median of {repeats} interleaved repeats; a ratio is sknets' time divided "
        "by the row's contender's, taken within each repeat, then the median (above "
        "1: the contender is faster than sknets).",
        "",
    ]
    for name, (rows, agreement, difference, n_rows) in results.items():
        lines += rst_table(name, HEADER, rows)
        lines += [
            f"Same labels on {100 * agreement:.2f} % of {n_rows:,} rows; largest "
            f"probability difference {difference:.1e}.",
            "",
        ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: less data, 1 repeat")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats (default 5)")
    parser.add_argument("--threads", type=int, default=1, help="threads (default 1)")
    parser.add_argument("--write-docs", action="store_true", help=f"write {DOCS_PATH}")
    args = parser.parse_args(argv)
    if args.write_docs and args.quick:
        parser.error("--write-docs needs a full run (no --quick)")
    repeats = args.repeats or (1 if args.quick else 5)
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    env = start_timed_run(args.threads, repeats, args.quick, log)
    results = {}
    with threadpool_limits(limits=args.threads):
        for workload in WORKLOADS:
            results[workload.name] = run_workload(workload, repeats, args.quick)
            rows, agreement, difference, n_rows = results[workload.name]
            print(f"\n{workload.name}\n")
            print(text_table(HEADER, rows))
            print(
                f"  same labels on {100 * agreement:.2f} % of {n_rows:,} rows, largest "
                f"probability difference {difference:.1e}" + (" (quick run)" if args.quick else "")
            )
    env["load_end"] = load_average()
    if args.write_docs:
        DOCS_PATH.parent.mkdir(parents=True, exist_ok=True)
        DOCS_PATH.write_text(format_rst(results, env, repeats))
        print(f"\nwrote {DOCS_PATH}")


if __name__ == "__main__":
    main()
