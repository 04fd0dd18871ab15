"""Convolutional estimators: input handling, pipelines, persistence, learning."""

import pickle
import re

import numpy as np
import pytest
import torch
from sklearn.base import ClassifierMixin, clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from torch import nn

from sknets import (
    CNNClassifier,
    CNNRegressor,
    FCNClassifier,
    LeNetClassifier,
    MobileNetClassifier,
    ResNetClassifier,
    ResNetRegressor,
    VGGClassifier,
)
from sknets._vocabulary import check_applicable_parameters
from sknets.base import DataSpec

# Tiny settings per estimator: a few epochs of very small networks.
TINY = {
    CNNClassifier: {"filters": (4,), "hidden_layer_sizes": (8,)},
    CNNRegressor: {"filters": (4,), "hidden_layer_sizes": (8,)},
    LeNetClassifier: {},
    VGGClassifier: {
        "filters": (4, 8),
        "n_blocks": (1, 1),
        "hidden_layer_sizes": (8,),
        "dropout": 0.0,
    },
    # No kernel_size: it applies to series only, and these settings fit images too.
    ResNetClassifier: {"filters": (4,), "n_blocks": (1,)},
    ResNetRegressor: {"filters": (4,), "n_blocks": (1,)},
    MobileNetClassifier: {
        "width_mult": 0.25,
        "inverted_residual_setting": ((6, 8, 1, 2),),
        "last_channel": 16,
        "dropout": 0.0,
    },
    FCNClassifier: {"filters": (4, 4), "kernel_size": (3, 3)},
}
ALL = list(TINY)
IMAGES = [cls for cls in ALL if cls is not FCNClassifier]
SERIES = [CNNClassifier, CNNRegressor, ResNetClassifier, ResNetRegressor, FCNClassifier]
IMAGE_ONLY = [LeNetClassifier, VGGClassifier, MobileNetClassifier]


def tiny(cls, device, **params):
    return cls(**{**TINY[cls], "max_iter": 2, "random_state": 0, "device": device, **params})


def _targets(cls, n_samples):
    rng = np.random.RandomState(1)
    if issubclass(cls, ClassifierMixin):
        return np.arange(n_samples) % 3
    return rng.normal(size=n_samples)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300].astype(np.float64), y[:300]


def _fit_predict_check(estimator, X, y, expected_input_shape):
    X_before = X.copy()
    estimator.fit(X, y)
    np.testing.assert_array_equal(X, X_before)  # never modified
    assert estimator.input_shape_ == expected_input_shape
    prediction = estimator.predict(X[:5])
    assert prediction.shape == (5,)
    if hasattr(estimator, "predict_proba"):
        proba = estimator.predict_proba(X[:5])
        assert proba.shape == (5, estimator.classes_.shape[0])
        np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(X, X_before)


# ---------------------------------------------------------------- input kinds
@pytest.mark.parametrize("cls", IMAGES)
def test_rows_with_input_shape_are_images(cls, device, digits):
    X, _ = digits
    X = X[:40]
    estimator = tiny(cls, device, input_shape=(1, 8, 8))
    _fit_predict_check(estimator, X, _targets(cls, 40), (1, 8, 8))
    assert estimator.n_features_in_ == 64


@pytest.mark.parametrize("cls", IMAGES)
def test_four_d_images(cls, device):
    X = np.random.RandomState(0).normal(size=(24, 3, 6, 5))
    estimator = tiny(cls, device)
    _fit_predict_check(estimator, X, _targets(cls, 24), (3, 6, 5))


@pytest.mark.parametrize("cls", SERIES)
def test_three_d_series(cls, device):
    X = np.random.RandomState(0).normal(size=(24, 2, 12)).astype(np.float32)
    estimator = tiny(cls, device)
    _fit_predict_check(estimator, X, _targets(cls, 24), (2, 12))


@pytest.mark.parametrize("cls", SERIES)
def test_rows_with_series_input_shape(cls, device):
    X = np.random.RandomState(0).normal(size=(24, 24))
    estimator = tiny(cls, device, input_shape=(2, 12))
    _fit_predict_check(estimator, X, _targets(cls, 24), (2, 12))


