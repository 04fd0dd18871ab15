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

import contextlib
import copy
import warnings
from numbers import Real

import numpy as np
import torch
import torch.nn.utils.prune  # a submodule: not imported by `import torch`
from sklearn.utils.validation import check_is_fitted
from torch import nn

__all__ = ["prune", "quantize"]

_PRUNABLE = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
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
    layers = _layers(estimator.module_, _PRUNABLE)
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
    _prune_module(module, list(_layers(module, _PRUNABLE).values()), amount, bool(structured))
    compressed.net_.initialize_optimizer()
    return _finish(
        compressed,
        {"method": "prune", "amount": float(amount), "structured": bool(structured)},
    )


def quantize(estimator):
    """Store a fitted estimator's Linear and recurrent weights as 8-bit integers.

    Dynamic quantisation (:func:`torch.ao.quantization.quantize_dynamic`):
    the weights of every ``nn.Linear``, ``nn.LSTM`` and ``nn.GRU`` layer
    become int8 with one scale per weight matrix, and the activations are
    quantised on the fly at prediction time.  Convolutions stay in float
    (static quantisation cannot trace sknets' sample-weighted batch norms);
    a warning names them, and so does ``compression_["float_layers"]``.

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
    layers = list(_layers(module, _QUANTIZABLE))
    if not layers:
        raise ValueError(
            f"{type(estimator).__name__}'s network has no Linear, LSTM or GRU layer to quantize."
        )
    float_layers = list(_layers(module, _CONVOLUTIONS))
    if float_layers:
        warnings.warn(
            f"quantize leaves the convolutions of {type(estimator).__name__} in float32 "
            f"({', '.join(float_layers)}): static quantisation cannot trace sknets' "
            "sample-weighted batch norms. Only its Linear and recurrent layers become int8.",
            UserWarning,
            stacklevel=2,
        )
    compressed = copy.deepcopy(estimator)
    compressed.net_.module_ = _quantized_module(compressed.module_.eval(), layers)
    # The optimizers held the float weights; a continued fit makes new ones.
    for name in compressed.net_.optimizer_specs:
        setattr(compressed.net_, name + "_", None)
    compression = {
        "method": "quantize",
        "dtype": "qint8",
        "scheme": "dynamic",
        "layers": layers,
        "float_layers": float_layers,
    }
    return _finish(compressed, compression)


def _check_compressible(estimator, action):
    from .base import NeuralEstimator, NeuralGenerator

    if not isinstance(estimator, NeuralEstimator):
        raise TypeError(f"{action} takes a fitted sknets estimator; got {type(estimator)!r}.")
    check_is_fitted(estimator)
    name = type(estimator).__name__
    if isinstance(estimator, NeuralGenerator) or estimator.net_.module_names != ["module"]:
        raise ValueError(
            f"{action} supports classifiers, regressors and transformers with one network; "
            f"{name} is a generator or trains several networks."
        )
    if hasattr(estimator, "compression_"):
        raise ValueError(
            f"{name} is already compressed ({estimator.compression_!r}); {action} the "
            "estimator it was made from instead."
        )


def _finish(compressed, compression):
    compressed.compression_ = compression
    # What a batch costs is measured again for the new network.
    compressed._forward_costs = {}
    return compressed


def _layers(module, types):
    """The submodules of ``module`` of the given types, by name, in registration order."""
    return {name: layer for name, layer in module.named_modules() if isinstance(layer, types)}


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


@contextlib.contextmanager
def _quantization_deprecation_silenced():
    # torch.ao.quantization warns that it moves to torchao, whose CPU int8
    # layers do not pickle (see the module docstring).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*torch\.ao\.quantization is deprecated")
        warnings.filterwarnings("ignore", message=r".*quantized tensor creation functions")
        warnings.filterwarnings("ignore", message=r".*torch\.jit\.script. is deprecated")
        yield


def _quantized_module(module, layers):
    """``module`` with the named float layers replaced by dynamic int8 ones."""
    from torch.ao.quantization import default_dynamic_qconfig, quantize_dynamic

    with _quantization_deprecation_silenced():
        return quantize_dynamic(module, dict.fromkeys(layers, default_dynamic_qconfig))


def _dynamic():
    """PyTorch's dynamic int8 layers (``torch.ao.nn.quantized.dynamic``)."""
    with _quantization_deprecation_silenced():
        from torch.ao.nn.quantized import dynamic
    return dynamic


@_quantization_deprecation_silenced()
def _quantized_weights(layer):
    """A dynamic int8 layer's weights (quantised tensors) and biases, by parameter name."""
    if isinstance(layer, _dynamic().Linear):
        weights = {"weight": layer.weight()}
        bias = layer.bias()
        return weights, {} if bias is None else {"bias": bias}
    weight_bias = layer._weight_bias()
    return weight_bias["weight"], weight_bias["bias"]


@_quantization_deprecation_silenced()
def _set_quantized_weights(layer, weights, biases):
    if isinstance(layer, _dynamic().Linear):
        layer.set_weight_bias(weights["weight"], biases.get("bias"))
    else:
        layer.set_weight_bias({**weights, **biases})


@_quantization_deprecation_silenced()
def _dequantized_layer(layer):
    """The float layer (nn.Linear, nn.LSTM, nn.GRU) with a dynamic int8 layer's values."""
    weights, biases = _quantized_weights(layer)
    if isinstance(layer, _dynamic().Linear):
        float_layer = nn.Linear(layer.in_features, layer.out_features, bias=bool(biases))
    else:
        float_class = nn.LSTM if layer.mode == "LSTM" else nn.GRU
        float_layer = float_class(
            layer.input_size,
            layer.hidden_size,
            num_layers=layer.num_layers,
            bias=layer.bias,
            batch_first=layer.batch_first,
            dropout=float(layer.dropout),
            bidirectional=layer.bidirectional,
        )
    values = {name: weight.dequantize() for name, weight in weights.items()}
    float_layer.load_state_dict({**values, **biases})
    return float_layer


