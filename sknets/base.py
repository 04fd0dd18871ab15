"""The public base classes: everything a new estimator is written with.

``NeuralEstimator`` (:mod:`sknets._estimator`) validates (through the
estimator's input adapter), seeds, resolves the device, builds the
network(s), trains them through :class:`NeuralNetCore` (or a family's
subclass of it) and sets the fitted attributes.  The kind bases add what
their kind means: :class:`NeuralClassifier` and :class:`NeuralRegressor`
(targets, loss, predict), :class:`NeuralTransformer` (``transform``,
feature names, ``set_output``) and :class:`NeuralGenerator` (``sample``,
``score_samples``).  An architecture adds its parameters (``_params``) and
``_build_module(spec)`` (usually :func:`build_network`, which names the
network's arguments as the parameters); its ``__init__``, parameter checks and the
Parameters section of its docstring are generated from ``_params``
(:mod:`sknets._params`).

The classes are written in private modules, one concern each (the
contract page describes the layout); this module is where they are
documented, imported and pickled from, and their ``__module__`` says so.
"""

from ._classifier import NeuralClassifier
from ._estimator import NeuralEstimator
from ._inputs import (
    DataSpec,
    DictInput,
    ForecastInput,
    GraphInput,
    IdInput,
    IdPairInput,
    ImageInput,
    ImageOrSeriesInput,
    InputAdapter,
    PaddedSeriesInput,
    SeriesInput,
    TabularInput,
    TokenInput,
)
from ._params import Param, PositiveInts, PositiveIntTuples
from ._regressor import NeuralRegressor
from ._training import NeuralNetCore
from ._unsupervised import NeuralGenerator, NeuralTransformer

# _UnsupervisedEstimator is not public, but its ``__module__`` is this one
# too, so it is found here.
from ._unsupervised import _UnsupervisedEstimator as _UnsupervisedEstimator
from ._vocabulary import build_network

# Everything a new estimator is written with: the kinds, the training net
# to subclass for an own step, parameter declarations and input adapters.
__all__ = [
    "DataSpec",
    "DictInput",
    "ForecastInput",
    "GraphInput",
    "IdInput",
    "IdPairInput",
    "ImageInput",
    "ImageOrSeriesInput",
    "InputAdapter",
    "NeuralClassifier",
    "NeuralEstimator",
    "NeuralGenerator",
    "NeuralNetCore",
    "NeuralRegressor",
    "NeuralTransformer",
    "PaddedSeriesInput",
    "Param",
    "PositiveIntTuples",
    "PositiveInts",
    "SeriesInput",
    "TabularInput",
    "TokenInput",
    "build_network",
]
