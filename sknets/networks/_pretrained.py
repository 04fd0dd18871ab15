"""Published ImageNet checkpoints for the image networks, and the network that fine-tunes them.

sknets' :class:`~sknets.networks.ResNet`, :class:`~sknets.networks.VGG` and
:class:`~sknets.networks.MobileNetV2` have torchvision's layers, in
torchvision's order, so that a torchvision state dict (a published
checkpoint, or ``torchvision.models.resnet18().state_dict()``) loads into
them tensor for tensor: :func:`load_pretrained` pairs the tensors in order
and checks each pair's kind and shape, so no torchvision import is needed.
The checkpoints are fetched from the addresses torchvision publishes with
``torch.hub.load_state_dict_from_url``, which checks each file's hash and
caches it in ``$TORCH_HOME/hub/checkpoints`` (the cache torchvision uses).

:class:`PreparedNetwork` puts the inputs a checkpoint expects in front of
the network (grey images repeated to three channels, resizing, the
checkpoint's normalisation) and freezes its backbone on request.
"""

import contextlib
import contextvars
import os
from numbers import Integral

import torch
from torch import nn
from torch.nn import functional as F

from ._layers import HeadedNetwork

__all__ = [
    "CHECKPOINTS",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "PreparedNetwork",
    "load_pretrained",
    "resize_matrix",
    "weights_not_loaded",
]

#: The per-channel mean and standard deviation of ImageNet's pixels (in
#: [0, 1]), with which every checkpoint of :data:`CHECKPOINTS` was trained.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

_DOWNLOADS = "https://download.pytorch.org/models/"

#: torchvision's published ImageNet checkpoints of the architectures sknets
#: builds, by torchvision's model and weights names; ``"DEFAULT"`` is
#: torchvision's default of each model.
CHECKPOINTS = {
    "resnet18": {"IMAGENET1K_V1": "resnet18-f37072fd.pth"},
    "resnet34": {"IMAGENET1K_V1": "resnet34-b627a593.pth"},
    "vgg11": {"IMAGENET1K_V1": "vgg11-8a719046.pth"},
    "vgg11_bn": {"IMAGENET1K_V1": "vgg11_bn-6002323d.pth"},
    "vgg13": {"IMAGENET1K_V1": "vgg13-19584684.pth"},
    "vgg13_bn": {"IMAGENET1K_V1": "vgg13_bn-abd245e5.pth"},
    "vgg16": {"IMAGENET1K_V1": "vgg16-397923af.pth"},
    "vgg16_bn": {"IMAGENET1K_V1": "vgg16_bn-6c64b313.pth"},
    "vgg19": {"IMAGENET1K_V1": "vgg19-dcbb9e9d.pth"},
    "vgg19_bn": {"IMAGENET1K_V1": "vgg19_bn-c79401a0.pth"},
    "mobilenet_v2": {
        "IMAGENET1K_V1": "mobilenet_v2-b0353104.pth",
        "IMAGENET1K_V2": "mobilenet_v2-7ebf99e0.pth",
    },
}
_DEFAULT_WEIGHTS = {"mobilenet_v2": "IMAGENET1K_V2"}

# Set while a saved estimator is rebuilt: its trained weights replace the
# checkpoint's, which need not be at hand on the loading machine.
_SKIP_LOADING = contextvars.ContextVar("sknets_skip_checkpoint_loading", default=False)


@contextlib.contextmanager
def weights_not_loaded():
    """Within this block :func:`load_pretrained` leaves networks as they are.

    What loading a saved estimator does: its trained weights replace the
    checkpoint's, so the checkpoint need not be at hand.

    Examples
    --------
    >>> from sknets.networks import ResNet, load_pretrained, weights_not_loaded
    >>> net = ResNet(in_channels=3, n_outputs=2, filters=(8,), n_blocks=1)
    >>> with weights_not_loaded():
    ...     load_pretrained(net, "no/such/file.pt") is net
    True
    """
    token = _SKIP_LOADING.set(True)
    try:
        yield
    finally:
        _SKIP_LOADING.reset(token)


def _weights_names():
    return sorted({"DEFAULT", *(name for names in CHECKPOINTS.values() for name in names)})


