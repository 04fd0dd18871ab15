"""Autoencoders: a deterministic one and a variational one, dense or convolutional.

Both share one encoder/decoder pair (:class:`Codec`): rows of
``n_features`` go through a multi-layer perceptron to the code and back; images
(``input_shape=(C, H, W)``) first go through stride-2 convolutions, which
the decoder mirrors with transposed convolutions that restore the exact
height and width (odd ones included, down to a single pixel).
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

from ._layers import make_activation
from ._mlp import MLP

__all__ = ["LIKELIHOODS", "Autoencoder", "Codec", "VariationalAutoencoder"]

#: The decoder likelihoods of :class:`VariationalAutoencoder`.
LIKELIHOODS = ("gaussian", "bernoulli")

# log(2 pi), in the Gaussian log-density.
_LOG_2PI = math.log(2 * math.pi)


class Codec(nn.Module):
    """An encoder to ``n_code_outputs`` values and a decoder from ``n_components``.

    Keyword arguments only, named and defaulting as the estimators'
    (:class:`~sknets.AutoencoderTransformer`'s here).

    Parameters
    ----------
    n_features : int or None, default=None
        Width of a row (dense codec); None with ``input_shape``.
    n_components : int, default=16
        Width of the code the decoder takes.
    n_code_outputs : int or None, default=None
        Width of the encoder's output: ``n_components`` (None), or twice
        that for a mean and a log-variance.
    hidden_layer_sizes : sequence of int, default=(256, 128)
        Widths of the encoder's hidden layers (after the convolutions with
        ``input_shape``); the decoder's are reversed.
    activation : str, default="relu"
        A name from :data:`sknets.networks.ACTIVATIONS`.
    dropout : float, default=0.0
        Dropout probability after each hidden activation of both
        perceptrons.
    input_shape : tuple of int or None, default=None
        The shape of one sample, ``(channels, height, width)``: a
        convolutional codec for images; None for rows of ``n_features``.
    filters : sequence of int, default=(32, 64)
        Output channels of each stride-2 3 x 3 convolution (with
        ``input_shape`` only).
    """

    def __init__(
        self,
        *,
        n_features=None,
        n_components=16,
        n_code_outputs=None,
        hidden_layer_sizes=(256, 128),
        activation="relu",
        dropout=0.0,
        input_shape=None,
        filters=(32, 64),
    ):
        super().__init__()
        n_code_outputs = n_components if n_code_outputs is None else n_code_outputs
        self.n_components = n_components
        if input_shape is None:
            if n_features is None:
                raise ValueError("Codec needs n_features (rows) or input_shape (images).")
            self.sample_shape = (n_features,)
            self.conv_encoder = nn.Identity()
            self.conv_decoder = nn.Identity()
            width = n_features
        else:
            self.sample_shape = tuple(input_shape)
            self.conv_encoder, self.conv_decoder, width = _conv_pair(
                self.sample_shape, tuple(filters), activation
            )
        hidden = tuple(hidden_layer_sizes)
        layers = {"activation": activation, "dropout": dropout}
        self.encoder_head = MLP(
            n_features=width, n_outputs=n_code_outputs, hidden_layer_sizes=hidden, **layers
        )
        self.decoder_head = MLP(
            n_features=n_components, n_outputs=width, hidden_layer_sizes=hidden[::-1], **layers
        )

    def encoder_output(self, X):
        """The encoder's raw output, ``(n, n_code_outputs)``."""
        return self.encoder_head(self.conv_encoder(X))

    def decoder_output(self, Z):
        """The decoder's raw output, in the layout of the input."""
        return self.conv_decoder(self.decoder_head(Z))


