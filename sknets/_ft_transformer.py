"""FT-Transformer estimators: a transformer over the columns of a table."""

from ._inputs import TableInput
from ._params import (
    CLASSIFIER_ATTRIBUTES,
    QUANTILE_TABLE_PARAMS,
    REGRESSOR_ATTRIBUTES,
    TABLE_ATTRIBUTES,
    Param,
    attributes_doc,
)
from ._rnn import POSITIVE_INT, PROBABILITY
from ._vocabulary import build_network
from .base import NeuralClassifier, NeuralRegressor
from .networks import FTTransformer

__all__ = ["FTTransformerClassifier", "FTTransformerRegressor"]


# The "default FT-Transformer" of Gorishniy et al. (2021), Table 13, as the
# reference code's output/*/ft_transformer/default/*.toml run it (3 blocks).
_FT_PARAMS = (
    Param(
        "d_model",
        192,
        "int",
        "Width of every column's token (the paper's d_token).",
        [POSITIVE_INT],
    ),
    Param("n_heads", 8, "int", "Attention heads; must divide ``d_model``.", [POSITIVE_INT]),
    Param("n_layers", 3, "int", "Number of transformer blocks.", [POSITIVE_INT]),
    Param(
        "dim_feedforward",
        256,
        "int",
        """
        Width of each block's ReGLU feed-forward sublayer (its first Linear
        layer has twice as many outputs, gated pairwise): 4/3 of
        ``d_model`` by default, as in the paper.""",
        [POSITIVE_INT],
    ),
    Param(
        "dropout",
        0.1,
        "float",
        "Dropout on the feed-forward sublayers' hidden units.",
        [PROBABILITY],
    ),
    Param("attention_dropout", 0.2, "float", "Dropout on the attention weights.", [PROBABILITY]),
    Param(
        "residual_dropout",
        0.0,
        "float",
        "Dropout on each sublayer's output before it is added back.",
        [PROBABILITY],
    ),
)

# The paper's training protocol: AdamW at 1e-4 with weight decay 1e-5,
# batches of 256 (its datasets under 50,000 rows; 512 and 1024 above), and
# early stopping with a patience of 16 epochs (no epoch limit: max_iter is
# a cap that early stopping normally ends well before).
_FT_DEFAULTS = {
    "solver": "adamw",
    "learning_rate_init": 1e-4,
    "alpha": 1e-5,
    "batch_size": 256,
    "early_stopping": True,
    "n_iter_no_change": 16,
    "max_iter": 1000,
}

_ARCHITECTURE = """
    FT-Transformer (Gorishniy et al., 2021; :class:`sknets.networks.FTTransformer`):
    every column becomes a ``d_model`` token (a numeric value ``x_j`` is
    ``x_j * W_j + b_j``, a category code its embedding plus ``b_j``), a
    learned [CLS] token joins them, ``n_layers`` pre-norm transformer
    blocks (multi-head self-attention over the columns, ReGLU feed-forward
    sublayers; the first block without its first LayerNorm) mix them, and
    the [CLS] token's final representation goes through LayerNorm, ReLU
    and a linear output layer. The defaults are the paper's "default
    FT-Transformer" and its training protocol (AdamW, learning rate 1e-4,
    weight decay 1e-5 as ``alpha``, batches of 256, early stopping after 16
    epochs without improvement). Standardise or quantile-transform numeric
    columns first, as the paper does. ``alpha`` decays every weight matrix,
    the tokenizer's included (the reference exempts the tokenizer)."""

_REFERENCES = """
    References
    ----------
    - Gorishniy, Rubachev, Khrulkov & Babenko (2021), Revisiting deep
      learning models for tabular data. NeurIPS.
    - Shazeer (2020), GLU variants improve transformer (ReGLU).
    - Loshchilov & Hutter (2019), Decoupled weight decay regularization.
      ICLR (AdamW)."""

_MODULE_ATTRIBUTE = {
    "module_": ("torch.nn.Module", "The trained :class:`sknets.networks.FTTransformer`.")
}


def check_heads(estimator):
    """Refuse ``n_heads`` that does not divide ``d_model``."""
    if estimator.d_model % estimator.n_heads:
        raise ValueError(
            f"{type(estimator).__name__}: n_heads={estimator.n_heads} must divide "
            f"d_model={estimator.d_model} (each head attends over d_model / n_heads features)."
        )


def small_settings():
    """Tiny settings for the conformance suite: scikit-learn's batches, no early stopping."""
    return {
        "d_model": 8,
        "n_heads": 2,
        "n_layers": 1,
        "dim_feedforward": 16,
        "dropout": 0.0,
        "attention_dropout": 0.0,
        "batch_size": "auto",  # full batches, as the sample-weight check needs
        "early_stopping": False,
        "n_iter_no_change": 10,
        "learning_rate_init": 0.01,
        "max_iter": 100,
        "random_state": 0,
    }


class _FTTransformerMixin:
    _params = (*_FT_PARAMS, *QUANTILE_TABLE_PARAMS)
    _input = TableInput
    # Both references train their regressors on the standardised target.
    _standardizes_target = True
    _defaults = _FT_DEFAULTS

    def _validate_params(self):
        super()._validate_params()
        check_heads(self)

    def _build_module(self, spec):
        return build_network(FTTransformer, self, spec)

    @classmethod
    def _get_test_params(cls):
        return small_settings()


class FTTransformerClassifier(_FTTransformerMixin, NeuralClassifier):
    __doc__ = f"""FT-Transformer classifier of tabular data on PyTorch.
{_ARCHITECTURE}

    Attributes
    ----------{attributes_doc(CLASSIFIER_ATTRIBUTES, **TABLE_ATTRIBUTES, **_MODULE_ATTRIBUTE)}

    See Also
    --------
    FTTransformerRegressor : The regressor with the same network.
    MLPClassifier : A multi-layer perceptron on the same rows, far cheaper.
{_REFERENCES}

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sknets import FTTransformerClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = FTTransformerClassifier(
    ...     d_model=16, n_heads=2, n_layers=1, dim_feedforward=24, max_iter=20,
    ...     learning_rate_init=1e-3, random_state=0, device="cpu").fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> clf.score(X, y) > 0.9
    True
    """


class FTTransformerRegressor(_FTTransformerMixin, NeuralRegressor):
    __doc__ = f"""FT-Transformer regressor of tabular data on PyTorch.
{_ARCHITECTURE} Trained on half the squared error (or the Poisson
    deviance); a 2-D ``y`` fits several targets.  As in the paper, the
    squared error is taken on the standardised target (each target's
    mean and standard deviation, weighted by ``sample_weight``, fitted
    by a fit from scratch or the first ``partial_fit``): the network's
    last layer (:class:`~sknets.networks.TargetScaling`) maps its
    outputs back to the target's units, so ``predict`` needs no inverse
    transform, and ``loss_curve_`` is on the standardised scale.

    Attributes
    ----------{attributes_doc(REGRESSOR_ATTRIBUTES, **TABLE_ATTRIBUTES, **_MODULE_ATTRIBUTE)}

    See Also
    --------
    FTTransformerClassifier : The classifier with the same network.
    MLPRegressor : A multi-layer perceptron on the same rows, far cheaper.
{_REFERENCES}

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sknets import FTTransformerRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = FTTransformerRegressor(
    ...     d_model=16, n_heads=2, n_layers=1, dim_feedforward=24, max_iter=40,
    ...     learning_rate_init=3e-3, random_state=0, device="cpu")
    >>> reg.fit(X, y).predict(X[:2]).shape
    (2,)
    >>> reg.score(X, y) > 0.4
    True
    """
