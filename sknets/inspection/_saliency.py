"""Saliency maps of fitted classifiers and regressors, computed with Captum."""

import numbers

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.utils.validation import check_is_fitted, check_random_state
from torch import nn

from .._batches import primary_output
from ..base import NeuralClassifier, NeuralRegressor

__all__ = ["SALIENCY_METHODS", "saliency"]

#: The attribution methods :func:`saliency` computes.
SALIENCY_METHODS = ("gradient", "integrated_gradients", "smoothgrad", "gradcam")

# Rows per attribution pass: integrated gradients runs n_steps copies of each.
_ROWS_PER_PASS = 32


def _import_captum():
    try:
        import captum.attr
    except ImportError as error:
        raise ImportError(
            'sknets.inspection.saliency needs Captum: pip install "sknets[inspection]"'
        ) from error
    return captum.attr


def saliency(
    est,
    X,
    target=None,
    method="gradient",
    *,
    n_steps=50,
    n_samples=25,
    noise_level=0.15,
    random_state=None,
):
    """Attribution map of each input of X: how much each value drives the prediction.

    The map of a row says which of its features, pixels or time steps the
    fitted network's output for one class (or one regression target) is
    most sensitive to.  X goes through the estimator's own input checks, so
    whatever ``predict`` takes is taken here, and the map comes back in the
    layout of X: flat rows for flat rows (also when ``input_shape`` makes
    them images), ``(n, H, W)`` for grayscale images, ``(n, C, H, W)`` or
    ``(n, C, T)`` for images and series.

    Parameters
    ----------
    est : fitted sknets classifier or regressor
        An estimator that takes float inputs: tabular, image or series
        (MLP, CNN, ResNet, FCN, RNN/LSTM/GRU and transformer families).
        Token ids are refused: an id has no gradient (attribute on a model
        of the token embeddings instead).  Graphs, id pairs and multi-input
        estimators are refused too.
    X : array-like of shape (n_samples, ...)
        Inputs, as ``est.predict`` takes them.
    target : label, array-like of labels, int or None, default=None
        For a classifier, the class whose score is explained: None for the
        predicted class of each row, one label of ``classes_`` for all rows,
        or one label per row.  For a regressor, the output column (an int,
        or one per row); None is allowed with a single target only.
    method : {"gradient", "integrated_gradients", "smoothgrad", "gradcam"}, \
default="gradient"
        ``"gradient"``: absolute gradient of the output (Simonyan et al.
        2014). ``"integrated_gradients"``: gradients integrated along the
        straight path from an all-zero input (the mean of standardised
        data) to the input, times the difference; signed, and summing to
        the output's change along the path (Sundararajan et al. 2017).
        ``"smoothgrad"``: absolute gradient averaged over ``n_samples``
        noisy copies of the input (Smilkov et al. 2017).  ``"gradcam"``:
        Grad-CAM on the last convolution, upsampled to the input and
        repeated over its channels (Selvaraju et al. 2017); convolutional
        networks only.
    n_steps : int, default=50
        Steps of the path integral of ``"integrated_gradients"``.
    n_samples : int, default=25
        Noisy copies per row of ``"smoothgrad"``.
    noise_level : float, default=0.15
        Standard deviation of the ``"smoothgrad"`` noise, as a fraction of
        the range of X (Smilkov et al. recommend 10-20 %).
    random_state : int, RandomState instance or None, default=None
        Seeds the ``"smoothgrad"`` noise.

    Returns
    -------
    attributions : ndarray of shape X.shape
        The map of each row, in the layout of X; padding steps of
        variable-length series get 0.

    Examples
    --------
    >>> import numpy as np
    >>> from sknets import MLPClassifier
    >>> from sknets.inspection import saliency
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 4)).astype("float32")
    >>> y = (X[:, 0] > 0).astype(int)  # only the first feature matters
    >>> clf = MLPClassifier(learning_rate_init=0.01, max_iter=50, random_state=0).fit(X, y)
    >>> maps = saliency(clf, X[:5], method="integrated_gradients")
    >>> maps.shape
    (5, 4)
    >>> int(np.abs(maps).mean(axis=0).argmax())
    0
    """
    if method not in SALIENCY_METHODS:
        raise ValueError(f"method must be one of {list(SALIENCY_METHODS)}; got {method!r} instead.")
    _check_estimator(est)
    for name, value in (("n_steps", n_steps), ("n_samples", n_samples)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int; got {value!r} instead.")
    if not isinstance(noise_level, numbers.Real) or not noise_level > 0:
        raise ValueError(f"noise_level must be a positive float; got {noise_level!r} instead.")
    conv_layer = _last_convolution(est.module_) if method == "gradcam" else None
    if method == "gradcam" and conv_layer is None:
        raise ValueError(
            f"method='gradcam' needs a convolutional network; the network of "
            f"{type(est).__name__} has no Conv1d or Conv2d layer. Use 'gradient', "
            "'integrated_gradients' or 'smoothgrad'."
        )
    layout = _input_shape_of(X)
    inputs, _ = est._validated_input(X)
    if sp.issparse(inputs):
        inputs = inputs.toarray()
    inputs = np.asarray(inputs)
    targets = _target_indices(est, target, inputs)
    attr = _import_captum()
    attributions = _attribute(
        attr,
        est,
        inputs,
        targets,
        method,
        conv_layer,
        n_steps=n_steps,
        n_samples=n_samples,
        noise=noise_level * _value_range(inputs),
        random_state=random_state,
    )
    attributions = np.where(np.isnan(inputs), 0.0, attributions)
    encoding = getattr(est, "table_encoding_", None)
    if encoding is not None and not encoding.passthrough:
        # X's columns, not the missing-value flags the encoding appended.
        attributions = attributions[:, : len(encoding.center)]
    return attributions.reshape(inputs.shape[0], *layout[1:])


def _check_estimator(est):
    if not isinstance(est, NeuralClassifier | NeuralRegressor):
        raise TypeError(
            "saliency explains a fitted sknets classifier or regressor; got "
            f"{type(est).__name__}. For a Pipeline, pass its last step and the "
            "transformed X (pipe[:-1].transform(X))."
        )
    check_is_fitted(est)
    # By the kinds of data the adapter declares, not its class: a graph's
    # adapter reads rows of node features too, but X alone is no graph.
    kinds = set(est._input_adapter().data_kinds)
    if not kinds <= {"tabular", "images", "series"}:
        what = (
            "token ids (integers have no gradient)"
            if "tokens" in kinds
            else " and ".join(sorted(kinds))
        )
        raise ValueError(
            f"saliency takes estimators fitted on float inputs (tabular, images or "
            f"series); {type(est).__name__} was fitted on {what}."
        )
    encoding = getattr(est, "table_encoding_", None)
    if encoding is not None and encoding.categories:
        raise ValueError(
            f"saliency differentiates the network with respect to X, and the categorical "
            f"columns of {type(est).__name__}'s table are looked up, not differentiable; use "
            "sklearn.inspection.permutation_importance, which takes the table as it is."
        )
    if isinstance(est, NeuralClassifier) and est._output_kind not in ("binary", "multiclass"):
        raise ValueError(
            f"saliency explains binary and multiclass classifiers; {type(est).__name__} "
            f"was fitted on {est._output_kind} targets."
        )


def _input_shape_of(X):
    shape = getattr(X, "shape", None)
    return tuple(shape) if shape is not None else np.shape(X)


def _value_range(inputs):
    finite = inputs[np.isfinite(inputs)]
    spread = float(finite.max() - finite.min()) if finite.size else 0.0
    return spread if spread > 0 else 1.0


def _last_convolution(module):
    convolutions = [layer for layer in module.modules() if isinstance(layer, nn.Conv1d | nn.Conv2d)]
    return convolutions[-1] if convolutions else None


def _target_indices(est, target, inputs):
    """One output index per row, or None for the predicted class."""
    n_rows = inputs.shape[0]
    if isinstance(est, NeuralClassifier):
        if target is None:
            return None
        if np.ndim(target) > 1 or (np.ndim(target) == 1 and len(target) != n_rows):
            raise ValueError(
                f"target must be one label or one label per row ({n_rows}); got an "
                f"array of shape {np.shape(target)}."
            )
        labels = np.broadcast_to(np.asarray(target, dtype=object), (n_rows,))
        known = {label: index for index, label in enumerate(est.classes_.tolist())}
        unknown = [label for label in labels.tolist() if label not in known]
        if unknown:
            raise ValueError(
                f"target {unknown[0]!r} is not one of the classes_ of "
                f"{type(est).__name__}: {est.classes_.tolist()}."
            )
        return np.array([known[label] for label in labels.tolist()], dtype=np.int64)
    if target is None:
        if est.n_outputs_ != 1:
            raise ValueError(
                f"{type(est).__name__} predicts {est.n_outputs_} targets: pass target= "
                "the output column to explain (an int, or one per row)."
            )
        return np.zeros(n_rows, dtype=np.int64)
    columns = np.broadcast_to(np.asarray(target), (n_rows,)) if np.ndim(target) == 0 else target
    columns = np.asarray(columns)
    if (
        columns.shape != (n_rows,)
        or not np.issubdtype(columns.dtype, np.integer)
        or columns.min() < 0
        or columns.max() >= est.n_outputs_
    ):
        raise ValueError(
            f"target of a regressor is an output column in [0, {est.n_outputs_ - 1}], "
            f"one int or one per row ({n_rows}); got {target!r}."
        )
    return columns.astype(np.int64)


def _attribute(attr, est, inputs, targets, method, conv_layer, **settings):
    module = est.module_
    device = est.device_
    binary = est._output_kind == "binary"

    def scores(x):
        outputs = primary_output(module(x))
        # A binary classifier has one logit; class 0's score is its negative.
        return torch.cat([-outputs, outputs], dim=1) if binary else outputs

    if method == "gradcam":
        explainer = attr.LayerGradCam(scores, conv_layer)
    elif method == "integrated_gradients":
        explainer = attr.IntegratedGradients(scores)
    elif method == "smoothgrad":
        explainer = attr.NoiseTunnel(attr.Saliency(scores))
    else:
        explainer = attr.Saliency(scores)
    seed = check_random_state(settings["random_state"]).randint(np.iinfo(np.int32).max)
    maps = []
    # cuDNN computes a recurrent layer's backward pass in training mode only;
    # the network stays in evaluation mode (no dropout, batch-norm statistics).
    with (
        est._evaluation(),
        torch.random.fork_rng(devices=[]),
        torch.backends.cudnn.flags(enabled=False),
    ):
        torch.manual_seed(seed)
        for start in range(0, inputs.shape[0], _ROWS_PER_PASS):
            rows = torch.as_tensor(inputs[start : start + _ROWS_PER_PASS], device=device)
            if targets is None:
                with torch.no_grad():
                    row_targets = scores(rows).argmax(dim=1)
            else:
                row_targets = torch.as_tensor(
                    targets[start : start + _ROWS_PER_PASS], device=device
                )
            maps.append(
                _explain(attr, explainer, method, rows, row_targets, settings).detach().cpu()
            )
    return torch.cat(maps).to(torch.float64).numpy()


def _explain(attr, explainer, method, rows, row_targets, settings):
    rows = rows.clone().requires_grad_(True)
    if method == "gradient":
        return explainer.attribute(rows, target=row_targets, abs=True)
    if method == "smoothgrad":
        return explainer.attribute(
            rows,
            nt_type="smoothgrad",
            nt_samples=settings["n_samples"],
            stdevs=settings["noise"],
            target=row_targets,
            abs=True,
        )
    if method == "integrated_gradients":
        return explainer.attribute(
            rows, baselines=0.0, target=row_targets, n_steps=settings["n_steps"]
        )
    cam = explainer.attribute(rows, target=row_targets, relu_attributions=True)
    mode = "bilinear" if rows.ndim == 4 else "linear"
    cam = attr.LayerAttribution.interpolate(cam, tuple(rows.shape[2:]), interpolate_mode=mode)
    return cam.expand_as(rows)
