"""An estimator's skorch net: made from its parameters, carried into a continued call, moved.

:func:`make_net` builds the network(s) from the estimator's
``_build_module``, with the loss, optimizers, epoch monitor and progress
reporter its parameters call for; :func:`continue_net` prepares a fitted
net for a warm start or ``partial_fit`` (parameters changed with
``set_params`` take effect, the weights stay); :func:`move_net` takes it to
another device or dtype.
"""

import numpy as np
import torch

from ._batchnorm import use_sample_weighted_batch_norm
from ._monitor import EpochMonitor, ProgressReporter
from .utils._device import numpy_dtype


def _monitor_settings(estimator):
    """The EpochMonitor's settings: the estimator's stopping and schedule parameters."""
    return {
        "tol": estimator.tol,
        "n_iter_no_change": np.inf if estimator._trains_every_epoch else estimator.n_iter_no_change,
        "learning_rate": estimator.learning_rate,
        "learning_rate_init": estimator.learning_rate_init,
        "power_t": estimator.power_t,
        "max_iter": estimator.max_iter,
    }


def make_net(estimator, spec, device, dtype, batch_size, mean_weight):
    """The untrained net for the data ``spec`` describes, with its monitor and reporter."""
    built = estimator._build_module(spec)
    modules = dict(built) if isinstance(built, dict) else {"module": built}
    if "module" not in modules:
        raise TypeError(
            f"{type(estimator).__name__}._build_module returned networks named "
            f"{sorted(modules)}; one must be named 'module' (the one that predicts)."
        )
    modules = {
        name: use_sample_weighted_batch_norm(module).to(dtype) for name, module in modules.items()
    }
    monitor = EpochMonitor(**_monitor_settings(estimator))
    reporter = ProgressReporter(estimator.verbose, description=type(estimator).__name__)
    net = estimator._net_class(
        module=modules.pop("module"),
        modules=modules,
        criterion=estimator._make_criterion(),
        optimizers=estimator._optimizer_specs(batch_size, mean_weight),
        lr=estimator.learning_rate_init,
        batch_size=batch_size,
        max_epochs=estimator.max_iter,
        callbacks=[("monitor", monitor), ("progress", reporter)],
        train_split=None,
        device=str(device),
        verbose=0,
        shuffle=_shuffles(estimator),
        **estimator._net_kwargs(),
    )
    return net.initialize()


def continue_net(estimator, device, dtype, batch_size, mean_weight, *, new_optimizer):
    """Prepare the fitted net for another call (warm start or partial_fit)."""
    net = estimator.net_
    move_net(estimator, device, dtype)
    net.batch_size, net.max_epochs = batch_size, estimator.max_iter
    net.shuffle = _shuffles(estimator)
    for key, value in estimator._net_kwargs().items():
        setattr(net, key, value)
    vars(estimator._monitor).update(_monitor_settings(estimator))
    dict(net.callbacks_)["progress"].verbose = estimator.verbose
    specs = estimator._optimizer_specs(batch_size, mean_weight)
    # A solver changed since the last fit (lbfgs, then partial_fit with sgd) needs its own.
    if new_optimizer or any(
        isinstance(specs[name][0], type) and not isinstance(optimizer, specs[name][0])
        for name, optimizer in net.optimizers.items()
    ):
        # As scikit-learn: a warm-started fit keeps the weights, not the optimizers.
        net.optimizer_specs = specs
        net.initialize_optimizer()
        return
    # partial_fit keeps the optimizers' state; only the L2 penalty
    # follows this call's batch size and sample weights.
    for name, (_, kwargs, _) in specs.items():
        net.optimizer_specs[name][1]["weight_decay"] = kwargs["weight_decay"]
        for group in getattr(net, name + "_").param_groups:
            if group["weight_decay"]:
                group["weight_decay"] = kwargs["weight_decay"]


def _shuffles(estimator):
    # One full batch (lbfgs): shuffling would only reorder its sums.
    return estimator.shuffle and estimator.solver != "lbfgs"


def move_net(estimator, device, dtype, *, keep_optimizers=True):
    """Move the fitted networks (and optimizer states) to ``device`` and ``dtype``."""
    net = estimator.net_
    if torch.device(net.device) == device and estimator._fitted_dtype == numpy_dtype(dtype):
        return
    optimizer_states = {name: opt.state_dict() for name, opt in net.optimizers.items()}
    net.device = str(device)
    for module in estimator._modules().values():
        module.to(device=device, dtype=dtype)
    net.criterion_.to(device)
    if keep_optimizers:
        # load_state_dict moves and casts the optimizers' moments to match the parameters.
        for name, state in optimizer_states.items():
            getattr(net, name + "_").load_state_dict(state)
