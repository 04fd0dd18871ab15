"""Training speed of the generative family against its references.

A list of cases (``make_cases``), each a sknets estimator and the reference
it is timed against (a hand-written PyTorch loop, or scikit-learn), run
interleaved in one process on the same data, seeds and thread count
(``_report.interleaved_samples``: one untimed warm-up fit per contender,
then every repeat runs each contender once, in a rotated order, with its
own seed).  Times are medians over the repeats; ratios are taken to the
reference within each repeat, then their median.

``gpt``
    GPTGenerator against a hand-written loop over the same network
    (:class:`sknets.networks.GPTNetwork`, built with the same seed, so the
    same initial weights), on the first 90 % of ``data/text/hamlet.txt``
    (157,658 characters) with the estimator's defaults: windows of 65
    characters every 64 (each shifted by one random offset per epoch),
    batches of 12 windows in a random order, AdamW (PyTorch's fused
    kernels, as sknets uses) at 1e-3 with weight decay 0.1 on the weight
    matrices only and beta_2 0.99, a constant rate (``learning_rate=
    "constant"`` in the estimator, so that neither runs a schedule), the
    mean cross-entropy of the next characters.  The hand loop maps
    characters to ids and cuts its windows inside the timed fit too.  Both
    fits run 2 epochs (1 on 20,000 characters with ``--quick``); the time
    is the whole fit from the string, per epoch; throughput is training
    characters per second.  Both models' held-out loss (the last 10 % of
    the play, non-overlapping windows) shows that they learn the same.
    Target: GPTGenerator's time at most 1.15x the loop's.

``rbm``
    RBMTransformer against scikit-learn's BernoulliRBM on binarised digits
    (``load_digits() / 16 > 0.5``, the stratified 80 % training split of
    ``benchmarks/rbm_quality.py``), both with 256 hidden units, batches of
    10, rate 0.1 and 10 epochs (1 with ``--quick``), each with its own
    defaults otherwise (BernoulliRBM in float64, RBMTransformer in float32,
    both persistent CD-1).  The held-out loss is minus the mean
    pseudo-likelihood of the test rows.  Target: RBMTransformer faster
    than BernoulliRBM.

Usage::

    python benchmarks/generative_speed.py               # about 6 minutes on 1 thread
    python benchmarks/generative_speed.py --write-docs  # and writes its docs page
    python benchmarks/generative_speed.py --quick       # smoke run: less text, 1 epoch, 1 repeat
"""

import argparse
import gc
import statistics
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from sknets import GPTGenerator
from sknets.networks import GPTNetwork

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import (  # noqa: E402
    DOCS_DIR,
    describe_machine,
    interleaved_samples,
    load_average,
    rst_table,
    start_timed_run,
    text_table,
)
from rbm_quality import RBM_SETTINGS, SklearnRBM, SknetsRBM, binarised_digits  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DOCS_PATH = DOCS_DIR / "generative_speed.rst"
GPT_TARGET = 1.15  # at most this multiple of the hand loop's time
RBM_TARGET = 1.0  # faster than scikit-learn


# ----------------------------------------------------------------- the GPT case
GPT_SETTINGS = {
    "block_size": 64,
    "d_model": 128,
    "n_heads": 4,
    "n_layers": 4,
    "dropout": 0.0,
    "batch_size": 12,
    "learning_rate_init": 1e-3,
    "alpha": 0.1,
    "beta_2": 0.99,
}


def hamlet(quick):
    text = (ROOT / "data" / "text" / "hamlet.txt").read_text()
    split = int(0.9 * len(text))
    train, held_out = text[:split], text[split:]
    return (train[:20_000], held_out[:5_000]) if quick else (train, held_out)


def gpt_network(vocab_size, seed):
    torch.manual_seed(seed)
    names = ("block_size", "d_model", "n_heads", "n_layers", "dropout")
    return GPTNetwork(vocab_size=vocab_size, **{name: GPT_SETTINGS[name] for name in names})


def held_out_loss(network, ids):
    """Mean next-token cross-entropy over non-overlapping windows of the held-out ids."""
    block = network.block_size
    ids = torch.as_tensor(ids)
    total, count = 0.0, 0
    network.eval()
    with torch.inference_mode():
        for start in range(0, len(ids) - 1, block):
            window = ids[start : start + block + 1]
            logits = network(window[None, :-1])[0]
            total += float(F.cross_entropy(logits, window[1:], reduction="sum"))
            count += len(window) - 1
    return total / count


