"""Generative adversarial networks as scikit-learn generators.

Also what the generators that learn the data's values (GAN, diffusion)
share: the input adapters that scale X for the network and the mapping of
samples back to the data's scale and layout.
"""

from numbers import Integral

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._batches import n_rows
from ._inputs import ImageInput, TabularInput
from ._params import (
    INPUT_SHAPE_PARAM,
    UNSUPERVISED_ATTRIBUTES,
    Param,
    PositiveInts,
    attributes_doc,
)
from ._training import NeuralNetCore
from ._vocabulary import build_network
from .base import NeuralGenerator
from .networks import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator

__all__ = ["GANGenerator"]


# ------------------------------------------------ shared by the generators
class _ScaledInput:
    """Mixin of the generators' adapters: X as the network learns it.

    Rows are standardised per feature and images mapped from their range
    of values to [-1, 1] (a tanh output, DDPM's clipping), with the
    statistics of the first fit, so that the defaults work on data of any
    scale.  The statistics and the layout of one training sample (2-D rows
    stay rows) are kept for ``sample``, which maps back.
    """

    def validate(self, X, y=None, *, reset, dtype, y_numeric=False):
        raw_shape = X.shape if hasattr(X, "shape") else np.asarray(X, dtype=object).shape
        X, y = super().validate(X, y, reset=reset, dtype=dtype, y_numeric=y_numeric)
        if reset:
            # In float64: the squares of float32 values above ~1e19 overflow,
            # and a scale of inf would turn every sample into inf or NaN.
            with np.errstate(over="ignore"):  # refused just below, with a message
                shift, scale = self.statistics(X.astype(np.float64))
            if not (np.isfinite(shift).all() and np.isfinite(scale).all()):
                raise ValueError(
                    f"{self.name} standardises X, but its values are too large to standardise "
                    f"(the largest magnitude is {float(np.abs(X).max()):.3g}). Scale X first."
                )
            shift, scale = np.asarray(shift, X.dtype), np.asarray(scale, X.dtype)
            self.estimator._data_scaling = (shift, scale, tuple(raw_shape[1:]))
        shift, scale, _ = self.estimator._data_scaling
        X = ((X - shift) / scale).astype(X.dtype, copy=False)
        if reset:
            # The largest scaled value, which a sampler may keep its estimates within.
            self.estimator._data_bound = float(np.abs(X).max()) if X.size else 1.0
        return X, y


class _ScaledRows(_ScaledInput, TabularInput):
    sparse = False

    def _validate_data(self, X, y, *, y_numeric, **arguments):
        # Dense only: the samples are dense, and so is the scaling.
        return super()._validate_data(
            X, y, y_numeric=y_numeric, **arguments | {"accept_sparse": False}
        )

    @staticmethod
    def statistics(X):
        mean, std = X.mean(axis=0), X.std(axis=0)
        constant = std <= 1e-6 * np.maximum(1.0, np.abs(mean))
        return mean, np.where(constant, 1.0, std)


class _ScaledImages(_ScaledInput, ImageInput):
    @staticmethod
    def statistics(X):
        low, high = X.min(), X.max()
        half_range = (high - low) / 2
        return (high + low) / 2, half_range if half_range > 0 else 1.0


def generator_input(estimator):
    """The adapter of a generator: images with ``input_shape``, else rows of features."""
    if getattr(estimator, "input_shape", None) is None:
        return _ScaledRows(estimator)
    return _ScaledImages(estimator)


generator_input.data_kinds = ("tabular", "images")


def generator_attributes(**entries):
    """The Attributes section of a generator: the shared training attributes and ``entries``."""
    return attributes_doc(
        UNSUPERVISED_ATTRIBUTES,
        input_shape_=(
            "tuple of int",
            "With ``input_shape``: the shape of one image as the network takes it, "
            "``(channels, height, width)``.",
        ),
        **entries,
    )


class _GenerativeMixin:
    """What the GAN and the diffusion model share: their input and their samples' layout."""

    _input = staticmethod(generator_input)
    _defaults = {"alpha": 0.0}  # neither paper decays the weights

    def _make_criterion(self):
        # Unused: the family's net computes its losses in its own train step.
        return torch.nn.Identity()

    def _in_data_layout(self, samples):
        """Network samples in the data's scale, shaped as one training sample."""
        shift, scale, layout = self._data_scaling
        samples = samples * torch.as_tensor(scale).to(samples) + torch.as_tensor(shift).to(samples)
        return samples.reshape(samples.shape[0], *layout)


