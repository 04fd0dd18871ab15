"""Multi-step forecasting with Seq2SeqRegressor on a noisy seasonal series.

A series with a daily season (period 24 steps) plus Gaussian noise of
standard deviation 0.2 is cut into windows of 48 observed steps, each
followed by the 12 steps to forecast: X has shape ``(n_windows, 48)``
(univariate series) and y ``(n_windows, 12)``.  The first 80 % of the
series trains, the rest tests (a chronological split: no test window sees
a training step).  The encoder-decoder is trained with teacher forcing
and forecasts the 12 steps autoregressively; its test RMSE is printed
next to the naive forecast (the last observed value, repeated), the
seasonal-naive forecast (the value one period earlier) and the noise
floor (the RMSE of a forecast that knew the noiseless signal).  A window
with fewer observed steps is padded at its end with NaN, and still gets
a forecast.

Run it with ``python examples/forecasting_seq2seq.py [--max-iter N]``
(about 15 s on one CPU core).
"""

import argparse
import time

import numpy as np

from sknets import Seq2SeqRegressor

PERIOD, SIGMA, INPUT_STEPS, HORIZON = 24, 0.2, 48, 12


def seasonal_series(n_steps=2000, seed=0):
    """A daily season with its first harmonic, plus Gaussian noise; also the noiseless signal."""
    t = np.arange(n_steps)
    signal = np.sin(2 * np.pi * t / PERIOD) + 0.5 * np.sin(4 * np.pi * t / PERIOD + 1.0)
    noise = np.random.default_rng(seed).normal(0.0, SIGMA, n_steps)
    return (signal + noise).astype(np.float32), signal


def windows(series):
    """Every window of INPUT_STEPS values (X) and the HORIZON values after it (y)."""
    starts = np.arange(len(series) - INPUT_STEPS - HORIZON + 1)
    X = np.stack([series[s : s + INPUT_STEPS] for s in starts])
    y = np.stack([series[s + INPUT_STEPS : s + INPUT_STEPS + HORIZON] for s in starts])
    return X, y


def rmse(forecast, y):
    return float(np.sqrt(np.mean((forecast - y) ** 2)))


def main(max_iter=30):
    series, signal = seasonal_series()
    split = int(0.8 * len(series))
    X_train, y_train = windows(series[:split])
    X_test, y_test = windows(series[split:])
    print(f"windows: train X {X_train.shape}, y {y_train.shape}; test X {X_test.shape}")

    model = Seq2SeqRegressor(
        hidden_size=32,
        learning_rate_init=3e-3,
        batch_size=64,
        max_iter=max_iter,
        random_state=0,
    )
    start = time.perf_counter()
    model.fit(X_train, y_train)
    elapsed = time.perf_counter() - start
    forecast = model.predict(X_test)  # (n_test, 12): autoregressive decoding
    print(
        f"Seq2SeqRegressor: forecast {forecast.shape}, test RMSE {rmse(forecast, y_test):.3f} "
        f"after {model.n_iter_} epochs ({elapsed:.0f} s on {model.device_})"
    )
    naive = np.repeat(X_test[:, -1:], HORIZON, axis=1)
    seasonal = X_test[:, INPUT_STEPS - PERIOD : INPUT_STEPS - PERIOD + HORIZON]
    print(f"naive (last value): test RMSE {rmse(naive, y_test):.3f}")
    print(f"seasonal naive (one period earlier): test RMSE {rmse(seasonal, y_test):.3f}")
    _, signal_test = windows(signal[split:])
    print(f"noise floor: test RMSE {rmse(signal_test, y_test):.3f} (sigma = {SIGMA})")

    # A window of only 36 observed steps: pad its end with NaN to the fitted length.
    short = X_test[:1].copy()
    short[:, 36:] = np.nan
    print(f"forecast from 36 observed steps: {np.round(model.predict(short)[0, :4], 2)} ...")
    print(f"                    true values: {np.round(X_test[0, 36:40], 2)} ...")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-iter", type=int, default=30, help="epochs (default 30)")
    main(parser.parse_args().max_iter)
