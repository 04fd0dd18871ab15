"""Restricted Boltzmann machines and deep belief networks.

Both take keyword arguments only, named and defaulting as the estimators
that build them (:class:`~sknets.RBMTransformer`, :class:`~sknets.DBNTransformer`
and :class:`~sknets.DBNClassifier`).
"""

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["BernoulliRBM", "DeepBeliefNetwork"]

# Random multipliers of the row hash stay below 2**31, and the hash reads
# 16-bit pieces of each value, so that a sum over up to 2**16 pieces of
# (piece * multiplier) < 2**47 stays exact in int64.
_HASH_MULTIPLIER_BOUND = 2**31


class BernoulliRBM(nn.Module):
    """Restricted Boltzmann machine with binary visible and hidden units.

    The energy of a visible vector ``v`` and a hidden vector ``h`` is
    ``E(v, h) = -v.b - h.c - h.W.v``; both conditionals factorise into
    logistic units.  Visible values in [0, 1] are read as the probabilities
    of the units being on.  The weights start as scikit-learn's
    :class:`~sklearn.neural_network.BernoulliRBM` starts them (normal with
    standard deviation 0.01, zero biases).

    Training is contrastive divergence (Hinton, 2002): :meth:`contrastive_divergence`
    writes the negative log-likelihood gradient's CD estimate into ``.grad``
    of the parameters, so any optimizer takes the step.  With a persistent
    chain (Tieleman, 2008) the negative phase continues the Gibbs chains of
    the previous update, kept in the buffer ``chain``.

    Parameters
    ----------
    n_features : int
        Number of visible units.
    n_components : int, default=256
        Number of hidden units (:class:`~sknets.RBMTransformer`'s default).
    """

    def __init__(self, *, n_features, n_components=256):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_components, n_features) * 0.01)
        self.visible_bias = nn.Parameter(torch.zeros(n_features))
        self.hidden_bias = nn.Parameter(torch.zeros(n_components))
        # The persistent chains' hidden states; moved and pickled with the
        # module, but not part of the weights (state_dict).
        self.register_buffer("chain", None, persistent=False)

    def rbm_layers(self):
        """The RBMs that greedy training visits, bottom first: this one."""
        return [self]

    def encode(self, v):
        """``P(h = 1 | v)``, the hidden units' probabilities."""
        return torch.sigmoid(F.linear(v, self.weight, self.hidden_bias))

    def decode(self, h):
        """``P(v = 1 | h)``, the visible units' probabilities."""
        return torch.sigmoid(torch.addmm(self.visible_bias, h, self.weight))

    def forward(self, v):
        """The mean-field reconstruction ``P(v | P(h | v))``."""
        return self.decode(self.encode(v))

    def free_energy(self, v):
        """``F(v) = -log sum_h exp(-E(v, h))`` of each row, in ``v``'s dtype."""
        weight, visible_bias, hidden_bias = (
            tensor.to(v.dtype) for tensor in (self.weight, self.visible_bias, self.hidden_bias)
        )
        return -v @ visible_bias - F.softplus(F.linear(v, weight, hidden_bias)).sum(dim=1)

    def gibbs(self, v, *, generator=None):
        """One Gibbs step: sample ``h ~ P(h | v)``, then ``v ~ P(v | h)``.

        Draws come from ``generator`` (a ``torch.Generator``; None: torch's
        global one).
        """
        hidden = torch.bernoulli(self.encode(v), generator=generator)
        return torch.bernoulli(self.decode(hidden), generator=generator)

    def pseudo_likelihood(self, v, flip_index):
        """Pseudo-log-likelihood of each row, as scikit-learn's ``score_samples``.

        ``n_features * log(sigmoid(F(v') - F(v)))``, where ``v'`` is ``v``
        with the value at ``flip_index`` (one per row) replaced by one minus
        it.
        """
        # In float64: the difference of two free energies loses the digits
        # that would make a row's score depend on its batch's size.
        v = v.to(torch.float64)
        rows = torch.arange(v.shape[0], device=v.device)
        flipped = v.clone()
        flipped[rows, flip_index] = 1 - flipped[rows, flip_index]
        return v.shape[1] * F.logsigmoid(self.free_energy(flipped) - self.free_energy(v))

    @staticmethod
    def flip_indices(v, seed):
        """One feature index per row, a function of ``seed`` and the row's values only.

        The row's bits, in 16-bit pieces, are hashed with random
        multipliers drawn from ``seed``: the index looks random but does not
        depend on the other rows, their order or the batch.
        """
        pieces = v.contiguous().view(torch.int16).to(torch.int64)
        generator = torch.Generator().manual_seed(seed)
        multipliers = torch.randint(
            1, _HASH_MULTIPLIER_BOUND, (pieces.shape[1],), generator=generator
        ).to(v.device)
        key = (pieces * multipliers).sum(dim=1)
        key = key ^ (key >> 17)
        return torch.remainder(key, v.shape[1])

    def contrastive_divergence(
        self, v, weight=None, *, n_steps=1, persistent=False, mean_field=False
    ):
        """Write the CD-``n_steps`` gradient of the negative log-likelihood into ``.grad``.

        The positive phase uses ``P(h | v)`` of the data rows ``v`` (each
        weighed by ``weight``); the negative phase runs ``n_steps`` Gibbs
        steps, from the data (CD) or from the persistent chains (PCD: as
        many chains as rows in the first batch, weighed equally).  With
        ``mean_field`` the chain carries probabilities instead of binary
        samples, which makes the update deterministic.  Returns the sum over
        the rows (weighed by ``weight``) of half the mean squared error of
        each row's mean-field reconstruction.
        """
        # Written for few kernel launches: batches of 10 rows (scikit-learn's
        # default) are bound by per-operation overhead, not by arithmetic.
        # A uniform draw compared in place takes half the time of torch.bernoulli.
        sample = (lambda p: p) if mean_field else (lambda p: torch.rand_like(p).lt_(p))
        with torch.no_grad():
            hidden = self.encode(v)
            if persistent:
                if self.chain is None:
                    self.chain = torch.zeros_like(hidden)
                chains = self.chain
            else:
                chains = sample(hidden)
            for _ in range(n_steps):
                negative_visible = sample(self.decode(chains))
                negative_hidden = self.encode(negative_visible)
                chains = sample(negative_hidden)
            if persistent:
                self.chain = chains
            # Each product of the update carries a row's weight once.
            positive_visible, positive_hidden = v, hidden
            weighted_negative_visible = negative_visible
            if weight is not None:
                positive_visible = v * weight[:, None]
                positive_hidden = hidden * weight[:, None]
                if not persistent:  # chains from the rows carry the rows' weights
                    weighted_negative_visible = negative_visible * weight[:, None]
                    negative_hidden = negative_hidden * weight[:, None]
            self.weight.grad = torch.addmm(
                negative_hidden.t() @ negative_visible,
                hidden.t(),
                positive_visible,
                beta=1 / negative_visible.shape[0],
                alpha=-1 / v.shape[0],
            )
            # Persistent chains need not be as many as the batch's rows (the last batch).
            self.visible_bias.grad = weighted_negative_visible.mean(0) - positive_visible.mean(0)
            self.hidden_bias.grad = negative_hidden.mean(0) - positive_hidden.mean(0)
            reconstruction = self.decode(hidden)
            if weight is None:
                return F.mse_loss(reconstruction, v, reduction="sum") * (0.5 / v.shape[1])
            return (reconstruction - v).square_().mean(dim=1).mul_(weight).sum() * 0.5