@pytest.mark.parametrize("cls", SERIES)
def test_plain_rows_are_univariate_series(cls, device):
    X = np.random.RandomState(0).normal(size=(24, 7))
    estimator = tiny(cls, device)
    _fit_predict_check(estimator, X, _targets(cls, 24), (1, 7))


@pytest.mark.parametrize("cls", IMAGE_ONLY)
def test_plain_rows_are_one_row_images_for_image_only(cls, device):
    X = np.random.RandomState(0).normal(size=(24, 7))
    estimator = tiny(cls, device)
    _fit_predict_check(estimator, X, _targets(cls, 24), (1, 1, 7))


@pytest.mark.parametrize("cls", IMAGE_ONLY)
def test_grayscale_images(cls, device, digits):
    X, y = digits
    images = X[:40].reshape(-1, 8, 8)
    estimator = tiny(cls, device)
    _fit_predict_check(estimator, images, y[:40], (1, 8, 8))
    assert estimator.module_(torch.zeros(2, 1, 8, 8, device=estimator.device_)).shape == (2, 10)


def test_spatial_dims_follow_the_input(device):
    X_series = np.random.RandomState(0).normal(size=(20, 2, 10))
    X_images = np.random.RandomState(0).normal(size=(20, 2, 4, 4))
    y = np.arange(20) % 2
    series = tiny(CNNClassifier, device).fit(X_series, y)
    images = tiny(CNNClassifier, device).fit(X_images, y)
    assert any(isinstance(m, torch.nn.Conv1d) for m in series.module_.modules())
    assert any(isinstance(m, torch.nn.Conv2d) for m in images.module_.modules())
    res_series = tiny(ResNetClassifier, device).fit(X_series, y)
    res_images = tiny(ResNetClassifier, device).fit(X_images, y)
    assert type(res_series.module_).__name__ == "TimeSeriesResNet"
    assert type(res_images.module_).__name__ == "ResNet"


def test_dataframe_rows(device, digits):
    pd = pytest.importorskip("pandas")
    X, y = digits
    frame = pd.DataFrame(X[:40], columns=[f"px{i}" for i in range(64)])
    clf = tiny(CNNClassifier, device, input_shape=(1, 8, 8)).fit(frame, y[:40])
    np.testing.assert_array_equal(clf.feature_names_in_, frame.columns.to_numpy())
    assert clf.predict(frame.iloc[:3]).shape == (3,)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("cls", ALL)
def test_input_shape_with_wrong_product(cls, device, training_spy, check_unfitted):
    X = np.zeros((10, 50))
    estimator = tiny(cls, device, input_shape=(1, 8, 8))
    with pytest.raises(ValueError, match=r"64.*50"):
        estimator.fit(X, np.arange(10) % 2)
    assert training_spy.calls == 0
    check_unfitted(estimator)


@pytest.mark.parametrize("cls", IMAGES)
def test_predict_with_another_image_size(cls, device):
    rng = np.random.RandomState(0)
    estimator = tiny(cls, device).fit(rng.normal(size=(12, 1, 8, 8)), np.arange(12) % 2)
    message = re.escape("expected (1, 8, 8), got (1, 10, 10)")
    with pytest.raises(ValueError, match=message):
        estimator.predict(rng.normal(size=(3, 1, 10, 10)))


@pytest.mark.parametrize("cls", SERIES)
def test_predict_with_another_series_length(cls, device):
    rng = np.random.RandomState(0)
    estimator = tiny(cls, device).fit(rng.normal(size=(12, 2, 9)), np.arange(12) % 2)
    with pytest.raises(ValueError, match=re.escape("expected (2, 9), got (2, 5)")):
        estimator.predict(rng.normal(size=(3, 2, 5)))
    # Images where series were fitted: another network input, refused.
    if cls is not FCNClassifier:
        with pytest.raises(ValueError, match="expected"):
            estimator.predict(rng.normal(size=(3, 2, 9, 1)))


def test_predict_rows_with_another_width(device, digits):
    X, y = digits
    clf = tiny(CNNClassifier, device, input_shape=(1, 8, 8)).fit(X[:30], y[:30])
    with pytest.raises(ValueError, match="X has 60 features.*expecting 64"):
        clf.predict(X[:3, :60])