def _replace_layer(module, name, layer):
    parent_name, _, child = name.rpartition(".")
    setattr(module.get_submodule(parent_name) if parent_name else module, child, layer)


def _dequantized_module(module, layers):
    """A float copy of a quantised network (its int8 weights times their scales)."""
    float_module = copy.deepcopy(module)
    for name in layers:
        _replace_layer(float_module, name, _dequantized_layer(module.get_submodule(name)))
    return float_module


@contextlib.contextmanager
def _float_training(estimator):
    """A continued fit of a quantised estimator: de-quantise, train, quantise again.

    The base's continued fit runs inside; if it fails (and so restores the
    estimator), the quantised network it had is put back unchanged.
    """
    from .utils._device import resolve_device

    device = resolve_device(estimator.device)
    if device.type != "cpu":
        raise ValueError(
            f"{type(estimator).__name__} holds an int8 network, which trains and predicts "
            f"on the CPU only; set device='cpu' to train it further (got {device})."
        )
    net = estimator.net_
    layers = estimator.compression_["layers"]
    quantized = net.module_
    n_iter = estimator.n_iter_
    net.module_ = _dequantized_module(quantized, layers)
    net.initialize_optimizer()
    try:
        yield
    except BaseException:
        # A Ctrl-C keeps the epochs it completed (n_iter_ moved on); anything
        # else rolled the fit back.
        if estimator.n_iter_ == n_iter:
            net.module_ = quantized
            for name in net.optimizer_specs:
                setattr(net, name + "_", None)
            raise
        _requantize(estimator, layers)
        raise
    _requantize(estimator, layers)


def _requantize(estimator, layers):
    net = estimator.net_
    net.module_ = _quantized_module(net.module_.eval(), layers)
    for name in net.optimizer_specs:
        setattr(net, name + "_", None)
    estimator._forward_costs = {}


def _compressed_state(module):
    """A compressed network's state as plain numpy arrays, by parameter name.

    Float parameters and buffers (pruning's ``weight_orig`` and
    ``weight_mask`` among them) keep their names; each int8 weight ``w`` of
    a quantised layer is an int8 array under its name, with its scale and
    zero point under ``w.scale`` and ``w.zero_point``.
    :func:`_rebuild_compressed` turns a freshly built float network into
    the compressed one from it.
    """
    state = {}
    quantized = _quantized_layers(module)
    for name, value in module.state_dict().items():
        if isinstance(value, torch.Tensor) and not any(
            name.startswith(layer + ".") for layer in quantized
        ):
            array = value.detach().cpu().numpy()
            # A pruning mask holds 0s and 1s: a byte each instead of a float.
            state[name] = array.astype(bool) if name.endswith("_mask") else array.copy()
    for layer_name, layer in quantized.items():
        weights, biases = _quantized_weights(layer)
        for name, weight in weights.items():
            key = f"{layer_name}.{name}"
            state[key] = weight.int_repr().numpy().copy()
            state[key + ".scale"] = np.asarray(weight.q_scale(), dtype=np.float64)
            state[key + ".zero_point"] = np.asarray(weight.q_zero_point(), dtype=np.int64)
        for name, bias in biases.items():
            state[f"{layer_name}.{name}"] = bias.detach().numpy().copy()
    return state


def _int8_tensor(values, scale, zero_point):
    with _quantization_deprecation_silenced():
        return torch._make_per_tensor_quantized_tensor(values, scale, zero_point)


def _quantized_layers(module):
    dynamic = _dynamic()
    return _layers(module, (dynamic.Linear, dynamic.LSTM, dynamic.GRU))


def _rebuild_compressed(module, compression, state):
    """The compressed network: ``module`` (freshly built, float) loaded with ``state``.

    ``compression`` is the estimator's ``compression_`` and ``state`` what
    :func:`_compressed_state` returned.  Returns the network to use, which
    for quantisation is a new module.
    """
    tensors = {name: torch.from_numpy(np.array(value)) for name, value in state.items()}
    if compression["method"] == "prune":
        for name, layer in _layers(module, _PRUNABLE).items():
            if f"{name}.weight_mask" in tensors:
                # Any pruning method gives the same reparametrisation; the mask is loaded.
                torch.nn.utils.prune.identity(layer, "weight")
        module.load_state_dict(tensors)
        return module
    layers = compression["layers"]
    float_state = {
        name: value
        for name, value in tensors.items()
        if not any(name.startswith(layer + ".") for layer in layers)
    }
    missing, unexpected = module.load_state_dict(float_state, strict=False)
    if unexpected or any(not any(key.startswith(f"{la}.") for la in layers) for key in missing):
        raise ValueError(
            f"The state does not match the network: missing {missing}, unexpected {unexpected}."
        )
    quantized = _quantized_module(module.eval(), layers)
    for layer_name, layer in _quantized_layers(quantized).items():
        weights, biases = _quantized_weights(layer)
        new_weights = {
            name: _int8_tensor(
                tensors[f"{layer_name}.{name}"],
                float(tensors[f"{layer_name}.{name}.scale"]),
                int(tensors[f"{layer_name}.{name}.zero_point"]),
            )
            for name in weights
        }
        new_biases = {name: tensors[f"{layer_name}.{name}"] for name in biases}
        _set_quantized_weights(layer, new_weights, new_biases)
    return quantized
