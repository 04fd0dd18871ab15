"""CollaborativeFilteringRegressor and its network, on generated low-rank ratings."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sknets import CollaborativeFilteringRegressor
from sknets.networks import INTERACTIONS, CollaborativeFilteringNetwork


def low_rank_ratings(n_users=60, n_items=40, rank=3, density=0.5, seed=0):
    """Ratings ~ bias + <u, v> + noise on a random half of the pairs; ids are strings."""
    rng = np.random.RandomState(seed)
    users, items = rng.normal(size=(n_users, rank)), rng.normal(size=(n_items, rank))
    scores = (
        3
        + users @ items.T
        + 0.5 * rng.normal(size=n_items)
        + 0.1 * rng.normal(size=(n_users, n_items))
    )
    rows, columns = np.nonzero(rng.rand(n_users, n_items) < density)
    X = np.column_stack([[f"u{u}" for u in rows], [f"i{i}" for i in columns]]).astype(object)
    return X, scores[rows, columns], scores


def _fit(device, X, y, **params):
    params = {
        "n_components": 8,
        "max_iter": 60,
        "batch_size": 64,
        "learning_rate_init": 0.01,
        "alpha": 0.01,
        "random_state": 0,
        "device": device,
        **params,
    }
    return CollaborativeFilteringRegressor(**params).fit(X, y)


@pytest.fixture(scope="module")
def ratings():
    return low_rank_ratings()


@pytest.mark.parametrize("interaction", INTERACTIONS)
def test_learns_low_rank_ratings_well_below_the_global_mean(ratings, interaction, device):
    X, y, _ = ratings
    train = np.random.RandomState(1).rand(len(y)) < 0.8
    model = _fit(device, X[train], y[train], interaction=interaction)
    rmse = np.sqrt(np.mean((model.predict(X[~train]) - y[~train]) ** 2))
    baseline = np.sqrt(np.mean((y[train].mean() - y[~train]) ** 2))
    assert rmse < 0.6 * baseline, (rmse, baseline)
    assert model.loss_curve_[-1] < model.loss_curve_[0]


def test_string_ids_pandas_and_unknown_ids_fall_back_to_biases(ratings, device):
    X, y, _ = ratings
    frame = pd.DataFrame(X, columns=["user", "item"])
    original = frame.copy()
    model = _fit(device, frame, y, max_iter=20)
    pd.testing.assert_frame_equal(frame, original)  # the caller's data untouched
    assert list(model.feature_names_in_) == ["user", "item"]
    assert model.categories_[0].dtype == object and len(model.categories_[0]) == 60
    network = model.module_
    mean = network.global_bias.item()
    item_bias = network.item_bias[0].weight[:, 0].detach().numpy()
    user_bias = network.user_bias.weight[:, 0].detach().numpy()
    query = pd.DataFrame({"user": ["nobody", "u3", "nobody"], "item": ["i5", "nothing", "none"]})
    prediction = model.predict(query)
    assert np.isfinite(prediction).all()
    i5, u3 = list(model.categories_[1]).index("i5"), list(model.categories_[0]).index("u3")
    np.testing.assert_allclose(prediction[0], mean + item_bias[i5], rtol=1e-5)
    np.testing.assert_allclose(prediction[1], mean + user_bias[u3], rtol=1e-5)
    np.testing.assert_allclose(prediction[2], mean, rtol=1e-5)


def test_recommend_excludes_seen_items_and_returns_original_ids(ratings, device):
    X, y, scores = ratings
    model = _fit(device, X, y)
    users = np.array(["u0", "u7", "stranger"], dtype=object)
    top = model.recommend(users, n=5)
    assert top.shape == (3, 5) and top.dtype == object
    for user, row in zip(users, top, strict=True):
        seen = set(X[X[:, 0] == user, 1])
        assert not seen & set(row)
        assert len(set(row)) == 5
    # The stranger gets the items of highest bias, the same list as with seen items kept.
    everything = model.recommend(users, n=5, exclude_seen=False)
    np.testing.assert_array_equal(everything[2], top[2])
    # The recommended unseen items are among the truly best unseen ones for u0.
    unseen = [i for i in range(40) if f"i{i}" not in set(X[X[:, 0] == "u0", 1])]
    best = {f"i{i}" for i in sorted(unseen, key=lambda i: -scores[0, i])[:10]}
    assert len(best & set(top[0])) >= 3


def test_recommend_integer_ids_and_bad_requests(device):
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.randint(100, 110, 200), rng.randint(5000, 5004, 200)])
    model = _fit(device, X, rng.rand(200), max_iter=5)
    top = model.recommend([100, 101], n=4, exclude_seen=False)
    assert top.dtype == np.int64 and set(top.ravel()) <= set(range(5000, 5004))
    with pytest.raises(ValueError, match="n=4 items, but 0 items are left"):
        model.recommend([100], n=4)  # every user rated all 4 items
    with pytest.raises(ValueError, match="n=5 items"):
        model.recommend([100], n=5, exclude_seen=False)
    with pytest.raises(ValueError, match="1-D"):
        model.recommend([[100, 101]], n=1)
    empty = model.recommend([], n=2, exclude_seen=False)
    assert empty.shape == (0, 2) and empty.dtype == np.int64
    with pytest.raises(ValueError, match="n=5 items, but 4 items are left"):
        model.recommend([], n=5)


def test_missing_and_mistyped_ids_are_refused_in_every_call(device, training_spy):
    X = np.array([[1, 10], [2, 11], [1, 11], [3, 10]])
    model = _fit(device, X, np.array([1.0, 2.0, 3.0, 4.0]), max_iter=2)
    calls = training_spy.calls
    for missing, shown in [(None, "None"), (pd.NA, "<NA>"), (np.nan, "nan")]:
        message = rf"missing one \({shown}\) in row 1, column 0 \(user\)"
        bad = np.array([[1, 10], [missing, 11]], dtype=object)
        with pytest.raises(ValueError, match=message):
            model.predict(bad)
        with pytest.raises(ValueError, match=message):
            model.partial_fit(bad, [1.0, 2.0])
        with pytest.raises(ValueError, match=message):
            CollaborativeFilteringRegressor(device=device).fit(bad, [1.0, 2.0])
    with pytest.raises(ValueError, match="fitted on int64 ids in column 0"):
        model.predict(np.array([["a", 10]], dtype=object))
    assert training_spy.calls == calls


def test_grid_search_over_n_components_and_pipeline(ratings, device):
    X, y, _ = ratings
    search = GridSearchCV(
        CollaborativeFilteringRegressor(
            max_iter=30,
            batch_size=64,
            learning_rate_init=0.01,
            alpha=0.01,
            random_state=0,
            device=device,
        ),
        {"n_components": [1, 8]},
        cv=3,
        scoring="neg_root_mean_squared_error",
    ).fit(X, y)
    assert search.best_params_ == {"n_components": 8}
    pipeline = make_pipeline(FunctionTransformer(), _fit(device, X, y, max_iter=2))
    assert pipeline.fit(X, y).predict(X[:3]).shape == (3,)


def test_reproducible_and_pickles(ratings, device):
    X, y, _ = ratings
    first, second = _fit(device, X, y, max_iter=5), _fit(device, X, y, max_iter=5)
    np.testing.assert_array_equal(first.predict(X), second.predict(X))
    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(restored.predict(X), first.predict(X))
    np.testing.assert_array_equal(restored.recommend(["u1"], n=3), first.recommend(["u1"], n=3))


def test_bad_input_is_refused_before_training(device, training_spy):
    model = CollaborativeFilteringRegressor(device=device)
    with pytest.raises(ValueError, match="1 feature"):
        model.fit(np.arange(10).reshape(-1, 1), np.ones(10))
    with pytest.raises(ValueError, match="interaction"):
        CollaborativeFilteringRegressor(interaction="cosine").fit([[0, 1]], [1.0])
    assert training_spy.calls == 0


def test_more_item_columns_describe_the_item(device):
    # (user, film, genre): the genre's vector is shared by its films.
    rng = np.random.RandomState(0)
    films = rng.randint(0, 30, 400)
    X = np.column_stack([rng.randint(0, 20, 400), films, films % 3])
    model = _fit(device, X, (films % 3).astype(float), max_iter=20)
    assert model.predict([[0, 99, 2]])[0] > model.predict([[0, 99, 0]])[0]  # unknown film
    with pytest.raises(ValueError, match="one item column"):
        model.recommend([0], n=2)


@pytest.mark.parametrize("interaction", INTERACTIONS)
def test_network_forward_backward_and_unknown_rows(interaction, seeded):
    network = CollaborativeFilteringNetwork(
        n_users=5,
        n_items=(4, 2),
        n_outputs=2,
        n_components=3,
        interaction=interaction,
        hidden_layer_sizes=(6, 3),
        dropout=0.1,
        global_mean=(3.0, 1.0),
    )
    ids = torch.tensor([[0, 1, 0], [4, 3, 1], [5, 4, 2], [2, 4, 1]])
    rating, penalty = network(ids)
    assert rating.shape == (4, 2) and penalty.shape == (4,)
    assert torch.isfinite(rating).all()
    (rating.sum() + penalty.sum()).backward()
    # The unknown rows (index n) stay at zero: no gradient reaches them.
    assert network.user_factors.weight.grad[5].abs().sum() == 0
    assert network.item_factors[0].weight.grad[4].abs().sum() == 0
    np.testing.assert_allclose(rating[2].detach().numpy(), [3.0, 1.0])
