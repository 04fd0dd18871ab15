"""A decoder-only transformer language model (GPT; Radford et al., 2019).

Written after Karpathy's nanoGPT ``model.py``: learned token and position
embeddings, pre-LayerNorm blocks of causal self-attention
(:func:`torch.nn.functional.scaled_dot_product_attention` with
``is_causal=True``) and a GELU feed-forward block, a final LayerNorm and an
output head that shares its weights with the token embedding.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["CausalSelfAttention", "GPTBlock", "GPTNetwork"]


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention in which each step sees itself and the steps before it."""

    def __init__(self, *, d_model, n_heads, dropout):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"n_heads={n_heads} must divide d_model={d_model}.")
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.attention_dropout = dropout
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        n, length, width = x.shape
        # (n, T, 3 * d) -> three (n, heads, T, d / heads)
        q, k, v = self.qkv(x).view(n, length, 3, self.n_heads, -1).permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(
            q,
            k,
            v,
            dropout_p=self.attention_dropout if self.training else 0.0,
            is_causal=True,
        )
        return self.dropout(self.proj(attended.transpose(1, 2).reshape(n, length, width)))


class GPTBlock(nn.Module):
    """Pre-LayerNorm transformer block: ``x + attention(ln(x))``, then ``x + mlp(ln(x))``."""

    def __init__(self, *, d_model, n_heads, dim_feedforward, dropout):
        super().__init__()
        self.ln_attention = nn.LayerNorm(d_model)
        self.attention = CausalSelfAttention(d_model=d_model, n_heads=n_heads, dropout=dropout)
        self.ln_mlp = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, dim_feedforward),
            nn.GELU(),
            nn.Linear(dim_feedforward, d_model),
            nn.Dropout(dropout),
        )

    def forward(self, x):
        x = x + self.attention(self.ln_attention(x))
        return x + self.mlp(self.ln_mlp(x))


class GPTNetwork(nn.Module):
    """GPT language model: token ids ``(n, T)`` to next-token logits ``(n, T, vocab_size)``.

    Parameters
    ----------
    vocab_size : int
        Number of token ids (the embedding and output rows).
    block_size : int, default=64
        Longest context, in tokens (rows of the position embedding).
    d_model : int, default=128
        Width of the embeddings and of every block.
    n_heads : int, default=4
        Attention heads; must divide ``d_model``.
    n_layers : int, default=4
        Transformer blocks.
    dim_feedforward : int, default=512
        Width of each block's feed-forward sublayer (GPT's four times
        ``d_model``).
    dropout : float, default=0.0
        Dropout on the embeddings, the attention weights and the outputs of
        the attention and feed-forward blocks.

    Weights are initialised as in GPT-2: normal with standard deviation
    0.02, the projections that write into the residual stream scaled down
    by ``sqrt(2 * n_layers)``; biases zero.

    Examples
    --------
    >>> import torch
    >>> from sknets.networks import GPTNetwork
    >>> net = GPTNetwork(vocab_size=10, block_size=8, d_model=16, n_heads=2, n_layers=1)
    >>> net(torch.zeros(3, 5, dtype=torch.long)).shape
    torch.Size([3, 5, 10])
    >>> net.generate(torch.zeros(2, 1, dtype=torch.long), max_new_tokens=4).shape
    torch.Size([2, 5])
    """

    def __init__(
        self,
        *,
        vocab_size,
        block_size=64,
        d_model=128,
        n_heads=4,
        n_layers=4,
        dim_feedforward=512,
        dropout=0.0,
    ):
        super().__init__()
        self.vocab_size = vocab_size
        self.block_size = block_size
        self.token_embedding = nn.Embedding(vocab_size, d_model)
        self.position_embedding = nn.Embedding(block_size, d_model)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(
            GPTBlock(
                d_model=d_model, n_heads=n_heads, dim_feedforward=dim_feedforward, dropout=dropout
            )
            for _ in range(n_layers)
        )
        self.ln_final = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size, bias=False)
        self.head.weight = self.token_embedding.weight  # weight tying (Press and Wolf, 2017)
        self.apply(self._init_weights)
        for block in self.blocks:
            for projection in (block.attention.proj, block.mlp[2]):
                nn.init.normal_(projection.weight, std=0.02 / math.sqrt(2 * n_layers))

    @staticmethod
    def _init_weights(module):
        if isinstance(module, nn.Linear | nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, ids):
        length = ids.shape[1]
        if length > self.block_size:
            raise ValueError(
                f"GPTNetwork got sequences of {length} tokens, but its block_size is "
                f"{self.block_size}; crop the context to the last {self.block_size} tokens."
            )
        positions = torch.arange(length, device=ids.device)
        x = self.dropout(self.token_embedding(ids) + self.position_embedding(positions))
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_final(x))

    @torch.no_grad()
    def generate(
        self, ids, max_new_tokens, *, temperature=1.0, top_k=None, stop_id=None, generator=None
    ):
        """Continue each row of ``ids`` by ``max_new_tokens`` sampled tokens.

        The context is the last ``block_size`` tokens.  Each token is drawn
        from the softmax of the last logits divided by ``temperature`` (0:
        always the most likely one), restricted to the ``top_k`` most
        likely tokens when given.  With ``stop_id``, generation ends early
        once every row has produced it (what follows it in a row is
        meaningless).  Draws come from ``generator`` (a ``torch.Generator``;
        None: PyTorch's global one).

        Returns
        -------
        ids : LongTensor of shape (n, T + max_new_tokens) or shorter with ``stop_id``
        """
        stopped = torch.zeros(ids.shape[0], dtype=torch.bool, device=ids.device)
        for _ in range(max_new_tokens):
            logits = self(ids[:, -self.block_size :])[:, -1, :].float()
            if temperature == 0:
                following = logits.argmax(dim=-1, keepdim=True)
            else:
                logits = logits / temperature
                if top_k is not None:
                    kth = torch.topk(logits, min(top_k, logits.shape[-1])).values[:, [-1]]
                    logits = logits.masked_fill(logits < kth, -math.inf)
                following = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=generator)
            ids = torch.cat((ids, following), dim=1)
            if stop_id is not None:
                stopped |= following[:, 0] == stop_id
                if stopped.all():
                    break
        return ids