def _published_state_dict(network, weights):
    """The state dict of the published checkpoint ``weights`` names for ``network``."""
    model = getattr(network, "torchvision_name", None)
    configurations = ", ".join(sorted(CHECKPOINTS))
    if model is None:
        raise ValueError(
            f"weights={weights!r} names a published ImageNet checkpoint, and this "
            f"{type(network).__name__} is none of the architectures that have one "
            f"({configurations}). Those are: ResNet with filters=(64, 128, 256, 512) and "
            "n_blocks=(2, 2, 2, 2) or (3, 4, 6, 3); VGG with filters=(64, 128, 256, 512, "
            "512), n_blocks of VGG-11/13/16/19, hidden_layer_sizes=(4096, 4096) and "
            "adaptive_pool_size=7 (batch_norm True or False); MobileNetV2 at its defaults "
            "(width_mult=1.0). Or pass the path of a state dict of this architecture."
        )
    name = _DEFAULT_WEIGHTS.get(model, "IMAGENET1K_V1") if weights == "DEFAULT" else weights
    if name not in CHECKPOINTS[model]:
        raise ValueError(
            f"torchvision publishes no checkpoint {weights!r} of {model}: it has "
            f"{['DEFAULT', *CHECKPOINTS[model]]}."
        )
    url = _DOWNLOADS + CHECKPOINTS[model][name]
    try:
        return torch.hub.load_state_dict_from_url(
            url, map_location="cpu", progress=False, check_hash=True
        )
    except OSError as error:  # URLError is one: no network, or the address refused
        cache = os.path.join(torch.hub.get_dir(), "checkpoints")
        raise OSError(
            f"Could not fetch {model}'s {name} checkpoint from {url} ({error}). On a machine "
            f"without internet access, download that file elsewhere and either put it in "
            f"{cache} (torch's cache, where it is looked for first) or pass its path as "
            "weights=."
        ) from error


def _state_dict_from(weights, network):
    """The state dict ``weights`` stands for (a name, a path, or torchvision's enum)."""
    if isinstance(weights, dict):
        return weights
    if callable(getattr(weights, "get_state_dict", None)):
        # A torchvision WeightsEnum member (ResNet18_Weights.DEFAULT).
        return weights.get_state_dict(progress=False)
    if isinstance(weights, str) and weights in _weights_names():
        return _published_state_dict(network, weights)
    if isinstance(weights, str | os.PathLike):
        if not os.path.isfile(weights):
            raise ValueError(
                f"weights={weights!r} is neither a file nor one of torchvision's weights "
                f"names {_weights_names()}."
            )
        state_dict = torch.load(weights, map_location="cpu", weights_only=True)
        if isinstance(state_dict, dict) and isinstance(state_dict.get("state_dict"), dict):
            state_dict = state_dict["state_dict"]  # a training script's checkpoint
        if not isinstance(state_dict, dict) or not all(
            isinstance(value, torch.Tensor) for value in state_dict.values()
        ):
            raise ValueError(
                f"{os.fspath(weights)!r} holds no state dict (names to tensors), as "
                "torch.save(network.state_dict(), path) writes."
            )
        return state_dict
    raise TypeError(
        "weights must be None, one of torchvision's weights names "
        f"{_weights_names()}, the path of a saved state dict or a torchvision weights "
        f"enum member; got {type(weights).__name__}."
    )


def _fold_convolution_biases(state_dict):
    """torchvision's VGG-BN convolutions have biases, which a batch norm follows.

    sknets' have none, as every network here whose convolution feeds a batch
    norm: the norm subtracts the batch mean, which cancels a constant bias
    in training, and in evaluation ``BN(conv(x) + b)`` is ``BN(conv(x))``
    with the running mean lowered by ``b``. Folding each bias into the
    next norm's running mean gives the same outputs in both modes.
    """
    state_dict = dict(state_dict)
    for key in [key for key in state_dict if key.endswith(".bias")]:
        prefix, _, index = key[: -len(".bias")].rpartition(".")
        if not index.isdigit():
            continue
        norm = f"{prefix}.{int(index) + 1}.running_mean" if prefix else ""
        weight = state_dict.get(key[: -len("bias")] + "weight")
        if norm in state_dict and weight is not None and weight.ndim > 2:
            state_dict[norm] = state_dict[norm] - state_dict.pop(key)
    return state_dict


def _head_keys(network):
    return {"head." + name for name, _ in network.head.named_parameters()}


