"""Forecasting and series regression with the recurrent estimators, against baselines.

Two parts, each printed as a table and, with ``--write-docs``, written to
``docs/_bench/forecasting_<part>.rst``:

``seasonal``
    Multi-step forecasting of a generated noisy seasonal series.  The
    generator (:func:`seasonal_series`, seed 0): 4,000 hourly steps of

        signal[t] = (1 + 0.3 sin(2 pi t / 168)) * (sin(2 pi t / 24) + 0.5 sin(4 pi t / 24 + 1))
        series[t] = signal[t] + noise[t],   noise[t] ~ N(0, sigma^2), sigma = 0.2

    a daily season (period 24, with its first harmonic) whose amplitude
    drifts with a weekly cycle (period 168).  The series is split
    chronologically, the first 80 % for training and the last 20 % for
    testing, and each part is cut into every window of 48 input steps
    followed by the 12 steps to forecast (stride 1; no test window sees a
    training step).  Contenders: :class:`sknets.Seq2SeqRegressor` (y of
    shape (n, 12), decoded autoregressively), :class:`sknets.LSTMRegressor`
    (the 12 steps as 12 targets of its linear output layer), the naive
    forecast (the last observed value, repeated), the seasonal-naive
    forecast (the value one period, 24 steps, earlier) and the noise floor
    sigma, the RMSE of a forecast that knew the noiseless signal (its
    realised value on the test windows is given too).  Both networks:
    hidden size 32, Adam at 5e-3, batches of 128, at most 100 epochs with
    early stopping on a random 10 % of the training windows (patience 10);
    mean and standard deviation over ``--seeds`` seeds.
``covid``
    Covid3Month, from the time-series extrinsic regression archive
    (``data/ucr/Covid3Month.npz``, its official split: 140 training
    and 61 test countries): the daily confirmed COVID-19 cases of a
    country over three months (84 steps, WHO data) -> its death rate on
    1 April 2020.  Contenders: :class:`sknets.LSTMRegressor` (hidden size
    32, Adam at 3e-3, batches of 16, at most 300 epochs with early stopping
    on 20 % of the training set, patience 20; mean and standard deviation
    over ``--seeds`` seeds), scikit-learn's ``Ridge`` on the raw series,
    and predicting the mean of the training targets.  The counts span 0 to
    20,000, so the LSTM and the second Ridge take ``log1p`` of the counts
    standardised per time step (``FunctionTransformer(np.log1p)``,
    ``StandardScaler``) and the LSTM's target is standardised too
    (``TransformedTargetRegressor``); that Ridge's ``alpha`` is chosen by
    leave-one-out cross-validation on the training set (``RidgeCV``).

Sources: C. W. Tan, C. Bergmeir, F. Petitjean and G. I. Webb, "Time series
extrinsic regression", Data Mining and Knowledge Discovery 35, 2021 (the
archive, https://zenodo.org/record/3902690).

Usage::

    python benchmarks/forecasting.py                # both parts, ~3.5 minutes on 2 cores
    python benchmarks/forecasting.py --parts covid --seeds 2
    python benchmarks/forecasting.py --write-docs   # rewrites docs/_bench/forecasting_<part>.rst
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge, RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sknets import LSTMRegressor, Seq2SeqRegressor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import (  # noqa: E402
    DOCS_DIR,
    describe_machine,
    environment,
    rst_table,
    selected_parts,
    text_table,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "ucr" / "Covid3Month.npz"
PARTS = ("seasonal", "covid")
SEEDS = 3

# The seasonal problem.
N_STEPS, PERIOD, WEEK, SIGMA, SERIES_SEED = 4000, 24, 168, 0.2, 0
INPUT_STEPS, HORIZON, TRAIN_FRACTION = 48, 12, 0.8


def _quiet():
    warnings.filterwarnings("ignore", category=ConvergenceWarning)


def _mean_sd(values, digits=3):
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ({statistics.stdev(values):.{digits}f})"


def _rmse(prediction, target, axis=None):
    return np.sqrt(np.mean((np.asarray(prediction) - target) ** 2, axis=axis))


# ----------------------------------------------------------------- seasonal
def seasonal_series(n_steps=N_STEPS, sigma=SIGMA, seed=SERIES_SEED):
    """The noisy series and its noiseless signal (float32, float64), as documented above."""
    t = np.arange(n_steps)
    daily = np.sin(2 * np.pi * t / PERIOD) + 0.5 * np.sin(4 * np.pi * t / PERIOD + 1.0)
    signal = (1 + 0.3 * np.sin(2 * np.pi * t / WEEK)) * daily
    noise = np.random.default_rng(seed).normal(0.0, sigma, n_steps)
    return (signal + noise).astype(np.float32), signal


def cut_windows(series, input_steps=INPUT_STEPS, horizon=HORIZON):
    """Every window of ``input_steps`` values and the ``horizon`` values after it."""
    starts = np.arange(len(series) - input_steps - horizon + 1)
    X = np.stack([series[s : s + input_steps] for s in starts])
    y = np.stack([series[s + input_steps : s + input_steps + horizon] for s in starts])
    return X, y


def seasonal_data():
    series, signal = seasonal_series()
    split = int(TRAIN_FRACTION * len(series))
    X_train, y_train = cut_windows(series[:split])
    X_test, y_test = cut_windows(series[split:])
    _, signal_test = cut_windows(signal[split:])
    return X_train, y_train, X_test, y_test, signal_test


def seasonal_networks(seed, max_iter):
    settings = {
        "hidden_size": 32,
        "learning_rate_init": 5e-3,
        "batch_size": 128,
        "max_iter": max_iter,
        "early_stopping": True,
        "validation_fraction": 0.1,
        "n_iter_no_change": 10,
        "random_state": seed,
        "device": "cpu",
    }
    return {
        "Seq2SeqRegressor": Seq2SeqRegressor(**settings),
        "LSTMRegressor (12 targets)": LSTMRegressor(**settings),
    }


def run_seasonal(args):
    X_train, y_train, X_test, y_test, signal_test = seasonal_data()
    rows = []

    def add(name, per_seed):
        # per_seed: list of (forecast, seconds, epochs)
        overall = [float(_rmse(forecast, y_test)) for forecast, _, _ in per_seed]
        steps = [_rmse(forecast, y_test, axis=0) for forecast, _, _ in per_seed]
        seconds = [s for _, s, _ in per_seed if s is not None]
        epochs = [e for _, _, e in per_seed if e is not None]
        rows.append(
            [
                name,
                _mean_sd(overall),
                _mean_sd([float(s[0]) for s in steps]),
                _mean_sd([float(s[-1]) for s in steps]),
                f"{statistics.mean(epochs):.0f}" if epochs else "-",
                f"{statistics.mean(seconds):.1f}" if seconds else "-",
            ]
        )
        return statistics.mean(overall)

    results = {}
    for name in seasonal_networks(0, args.max_iter):
        per_seed = []
        for seed in range(args.seeds):
            model = seasonal_networks(seed, args.max_iter)[name]
            start = time.perf_counter()
            model.fit(X_train, y_train)
            per_seed.append((model.predict(X_test), time.perf_counter() - start, model.n_iter_))
        results[name] = add(name, per_seed)
    naive = np.repeat(X_test[:, -1:], HORIZON, axis=1)
    results["naive"] = add("naive (last value)", [(naive, None, None)])
    seasonal = X_test[:, INPUT_STEPS - PERIOD : INPUT_STEPS - PERIOD + HORIZON]
    results["seasonal naive"] = add("seasonal naive (one period earlier)", [(seasonal, None, None)])
    add("noiseless signal (realised noise floor)", [(signal_test, None, None)])
    rows.append(["noise floor sigma", f"{SIGMA:.3f}", f"{SIGMA:.3f}", f"{SIGMA:.3f}", "-", "-"])
    header = ["forecast", "RMSE, all steps", "step 1", "step 12", "epochs", "fit (s)"]
    targets = [
        (
            f"{name} RMSE below the seasonal-naive forecast's",
            results[name] < results["seasonal naive"],
            f"{results[name]:.3f} vs {results['seasonal naive']:.3f}",
        )
        for name in seasonal_networks(0, 1)
    ] + [
        (
            f"{name} RMSE within 15 % of the noise floor",
            results[name] <= 1.15 * SIGMA,
            f"{results[name] / SIGMA:.2f} x sigma",
        )
        for name in seasonal_networks(0, 1)
    ]
    note = (
        f"Generated series (``seasonal_series`` in the script, seed {SERIES_SEED}): "
        f"{N_STEPS:,} steps of a daily season (period {PERIOD}, with its first harmonic) "
        f"whose amplitude follows a weekly cycle (period {WEEK}), plus Gaussian noise of "
        f"standard deviation sigma = {SIGMA}; the first {TRAIN_FRACTION:.0%} train, the "
        f"rest test, cut into windows of {INPUT_STEPS} input steps and the "
        f"{HORIZON} steps after them ({len(X_train):,} training and {len(X_test)} test "
        "windows).  Both networks: hidden size 32, Adam at 5e-3, batches of 128, at most "
        f"{args.max_iter} epochs with early stopping on 10 % of the training windows "
        f"(patience 10); mean (standard deviation) over seeds 0 to {args.seeds - 1}.  "
        "RMSE over the test windows, of all 12 steps and of the first and last step."
    )
    return {
        "title": "Forecasting a noisy seasonal series",
        "header": header,
        "rows": rows,
        "targets": targets,
        "note": note,
    }


# -------------------------------------------------------------------- covid
def covid_data():
    data = np.load(DATA)
    return (data["X_train"], data["y_train"], data["X_test"], data["y_test"])


def _log_standardised():
    return [FunctionTransformer(np.log1p), StandardScaler()]


def covid_lstm(seed, max_iter):
    network = LSTMRegressor(
        hidden_size=32,
        learning_rate_init=3e-3,
        batch_size=16,
        max_iter=max_iter,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=20,
        random_state=seed,
        device="cpu",
    )
    target_scaled = TransformedTargetRegressor(network, transformer=StandardScaler())
    return make_pipeline(*_log_standardised(), target_scaled)


def run_covid(args):
    X_train, y_train, X_test, y_test = covid_data()
    rows_train, rows_test = X_train[:, 0], X_test[:, 0]  # 2-D rows: univariate series
    rows, results = [], {}
    per_seed, seconds, epochs = [], [], []
    for seed in range(args.seeds):
        model = covid_lstm(seed, 3 * args.max_iter)
        start = time.perf_counter()
        model.fit(rows_train, y_train)
        seconds.append(time.perf_counter() - start)
        epochs.append(model[-1].regressor_.n_iter_)
        per_seed.append(float(_rmse(model.predict(rows_test), y_test)))
    results["LSTMRegressor"] = statistics.mean(per_seed)
    rows.append(
        [
            "LSTMRegressor (log1p, standardised)",
            _mean_sd(per_seed, 4),
            f"{statistics.mean(epochs):.0f}",
            f"{statistics.mean(seconds):.1f}",
        ]
    )
    baselines = {
        "Ridge, raw counts (alpha=1)": Ridge(),
        "Ridge (log1p, standardised, alpha by LOO CV)": make_pipeline(
            *_log_standardised(), RidgeCV(alphas=np.logspace(-2, 4, 13))
        ),
    }
    for name, model in baselines.items():
        start = time.perf_counter()
        model.fit(rows_train, y_train)
        results[name] = float(_rmse(model.predict(rows_test), y_test))
        rows.append([name, f"{results[name]:.4f}", "-", f"{time.perf_counter() - start:.2f}"])
    results["mean"] = float(_rmse(np.full_like(y_test, y_train.mean()), y_test))
    rows.append(["training mean", f"{results['mean']:.4f}", "-", "-"])
    header = ["model", "test RMSE", "epochs", "fit (s)"]
    targets = [
        (
            "LSTMRegressor RMSE below the training mean's",
            results["LSTMRegressor"] < results["mean"],
            f"{results['LSTMRegressor']:.4f} vs {results['mean']:.4f}",
        )
    ]
    note = (
        "Covid3Month (time-series extrinsic regression archive, Tan et al. 2021; "
        "``data/ucr/Covid3Month.npz``, official split): 140 training and 61 test "
        "countries, the daily confirmed COVID-19 cases over 84 days -> the death rate on "
        "1 April 2020 (test targets: mean "
        f"{y_test.mean():.3f}, standard deviation {y_test.std():.3f}).  The LSTM (hidden "
        "size 32, Adam at 3e-3, batches of 16, at most "
        f"{3 * args.max_iter} epochs with early stopping on 20 % of the training set, "
        "patience 20) takes log1p of the counts standardised per step and a standardised "
        f"target; mean (standard deviation) over seeds 0 to {args.seeds - 1}."
    )
    return {
        "title": "Covid3Month: series to a float target",
        "header": header,
        "rows": rows,
        "targets": targets,
        "note": note,
    }


RUNNERS = {"seasonal": run_seasonal, "covid": run_covid}


def format_rst(part, result, env):
    lines = [
        f".. Generated by benchmarks/forecasting.py --write-docs ({part}); do not edit by hand.",
        "",
        f"{describe_machine(env)}.  {result['note']}",
        "",
        *rst_table(result["title"], result["header"], result["rows"]),
        "Targets:",
        "",
    ]
    lines += [
        f"- {text}: {'met' if met else 'MISSED'} ({value})"
        for text, met, value in result["targets"]
    ]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated parts")
    parser.add_argument("--seeds", type=int, default=SEEDS, help="seeds per network")
    parser.add_argument(
        "--max-iter", type=int, default=100, help="epochs at most (seasonal; covid: 3x)"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help=f"write each part's table to {DOCS_DIR}/forecasting_<part>.rst",
    )
    args = parser.parse_args(argv)
    parts = selected_parts(parser, args, PARTS)
    if args.write_docs and (args.seeds < SEEDS or args.max_iter != 100):
        parser.error(f"--write-docs needs the full settings (at least {SEEDS} seeds, 100 epochs)")
    torch.set_num_threads(args.threads)
    _quiet()
    env = environment(torch.get_num_threads())
    for part in parts:
        start = time.perf_counter()
        result = RUNNERS[part](args)
        print(f"\n{result['title']} ({time.perf_counter() - start:.0f} s)")
        print(text_table(result["header"], result["rows"]))
        for text, met, value in result["targets"]:
            print(f"[{'met' if met else 'MISSED'}] {text}: {value}")
        if args.write_docs:
            path = DOCS_DIR / f"forecasting_{part}.rst"
            path.write_text(format_rst(part, result, env))
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
