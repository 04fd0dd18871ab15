"""Fusion of modalities: FusionClassifier against each modality alone and late fusion.

One part, printed as a table and, with ``--write-docs``, written to
``docs/_bench/fusion_digits.rst``:

``digits``
    scikit-learn's digits with Gaussian pixel noise (pixels / 16 plus
    N(0, 0.6)), each row followed by 4 token ids that say the digit modulo 3
    (each residue through one of three synonym ids; 30 % of the tokens
    replaced by random ids): ``digits_with_tokens`` of
    ``examples/fusion_digits_tokens.py``, which documents the generator.
    Neither modality is enough alone (the tokens tell at most which third
    of the digits it is).  Test accuracy (30 % stratified hold-out, a new
    split and new noise per seed) of a CNN on the pixels, an LSTM on the
    tokens, late fusion (the mean of their probabilities) and
    FusionClassifier (the same CNN and LSTM as branches, one shared head,
    ``combine="concat"`` and ``"attention"``), all at the same epochs.
    Target: FusionClassifier (concat) beats late fusion and both single
    modalities on average.

Usage::

    python benchmarks/fusion_quality.py              # about 1.5 minutes, 1 thread
    python benchmarks/fusion_quality.py --quick      # smoke run (seconds; no targets)
    python benchmarks/fusion_quality.py --write-docs
"""

import sys
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "examples"))
from _report import log, seeded_quality_main  # noqa: E402
from fusion_digits_tokens import accuracies, digits_with_tokens  # noqa: E402

PARTS = ("digits",)
MAX_ITER = 40
FUSION = "FusionClassifier(combine='concat')"


def run_digits(args):
    max_iter = 3 if args.quick else MAX_ITER
    scores, start = {}, time.perf_counter()
    for seed in range(args.seeds):
        X, y = digits_with_tokens(random_state=seed)
        split = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
        for name, accuracy in accuracies(*split, max_iter, random_state=seed).items():
            scores.setdefault(name, []).append(100 * accuracy)
            log(f"seed {seed} {name}: {100 * accuracy:.1f} %")
    rows = [
        [name, f"{np.mean(values):.1f}", f"{np.min(values):.1f}-{np.max(values):.1f}"]
        for name, values in scores.items()
    ]
    means = {name: np.mean(values) for name, values in scores.items()}
    others = {name: mean for name, mean in means.items() if not name.startswith("Fusion")}
    best_other = max(others, key=others.get)
    met = means[FUSION] > others[best_other]
    verdict = (
        f"FusionClassifier (concat) above every single modality and late fusion: "
        f"{'met' if met else 'MISSED'} ({means[FUSION]:.1f} % vs {best_other} "
        f"{others[best_other]:.1f} %)"
    )
    intro = (
        "scikit-learn's digits with Gaussian pixel noise (pixels / 16 + N(0, 0.6)) and 4 "
        "token ids per image that say the digit modulo 3 through one of three synonym ids, "
        "30 % of them random (``digits_with_tokens`` in "
        "``examples/fusion_digits_tokens.py``); test accuracy on a stratified 30 % "
        f"hold-out over {args.seeds} seeds (a new split and new noise each), every network "
        f"trained {max_iter} epochs (batch 64, Adam 1e-3): a CNN (filters (16, 32), dense 64) "
        "on the pixels, an LSTM (hidden 32) on the tokens, late fusion = the mean of their "
        "probabilities, and FusionClassifier with the same CNN and LSTM as branches and a "
        f"64-unit shared head; {time.perf_counter() - start:.0f} s in all, one thread."
    )
    return {
        "title": "Noisy digits plus noisy tokens",
        "intro": intro,
        "header": ("model", "accuracy %", "min-max"),
        "rows": rows,
        "verdicts": [] if args.quick else [verdict],
    }


RUNNERS = {"digits": run_digits}


def main(argv=None):
    seeded_quality_main(__doc__, "fusion_quality.py", "fusion", RUNNERS, argv, quick_seeds=1)


if __name__ == "__main__":
    main()
