"""Denoising diffusion probabilistic models (Ho et al., 2020).

:class:`GaussianDiffusion` holds the noise schedule and wraps a network
that predicts the noise of a noised sample at a time step: an
:class:`MLPDenoiser` for rows of features or a :class:`UNetDenoiser` for
images, both told the time step through a sinusoidal embedding.  It
computes the training loss (the error of the predicted noise at random
steps) and draws samples with the ancestral DDPM sampler or the
deterministic DDIM sampler of Song et al. (2021) over fewer steps.  Every
network takes keyword arguments only, named and defaulting as
:class:`~sknets.DiffusionGenerator`'s parameters.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["BETA_SCHEDULES", "GaussianDiffusion", "MLPDenoiser", "UNetDenoiser", "noise_schedule"]

BETA_SCHEDULES = ("linear", "cosine")


def noise_schedule(name, n_timesteps):
    """The noise variances beta_1..beta_T of a schedule, as float64.

    ``"linear"``: Ho et al.'s 1e-4 to 0.02 over 1,000 steps, scaled by
    ``1000 / n_timesteps`` for other lengths (as Nichol & Dhariwal, 2021);
    ``"cosine"``: Nichol & Dhariwal's ``alpha_bar(t) = cos((t/T + s) / (1 +
    s) * pi / 2) ** 2`` with s = 0.008, betas clipped at 0.999.
    """
    if name == "linear":
        scale = 1000 / n_timesteps
        return torch.linspace(
            scale * 1e-4, min(scale * 0.02, 0.999), n_timesteps, dtype=torch.float64
        )
    if name == "cosine":
        steps = torch.arange(n_timesteps + 1, dtype=torch.float64) / n_timesteps
        alpha_bar = torch.cos((steps + 0.008) / 1.008 * math.pi / 2) ** 2
        return (1 - alpha_bar[1:] / alpha_bar[:-1]).clamp(max=0.999)
    raise ValueError(f"beta_schedule must be one of {BETA_SCHEDULES}; got {name!r}.")


class SinusoidalTimeEmbedding(nn.Module):
    """Transformer-style sine/cosine code of the time step, then a two-layer MLP."""

    def __init__(self, width):
        super().__init__()
        self.width = width
        self.mlp = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))

    def forward(self, timesteps):
        half = self.width // 2
        frequency = torch.exp(
            -math.log(10000.0) * torch.arange(half, device=timesteps.device) / max(half - 1, 1)
        )
        angles = timesteps.to(frequency.dtype)[:, None] * frequency[None, :]
        code = torch.cat([angles.sin(), angles.cos()], dim=1)
        if self.width % 2:
            code = F.pad(code, (0, 1))
        return self.mlp(code.to(self.mlp[0].weight.dtype))


class MLPDenoiser(nn.Module):
    """Noise prediction for rows of features: an MLP told the time step in every layer.

    Each hidden layer is ``SiLU(Linear(h) + Linear(time embedding))``; the
    output layer predicts the noise, one value per feature.

    Parameters
    ----------
    n_features : int
        Width of a row.
    hidden_layer_sizes : sequence of int, default=(256, 256, 256)
        Width of each hidden layer.
    time_embedding_dim : int, default=128
        Width of the time-step embedding.
    """

    def __init__(self, *, n_features, hidden_layer_sizes=(256, 256, 256), time_embedding_dim=128):
        super().__init__()
        self.time = SinusoidalTimeEmbedding(time_embedding_dim)
        widths = [n_features, *hidden_layer_sizes]
        self.layers = nn.ModuleList(
            nn.Linear(a, b) for a, b in zip(widths, widths[1:], strict=False)
        )
        self.time_layers = nn.ModuleList(
            nn.Linear(time_embedding_dim, b) for b in hidden_layer_sizes
        )
        self.head = nn.Linear(widths[-1], n_features)

    def forward(self, X, timesteps):
        time = self.time(timesteps)
        hidden = X
        for layer, time_layer in zip(self.layers, self.time_layers, strict=True):
            hidden = F.silu(layer(hidden) + time_layer(time))
        return self.head(hidden)


def _group_norm(channels):
    return nn.GroupNorm(math.gcd(8, channels), channels)


class _ResidualBlock(nn.Module):
    """GroupNorm, SiLU, 3x3 convolution, twice, with the time embedding added in between."""

    def __init__(self, in_channels, out_channels, time_embedding_dim):
        super().__init__()
        self.norm1 = _group_norm(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.time = nn.Linear(time_embedding_dim, out_channels)
        self.norm2 = _group_norm(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.skip = (
            nn.Conv2d(in_channels, out_channels, 1)
            if in_channels != out_channels
            else nn.Identity()
        )

    def forward(self, X, time):
        hidden = self.conv1(F.silu(self.norm1(X))) + self.time(time)[:, :, None, None]
        return self.skip(X) + self.conv2(F.silu(self.norm2(hidden)))


class UNetDenoiser(nn.Module):
    """Noise prediction for images: a small U-Net (Ronneberger et al., 2015; Ho et al., 2020).

    A 3x3 convolution to ``filters[0]`` maps; one residual block per
    resolution on the way down, each followed (but the last) by a strided
    convolution halving the size; a middle block; on the way up, each
    resolution concatenates the skip connection of its way down, runs a
    residual block and is upsampled (nearest, then a convolution) to the
    next size; GroupNorm, SiLU and a 3x3 convolution back to the image's
    channels.  Every residual block adds the time embedding.

    Parameters
    ----------
    in_channels : int
        Channels of an image.
    filters : sequence of int, default=(32, 64)
        Feature maps at each resolution, the finest first.
    time_embedding_dim : int, default=128
        Width of the time-step embedding.
    """

    def __init__(self, *, in_channels, filters=(32, 64), time_embedding_dim=128):
        super().__init__()
        self.time = SinusoidalTimeEmbedding(time_embedding_dim)
        self.stem = nn.Conv2d(in_channels, filters[0], 3, padding=1)
        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        channels = filters[0]
        for index, width in enumerate(filters):
            self.down.append(_ResidualBlock(channels, width, time_embedding_dim))
            if index < len(filters) - 1:
                self.downsample.append(nn.Conv2d(width, width, 3, stride=2, padding=1))
            channels = width
        self.middle = _ResidualBlock(channels, channels, time_embedding_dim)
        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for index, width in reversed(list(enumerate(filters))):
            self.up.append(_ResidualBlock(channels + width, width, time_embedding_dim))
            channels = width
            if index:
                self.upsample.append(nn.Conv2d(width, filters[index - 1], 3, padding=1))
                channels = filters[index - 1]
        self.out = nn.Sequential(
            _group_norm(channels), nn.SiLU(), nn.Conv2d(channels, in_channels, 3, padding=1)
        )

    def forward(self, X, timesteps):
        time = self.time(timesteps)
        hidden = self.stem(X)
        skips = []
        for index, block in enumerate(self.down):
            hidden = block(hidden, time)
            skips.append(hidden)
            if index < len(self.downsample):
                hidden = self.downsample[index](hidden)
        hidden = self.middle(hidden, time)
        for index, block in enumerate(self.up):
            hidden = block(torch.cat([hidden, skips.pop()], dim=1), time)
            if index < len(self.upsample):
                size = skips[-1].shape[2:]
                hidden = self.upsample[index](F.interpolate(hidden, size=size, mode="nearest"))
        return self.out(hidden)


class GaussianDiffusion(nn.Module):
    """A DDPM: the noise schedule around a noise-predicting network.

    ``forward(X_t, timesteps)`` is the network's noise prediction.

    Parameters
    ----------
    denoiser : torch.nn.Module
        Called as ``denoiser(X_t, timesteps)``; returns the predicted noise.
    input_shape : tuple of int
        Shape of one sample (``(n_features,)`` or ``(channels, height, width)``).
    n_timesteps : int, default=1000
        Steps T of the noising process.
    beta_schedule : {"linear", "cosine"}, default="linear"
        The noise schedule (:func:`noise_schedule`).
    clip_range : float or None, default=None
        Samples are known to lie in ``[-clip_range, clip_range]`` (images
        scaled to [-1, 1]): each step's estimate of the clean sample is
        clipped to it, as Ho et al. do.  None: no clipping.
    """

    def __init__(
        self, *, denoiser, input_shape, n_timesteps=1000, beta_schedule="linear", clip_range=None
    ):
        super().__init__()
        self.denoiser = denoiser
        self.input_shape = tuple(input_shape)
        self.n_timesteps = n_timesteps
        self.clip_range = clip_range
        betas = noise_schedule(beta_schedule, n_timesteps)
        alpha_bar = torch.cumprod(1 - betas, dim=0)
        alpha_bar_previous = torch.cat([torch.ones(1, dtype=torch.float64), alpha_bar[:-1]])
        # Buffers: they follow the network to its device and dtype, and pickle with it.
        for name, value in {
            "betas": betas,
            "alpha_bar": alpha_bar,
            "alpha_bar_previous": alpha_bar_previous,
            "posterior_variance": betas * (1 - alpha_bar_previous) / (1 - alpha_bar),
        }.items():
            self.register_buffer(name, value.to(torch.float32))

    def forward(self, X, timesteps):
        return self.denoiser(X, timesteps)

    def _per_sample(self, values, timesteps):
        """Schedule ``values`` at ``timesteps``, shaped to broadcast over a batch of samples."""
        return values[timesteps].reshape(-1, *([1] * len(self.input_shape)))

    def noise_prediction_error(self, X, timesteps=None, noise=None):
        """Per-sample mean squared error of the predicted noise (Ho et al.'s simple loss).

        ``timesteps`` (uniform over the steps) and ``noise`` (standard
        normal) are drawn where not given.
        """
        if timesteps is None:
            timesteps = torch.randint(0, self.n_timesteps, (X.shape[0],), device=X.device)
        if noise is None:
            noise = torch.randn_like(X)
        alpha_bar = self._per_sample(self.alpha_bar, timesteps)
        noised = alpha_bar.sqrt() * X + (1 - alpha_bar).sqrt() * noise
        return (self(noised, timesteps) - noise).pow(2).flatten(1).mean(dim=1)

    def _clean_estimate(self, X, timesteps):
        """The predicted noise and the estimate of the clean sample it implies."""
        noise = self(X, timesteps)
        alpha_bar = self._per_sample(self.alpha_bar, timesteps)
        clean = (X - (1 - alpha_bar).sqrt() * noise) / alpha_bar.sqrt()
        if self.clip_range is not None:
            clean = clean.clamp(-self.clip_range, self.clip_range)
            noise = (X - alpha_bar.sqrt() * clean) / (1 - alpha_bar).sqrt()
        return noise, clean

    def generate(self, n_samples, n_sampling_steps=None, *, generator=None):
        """``n_samples`` samples: ancestral DDPM over all steps, or DDIM over fewer steps.

        Draws come from ``generator`` (a ``torch.Generator``; None: torch's
        global one).
        """
        reference = self.betas
        X = torch.randn(n_samples, *self.input_shape, generator=generator, device=reference.device)
        X = X.to(next(self.parameters()).dtype)
        if n_sampling_steps is None:
            return self._ancestral(X, generator)
        return self._ddim(X, n_sampling_steps)

    def _ancestral(self, X, generator=None):
        for step in range(self.n_timesteps - 1, -1, -1):
            timesteps = torch.full((X.shape[0],), step, device=X.device, dtype=torch.long)
            _, clean = self._clean_estimate(X, timesteps)
            alpha_bar, alpha_bar_previous = self.alpha_bar[step], self.alpha_bar_previous[step]
            beta = self.betas[step]
            # The mean of q(x_{t-1} | x_t, x_0) at the estimated x_0.
            mean = (beta * alpha_bar_previous.sqrt() / (1 - alpha_bar)) * clean + (
                (1 - alpha_bar_previous) * (1 - beta).sqrt() / (1 - alpha_bar)
            ) * X
            X = mean
            if step:
                noise = torch.randn(X.shape, generator=generator, device=X.device, dtype=X.dtype)
                X = mean + self.posterior_variance[step].sqrt() * noise
        return X

    def _ddim(self, X, n_sampling_steps):
        steps = torch.linspace(0, self.n_timesteps - 1, min(n_sampling_steps, self.n_timesteps))
        steps = steps.round().long().unique().tolist()[::-1]
        for index, step in enumerate(steps):
            timesteps = torch.full((X.shape[0],), step, device=X.device, dtype=torch.long)
            noise, clean = self._clean_estimate(X, timesteps)
            previous = steps[index + 1] if index + 1 < len(steps) else None
            alpha_bar_previous = (
                self.alpha_bar[previous] if previous is not None else X.new_tensor(1.0)
            )
            X = alpha_bar_previous.sqrt() * clean + (1 - alpha_bar_previous).sqrt() * noise
        return X
