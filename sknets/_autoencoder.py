"""Autoencoder estimators: AutoencoderTransformer and VAEGenerator.

Both wrap a network of :mod:`sknets.networks._autoencoder`: a dense
encoder/decoder on rows, or a convolutional one on images when
``input_shape`` is given (:class:`CodecInput` picks the input adapter).
The denoising step of the autoencoder is :class:`DenoisingNet`; the
variational autoencoder's network returns the two terms of the negative
ELBO from its ``forward`` (the reparameterised draw comes from the fit's
seeded random stream), and its step, :class:`VariationalNet`, weighs the
KL term with a warm-up.
"""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from torch import nn

from ._batches import _to_numpy
from ._cnn import _activation_param, _dropout_param
from ._estimator import _stochastic_solver
from ._inputs import ImageInput, InputAdapter, TabularInput
from ._params import (
    INPUT_SHAPE_PARAM,
    UNSUPERVISED_ATTRIBUTES,
    Param,
    PositiveInts,
    attributes_doc,
)
from ._training import NeuralNetCore
from ._vocabulary import build_network
from .base import NeuralGenerator, NeuralTransformer
from .networks import LIKELIHOODS, Autoencoder, VariationalAutoencoder

__all__ = ["AutoencoderTransformer", "VAEGenerator"]


# ------------------------------------------------------------------ inputs
class CodecInput(InputAdapter):
    """Rows for the dense networks; images (``ImageInput``) with ``input_shape``.

    Records whether training samples came as 2-D rows, so that
    ``inverse_transform`` and ``sample`` answer in the same layout; with
    ``likelihood="bernoulli"`` refuses training data outside [0, 1].
    """

    data_kinds = ("tabular", "images")

    def __init__(self, estimator):
        super().__init__(estimator)
        images = estimator.input_shape is not None
        self.inner = ImageInput(estimator) if images else TabularInput(estimator)
        self.sparse, self.three_d_array = self.inner.sparse, self.inner.three_d_array

    def check_params(self):
        self.inner.check_params()

    def validate(self, X, y=None, *, reset, dtype, y_numeric=False):
        n_dims = len(X.shape) if hasattr(X, "shape") else np.asarray(X).ndim
        if isinstance(self.inner, TabularInput) and n_dims > 2:
            raise ValueError(
                f"{self.name} got X with {n_dims} dimensions; images need "
                "input_shape=(channels, height, width) to train the convolutional network."
            )
        X, y = self.inner.validate(X, y, reset=reset, dtype=dtype, y_numeric=y_numeric)
        if reset:
            self.estimator._rows_out = n_dims == 2
        if getattr(self.estimator, "likelihood", None) == "bernoulli":
            values = X.data if hasattr(X, "data") and not isinstance(X, np.ndarray) else X
            if values.size and (values.min() < 0 or values.max() > 1):
                raise ValueError(
                    f"{self.name} with likelihood='bernoulli' needs X in [0, 1]; got values "
                    f"from {values.min():.4g} to {values.max():.4g}. Scale X (e.g. "
                    "MinMaxScaler) or use likelihood='gaussian'."
                )
        return X, y

    def validate_predict(self, X, *, dtype):
        return self.inner.validate_predict(X, dtype=dtype)

    def sizes(self, X):
        return self.inner.sizes(X)


