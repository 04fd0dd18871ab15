"""Convolutional network estimators: CNN, LeNet-5, VGG, ResNet, MobileNetV2, FCN.

Each estimator is a thin wrapper around a network of
:mod:`sknets.networks`; the input handling shared by all of them lives in
:class:`_ConvInputMixin`.  Rules (DESIGN.md, "Input conventions"):

* a 4-D array is images ``(n_samples, channels, height, width)``;
* a 3-D array is series ``(n_samples, channels, timepoints)`` for the
  estimators that take series, and grayscale images
  ``(n_samples, height, width)`` for the image-only architectures (LeNet,
  VGG, MobileNet);
* 2-D rows with ``input_shape`` are reshaped to ``(n_samples, *input_shape)``
  and then follow the two rules above, so that a ``StandardScaler`` can run
  first in a pipeline;
* a 2-D array without ``input_shape`` is a univariate series ``(n, 1, T)``
  for the estimators that take series, and a one-row image ``(n, 1, 1, F)``
  for the image-only ones.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._docstrings import (
    CLASS_WEIGHT_DOC,
    DEVICE_AND_DTYPE_DOC,
    TRAINING_PARAMETERS_DOC,
    with_defaults,
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

_VGG_NAMES = {"vgg11", "vgg13", "vgg16", "vgg19", "small"}
_POSITIVE_INT = Interval(Integral, 1, None, closed="left")
_PROBABILITY = Interval(Real, 0, 1, closed="left")


def _is_positive_int(value):
    return isinstance(value, Integral | np.integer) and not isinstance(value, bool) and value >= 1


def _positive_int_tuples(value, length=None):
    """``value`` as a non-empty tuple of non-empty tuples of positive ints, or None."""
    try:
        groups = [tuple(group) for group in value]
    except TypeError:
        return None
    if not groups or not all(
        group
        and (length is None or len(group) == length)
        and all(_is_positive_int(v) for v in group)
        for group in groups
    ):
        return None
    return tuple(tuple(int(v) for v in group) for group in groups)


class _ConvInputMixin:
    """Input handling shared by every convolutional estimator.

    ``_input_kind`` says what the architecture takes: ``"any"`` (series and
    images), ``"images"`` (images only) or ``"series"`` (series only).
    ``_int_sequences`` names the parameters that are sequences of positive
    ints, mapped to whether a single int and an empty sequence are allowed.
    """

    _input_kind = "any"
    _int_sequences: dict = {}

    # ------------------------------------------------------------ parameters
    def _validate_params(self):
        super()._validate_params()
        if self.input_shape is not None:
            shape = self._positive_ints("input_shape", allow_int=False)
            if not 1 <= len(shape) <= 3:
                raise InvalidParameterError(
                    f"The 'input_shape' parameter of {type(self).__name__} must be None or "
                    "the shape of one sample, (channels, timepoints) or (channels, height, "
                    f"width). Got {self.input_shape!r} instead."
                )
        for name, (allow_int, allow_empty) in self._int_sequences.items():
            self._positive_ints(name, allow_int=allow_int, allow_empty=allow_empty)

    def _positive_ints(self, name, *, allow_int=True, allow_empty=False):
        """The parameter ``name`` as a tuple of positive ints, or InvalidParameterError."""
        value = getattr(self, name)
        if allow_int and isinstance(value, Integral) and not isinstance(value, bool):
            values = [value]
        else:
            try:
                values = list(value)
            except TypeError:
                values = None
        valid = (
            values is not None
            and (allow_empty or len(values) > 0)
            and all(_is_positive_int(v) for v in values)
        )
        if not valid:
            what = "an int in the range [1, inf) or a" if allow_int else "a"
            empty = "possibly empty " if allow_empty else "non-empty "
            raise InvalidParameterError(
                f"The '{name}' parameter of {type(self).__name__} must be {what} "
                f"{empty}sequence of ints in the range [1, inf). Got {value!r} instead."
            )
        return tuple(int(v) for v in values)

    # ----------------------------------------------------------------- input
    def _validate_training_data(self, X, y, *, reset, dtype):
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse=False,
            dtype=dtype,
            allow_nd=True,
            multi_output=True,
            y_numeric=self._y_numeric,
        )
        X = self._network_layout(X)
        if reset:
            self.input_shape_ = tuple(int(size) for size in X.shape[1:])
        else:
            self._check_input_shape(X)
        return X, y

    def _validate_predict_data(self, X):
        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, accept_sparse=False, dtype=self._fitted_dtype, allow_nd=True
        )
        X = self._network_layout(X)
        self._check_input_shape(X)
        return X

    def _check_input_shape(self, X):
        got = tuple(int(size) for size in X.shape[1:])
        if got != self.input_shape_:
            raise ValueError(
                f"X has samples of shape {got} (channels first, as the network takes "
                f"them), but {type(self).__name__} was fitted on samples of shape "
                f"{self.input_shape_}: expected {self.input_shape_}, got {got}."
            )

    def _network_layout(self, X):
        """X (validated, floating) as a view of shape (n, C, T) or (n, C, H, W)."""
        name = type(self).__name__
        n_samples = X.shape[0]
        if self.input_shape is not None:
            shape = self._positive_ints("input_shape", allow_int=False)
            if X.ndim == 2:
                if int(np.prod(shape)) != X.shape[1]:
                    raise ValueError(
                        f"input_shape={shape} holds {int(np.prod(shape))} values per sample, "
                        f"but X has {X.shape[1]} features per row; {name} reshapes each "
                        "row to input_shape, so the two numbers must be equal."
                    )
                X = X.reshape(n_samples, *shape)
            elif X.shape[1:] != shape:
                raise ValueError(
                    f"X has samples of shape {X.shape[1:]}, but input_shape={shape}. "
                    "input_shape describes how 2-D rows are reshaped; pass 2-D rows, or "
                    "leave input_shape=None for arrays that already have their shape."
                )
        if X.ndim == 2:
            # A univariate series (n, 1, T), or a one-row image (n, 1, 1, F).
            X = X[:, None, None, :] if self._input_kind == "images" else X[:, None, :]
        elif X.ndim == 3 and self._input_kind == "images":
            X = X[:, None, :, :]  # grayscale images (n, H, W)
        elif X.ndim == 4 and self._input_kind == "series":
            raise ValueError(
                f"{name} takes series of shape (n_samples, n_channels, n_timepoints) or "
                f"2-D rows, but got a 4-D array of shape {X.shape} (images). Use "
                "CNNClassifier or ResNetClassifier for images."
            )
        elif X.ndim > 4:
            kinds = {
                "any": "series (n_samples, n_channels, n_timepoints) or images "
                "(n_samples, channels, height, width)",
                "images": "images (n_samples, channels, height, width) or "
                "(n_samples, height, width)",
                "series": "series (n_samples, n_channels, n_timepoints)",
            }
            raise ValueError(
                f"{name} takes 2-D rows or {kinds[self._input_kind]}, but got a "
                f"{X.ndim}-D array of shape {X.shape}."
            )
        if 0 in X.shape[1:]:
            raise ValueError(
                f"Found array with a sample shape of {X.shape[1:]} while a minimum of 1 is "
                f"required by {name} along every axis."
            )
        return X

    @staticmethod
    def _spatial_dims(sample_shape):
        return len(sample_shape) - 1

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.three_d_array = True
        return tags


_INPUT_SHAPE_DOC = """
    input_shape : tuple of int or None, default=None
        Shape of one sample, channels first, into which each 2-D row of X is
        reshaped: ``(channels, height, width)`` for images or ``(channels,
        timepoints)`` for series (``(height, width)`` is grayscale for the
        image-only estimators). Lets a ``StandardScaler`` (or any 2-D step)
        run first in a pipeline. Its product must equal the number of
        features. Ignored (but checked) for 3-D and 4-D X."""

_FCNTRAINING_PARAMETERS_DOC = with_defaults(
    TRAINING_PARAMETERS_DOC,
    batch_size=16,
    learning_rate="plateau",
    max_iter=2000,
    n_iter_no_change=50,
)


_ATTRIBUTES_DOC = """
    n_features_in_ : int
        Size of the second axis of X seen during fit, as in scikit-learn:
        the number of features of 2-D X, the number of channels of 3-D and
        4-D X (the height of grayscale images).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during fit, when X was a DataFrame.
    input_shape_ : tuple of int
        Shape of one sample as the network takes it, ``(channels,
        timepoints)`` or ``(channels, height, width)``; predict refuses
        samples of any other shape.
    n_outputs_ : int
        Number of output units.
    n_iter_ : int
        Number of epochs run.
    t_ : int
        Number of training samples seen.
    loss_ : float
        Training loss of the last epoch (without the L2 term).
    loss_curve_ : list of float
        Training loss after each epoch.
    best_loss_ : float or None
        Lowest training loss (None with early stopping).
    validation_scores_ : list of float or None
        Validation score after each epoch (None without early stopping).
    best_validation_score_ : float or None
        Best validation score (None without early stopping).
    history_ : skorch.History
        Per-epoch record: train_loss, valid_loss, valid_score, lr, dur.
    device_ : torch.device
        Device the model was trained on."""

_CLASSES_DOC = """
    classes_ : ndarray of shape (n_classes,)
        Class labels (label indices for multilabel targets)."""

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
_CNN_CONSTRAINTS = {
    "filters": ["array-like", _POSITIVE_INT],
    "kernel_size": [_POSITIVE_INT],
    "pool_size": [_POSITIVE_INT],
    "pooled_size": [_POSITIVE_INT],
    "dense_layers": ["array-like", _POSITIVE_INT],
    "dropout": [_PROBABILITY],
    "batch_norm": ["boolean"],
    "activation": [StrOptions(set(ACTIVATIONS))],
    "input_shape": [None, "array-like"],
}

_CNN_PARAMETERS_DOC = """
    filters : int or sequence of int, default=(32, 64)
        Number of filters of each convolution block (convolution, optional
        batch normalisation, activation, pooling).
    kernel_size : int, default=3
        Size of the convolution kernels (along every spatial axis).
    pool_size : int, default=2
        Size of the max-pooling window after each block (1: no pooling).
    pooled_size : int, default=4
        The last feature maps are average-pooled to this many positions per
        axis (4 x 4 for images, 4 steps for series) and flattened before the
        dense layers; 1 is global average pooling.  Keeping positions
        matters for shallow networks: on Fashion-MNIST, 10 epochs of the
        default network score 81.8 % with global pooling.
    dense_layers : int or sequence of int, default=(128,)
        Width of each fully connected layer between the convolutions and the
        output layer; empty for none.
    dropout : float, default=0.0
        Dropout probability in the fully connected part.
    batch_norm : bool, default=True
        Batch normalisation after each convolution.
    activation : {"identity", "logistic", "tanh", "relu", "leaky_relu", "elu", \
"gelu", "silu"}, default="relu"
        Activation of the hidden layers."""


class _CNNMixin(_ConvInputMixin):
    _input_kind = "any"
    _int_sequences = {"filters": (True, False), "dense_layers": (True, True)}

    def _build_module(self, sample_shape, n_outputs):
        return ConvNet(
            in_channels=sample_shape[0],
            n_outputs=n_outputs,
            spatial_dims=self._spatial_dims(sample_shape),
            filters=self._positive_ints("filters"),
            kernel_size=self.kernel_size,
            pool_size=self.pool_size,
            pooled_size=self.pooled_size,
            dense_layers=self._positive_ints("dense_layers", allow_empty=True),
            dropout=self.dropout,
            batch_norm=self.batch_norm,
            activation=self.activation,
        )

    @classmethod
    def _get_test_params(cls):
        return {**_TEST_PARAMS, "filters": (4,), "dense_layers": (16,)}


class CNNClassifier(_CNNMixin, NeuralClassifier):
    __doc__ = f"""Convolutional neural network classifier on PyTorch.

    A plain convolutional network (:class:`sknets.networks.ConvNet`): blocks
    of convolution, batch normalisation, activation and max pooling, then
    fully connected layers. It runs 2-D convolutions on images and 1-D
    convolutions on series, chosen from the input.
{_ANY_INPUT_DOC}

    Parameters
    ----------{_CNN_PARAMETERS_DOC}{_INPUT_SHAPE_DOC}{TRAINING_PARAMETERS_DOC}\
{CLASS_WEIGHT_DOC}{DEVICE_AND_DTYPE_DOC}

    Attributes
    ----------{_CLASSES_DOC}{_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.ConvNet`.

    See Also
    --------
    CNNRegressor : The regressor with the same network.
    ResNetClassifier : A deeper residual network.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknets import CNNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), CNNClassifier(
    ...     filters=(16, 32), dense_layers=(32,), input_shape=(1, 8, 8), batch_size=32,
    ...     learning_rate_init=0.01, max_iter=5, random_state=0, device="cpu"),
    ... ).fit(X[:500], y[:500])
    >>> clf.predict(X[:3]).shape
    (3,)
    >>> clf[-1].input_shape_
    (1, 8, 8)
    >>> clf.score(X[:500], y[:500]) > 0.5
    True
    """

    _parameter_constraints = {**NeuralClassifier._parameter_constraints, **_CNN_CONSTRAINTS}

    def __init__(
        self,
        *,
        filters=(32, 64),
        kernel_size=3,
        pool_size=2,
        pooled_size=4,
        dense_layers=(128,),
        dropout=0.0,
        batch_norm=True,
        activation="relu",
        input_shape=None,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=0,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        class_weight=None,
        device="auto",
        dtype="float32",
    ):
        self._set_init_params(locals())


class CNNRegressor(_CNNMixin, NeuralRegressor):
    __doc__ = f"""Convolutional neural network regressor on PyTorch.

    A plain convolutional network (:class:`sknets.networks.ConvNet`): blocks
    of convolution, batch normalisation, activation and max pooling, then
    fully connected layers, trained on half the squared error; a 2-D ``y``
    fits several targets. It runs 2-D convolutions on images and 1-D
    convolutions on series, chosen from the input.
{_ANY_INPUT_DOC}

    Parameters
    ----------{_CNN_PARAMETERS_DOC}{_INPUT_SHAPE_DOC}{TRAINING_PARAMETERS_DOC}{DEVICE_AND_DTYPE_DOC}

    Attributes
    ----------{_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.ConvNet`.

    See Also
    --------
    CNNClassifier : The classifier with the same network.
    ResNetRegressor : A deeper residual network.

    Examples
    --------
    >>> import numpy as np
    >>> from sknets import CNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(64, 2, 16)).astype(np.float32)  # 2-channel series
    >>> y = X[:, 0].mean(axis=1)
    >>> reg = CNNRegressor(filters=(8,), dense_layers=(16,), max_iter=5,
    ...                    random_state=0, device="cpu").fit(X, y)
    >>> reg.predict(X[:4]).shape
    (4,)
    >>> reg.input_shape_
    (2, 16)
    """

    _parameter_constraints = {**NeuralRegressor._parameter_constraints, **_CNN_CONSTRAINTS}

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
            "dense_layers": (8,),
            "activation": "identity",  # the checks' target is linear in that feature
            "learning_rate_init": 0.0015,
            "batch_size": 32,
            "max_iter": 200,
        }

    def __init__(
        self,
        *,
        filters=(32, 64),
        kernel_size=3,
        pool_size=2,
        pooled_size=4,
        dense_layers=(128,),
        dropout=0.0,
        batch_norm=True,
        activation="relu",
        input_shape=None,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=0,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        device="auto",
        dtype="float32",
    ):
        self._set_init_params(locals())


# --------------------------------------------------------------------- LeNet
class LeNetClassifier(_ConvInputMixin, NeuralClassifier):
    __doc__ = f"""LeNet-5 classifier on PyTorch.

    LeCun et al.'s LeNet-5 (:class:`sknets.networks.LeNet5`): two
    convolution and sub-sampling stages, then fully connected layers of 120
    and 84 units. An image-only architecture.
{_IMAGE_INPUT_DOC}

    Parameters
    ----------
    activation : {{"identity", "logistic", "tanh", "relu", "leaky_relu", "elu", \
"gelu", "silu"}}, default="tanh"
        Activation of the hidden layers (LeNet-5 used ``"tanh"``).\
{_INPUT_SHAPE_DOC}{TRAINING_PARAMETERS_DOC}{CLASS_WEIGHT_DOC}{DEVICE_AND_DTYPE_DOC}

    Attributes
    ----------{_CLASSES_DOC}{_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.LeNet5`.

    See Also
    --------
    CNNClassifier : A configurable convolutional network.

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

    _input_kind = "images"
    _parameter_constraints = {
        **NeuralClassifier._parameter_constraints,
        "activation": [StrOptions(set(ACTIVATIONS))],
        "input_shape": [None, "array-like"],
    }

    def __init__(
        self,
        *,
        activation="tanh",
        input_shape=None,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=0,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        class_weight=None,
        device="auto",
        dtype="float32",
    ):
        self._set_init_params(locals())

    def _build_module(self, sample_shape, n_outputs):
        return LeNet5(
            in_channels=sample_shape[0],
            n_outputs=n_outputs,
            spatial_dims=self._spatial_dims(sample_shape),
            activation=self.activation,
        )

    @classmethod
    def _get_test_params(cls):
        return {**_TEST_PARAMS, "batch_size": 32}


# ----------------------------------------------------------------------- VGG
class VGGClassifier(_ConvInputMixin, NeuralClassifier):
    __doc__ = f"""VGG classifier on PyTorch.

    Simonyan and Zisserman's VGG (:class:`sknets.networks.VGG`): blocks of
    3x3 convolutions, each block ending with a 2x2 max pooling (a map of a
    single pixel stays one), then global average pooling and fully
    connected layers. An image-only architecture.
{_IMAGE_INPUT_DOC}

    Parameters
    ----------
    blocks : {{"vgg11", "vgg13", "vgg16", "vgg19", "small"}} or sequence of \
sequence of int, default="vgg11"
        A named configuration, or the filters of each convolution of each
        block: ``((64,), (128,), (256, 256), (512, 512), (512, 512))`` is
        VGG-11.
    dense_layers : int or sequence of int, default=(512, 512)
        Width of each fully connected layer before the output layer; empty
        for none.
    dropout : float, default=0.5
        Dropout probability in the fully connected part.
    batch_norm : bool, default=True
        Batch normalisation after each convolution.
    pooled_size : int, default=1
        The last feature maps are average-pooled to this many positions per
        axis and flattened before the dense layers: 1 is global average
        pooling (right for small images, which the five halvings of VGG
        bring down to one pixel), 7 the paper's layout for 224 x 224 images.\
{_INPUT_SHAPE_DOC}{TRAINING_PARAMETERS_DOC}{CLASS_WEIGHT_DOC}{DEVICE_AND_DTYPE_DOC}

    Attributes
    ----------{_CLASSES_DOC}{_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.VGG`.

    See Also
    --------
    CNNClassifier : A smaller configurable convolutional network.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknets import VGGClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = VGGClassifier(blocks=((8,), (16,)), dense_layers=(32,), input_shape=(1, 8, 8),
    ...                     max_iter=3, random_state=0, device="cpu").fit(X[:300] / 16, y[:300])
    >>> clf.predict(X[:3] / 16).shape
    (3,)
    """

    _input_kind = "images"
    _parameter_constraints = {
        **NeuralClassifier._parameter_constraints,
        "blocks": [StrOptions(_VGG_NAMES), "array-like"],
        "dense_layers": ["array-like", _POSITIVE_INT],
        "dropout": [_PROBABILITY],
        "batch_norm": ["boolean"],
        "pooled_size": [_POSITIVE_INT],
        "input_shape": [None, "array-like"],
    }
    _int_sequences = {"dense_layers": (True, True)}

    def __init__(
        self,
        *,
        blocks="vgg11",
        dense_layers=(512, 512),
        dropout=0.5,
        batch_norm=True,
        pooled_size=1,
        input_shape=None,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=0,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        class_weight=None,
        device="auto",
        dtype="float32",
    ):
        self._set_init_params(locals())

    def _validate_params(self):
        super()._validate_params()
        self._vgg_blocks()

    def _vgg_blocks(self):
        if isinstance(self.blocks, str):
            return self.blocks
        blocks = _positive_int_tuples(self.blocks)
        if blocks is None:
            raise InvalidParameterError(
                f"The 'blocks' parameter of {type(self).__name__} must be a str among "
                f"{sorted(_VGG_NAMES)} or a non-empty sequence of non-empty sequences of "
                f"ints in the range [1, inf). Got {self.blocks!r} instead."
            )
        return blocks

    def _build_module(self, sample_shape, n_outputs):
        return VGG(
            in_channels=sample_shape[0],
            n_outputs=n_outputs,
            spatial_dims=self._spatial_dims(sample_shape),
            blocks=self._vgg_blocks(),
            dense_layers=self._positive_ints("dense_layers", allow_empty=True),
            dropout=self.dropout,
            batch_norm=self.batch_norm,
            pooled_size=self.pooled_size,
        )

    @classmethod
    def _get_test_params(cls):
        return {**_TEST_PARAMS, "blocks": ((4,), (8,)), "dense_layers": (16,), "dropout": 0.0}


# -------------------------------------------------------------------- ResNet
_RESNET_CONSTRAINTS = {
    "layers": ["array-like"],
    "base_filters": [_POSITIVE_INT],
    "small_input": ["boolean"],
    "series_filters": ["array-like"],
    "series_kernel_sizes": ["array-like"],
    "input_shape": [None, "array-like"],
}

_RESNET_PARAMETERS_DOC = """
    layers : sequence of int, default=(2, 2, 2, 2)
        Images only: number of residual blocks in each stage; (2, 2, 2, 2)
        is ResNet-18.
    base_filters : int, default=64
        Images only: filters of the first stage, doubled at each later stage.
    small_input : bool, default=True
        Images only: start with a 3x3 convolution and no max pooling (as
        for CIFAR-sized images) instead of ImageNet's 7x7 stride-2
        convolution and max pooling.
    series_filters : sequence of int, default=(64, 128, 128)
        Series only: filters of each residual block of the time-series
        ResNet (Wang et al., 2017).
    series_kernel_sizes : sequence of int, default=(8, 5, 3)
        Series only: kernel sizes of the convolutions inside each residual
        block of the time-series ResNet."""


class _ResNetMixin(_ConvInputMixin):
    _input_kind = "any"
    _int_sequences = {
        "layers": (False, False),
        "series_filters": (False, False),
        "series_kernel_sizes": (False, False),
    }

    def _build_module(self, sample_shape, n_outputs):
        if len(sample_shape) == 2:
            return TimeSeriesResNet(
                in_channels=sample_shape[0],
                n_outputs=n_outputs,
                filters=self._positive_ints("series_filters", allow_int=False),
                kernel_sizes=self._positive_ints("series_kernel_sizes", allow_int=False),
            )
        return ResNet(
            in_channels=sample_shape[0],
            n_outputs=n_outputs,
            spatial_dims=self._spatial_dims(sample_shape),
            layers=self._positive_ints("layers", allow_int=False),
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
            "series_kernel_sizes": (3,),
        }


class ResNetClassifier(_ResNetMixin, NeuralClassifier):
    __doc__ = f"""Residual network classifier on PyTorch, for images and series.

    Images get He et al.'s ResNet (:class:`sknets.networks.ResNet`, set by
    ``layers``, ``base_filters`` and ``small_input``); series get Wang et
    al.'s time-series ResNet (:class:`sknets.networks.TimeSeriesResNet`, set
    by ``series_filters`` and ``series_kernel_sizes``). The parameters of the
    other kind are ignored.
{_ANY_INPUT_DOC}

    The training defaults are scikit-learn's, as the estimator takes images
    too.  For series, the published protocol (Fawaz et al. 2019) reaches
    the published accuracies: ``learning_rate="plateau",
    n_iter_no_change=50, max_iter=1500`` and ``batch_size`` a tenth of the
    training set, at most 64.

    Parameters
    ----------{_RESNET_PARAMETERS_DOC}{_INPUT_SHAPE_DOC}{TRAINING_PARAMETERS_DOC}\
{CLASS_WEIGHT_DOC}{DEVICE_AND_DTYPE_DOC}

    Attributes
    ----------{_CLASSES_DOC}{_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.ResNet` (images) or
        :class:`sknets.networks.TimeSeriesResNet` (series).

    See Also
    --------
    ResNetRegressor : The regressor with the same networks.
    FCNClassifier : The fully convolutional network for series.

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

    _parameter_constraints = {**NeuralClassifier._parameter_constraints, **_RESNET_CONSTRAINTS}

    def __init__(
        self,
        *,
        layers=(2, 2, 2, 2),
        base_filters=64,
        small_input=True,
        series_filters=(64, 128, 128),
        series_kernel_sizes=(8, 5, 3),
        input_shape=None,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=0,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        class_weight=None,
        device="auto",
        dtype="float32",
    ):
        self._set_init_params(locals())


class ResNetRegressor(_ResNetMixin, NeuralRegressor):
    __doc__ = f"""Residual network regressor on PyTorch, for images and series.

    Images get He et al.'s ResNet (:class:`sknets.networks.ResNet`, set by
    ``layers``, ``base_filters`` and ``small_input``); series get Wang et
    al.'s time-series ResNet (:class:`sknets.networks.TimeSeriesResNet`, set
    by ``series_filters`` and ``series_kernel_sizes``). The parameters of the
    other kind are ignored. Trained on half the squared error; a 2-D ``y``
    fits several targets.
{_ANY_INPUT_DOC}

    Parameters
    ----------{_RESNET_PARAMETERS_DOC}{_INPUT_SHAPE_DOC}{TRAINING_PARAMETERS_DOC}{DEVICE_AND_DTYPE_DOC}

    Attributes
    ----------{_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.ResNet` (images) or
        :class:`sknets.networks.TimeSeriesResNet` (series).

    See Also
    --------
    ResNetClassifier : The classifier with the same networks.

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

    _parameter_constraints = {**NeuralRegressor._parameter_constraints, **_RESNET_CONSTRAINTS}

    @classmethod
    def _get_test_params(cls):
        # As CNNRegressor's: a kernel spanning the 10 features of the checks'
        # regression data, so that pooling over time keeps which one matters.
        return {
            **super()._get_test_params(),
            "series_filters": (8,),
            "series_kernel_sizes": (11,),
            "learning_rate_init": 0.005,
            "batch_size": 32,
            "max_iter": 150,
        }

    def __init__(
        self,
        *,
        layers=(2, 2, 2, 2),
        base_filters=64,
        small_input=True,
        series_filters=(64, 128, 128),
        series_kernel_sizes=(8, 5, 3),
        input_shape=None,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=0,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        device="auto",
        dtype="float32",
    ):
        self._set_init_params(locals())


# ----------------------------------------------------------------- MobileNet
class MobileNetClassifier(_ConvInputMixin, NeuralClassifier):
    __doc__ = f"""MobileNetV2 classifier on PyTorch.

    Sandler et al.'s MobileNetV2 (:class:`sknets.networks.MobileNetV2`):
    inverted residual blocks of depthwise separable convolutions, light
    enough for a CPU. An image-only architecture.
{_IMAGE_INPUT_DOC}

    Parameters
    ----------
    width_multiplier : float, default=1.0
        Scales the number of channels of every layer.
    dropout : float, default=0.2
        Dropout probability before the output layer.
    small_input : bool, default=True
        Use stride 1 in the stem and the first downsampling stage (for
        small images such as CIFAR's) instead of ImageNet's strides.
    inverted_residual_setting : sequence of (t, c, n, s) or None, default=None
        The stages: ``n`` inverted residual blocks with expansion ``t`` and
        ``c`` output channels, the first with stride ``s`` (torchvision's
        argument). None: the paper's seven stages
        (:attr:`sknets.networks.MobileNetV2.SETTINGS`); fewer stages make a
        lighter network for small data.
    last_channels : int, default=1280
        Channels of the last 1 x 1 convolution, whose globally pooled output
        feeds the classifier; scaled by ``width_multiplier`` only when it
        exceeds 1, as in the paper.\
{_INPUT_SHAPE_DOC}{TRAINING_PARAMETERS_DOC}{CLASS_WEIGHT_DOC}{DEVICE_AND_DTYPE_DOC}

    Attributes
    ----------{_CLASSES_DOC}{_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.MobileNetV2`.

    See Also
    --------
    ResNetClassifier : A residual network for images and series.

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

    _input_kind = "images"
    _parameter_constraints = {
        **NeuralClassifier._parameter_constraints,
        "width_multiplier": [Interval(Real, 0, None, closed="neither")],
        "dropout": [_PROBABILITY],
        "small_input": ["boolean"],
        "inverted_residual_setting": [None, "array-like"],
        "last_channels": [_POSITIVE_INT],
        "input_shape": [None, "array-like"],
    }

    def __init__(
        self,
        *,
        width_multiplier=1.0,
        dropout=0.2,
        small_input=True,
        inverted_residual_setting=None,
        last_channels=1280,
        input_shape=None,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=0,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        class_weight=None,
        device="auto",
        dtype="float32",
    ):
        self._set_init_params(locals())

    def _build_module(self, sample_shape, n_outputs):
        return MobileNetV2(
            in_channels=sample_shape[0],
            n_outputs=n_outputs,
            spatial_dims=self._spatial_dims(sample_shape),
            width_multiplier=self.width_multiplier,
            dropout=self.dropout,
            small_input=self.small_input,
            inverted_residual_setting=self._stages(),
            last_channels=self.last_channels,
        )

    def _validate_params(self):
        super()._validate_params()
        self._stages()

    def _stages(self):
        setting = self.inverted_residual_setting
        if setting is None:
            return None
        stages = _positive_int_tuples(setting, length=4)
        if stages is None:
            raise InvalidParameterError(
                f"The 'inverted_residual_setting' parameter of {type(self).__name__} must be "
                "None or a non-empty sequence of (t, c, n, s) tuples of ints in the range "
                f"[1, inf). Got {setting!r} instead."
            )
        return stages

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
class FCNClassifier(_ConvInputMixin, NeuralClassifier):
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
    epoch with the lowest training loss kept.  On GunPoint's 50 series
    that is about 7 minutes on one CPU core; ``learning_rate="adaptive"``
    stops earlier (when the rate, divided by 5 on each stall, falls below
    1e-6: about 600 epochs there).

    Parameters
    ----------
    filters : sequence of int, default=(128, 256, 128)
        Filters of each convolution block.
    kernel_sizes : sequence of int, default=(8, 5, 3)
        Kernel size of each convolution block, as many as ``filters``.\
{_INPUT_SHAPE_DOC}{_FCNTRAINING_PARAMETERS_DOC}{CLASS_WEIGHT_DOC}{DEVICE_AND_DTYPE_DOC}

    Attributes
    ----------{_CLASSES_DOC}{_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.FCN`.

    See Also
    --------
    ResNetClassifier : The time-series ResNet, FCN's deeper relative.

    Examples
    --------
    >>> import numpy as np
    >>> from sknets import FCNClassifier
    >>> rng = np.random.RandomState(0)
    >>> y = np.arange(60) % 2
    >>> t = np.linspace(0, 1, 24)
    >>> X = np.sin(2 * np.pi * (1 + 2 * y[:, None]) * t) + 0.1 * rng.normal(size=(60, 24))
    >>> X = X[:, None, :]  # (n_samples, n_channels, n_timepoints)
    >>> clf = FCNClassifier(filters=(8, 8), kernel_sizes=(5, 3), max_iter=5, random_state=0,
    ...                     device="cpu").fit(X, y)
    >>> clf.predict(X[:4]).shape
    (4,)
    >>> clf.input_shape_
    (1, 24)
    """

    _input_kind = "series"
    _parameter_constraints = {
        **NeuralClassifier._parameter_constraints,
        "filters": ["array-like"],
        "kernel_sizes": ["array-like"],
        "input_shape": [None, "array-like"],
    }
    _int_sequences = {"filters": (False, False), "kernel_sizes": (False, False)}

    def __init__(
        self,
        *,
        filters=(128, 256, 128),
        kernel_sizes=(8, 5, 3),
        input_shape=None,
        solver="adam",
        alpha=0.0001,
        batch_size=16,
        learning_rate="plateau",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=2000,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=0,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=50,
        class_weight=None,
        device="auto",
        dtype="float32",
    ):
        self._set_init_params(locals())

    def _validate_params(self):
        super()._validate_params()
        if len(self.filters) != len(self.kernel_sizes):
            raise InvalidParameterError(
                f"The 'filters' and 'kernel_sizes' parameters of {type(self).__name__} must "
                f"have the same length. Got filters={self.filters!r} and "
                f"kernel_sizes={self.kernel_sizes!r} instead."
            )

    def _build_module(self, sample_shape, n_outputs):
        return FCN(
            in_channels=sample_shape[0],
            n_outputs=n_outputs,
            filters=self._positive_ints("filters", allow_int=False),
            kernel_sizes=self._positive_ints("kernel_sizes", allow_int=False),
        )

    @classmethod
    def _get_test_params(cls):
        # scikit-learn's batch and schedule defaults: the checks' short fits
        # need neither the published protocol nor its small batches.
        return {
            **_TEST_PARAMS,
            "filters": (4, 8),
            "kernel_sizes": (3, 3),
            "batch_size": "auto",
            "learning_rate": "constant",
            "n_iter_no_change": 10,
        }
