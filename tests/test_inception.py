"""InceptionTime and LITETime (issue 29)."""

import warnings

import numpy as np
import pytest
import torch

from sknets import InceptionTimeClassifier, InceptionTimeRegressor, LITETimeClassifier
from sknets.networks import (
    InceptionNetwork,
    InceptionTime,
    LITENetwork,
    LITETime,
    hand_crafted_filters,
)


def test_inception_network_has_the_papers_layers():
    net = InceptionNetwork(in_channels=3, n_outputs=2)
    assert len(net.inception_modules) == 6 and len(net.shortcuts) == 2
    module = net.inception_modules[0]
    assert [
        c.kernel_size[0]
        for c in module.convs
        for c in c.modules()
        if isinstance(c, torch.nn.Conv1d)
    ] == [40, 20, 10]
    assert isinstance(module.bottleneck, torch.nn.Conv1d)  # three channels: a bottleneck
    assert module.out_channels == 128 and net.num_features == 128
    # One channel: no bottleneck, as in the paper.
    single = InceptionNetwork(in_channels=1, n_outputs=2).inception_modules[0]
    assert isinstance(single.bottleneck, torch.nn.Identity)
    # Keras' "same": every length is kept, even kernels included.
    for length in (1, 7, 150):
        assert net(torch.randn(2, 3, length)).shape == (2, 2)


def test_lite_network_is_light_and_its_hand_crafted_filters_do_not_train():
    net = LITENetwork(in_channels=1, n_outputs=2)
    trainable = sum(p.numel() for p in net.parameters())
    assert 5_000 < trainable < 15_000  # the paper's "about 10k parameters"
    inception = sum(p.numel() for p in InceptionNetwork(in_channels=1, n_outputs=2).parameters())
    assert inception > 20 * trainable
    assert net.hand_crafted.out_channels == 17
    assert not any("hand_crafted" in name for name, _ in net.named_parameters())
    filters = hand_crafted_filters()
    np.testing.assert_array_equal(filters[0], [-1, 1])  # increase detector of size 2
    np.testing.assert_array_equal(filters[6], [1, -1])  # decrease detector of size 2
    assert len(filters[12]) == 6  # a peak detector of size 4 is 6 long
    # A rising ramp excites the increase detectors, not the decrease ones.
    # (Sizes up to 16, whose windows stay off the zero padding of the edges.)
    ramp = torch.linspace(0, 1, 64).reshape(1, 1, 64)
    responses = net.hand_crafted(ramp)[0, :, 10:-10].mean(dim=1)
    assert (responses[:4] > 0).all() and (responses[6:10] == 0).all()


@pytest.mark.parametrize("ensemble", [InceptionTime, LITETime])
def test_ensembles_average_member_probabilities(ensemble):
    net = ensemble(
        in_channels=1,
        n_outputs=3,
        n_members=3,
        output_link="softmax",
        **({"n_layers": 3} if ensemble is InceptionTime else {}),
    )
    x = torch.randn(5, 1, 30)
    net.train()
    averaged, members = net(x)
    assert members.shape == (5, 3, 3)
    expected = torch.softmax(members, dim=-1).mean(dim=1).log()
    torch.testing.assert_close(averaged, expected)
    net.eval()
    assert net(x).shape == (5, 3)
    # Each member is initialised on its own.
    first, second = (m.head.weight for m in list(net.members)[:2])
    assert not torch.equal(first, second)


def _series(n=40, length=30, seed=0):
    rng = np.random.RandomState(seed)
    y = np.arange(n) % 2
    t = np.linspace(0, 1, length)
    X = np.sin(2 * np.pi * (1 + 2 * y[:, None]) * t) + 0.2 * rng.normal(size=(n, length))
    return X[:, None, :].astype(np.float32), y


@pytest.mark.parametrize("estimator_class", [InceptionTimeClassifier, LITETimeClassifier])
def test_classifiers_learn_and_use_the_papers_defaults(estimator_class):
    defaults = estimator_class()
    assert (defaults.batch_size, defaults.max_iter, defaults.learning_rate) == (64, 1500, "plateau")
    assert defaults.n_members == 5 and defaults.kernel_size == 40
    X, y = _series()
    clf = estimator_class(**estimator_class._get_test_params()).set_params(device="cpu")
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        clf.set_params(batch_size=64).fit(X, y)  # 64 > 40 rows: clipped, as the reference does
    assert not [w for w in records if "batch_size" in str(w.message)]
    assert clf.score(X, y) >= 0.9


def test_regressor_predicts_one_value_per_series():
    X, _ = _series()
    y = X[:, 0, :10].mean(axis=1)
    reg = (
        InceptionTimeRegressor(**InceptionTimeRegressor._get_test_params())
        .set_params(device="cpu")
        .fit(X, y)
    )
    assert reg.predict(X).shape == (40,)
    assert reg.score(X, y) > 0
