"""Quickstart: tune an sknets MLP inside a scikit-learn pipeline.

A Pipeline(StandardScaler, MLPClassifier) is tuned with GridSearchCV on
scikit-learn's digits (1,797 8x8 images), exactly as one would tune
sklearn's own MLPClassifier; the best model is then scored on held-out data.

Run it with ``make demo`` (or ``python examples/quickstart.py``).
"""

import time

from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknets import MLPClassifier


def main():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    pipeline = make_pipeline(
        StandardScaler(),
        MLPClassifier(max_iter=300, random_state=0, device="auto"),
    )
    grid = {
        "mlpclassifier__hidden_layer_sizes": [(64,), (256,)],
        "mlpclassifier__learning_rate_init": [1e-3, 3e-3],
    }
    search = GridSearchCV(pipeline, grid, cv=3)

    start = time.perf_counter()
    search.fit(X_train, y_train)
    elapsed = time.perf_counter() - start

    best = search.best_estimator_[-1]
    print(f"device:                      {best.device_}")
    print(f"cross-validated accuracy:    {search.best_score_:.3f}")
    print(f"best parameters:             {search.best_params_}")
    print(f"held-out accuracy:           {search.score(X_test, y_test):.3f}")
    print(f"time for {len(search.cv_results_['params'])} x 3 fits + refit: {elapsed:.1f} s")


if __name__ == "__main__":
    main()
