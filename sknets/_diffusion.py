"""Denoising diffusion probabilistic models as scikit-learn generators."""

from numbers import Integral

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ._batches import n_rows
from ._gan import _GenerativeMixin, generator_attributes
from ._params import INPUT_SHAPE_PARAM, Param, PositiveInts
from ._training import NeuralNetCore
from ._vocabulary import build_network
from .base import NeuralGenerator
from .networks import BETA_SCHEDULES, GaussianDiffusion, MLPDenoiser, UNetDenoiser

__all__ = ["DiffusionGenerator"]

# Fixes the time steps and noise of the validation loss, so that it
# compares the same noised samples from one epoch to the next.
_VALIDATION_SEED = 0


def _weighted_mean(per_sample, weight):
    return per_sample.mean() if weight is None else (per_sample * weight).mean()


class DiffusionNet(NeuralNetCore):
    """Ho et al.'s training: predict the noise of each sample at a random step.

    Each batch draws one time step per sample (uniformly) and Gaussian
    noise, noises the samples and minimises the (sample-weighted) mean
    squared error of the predicted noise.  The validation loss is the same
    error at time steps and noise drawn from a fixed seed, so that early
    stopping compares epochs on equal terms.
    """

    def infer(self, x, **fit_params):
        # The network takes a time step beside each sample (the cost probe).
        steps = torch.randint(0, self.module_.n_timesteps, (n_rows(x),), device=x.device)
        return self.module_(x, steps)

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        X, _, weight = batch
        loss = _weighted_mean(self.module_.noise_prediction_error(X), weight)
        loss.backward()
        return {"loss": loss, "y_pred": None}

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        X, _, weight = batch
        seeded = torch.Generator(device=X.device).manual_seed(_VALIDATION_SEED)
        steps = torch.randint(
            0, self.module_.n_timesteps, (X.shape[0],), generator=seeded, device=X.device
        )
        noise = torch.randn(X.shape, generator=seeded, device=X.device, dtype=X.dtype)
        with torch.no_grad():
            error = self.module_.noise_prediction_error(X, steps, noise)
        return {"loss": _weighted_mean(error, weight), "y_pred": None}


_DIFFUSION_PARAMS = (
    Param(
        "n_timesteps",
        1000,
        "int",
        "Steps T of the noising process (Ho et al. use 1,000).",
        [Interval(Integral, 1, None, closed="left")],
    ),
    Param(
        "beta_schedule",
        "linear",
        '{"linear", "cosine"}',
        """
        The noise variances over the steps: ``"linear"`` from 1e-4 to 0.02
        (Ho et al., 2020, scaled by ``1000 / n_timesteps``), ``"cosine"``
        (Nichol & Dhariwal, 2021), which destroys information more slowly
        and suits small images.""",
        [StrOptions(set(BETA_SCHEDULES))],
    ),
    Param(
        "n_sampling_steps",
        None,
        "int or None",
        """
        None: ``sample`` runs the ancestral DDPM sampler over all
        ``n_timesteps`` steps; an int: the deterministic DDIM sampler (Song
        et al., 2021) over that many evenly spaced steps, much faster (50
        steps are usually close to the full sampler). May be changed after
        fit.""",
        [Interval(Integral, 1, None, closed="left"), None],
    ),
    Param(
        "hidden_layer_sizes",
        (256, 256, 256),
        "int or sequence of int",
        """
        Rows of features only: width of each hidden layer of the
        noise-predicting MLP, each told the time step. Refused away from
        its default on images (``input_shape``), whose U-Net has no such
        layers (see ``filters``).""",
        [PositiveInts()],
        applies_to=("tabular",),
    ),
    Param(
        "filters",
        (32, 64),
        "int or sequence of int",
        """
        Images only (``input_shape``): feature maps of the U-Net at each
        resolution, the finest first (each further one halves the size).
        Refused away from its default on rows.""",
        [PositiveInts()],
        applies_to=("images",),
    ),
    INPUT_SHAPE_PARAM,
)