def load_pretrained(network, weights):
    """Copy a checkpoint into ``network``, all but its head.

    Parameters
    ----------
    network : ResNet, VGG or MobileNetV2
        The network, built with ``in_channels=3`` for an ImageNet checkpoint.
    weights : str, path, torchvision weights enum or dict
        ``"DEFAULT"``, ``"IMAGENET1K_V1"`` or ``"IMAGENET1K_V2"``: torchvision's
        published checkpoint of the architecture ``network`` is (see
        :data:`CHECKPOINTS`), fetched and cached by ``torch.hub``. A path: a
        state dict saved with ``torch.save``, in sknets' layout (the
        ``state_dict()`` of the same network) or torchvision's (of the
        torchvision model with these layers). A torchvision weights enum
        member, such as ``ResNet18_Weights.DEFAULT``. Or a state dict itself.

    Returns
    -------
    network : torch.nn.Module
        ``network`` itself, its layers but the head holding the
        checkpoint's tensors. The head keeps its own initialisation: it is
        sized for the new task's outputs.

    Raises
    ------
    ValueError
        When the checkpoint is of another architecture: the first tensor
        that differs is named.

    Examples
    --------
    >>> import tempfile, os, torch
    >>> from sknets.networks import ResNet, load_pretrained
    >>> source = ResNet(in_channels=3, n_outputs=5, filters=(8, 16), n_blocks=1)
    >>> path = os.path.join(tempfile.mkdtemp(), "source.pt")
    >>> torch.save(source.state_dict(), path)
    >>> target = load_pretrained(ResNet(in_channels=3, n_outputs=2, filters=(8, 16),
    ...                                 n_blocks=1), path)
    >>> torch.equal(target.stem[0].weight, source.stem[0].weight)
    True
    """
    if _SKIP_LOADING.get():
        return network
    state_dict = _state_dict_from(weights, network)
    own = network.state_dict()
    head = _head_keys(network)
    if set(state_dict) == set(own):
        pairs = [(key, key) for key in own if key not in head]
    else:
        # torchvision's layout: the same tensors in the same order, the
        # head (its last Linear layer's weight and bias) last.
        state_dict = _fold_convolution_biases(state_dict)
        theirs = list(state_dict)[:-2]
        ours = [key for key in own if key not in head]
        if len(theirs) != len(ours):
            raise ValueError(
                f"The checkpoint has {len(theirs)} tensors before its last layer and this "
                f"{type(network).__name__} {len(ours)}: it is of another architecture."
            )
        pairs = list(zip(theirs, ours, strict=True))
    loaded = {}
    for their_key, our_key in pairs:
        tensor = state_dict[their_key]
        kind = their_key.rpartition(".")[2] == our_key.rpartition(".")[2]
        if not kind or tuple(tensor.shape) != tuple(own[our_key].shape):
            raise ValueError(
                f"The checkpoint's {their_key!r} {tuple(tensor.shape)} does not fit this "
                f"{type(network).__name__}'s {our_key!r} {tuple(own[our_key].shape)}: the "
                "checkpoint is of another architecture (or another number of input "
                "channels)."
            )
        loaded[our_key] = tensor
    network.load_state_dict({**own, **loaded})
    return network


def _image_size(resize):
    if resize is None:
        return None
    if isinstance(resize, Integral):
        return (int(resize), int(resize))
    return tuple(int(size) for size in resize)


def resize_matrix(n_in, n_out):
    """The ``(n_out, n_in)`` matrix of torch's antialiased bilinear resizing along one axis.

    That resizing is linear and separable, so an image ``x`` resized is
    ``rows @ x @ cols.T``: two matrix products, which ONNX exports (torch's
    antialiased kernel has no ONNX form). Each column is the resizing of
    one unit vector: the columns of the identity, as one image whose other
    axis keeps its size.

    Examples
    --------
    >>> import torch
    >>> from torch.nn import functional as F
    >>> from sknets.networks import resize_matrix
    >>> x = torch.rand(1, 3, 50, 40)
    >>> resized = resize_matrix(50, 32) @ x @ resize_matrix(40, 24).T
    >>> expected = F.interpolate(x, size=(32, 24), mode="bilinear", antialias=True)
    >>> torch.allclose(resized, expected, atol=1e-5)
    True
    """
    basis = torch.eye(n_in, dtype=torch.float64)[None, None]
    resized = F.interpolate(basis, size=(n_out, n_in), mode="bilinear", antialias=True)
    return resized[0, 0].float().contiguous()


