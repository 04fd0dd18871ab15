"""Text classification: an LSTM and a transformer on movie-review snippets.

rotten_tomatoes (``data/text/``: 4,866 snippets of reviews labelled fresh
or rotten, Pang and Lee 2005) is split 80/20, stratified.  A TextTokenizer
turns the strings into padded token ids inside the pipeline; the networks
learn their word embeddings from scratch and stop early on a validation
split.  TF-IDF + logistic regression on the same split is the baseline a
data scientist would try first.

Run it with ``python examples/text_classification.py [--max-iter N]``.
"""

import argparse
import time
from pathlib import Path

import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sknets import LSTMClassifier, TextTokenizer, TransformerClassifier

DATA = Path(__file__).resolve().parents[1] / "data" / "text" / "rotten_tomatoes.csv.gz"


def main(max_iter=30):
    """Print each model's test accuracy and fit time."""
    frame = pd.read_csv(DATA)
    X_train, X_test, y_train, y_test = train_test_split(
        frame["text"], frame["label"], test_size=0.2, stratify=frame["label"], random_state=0
    )
    print(f"rotten_tomatoes: {len(X_train)} training and {len(X_test)} test snippets")
    # Each pipeline's tokenizer tells its network the vocabulary size.
    vocab_size = TextTokenizer(min_df=2).fit(X_train).vocab_size_
    print(f"vocabulary: {vocab_size} ids (0 padding, 1 unknown, words seen twice or more)")
    # The settings of the benchmark (benchmarks/sequence_quality.py): dropout
    # 0.5, mean pooling, batches of 32, early stopping on a validation split.
    settings = {
        "dropout": 0.5,
        "pooling": "mean",
        "batch_size": 32,
        "early_stopping": True,
        "random_state": 0,
    }
    models = {
        "TF-IDF + LogisticRegression": make_pipeline(
            TfidfVectorizer(), LogisticRegression(max_iter=1000)
        ),
        "LSTMClassifier": make_pipeline(
            TextTokenizer(min_df=2),
            LSTMClassifier(bidirectional=True, max_iter=max_iter, **settings),
        ),
        "TransformerClassifier": make_pipeline(
            TextTokenizer(min_df=2),
            TransformerClassifier(max_iter=2 * max_iter, **settings),
        ),
    }
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(X_train, y_train)
        elapsed = time.perf_counter() - start
        print(f"{name:>28}: test accuracy {model.score(X_test, y_test):.3f} ({elapsed:.0f} s)")
    review = ["a moving, beautifully acted film", "a tedious mess with a dull script"]
    print("predictions:", dict(zip(review, models["LSTMClassifier"].predict(review), strict=True)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-iter", type=int, default=30, help="at most this many epochs")
    main(parser.parse_args().max_iter)
