"""The first layer of a network over a table: numeric columns and category codes.

A table reaches a network as one float tensor ``(batch, n_features)``
whose last ``len(category_sizes)`` columns hold category codes (whole
numbers in ``[0, size)``: 0 for a category unseen in training or pooled
as rare, 1 for a missing value, then one code per kept category) and
whose other columns are numeric, already transformed and imputed.  One
tensor keeps batching, ONNX export and the inspection tools as they are
for plain rows.
"""

import torch
from torch import nn

__all__ = ["CategoryEmbedding", "TableInputLayer", "embedding_width", "split_table"]


def embedding_width(size):
    """Width of a category's embedding: fast.ai's rule ``1.6 * size**0.56``, at most 50.

    Howard & Gugger (2020), fastai: a layered API for deep learning; the
    rule grows slower than the number of categories, so a column with
    a thousand levels gets 50 numbers, one with three gets 3.
    """
    return int(min(50, max(2, round(1.6 * size**0.56))))


def split_table(x, n_categories):
    """``(numeric columns, category codes as int64)`` of a table tensor."""
    if not n_categories:
        return x, None
    n_numeric = x.shape[1] - n_categories
    return x[:, :n_numeric], x[:, n_numeric:].long()


class CategoryEmbedding(nn.Module):
    """One learned embedding per categorical column, concatenated.

    Parameters
    ----------
    category_sizes : sequence of int
        Number of codes of each categorical column.
    embedding_dim : int or None, default=None
        Width of every column's embedding (the same for all, as tokens of a
        transformer need); None for :func:`embedding_width` of each size.
    """

    def __init__(self, *, category_sizes, embedding_dim=None):
        super().__init__()
        sizes = [int(size) for size in category_sizes]
        if embedding_dim is None:
            widths = [embedding_width(size) for size in sizes]
        else:
            widths = [int(embedding_dim)] * len(sizes)
        self.embeddings = nn.ModuleList(
            nn.Embedding(size, width) for size, width in zip(sizes, widths, strict=True)
        )
        self.out_features = int(sum(widths))

    def forward(self, codes):
        """``(batch, out_features)`` from int64 codes ``(batch, n_columns)``."""
        return torch.cat(
            [embedding(codes[:, i]) for i, embedding in enumerate(self.embeddings)], dim=1
        )

    def tokens(self, codes):
        """``(batch, n_columns, width)``: each column's embedding as a token (equal widths)."""
        return torch.stack(
            [embedding(codes[:, i]) for i, embedding in enumerate(self.embeddings)], dim=1
        )


class TableInputLayer(nn.Module):
    """Numeric columns passed through, categorical columns replaced by their embeddings.

    Parameters
    ----------
    n_features : int
        Width of the table tensor (numeric columns and category codes).
    category_sizes : sequence of int, default=()
        Number of codes of each categorical column (the last columns).
    """

    def __init__(self, *, n_features, category_sizes=()):
        super().__init__()
        self.n_categories = len(category_sizes)
        self.n_numeric = n_features - self.n_categories
        self.categories = None
        if category_sizes:
            self.categories = CategoryEmbedding(category_sizes=category_sizes)
        self.out_features = self.n_numeric + (
            self.categories.out_features if self.categories is not None else 0
        )

    def forward(self, x):
        numeric, codes = split_table(x, self.n_categories)
        if codes is None:
            return numeric
        return torch.cat([numeric, self.categories(codes)], dim=1)
