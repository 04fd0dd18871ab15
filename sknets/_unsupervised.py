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
from .utils._device import DTYPES, numpy_dtype
from .utils._random import seed_from_random_state, torch_random_scope


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

    def _sample_tensor(self, n_samples):
        """``n_samples`` new samples on the device (the network's ``generate``)."""
        return self.net_.module_.generate(n_samples)

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
        """``sample``'s work: ``_sample_tensor(n_samples, **conditions)`` under the seed."""
        check_is_fitted(self)
        with (
            torch_random_scope(seed_from_random_state(random_state), self.device_),
            self._evaluation(),
            torch.inference_mode(),
        ):
            samples = primary_output(self._sample_tensor(n_samples, **conditions))
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

    @available_if(lambda self: self._has_likelihood)
    def score(self, X, y=None):
        """Mean log-likelihood of the samples, as GaussianMixture.score.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.
        y : None
            Ignored.

        Returns
        -------
        score : float
            Mean of :meth:`score_samples`.
        """
        return float(self.score_samples(X).mean())
