"""The kinds that train on X alone: transformers (``transform``) and generators (``sample``).

Documented, imported and pickled as :mod:`sknets.base`.
"""

from numbers import Integral

import numpy as np
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted

from ._batches import StructuredRows, _to_numpy, n_rows, primary_output, tree_map
from ._estimator import NeuralEstimator, _stochastic_solver
from ._vocabulary import takes_keyword
from .utils._device import DTYPES, numpy_dtype
from .utils._random import local_generator, torch_random_scope


class _UnsupervisedEstimator(NeuralEstimator):
    """What transformers and generators share: training on X alone.

    The family's loss is a module called as ``criterion(outputs, X)``
    (``_make_criterion``); early stopping follows the negative validation
    loss, which a family's net may compute its own way (``validation_step``).
    y is ignored, except by a family that sets ``_uses_y`` (a conditional
    GAN): its ``_encode_targets`` receives y and the batches carry it.
    """

    __module__ = "sknets.base"
    _requires_y = False

    def fit(self, X, y=None, sample_weight=None):
        """Train the model on X (y is ignored unless the model conditions on labels).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None or array-like of shape (n_samples,)
            Ignored, present for the scikit-learn API; a conditional model
            (GANGenerator) learns to generate each class of y.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    @available_if(_stochastic_solver)
    def partial_fit(self, X, y=None, sample_weight=None):
        """Run one epoch over X, keeping the weights of earlier calls.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None or array-like of shape (n_samples,)
            Ignored, except by a conditional model (the labels of X).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags


