"""Ctrl-C during fit, with a real SIGINT: run as a script, prints one JSON line.

A separate process, so that the signal can never reach the test runner.
Each scenario sends SIGINT to this process from inside training (at the
start of an epoch, or during the batch-norm recalibration that follows the
training loop) and records what the estimator looks like afterwards.
"""

import json
import os
import signal
import sys
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

import sknets._batchnorm
import sknets._estimator
from sknets import CNNClassifier, MLPClassifier
from sknets._monitor import EpochMonitor

warnings.simplefilter("ignore")
# A process started in the background (nohup, `&`, some CI runners) inherits
# SIGINT ignored, and Python then installs no KeyboardInterrupt handler.
signal.signal(signal.SIGINT, signal.default_int_handler)
X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)[:600]
y = y[:600]
PARAMS = {"hidden_layer_sizes": (32,), "random_state": 0, "device": "cpu"}

_original_epoch_begin = EpochMonitor.on_epoch_begin
_interrupt = {"at_epoch": None}


def _on_epoch_begin(self, net, **kwargs):
    # n_iter counts the epochs completed over all calls.
    if _interrupt["at_epoch"] is not None and self.n_iter == _interrupt["at_epoch"]:
        _interrupt["at_epoch"] = None
        os.kill(os.getpid(), signal.SIGINT)
    return _original_epoch_begin(self, net, **kwargs)


EpochMonitor.on_epoch_begin = _on_epoch_begin


def interrupted(call, at_epoch):
    _interrupt["at_epoch"] = at_epoch
    try:
        call()
    except KeyboardInterrupt:
        return True
    finally:
        _interrupt["at_epoch"] = None
    return False


def state(est):
    fitted = hasattr(est, "net_")
    return {
        "fitted": fitted,
        "n_iter": getattr(est, "n_iter_", None),
        "t": getattr(est, "t_", None),
        "curve": len(getattr(est, "loss_curve_", []) or []),
        "history": len(est.history_) if fitted else None,
        "classes": np.asarray(getattr(est, "classes_", [])).tolist(),
        "proba": est.predict_proba(X[:50]).tolist() if fitted else None,
    }


results = {}

# 1. A first fit, interrupted in epoch 1: propagates, leaves the estimator unfitted.
est = MLPClassifier(max_iter=5, **PARAMS)
results["first_fit"] = {"raised": interrupted(lambda: est.fit(X, y), 0), **state(est)}

# 2. A refit (other classes), interrupted in epoch 3: the previous model is intact.
est = MLPClassifier(max_iter=5, **PARAMS).fit(X, y % 2)
before = state(est)
results["refit"] = {
    "raised": interrupted(lambda: est.fit(X, y), 2),
    "before": before,
    "after": state(est),
}

# 3. A refit interrupted outside skorch's loop, in the batch-norm recalibration.
est = CNNClassifier(
    filters=(4,), max_iter=2, random_state=0, device="cpu", input_shape=(1, 8, 8)
).fit(X, y % 2)
before = state(est)
original_recalibrate = sknets._estimator.recalibrate_batch_norm


def _interrupting_recalibration(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGINT)
    return original_recalibrate(*args, **kwargs)


sknets._estimator.recalibrate_batch_norm = _interrupting_recalibration
try:
    raised = interrupted(lambda: est.fit(X, y), None)
finally:
    sknets._estimator.recalibrate_batch_norm = original_recalibrate
results["recalibration"] = {"raised": raised, "before": before, "after": state(est)}

# 4. A warm-started fit interrupted after 2 of its 5 epochs keeps those 2.
est = MLPClassifier(max_iter=5, warm_start=True, **PARAMS).fit(X, y)
before = state(est)
results["warm_start"] = {
    "raised": interrupted(lambda: est.fit(X, y), 7),
    "before": before,
    "after": state(est),
}
est.fit(X, y)  # and can go on
results["warm_start"]["resumed"] = state(est)

# 5. partial_fit interrupted in its only epoch: as before the call, weights included.
est = MLPClassifier(**PARAMS)
for _ in range(3):
    est.partial_fit(X, y, classes=np.arange(10))
before = state(est)
results["partial_fit"] = {
    "raised": interrupted(lambda: est.partial_fit(X, y), 3),
    "before": before,
    "after": state(est),
}

# 6. A grid search stops instead of scoring the interrupted candidate as a failure.
search = GridSearchCV(MLPClassifier(max_iter=3, **PARAMS), {"alpha": [1e-4, 1e-3]}, cv=2)
results["grid_search"] = {"raised": interrupted(lambda: search.fit(X, y), 1)}

print(json.dumps(results))
sys.stdout.flush()
