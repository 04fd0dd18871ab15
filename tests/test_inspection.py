"""sknets.inspection: saliency maps and the Displays."""

import copy
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknets import (
    AutoencoderTransformer,
    CNNClassifier,
    FCNClassifier,
    FTTransformerClassifier,
    FTTransformerRegressor,
    GNNClassifier,
    GNNRegressor,
    LeNetClassifier,
    LSTMClassifier,
    LSTMRegressor,
    MLPClassifier,
    MLPRegressor,
    TabMClassifier,
    TabMRegressor,
    TransformerClassifier,
)

pytest.importorskip("captum")
matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from sknets.inspection import (  # noqa: E402
    SALIENCY_METHODS,
    SaliencyDisplay,
    TrainingCurveDisplay,
    saliency,
)

GRADIENT_METHODS = ("gradient", "integrated_gradients", "smoothgrad")
SIDE, SQUARE = 12, 4


@pytest.fixture(scope="module")
def corner_images():
    """12 x 12 one-channel images: a bright square top-left is class 1, bottom-right class 0."""
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 0.3, size=(300, 1, SIDE, SIDE)).astype(np.float32)
    y = rng.integers(0, 2, 300)
    X[y == 1, :, :SQUARE, :SQUARE] += 1.0
    X[y == 0, :, -SQUARE:, -SQUARE:] += 1.0
    clf = CNNClassifier(
        filters=(4, 8),
        hidden_layer_sizes=(16,),
        learning_rate_init=0.01,
        max_iter=40,
        random_state=0,
    ).fit(X, y)
    assert clf.score(X, y) > 0.95
    return clf, X[y == 1][:16]


