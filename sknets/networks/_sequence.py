"""Sequence inputs shared by the recurrent and transformer networks.

A sequence network takes either series, a float tensor ``(n, channels,
timepoints)`` whose trailing NaN steps are padding, or token ids, an int64
tensor ``(n, length)`` whose 0 entries are padding.  :class:`SequenceInput`
turns both into step features ``(n, length, features)`` and a mask of the
real steps; padding never reaches the pooling, the attention or the
recurrent state.
"""

import math

import torch
from torch import nn

__all__ = ["AttentionPooling", "SequenceInput", "masked_mean", "sequence_mask"]


def sequence_mask(x):
    """The real (not padding) steps of a batch: a bool tensor ``(n, length)``.

    Token ids (an integer tensor): ids other than 0.  Series (a float
    tensor ``(n, channels, T)``): steps that are not NaN.
    """
    if x.dtype.is_floating_point:
        return ~torch.isnan(x).any(dim=1)
    return x != 0


def _front_aligned(values, mask):
    """Move each row's real steps to its front, keeping their order.

    Token ids may be padded anywhere (Keras pads in front by default);
    the recurrent state and the positions must see the real tokens as
    one run from step 0, as for trailing padding.
    """
    if not (mask[:, 1:] & ~mask[:, :-1]).any():
        return values, mask
    order = torch.argsort((~mask).to(torch.int8), dim=1, stable=True)
    return values.gather(1, order), mask.gather(1, order)


class SequenceInput(nn.Module):
    """Series channels or token embeddings as step features ``(n, length, n_features)``.

    Parameters
    ----------
    in_channels : int, optional
        Channels of a series input (``vocab_size`` None).
    vocab_size : int, optional
        Number of token ids (0 is padding); an embedding layer of
        ``embedding_dim`` features then replaces the channels.
    embedding_dim : int
        Size of the token embeddings.

    ``forward`` returns the features and the mask of real steps, or None
    for the mask when no step of the batch is padding (the networks then
    take their faster unpadded path).  A row of padding only (token ids
    all 0, a series all NaN) keeps its first step as a real one (the
    padding embedding, or zeros), so that every row has something to pool:
    it is predicted as an empty text or series.
    """

    def __init__(self, *, in_channels=None, vocab_size=None, embedding_dim=128):
        super().__init__()
        if (in_channels is None) == (vocab_size is None):
            raise ValueError("Give exactly one of in_channels (series) and vocab_size (tokens).")
        self.tokens = vocab_size is not None
        if self.tokens:
            self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
            self.n_features = embedding_dim
        else:
            self.n_features = in_channels

    def forward(self, x):
        mask = sequence_mask(x)
        if self.tokens:
            if bool(mask.all()):
                return self.embedding(x), None
            x, mask = _front_aligned(x, mask)
            mask[:, 0] = True
            return self.embedding(x), mask
        steps = x.transpose(1, 2)
        if bool(mask.all()):
            return steps, None
        # Validated input holds NaN only as trailing steps (PaddedSeriesInput);
        # an empty series keeps one step of zeros, as a row of padding tokens.
        mask[:, 0] = True
        return torch.nan_to_num(steps, nan=0.0), mask


def masked_mean(values, mask):
    """Mean of ``values`` ``(n, length, d)`` over the real steps (all steps if mask is None)."""
    if mask is None:
        return values.mean(dim=1)
    weights = mask.unsqueeze(-1).to(values.dtype)
    return (values * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1)


class AttentionPooling(nn.Module):
    """Additive attention pooling over steps (Bahdanau et al., 2015; Yang et al., 2016).

    Each step gets the score ``v . tanh(W h_t + b)``; the softmax of the
    scores over the real steps weighs the sum of the steps.  The weights of
    the last call are kept in ``attention_weights`` (``(n, length)``) for
    inspection.
    """

    def __init__(self, *, n_features, attention_size=None):
        super().__init__()
        attention_size = attention_size or n_features
        self.project = nn.Linear(n_features, attention_size)
        self.score = nn.Linear(attention_size, 1, bias=False)

    def weights(self, values, mask=None):
        scores = self.score(torch.tanh(self.project(values))).squeeze(-1)
        if mask is not None:
            scores = scores.masked_fill(~mask, -math.inf)
        return torch.softmax(scores, dim=1)

    def forward(self, values, mask=None):
        weights = self.weights(values, mask)
        return torch.bmm(weights.unsqueeze(1), values).squeeze(1)
