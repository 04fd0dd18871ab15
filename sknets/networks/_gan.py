"""Generative adversarial networks: generator and discriminator pairs.

Two pairs, both optionally conditioned on class labels (Mirza & Osindero,
2014: the label's embedding joins the input of both networks):

* :class:`MLPGenerator` and :class:`MLPDiscriminator` for rows of features
  (Goodfellow et al., 2014);
* :class:`DCGANGenerator` and :class:`DCGANDiscriminator` for images
  (Radford et al., 2016): transposed strided convolutions with batch
  normalisation and ReLU up to a tanh output; strided convolutions with
  LeakyReLU(0.2) and batch normalisation (not on the first layer) down to
  one logit.

A generator maps noise (and labels) to samples and draws its own noise in
``generate``; a discriminator maps samples (and labels) to one logit each,
the log-odds that the sample is real.  Every network takes keyword
arguments only, named and defaulting as :class:`~sknets.GANGenerator`'s
parameters.
"""

import math

import torch
from torch import nn

__all__ = ["DCGANDiscriminator", "DCGANGenerator", "MLPDiscriminator", "MLPGenerator"]

_LEAKY_SLOPE = 0.2  # Radford et al. (2016), for every discriminator here


class _LabelEmbedding(nn.Module):
    """A learnt vector per class (one per class: a one-hot code once trained), or nothing."""

    def __init__(self, n_classes):
        super().__init__()
        self.n_classes = n_classes
        self.embedding = nn.Embedding(n_classes, n_classes) if n_classes else None

    def forward(self, labels, n_samples):
        if self.embedding is None:
            return None
        if labels is None:
            raise ValueError("this network is conditional: pass the class labels of the rows")
        return self.embedding(labels.reshape(n_samples))


class _GeneratorBase(nn.Module):
    """What every generator shares: its noise and ``generate``."""

    def noise(self, n_samples, *, generator=None):
        """Standard normal noise for ``n_samples`` samples, on the network's device.

        Drawn from ``generator`` (a ``torch.Generator``; None: torch's global one).
        """
        reference = next(self.parameters())
        return torch.randn(
            n_samples,
            self.n_components,
            generator=generator,
            device=reference.device,
            dtype=reference.dtype,
        )

    def random_labels(self, n_samples, class_weights=None, *, generator=None):
        """Class indices drawn by ``class_weights`` (uniform without), or None unconditioned."""
        if not self.condition.n_classes:
            return None
        device = next(self.parameters()).device
        if class_weights is None:
            class_weights = torch.ones(self.condition.n_classes, device=device)
        return torch.multinomial(
            class_weights.to(device), n_samples, replacement=True, generator=generator
        )

    def generate(self, n_samples, labels=None, *, generator=None):
        """``n_samples`` new samples (of the classes ``labels`` for a conditional network)."""
        if labels is None:
            labels = self.random_labels(n_samples, generator=generator)
        return self(self.noise(n_samples, generator=generator), labels)


class MLPGenerator(_GeneratorBase):
    """Fully connected generator: noise (and label embedding) to a row of features.

    Parameters
    ----------
    n_components : int, default=100
        Width of the noise (the latent space).
    n_features : int
        Width of a generated row.
    hidden_layer_sizes : sequence of int, default=(256, 256)
        Width of each hidden layer (Linear, ReLU).
    n_classes : int, default=0
        Number of classes conditioned on; 0 for an unconditional generator.
    """

    def __init__(self, *, n_components=100, n_features, hidden_layer_sizes=(256, 256), n_classes=0):
        super().__init__()
        self.n_components = n_components
        self.condition = _LabelEmbedding(n_classes)
        layers, width = [], n_components + n_classes
        for size in hidden_layer_sizes:
            layers += [nn.Linear(width, size), nn.ReLU()]
            width = size
        layers.append(nn.Linear(width, n_features))
        self.layers = nn.Sequential(*layers)

    def forward(self, noise, labels=None):
        code = self.condition(labels, noise.shape[0])
        return self.layers(noise if code is None else torch.cat([noise, code], dim=1))


class MLPDiscriminator(nn.Module):
    """Fully connected discriminator: a row (and its label embedding) to one logit.

    Parameters
    ----------
    n_features : int
        Width of a row.
    hidden_layer_sizes : sequence of int, default=(256, 256)
        Width of each hidden layer (Linear, LeakyReLU(0.2)).
    n_classes : int, default=0
        Number of classes conditioned on; 0 for an unconditional one.
    """

    def __init__(self, *, n_features, hidden_layer_sizes=(256, 256), n_classes=0):
        super().__init__()
        self.condition = _LabelEmbedding(n_classes)
        layers, width = [], n_features + n_classes
        for size in hidden_layer_sizes:
            layers += [nn.Linear(width, size), nn.LeakyReLU(_LEAKY_SLOPE)]
            width = size
        layers.append(nn.Linear(width, 1))
        self.layers = nn.Sequential(*layers)

    def forward(self, X, labels=None):
        code = self.condition(labels, X.shape[0])
        return self.layers(X if code is None else torch.cat([X, code], dim=1)).squeeze(1)


