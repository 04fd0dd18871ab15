"""A GPT-style character (or token) language model as a scikit-learn generator.

:class:`GPTGenerator` is thin; the rest of the family lives beside it:
:class:`TokenStreamInput` turns texts (or rows of token ids) into one
stream of token ids and back, :class:`TokenWindows` cuts the stream into
the training windows, :class:`NextTokenNet` trains on them (next-token
prediction) and :class:`sknets.networks.GPTNetwork` is the network.
"""

import copy
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_array, check_is_fitted
from torch import nn
from torch.nn import functional as F

from ._batches import TensorBatches
from ._inputs import InputAdapter, TokenInput
from ._params import UNSUPERVISED_ATTRIBUTES, attributes_doc
from ._rnn import POSITIVE_INT, VOCAB_SIZE_PARAM
from ._training import NeuralNetCore
from ._transformer import _TRANSFORMER_PARAMS
from ._vocabulary import build_network
from .base import NeuralGenerator, Param
from .networks import GPTNetwork
from .text import PAD_ID, UNKNOWN_ID, check_texts
from .utils import local_generator

__all__ = ["GPTGenerator"]

#: Id 0 is padding in token rows and, in the stream, the boundary between
#: two texts: the start token of every text and the end token of the last.
BOUNDARY_ID = PAD_ID
#: Never ignored by the loss: target positions that hold it are padding.
_NO_TARGET = -1
#: What an id without a character (the unknown id) reads as in a generated text.
_UNKNOWN_CHARACTER = "\ufffd"


def _window_layout(n_tokens, block_size):
    """Windows over a stream of ``n_tokens``: their number, length and largest shift.

    Windows of ``block_size + 1`` tokens (inputs and the targets one step
    later) start every ``block_size`` tokens, so that each token is a
    target once per pass.  As many fit as can be shifted by up to
    ``block_size - 1`` tokens and stay inside the stream; a stream shorter
    than two windows makes one window of the whole stream.
    """
    window = min(block_size + 1, n_tokens)
    n_windows = max(1, (n_tokens - block_size) // block_size)
    largest_shift = min(block_size - 1, n_tokens - window - (n_windows - 1) * block_size)
    return n_windows, window, max(largest_shift, 0)


class TokenWindows(TensorBatches):
    """The training windows of a token stream, cut on the device as batches are taken.

    The stream is stored once; a batch of windows is gathered from it.  The
    training loop shifts every window by one random offset per epoch
    (:meth:`shift_windows`), so that a token is not always predicted from
    the same context.
    """

    on_host = False

    def __init__(self, stream, block_size, device):
        self.device = torch.device(device)
        self.stream = torch.as_tensor(stream, dtype=torch.int64, device=self.device)
        n_windows, window, self.largest_shift = _window_layout(len(stream), block_size)
        self.starts = torch.arange(n_windows, device=self.device) * block_size
        self.offsets = torch.arange(window, device=self.device)
        self.shift = 0
        self.y = self.sample_weight = None

    def __len__(self):
        return len(self.starts)

    def take(self, index):
        starts = self.starts[index] + self.shift
        return self.stream[starts[:, None] + self.offsets], None, None

    @property
    def X(self):
        return self.take(slice(None))[0]

    def subset(self, index):
        part = copy.copy(self)
        part.starts = self.starts[torch.as_tensor(index, device=self.device)]
        return part

    def shift_windows(self, generator):
        """Move every window by one random offset in ``[0, largest_shift]``."""
        self.shift = int(torch.randint(self.largest_shift + 1, (1,), generator=generator))


class NextTokenLoss(nn.Module):
    """Mean cross-entropy of each window's next tokens (targets of -1 are ignored)."""

    def forward(self, logits, windows):
        targets = windows[:, 1:]
        losses = F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]),
            targets.reshape(-1),
            ignore_index=_NO_TARGET,
            reduction="none",
        ).view(targets.shape)
        return losses.sum(dim=1) / (targets != _NO_TARGET).sum(dim=1).clamp_min(1)


