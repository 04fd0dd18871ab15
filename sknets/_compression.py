"""A compressed network's saved state, its rebuilding from it, and how a continued fit trains it.

:mod:`sknets.compress` makes pruned and int8 networks; this module is what a
compressed estimator needs afterwards, and so what the base and
:mod:`sknets._persistence` use: :func:`compressed_state` (the network as
plain arrays) and :func:`rebuild_compressed` (the network from them), and
the scheme named by the estimator's ``compression_``
(:func:`compression_scheme`), which says how a continued fit trains the
network.  It reads the estimator only through its internal interface (the
contract page, "The internal interface") and imports nothing of the
estimators.
"""

import contextlib
import copy
import warnings

import numpy as np
import torch
from torch import nn

from .utils._device import resolve_device

PRUNABLE = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


def named_layers(module, types):
    """The submodules of ``module`` of the given types, by name, in registration order."""
    return {name: layer for name, layer in module.named_modules() if isinstance(layer, types)}


@contextlib.contextmanager
def quantization_deprecation_silenced():
    # torch.ao.quantization warns that it moves to torchao, whose CPU int8
    # layers do not pickle (see sknets.compress's docstring).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*torch\.ao\.quantization is deprecated")
        warnings.filterwarnings("ignore", message=r".*quantized tensor creation functions")
        warnings.filterwarnings("ignore", message=r".*torch\.jit\.script. is deprecated")
        yield


def quantized_module(module, layers):
    """``module`` with the named float layers replaced by dynamic int8 ones."""
    from torch.ao.quantization import default_dynamic_qconfig, quantize_dynamic

    with quantization_deprecation_silenced():
        quantized = quantize_dynamic(module, dict.fromkeys(layers, default_dynamic_qconfig))
    for layer in quantized.modules():
        if isinstance(layer, nn.TransformerEncoderLayer):
            # Its fused inference path reads linear1's and linear2's weight
            # tensors, which int8 layers do not have; the flag keeps it on
            # the layer-by-layer path, whose result is the same.
            layer.activation_relu_or_gelu = False
    return quantized


def _dynamic():
    """PyTorch's dynamic int8 layers (``torch.ao.nn.quantized.dynamic``)."""
    with quantization_deprecation_silenced():
        from torch.ao.nn.quantized import dynamic
    return dynamic


def _quantized_layers(module):
    dynamic = _dynamic()
    return named_layers(module, (dynamic.Linear, dynamic.LSTM, dynamic.GRU))


@quantization_deprecation_silenced()
def _quantized_weights(layer):
    """A dynamic int8 layer's weights (quantised tensors) and biases, by parameter name."""
    if isinstance(layer, _dynamic().Linear):
        weights = {"weight": layer.weight()}
        bias = layer.bias()
        return weights, {} if bias is None else {"bias": bias}
    weight_bias = layer._weight_bias()
    return weight_bias["weight"], weight_bias["bias"]


@quantization_deprecation_silenced()
def _set_quantized_weights(layer, weights, biases):
    if isinstance(layer, _dynamic().Linear):
        layer.set_weight_bias(weights["weight"], biases.get("bias"))
    else:
        layer.set_weight_bias({**weights, **biases})


@quantization_deprecation_silenced()
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


def _int8_tensor(values, scale, zero_point):
    with quantization_deprecation_silenced():
        return torch._make_per_tensor_quantized_tensor(values, scale, zero_point)


# ------------------------------------------------------------------ schemes
class Pruning:
    """Pruned weights: :mod:`torch.nn.utils.prune`'s masks, which keep them zero in training."""

    def rebuild(self, module, tensors):
        """``module`` (freshly built, float) with the pruning masks and weights of ``tensors``."""
        from torch.nn.utils import prune as torch_prune

        for name, layer in named_layers(module, PRUNABLE).items():
            if f"{name}.weight_mask" in tensors:
                # Any pruning method gives the same reparametrisation; the mask is loaded.
                torch_prune.identity(layer, "weight")
        module.load_state_dict(tensors)
        return module

    def continued_fit(self, estimator):
        """Where a continued fit trains: the masked network itself."""
        return contextlib.nullcontext()


class Quantization:
    """Dynamic int8 layers, which predict on the CPU and are trained further as float copies."""

    def __init__(self, layers):
        self.layers = layers

    def rebuild(self, module, tensors):
        """A new int8 network: ``module`` (freshly built, float) loaded and quantised."""
        layers = self.layers
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
        quantized = quantized_module(module.eval(), layers)
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

    @contextlib.contextmanager
    def continued_fit(self, estimator):
        """A continued fit of the int8 network: de-quantise, train, quantise again.

        The base's continued fit runs inside; if it fails (and so restores
        the estimator), the int8 network it had is put back unchanged.
        """
        device = resolve_device(estimator.device)
        if device.type != "cpu":
            raise ValueError(
                f"{type(estimator).__name__} holds an int8 network, which trains and predicts "
                f"on the CPU only; set device='cpu' to train it further (got {device})."
            )
        quantized = estimator.module_
        n_iter = estimator.n_iter_
        estimator._replace_network(_dequantized_module(quantized, self.layers), trainable=True)
        try:
            yield
        except BaseException:
            # A Ctrl-C keeps the epochs it completed (n_iter_ moved on); anything
            # else rolled the fit back.
            if estimator.n_iter_ == n_iter:
                estimator._replace_network(quantized, trainable=False)
                raise
            self._requantize(estimator)
            raise
        self._requantize(estimator)

    def _requantize(self, estimator):
        int8 = quantized_module(estimator.module_.eval(), self.layers)
        estimator._replace_network(int8, trainable=False)


def compression_scheme(compression):
    """The :class:`Pruning` or :class:`Quantization` an estimator's ``compression_`` names."""
    if compression["method"] == "quantize":
        return Quantization(compression["layers"])
    return Pruning()


# --------------------------------------------------------- the saved format
def compressed_state(module):
    """A compressed network's state as plain numpy arrays, by parameter name.

    Float parameters and buffers (pruning's ``weight_orig`` and
    ``weight_mask`` among them) keep their names; each int8 weight ``w`` of
    a quantised layer is an int8 array under its name, with its scale and
    zero point under ``w.scale`` and ``w.zero_point``.
    :func:`rebuild_compressed` turns a freshly built float network into
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


def rebuild_compressed(module, compression, state):
    """The compressed network: ``module`` (freshly built, float) loaded with ``state``.

    ``compression`` is the estimator's ``compression_`` and ``state`` what
    :func:`compressed_state` returned.  Returns the network to use, which
    for quantisation is a new module.
    """
    tensors = {name: torch.from_numpy(np.array(value)) for name, value in state.items()}
    return compression_scheme(compression).rebuild(module, tensors)
