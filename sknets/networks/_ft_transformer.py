"""FT-Transformer: a transformer over one token per table column (Gorishniy et al., 2021)."""

import math

import torch
from torch import nn
from torch.nn import functional as F

from ._layers import HeadedNetwork, TargetScaling
from ._tabular import CategoryEmbedding, split_table

__all__ = ["FTTransformer", "FeatureTokenizer"]


def _uniform_(tensor, d_model):
    """``U(-1/sqrt(d_model), 1/sqrt(d_model))``, the reference's initialisation of tokens."""
    bound = 1 / math.sqrt(d_model)
    return nn.init.uniform_(tensor, -bound, bound)


class FeatureTokenizer(nn.Module):
    """One ``d_model`` token per column of a table, and a [CLS] token first.

    A numeric column ``j`` becomes ``x_j * W_j + b_j``; a categorical
    column (a code, the last ``len(category_sizes)`` columns) becomes its
    code's embedding plus ``b_j``; the [CLS] token is a learned vector.
    Returns ``(batch, 1 + n_features, d_model)``.

    Parameters
    ----------
    n_features : int
        Width of the table tensor (numeric columns and category codes).
    category_sizes : sequence of int, default=()
        Number of codes of each categorical column.
    d_model : int
        Width of every token.
    """

    def __init__(self, *, n_features, category_sizes=(), d_model):
        super().__init__()
        self.n_categories = len(category_sizes)
        self.n_numeric = n_features - self.n_categories
        self.weight = None
        if self.n_numeric:
            self.weight = nn.Parameter(_uniform_(torch.empty(self.n_numeric, d_model), d_model))
        self.categories = None
        if self.n_categories:
            self.categories = CategoryEmbedding(
                category_sizes=category_sizes, embedding_dim=d_model
            )
            for embedding in self.categories.embeddings:
                _uniform_(embedding.weight, d_model)
        self.bias = nn.Parameter(_uniform_(torch.empty(n_features, d_model), d_model))
        self.cls_token = nn.Parameter(_uniform_(torch.empty(d_model), d_model))

    def forward(self, x):
        numeric, codes = split_table(x, self.n_categories)
        tokens = []
        if self.weight is not None:
            tokens.append(numeric.unsqueeze(-1) * self.weight)
        if codes is not None:
            tokens.append(self.categories.tokens(codes))
        tokens = torch.cat(tokens, dim=1) + self.bias
        cls = self.cls_token.to(tokens.dtype).expand(tokens.shape[0], 1, -1)
        return torch.cat([cls, tokens], dim=1)


class TokenAttention(nn.Module):
    """Multi-head scaled dot-product attention of some tokens over all tokens.

    Plain Linear projections and matrix products (no fused kernel), so the
    layers quantise and export to ONNX as any Linear layer; dropout acts
    on the attention weights.  With one head there is no output projection.
    """

    def __init__(self, *, d_model, n_heads, dropout):
        super().__init__()
        self.n_heads = n_heads
        self.query = nn.Linear(d_model, d_model)
        self.key = nn.Linear(d_model, d_model)
        self.value = nn.Linear(d_model, d_model)
        self.output = nn.Linear(d_model, d_model) if n_heads > 1 else None
        self.dropout = nn.Dropout(dropout)
        for layer in (self.query, self.key, self.value, self.output):
            if layer is not None:
                nn.init.zeros_(layer.bias)

    def _heads(self, x):
        return x.reshape(x.shape[0], x.shape[1], self.n_heads, -1).transpose(1, 2)

    def forward(self, queries, tokens):
        q = self._heads(self.query(queries))
        k, v = self._heads(self.key(tokens)), self._heads(self.value(tokens))
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
        mixed = self.dropout(scores.softmax(dim=-1)) @ v
        mixed = mixed.transpose(1, 2).reshape(queries.shape[0], queries.shape[1], -1)
        return mixed if self.output is None else self.output(mixed)


