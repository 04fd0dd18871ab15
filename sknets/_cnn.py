"""Convolutional network estimators: CNN, LeNet-5, VGG, ResNet, MobileNetV2, FCN.

Each estimator is a thin wrapper around a network of
:mod:`sknets.networks`: its own parameters, the input adapter
(:mod:`sknets._inputs._conv`, which owns the image and series rules) and
``_build_module``, which builds the network with
:func:`~sknets._vocabulary.build_network`: the network's arguments have the
estimator's names and defaults.
"""

import inspect
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions

from ._finetune import AUGMENT_PARAM, PRETRAINED_PARAMS, FineTuningMixin, build_image_network
from ._inputs import ImageInput, ImageOrSeriesInput, SeriesInput
from ._mlp import ACTIVATION_TYPE_DOC
from ._params import (
    CLASSIFIER_ATTRIBUTES,
    INPUT_SHAPE_PARAM,
    REGRESSOR_ATTRIBUTES,
    Param,
    PositiveInts,
    PositiveIntTuples,
    attributes_doc,
)
from ._vocabulary import build_network
from .base import NeuralClassifier, NeuralRegressor
from .networks import (
    ACTIVATIONS,
    FCN,
    VGG,
    ConvNet,
    LeNet5,
    MobileNetV2,
    ResNet,
    TimeSeriesResNet,
)

__all__ = [
    "CNNClassifier",
    "CNNRegressor",
    "FCNClassifier",
    "LeNetClassifier",
    "MobileNetClassifier",
    "ResNetClassifier",
    "ResNetRegressor",
    "VGGClassifier",
]

# Shared by the test settings (_get_test_params) of every estimator here:
# the default solver (Adam) at a rate that learns the checks' few dozen
# rows within 30 epochs.
_TEST_PARAMS = {"learning_rate_init": 0.01, "max_iter": 30, "random_state": 0}

_POSITIVE_INT = Interval(Integral, 1, None, closed="left")
_PROBABILITY = Interval(Real, 0, 1, closed="left")


def _length(value):
    """Entries of an int-or-sequence parameter (an int is one)."""
    return 1 if isinstance(value, Integral) else len(value)


def _check_one_per_stage(estimator, name, stages="filters"):
    """Refuse a sequence ``name`` whose length is not the number of stages.

    An int (where the parameter takes one) applies to every stage; None is
    a default resolved later.
    """
    value, stage_value = getattr(estimator, name), getattr(estimator, stages)
    if value is None or stage_value is None or isinstance(value, Integral):
        return
    if len(value) != _length(stage_value):
        raise InvalidParameterError(
            f"The '{stages}' and '{name}' parameters of {type(estimator).__name__} must "
            f"have the same length (one entry per stage). Got {stages}={stage_value!r} and "
            f"{name}={value!r} instead."
        )


def _activation_param(default, note=""):
    return Param(
        "activation",
        default,
        ACTIVATION_TYPE_DOC,
        "Activation of the hidden layers" + note + ".",
        [StrOptions(set(ACTIVATIONS))],
    )


def _hidden_layer_sizes_param(default):
    return Param(
        "hidden_layer_sizes",
        default,
        "int or sequence of int",
        """
        Width of each fully connected hidden layer between the convolutions
        and the output layer; empty for none.""",
        [PositiveInts(allow_empty=True)],
    )


def _dropout_param(default, where):
    return Param("dropout", default, "float", f"Dropout probability {where}.", [_PROBABILITY])


def _batch_norm_param():
    return Param(
        "batch_norm", True, "bool", "Batch normalisation after each convolution.", ["boolean"]
    )


