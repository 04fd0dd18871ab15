"""FusionClassifier / FusionRegressor: branches over column groups, one shared head."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sknets import (
    CNNClassifier,
    CollaborativeFilteringRegressor,
    FusionClassifier,
    FusionRegressor,
    LSTMClassifier,
    MLPClassifier,
    MLPRegressor,
    TransformerClassifier,
)
from sknets.networks import MLP, ConvNet, FusionNetwork, RecurrentNetwork

FAST = {"max_iter": 60, "learning_rate_init": 0.01, "random_state": 0, "device": "cpu"}


def two_modality_data(n=400, seed=0):
    """Four classes: numeric columns carry the high bit, token ids the low bit.

    Either modality alone can tell at most two classes apart (50 %).
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    numbers = rng.normal(size=(n, 3)) + 2.0 * (y // 2)[:, None]
    # Tokens 1..8: odd classes draw from 5..8, even from 1..4; 0 stays padding.
    tokens = 1 + 4 * (y % 2)[:, None] + rng.integers(0, 4, (n, 4))
    return np.hstack([numbers, tokens]).astype(np.float64), y


def numeric_and_tokens(**head):
    return FusionClassifier(
        [
            ("numbers", MLPClassifier(hidden_layer_sizes=(16,)), [0, 1, 2]),
            ("tokens", LSTMClassifier(vocab_size=9, hidden_size=8, embedding_dim=8), slice(3, 7)),
        ],
        hidden_layer_sizes=(16,),
        **{**FAST, **head},
    )


def token_columns(X):
    """A named column selector (a lambda would not pickle)."""
    return [column for column in X.columns if column.startswith("token")]


def as_frame(X):
    names = ["a", "b", "c"] + [f"token{i}" for i in range(4)]
    frame = pd.DataFrame(X[:, :3], columns=names[:3])
    for i in range(4):
        frame[names[3 + i]] = X[:, 3 + i].astype(np.int64)
    return frame


@pytest.mark.parametrize("combine", ["concat", "attention"])
def test_fusion_beats_each_modality_alone(combine):
    X, y = two_modality_data()
    X_test, y_test = two_modality_data(seed=1)
    fusion = numeric_and_tokens(combine=combine).fit(X, y)
    alone = MLPClassifier(hidden_layer_sizes=(16,), **FAST).fit(X[:, :3], y)
    assert alone.score(X_test[:, :3], y_test) < 0.6
    assert fusion.score(X_test, y_test) > 0.85
    assert fusion.loss_curve_[-1] < 0.5 * fusion.loss_curve_[0]
    assert fusion.predict_proba(X_test).shape == (len(X_test), 4)
    assert set(fusion.input_shapes_) == {"numbers", "tokens"}
    assert fusion.branch_columns_["tokens"].tolist() == [3, 4, 5, 6]


def test_attention_weights_one_per_branch_and_sum_to_one():
    X, y = two_modality_data(n=100)
    fusion = numeric_and_tokens(combine="attention", max_iter=3).fit(X, y)
    fusion.predict(X[:7])
    weights = fusion.module_.attention_weights
    assert weights.shape[1] == 2
    torch.testing.assert_close(weights.sum(dim=1), torch.ones(len(weights)))


def test_dataframe_columns_by_name_and_callable_and_pickle():
    X, y = two_modality_data()
    frame = as_frame(X)
    fusion = FusionClassifier(
        [
            ("numbers", MLPClassifier(hidden_layer_sizes=(16,)), ["a", "b", "c"]),
            (
                "tokens",
                TransformerClassifier(
                    vocab_size=9, d_model=8, n_heads=2, n_layers=1, dim_feedforward=16
                ),
                token_columns,
            ),
        ],
        hidden_layer_sizes=(16,),
        **FAST,
    ).fit(frame, y)
    assert fusion.feature_names_in_.tolist() == list(frame.columns)
    assert fusion.input_shapes_["tokens"] == (4,)
    assert fusion.score(as_frame(two_modality_data(seed=1)[0]), two_modality_data(seed=1)[1]) > 0.8
    restored = pickle.loads(pickle.dumps(fusion))
    np.testing.assert_array_equal(restored.predict(frame), fusion.predict(frame))


def test_image_branch_takes_pixel_columns_with_input_shape():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 120)
    images = rng.normal(size=(120, 1, 6, 6)).astype(np.float32)
    images[y == 1, :, :3, :3] += 2.0  # bright top-left corner
    X = np.hstack([images.reshape(120, -1), rng.normal(size=(120, 2))])
    fusion = FusionClassifier(
        [
            (
                "image",
                CNNClassifier(input_shape=(1, 6, 6), filters=(4,), hidden_layer_sizes=(8,)),
                slice(0, 36),
            ),
            ("numbers", MLPClassifier(hidden_layer_sizes=(4,)), [36, 37]),
        ],
        hidden_layer_sizes=(8,),
        **FAST,
    ).fit(X, y)
    assert fusion.input_shapes_["image"] == (1, 6, 6)
    assert fusion.score(X, y) > 0.9


