"""Encoder-decoder (sequence-to-sequence) network for multi-step forecasting."""

import math

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ._sequence import SequenceInput

__all__ = ["SEQ2SEQ_CELLS", "AdditiveAttention", "Seq2SeqNetwork"]

#: The recurrent cells an encoder-decoder takes, by name.
SEQ2SEQ_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}


class AdditiveAttention(nn.Module):
    """Additive attention of a query over a sequence (Bahdanau et al., 2015).

    The score of step ``j`` for the query ``s`` is ``v . tanh(W_k h_j + W_q
    s)``; the softmax of the scores over the real steps weighs the sum of
    the values ``h_j``.  The keys ``W_k h_j`` are computed once per sequence
    (:meth:`keys`) and reused for every query of the decoder.

    Parameters
    ----------
    n_features : int
        Features of the values (the encoder outputs).
    query_features : int, optional
        Features of the query (default: ``n_features``).
    attention_size : int, optional
        Size of the hidden scoring layer (default: ``n_features``).
    """

    def __init__(self, *, n_features, query_features=None, attention_size=None):
        super().__init__()
        attention_size = attention_size or n_features
        self.key = nn.Linear(n_features, attention_size)
        self.query = nn.Linear(query_features or n_features, attention_size, bias=False)
        self.score = nn.Linear(attention_size, 1, bias=False)

    def keys(self, values):
        """The projected values ``(n, length, attention_size)``, computed once per sequence."""
        return self.key(values)

    def forward(self, query, keys, values, mask=None):
        """The context ``(n, n_features)`` and the weights ``(n, length)`` for one query."""
        scores = self.score(torch.tanh(keys + self.query(query).unsqueeze(1))).squeeze(-1)
        if mask is not None:
            scores = scores.masked_fill(~mask, -math.inf)
        weights = torch.softmax(scores, dim=1)
        return torch.bmm(weights.unsqueeze(1), values).squeeze(1), weights