_CONV_ATTRIBUTES = {
    "n_features_in_": (
        "int",
        "Size of the second axis of X seen during fit, as in scikit-learn: the number of "
        "features of 2-D X, the number of channels of 3-D and 4-D X (the height of "
        "grayscale images).",
    ),
    "input_shape_": (
        "tuple of int",
        "Shape of one sample as the network takes it, ``(channels, timepoints)`` or "
        "``(channels, height, width)``; predict refuses samples of any other shape.",
    ),
}
_CLASSIFIER_ATTRIBUTES_DOC = attributes_doc(CLASSIFIER_ATTRIBUTES, **_CONV_ATTRIBUTES)
_REGRESSOR_ATTRIBUTES_DOC = attributes_doc(REGRESSOR_ATTRIBUTES, **_CONV_ATTRIBUTES)

_ANY_INPUT_DOC = """
    Input: images ``(n_samples, channels, height, width)``, series
    ``(n_samples, n_channels, n_timepoints)``, or 2-D rows reshaped with
    ``input_shape``; a 2-D array without ``input_shape`` is a univariate
    series ``(n_samples, 1, n_features)``. Sparse input is refused."""

_IMAGE_INPUT_DOC = """
    Input: images ``(n_samples, channels, height, width)``, grayscale images
    ``(n_samples, height, width)``, or 2-D rows reshaped with
    ``input_shape``; a 2-D array without ``input_shape`` is taken as one-row
    images ``(n_samples, 1, 1, n_features)``. Sparse input is refused."""

_SERIES_INPUT_DOC = """
    Input: series ``(n_samples, n_channels, n_timepoints)`` or 2-D rows
    reshaped with ``input_shape=(n_channels, n_timepoints)``; a 2-D array
    without ``input_shape`` is a univariate series ``(n_samples, 1,
    n_features)``. Images (4-D arrays) are refused. Sparse input is
    refused."""

# Parameters that take an int for every stage or a sequence of one per stage:
# the sequence reaches the network as a tuple, the int unchanged.
_INT_OR_PER_STAGE = [_POSITIVE_INT, PositiveInts(allow_int=False)]


def _adaptive_pool_size_param(default, doc):
    return Param("adaptive_pool_size", default, "int", doc, [_POSITIVE_INT])


# ----------------------------------------------------------------------- CNN
_CNN_PARAMS = (
    Param(
        "filters",
        (32, 64),
        "int or sequence of int",
        """
        Number of filters of each convolution block (convolution, optional
        batch normalisation, activation, pooling); an int is one block.""",
        [PositiveInts()],
    ),
    Param(
        "kernel_size",
        3,
        "int or sequence of int",
        """
        Size of the convolution kernels along every spatial axis: an int for
        every block, or one per block (as many as ``filters``).""",
        _INT_OR_PER_STAGE,
    ),
    Param(
        "pool_size",
        2,
        "int",
        "Size of the max-pooling window after each block (1: no pooling).",
        [_POSITIVE_INT],
    ),
    _adaptive_pool_size_param(
        4,
        """
        The last feature maps are average-pooled to this many positions per
        axis (4 x 4 for images, 4 steps for series) and flattened before the
        dense layers; 1 is global average pooling.  Keeping positions
        matters for shallow networks, whose last maps still carry where a
        feature is.""",
    ),
    _hidden_layer_sizes_param((128,)),
    _dropout_param(0.0, "in the fully connected part"),
    _batch_norm_param(),
    _activation_param("relu"),
    INPUT_SHAPE_PARAM,
)


class _CNNMixin(FineTuningMixin):
    _params = (*_CNN_PARAMS, AUGMENT_PARAM)
    _input = ImageOrSeriesInput

    def _validate_params(self):
        super()._validate_params()
        _check_one_per_stage(self, "kernel_size")

    def _build_module(self, spec):
        return build_network(ConvNet, self, spec)

    @classmethod
    def _get_test_params(cls):
        return {**_TEST_PARAMS, "filters": (4,), "hidden_layer_sizes": (16,)}