class NextTokenNet(NeuralNetCore):
    """Trains a language model on windows: the first tokens in, each next one the target.

    ``infer`` feeds a window less its last token to the network, and the
    loss (:class:`NextTokenLoss`) compares the logits with the window's
    tokens one step later; padded positions (-1) enter as id 0 and are no
    target.  Every training epoch shifts the windows by a random offset
    (with ``shuffle``).
    """

    def infer(self, x, **fit_params):
        return self.module_(x[:, :-1].clamp_min(0), **fit_params)

    def generate(self, ids, max_new_tokens, *, random_state=None, **options):
        """Rows of ``ids`` (numpy, each from the start token) continued, without the start token.

        ``options`` go to the network's ``generate``; generation stops once
        every row has reached the boundary id.  Draws are seeded by
        ``random_state``, and leave the caller's random state unchanged.
        """
        device = torch.device(self.device)
        # The call's own generator: reproducible while other threads draw.
        generator = local_generator(random_state, device)
        with self.model_lock.reading(), torch.inference_mode():
            self._set_training(False)
            ids = torch.as_tensor(ids, device=device)
            generated = self.module_.generate(
                ids, max_new_tokens, stop_id=BOUNDARY_ID, generator=generator, **options
            )
        return generated[:, 1:].cpu().numpy()

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        windows = getattr(iterator, "dataset", None)
        if training and self.shuffle and isinstance(windows, TokenWindows):
            windows.shift_windows(self.batch_generator)
        return super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)


class TokenStreamInput(InputAdapter):
    """Texts (``vocab_size=None``) or rows of token ids, as one stream of token ids.

    Texts are split into characters: fit learns the vocabulary
    (``vocabulary_``: character -> id from 2, in sorted order; id 0 is the
    boundary between texts, 1 an unknown character) and later calls map a
    character not in it to id 1.  Token rows (a 2-D integer array padded
    with 0, ``vocab_size`` set) lose their padding.  The stream holds every
    text preceded by the boundary id, and the boundary id after the last.
    """

    data_kinds = ("texts", "tokens")

    def __init__(self, estimator):
        super().__init__(estimator)
        self.text = estimator.vocab_size is None

    def check_params(self):
        estimator = self.estimator
        if estimator.d_model % estimator.n_heads:
            raise ValueError(
                f"{self.name}: n_heads={estimator.n_heads} must divide d_model="
                f"{estimator.d_model} (each head attends over d_model / n_heads features)."
            )

    def validate(self, X, y=None, *, reset, dtype, y_numeric=False):
        estimator = self.estimator
        if self.text:
            texts = check_texts(X, self.name)
            if reset:
                self._forget_feature_names()
                characters = sorted(set().union(*texts))
                estimator.vocabulary_ = {c: i + 2 for i, c in enumerate(characters)}
            sequences = self._encode(texts)
        else:
            sequences = self._rows(TokenInput(estimator).validate(X, reset=reset, dtype=dtype)[0])
        vocab_size = len(estimator.vocabulary_) + 2 if self.text else estimator.vocab_size
        if not reset and vocab_size != estimator.vocab_size_:
            raise ValueError(
                f"{self.name} was fitted with a vocabulary of {estimator.vocab_size_} ids; a "
                f"continued fit cannot change it to {vocab_size}. Fit from scratch "
                "(warm_start=False)."
            )
        if not any(len(sequence) for sequence in sequences):
            what = "characters (every text is empty)" if self.text else "tokens (only padding)"
            raise ValueError(
                f"{self.name} needs at least one token to learn from, but the {len(sequences)} "
                f"training samples hold no {what}."
            )
        if reset:
            estimator.vocab_size_ = vocab_size
            longest = max(len(sequence) for sequence in sequences)
            estimator.max_len_ = (
                min(longest, estimator.block_size) if self.text else estimator.n_features_in_
            )
        return np.concatenate([[BOUNDARY_ID, *sequence] for sequence in sequences] + [[0]]), None

    def validate_predict(self, X, *, dtype):
        """Windows that make every token of every sample a target once.

        Each sample (text or row) becomes its tokens framed by boundary ids,
        cut into windows of ``block_size + 1`` tokens (the last padded with
        -1).  Returns the windows, the sample each belongs to and its number
        of targets.
        """
        if self.text:
            sequences = self._encode(check_texts(X, self.name))
        else:
            sequences = self._rows(TokenInput(self.estimator).validate_predict(X, dtype=dtype))
        block = self.estimator.block_size
        windows, owners, n_targets = [], [], []
        for sample, sequence in enumerate(sequences):
            tokens = np.array([BOUNDARY_ID, *sequence, BOUNDARY_ID])
            for start in range(0, len(tokens) - 1, block):
                piece = tokens[start : start + block + 1]
                windows.append(np.pad(piece, (0, block + 1 - len(piece)), constant_values=-1))
                owners.append(sample)
                n_targets.append(len(piece) - 1)
        return np.stack(windows), np.array(owners), np.array(n_targets, dtype=np.float64)

    def prompt(self, prompt):
        """A prompt (a string, or a 1-D sequence of ids) as ids after the start token."""
        if self.text:
            if not isinstance(prompt, str):
                raise ValueError(
                    f"{self.name} was fitted on texts, so the prompt must be a string; got "
                    f"{type(prompt).__name__}."
                )
            return np.array([BOUNDARY_ID, *self._encode([prompt])[0]])
        ids = check_array(np.asarray(prompt).reshape(1, -1), dtype="numeric", ensure_min_features=0)
        return np.array([BOUNDARY_ID, *self._rows(TokenInput(self.estimator)._check(ids))[0]])

    def decode(self, ids):
        """Rows of generated ids, each cut at its first boundary id (its end).

        Texts: an object array of strings (the unknown id reads as U+FFFD);
        token ids: an int64 array padded with 0 to ``n_features_in_`` columns
        (or to its longest row).
        """
        ends = [np.flatnonzero(row == BOUNDARY_ID) for row in ids]
        rows = [row[: end[0]] if len(end) else row for row, end in zip(ids, ends, strict=True)]
        if self.text:
            characters = {i: c for c, i in self.estimator.vocabulary_.items()}
            texts = ["".join(characters.get(i, _UNKNOWN_CHARACTER) for i in row) for row in rows]
            return np.array(texts, dtype=object)
        width = max(self.estimator.n_features_in_, *map(len, rows))
        out = np.zeros((len(rows), width), dtype=np.int64)
        for index, row in enumerate(rows):
            out[index, : len(row)] = row
        return out

    def extend(self, prompt, continuation):
        """The prompt as given (without padding ids) followed by one decoded continuation."""
        decoded = self.decode(continuation[None])[0]
        if self.text:
            return prompt + decoded
        return np.concatenate([self.prompt(prompt)[1:], decoded[np.cumsum(decoded == 0) == 0]])

    def sizes(self, X):
        window = _window_layout(len(X), self.estimator.block_size)[1]
        return {"sample_shape": (window,), "vocab_size": self.estimator.vocab_size_}

    def n_samples(self, X):
        return _window_layout(len(X), self.estimator.block_size)[0]

    def dataset(self, X, y, sample_weight, device):
        return TokenWindows(X, self.estimator.block_size, device)

    def update_tags(self, tags):
        tags = super().update_tags(tags)
        tags.input_tags.one_d_array = tags.input_tags.string = self.text
        tags.input_tags.two_d_array = not self.text
        return tags

    def _encode(self, texts):
        lookup = self.estimator.vocabulary_.get
        return [np.array([lookup(c, UNKNOWN_ID) for c in text], dtype=np.int64) for text in texts]

    @staticmethod
    def _rows(ids):
        return [row[row != PAD_ID] for row in ids]


