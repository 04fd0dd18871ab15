"""Bring your own network: any ``torch.nn.Module`` as a scikit-learn estimator."""

import numpy as np
import torch
from sklearn.utils._param_validation import InvalidParameterError
from torch import nn

from ._inputs import ImageOrSeriesInput, TableInput
from ._params import (
    CLASSIFIER_ATTRIBUTES,
    INPUT_SHAPE_PARAM,
    REGRESSOR_ATTRIBUTES,
    TABLE_ATTRIBUTES,
    TABLE_PARAMS,
    Param,
    attributes_doc,
)
from ._vocabulary import takes_keyword
from .base import NeuralClassifier, NeuralRegressor
from .networks import MLP

__all__ = ["ModuleClassifier", "ModuleRegressor"]

_MODULE_PARAMS = (
    Param(
        "module",
        None,
        "torch.nn.Module subclass or callable",
        """
        The network: a ``torch.nn.Module`` class, or any function returning
        a module, called at fit time as ``module(n_features=...,
        n_outputs=..., **module_params)`` (the keyword names of the networks
        in :mod:`sknets.networks`). Required: fitting with None raises an
        InvalidParameterError (a ValueError) before any training, as does a
        module instance (a fresh network is built for each fit, from the
        data's sizes). May be passed by position, as skorch's
        ``NeuralNet(module)``. Its output on a batch must be ``(batch,
        n_outputs)``, checked on two rows before training. A table with
        categorical columns reaches it encoded (numeric columns first,
        category codes last) and needs a module that takes
        ``category_sizes`` too, as the networks of :mod:`sknets.networks`
        do (:class:`~sknets.networks.TableInputLayer` embeds the codes).""",
        [None, callable],
        positional=True,
    ),
    Param(
        "module_params",
        None,
        "dict or None",
        """
        Further keyword arguments of ``module`` (its architecture), e.g.
        ``{"hidden_size": 64}``; searched by GridSearchCV as any parameter:
        ``{"module_params": [{"hidden_size": 32}, {"hidden_size": 64}]}``.""",
        [None, dict],
    ),
)

_MODULE_ATTRIBUTE = {"module_": ("torch.nn.Module", "The trained network.")}


class ModuleArrayInput(ImageOrSeriesInput):
    """Images or series for a user's module: 2-D arrays never reach it (they are tables)."""

    univariate_rows = False


def module_input(estimator):
    """Images or series for arrays of 3 or 4 dimensions or ``input_shape``, else a table."""
    if getattr(estimator, "_reads_arrays", estimator.input_shape is not None):
        return ModuleArrayInput(estimator)
    return TableInput(estimator)


module_input.data_kinds = ("tabular", "images", "series")


def reads_arrays(estimator, X):
    """Whether ``X`` is images or series: an array-like of 3 or 4 dimensions, or ``input_shape``."""
    if estimator.input_shape is not None:
        return True
    shape = getattr(X, "shape", None)
    if shape is None and isinstance(X, list | tuple) and len(X):
        shape = np.shape(X[0])
        shape = None if shape is None else (len(X), *shape)
    return shape is not None and len(shape) >= 3


def check_takes_categories(estimator, category_sizes):
    """Refuse, before training, a module that would read category codes as numbers."""
    if takes_keyword(estimator.module, "category_sizes") is not False:
        return
    encoding = estimator.table_encoding_
    columns = encoding.labels[encoding.is_categorical]
    raise ValueError(
        f"{type(estimator).__name__}: X has {len(category_sizes)} categorical column(s) "
        f"({', '.join(map(str, columns[:5]))}{', ...' if len(columns) > 5 else ''}), "
        "which reach the module as category codes, but "
        f"{getattr(estimator.module, '__name__', estimator.module)!r} takes no category_sizes "
        "argument to embed them. Give the module a category_sizes argument (e.g. "
        "sknets.networks.TableInputLayer as its first layer), encode the columns "
        "before the estimator (OneHotEncoder), or use MLPClassifier/MLPRegressor, "
        "which embed them."
    )