class CNNClassifier(_CNNMixin, NeuralClassifier):
    __doc__ = f"""Convolutional neural network classifier on PyTorch.

    A plain convolutional network (:class:`sknets.networks.ConvNet`): blocks
    of convolution, batch normalisation, activation and max pooling, then
    fully connected layers. It runs 2-D convolutions on images and 1-D
    convolutions on series, chosen from the input.
{_ANY_INPUT_DOC}

    Attributes
    ----------{_CLASSIFIER_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.ConvNet`.

    See Also
    --------
    CNNRegressor : The regressor with the same network.
    ResNetClassifier : A deeper residual network.

    References
    ----------
    - LeCun, Bottou, Bengio & Haffner (1998), Gradient-based learning applied to
      document recognition. Proc. IEEE 86(11).
    - Kingma & Ba (2015), Adam: a method for stochastic optimization. ICLR.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknets import CNNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), CNNClassifier(
    ...     filters=(16, 32), hidden_layer_sizes=(32,), input_shape=(1, 8, 8), batch_size=32,
    ...     learning_rate_init=0.01, max_iter=5, random_state=0, device="cpu"),
    ... ).fit(X[:500], y[:500])
    >>> clf.predict(X[:3]).shape
    (3,)
    >>> clf[-1].input_shape_
    (1, 8, 8)
    >>> clf.score(X[:500], y[:500]) > 0.5
    True
    """


class CNNRegressor(_CNNMixin, NeuralRegressor):
    __doc__ = f"""Convolutional neural network regressor on PyTorch.

    A plain convolutional network (:class:`sknets.networks.ConvNet`): blocks
    of convolution, batch normalisation, activation and max pooling, then
    fully connected layers, trained on half the squared error; a 2-D ``y``
    fits several targets. It runs 2-D convolutions on images and 1-D
    convolutions on series, chosen from the input.
{_ANY_INPUT_DOC}

    Attributes
    ----------{_REGRESSOR_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.ConvNet`.

    See Also
    --------
    CNNClassifier : The classifier with the same network.
    ResNetRegressor : A deeper residual network.

    References
    ----------
    - LeCun, Bottou, Bengio & Haffner (1998), Gradient-based learning applied to
      document recognition. Proc. IEEE 86(11).
    - Kingma & Ba (2015), Adam: a method for stochastic optimization. ICLR.

    Examples
    --------
    >>> import numpy as np
    >>> from sknets import CNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(64, 2, 16)).astype(np.float32)  # 2-channel series
    >>> y = X[:, 0].mean(axis=1)
    >>> reg = CNNRegressor(filters=(8,), hidden_layer_sizes=(16,), max_iter=5,
    ...                    random_state=0, device="cpu").fit(X, y)
    >>> reg.predict(X[:4]).shape
    (4,)
    >>> reg.input_shape_
    (2, 16)
    """

    @classmethod
    def _get_test_params(cls):
        # The checks' regression data are 10 tabular features of which one
        # matters; global average pooling only tells the features apart
        # through the edges of a kernel that spans the whole row.
        return {
            **_TEST_PARAMS,
            "filters": (8,),
            "kernel_size": 11,
            "pool_size": 1,
            "adaptive_pool_size": 1,
            "hidden_layer_sizes": (8,),
            "activation": "identity",  # the checks' target is linear in that feature
            "learning_rate_init": 0.0015,
            "batch_size": 32,
            "max_iter": 200,
        }


