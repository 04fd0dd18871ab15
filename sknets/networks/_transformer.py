"""A transformer encoder over series or token ids (Vaswani et al., 2017)."""

import math

import torch
from torch import nn

from ._layers import HeadedNetwork
from ._sequence import SequenceInput, masked_mean

__all__ = ["SinusoidalPositionalEncoding", "TransformerEncoderNetwork"]


class SinusoidalPositionalEncoding(nn.Module):
    """The fixed sine/cosine position code of Vaswani et al., added to the steps.

    Computed for any length on the fly (a cached table grows as needed),
    so a model fitted on short sequences takes longer ones.
    """

    def __init__(self, *, d_model):
        super().__init__()
        self.d_model = d_model
        self.register_buffer("table", self._table(0, torch.device("cpu")), persistent=False)

    def _table(self, length, device):
        position = torch.arange(length, dtype=torch.float32, device=device).unsqueeze(1)
        frequency = torch.exp(
            torch.arange(0, self.d_model, 2, dtype=torch.float32, device=device)
            * (-math.log(10000.0) / self.d_model)
        )
        table = torch.zeros(length, self.d_model, device=device)
        table[:, 0::2] = torch.sin(position * frequency)
        table[:, 1::2] = torch.cos(position * frequency)[:, : self.d_model // 2]
        return table

    def forward(self, steps):
        length = steps.shape[1]
        if self.table.shape[0] < length or self.table.device != steps.device:
            self.table = self._table(max(length, 2 * self.table.shape[0]), steps.device)
        return steps + self.table[:length].to(steps.dtype)


class TransformerEncoderNetwork(HeadedNetwork):
    """Transformer encoder with padding masks and a pooled linear head.

    Parameters
    ----------
    n_outputs : int
        Size of the output (classes or targets).
    in_channels : int, optional
        Channels of a series input ``(n, in_channels, T)`` (NaN steps at the
        end are padding), projected linearly to ``d_model``.
    vocab_size : int, optional
        Token-id input ``(n, length)`` instead (0 is padding), embedded in
        ``d_model`` features (scaled by sqrt(d_model), as in the paper).
    d_model : int, default=64
        Features of every step inside the encoder.
    n_heads : int, default=4
        Attention heads; must divide ``d_model``.
    n_layers : int, default=2
        Encoder layers.
    dim_feedforward : int, default=128
        Width of each layer's feed-forward block.
    dropout : float, default=0.1
        Dropout in the attention and feed-forward blocks and before the head.
    pooling : {"cls", "mean"}, default="cls"
        ``"cls"``: a learned classification token put in front of each
        sequence (BERT's [CLS]) and read at the output; ``"mean"``: the mean
        of the outputs over the real steps.

    Pre-layer normalisation (``norm_first``) with a final layer norm, which
    trains without a learning-rate warm-up (Xiong et al., 2020).
    """

    def __init__(
        self,
        *,
        n_outputs,
        in_channels=None,
        vocab_size=None,
        d_model=64,
        n_heads=4,
        n_layers=2,
        dim_feedforward=128,
        dropout=0.1,
        pooling="cls",
    ):
        super().__init__()
        if pooling not in ("cls", "mean"):
            raise ValueError(f"Unknown pooling {pooling!r}; expected 'cls' or 'mean'.")
        if d_model % n_heads:
            raise ValueError(f"n_heads={n_heads} must divide d_model={d_model}.")
        self.inputs = SequenceInput(
            in_channels=in_channels, vocab_size=vocab_size, embedding_dim=d_model
        )
        self.project = None if vocab_size is not None else nn.Linear(in_channels, d_model)
        self.scale = math.sqrt(d_model) if vocab_size is not None else 1.0
        self.position = SinusoidalPositionalEncoding(d_model=d_model)
        self.pooling = pooling
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d_model)) if pooling == "cls" else None
        if self.cls_token is not None:
            nn.init.normal_(self.cls_token, std=0.02)
        layer = nn.TransformerEncoderLayer(
            d_model,
            n_heads,
            dim_feedforward=dim_feedforward,
            dropout=dropout,
            batch_first=True,
            norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(
            layer, n_layers, norm=nn.LayerNorm(d_model), enable_nested_tensor=False
        )
        self.input_dropout = nn.Dropout(dropout)
        self.dropout = nn.Dropout(dropout)
        self.num_features = d_model
        self.head = nn.Linear(d_model, n_outputs)

    def forward_steps(self, x):
        """Encoder outputs ``(n, T, d_model)`` and the mask of real steps (None: all real)."""
        steps, mask = self.inputs(x)
        steps = self.project(steps) if self.project is not None else steps * self.scale
        steps = self.input_dropout(self.position(steps))
        if self.cls_token is not None:
            steps = torch.cat((self.cls_token.expand(steps.shape[0], -1, -1), steps), dim=1)
            if mask is not None:
                mask = torch.cat((mask.new_ones(mask.shape[0], 1), mask), dim=1)
        padding = None if mask is None else ~mask
        return self.encoder(steps, src_key_padding_mask=padding), mask

    def forward_features(self, x):
        outputs, mask = self.forward_steps(x)
        features = outputs[:, 0] if self.pooling == "cls" else masked_mean(outputs, mask)
        return self.dropout(features)
