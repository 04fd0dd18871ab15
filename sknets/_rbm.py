"""Restricted Boltzmann machines and deep belief networks."""

from numbers import Integral, Real

import scipy.sparse as sp
import torch
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_is_fitted

from ._batches import _to_numpy, n_rows
from ._inputs import TabularInput
from ._losses import HalfSquaredErrorPerSample
from ._optim import SGD
from ._params import (
    CLASSIFIER_ATTRIBUTES,
    UNSUPERVISED_ATTRIBUTES,
    Param,
    PositiveInts,
    as_positive_ints,
    attributes_doc,
)
from ._training import NeuralNetCore
from ._vocabulary import build_network
from .base import NeuralClassifier, NeuralTransformer
from .networks import BernoulliRBM, DeepBeliefNetwork
from .utils._random import local_generator, seed_from_random_state

__all__ = ["DBNClassifier", "DBNTransformer", "RBMTransformer"]


class NonNegativeInput(TabularInput):
    """Rows of visible-unit values: non-negative, meant to lie in [0, 1].

    A Bernoulli RBM reads each value as the probability of its unit being
    on.  Negative values (standardised data, the usual mistake) are
    refused; values above 1 are accepted, as scikit-learn's BernoulliRBM
    accepts them, and enter the energy linearly.
    """

    def _check_non_negative(self, X):
        values = X.data if sp.issparse(X) else X
        if values.size and values.min() < 0:
            raise ValueError(
                f"Negative values in data passed to {self.name}, which models binary "
                "units: X must hold values in [0, 1] (binary "
                f"data or probabilities), but its minimum is {float(values.min())!r}. "
                "Scale it with MinMaxScaler instead of StandardScaler."
            )
        return X

    def validate(self, X, y=None, *, reset, dtype, y_numeric=False):
        X, y = super().validate(X, y, reset=reset, dtype=dtype, y_numeric=y_numeric)
        return self._check_non_negative(X), y

    def validate_predict(self, X, *, dtype):
        return self._check_non_negative(super().validate_predict(X, dtype=dtype))

    def update_tags(self, tags):
        tags = super().update_tags(tags)
        tags.input_tags.positive_only = True
        return tags


