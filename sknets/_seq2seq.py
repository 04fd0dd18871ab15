"""Sequence-to-sequence forecaster: a recurrent encoder-decoder with attention.

One network (:class:`sknets.networks.Seq2SeqNetwork`), trained through
:class:`TeacherForcingNet`, whose training step feeds the decoder the true
previous values; validation and prediction decode autoregressively.
"""

from numbers import Real

import numpy as np
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import Interval, StrOptions

from ._inputs import ForecastInput
from ._params import INPUT_SHAPE_PARAM, REGRESSOR_ATTRIBUTES, Param, attributes_doc
from ._rnn import POSITIVE_INT, PROBABILITY, SEQUENCE_ATTRIBUTES
from ._training import NeuralNetCore
from ._vocabulary import build_network
from .base import NeuralRegressor
from .networks import SEQ2SEQ_CELLS, Seq2SeqNetwork

__all__ = ["Seq2SeqRegressor", "TeacherForcingNet"]


class TeacherForcingNet(NeuralNetCore):
    """The training net of a forecaster: training steps give the module the true targets.

    ``train_step_single`` calls the module as ``module(X, targets=y,
    teacher_forcing_ratio=...)``, so that the decoder is fed the true
    previous values (teacher forcing); validation and prediction call it
    with X alone, and it decodes from its own forecasts.  The training step
    is otherwise the shared one, so full-batch L-BFGS runs it too.
    """

    def __init__(self, *args, teacher_forcing_ratio=1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.teacher_forcing_ratio = teacher_forcing_ratio

    def train_step_single(self, batch, **fit_params):
        _, targets, _ = batch
        fit_params = {"targets": targets, "teacher_forcing_ratio": self.teacher_forcing_ratio}
        return super().train_step_single(batch, **fit_params)


_PARAMS = (
    Param(
        "cell",
        "lstm",
        '{"lstm", "gru"}',
        """
        The recurrent cell of the encoder and the decoder: the LSTM of
        Hochreiter and Schmidhuber or the GRU of Cho et al.""",
        [StrOptions(set(SEQ2SEQ_CELLS))],
    ),
    Param(
        "hidden_size",
        64,
        "int",
        "Features of the hidden state of the encoder and the decoder.",
        [POSITIVE_INT],
    ),
    Param(
        "n_layers",
        1,
        "int",
        "Number of stacked recurrent layers of the encoder and of the decoder.",
        [POSITIVE_INT],
    ),
    Param(
        "dropout",
        0.0,
        "float",
        "Dropout probability between stacked layers and before the output layer.",
        [PROBABILITY],
    ),
    Param(
        "teacher_forcing_ratio",
        1.0,
        "float",
        """
        During training, the probability that a decoder step is fed the
        true values of the previous step (teacher forcing) rather than the
        network's own forecast of them, drawn per sample and step: 1.0
        always feeds the true values, 0.0 trains on the network's own
        forecasts as predict decodes, values between mix the two
        (scheduled sampling, Bengio et al., 2015; the schedule is yours:
        change it between ``warm_start`` fits or ``partial_fit`` calls).
        Validation (early stopping) and predict always decode from the
        network's own forecasts.  ``solver="lbfgs"`` needs 0.0 or 1.0.""",
        [Interval(Real, 0, 1, closed="both")],
    ),
    INPUT_SHAPE_PARAM,
)

_TARGETS_DOC = """
    Input: the windows that precede the values to forecast, as series
    ``(n_samples, n_channels, n_timepoints)``, or 2-D rows (univariate
    series ``(n_samples, 1, n_features)``, or reshaped with
    ``input_shape``). Windows of different lengths are padded at their end
    with NaN in every channel: those steps are masked, and a padded window
    gets the forecast of the window without its padding; NaN anywhere else
    is refused, as are infinite values. Sparse input is refused.

    Targets: the values that follow each window. ``y`` of shape
    ``(n_samples, horizon, n_channels)`` forecasts ``horizon`` steps of
    ``n_channels`` values; ``(n_samples, horizon)`` one value per step and
    ``(n_samples,)`` the next value only.  ``predict`` returns the layout
    of the ``y`` the model was fitted on.  When the target has as many
    channels as X (a series' own future), the decoder starts from the last
    observed step of each window; otherwise from a learned start vector.
    The loss (half the squared error, or the Poisson deviance) is averaged
    over the forecast steps and channels as over the targets of a
    multi-output regressor, and ``score`` is the R² averaged over them;
    with ``loss="poisson"`` the decoder is fed the predicted means (the
    exponential of the network's log-means)."""

_ATTRIBUTES_DOC = attributes_doc(
    REGRESSOR_ATTRIBUTES,
    n_outputs_=("int", "Values forecast per sample: ``horizon_ * n_target_channels_``."),
    input_shape_=SEQUENCE_ATTRIBUTES["input_shape_"],
    n_features_in_=(
        "int",
        "Size of the second axis of X seen during fit: the number of time steps of "
        "2-D X (univariate series), the number of channels of 3-D X.",
    ),
    horizon_=("int", "Number of steps forecast (the second axis of y; 1 for 1-D y)."),
    n_target_channels_=(
        "int",
        "Values forecast per step (the third axis of y; 1 for 1-D and 2-D y).",
    ),
)


# The conformance suite's series have 2 to 10 steps; its targets 1 to 5 values.
_TEST_PARAMS = {
    "hidden_size": 16,
    "batch_size": 32,
    "learning_rate_init": 0.01,
    "max_iter": 60,
    "random_state": 0,
}


def _in_target_layout(estimator, prediction):
    """Predictions ``(n, horizon * channels)`` in the layout of the fitted y."""
    n = prediction.shape[0]
    shapes = {
        1: (n,),
        2: (n, estimator.horizon_),
        3: (n, estimator.horizon_, estimator.n_target_channels_),
    }
    return prediction.reshape(shapes[estimator._target_ndim])


class Seq2SeqRegressor(NeuralRegressor):
    __doc__ = f"""Sequence-to-sequence forecaster: recurrent encoder-decoder with attention.

    An encoder-decoder for multi-step forecasting
    (:class:`sknets.networks.Seq2SeqNetwork`; Sutskever et al., 2014;
    Bahdanau et al., 2015): an LSTM or GRU encoder reads each input window
    (run as packed sequences, so padding is skipped); a decoder of the same
    cell starts from the encoder's final state and forecasts one step at a
    time, attending to the encoder outputs with additive attention at every
    step and taking the previous step's values as input.  In training the
    decoder is fed the true previous values (teacher forcing, mixed with
    its own forecasts with ``teacher_forcing_ratio`` below 1); predict
    feeds it its own forecasts (autoregressive decoding).
{_TARGETS_DOC}

    Attributes
    ----------{_ATTRIBUTES_DOC}
    module_ : torch.nn.Module
        The trained :class:`sknets.networks.Seq2SeqNetwork`.

    See Also
    --------
    LSTMRegressor : One recurrent network whose output layer predicts every
        step at once (the targets of a multi-output regressor).
    GRURegressor : The same with a GRU.
    TransformerRegressor : A transformer encoder on the same inputs.

    References
    ----------
    - Sutskever, Vinyals & Le (2014), Sequence to sequence learning with
      neural networks. NeurIPS.
    - Bahdanau, Cho & Bengio (2015), Neural machine translation by jointly
      learning to align and translate. ICLR.
    - Bengio, Vinyals, Jaitly & Shazeer (2015), Scheduled sampling for
      sequence prediction with recurrent neural networks. NeurIPS
      (``teacher_forcing_ratio``).

    Examples
    --------
    A seasonal series (period 12) cut into windows of 24 steps, each
    followed by the 6 steps to forecast:

    >>> import numpy as np
    >>> from sknets import Seq2SeqRegressor
    >>> rng = np.random.RandomState(0)
    >>> t = np.arange(600)
    >>> series = np.sin(2 * np.pi * t / 12) + 0.1 * rng.normal(size=t.size)
    >>> starts = np.arange(len(series) - 30)
    >>> X = np.stack([series[s : s + 24] for s in starts])  # (570, 24): univariate windows
    >>> y = np.stack([series[s + 24 : s + 30] for s in starts])  # (570, 6): the next 6 steps
    >>> reg = Seq2SeqRegressor(hidden_size=16, learning_rate_init=0.01, max_iter=20,
    ...                        random_state=0, device="cpu").fit(X[:500], y[:500])
    >>> reg.horizon_, reg.n_target_channels_
    (6, 1)
    >>> reg.predict(X[500:]).shape
    (70, 6)
    >>> reg.score(X[500:], y[500:]) > 0.9
    True
    """

    _params = _PARAMS
    _input = ForecastInput
    _net_class = TeacherForcingNet

    def _build_module(self, spec):
        return build_network(
            Seq2SeqNetwork,
            self,
            spec,
            horizon=self.horizon_,
            n_target_channels=self.n_target_channels_,
            log_outputs=self.loss == "poisson",
        )

    def _net_kwargs(self):
        return {"teacher_forcing_ratio": self.teacher_forcing_ratio}

    def _check_full_batch_solver(self):
        super()._check_full_batch_solver()
        if 0 < self.teacher_forcing_ratio < 1:
            raise ValueError(
                "solver='lbfgs' needs the same objective at every evaluation, but "
                f"teacher_forcing_ratio={self.teacher_forcing_ratio!r} draws which steps "
                "are fed the true values anew each time; use 0.0 or 1.0 with 'lbfgs', or "
                "'adam', 'adamw' or 'sgd'."
            )

    def predict(self, X):
        """Forecasts for the windows of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timepoints) or (n_samples, n_timepoints)
            Input windows.

        Returns
        -------
        y : ndarray of shape (n_samples,), (n_samples, horizon) or (n_samples, horizon, n_channels)
            The forecast of each window, decoded from the network's own
            forecasts, in the layout of the y the model was fitted on.
        """
        return _in_target_layout(self, super().predict(X))

    def score(self, X, y, sample_weight=None):
        """R² of the forecasts, averaged over the steps and channels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timepoints) or (n_samples, n_timepoints)
            Input windows.
        y : array-like of shape (n_samples,) or (n_samples, horizon[, n_channels])
            True future values, in the layout of the fitted y.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            :func:`sklearn.metrics.r2_score` of the forecasts, each step and
            channel a target of its own (``multioutput="uniform_average"``).
        """
        prediction = self.predict(X)
        if prediction.ndim == 3:  # r2_score takes 2-D targets: one column per value
            y, prediction = (a.reshape(len(a), -1) for a in (np.asarray(y), prediction))
        return r2_score(y, prediction, sample_weight=sample_weight)

    @classmethod
    def _get_test_params(cls):
        return dict(_TEST_PARAMS)
