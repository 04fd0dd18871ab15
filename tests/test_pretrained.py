"""Pretrained weights, fine-tuning and augmentation of the image estimators (issue 28)."""

import os
import pickle

import numpy as np
import pytest
import torch
from _pretrained_reference import ARCHITECTURES, reference_input, reference_state_dict

from sknets import (
    CNNClassifier,
    LeNetClassifier,
    MobileNetClassifier,
    ResNetClassifier,
    ResNetRegressor,
    VGGClassifier,
    networks,
)
from sknets.networks import IMAGENET_MEAN, IMAGENET_STD, PreparedNetwork, load_pretrained

REFERENCE = os.path.join(os.path.dirname(__file__), "data", "torchvision_reference.npz")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _reference(name):
    saved = np.load(REFERENCE)
    shapes = {
        str(key): tuple(int(size) for size in str(shape).strip("()").split(",") if size.strip())
        for key, shape in zip(saved[f"{name}/keys"], saved[f"{name}/shapes"], strict=True)
    }
    return reference_state_dict(shapes), saved[f"{name}/features"], saved[f"{name}/logits"]


def _sknets_network(name):
    network_name, arguments = ARCHITECTURES[name]
    blocks = {"vgg11_bn": {"n_blocks": (1, 1, 2, 2, 2)}}.get(name, {})
    return getattr(networks, network_name)(
        in_channels=3, n_outputs=1000, **arguments, **blocks
    ).eval()