# --------------------------------------------------------------------- LeNet
class LeNetClassifier(FineTuningMixin, NeuralClassifier):
    __doc__ = f"""LeNet-5 classifier on PyTorch.

    LeCun et al.'s LeNet-5 (:class:`sknets.networks.LeNet5`): two
    convolution and sub-sampling stages, then fully connected layers of 120
    and 84 units. An image-only architecture.
{_IMAGE_INPUT_DOC}

    Attributes
    ----------{_CLASSIFIER_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.LeNet5`.

    See Also
    --------
    CNNClassifier : A configurable convolutional network.

    References
    ----------
    - LeCun, Bottou, Bengio & Haffner (1998), Gradient-based learning applied to
      document recognition. Proc. IEEE 86(11).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknets import LeNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> images = X[:300].reshape(-1, 8, 8) / 16  # grayscale (n, height, width)
    >>> clf = LeNetClassifier(max_iter=3, random_state=0, device="cpu").fit(images, y[:300])
    >>> clf.predict_proba(images[:2]).shape
    (2, 10)
    >>> clf.input_shape_
    (1, 8, 8)
    """

    _params = (
        _activation_param("tanh", ' (LeNet-5 used ``"tanh"``)'),
        INPUT_SHAPE_PARAM,
        AUGMENT_PARAM,
    )
    _input = ImageInput

    def _build_module(self, spec):
        return build_network(LeNet5, self, spec)

    @classmethod
    def _get_test_params(cls):
        return {**_TEST_PARAMS, "batch_size": 32}


# ----------------------------------------------------------------------- VGG
_VGG_PARAMS = (
    Param(
        "filters",
        (64, 128, 256, 512, 512),
        "int or sequence of int",
        """
        Number of filters of the convolutions of each stage (an int: one
        stage); each stage ends with a 2 x 2 max pooling.""",
        [PositiveInts()],
    ),
    Param(
        "n_blocks",
        (1, 1, 2, 2, 2),
        "int or sequence of int",
        """
        Number of 3 x 3 convolutions of each stage, as many as ``filters``
        (an int: as many in every stage).  With the default ``filters``:
        ``(1, 1, 2, 2, 2)`` is VGG-11, ``(2, 2, 2, 2, 2)`` VGG-13, ``(2, 2,
        3, 3, 3)`` VGG-16 and ``(2, 2, 4, 4, 4)`` VGG-19 (Simonyan &
        Zisserman's configurations A, B, D and E).  The former ``"small"``
        configuration, for 8 x 8 to 32 x 32 images, is ``filters=(32, 64,
        128), n_blocks=(1, 1, 2)``.""",
        _INT_OR_PER_STAGE,
    ),
    _hidden_layer_sizes_param((512, 512)),
    _dropout_param(0.5, "in the fully connected part"),
    _batch_norm_param(),
    _adaptive_pool_size_param(
        1,
        """
        The last feature maps are average-pooled to this many positions per
        axis and flattened before the dense layers: 1 is global average
        pooling (right for small images, which the five halvings of VGG
        bring down to one pixel), 7 the paper's layout for 224 x 224 images.""",
    ),
    INPUT_SHAPE_PARAM,
)


class VGGClassifier(FineTuningMixin, NeuralClassifier):
    __doc__ = f"""VGG classifier on PyTorch.

    Simonyan and Zisserman's VGG (:class:`sknets.networks.VGG`): stages of
    3x3 convolutions (``n_blocks`` of them, ``filters`` wide), each stage
    ending with a 2x2 max pooling (a map of a single pixel stays one), then
    global average pooling and fully connected layers; VGG-11 by default.
    An image-only architecture.
{_IMAGE_INPUT_DOC}

    Attributes
    ----------{_CLASSIFIER_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.VGG`.

    See Also
    --------
    CNNClassifier : A smaller configurable convolutional network.

    References
    ----------
    - Simonyan & Zisserman (2015), Very deep convolutional networks for
      large-scale image recognition. ICLR.

    Examples
    --------
    >>> import torch
    >>> from sklearn.datasets import load_digits
    >>> from sknets import VGGClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = VGGClassifier(filters=(8, 16), n_blocks=(1, 1), hidden_layer_sizes=(32,),
    ...                     input_shape=(1, 8, 8), max_iter=3, random_state=0,
    ...                     device="cpu").fit(X[:300] / 16, y[:300])
    >>> clf.predict(X[:3] / 16).shape
    (3,)
    >>> sum(isinstance(m, torch.nn.Conv2d) for m in clf.module_.modules())
    2
    """

    _params = (*_VGG_PARAMS, AUGMENT_PARAM, *PRETRAINED_PARAMS)
    _input = ImageInput

    def _validate_params(self):
        super()._validate_params()
        _check_one_per_stage(self, "n_blocks")

    def _build_module(self, spec):
        return build_image_network(VGG, self, spec)

    @classmethod
    def _get_test_params(cls):
        return {
            **_TEST_PARAMS,
            "filters": (4, 8),
            "n_blocks": (1, 1),
            "hidden_layer_sizes": (16,),
            "dropout": 0.0,
        }


