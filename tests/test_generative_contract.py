"""The generator and transformer contract, over every public one (discovered).

Each family's own file tests what its model learns; this one holds every
generator and every transformer to the same promises: ``sample`` answers
in the fitted layout and dtype, is reproducible and leaves the global
random state alone, refuses ``n_samples < 1``; ``inverse_transform``
returns X's shape.
"""

import inspect
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from sknets import (
    AutoencoderTransformer,
    DBNClassifier,
    DBNTransformer,
    DiffusionGenerator,
    GANGenerator,
    RBMTransformer,
    VAEGenerator,
)
from sknets._vocabulary import check_applicable_parameters, data_kind
from sknets.base import DataSpec
from sknets.networks import (
    Autoencoder,
    BernoulliRBM,
    Codec,
    DCGANDiscriminator,
    DCGANGenerator,
    DeepBeliefNetwork,
    GaussianDiffusion,
    MLPDenoiser,
    MLPDiscriminator,
    MLPGenerator,
    UNetDenoiser,
    VariationalAutoencoder,
)
from sknets.utils import all_estimators

# Tiny data: the defaults' batch sizes are clipped, which is beside the point here.
pytestmark = pytest.mark.filterwarnings("ignore:Got batch_size")

GENERATORS = all_estimators("generator")
TRANSFORMERS = [
    (name, cls) for name, cls in all_estimators("transformer") if name not in dict(GENERATORS)
]


def _fitted(cls, device, dtype="float32"):
    rng = np.random.RandomState(0)
    estimator = cls(**cls._get_test_params(), device=device, dtype=dtype)
    if cls.__name__ == "GPTGenerator":
        return estimator.fit(["to be or not to be", "that is the question"]), None
    X = rng.uniform(size=(40, 5))
    return estimator.fit(X), X


