"""DiffusionGenerator: schedules, networks, samplers, what it learns, bad input."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sknets import DiffusionGenerator
from sknets.networks import GaussianDiffusion, MLPDenoiser, UNetDenoiser, noise_schedule

SMALL = {"n_timesteps": 100, "hidden_layer_sizes": (64, 64), "random_state": 0, "device": "cpu"}


# ----------------------------------------------------------------- schedules
def test_linear_schedule_is_ho_et_al_s():
    betas = noise_schedule("linear", 1000)
    assert betas[0].item() == pytest.approx(1e-4) and betas[-1].item() == pytest.approx(0.02)
    # Fewer steps: the same total noise (Nichol & Dhariwal's scaling).
    assert noise_schedule("linear", 100)[-1].item() == pytest.approx(0.2)


@pytest.mark.parametrize("name", ["linear", "cosine"])
def test_schedules_destroy_the_signal(name):
    alpha_bar = torch.cumprod(1 - noise_schedule(name, 1000), dim=0)
    assert torch.all(alpha_bar[1:] < alpha_bar[:-1])
    assert alpha_bar[0] > 0.99 and alpha_bar[-1] < 1e-3


# ------------------------------------------------------------------ networks
@pytest.mark.parametrize(
    "input_shape", [(5,), (1, 8, 8), (3, 7, 5), (2, 1, 1)], ids=["rows", "8x8", "7x5", "1x1"]
)
def test_networks_forward_backward_finite(input_shape):
    torch.manual_seed(0)
    if len(input_shape) == 1:
        denoiser = MLPDenoiser(
            n_features=input_shape[0], hidden_layer_sizes=(16, 16), time_embedding_dim=9
        )
    else:
        denoiser = UNetDenoiser(
            in_channels=input_shape[0], filters=(8, 16, 16), time_embedding_dim=16
        )
    model = GaussianDiffusion(denoiser=denoiser, input_shape=input_shape, n_timesteps=10)
    X = torch.randn(4, *input_shape)
    assert model(X, torch.tensor([0, 3, 9, 5])).shape == X.shape
    error = model.noise_prediction_error(X)
    assert error.shape == (4,) and torch.isfinite(error).all()
    error.mean().backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
    assert all(g.abs().sum() > 0 for g in grads)
    with torch.no_grad():
        assert model.generate(3).shape == (3, *input_shape)
        assert model.generate(3, n_sampling_steps=4).shape == (3, *input_shape)


def test_the_sampler_clips_its_clean_estimates_to_the_image_range():
    model = GaussianDiffusion(
        denoiser=UNetDenoiser(in_channels=1, filters=(8,)),
        input_shape=(1, 4, 4),
        n_timesteps=10,
        clip_range=1.0,
    )
    with torch.no_grad():
        for n_sampling_steps in (None, 5):
            assert model.generate(8, n_sampling_steps).abs().max() <= 1.0 + 1e-5


# ------------------------------------------------------------------ learning
def test_learns_the_mean_and_spread_of_data_of_any_scale():
    rng = np.random.default_rng(0)
    X = rng.normal([500.0, -3.0], [200.0, 0.5], size=(500, 2))
    model = DiffusionGenerator(**SMALL, max_iter=150, batch_size=64).fit(X)
    assert model.loss_curve_[-1] < 0.8 * model.loss_curve_[0]
    # DDIM over 20 of the 100 steps is the cruder approximation.
    for n_sampling_steps, tolerance in ((None, 0.1), (20, 0.3)):
        samples = model.set_params(n_sampling_steps=n_sampling_steps).sample(2000, random_state=0)
        shift = np.abs(samples.mean(axis=0) - X.mean(axis=0)) / X.std(axis=0)
        ratio = samples.std(axis=0) / X.std(axis=0)
        assert np.all(shift < tolerance), (n_sampling_steps, shift)
        assert np.all(np.abs(ratio - 1) < 2 * tolerance + 0.05), (n_sampling_steps, ratio)


def test_covers_both_modes_of_a_bimodal_distribution():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(-3, 0.3, (300, 1)), rng.normal(3, 0.3, (300, 1))]
    model = DiffusionGenerator(**SMALL, max_iter=200, batch_size=64).fit(X)
    samples = model.sample(1000, random_state=0)
    assert 0.3 < (samples > 0).mean() < 0.7
    # Most samples land near a mode, few in the empty middle (a Gaussian's 40 %).
    assert (np.abs(np.abs(samples) - 3) < 1.0).mean() > 0.8


def test_sample_weight_weighs_each_samples_error():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(-3, 0.3, (300, 1)), rng.normal(3, 0.3, (300, 1))]
    weight = np.r_[np.full(300, 0.05), np.ones(300)]
    model = DiffusionGenerator(**SMALL, max_iter=60).fit(X, sample_weight=weight)
    assert (model.sample(1000, random_state=0) > 0).mean() > 0.75


# -------------------------------------------------------------- the contract
def test_sample_shape_dtype_reproducibility_and_n_samples():
    X = np.random.default_rng(0).normal(size=(40, 3))
    model = DiffusionGenerator(**SMALL, max_iter=2, dtype="float64").fit(X)
    samples = model.sample(6, random_state=1)
    assert samples.shape == (6, 3) and samples.dtype == np.float64
    np.testing.assert_array_equal(samples, model.sample(6, random_state=1))
    assert not np.array_equal(samples, model.sample(6, random_state=2))
    with pytest.raises(InvalidParameterError, match="n_samples"):
        model.sample(0)


def test_fit_is_reproducible_and_leaves_x_alone():
    X = np.random.default_rng(0).normal(size=(40, 3))
    X_before = X.copy()
    first = DiffusionGenerator(**SMALL, max_iter=3).fit(X).sample(4, random_state=0)
    second = DiffusionGenerator(**SMALL, max_iter=3).fit(X).sample(4, random_state=0)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(X, X_before)


def test_early_stopping_follows_a_fixed_validation_loss():
    X = np.random.default_rng(0).normal(size=(200, 2))
    model = DiffusionGenerator(**SMALL, max_iter=8, early_stopping=True).fit(X)
    assert len(model.validation_scores_) == model.n_iter_
    net = model.net_
    dataset = model._input(model).dataset(X[:50].astype(np.float32), None, None, "cpu")
    assert net.evaluate(dataset) == net.evaluate(dataset)  # same steps and noise each time


def test_images_come_back_in_the_layout_of_the_data():
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 16, size=(32, 1, 8, 8))
    common = {"n_timesteps": 20, "filters": (8, 16), "max_iter": 2, "random_state": 0}
    model = DiffusionGenerator(**common, input_shape=(1, 8, 8), device="cpu")
    rows = model.fit(images.reshape(32, -1)).sample(3, random_state=0)
    assert rows.shape == (3, 64) and rows.min() >= -1e-4 and rows.max() <= 16 + 1e-4
    assert model.fit(images).sample(3, random_state=0).shape == (3, 1, 8, 8)


def test_refused_settings_and_input():
    X = np.random.default_rng(0).normal(size=(30, 2))
    with pytest.raises(ValueError, match="n_sampling_steps=200 exceeds n_timesteps=100"):
        DiffusionGenerator(**SMALL, n_sampling_steps=200).fit(X)
    with pytest.raises(InvalidParameterError, match="beta_schedule"):
        DiffusionGenerator(**SMALL, beta_schedule="quadratic").fit(X)
    with pytest.raises(ValueError, match="infinity"):
        DiffusionGenerator(**SMALL).fit(np.where(X > 1, np.inf, X))
    from scipy import sparse

    with pytest.raises(TypeError, match="[Ss]parse"):
        DiffusionGenerator(**SMALL).fit(sparse.csr_matrix(X))


def test_pickle_and_pipeline():
    X = np.random.default_rng(0).normal(size=(40, 2))
    model = DiffusionGenerator(**SMALL, max_iter=2, n_sampling_steps=10).fit(X)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(
        restored.sample(4, random_state=0), model.sample(4, random_state=0)
    )
    pipeline = make_pipeline(StandardScaler(), DiffusionGenerator(**SMALL, max_iter=2)).fit(X)
    assert pipeline[0].inverse_transform(pipeline[-1].sample(3, random_state=0)).shape == (3, 2)


def test_the_sampler_steps_are_a_count_named_n_sampling_steps():
    # Formerly sampling_steps: n_ for every count.
    assert "sampling_steps" not in DiffusionGenerator().get_params()
    X = np.random.default_rng(0).normal(size=(30, 2))
    model = DiffusionGenerator(**SMALL, max_iter=1, n_sampling_steps=5).fit(X)
    assert model.sample(3, random_state=0).shape == (3, 2)
    with pytest.raises(TypeError, match="sampling_steps"):
        DiffusionGenerator(sampling_steps=5)