@pytest.fixture(scope="module")
def block_tabular():
    """Ten features of which the first three decide the class."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 10)).astype(np.float32)
    y = (X[:, :3].sum(axis=1) > 0).astype(int)
    clf = MLPClassifier(
        hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=50, random_state=0
    ).fit(X, y)
    assert clf.score(X, y) > 0.95
    return clf, X[:30]


def _randomized(estimator):
    """A copy whose network weights are re-initialised (Adebayo et al. 2018)."""
    randomized = copy.deepcopy(estimator)
    for layer in randomized.module_.modules():
        if hasattr(layer, "reset_parameters"):
            layer.reset_parameters()
    return randomized


def _rank_correlation(a, b):
    from scipy.stats import spearmanr

    return spearmanr(np.abs(a).ravel(), np.abs(b).ravel())[0]


@pytest.mark.parametrize("method", GRADIENT_METHODS)
def test_tabular_mass_on_the_informative_block(block_tabular, method):
    clf, X = block_tabular
    maps = np.abs(saliency(clf, X, method=method, random_state=0))
    assert maps.shape == X.shape
    assert maps[:, :3].sum() / maps.sum() > 0.5  # the block is 30 % of the features


@pytest.mark.parametrize("method", SALIENCY_METHODS)
def test_image_mass_on_the_deciding_square(corner_images, method):
    clf, X = corner_images
    maps = np.abs(saliency(clf, X, method=method, random_state=0))
    assert maps.shape == X.shape
    share = maps[:, :, :SQUARE, :SQUARE].sum() / maps.sum()
    # The square is 11 % of the pixels; a plain gradient also answers how
    # the noise around it would move the score, so it is less concentrated.
    block_share = SQUARE**2 / SIDE**2
    assert share > (1.8 * block_share if method in ("gradient", "smoothgrad") else 0.5)


@pytest.mark.parametrize("method", SALIENCY_METHODS)
def test_model_randomisation_changes_the_map(corner_images, method):
    clf, X = corner_images
    trained = saliency(clf, X, method=method, random_state=0)
    randomized = saliency(_randomized(clf), X, method=method, random_state=0)
    assert _rank_correlation(trained, randomized) < 0.7


def _series(n=40, length=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 1, length)).astype(np.float32)
    y = (X[:, 0, :5].mean(axis=1) > 0).astype(int)
    return X, y


_TINY = {"max_iter": 2, "random_state": 0}
_FAMILIES = [
    (MLPClassifier(hidden_layer_sizes=(8,), **_TINY), "tabular", GRADIENT_METHODS),
    (MLPRegressor(hidden_layer_sizes=(8,), **_TINY), "tabular", GRADIENT_METHODS),
    (TabMClassifier(hidden_layer_sizes=(8,), n_members=4, **_TINY), "tabular", GRADIENT_METHODS),
    (TabMRegressor(hidden_layer_sizes=(8,), n_members=4, **_TINY), "tabular", GRADIENT_METHODS),
    (CNNClassifier(filters=(4,), hidden_layer_sizes=(8,), **_TINY), "images", SALIENCY_METHODS),
    (FCNClassifier(filters=(4, 4), kernel_size=(3, 3), **_TINY), "series", SALIENCY_METHODS),
    (LSTMClassifier(hidden_size=8, **_TINY), "series", GRADIENT_METHODS),
    (LSTMRegressor(hidden_size=8, **_TINY), "series", GRADIENT_METHODS),
    (
        TransformerClassifier(d_model=8, n_heads=2, n_layers=1, dim_feedforward=16, **_TINY),
        "series",
        GRADIENT_METHODS,
    ),
    (
        FTTransformerClassifier(
            d_model=8, n_heads=2, n_layers=2, dim_feedforward=16, batch_size=32, **_TINY
        ),
        "tabular",
        GRADIENT_METHODS,
    ),
    (
        FTTransformerRegressor(
            d_model=8, n_heads=2, n_layers=1, dim_feedforward=16, batch_size=32, **_TINY
        ),
        "tabular",
        GRADIENT_METHODS,
    ),
]


@pytest.mark.parametrize(
    ("estimator", "data", "methods"),
    _FAMILIES,
    ids=[type(estimator).__name__ for estimator, _, _ in _FAMILIES],
)
def test_every_family_gives_finite_maps_of_the_input_shape(estimator, data, methods):
    X, y = _series()
    if data == "tabular":
        X = X[:, 0]
    elif data == "images":
        X = X[:, :, :16].reshape(-1, 4, 4)
    if is_regressor(estimator):
        y = X.reshape(len(X), -1)[:, 0]
    estimator.fit(X, y)
    for method in methods:
        maps = saliency(estimator, X[:5], method=method, n_steps=8, n_samples=4)
        assert maps.shape == X[:5].shape
        assert np.isfinite(maps).all()
    if "gradcam" not in methods:
        with pytest.raises(ValueError, match="gradcam.*convolutional"):
            saliency(estimator, X[:5], method="gradcam")


def test_layouts_come_back_as_given():
    X, y = _series(length=16)
    rows = X[:, 0]
    clf = CNNClassifier(input_shape=(1, 4, 4), filters=(4,), hidden_layer_sizes=(8,), **_TINY)
    clf.fit(rows, y)
    assert saliency(clf, rows[:3], method="gradcam").shape == (3, 16)  # rows + input_shape
    grayscale = LeNetClassifier(**_TINY).fit(rows.reshape(-1, 4, 4), y)
    assert saliency(grayscale, rows[:3].reshape(-1, 4, 4)).shape == (3, 4, 4)


def test_padding_steps_get_zero_and_the_rest_is_finite():
    X, y = _series()
    clf = LSTMClassifier(hidden_size=8, **_TINY).fit(X, y)
    padded = X[:4].copy()
    padded[:, :, 15:] = np.nan
    before = padded.copy()
    maps = saliency(clf, padded, method="integrated_gradients", n_steps=8)
    assert np.isfinite(maps).all()
    assert (maps[:, :, 15:] == 0).all() and (maps[:, :, :15] != 0).any()
    np.testing.assert_array_equal(padded, before)  # the caller's X is not modified


def test_target_selects_the_explained_class(block_tabular):
    clf, X = block_tabular
    for_one = saliency(clf, X[:5], target=1, method="integrated_gradients")
    for_zero = saliency(clf, X[:5], target=0, method="integrated_gradients")
    # A binary classifier's class-0 score is the negative of its class-1 logit.
    np.testing.assert_allclose(for_zero, -for_one, rtol=1e-5, atol=1e-6)
    per_row = saliency(clf, X[:2], target=[0, 1], method="integrated_gradients")
    np.testing.assert_allclose(per_row, [for_zero[0], for_one[1]], rtol=1e-5, atol=1e-6)


def test_smoothgrad_is_seeded(block_tabular):
    clf, X = block_tabular
    first = saliency(clf, X[:4], method="smoothgrad", random_state=3)
    again = saliency(clf, X[:4], method="smoothgrad", random_state=3)
    other = saliency(clf, X[:4], method="smoothgrad", random_state=4)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_bad_input_is_refused_before_any_work(block_tabular):
    clf, X = block_tabular
    with pytest.raises(ValueError, match="method must be one of"):
        saliency(clf, X, method="lime")
    with pytest.raises(ValueError, match="not one of the classes_"):
        saliency(clf, X, target=7)
    with pytest.raises(ValueError, match="one label per row"):
        saliency(clf, X, target=[0, 1])
    with pytest.raises(ValueError, match="n_steps must be a positive int"):
        saliency(clf, X, method="integrated_gradients", n_steps=0)
    with pytest.raises(ValueError, match="X has 3 features"):
        saliency(clf, X[:, :3])
    bad = X.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        saliency(clf, bad)
    with pytest.raises(NotFittedError):
        saliency(MLPClassifier(), X)
    transformer = AutoencoderTransformer(max_iter=1, random_state=0).fit(X)
    with pytest.raises(TypeError, match="classifier or regressor"):
        saliency(transformer, X)


def test_regressor_targets_and_token_ids_are_checked():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4)).astype(np.float32)
    two = MLPRegressor(hidden_layer_sizes=(4,), **_TINY).fit(X, X[:, :2])
    with pytest.raises(ValueError, match="predicts 2 targets"):
        saliency(two, X)
    with pytest.raises(ValueError, match=r"output column in \[0, 1\]"):
        saliency(two, X, target=2)
    assert saliency(two, X[:3], target=1).shape == (3, 4)
    tokens = rng.integers(1, 10, size=(30, 6))
    text = LSTMClassifier(vocab_size=10, hidden_size=4, **_TINY).fit(tokens, tokens[:, 0] > 5)
    with pytest.raises(ValueError, match="token ids"):
        saliency(text, tokens)


@pytest.mark.parametrize("cls", [GNNClassifier, GNNRegressor])
def test_graph_estimators_are_refused_with_the_documented_message(cls):
    pytest.importorskip("torch_geometric")
    X = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int) if cls is GNNClassifier else X[:, 0]
    graph = cls(hidden_layer_sizes=(4,), **_TINY).fit(X, y)
    with pytest.raises(ValueError, match="float inputs .* was fitted on graph"):
        saliency(graph, X)
    with pytest.raises(ValueError, match="was fitted on graph"):
        SaliencyDisplay.from_estimator(graph, X[:2])


def test_missing_captum_names_the_extra(block_tabular, monkeypatch):
    clf, X = block_tabular
    monkeypatch.setitem(sys.modules, "captum", None)
    monkeypatch.setitem(sys.modules, "captum.attr", None)
    with pytest.raises(ImportError, match=r"sknets\[inspection\]"):
        saliency(clf, X)


def test_import_sknets_imports_no_optional_dependency():
    code = (
        "import sys, sknets, sknets.inspection; "
        "print(sorted(m for m in ('captum', 'matplotlib') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# ------------------------------------------------------------------ displays
def test_saliency_display_on_images_series_and_features(corner_images, block_tabular):
    import matplotlib.pyplot as plt

    clf, X = corner_images
    display = SaliencyDisplay.from_estimator(clf, X[:3], method="gradcam")
    assert display.ax_.shape == (3,)
    assert display.figure_ is display.ax_[0].figure
    assert len(display.ax_[0].images) == 2  # the image and the heat map over it
    assert display.ax_[0].get_title().startswith("predicted 1")

    X_series, y = _series()
    fcn = FCNClassifier(filters=(4,), kernel_size=(3,), **_TINY).fit(X_series, y)
    display = SaliencyDisplay.from_estimator(fcn, X_series[:2])
    assert len(display.ax_[0].collections) == 1  # the coloured points of the series

    mlp, X_tab = block_tabular
    _, axes = plt.subplots(1, 2)
    display = SaliencyDisplay.from_estimator(mlp, X_tab[:2], ax=axes)
    assert display.ax_[1] is axes[1] and len(axes[1].patches) == 10
    with pytest.raises(ValueError, match="2 inputs"):
        SaliencyDisplay.from_estimator(mlp, X_tab[:2], ax=axes[0])
    digits_like = SaliencyDisplay.from_estimator(mlp, np.zeros((1, 10)), input_shape=(2, 5))
    assert digits_like.inputs.shape == (1, 1, 2, 5)
    plt.close("all")


def test_training_curve_display_marks_the_restored_epoch():
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 4))
    y = (X[:, 0] > 0).astype(int)
    clf = MLPClassifier(
        hidden_layer_sizes=(8,), early_stopping=True, max_iter=15, random_state=0
    ).fit(X, y)
    display = TrainingCurveDisplay.from_estimator(clf)
    assert display.best_epoch == int(np.argmax(clf.validation_scores_)) + 1
    assert display.validation_ax_ is not None
    np.testing.assert_allclose(display.ax_.lines[0].get_ydata(), clf.loss_curve_)
    assert display.ax_.lines[1].get_xdata()[0] == display.best_epoch

    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=5, random_state=0)).fit(X, y)
    display = TrainingCurveDisplay.from_estimator(pipe)
    assert display.validation_ax_ is None
    assert display.best_epoch == int(np.argmin(pipe[-1].loss_curve_)) + 1

    search = GridSearchCV(pipe, {"mlpclassifier__max_iter": [3, 4]}, cv=2).fit(X, y)
    _, ax = plt.subplots()
    display = TrainingCurveDisplay.from_estimator(search, ax=ax)
    assert display.ax_ is ax
    assert len(display.loss_curve) == search.best_estimator_[-1].n_iter_

    with pytest.raises(TypeError, match="sknets estimator"):
        TrainingCurveDisplay.from_estimator(StandardScaler().fit(X))
    with pytest.raises(NotFittedError):
        TrainingCurveDisplay.from_estimator(MLPClassifier())
    unfitted_search = GridSearchCV(pipe, {"mlpclassifier__max_iter": [3]})
    with pytest.raises(ValueError, match="best_estimator_"):
        TrainingCurveDisplay.from_estimator(unfitted_search)
    plt.close("all")
