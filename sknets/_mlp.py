"""Multi-layer perceptron estimators, drop-in replacements for scikit-learn's."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._inputs import TableInput
from ._params import (
    CLASSIFIER_ATTRIBUTES,
    REGRESSOR_ATTRIBUTES,
    TABLE_ATTRIBUTES,
    TABLE_PARAMS,
    Param,
    PositiveInts,
    attributes_doc,
)
from ._vocabulary import build_network
from .base import NeuralClassifier, NeuralRegressor
from .networks import ACTIVATIONS, MLP

__all__ = ["MLPClassifier", "MLPRegressor"]

ACTIVATION_TYPE_DOC = "{" + ", ".join(f'"{name}"' for name in ACTIVATIONS) + "}"

# Positional, as in scikit-learn's MLPs: MLPClassifier((64,), "tanh").
_MLP_PARAMS = (
    Param(
        "hidden_layer_sizes",
        (100,),
        "int or sequence of int",
        "Width of each hidden layer; empty for none (a linear model).",
        [PositiveInts(allow_empty=True)],
        positional=True,
    ),
    Param(
        "activation",
        "relu",
        ACTIVATION_TYPE_DOC,
        "Activation of the hidden layers.",
        [StrOptions(set(ACTIVATIONS))],
        positional=True,
    ),
    Param(
        "dropout",
        0.0,
        "float",
        "Dropout probability after each hidden activation.",
        [Interval(Real, 0, 1, closed="left")],
    ),
    Param(
        "batch_norm",
        False,
        "bool",
        "Batch normalisation before each hidden activation.",
        ["boolean"],
    ),
)

_MLP_ATTRIBUTES = {
    "coefs_": (
        "list of ndarray",
        "Weight matrix of each layer, shape (n_inputs, n_outputs) as in sklearn.",
    ),
    "intercepts_": ("list of ndarray", "Bias vector of each layer."),
    "n_layers_": ("int", "Number of layers, input and output included."),
    "out_activation_": (
        "str",
        'Output activation ("logistic", "softmax", "identity", or "exp" with loss="poisson").',
    ),
    **TABLE_ATTRIBUTES,
    "module_": ("torch.nn.Module", "The trained :class:`sknets.networks.MLP`."),
}


class _MLPMixin:
    """Network construction and sklearn-style weight access shared by both MLPs."""

    _params = (*_MLP_PARAMS, *TABLE_PARAMS)
    _input = TableInput

    def _build_module(self, spec):
        return build_network(MLP, self, spec)

    @property
    def coefs_(self):
        """Weight matrices as numpy arrays of shape (n_inputs, n_outputs)."""
        return [
            layer.weight.detach().cpu().numpy().T.astype(np.float64)
            for layer in self.module_.linear_layers()
        ]

    @property
    def intercepts_(self):
        """Bias vectors as numpy arrays."""
        return [
            layer.bias.detach().cpu().numpy().astype(np.float64)
            for layer in self.module_.linear_layers()
        ]

    @property
    def n_layers_(self):
        """Number of layers, input and output included, as in scikit-learn."""
        return len(self.module_.linear_layers()) + 1

    @property
    def out_activation_(self):
        """Output activation: "logistic", "softmax", "identity" or "exp", as in scikit-learn."""
        check_is_fitted(self)
        if getattr(self, "_log_link", False):
            return "exp"
        return {
            "binary": "logistic",
            "multilabel": "logistic",
            "multiclass": "softmax",
            "multitask": "softmax",
        }.get(getattr(self, "_target_type", None), "identity")

    @classmethod
    def _get_test_params(cls):
        return {"hidden_layer_sizes": (16,), "max_iter": 100, "random_state": 0}


class MLPClassifier(_MLPMixin, NeuralClassifier):
    __doc__ = f"""Multi-layer perceptron classifier on PyTorch.

    A drop-in replacement for :class:`sklearn.neural_network.MLPClassifier`
    (same parameters and attributes) that trains on a CPU or GPU, adds
    ``dropout``, ``batch_norm``, ``class_weight``, ``device`` and more
    solvers and schedules. Binary targets use one logistic output,
    multiclass targets a softmax, multilabel (2-D 0/1) targets one logistic
    output per label.

    Attributes
    ----------{attributes_doc(CLASSIFIER_ATTRIBUTES, **_MLP_ATTRIBUTES)}

    See Also
    --------
    MLPRegressor : The regressor with the same network.
    sklearn.neural_network.MLPClassifier : scikit-learn's NumPy implementation.

    References
    ----------
    - Rumelhart, Hinton & Williams (1986), Learning representations by
      back-propagating errors. Nature 323.
    - Kingma & Ba (2015), Adam: a method for stochastic optimization. ICLR.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sknets import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(32,), max_iter=300, random_state=0,
    ...                     device="cpu").fit(X, y)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    >>> round(clf.score(X, y), 1) >= 0.9
    True
    """


class MLPRegressor(_MLPMixin, NeuralRegressor):
    __doc__ = f"""Multi-layer perceptron regressor on PyTorch.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`
    (same parameters and attributes) that trains on a CPU or GPU and adds
    ``dropout``, ``batch_norm``, ``device`` and more solvers and schedules.
    It minimises half the squared error or, with ``loss="poisson"``, the
    half Poisson deviance of a log-link output (``predict`` returns
    ``exp(output)``); a 2-D ``y`` fits several targets.

    Attributes
    ----------{attributes_doc(REGRESSOR_ATTRIBUTES, **_MLP_ATTRIBUTES)}

    See Also
    --------
    MLPClassifier : The classifier with the same network.
    sklearn.neural_network.MLPRegressor : scikit-learn's NumPy implementation.

    References
    ----------
    - Rumelhart, Hinton & Williams (1986), Learning representations by
      back-propagating errors. Nature 323.
    - Kingma & Ba (2015), Adam: a method for stochastic optimization. ICLR.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknets import MLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = make_pipeline(StandardScaler(), MLPRegressor(
    ...     hidden_layer_sizes=(64,), learning_rate_init=0.01, max_iter=200,
    ...     random_state=0, device="cpu")).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    >>> reg.score(X, y) > 0.4
    True
    """
