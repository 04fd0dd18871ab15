"""InceptionTime and LITETime estimators for series: ensembles of convolutional networks."""

from numbers import Integral

from sklearn.utils._param_validation import Interval

from ._cnn import _CLASSIFIER_ATTRIBUTES_DOC, _REGRESSOR_ATTRIBUTES_DOC, _SERIES_INPUT_DOC
from ._inputs import SeriesInput
from ._losses import MemberAveragedLoss
from ._params import INPUT_SHAPE_PARAM, Param
from ._tabm import ensemble_output
from ._vocabulary import build_network
from .base import NeuralClassifier, NeuralRegressor
from .networks import InceptionTime, LITETime

__all__ = ["InceptionTimeClassifier", "InceptionTimeRegressor", "LITETimeClassifier"]

_POSITIVE_INT = Interval(Integral, 1, None, closed="left")

_N_MEMBERS = Param(
    "n_members",
    5,
    "int",
    """
    Networks of the ensemble, each initialised on its own and trained on
    its own loss; a prediction averages their class probabilities (their
    predictions, for a regressor). The papers' ensembles have 5.""",
    [_POSITIVE_INT],
)
_FILTERS = Param(
    "filters",
    32,
    "int",
    "Output channels of each convolution (the papers' 32).",
    [_POSITIVE_INT],
)
_KERNEL_SIZE = Param(
    "kernel_size",
    40,
    "int",
    """
    The longest kernel of a layer of parallel convolutions; the other two
    are its half and its quarter (the papers' 40, 20 and 10).""",
    [_POSITIVE_INT],
)

_INCEPTION_PARAMS = (
    _N_MEMBERS,
    _FILTERS,
    _KERNEL_SIZE,
    Param(
        "n_layers",
        6,
        "int",
        "Inception modules of each network, with a residual connection around every three.",
        [_POSITIVE_INT],
    ),
    Param(
        "bottleneck_size",
        32,
        "int",
        """
        Channels of the 1 x 1 convolution in front of each module's
        convolutions (left out on a one-channel input, as in the paper); 0:
        none.""",
        [Interval(Integral, 0, None, closed="left")],
    ),
    INPUT_SHAPE_PARAM,
)

_TRAINING = """
    The training defaults are the paper's: batches of 64 (the whole set
    when it is smaller, as in the reference code), Adam at 1e-3, the
    learning rate halved whenever the training loss stalls for 50 epochs,
    down to 1e-4 (``learning_rate="plateau"``), 1,500 epochs, and the
    weights of the epoch with the lowest training loss kept. The members
    train at once on the same batches, each on its own loss (the reference
    trains them one after another); the schedule follows their mean loss."""

_DEFAULTS = {"batch_size": 64, "learning_rate": "plateau", "max_iter": 1500, "n_iter_no_change": 50}

_TEST_PARAMS = {
    "n_members": 2,
    "filters": 4,
    "kernel_size": 8,
    "batch_size": "auto",
    "learning_rate": "constant",
    "learning_rate_init": 0.01,
    "n_iter_no_change": 10,
    "max_iter": 30,
    "random_state": 0,
}


class _EnsembleSeriesMixin:
    """An ensemble of series networks: member-averaged loss, the papers' schedule."""

    _input = SeriesInput
    _defaults = _DEFAULTS
    _network = None

    def _build_module(self, spec):
        return build_network(self._network, self, spec, **ensemble_output(self))

    def _make_criterion(self):
        return MemberAveragedLoss(super()._make_criterion())

    def _effective_batch_size(self, n_samples):
        if self.solver == "lbfgs" or self.batch_size == "auto":
            return super()._effective_batch_size(n_samples)
        return min(self.batch_size, n_samples)


class _InceptionMixin(_EnsembleSeriesMixin):
    _params = _INCEPTION_PARAMS
    _network = InceptionTime

    @classmethod
    def _get_test_params(cls):
        return {**_TEST_PARAMS, "n_layers": 3, "bottleneck_size": 4}


_INCEPTION_REFERENCES = """
    - Ismail Fawaz, Lucas, Forestier, Pelletier, Schmidt, Weber, Webb,
      Idoumghar, Muller & Petitjean (2020), InceptionTime: finding AlexNet
      for time series classification. Data Min. Knowl. Disc. 34."""


