"""Speed of sknets.LSTMClassifier against a hand-written PyTorch loop, on text and series.

Contenders, run interleaved in one process on the same data, seeds and
thread count:

* ``hand loop``: the practical limit, a minimal hand-written PyTorch loop
  with the same architecture as :class:`sknets.networks.RecurrentNetwork`
  with ``cell="lstm"`` and ``pooling="last"``, written out by hand: for
  token ids ``nn.Embedding(padding_idx=0)``, the embedded rows packed
  with ``pack_padded_sequence`` (lengths computed once, ``enforce_sorted=
  False``) into ``nn.LSTM(batch_first=True)``; for series the ``(n, 1, T)``
  input transposed to ``(n, T, 1)`` straight into the LSTM (no padding,
  nothing to pack); then the final hidden state into a linear head.  Same
  optimizer (Adam with PyTorch's fused kernels, as sknets uses), loss (one
  logit and a logistic loss for two classes, as sknets uses) and batch
  size; data as tensors prepared once, ``randperm`` plus index slicing per
  batch, ``zero_grad`` / ``backward`` / ``step``.  Before timing, the script
  checks that this module computes the same outputs as RecurrentNetwork
  with the same weights.
* ``sknets``: :class:`sknets.LSTMClassifier` with ``device="cpu"``, fitted
  from the NumPy arrays.
* ``skorch``: :class:`skorch.NeuralNetClassifier` with its defaults (its
  DataLoader, default callbacks, per-batch loss read-back) around
  RecurrentNetwork itself, given raw logits with
  ``criterion=CrossEntropyLoss``, ``train_split=None`` and
  ``iterator_train__shuffle=True``.

Problems (hidden state 128, one LSTM layer, Adam at 1e-3):

* ``text``: ``data/text/rotten_tomatoes.csv.gz`` (4,866 short film reviews,
  fresh or rotten), a fixed stratified 80/20 split (``random_state=0``:
  3,892 training and 974 test texts), tokenized once with
  :class:`sknets.TextTokenizer` fitted on the training texts: every
  contender gets the same int64 id matrix, padded with 0 at the end (60
  columns, the longest training text; 23 tokens per text on average, so
  packing skips most of the padding), ``vocab_size`` the tokenizer's
  ``vocab_size_`` (10,659).  Embeddings of 128, batches of 32, 3 epochs
  (1 with ``--quick``).
* ``gunpoint``: UCR GunPoint (``data/ucr/GunPoint.npz``, the official
  split: 50 training and 150 test series of 150 z-normalised steps,
  ``(n, 1, 150)`` float32), batches of 16, 20 epochs (5 with ``--quick``).
  A one-layer LSTM's last state does not learn GunPoint in so few epochs
  (nor in 100, tried with the hand loop): every contender stays near
  chance (about 0.49), so there the accuracy column shows that the three
  agree, not that they learn.

Every estimator runs exactly the problem's number of epochs: ``tol=0``
and ``n_iter_no_change`` larger than ``max_iter``, checked after each fit;
``alpha=0`` so that all three optimise the same objective.  A fit is timed
end to end from the NumPy arrays (validation, tensor conversion and model
construction included) and reported per epoch; accuracy is measured on
the test split so that one sees all three learn the same thing.  After one
untimed warm-up fit per contender, each repeat runs every contender once,
in a rotated order so that drift in the machine's load spreads evenly,
each repeat with its own seed.  Times are medians over the repeats;
ratios are taken to the hand loop within each repeat, then their median.
``torch.set_num_threads`` and ``threadpoolctl`` set the same thread count
for every contender (sknets may choose fewer for a small network; the
count it chose is printed).  Target: sknets' time per epoch at most 1.15x
the hand loop's on both problems.

Usage::

    python benchmarks/sequence_speed.py               # full run, prints the tables
    python benchmarks/sequence_speed.py --write-docs  # and writes docs/_bench/sequence_speed.rst
    python benchmarks/sequence_speed.py --quick       # smoke run: fewer epochs, 1 repeat
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
import pandas as pd
import skorch
import torch
import torch.nn.functional as F
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

import sknets
from sknets.networks import RecurrentNetwork

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import (  # noqa: E402
    DOCS_DIR,
    describe_machine,
    interleaved_samples,
    load_average,
    rst_table,
    start_timed_run,
)

ROOT = Path(__file__).resolve().parents[1]
DOCS_PATH = DOCS_DIR / "sequence_speed.rst"
LEARNING_RATE = 1e-3
HIDDEN_SIZE = 128
EMBEDDING_DIM = 128
FIT_TARGET = 1.15
CASE_KEYS = ("text", "gunpoint")


@dataclass
class Case:
    """One benchmark problem and its training configuration."""

    key: str
    data_name: str
    batch_size: int
    epochs: int
    fit_target: float = FIT_TARGET

    @property
    def tokens(self):
        return self.key == "text"

    def title(self, data):
        X_train, _, X_test, _, vocab_size = data
        if self.tokens:
            shape = (
                f"{X_train.shape[0]:,} training / {X_test.shape[0]:,} test texts, "
                f"{X_train.shape[1]} token columns, vocabulary {vocab_size:,}, "
                f"embedding {EMBEDDING_DIM}"
            )
        else:
            shape = (
                f"{X_train.shape[0]} training / {X_test.shape[0]} test series of "
                f"{X_train.shape[2]} steps"
            )
        return (
            f"{self.data_name}: {shape}, LSTM {HIDDEN_SIZE}, batch {self.batch_size}, "
            f"{self.epochs} epoch{'s' if self.epochs != 1 else ''}"
        )


def make_cases(quick):
    if quick:
        return [Case("text", "rotten_tomatoes", 32, 1), Case("gunpoint", "GunPoint", 16, 5)]
    return [Case("text", "rotten_tomatoes", 32, 3), Case("gunpoint", "GunPoint", 16, 20)]


def make_data(case):
    """``(X_train, y_train, X_test, y_test, vocab_size)``, the same for every contender."""
    if case.tokens:
        frame = pd.read_csv(ROOT / "data" / "text" / "rotten_tomatoes.csv.gz")
        texts = frame["text"].to_numpy(dtype=object)
        labels = frame["label"].to_numpy(dtype=str)
        texts_train, texts_test, y_train, y_test = train_test_split(
            texts, labels, test_size=0.2, random_state=0, stratify=labels
        )
        tokenizer = sknets.TextTokenizer().fit(texts_train)
        X_train = np.ascontiguousarray(tokenizer.transform(texts_train), dtype=np.int64)
        X_test = np.ascontiguousarray(tokenizer.transform(texts_test), dtype=np.int64)
        return X_train, y_train, X_test, y_test, int(tokenizer.vocab_size_)
    data = np.load(ROOT / "data" / "ucr" / "GunPoint.npz")
    return data["X_train"], data["y_train"], data["X_test"], data["y_test"], None


# ---------------------------------------------------------------- contenders
class HandLSTM(nn.Module):
    """RecurrentNetwork(cell="lstm", pooling="last") written out by hand.

    Token ids: embedding (0 is padding), packed by the given lengths, LSTM,
    final hidden state, linear head.  Series ``(n, 1, T)``: transposed to
    ``(n, T, 1)`` and run unpacked (no padding).
    """

    def __init__(self, n_outputs, vocab_size=None, in_channels=None):
        super().__init__()
        if vocab_size is not None:
            self.embedding = nn.Embedding(vocab_size, EMBEDDING_DIM, padding_idx=0)
            n_features = EMBEDDING_DIM
        else:
            self.embedding = None
            n_features = in_channels
        self.lstm = nn.LSTM(n_features, HIDDEN_SIZE, batch_first=True)
        self.head = nn.Linear(HIDDEN_SIZE, n_outputs)

    def forward(self, x, lengths=None):
        if self.embedding is None:
            _, (hidden, _) = self.lstm(x.transpose(1, 2))
        else:
            packed = pack_padded_sequence(
                self.embedding(x), lengths, batch_first=True, enforce_sorted=False
            )
            _, (hidden, _) = self.lstm(packed)
        return self.head(hidden[-1])


def token_lengths(X_t):
    """Real tokens per row (an empty row keeps one step, as sknets does)."""
    return (X_t != 0).sum(dim=1).clamp(min=1)


def recurrent_network(n_outputs, X, vocab_size):
    """sknets' network for this problem (skorch's module, and the reference of the check)."""
    return RecurrentNetwork(
        n_outputs=n_outputs,
        in_channels=None if vocab_size is not None else X.shape[1],
        vocab_size=vocab_size,
        embedding_dim=EMBEDDING_DIM,
        cell="lstm",
        hidden_size=HIDDEN_SIZE,
        pooling="last",
    )


def check_same_network(data):
    """The hand-written module computes what RecurrentNetwork computes, with its weights."""
    X_train, _, _, _, vocab_size = data
    torch.manual_seed(0)
    reference = recurrent_network(1, X_train, vocab_size)
    hand = HandLSTM(1, vocab_size=vocab_size, in_channels=X_train.shape[1])
    names = {"inputs.embedding.": "embedding.", "rnn.": "lstm.", "head.": "head."}
    state = {}
    for name, value in reference.state_dict().items():
        prefix = next(p for p in names if name.startswith(p))
        state[names[prefix] + name.removeprefix(prefix)] = value
    hand.load_state_dict(state)  # strict: the same parameters, no more, no fewer
    x = torch.from_numpy(X_train[:64])
    with torch.inference_mode():
        expected = reference(x)
        got = hand(x, token_lengths(x) if vocab_size is not None else None)
    if not torch.allclose(expected, got, atol=1e-5, rtol=1e-4):
        raise RuntimeError("the hand-written LSTM does not match RecurrentNetwork")


class HandLoop:
    """The practical limit: the smallest correct PyTorch training loop."""

    name = "hand loop"

    def __init__(self, case, seed, vocab_size):
        self.case, self.seed, self.vocab_size = case, seed, vocab_size

    def fit(self, X, y):
        torch.manual_seed(self.seed)
        self.classes_ = np.unique(y)
        binary = self.classes_.shape[0] == 2
        X_t = torch.from_numpy(X)
        lengths = token_lengths(X_t) if self.vocab_size is not None else None
        index = np.searchsorted(self.classes_, y)
        if binary:  # one logit and a logistic loss, as sknets uses
            y_t = torch.from_numpy(index.astype(np.float32)[:, None])
            loss_fn = F.binary_cross_entropy_with_logits
        else:
            y_t = torch.from_numpy(index.astype(np.int64))
            loss_fn = F.cross_entropy
        self.model = HandLSTM(
            1 if binary else self.classes_.shape[0],
            vocab_size=self.vocab_size,
            in_channels=X.shape[1],
        )
        optimizer = torch.optim.Adam(self.model.parameters(), lr=LEARNING_RATE, fused=True)
        generator = torch.Generator().manual_seed(self.seed)
        n, step = X_t.shape[0], self.case.batch_size
        self.model.train()
        for _ in range(self.case.epochs):
            order = torch.randperm(n, generator=generator)
            for start in range(0, n, step):
                rows = order[start : start + step]
                optimizer.zero_grad()
                batch_lengths = None if lengths is None else lengths[rows]
                loss = loss_fn(self.model(X_t[rows], batch_lengths), y_t[rows])
                loss.backward()
                optimizer.step()
        self.n_iter_ = self.case.epochs
        self.threads = torch.get_num_threads()
        return self

    def predict(self, X):
        self.model.eval()
        X_t = torch.from_numpy(X)
        lengths = token_lengths(X_t) if self.vocab_size is not None else None
        with torch.inference_mode():
            logits = self.model(X_t, lengths)
        if self.classes_.shape[0] == 2:
            return self.classes_[(logits[:, 0] > 0).numpy().astype(np.int64)]
        return self.classes_[logits.argmax(dim=1).numpy()]


class Sknets:
    name = "sknets"

    def __init__(self, case, seed, vocab_size):
        self.estimator = sknets.LSTMClassifier(
            vocab_size=vocab_size,
            embedding_dim=EMBEDDING_DIM,
            hidden_size=HIDDEN_SIZE,
            batch_size=case.batch_size,
            learning_rate_init=LEARNING_RATE,
            max_iter=case.epochs,
            tol=0.0,
            n_iter_no_change=case.epochs + 1,
            alpha=0.0,
            random_state=seed,
            device="cpu",
        )

    def fit(self, X, y):
        self.estimator.fit(X, y)
        self.n_iter_ = self.estimator.n_iter_
        # The intra-op thread count sknets chose for the fit (None: the caller's).
        self.threads = getattr(self.estimator, "_n_threads_fit", None) or torch.get_num_threads()
        return self

    def predict(self, X):
        return self.estimator.predict(X)


class Skorch:
    name = "skorch"

    def __init__(self, case, seed, vocab_size):
        self.case, self.seed, self.vocab_size = case, seed, vocab_size

    def fit(self, X, y):
        torch.manual_seed(self.seed)
        self.classes_ = np.unique(y)
        module = recurrent_network(self.classes_.shape[0], X, self.vocab_size)
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
        self.threads = torch.get_num_threads()
        return self

    def predict(self, X):
        return self.classes_[self.net.predict(X)]


CONTENDERS = [HandLoop, Sknets, Skorch]


# ------------------------------------------------------------------- running
def run_once(contender_class, case, data, seed):
    X_train, y_train, X_test, y_test, vocab_size = data
    contender = contender_class(case, seed, vocab_size)
    gc.collect()
    start = time.perf_counter()
    contender.fit(X_train, y_train)
    fit_time = time.perf_counter() - start
    if contender.n_iter_ != case.epochs:
        raise RuntimeError(
            f"{contender.name} ran {contender.n_iter_} epochs instead of {case.epochs}"
        )
    accuracy = float(np.mean(contender.predict(X_test) == y_test))
    return fit_time / case.epochs, accuracy, contender.threads


def run_case(case, data, repeats, seed, log):
    title = case.title(data)
    samples = interleaved_samples(
        CONTENDERS,
        lambda contender_class, run_seed: run_once(contender_class, case, data, run_seed),
        repeats,
        seed,
        log,
        title,
    )
    # Ratios are paired: each repeat's time over the hand loop's in the same
    # repeat, then the median, which cancels load that drifts between repeats.
    base = samples[HandLoop.name]
    rows = []
    for contender_class in CONTENDERS:
        runs = samples[contender_class.name]
        rows.append(
            {
                "name": contender_class.name,
                "epoch": statistics.median(r[0] for r in runs),
                "epoch_ratio": statistics.median(
                    r[0] / b[0] for r, b in zip(runs, base, strict=True)
                ),
                # Each repeat uses its own seed: the accuracy is a mean over seeds.
                "accuracy": statistics.mean(r[1] for r in runs),
                "accuracy_sd": statistics.stdev(r[1] for r in runs) if len(runs) > 1 else 0.0,
                "threads": ", ".join(sorted({str(r[2]) for r in runs})),
            }
        )
    return title, rows


def verdicts(case, rows):
    ours = next(row for row in rows if row["name"] == Sknets.name)
    return [
        (
            f"LSTMClassifier / hand loop on {case.data_name} <= {case.fit_target:g}x",
            ours["epoch_ratio"] <= case.fit_target,
            f"{ours['epoch_ratio']:.2f}x",
        )
    ]


HEADER = ("contender", "time/epoch (ms)", "ratio", "threads", "test accuracy (sd)")


def table_cells(rows):
    return [
        (
            row["name"],
            f"{row['epoch'] * 1e3:.1f}",
            f"{row['epoch_ratio']:.2f}x",
            row["threads"],
            f"{row['accuracy']:.4f} ± {row['accuracy_sd']:.4f}",
        )
        for row in rows
    ]


def format_text(case, title, rows, quick=False):
    cells = [HEADER, *table_cells(rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = [title]
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
        lines.append("  (quick run: the target applies to the full run)")
    for label, ok, detail in verdicts(case, rows):
        lines.append(f"  {label}: {'met' if ok else 'MISSED'} ({detail})")
    return "\n".join(lines)


def format_rst(results, env, repeats):
    lines = [
        ".. Generated by benchmarks/sequence_speed.py --write-docs; do not edit by hand.",
        "",
        f"{describe_machine(env)} for every contender (1-minute load average "
        f"{env['load']:.1f} at the start, {env['load_end']:.1f} at the end).  "
        f"Times are the median of {repeats} interleaved repeats, each with its own "
        "seed; ratios are to the hand-written PyTorch loop (the same embedding and "
        "``nn.LSTM``, packed sequences for the padded text), taken within each repeat, "
        "then the median.  Time per epoch is the whole fit from NumPy arrays divided "
        "by the number of epochs; accuracy is on the test split (rotten_tomatoes: a "
        "stratified 20 % held out; GunPoint: the official test set), the mean (and "
        "standard deviation) over the repeats' seeds.  The threads column is the "
        "intra-op thread count each contender trained with.",
        "",
    ]
    for case, title, rows in results:
        lines += rst_table(title, HEADER, table_cells(rows))
        lines.append("Target for sknets:")
        lines.append("")
        for label, ok, detail in verdicts(case, rows):
            lines.append(f"- {label}: {'met' if ok else 'missed'} ({detail})")
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer epochs, 1 repeat")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats (default 5)")
    parser.add_argument(
        "--threads", type=int, default=None, help="threads for every contender (default: torch's)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--cases",
        default=",".join(CASE_KEYS),
        help="which problems to run, comma-separated among 'text' and 'gunpoint' (default both)",
    )
    parser.add_argument(
        "--write-docs", action="store_true", help=f"write the tables to {DOCS_PATH}"
    )
    args = parser.parse_args(argv)
    cases = {key.strip() for key in args.cases.split(",") if key.strip()}
    if not cases or not cases <= set(CASE_KEYS):
        parser.error("--cases takes 'text', 'gunpoint' or 'text,gunpoint'")
    if args.write_docs and (args.quick or cases != set(CASE_KEYS)):
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
            if case.key not in cases:
                continue
            data = make_data(case)
            check_same_network(data)
            title, rows = run_case(case, data, repeats, args.seed, log)
            results.append((case, title, rows))
            print()
            print(format_text(case, title, rows, args.quick), flush=True)
    env["load_end"] = load_average()
    if args.write_docs:
        DOCS_PATH.parent.mkdir(parents=True, exist_ok=True)
        DOCS_PATH.write_text(format_rst(results, env, repeats))
        print(f"\nwrote {DOCS_PATH}")


if __name__ == "__main__":
    main()
