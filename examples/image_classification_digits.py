"""Image classification: a CNN on scikit-learn's 8x8 digits, in a pipeline.

The digits arrive as flat rows of 64 pixels.  ``input_shape=(1, 8, 8)``
tells CNNClassifier how to fold each row back into a one-channel image, so a
StandardScaler can run first, exactly as for any scikit-learn model.  The
CNN is compared on the same 5 folds with sknets' MLPClassifier and
scikit-learn's LogisticRegression.

Run it with ``python examples/image_classification_digits.py``
(``--max-iter 2`` for a quick run with fewer epochs).
"""

import argparse
import time

from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknets import CNNClassifier, MLPClassifier


def main(max_iter=None):
    """Print each model's 5-fold accuracy; ``max_iter`` caps the sknets models' epochs."""
    X, y = load_digits(return_X_y=True)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    models = {
        "CNNClassifier": CNNClassifier(
            input_shape=(1, 8, 8),
            filters=(32, 64),
            hidden_layer_sizes=(128,),
            dropout=0.25,
            batch_size=64,
            max_iter=max_iter or 30,
            random_state=0,
        ),
        "MLPClassifier": MLPClassifier(
            hidden_layer_sizes=(256,), max_iter=max_iter or 300, random_state=0
        ),
        "LogisticRegression": LogisticRegression(max_iter=2000),
    }
    for name, model in models.items():
        start = time.perf_counter()
        scores = cross_val_score(make_pipeline(StandardScaler(), model), X, y, cv=folds)
        elapsed = time.perf_counter() - start
        print(
            f"{name:>18}: {scores.mean():.3f} +/- {scores.std():.3f} accuracy "
            f"(5-fold CV, {elapsed:.1f} s)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-iter", type=int, help="epochs of the sknets models")
    main(parser.parse_args().max_iter)
