"""Sample quality of the generators: a ring of Gaussians and handwritten digits.

Two parts, each printed as a table and, with ``--write-docs``, written to
``docs/_bench/generative_<part>.rst`` with a picture
(``docs/_bench/generative_<part>.png``):

``ring``
    8 Gaussians of standard deviation 0.02 on a circle of radius 2 (the toy
    of Metz et al., 2017, for mode collapse), 2,000 training points and
    2,000 held out.  Each model draws 2,000 samples; a sample is of high
    quality when it lies within 3 standard deviations (0.06) of a centre,
    and a mode is covered when at least 2 % of the samples (a sixth of its
    fair share) are of high quality around it.  The MMD is the unbiased
    squared maximum mean discrepancy between the samples and the held-out
    points with an RBF kernel of bandwidth 0.5 (a quarter of the radius:
    it sees both missing modes and blurred ones).  Mean over seeds, next
    to a GaussianMixture(8) fitted on the same points, a single Gaussian,
    and the training points themselves (the MMD's noise floor).
``digits``
    scikit-learn's 8x8 digits scaled to [0, 1], a stratified 75/25 split.
    A conditional GANGenerator (fit with the labels) and a
    DiffusionGenerator learn the training images (``input_shape=(1, 8,
    8)``); an MLPClassifier trained on the real training digits reads 50
    generated digits per class: its accuracy on them (the class asked for)
    per class, next to its accuracy on the real held-out digits.  The
    picture shows real digits, the GAN's digits per class and the diffusion
    model's samples.

Models are listed in ``RING_MODELS`` and ``DIGIT_MODELS``, one line each.

Usage::

    python benchmarks/generative_quality.py          # both parts (about 12 minutes, 2 cores)
    python benchmarks/generative_quality.py --parts ring --write-docs
    python benchmarks/generative_quality.py --quick  # smoke run, about a minute
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from joblib import Parallel, delayed
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from sknets import DiffusionGenerator, GANGenerator, VAEGenerator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import DOCS_DIR, environment, quality_page, run_parts, selected_parts  # noqa: E402

PARTS = ("ring", "digits")
RING_RADIUS, RING_STD, RING_MODES = 2.0, 0.02, 8
HIGH_QUALITY_STDS = 3.0
MODE_SHARE = 0.02
MMD_BANDWIDTH = 0.5
N_POINTS = 2000

# name -> (make(seed, epochs): an unfitted model; epochs of a full run).  A
# model is anything with fit(X) and sample(n) (GaussianMixture's sample
# returns (X, labels)).
RING_MODELS = {
    "GANGenerator": (lambda seed, epochs: GANGenerator(max_iter=epochs, random_state=seed), 1500),
    "DiffusionGenerator": (
        lambda seed, epochs: DiffusionGenerator(max_iter=epochs, random_state=seed),
        1000,
    ),
    "VAEGenerator": (lambda seed, epochs: VAEGenerator(max_iter=epochs, random_state=seed), 300),
    "GaussianMixture(8)": (lambda seed, epochs: GaussianMixture(8, random_state=seed), None),
    "single Gaussian": (lambda seed, epochs: GaussianMixture(1, random_state=seed), None),
}
DIGIT_MODELS = {
    "GANGenerator": (
        lambda seed, epochs: GANGenerator(
            input_shape=(1, 8, 8), max_iter=epochs, random_state=seed
        ),
        300,
    ),
    "DiffusionGenerator": (
        lambda seed, epochs: DiffusionGenerator(
            input_shape=(1, 8, 8), max_iter=epochs, random_state=seed
        ),
        150,
    ),
    "VAEGenerator": (
        lambda seed, epochs: VAEGenerator(
            likelihood="bernoulli", max_iter=epochs, random_state=seed
        ),
        100,
    ),
}
QUICK_EPOCHS = 5
QUICK_SAMPLING_STEPS = 20


def _quiet():
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)


def _draw(model, n_samples, seed, quick=False, **conditions):
    if isinstance(model, GaussianMixture):
        return model.sample(n_samples)[0]
    if quick and hasattr(model, "n_sampling_steps"):
        model.set_params(n_sampling_steps=QUICK_SAMPLING_STEPS)  # DDIM: a smoke run's sampler
    return model.sample(n_samples, random_state=seed, **conditions)


# ---------------------------------------------------------------------- ring
def ring_centres():
    angles = 2 * np.pi * np.arange(RING_MODES) / RING_MODES
    return RING_RADIUS * np.c_[np.cos(angles), np.sin(angles)]


def ring_points(n_points, seed):
    rng = np.random.default_rng(seed)
    centres = ring_centres()[rng.integers(0, RING_MODES, n_points)]
    return centres + rng.normal(0, RING_STD, (n_points, 2))


def mmd(X, Y, bandwidth=MMD_BANDWIDTH):
    """Unbiased squared MMD with the RBF kernel exp(-|x - y|^2 / (2 bandwidth^2))."""
    X, Y = torch.as_tensor(X, dtype=torch.float64), torch.as_tensor(Y, dtype=torch.float64)

    def kernel(A, B):
        return torch.exp(-torch.cdist(A, B).pow(2) / (2 * bandwidth**2))

    n, m = len(X), len(Y)
    xx, yy = kernel(X, X), kernel(Y, Y)
    term_x = (xx.sum() - xx.diagonal().sum()) / (n * (n - 1))
    term_y = (yy.sum() - yy.diagonal().sum()) / (m * (m - 1))
    return float(term_x + term_y - 2 * kernel(X, Y).mean())


def ring_scores(samples, held_out):
    distances = np.linalg.norm(samples[:, None, :] - ring_centres()[None], axis=2)
    nearest, closest = distances.argmin(axis=1), distances.min(axis=1)
    good = closest <= HIGH_QUALITY_STDS * RING_STD
    shares = np.bincount(nearest[good], minlength=RING_MODES) / len(samples)
    return {
        "modes": int((shares >= MODE_SHARE).sum()),
        "high_quality": float(good.mean()),
        "mmd": mmd(samples, held_out),
    }


def _ring_run(name, seed, epochs):
    _quiet()
    X, held_out = ring_points(N_POINTS, seed), ring_points(N_POINTS, 1000 + seed)
    make, full_epochs = RING_MODELS[name]
    start = time.perf_counter()
    model = make(seed, epochs or full_epochs).fit(X)
    elapsed = time.perf_counter() - start
    samples = _draw(model, N_POINTS, seed, quick=epochs is not None)
    scores = ring_scores(samples, held_out)
    print(
        f"  ring {name} seed {seed}: {scores['modes']} modes, "
        f"{100 * scores['high_quality']:.1f} % high quality, MMD {scores['mmd']:.4f}, "
        f"{elapsed:.0f} s",
        file=sys.stderr,
        flush=True,
    )
    return name, seed, scores, elapsed, samples


def run_ring(args):
    epochs = QUICK_EPOCHS if args.quick else None
    seeds = range(1 if args.quick else args.seeds)
    runs = Parallel(n_jobs=args.jobs)(
        delayed(_ring_run)(name, seed, epochs) for name in RING_MODELS for seed in seeds
    )
    floor = np.mean([mmd(ring_points(N_POINTS, s), ring_points(N_POINTS, 1000 + s)) for s in seeds])
    header = ["model", "modes (of 8)", "high-quality samples", "MMD", "fit time"]
    rows, pictures = [], {}
    for name in RING_MODELS:
        mine = [run for run in runs if run[0] == name]
        modes = [run[2]["modes"] for run in mine]
        quality = [run[2]["high_quality"] for run in mine]
        distance = [run[2]["mmd"] for run in mine]
        rows.append(
            [
                name,
                f"{np.mean(modes):.1f} (min {min(modes)})",
                f"{100 * np.mean(quality):.1f} %",
                f"{np.mean(distance):.4f}",
                f"{np.mean([run[3] for run in mine]):.1f} s",
            ]
        )
        pictures[name] = mine[0][4]
    rows.append(["training points (noise floor)", "8", "100.0 %", f"{floor:.4f}", "-"])
    verdicts = [
        f"{name}: {row[1]} of {RING_MODES} modes covered (mean over the seeds, and the fewest)"
        for name, row in zip(RING_MODELS, rows, strict=False)
        if name.endswith("Generator")
    ]
    if args.write_docs:
        _ring_picture(pictures, DOCS_DIR / "generative_ring.png")
    n_seeds = len(seeds)
    intro = (
        f"A ring of 8 Gaussians (radius {RING_RADIUS}, standard deviation {RING_STD}), "
        f"{N_POINTS} training points; each model draws {N_POINTS} samples. High quality: "
        f"within {HIGH_QUALITY_STDS:g} standard deviations of a centre; a mode is covered "
        f"by at least {100 * MODE_SHARE:g} % of the samples; MMD: unbiased squared MMD to "
        f"{N_POINTS} held-out points, RBF kernel of bandwidth {MMD_BANDWIDTH}. Mean over "
        f"{n_seeds} seed(s); the networks with their defaults and max_iter only "
        f"(GAN {RING_MODELS['GANGenerator'][1]}, diffusion "
        f"{RING_MODELS['DiffusionGenerator'][1]} epochs"
        + (f"; QUICK run: {QUICK_EPOCHS} epochs)." if args.quick else ").")
    )
    return {
        "title": "Generators on a ring of 8 Gaussians",
        "intro": intro,
        "header": header,
        "rows": rows,
        "verdicts": verdicts,
        "picture": "generative_ring.png",
    }


def _ring_picture(samples_by_model, path):
    plt = _pyplot()
    figure, axes = plt.subplots(
        1, len(samples_by_model) + 1, figsize=(3 * len(samples_by_model) + 3, 3)
    )
    panels = {"training points": ring_points(N_POINTS, 0), **samples_by_model}
    for axis, (name, points) in zip(axes, panels.items(), strict=True):
        axis.scatter(points[:, 0], points[:, 1], s=1, alpha=0.4)
        axis.set_title(name, fontsize=9)
        axis.set_xlim(-3, 3)
        axis.set_ylim(-3, 3)
        axis.set_aspect("equal")
        axis.set_xticks([])
        axis.set_yticks([])
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    print(f"wrote {path}")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# -------------------------------------------------------------------- digits
def load_digit_split():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.25, stratify=y, random_state=0)


def _digit_run(name, epochs):
    _quiet()
    X_train, _, y_train, _ = load_digit_split()
    make, full_epochs = DIGIT_MODELS[name]
    model = make(0, epochs or full_epochs)
    start = time.perf_counter()
    model.fit(X_train, y_train)  # the diffusion model ignores y
    elapsed = time.perf_counter() - start
    wanted = np.repeat(np.arange(10), 50)
    conditional = hasattr(model, "classes_")
    conditions = {"y": wanted} if conditional else {}
    samples = _draw(model, len(wanted), 0, quick=epochs is not None, **conditions)
    print(f"  digits {name}: {model.n_iter_} epochs, {elapsed:.0f} s", file=sys.stderr, flush=True)
    return name, np.clip(samples, 0, 1), wanted if conditional else None, elapsed


def run_digits(args):
    X_train, X_test, y_train, y_test = load_digit_split()
    reader = MLPClassifier(hidden_layer_sizes=(64,), max_iter=500, random_state=0)
    reader.fit(X_train, y_train)
    runs = Parallel(n_jobs=args.jobs)(
        delayed(_digit_run)(name, QUICK_EPOCHS if args.quick else None) for name in DIGIT_MODELS
    )
    header = ["digits read by the classifier", "all", *map(str, range(10)), "fit time"]

    def per_class(X, y):
        return [f"{100 * reader.score(X[y == d], y[y == d]):.0f}" for d in range(10)]

    rows = [
        [
            "real held-out digits",
            f"{100 * reader.score(X_test, y_test):.1f} %",
            *per_class(X_test, y_test),
            "-",
        ]
    ]
    verdicts = []
    for name, samples, wanted, elapsed in runs:
        if wanted is None:
            confidence = reader.predict_proba(samples).max(axis=1).mean()
            counts = np.bincount(reader.predict(samples), minlength=10)
            verdicts.append(
                f"{name} (unconditional): the classifier reads its 500 samples as the digits "
                f"{counts.tolist()} with a mean confidence of {confidence:.2f}"
            )
            continue
        accuracy = reader.score(samples, wanted)
        rows.append(
            [
                f"{name} (conditional)",
                f"{100 * accuracy:.1f} %",
                *per_class(samples, wanted),
                f"{elapsed:.0f} s",
            ]
        )
        verdicts.append(
            f"{name}: {100 * accuracy:.1f} % of its digits are read as the class asked for"
        )
    if args.write_docs:
        _digit_picture(X_test, runs, DOCS_DIR / "generative_digits.png")
    epochs = {name: QUICK_EPOCHS if args.quick else DIGIT_MODELS[name][1] for name in DIGIT_MODELS}
    intro = (
        "scikit-learn's 8x8 digits scaled to [0, 1], a stratified 75/25 split. Both models "
        "learn the training images with input_shape=(1, 8, 8) and their defaults ("
        + ", ".join(f"{name} {n} epochs" for name, n in epochs.items())
        + "; the GAN is fit with the labels). An MLPClassifier(64) trained on the real "
        "training digits reads 50 generated digits per class; accuracy in percent, per "
        "class asked for."
    )
    return {
        "title": "Conditional GAN digits read by a classifier trained on real digits",
        "intro": intro,
        "header": header,
        "rows": rows,
        "verdicts": verdicts,
        "picture": "generative_digits.png",
    }


def _digit_picture(X_test, runs, path):
    plt = _pyplot()
    lines = [("real", X_test[:10])]
    for name, samples, wanted, _ in runs:
        if wanted is None:
            lines += [(f"{name}", samples[:10]), ("", samples[10:20])]
        else:
            lines += [
                (f"{name}, {d}" if d == 0 else "", samples[wanted == d][:10]) for d in range(10)
            ]
    figure, axes = plt.subplots(len(lines), 10, figsize=(6, 0.62 * len(lines)), squeeze=False)
    for axes_row, (title, images) in zip(axes, lines, strict=True):
        for axis, image in zip(axes_row, images, strict=False):
            axis.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        for axis in axes_row:
            axis.axis("off")
        if title:
            axes_row[0].set_title(title, fontsize=7, loc="left")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    print(f"wrote {path}")


def format_rst(part, result, env):
    page = quality_page("generative_quality.py", part, result, env)
    return page + f"\n.. image:: /_bench/{result['picture']}\n   :alt: {result['title']}\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", default=",".join(PARTS), help="ring, digits or both")
    parser.add_argument("--jobs", type=int, default=2, help="parallel runs (default 2)")
    parser.add_argument("--seeds", type=int, default=3, help="ring seeds (default 3)")
    parser.add_argument(
        "--quick", action="store_true", help=f"smoke run: {QUICK_EPOCHS} epochs, one seed"
    )
    parser.add_argument(
        "--write-docs", action="store_true", help="write docs/_bench pages and pictures"
    )
    args = parser.parse_args(argv)
    parts = selected_parts(parser, args, PARTS)
    _quiet()
    env = environment(1)
    print(
        f"torch {env['torch']}, sklearn {env['sklearn']}, {env['cores']} cores, {args.jobs} job(s)"
    )
    runners = {"ring": lambda: run_ring(args), "digits": lambda: run_digits(args)}
    run_parts(runners, parts, env, format_rst, "generative", args.write_docs)


if __name__ == "__main__":
    main()
