"""TabM estimators: an ensemble of MLPs in one network, for tabular data."""

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from ._inputs import TableInput
from ._losses import MemberAveragedLoss
from ._params import (
    CLASSIFIER_ATTRIBUTES,
    QUANTILE_TABLE_PARAMS,
    REGRESSOR_ATTRIBUTES,
    TABLE_ATTRIBUTES,
    Param,
    PositiveInts,
    attributes_doc,
)
from ._vocabulary import build_network
from .base import NeuralClassifier, NeuralRegressor
from .networks import ACTIVATIONS, TabM

__all__ = ["TabMClassifier", "TabMRegressor"]

_TABM_PARAMS = (
    Param(
        "hidden_layer_sizes",
        (512, 512),
        "int or sequence of int",
        """Width of each hidden layer (TabM's ``n_blocks`` layers of ``d_block``
        units; the reference's default with numeric embeddings is two of 512,
        without them three).""",
        [PositiveInts()],
    ),
    Param(
        "activation",
        "relu",
        "{" + ", ".join(f'"{name}"' for name in ACTIVATIONS) + "}",
        "Activation of the hidden layers.",
        [StrOptions(set(ACTIVATIONS))],
    ),
    Param(
        "dropout",
        0.1,
        "float",
        "Dropout probability after each hidden activation (the reference's 0.1).",
        [Interval(Real, 0, 1, closed="left")],
    ),
    Param(
        "n_members",
        32,
        "int",
        """Members of the ensemble (TabM's ``k``): MLPs that share their weight
        matrices, each with its own scalings, biases and output head, trained
        at once on the same batches.""",
        [Interval(Integral, 1, None, closed="left")],
    ),
    Param(
        "numeric_embedding",
        "periodic",
        '{"periodic"} or None',
        """Embedding of each numeric feature before the MLP: ``"periodic"``,
        lite periodic embeddings (Gorishniy et al., 2022: 48 trained
        frequencies, cosines and sines, a shared Linear layer to 24 numbers
        and a ReLU); None feeds the values as they are.""",
        [StrOptions({"periodic"}), None],
    ),
)

# The reference's training: AdamW(lr=2e-3, weight_decay=3e-4), batches of
# 256 rows, early stopping on a validation split with a patience of 16.
_TABM_DEFAULTS = {
    "solver": "adamw",
    "learning_rate_init": 2e-3,
    "alpha": 3e-4,
    "batch_size": 256,
    "early_stopping": True,
    "n_iter_no_change": 16,
}

_TABM_ATTRIBUTES = {"module_": ("torch.nn.Module", "The trained :class:`sknets.networks.TabM`.")}

# What the network averages the members' outputs on (their predictions' scale).
_OUTPUT_LINKS = {
    "binary": "logistic",
    "multilabel": "logistic",
    "multiclass": "softmax",
    "multitask": "softmax",
    "log-mean": "exp",
}


def ensemble_output(estimator):
    """The network's ``output_link`` and ``task_sizes`` for the fitted targets."""
    kind = estimator._output_kind
    task_sizes = tuple(estimator._targets.task_sizes) if kind == "multitask" else None
    return {"output_link": _OUTPUT_LINKS.get(kind, "identity"), "task_sizes": task_sizes}


class _TabMMixin:
    """Network, per-member loss and test settings shared by both TabM estimators."""

    _params = (*_TABM_PARAMS, *QUANTILE_TABLE_PARAMS)
    _input = TableInput
    # Both references train their regressors on the standardised target.
    _standardizes_target = True
    _defaults = _TABM_DEFAULTS

    def _build_module(self, spec):
        return build_network(TabM, self, spec, **ensemble_output(self))

    def _make_criterion(self):
        return MemberAveragedLoss(super()._make_criterion())

    @classmethod
    def _get_test_params(cls):
        return {
            "hidden_layer_sizes": (16,),
            "n_members": 4,
            # Deterministic full batches (dropout draws a mask per repeated row).
            "dropout": 0.0,
            "batch_size": "auto",
            "early_stopping": False,
            "max_iter": 100,
            "random_state": 0,
        }


_REFERENCES = """
    - Gorishniy, Kotelnikov & Babenko (2025), TabM: Advancing Tabular Deep
      Learning with Parameter-Efficient Ensembling. ICLR.
    - Wen, Tran & Ba (2020), BatchEnsemble: an Alternative Approach to
      Efficient Ensemble and Lifelong Learning. ICLR.
    - Gorishniy, Rubachev & Babenko (2022), On Embeddings for Numerical
      Features in Tabular Deep Learning. NeurIPS."""

_HOW = """The network holds ``n_members`` MLPs at once: they share their weight
    matrices, and each has its own scalings (BatchEnsemble adapters), biases
    and output head; only the first layer's input scalings differ at
    initialisation. The loss is the mean of the members' losses, so each
    learns on its own, and a prediction averages the members'"""


class TabMClassifier(_TabMMixin, NeuralClassifier):
    __doc__ = f"""TabM classifier: a parameter-efficient ensemble of MLPs, for tabular data.

    {_HOW} class probabilities.
    Defaults are the reference's: lite periodic embeddings of the numeric
    features, two hidden layers of 512, 32 members, AdamW at 2e-3 with a
    weight decay of 3e-4, batches of 256 and early stopping; the numeric
    columns are quantile-transformed inside, as the reference does before
    its periodic embeddings.

    Attributes
    ----------{attributes_doc(CLASSIFIER_ATTRIBUTES, **TABLE_ATTRIBUTES, **_TABM_ATTRIBUTES)}

    See Also
    --------
    TabMRegressor : The regressor with the same network.
    MLPClassifier : One MLP.

    References
    ----------{_REFERENCES}

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.model_selection import train_test_split
    >>> from sknets import TabMClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> clf = TabMClassifier(hidden_layer_sizes=(64, 64), n_members=8, max_iter=30,
    ...                      random_state=0, device="cpu").fit(X_train, y_train)
    >>> clf.predict_proba(X_test[:2]).shape
    (2, 2)
    >>> clf.score(X_test, y_test) > 0.9
    True
    """


class TabMRegressor(_TabMMixin, NeuralRegressor):
    __doc__ = f"""TabM regressor: a parameter-efficient ensemble of MLPs, for tabular data.

    {_HOW} means.
    Defaults are the reference's (see :class:`TabMClassifier`).  As in
    the reference, the squared error is taken on the standardised target
    (each target's mean and standard deviation, weighted by
    ``sample_weight``, fitted by a fit from scratch or the first
    ``partial_fit``): the network's last layer
    (:class:`~sknets.networks.TargetScaling`) maps the members' outputs
    back to the target's units, so ``predict`` needs no inverse
    transform, and ``loss_curve_`` is on the standardised scale.

    Attributes
    ----------{attributes_doc(REGRESSOR_ATTRIBUTES, **TABLE_ATTRIBUTES, **_TABM_ATTRIBUTES)}

    See Also
    --------
    TabMClassifier : The classifier with the same network.
    MLPRegressor : One MLP.

    References
    ----------{_REFERENCES}

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sknets import TabMRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = TabMRegressor(hidden_layer_sizes=(64, 64), n_members=8, max_iter=30,
    ...                     random_state=0, device="cpu").fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    >>> reg.score(X, y) > 0.4
    True
    """