class DiffusionGenerator(_GenerativeMixin, NeuralGenerator):
    __doc__ = f"""Denoising diffusion probabilistic model (DDPM) on PyTorch.

    Data are noised over ``n_timesteps`` steps of a ``beta_schedule`` until
    nothing but Gaussian noise is left; a network learns to predict the
    noise of a noised sample at any step (Ho et al., 2020), and ``sample``
    reverses the process from pure noise, step by step (or with the faster
    DDIM sampler over ``n_sampling_steps``). The network is an MLP told the
    time step through a sinusoidal embedding for rows of features
    (:class:`sknets.networks.MLPDenoiser`), a small U-Net with skip
    connections and the time embedding in every block for images with
    ``input_shape`` (:class:`sknets.networks.UNetDenoiser`), inside
    :class:`sknets.networks.GaussianDiffusion`. Rows are standardised and
    images mapped to [-1, 1] inside (where the sampler clips its estimates
    of the clean image), so any scale works; samples come back in the
    data's scale and in the layout of one training sample.

    ``loss_curve_`` is the mean squared error of the predicted noise at
    random steps; with ``early_stopping`` the validation loss is that error
    at fixed steps and noise. ``sample_weight`` weighs each sample's error.

    Attributes
    ----------{
        generator_attributes(
            module_=("torch.nn.Module", "The trained :class:`sknets.networks.GaussianDiffusion`."),
        )
    }

    See Also
    --------
    GANGenerator : A generative adversarial network.

    Notes
    -----
    The defaults follow Ho et al. (2020): 1,000 steps, the linear schedule,
    Adam, no weight decay, the simple noise-prediction loss. The rate is
    ``1e-3`` rather than their 2e-4, which they chose for a 35.7M-parameter
    U-Net; these networks are 100 times smaller. The epoch loss is a Monte
    Carlo estimate (each epoch draws new steps and noise) that keeps falling
    slowly under its noise, so no plateau of it stops training: the model
    trains ``max_iter`` epochs, as Ho et al. train a fixed number of steps
    (on the ring benchmark a plateau rule stopped it after 144 of 1,000
    epochs, with none of the 8 modes found).  With ``early_stopping=True``
    the validation loss, at fixed steps and noise, decides instead, with a
    patience of ``n_iter_no_change=50`` epochs.

    References
    ----------
    Ho, Jain & Abbeel (2020), Denoising diffusion probabilistic models. NeurIPS.
    Nichol & Dhariwal (2021), Improved denoising diffusion probabilistic models. ICML.
    Song, Meng & Ermon (2021), Denoising diffusion implicit models. ICLR.

    Examples
    --------
    >>> import numpy as np
    >>> from sknets import DiffusionGenerator
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(5.0, 2.0, (300, 2))
    >>> model = DiffusionGenerator(n_timesteps=100, hidden_layer_sizes=(64, 64),
    ...                            max_iter=5, random_state=0, device="cpu").fit(X)
    >>> model.sample(4, random_state=0).shape
    (4, 2)
    >>> model.set_params(n_sampling_steps=10).sample(2, random_state=0).dtype
    dtype('float32')
    """

    _params = _DIFFUSION_PARAMS
    _defaults = {"learning_rate_init": 1e-3, "n_iter_no_change": 50}
    _stochastic_loss = True
    _net_class = DiffusionNet

    def _validate_params(self):
        super()._validate_params()
        if self.n_sampling_steps is not None and self.n_sampling_steps > self.n_timesteps:
            raise ValueError(
                f"n_sampling_steps={self.n_sampling_steps} exceeds "
                f"n_timesteps={self.n_timesteps}: the DDIM sampler visits a subset of the "
                "training steps."
            )

    def _build_module(self, spec):
        denoiser = build_network(
            MLPDenoiser if self.input_shape is None else UNetDenoiser, self, spec
        )
        # The sampler keeps its estimates of clean samples within the scaled
        # data's range ([-1, 1] for images): at the last steps, where almost
        # no signal is left, they are otherwise unbounded.
        return build_network(
            GaussianDiffusion,
            self,
            spec,
            denoiser=denoiser,
            input_shape=spec.sample_shape,
            clip_range=self._data_bound,
        )

    def _sample_tensor(self, n_samples, *, generator):
        return self._in_data_layout(
            self.module_.generate(n_samples, self.n_sampling_steps, generator=generator)
        )

    @classmethod
    def _get_test_params(cls):
        # No hidden_layer_sizes or filters: each acts on one kind of data
        # only, and these settings must fit rows and images alike.
        return {"n_timesteps": 20, "max_iter": 5, "random_state": 0}
