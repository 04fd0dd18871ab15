"""Convolutional network estimators: CNN, LeNet-5, VGG, ResNet, MobileNetV2, FCN.

Each estimator is a thin wrapper around a network of
:mod:`sknets.networks`: its own parameters, the input adapter
(:mod:`sknets._inputs._conv`, which owns the image and series rules) and
``_build_module``.
"""

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions

from ._inputs import ImageInput, ImageOrSeriesInput, SeriesInput
from ._mlp import ACTIVATION_TYPE_DOC
from ._params import (
    CLASSIFIER_ATTRIBUTES,
    INPUT_SHAPE_PARAM,
    REGRESSOR_ATTRIBUTES,
    Param,
    PositiveInts,
    PositiveIntTuples,
    as_positive_ints,
    attributes_doc,
)
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


def _ints(value):
    """A validated int-or-sequence parameter as a tuple of ints (empty allowed)."""
    return as_positive_ints(value, allow_empty=True)


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

# ----------------------------------------------------------------------- CNN
# ----------------------------------------------------------------------- CNN
_CNN_PARAMS = (
    Param(
        "filters",
        (32, 64),
        "int or sequence of int",
        """
        Number of filters of each convolution block (convolution, optional
        batch normalisation, activation, pooling).""",
        [PositiveInts()],
    ),
    Param(
        "kernel_size",
        3,
        "int",
        "Size of the convolution kernels (along every spatial axis).",
        [_POSITIVE_INT],
    ),
    Param(
        "pool_size",
        2,
        "int",
        "Size of the max-pooling window after each block (1: no pooling).",
        [_POSITIVE_INT],
    ),
    Param(
        "pooled_size",
        4,
        "int",
        """
        The last feature maps are average-pooled to this many positions per
        axis (4 x 4 for images, 4 steps for series) and flattened before the
        dense layers; 1 is global average pooling.  Keeping positions
        matters for shallow networks, whose last maps still carry where a
        feature is.""",
        [_POSITIVE_INT],
    ),
    _hidden_layer_sizes_param((128,)),
    _dropout_param(0.0, "in the fully connected part"),
    _batch_norm_param(),
    _activation_param("relu"),
    INPUT_SHAPE_PARAM,
)


class _CNNMixin:
    _params = _CNN_PARAMS
    _input = ImageOrSeriesInput

    def _build_module(self, spec):
        return ConvNet(
            in_channels=spec.in_channels,
            n_outputs=spec.n_outputs,
            spatial_dims=spec.spatial_dims,
            filters=_ints(self.filters),
            kernel_size=self.kernel_size,
            pool_size=self.pool_size,
            pooled_size=self.pooled_size,
            hidden_layer_sizes=_ints(self.hidden_layer_sizes),
            dropout=self.dropout,
            batch_norm=self.batch_norm,
            activation=self.activation,
        )

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
            "pooled_size": 1,
            "hidden_layer_sizes": (8,),
            "activation": "identity",  # the checks' target is linear in that feature
            "learning_rate_init": 0.0015,
            "batch_size": 32,
            "max_iter": 200,
        }


# --------------------------------------------------------------------- LeNet
class LeNetClassifier(NeuralClassifier):
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

    _params = (_activation_param("tanh", ' (LeNet-5 used ``"tanh"``)'), INPUT_SHAPE_PARAM)
    _input = ImageInput

    def _build_module(self, spec):
        return LeNet5(
            in_channels=spec.in_channels,
            n_outputs=spec.n_outputs,
            spatial_dims=spec.spatial_dims,
            activation=self.activation,
        )

    @classmethod
    def _get_test_params(cls):
        return {**_TEST_PARAMS, "batch_size": 32}


# ----------------------------------------------------------------------- VGG
_VGG_NAMES = {"vgg11", "vgg13", "vgg16", "vgg19", "small"}


