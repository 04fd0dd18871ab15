"""Recurrent networks: Elman RNN, LSTM and GRU over series or token ids."""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ._layers import HeadedNetwork
from ._sequence import AttentionPooling, SequenceInput, masked_mean

__all__ = ["CELLS", "POOLINGS", "RecurrentNetwork"]

#: Recurrent cells by name.
CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
#: How the steps' outputs become one feature vector per sequence.
POOLINGS = ("last", "mean", "attention")


class RecurrentNetwork(HeadedNetwork):
    """A stacked recurrent network (RNN, LSTM or GRU) with a pooled linear head.

    Parameters
    ----------
    n_outputs : int
        Size of the output (classes or targets).
    in_channels : int, optional
        Channels of a series input ``(n, in_channels, T)``; NaN steps at the
        end of a series are padding.
    vocab_size : int, optional
        Token-id input ``(n, length)`` instead (0 is padding), through an
        embedding of ``embedding_dim`` features.
    embedding_dim : int, default=128
        Size of the token embeddings.
    cell : {"lstm", "gru", "rnn"}, default="rnn"
        The recurrent cell (``"rnn"``: Elman's, with tanh).
    hidden_size : int, default=64
        Features of the hidden state, per direction.
    n_layers : int, default=1
        Stacked recurrent layers.
    bidirectional : bool, default=False
        Run a second layer stack from the end of each sequence backwards.
    dropout : float, default=0.0
        Dropout between stacked layers and before the head, and on the
        token embeddings (series channels are not dropped).
    pooling : {"last", "mean", "attention"}, default="last"
        ``"last"``: the final hidden state of each direction (the last real
        step forwards, the first backwards); ``"mean"``: the mean of the
        outputs over the real steps; ``"attention"``: additive attention
        pooling over them.

    Padded batches run as packed sequences, so padding changes neither the
    states nor the pooled features.
    """

    def __init__(
        self,
        *,
        n_outputs,
        in_channels=None,
        vocab_size=None,
        embedding_dim=128,
        cell="rnn",
        hidden_size=64,
        n_layers=1,
        bidirectional=False,
        dropout=0.0,
        pooling="last",
    ):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"Unknown cell {cell!r}; expected one of {sorted(CELLS)}.")
        if pooling not in POOLINGS:
            raise ValueError(f"Unknown pooling {pooling!r}; expected one of {list(POOLINGS)}.")
        self.inputs = SequenceInput(
            in_channels=in_channels, vocab_size=vocab_size, embedding_dim=embedding_dim
        )
        self.rnn = CELLS[cell](
            self.inputs.n_features,
            hidden_size,
            num_layers=n_layers,
            batch_first=True,
            dropout=dropout if n_layers > 1 else 0.0,
            bidirectional=bidirectional,
        )
        self.n_directions = 2 if bidirectional else 1
        self.pooling = pooling
        self.num_features = hidden_size * self.n_directions
        self.attention = (
            AttentionPooling(n_features=self.num_features) if pooling == "attention" else None
        )
        self.dropout = nn.Dropout(dropout)
        self.embedding_dropout = nn.Dropout(dropout) if vocab_size is not None else None
        self.head = nn.Linear(self.num_features, n_outputs)

    def forward_steps(self, x, *, outputs=True):
        """Outputs of the last layer at every step ``(n, T, num_features)``, the mask, the state.

        With ``outputs=False`` the packed outputs are not unpacked (None is
        returned for them): the final state is all that ``"last"`` pooling reads.
        """
        steps, mask = self.inputs(x)
        if self.embedding_dropout is not None:
            steps = self.embedding_dropout(steps)
        if mask is None:
            outputs, state = self.rnn(steps)
            return outputs, None, state
        lengths = mask.sum(dim=1).cpu()
        packed = pack_padded_sequence(steps, lengths, batch_first=True, enforce_sorted=False)
        packed_outputs, state = self.rnn(packed)
        if not outputs:
            return None, mask, state
        unpacked, _ = pad_packed_sequence(
            packed_outputs, batch_first=True, total_length=steps.shape[1]
        )
        return unpacked, mask, state

    def forward_features(self, x):
        outputs, mask, state = self.forward_steps(x, outputs=self.pooling != "last")
        if self.pooling == "last":
            hidden = state[0] if isinstance(state, tuple) else state
            # (layers * directions, n, H) -> the last layer's directions, (n, directions * H).
            last = hidden[-self.n_directions :]
            features = torch.cat(tuple(last), dim=1)
        elif self.pooling == "mean":
            features = masked_mean(outputs, mask)
        else:
            features = self.attention(outputs, mask)
        return self.dropout(features)
