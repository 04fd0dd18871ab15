"""Peak memory of prediction: sknets' budgeted batches against the alternatives.

Each measurement runs in a fresh process: fit a model on a few thousand
rows (not measured), make the rows to predict, then record the resident
set size (RSS) right before ``predict`` and the peak RSS during it.  The
extra peak is the difference: the memory prediction needed beyond its
input.  Linux's peak RSS (``VmHWM``) is reset just before the call where
``/proc/self/clear_refs`` allows it; otherwise ``resource.getrusage``'s
``ru_maxrss`` is used, which the setup is written never to exceed (the data
are drawn in float32, without a float64 copy).

Problems:

* ``narrow``: 2,000,000 rows x 20 float32 features, 10 classes,
  ``MLPClassifier(hidden_layer_sizes=(32,))``;
* ``wide``: the same rows, ``MLPClassifier(hidden_layer_sizes=(1000, 1000))``;
* ``cnn``: 200,000 8x8 one-channel images (digits-like), 10 classes,
  ``CNNClassifier(input_shape=(1, 8, 8), filters=(32,))``.

Contenders:

* ``sknets``: ``predict`` with the default ``working_memory`` (256 MiB);
* ``sknets, old sizing``: the rule before issue 11, batches of
  ``max(batch_size, 2**22 // n_values_per_row)`` rows, whatever the
  network's width, with the batches' outputs joined at the end;
* ``sklearn``: :class:`sklearn.neural_network.MLPClassifier` (same layers,
  fitted on the same rows), which computes all rows at once; skipped where
  its activations would exceed about 8 GiB;
* ``plain loop``: the fitted network (``module_``) run by a plain PyTorch
  loop over fixed 1024-row batches under ``torch.inference_mode``, outputs
  joined with ``torch.cat``; every time ratio is to this loop.

Usage::

    python benchmarks/predict_memory.py                # full run, prints the table
    python benchmarks/predict_memory.py --write-docs   # ... and writes the docs table
    python benchmarks/predict_memory.py --quick        # smoke run: a tenth of the rows, 1 repeat
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

import sknets

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import (  # noqa: E402
    DOCS_DIR,
    describe_machine,
    environment,
    load_average,
    rst_table,
    text_table,
)

DOCS_PATH = DOCS_DIR / "predict_memory.rst"
SKLEARN_LIMIT_GIB = 8
N_FIT = 4_000

CASES = {
    "narrow": {"rows": 2_000_000, "title": "MLP 20-32-10"},
    "wide": {"rows": 2_000_000, "title": "MLP 20-1000-1000-10"},
    "cnn": {"rows": 200_000, "title": "CNN 8x8, 32 filters"},
}
CONTENDERS = ["sknets", "sknets, old sizing", "sklearn", "plain loop"]


# ------------------------------------------------------------ child process
def _rss():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) * 1024
    raise OSError("no VmRSS")


def _peak_meter():
    """(rss_before, read_peak): the RSS now, and a function returning the peak since."""
    try:
        rss = _rss()
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")  # resets VmHWM, Linux's peak RSS, to the current RSS

        def read_peak():
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith("VmHWM"):
                        return int(line.split()[1]) * 1024
            raise OSError("no VmHWM")

        return rss, read_peak
    except OSError:
        # ru_maxrss is the peak of the whole process life (KiB on Linux, bytes on macOS).
        scale = 1 if sys.platform == "darwin" else 1024
        try:
            rss = _rss()
        except OSError:
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
        return rss, lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _data(case, n_rows, seed=0):
    """Rows to predict, drawn straight into float32 (no float64 copy to inflate the peak)."""
    rng = np.random.default_rng(seed)
    shape = (n_rows, 1, 8, 8) if case == "cnn" else (n_rows, 20)
    X = rng.standard_normal(shape, dtype=np.float32)
    y = rng.integers(0, 10, N_FIT)
    return X, y


def _old_forward_batches(self, X, batch_size, device, *, rows_independent=True):
    """NeuralNetCore.forward_batches before issue 11: batches joined with torch.cat."""
    from sknets._batches import _ROW_BLOCK, as_device_tensor, n_rows, tree_concat, tree_map

    self._set_training(False)
    with torch.inference_mode():
        outputs = []
        batch_size = -(-batch_size // _ROW_BLOCK) * _ROW_BLOCK
        for start in range(0, n_rows(X), batch_size):
            rows = as_device_tensor(
                tree_map(lambda leaf, start=start: leaf[start : start + batch_size], X), device
            )
            count = n_rows(rows)
            padding = -count % _ROW_BLOCK
            if padding:
                rows = torch.cat([rows, rows[-1:].expand(padding, *rows.shape[1:])])
            outputs.append(self.infer(rows)[:count])
    return tree_concat(outputs)


def _old_predict_batch_size(self, X, call=None):
    """The sizing before issue 11: about 2**22 input values per batch."""
    values_per_row = int(np.prod(X.shape[1:]))
    return max(self.net_.batch_size, (1 << 22) // values_per_row)


def _fit_sknets(case, X_fit, y):
    if case == "cnn":
        model = sknets.CNNClassifier(input_shape=(1, 8, 8), filters=(32,), max_iter=1)
    else:
        hidden = (32,) if case == "narrow" else (1000, 1000)
        model = sknets.MLPClassifier(hidden_layer_sizes=hidden, max_iter=1)
    return model.set_params(random_state=0, device="cpu").fit(X_fit, y)


def child(case, contender, n_rows):
    """Measure one prediction; print a JSON record."""
    warnings.filterwarnings("ignore")
    X, y = _data(case, n_rows)
    X_fit = X[:N_FIT]
    record = {"case": case, "contender": contender, "rows": n_rows}
    if contender == "sklearn":
        from sklearn.neural_network import MLPClassifier

        hidden = (32,) if case == "narrow" else (1000, 1000)
        model = MLPClassifier(hidden_layer_sizes=hidden, max_iter=1, random_state=0)
        model.fit(X_fit, y)
        predict = model.predict
        record["batch"] = n_rows
    else:
        model = _fit_sknets(case, X_fit, y)
        if contender == "sknets, old sizing":
            from sknets._training import NeuralNetCore

            NeuralNetCore.forward_batches = _old_forward_batches
            type(model)._predict_batch_size = _old_predict_batch_size
        if contender == "plain loop":
            module = model.module_.eval()

            def predict(X):
                # Its own argument, as the other contenders: the warm-up
                # below then runs 64 rows here too, not the whole data.
                rows = X if case == "cnn" else X.reshape(X.shape[0], -1)
                with torch.inference_mode():
                    parts = [
                        module(torch.from_numpy(rows[start : start + 1024]))
                        for start in range(0, rows.shape[0], 1024)
                    ]
                    return torch.cat(parts).argmax(dim=1).numpy()

            record["batch"] = 1024
        else:
            predict = model.predict
            X_valid = model._validated_input(X)[0]
            record["batch"] = int(model._predict_batch_size(X_valid))
        # Warm up on a few rows (thread pools, oneDNN kernels, the cost probe).
        predict(X[:64])
    before, read_peak = _peak_meter()
    start = time.perf_counter()
    predict(X)
    record["seconds"] = time.perf_counter() - start
    record["extra_mib"] = (read_peak() - before) / 2**20
    print(json.dumps(record))


# ----------------------------------------------------------------- parent
def sklearn_gib(case, n_rows):
    """Memory of scikit-learn's MLP predicting all rows at once: two activations alive."""
    width = 32 if case == "narrow" else 1000
    return 2 * n_rows * width * 4 / 2**30