# -------------------------------------------------------------------- ResNet
_RESNET_PARAMS = (
    Param(
        "filters",
        None,
        "int, sequence of int or None",
        """
        Number of filters of each stage (an int: one stage). None: ``(64,
        128, 256, 512)`` for images (ResNet-18's stages; each stage after
        the first halves the resolution) and ``(64, 128, 128)`` for series
        (Wang et al. 2017; the length is kept).""",
        [None, PositiveInts()],
    ),
    Param(
        "n_blocks",
        None,
        "int, sequence of int or None",
        """
        Number of residual blocks of each stage, as many as ``filters`` (an
        int: as many in every stage); the first block of a stage changes
        the width. None: 2 per stage for images (``(2, 2, 2, 2)`` with the
        default ``filters``: ResNet-18; ``(3, 4, 6, 3)`` is ResNet-34) and 1
        for series (``(1, 1, 1)``: Wang et al.'s network).""",
        [None, *_INT_OR_PER_STAGE],
    ),
    Param(
        "kernel_size",
        None,
        "sequence of int or None",
        """
        Series only: the kernel sizes of the convolutions inside each
        residual block, one convolution per entry. None: ``(8, 5, 3)``
        (Wang et al. 2017). Images use torchvision's basic blocks of two
        3x3 convolutions, and ``fit`` refuses another value for them.""",
        [None, PositiveInts(allow_int=False)],
        applies_to=("series",),
    ),
    Param(
        "small_input",
        True,
        "bool",
        """
        Images only: start with a 3x3 convolution and no max pooling (as
        for CIFAR-sized images) instead of ImageNet's 7x7 stride-2
        convolution and max pooling.""",
        ["boolean"],
        applies_to=("images",),
    ),
    INPUT_SHAPE_PARAM,
)


def _network_defaults(network_class):
    """The defaults of the keyword arguments of ``network_class``."""
    return {
        name: argument.default
        for name, argument in inspect.signature(network_class).parameters.items()
        if argument.default is not inspect.Parameter.empty
    }


class _ResNetMixin(FineTuningMixin):
    _params = (*_RESNET_PARAMS, AUGMENT_PARAM, *PRETRAINED_PARAMS)
    _input = ImageOrSeriesInput

    def _validate_params(self):
        super()._validate_params()
        _check_one_per_stage(self, "n_blocks")

    def _build_module(self, spec):
        # Images get He et al.'s ResNet, series Wang et al.'s; the None
        # defaults are each network's own (2 blocks per stage for images, 1
        # for series, whatever the number of stages).
        network = TimeSeriesResNet if spec.spatial_dims == 1 else ResNet
        defaults = _network_defaults(network)
        given = {}
        if self.filters is None:
            given["filters"] = defaults["filters"]
        if self.n_blocks is None:
            given["n_blocks"] = defaults["n_blocks"][0]
        elif self.filters is None and _length(self.n_blocks) != len(defaults["filters"]):
            kind = "series" if network is TimeSeriesResNet else "images"
            raise ValueError(
                f"The 'filters' and 'n_blocks' parameters of {type(self).__name__} must have "
                f"the same length (one entry per stage). Got n_blocks={self.n_blocks!r} and "
                f"filters=None, whose stages for {kind} are {defaults['filters']!r}: set "
                "filters too."
            )
        if network is TimeSeriesResNet and self.kernel_size is None:
            given["kernel_size"] = defaults["kernel_size"]
        if network is TimeSeriesResNet:
            return build_network(network, self, spec, **given)
        return build_image_network(network, self, spec, **given)

    @classmethod
    def _get_test_params(cls):
        # No kernel_size: the tests fit images too, for which it is refused.
        return {**_TEST_PARAMS, "filters": (4, 8), "n_blocks": (1, 1)}


