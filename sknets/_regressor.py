"""The regressor kind: continuous targets, half squared error or Poisson deviance.

Documented, imported and pickled as :mod:`sknets.base`.
"""

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.utils.metaestimators import available_if

from ._batches import primary_output
from ._estimator import NeuralEstimator, _stochastic_solver
from ._losses import (
    HalfPoissonDeviancePerSample,
    HalfSquaredErrorPerSample,
    r2_from_log_outputs,
    r2_from_outputs,
)
from ._params import DEVICE_PARAMS, REGRESSION_LOSS_PARAM, SHARED_TRAINING_PARAMS


class NeuralRegressor(RegressorMixin, NeuralEstimator):
    """Base of the regressors: single or multi-target, half squared error or Poisson.

    With ``loss="poisson"`` the network's raw output is the log of the
    predicted mean: ``predict`` returns its exponential and the loss is the
    half Poisson deviance, as in scikit-learn's MLPRegressor.
    """

    __module__ = "sknets.base"
    _shared_params = SHARED_TRAINING_PARAMS + (REGRESSION_LOSS_PARAM,) + DEVICE_PARAMS
    _y_numeric = True
    _score_outputs = staticmethod(r2_from_outputs)
    # Whether the network trains on the standardised target: its
    # TargetScaling layer maps the outputs back to the target's units
    # (with loss="squared_error").
    _standardizes_target = False

    @property
    def _log_link(self):
        """Whether the fitted network outputs log-means (``loss="poisson"`` at fit time)."""
        return getattr(self, "_fitted_loss", "squared_error") == "poisson"

    @property
    def _output_kind(self):
        return "log-mean" if self._log_link else "mean"

    @available_if(_stochastic_solver)
    def partial_fit(self, X, y, sample_weight=None):
        """Run one epoch over (X, y), keeping the weights of earlier calls.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def _encode_targets(self, y, *, continuing, incremental, classes=None):
        y = np.asarray(y, dtype=np.float32)
        if y.ndim == 1:
            y = y[:, None]
        if self.loss == "poisson":
            # Negative counts have no Poisson likelihood, and with an all-zero
            # target the best log-mean is -inf.
            if (y < 0).any():
                raise ValueError(
                    f"{type(self).__name__} with loss='poisson' requires non-negative y; "
                    f"got a minimum of {float(y.min())!r}."
                )
            if not incremental and (y.sum(axis=0) <= 0).any():
                raise ValueError(
                    f"{type(self).__name__} with loss='poisson' requires the sum of y "
                    "(of each target) to be positive."
                )
        if not continuing:
            self._fitted_loss = self.loss
        elif self.loss != getattr(self, "_fitted_loss", "squared_error"):
            # The network's output means the fitted loss's quantity (a mean or a log-mean).
            raise ValueError(
                f"{type(self).__name__} was fitted with loss={self._fitted_loss!r}; a "
                f"continued fit cannot change it to {self.loss!r}. Fit from scratch "
                "(warm_start=False)."
            )
        if not continuing:
            self.n_outputs_ = y.shape[1]
        elif y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} targets, but {type(self).__name__} was fitted "
                f"with {self.n_outputs_}."
            )
        return y

    def _fit_target_scaling(self, y_encoded, sample_weight):
        # The (weighted) mean and standard deviation of each target, as
        # StandardScaler computes them; a constant target keeps a scale of 1.
        self._target_shift = self._target_scale = None
        if not self._standardizes_target or self.loss != "squared_error":
            return
        y = np.asarray(y_encoded, dtype=np.float64)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        mean = np.average(y, axis=0, weights=weights)
        scale = np.sqrt(np.average((y - mean) ** 2, axis=0, weights=weights))
        scale[scale < 10 * np.finfo(np.float64).eps * np.maximum(np.abs(mean), 1.0)] = 1.0
        self._target_shift, self._target_scale = mean, scale

    def _make_net(self, spec, device, dtype, batch_size, mean_weight):
        net = super()._make_net(spec, device, dtype, batch_size, mean_weight)
        if getattr(self, "_target_scale", None) is not None:
            scaling = net.module_.target_scaling
            with torch.no_grad():
                scaling.shift.copy_(torch.as_tensor(self._target_shift))
                scaling.scale.copy_(torch.as_tensor(self._target_scale))
        return net

    def _make_criterion(self):
        if self.loss == "poisson":
            return HalfPoissonDeviancePerSample()
        return HalfSquaredErrorPerSample(getattr(self, "_target_scale", None))

    def _validation_score_fn(self):
        # R² of the predicted means, exp(output), not of the log-means.
        return r2_from_log_outputs if self._log_link else r2_from_outputs

    def predict(self, X):
        """Predicted targets.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predictions; 1-D when the model has a single target.
        """
        prediction = self._finite_outputs(primary_output(self._forward(X))).to(torch.float64)
        if self._log_link:
            prediction = torch.exp(prediction)
        prediction = prediction.numpy()
        return prediction.ravel() if prediction.shape[1] == 1 else prediction

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
