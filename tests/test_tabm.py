"""TabM: a real ensemble (members differ, each trained on its loss), predictions average it."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sknets import TabMClassifier, TabMRegressor
from sknets._losses import CrossEntropyPerSample, MemberAveragedLoss
from sknets.networks import TabM
from sknets.networks._tabm import average_members

_TINY = {"hidden_layer_sizes": (16,), "n_members": 4, "batch_size": 32, "random_state": 0}


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X).astype(np.float32), y


@pytest.fixture(scope="module")
def fitted(iris):
    X, y = iris
    return _fit(TabMClassifier(**_TINY, max_iter=20, early_stopping=False), X, y)


def test_classifier_learns(iris, fitted):
    X, y = iris
    assert fitted.score(X, y) > 0.9
    assert fitted.module_.n_members == 4


def test_breast_cancer_with_defaults_but_small(seeded):
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = _fit(TabMClassifier(hidden_layer_sizes=(32, 32), n_members=8, max_iter=15), X, y)
    # Early stopping (the default) held a validation share out.
    assert clf.validation_scores_ is not None
    assert clf.score(X, y) > 0.9


def test_members_differ_and_prediction_is_their_mean_probability(iris, fitted):
    X, _ = iris
    module = fitted.module_.eval()
    with torch.no_grad():
        members = module.forward_members(torch.as_tensor(fitted._validated_input(X[:20])[0]))
    probabilities = members.softmax(dim=-1)
    # A real ensemble: no two members predict alike.
    spread = (probabilities - probabilities.mean(dim=1, keepdim=True)).abs().amax()
    assert spread > 1e-3
    np.testing.assert_allclose(
        fitted.predict_proba(X[:20]), probabilities.mean(dim=1).numpy(), rtol=1e-5, atol=1e-6
    )
    # The first adapter starts apart (random signs on raw features, one per
    # feature and member): members share the weights, not the scalings.
    first = module.blocks[0]
    assert first.weight.ndim == 2 and first.r.shape[0] == 4
    assert not torch.allclose(first.r[0], first.r[1])


def test_binary_prediction_is_the_mean_of_member_probabilities(iris):
    X, y = iris
    clf = _fit(TabMClassifier(**_TINY, max_iter=5, early_stopping=False), X, y == 0)
    with torch.no_grad():
        members = clf.module_.eval().forward_members(
            torch.as_tensor(clf._validated_input(X[:10])[0])
        )
    expected = torch.sigmoid(members[..., 0]).mean(dim=1).numpy()
    np.testing.assert_allclose(clf.predict_proba(X[:10])[:, 1], expected, rtol=1e-5, atol=1e-6)


def test_training_loss_is_the_mean_of_member_losses(seeded):
    members = torch.randn(5, 3, 4)
    target = torch.randint(0, 4, (5,))
    loss = MemberAveragedLoss(CrossEntropyPerSample())
    expected = torch.stack(
        [
            torch.nn.functional.cross_entropy(members[:, i], target, reduction="none")
            for i in range(3)
        ],
        dim=1,
    ).mean(dim=1)
    ensemble = average_members(members, "softmax")
    torch.testing.assert_close(loss((ensemble, members), target), expected)
    # A plain tensor (a validation pass's ensemble output) is scored as it is.
    torch.testing.assert_close(loss(ensemble, target), CrossEntropyPerSample()(ensemble, target))


def test_network_returns_members_in_training_only(seeded):
    net = TabM(n_features=3, n_outputs=2, hidden_layer_sizes=(8,), n_members=5)
    x = torch.randn(7, 3)
    ensemble, members = net.train()(x)
    assert ensemble.shape == (7, 2) and members.shape == (7, 5, 2)
    torch.testing.assert_close(ensemble, members.mean(dim=1))
    assert net.eval()(x).shape == (7, 2)


@pytest.mark.parametrize(
    ("link", "to_scale", "from_scale"),
    [
        ("logistic", torch.sigmoid, torch.logit),
        ("exp", torch.exp, torch.log),
    ],
)
def test_average_is_taken_on_the_prediction_scale(link, to_scale, from_scale, seeded):
    members = torch.randn(6, 4, 2, dtype=torch.float64)
    expected = from_scale(to_scale(members).mean(dim=1))
    torch.testing.assert_close(average_members(members, link), expected)


def test_multitask_blocks_get_one_softmax_each(seeded):
    members = torch.randn(3, 4, 5, dtype=torch.float64)
    averaged = average_members(members, "softmax", task_sizes=(2, 3))
    first, second = averaged.split([2, 3], dim=1)
    torch.testing.assert_close(first.exp().sum(dim=1), torch.ones(3, dtype=torch.float64))
    torch.testing.assert_close(
        second.exp(), members[..., 2:].softmax(dim=-1).mean(dim=1), rtol=1e-9, atol=1e-12
    )


def test_category_codes_are_one_hot_and_learned(seeded):
    # Two numeric columns, then one categorical column of 4 codes (float, as the
    # table encoding sends them); the class depends on the code only, and not
    # monotonically, which a numeric reading of the code could not fit.
    net = TabM(
        n_features=3,
        n_outputs=2,
        category_sizes=(4,),
        hidden_layer_sizes=(16,),
        n_members=4,
        output_link="softmax",
    )
    first = net.blocks[0]
    assert first.weight.shape[1] == 2 * 24 + 4  # two embedded numbers, a one-hot of 4
    # The first adapter takes one value per feature: a code's 4 inputs share it.
    assert torch.all(first.r[:, -4:] == first.r[:, -1:])
    generator = torch.Generator().manual_seed(0)
    codes = torch.randint(0, 4, (256, 1), generator=generator)
    x = torch.cat([torch.randn(256, 2, generator=generator), codes.float()], dim=1)
    target = torch.tensor([1, 0, 1, 0])[codes[:, 0]]
    loss_fn = MemberAveragedLoss(CrossEntropyPerSample())
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-2)
    for _ in range(60):
        optimizer.zero_grad()
        loss_fn(net.train()(x), target).mean().backward()
        optimizer.step()
    accuracy = (net.eval()(x).argmax(dim=1) == target).float().mean()
    assert accuracy == 1.0
    # The code column is not embedded as a number: only its one-hot enters.
    assert net.numeric.frequencies.shape[0] == 2


def test_all_categorical_and_no_embedding(seeded):
    net = TabM(
        n_features=2,
        n_outputs=1,
        category_sizes=(3, 2),
        hidden_layer_sizes=(8, 8),
        n_members=3,
        numeric_embedding=None,
    )
    assert net.numeric is None and net.blocks[0].weight.shape[1] == 5
    assert net.eval()(torch.tensor([[2.0, 1.0], [0.0, 0.0]])).shape == (2, 1)


def test_regressor_learns(seeded):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4)).astype(np.float32)
    y = X[:, 0] - 2 * X[:, 1] + 0.1 * rng.normal(size=300)
    reg = _fit(TabMRegressor(**_TINY, max_iter=40), X, y)
    assert reg.score(X, y) > 0.9
    with torch.no_grad():
        members = reg.module_.eval().forward_members(
            torch.as_tensor(reg._validated_input(X[:10])[0])
        )
    np.testing.assert_allclose(reg.predict(X[:10]), members.mean(dim=1)[:, 0], rtol=1e-5, atol=1e-5)


def test_defaults_are_the_references():
    params = TabMClassifier().get_params()
    assert params["n_members"] == 32 and params["hidden_layer_sizes"] == (512, 512)
    assert params["dropout"] == 0.1 and params["numeric_embedding"] == "periodic"
    assert params["solver"] == "adamw" and params["learning_rate_init"] == 2e-3
    assert params["alpha"] == 3e-4 and params["batch_size"] == 256
    assert params["early_stopping"] and params["n_iter_no_change"] == 16


@pytest.mark.parametrize(
    "params",
    [
        {"n_members": 0},
        {"numeric_embedding": "piecewise"},
        {"hidden_layer_sizes": ()},
        {"dropout": 1.0},
    ],
)
def test_bad_parameters_are_refused(iris, params):
    X, y = iris
    with pytest.raises(InvalidParameterError):
        TabMClassifier(**params).fit(X, y)


def test_tabm_package_names_get_pointed_errors():
    with pytest.raises(TypeError, match="n_members"):
        TabMClassifier(k=8)
    with pytest.raises(TypeError, match="n_members"):
        TabMRegressor(n_estimators=8)