@pytest.mark.parametrize("name, cls", GENERATORS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sample_layout_dtype_and_reproducibility(name, cls, dtype, device):
    estimator, X = _fitted(cls, device, dtype)
    global_numpy, global_torch = np.random.get_state()[1].copy(), torch.get_rng_state()
    first = estimator.sample(4, random_state=0)
    again = estimator.sample(4, random_state=0)
    other = estimator.sample(4, random_state=1)
    assert np.array_equal(np.random.get_state()[1], global_numpy)
    assert torch.equal(torch.get_rng_state(), global_torch)
    if X is None:  # text: a list of strings
        assert len(first) == 4 and all(isinstance(text, str) for text in first)
        assert list(first) == list(again)
        return
    assert first.shape == (4, X.shape[1])
    assert first.dtype == np.dtype(dtype)
    assert np.all(np.isfinite(first))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("name, cls", GENERATORS)
@pytest.mark.parametrize("n_samples", [0, -1, 2.5])
def test_sample_refuses_bad_counts(name, cls, n_samples, device):
    estimator, _ = _fitted(cls, device)
    with pytest.raises(InvalidParameterError, match="n_samples"):
        estimator.sample(n_samples)


@pytest.mark.parametrize(
    "name, cls",
    [
        (name, cls)
        for name, cls in TRANSFORMERS + GENERATORS
        if hasattr(cls, "inverse_transform") and name != "GPTGenerator"
    ],
)
def test_inverse_transform_of_transform_has_the_shape_of_x(name, cls, device):
    estimator, X = _fitted(cls, device)
    if not hasattr(estimator, "inverse_transform"):
        pytest.skip(f"{name} has no inverse_transform")
    codes = estimator.transform(X)
    assert codes.shape[0] == X.shape[0]
    assert estimator.inverse_transform(codes).shape == X.shape


@pytest.mark.parametrize("name, cls", [(n, c) for n, c in GENERATORS if c._stochastic_loss])
def test_a_monte_carlo_loss_trains_every_epoch_unless_early_stopping(name, cls, device):
    X = np.random.RandomState(0).uniform(size=(60, 3))
    # With tol this large no epoch counts as progress: a plateau rule would stop at once.
    params = {**cls._get_test_params(), "max_iter": 8, "tol": 1e3, "n_iter_no_change": 1}
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        every_epoch = cls(**params, device=device).fit(X)
    assert every_epoch.n_iter_ == 8
    stopped = cls(**params, early_stopping=True, device=device).fit(X)
    assert stopped.n_iter_ < 8


# ------------------------------------------------ vocabulary (issue 26)
FAMILY_NETWORKS = [
    (AutoencoderTransformer, Codec),
    (AutoencoderTransformer, Autoencoder),
    (VAEGenerator, VariationalAutoencoder),
    (GANGenerator, MLPGenerator),
    (GANGenerator, MLPDiscriminator),
    (GANGenerator, DCGANGenerator),
    (GANGenerator, DCGANDiscriminator),
    (DiffusionGenerator, MLPDenoiser),
    (DiffusionGenerator, UNetDenoiser),
    (DiffusionGenerator, GaussianDiffusion),
    (RBMTransformer, BernoulliRBM),
    (DBNTransformer, DeepBeliefNetwork),
    (DBNClassifier, DeepBeliefNetwork),
]


@pytest.mark.parametrize(
    "estimator_class, network", FAMILY_NETWORKS, ids=[n.__name__ for _, n in FAMILY_NETWORKS]
)
def test_networks_take_keywords_named_and_defaulting_as_their_estimator(estimator_class, network):
    arguments = inspect.signature(network).parameters.values()
    assert all(argument.kind is inspect.Parameter.KEYWORD_ONLY for argument in arguments)
    estimator_defaults = estimator_class().get_params()
    shared = [argument for argument in arguments if argument.name in estimator_defaults]
    assert shared
    for argument in shared:
        if argument.default is inspect.Parameter.empty:
            continue  # the data decide it (input_shape of the convolutional networks)
        assert argument.default == estimator_defaults[argument.name], argument.name


def test_input_shape_names_one_sample_in_every_network():
    # Formerly image_shape (codecs), image_size (the DCGAN pair, which took the
    # channels apart) and sample_shape (GaussianDiffusion).
    image = torch.rand(2, 3, 7, 5)
    codec = Autoencoder(n_components=2, hidden_layer_sizes=(4,), input_shape=(3, 7, 5))
    assert codec.decode(codec.encode(image)).shape == image.shape
    generator = DCGANGenerator(n_components=2, input_shape=(3, 7, 5), filters=(4,))
    assert generator.generate(2).shape == image.shape
    assert DCGANDiscriminator(input_shape=(3, 7, 5), filters=(4,))(image).shape == (2,)
    diffusion = GaussianDiffusion(
        denoiser=UNetDenoiser(in_channels=3, filters=(4,)), input_shape=(3, 7, 5), n_timesteps=3
    )
    with torch.no_grad():
        assert diffusion.generate(2, n_sampling_steps=2).shape == image.shape
    for network, old in [
        (Autoencoder, "image_shape"),
        (DCGANGenerator, "image_size"),
        (GaussianDiffusion, "sample_shape"),
    ]:
        assert old not in inspect.signature(network).parameters


def _spec(estimator, X):
    """The DataSpec that fit builds from X."""
    adapter = estimator._input(estimator)
    X, _ = adapter.validate(X, reset=True, dtype=np.float32)
    return DataSpec(**adapter.sizes(X), n_outputs=None)


CODEC_OR_SCALED = [AutoencoderTransformer, VAEGenerator, GANGenerator, DiffusionGenerator]


@pytest.mark.parametrize("cls", CODEC_OR_SCALED, ids=lambda cls: cls.__name__)
def test_filters_is_refused_on_rows_and_taken_on_images(cls):
    X = np.random.RandomState(0).uniform(size=(20, 64))
    rows = cls(filters=(8,))
    assert data_kind(_spec(rows, X)) == "tabular"
    with pytest.raises(ValueError, match="filters=.* applies to images only"):
        check_applicable_parameters(rows, _spec(rows, X))
    check_applicable_parameters(cls(), _spec(cls(), X))  # the default is no setting
    images = cls(filters=(8,), input_shape=(1, 8, 8))
    assert data_kind(_spec(images, X)) == "images"
    check_applicable_parameters(images, _spec(images, X))


@pytest.mark.parametrize("cls", CODEC_OR_SCALED, ids=lambda cls: cls.__name__)
def test_hidden_layer_sizes_acts_where_the_network_uses_it(cls):
    X = np.random.RandomState(0).uniform(size=(20, 64))
    rows = cls(hidden_layer_sizes=(8,))
    check_applicable_parameters(rows, _spec(rows, X))
    images = cls(hidden_layer_sizes=(8,), input_shape=(1, 8, 8))
    if cls in (AutoencoderTransformer, VAEGenerator):
        # The convolutional codec's dense layers follow the convolutions.
        check_applicable_parameters(images, _spec(images, X))
    else:
        with pytest.raises(ValueError, match="hidden_layer_sizes=.* applies to tabular only"):
            check_applicable_parameters(images, _spec(images, X))


@pytest.mark.parametrize("cls", [GANGenerator, DiffusionGenerator])
def test_one_huge_value_leaves_samples_finite_and_a_larger_one_is_refused(cls):
    # Standardising in float32 squared 1e30 to inf: every sample came out inf.
    X = np.random.default_rng(0).normal(size=(100, 2)).astype(np.float32)
    X[5, 0] = 1e30
    small = {"n_timesteps": 20} if cls is DiffusionGenerator else {}
    fitted = cls(**small, max_iter=1, random_state=0, device="cpu").fit(X)
    assert np.isfinite(fitted.sample(5, random_state=0)).all()
    X = X.astype(np.float64)
    X[5, 0] = 1e200
    with pytest.raises(ValueError, match="too large to standardise.*1e\\+200"):
        cls(**small, max_iter=1, dtype="float64", device="cpu").fit(X)


# ------------------------------------------------- score: GridSearchCV on any generator
def _ring(n, seed=0):
    rng = np.random.default_rng(seed)
    angles = rng.integers(0, 8, n) * np.pi / 4
    return np.c_[np.cos(angles), np.sin(angles)] * 2 + rng.normal(0, 0.05, (n, 2))


def test_squared_mmd_tells_distributions_apart():
    from sknets._unsupervised import squared_mmd

    rng = np.random.default_rng(0)
    assert abs(squared_mmd(_ring(400), _ring(400, seed=1))) < 0.005
    # A Gaussian of the ring's spread, then points far from every row.
    assert squared_mmd(_ring(400), 1.4 * rng.normal(size=(400, 2))) > 0.02
    assert squared_mmd(_ring(50), _ring(50, seed=1) + 1e3) > 0.5


@pytest.mark.parametrize("cls", [GANGenerator, DiffusionGenerator], ids=lambda c: c.__name__)
def test_generators_without_likelihood_score_by_mmd_and_grid_search_needs_no_scoring(cls):
    from sklearn.model_selection import GridSearchCV

    X = _ring(400)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = cls(max_iter=5, random_state=0).fit(X)
        search = GridSearchCV(cls(random_state=0), {"max_iter": [1, 2]}, cv=2).fit(X)
    state = torch.random.get_rng_state()
    held_out = _ring(300, seed=1)
    assert model.score(held_out) == model.score(held_out)  # seeded: the same score
    assert torch.equal(state, torch.random.get_rng_state())
    assert -1.0 < model.score(held_out) <= 0.01
    # Points far from anything the model draws score lower than its own data.
    assert model.score(held_out + 50.0) < model.score(held_out) - 0.2
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    with pytest.raises(ValueError, match="features"):
        model.score(np.zeros((10, 3)))


def test_a_conditional_gan_scores_samples_drawn_for_the_rows_classes():
    X = _ring(200)
    labels = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gan = GANGenerator(max_iter=2, random_state=0).fit(X, labels)
    # Drawn for the rows' classes (all of class 1 here), or with the fit's frequencies.
    right_half = X[labels == 1]
    assert np.isfinite(gan.score(right_half, np.ones(len(right_half), dtype=int)))
    assert np.isfinite(gan.score(right_half))