def test_reproducible_with_random_state_and_caller_data_untouched():
    X, y = two_modality_data(n=120)
    X_before, y_before = X.copy(), y.copy()
    template = numeric_and_tokens(max_iter=5)
    first = clone(template).fit(X, y).predict_proba(X)
    second = clone(template).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    template.fit(X, y)
    # The branch estimators the caller passed stay unfitted: the fit works on clones.
    assert not hasattr(template.branches[0][1], "n_features_in_")


def test_branch_parameters_reachable_by_get_set_params_and_grid_search():
    fusion = numeric_and_tokens()
    params = fusion.get_params()
    assert params["numbers__hidden_layer_sizes"] == (16,)
    assert params["tokens__hidden_size"] == 8
    fusion.set_params(tokens__hidden_size=4, numbers=MLPClassifier(hidden_layer_sizes=(2,)))
    assert fusion.branches[1][1].hidden_size == 4
    assert fusion.branches[0][1].hidden_layer_sizes == (2,)
    assert fusion.branches[0][2] == [0, 1, 2]  # columns kept when a branch is replaced
    assert clone(fusion).get_params()["tokens__hidden_size"] == 4
    X, y = two_modality_data(n=90)
    search = GridSearchCV(fusion.set_params(max_iter=3), {"tokens__hidden_size": [2, 4]}, cv=2).fit(
        X, y
    )
    assert search.best_params_["tokens__hidden_size"] in (2, 4)
    assert search.best_estimator_.module_.branches["tokens"].num_features in (2, 4)


def test_without_branches_all_columns_go_to_one_mlp_in_a_pipeline():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0, 1.5])
    model = make_pipeline(FunctionTransformer(), FusionRegressor(hidden_layer_sizes=(16,), **FAST))
    model.fit(X, y)
    regressor = model[-1]
    assert list(regressor.module_.branches) == ["mlp"]
    assert regressor.branch_columns_["mlp"].tolist() == [0, 1, 2, 3, 4]
    baseline = np.mean((y - y.mean()) ** 2)
    assert np.mean((model.predict(X) - y) ** 2) < 0.1 * baseline


