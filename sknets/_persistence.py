"""A fitted net as plain numbers and arrays, and the net rebuilt from them.

The state a fitted estimator pickles (and that :mod:`skops.io` saves) holds
no torch object: the weights and buffers of every network as numpy arrays
keyed by parameter name, the optimizers' states the same way, the training
history and the stopping rules' counters as lists and numbers.  Loading
rebuilds the networks from the estimator's parameters and the sizes the
training data determined (its ``DataSpec``), then copies the arrays in.  A
file therefore names no class but sknets' own and numpy's, loads without
unpickling torch storages, and restores on the CPU a model trained on a
GPU.
"""

import warnings

import numpy as np
import torch
from skorch.exceptions import DeviceWarning
from skorch.history import History

from ._batches import tree_map
from ._compression import compressed_state, rebuild_compressed
from ._inputs import DataSpec
from .networks import weights_not_loaded


class SavedFrame:
    """A pandas DataFrame parameter as skops can save it: an array and two lists.

    skops.io saves no DataFrame; an estimator whose parameter is one (the
    class attribute table of :class:`~sknets.ZeroShotClassifier`) saves
    this instead and gets an equal DataFrame back on loading (the values,
    index, columns and their names; one dtype for all the values).
    """

    def __init__(self, frame):
        values = frame.to_numpy()
        self.values = values.tolist() if values.dtype == object else values
        self.index, self.columns = frame.index.tolist(), frame.columns.tolist()
        self.index_name, self.columns_name = frame.index.name, frame.columns.name

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(
            self.values,
            index=pd.Index(self.index, name=self.index_name),
            columns=pd.Index(self.columns, name=self.columns_name),
        )


def saved_parameters(state, names):
    """``state`` with its DataFrame parameters (of ``names``) as :class:`SavedFrame`."""
    frames = {
        name: SavedFrame(state[name])
        for name in names
        if hasattr(state.get(name), "columns") and hasattr(state.get(name), "to_numpy")
    }
    return {**state, **frames}


def loaded_parameters(state):
    """``state`` with every :class:`SavedFrame` back as a DataFrame."""
    return {
        name: value.to_frame() if isinstance(value, SavedFrame) else value
        for name, value in state.items()
    }