def _load_with_head(network, state_dict):
    """The whole checkpoint, its head included (load_pretrained leaves the head out)."""
    load_pretrained(network, state_dict)
    weight, bias = list(state_dict.values())[-2:]
    network.head.load_state_dict({"weight": weight, "bias": bias})
    return network


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_torchvision_checkpoint_gives_torchvision_outputs(name, tmp_path):
    # The reference outputs are torchvision's own, on the same tensors
    # (tools/torchvision_reference.py); here they load from a file.
    state_dict, features, logits = _reference(name)
    path = tmp_path / f"{name}.pth"
    torch.save(state_dict, path)
    network = _sknets_network(name)
    assert network.torchvision_name == name
    _load_with_head(network, torch.load(path, weights_only=True))
    with torch.no_grad():
        ours = network.forward_features(reference_input())
        np.testing.assert_allclose(ours.numpy(), features, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(network(reference_input()).numpy(), logits, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_same_network_as_torchvision_when_installed(name):
    torchvision = pytest.importorskip("torchvision")
    model = torchvision.models.get_model(name).eval()
    network = _sknets_network(name)
    _load_with_head(network, model.state_dict())
    x = reference_input()
    with torch.no_grad():
        np.testing.assert_allclose(network(x).numpy(), model(x).numpy(), rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------- estimators
_SMALL = {"filters": (8, 16), "n_blocks": 1, "random_state": 0, "device": "cpu"}


def _images(n=48, channels=1, size=12, seed=0):
    rng = np.random.RandomState(seed)
    y = np.arange(n) % 3
    X = rng.rand(n, channels, size, size).astype(np.float32) * 0.5
    X[:, :, : size // 2] += 0.5 * (y == 1)[:, None, None, None]
    X[:, :, :, : size // 2] += 0.5 * (y == 2)[:, None, None, None]
    return np.clip(X, 0, 1), y


@pytest.fixture
def checkpoint(tmp_path):
    """A small ResNet's state dict, trained on other classes, saved with torch.save."""
    X, y = _images(seed=1)
    source = ResNetClassifier(max_iter=2, **_SMALL).fit(X, (y + 1) % 2)
    path = tmp_path / "source.pt"
    torch.save(source.module_.state_dict(), path)
    return path, source.module_


def _backbone_state(network):
    return {key: value.clone() for key, value in network.state_dict().items() if "head" not in key}


def test_frozen_epochs_train_only_the_head(checkpoint):
    path, source = checkpoint
    X, y = _images()
    clf = ResNetClassifier(
        weights=path,
        n_frozen_epochs=2,
        backbone_learning_rate=1e-4,
        freeze_batch_norm=True,
        max_iter=2,
        **_SMALL,
    ).fit(X, y)
    assert isinstance(clf.module_, PreparedNetwork)
    before = _backbone_state(source)
    after = {k.removeprefix("network."): v for k, v in _backbone_state(clf.module_).items()}
    # Weights and batch-norm statistics of the backbone are the checkpoint's.
    assert before.keys() == after.keys()
    assert all(torch.equal(before[key], after[key]) for key in before)
    # The head is new: three classes, not the checkpoint's two.
    assert clf.module_.head.out_features == 3
    # A third epoch (partial_fit counts on) trains the backbone at a tenth of the rate.
    clf.partial_fit(X, y)
    after = {k.removeprefix("network."): v for k, v in _backbone_state(clf.module_).items()}
    changed = [key for key in before if not torch.equal(before[key], after[key])]
    assert any(key.endswith("weight") for key in changed)
    assert not any("running" in key for key in changed)
    rates = sorted({group["lr"] for group in clf.net_.optimizer_.param_groups})
    assert rates == pytest.approx([1e-4, 1e-3])


def test_batch_norm_statistics_update_when_not_frozen(checkpoint):
    path, source = checkpoint
    X, y = _images()
    clf = ResNetClassifier(
        weights=path,
        n_frozen_epochs=0,
        freeze_batch_norm=False,
        backbone_learning_rate=1e-3,
        max_iter=1,
        **_SMALL,
    ).fit(X, y)
    assert not torch.equal(clf.module_.network.stem[1].running_mean, source.stem[1].running_mean)
    assert {group["lr"] for group in clf.net_.optimizer_.param_groups} == {1e-3}


def test_pretrained_estimator_saves_and_loads_without_the_file(checkpoint):
    path, _ = checkpoint
    X, y = _images()
    clf = ResNetClassifier(weights=path, resize=16, max_iter=4, augment="flip_crop", **_SMALL)
    clf.fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    os.remove(path)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_imagenet_checkpoint_prepares_grey_pixels(tmp_path):
    # A checkpoint in torchvision's layout (ResNet-18's), on grey images:
    # repeated to three channels, resized and normalised as ImageNet's.
    state_dict, _, _ = _reference("resnet18")
    path = tmp_path / "resnet18.pth"
    torch.save(state_dict, path)
    X, y = _images(n=12, size=20)
    clf = ResNetClassifier(
        weights=path,
        resize=32,
        small_input=False,
        max_iter=1,
        n_frozen_epochs=1,
        random_state=0,
        device="cpu",
    ).fit(X, y)
    assert clf._data_spec["checkpoint"] == "imagenet"
    backbone = _load_with_head(_sknets_network("resnet18"), state_dict)
    expected_input = torch.nn.functional.interpolate(
        torch.from_numpy(X[:2]).expand(-1, 3, -1, -1),
        size=(32, 32),
        mode="bilinear",
        antialias=True,
    )
    mean, std = (
        torch.tensor(IMAGENET_MEAN)[:, None, None],
        torch.tensor(IMAGENET_STD)[:, None, None],
    )
    with torch.no_grad():
        expected = backbone.forward_features((expected_input - mean) / std)
        got = clf.module_.eval().forward_features(torch.from_numpy(X[:2]))
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="divide 8-bit images by 255"):
        ResNetClassifier(weights=path, max_iter=1, device="cpu").fit(X * 255, y)
    with pytest.raises(ValueError, match="3 channels"):
        ResNetClassifier(weights=path, max_iter=1, device="cpu").fit(np.repeat(X, 2, axis=1), y)


@pytest.mark.parametrize(
    "estimator, message",
    [
        (ResNetClassifier(weights="DEFAULT", filters=(8, 16)), "none of the architectures"),
        (ResNetClassifier(weights="no/such/file.pt"), "neither a file"),
        (ResNetClassifier(weights="IMAGENET1K_V2"), "no checkpoint 'IMAGENET1K_V2' of resnet18"),
        (VGGClassifier(weights="DEFAULT"), "none of the architectures"),
        (ResNetClassifier(resize=(8, 8, 8)), "must be an int or"),
    ],
)
def test_bad_weights_are_refused_before_training(estimator, message):
    X, y = _images(n=12)
    with pytest.raises(ValueError, match=message):
        estimator.set_params(max_iter=1, device="cpu").fit(X, y)
    assert not hasattr(estimator, "net_")


def test_weights_refused_on_series():
    X = np.random.RandomState(0).rand(12, 1, 20).astype(np.float32)
    with pytest.raises(ValueError, match="weights"):
        ResNetClassifier(weights="DEFAULT", max_iter=1, device="cpu").fit(X, np.arange(12) % 2)


def test_wrong_architecture_checkpoint_names_the_tensor(tmp_path):
    path = tmp_path / "other.pt"
    other = networks.ResNet(in_channels=1, n_outputs=2, filters=(4, 8), n_blocks=1)
    torch.save(other.state_dict(), path)
    X, y = _images(n=12)
    with pytest.raises(ValueError, match="does not fit"):
        ResNetClassifier(weights=path, max_iter=1, **_SMALL).fit(X, y)


# -------------------------------------------------------------- augmentation
@pytest.mark.parametrize(
    "estimator",
    [
        CNNClassifier(filters=(4,), hidden_layer_sizes=(8,)),
        LeNetClassifier(),
        VGGClassifier(filters=(4, 8), n_blocks=(1, 1), hidden_layer_sizes=(8,)),
        ResNetRegressor(filters=(4,), n_blocks=1),
        MobileNetClassifier(
            width_mult=0.25, inverted_residual_setting=((6, 8, 1, 2),), last_channel=16
        ),
    ],
    ids=lambda e: type(e).__name__,
)
@pytest.mark.parametrize("augment", ["flip", "crop", "flip_crop"])
def test_augmented_refits_are_identical_and_differ_from_plain(estimator, augment):
    X, y = _images(n=24, size=16)
    estimator.set_params(max_iter=2, random_state=0, device="cpu")
    first = estimator.set_params(augment=augment).fit(X, y).predict(X)
    second = estimator.fit(X, y).predict(X)
    np.testing.assert_array_equal(first, second)
    augmented = [p.detach().clone() for p in estimator.module_.parameters()]
    estimator.set_params(augment=None).fit(X, y)
    plain = list(estimator.module_.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(augmented, plain, strict=True))


def test_presets_draw_per_image():
    from sknets._augment import random_crop, random_flip

    torch.manual_seed(0)
    images = torch.arange(16.0).reshape(1, 1, 4, 4).repeat(64, 1, 1, 1)
    flipped = random_flip(images)
    mirrored = (flipped == images.flip(-1)).flatten(1).all(1)
    assert 10 < int(mirrored.sum()) < 54  # about half, image by image
    cropped = random_crop(images, fraction=0.25)
    assert cropped.shape == images.shape
    assert len({tuple(image.flatten().tolist()) for image in cropped}) > 3


def test_augment_callable_runs_per_image_and_only_in_training():
    seen = []

    def jitter(image):
        seen.append(image.shape)
        return image + 0.01 * torch.randn_like(image)

    X, y = _images(n=24, size=8)
    clf = CNNClassifier(
        filters=(4,),
        hidden_layer_sizes=(8,),
        augment=jitter,
        max_iter=2,
        batch_size=8,
        random_state=0,
        device="cpu",
    ).fit(X, y)
    assert len(seen) == 2 * 24 and seen[0] == (1, 8, 8)
    seen.clear()
    clf.predict(X)
    assert seen == []
    with pytest.raises(ValueError, match="must keep it"):
        clf.set_params(augment=lambda image: image[:, :4]).fit(X, y)


def test_augment_refused_on_series():
    X = np.random.RandomState(0).rand(12, 1, 20).astype(np.float32)
    with pytest.raises(ValueError, match="augment"):
        CNNClassifier(augment="flip", max_iter=1, device="cpu").fit(X, np.arange(12) % 2)


# ------------------------------------------------------ your own backbone
class _TinyConvNet(torch.nn.Module):
    def __init__(self, in_channels, n_outputs, width=4, spatial_dims=2):
        super().__init__()
        conv = torch.nn.Conv2d if spatial_dims == 2 else torch.nn.Conv1d
        pool = torch.nn.AdaptiveAvgPool2d if spatial_dims == 2 else torch.nn.AdaptiveAvgPool1d
        self.layers = torch.nn.Sequential(
            conv(in_channels, width, 3, padding=1),
            torch.nn.ReLU(),
            pool(1),
            torch.nn.Flatten(),
            torch.nn.Linear(width, n_outputs),
        )

    def forward(self, x):
        return self.layers(x)


def test_module_estimators_take_images_and_series():
    from sknets import ModuleClassifier, ModuleRegressor

    X, y = _images(n=30, channels=3, size=8)
    clf = ModuleClassifier(
        _TinyConvNet, max_iter=60, learning_rate_init=0.01, random_state=0, device="cpu"
    ).fit(X, y)
    assert clf.input_shape_ == (3, 8, 8)
    assert clf.score(X, y) > 0.55  # chance: 0.33
    with pytest.raises(ValueError, match="shape"):
        clf.predict(X[:, :2])
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    series = np.random.RandomState(0).rand(20, 2, 15).astype(np.float32)
    # spatial_dims reaches a module that takes it: 1 for series.
    reg = ModuleRegressor(_TinyConvNet, max_iter=2, device="cpu").fit(
        series, series.mean(axis=(1, 2))
    )
    assert isinstance(reg.module_.layers[0], torch.nn.Conv1d)
    assert reg.predict(series).shape == (20,)
    # Rows with input_shape are reshaped to images, as the convolutional estimators do.
    rows = ModuleClassifier(_TinyConvNet, input_shape=(3, 8, 8), max_iter=2, device="cpu").fit(
        X.reshape(30, -1), y
    )
    assert rows.module_.layers[0].in_channels == 3


@pytest.mark.parametrize("n_in, n_out", [(20, 32), (50, 32), (7, 7), (224, 64)])
def test_resize_matrices_are_torchs_antialiased_resizing(n_in, n_out):
    x = torch.rand(2, 3, n_in, n_in + 3)
    rows, cols = networks.resize_matrix(n_in, n_out), networks.resize_matrix(n_in + 3, n_out)
    expected = torch.nn.functional.interpolate(
        x, size=(n_out, n_out), mode="bilinear", antialias=True
    )
    torch.testing.assert_close(rows @ x @ cols.T, expected, rtol=1e-5, atol=1e-5)


def test_warm_start_counts_frozen_epochs_on(checkpoint):
    path, source = checkpoint
    X, y = _images()
    clf = ResNetClassifier(weights=path, n_frozen_epochs=2, max_iter=1, warm_start=True, **_SMALL)
    clf.fit(X, y)
    clf.fit(X, y)  # epoch 2: still frozen
    frozen = _backbone_state(clf.module_.network)
    assert all(torch.equal(frozen[k], v) for k, v in _backbone_state(source).items())
    clf.fit(X, y)  # epoch 3: the backbone trains
    assert clf.n_iter_ == 3
    trained = _backbone_state(clf.module_.network)
    assert not all(torch.equal(frozen[k], v) for k, v in trained.items())


def test_torchvision_weights_enum_is_read_through_get_state_dict():
    state_dict, _, _ = _reference("resnet18")

    class FakeWeightsEnum:  # what torchvision's ResNet18_Weights.DEFAULT offers
        def get_state_dict(self, progress=True):
            return state_dict

    X, y = _images(n=12, size=16)
    clf = ResNetClassifier(
        weights=FakeWeightsEnum(),
        small_input=False,
        n_frozen_epochs=1,
        max_iter=1,
        random_state=0,
        device="cpu",
    ).fit(X, y)
    assert torch.equal(clf.module_.network.stem[0].weight, state_dict["conv1.weight"])