class ContrastiveDivergenceNet(NeuralNetCore):
    """Greedy contrastive-divergence training of a stack of RBMs, then the main epochs.

    A fresh fit first trains the RBMs below ``main_layer`` one after the
    other, bottom first (``n_pretrain_epochs`` epochs of CD each, plain SGD
    at ``pretrain_learning_rate_init``, on the hidden probabilities of the
    RBMs below).  The epochs the estimator counts (``max_iter``, its loss
    curve, schedule and early stopping) then train RBM ``main_layer`` by
    CD with the estimator's optimizer or, with ``main_layer=None``, the
    whole network by backpropagation (a DBN classifier's fine-tuning).
    Each CD step writes the gradient estimate into ``.grad`` without
    autograd (:meth:`BernoulliRBM.contrastive_divergence`); the optimizer
    steps.  The reported loss of a CD step is half the squared error of
    the trained RBM's mean-field reconstruction of its input.
    """

    carried_attributes = ("pretrain_loss_curves",)

    def __init__(
        self,
        *args,
        n_gibbs_steps=1,
        persistent=True,
        mean_field=False,
        main_layer=0,
        n_pretrain_epochs=0,
        pretrain_learning_rate_init=0.1,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.n_gibbs_steps = n_gibbs_steps
        self.persistent = persistent
        self.mean_field = mean_field
        self.main_layer = main_layer
        self.n_pretrain_epochs = n_pretrain_epochs
        self.pretrain_learning_rate_init = pretrain_learning_rate_init
        self.pretrain_loss_curves = []

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        if not len(self.history):
            self.pretrain(X)
        return super().fit_loop(X, y, epochs=epochs, **fit_params)

    def pretrain(self, dataset):
        """Train each RBM below ``main_layer`` in turn (all of them with ``main_layer=None``)."""
        layers = self.module_.rbm_layers()
        n_layers = len(layers) if self.main_layer is None else self.main_layer
        self.pretrain_loss_curves = []
        self._set_training(True)
        for layer in range(n_layers):
            optimizer = torch.optim.SGD(
                layers[layer].parameters(), lr=self.pretrain_learning_rate_init
            )
            curve = []
            for _ in range(self.n_pretrain_epochs):
                total, count = 0.0, 0
                for batch in self.get_iterator(dataset, training=True):
                    total = total + self.contrastive_divergence_step(batch, layer, optimizer)
                    count += n_rows(batch[0])
                if self.data_parallel is not None:
                    total, count = self.data_parallel.sum(total, count)
                curve.append(float(total) / count)
            self.pretrain_loss_curves.append(curve)
            # The main optimizer, which covers every layer, must not step this one again.
            for parameter in layers[layer].parameters():
                parameter.grad = None

    def contrastive_divergence_step(self, batch, layer, optimizer):
        """One CD update of RBM ``layer``; returns the batch's summed weighted loss."""
        X, _, weight = batch
        with torch.no_grad():
            visible = self.module_.encode(X, layer) if layer else X
        # No zero_grad: the step assigns the gradients, it does not accumulate them.
        total_error = self.module_.rbm_layers()[layer].contrastive_divergence(
            visible,
            weight,
            n_steps=self.n_gibbs_steps,
            persistent=self.persistent,
            mean_field=self.mean_field,
        )
        group = optimizer.param_groups[0]
        if isinstance(optimizer, torch.optim.SGD | SGD) and not (
            group["momentum"] or group["weight_decay"] or len(optimizer.param_groups) > 1
        ):
            # Plain SGD (scikit-learn's update) applied directly, at the
            # group's current rate (so schedules apply): torch.optim's step
            # costs as much as the update itself on 10-row batches.
            with torch.no_grad():
                # Only the trained RBM has gradients (the optimizer may cover the stack).
                params = [p for p in group["params"] if p.grad is not None]
                if self.data_parallel is not None:
                    # Data-parallel fits sum the ranks' gradients in optimizer.step, skipped here.
                    self.data_parallel.sum_gradients(params, self.shard_share)
                torch._foreach_add_(params, [p.grad for p in params], alpha=-group["lr"])
        else:
            optimizer.step()
        return total_error

    def train_step(self, batch, **fit_params):
        if self.main_layer is None:
            return super().train_step(batch, **fit_params)
        self._set_training(True)
        total = self.contrastive_divergence_step(batch, self.main_layer, self.optimizer_)
        return {"loss": total / n_rows(batch[0]), "y_pred": None}

    def validation_step(self, batch, **fit_params):
        if self.main_layer is None:
            return super().validation_step(batch, **fit_params)
        self._set_training(False)
        X, _, weight = batch
        with torch.no_grad():
            visible = self.module_.encode(X, self.main_layer) if self.main_layer else X
            rbm = self.module_.rbm_layers()[self.main_layer]
            loss = self.get_loss(rbm(visible), visible, sample_weight=weight)
        return {"loss": loss, "y_pred": None}


_N_GIBBS_STEPS = Param(
    "n_gibbs_steps",
    1,
    "int",
    "Gibbs steps of the negative phase (the k of CD-k).",
    [Interval(Integral, 1, None, closed="left")],
)
_PERSISTENT = Param(
    "persistent",
    True,
    "bool",
    """
    Persistent contrastive divergence (Tieleman, 2008; scikit-learn's
    BernoulliRBM): the negative phase continues ``batch_size`` Gibbs chains
    from one update to the next instead of starting at the batch's rows.""",
    ["boolean"],
)
_MEAN_FIELD = Param(
    "mean_field",
    False,
    "bool",
    """
    Run the negative Gibbs chain on probabilities instead of binary samples
    (deterministic, mean-field contrastive divergence; Welling & Hinton,
    2002): a noise-free update, at the cost of a biased one.""",
    ["boolean"],
)
_HIDDEN_LAYER_SIZES = Param(
    "hidden_layer_sizes",
    (256, 256),
    "int or sequence of int",
    "Hidden units of each RBM of the stack, bottom first.",
    [PositiveInts()],
    positional=True,
)
# scikit-learn's BernoulliRBM: plain SGD at 0.1, 10 rows a batch, 10 epochs.
_CD_DEFAULTS = {
    "solver": "sgd",
    "momentum": 0.0,
    "learning_rate_init": 0.1,
    "batch_size": 10,
    "max_iter": 10,
    "alpha": 0.0,
}
_CD_TEST_PARAMS = {
    # The checks compare fits on repeated rows with fits on weighted rows
    # exactly: a deterministic chain from the rows and full batches.
    "mean_field": True,
    "persistent": False,
    "batch_size": "auto",
    "max_iter": 5,
    "random_state": 0,
}


class _ContrastiveDivergenceMixin:
    """What the RBM family shares: the input, the net, its arguments."""

    _input = NonNegativeInput
    _net_class = ContrastiveDivergenceNet
    _fine_tune = False  # the main epochs backpropagate instead of training the top RBM

    def _net_kwargs(self):
        n_rbms = len(as_positive_ints(getattr(self, "hidden_layer_sizes", 1)))
        return {
            "n_gibbs_steps": self.n_gibbs_steps,
            "persistent": self.persistent,
            "mean_field": self.mean_field,
            "main_layer": None if self._fine_tune else n_rbms - 1,
            "n_pretrain_epochs": getattr(self, "n_pretrain_epochs", self.max_iter),
            "pretrain_learning_rate_init": getattr(
                self, "pretrain_learning_rate_init", self.learning_rate_init
            ),
        }

    @classmethod
    def _get_test_params(cls):
        return dict(_CD_TEST_PARAMS)


_RBM_ATTRIBUTES = {
    "components_": (
        "ndarray of shape (n_components, n_features)",
        "Weight matrix, as scikit-learn's ``BernoulliRBM.components_``.",
    ),
    "intercept_hidden_": ("ndarray of shape (n_components,)", "Biases of the hidden units."),
    "intercept_visible_": ("ndarray of shape (n_features,)", "Biases of the visible units."),
    "module_": ("torch.nn.Module", "The trained :class:`sknets.networks.BernoulliRBM`."),
}
_CD_LOSS = {
    "loss_curve_": (
        "list of float",
        "Half the squared error of the mean-field reconstruction after each epoch.",
    )
}


class RBMTransformer(_ContrastiveDivergenceMixin, NeuralTransformer):
    __doc__ = f"""Bernoulli restricted Boltzmann machine trained by contrastive divergence.

    The counterpart of :class:`sklearn.neural_network.BernoulliRBM` on
    PyTorch (CPU or GPU): binary visible and hidden units
    (:class:`sknets.networks.BernoulliRBM`), trained by persistent
    contrastive divergence (or CD-k with ``persistent=False``) with plain
    SGD at ``learning_rate_init``; the defaults are scikit-learn's.
    ``transform`` gives the hidden units' probabilities ``P(h=1|v)``,
    ``inverse_transform`` the visible units' probabilities ``P(v=1|h)``,
    ``gibbs`` one Gibbs sampling step and ``score_samples`` the
    pseudo-likelihood.

    X holds values in [0, 1]: binary data or probabilities (pixel
    intensities scaled with MinMaxScaler). Negative values are refused;
    values above 1 are accepted, as scikit-learn's BernoulliRBM accepts
    them, but a Bernoulli unit has no meaning for them.

    Attributes
    ----------{attributes_doc(UNSUPERVISED_ATTRIBUTES, **_CD_LOSS, **_RBM_ATTRIBUTES)}

    See Also
    --------
    DBNTransformer : A stack of RBMs trained greedily.
    sklearn.neural_network.BernoulliRBM : scikit-learn's NumPy implementation.

    Notes
    -----
    Each update estimates the log-likelihood gradient as the difference
    between the data's statistics ``<v h>`` (with ``h = P(h|v)``) and those
    after ``n_gibbs_steps`` Gibbs steps (Hinton, 2002), and writes it into
    the parameters' gradients; no autograd is involved.

    References
    ----------
    .. [1] Hinton, G. E. (2002). Training products of experts by minimizing
       contrastive divergence. Neural Computation, 14(8), 1771-1800.
    .. [2] Tieleman, T. (2008). Training restricted Boltzmann machines using
       approximations to the likelihood gradient. ICML.

    Examples
    --------
    >>> import numpy as np
    >>> from sknets import RBMTransformer
    >>> X = (np.random.RandomState(0).rand(100, 16) > 0.5).astype(np.float32)
    >>> rbm = RBMTransformer(n_components=8, max_iter=5, random_state=0,
    ...                      device="cpu").fit(X)
    >>> rbm.transform(X).shape
    (100, 8)
    >>> rbm.gibbs(X[:2], random_state=0).shape
    (2, 16)
    >>> rbm.score_samples(X).shape
    (100,)
    """

    _params = (
        Param(
            "n_components",
            256,
            "int",
            "Number of hidden units.",
            [Interval(Integral, 1, None, closed="left")],
            positional=True,
        ),
        _N_GIBBS_STEPS,
        _PERSISTENT,
        _MEAN_FIELD,
    )
    _defaults = _CD_DEFAULTS
    _has_inverse_transform = True
    # Contrastive divergence has no loss that converges (it follows a
    # likelihood gradient estimate; the reconstruction error it reports is
    # a proxy): the epoch count is the schedule, as BernoulliRBM's n_iter,
    # so reaching max_iter is no ConvergenceWarning.
    _max_iter_is_schedule = True

    def _build_module(self, spec):
        return build_network(BernoulliRBM, self, spec)

    def _make_criterion(self):
        return HalfSquaredErrorPerSample()

    components_ = property(lambda self: _to_numpy(self.module_.weight))
    intercept_hidden_ = property(lambda self: _to_numpy(self.module_.hidden_bias))
    intercept_visible_ = property(lambda self: _to_numpy(self.module_.visible_bias))

    @validate_params({"random_state": ["random_state"]}, prefer_skip_nested_validation=True)
    def gibbs(self, X, random_state=None):
        """One Gibbs sampling step from each row: ``h ~ P(h|X)``, then ``v ~ P(v|h)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Visible values to start from.
        random_state : int, RandomState instance or None, default=None
            Seeds the draw (an int: the same step every time); the global
            random state is never changed.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            Binary visible values after one step.
        """
        X, _ = self._validated_input(X)
        return _to_numpy(seeded_gibbs_step(self, X, random_state))

    def score_samples(self, X):
        """Pseudo-log-likelihood of each row, as scikit-learn's BernoulliRBM computes it.

        ``n_features * log(sigmoid(F(x') - F(x)))`` with F the free energy
        and x' the row with one value flipped (``1 - x``). Which value is
        flipped is random, drawn from ``random_state`` (None: different on
        every call) and from the row's own values, so that a row's score
        does not depend on the rows scored with it or their order.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary rows.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Pseudo-log-likelihoods (higher is more likely).
        """
        X, _ = self._validated_input(X)
        seed = seed_from_random_state(self.random_state)

        def pseudo_likelihood(rows):
            flip = self.module_.flip_indices(rows, seed)
            return self.module_.pseudo_likelihood(rows, flip)

        return _to_numpy(self._forward_network(X, pseudo_likelihood)).astype("float64")


class _DeepBeliefMixin(_ContrastiveDivergenceMixin):
    """The stack both DBN estimators build."""

    def _build_module(self, spec):
        # n_outputs: the classifier's head (None for the transformer).
        return build_network(DeepBeliefNetwork, self, spec)

    @property
    def pretrain_loss_curves_(self):
        """Loss curve of each RBM trained before the main epochs, bottom first."""
        check_is_fitted(self)
        return [list(curve) for curve in self.net_.pretrain_loss_curves]


_DBN_REFERENCE = """
    .. [1] Hinton, G. E., Osindero, S., & Teh, Y.-W. (2006). A fast learning
       algorithm for deep belief nets. Neural Computation, 18(7), 1527-1554.
    .. [2] Hinton, G. E., & Salakhutdinov, R. R. (2006). Reducing the
       dimensionality of data with neural networks. Science, 313, 504-507."""
_PRETRAIN_CURVES = {
    "pretrain_loss_curves_": (
        "list of list of float",
        "Loss curve (half the squared reconstruction error) of each RBM trained "
        "before the main epochs, bottom first.",
    )
}


class DBNTransformer(_DeepBeliefMixin, NeuralTransformer):
    __doc__ = f"""Deep belief network: a stack of RBMs trained greedily, layer by layer.

    Each RBM of ``hidden_layer_sizes`` (:class:`sknets.networks.DeepBeliefNetwork`)
    is trained by contrastive divergence on the hidden probabilities of
    the one below, bottom first, for ``max_iter`` epochs each (Hinton,
    Osindero & Teh, 2006). The training history (``loss_curve_``,
    ``n_iter_``, early stopping) is the top RBM's; ``warm_start`` and
    ``partial_fit`` continue training the top RBM. ``transform`` gives the
    top RBM's hidden probabilities, ``inverse_transform`` the mean-field
    top-down pass back to the visible units. X holds values in [0, 1], as
    for :class:`RBMTransformer`.

    Attributes
    ----------{attributes_doc(UNSUPERVISED_ATTRIBUTES, **_CD_LOSS, **_PRETRAIN_CURVES)}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.DeepBeliefNetwork`.

    See Also
    --------
    RBMTransformer : One RBM.
    DBNClassifier : The stack fine-tuned as a classifier.

    References
    ----------{_DBN_REFERENCE}

    Examples
    --------
    >>> import numpy as np
    >>> from sknets import DBNTransformer
    >>> X = (np.random.RandomState(0).rand(100, 16) > 0.5).astype(np.float32)
    >>> dbn = DBNTransformer(hidden_layer_sizes=(12, 6), max_iter=3, random_state=0,
    ...                      device="cpu").fit(X)
    >>> dbn.transform(X).shape
    (100, 6)
    >>> dbn.inverse_transform(dbn.transform(X)).shape
    (100, 16)
    """

    _params = (_HIDDEN_LAYER_SIZES, _N_GIBBS_STEPS, _PERSISTENT, _MEAN_FIELD)
    _defaults = _CD_DEFAULTS
    _has_inverse_transform = True
    # Contrastive divergence has no loss that converges (it follows a
    # likelihood gradient estimate; the reconstruction error it reports is
    # a proxy): the epoch count is the schedule, as BernoulliRBM's n_iter,
    # so reaching max_iter is no ConvergenceWarning.
    _max_iter_is_schedule = True

    def _make_criterion(self):
        return HalfSquaredErrorPerSample()


_N_PRETRAIN_EPOCHS = Param(
    "n_pretrain_epochs",
    10,
    "int",
    "Epochs of contrastive divergence of each RBM before fine-tuning; 0 for none.",
    [Interval(Integral, 0, None, closed="left")],
)
_PRETRAIN_LEARNING_RATE_INIT = Param(
    "pretrain_learning_rate_init",
    0.1,
    "float",
    """
    Learning rate of the plain-SGD contrastive-divergence updates of
    pre-training (constant: ``learning_rate``, the schedule, applies to
    the fine-tuning).""",
    [Interval(Real, 0, None, closed="neither")],
)


class DBNClassifier(_DeepBeliefMixin, NeuralClassifier):
    __doc__ = f"""Deep belief network classifier: greedy RBM pre-training, then backpropagation.

    The RBMs of ``hidden_layer_sizes`` are first trained greedily by
    contrastive divergence, bottom first, ``n_pretrain_epochs`` epochs each
    at ``pretrain_learning_rate_init`` (Hinton, Osindero & Teh, 2006); the stack
    then reads as a sigmoid MLP whose hidden layers start from the RBMs'
    weights and hidden biases, a linear softmax (or logistic) head is
    added, and the whole network is fine-tuned on the labels by
    backpropagation for ``max_iter`` epochs with ``solver`` at
    ``learning_rate_init`` (Hinton & Salakhutdinov, 2006). Pre-training
    runs on a fresh fit only (not on ``warm_start`` or ``partial_fit``
    calls that continue one). Pre-training reads X as the probabilities
    of binary units, so X should hold values in [0, 1] (scale it with
    MinMaxScaler); unlike the transformers it also takes other real
    values, which only the fine-tuned network makes sense of.

    Attributes
    ----------{attributes_doc(CLASSIFIER_ATTRIBUTES, **_PRETRAIN_CURVES)}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.DeepBeliefNetwork` with its head.

    See Also
    --------
    DBNTransformer : The stack as an unsupervised transformer.
    MLPClassifier : The same network without pre-training.

    References
    ----------{_DBN_REFERENCE}

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknets import DBNClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> clf = DBNClassifier(hidden_layer_sizes=(64,), n_pretrain_epochs=2, max_iter=5,
    ...                     random_state=0, device="cpu").fit(X[:500], y[:500])
    >>> clf.predict_proba(X[:2]).shape
    (2, 10)
    >>> clf.score(X[500:], y[500:]) > 0.8
    True
    """

    _params = (
        _HIDDEN_LAYER_SIZES,
        _N_PRETRAIN_EPOCHS,
        _PRETRAIN_LEARNING_RATE_INIT,
        _N_GIBBS_STEPS,
        _PERSISTENT,
        _MEAN_FIELD,
    )
    _defaults = {"solver": "sgd", "momentum": 0.9, "learning_rate_init": 0.1, "batch_size": 10}
    _fine_tune = True
    # scikit-learn's class-weight check feeds classifiers negative values
    # whatever their tags say; the backpropagated network takes any values.
    _input = TabularInput

    @classmethod
    def _get_test_params(cls):
        return {
            **_CD_TEST_PARAMS,
            "hidden_layer_sizes": (16,),
            "n_pretrain_epochs": 2,
            "max_iter": 100,
        }


def seeded_gibbs_step(estimator, X, random_state):
    """One Gibbs step over X (validated), drawing from a generator of the call's own."""
    generator = local_generator(random_state, estimator.device_)

    def gibbs(rows):
        return estimator.module_.gibbs(rows, generator=generator)

    # The batch cost is measured (once) on the unseeded step, so that no
    # probe draws from the call's generator; both share the name.
    estimator._forward_cost(X, estimator.module_.gibbs)
    return estimator._forward_network(X, gibbs)