_VGG_PARAMS = (
    Param(
        "blocks",
        "vgg11",
        '{"vgg11", "vgg13", "vgg16", "vgg19", "small"} or sequence of sequence of int',
        """
        A named configuration, or the filters of each convolution of each
        block: ``((64,), (128,), (256, 256), (512, 512), (512, 512))`` is
        VGG-11.""",
        [StrOptions(_VGG_NAMES), PositiveIntTuples()],
    ),
    _hidden_layer_sizes_param((512, 512)),
    _dropout_param(0.5, "in the fully connected part"),
    _batch_norm_param(),
    Param(
        "pooled_size",
        1,
        "int",
        """
        The last feature maps are average-pooled to this many positions per
        axis and flattened before the dense layers: 1 is global average
        pooling (right for small images, which the five halvings of VGG
        bring down to one pixel), 7 the paper's layout for 224 x 224 images.""",
        [_POSITIVE_INT],
    ),
    INPUT_SHAPE_PARAM,
)


class VGGClassifier(NeuralClassifier):
    __doc__ = f"""VGG classifier on PyTorch.

    Simonyan and Zisserman's VGG (:class:`sknets.networks.VGG`): blocks of
    3x3 convolutions, each block ending with a 2x2 max pooling (a map of a
    single pixel stays one), then global average pooling and fully
    connected layers. An image-only architecture.
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
    >>> from sklearn.datasets import load_digits
    >>> from sknets import VGGClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = VGGClassifier(blocks=((8,), (16,)), hidden_layer_sizes=(32,), input_shape=(1, 8, 8),
    ...                     max_iter=3, random_state=0, device="cpu").fit(X[:300] / 16, y[:300])
    >>> clf.predict(X[:3] / 16).shape
    (3,)
    """

    _params = _VGG_PARAMS
    _input = ImageInput

    def _build_module(self, spec):
        blocks = self.blocks
        return VGG(
            in_channels=spec.in_channels,
            n_outputs=spec.n_outputs,
            spatial_dims=spec.spatial_dims,
            blocks=blocks if isinstance(blocks, str) else PositiveIntTuples().convert(blocks),
            hidden_layer_sizes=_ints(self.hidden_layer_sizes),
            dropout=self.dropout,
            batch_norm=self.batch_norm,
            pooled_size=self.pooled_size,
        )

    @classmethod
    def _get_test_params(cls):
        return {
            **_TEST_PARAMS,
            "blocks": ((4,), (8,)),
            "hidden_layer_sizes": (16,),
            "dropout": 0.0,
        }


# -------------------------------------------------------------------- ResNet
def _sequence_param(name, default, doc):
    return Param(name, default, "sequence of int", doc, [PositiveInts(allow_int=False)])


_RESNET_PARAMS = (
    _sequence_param(
        "layers",
        (2, 2, 2, 2),
        """
        Images only: number of residual blocks in each stage; (2, 2, 2, 2)
        is ResNet-18.""",
    ),
    Param(
        "base_filters",
        64,
        "int",
        "Images only: filters of the first stage, doubled at each later stage.",
        [_POSITIVE_INT],
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
    ),
    _sequence_param(
        "series_filters",
        (64, 128, 128),
        """
        Series only: filters of each residual block of the time-series
        ResNet (Wang et al., 2017).""",
    ),
    _sequence_param(
        "series_kernel_size",
        (8, 5, 3),
        """
        Series only: kernel sizes of the convolutions inside each residual
        block of the time-series ResNet.""",
    ),
    INPUT_SHAPE_PARAM,
)


class _ResNetMixin:
    _params = _RESNET_PARAMS
    _input = ImageOrSeriesInput

    def _build_module(self, spec):
        if spec.spatial_dims == 1:
            return TimeSeriesResNet(
                in_channels=spec.in_channels,
                n_outputs=spec.n_outputs,
                filters=_ints(self.series_filters),
                kernel_size=_ints(self.series_kernel_size),
            )
        return ResNet(
            in_channels=spec.in_channels,
            n_outputs=spec.n_outputs,
            spatial_dims=spec.spatial_dims,
            layers=_ints(self.layers),
            base_filters=self.base_filters,
            small_input=self.small_input,
        )

    @classmethod
    def _get_test_params(cls):
        return {
            **_TEST_PARAMS,
            "layers": (1,),
            "base_filters": 4,
            "series_filters": (4, 8),
            "series_kernel_size": (3,),
        }


