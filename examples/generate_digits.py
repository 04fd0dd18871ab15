"""Generate handwritten digits with a conditional GAN and a diffusion model.

Both learn scikit-learn's 8x8 digits (scaled to [0, 1]) as images through
``input_shape=(1, 8, 8)``: a DCGAN conditioned on the digit's label, and a
DDPM with a small U-Net, sampled with the fast DDIM sampler.  An MLP
classifier trained on real digits then reads the generated ones: for the
conditional GAN, how often it recognises the digit that was asked for.

Usage::

    python examples/generate_digits.py                  # about 4 minutes on 2 cores
    python examples/generate_digits.py --max-iter 2     # a quick run
    python examples/generate_digits.py --plot digits.png
"""

import argparse

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from sknets import DiffusionGenerator, GANGenerator


def picture_grid(rows, path):
    """Save rows of images (a list of (title, images) pairs) as one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_columns = max(len(images) for _, images in rows)
    figure, axes = plt.subplots(
        len(rows), n_columns, figsize=(n_columns * 0.6, len(rows) * 0.7), squeeze=False
    )
    for axes_row, (title, images) in zip(axes, rows, strict=True):
        for axis, image in zip(axes_row, images, strict=False):
            axis.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        for axis in axes_row:
            axis.axis("off")
        axes_row[0].set_title(title, fontsize=7, loc="left")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    print(f"saved {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-iter", type=int, default=100, help="epochs of each model")
    parser.add_argument("--plot", metavar="FILE", help="save a grid of samples as a PNG")
    args = parser.parse_args(argv)

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.25, stratify=y, random_state=0
    )
    reader = MLPClassifier(hidden_layer_sizes=(64,), max_iter=500, random_state=0)
    reader.fit(X_train, y_train)
    print(f"MLPClassifier on real held-out digits: accuracy {reader.score(X_test, y_test):.3f}")

    gan = GANGenerator(input_shape=(1, 8, 8), max_iter=args.max_iter, random_state=0)
    gan.fit(X_train, y_train)
    wanted = np.repeat(np.arange(10), 50)
    generated = np.clip(gan.sample(len(wanted), y=wanted, random_state=0), 0, 1)
    per_class = [
        reader.score(generated[wanted == digit], wanted[wanted == digit]) for digit in range(10)
    ]
    print(
        f"GANGenerator (conditional, {gan.n_iter_} epochs): the classifier recognises "
        f"{reader.score(generated, wanted):.3f} of 500 generated digits as the digit asked for"
    )
    print("  per digit: " + " ".join(f"{d}:{a:.2f}" for d, a in enumerate(per_class)))

    diffusion = DiffusionGenerator(
        input_shape=(1, 8, 8), max_iter=args.max_iter, n_sampling_steps=50, random_state=0
    )
    diffusion.fit(X_train)
    diffused = np.clip(diffusion.sample(200, random_state=0), 0, 1)
    confidence = reader.predict_proba(diffused).max(axis=1).mean()
    counts = np.bincount(reader.predict(diffused), minlength=10)
    print(
        f"DiffusionGenerator ({diffusion.n_iter_} epochs, DDIM over 50 steps): 200 samples, "
        f"mean classifier confidence {confidence:.3f}, read as digits {counts.tolist()}"
    )

    if args.plot:
        picture_grid(
            [
                ("real", X_test[:10]),
                *[(f"GAN, digit {d}", generated[wanted == d][:10]) for d in range(0, 10, 3)],
                ("diffusion", diffused[:10]),
            ],
            args.plot,
        )


if __name__ == "__main__":
    main()
