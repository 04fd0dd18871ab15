"""Zero-shot classification: recognise digits never shown in training.

Every digit is described by the segments it lights on a seven-segment
display (a top, b top right, c bottom right, d bottom, e bottom left, f top
left, g middle).  ZeroShotClassifier learns from handwritten 0-6 to map an
image into that segment space; 7, 8 and 9 are known to it only through
their rows of the table, yet ``classes_`` lists them and ``predict`` can
return them.

The example prints the accuracy on the unseen digits 7-9 (choosing among
them: chance is 33 %), then the generalised setting, where every test
image may be any of the ten digits, with and without ``seen_class_penalty``
(which lowers the scores of the digits seen in training).  Handwriting is
far from a seven-segment display, so expect modest figures:
benchmarks/zeroshot_quality.py compares them with Lampert et al.'s direct
attribute prediction over several seeds.

Usage::

    python examples/zero_shot_digits.py                # a few seconds
    python examples/zero_shot_digits.py --max-iter 5   # a quick run
"""

import argparse
import warnings

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknets import ZeroShotClassifier

# The segments each digit 0-9 lights.
LIT_SEGMENTS = (
    "abcdef",
    "bc",
    "abdeg",
    "abcdg",
    "bcfg",
    "acdfg",
    "acdefg",
    "abc",
    "abcdefg",
    "abcdfg",
)


def seven_segment_table():
    """One row per digit: 1 where the digit lights the segment."""
    return pd.DataFrame(
        [[int(segment in lit) for segment in "abcdefg"] for lit in LIT_SEGMENTS],
        columns=list("abcdefg"),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-iter", type=int, default=200, help="epochs (default 200)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    table = seven_segment_table()
    print("seven-segment attributes of the unseen digits:")
    print(table.loc[[7, 8, 9]].to_string())

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    seen = y_train < 7
    model = make_pipeline(
        StandardScaler(),
        ZeroShotClassifier(table, max_iter=args.max_iter, random_state=0, device="cpu"),
    ).fit(X_train[seen], y_train[seen])
    classifier = model[-1]
    print(f"trained on digits {classifier.seen_classes_.tolist()}, {seen.sum()} images")
    print(f"classes_: {classifier.classes_.tolist()}")

    unseen_rows = y_test >= 7
    proba = model.predict_proba(X_test[unseen_rows])
    among_unseen = classifier.classes_[7:][proba[:, 7:].argmax(axis=1)]
    accuracy = np.mean(among_unseen == y_test[unseen_rows])
    print(f"unseen digits 7-9, choosing among 7-9: accuracy {accuracy:.3f} (chance 0.333)")

    for penalty in (0.0, 5.0):
        classifier.set_params(seen_class_penalty=penalty)  # applies at predict: no refit
        predicted = model.predict(X_test)
        seen_acc = np.mean(predicted[~unseen_rows] == y_test[~unseen_rows])
        unseen_acc = np.mean(predicted[unseen_rows] == y_test[unseen_rows])
        harmonic = 2 * seen_acc * unseen_acc / max(seen_acc + unseen_acc, 1e-12)
        print(
            f"all ten digits, seen_class_penalty={penalty}: seen {seen_acc:.3f}, "
            f"unseen {unseen_acc:.3f}, harmonic mean {harmonic:.3f}"
        )


if __name__ == "__main__":
    main()