class ResNetClassifier(_ResNetMixin, NeuralClassifier):
    __doc__ = f"""Residual network classifier on PyTorch, for images and series.

    Images get He et al.'s ResNet (:class:`sknets.networks.ResNet`, set by
    ``layers``, ``base_filters`` and ``small_input``); series get Wang et
    al.'s time-series ResNet (:class:`sknets.networks.TimeSeriesResNet`, set
    by ``series_filters`` and ``series_kernel_size``). The parameters of the
    other kind are ignored.
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
    >>> clf = ResNetClassifier(series_filters=(8, 8), max_iter=5, random_state=0,
    ...                        device="cpu").fit(X, y)  # 2-D X: univariate series
    >>> clf.predict(X[:4]).shape
    (4,)
    >>> type(clf.module_).__name__
    'TimeSeriesResNet'
    """


class ResNetRegressor(_ResNetMixin, NeuralRegressor):
    __doc__ = f"""Residual network regressor on PyTorch, for images and series.

    Images get He et al.'s ResNet (:class:`sknets.networks.ResNet`, set by
    ``layers``, ``base_filters`` and ``small_input``); series get Wang et
    al.'s time-series ResNet (:class:`sknets.networks.TimeSeriesResNet`, set
    by ``series_filters`` and ``series_kernel_size``). The parameters of the
    other kind are ignored. Trained on half the squared error; a 2-D ``y``
    fits several targets.
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
    >>> reg = ResNetRegressor(layers=(1, 1), base_filters=4, max_iter=3, random_state=0,
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
            "series_filters": (8,),
            "series_kernel_size": (11,),
            "learning_rate_init": 0.005,
            "batch_size": 32,
            "max_iter": 150,
        }


# ----------------------------------------------------------------- MobileNet
_MOBILENET_PARAMS = (
    Param(
        "width_multiplier",
        1.0,
        "float",
        "Scales the number of channels of every layer.",
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
        "last_channels",
        1280,
        "int",
        """
        Channels of the last 1 x 1 convolution, whose globally pooled output
        feeds the classifier; scaled by ``width_multiplier`` only when it
        exceeds 1, as in the paper.""",
        [_POSITIVE_INT],
    ),
    INPUT_SHAPE_PARAM,
)


class MobileNetClassifier(NeuralClassifier):
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
    >>> clf = MobileNetClassifier(width_multiplier=0.25, max_iter=2, random_state=0,
    ...                           device="cpu").fit(X, y)
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    _params = _MOBILENET_PARAMS
    _input = ImageInput

    def _build_module(self, spec):
        setting = self.inverted_residual_setting
        return MobileNetV2(
            in_channels=spec.in_channels,
            n_outputs=spec.n_outputs,
            spatial_dims=spec.spatial_dims,
            width_multiplier=self.width_multiplier,
            dropout=self.dropout,
            small_input=self.small_input,
            inverted_residual_setting=(
                None if setting is None else PositiveIntTuples(length=4).convert(setting)
            ),
            last_channels=self.last_channels,
        )

    @classmethod
    def _get_test_params(cls):
        # One stage and a narrow last layer: with the full network a
        # conformance check takes ~40 s on 2 cores, with this one ~2 s.
        return {
            **_TEST_PARAMS,
            "width_multiplier": 0.25,
            "inverted_residual_setting": ((6, 8, 1, 2),),
            "last_channels": 64,
            "dropout": 0.0,
        }


# ----------------------------------------------------------------------- FCN
_FCN_PARAMS = (
    _sequence_param("filters", (128, 256, 128), "Filters of each convolution block."),
    _sequence_param(
        "kernel_size",
        (8, 5, 3),
        "Kernel size of each convolution block, as many as ``filters``.",
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
        if len(_ints(self.filters)) != len(_ints(self.kernel_size)):
            raise InvalidParameterError(
                f"The 'filters' and 'kernel_size' parameters of {type(self).__name__} must "
                f"have the same length. Got filters={self.filters!r} and "
                f"kernel_size={self.kernel_size!r} instead."
            )

    def _build_module(self, spec):
        return FCN(
            in_channels=spec.in_channels,
            n_outputs=spec.n_outputs,
            filters=_ints(self.filters),
            kernel_size=_ints(self.kernel_size),
        )

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