def measure(case, contender, n_rows):
    env = dict(os.environ)
    # The children import the same sknets as this process.
    source = str(Path(sknets.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
    command = [sys.executable, __file__, "--child", case, contender, str(n_rows)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{case}/{contender} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(cases, repeats, scale, log):
    samples = {}
    notes = {}
    for case in cases:
        n_rows = int(CASES[case]["rows"] * scale)
        contenders = [c for c in CONTENDERS if not (c == "sklearn" and case == "cnn")]
        if "sklearn" in contenders and sklearn_gib(case, n_rows) > SKLEARN_LIMIT_GIB:
            contenders.remove("sklearn")
            notes[case] = (
                f"scikit-learn skipped: predicting all {n_rows:,} rows at once would hold "
                f"about {sklearn_gib(case, n_rows):.0f} GiB of activations."
            )
        for repeat in range(repeats):
            shift = repeat % len(contenders)
            for contender in contenders[shift:] + contenders[:shift]:
                record = measure(case, contender, n_rows)
                samples.setdefault((case, contender), []).append(record)
                log(
                    f"{case} / {contender}: {record['extra_mib']:.0f} MiB, "
                    f"{record['seconds']:.2f} s (repeat {repeat + 1}/{repeats})"
                )
    rows = []
    for case in cases:
        base = samples[(case, "plain loop")]
        for contender in CONTENDERS:
            runs = samples.get((case, contender))
            if runs is None:
                continue
            rows.append(
                {
                    "case": case,
                    "contender": contender,
                    "rows": runs[0]["rows"],
                    "batch": runs[0]["batch"],
                    "extra_mib": statistics.median(r["extra_mib"] for r in runs),
                    "seconds": statistics.median(r["seconds"] for r in runs),
                    # Paired within each repeat, as the other benchmarks do.
                    "ratio": statistics.median(
                        r["seconds"] / b["seconds"] for r, b in zip(runs, base, strict=True)
                    ),
                }
            )
    return rows, notes


HEADER = ("problem", "rows", "contender", "batch rows", "extra peak (MiB)", "time (s)", "ratio")


def cells(rows):
    return [
        (
            f"{row['case']}: {CASES[row['case']]['title']}",
            f"{row['rows']:,}",
            row["contender"],
            f"{row['batch']:,}",
            f"{row['extra_mib']:.0f}",
            f"{row['seconds']:.2f}",
            f"{row['ratio']:.2f}x",
        )
        for row in rows
    ]


def format_rst(rows, notes, env, repeats):
    lines = [
        ".. Generated by benchmarks/predict_memory.py --write-docs; do not edit by hand.",
        "",
        f"{describe_machine(env)} (1-minute load average {env['load']:.1f} at the start, "
        f"{env['load_end']:.1f} at the end).  Each figure is the median of {repeats} "
        "measurements, each in a fresh process: the extra peak is the peak resident set "
        "size during ``predict`` minus the resident set size right before it (the input "
        "is already in memory); the time ratio is to the plain PyTorch loop over "
        "1024-row batches, paired within each repeat.  sknets runs with the default "
        "``working_memory`` of 256 MiB.",
        "",
    ]
    lines += rst_table("Extra peak memory of predict", HEADER, cells(rows))
    for note in notes.values():
        lines.append(f"- {note}")
    if notes:
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 1/10 of the rows")
    parser.add_argument("--repeats", type=int, default=None, help="measurements (default 3)")
    parser.add_argument("--cases", default="narrow,wide,cnn", help="comma-separated problems")
    parser.add_argument("--write-docs", action="store_true", help=f"write {DOCS_PATH}")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        case, contender, n_rows = args.child
        child(case, contender, int(n_rows))
        return
    cases = [case for case in args.cases.split(",") if case]
    if not cases or not set(cases) <= set(CASES):
        parser.error(f"--cases takes names among {sorted(CASES)}")
    if args.write_docs and (args.quick or set(cases) != set(CASES)):
        parser.error("--write-docs needs a full run (no --quick, all cases)")
    repeats = args.repeats or (1 if args.quick else 3)
    env = environment(torch.get_num_threads())
    print(
        f"torch {env['torch']}, sklearn {env['sklearn']}, {env['cores']} cores, "
        f"{env['threads']} threads, load average {env['load']:.1f}, "
        f"median of {repeats} measurement(s)" + (" [QUICK smoke run]" if args.quick else "")
    )

    def log(message):
        print(message, file=sys.stderr, flush=True)

    rows, notes = run(cases, repeats, 0.1 if args.quick else 1.0, log)
    env["load_end"] = load_average()

    print(text_table(HEADER, cells(rows)))
    for note in notes.values():
        print(note)
    if args.write_docs:
        DOCS_PATH.parent.mkdir(parents=True, exist_ok=True)
        DOCS_PATH.write_text(format_rst(rows, notes, env, repeats))
        print(f"\nwrote {DOCS_PATH}")


if __name__ == "__main__":
    main()
