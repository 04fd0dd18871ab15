"""Sequences for the recurrent and transformer families: series or token ids.

The estimator's ``vocab_size`` chooses (or, left at None, X: the
:class:`~sknets.text.TokenIds` a TextTokenizer returns are token ids):
``None`` takes series (3-D float
arrays ``(n_samples, n_channels, n_timepoints)``, or 2-D rows as univariate
series, as the convolutional family does); an int takes a 2-D integer array
of token ids padded with 0 (:class:`TokenInput`).

Series may be of different lengths: a shorter series is padded at its end
with NaN in every channel, and the network masks those steps. NaN anywhere
else (inside a series, or in some channels of a step only) and infinite
values are refused before any training.

Forecasters take the same series with targets that may be 3-D (the next
``horizon`` steps of several channels): :class:`ForecastInput`.
"""

import warnings

import numpy as np
from sklearn.utils.validation import check_array

from ._conv import SeriesInput
from ._ids import TokenInput, token_vocab_size

__all__ = ["ForecastInput", "PaddedSeriesInput", "resolve_vocab_size", "sequence_input"]


def resolve_vocab_size(estimator, X):
    """``vocab_size_`` for a fit on X: the parameter, else the size a TokenIds X carries.

    Integers read as the values of series are said in a warning: token
    ids read as magnitudes would train a model that learns nothing.
    """
    from ..text import TokenIds  # noqa: PLC0415 (text imports the inputs)

    if estimator.vocab_size is not None:
        return estimator.vocab_size
    if isinstance(X, TokenIds) and X.vocab_size is not None:
        return X.vocab_size
    dtype = getattr(X, "dtype", None)
    if dtype is not None and np.issubdtype(dtype, np.integer):
        warnings.warn(
            f"{type(estimator).__name__}: X holds integers and vocab_size=None, so they are "
            "read as the values of series. If they are token ids, set vocab_size (a "
            "TextTokenizer's vocab_size_), or pass the TextTokenizer's output, which carries "
            "it; if they are series, pass them as floats to silence this warning.",
            UserWarning,
            stacklevel=5,
        )
    return None


def sequence_input(estimator):
    """A sequence estimator's adapter: token ids (see ``token_vocab_size``), else series."""
    if token_vocab_size(estimator) is not None:
        return TokenInput(estimator)
    return PaddedSeriesInput(estimator)


sequence_input.data_kinds = ("series", "tokens")


class PaddedSeriesInput(SeriesInput):
    """Series whose trailing NaN steps are padding (variable-length series).

    The NaN stay in the array the network takes: it reads them as its
    padding mask (see :func:`sknets.networks.sequence_mask`).
    """

    ensure_all_finite = "allow-nan"
    # A series of NaN only is an empty one, read as a row of token ids
    # that is all padding is: one step of zeros (see SequenceInput).
    allows_empty = True
    ragged_advice = (
        "pass a list of arrays, one (channels, length) or (length,) array per series "
        "(aeon's layout), or pad each series at its end with NaN in every channel to the "
        "longest length; the padding steps are masked"
    )

    def validate(self, X, y=None, *, reset, dtype, y_numeric=False):
        length = None if reset else self.estimator.input_shape_[-1]
        return super().validate(
            self._padded(X, length), y, reset=reset, dtype=dtype, y_numeric=y_numeric
        )

    def validate_predict(self, X, *, dtype):
        return super().validate_predict(
            self._padded(X, self.estimator.input_shape_[-1]), dtype=dtype
        )

    def _padded(self, X, length):
        """A list of series of unequal lengths as one array, padded at the end with NaN.

        Each series is ``(channels, length)`` or ``(length,)`` (aeon's
        unequal-length collections); they are padded to the longest, or to
        the ``length`` seen in fit.  Anything else is returned as it is.
        """
        if not isinstance(X, list | tuple) or not X:
            return X
        try:
            series = [np.asarray(one, dtype=np.float64) for one in X]
        except (TypeError, ValueError):
            return X  # not numbers: validation says so
        if any(one.ndim not in (1, 2) for one in series):
            return X
        series = [one[None] if one.ndim == 1 else one for one in series]
        channels = sorted({one.shape[0] for one in series})
        lengths = [one.shape[1] for one in series]
        if len(channels) > 1:
            raise ValueError(
                f"{self.name} got series with different numbers of channels ({channels}); "
                "every series needs the same channels, only its length may differ."
            )
        if length is None and len(set(lengths)) == 1:
            return X
        longest = max(lengths) if length is None else length
        if max(lengths) > longest:
            raise ValueError(
                f"{self.name} was fitted on series of at most {longest} steps; series "
                f"{lengths.index(max(lengths))} has {max(lengths)}. Fit on the longest "
                "series expected (padding the shorter ones costs nothing: it is masked)."
            )
        padded = np.full((len(series), channels[0], longest), np.nan)
        for index, one in enumerate(series):
            padded[index, :, : one.shape[1]] = one
        return padded

    def _check_values(self, X):
        """Refuse NaN that are not trailing padding, and infinite values."""
        if np.isinf(X).any():
            raise ValueError(f"Input X contains infinity; {self.name} takes finite values.")
        missing = np.isnan(X)
        if not missing.any():
            return
        padded = missing.all(axis=1)  # (n, T): steps missing in every channel
        partial = missing.any(axis=1) & ~padded
        if partial.any():
            sample, step = np.argwhere(partial)[0]
            raise ValueError(
                f"Input X contains NaN in some channels but not all at time step {step} of "
                f"sample {sample}. {self.name} reads NaN only as padding: a shorter series "
                "is padded at its end with NaN in every channel. Impute missing values "
                "first (e.g. with sklearn.impute.SimpleImputer on 2-D rows)."
            )
        inner = padded[:, :-1] & ~padded[:, 1:]
        if inner.any():
            sample, step = np.argwhere(inner)[0]
            raise ValueError(
                f"Input X contains NaN at time step {step} of sample {sample}, followed by "
                f"values. {self.name} reads NaN only as trailing padding of a shorter "
                "series; NaN inside a series is missing data: impute it first (e.g. with "
                "sklearn.impute.SimpleImputer on 2-D rows)."
            )
        empty = padded[:, 0]
        if empty.any() and not self.allows_empty:
            raise ValueError(
                f"Input X contains NaN in every time step of sample {np.flatnonzero(empty)[0]}"
                f": {self.name} forecasts from the observed steps, and needs at least one "
                "per series."
            )