class DeepBeliefNetwork(nn.Module):
    """A stack of Bernoulli RBMs (Hinton, Osindero & Teh, 2006).

    Each RBM's hidden units are the visible units of the next; trained
    greedily, one RBM at a time on the hidden probabilities of the one
    below.  Without ``n_outputs`` the network maps rows to the top RBM's
    hidden probabilities (``encode``) and back (``decode``, the mean-field
    top-down pass); with it, a linear head on the top probabilities gives
    logits, and the stack reads as a sigmoid MLP whose hidden layers start
    from the RBMs' weights, fine-tuned by backpropagation.

    Parameters
    ----------
    n_features : int
        Number of visible units of the bottom RBM.
    hidden_layer_sizes : sequence of int, default=(256, 256)
        Hidden units of each RBM, bottom first (the DBN estimators' default).
    n_outputs : int or None, default=None
        Width of the linear head; None for none.
    """

    def __init__(self, *, n_features, hidden_layer_sizes=(256, 256), n_outputs=None):
        super().__init__()
        sizes = [n_features, *hidden_layer_sizes]
        self.rbms = nn.ModuleList(
            BernoulliRBM(n_features=n_in, n_components=n_out)
            for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
        )
        self.head = None if n_outputs is None else nn.Linear(sizes[-1], n_outputs)

    def rbm_layers(self):
        """The RBMs, bottom first."""
        return list(self.rbms)

    def encode(self, v, n_layers=None):
        """Hidden probabilities of the top RBM (or of the first ``n_layers``), bottom-up."""
        for rbm in self.rbms[:n_layers]:
            v = rbm.encode(v)
        return v

    def decode(self, h):
        """The mean-field top-down pass from the top hidden probabilities to the visible units."""
        for rbm in reversed(self.rbms):
            h = rbm.decode(h)
        return h

    def forward(self, v):
        """Logits of the head, or the reconstruction through the stack without one."""
        codes = self.encode(v)
        return self.decode(codes) if self.head is None else self.head(codes)
