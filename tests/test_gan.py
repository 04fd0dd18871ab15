"""GANGenerator: its networks, what it learns, conditional sampling, bad input."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sknets import GANGenerator
from sknets.networks import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator

SMALL = {"hidden_layer_sizes": (64, 64), "random_state": 0, "device": "cpu"}


def _two_clusters(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = np.r_[rng.normal(-3, 0.5, (n, 2)), rng.normal(3, 0.5, (n, 2))]
    return X, np.repeat(["left", "right"], n)


# ------------------------------------------------------------------ networks
@pytest.mark.parametrize("n_classes", [0, 3])
@pytest.mark.parametrize(
    "pair, data_shape",
    [
        ("mlp", (5,)),
        ("dcgan", (1, 8, 8)),
        ("dcgan", (3, 7, 5)),
        ("dcgan", (1, 1, 1)),
    ],
)
def test_networks_forward_backward_finite(pair, data_shape, n_classes):
    torch.manual_seed(0)
    if pair == "mlp":
        generator = MLPGenerator(
            n_components=4, n_features=data_shape[0], hidden_layer_sizes=(8,), n_classes=n_classes
        )
        discriminator = MLPDiscriminator(
            n_features=data_shape[0], hidden_layer_sizes=(8,), n_classes=n_classes
        )
    else:
        generator = DCGANGenerator(
            n_components=4, input_shape=data_shape, filters=(8, 16), n_classes=n_classes
        )
        discriminator = DCGANDiscriminator(
            input_shape=data_shape, filters=(8, 16), n_classes=n_classes
        )
    labels = torch.tensor([0, 1, 2, 0])[:4] if n_classes else None
    fake = generator(generator.noise(4), labels)
    assert fake.shape == (4, *data_shape)
    logits = discriminator(fake, labels)
    assert logits.shape == (4,)
    torch.nn.functional.softplus(-logits).mean().backward()
    for network in (generator, discriminator):
        grads = [p.grad for p in network.parameters() if p.grad is not None]
        assert grads and all(torch.isfinite(g).all() for g in grads)
        assert any(g.abs().sum() > 0 for g in grads)
    generator.eval()
    assert generator.generate(3).shape == (3, *data_shape)


def test_conditional_network_needs_labels():
    generator = MLPGenerator(n_components=2, n_features=3, hidden_layer_sizes=(4,), n_classes=2)
    with pytest.raises(ValueError, match="conditional"):
        generator(generator.noise(2))


def test_dcgan_generator_output_is_bounded_by_tanh():
    generator = DCGANGenerator(n_components=4, input_shape=(1, 8, 8), filters=(8, 16))
    assert generator(generator.noise(16) * 100).abs().max() <= 1.0


# ------------------------------------------------------------------ learning
def test_conditional_gan_generates_the_class_asked_for():
    X, y = _two_clusters()
    gan = GANGenerator(**SMALL, learning_rate_init=1e-3, max_iter=100).fit(X, y)
    assert list(gan.classes_) == ["left", "right"]
    left = gan.sample(200, y=["left"] * 200, random_state=0)
    right = gan.sample(200, y=["right"] * 200, random_state=0)
    np.testing.assert_allclose(left.mean(axis=0), [-3, -3], atol=0.6)
    np.testing.assert_allclose(right.mean(axis=0), [3, 3], atol=0.6)
    # Without y the classes come with their frequencies in the data.
    unconditioned = gan.sample(400, random_state=1)
    assert 0.3 < (unconditioned[:, 0] > 0).mean() < 0.7


def test_gan_matches_the_mean_and_spread_of_data_of_any_scale():
    rng = np.random.default_rng(0)
    X = rng.normal([500.0, -3.0], [200.0, 0.5], size=(500, 2))
    gan = GANGenerator(**SMALL, learning_rate_init=1e-3, max_iter=150, batch_size=64).fit(X)
    samples = gan.sample(2000, random_state=0)
    assert np.all(np.abs(samples.mean(axis=0) - [500.0, -3.0]) < [60.0, 0.15])
    ratio = samples.std(axis=0) / X.std(axis=0)
    assert np.all((ratio > 0.6) & (ratio < 1.5)), ratio


def test_sample_weight_weighs_the_real_rows():
    X, y = _two_clusters()
    weight = (y == "right").astype(float) + 0.01
    gan = GANGenerator(**SMALL, learning_rate_init=1e-3, max_iter=80).fit(X, sample_weight=weight)
    assert (gan.sample(500, random_state=0)[:, 0] > 0).mean() > 0.8


# -------------------------------------------------------------- the contract
def test_sample_shape_dtype_reproducibility_and_n_samples():
    X, y = _two_clusters(50)
    gan = GANGenerator(**SMALL, max_iter=2, dtype="float64").fit(X, y)
    samples = gan.sample(7, random_state=3)
    assert samples.shape == (7, 2) and samples.dtype == np.float64
    np.testing.assert_array_equal(samples, gan.sample(7, random_state=3))
    assert not np.array_equal(samples, gan.sample(7, random_state=4))
    for n_samples in (0, -1):
        with pytest.raises(InvalidParameterError, match="n_samples"):
            gan.sample(n_samples)


def test_fit_is_reproducible_with_random_state_and_leaves_x_alone():
    X, y = _two_clusters(50)
    X_before = X.copy()
    first = GANGenerator(**SMALL, max_iter=3).fit(X, y).sample(5, random_state=0)
    second = GANGenerator(**SMALL, max_iter=3).fit(X, y).sample(5, random_state=0)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(X, X_before)


def test_images_come_back_in_the_layout_and_range_of_the_data():
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 16, size=(64, 1, 8, 8))
    common = {"input_shape": (1, 8, 8), "filters": (8, 16), "max_iter": 2, "random_state": 0}
    rows_model = GANGenerator(**common, device="cpu").fit(images.reshape(64, -1))
    rows = rows_model.sample(5, random_state=0)
    assert rows.shape == (5, 64)
    assert rows.min() >= 0 - 1e-4 and rows.max() <= 16 + 1e-4  # tanh, mapped back
    labels = np.arange(64) % 4
    image_model = GANGenerator(**common, device="cpu").fit(images, labels)
    assert image_model.input_shape_ == (1, 8, 8)
    assert image_model.sample(4, y=[0, 1, 2, 3], random_state=0).shape == (4, 1, 8, 8)


def test_bad_labels_at_sample_time():
    X, y = _two_clusters(30)
    conditional = GANGenerator(**SMALL, max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="not seen in fit"):
        conditional.sample(2, y=["left", "up"])
    with pytest.raises(ValueError, match="n_samples=3"):
        conditional.sample(3, y=["left", "right"])
    unconditional = GANGenerator(**SMALL, max_iter=1).fit(X)
    with pytest.raises(ValueError, match="fitted without class labels"):
        unconditional.sample(2, y=["left", "right"])


def test_refused_settings_and_input():
    X, y = _two_clusters(30)
    with pytest.raises(ValueError, match="early_stopping must be False"):
        GANGenerator(**SMALL, early_stopping=True).fit(X)
    with pytest.raises(ValueError, match="lbfgs"):
        GANGenerator(**SMALL, solver="lbfgs").fit(X)
    with pytest.raises(ValueError, match="NaN"):
        GANGenerator(**SMALL).fit(np.where(X > 2.9, np.nan, X))
    with pytest.raises(ValueError, match="input_shape"):
        GANGenerator(**SMALL, input_shape=(1, 3, 3)).fit(X)
    with pytest.raises(ValueError, match="labels not seen"):
        GANGenerator(**SMALL, max_iter=1).fit(X, y).partial_fit(X, np.full(60, "up"))
    fitted = GANGenerator(**SMALL, max_iter=1, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="fitted with class labels"):
        fitted.fit(X)


def test_trains_all_epochs_without_convergence_warnings():
    X, _ = _two_clusters(30)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gan = GANGenerator(**SMALL, max_iter=15, n_iter_no_change=1, tol=10.0).fit(X)
    assert gan.n_iter_ == 15 and len(gan.loss_curve_) == 15


def test_pickle_and_pipeline():
    X, y = _two_clusters(50)
    gan = GANGenerator(**SMALL, max_iter=2).fit(X, y)
    restored = pickle.loads(pickle.dumps(gan))
    np.testing.assert_array_equal(
        restored.sample(4, y=["left"] * 4, random_state=0),
        gan.sample(4, y=["left"] * 4, random_state=0),
    )
    pipeline = make_pipeline(StandardScaler(), GANGenerator(**SMALL, max_iter=2)).fit(X)
    samples = pipeline[0].inverse_transform(pipeline[-1].sample(3, random_state=0))
    assert samples.shape == (3, 2)


def _packed_gan():
    return GANGenerator(
        hidden_layer_sizes=(32, 32),
        pack_size=3,
        batch_size=31,
        max_iter=3,
        random_state=0,
        device="cpu",
    )


def test_packed_discriminator_judges_pack_size_rows_side_by_side():
    rng = np.random.default_rng(0)
    angles = rng.integers(0, 4, 400) * np.pi / 2
    X = np.c_[np.cos(angles), np.sin(angles)] + 0.05 * rng.normal(size=(400, 2))
    gan = _packed_gan().fit(X)
    assert gan.net_.discriminator_.layers[0].in_features == 3 * 2
    assert gan.sample(7, random_state=0).shape == (7, 2)
    again = _packed_gan().fit(X)
    np.testing.assert_array_equal(again.sample(7, random_state=0), gan.sample(7, random_state=0))
    # Sample weights are averaged over each pack; a weight of zero on every row
    # of one half changes the fit.
    weights = np.r_[np.ones(200), np.zeros(200)]
    weighted = _packed_gan().fit(X, sample_weight=weights)
    assert not np.array_equal(weighted.sample(7, random_state=0), gan.sample(7, random_state=0))


def test_pack_size_is_refused_with_labels_and_on_images():
    X = np.random.default_rng(0).normal(size=(40, 2))
    with pytest.raises(ValueError, match="pack_size=2 packs rows of different classes"):
        GANGenerator(pack_size=2, max_iter=1, device="cpu").fit(X, np.arange(40) % 2)
    images = np.random.default_rng(0).random((20, 1, 8, 8))
    with pytest.raises(ValueError, match="pack_size"):
        GANGenerator(pack_size=2, input_shape=(1, 8, 8), max_iter=1, device="cpu").fit(
            images.reshape(20, -1)
        )
