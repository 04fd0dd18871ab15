"""Fusion of two modalities: noisy digit images plus a short, noisy token sequence.

Each row holds the 64 pixels of one of scikit-learn's 8x8 digits, made hard
to read by Gaussian pixel noise, followed by a few token ids that carry
part of the label: each token says the digit modulo 3 (through one of three
"synonyms" per residue, so the sequence model has to learn which ids mean
the same), and a share of the tokens are random.  The image alone is
blurred, the tokens alone tell at most which third of the digits it is:
neither is enough.  FusionClassifier trains a CNN over the pixel columns
and an LSTM over the token columns end to end with one shared head; it is
compared with each branch alone and with late fusion (the average of the
two single models' probabilities).

Run it with ``python examples/fusion_digits_tokens.py`` (``--max-iter 2``
for a quick run with fewer epochs).
"""

import argparse

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sknets import CNNClassifier, FusionClassifier, LSTMClassifier

N_PIXELS = 64
N_TOKENS = 4
# Ids 1..9 (0 is padding): residue r of the digit mod 3 is said by 1 + r, 4 + r or 7 + r.
VOCAB_SIZE = 10


def digits_with_tokens(pixel_noise=0.6, token_noise=0.3, random_state=0):
    """Digits (pixels / 16 plus N(0, pixel_noise) noise) and N_TOKENS token ids per row.

    Each token is ``1 + r + 3 * s`` with ``r = digit % 3`` and a random
    synonym ``s`` in {0, 1, 2}; with probability ``token_noise`` it is
    replaced by a random id in 1..9.  Returns ``X`` (pixels, then tokens as
    whole numbers) and the digits.
    """
    rng = np.random.default_rng(random_state)
    images, digits = load_digits(return_X_y=True)
    pixels = images / 16 + rng.normal(0.0, pixel_noise, images.shape)
    tokens = 1 + (digits % 3)[:, None] + 3 * rng.integers(0, 3, (len(digits), N_TOKENS))
    random = rng.random(tokens.shape) < token_noise
    tokens[random] = rng.integers(1, VOCAB_SIZE, random.sum())
    return np.hstack([pixels, tokens]), digits


def image_model(max_iter, random_state=0):
    return CNNClassifier(
        input_shape=(1, 8, 8),
        filters=(16, 32),
        hidden_layer_sizes=(64,),
        batch_size=64,
        max_iter=max_iter,
        random_state=random_state,
    )


def token_model(max_iter, random_state=0):
    return LSTMClassifier(
        vocab_size=VOCAB_SIZE,
        embedding_dim=16,
        hidden_size=32,
        batch_size=64,
        max_iter=max_iter,
        random_state=random_state,
    )


IMAGE_COLUMNS = slice(0, N_PIXELS)
TOKEN_COLUMNS = slice(N_PIXELS, N_PIXELS + N_TOKENS)


def fusion_model(max_iter, combine="concat", random_state=0):
    """A CNN branch over the pixels and an LSTM branch over the tokens, one head."""
    return FusionClassifier(
        [
            ("image", image_model(max_iter), IMAGE_COLUMNS),
            ("tokens", token_model(max_iter), TOKEN_COLUMNS),
        ],
        hidden_layer_sizes=(64,),
        combine=combine,
        batch_size=64,
        max_iter=max_iter,
        random_state=random_state,
    )


def accuracies(X_train, X_test, y_train, y_test, max_iter, random_state=0):
    """Test accuracy of each branch alone, of late fusion and of FusionClassifier."""
    image = image_model(max_iter, random_state).fit(X_train[:, IMAGE_COLUMNS], y_train)
    tokens = token_model(max_iter, random_state).fit(X_train[:, TOKEN_COLUMNS], y_train)
    image_proba = image.predict_proba(X_test[:, IMAGE_COLUMNS])
    token_proba = tokens.predict_proba(X_test[:, TOKEN_COLUMNS])
    late = image.classes_[(image_proba + token_proba).argmax(axis=1)]
    results = {
        "CNN on the image alone": (image_proba.argmax(axis=1) == y_test).mean(),
        "LSTM on the tokens alone": (token_proba.argmax(axis=1) == y_test).mean(),
        "late fusion (mean of both probabilities)": (late == y_test).mean(),
    }
    for combine in ("concat", "attention"):
        fusion = fusion_model(max_iter, combine, random_state).fit(X_train, y_train)
        results[f"FusionClassifier(combine={combine!r})"] = fusion.score(X_test, y_test)
    return results


def main(max_iter=None):
    X, y = digits_with_tokens()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    print(f"digits with tokens: {X.shape[1]} columns (64 noisy pixels, {N_TOKENS} token ids)")
    for name, accuracy in accuracies(X_train, X_test, y_train, y_test, max_iter or 40).items():
        print(f"{name:>42}: test accuracy {accuracy:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-iter", type=int, help="epochs of every model")
    main(parser.parse_args().max_iter)
