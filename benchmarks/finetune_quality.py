"""Fine-tuning a pretrained network and augmentation, on Fashion-MNIST.

Parts (``--parts``, default all):

``transfer``
    Transfer without downloads: a ResNet (``filters=(16, 32, 64)``, one
    residual block per stage) is trained on every training image of classes
    0-4 (30,000 images, ``--pretrain-epochs``) and its weights saved with
    ``torch.save``. On classes 5-9, with 20, 50 and 100 training images per
    class (drawn per seed), the same network is then trained
    (``max_iter=30``, batches of 32) four ways: from those weights
    (``weights=path``, at the defaults of fine-tuning: 1 frozen epoch, then
    the whole network at the head's rate, batch-norm statistics adapted to
    the new images) or from scratch, each without and with
    ``augment="flip_crop"``; the pretrained one also with the checkpoint's
    batch-norm statistics kept and the backbone at a tenth of the rate (the
    usual advice for ImageNet checkpoints); and scikit-learn's
    LogisticRegression on the pixels. Accuracy on the 5,000 test images of
    classes 5-9 (mean and standard deviation over the seeds) and fit time.
``augment``
    Augmentation alone: CNNClassifier at its defaults (``max_iter`` epochs
    on the first ``--augment-rows`` training images of all ten classes)
    against the same with ``augment="flip_crop"``, accuracy on the 10,000
    test images.

Every fit is a JSON line in ``--results``; a rerun skips what it holds, so a
run can be stopped and resumed. ``--write-docs`` writes
``docs/_bench/finetune_<part>.rst`` from the results.

Data: the Debian package ``dataset-fashion-mnist`` (``--fashion-dir``).
"""

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import DOCS_DIR, environment, quality_page  # noqa: E402
from cnn_quality import load_fashion_mnist  # noqa: E402

from sknets import CNNClassifier, ResNetClassifier  # noqa: E402

SCRIPT = "finetune_quality.py"
ARCHITECTURE = {"filters": (16, 32, 64), "n_blocks": 1}
PER_CLASS = (20, 50, 100)
FINE_TUNE = {"max_iter": 30, "batch_size": 32, "tol": 0.0, "n_iter_no_change": 31}
CONTENDERS = (
    "sknets ResNet, pretrained",
    "sknets ResNet, pretrained + augment",
    "sknets ResNet, pretrained, frozen BN, backbone at 1/10",
    "sknets ResNet, from scratch",
    "sknets ResNet, from scratch + augment",
    "LogisticRegression on pixels",
)


def done_keys(path):
    if not path.exists():
        return {}
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {(row["part"], row["contender"], row.get("per_class"), row["seed"]): row for row in rows}


def record(path, row):
    with path.open("a") as f:
        f.write(json.dumps(row) + "\n")
    print(json.dumps(row), flush=True)


def pretrain(data, epochs, path):
    X_train, y_train, _, _ = data
    source = y_train < 5
    model = ResNetClassifier(
        **ARCHITECTURE, max_iter=epochs, batch_size=128, random_state=0, device="cpu"
    )
    start = time.perf_counter()
    model.fit(X_train[source], y_train[source])
    torch.save(model.module_.state_dict(), path)
    return time.perf_counter() - start


def fine_tune_model(contender, checkpoint, seed):
    if contender.startswith("LogisticRegression"):
        return LogisticRegression(max_iter=1000)
    pretrained = "pretrained" in contender
    careful = (
        {"freeze_batch_norm": True, "backbone_learning_rate": 1e-4} if "1/10" in contender else {}
    )
    return ResNetClassifier(
        **careful,
        **ARCHITECTURE,
        **FINE_TUNE,
        weights=checkpoint if pretrained else None,
        augment="flip_crop" if "augment" in contender else None,
        random_state=seed,
        device="cpu",
    )


def run_transfer(args, data, results):
    X_train, y_train, X_test, y_test = data
    target_test = y_test >= 5
    checkpoint = args.checkpoint
    if not Path(checkpoint).exists():
        seconds = pretrain(data, args.pretrain_epochs, checkpoint)
        print(f"pretrained on classes 0-4 in {seconds:.0f} s -> {checkpoint}", flush=True)
    done = done_keys(results)
    for per_class in PER_CLASS:
        for seed in range(args.seeds):
            rng = np.random.RandomState(seed)
            index = np.concatenate(
                [
                    rng.choice(np.flatnonzero(y_train == c), per_class, replace=False)
                    for c in range(5, 10)
                ]
            )
            for contender in CONTENDERS:
                key = ("transfer", contender, per_class, seed)
                if key in done:
                    continue
                model = fine_tune_model(contender, checkpoint, seed)
                X_fit = X_train[index]
                if isinstance(model, LogisticRegression):
                    X_fit, X_eval = X_fit.reshape(len(X_fit), -1), X_test[target_test]
                    X_eval = X_eval.reshape(len(X_eval), -1)
                else:
                    X_eval = X_test[target_test]
                start = time.perf_counter()
                model.fit(X_fit, y_train[index])
                seconds = time.perf_counter() - start
                accuracy = float(np.mean(model.predict(X_eval) == y_test[target_test]))
                record(
                    results,
                    {
                        "part": "transfer",
                        "contender": contender,
                        "per_class": per_class,
                        "seed": seed,
                        "accuracy": accuracy,
                        "fit_seconds": seconds,
                    },
                )