class ResNetClassifier(_ResNetMixin, NeuralClassifier):
    __doc__ = f"""Residual network classifier on PyTorch, for images and series.

    Images get He et al.'s ResNet (:class:`sknets.networks.ResNet`, ResNet-18
    by default); series get Wang et al.'s time-series ResNet
    (:class:`sknets.networks.TimeSeriesResNet`). ``filters`` and
    ``n_blocks`` set the stages of both, with defaults of each kind;
    ``small_input`` acts on images only and ``kernel_size`` on series only,
    and ``fit`` refuses either away from its default on the other kind.
{_ANY_INPUT_DOC}

    The training defaults are scikit-learn's, as the estimator takes images
    too.  For series, the published protocol (Fawaz et al. 2019) reaches
    the published accuracies: ``learning_rate="plateau",
    n_iter_no_change=50, max_iter=1500`` and ``batch_size`` a tenth of the
    training set, at most 64.

    Attributes
    ----------{_CLASSIFIER_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.ResNet` (images) or
        :class:`sknets.networks.TimeSeriesResNet` (series).

    See Also
    --------
    ResNetRegressor : The regressor with the same networks.
    FCNClassifier : The fully convolutional network for series.

    References
    ----------
    - He, Zhang, Ren & Sun (2016), Deep residual learning for image recognition.
      CVPR.
    - Wang, Yan & Oates (2017), Time series classification from scratch with deep
      neural networks: a strong baseline. IJCNN.
    - Ismail Fawaz et al. (2019), Deep learning for time series classification: a
      review. Data Min. Knowl. Disc. 33.

    Examples
    --------
    >>> import numpy as np
    >>> from sknets import ResNetClassifier
    >>> rng = np.random.RandomState(0)
    >>> y = np.arange(60) % 2
    >>> t = np.linspace(0, 1, 24)
    >>> X = np.sin(2 * np.pi * (1 + 2 * y[:, None]) * t) + 0.1 * rng.normal(size=(60, 24))
    >>> clf = ResNetClassifier(filters=(8, 8), max_iter=5, random_state=0,
    ...                        device="cpu").fit(X, y)  # 2-D X: univariate series
    >>> clf.predict(X[:4]).shape
    (4,)
    >>> type(clf.module_).__name__, len(clf.module_.blocks)  # n_blocks=None: 1 per stage
    ('TimeSeriesResNet', 2)
    """


class ResNetRegressor(_ResNetMixin, NeuralRegressor):
    __doc__ = f"""Residual network regressor on PyTorch, for images and series.

    Images get He et al.'s ResNet (:class:`sknets.networks.ResNet`, ResNet-18
    by default); series get Wang et al.'s time-series ResNet
    (:class:`sknets.networks.TimeSeriesResNet`). ``filters`` and
    ``n_blocks`` set the stages of both, with defaults of each kind;
    ``small_input`` acts on images only and ``kernel_size`` on series only,
    and ``fit`` refuses either away from its default on the other kind.
    Trained on half the squared error; a 2-D ``y`` fits several targets.
{_ANY_INPUT_DOC}

    Attributes
    ----------{_REGRESSOR_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.ResNet` (images) or
        :class:`sknets.networks.TimeSeriesResNet` (series).

    See Also
    --------
    ResNetClassifier : The classifier with the same networks.

    References
    ----------
    - He, Zhang, Ren & Sun (2016), Deep residual learning for image recognition.
      CVPR.
    - Wang, Yan & Oates (2017), Time series classification from scratch with deep
      neural networks: a strong baseline. IJCNN.

    Examples
    --------
    >>> import numpy as np
    >>> from sknets import ResNetRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(32, 1, 8, 8)).astype(np.float32)  # images
    >>> y = X.mean(axis=(1, 2, 3))
    >>> reg = ResNetRegressor(filters=(4, 8), n_blocks=(1, 1), max_iter=3, random_state=0,
    ...                       device="cpu").fit(X, y)
    >>> reg.predict(X[:5]).shape
    (5,)
    >>> type(reg.module_).__name__
    'ResNet'
    """

    @classmethod
    def _get_test_params(cls):
        # As CNNRegressor's: a kernel spanning the 10 features of the checks'
        # regression data, so that pooling over time keeps which one matters.
        return {
            **super()._get_test_params(),
            "filters": (8,),
            "n_blocks": (1,),
            "kernel_size": (11,),
            "learning_rate_init": 0.005,
            "batch_size": 32,
            "max_iter": 150,
        }