def _as_array(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy().copy()
    return value


def _as_tensor(value):
    if isinstance(value, np.ndarray):
        # torch.tensor copies: arrays loaded by skops may be read-only.
        return torch.tensor(value)
    return value


def module_arrays(module):
    """A module's parameters and buffers as numpy arrays, by name.

    Buffers registered as not persistent (a persistent RBM's Gibbs chains)
    are kept too: a continued fit starts from them.
    """
    arrays = {key: _as_array(value) for key, value in module.state_dict().items()}
    for name, buffer in module.named_buffers():
        if name not in arrays and buffer is not None:
            arrays[name] = _as_array(buffer)
    return arrays


def load_module_arrays(module, arrays):
    """Copy :func:`module_arrays` into a module of the same architecture."""
    persistent = set(module.state_dict())
    module.load_state_dict(
        {key: _as_tensor(value) for key, value in arrays.items() if key in persistent}
    )
    device = next(module.parameters()).device
    for name, value in arrays.items():
        if name not in persistent:
            owner, _, leaf = name.rpartition(".")
            setattr(module.get_submodule(owner), leaf, _as_tensor(value).to(device))


def _compression(estimator):
    """The estimator's ``compression_`` (:mod:`sknets.compress`), None if it was not compressed."""
    return getattr(estimator, "compression_", None)


def _network_arrays(estimator, name, module):
    if name == "module" and _compression(estimator):
        return compressed_state(module)
    return module_arrays(module)


def _load_network_arrays(estimator, net, name, arrays):
    if name == "module" and _compression(estimator):
        # Pruning's reparametrisation or int8 layers, before the optimizers
        # are made: they list the parameters in the order a fit had them.
        net.module_ = rebuild_compressed(net.module_, _compression(estimator), arrays)
    else:
        load_module_arrays(getattr(net, name + "_"), arrays)


def _qualified_name(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


def net_state(estimator):
    """The fitted net of ``estimator`` as plain numbers, lists, dicts and arrays."""
    net = estimator.net_
    with net.model_lock.reading():
        return {
            "data_spec": dict(estimator._data_spec),
            "device": str(net.device),
            "dtype": np.dtype(estimator._fitted_dtype).name,
            "settings": {
                "batch_size": net.batch_size,
                "max_epochs": net.max_epochs,
                "shuffle": net.shuffle,
            },
            "modules": {
                name: _network_arrays(estimator, name, module)
                for name, module in estimator._modules().items()
            },
            "optimizers": {
                name: {
                    "class": _qualified_name(optimizer_class),
                    "kwargs": dict(kwargs),
                    "modules": modules,
                    # None: a quantised network's, which a continued fit makes anew.
                    "state": None
                    if getattr(net, name + "_") is None
                    else tree_map(_as_array, getattr(net, name + "_").state_dict()),
                }
                for name, (optimizer_class, kwargs, modules) in net.optimizer_specs.items()
            },
            "monitor": estimator._monitor.carried_state(),
            "history": tree_map(_as_array, [dict(epoch) for epoch in net.history]),
            "attributes": {name: getattr(net, name) for name in net.carried_attributes},
        }


def _loadable_device(saved, owner):
    device = torch.device(saved)
    available = {"cuda": torch.cuda.is_available, "mps": torch.backends.mps.is_available}
    if device.type in available and not available[device.type]():
        # skorch's warning, which its own nets give in the same case.
        warnings.warn(
            f"{owner} was trained on {device.type.upper()} ({saved}), which this machine "
            'does not have; it is loaded on device "cpu" instead.',
            DeviceWarning,
            stacklevel=4,
        )
        return torch.device("cpu")
    return device


def rebuild_net(estimator, state, optimizer_classes):
    """The net :func:`net_state` described, on its device or, without one there, the CPU.

    ``optimizer_classes`` are the optimizers a saved one may name; the
    file chooses among them, never imports one.
    """
    device = _loadable_device(state["device"], type(estimator).__name__)
    dtype = getattr(torch, state["dtype"])
    settings = state["settings"]
    # Building draws initial weights that the saved ones replace: from a
    # forked generator, so loading leaves the caller's random state alone.
    # The trained weights replace a checkpoint's too, which need not be here.
    with torch.random.fork_rng(devices=[]), weights_not_loaded():
        net = estimator._make_net(
            DataSpec(**state["data_spec"]), device, dtype, settings["batch_size"], 1.0
        )
    built = [cls for cls, _, _ in net.optimizer_specs.values() if isinstance(cls, type)]
    known = {_qualified_name(cls): cls for cls in [*optimizer_classes, *built]}
    specs = {}
    for name, saved in state["optimizers"].items():
        if saved["class"] not in known:
            raise ValueError(
                f"The saved {type(estimator).__name__} trained with the optimizer "
                f"{saved['class']}, which this version of sknets does not provide."
            )
        specs[name] = (known[saved["class"]], dict(saved["kwargs"]), saved["modules"])
    net.optimizer_specs = specs
    for name, arrays in state["modules"].items():
        _load_network_arrays(estimator, net, name, arrays)
    if any(saved["state"] is not None for saved in state["optimizers"].values()):
        net.initialize_optimizer()
    for name, saved in state["optimizers"].items():
        if saved["state"] is None:
            setattr(net, name + "_", None)
        else:
            getattr(net, name + "_").load_state_dict(tree_map(_as_tensor, saved["state"]))
    net.history = History(state["history"])
    dict(net.callbacks_)["monitor"].restore(state["monitor"])
    net.batch_size, net.max_epochs = settings["batch_size"], settings["max_epochs"]
    net.shuffle = settings["shuffle"]
    for name, value in state["attributes"].items():
        setattr(net, name, value)
    return net
