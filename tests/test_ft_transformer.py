"""FT-Transformer: the feature tokenizer, the [CLS] read-out, learning, and its settings."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.datasets import load_iris, make_regression
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sknets import FTTransformerClassifier, FTTransformerRegressor
from sknets.networks import FeatureTokenizer, FTTransformer

TINY = {
    "d_model": 16,
    "n_heads": 2,
    "n_layers": 1,
    "dim_feedforward": 16,
    "learning_rate_init": 3e-3,
    "random_state": 0,
    "device": "cpu",
}


def _table(n=6, seed=0):
    """Two numeric columns, then codes of two categorical columns (3 and 5 codes)."""
    rng = np.random.default_rng(seed)
    x = np.column_stack(
        [rng.normal(size=(n, 2)), rng.integers(0, 3, n), rng.integers(0, 5, n)]
    ).astype(np.float32)
    return torch.from_numpy(x)


def test_tokenizer_makes_one_token_per_column_and_cls_first():
    tokenizer = FeatureTokenizer(n_features=4, category_sizes=(3, 5), d_model=8)
    x = _table()
    tokens = tokenizer(x)
    assert tokens.shape == (6, 5, 8)
    # [CLS] is the same learned vector in every row.
    torch.testing.assert_close(tokens[:, 0], tokenizer.cls_token.expand(6, -1))
    # A numeric column j is x_j * W_j + b_j.
    expected = x[:, 1:2] * tokenizer.weight[1] + tokenizer.bias[1]
    torch.testing.assert_close(tokens[:, 2], expected)
    # A categorical column is its code's embedding plus the column's bias.
    embedding = tokenizer.categories.embeddings[1].weight
    torch.testing.assert_close(tokens[:, 4], embedding[x[:, 3].long()] + tokenizer.bias[3])


def test_category_codes_are_looked_up_not_multiplied():
    net = FTTransformer(
        n_features=4, n_outputs=2, category_sizes=(3, 5), d_model=8, n_heads=2, n_layers=2
    ).eval()
    x = _table()
    same, other = x.clone(), x.clone()
    same[:, 3] = 2.0
    other[:, 3] = 4.0
    # Codes pick different embeddings: the output depends on the code, and the
    # code's token for 4 is not twice that for 2 (as a numeric token would be).
    assert not torch.allclose(net(same), net(other))
    tokens_2 = net.tokenizer(same)[:, 4] - net.tokenizer.bias[3]
    tokens_4 = net.tokenizer(other)[:, 4] - net.tokenizer.bias[3]
    assert not torch.allclose(2 * tokens_2, tokens_4)
    # A code beyond a column's size is an index error, as any embedding lookup.
    bad = x.clone()
    bad[:, 2] = 3.0
    with pytest.raises(IndexError):
        net(bad)


def test_output_is_read_from_the_cls_token_alone():
    net = FTTransformer(n_features=5, n_outputs=3, d_model=8, n_heads=2, n_layers=2).eval()
    x = torch.randn(4, 5)
    # The last block computes [CLS] only; the same as the full stack's [CLS].
    tokens = net.forward_tokens(x)
    assert tokens.shape == (4, 6, 8)
    full = net.head(torch.relu(net.norm(tokens[:, 0])))
    torch.testing.assert_close(net(x), full)
    assert net.forward_features(x).shape == (4, net.num_features)
    # The first block has no first LayerNorm, the later ones do.
    assert net.blocks[0].attention_norm is None
    assert isinstance(net.blocks[1].attention_norm, torch.nn.LayerNorm)
    # ReGLU: the first feed-forward layer is twice as wide as the second's input.
    assert net.blocks[0].linear1.out_features == 2 * net.blocks[0].linear2.in_features


def test_gradients_reach_every_parameter():
    net = FTTransformer(n_features=4, n_outputs=2, category_sizes=(3, 5), d_model=8, n_heads=2)
    net(_table(16)).sum().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in net.parameters())


def test_defaults_are_the_papers_default_ft_transformer():
    params = FTTransformerClassifier().get_params()
    expected = {
        "d_model": 192,
        "n_heads": 8,
        "n_layers": 3,
        "dim_feedforward": 256,
        "dropout": 0.1,
        "attention_dropout": 0.2,
        "residual_dropout": 0.0,
        "solver": "adamw",
        "learning_rate_init": 1e-4,
        "alpha": 1e-5,
        "batch_size": 256,
        "early_stopping": True,
        "n_iter_no_change": 16,
    }
    assert {name: params[name] for name in expected} == expected
    net = FTTransformer(n_features=3, n_outputs=1)
    assert net.blocks[0].linear2.in_features == 256 and len(net.blocks) == 3


def test_classifier_learns_iris():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = FTTransformerClassifier(**TINY, max_iter=30, batch_size=32, early_stopping=False)
    clf.fit(X, y)
    assert clf.score(X, y) > 0.9  # chance is 1/3
    assert clf.predict_proba(X[:3]).shape == (3, 3)
    assert isinstance(clf.module_, FTTransformer)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))


def test_regressor_learns_a_linear_target():
    X, y = make_regression(n_samples=200, n_features=5, noise=0.1, random_state=0)
    y = (y - y.mean()) / y.std()
    reg = FTTransformerRegressor(**TINY, max_iter=40, batch_size=32, early_stopping=False)
    assert reg.fit(X, y).score(X, y) > 0.8
    assert reg.predict(X[:4]).shape == (4,)


def test_early_stopping_by_default():
    X, y = load_iris(return_X_y=True)
    clf = FTTransformerClassifier(**TINY, max_iter=3, batch_size=32).fit(X, y)
    assert clf.validation_scores_ is not None and len(clf.validation_scores_) == clf.n_iter_


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"n_heads": 3}, ValueError, "n_heads=3 must divide d_model=16"),
        ({"attention_dropout": 1.0}, InvalidParameterError, "attention_dropout"),
        ({"residual_dropout": -0.1}, InvalidParameterError, "residual_dropout"),
        ({"d_model": 0}, InvalidParameterError, "d_model"),
        ({"n_layers": 1.5}, InvalidParameterError, "n_layers"),
    ],
)
def test_bad_params_are_refused_before_training(params, error, match):
    X, y = load_iris(return_X_y=True)
    clf = FTTransformerClassifier(**{**TINY, **params})
    with pytest.raises(error, match=match):
        clf.fit(X, y)
    assert not hasattr(clf, "module_")


def test_network_refuses_heads_that_do_not_divide_and_too_many_categories():
    with pytest.raises(ValueError, match="must divide"):
        FTTransformer(n_features=3, n_outputs=1, d_model=10, n_heads=4)
    with pytest.raises(ValueError, match="category sizes"):
        FTTransformer(n_features=1, n_outputs=1, category_sizes=(2, 3), d_model=8, n_heads=2)


def test_only_categorical_columns():
    net = FTTransformer(n_features=2, n_outputs=1, category_sizes=(3, 5), d_model=8, n_heads=2)
    assert net.tokenizer.weight is None
    assert net(_table()[:, 2:]).shape == (6, 1)


def test_quantize_covers_every_linear_layer():
    from sknets.compress import quantize

    X, y = load_iris(return_X_y=True)
    clf = FTTransformerClassifier(**TINY, max_iter=20, batch_size=32, early_stopping=False)
    clf.fit(StandardScaler().fit_transform(X), y)
    compressed = quantize(clf)
    layers = set(compressed.compression_["layers"])
    # The attention is plain Linear layers, all quantised (no nn.MultiheadAttention).
    assert {"blocks.0.attention.output", "blocks.0.linear1", "head"} <= layers
    Xs = StandardScaler().fit_transform(X)
    assert (compressed.predict(Xs) == clf.predict(Xs)).mean() > 0.9