def test_fcn_refuses_images(device, training_spy):
    X = np.zeros((10, 1, 8, 8))
    with pytest.raises(ValueError, match="FCNClassifier takes series.*4-D"):
        tiny(FCNClassifier, device).fit(X, np.arange(10) % 2)
    with pytest.raises(ValueError, match="FCNClassifier takes series.*4-D"):
        tiny(FCNClassifier, device, input_shape=(1, 8, 8)).fit(X.reshape(10, 64), np.arange(10) % 2)
    assert training_spy.calls == 0


@pytest.mark.parametrize("cls", [CNNClassifier, LeNetClassifier, FCNClassifier])
def test_five_d_input_is_refused(cls, device):
    with pytest.raises(ValueError, match="5-D array"):
        tiny(cls, device).fit(np.zeros((4, 1, 2, 2, 2)), np.arange(4) % 2)


@pytest.mark.parametrize("cls", [CNNClassifier, VGGClassifier])
def test_sparse_input_is_refused(cls, device):
    sp = pytest.importorskip("scipy.sparse")
    X = sp.random(10, 16, density=0.5, format="csr", random_state=0)
    with pytest.raises(TypeError, match="dense data is required"):
        tiny(cls, device).fit(X, np.arange(10) % 2)


def test_nan_in_images_is_refused(device):
    X = np.zeros((6, 1, 4, 4))
    X[2, 0, 1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        tiny(CNNClassifier, device).fit(X, np.arange(6) % 2)


@pytest.mark.parametrize(
    "cls, params",
    [
        (CNNClassifier, {"filters": ()}),
        (CNNClassifier, {"filters": (4, 0)}),
        (CNNClassifier, {"input_shape": (1, 0, 8)}),
        (CNNClassifier, {"input_shape": (1, 1, 2, 2)}),
        (CNNClassifier, {"kernel_size": (3, 0)}),
        (CNNClassifier, {"adaptive_pool_size": 0}),
        (VGGClassifier, {"filters": ((4,), (8,))}),
        (VGGClassifier, {"n_blocks": (1, 0)}),
        (VGGClassifier, {"adaptive_pool_size": 0}),
        (ResNetClassifier, {"n_blocks": (0,)}),
        (ResNetClassifier, {"filters": "vgg11"}),
        (ResNetClassifier, {"kernel_size": 3}),
        (FCNClassifier, {"filters": (4, 4), "kernel_size": (3,)}),
        (MobileNetClassifier, {"width_mult": 0}),
        (MobileNetClassifier, {"inverted_residual_setting": ((6, 8, 1),)}),
        (MobileNetClassifier, {"inverted_residual_setting": ((6, 0, 1, 1),)}),
        (MobileNetClassifier, {"inverted_residual_setting": ()}),
        (MobileNetClassifier, {"last_channel": 0}),
    ],
)
def test_invalid_architecture_parameters(cls, params, device, training_spy):
    with pytest.raises(InvalidParameterError, match=f"'{next(iter(params))}'"):
        tiny(cls, device, **params).fit(np.zeros((6, 16)), np.arange(6) % 2)
    assert training_spy.calls == 0


# ------------------------------------------------------------ sklearn tools
def test_grid_search_over_scaled_pipeline(device, digits):
    X, y = digits
    pipe = make_pipeline(
        StandardScaler(),
        CNNClassifier(
            filters=(4,),
            hidden_layer_sizes=(8,),
            input_shape=(1, 8, 8),
            max_iter=2,
            random_state=0,
            device=device,
        ),
    )
    search = GridSearchCV(
        pipe, {"cnnclassifier__kernel_size": [1, 3]}, cv=2, error_score="raise"
    ).fit(X[:120], y[:120])
    assert search.best_params_["cnnclassifier__kernel_size"] in (1, 3)
    assert search.predict(X[:4]).shape == (4,)


def test_cross_val_score(device):
    X = np.random.RandomState(0).normal(size=(40, 1, 10))
    y = np.arange(40) % 2
    scores = cross_val_score(tiny(ResNetClassifier, device), X, y, cv=2)
    assert scores.shape == (2,)


@pytest.mark.parametrize("cls", ALL)
def test_pickle_round_trip(cls, device):
    X = np.random.RandomState(0).normal(size=(20, 1, 6, 6))
    if cls is FCNClassifier:
        X = X.reshape(20, 1, 36)
    estimator = tiny(cls, device).fit(X, _targets(cls, 20))
    restored = pickle.loads(pickle.dumps(estimator))
    np.testing.assert_array_equal(restored.predict(X), estimator.predict(X))
    assert restored.input_shape_ == estimator.input_shape_


@pytest.mark.parametrize("cls", ALL)
def test_clone_and_cpu_device(cls):
    estimator = tiny(cls, "cpu")
    assert clone(estimator).get_params() == estimator.get_params()
    estimator.fit(np.random.RandomState(0).normal(size=(10, 6)), _targets(cls, 10))
    assert str(estimator.device_) == "cpu"


def test_partial_fit_keeps_input_shape(device):
    rng = np.random.RandomState(0)
    clf = tiny(CNNClassifier, device)
    clf.partial_fit(rng.normal(size=(10, 1, 8)), np.arange(10) % 2, classes=[0, 1])
    clf.partial_fit(rng.normal(size=(10, 1, 8)), np.arange(10) % 2)
    with pytest.raises(ValueError, match=re.escape("expected (1, 8), got (1, 6)")):
        clf.partial_fit(rng.normal(size=(10, 1, 6)), np.arange(10) % 2)
    assert clf.input_shape_ == (1, 8)


# ----------------------------------------------------------------- learning
def _two_class_series(n_samples=80, length=32, seed=0):
    """Class 0: a slow sine; class 1: a fast sine; random phase and noise."""
    rng = np.random.RandomState(seed)
    y = np.arange(n_samples) % 2
    t = np.linspace(0, 1, length)
    phase = rng.uniform(0, 2 * np.pi, size=(n_samples, 1))
    X = np.sin(2 * np.pi * (1 + 3 * y[:, None]) * t + phase)
    return X + 0.3 * rng.normal(size=X.shape), y


@pytest.mark.parametrize(
    "estimator",
    [
        FCNClassifier(filters=(8, 8), kernel_size=(5, 3)),
        ResNetClassifier(filters=(8, 8), kernel_size=(5, 3)),
    ],
    ids=["FCN", "ResNet"],
)
def test_series_models_learn(estimator, device):
    X, y = _two_class_series()
    X_test, y_test = _two_class_series(seed=1)
    estimator.set_params(
        max_iter=10, batch_size=16, learning_rate_init=0.01, random_state=0, device=device
    )
    estimator.fit(X[:, None, :], y)
    assert estimator.score(X_test[:, None, :], y_test) >= 0.8


# --------------------------------------------------- stages and the vocabulary
def _spec(spatial_dims, in_channels=3, n_outputs=10):
    size = (8,) * spatial_dims
    return DataSpec(
        sample_shape=(in_channels, *size),
        n_features=in_channels,
        in_channels=in_channels,
        spatial_dims=spatial_dims,
        n_outputs=n_outputs,
    )


def _n_parameters(module):
    return sum(p.numel() for p in module.parameters())


def test_resnet_default_image_network_is_unchanged():
    # Counted before filters and n_blocks replaced base_filters=64 (doubled at
    # each stage) and layers=(2, 2, 2, 2): the same ResNet-18 layers and widths.
    net = ResNetClassifier()._build_module(_spec(2))
    assert type(net).__name__ == "ResNet"
    assert _n_parameters(net) == 11_173_962
    assert _n_parameters(ResNetRegressor()._build_module(_spec(2, 1, 2))) == 11_168_706


def test_resnet_defaults_per_kind():
    series = ResNetClassifier()._build_module(_spec(1, 1, 2))
    assert type(series).__name__ == "TimeSeriesResNet"
    widths = [block.branch[-1].num_features for block in series.blocks]
    assert widths == [64, 128, 128]  # Wang et al. 2017: one block per stage
    kernels = [m.kernel_size[0] for m in series.blocks[0].modules() if isinstance(m, nn.Conv1d)]
    assert kernels == [8, 5, 3, 1]  # the three convolutions and the projection
    images = ResNetClassifier(filters=(4, 8))._build_module(_spec(2))
    assert [len(stage) for stage in images.stages] == [2, 2]  # n_blocks=None: 2 per stage


def test_series_resnet_stacks_n_blocks_per_stage():
    est = ResNetClassifier(filters=(4, 8), n_blocks=(2, 1), kernel_size=(3,))
    net = est._build_module(_spec(1, 1, 2))
    assert len(net.blocks) == 3
    assert [block.branch[-1].num_features for block in net.blocks] == [4, 4, 8]
    est = ResNetClassifier(filters=(4, 8), n_blocks=2)  # an int: in every stage
    assert len(est._build_module(_spec(1, 1, 2)).blocks) == 4


def test_vgg16_n_blocks_has_13_convolutions():
    net = VGGClassifier(n_blocks=(2, 2, 3, 3, 3))._build_module(_spec(2))
    assert sum(isinstance(m, nn.Conv2d) for m in net.modules()) == 13


@pytest.mark.parametrize(
    "cls, params, names",
    [
        (VGGClassifier, {"filters": (4, 8)}, ("filters", "n_blocks")),
        (VGGClassifier, {"filters": (4, 8), "n_blocks": (1, 1, 1)}, ("filters", "n_blocks")),
        (ResNetClassifier, {"filters": (4, 8), "n_blocks": (1, 1, 1)}, ("filters", "n_blocks")),
        (CNNClassifier, {"filters": (4,), "kernel_size": (3, 3)}, ("filters", "kernel_size")),
        (FCNClassifier, {"filters": 4, "kernel_size": (3, 3)}, ("filters", "kernel_size")),
    ],
)
def test_stage_lengths_must_match(cls, params, names, device, training_spy, check_unfitted):
    estimator = cls(**params, max_iter=1, device=device)
    match = f"'{names[0]}' and '{names[1]}' parameters of {cls.__name__} must have the same"
    with pytest.raises(InvalidParameterError, match=match):
        estimator.fit(np.zeros((6, 16)), np.arange(6) % 2)
    assert training_spy.calls == 0
    check_unfitted(estimator)


def test_resnet_n_blocks_against_the_default_filters_of_the_kind(device, training_spy):
    # filters=None has 4 stages for images and 3 for series: checked in fit, before training.
    estimator = ResNetClassifier(n_blocks=(1, 1), max_iter=1, device=device)
    with pytest.raises(ValueError, match="'filters' and 'n_blocks'.*for series are"):
        estimator.fit(np.zeros((6, 16)), np.arange(6) % 2)
    assert training_spy.calls == 0


def test_int_or_one_per_stage(device):
    X = np.random.RandomState(0).normal(size=(12, 1, 10))
    y = np.arange(12) % 2
    cnn = tiny(CNNClassifier, device, filters=4, kernel_size=(5,)).fit(X, y)
    assert [m.kernel_size for m in cnn.module_.modules() if isinstance(m, nn.Conv1d)] == [(5,)]
    fcn = tiny(FCNClassifier, device, filters=(4, 6), kernel_size=3).fit(X, y)
    convs = [m for m in fcn.module_.modules() if isinstance(m, nn.Conv1d)]
    assert [(m.out_channels, m.kernel_size) for m in convs] == [(4, (3,)), (6, (3,))]


@pytest.mark.parametrize(
    "params, spatial_dims, refused",
    [
        ({"small_input": False}, 1, "small_input"),
        ({"kernel_size": (5, 3)}, 2, "kernel_size"),
        ({"small_input": False}, 2, None),
        ({"kernel_size": (5, 3)}, 1, None),
        ({"filters": (4,), "n_blocks": (1,)}, 1, None),
        ({"filters": (4,), "n_blocks": (1,)}, 2, None),
    ],
)
def test_resnet_parameters_of_the_other_kind_are_refused(params, spatial_dims, refused):
    # The base calls check_applicable_parameters in fit; ResNet declares where
    # each parameter acts (applies_to).
    estimator = ResNetClassifier(**params)
    spec = _spec(spatial_dims)
    if refused is None:
        check_applicable_parameters(estimator, spec)
        return
    with pytest.raises(ValueError, match=f"{refused}=.* applies to"):
        check_applicable_parameters(estimator, spec)
