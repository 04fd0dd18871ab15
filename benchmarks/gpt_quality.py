"""Held-out loss of GPTGenerator on Hamlet, next to unigram and bigram baselines.

One part, ``hamlet``, printed as a table and, with ``--write-docs``,
written to ``docs/_bench/gpt_hamlet.rst`` with a few generated lines:

``hamlet``
    ``data/text/hamlet.txt`` (175,176 characters), the first 90 % to train
    on and the last 10 % held out, both as one text.  GPTGenerator with
    its defaults (nanoGPT's CPU "baby GPT": 4 layers, 4 heads, 128
    features, a context of 64 characters, batches of 12 windows, AdamW at
    1e-3 with weight decay 0.1 and a cosine decay) except ``max_iter``
    (``EPOCHS``, sized to train within 10 minutes on 2 cores), seed 0.  The
    held-out loss is ``-score``: nats per character (the end token
    included), over windows of 64 characters of context.  Baselines on the
    same split and the same tokens (the characters, plus the boundary
    token that starts and ends a text):

    * unigram: character frequencies of the training text, add-one smoothed;
    * bigram: interpolated Kneser-Ney (absolute discount 0.75, continuation
      counts add-one smoothed so that every character keeps some mass).

    Targets: held-out loss <= 1.8 nats per character, training <= 600 s.

Usage::

    python benchmarks/gpt_quality.py                # about 10 minutes, 2 threads
    python benchmarks/gpt_quality.py --write-docs   # and writes docs/_bench/gpt_hamlet.rst
    python benchmarks/gpt_quality.py --quick        # smoke run: 1 epoch on 20,000 characters
"""

import argparse
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning

from sknets import GPTGenerator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import environment, quality_page, run_parts, selected_parts  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("hamlet",)
EPOCHS = 40
TARGET_LOSS = 1.8
TARGET_SECONDS = 600
BOUNDARY = "\0"  # the boundary token, as a character the play does not use
DISCOUNT = 0.75


def split_hamlet(quick):
    text = (ROOT / "data" / "text" / "hamlet.txt").read_text()
    split = int(0.9 * len(text))
    train, held_out = text[:split], text[split:]
    if quick:
        train, held_out = train[:20_000], held_out[:5_000]
    return train, held_out


def _framed(text):
    return BOUNDARY + text + BOUNDARY


def unigram_loss(train, held_out):
    """Add-one smoothed character frequencies: mean negative log-likelihood per token."""
    counts = Counter(_framed(train)[1:])  # every predicted token, as the model predicts them
    vocabulary = set(counts) | set(held_out)
    total = sum(counts.values()) + len(vocabulary)
    targets = _framed(held_out)[1:]
    return -np.mean([np.log((counts[c] + 1) / total) for c in targets])


def kneser_ney_bigram_loss(train, held_out):
    """Interpolated Kneser-Ney bigram: mean negative log-likelihood per predicted token."""
    stream = _framed(train)
    pairs = Counter(zip(stream[:-1], stream[1:], strict=True))
    context_counts = Counter(stream[:-1])
    followers = Counter(v for v, _ in pairs)  # distinct tokens after each context
    continuation = Counter(w for _, w in pairs)  # distinct contexts before each token
    vocabulary = set(stream) | set(held_out)
    continuation_total = len(pairs) + len(vocabulary)

    def probability(v, w):
        p_continuation = (continuation[w] + 1) / continuation_total
        if context_counts[v] == 0:
            return p_continuation
        discounted = max(pairs[(v, w)] - DISCOUNT, 0) / context_counts[v]
        backoff = DISCOUNT * followers[v] / context_counts[v]
        return discounted + backoff * p_continuation

    framed = _framed(held_out)
    return -np.mean(
        [np.log(probability(v, w)) for v, w in zip(framed[:-1], framed[1:], strict=True)]
    )


def run_hamlet(args):
    train, held_out = split_hamlet(args.quick)
    epochs = 1 if args.quick else args.max_iter
    torch.set_num_threads(args.threads)
    gpt = GPTGenerator(max_iter=epochs, random_state=0, device="cpu")
    start = time.perf_counter()
    gpt.fit([train])
    seconds = time.perf_counter() - start
    loss = -gpt.score([held_out])
    print(f"  GPTGenerator: {epochs} epochs in {seconds:.0f} s", file=sys.stderr)
    print(
        "  training loss per epoch: " + ", ".join(f"{value:.3f}" for value in gpt.loss_curve_),
        file=sys.stderr,
    )
    baselines = {
        "unigram (add-one)": unigram_loss(train, held_out),
        "bigram (interpolated Kneser-Ney)": kneser_ney_bigram_loss(train, held_out),
    }
    rows = [(name, f"{value:.3f}", f"{np.exp(value):.2f}", "") for name, value in baselines.items()]
    rows.append(
        (
            f"GPTGenerator ({epochs} epochs)",
            f"{loss:.3f}",
            f"{np.exp(loss):.2f}",
            f"{seconds:.0f}",
        )
    )
    samples = [
        gpt.generate(prompt, max_new_tokens=240, top_k=10, random_state=0)
        for prompt in ("HAMLET\n", "KING CLAUDIUS\n")
    ]
    for sample in samples:
        print(f"  generated:\n{sample}\n", file=sys.stderr)
    verdicts = [
        f"held-out loss <= {TARGET_LOSS} nats/char: "
        f"{'met' if loss <= TARGET_LOSS else 'MISSED'} ({loss:.3f})",
        f"training within {TARGET_SECONDS} s: "
        f"{'met' if seconds <= TARGET_SECONDS else 'MISSED'} ({seconds:.0f} s)",
    ]
    if args.quick:
        verdicts = [f"quick run, the targets apply to the full run: {v}" for v in verdicts]
    return {
        "title": (f"hamlet.txt: {len(train):,} training / {len(held_out):,} held-out characters"),
        "intro": (
            f"GPTGenerator with its defaults and max_iter={epochs}, "
            "seed 0; loss in nats per character on the held-out last 10 % of the play "
            "(perplexity = exp(loss)); the baselines are fitted on the same training "
            "characters."
        ),
        "header": ("model", "held-out loss (nats/char)", "perplexity", "fit time (s)"),
        "rows": rows,
        "verdicts": verdicts,
        "samples": samples,
    }


def format_rst(part, result, env):
    page = quality_page("gpt_quality.py", part, result, env)
    lines = [page, "Generated with ``generate(prompt, max_new_tokens=240, top_k=10)``:", ""]
    for sample in result["samples"]:
        lines += [".. code-block:: text", ""]
        lines += [f"   {line}".rstrip() for line in sample.splitlines()]
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", default=",".join(PARTS), help="hamlet")
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads (default 2)")
    parser.add_argument("--max-iter", type=int, default=EPOCHS, help=f"epochs (default {EPOCHS})")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 epoch, less text")
    parser.add_argument(
        "--write-docs", action="store_true", help="write docs/_bench/gpt_hamlet.rst"
    )
    args = parser.parse_args(argv)
    parts = selected_parts(parser, args, PARTS)
    if args.write_docs and args.quick:
        parser.error("--write-docs needs a full run (no --quick)")
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    env = environment(args.threads)
    runners = {"hamlet": lambda: run_hamlet(args)}
    run_parts(runners, parts, env, format_rst, "gpt", args.write_docs)


if __name__ == "__main__":
    main()
