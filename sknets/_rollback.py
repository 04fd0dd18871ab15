"""A fit call as a transaction: what a continued call changes, saved before and put back.

A refused or failed call leaves the estimator as it was: unfitted, or with
its previous fitted attributes, weights, optimizer states and counters.  A
Ctrl-C does the same, except that a continued fit (``warm_start``,
``partial_fit``) keeps the epochs it completed.  A fit from scratch only
needs the estimator's previous attributes back; a continued call changes
its net in place, so :func:`training_snapshot` copies that state first.
"""

import copy

import torch

from ._net_setup import move_net
from .utils._device import DTYPES


def training_snapshot(estimator):
    """What a continued call changes in place: weights, optimizers, counters, history."""
    net = estimator.net_
    with net.model_lock.reading():
        return {
            "device": torch.device(net.device),
            "dtype": DTYPES[estimator._fitted_dtype],
            "modules": {
                name: {key: value.clone() for key, value in module.state_dict().items()}
                for name, module in estimator._modules().items()
            },
            "optimizer_specs": copy.deepcopy(net.optimizer_specs),
            "optimizers": {
                name: copy.deepcopy(optimizer.state_dict())
                for name, optimizer in net.optimizers.items()
            },
            "monitor": estimator._monitor.carried_state(),
            "history": len(net.history),
            "settings": (net.batch_size, net.max_epochs, net.shuffle),
        }


def roll_back(estimator, previous_state, snapshot):
    """Undo a call: the previous attributes and, for a continued fit, the net's state."""
    if snapshot is not None:
        net = previous_state["net_"]
        estimator.__dict__["net_"] = net
        with net.model_lock.writing():
            move_net(estimator, snapshot["device"], snapshot["dtype"], keep_optimizers=False)
            for name, module in estimator._modules().items():
                module.load_state_dict(snapshot["modules"][name])
            net.optimizer_specs = snapshot["optimizer_specs"]
            net.initialize_optimizer()
            for name, state in snapshot["optimizers"].items():
                getattr(net, name + "_").load_state_dict(state)
            estimator._monitor.restore(snapshot["monitor"])
            estimator._monitor.release()
            del net.history[snapshot["history"] :]
            net.batch_size, net.max_epochs, net.shuffle = snapshot["settings"]
    estimator.__dict__.clear()
    estimator.__dict__.update(previous_state)


def keep_completed_epochs(estimator, snapshot):
    """After a Ctrl-C in a continued fit: the fitted attributes of the epochs completed."""
    monitor = estimator._monitor
    monitor.release()
    completed = monitor.n_iter - snapshot["monitor"]["n_iter"]
    del estimator.net_.history[snapshot["history"] + completed :]
    estimator.device_ = torch.device(estimator.net_.device)
    estimator._set_fitted_attributes()
