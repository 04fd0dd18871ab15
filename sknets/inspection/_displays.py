"""scikit-learn style Displays: saliency maps and training curves (matplotlib)."""

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection._search import BaseSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ..base import NeuralEstimator
from ._saliency import saliency

__all__ = ["SaliencyDisplay", "TrainingCurveDisplay"]

_KINDS = ("image", "series", "features")


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            'sknets.inspection displays need matplotlib: pip install "sknets[inspection]"'
        ) from error
    return plt


class SaliencyDisplay:
    """Saliency maps drawn over their inputs: images, series or feature vectors.

    Build it with :meth:`from_estimator`; the constructor takes maps already
    computed (by :func:`saliency`).  One panel per row: an image gets the
    map's magnitude as a translucent heat map over its grayscale (or RGB)
    picture, a series is drawn as a line whose points are coloured by the
    magnitude, a feature vector as bars of the signed attribution.

    Parameters
    ----------
    attributions : ndarray of shape (n_samples, ...)
        The maps, in the network's layout: ``(n, C, H, W)`` images,
        ``(n, C, T)`` series, ``(n, n_features)`` features.
    inputs : ndarray of the same shape
        The inputs the maps explain.
    kind : {"auto", "image", "series", "features"}, default="auto"
        How to draw them; "auto" reads the number of dimensions (4: image,
        3: series, 2: features).
    titles : list of str or None, default=None
        One title per panel.
    feature_names : list of str or None, default=None
        Bar labels of ``kind="features"``.

    Attributes
    ----------
    ax_ : ndarray of matplotlib Axes
        One Axes per panel (as PartialDependenceDisplay's ``axes_``).
    figure_ : matplotlib Figure
        The figure of the panels.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sknets import MLPClassifier
    >>> from sknets.inspection import SaliencyDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MLPClassifier(max_iter=5, random_state=0).fit(X / 16, y)
    >>> display = SaliencyDisplay.from_estimator(clf, X[:3] / 16, input_shape=(8, 8))
    >>> display.ax_.shape
    (3,)
    """

    def __init__(self, attributions, inputs, *, kind="auto", titles=None, feature_names=None):
        self.attributions = attributions
        self.inputs = inputs
        self.kind = kind
        self.titles = titles
        self.feature_names = feature_names

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        *,
        target=None,
        method="gradient",
        input_shape=None,
        ax=None,
        **saliency_params,
    ):
        """Compute the saliency maps of X (:func:`saliency`) and draw them.

        Parameters
        ----------
        estimator : fitted sknets classifier or regressor
            As :func:`saliency` takes it.
        X : array-like of shape (n_samples, ...)
            A few inputs (one panel each).
        target : label, array-like, int or None, default=None
            As in :func:`saliency`; None explains the predicted class.
        method : str, default="gradient"
            One of :data:`SALIENCY_METHODS`.
        input_shape : tuple of int or None, default=None
            ``(H, W)`` or ``(C, H, W)``: draw flat tabular rows as images
            (digits' 64 pixels with ``(8, 8)``).  Image and series
            estimators need none: their fitted ``input_shape_`` says.
        ax : matplotlib Axes, array of Axes or None, default=None
            One Axes per row of X; None makes a figure of them.
        **saliency_params
            Further arguments of :func:`saliency` (``n_steps``,
            ``random_state``...).

        Returns
        -------
        display : SaliencyDisplay
        """
        maps = saliency(estimator, X, target=target, method=method, **saliency_params)
        inputs = estimator._validated_input(X)[0]
        inputs = np.asarray(inputs.toarray() if sp.issparse(inputs) else inputs)
        if input_shape is not None:
            shape = tuple(input_shape)
            inputs = inputs.reshape(len(inputs), *((1, *shape) if len(shape) == 2 else shape))
        predicted = np.asarray(estimator.predict(X))
        if predicted.dtype.kind == "f":
            titles = [
                f"predicted {value:.3g}" for value in predicted.reshape(len(inputs), -1)[:, 0]
            ]
        else:
            titles = [f"predicted {label}" for label in predicted.tolist()]
        names = getattr(estimator, "feature_names_in_", None)
        display = cls(
            maps.reshape(inputs.shape),
            inputs,
            titles=titles,
            feature_names=None if names is None else list(names),
        )
        return display.plot(ax=ax)

    def _resolved_kind(self):
        if self.kind != "auto":
            if self.kind not in _KINDS:
                raise ValueError(
                    f"kind must be 'auto' or one of {list(_KINDS)}; got {self.kind!r}."
                )
            return self.kind
        ndim = np.ndim(self.inputs)
        kinds = {4: "image", 3: "series", 2: "features"}
        if ndim not in kinds:
            raise ValueError(
                f"inputs must be 2-D (features), 3-D (series) or 4-D (images); got {ndim}-D."
            )
        return kinds[ndim]

    def plot(self, ax=None, *, cmap="inferno", alpha=0.5):
        """Draw the maps.

        Parameters
        ----------
        ax : matplotlib Axes, array of Axes or None, default=None
            One Axes per row; None makes a figure with one panel per row.
        cmap : str, default="inferno"
            Colour map of the magnitudes.
        alpha : float, default=0.5
            Opacity of the heat map over an image.

        Returns
        -------
        display : SaliencyDisplay
            Itself, with ``ax_`` and ``figure_`` set.
        """
        plt = _pyplot()
        kind = self._resolved_kind()
        attributions = np.asarray(self.attributions, dtype=float)
        inputs = np.asarray(self.inputs, dtype=float)
        if attributions.shape != inputs.shape:
            raise ValueError(
                f"attributions of shape {attributions.shape} do not match inputs of shape "
                f"{inputs.shape}."
            )
        n_panels = len(inputs)
        if ax is None:
            n_cols = min(n_panels, 5)
            n_rows = -(-n_panels // n_cols)
            figure, axes = plt.subplots(
                n_rows, n_cols, figsize=(2.6 * n_cols, 2.4 * n_rows), squeeze=False
            )
            for extra in axes.ravel()[n_panels:]:
                extra.set_visible(False)
            axes = axes.ravel()[:n_panels]
        else:
            axes = np.atleast_1d(np.asarray(ax, dtype=object)).ravel()
            if len(axes) != n_panels:
                raise ValueError(f"ax holds {len(axes)} Axes for {n_panels} inputs.")
            figure = axes[0].figure
        draw = {"image": _draw_image, "series": _draw_series, "features": _draw_features}[kind]
        for index, (panel, values, weights) in enumerate(
            zip(axes, inputs, attributions, strict=True)
        ):
            draw(panel, values, weights, cmap=cmap, alpha=alpha, names=self.feature_names)
            if self.titles is not None:
                panel.set_title(self.titles[index], fontsize="small")
        self.ax_ = axes
        self.figure_ = figure
        return self


def _draw_image(ax, image, weights, *, cmap, alpha, names):
    if image.shape[0] == 3:
        low, high = image.min(), image.max()
        ax.imshow(np.moveaxis((image - low) / (high - low or 1.0), 0, -1))
    else:
        ax.imshow(image.mean(axis=0), cmap="gray")
    ax.imshow(np.abs(weights).sum(axis=0), cmap=cmap, alpha=alpha)
    ax.set_axis_off()


def _draw_series(ax, series, weights, *, cmap, alpha, names):
    steps = np.arange(series.shape[-1])
    magnitude = np.abs(weights)
    for channel, channel_weights in zip(series, magnitude, strict=True):
        ax.plot(steps, channel, color="0.6", linewidth=0.8)
        ax.scatter(steps, channel, c=channel_weights, cmap=cmap, s=8, vmin=0, vmax=magnitude.max())
    ax.set_xlabel("time step")


def _draw_features(ax, values, weights, *, cmap, alpha, names):
    positions = np.arange(len(weights))
    ax.bar(positions, weights, color=np.where(weights >= 0, "tab:red", "tab:blue"))
    if names is not None:
        ax.set_xticks(positions, names, rotation=90, fontsize="x-small")
    ax.set_xlabel("feature")


def _fitted_network(estimator):
    """The sknets estimator in ``estimator``: itself, a Pipeline's last step, a search's best."""
    inner = estimator
    if isinstance(inner, BaseSearchCV):
        if not hasattr(inner, "best_estimator_"):
            raise ValueError(
                f"{type(inner).__name__} has no best_estimator_: fit it (with refit=True) first."
            )
        inner = inner.best_estimator_
    if isinstance(inner, Pipeline):
        inner = inner[-1]
    if not isinstance(inner, NeuralEstimator):
        raise TypeError(
            "TrainingCurveDisplay draws the training of a sknets estimator, a Pipeline "
            f"ending in one, or a search over them; got {type(estimator).__name__}."
        )
    check_is_fitted(inner)
    return inner


class TrainingCurveDisplay:
    """The training loss per epoch and, with early stopping, the validation score.

    Build it with :meth:`from_estimator`.  The loss is drawn on the left
    axis; the validation scores, where there are some, on a right axis
    (``validation_ax_``); a dashed line marks the best epoch, whose weights
    the estimator kept.

    Parameters
    ----------
    loss_curve : list of float
        Training loss of each epoch.
    validation_scores : list of float or None, default=None
        Validation score of each epoch (early stopping).
    best_epoch : int or None, default=None
        The epoch (from 1) to mark.
    estimator_name : str or None, default=None
        Title of the plot.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes of the loss.
    validation_ax_ : matplotlib Axes or None
        Right-hand Axes of the validation scores.
    figure_ : matplotlib Figure
        Figure of the plot.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sknets import MLPClassifier
    >>> from sknets.inspection import TrainingCurveDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(max_iter=20, early_stopping=True, random_state=0).fit(X, y)
    >>> display = TrainingCurveDisplay.from_estimator(clf)
    >>> display.best_epoch == int(np.argmax(clf.validation_scores_)) + 1
    True
    """

    def __init__(self, loss_curve, validation_scores=None, *, best_epoch=None, estimator_name=None):
        self.loss_curve = loss_curve
        self.validation_scores = validation_scores
        self.best_epoch = best_epoch
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, ax=None):
        """Draw the training curves of a fitted estimator.

        Parameters
        ----------
        estimator : fitted sknets estimator, Pipeline or search
            A sknets estimator, a Pipeline whose last step is one, or a
            fitted GridSearchCV / RandomizedSearchCV (its ``best_estimator_``).
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a figure.

        Returns
        -------
        display : TrainingCurveDisplay
        """
        network = _fitted_network(estimator)
        scores = getattr(network, "validation_scores_", None)
        if scores:
            # Early stopping restores the weights of the best validation score.
            best_epoch = int(np.argmax(scores)) + 1
        else:
            best_epoch = int(np.argmin(network.loss_curve_)) + 1
        display = cls(
            list(network.loss_curve_),
            None if not scores else list(scores),
            best_epoch=best_epoch,
            estimator_name=type(network).__name__,
        )
        return display.plot(ax=ax)

    def plot(self, ax=None):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
            Where to draw; None makes a figure.

        Returns
        -------
        display : TrainingCurveDisplay
            Itself, with ``ax_``, ``validation_ax_`` and ``figure_`` set.
        """
        plt = _pyplot()
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        epochs = np.arange(1, len(self.loss_curve) + 1)
        lines = ax.plot(epochs, self.loss_curve, color="tab:blue", label="training loss")
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss")
        self.validation_ax_ = None
        if self.validation_scores is not None:
            self.validation_ax_ = ax.twinx()
            lines += self.validation_ax_.plot(
                epochs,
                self.validation_scores,
                color="tab:orange",
                label="validation score",
            )
            self.validation_ax_.set_ylabel("validation score")
        if self.best_epoch is not None:
            lines.append(
                ax.axvline(
                    self.best_epoch,
                    color="0.4",
                    linestyle="--",
                    label=f"best epoch ({self.best_epoch})",
                )
            )
        ax.legend(handles=lines, loc="best", fontsize="small")
        if self.estimator_name is not None:
            ax.set_title(self.estimator_name)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self
