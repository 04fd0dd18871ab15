"""Multi-layer perceptron estimators, drop-in replacements for scikit-learn's."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._docstrings import DEVICE_AND_DTYPE_DOC, TRAINING_PARAMETERS_DOC
from .base import NeuralClassifier, NeuralRegressor
from .networks import ACTIVATIONS, MLP

__all__ = ["MLPClassifier", "MLPRegressor"]

_MLP_CONSTRAINTS = {
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "activation": [StrOptions(set(ACTIVATIONS))],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "batch_norm": ["boolean"],
}

_ARCHITECTURE_DOC = """
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Width of each hidden layer.
    activation : {"identity", "logistic", "tanh", "relu", "leaky_relu", "elu", \
"gelu", "silu"}, default="relu"
        Activation of the hidden layers."""

_REGULARISATION_DOC = """
    dropout : float, default=0.0
        Dropout probability after each hidden activation.
    batch_norm : bool, default=False
        Batch normalisation before each hidden activation."""

_SHARED_PARAMETERS_DOC = (
    _ARCHITECTURE_DOC + TRAINING_PARAMETERS_DOC + _REGULARISATION_DOC + DEVICE_AND_DTYPE_DOC
)

_SHARED_ATTRIBUTES_DOC = """
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during fit, when X was a DataFrame.
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
    coefs_ : list of ndarray
        Weight matrix of each layer, shape (n_inputs, n_outputs) as in sklearn.
    intercepts_ : list of ndarray
        Bias vector of each layer.
    n_layers_ : int
        Number of layers, input and output included.
    out_activation_ : str
        Output activation ("logistic", "softmax" or "identity").
    history_ : skorch.History
        Per-epoch record: train_loss, valid_loss, valid_score, lr, dur.
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.MLP`.
    device_ : torch.device
        Device the model was trained on."""


class _MLPMixin:
    """Network construction and sklearn-style weight access shared by both MLPs."""

    def _build_module(self, sample_shape, n_outputs):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if any(not isinstance(size, Integral) or size < 1 for size in sizes):
            raise InvalidParameterError(
                f"The 'hidden_layer_sizes' parameter of {type(self).__name__} must be an "
                "int in the range [1, inf) or a sequence of them. Got "
                f"{self.hidden_layer_sizes!r} instead."
            )
        return MLP(
            n_features=sample_shape[0],
            n_outputs=n_outputs,
            hidden_layer_sizes=sizes,
            activation=self.activation,
            dropout=self.dropout,
            batch_norm=self.batch_norm,
        )

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
        """Output activation: "logistic", "softmax" or "identity", as in scikit-learn."""
        check_is_fitted(self)
        return {"binary": "logistic", "multilabel": "logistic", "multiclass": "softmax"}.get(
            getattr(self, "_target_type", None), "identity"
        )

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

    Parameters
    ----------{_SHARED_PARAMETERS_DOC}
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, as in scikit-learn's linear
        models; multiplied with ``sample_weight``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (label indices for multilabel targets).{_SHARED_ATTRIBUTES_DOC}

    See Also
    --------
    MLPRegressor : The regressor with the same network.
    sklearn.neural_network.MLPClassifier : scikit-learn's NumPy implementation.

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

    _parameter_constraints = {**NeuralClassifier._parameter_constraints, **_MLP_CONSTRAINTS}

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
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
        dropout=0.0,
        batch_norm=False,
        class_weight=None,
        device="auto",
        dtype="float32",
    ):
        self._set_init_params(locals())


class MLPRegressor(_MLPMixin, NeuralRegressor):
    __doc__ = f"""Multi-layer perceptron regressor on PyTorch.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`
    (same parameters and attributes) that trains on a CPU or GPU and adds
    ``dropout``, ``batch_norm``, ``device`` and more solvers and schedules.
    It minimises half the squared error; a 2-D ``y`` fits several targets.

    Parameters
    ----------{_SHARED_PARAMETERS_DOC}

    Attributes
    ----------{_SHARED_ATTRIBUTES_DOC}

    See Also
    --------
    MLPClassifier : The classifier with the same network.
    sklearn.neural_network.MLPRegressor : scikit-learn's NumPy implementation.

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

    _parameter_constraints = {**NeuralRegressor._parameter_constraints, **_MLP_CONSTRAINTS}

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
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
        dropout=0.0,
        batch_norm=False,
        device="auto",
        dtype="float32",
    ):
        self._set_init_params(locals())