class GPTHandLoop:
    """The practical limit: the smallest correct PyTorch loop over the same network."""

    name = "hand loop"

    def __init__(self, epochs, seed):
        self.epochs, self.seed = epochs, seed

    def fit(self, text):
        characters = sorted(set(text))
        self.vocabulary = {c: i + 2 for i, c in enumerate(characters)}  # 0 boundary, 1 unknown
        stream = torch.tensor([0, *map(self.vocabulary.get, text), 0])
        block, batch = GPT_SETTINGS["block_size"], GPT_SETTINGS["batch_size"]
        self.network = gpt_network(len(characters) + 2, self.seed)
        parameters = list(self.network.parameters())
        optimizer = torch.optim.AdamW(
            [
                {"params": [p for p in parameters if p.ndim > 1], "weight_decay": 0.1},
                {"params": [p for p in parameters if p.ndim <= 1], "weight_decay": 0.0},
            ],
            lr=GPT_SETTINGS["learning_rate_init"],
            betas=(0.9, GPT_SETTINGS["beta_2"]),
            fused=True,
        )
        n_windows = max(1, (len(stream) - block) // block)
        starts = torch.arange(n_windows) * block
        offsets = torch.arange(block + 1)
        generator = torch.Generator().manual_seed(self.seed)
        self.network.train()
        for _ in range(self.epochs):
            shift = int(torch.randint(block, (1,), generator=generator))
            order = torch.randperm(n_windows, generator=generator)
            for first in range(0, n_windows, batch):
                windows = stream[(starts[order[first : first + batch]] + shift)[:, None] + offsets]
                logits = self.network(windows[:, :-1])
                loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows[:, 1:].ravel())
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        self.n_iter_ = self.epochs
        return self

    def held_out_loss(self, text):
        return held_out_loss(self.network, [0, *(self.vocabulary.get(c, 1) for c in text), 0])


class GPTSknets:
    name = "GPTGenerator"

    def __init__(self, epochs, seed):
        self.estimator = GPTGenerator(
            **GPT_SETTINGS,
            learning_rate="constant",
            max_iter=epochs,
            tol=0.0,
            n_iter_no_change=epochs + 1,
            random_state=seed,
            device="cpu",
        )

    def fit(self, text):
        self.estimator.fit([text])
        self.n_iter_ = self.estimator.n_iter_
        return self

    def held_out_loss(self, text):
        return -self.estimator.score([text])


# ----------------------------------------------------------------- the RBM case
class RBMReference:
    """scikit-learn's BernoulliRBM; the held-out loss is minus its pseudo-likelihood."""

    name = SklearnRBM.name

    def __init__(self, epochs, seed):
        self.model = SklearnRBM.make(epochs, seed)
        self.n_iter_ = epochs  # BernoulliRBM always runs n_iter epochs

    def fit(self, X):
        self.model.fit(X)
        return self

    def held_out_loss(self, X):
        return -float(np.mean(self.model.score_samples(X)))


class RBMOurs(RBMReference):
    name = SknetsRBM.name

    def __init__(self, epochs, seed):
        # No stop on a loss plateau, so that both run every epoch.
        self.model = SknetsRBM.make(epochs, seed).set_params(tol=0.0, n_iter_no_change=epochs + 1)

    def fit(self, X):
        self.model.fit(X)
        self.n_iter_ = self.model.n_iter_
        return self


@dataclass
class Case:
    """One timed comparison: a sknets contender against its reference."""

    key: str
    title: str
    reference: type
    ours: type
    epochs: int
    data: tuple  # (training data, held-out data)
    unit: str  # what the throughput counts
    target: float  # the largest time ratio to the reference that meets the target

    @property
    def contenders(self):
        return [self.reference, self.ours]


def make_cases(quick):
    train, held_out = hamlet(quick)
    epochs = 1 if quick else 2
    X_train, X_test, _, _ = binarised_digits()
    rbm_epochs = 1 if quick else RBM_SETTINGS["epochs"]
    return [
        Case(
            key="gpt",
            title=(
                f"GPTGenerator on hamlet.txt: {len(train):,} training characters, "
                f"{GPT_SETTINGS['n_layers']} layers x {GPT_SETTINGS['d_model']} features, "
                f"context {GPT_SETTINGS['block_size']}, batches of "
                f"{GPT_SETTINGS['batch_size']}, {epochs} epoch{'s' * (epochs != 1)}"
            ),
            reference=GPTHandLoop,
            ours=GPTSknets,
            epochs=epochs,
            data=(train, held_out),
            unit="characters",
            target=GPT_TARGET,
        ),
        Case(
            key="rbm",
            title=(
                f"RBMTransformer on binarised digits: {len(X_train):,} training rows, "
                f"{RBM_SETTINGS['n_components']} hidden units, batches of "
                f"{RBM_SETTINGS['batch_size']}, rate {RBM_SETTINGS['learning_rate']:g}, "
                f"{rbm_epochs} epochs"
            ),
            reference=RBMReference,
            ours=RBMOurs,
            epochs=rbm_epochs,
            data=(X_train, X_test),
            unit="rows",
            target=RBM_TARGET,
        ),
    ]


