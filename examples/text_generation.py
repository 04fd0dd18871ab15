"""Text generation: a character-level GPT trained on Shakespeare's Hamlet.

``data/text/hamlet.txt`` (the play as plain text, 175,176 characters) is
split in two: the first 90 % to train on, the last 10 % held out.  A
GPTGenerator with nanoGPT's "baby GPT" settings (4 layers, 4 heads, 128
features, a context of 64 characters) learns to predict each next
character; the held-out loss in nats per character (and its perplexity)
says how well it predicts text it never saw, next to a model that knows
only how often each character occurs.  Then it writes a scene of its own.

Run it with ``python examples/text_generation.py [--max-iter N]``: one
epoch takes 10-20 s on one CPU core and reaches a held-out loss of about
2.5 nats per character; ``benchmarks/gpt_quality.py`` trains 40 epochs
for its target of 1.8.
"""

import argparse
import time
from collections import Counter
from pathlib import Path

import numpy as np

from sknets import GPTGenerator

DATA = Path(__file__).resolve().parents[1] / "data" / "text" / "hamlet.txt"


def main(max_iter=10):
    """Print the held-out loss and perplexity and a generated continuation."""
    text = DATA.read_text()
    split = int(0.9 * len(text))
    train, held_out = text[:split], text[split:]
    print(f"hamlet.txt: {len(train)} training and {len(held_out)} held-out characters")

    counts = Counter(train)
    frequency = np.array([counts[c] + 1 for c in held_out]) / (len(train) + len(counts) + 1)
    print(f"character frequencies alone: {-np.log(frequency).mean():.3f} nats per character")

    gpt = GPTGenerator(max_iter=max_iter, random_state=0, device="cpu")
    start = time.perf_counter()
    gpt.fit([train])
    elapsed = time.perf_counter() - start
    loss = -gpt.score([held_out])
    print(
        f"GPTGenerator: held-out loss {loss:.3f} nats per character (perplexity "
        f"{np.exp(loss):.2f}) after {gpt.n_iter_} epochs, {elapsed:.0f} s"
    )
    continuation = gpt.generate("HAMLET\n", max_new_tokens=300, top_k=20, random_state=0)
    print("generated:")
    print(continuation)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-iter", type=int, default=10, help="training epochs")
    main(parser.parse_args().max_iter)
