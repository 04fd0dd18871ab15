"""Fine-tuning and augmentation parameters of the image estimators, and the network they build.

:data:`AUGMENT_PARAM` is every image estimator's; :data:`PRETRAINED_PARAMS`
are the parameters of the estimators whose networks have published
checkpoints (ResNet, VGG, MobileNetV2). :func:`build_image_network` builds
the estimator's network and, with ``weights`` or ``resize``, puts it in a
:class:`~sknets.networks.PreparedNetwork`.
"""

import os
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ._augment import PRESETS, make_augmentation
from ._params import Param, PositiveInts, as_positive_ints
from ._vocabulary import build_network
from .networks import IMAGENET_MEAN, IMAGENET_STD, PreparedNetwork, load_pretrained
from .networks._pretrained import _state_dict_from

__all__ = [
    "AUGMENT_PARAM",
    "PRETRAINED_PARAMS",
    "FineTuningMixin",
    "build_image_network",
]

AUGMENT_PARAM = Param(
    "augment",
    None,
    "{'flip', 'crop', 'flip_crop'}, callable or None",
    """
    Random changes to the training images, drawn anew for every image of
    every training batch (on the device; never at validation or
    prediction): ``"flip"`` mirrors each image left to right with
    probability 1/2, ``"crop"`` shifts it by up to 1/8 of its size
    (zero-padded: the CIFAR recipe), ``"flip_crop"`` does both. A callable
    is a function of one ``(channels, height, width)`` tensor returning one
    of the same shape, such as a torchvision ``transforms.v2.Compose``; it
    is called per image. The draws come from torch's random generator,
    which ``random_state`` seeds, so a refit is identical. None: the images
    as given.""",
    [None, StrOptions(set(PRESETS)), callable],
    applies_to=("images",),
)

PRETRAINED_PARAMS = (
    Param(
        "weights",
        None,
        "str, path, torchvision weights enum or None",
        """
        Start from a trained network instead of random weights, all but
        the head (a new one, sized for ``classes_``). ``"DEFAULT"``,
        ``"IMAGENET1K_V1"`` or ``"IMAGENET1K_V2"``: torchvision's published
        ImageNet checkpoint of this architecture (ResNet-18 and -34,
        VGG-11/13/16/19 with or without batch norm and
        ``hidden_layer_sizes=(4096, 4096)``, ``adaptive_pool_size=7``,
        MobileNetV2 at its defaults), fetched by ``torch.hub`` on first
        use and cached where torchvision caches it (no torchvision needed).
        A path: a file of ``torch.save(state_dict)``, in torchvision's
        layout (taken as an ImageNet checkpoint) or in sknets' (the
        ``module_.state_dict()`` of an estimator of the same architecture,
        with ``weights=None``). Or a torchvision weights enum member
        (``ResNet18_Weights.DEFAULT``). With an ImageNet checkpoint the
        images are read as pixels in [0, 1] (divide 8-bit images by 255):
        grey ones are repeated to three channels and all are normalised
        with ImageNet's mean and standard deviation inside the network, as
        the checkpoint expects. None: random initialisation.""",
        [None, str, os.PathLike, HasMethods(["get_state_dict"])],
        applies_to=("images",),
    ),
    Param(
        "resize",
        None,
        "int, (int, int) or None",
        """
        Height and width (an int: both) to which the images are resized
        inside the network (bilinear, antialiased), at fit and predict:
        a pretrained network sees objects at about the scale it learned
        (224 for ImageNet; 64 to 128 keeps a CPU fast). None: as given.""",
        [None, PositiveInts()],
        applies_to=("images",),
    ),
    Param(
        "n_frozen_epochs",
        1,
        "int",
        """
        With ``weights``: epochs at the start of training in which only the
        new head learns, the rest (the backbone) frozen and in evaluation
        mode, so that the head's first, random gradients do not reach the
        checkpoint's weights (linear probing, then fine-tuning: Kumar et
        al., 2022). Counted over warm starts and ``partial_fit`` calls.
        Without ``weights`` there is no backbone to freeze and it has no
        effect.""",
        [Interval(Integral, 0, None, closed="left")],
        applies_to=("images",),
    ),
    Param(
        "backbone_learning_rate",
        None,
        "float or None",
        """
        With ``weights``: the learning rate of the backbone once it is
        unfrozen (the head keeps ``learning_rate_init``), scaled by any
        ``learning_rate`` schedule as the head's is. A lower rate than the
        head's keeps more of what the checkpoint learned (discriminative
        fine-tuning, Howard & Ruder, 2018), the usual advice for an ImageNet
        checkpoint and photos like ImageNet's; the benchmark of the
        fine-tuning page measures what it costs on a short training. None:
        the head's rate, ``learning_rate_init``.""",
        [None, Interval(Real, 0, None, closed="neither")],
        applies_to=("images",),
    ),
    Param(
        "freeze_batch_norm",
        False,
        "bool",
        """
        With ``weights``: the backbone's batch norms normalise with the
        checkpoint's running statistics throughout training and never
        update them (Keras' fine-tuning guide, against the noise of small
        batches). False: they normalise with each batch's statistics in
        training, as in a network trained from scratch, and their running
        statistics are recomputed on the whole training set at the end of
        ``fit`` (exactly, not as a running average), which adapts them to
        the new images (Li et al., 2016's AdaBN); the benchmark of the
        fine-tuning page measures both.""",
        ["boolean"],
        applies_to=("images",),
    ),
)