class InceptionTimeClassifier(_InceptionMixin, NeuralClassifier):
    __doc__ = f"""InceptionTime classifier for time series, on PyTorch.

    Ismail Fawaz et al.'s InceptionTime (:class:`sknets.networks.InceptionTime`):
    an ensemble of ``n_members`` Inception networks, each of ``n_layers``
    modules of parallel convolutions (kernels of 40, 20 and 10 steps and a
    max-pool branch) with residual connections, global average pooling and
    a linear head; the members' class probabilities are averaged.
{_SERIES_INPUT_DOC}
{_TRAINING}

    Attributes
    ----------{_CLASSIFIER_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.InceptionTime`.

    See Also
    --------
    LITETimeClassifier : Its light successor, a tenth of the parameters.
    FCNClassifier : One fully convolutional network.

    References
    ----------{_INCEPTION_REFERENCES}

    Examples
    --------
    >>> import numpy as np
    >>> from sknets import InceptionTimeClassifier
    >>> rng = np.random.RandomState(0)
    >>> y = np.arange(60) % 2
    >>> t = np.linspace(0, 1, 24)
    >>> X = np.sin(2 * np.pi * (1 + 2 * y[:, None]) * t) + 0.1 * rng.normal(size=(60, 24))
    >>> clf = InceptionTimeClassifier(n_members=2, n_layers=3, max_iter=20, random_state=0,
    ...                               device="cpu").fit(X[:, None, :], y)
    >>> clf.score(X[:, None, :], y) > 0.9
    True
    >>> len(clf.module_.members)
    2
    """


class InceptionTimeRegressor(_InceptionMixin, NeuralRegressor):
    __doc__ = f"""InceptionTime regressor for time series, on PyTorch.

    The network of :class:`InceptionTimeClassifier` with a linear output per
    target, trained on half the squared error; the members' predictions
    are averaged.
{_SERIES_INPUT_DOC}
{_TRAINING}

    Attributes
    ----------{_REGRESSOR_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.InceptionTime`.

    See Also
    --------
    InceptionTimeClassifier : The classifier.

    References
    ----------{_INCEPTION_REFERENCES}

    Examples
    --------
    >>> import numpy as np
    >>> from sknets import InceptionTimeRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 1, 24))
    >>> y = X[:, 0, :12].mean(axis=1)
    >>> reg = InceptionTimeRegressor(n_members=2, n_layers=3, max_iter=5, random_state=0,
    ...                              device="cpu").fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """


class LITETimeClassifier(_EnsembleSeriesMixin, NeuralClassifier):
    __doc__ = f"""LITETime classifier for time series, on PyTorch.

    Ismail-Fawaz et al.'s LITETime (:class:`sknets.networks.LITETime`): an
    ensemble of ``n_members`` LITE networks, each a layer of three
    convolutions (kernels of 40, 20 and 10 steps) beside fixed
    hand-crafted filters that detect increases, decreases and peaks, then
    two dilated depthwise separable convolutions, global average pooling
    and a linear head. About a tenth of InceptionTime's parameters and
    time; the members' class probabilities are averaged. Its last layer's
    dilated kernels need series of more than a few steps: on series of 2
    steps its features do not depend on the input.
{_SERIES_INPUT_DOC}
{_TRAINING.replace("paper's", "papers'")}

    Attributes
    ----------{_CLASSIFIER_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.LITETime`.

    See Also
    --------
    InceptionTimeClassifier : The larger ensemble it lightens.

    References
    ----------
    - Ismail-Fawaz, Devanne, Berretti, Weber & Forestier (2023), LITE: Light
      Inception with boosTing tEchniques for time series classification.
      IEEE DSAA.
    - Ismail-Fawaz, Devanne, Weber & Forestier (2022), Deep learning for
      time series classification using new hand-crafted convolution
      filters. IEEE BigData.

    Examples
    --------
    >>> import numpy as np
    >>> from sknets import LITETimeClassifier
    >>> rng = np.random.RandomState(0)
    >>> y = np.arange(60) % 2
    >>> t = np.linspace(0, 1, 24)
    >>> X = np.sin(2 * np.pi * (1 + 2 * y[:, None]) * t) + 0.1 * rng.normal(size=(60, 24))
    >>> clf = LITETimeClassifier(n_members=2, max_iter=30, random_state=0,
    ...                          device="cpu").fit(X[:, None, :], y)
    >>> clf.score(X[:, None, :], y) > 0.9
    True
    """

    _params = (_N_MEMBERS, _FILTERS, _KERNEL_SIZE, INPUT_SHAPE_PARAM)
    _network = LITETime

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The dilated kernels of LITE's last layer reach only zero padding on
        # series of 2 steps (scikit-learn's checks' two-feature blobs): its
        # features are constant there, by design, whatever it learns.
        tags.classifier_tags.poor_score = True
        return tags

    @classmethod
    def _get_test_params(cls):
        return dict(_TEST_PARAMS)