def test_regressor_with_branches_learns_from_both():
    X, labels = two_modality_data()
    y = 2.0 * (labels // 2) + (labels % 2)
    fusion = FusionRegressor(
        [
            ("numbers", MLPRegressor(hidden_layer_sizes=(16,)), [0, 1, 2]),
            ("tokens", LSTMClassifier(vocab_size=9, hidden_size=8, embedding_dim=8), [3, 4, 5, 6]),
        ],
        hidden_layer_sizes=(16,),
        **FAST,
    ).fit(X, y)
    assert fusion.score(X, y) > 0.8


def _unfitted_after(fusion, X, y, error, match):
    with pytest.raises(error, match=match):
        fusion.fit(X, y)
    assert not hasattr(fusion, "net_")


def test_unknown_column_is_refused():
    X, y = two_modality_data(n=40)
    frame = as_frame(X)
    fusion = numeric_and_tokens().set_params(
        branches=[
            ("numbers", MLPClassifier(), ["a", "nope"]),
        ]
    )
    _unfitted_after(fusion, frame, y, ValueError, r"Branch 'numbers' selects the columns.*nope")
    fusion.set_params(branches=[("numbers", MLPClassifier(), [0, 9])])
    _unfitted_after(fusion, X, y, ValueError, r"Branch 'numbers' selects the columns \[0, 9\]")
    fusion.set_params(branches=[("numbers", MLPClassifier(), ["a"])])
    _unfitted_after(fusion, X, y, ValueError, "strings is only supported for dataframes")
    fusion.set_params(branches=[("numbers", MLPClassifier(), [])])
    _unfitted_after(fusion, X, y, ValueError, "selects no column")


def test_overlapping_selections_are_refused():
    X, y = two_modality_data(n=40)
    fusion = FusionClassifier(
        [
            ("first", MLPClassifier(), slice(0, 4)),
            ("second", LSTMClassifier(vocab_size=9), [3, 4, 5, 6]),
        ]
    )
    _unfitted_after(fusion, X, y, ValueError, r"'first' and 'second' both select the columns \[3\]")


def test_token_branch_refuses_non_integer_columns():
    X, y = two_modality_data(n=40)
    X[:, 3] += 0.5
    _unfitted_after(
        numeric_and_tokens(), X, y, ValueError, "Branch 'tokens'.*token ids as integers"
    )


def test_branches_must_be_sknets_estimators_with_features():
    X, y = two_modality_data(n=40)
    not_sknets = FusionClassifier([("linear", LogisticRegression(), [0, 1, 2])])
    _unfitted_after(not_sknets, X, y, TypeError, "Branch 'linear'.*sknets classifier")
    no_features = FusionRegressor([("ids", CollaborativeFilteringRegressor(), [3, 4])])
    _unfitted_after(no_features, X, y[:, None] * 1.0, TypeError, "Branch .ids.*forward_features")
    bad_name = FusionClassifier([("a__b", MLPClassifier(), [0])])
    _unfitted_after(bad_name, X, y, ValueError, "branch names")
    twice = FusionClassifier([("a", MLPClassifier(), [0]), ("a", MLPClassifier(), [1])])
    _unfitted_after(twice, X, y, ValueError, "not unique")
    malformed = FusionClassifier([("a", MLPClassifier())])
    _unfitted_after(malformed, X, y, ValueError, r"\(name, estimator, columns\)")
    bad_branch_param = FusionClassifier([("a", MLPClassifier(hidden_layer_sizes=-1), [0])])
    _unfitted_after(bad_branch_param, X, y, ValueError, "Branch 'a'.*hidden_layer_sizes")


def test_predict_checks_the_columns_against_the_fit():
    X, y = two_modality_data(n=60)
    fusion = numeric_and_tokens(max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="X has 6 features"):
        fusion.predict(X[:, :6])
    bad = X.copy()
    bad[0, 4] = 20  # beyond vocab_size
    with pytest.raises(ValueError, match="Branch 'tokens'.*vocab_size=9"):
        fusion.predict(bad)


@pytest.mark.parametrize("combine", ["concat", "attention"])
def test_network_forward_backward_and_no_nan(combine):
    torch.manual_seed(0)
    net = FusionNetwork(
        branches={
            "image": ConvNet(in_channels=1, n_outputs=1, filters=(4,), hidden_layer_sizes=()),
            "tokens": RecurrentNetwork(n_outputs=1, vocab_size=9, hidden_size=6, embedding_dim=4),
            "numbers": MLP(n_features=3, n_outputs=1, hidden_layer_sizes=(5,)),
        },
        n_outputs=3,
        hidden_layer_sizes=(8,),
        combine=combine,
    )
    inputs = {
        "image": torch.randn(5, 1, 8, 8),
        "tokens": torch.randint(1, 9, (5, 4)),
        "numbers": torch.randn(5, 3),
    }
    out = net(**inputs)
    assert out.shape == (5, 3) and torch.isfinite(out).all()
    out.sum().backward()
    for name, branch in net.branches.items():
        assert isinstance(branch.head, torch.nn.Identity), name  # the shared head predicts
        grads = [p.grad for p in branch.parameters() if p.requires_grad]
        assert all(g is not None and torch.isfinite(g).all() for g in grads), name
    width = 4 * 16 + 6 + 5 if combine == "concat" else 4 * 16
    assert net.num_features == width
    with pytest.raises(KeyError, match="numbers"):
        net(image=inputs["image"], tokens=inputs["tokens"])


def test_network_refuses_a_branch_without_features():
    with pytest.raises(TypeError, match="branch 'plain'.*forward_features"):
        FusionNetwork(branches={"plain": torch.nn.Linear(3, 2)}, n_outputs=2)
    with pytest.raises(ValueError, match="combine"):
        FusionNetwork(branches={"m": MLP(n_features=3, n_outputs=1)}, n_outputs=2, combine="sum")


def test_partial_fit_and_warm_start_continue_the_same_network():
    X, y = two_modality_data(n=80)
    fusion = numeric_and_tokens(max_iter=2).fit(X, y)
    network = fusion.module_
    fusion.partial_fit(X, y)
    assert fusion.n_iter_ == 3 and fusion.module_ is network
    fusion.set_params(warm_start=True).fit(X, y)
    assert fusion.module_ is network
    with pytest.raises(ValueError, match="Branch 'tokens'.*token ids as integers"):
        fusion.partial_fit(X + 0.5, y)
    assert fusion.n_iter_ == 5