def _checkpoint(weights):
    """``(kind, state_dict)``: ``"imagenet"`` or ``"sknets"``, and the state dict if read.

    A published name or torchvision's enum is an ImageNet checkpoint (read
    when the network is built); a file or dict is sknets' when it has the
    ``head`` every sknets network has (torchvision's is ``fc`` or
    ``classifier``), and is otherwise taken as an ImageNet one.
    """
    if isinstance(weights, dict) or (
        isinstance(weights, str | os.PathLike) and os.path.isfile(weights)
    ):
        state_dict = _state_dict_from(weights, None)
        return ("sknets" if "head.weight" in state_dict else "imagenet"), state_dict
    return "imagenet", None


def build_image_network(network_class, estimator, spec, **given):
    """``network_class`` built for the estimator, behind its input preparation if it has one.

    An ImageNet checkpoint (a name, torchvision's enum or a file in its
    layout) makes a three-channel network behind ImageNet's
    normalisation; a checkpoint in sknets' layout, a network of the data's
    channels taking the inputs as given. Which one is recorded in
    ``spec.checkpoint`` (saved with the estimator), so that a loaded
    estimator rebuilds the same network without the file.
    """
    weights = getattr(estimator, "weights", None)
    resize = getattr(estimator, "resize", None)
    if weights is None:
        network = build_network(network_class, estimator, spec, **given)
        if resize is None:
            return network
        return PreparedNetwork(
            network=network,
            in_channels=spec.in_channels,
            resize=resize,
            input_size=spec.sample_shape[1:],
        )
    state_dict = None
    if getattr(spec, "checkpoint", None) is None:
        spec.checkpoint, state_dict = _checkpoint(weights)
    if spec.checkpoint == "imagenet":
        network = build_network(network_class, estimator, spec, **{**given, "in_channels": 3})
        normalisation = {"mean": IMAGENET_MEAN, "std": IMAGENET_STD}
    else:
        network = build_network(network_class, estimator, spec, **given)
        normalisation = {}
    load_pretrained(network, weights if state_dict is None else state_dict)
    return PreparedNetwork(
        network=network,
        in_channels=spec.in_channels,
        resize=resize,
        input_size=spec.sample_shape[1:],
        freeze_batch_norm=estimator.freeze_batch_norm,
        **normalisation,
    )


class FineTuningMixin:
    """What the image estimators with ``augment`` (and ``weights``) add to the training net."""

    def _validate_params(self):
        super()._validate_params()
        resize = getattr(self, "resize", None)
        if resize is not None:
            size = as_positive_ints(resize)
            if len(size) not in (1, 2):
                raise ValueError(
                    f"The 'resize' parameter of {type(self).__name__} must be an int or "
                    f"(height, width); got {resize!r}."
                )

    def _net_kwargs(self):
        kwargs = {**super()._net_kwargs(), "augment": make_augmentation(self.augment)}
        if getattr(self, "weights", None) is not None:
            rate = self.backbone_learning_rate
            rate = self.learning_rate_init if rate is None else rate
            kwargs["n_frozen_epochs"] = self.n_frozen_epochs
            kwargs["backbone_lr_scale"] = rate / self.learning_rate_init
        return kwargs

    def _check_training_data(self, X):
        if getattr(self, "weights", None) is None:
            return
        if hasattr(self, "net_") and "checkpoint" in self._data_spec:
            kind = self._data_spec["checkpoint"]
        else:
            kind, _ = _checkpoint(self.weights)
        if kind != "imagenet":
            return
        if X.shape[1] not in (1, 3):
            raise ValueError(
                f"{type(self).__name__}: an ImageNet checkpoint takes RGB images (3 "
                f"channels) or grey ones (1 channel, repeated), but X has {X.shape[1]} "
                "channels."
            )
        low, high = float(np.min(X)), float(np.max(X))
        if low < -1e-3 or high > 1 + 1e-3:
            raise ValueError(
                f"{type(self).__name__} with weights={self.weights!r} reads images as pixels "
                f"in [0, 1], which the checkpoint's normalisation expects, but X ranges from "
                f"{low:g} to {high:g}: divide 8-bit images by 255 (and leave out any "
                "scaler before it)."
            )