def _target_layout_text(layout):
    ndim, horizon, channels = layout
    return {1: "(n_samples,)", 2: f"(n_samples, {horizon})"}.get(
        ndim, f"(n_samples, {horizon}, {channels})"
    )


def _ndim(y):
    ndim = getattr(y, "ndim", None)
    if ndim is None:
        try:
            ndim = np.asarray(y).ndim
        except (TypeError, ValueError):
            return 0  # left to scikit-learn's validation, and its message
    return ndim


class ForecastInput(PaddedSeriesInput):
    """Input windows as series, and the values that follow them as targets.

    X is taken as by :class:`PaddedSeriesInput`.  y holds the next
    ``horizon`` values of each window: 1-D ``(n,)`` (one step), 2-D ``(n,
    horizon)`` (one channel) or 3-D ``(n, horizon, n_channels)``; a 3-D y
    is validated and flattened step-major to ``(n, horizon * n_channels)``,
    the layout the network's output and the regression losses take.  A fit
    sets ``horizon_``, ``n_target_channels_`` and ``_target_ndim`` (the
    layout predict returns); a continued fit (``warm_start``,
    ``partial_fit``) refuses targets of another horizon or number of
    channels.
    """

    # A forecast continues the observed steps: a window needs one.
    allows_empty = False

    def validate(self, X, y=None, *, reset, dtype, y_numeric=False):
        shape = None
        if y is not None and _ndim(y) >= 3:
            y = check_array(
                y,
                ensure_2d=False,
                allow_nd=True,
                dtype="numeric",
                input_name="y",
                estimator=self.estimator,
            )
            if y.ndim > 3:
                raise ValueError(
                    f"{self.name} takes y of shape (n_samples,), (n_samples, horizon) or "
                    f"(n_samples, horizon, n_channels); got a {y.ndim}-D array of shape "
                    f"{y.shape}."
                )
            shape = y.shape[1:]
            y = y.reshape(y.shape[0], -1)
        X, y = super().validate(X, y, reset=reset, dtype=dtype, y_numeric=y_numeric)
        if y is not None:
            if shape is not None:
                layout = (3, *shape)
            else:
                layout = (y.ndim, 1 if y.ndim == 1 else y.shape[1], 1)
            self._record_targets(layout, reset)
        return X, y

    def _record_targets(self, layout, reset):
        estimator = self.estimator
        if reset:
            estimator._target_ndim, estimator.horizon_, estimator.n_target_channels_ = layout
            return
        fitted = (estimator._target_ndim, estimator.horizon_, estimator.n_target_channels_)
        if layout[1:] != fitted[1:]:
            raise ValueError(
                f"y of shape {_target_layout_text(layout)} does not match the targets "
                f"{self.name} was fitted on, {_target_layout_text(fitted)}: horizon "
                f"{fitted[1]} with {fitted[2]} channel(s), and the network forecasts "
                f"exactly that. A continued fit (warm_start=True or partial_fit) needs "
                f"targets of the same horizon and channels; fit from scratch "
                f"(warm_start=False) to change them."
            )
