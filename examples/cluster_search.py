"""Grid search over a Dask cluster: the same results as on one machine.

A ``GridSearchCV`` over a ``Pipeline(StandardScaler, MLPClassifier)`` on
scikit-learn's digits runs once locally and once on a Dask
``LocalCluster`` (worker processes), through joblib's Dask backend.  The
fits are spread over the workers; since every fit is seeded from
``random_state``, the best parameters and every score are the same.  To use
a real cluster, replace ``LocalCluster(...)`` with the address of its
scheduler: ``Client("tcp://scheduler:8786")``.  With ``device="auto"`` each
worker trains on its own GPU where it has one.

Run it with ``python examples/cluster_search.py`` (``--max-iter 5`` for a
quick run).  Needs ``pip install "sknets[dask]"``.
"""

import argparse
import time
import warnings

import joblib
from distributed import Client, LocalCluster
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknets import MLPClassifier


def make_search(max_iter):
    pipeline = make_pipeline(
        StandardScaler(), MLPClassifier(max_iter=max_iter, random_state=0, device="auto")
    )
    grid = {
        "mlpclassifier__hidden_layer_sizes": [(32,), (128,)],
        "mlpclassifier__learning_rate_init": [1e-3, 1e-2],
    }
    return GridSearchCV(pipeline, grid, cv=3, n_jobs=-1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-iter", type=int, default=50, help="epochs per fit")
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    X, y = load_digits(return_X_y=True)

    start = time.perf_counter()
    local = make_search(args.max_iter).set_params(n_jobs=1).fit(X, y)
    print(f"local search: best {local.best_params_}, {time.perf_counter() - start:.1f} s")

    with (
        LocalCluster(
            n_workers=args.workers, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        print(f"Dask cluster: {len(client.scheduler_info()['workers'])} workers")
        start = time.perf_counter()
        with joblib.parallel_backend("dask"):
            on_cluster = make_search(args.max_iter).fit(X, y)
        print(
            f"cluster search: best {on_cluster.best_params_}, {time.perf_counter() - start:.1f} s"
        )

    same = on_cluster.best_params_ == local.best_params_ and list(
        on_cluster.cv_results_["mean_test_score"]
    ) == list(local.cv_results_["mean_test_score"])
    print(f"same best parameters and scores: {same}")
    print(f"best cross-validated accuracy: {on_cluster.best_score_:.4f}")


if __name__ == "__main__":
    main()