# ------------------------------------------------------------------- running
def run_once(case, contender_class, seed):
    train, held_out = case.data
    contender = contender_class(case.epochs, seed)
    gc.collect()
    start = time.perf_counter()
    contender.fit(train)
    seconds = time.perf_counter() - start
    if contender.n_iter_ != case.epochs:
        raise RuntimeError(f"{contender.name} ran {contender.n_iter_} epochs, not {case.epochs}")
    return seconds / case.epochs, contender.held_out_loss(held_out)


def run_case(case, repeats, seed, log):
    samples = interleaved_samples(
        case.contenders,
        lambda contender_class, run_seed: run_once(case, contender_class, run_seed),
        repeats,
        seed,
        log,
        case.title,
    )
    base = samples[case.reference.name]
    size = len(case.data[0])
    rows = []
    for contender_class in case.contenders:
        runs = samples[contender_class.name]
        epoch = statistics.median(r[0] for r in runs)
        rows.append(
            {
                "name": contender_class.name,
                "epoch": epoch,
                "throughput": size / epoch,
                "ratio": statistics.median(r[0] / b[0] for r, b in zip(runs, base, strict=True)),
                "loss": statistics.mean(r[1] for r in runs),
            }
        )
    return rows


def header(case):
    return ("contender", "time/epoch (s)", f"{case.unit}/s", "ratio", "held-out loss")


def cells(rows):
    return [
        (
            row["name"],
            f"{row['epoch']:.2f}",
            f"{row['throughput']:,.0f}",
            f"{row['ratio']:.2f}x",
            f"{row['loss']:.3f}",
        )
        for row in rows
    ]


def verdict(case, rows):
    ours = next(row for row in rows if row["name"] == case.ours.name)
    met = ours["ratio"] <= case.target
    return (
        f"{case.ours.name} / {case.reference.name} <= {case.target:g}x: "
        f"{'met' if met else 'missed'} ({ours['ratio']:.2f}x)"
    )


def format_rst(results, env, repeats):
    lines = [
        ".. Generated by benchmarks/generative_speed.py --write-docs; do not edit by hand.",
        "",
        f"{describe_machine(env)} for every contender (1-minute load average "
        f"{env['load']:.1f} at the start, {env['load_end']:.1f} at the end).  Times are "
        f"the median of {repeats} interleaved repeats, each with its own seed; ratios are "
        "to the reference, taken within each repeat, then the median.  A fit is timed "
        "whole, from the raw data, and divided by its epochs; the held-out loss (mean "
        "over the repeats) shows that both contenders learn the same.",
        "",
    ]
    for case, rows in results:
        lines += rst_table(case.title, header(case), cells(rows))
        lines += ["Target:", "", f"- {verdict(case, rows)}", ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: less data, 1 repeat")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats (default 5)")
    parser.add_argument("--threads", type=int, default=1, help="threads (default 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write-docs", action="store_true", help=f"write {DOCS_PATH}")
    args = parser.parse_args(argv)
    if args.write_docs and args.quick:
        parser.error("--write-docs needs a full run (no --quick)")
    repeats = args.repeats or (1 if args.quick else 5)
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    env = start_timed_run(args.threads, repeats, args.quick, log)
    results = []
    with threadpool_limits(limits=args.threads):
        for case in make_cases(args.quick):
            rows = run_case(case, repeats, args.seed, log)
            results.append((case, rows))
            print(f"\n{case.title}\n")
            print(text_table(header(case), cells(rows)))
            print(f"  [{verdict(case, rows)}]" + (" (quick run)" if args.quick else ""))
    env["load_end"] = load_average()
    if args.write_docs:
        DOCS_PATH.parent.mkdir(parents=True, exist_ok=True)
        DOCS_PATH.write_text(format_rst(results, env, repeats))
        print(f"\nwrote {DOCS_PATH}")


if __name__ == "__main__":
    main()
