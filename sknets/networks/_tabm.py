"""TabM: an MLP that holds an ensemble of members sharing their weights (BatchEnsemble).

Gorishniy, Kotelnikov & Babenko (2025), "TabM: Advancing Tabular Deep
Learning with Parameter-Efficient Ensembling", ICLR.  Written after the
authors' ``tabm`` package (its default ``arch_type="tabm"``) and the lite
periodic embeddings of their ``rtdl_num_embeddings`` package; neither is a
dependency.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from ._layers import TargetScaling, make_activation
from ._tabular import split_table

__all__ = ["OUTPUT_LINKS", "NUMERIC_EMBEDDINGS", "TabM", "average_members"]

#: How the members' outputs are averaged: the output activation whose
#: scale (probabilities, means) the average is taken on, named as
#: scikit-learn's ``out_activation_``.
OUTPUT_LINKS = ("identity", "logistic", "softmax", "exp")

#: Embeddings of the numeric columns: ``"periodic"`` or None (the raw values).
NUMERIC_EMBEDDINGS = ("periodic", None)

# The lite periodic embedding's sizes: rtdl_num_embeddings' defaults
# (d_embedding=24, n_frequencies=48, frequency_init_scale=0.01).
_EMBEDDING_DIM = 24
_N_FREQUENCIES = 48
_FREQUENCY_SCALE = 0.01


def _uniform_rsqrt_(tensor, fan_in):
    bound = fan_in**-0.5
    return nn.init.uniform_(tensor, -bound, bound)


class PeriodicEmbedding(nn.Module):
    """Lite periodic embeddings of numeric features (Gorishniy et al., 2022).

    Each feature ``x`` becomes ``ReLU(Linear([cos(2 pi c x), sin(2 pi c x)]))``
    with ``n_frequencies`` trained frequencies ``c`` per feature (initialised
    from N(0, frequency_scale²), truncated at 3 sigma) and one Linear layer
    shared by all features (the "lite" variant).  Output
    ``(batch, n_features, embedding_dim)``.
    """

    def __init__(self, *, n_features, embedding_dim, n_frequencies, frequency_scale):
        super().__init__()
        self.frequencies = nn.Parameter(torch.empty(n_features, n_frequencies))
        bound = 3 * frequency_scale
        nn.init.trunc_normal_(self.frequencies, 0.0, frequency_scale, a=-bound, b=bound)
        self.linear = nn.Linear(2 * n_frequencies, embedding_dim)
        self.embedding_dim = embedding_dim

    def forward(self, x):
        angles = 2 * math.pi * self.frequencies * x[..., None]
        return F.relu(self.linear(torch.cat([torch.cos(angles), torch.sin(angles)], dim=-1)))


class BatchEnsembleLinear(nn.Module):
    """One Linear layer shared by ``n_members``, each with its own scalings and bias.

    Member ``i`` computes ``((x * r_i) @ W.T) * s_i + b_i`` on its own
    copy of the input ``(batch, n_members, in_features)`` (Wen, Tran & Ba,
    2020, "BatchEnsemble", equation 5).  ``first_scaling`` initialises
    ``r``: ``"random-signs"`` or ``"normal"`` with one value per chunk of
    ``chunks`` (one chunk per input feature, TabM's rule), or ``"ones"``;
    ``s`` starts at ones and every member's bias at the same values.
    """

    def __init__(self, in_features, out_features, *, n_members, first_scaling, chunks=None):
        super().__init__()
        self.weight = nn.Parameter(
            _uniform_rsqrt_(torch.empty(out_features, in_features), in_features)
        )
        self.r = nn.Parameter(_scaling(n_members, in_features, first_scaling, chunks))
        self.s = nn.Parameter(torch.ones(n_members, out_features))
        bias = _uniform_rsqrt_(torch.empty(out_features), in_features)
        self.bias = nn.Parameter(bias.expand(n_members, -1).clone())

    def forward(self, x):
        return (x * self.r) @ self.weight.T * self.s + self.bias


def _scaling(n_members, width, init, chunks):
    """The first adapter ``r``: one random value per member and chunk of the input."""
    if init == "ones":
        return torch.ones(n_members, width)
    chunks = list(chunks) if chunks else [width]
    values = torch.randn(n_members, len(chunks))
    if init == "random-signs":
        values = torch.where(values < 0, -1.0, 1.0)
    return values.repeat_interleave(torch.tensor(chunks), dim=1)


class MemberHeads(nn.Module):
    """One fully separate Linear head per member: ``(batch, n_members, n_outputs)``."""

    def __init__(self, in_features, out_features, *, n_members):
        super().__init__()
        self.weight = nn.Parameter(
            _uniform_rsqrt_(torch.empty(n_members, in_features, out_features), in_features)
        )
        self.bias = nn.Parameter(_uniform_rsqrt_(torch.empty(n_members, out_features), in_features))

    def forward(self, x):
        return torch.einsum("bki,kio->bko", x, self.weight) + self.bias


def average_members(outputs, link="identity", task_sizes=None):
    """The ensemble's output from its members' ``(batch, n_members, n_outputs)``.

    The average is taken on the scale of the predictions, then mapped
    back to the scale of the outputs, so that the result is read as one
    network's output would be: ``"identity"``, the mean; ``"exp"``
    (log-means), the log of the mean of the means; ``"logistic"``, the
    logit of the mean probability; ``"softmax"``, the log of the mean
    class probabilities (one softmax per block of ``task_sizes``, one
    block if None).  TabM's rule: probabilities are averaged, not logits.
    """
    log_k = math.log(outputs.shape[1])
    if link == "identity":
        return outputs.mean(dim=1)
    if link == "exp":
        return torch.logsumexp(outputs, dim=1) - log_k
    if link == "logistic":
        return torch.logsumexp(F.logsigmoid(outputs), dim=1) - torch.logsumexp(
            F.logsigmoid(-outputs), dim=1
        )
    if link == "softmax":
        blocks = outputs.split(list(task_sizes or [outputs.shape[-1]]), dim=-1)
        return torch.cat(
            [torch.logsumexp(F.log_softmax(block, dim=-1), dim=1) - log_k for block in blocks],
            dim=-1,
        )
    raise ValueError(f"Unknown output_link {link!r}; expected one of {OUTPUT_LINKS}.")


class TabM(nn.Module):
    """TabM: ``n_members`` MLPs trained at once, sharing their weights.

    The table's numeric columns go through lite periodic embeddings
    (``numeric_embedding="periodic"``) or as they are, its categorical
    columns (category codes, the last ``len(category_sizes)`` columns, see
    :class:`~sknets.networks.TableInputLayer`) one-hot, as in the paper.
    Every member sees the same input; each hidden layer is a
    BatchEnsemble Linear layer (shared weights, per-member scalings and
    biases; only the first layer's input scalings differ between the
    members at initialisation), the activation and dropout; each member
    has its own output head.

    In training mode ``forward`` returns ``(ensemble output, member
    outputs)`` so that the loss can be computed for each member (TabM
    trains the mean of the members' losses, not the loss of the mean);
    in evaluation mode only the ensemble output, averaged as
    :func:`average_members` says (probabilities for a classifier).
    :meth:`forward_members` gives the members' outputs in either mode.

    Parameters
    ----------
    n_features : int
        Width of the input (numeric columns and category codes).
    n_outputs : int
        Width of the output.
    category_sizes : sequence of int, default=()
        Number of codes of each categorical column (the last columns).
    hidden_layer_sizes : sequence of int, default=(512, 512)
        Width of each hidden layer (at least one).
    activation : str, default="relu"
        A name from :data:`sknets.networks.ACTIVATIONS`.
    dropout : float, default=0.1
        Dropout probability after each hidden activation.
    n_members : int, default=32
        Members of the ensemble (TabM's ``k``).
    numeric_embedding : {"periodic", None}, default="periodic"
        Embedding of the numeric columns.
    output_link : {"identity", "logistic", "softmax", "exp"}, default="identity"
        The output activation on whose scale members are averaged.
    task_sizes : sequence of int or None, default=None
        With ``output_link="softmax"``, the outputs of each task's softmax.
    """

    def __init__(
        self,
        *,
        n_features,
        n_outputs,
        category_sizes=(),
        hidden_layer_sizes=(512, 512),
        activation="relu",
        dropout=0.1,
        n_members=32,
        numeric_embedding="periodic",
        output_link="identity",
        task_sizes=None,
    ):
        super().__init__()
        if not hidden_layer_sizes:
            raise ValueError("TabM needs at least one hidden layer.")
        if output_link not in OUTPUT_LINKS:
            raise ValueError(
                f"Unknown output_link {output_link!r}; expected one of {OUTPUT_LINKS}."
            )
        self.n_categories = len(category_sizes)
        self.category_sizes = tuple(int(size) for size in category_sizes)
        n_numeric = n_features - self.n_categories
        self.numeric = None
        numeric_width = 1
        if numeric_embedding == "periodic" and n_numeric:
            self.numeric = PeriodicEmbedding(
                n_features=n_numeric,
                embedding_dim=_EMBEDDING_DIM,
                n_frequencies=_N_FREQUENCIES,
                frequency_scale=_FREQUENCY_SCALE,
            )
            numeric_width = _EMBEDDING_DIM
        elif numeric_embedding not in NUMERIC_EMBEDDINGS:
            raise ValueError(f"Unknown numeric_embedding {numeric_embedding!r}.")
        # One random scalar per feature of the first adapter (TabM's chunks).
        chunks = [numeric_width] * n_numeric + list(self.category_sizes)
        # TabM's rule: normal after embeddings, random signs on raw features.
        first = "normal" if self.numeric is not None else "random-signs"
        layers, width = [], sum(chunks)
        for index, size in enumerate(hidden_layer_sizes):
            layers.append(
                BatchEnsembleLinear(
                    width,
                    size,
                    n_members=n_members,
                    first_scaling=first if index == 0 else "ones",
                    chunks=chunks if index == 0 else None,
                )
            )
            layers.append(make_activation(activation))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        self.blocks = nn.Sequential(*layers)
        self.head = MemberHeads(width, n_outputs, n_members=n_members)
        self.target_scaling = TargetScaling(n_outputs=n_outputs)
        self.n_members = n_members
        self.output_link = output_link
        self.task_sizes = None if task_sizes is None else tuple(int(s) for s in task_sizes)

    def _encode(self, x):
        numeric, codes = split_table(x, self.n_categories)
        parts = []
        if numeric.shape[1]:
            parts.append(numeric if self.numeric is None else self.numeric(numeric).flatten(1))
        if codes is not None:
            # One-hot by comparison (exports to ONNX); codes outside [0, size) give zeros.
            parts += [
                (codes[:, i, None] == torch.arange(size, device=x.device)).to(x.dtype)
                for i, size in enumerate(self.category_sizes)
            ]
        return torch.cat(parts, dim=1)

    def no_weight_decay(self):
        """Parameters the optimizer does not decay (timm's hook).

        As the reference's parameter groups: every bias (the members'
        biases are matrices, one row per member) and the periodic
        frequencies; the adapters' scalings and the embedding's Linear
        weight are decayed.
        """
        return {
            name
            for name, _ in self.named_parameters()
            if name.endswith("bias") or name == "numeric.frequencies"
        }

    def forward_members(self, x):
        """Every member's output: ``(batch, n_members, n_outputs)``."""
        hidden = self._encode(x).unsqueeze(1).expand(-1, self.n_members, -1)
        return self.target_scaling(self.head(self.blocks(hidden)))

    def forward(self, x):
        members = self.forward_members(x)
        ensemble = average_members(members, self.output_link, self.task_sizes)
        return (ensemble, members) if self.training else ensemble