class PreparedNetwork(HeadedNetwork):
    """A network behind the input preparation a checkpoint expects, and a freezable backbone.

    The input ``(n, in_channels, H, W)`` is repeated to three channels when
    it is grey and the network takes three, resized (bilinear, antialiased,
    as torchvision's ``Resize``) to ``resize`` and normalised with
    ``mean`` and ``std``; then it runs through ``network``. Everything of
    ``network`` but its head is the *backbone*: :meth:`set_backbone_frozen`
    stops its training (no gradient, evaluation mode), and with
    ``freeze_batch_norm`` its batch norms always normalise with the
    checkpoint's running statistics, which they never update.

    Parameters
    ----------
    network : HeadedNetwork
        The network (a ResNet, VGG, MobileNetV2...), with its ``head``.
    in_channels : int
        Channels of the input; 1 is repeated when ``network`` takes 3.
    resize : int, (int, int) or None, default=None
        Height and width the images are resized to (an int: square); None
        keeps their size.
    input_size : (int, int) or None, default=None
        Height and width of the images the network will be given, when
        known: their resizing is then two matrix products (see
        :func:`resize_matrix`), the same as torch's but exportable to ONNX.
    mean, std : sequence of float or None, default=None
        Per-channel normalisation of the (repeated) input, as torchvision's
        ``Normalize``; None leaves the values as they are.
    freeze_batch_norm : bool, default=False
        Keep the batch norms of the backbone in evaluation mode in training
        too: they use, and keep, the running statistics they hold.

    Examples
    --------
    >>> import torch
    >>> from sknets.networks import PreparedNetwork, ResNet, IMAGENET_MEAN, IMAGENET_STD
    >>> resnet = ResNet(in_channels=3, n_outputs=4, filters=(8, 16), n_blocks=1)
    >>> net = PreparedNetwork(network=resnet, in_channels=1, resize=32,
    ...                       mean=IMAGENET_MEAN, std=IMAGENET_STD)
    >>> net(torch.rand(2, 1, 28, 28)).shape
    torch.Size([2, 4])
    """

    def __init__(
        self,
        *,
        network,
        in_channels,
        resize=None,
        input_size=None,
        mean=None,
        std=None,
        freeze_batch_norm=False,
    ):
        super().__init__()
        self.network = network
        self.in_channels = in_channels
        self.resize = _image_size(resize)
        self.input_size = None if input_size is None else tuple(int(s) for s in input_size)
        if self.resize is not None and self.input_size is not None:
            rows, cols = (
                resize_matrix(n, m) for n, m in zip(self.input_size, self.resize, strict=True)
            )
            self.register_buffer("resize_rows", rows, persistent=False)
            self.register_buffer("resize_cols", cols, persistent=False)
        else:
            self.resize_rows = self.resize_cols = None
        self.freeze_batch_norm = freeze_batch_norm
        self.backbone_frozen = False
        if mean is not None:
            shape = (1, len(mean), 1, 1)
            self.register_buffer("mean", torch.tensor(mean).reshape(shape))
            self.register_buffer("std", torch.tensor(std).reshape(shape))
        else:
            self.mean = self.std = None
        self.head = network.head
        self.num_features = network.num_features

    def prepare(self, x):
        """The input as the network takes it: channels, size and normalisation."""
        if self.mean is not None and x.shape[1] == 1 and self.mean.shape[1] == 3:
            x = x.expand(-1, 3, -1, -1)
        if self.resize is not None and tuple(x.shape[-2:]) != self.resize:
            if self.resize_rows is not None and tuple(x.shape[-2:]) == self.input_size:
                x = self.resize_rows @ x @ self.resize_cols.T
            else:
                x = F.interpolate(x, size=self.resize, mode="bilinear", antialias=True)
        if self.mean is not None:
            x = (x - self.mean) / self.std
        return x

    def forward_features(self, x):
        return self.network.forward_features(self.prepare(x))

    def forward_head(self, features):
        return self.network.forward_head(features)

    def backbone_parameters(self):
        """The parameters of everything but the head."""
        head = {id(p) for p in self.head.parameters()}
        return [p for p in self.network.parameters() if id(p) not in head]

    def set_backbone_frozen(self, frozen):
        """Freeze (or unfreeze) the backbone: no gradient, and evaluation mode in training."""
        self.backbone_frozen = bool(frozen)
        for parameter in self.backbone_parameters():
            parameter.requires_grad_(not frozen)
        self.train(self.training)

    def _backbone_modules(self):
        head = set(self.head.modules())
        return [m for m in self.network.modules() if m not in head and m is not self.network]

    def train(self, mode=True):
        super().train(mode)
        if mode and (self.backbone_frozen or self.freeze_batch_norm):
            for module in self._backbone_modules():
                if self.backbone_frozen or isinstance(module, nn.modules.batchnorm._BatchNorm):
                    module.train(False)
        return self

    def frozen_batch_norms(self):
        """The batch norms whose statistics training leaves alone (the backbone's, if frozen)."""
        if not (self.freeze_batch_norm or self.backbone_frozen):
            return []
        return [
            m for m in self._backbone_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
        ]