class _ModuleMixin:
    """Builds the user's module from the data's sizes."""

    _params = (*_MODULE_PARAMS, *TABLE_PARAMS, INPUT_SHAPE_PARAM)
    _input = staticmethod(module_input)

    def _resolve_input_kind(self, X):
        self._reads_arrays = reads_arrays(self, X)

    def _validate_params(self):
        super()._validate_params()
        name = type(self).__name__
        if self.module is None:
            raise InvalidParameterError(
                f"{name} needs module: a torch.nn.Module class (or a function returning "
                "a module) called as module(n_features=..., n_outputs=..., **module_params)."
            )
        if isinstance(self.module, nn.Module):
            # A built network has sizes fixed before the data are seen, and
            # clone (GridSearchCV, cross_val_score) would share or copy it.
            raise InvalidParameterError(
                f"The 'module' parameter of {name} must be a torch.nn.Module class (or a "
                f"function returning a module), not an instance: {name} builds a fresh "
                "network for each fit as module(n_features=..., n_outputs=..., "
                f"**module_params). Pass module={type(self.module).__name__} and its other "
                "arguments in module_params."
            )
        reserved = {
            "n_features",
            "in_channels",
            "spatial_dims",
            "n_outputs",
            "category_sizes",
        } & set(self.module_params or {})
        if reserved:
            raise InvalidParameterError(
                f"The 'module_params' parameter of {name} must not set {sorted(reserved)}: "
                "the training data determine them."
            )

    def _build_module(self, spec):
        if getattr(self, "_reads_arrays", False):
            sizes = {"in_channels": spec.in_channels, "n_outputs": spec.n_outputs}
            if takes_keyword(self.module, "spatial_dims"):
                sizes["spatial_dims"] = spec.spatial_dims
        else:
            sizes = {"n_features": spec.n_features, "n_outputs": spec.n_outputs}
        category_sizes = getattr(spec, "category_sizes", None)
        if category_sizes:
            check_takes_categories(self, category_sizes)
            sizes["category_sizes"] = category_sizes
        network = self.module(**sizes, **(self.module_params or {}))
        if not isinstance(network, nn.Module):
            raise TypeError(
                f"module returned {type(network).__name__}, not a torch.nn.Module; "
                f"{type(self).__name__} needs a module class or a function returning one."
            )
        self._check_output_width(network, spec)
        return network

    def _check_output_width(self, network, spec):
        """Refuse a network whose output is not ``(batch, n_outputs)``, before training.

        Found otherwise inside the loss (a shape error of torch's), or not
        at all: a regressor's extra columns would be predicted silently.
        """
        training = network.training
        network.eval()  # two rows of zeros must not move batch-norm statistics
        try:
            with torch.no_grad():
                output = network(torch.zeros(2, *spec.sample_shape))
        finally:
            network.train(training)
        if isinstance(output, tuple | list):
            output = output[0]
        elif isinstance(output, dict):
            output = next(iter(output.values()))
        shape = tuple(getattr(output, "shape", ()))
        if shape != (2, spec.n_outputs):
            raise ValueError(
                f"{type(self).__name__}: the module returned outputs of shape {shape} for a "
                f"batch of 2 samples, but the targets need (2, {spec.n_outputs}): one column per "
                "output unit (n_outputs_). Size the last layer with the n_outputs argument "
                "the module is called with."
            )

    @classmethod
    def _get_test_params(cls):
        return {
            "module": MLP,
            "module_params": {"hidden_layer_sizes": (16,)},
            "max_iter": 100,
            "random_state": 0,
        }


class ModuleClassifier(_ModuleMixin, NeuralClassifier):
    __doc__ = f"""A classifier around your own PyTorch network.

    Every shared behaviour of sknets (validation, device, dtype, seeding,
    batching, early stopping, learning-rate schedules, sample and class
    weights, ``partial_fit``, ``warm_start``, pickling, progress) for a
    network you write. The module maps a batch of rows ``(batch,
    n_features)`` to logits ``(batch, n_outputs)``: one logit for binary
    targets, one per class for multiclass targets, one per label for
    multilabel targets. It may return a tuple (or dict) whose first entry
    is the logits. See "Writing your own estimator" in the user guide.

    Attributes
    ----------{attributes_doc(CLASSIFIER_ATTRIBUTES, **TABLE_ATTRIBUTES, **_MODULE_ATTRIBUTE)}

    See Also
    --------
    ModuleRegressor : The regressor.
    MLPClassifier : sknets' own multi-layer perceptron.

    References
    ----------
    - Tietz et al. (2017), skorch: a scikit-learn compatible neural network
      library that wraps PyTorch. https://skorch.readthedocs.io

    Examples
    --------
    >>> from torch import nn
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sknets import ModuleClassifier
    >>> class TwoLayers(nn.Module):
    ...     def __init__(self, n_features, n_outputs, hidden_size=16):
    ...         super().__init__()
    ...         self.layers = nn.Sequential(nn.Linear(n_features, hidden_size), nn.ReLU(),
    ...                                     nn.Linear(hidden_size, n_outputs))
    ...     def forward(self, X):
    ...         return self.layers(X)
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = ModuleClassifier(TwoLayers, module_params={{"hidden_size": 32}},
    ...                        learning_rate_init=0.01, max_iter=100, random_state=0,
    ...                        device="cpu").fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    >>> search = GridSearchCV(clf, {{"module_params": [{{"hidden_size": 4}},
    ...                                               {{"hidden_size": 32}}]}}, cv=3).fit(X, y)
    >>> sorted(search.best_params_)
    ['module_params']
    """


class ModuleRegressor(_ModuleMixin, NeuralRegressor):
    __doc__ = f"""A regressor around your own PyTorch network.

    Every shared behaviour of sknets for a network you write (see
    :class:`ModuleClassifier`). The module maps a batch of rows ``(batch,
    n_features)`` to predictions ``(batch, n_outputs)``, one column per
    target; it is trained on half the squared error. It may return a tuple
    (or dict) whose first entry is the predictions.

    Attributes
    ----------{attributes_doc(REGRESSOR_ATTRIBUTES, **TABLE_ATTRIBUTES, **_MODULE_ATTRIBUTE)}

    See Also
    --------
    ModuleClassifier : The classifier.
    MLPRegressor : sknets' own multi-layer perceptron.

    References
    ----------
    - Tietz et al. (2017), skorch: a scikit-learn compatible neural network
      library that wraps PyTorch. https://skorch.readthedocs.io

    Examples
    --------
    >>> from torch import nn
    >>> from sklearn.datasets import make_regression
    >>> from sknets import ModuleRegressor
    >>> def linear(n_features, n_outputs):
    ...     return nn.Linear(n_features, n_outputs)
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    >>> reg = ModuleRegressor(linear, learning_rate_init=0.01, max_iter=300, random_state=0,
    ...                       device="cpu").fit(X, y / 100)
    >>> reg.score(X, y / 100) > 0.95
    True
    """
