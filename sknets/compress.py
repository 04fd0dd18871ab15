"""Smaller models: pruning and int8 quantisation of fitted estimators.

:func:`prune` zeroes the smallest weights of the Linear and convolution
layers with PyTorch's own pruning utilities (:mod:`torch.nn.utils.prune`);
:func:`quantize` stores the weights of the Linear and recurrent layers as
8-bit integers with PyTorch's dynamic quantisation
(:func:`torch.ao.quantization.quantize_dynamic`).  Both return a new fitted
estimator of the same class, the input left as it was, which predicts,
scores, pickles and trains further (``warm_start=True`` and ``fit``, or
``partial_fit``) like any other, and records what was done in its fitted
attribute ``compression_``.

Why not torchao, which PyTorch points its deprecation notice to: torchao
0.18's int8 layers for the CPU do not pickle (``functools.partial`` has no
``__name__``) and it has no recurrent layers; PyTorch's dynamic quantisation
does both.  Why convolutions stay in float: static quantisation of a
convolution needs the network traced and its batch norms fused, and the
sample-weighted batch norms every sknets network uses cannot be traced, so
:func:`quantize` quantises the Linear and recurrent layers of a CNN and
says, with a warning and in ``compression_["float_layers"]``, which
layers it left in float.
"""

import copy
import warnings
from numbers import Real

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._compression import PRUNABLE, named_layers, quantized_module
from .base import NeuralEstimator, NeuralGenerator

__all__ = ["prune", "quantize"]

_QUANTIZABLE = (nn.Linear, nn.LSTM, nn.GRU)
_CONVOLUTIONS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)


def prune(estimator, amount=0.5, *, structured=False):
    """Zero a fraction of the weights of a fitted estimator's network.

    Unstructured pruning (the default) zeroes the ``amount`` of all the
    weights of the Linear and convolution layers that have the smallest
    magnitudes, counted over the whole network (global L1 pruning).
    Structured pruning zeroes, in each such layer but the output layer,
    the ``amount`` of its output neurons or channels with the smallest L1
    norms, so that whole rows of weights are zero.  Recurrent layers and
    biases are left as they are.

    The zeros are masks (:mod:`torch.nn.utils.prune`): they stay zero when
    the returned estimator trains further (``warm_start=True`` and ``fit``,
    or ``partial_fit``), which starts a new optimizer.

    Parameters
    ----------
    estimator : fitted sknets classifier, regressor or transformer
        The estimator to prune; it is not modified.
    amount : float, default=0.5
        Fraction of the weights (or of each layer's neurons or channels,
        when ``structured``) to zero, strictly between 0 and 1.
    structured : bool, default=False
        Zero whole output neurons and channels instead of single weights.

    Returns
    -------
    pruned : estimator
        A new fitted estimator of the same class whose ``compression_`` is
        ``{"method": "prune", "amount": amount, "structured": structured}``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sknets import MLPClassifier
    >>> from sknets.compress import prune
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(32,), max_iter=30, random_state=0).fit(X, y)
    >>> pruned = prune(clf, amount=0.5)
    >>> pruned.compression_
    {'method': 'prune', 'amount': 0.5, 'structured': False}
    >>> bool((pruned.module_.head.weight == 0).any())
    True
    """
    if not isinstance(amount, Real) or isinstance(amount, bool) or not 0 < amount < 1:
        raise ValueError(f"amount must be a float strictly between 0 and 1; got {amount!r}.")
    if not isinstance(structured, bool | np.bool_):
        raise ValueError(f"structured must be True or False; got {structured!r}.")
    _check_compressible(estimator, "prune")
    layers = named_layers(estimator.module_, PRUNABLE)
    if not layers:
        raise ValueError(
            f"{type(estimator).__name__}'s network has no Linear or convolution layer to prune."
        )
    if structured and len(layers) < 2:
        raise ValueError(
            f"{type(estimator).__name__}'s network has no Linear or convolution layer but "
            "its output layer, whose neurons structured pruning keeps; use structured=False."
        )
    compressed = copy.deepcopy(estimator)
    module = compressed.module_
    _prune_module(module, list(named_layers(module, PRUNABLE).values()), amount, bool(structured))
    # The optimizers held the parameters the masks reparametrised.
    compressed._replace_network(module, trainable=True)
    compressed.compression_ = {
        "method": "prune",
        "amount": float(amount),
        "structured": bool(structured),
    }
    return compressed