def _pick(params, **defaults):
    """The transformer family's parameters of these names, with GPT's defaults."""
    by_name = {param.name: param for param in params}
    return tuple(by_name[name].with_default(value) for name, value in defaults.items())


_GPT_PARAMS = (
    Param(
        "block_size",
        64,
        "int",
        """
        Context length: the model predicts each token from at most the
        ``block_size`` tokens before it, and trains on windows of that
        many tokens.""",
        [POSITIVE_INT],
    ),
    *_pick(_TRANSFORMER_PARAMS, d_model=128, n_heads=4, n_layers=4, dim_feedforward=512),
    Param(
        "dropout",
        0.0,
        "float",
        """
        Dropout probability on the embeddings, the attention weights and
        the outputs of the attention and feed-forward blocks.""",
        [Interval(Real, 0, 1, closed="left")],
    ),
    VOCAB_SIZE_PARAM,
)

_GPT_ATTRIBUTES = attributes_doc(
    UNSUPERVISED_ATTRIBUTES,
    n_features_in_=("int", "Token ids only: the number of columns of X seen during fit."),
    vocabulary_=("dict", "Texts only: character -> id (from 2; 0 boundary, 1 unknown)."),
    vocab_size_=("int", "Number of token ids the model predicts over."),
    max_len_=(
        "int",
        "Longest sample that sample() draws: the longest training text in characters, at "
        "most ``block_size`` (texts), or ``n_features_in_`` (token ids).",
    ),
    t_=("int", "Number of training windows seen."),
)