class DenoisingNet(NeuralNetCore):
    """Trains on inputs with Gaussian noise added, towards the clean inputs.

    The validation step is the default one, on clean inputs: early stopping
    follows the clean reconstruction error.
    """

    def __init__(self, *args, noise_std=0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.noise_std = noise_std

    def train_step_single(self, batch, **fit_params):
        X, _, weight = batch
        noisy = X + self.noise_std * torch.randn_like(X) if self.noise_std else X
        # The clean X goes in as the target (the batch's y).
        return super().train_step_single((noisy, X, weight), **fit_params)


class VariationalNet(NeuralNetCore):
    """The beta-VAE step, its KL weight warmed up from 0 over the first epochs.

    Over ``n_warmup_epochs`` epochs the weight of the KL term rises
    linearly from ``beta / n_warmup_epochs`` to ``beta`` (Bowman et al.,
    2016; Sonderby et al., 2016), so that the decoder learns to use the
    codes before the KL term pulls the posterior onto the prior (the
    "posterior collapse" of a VAE that ignores its codes).  The epochs are
    counted over warm starts and ``partial_fit`` calls.  The loss reported
    (and followed by the convergence and early-stopping rules) is always
    the full objective.
    """

    def __init__(self, *args, n_warmup_epochs=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.n_warmup_epochs = n_warmup_epochs
        self.kl_ramp = 1.0

    def on_epoch_begin(self, net, **kwargs):
        super().on_epoch_begin(net, **kwargs)
        epoch = len(self.history)  # this epoch's row is open: counted from 1
        self.kl_ramp = min(1.0, epoch / self.n_warmup_epochs) if self.n_warmup_epochs else 1.0

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        X, _, _ = batch
        negative_log_likelihood, kl = self.infer(X)
        beta = self.criterion_.beta
        (negative_log_likelihood + self.kl_ramp * beta * kl).mean().backward()
        return {"loss": (negative_log_likelihood + beta * kl).mean().detach(), "y_pred": None}


class HalfSquaredReconstructionError(nn.Module):
    """Half the squared error per sample, averaged over features (or pixels)."""

    def forward(self, reconstruction, X):
        return 0.5 * (reconstruction - X).pow(2).flatten(1).mean(dim=1)


class BetaNegativeELBO(nn.Module):
    """The beta-VAE loss per sample: expected negative log-likelihood + beta * KL."""

    def __init__(self, beta=1.0):
        super().__init__()
        self.beta = beta

    def forward(self, terms, X):
        negative_log_likelihood, kl = terms
        return negative_log_likelihood + self.beta * kl


# -------------------------------------------------------------- parameters
def _codec_params(hidden_layer_sizes, n_components):
    return (
        Param(
            "hidden_layer_sizes",
            hidden_layer_sizes,
            "int or sequence of int",
            """
            Widths of the encoder's hidden layers; the decoder mirrors
            them. Rows and images alike: with ``input_shape`` they follow
            the convolutions.""",
            [PositiveInts(allow_empty=True)],
        ),
        Param(
            "n_components",
            n_components,
            "int",
            "Width of the code (the latent space).",
            [Interval(Integral, 1, None, closed="left")],
        ),
        _activation_param("relu", " of the encoder and decoder"),
        _dropout_param(0.0, "after each hidden activation"),
        Param(
            "filters",
            (32, 64),
            "int or sequence of int",
            """
            Images only (``input_shape``): output channels of each 3 x 3
            stride-2 convolution of the encoder (each halves the height and
            width); the decoder mirrors them with transposed convolutions.
            Refused away from its default on rows, which have no
            convolutions.""",
            [PositiveInts()],
            applies_to=("images",),
        ),
        INPUT_SHAPE_PARAM,
    )


_AUTOENCODER_PARAMS = (
    *_codec_params((256, 128), 16),
    Param(
        "noise_std",
        0.0,
        "float",
        "Standard deviation of the Gaussian noise added to the training inputs.",
        [Interval(Real, 0, None, closed="left")],
    ),
)

_VAE_PARAMS = (
    *_codec_params((512,), 8),
    Param(
        "beta",
        1.0,
        "float",
        """
        Weight of the KL term of the loss: 1 is the ELBO; above 1, a
        beta-VAE's more disentangled, blurrier codes.""",
        [Interval(Real, 0, None, closed="left")],
    ),
    Param(
        "n_warmup_epochs",
        20,
        "int",
        """
        Epochs over which the weight of the KL term rises linearly to
        ``beta`` (KL warm-up), so that the decoder learns to use the codes
        before the KL term pulls them onto the prior; 0 for none.""",
        [Interval(Integral, 0, None, closed="left")],
    ),
    Param(
        "likelihood",
        "gaussian",
        '{"gaussian", "bernoulli"}',
        """
        The decoder's distribution: a Gaussian with a learnt variance per
        feature (real-valued data), or Bernoulli (data in [0, 1]).""",
        [StrOptions(set(LIKELIHOODS))],
    ),
)

_CODEC_ATTRIBUTES = {
    "n_features_in_": (
        "int",
        "Number of features seen during fit (channels for 4-D image arrays).",
    ),
    "input_shape_": (
        "tuple of int",
        "With ``input_shape``: one image as the network takes it, ``(channels, height, width)``.",
    ),
}


class _CodecEstimator:
    """What both estimators share: input, network arguments, output layout."""

    _input = CodecInput
    _has_inverse_transform = True

    def _build_module(self, spec):
        # The network's arguments are the estimator's parameters of the same
        # names; input_shape is one sample as the network takes it (channels
        # first, after reshaping), None for rows.
        input_shape = spec.sample_shape if self.input_shape is not None else None
        return build_network(self._network, self, spec, input_shape=input_shape)

    def _in_input_layout(self, samples):
        """Samples of the network's layout as training X came: rows or images."""
        return samples.flatten(1) if self._rows_out else samples

    def _inverse_transform_tensor(self, Z):
        return self._in_input_layout(self.net_.module_.decode(Z))

    @classmethod
    def _get_test_params(cls):
        return {
            "hidden_layer_sizes": (16,),
            "n_components": 2,
            "learning_rate_init": 0.01,
            "max_iter": 30,
            "random_state": 0,
        }


_INPUT_DOC = """
    Input: rows ``(n_samples, n_features)`` (dense networks), or with
    ``input_shape`` images ``(n_samples, channels, height, width)`` or 2-D
    rows reshaped to ``input_shape`` (convolutional networks).
    ``inverse_transform`` and ``sample`` answer in the layout of the
    training data: rows for rows, images for images."""


class AutoencoderTransformer(_CodecEstimator, NeuralTransformer):
    __doc__ = f"""Autoencoder (optionally denoising) as a scikit-learn transformer.

    An encoder maps each sample to ``n_components`` codes and a decoder
    maps the codes back; both are trained to minimise half the squared
    reconstruction error (Hinton & Salakhutdinov, 2006).  With
    ``noise_std`` > 0 the encoder sees inputs with Gaussian noise added
    and the decoder must reconstruct the clean input: a denoising
    autoencoder (Vincent et al., 2008); early stopping always follows the
    reconstruction error of clean validation samples.  ``transform`` gives
    the codes, ``inverse_transform`` the reconstructions and
    ``score_samples`` the negative reconstruction error (mean squared
    error per sample), higher for samples like the training data: an
    anomaly score.
{_INPUT_DOC}

    Attributes
    ----------{attributes_doc(UNSUPERVISED_ATTRIBUTES, **_CODEC_ATTRIBUTES)}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.Autoencoder`.

    See Also
    --------
    VAEGenerator : A variational autoencoder, which also samples.
    sklearn.decomposition.PCA : The linear autoencoder, in closed form.

    Notes
    -----
    The default network (two hidden layers of 256 and 128 units around a
    16-wide code, ReLU, Adam at 1e-3) is a small version of Hinton and
    Salakhutdinov's deep autoencoder; standardise the features (or scale
    pixels to [0, 1]) first.  The loss is a mean over the features, small
    on such data (about 0.005 per pixel on digits), so the default ``tol``
    is 1e-6 rather than scikit-learn's 1e-4, which would stop training
    while the reconstructions still improve.

    References
    ----------
    G. E. Hinton and R. R. Salakhutdinov, "Reducing the dimensionality of
    data with neural networks", Science 313, 2006.
    P. Vincent, H. Larochelle, Y. Bengio and P.-A. Manzagol, "Extracting and
    composing robust features with denoising autoencoders", ICML 2008.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknets import AutoencoderTransformer
    >>> X = load_digits().data[:300] / 16
    >>> ae = AutoencoderTransformer(n_components=8, max_iter=20, random_state=0,
    ...                             device="cpu").fit(X)
    >>> ae.transform(X[:5]).shape
    (5, 8)
    >>> ae.inverse_transform(ae.transform(X[:5])).shape
    (5, 64)
    >>> ae.score_samples(X[:5]).shape
    (5,)
    """

    _params = _AUTOENCODER_PARAMS
    _network = Autoencoder
    _defaults = {"tol": 1e-6}
    _net_class = DenoisingNet

    def _make_criterion(self):
        return HalfSquaredReconstructionError()

    def _net_kwargs(self):
        return {"noise_std": self.noise_std}

    def _squared_error(self, X):
        return (self.net_.module_(X) - X).pow(2).flatten(1).mean(dim=1)

    def score_samples(self, X):
        """Negative reconstruction error (mean squared error) of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Higher for samples reconstructed better: lower is more anomalous.
        """
        return -_to_numpy(self._forward(X, self._squared_error)).astype(np.float64)


class VAEGenerator(_CodecEstimator, NeuralTransformer, NeuralGenerator):
    __doc__ = f"""Variational autoencoder: a generator that also transforms.

    A variational autoencoder (Kingma & Welling, 2014): the encoder gives a
    diagonal Gaussian posterior over ``n_components`` latent variables,
    whose prior is a standard normal; the decoder gives the likelihood of
    a sample given its latent variables.  Training maximises the evidence
    lower bound (ELBO) with one reparameterised draw per sample, the KL
    term weighted by ``beta`` (a beta-VAE, Higgins et al., 2017, for
    ``beta`` > 1).  ``sample`` draws latent variables from the prior and
    decodes them, ``transform`` gives the posterior means,
    ``inverse_transform`` the decoder's means, and ``score_samples`` the
    ELBO of each sample (with ``beta=1`` whatever ``beta`` trained), a
    lower bound of its log-likelihood, estimated with the same 32
    quasi-random draws for every sample so that it is deterministic.
{_INPUT_DOC}

    Attributes
    ----------{attributes_doc(UNSUPERVISED_ATTRIBUTES, **_CODEC_ATTRIBUTES)}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.VariationalAutoencoder`.

    See Also
    --------
    AutoencoderTransformer : The deterministic autoencoder.

    Notes
    -----
    ``likelihood="gaussian"`` (for real-valued data) is a diagonal
    Gaussian whose mean is the decoder's output and whose variance is
    learnt per feature, its standard deviation kept at least 0.01:
    standardise the features first.  The ELBO is then a lower bound of the
    log-density of a sample, and ``sample`` adds the decoder's noise to its
    mean.  ``likelihood="bernoulli"`` (for data in [0, 1], e.g. pixels) is
    the binary cross-entropy of the decoder's probabilities: the ELBO is a
    lower bound of the log-probability of binary data (for grey levels, a
    score rather than a density), and ``sample`` returns the probabilities,
    the mean images.  The default network follows Kingma and Welling's
    (one hidden layer of 512 units, mini-batches of 100) with ReLU, Adam at
    3e-3, an 8-dimensional latent space (latent dimensions the data do not
    need stay at the prior) and a KL warm-up over the first 20 epochs.
    The training loss draws one latent sample per row, so it is too noisy
    for a plateau rule: training runs ``max_iter`` epochs unless
    ``early_stopping`` follows the validation loss.  A VAE is blurrier than
    a GAN or a diffusion model (the ring benchmark of the family page shows
    how much).

    References
    ----------
    D. P. Kingma and M. Welling, "Auto-encoding variational Bayes", ICLR 2014.
    I. Higgins et al., "beta-VAE: learning basic visual concepts with a
    constrained variational framework", ICLR 2017.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknets import VAEGenerator
    >>> X = load_digits().data[:300] / 16
    >>> vae = VAEGenerator(n_components=4, likelihood="bernoulli", max_iter=10,
    ...                    random_state=0, device="cpu").fit(X)
    >>> vae.sample(3, random_state=0).shape
    (3, 64)
    >>> vae.transform(X[:5]).shape
    (5, 4)
    >>> vae.score_samples(X[:5]).shape
    (5,)
    """

    _params = _VAE_PARAMS
    _network = VariationalAutoencoder
    _has_likelihood = True
    _defaults = {"batch_size": 100, "learning_rate_init": 3e-3}
    _stochastic_loss = True  # one latent draw per sample: no plateau rule
    _net_class = VariationalNet

    def _net_kwargs(self):
        return {"n_warmup_epochs": self.n_warmup_epochs}

    def fit(self, X, y=None):
        """Train the model on X (y is ignored).

        Unlike most sknets estimators it takes no ``sample_weight``: each
        sample gets its own random latent draw, so a weight of 2 would not
        train as the sample given twice (two draws), as scikit-learn requires.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored; present for the scikit-learn API.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, None, sample_weight=None, incremental=False)

    @available_if(_stochastic_solver)
    def partial_fit(self, X, y=None):
        """Run one epoch over X, keeping the weights of earlier calls.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, None, sample_weight=None, incremental=True)

    def _make_criterion(self):
        return BetaNegativeELBO(self.beta)

    def _score_tensor(self, X):
        negative_log_likelihood, kl = self.net_.module_(X)
        return -(negative_log_likelihood + kl)

    def _sample_tensor(self, n_samples, *, generator):
        return self._in_input_layout(self.net_.module_.generate(n_samples, generator=generator))
