"""
Training curves with early stopping
===================================

:class:`~sknets.inspection.TrainingCurveDisplay` draws the training loss of
each epoch and, with ``early_stopping=True``, the validation score, marking
the epoch whose weights the estimator kept.  It takes the estimator itself,
a Pipeline ending in one, or a fitted grid search (its best estimator).

Run it with ``python examples/plot_training_curves.py [--max-iter N]``.
"""

# %%
# An MLP on the digits, with early stopping
# -----------------------------------------
import argparse

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknets import MLPClassifier
from sknets.inspection import TrainingCurveDisplay

parser = argparse.ArgumentParser(description="Run with --max-iter N for a quick run.")
parser.add_argument("--max-iter", type=int, default=200)
arguments, _ = parser.parse_known_args()

X, y = load_digits(return_X_y=True)
pipe = make_pipeline(
    StandardScaler(),
    MLPClassifier(
        hidden_layer_sizes=(64,),
        early_stopping=True,
        n_iter_no_change=10,
        max_iter=arguments.max_iter,
        random_state=0,
    ),
).fit(X, y)
mlp = pipe[-1]
print(
    f"MLPClassifier: {mlp.n_iter_} epochs, best validation accuracy "
    f"{mlp.best_validation_score_:.3f}"
)
display = TrainingCurveDisplay.from_estimator(pipe)
print(f"best epoch (weights kept): {display.best_epoch}")

# %%
# The best model of a grid search
# -------------------------------
search = GridSearchCV(pipe, {"mlpclassifier__learning_rate_init": [1e-3, 1e-2]}, cv=3).fit(X, y)
print(f"grid search best: {search.best_params_}")
figure, ax = plt.subplots(figsize=(6, 4))
TrainingCurveDisplay.from_estimator(search, ax=ax)
plt.show()
