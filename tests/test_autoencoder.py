"""AutoencoderTransformer and VAEGenerator: learning, layouts, sampling, bad input."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknets import AutoencoderTransformer, VAEGenerator
from sknets.networks import Autoencoder, VariationalAutoencoder

pytestmark = pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)


@pytest.fixture(scope="module")
def digits():
    X = load_digits().data.astype(np.float32) / 16
    return X[:600], X[600:900]


def _ring(n, seed, std=0.05):
    rng = np.random.RandomState(seed)
    angles = 2 * np.pi * rng.randint(8, size=n) / 8
    return np.c_[2 * np.cos(angles), 2 * np.sin(angles)] + std * rng.randn(n, 2)


# ------------------------------------------------------------------ networks
@pytest.mark.parametrize("input_shape", [None, (1, 8, 8), (2, 7, 5), (1, 1, 1)])
@pytest.mark.parametrize("network", [Autoencoder, VariationalAutoencoder])
def test_network_forward_backward_shapes(network, input_shape, seeded):
    n_features = 6 if input_shape is None else None
    net = network(
        n_features=n_features,
        n_components=3,
        hidden_layer_sizes=(8,),
        input_shape=input_shape,
        filters=(4, 8),
    )
    X = torch.rand(5, *(input_shape or (n_features,)))
    assert net.decode(net.encode(X)).shape == X.shape
    outputs = net(X)
    loss = sum(output.sum() for output in outputs) if isinstance(outputs, tuple) else outputs.sum()
    loss.backward()
    for name, parameter in net.named_parameters():
        assert parameter.grad is not None and torch.isfinite(parameter.grad).all(), name


def test_vae_evaluation_bound_is_deterministic_per_row(seeded):
    net = VariationalAutoencoder(n_features=4, n_components=2, hidden_layer_sizes=(8,)).eval()
    X = torch.randn(7, 4)
    nll, kl = net(X)
    nll_one, kl_one = net(X[:1])
    torch.testing.assert_close(nll[:1], nll_one)
    torch.testing.assert_close(kl[:1], kl_one)


# ---------------------------------------------------------------- autoencoder
def test_autoencoder_reconstructs_better_than_pca(digits):
    X_train, X_test = digits
    ae = AutoencoderTransformer(n_components=8, max_iter=60, random_state=0, device="cpu")
    ae.fit(X_train)
    error = np.mean((ae.inverse_transform(ae.transform(X_test)) - X_test) ** 2)
    pca = PCA(n_components=8).fit(X_train)
    pca_error = np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2)
    assert error < pca_error
    assert -ae.score_samples(X_test).mean() == pytest.approx(error, rel=1e-4)
    assert ae.loss_curve_[-1] < ae.loss_curve_[0] / 2


def test_convolutional_autoencoder_keeps_the_input_layout(digits):
    X_train, X_test = digits
    ae = AutoencoderTransformer(
        n_components=8,
        input_shape=(1, 8, 8),
        filters=(8, 16),
        hidden_layer_sizes=(32,),
        max_iter=5,
        random_state=0,
        device="cpu",
    ).fit(X_train)
    assert ae.transform(X_test).shape == (300, 8)
    assert ae.inverse_transform(ae.transform(X_test)).shape == X_test.shape
    images = X_train.reshape(-1, 1, 8, 8)
    ae_images = AutoencoderTransformer(
        n_components=8,
        input_shape=(1, 8, 8),
        filters=(8,),
        hidden_layer_sizes=(),
        max_iter=2,
        random_state=0,
        device="cpu",
    ).fit(images)
    assert ae_images.inverse_transform(ae_images.transform(images[:3])).shape == (3, 1, 8, 8)


def test_score_samples_flags_corrupted_samples(digits):
    X_train, X_test = digits
    ae = AutoencoderTransformer(n_components=8, max_iter=40, random_state=0, device="cpu")
    ae.fit(X_train)
    corrupted = np.random.RandomState(0).permutation(X_test.T).T  # pixels shuffled
    assert ae.score_samples(X_test).mean() > ae.score_samples(corrupted).mean()


def test_denoising_validation_follows_the_clean_error(digits):
    X_train, _ = digits
    ae = AutoencoderTransformer(
        n_components=8,
        noise_std=0.3,
        early_stopping=True,
        max_iter=15,
        random_state=0,
        device="cpu",
    ).fit(X_train)
    valid = ae.history_[:, "valid_loss"]
    assert len(ae.validation_scores_) == ae.n_iter_
    assert ae.validation_scores_[-1] == pytest.approx(-valid[-1])
    # The clean validation error is below the noisy training loss.
    assert valid[-1] < ae.loss_curve_[-1]


def test_autoencoder_pandas_output_pipeline_and_pickle(digits):
    pd = pytest.importorskip("pandas")
    X_train, X_test = digits
    pipe = make_pipeline(
        StandardScaler(),
        AutoencoderTransformer(n_components=3, max_iter=3, random_state=0, device="cpu"),
    ).set_output(transform="pandas")
    codes = pipe.fit(X_train).transform(X_test)
    assert isinstance(codes, pd.DataFrame)
    assert list(codes.columns) == [f"autoencodertransformer{i}" for i in range(3)]
    restored = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(restored.transform(X_test).to_numpy(), codes.to_numpy())


def test_autoencoder_refuses_bad_input(digits):
    X_train, _ = digits
    with pytest.raises(ValueError, match="input_shape"):
        AutoencoderTransformer(max_iter=1, device="cpu").fit(X_train.reshape(-1, 1, 8, 8))
    with pytest.raises(ValueError, match="NaN"):
        AutoencoderTransformer(max_iter=1, device="cpu").fit(np.full((4, 2), np.nan))
    ae = AutoencoderTransformer(n_components=2, max_iter=1, device="cpu").fit(X_train)
    with pytest.raises(ValueError, match="expects 2"):
        ae.inverse_transform(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="64 features"):
        ae.transform(X_train[:, :10])
    original = X_train.copy()
    AutoencoderTransformer(noise_std=0.5, max_iter=1, device="cpu").fit(X_train)
    np.testing.assert_array_equal(X_train, original)


# ----------------------------------------------------------------------- VAE
def test_vae_sample_shape_dtype_reproducibility(digits):
    X_train, _ = digits
    vae = VAEGenerator(n_components=4, max_iter=3, random_state=0, device="cpu").fit(X_train)
    samples = vae.sample(5, random_state=1)
    assert samples.shape == (5, 64) and samples.dtype == np.float32
    np.testing.assert_array_equal(samples, vae.sample(5, random_state=1))
    assert not np.array_equal(samples, vae.sample(5, random_state=2))
    for bad in (0, -1):
        with pytest.raises(ValueError, match="n_samples"):
            vae.sample(bad)
    again = VAEGenerator(n_components=4, max_iter=3, random_state=0, device="cpu").fit(X_train)
    np.testing.assert_array_equal(again.transform(X_train), vae.transform(X_train))
    assert vae.inverse_transform(vae.transform(X_train[:4])).shape == (4, 64)


def test_vae_covers_the_modes_of_a_ring():
    X = _ring(2000, seed=0)
    vae = VAEGenerator(max_iter=100, random_state=0, device="cpu").fit(X)
    samples = vae.sample(2000, random_state=0)
    centres = np.c_[2 * np.cos(np.arange(8) * np.pi / 4), 2 * np.sin(np.arange(8) * np.pi / 4)]
    distance = np.linalg.norm(samples[:, None] - centres[None], axis=2)
    near = distance.min(axis=1) < 0.3
    counts = np.bincount(distance.argmin(axis=1)[near], minlength=8)
    assert (counts > 25).all(), counts
    assert near.mean() > 0.3
    # Samples match the data's mean and spread.
    np.testing.assert_allclose(samples.mean(axis=0), X.mean(axis=0), atol=0.15)
    np.testing.assert_allclose(samples.std(axis=0), X.std(axis=0), rtol=0.15)


def test_vae_elbo_is_a_bound_that_training_raises():
    X, X_test = _ring(1000, seed=0), _ring(500, seed=1)
    short = VAEGenerator(max_iter=1, random_state=0, device="cpu").fit(X)
    long = VAEGenerator(max_iter=60, random_state=0, device="cpu").fit(X)
    assert long.score(X_test) > short.score(X_test) + 1.0
    # The ELBO is at most the log-density: the ring's is about 1.07 nats.
    assert long.score(X_test) < 1.1


def test_vae_bernoulli_and_convolutional(digits):
    X_train, X_test = digits
    vae = VAEGenerator(
        likelihood="bernoulli",
        input_shape=(1, 8, 8),
        filters=(8,),
        hidden_layer_sizes=(32,),
        max_iter=3,
        random_state=0,
        device="cpu",
    ).fit(X_train)
    samples = vae.sample(4, random_state=0)
    assert samples.shape == (4, 64) and (samples >= 0).all() and (samples <= 1).all()
    assert np.isfinite(vae.score_samples(X_test)).all()
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        VAEGenerator(likelihood="bernoulli", max_iter=1, device="cpu").fit(X_train * 2)


def test_vae_beta_changes_the_loss_not_the_score(digits):
    X_train, _ = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vae = VAEGenerator(beta=4.0, max_iter=2, random_state=0, device="cpu").fit(X_train)
    nll, kl = vae.module_.eval()(torch.as_tensor(X_train[:5]))
    np.testing.assert_allclose(
        vae.score_samples(X_train[:5]), -(nll + kl).detach().numpy(), rtol=1e-5
    )
    assert "sample_weight" not in VAEGenerator.fit.__code__.co_varnames