# nanoGPT's character-level Shakespeare settings for a CPU ("baby GPT"):
# AdamW with weight decay 0.1 and beta_2 0.99, batches of 12, a rate of 1e-3
# decayed along a cosine.  40 epochs: on Hamlet the cosine schedule over 40
# reaches 1.79 nats/char held out (benchmarks/gpt_quality.py), where 10
# stopped far above it.
_NANOGPT_DEFAULTS = {
    "batch_size": 12,
    "solver": "adamw",
    "alpha": 0.1,
    "beta_2": 0.99,
    "learning_rate": "cosine",
    "max_iter": 40,
}

_NO_SAMPLE_WEIGHT = (
    "GPTGenerator takes no sample_weight: it trains on windows that run across the texts. "
    "Repeat a text to give it more weight."
)

_GENERATE_CONSTRAINTS = {
    "prompt": [str, "array-like"],
    "max_new_tokens": [Interval(Integral, 0, None, closed="left")],
    "temperature": [Interval(Real, 0, None, closed="left")],
    "top_k": [Interval(Integral, 1, None, closed="left"), None],
    "random_state": ["random_state"],
}


def sample_from_start(network, n_samples, max_len, generator):
    """``n_samples`` rows of up to ``max_len`` ids drawn from the start token (not returned)."""
    start = torch.full((n_samples, 1), BOUNDARY_ID, device=next(network.parameters()).device)
    ids = network.generate(start, max_len, stop_id=BOUNDARY_ID, generator=generator)
    return ids[:, 1:]