def run_augment(args, data, results):
    X_train, y_train, X_test, y_test = data
    done = done_keys(results)
    for seed in range(args.seeds):
        for augment in (None, "flip_crop"):
            contender = "CNNClassifier" + ("" if augment is None else ', augment="flip_crop"')
            key = ("augment", contender, None, seed)
            if key in done:
                continue
            model = CNNClassifier(
                max_iter=args.augment_epochs, augment=augment, random_state=seed, device="cpu"
            )
            start = time.perf_counter()
            model.fit(X_train[: args.augment_rows], y_train[: args.augment_rows])
            seconds = time.perf_counter() - start
            accuracy = float(np.mean(model.predict(X_test) == y_test))
            record(
                results,
                {
                    "part": "augment",
                    "contender": contender,
                    "per_class": None,
                    "seed": seed,
                    "accuracy": accuracy,
                    "fit_seconds": seconds,
                },
            )


def _cell(rows):
    accuracies = 100 * np.array([row["accuracy"] for row in rows])
    return f"{accuracies.mean():.2f} ± {accuracies.std():.2f}"


def transfer_result(rows, args):
    header = ["training images per class", *CONTENDERS]
    table = []
    for per_class in PER_CLASS:
        cells = [str(per_class)]
        for contender in CONTENDERS:
            chosen = [
                r for r in rows if r["contender"] == contender and r["per_class"] == per_class
            ]
            cells.append(_cell(chosen) if chosen else "not run")
        table.append(cells)
    time_row = ["fit time, s (100 per class)"]
    for contender in CONTENDERS:
        chosen = [
            r["fit_seconds"]
            for r in rows
            if r["contender"] == contender and r["per_class"] == PER_CLASS[-1]
        ]
        time_row.append(f"{np.mean(chosen):.1f}" if chosen else "not run")
    table.append(time_row)
    seeds = len({r["seed"] for r in rows})
    return {
        "title": "Fine-tuning on Fashion-MNIST classes 5-9 from a ResNet trained on classes 0-4",
        "intro": (
            f"Test accuracy (%) on the 5,000 test images of classes 5-9, mean ± standard "
            f"deviation over {seeds} seeds (each draws its own training images). The ResNet "
            f"(filters=(16, 32, 64), one block per stage) was first trained {args.pretrain_epochs} "
            "epochs on the 30,000 training images of classes 0-4 and saved with torch.save; "
            "every network then trains 30 epochs in batches of 32 (Adam at 1e-3, the default), "
            "the pretrained ones at the defaults of fine-tuning (1 frozen epoch, then the whole "
            "network at the head's rate, batch-norm statistics adapted) but in the column that "
            "keeps the checkpoint's batch-norm statistics and trains the backbone at a tenth of "
            "the rate. Fit times were measured on a machine running other work."
        ),
        "header": header,
        "rows": table,
        "verdicts": [],
    }


def augment_result(rows, args):
    contenders = sorted({r["contender"] for r in rows})
    table = [
        [
            c,
            _cell([r for r in rows if r["contender"] == c]),
            f"{np.mean([r['fit_seconds'] for r in rows if r['contender'] == c]):.1f}",
        ]
        for c in contenders
    ]
    seeds = len({r["seed"] for r in rows})
    return {
        "title": "Augmentation alone: CNNClassifier on Fashion-MNIST",
        "intro": (
            f"CNNClassifier at its defaults, {args.augment_epochs} epochs on the first "
            f'{args.augment_rows:,} training images, without and with augment="flip_crop"; '
            f"test accuracy (%) on the 10,000 test images, mean ± standard deviation over "
            f"{seeds} seeds, and fit time in seconds."
        ),
        "header": ["estimator", "test accuracy, %", "fit time, s"],
        "rows": table,
        "verdicts": [],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["transfer", "augment"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--pretrain-epochs", type=int, default=5)
    parser.add_argument("--augment-rows", type=int, default=10_000)
    parser.add_argument("--augment-epochs", type=int, default=10)
    parser.add_argument("--fashion-dir", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--checkpoint", default=str(Path(tempfile.gettempdir()) / "fashion04.pt"))
    parser.add_argument("--results", type=Path, default=Path("finetune_results.jsonl"))
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    if not args.report_only:
        data = load_fashion_mnist(args.fashion_dir, standardize=False)  # pixels in [0, 1]
        runners = {"transfer": run_transfer, "augment": run_augment}
        for part in args.parts:
            runners[part](args, data, args.results)
    rows = list(done_keys(args.results).values())
    env = environment(torch.get_num_threads())
    for part, build in (("transfer", transfer_result), ("augment", augment_result)):
        chosen = [r for r in rows if r["part"] == part]
        if not chosen or part not in args.parts:
            continue
        result = build(chosen, args)
        page = quality_page(SCRIPT, part, result, env)
        print(page)
        if args.write_docs:
            (DOCS_DIR / f"finetune_{part}.rst").write_text(page)


if __name__ == "__main__":
    main()