def _dcgan_init(module):
    """Radford et al.'s initialisation: weights N(0, 0.02), batch-norm scales N(1, 0.02)."""
    for layer in module.modules():
        if isinstance(layer, nn.Conv2d | nn.ConvTranspose2d | nn.Linear | nn.Embedding):
            nn.init.normal_(layer.weight, 0.0, 0.02)
            if getattr(layer, "bias", None) is not None:
                nn.init.zeros_(layer.bias)
        elif isinstance(layer, nn.BatchNorm1d | nn.BatchNorm2d):
            nn.init.normal_(layer.weight, 1.0, 0.02)
            nn.init.zeros_(layer.bias)


class DCGANGenerator(_GeneratorBase):
    """Convolutional generator of Radford et al. (2016), for images of any size.

    The noise (and label embedding) is projected to ``filters[-1]`` maps of
    ``ceil(size / 2 ** len(filters))`` pixels a side, then each transposed
    convolution (kernel 4, stride 2) doubles the size, with batch
    normalisation and ReLU, the last one to the image's channels and tanh;
    the result is cropped to the image's height and width.

    Parameters
    ----------
    n_components : int, default=100
        Width of the noise.
    input_shape : tuple of int
        ``(channels, height, width)`` of a generated image: the shape of one
        sample, as the estimators call it.
    filters : sequence of int, default=(64, 128)
        Feature maps at each resolution, the finest first.
    n_classes : int, default=0
        Number of classes conditioned on; 0 for an unconditional generator.
    """

    def __init__(self, *, n_components=100, input_shape, filters=(64, 128), n_classes=0):
        super().__init__()
        self.n_components = n_components
        self.condition = _LabelEmbedding(n_classes)
        self.input_shape = tuple(input_shape)
        out_channels, *image_size = self.input_shape
        scale = 2 ** len(filters)
        self.start_size = tuple(math.ceil(size / scale) for size in image_size)
        self.project = nn.Sequential(
            nn.Linear(n_components + n_classes, filters[-1] * math.prod(self.start_size)),
            nn.BatchNorm1d(filters[-1] * math.prod(self.start_size)),
            nn.ReLU(),
        )
        layers = []
        for wide, narrow in zip(filters[::-1], filters[::-1][1:], strict=False):
            layers += [
                nn.ConvTranspose2d(wide, narrow, 4, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(narrow),
                nn.ReLU(),
            ]
        layers += [nn.ConvTranspose2d(filters[0], out_channels, 4, stride=2, padding=1), nn.Tanh()]
        self.upsample = nn.Sequential(*layers)
        self.filters = tuple(filters)
        _dcgan_init(self)

    def forward(self, noise, labels=None):
        code = self.condition(labels, noise.shape[0])
        maps = self.project(noise if code is None else torch.cat([noise, code], dim=1))
        maps = maps.reshape(noise.shape[0], self.filters[-1], *self.start_size)
        _, height, width = self.input_shape
        return self.upsample(maps)[:, :, :height, :width]


class DCGANDiscriminator(nn.Module):
    """Convolutional discriminator of Radford et al. (2016), for images of any size.

    Strided 3x3 convolutions (stride 2, each halving the size, rounding up
    so that small images keep a pixel), LeakyReLU(0.2) and batch
    normalisation after all but the first, then one linear logit.  A label
    enters as its embedding broadcast over the image, as extra channels.

    Parameters
    ----------
    input_shape : tuple of int
        ``(channels, height, width)`` of an image: the shape of one sample,
        as the estimators call it.
    filters : sequence of int, default=(64, 128)
        Feature maps of each convolution.
    n_classes : int, default=0
        Number of classes conditioned on; 0 for an unconditional one.
    """

    def __init__(self, *, input_shape, filters=(64, 128), n_classes=0):
        super().__init__()
        self.condition = _LabelEmbedding(n_classes)
        in_channels, *size = tuple(input_shape)
        layers, channels = [], in_channels + n_classes
        size = tuple(size)
        for index, width in enumerate(filters):
            layers.append(nn.Conv2d(channels, width, 3, stride=2, padding=1, bias=index == 0))
            if index:
                layers.append(nn.BatchNorm2d(width))
            layers.append(nn.LeakyReLU(_LEAKY_SLOPE))
            channels, size = width, tuple(math.ceil(side / 2) for side in size)
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(channels * math.prod(size), 1)
        _dcgan_init(self)

    def forward(self, X, labels=None):
        code = self.condition(labels, X.shape[0])
        if code is not None:
            X = torch.cat([X, code[:, :, None, None].expand(-1, -1, *X.shape[2:])], dim=1)
        return self.head(self.features(X).flatten(1)).squeeze(1)