class FTTransformerBlock(nn.Module):
    """A pre-norm transformer block with a ReGLU feed-forward sublayer.

    ``x + drop(attention(norm(x)))`` then ``x + drop(ffn(norm(x)))`` with
    ``ffn = linear2(dropout(reglu(linear1(.))))``; the first block of a
    stack has no first norm (the tokens come straight from the tokenizer).
    """

    def __init__(
        self,
        *,
        d_model,
        n_heads,
        dim_feedforward,
        dropout,
        attention_dropout,
        residual_dropout,
        first,
    ):
        super().__init__()
        self.attention_norm = None if first else nn.LayerNorm(d_model)
        self.attention = TokenAttention(d_model=d_model, n_heads=n_heads, dropout=attention_dropout)
        self.ffn_norm = nn.LayerNorm(d_model)
        self.linear1 = nn.Linear(d_model, 2 * dim_feedforward)
        self.ffn_dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.residual_dropout = nn.Dropout(residual_dropout)

    def forward(self, x, *, cls_only=False):
        """The block's output; ``cls_only``: for the [CLS] token alone, ``(batch, 1, d)``."""
        normed = x if self.attention_norm is None else self.attention_norm(x)
        queries = normed
        if cls_only:
            x, queries = x[:, :1], normed[:, :1]
        x = x + self.residual_dropout(self.attention(queries, normed))
        hidden, gate = self.linear1(self.ffn_norm(x)).chunk(2, dim=-1)
        hidden = self.ffn_dropout(hidden * F.relu(gate))  # ReGLU
        return x + self.residual_dropout(self.linear2(hidden))


class FTTransformer(HeadedNetwork):
    """FT-Transformer: feature tokenizer, pre-norm transformer blocks, [CLS] head.

    Every column of the table becomes a token (:class:`FeatureTokenizer`),
    a [CLS] token is put first, ``n_layers`` pre-norm blocks of multi-head
    self-attention and ReGLU feed-forward layers mix them (the first block
    without its first LayerNorm; the last one computes the [CLS] token
    only, the only one read), and the [CLS] token's final representation
    goes through LayerNorm, ReLU and a Linear head.

    Parameters
    ----------
    n_features : int
        Width of the input.
    n_outputs : int
        Width of the output.
    category_sizes : sequence of int, default=()
        Number of codes of each categorical column, the last
        ``len(category_sizes)`` columns of the input (whole numbers in
        ``[0, size)``); each is tokenised by an embedding of its codes.
    d_model : int, default=192
        Width of every token (the paper's ``d_token``).
    n_heads : int, default=8
        Attention heads; must divide ``d_model``.
    n_layers : int, default=3
        Transformer blocks.
    dim_feedforward : int, default=256
        Width of the ReGLU feed-forward sublayer (its first Linear layer
        has twice as many outputs, halved by the gate): 4/3 of ``d_model``.
    dropout : float, default=0.1
        Dropout on the feed-forward sublayer's hidden units.
    attention_dropout : float, default=0.2
        Dropout on the attention weights.
    residual_dropout : float, default=0.0
        Dropout on each sublayer's output before it is added back.

    References
    ----------
    Gorishniy, Rubachev, Khrulkov & Babenko (2021), Revisiting deep learning
    models for tabular data. NeurIPS.
    """

    def __init__(
        self,
        *,
        n_features,
        n_outputs,
        category_sizes=(),
        d_model=192,
        n_heads=8,
        n_layers=3,
        dim_feedforward=256,
        dropout=0.1,
        attention_dropout=0.2,
        residual_dropout=0.0,
    ):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"n_heads={n_heads} must divide d_model={d_model}.")
        if len(category_sizes) > n_features:
            raise ValueError(
                f"{len(category_sizes)} category sizes for a table of {n_features} columns."
            )
        self.tokenizer = FeatureTokenizer(
            n_features=n_features, category_sizes=category_sizes, d_model=d_model
        )
        self.blocks = nn.ModuleList(
            FTTransformerBlock(
                d_model=d_model,
                n_heads=n_heads,
                dim_feedforward=dim_feedforward,
                dropout=dropout,
                attention_dropout=attention_dropout,
                residual_dropout=residual_dropout,
                first=index == 0,
            )
            for index in range(n_layers)
        )
        self.norm = nn.LayerNorm(d_model)
        self.num_features = d_model
        self.head = nn.Linear(d_model, n_outputs)
        self.target_scaling = TargetScaling(n_outputs=n_outputs)

    def no_weight_decay(self):
        """Parameters not decayed (timm's hook): the whole tokenizer, as in the paper."""
        return {f"tokenizer.{name}" for name, _ in self.tokenizer.named_parameters()}

    def forward_head(self, features):
        return self.target_scaling(self.head(features))

    def forward_tokens(self, x):
        """Every token after the last block, ``(batch, 1 + n_features, d_model)``, [CLS] first."""
        tokens = self.tokenizer(x)
        for block in self.blocks:
            tokens = block(tokens)
        return tokens

    def forward_features(self, x):
        """``relu(norm(cls))``: the [CLS] token's final representation, as the head reads it."""
        tokens = self.tokenizer(x)
        last = len(self.blocks) - 1
        for index, block in enumerate(self.blocks):
            tokens = block(tokens, cls_only=index == last)
        return F.relu(self.norm(tokens[:, 0]))
