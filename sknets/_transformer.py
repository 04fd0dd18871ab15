"""Transformer encoder estimators for series and text."""

from sklearn.utils._param_validation import StrOptions

from ._params import (
    CLASSIFIER_ATTRIBUTES,
    INPUT_SHAPE_PARAM,
    REGRESSOR_ATTRIBUTES,
    Param,
    attributes_doc,
)
from ._rnn import (
    POSITIVE_INT,
    PROBABILITY,
    SEQUENCE_ATTRIBUTES,
    SEQUENCE_DEFAULTS,
    SEQUENCE_INPUT_DOC,
    VOCAB_SIZE_PARAM,
    SequenceInputMixin,
)
from ._vocabulary import build_network
from .base import NeuralClassifier, NeuralRegressor
from .networks import TransformerEncoderNetwork

__all__ = ["TransformerClassifier", "TransformerRegressor"]

_TRANSFORMER_PARAMS = (
    Param(
        "d_model",
        64,
        "int",
        """
        Features of every step inside the encoder (and of the token
        embeddings, with ``vocab_size``).""",
        [POSITIVE_INT],
    ),
    Param("n_heads", 4, "int", "Attention heads; must divide ``d_model``.", [POSITIVE_INT]),
    Param("n_layers", 2, "int", "Number of encoder layers.", [POSITIVE_INT]),
    Param(
        "dim_feedforward",
        128,
        "int",
        "Width of the feed-forward sublayer of each transformer layer.",
        [POSITIVE_INT],
    ),
    Param(
        "dropout",
        0.1,
        "float",
        """
        Dropout probability after the positional encoding, in the attention
        and feed-forward blocks, and before the output layer.""",
        [PROBABILITY],
    ),
    Param(
        "pooling",
        "cls",
        '{"cls", "mean"}',
        """
        ``"cls"``: a learned classification token is put in front of every
        sequence and its output feeds the output layer (BERT's [CLS]);
        ``"mean"``: the mean of the outputs over the real steps.""",
        [StrOptions({"cls", "mean"})],
    ),
    VOCAB_SIZE_PARAM,
    INPUT_SHAPE_PARAM,
)

_ARCHITECTURE = """
    A transformer encoder (Vaswani et al., 2017;
    :class:`sknets.networks.TransformerEncoderNetwork`): series steps are
    projected, or tokens embedded, into ``d_model`` features, the sinusoidal
    positional encoding is added, ``n_layers`` pre-norm encoder layers of
    multi-head self-attention attend to the real steps only (padding is
    masked as keys, in pooling and in the output), and the [CLS] output or
    the mean over the steps feeds a linear output layer. The positional
    encoding is computed for any length, so token ids of any width are
    taken at predict time."""


class _TransformerMixin(SequenceInputMixin):
    _params = _TRANSFORMER_PARAMS
    _defaults = SEQUENCE_DEFAULTS

    def _validate_params(self):
        super()._validate_params()
        if self.d_model % self.n_heads:
            raise ValueError(
                f"{type(self).__name__}: n_heads={self.n_heads} must divide "
                f"d_model={self.d_model} (each head attends over d_model / n_heads features)."
            )

    def _build_module(self, spec):
        tokens = getattr(spec, "vocab_size", None) is not None
        return build_network(
            TransformerEncoderNetwork,
            self,
            spec,
            in_channels=None if tokens else spec.in_channels,
            vocab_size=spec.vocab_size if tokens else None,
        )

    @classmethod
    def _get_test_params(cls):
        return {
            "batch_size": "auto",  # full batches, as the sample-weight check needs
            "d_model": 16,
            "n_heads": 2,
            "n_layers": 1,
            "dim_feedforward": 32,
            "dropout": 0.0,
            "learning_rate_init": 0.01,
            "max_iter": 60,
            "random_state": 0,
        }


class TransformerClassifier(_TransformerMixin, NeuralClassifier):
    __doc__ = f"""Transformer encoder classifier of series or text on PyTorch.
{_ARCHITECTURE}
{SEQUENCE_INPUT_DOC}

    Attributes
    ----------{attributes_doc(CLASSIFIER_ATTRIBUTES, **SEQUENCE_ATTRIBUTES)}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.TransformerEncoderNetwork`.

    See Also
    --------
    LSTMClassifier : A recurrent network on the same inputs.
    TextTokenizer : Strings to the token ids this estimator takes.

    References
    ----------
    - Vaswani et al. (2017), Attention is all you need. NeurIPS.
    - Devlin, Chang, Lee & Toutanova (2019), BERT: pre-training of deep
      bidirectional transformers for language understanding. NAACL (the [CLS]
      pooling).

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sknets import TextTokenizer, TransformerClassifier
    >>> texts = ["a fine film", "a dull film", "fine acting", "dull plot"] * 10
    >>> labels = ["good", "bad", "good", "bad"] * 10
    >>> clf = make_pipeline(
    ...     TextTokenizer(),
    ...     TransformerClassifier(vocab_size=8, d_model=16, n_heads=2, max_iter=20,
    ...                           learning_rate_init=0.01, random_state=0, device="cpu"),
    ... ).fit(texts, labels)
    >>> clf.predict(["a fine film", "dull plot"]).tolist()
    ['good', 'bad']
    """


class TransformerRegressor(_TransformerMixin, NeuralRegressor):
    __doc__ = f"""Transformer encoder regressor of series or text on PyTorch.
{_ARCHITECTURE} Trained on half the squared error (or the Poisson
    deviance); a 2-D ``y`` fits several targets.
{SEQUENCE_INPUT_DOC}

    Attributes
    ----------{attributes_doc(REGRESSOR_ATTRIBUTES, **SEQUENCE_ATTRIBUTES)}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.TransformerEncoderNetwork`.

    See Also
    --------
    LSTMRegressor : A recurrent network on the same inputs.
    Seq2SeqRegressor : Multi-step forecasts with an encoder-decoder.

    References
    ----------
    - Vaswani et al. (2017), Attention is all you need. NeurIPS.
    - Devlin, Chang, Lee & Toutanova (2019), BERT: pre-training of deep
      bidirectional transformers for language understanding. NAACL (the [CLS]
      pooling).

    Examples
    --------
    >>> import numpy as np
    >>> from sknets import TransformerRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 1, 12)).astype(np.float32)
    >>> y = X[:, 0, :4].mean(axis=1)
    >>> reg = TransformerRegressor(d_model=16, n_heads=2, dropout=0.0, max_iter=30,
    ...                            learning_rate_init=0.003, random_state=0,
    ...                            device="cpu").fit(X, y)
    >>> reg.predict(X[:4]).shape
    (4,)
    >>> reg.score(X, y) > 0.5
    True
    """

    @classmethod
    def _get_test_params(cls):
        # The checks' regression target is linear in one of ten steps.
        return {**super()._get_test_params(), "pooling": "mean", "batch_size": 32}