def _conv_pair(input_shape, filters, activation):
    """Stride-2 convolutions to a flat vector, and the transposed convolutions back."""
    channels, *size = input_shape
    sizes = [tuple(size)]
    encoder = []
    for in_width, out_width in zip((channels, *filters[:-1]), filters, strict=True):
        encoder += [
            nn.Conv2d(in_width, out_width, 3, stride=2, padding=1),
            make_activation(activation),
        ]
        sizes.append(tuple((side + 1) // 2 for side in sizes[-1]))
    map_shape = (filters[-1], *sizes[-1])
    decoder = [make_activation(activation), nn.Unflatten(1, map_shape)]
    widths = (channels, *filters)
    for index in reversed(range(len(filters))):
        # A transposed stride-2 convolution makes 2s - 1 from s; one more row
        # or column (output_padding) where the encoder's side was even.
        padding = tuple(
            target - (2 * source - 1)
            for target, source in zip(sizes[index], sizes[index + 1], strict=True)
        )
        decoder.append(
            nn.ConvTranspose2d(
                widths[index + 1], widths[index], 3, stride=2, padding=1, output_padding=padding
            )
        )
        if index:
            decoder.append(make_activation(activation))
    return nn.Sequential(*encoder, nn.Flatten()), nn.Sequential(*decoder), math.prod(map_shape)


class Autoencoder(Codec):
    """An autoencoder: ``encode`` gives the code, ``decode`` the reconstruction.

    Takes the :class:`Codec` arguments (without ``n_code_outputs``), keyword
    only, with :class:`~sknets.AutoencoderTransformer`'s defaults.
    """

    def __init__(
        self,
        *,
        n_features=None,
        n_components=16,
        hidden_layer_sizes=(256, 128),
        activation="relu",
        dropout=0.0,
        input_shape=None,
        filters=(32, 64),
    ):
        super().__init__(
            n_features=n_features,
            n_components=n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            dropout=dropout,
            input_shape=input_shape,
            filters=filters,
        )

    def encode(self, X):
        """The codes, ``(n, n_components)``."""
        return self.encoder_output(X)

    def decode(self, Z):
        """Reconstructions from codes, in the layout of the input."""
        return self.decoder_output(Z)

    def forward(self, X):
        return self.decode(self.encode(X))


class VariationalAutoencoder(Codec):
    """A variational autoencoder (Kingma & Welling, 2014).

    The encoder gives the mean and log-variance of a diagonal Gaussian
    posterior over ``n_components`` latent variables with a standard normal
    prior; the decoder gives the parameters of ``p(x | z)``:

    * ``"gaussian"``: a diagonal Gaussian whose mean is the decoder's output
      and whose log-variance is learnt per feature (``decoder_log_var``), its
      standard deviation kept at least ``min_std``;
    * ``"bernoulli"``: independent Bernoulli variables whose logits are the
      decoder's output, for data in [0, 1].

    ``forward(X)`` returns the two per-sample terms of the negative evidence
    lower bound: the expected negative log-likelihood of X under ``p(x |
    z)``, with ``z`` drawn from the posterior by the reparameterisation
    trick, and the KL divergence of the posterior from the prior (in closed
    form).  In training mode ``z`` is one fresh draw per sample; in
    evaluation mode it is the same ``n_eval_draws`` draws for
    every sample (scrambled Sobol points mapped to normal draws), so that
    the bound of a sample is deterministic and does not depend on the other
    samples.

    Takes the :class:`Codec` arguments (without ``n_code_outputs``) and
    ``likelihood``, ``min_std`` and ``n_eval_draws``, keyword only, with
    :class:`~sknets.VAEGenerator`'s defaults (``n_components=8``,
    ``hidden_layer_sizes=(512,)``).
    """

    def __init__(
        self,
        *,
        n_features=None,
        n_components=8,
        hidden_layer_sizes=(512,),
        activation="relu",
        dropout=0.0,
        input_shape=None,
        filters=(32, 64),
        likelihood="gaussian",
        min_std=0.01,
        n_eval_draws=32,
    ):
        super().__init__(
            n_features=n_features,
            n_components=n_components,
            n_code_outputs=2 * n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            dropout=dropout,
            input_shape=input_shape,
            filters=filters,
        )
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"Unknown likelihood {likelihood!r}; expected one of {LIKELIHOODS}.")
        self.likelihood = likelihood
        self.min_log_var = 2 * math.log(min_std)
        if likelihood == "gaussian":
            self.decoder_log_var = nn.Parameter(torch.zeros(self.sample_shape))
        # Scrambled Sobol points through the normal quantile: every
        # latent dimension's draws are spread evenly over its distribution,
        # so a few dozen draws estimate the expectation well.  Their own
        # seed: building the network moves no random stream.
        uniform = torch.quasirandom.SobolEngine(n_components, scramble=True, seed=0).draw(
            n_eval_draws
        )
        uniform = uniform.clamp(1e-6, 1 - 1e-6)
        self.register_buffer("eval_draws", math.sqrt(2) * torch.erfinv(2 * uniform - 1))

    def encode_distribution(self, X):
        """Mean and log-variance of the posterior ``q(z | x)``, each ``(n, n_components)``."""
        mean, log_var = self.encoder_output(X).chunk(2, dim=1)
        # Bounded so that exp() neither overflows nor underflows in float32.
        return mean, log_var.clamp(-30.0, 20.0)

    def encode(self, X):
        """The posterior means, ``(n, n_components)``."""
        return self.encode_distribution(X)[0]

    def decode(self, Z):
        """The mean of ``p(x | z)``: the Gaussian mean or the Bernoulli probabilities."""
        output = self.decoder_output(Z)
        return torch.sigmoid(output) if self.likelihood == "bernoulli" else output

    def _log_var(self):
        return self.decoder_log_var.clamp_min(self.min_log_var)

    def log_likelihood(self, X, Z):
        """``log p(x | z)`` of each row of X given the matching row of Z, ``(n,)``."""
        output = self.decoder_output(Z)
        if self.likelihood == "bernoulli":
            log_p = -F.binary_cross_entropy_with_logits(output, X, reduction="none")
        else:
            log_var = self._log_var()
            log_p = -0.5 * ((X - output).pow(2) * torch.exp(-log_var) + log_var + _LOG_2PI)
        return log_p.flatten(1).sum(dim=1)

    def forward(self, X):
        mean, log_var = self.encode_distribution(X)
        std = torch.exp(0.5 * log_var)
        draws = torch.randn_like(mean)[None] if self.training else self.eval_draws[:, None, :]
        # One decoder pass per draw, each over the rows alone: a row's
        # result then does not depend on how many rows come with it.
        log_likelihood = torch.stack(
            [self.log_likelihood(X, mean + std * noise) for noise in draws]
        ).mean(dim=0)
        kl = 0.5 * (mean.pow(2) + std.pow(2) - 1.0 - log_var).sum(dim=1)
        return -log_likelihood, kl

    def generate(self, n_samples, *, generator=None):
        """New samples: ``z`` from the prior, then ``x`` from ``p(x | z)``.

        The Gaussian decoder adds its noise; the Bernoulli decoder returns
        the probabilities (the mean image), as is usual for pictures.
        Draws come from ``generator`` (a ``torch.Generator``; None: torch's
        global one).
        """
        draws = self.eval_draws
        codes = torch.randn(
            n_samples,
            self.n_components,
            generator=generator,
            device=draws.device,
            dtype=draws.dtype,
        )
        mean = self.decode(codes)
        if self.likelihood == "bernoulli":
            return mean
        noise = torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
        return mean + torch.exp(0.5 * self._log_var()) * noise