# ----------------------------------------------------------------- MobileNet
_MOBILENET_PARAMS = (
    Param(
        "width_mult",
        1.0,
        "float",
        """
        Scales the number of channels of every layer (rounded to multiples
        of 8), as torchvision's argument of the same name.""",
        [Interval(Real, 0, None, closed="neither")],
    ),
    _dropout_param(0.2, "before the output layer"),
    Param(
        "small_input",
        True,
        "bool",
        """
        Use stride 1 in the stem and the first downsampling stage (for
        small images such as CIFAR's) instead of ImageNet's strides.""",
        ["boolean"],
    ),
    Param(
        "inverted_residual_setting",
        None,
        "sequence of (t, c, n, s) or None",
        """
        The stages: ``n`` inverted residual blocks with expansion ``t`` and
        ``c`` output channels, the first with stride ``s`` (torchvision's
        argument). None: the paper's seven stages
        (:attr:`sknets.networks.MobileNetV2.SETTINGS`); fewer stages make a
        lighter network for small data.""",
        [None, PositiveIntTuples(length=4)],
    ),
    Param(
        "last_channel",
        1280,
        "int",
        """
        Channels of the last 1 x 1 convolution, whose globally pooled output
        feeds the classifier; scaled by ``width_mult`` only when it exceeds
        1, as in the paper (torchvision's name).""",
        [_POSITIVE_INT],
    ),
    INPUT_SHAPE_PARAM,
)