class GPTGenerator(NeuralGenerator):
    __doc__ = f"""Generative pre-trained transformer: a character-level language model.

    A decoder-only transformer (GPT, Radford et al., 2019; written after
    Karpathy's nanoGPT, :class:`sknets.networks.GPTNetwork`): token and
    learned position embeddings, ``n_layers`` pre-LayerNorm blocks of
    causal multi-head self-attention and a feed-forward block, and an
    output layer tied to the token embedding, trained to predict each next
    token from the ``block_size`` tokens before it.

    X is a collection of texts (a list, 1-D array or Series of strings):
    the model learns their characters (``vocabulary_``). Or, with
    ``vocab_size``, a 2-D integer array of token ids padded with 0, as
    :class:`sknets.TextTokenizer` makes it. The texts (rows) are joined
    into one stream, each preceded by a boundary token (id 0) that also
    ends the last one, so the model learns where texts start and end.

    One epoch (``max_iter`` counts them) is one pass over the stream in
    windows of ``block_size + 1`` tokens, every token a target once; each
    epoch shifts the windows by a random offset. ``batch_size`` counts
    windows. ``sample`` draws texts from the boundary token;
    ``generate`` continues a prompt; ``score_samples`` and ``score`` are
    log-likelihoods per token (perplexity is ``exp(-score)``). Characters
    unseen in fit are read as the unknown id (1), which the model has
    learnt to be very unlikely. ``sample_weight`` is refused: windows run
    across texts.

    Attributes
    ----------{_GPT_ATTRIBUTES}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.GPTNetwork`.

    See Also
    --------
    TextTokenizer : Word-level token ids for ``vocab_size`` input.
    TransformerClassifier : A transformer encoder that classifies texts.

    Notes
    -----
    The defaults are nanoGPT's "baby GPT" for character-level Shakespeare
    on a CPU (``config/train_shakespeare_char.py`` with the README's CPU
    settings: 4 layers, 4 heads, 128 features, a context of 64 characters,
    batches of 12, AdamW at 1e-3 with weight decay 0.1, beta_2 0.99 and a
    cosine decay); attention runs through
    :func:`torch.nn.functional.scaled_dot_product_attention`.

    References
    ----------
    A. Radford, J. Wu, R. Child, D. Luan, D. Amodei and I. Sutskever,
    "Language models are unsupervised multitask learners", OpenAI, 2019.
    A. Karpathy, nanoGPT, https://github.com/karpathy/nanoGPT, 2023.

    Examples
    --------
    >>> from sknets import GPTGenerator
    >>> texts = ["to be or not to be", "that is the question"] * 20
    >>> gpt = GPTGenerator(block_size=16, d_model=32, n_heads=2, n_layers=1,
    ...                    learning_rate_init=0.01, max_iter=20, random_state=0,
    ...                    device="cpu").fit(texts)
    >>> gpt.generate("to be", max_new_tokens=10, random_state=0)
    'to be...'
    >>> gpt.sample(2, random_state=0).shape
    (2,)
    >>> gpt.score(texts) > -1.5
    True
    """
    _params = _GPT_PARAMS
    _defaults = _NANOGPT_DEFAULTS
    _input = TokenStreamInput
    _net_class = NextTokenNet
    _has_likelihood = True

    def _build_module(self, spec):
        return build_network(GPTNetwork, self, spec)

    def _make_criterion(self):
        return NextTokenLoss()

    def _combined_sample_weight(self, sample_weight, n_samples, y):
        if sample_weight is not None:
            raise ValueError(_NO_SAMPLE_WEIGHT)
        return None, 1.0

    def _sample_tensor(self, n_samples, *, generator):
        return sample_from_start(self.module_, n_samples, self.max_len_, generator)

    def sample(self, n_samples=1, random_state=None):
        """Draw new texts (or rows of token ids) from the start token.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        random_state : int, RandomState instance or None, default=None
            Seeds the draw; the caller's global random state is unchanged.

        Returns
        -------
        X : ndarray of shape (n_samples,) or (n_samples, n_features)
            Texts (object array of str), each ending where the model emits
            the end token or after ``max_len_`` characters; or token ids,
            padded with 0.
        """
        return self._input(self).decode(super().sample(n_samples, random_state))

    @validate_params(_GENERATE_CONSTRAINTS, prefer_skip_nested_validation=True)
    def generate(
        self, prompt="", max_new_tokens=100, temperature=1.0, top_k=None, random_state=None
    ):
        """Continue ``prompt`` by up to ``max_new_tokens`` drawn tokens.

        Parameters
        ----------
        prompt : str or sequence of int, default=""
            The start of the text (characters not in ``vocabulary_`` are
            read as the unknown id), or token ids; empty: from scratch.
        max_new_tokens : int, default=100
            Tokens to add; fewer if the model emits the end token.
        temperature : float, default=1.0
            Divides the logits: below 1 more likely tokens, above 1 more
            varied ones; 0 always takes the most likely token.
        top_k : int or None, default=None
            Draw only among the ``top_k`` most likely tokens.
        random_state : int, RandomState instance or None, default=None
            Seeds the draw; the caller's global random state is unchanged.

        Returns
        -------
        text : str or ndarray of int64
            The prompt followed by its continuation (ids for token input).
        """
        check_is_fitted(self)
        adapter = self._input(self)
        options = {"temperature": temperature, "top_k": top_k, "random_state": random_state}
        start = adapter.prompt(prompt)
        ids = self.net_.generate(start[None], max_new_tokens, **options)
        return adapter.extend(prompt, ids[0, len(start) - 1 :])

    def _log_likelihoods(self, X):
        """Summed log-likelihood and number of predicted tokens of each sample."""
        windows, owners, n_targets = self._validated_input(X)[0]
        scores = self._forward_network(windows, self._score_tensor).double().numpy()
        return np.bincount(owners, scores * n_targets), np.bincount(owners, n_targets)

    def score_samples(self, X):
        """Mean log-likelihood per token of each text (its end token included).

        Parameters
        ----------
        X : iterable of str, or array-like of shape (n_samples, n_tokens)
            Texts, or rows of token ids padded with 0.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            In nats; the text's perplexity is ``exp(-score)``.
        """
        total, count = self._log_likelihoods(X)
        return total / count

    def score(self, X, y=None):
        """Mean log-likelihood per token over all texts; perplexity is ``exp(-score)``.

        Parameters
        ----------
        X : iterable of str, or array-like of shape (n_samples, n_tokens)
            Texts, or rows of token ids padded with 0.
        y : None
            Ignored.

        Returns
        -------
        score : float
            Total log-likelihood divided by the number of tokens (nats).
        """
        total, count = self._log_likelihoods(X)
        return float(total.sum() / count.sum())

    @classmethod
    def _get_test_params(cls):
        tiny = {"block_size": 8, "d_model": 16, "n_heads": 2, "n_layers": 1, "dim_feedforward": 64}
        return {**tiny, "max_iter": 5, "learning_rate_init": 0.01, "random_state": 0}