class Seq2SeqNetwork(nn.Module):
    """Recurrent encoder-decoder with additive attention, for multi-step forecasts.

    The encoder (an LSTM or a GRU) reads the input window; the decoder, a
    recurrent stack of the same cell and size, starts from the encoder's
    final state (the state after the last real step of each series) and
    emits one step of the forecast at a time.  At each decoder step ``t``
    (Bahdanau et al., 2015):

    1. additive attention with the decoder's top hidden state as query
       weighs the encoder outputs (padded steps get no weight) into a
       context vector;
    2. the decoder cell takes the previous target values
       (``n_target_channels``) concatenated with the context;
    3. a linear layer maps the new top hidden state and the context to the
       forecast of step ``t``.

    The previous target values at step 0 are the last real observed step
    of the input when the target has as many channels as the input (the
    usual forecast of a series' own future), otherwise a learned start
    vector.  With ``targets`` given (training), step ``t`` is fed the true
    values of step ``t - 1`` (teacher forcing), each row with probability
    ``teacher_forcing_ratio`` and the network's own forecast otherwise
    (scheduled sampling, Bengio et al., 2015); without them it is fed its
    own forecasts (autoregressive decoding), as at prediction.

    Parameters
    ----------
    in_channels : int
        Channels of the input series ``(n, in_channels, T)``; NaN steps at
        the end of a series are padding.
    horizon : int
        Number of steps forecast.
    n_target_channels : int, default=1
        Values forecast per step.
    cell : {"lstm", "gru"}, default="lstm"
        The recurrent cell of the encoder and the decoder.
    hidden_size : int, default=64
        Features of the hidden state of both.
    n_layers : int, default=1
        Stacked recurrent layers of both.
    dropout : float, default=0.0
        Dropout between stacked layers and before the output layer.
    log_outputs : bool, default=False
        The outputs are log-means (a Poisson loss): the decoder is fed their
        exponential, in the scale of the targets and of the input.

    Padded batches run the encoder as packed sequences, so padding changes
    neither its outputs at the real steps nor its final state, and the
    attention masks the padded steps: a padded window gets the forecast of
    the window without its padding.

    ``forward`` returns the forecast flattened to ``(n, horizon *
    n_target_channels)``, step-major (the values of step 0 first).

    Examples
    --------
    >>> import torch
    >>> from sknets.networks import Seq2SeqNetwork
    >>> net = Seq2SeqNetwork(in_channels=1, horizon=6, hidden_size=8)
    >>> x = torch.randn(4, 1, 24)  # four univariate windows of 24 steps
    >>> net(x).shape
    torch.Size([4, 6])
    >>> net(x, targets=torch.randn(4, 6)).shape  # teacher forcing
    torch.Size([4, 6])
    """

    def __init__(
        self,
        *,
        in_channels,
        horizon,
        n_target_channels=1,
        cell="lstm",
        hidden_size=64,
        n_layers=1,
        dropout=0.0,
        log_outputs=False,
    ):
        super().__init__()
        if cell not in SEQ2SEQ_CELLS:
            raise ValueError(f"Unknown cell {cell!r}; expected one of {sorted(SEQ2SEQ_CELLS)}.")
        if horizon < 1 or n_target_channels < 1:
            raise ValueError(
                "horizon and n_target_channels must be at least 1; got "
                f"horizon={horizon!r}, n_target_channels={n_target_channels!r}."
            )
        self.horizon = horizon
        self.n_target_channels = n_target_channels
        self.log_outputs = log_outputs
        self.inputs = SequenceInput(in_channels=in_channels)
        recurrent = SEQ2SEQ_CELLS[cell]
        between = dropout if n_layers > 1 else 0.0
        self.encoder = recurrent(
            in_channels, hidden_size, num_layers=n_layers, batch_first=True, dropout=between
        )
        self.decoder = recurrent(
            n_target_channels + hidden_size,
            hidden_size,
            num_layers=n_layers,
            batch_first=True,
            dropout=between,
        )
        self.attention = AdditiveAttention(n_features=hidden_size)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * hidden_size, n_target_channels)
        # The last observed step starts the decoder where it holds the target's channels.
        self.start_from_input = in_channels == n_target_channels
        self.start = None if self.start_from_input else nn.Parameter(torch.zeros(n_target_channels))

    def encode(self, x):
        """Encoder outputs ``(n, T, hidden)``, the mask of real steps (or None), final state.

        Also returns the last real step of each series ``(n, in_channels)``.
        """
        steps, mask = self.inputs(x)
        if mask is None:
            outputs, state = self.encoder(steps)
            return outputs, None, state, steps[:, -1]
        lengths = mask.sum(dim=1)
        packed = pack_padded_sequence(steps, lengths.cpu(), batch_first=True, enforce_sorted=False)
        outputs, state = self.encoder(packed)
        outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=steps.shape[1])
        last = steps[torch.arange(steps.shape[0], device=steps.device), lengths - 1]
        return outputs, mask, state, last

    def forward(self, x, targets=None, teacher_forcing_ratio=1.0, return_attention=False):
        """The forecast ``(n, horizon * n_target_channels)``.

        Parameters
        ----------
        x : torch.Tensor of shape (n, in_channels, T)
            Input windows; trailing NaN steps are padding.
        targets : torch.Tensor of shape (n, horizon * n_target_channels) \
or (n, horizon, n_target_channels), optional
            The true future values: given, the decoder is fed them (teacher
            forcing); None, its own forecasts (autoregressive decoding).
        teacher_forcing_ratio : float, default=1.0
            With ``targets``: the probability, drawn per row and step, that
            a step is fed the true previous values rather than the
            network's own forecast (1: always the true values).
        return_attention : bool, default=False
            Also return the attention weights ``(n, horizon, T)``.
        """
        outputs, mask, state, last = self.encode(x)
        n = outputs.shape[0]
        keys = self.attention.keys(outputs)
        previous = last if self.start_from_input else self.start.expand(n, -1)
        if targets is not None:
            targets = targets.reshape(n, self.horizon, self.n_target_channels)
        forecasts, weights = [], []
        for step in range(self.horizon):
            hidden = state[0] if isinstance(state, tuple) else state
            context, attention = self.attention(hidden[-1], keys, outputs, mask)
            decoded, state = self.decoder(torch.cat([previous, context], dim=1).unsqueeze(1), state)
            forecast = self.head(self.dropout(torch.cat([decoded[:, 0], context], dim=1)))
            forecasts.append(forecast)
            weights.append(attention)
            fed_back = torch.exp(forecast) if self.log_outputs else forecast
            previous = self._next_input(fed_back, targets, step, teacher_forcing_ratio)
        forecast = torch.stack(forecasts, dim=1).reshape(n, -1)
        if return_attention:
            return forecast, torch.stack(weights, dim=1)
        return forecast

    @staticmethod
    def _next_input(forecast, targets, step, ratio):
        """What the decoder is fed after ``step``: the true values, its forecast or a mix."""
        if targets is None or ratio <= 0:
            return forecast
        truth = targets[:, step]
        if ratio >= 1:
            return truth
        use_truth = torch.rand(truth.shape[0], 1, device=truth.device) < ratio
        return torch.where(use_truth, truth, forecast)