def quantize(estimator):
    """Store a fitted estimator's Linear and recurrent weights as 8-bit integers.

    Dynamic quantisation (:func:`torch.ao.quantization.quantize_dynamic`):
    the weights of every ``nn.Linear``, ``nn.LSTM`` and ``nn.GRU`` layer
    become int8 with one scale per weight matrix, and the activations are
    quantised on the fly at prediction time.  Convolutions stay in float
    (static quantisation cannot trace sknets' sample-weighted batch norms);
    a warning names them, and so does ``compression_["float_layers"]``.
    The output projections of attention layers (``nn.MultiheadAttention``,
    which reads their weights itself) stay in float too.

    The returned estimator trains further (``warm_start=True`` and
    ``fit``, or ``partial_fit``) in float: each call de-quantises the
    weights, trains them with a new optimizer and quantises the result
    again, so the fine-tuned model is again an int8 one.  The int8 layers
    run on the CPU only: the estimator must be fitted, and trained further,
    with ``device="cpu"``.

    Parameters
    ----------
    estimator : fitted sknets classifier, regressor or transformer
        The estimator to quantise (``dtype="float32"``); it is not
        modified.

    Returns
    -------
    quantized : estimator
        A new fitted estimator of the same class whose ``compression_`` is
        ``{"method": "quantize", "dtype": "qint8", "scheme": "dynamic",
        "layers": [...], "float_layers": [...]}`` (the names of the layers
        quantised and of the convolutions left in float).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sknets import MLPClassifier
    >>> from sknets.compress import quantize
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(32,), max_iter=30, random_state=0).fit(X, y)
    >>> small = quantize(clf)
    >>> small.compression_["dtype"], small.compression_["layers"]
    ('qint8', ['features.0', 'head'])
    >>> small.predict(X[:3]).shape
    (3,)
    """
    _check_compressible(estimator, "quantize")
    if estimator._fitted_dtype != np.float32:
        raise ValueError(
            f"quantize needs a network that computes in float32; {type(estimator).__name__} "
            f"was fitted with dtype={estimator.dtype!r}."
        )
    if estimator.device_.type != "cpu":
        raise ValueError(
            f"quantize makes int8 layers that run on the CPU only; {type(estimator).__name__} "
            f"was fitted on {estimator.device_}. Fit it with device='cpu' first."
        )
    module = estimator.module_
    # nn.MultiheadAttention reads its output projection's weight tensor
    # itself, which an int8 layer does not have: those stay float.
    attention_outputs = {
        f"{name}.out_proj" if name else "out_proj"
        for name, layer in module.named_modules()
        if isinstance(layer, nn.MultiheadAttention)
    }
    layers = [name for name in named_layers(module, _QUANTIZABLE) if name not in attention_outputs]
    if not layers:
        raise ValueError(
            f"{type(estimator).__name__}'s network has no Linear, LSTM or GRU layer to quantize."
        )
    float_layers = list(named_layers(module, _CONVOLUTIONS))
    if float_layers:
        warnings.warn(
            f"quantize leaves the convolutions of {type(estimator).__name__} in float32 "
            f"({', '.join(float_layers)}): static quantisation cannot trace sknets' "
            "sample-weighted batch norms. Only its Linear and recurrent layers become int8.",
            UserWarning,
            stacklevel=2,
        )
    compressed = copy.deepcopy(estimator)
    # The optimizers held the float weights; a continued fit makes new ones.
    compressed._replace_network(
        quantized_module(compressed.module_.eval(), layers), trainable=False
    )
    compressed.compression_ = {
        "method": "quantize",
        "dtype": "qint8",
        "scheme": "dynamic",
        "layers": layers,
        "float_layers": float_layers,
    }
    return compressed


def _check_compressible(estimator, action):
    if not isinstance(estimator, NeuralEstimator):
        raise TypeError(f"{action} takes a fitted sknets estimator; got {type(estimator)!r}.")
    check_is_fitted(estimator)
    name = type(estimator).__name__
    if isinstance(estimator, NeuralGenerator) or list(estimator._modules()) != ["module"]:
        raise ValueError(
            f"{action} supports classifiers, regressors and transformers with one network; "
            f"{name} is a generator or trains several networks."
        )
    if hasattr(estimator, "compression_"):
        raise ValueError(
            f"{name} is already compressed ({estimator.compression_!r}); {action} the "
            "estimator it was made from instead."
        )


def _prune_module(module, layers, amount, structured):
    from torch.nn.utils import prune as torch_prune

    if structured:
        # The output layer keeps its neurons: each is a class or a target.
        for layer in layers[:-1]:
            torch_prune.ln_structured(layer, "weight", amount=amount, n=1, dim=0)
    else:
        torch_prune.global_unstructured(
            [(layer, "weight") for layer in layers],
            pruning_method=torch_prune.L1Unstructured,
            amount=amount,
        )
    # The pruned values are zeroed in the stored weights too: the mask alone
    # decides the output, and zeros make a saved model compress.
    with torch.no_grad():
        for layer in layers:
            if hasattr(layer, "weight_mask"):
                layer.weight_orig.mul_(layer.weight_mask)