class NeuralTransformer(TransformerMixin, ClassNamePrefixFeaturesOutMixin, _UnsupervisedEstimator):
    """Base of the transformers: unsupervised training, ``transform``, feature names.

    ``fit(X, y=None)`` ignores y and trains the family's per-sample loss
    (``_make_criterion``: a module called as ``criterion(outputs, X)``).
    ``transform`` runs ``_transform_tensor`` (default: the network's
    ``encode``) in batches; ``inverse_transform``, where the family sets
    ``_has_inverse_transform``, runs ``_inverse_transform_tensor`` (default:
    ``decode``).  Output names are ``<classname><i>`` as in scikit-learn's
    PCA, so ``set_output(transform="pandas")`` works.  Early stopping
    follows the negative validation loss (the family's, computed from X).
    """

    __module__ = "sknets.base"
    _has_inverse_transform = False

    def _transform_tensor(self, X):
        """The transform of one batch of network input, on the device."""
        return self.net_.module_.encode(X)

    def _inverse_transform_tensor(self, Z):
        """The inverse transform of one batch of codes, on the device."""
        return self.net_.module_.decode(Z)

    def _after_fit(self, X):
        # The first row tells the width of the codes; structured rows (a graph) run whole.
        first_row = X if isinstance(X, StructuredRows) else tree_map(lambda leaf: leaf[:1], X)
        codes = self._forward_network(first_row, self._transform_tensor)
        self._n_features_out = int(primary_output(codes).reshape(n_rows(first_row), -1).shape[1])

    def transform(self, X):
        """The network's representation of X (codes, hidden activations).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            The transformed data, in the network's dtype.
        """
        codes = primary_output(self._forward(X, self._transform_tensor))
        return _to_numpy(codes.reshape(codes.shape[0], -1))

    @available_if(lambda self: self._has_inverse_transform)
    def inverse_transform(self, X):
        """Map codes back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, as returned by ``transform``.

        Returns
        -------
        X_original : ndarray
            The reconstructed samples, in the layout the network takes.
        """
        check_is_fitted(self)
        Z = check_array(X, dtype=self._fitted_dtype, estimator=self)
        if Z.shape[1] != self._n_features_out:
            raise ValueError(
                f"X has {Z.shape[1]} features, but {type(self).__name__}.inverse_transform "
                f"expects {self._n_features_out} (the width of transform's output)."
            )
        return _to_numpy(primary_output(self._forward_network(Z, self._inverse_transform_tensor)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The network computes in its dtype; transform returns that dtype.
        dtype = numpy_dtype(DTYPES.get(self.dtype, torch.float32))
        tags.transformer_tags.preserves_dtype = [np.dtype(dtype).name]
        return tags


class NeuralGenerator(_UnsupervisedEstimator):
    """Base of the generators: unsupervised training, ``sample``, likelihoods.

    A plain estimator, as scikit-learn's density models (GaussianMixture,
    KernelDensity): ``fit(X, y=None)`` trains the family's per-sample loss
    (``_make_criterion``, called as ``criterion(outputs, X)``),
    ``sample(n_samples, random_state)`` draws new samples through
    ``_sample_tensor`` (default: the network's ``generate(n_samples)``), and
    where the family sets ``_has_likelihood`` (the loss is a negative
    log-likelihood or a bound on it), ``score_samples`` is the negative
    per-sample loss and ``score`` its mean.  A generator that also
    transforms (a VAE) derives from :class:`NeuralTransformer` too, and is
    still listed as a generator by :func:`sknets.utils.all_estimators`.
    """

    __module__ = "sknets.base"
    _has_likelihood = False

    def _sample_tensor(self, n_samples, *, generator):
        """``n_samples`` new samples on the device (the network's ``generate``).

        Every draw comes from ``generator``, the call's own seeded
        ``torch.Generator``.  A network of your own whose ``generate``
        takes no ``generator`` draws from torch's global generator, seeded
        from it for the call (reproducible, unless other threads draw
        meanwhile).
        """
        generate = self.net_.module_.generate
        if takes_keyword(generate, "generator"):
            return generate(n_samples, generator=generator)
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
        with torch_random_scope(seed, self.device_):
            return generate(n_samples)

    @validate_params(
        {
            "n_samples": [Interval(Integral, 1, None, closed="left")],
            "random_state": ["random_state"],
        },
        prefer_skip_nested_validation=True,
    )
    def sample(self, n_samples=1, random_state=None):
        """Draw new samples from the trained model.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        random_state : int, RandomState instance or None, default=None
            Seeds the draw: an int gives the same samples every time; None
            draws fresh ones. The caller's global random state is never
            changed.

        Returns
        -------
        X : ndarray of shape (n_samples, ...)
            The samples, in the layout of one training sample.
        """
        return self._draw(n_samples, random_state)

    def _draw(self, n_samples, random_state, **conditions):
        """``sample``'s work: ``_sample_tensor(n_samples, **conditions)`` with its own generator.

        A generator of the call's own (not torch's global one, which other
        threads draw from) makes a seeded call reproducible under threads.
        """
        check_is_fitted(self)
        generator = local_generator(random_state, self.device_)
        with self._evaluation(), torch.inference_mode():
            samples = primary_output(
                self._sample_tensor(n_samples, generator=generator, **conditions)
            )
        return _to_numpy(samples)

    def _score_tensor(self, X):
        """Per-sample log-likelihood (or its bound) of one batch, on the device."""
        return -self.net_.criterion_(self.net_.infer(X), X)

    @available_if(lambda self: self._has_likelihood)
    def score_samples(self, X):
        """Log-likelihood of each sample (or the bound the model trains on).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Higher is more likely.
        """
        scores = primary_output(self._forward(X, self._score_tensor))
        return _to_numpy(scores).astype(np.float64)

    def score(self, X, y=None):
        """Mean log-likelihood of X, or minus the squared MMD of the model's samples to X.

        A generator with a likelihood (or the bound it trains on: a VAE,
        GPT) returns the mean of :meth:`score_samples`, as
        GaussianMixture.score.  A generator with no likelihood (a GAN, a
        diffusion model) is scored by how far its samples lie from ``X``
        as distributions: the
        unbiased squared maximum mean discrepancy (MMD, Gretton et al.,
        2012) with the mean of Gaussian kernels whose widths are 1/8 to 2
        times the median distance between the rows of X, in the space the
        network reads (the estimator's scaling of X), negated so that
        higher is better: 0 for samples from X's distribution, below 0 as
        they differ, down to minus the kernels' mean over pairs of rows of
        X and over pairs of samples for samples far from every row.  The
        model draws as many samples as
        ``X`` has rows, at most ``MMD_ROWS`` (1,000), with a fixed seed;
        a larger ``X`` is subsampled with a fixed seed, so the same model
        and X always get the same score.  This is the default scoring of
        :class:`~sklearn.model_selection.GridSearchCV` and
        ``cross_val_score``.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Held-out samples, in the layout of the training data.
        y : array-like of shape (n_samples,), default=None
            For a generator without a likelihood fitted with labels: the
            class of each row of X, drawn for the model's samples too
            (None: the training frequencies).  Otherwise ignored.

        Returns
        -------
        score : float
            The mean log-likelihood, or minus the squared MMD.

        References
        ----------
        Gretton, Borgwardt, Rasch, Schoelkopf & Smola (2012), A kernel
        two-sample test. JMLR 13.
        """
        if self._has_likelihood:
            return float(self.score_samples(X).mean())
        reference, _ = self._validated_input(X)
        rows = np.arange(n_rows(reference))
        if len(rows) > MMD_ROWS:
            rows = np.sort(np.random.default_rng(0).choice(len(rows), MMD_ROWS, replace=False))
        # Labels condition the draw of a model fitted with them only.
        conditional = y is not None and hasattr(self, "classes_")
        extra = {"y": np.asarray(y)[rows]} if conditional else {}
        samples = self.sample(len(rows), random_state=0, **extra)
        drawn, _ = self._validated_input(samples)
        return -squared_mmd(_flat(reference)[rows], _flat(drawn))


#: The most rows :meth:`NeuralGenerator.score` compares (its cost grows as their square).
MMD_ROWS = 1000
#: The kernel widths of :func:`squared_mmd`, in median distances of the reference.
MMD_SCALES = (0.125, 0.25, 0.5, 1.0, 2.0)


def _flat(X):
    values = X.detach().cpu().numpy() if isinstance(X, torch.Tensor) else np.asarray(X)
    return values.reshape(len(values), -1).astype(np.float64)


def squared_mmd(reference, samples):
    """Unbiased squared MMD of two samples, a mean of Gaussian kernels of several widths.

    The widths are the median distance between the rows of ``reference``
    times 1/8, 1/4, 1/2, 1 and 2 (the median heuristic, spread over
    scales as in Li, Swersky & Zemel's generative moment matching
    networks, 2015): they depend on the reference alone, so that models
    scored on one X are scored with one kernel.
    """
    pooled = np.vstack([reference, samples])
    norms = (pooled**2).sum(1)
    squared = np.maximum(norms[:, None] + norms[None, :] - 2 * pooled @ pooled.T, 0.0)
    n = len(reference)
    within_reference = squared[:n, :n][~np.eye(n, dtype=bool)]
    median = np.median(within_reference) if within_reference.size else 1.0
    median = max(median, np.finfo(np.float64).tiny)
    kernel = np.mean([np.exp(-squared / (2 * median * scale**2)) for scale in MMD_SCALES], axis=0)
    k_reference, k_samples, k_cross = kernel[:n, :n], kernel[n:, n:], kernel[:n, n:]

    def within(block):
        size = len(block)
        return (block.sum() - np.trace(block)) / max(size * (size - 1), 1)

    return float(within(k_reference) + within(k_samples) - 2 * k_cross.mean())
