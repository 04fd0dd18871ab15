"""Collaborative filtering: biased matrix factorisation and neural collaborative filtering."""

import torch
from torch import nn

from ._layers import glorot_uniform_

__all__ = ["INTERACTIONS", "CollaborativeFilteringNetwork"]

#: How a user's and an item's vectors combine into a rating.
INTERACTIONS = ("dot", "mlp", "neumf")


def _id_table(n_ids, width, std):
    """One learnt row per known id, plus a last row for unknown ids kept at zero."""
    table = nn.Embedding(n_ids + 1, width, padding_idx=n_ids)
    with torch.no_grad():
        table.weight.zero_()
        if std:
            table.weight[:n_ids].normal_(0.0, std)
    return table


class CollaborativeFilteringNetwork(nn.Module):
    """Rating of a (user, item) pair from learnt id vectors and biases.

    The prediction is ``global_bias + b_u + b_i + f(p_u, q_i)``, with ``f``

    * ``"dot"``: the inner product ``<p_u, q_i>`` (biased matrix
      factorisation, Koren, Bell & Volinsky, 2009);
    * ``"mlp"``: an MLP tower on the concatenation ``[p_u, q_i]``, then a
      linear layer (He et al., 2017);
    * ``"neumf"``: the element-wise product of one pair of vectors (GMF)
      beside an MLP tower on a second pair, fused by a linear layer
      (NeuMF, He et al., 2017).

    The input is a batch of int64 id indices ``(batch, 1 + n_item_columns)``:
    the user, then one or more item columns.  Several item columns each
    describe the item (a film and its genre): their vectors and biases are
    summed into the item's (as LightFM's item features).  Index ``n_users``
    (or ``n_items[j]``) marks an id unseen in training: its vector and bias
    are zero and never trained, and a pair with an unknown user, or an item
    none of whose columns is known, gets no interaction term, so its rating
    falls back to ``global_bias + b_i`` (or ``+ b_u``).

    ``forward`` returns ``(rating, penalty)``: the ratings ``(batch,
    n_outputs)`` and, per row, the squared norms of the vectors and biases
    it used, the per-rating L2 term of Koren et al. (2009).

    Parameters
    ----------
    n_users : int
        Number of known users.
    n_items : int or sequence of int
        Number of known items (one count per item column).
    n_outputs : int, default=1
        Number of ratings per pair (each target gets its own factors with
        ``"dot"``, its own output unit otherwise).
    n_components : int, default=100
        Width of each user and item vector (of each of the two pairs with
        ``"neumf"``).
    interaction : {"dot", "mlp", "neumf"}, default="dot"
        How the vectors combine.
    hidden_layer_sizes : sequence of int, default=(64, 32, 16, 8)
        Widths of the MLP tower's ReLU layers (``"mlp"`` and ``"neumf"``).
    dropout : float, default=0.0
        Dropout after each tower layer.
    init_std : float, default=0.1
        Standard deviation of the normal initialisation of the user
        vectors; the item vectors start at zero.
    global_mean : float or sequence of float, default=0.0
        Initial value of the global bias (the mean rating).
    """

    def __init__(
        self,
        *,
        n_users,
        n_items,
        n_outputs=1,
        n_components=100,
        interaction="dot",
        hidden_layer_sizes=(64, 32, 16, 8),
        dropout=0.0,
        init_std=0.1,
        global_mean=0.0,
    ):
        super().__init__()
        if interaction not in INTERACTIONS:
            raise ValueError(f"interaction must be one of {INTERACTIONS}, got {interaction!r}.")
        item_counts = (n_items,) if isinstance(n_items, int) else tuple(n_items)
        self.interaction = interaction
        self.n_components = n_components
        self.n_outputs = n_outputs
        # "dot": one factor model per target; "neumf": a GMF and an MLP vector side by side.
        width = {"dot": n_components * n_outputs, "mlp": n_components, "neumf": 2 * n_components}
        width = width[interaction]
        self.register_buffer("n_known", torch.tensor((n_users, *item_counts)), persistent=False)
        # Items start at zero, so that an item no rating has trained adds no
        # interaction (as an unknown one); the random users break the symmetry.
        self.user_factors = _id_table(n_users, width, init_std)
        self.item_factors = nn.ModuleList(_id_table(n, width, 0.0) for n in item_counts)
        self.user_bias = _id_table(n_users, n_outputs, 0.0)
        self.item_bias = nn.ModuleList(_id_table(n, n_outputs, 0.0) for n in item_counts)
        mean = torch.as_tensor(global_mean, dtype=torch.float32).reshape(-1)
        self.global_bias = nn.Parameter(mean.expand(n_outputs).clone())
        if interaction == "dot":
            return
        layers, tower_width = [], 2 * n_components
        for size in hidden_layer_sizes:
            layers += [glorot_uniform_(nn.Linear(tower_width, size), "relu"), nn.ReLU()]
            layers += [nn.Dropout(dropout)] if dropout > 0 else []
            tower_width = size
        self.tower = nn.Sequential(*layers)
        gmf_width = n_components if interaction == "neumf" else 0
        self.head = glorot_uniform_(nn.Linear(gmf_width + tower_width, n_outputs), "identity")

    def item_vectors(self, items):
        """The item vectors and biases of ``items`` (its columns summed)."""
        vectors = sum(table(items[:, j]) for j, table in enumerate(self.item_factors))
        biases = sum(table(items[:, j]) for j, table in enumerate(self.item_bias))
        return vectors, biases

    def interact(self, users, items):
        """``f(p_u, q_i)``, before the biases and without the unknown-id mask."""
        p, q = users, items
        if self.interaction == "dot":
            shape = (p.shape[0], self.n_outputs, self.n_components)
            return (p * q).reshape(shape).sum(dim=2)
        if self.interaction == "mlp":
            return self.head(self.tower(torch.cat([p, q], dim=1)))
        (p_gmf, p_mlp), (q_gmf, q_mlp) = p.chunk(2, dim=1), q.chunk(2, dim=1)
        return self.head(torch.cat([p_gmf * q_gmf, self.tower(torch.cat([p_mlp, q_mlp], 1))], 1))

    def forward(self, ids):
        users, items = ids[:, 0], ids[:, 1:]
        p, b_u = self.user_factors(users), self.user_bias(users)
        q, b_i = self.item_vectors(items)
        known = (users < self.n_known[0]) & (items < self.n_known[1:]).any(dim=1)
        interaction = self.interact(p, q) * known[:, None].to(p.dtype)
        rating = self.global_bias + b_u + b_i + interaction
        penalty = p.pow(2).sum(1) + q.pow(2).sum(1) + b_u.pow(2).sum(1) + b_i.pow(2).sum(1)
        return rating, penalty