class MobileNetClassifier(FineTuningMixin, NeuralClassifier):
    __doc__ = f"""MobileNetV2 classifier on PyTorch.

    Sandler et al.'s MobileNetV2 (:class:`sknets.networks.MobileNetV2`):
    inverted residual blocks of depthwise separable convolutions, light
    enough for a CPU. An image-only architecture.
{_IMAGE_INPUT_DOC}

    Attributes
    ----------{_CLASSIFIER_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.MobileNetV2`.

    See Also
    --------
    ResNetClassifier : A residual network for images and series.

    References
    ----------
    - Sandler, Howard, Zhu, Zhmoginov & Chen (2018), MobileNetV2: inverted
      residuals and linear bottlenecks. CVPR.

    Examples
    --------
    >>> import numpy as np
    >>> from sknets import MobileNetClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(40, 3, 8, 8)).astype(np.float32)  # RGB images
    >>> y = np.arange(40) % 2
    >>> clf = MobileNetClassifier(width_mult=0.25, max_iter=2, random_state=0,
    ...                           device="cpu").fit(X, y)
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    _params = (*_MOBILENET_PARAMS, AUGMENT_PARAM, *PRETRAINED_PARAMS)
    _input = ImageInput

    def _build_module(self, spec):
        return build_image_network(MobileNetV2, self, spec)

    @classmethod
    def _get_test_params(cls):
        # One stage and a narrow last layer: with the full network a
        # conformance check takes ~40 s on 2 cores, with this one ~2 s.
        return {
            **_TEST_PARAMS,
            "width_mult": 0.25,
            "inverted_residual_setting": ((6, 8, 1, 2),),
            "last_channel": 64,
            "dropout": 0.0,
        }


# ----------------------------------------------------------------------- FCN
_FCN_PARAMS = (
    Param(
        "filters",
        (128, 256, 128),
        "int or sequence of int",
        """
        Number of filters of each convolution block (convolution, batch
        normalisation, ReLU); an int is one block.""",
        [PositiveInts()],
    ),
    Param(
        "kernel_size",
        (8, 5, 3),
        "int or sequence of int",
        """
        Kernel size of the convolutions: an int for every block, or one per
        block (as many as ``filters``).""",
        _INT_OR_PER_STAGE,
    ),
    INPUT_SHAPE_PARAM,
)


class FCNClassifier(NeuralClassifier):
    __doc__ = f"""Fully convolutional network classifier for time series, on PyTorch.

    Wang et al.'s FCN (:class:`sknets.networks.FCN`): 1-D convolution blocks
    with batch normalisation and ReLU, global average pooling and a linear
    output layer. A series-only architecture.
{_SERIES_INPUT_DOC}

    The training defaults are the published protocol (Wang et al. 2017,
    Fawaz et al. 2019), not scikit-learn's: batches of 16 (Fawaz et al.
    take a tenth of the training set when that is fewer: 5 rows for
    GunPoint's 50 series), Adam at 1e-3, the learning rate halved
    whenever the training loss stalls for 50 epochs, down to 1e-4
    (``learning_rate="plateau"``), 2,000 epochs, and the weights of the
    epoch with the lowest training loss kept (the convolutional family's
    page gives the time on GunPoint); ``learning_rate="adaptive"`` stops
    earlier (when the rate, divided by 5 on each stall, falls below 1e-6).

    Attributes
    ----------{_CLASSIFIER_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.FCN`.

    See Also
    --------
    ResNetClassifier : The time-series ResNet, FCN's deeper relative.

    References
    ----------
    - Wang, Yan & Oates (2017), Time series classification from scratch with deep
      neural networks: a strong baseline. IJCNN.
    - Ismail Fawaz et al. (2019), Deep learning for time series classification: a
      review. Data Min. Knowl. Disc. 33.

    Examples
    --------
    >>> import numpy as np
    >>> from sknets import FCNClassifier
    >>> rng = np.random.RandomState(0)
    >>> y = np.arange(60) % 2
    >>> t = np.linspace(0, 1, 24)
    >>> X = np.sin(2 * np.pi * (1 + 2 * y[:, None]) * t) + 0.1 * rng.normal(size=(60, 24))
    >>> X = X[:, None, :]  # (n_samples, n_channels, n_timepoints)
    >>> clf = FCNClassifier(filters=(8, 8), kernel_size=(5, 3), max_iter=5, random_state=0,
    ...                     device="cpu").fit(X, y)
    >>> clf.predict(X[:4]).shape
    (4,)
    >>> clf.input_shape_
    (1, 24)
    """

    _params = _FCN_PARAMS
    _defaults = {
        "batch_size": 16,
        "learning_rate": "plateau",
        "max_iter": 2000,
        "n_iter_no_change": 50,
    }
    _input = SeriesInput

    def _validate_params(self):
        super()._validate_params()
        _check_one_per_stage(self, "kernel_size")

    def _build_module(self, spec):
        return build_network(FCN, self, spec)

    @classmethod
    def _get_test_params(cls):
        # scikit-learn's batch and schedule defaults: the checks' short fits
        # need neither the published protocol nor its small batches.
        return {
            **_TEST_PARAMS,
            "filters": (4, 8),
            "kernel_size": (3, 3),
            "batch_size": "auto",
            "learning_rate": "constant",
            "n_iter_no_change": 10,
        }