# ----------------------------------------------------------------------- GAN
class AdversarialNet(NeuralNetCore):
    """Goodfellow et al.'s alternating updates, with the non-saturating generator loss.

    Each batch: one discriminator step on the real rows (their loss
    weighted by ``sample_weight``) and as many generated ones, then one
    generator step that maximises ``log D(G(z))``.  A conditional GAN
    generates the batch's labels.  The recorded loss is the
    discriminator's: about ``2 log 2 = 1.39`` when it cannot tell generated
    samples from data, near 0 when it always can.
    """

    def infer(self, x, **fit_params):
        # The generator takes noise, not data: one generated sample per row
        # of x (the batch-norm recalibration after training, the cost probe).
        generator = self.module_
        return generator(generator.noise(n_rows(x)), generator.random_labels(n_rows(x)))

    def __init__(self, *args, pack_size=1, **kwargs):
        super().__init__(*args, **kwargs)
        self.pack_size = pack_size

    def _packed(self, rows):
        """``pack_size`` consecutive rows side by side: what a packed discriminator judges."""
        return rows if self.pack_size == 1 else rows.reshape(rows.shape[0] // self.pack_size, -1)

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        X, labels, weight = batch
        if self.pack_size > 1:
            # Whole packs only: a batch's last rows that make no pack wait
            # for the next epoch's shuffle.
            n_rows = X.shape[0] // self.pack_size * self.pack_size
            X = X[:n_rows]
            if weight is not None:
                weight = weight[:n_rows].reshape(-1, self.pack_size).mean(dim=1)
        generator, discriminator = self.module_, self.discriminator_
        fake = generator(generator.noise(X.shape[0]), labels)
        real_loss = F.softplus(-discriminator(self._packed(X), labels))  # -log D(x)
        if weight is not None:
            real_loss = real_loss * weight
        fake_loss = F.softplus(discriminator(self._packed(fake.detach()), labels))
        discriminator_loss = real_loss.mean() + fake_loss.mean()
        self.optimizer_discriminator_.zero_grad(set_to_none=True)
        discriminator_loss.backward()
        self.optimizer_discriminator_.step()
        generator_loss = F.softplus(-discriminator(self._packed(fake), labels)).mean()
        self.optimizer_.zero_grad(set_to_none=True)
        generator_loss.backward()
        self.optimizer_.step()
        return {"loss": discriminator_loss.detach(), "y_pred": None}


def _encode_labels(estimator, y, continuing):
    """y as class indices (None unconditioned); sets ``classes_`` on a fresh fit."""
    if y is not None and getattr(estimator, "pack_size", 1) > 1:
        raise ValueError(
            f"{type(estimator).__name__}: pack_size={estimator.pack_size} packs rows of "
            "different classes together, which a conditional GAN's discriminator cannot "
            "judge against their labels; fit without y, or with pack_size=1."
        )
    if not continuing:
        estimator.__dict__.pop("classes_", None)
        if y is None:
            return None
        y = column_or_1d(y, warn=True)
        estimator.classes_, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
        estimator._class_frequencies = counts / counts.sum()
        return codes.astype(np.int64)
    if (y is None) == hasattr(estimator, "classes_"):
        fitted = "with" if y is None else "without"
        raise ValueError(
            f"{type(estimator).__name__} was fitted {fitted} class labels y; a continued fit "
            "must pass them the same way (or fit from scratch)."
        )
    return None if y is None else _label_codes(estimator, y)


def _label_codes(estimator, y):
    y = column_or_1d(y, warn=True)
    unseen = np.setdiff1d(y, estimator.classes_)
    if unseen.size:
        raise ValueError(
            f"y contains labels not seen in fit: {unseen[:5].tolist()}; "
            f"{type(estimator).__name__} generates the classes {estimator.classes_.tolist()}."
        )
    return np.searchsorted(estimator.classes_, y).astype(np.int64)


def _requested_labels(estimator, n_samples, y):
    """The class indices ``sample`` was asked for, checked (None: drawn as in the data)."""
    if y is None:
        return None
    if not hasattr(estimator, "classes_"):
        raise ValueError(
            f"{type(estimator).__name__} was fitted without class labels, so it cannot "
            "generate given classes; fit it with y for conditional generation."
        )
    codes = _label_codes(estimator, y)
    if codes.shape[0] != n_samples:
        raise ValueError(f"y has {codes.shape[0]} labels, but n_samples={n_samples}.")
    return codes


def _adversarial_pair(estimator, spec):
    """The generator ("module") and the discriminator: MLPs for rows, DCGAN's for images.

    Each network takes the estimator's parameters of its arguments' names;
    the estimator computes the number of classes of its labels and, for
    images, one sample's shape as the networks take it (channels first).
    """
    given = {"n_classes": len(getattr(estimator, "classes_", ()))}
    if estimator.input_shape is None:
        generator = build_network(MLPGenerator, estimator, spec, **given)
        # PacGAN: the discriminator reads pack_size rows side by side.
        discriminator = build_network(
            MLPDiscriminator,
            estimator,
            spec,
            **given,
            n_features=spec.n_features * estimator.pack_size,
        )
    else:
        given["input_shape"] = spec.sample_shape
        generator, discriminator = (
            build_network(network, estimator, spec, **given)
            for network in (DCGANGenerator, DCGANDiscriminator)
        )
    return {"module": generator, "discriminator": discriminator}


_GAN_PARAMS = (
    Param(
        "n_components",
        100,
        "int",
        "Width of the noise vector the generator maps to a sample (the latent space).",
        [Interval(Integral, 1, None, closed="left")],
    ),
    Param(
        "hidden_layer_sizes",
        (256, 256),
        "int or sequence of int",
        """
        Rows of features only: width of each hidden layer of the generator
        (ReLU) and of the discriminator (LeakyReLU(0.2)). Refused away from
        its default on images (``input_shape``), whose convolutional pair
        has no such layers (see ``filters``).""",
        [PositiveInts(allow_empty=True)],
        applies_to=("tabular",),
    ),
    Param(
        "filters",
        (64, 128),
        "int or sequence of int",
        """
        Images only (``input_shape``): feature maps of each strided
        convolution of the discriminator, and in reverse order of each
        transposed convolution of the generator. Refused away from its
        default on rows.""",
        [PositiveInts()],
        applies_to=("images",),
    ),
    Param(
        "pack_size",
        1,
        "int",
        """
        Rows only: generated (or real) rows the discriminator judges
        together, side by side (PacGAN, Lin et al. 2018). A pack of
        samples that all sit on one mode is easy to tell from a pack of
        data, which spreads over the modes, so packing penalises mode
        collapse. 1: one row at a time (Goodfellow et al.). On the ring of
        8 Gaussians of the generative benchmark, ``pack_size=2`` with
        ``batch_size=16`` and ``learning_rate_init=5e-4`` covers most of the
        modes in 200 epochs where the defaults collapse onto none. Unconditional GANs only
        (fit refuses it with ``y``); a batch's rows that make no whole
        pack are left out of that step.""",
        [Interval(Integral, 1, None, closed="left")],
        applies_to=("tabular",),
    ),
    INPUT_SHAPE_PARAM,
)


class GANGenerator(_GenerativeMixin, NeuralGenerator):
    __doc__ = f"""Generative adversarial network on PyTorch, optionally conditional.

    A generator maps Gaussian noise to samples; a discriminator learns to
    tell them from the training data and the generator to fool it
    (Goodfellow et al., 2014, with the non-saturating generator loss).
    Rows of features use a pair of MLPs
    (:class:`sknets.networks.MLPGenerator`,
    :class:`sknets.networks.MLPDiscriminator`); with ``input_shape``,
    images use the DCGAN pair (Radford et al., 2016:
    :class:`sknets.networks.DCGANGenerator`,
    :class:`sknets.networks.DCGANDiscriminator`). Fit with class labels
    ``y``, it is a conditional GAN (Mirza & Osindero, 2014: a label
    embedding enters both networks) and ``sample(n, y=labels)`` generates
    the classes asked for. Rows are standardised and images mapped to
    [-1, 1] inside, so any scale works; samples come back in the data's
    scale and in the layout of one training sample.

    An adversarial game has no loss that falls as it converges: the model
    trains for ``max_iter`` epochs (``tol`` and ``n_iter_no_change`` do
    not stop it, and ``early_stopping`` is refused). ``loss_curve_`` is the
    discriminator's loss, about 1.39 (``2 log 2``) when it cannot tell
    samples from data. ``sample_weight`` weighs the real rows in the
    discriminator's loss.

    Attributes
    ----------{
        generator_attributes(
            classes_=("ndarray of shape (n_classes,)", "The labels of y, when fit with y."),
            module_=("torch.nn.Module", "The trained generator."),
        )
    }

    See Also
    --------
    DiffusionGenerator : A denoising diffusion model.

    Notes
    -----
    The defaults are Radford et al.'s: Adam at ``learning_rate_init=2e-4``
    with ``beta_1=0.5``, no weight decay, weights initialised from N(0,
    0.02) in the convolutional pair.

    References
    ----------
    Goodfellow et al. (2014), Generative adversarial nets. NeurIPS.
    Mirza & Osindero (2014), Conditional generative adversarial nets. arXiv:1411.1784.
    Radford, Metz & Chintala (2016), Unsupervised representation learning with
    deep convolutional generative adversarial networks. ICLR.

    Examples
    --------
    >>> import numpy as np
    >>> from sknets import GANGenerator
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(-3, 0.5, (200, 2)), rng.normal(3, 0.5, (200, 2))]
    >>> y = np.repeat([0, 1], 200)
    >>> gan = GANGenerator(hidden_layer_sizes=(64, 64), max_iter=3, random_state=0,
    ...                    device="cpu").fit(X, y)
    >>> gan.sample(5, random_state=0).shape
    (5, 2)
    >>> gan.sample(3, y=[1, 1, 1], random_state=0).dtype
    dtype('float32')
    """

    _params = _GAN_PARAMS
    _defaults = {"learning_rate_init": 2e-4, "beta_1": 0.5}
    _net_class = AdversarialNet
    _optimized_modules = {"optimizer": ("module",), "optimizer_discriminator": ("discriminator",)}
    _uses_y = True
    _fixed_epochs = True

    def _net_kwargs(self):
        return {**super()._net_kwargs(), "pack_size": self.pack_size}

    def _build_module(self, spec):
        return _adversarial_pair(self, spec)

    def _encode_targets(self, y, *, continuing, incremental, classes=None):
        return _encode_labels(self, y, continuing)

    @validate_params(
        {
            "n_samples": [Interval(Integral, 1, None, closed="left")],
            "random_state": ["random_state"],
            "y": ["array-like", None],
        },
        prefer_skip_nested_validation=True,
    )
    def sample(self, n_samples=1, random_state=None, *, y=None):
        """Draw new samples, of the classes ``y`` for a GAN fit with labels.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        random_state : int, RandomState instance or None, default=None
            Seeds the draw: an int gives the same samples every time.
        y : array-like of shape (n_samples,), default=None
            The class of each sample (labels seen in fit); None draws the
            classes with their frequencies in the training data.

        Returns
        -------
        X : ndarray of shape (n_samples, ...)
            The samples, in the layout of one training sample.
        """
        check_is_fitted(self)
        return self._draw(n_samples, random_state, labels=_requested_labels(self, n_samples, y))

    def _sample_tensor(self, n_samples, labels=None, *, generator):
        network = self.module_
        if labels is None and hasattr(self, "classes_"):
            frequencies = torch.as_tensor(self._class_frequencies)
            labels = network.random_labels(n_samples, frequencies, generator=generator)
        elif labels is not None:
            labels = torch.as_tensor(labels, device=self.device_)
        noise = network.noise(n_samples, generator=generator)
        return self._in_data_layout(network(noise, labels))

    @classmethod
    def _get_test_params(cls):
        # No hidden_layer_sizes or filters: each acts on one kind of data
        # only, and these settings must fit rows and images alike.
        return {"n_components": 2, "max_iter": 5, "random_state": 0}
