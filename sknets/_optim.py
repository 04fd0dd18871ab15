"""Optimizers that reproduce scikit-learn's MLP solvers on PyTorch.

:class:`SGD` is scikit-learn's momentum update, whose velocity is in
parameter units (it carries the learning rate of each past step), whereas
:class:`torch.optim.SGD` keeps a rate-free buffer and scales it by the
current rate: the two agree only while the rate is constant, so with the
``"invscaling"`` and ``"adaptive"`` schedules scikit-learn's loss curves
need this one.  :class:`LBFGS` is scikit-learn's ``solver="lbfgs"``: full
batch L-BFGS with a strong-Wolfe line search, one iteration per step, the
L2 penalty part of the objective the line search sees.
:func:`solver_settings` gives each ``solver`` its optimizer and settings.
"""

import numpy as np
import torch

from .utils._device import DTYPES

__all__ = ["LBFGS", "SGD"]

# scipy's L-BFGS-B default relative-decrease tolerance (factr=1e7 times eps).
SCIPY_FTOL = 1e7 * np.finfo(float).eps


class SGD(torch.optim.Optimizer):
    """Stochastic gradient descent with scikit-learn's momentum.

    ``velocity = momentum * velocity - lr * grad``, then ``param +=
    velocity``; with ``nesterov``, ``param += momentum * velocity - lr *
    grad`` (scikit-learn's ``SGDOptimizer._get_updates``).  ``weight_decay``
    adds ``weight_decay * param`` to the gradient (the gradient of an L2
    penalty).  The velocity starts at zero.

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups.
    lr : float, default=1e-3
        Learning rate.
    momentum : float, default=0.9
        Momentum.
    nesterov : bool, default=True
        Nesterov's momentum.
    weight_decay : float, default=0.0
        L2 gradient coefficient.
    """

    def __init__(self, params, lr=1e-3, momentum=0.9, nesterov=True, weight_decay=0.0):
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError(
                f"lr, momentum and weight_decay must be >= 0, got {lr}, {momentum}, {weight_decay}."
            )
        defaults = {"lr": lr, "momentum": momentum, "nesterov": nesterov}
        defaults["weight_decay"] = weight_decay
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """One update; ``closure`` (optional) recomputes the loss and gradients."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            lr, momentum = group["lr"], group["momentum"]
            grads = [p.grad for p in params]
            if group["weight_decay"]:
                grads = torch._foreach_add(grads, params, alpha=group["weight_decay"])
            if momentum == 0:
                # Both of scikit-learn's updates reduce to -lr * grad.
                torch._foreach_add_(params, grads, alpha=-lr)
                continue
            velocities = []
            for p in params:
                state = self.state[p]
                if "velocity" not in state:
                    state["velocity"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                velocities.append(state["velocity"])
            torch._foreach_mul_(velocities, momentum)
            torch._foreach_add_(velocities, grads, alpha=-lr)
            if group["nesterov"]:
                torch._foreach_add_(params, velocities, alpha=momentum)
                torch._foreach_add_(params, grads, alpha=-lr)
            else:
                torch._foreach_add_(params, velocities)
        return loss


class LBFGS(torch.optim.LBFGS):
    """Full-batch L-BFGS as scikit-learn's MLP ``solver="lbfgs"``, one iteration per step.

    ``step(closure)`` runs one L-BFGS iteration (strong-Wolfe line search,
    ``history_size`` corrections) on the closure's loss plus ``weight_decay
    / 2 * ||W||^2`` over the parameters with two or more dimensions (the
    L2 penalty is part of the objective the line search sees), and returns
    the closure's loss (without the penalty) at the parameters after the
    step.  PyTorch's L-BFGS evaluates the closure again at the start of
    every step, at the point where the last line search ended: that
    evaluation is cached (parameter values, objective, gradients left in
    place), so each step costs only its line-search evaluations.

    After a step, ``n_evaluations`` counts the real closure evaluations
    and ``converged`` says whether the gradient's largest absolute value
    is at most ``tolerance_grad`` or the objective's relative decrease
    ``(f_old - f_new) / max(|f_old|, |f_new|, 1)`` at most
    ``tolerance_change`` (scipy's ``gtol`` and ``ftol``).

    Parameters
    ----------
    params : iterable
        Parameters, or one parameter group (which may carry
        ``weight_decay``).
    lr : float, default=1.0
        Step length the line search starts from (1, as scipy).
    tolerance_grad : float, default=1e-4
        Gradient tolerance (scikit-learn passes its ``tol``).
    tolerance_change : float, default=SCIPY_FTOL
        Relative-decrease tolerance.
    history_size : int, default=10
        Number of corrections kept (scipy's ``maxcor``).
    weight_decay : float, default=0.0
        L2 coefficient of the weight matrices.
    max_fun : int, default=15000
        Evaluation budget; read by the caller, which stops training.
    """

    def __init__(
        self,
        params,
        lr=1.0,
        tolerance_grad=1e-4,
        tolerance_change=SCIPY_FTOL,
        history_size=10,
        weight_decay=0.0,
        max_fun=15000,
    ):
        super().__init__(
            params,
            lr=lr,
            max_iter=1,
            # Caps the line search at max_eval - 1 evaluations: scipy's maxls=20.
            max_eval=21,
            tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change,
            history_size=history_size,
            line_search_fn="strong_wolfe",
        )
        self.param_groups[0].setdefault("weight_decay", weight_decay)
        self.max_fun = max_fun
        self._reset_evaluations()

    def _reset_evaluations(self):
        self.n_evaluations = 0
        self.converged = False
        self._cache = None

    def __getstate__(self):
        state = super().__getstate__()
        state.update(max_fun=self.max_fun, n_evaluations=self.n_evaluations)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        # torch's Optimizer pickles groups and state only: rebuild what
        # LBFGS.__init__ derives from them, and forget the cached point.
        self._params = self.param_groups[0]["params"]
        self._numel_cache = None
        n_evaluations = state.get("n_evaluations", 0)
        self._reset_evaluations()
        self.n_evaluations = n_evaluations
        self.max_fun = state.get("max_fun", 15000)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        # The parameters may have moved or changed dtype: the snapshot is stale.
        self._params = self.param_groups[0]["params"]
        self._cache = None

    def _cached(self, closure):
        params = self._params
        group = self.param_groups[0]
        decay = group.get("weight_decay", 0.0)
        matrices = [p for p in params if p.ndim > 1]

        def evaluate():
            if self._cache is not None:
                snapshot, objective, loss = self._cache
                if all(torch.equal(a, b) for a, b in zip(snapshot, params, strict=True)):
                    return objective
            with torch.enable_grad():
                loss = closure()
            self.n_evaluations += 1
            loss = loss.detach()
            objective = loss
            if decay and matrices:
                with torch.no_grad():
                    norms = torch.stack(torch._foreach_norm(matrices))
                    objective = loss + 0.5 * decay * norms.pow(2).sum()
                    with_grad = [p for p in matrices if p.grad is not None]
                    torch._foreach_add_([p.grad for p in with_grad], with_grad, alpha=decay)
            objective = float(objective)
            self._cache = ([p.detach().clone() for p in params], objective, loss)
            return objective

        return evaluate

    @torch.no_grad()
    def step(self, closure):
        """One L-BFGS iteration; returns the closure's loss after it (a tensor)."""
        group = self.param_groups[0]
        evaluate = self._cached(closure)
        before = evaluate()
        super().step(evaluate)
        after = evaluate()  # the last line-search point, or one new evaluation
        grads = [p.grad for p in self._params if p.grad is not None]
        largest = float(torch.stack(torch._foreach_norm(grads, float("inf"))).max()) if grads else 0
        scale = max(abs(before), abs(after), 1.0)
        self.converged = (
            largest <= group["tolerance_grad"]
            or before - after <= group["tolerance_change"] * scale
        )
        return self._cache[2]


# The optimizer of each ``solver``.
OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": SGD, "lbfgs": LBFGS}


def solver_settings(estimator, batch_size, mean_weight):
    """The optimizer class and its keyword arguments for the estimator's ``solver``.

    They follow the estimator's shared parameters as scikit-learn's MLP
    reads them; ``mean_weight`` is the mean sample weight of the training
    rows.
    """
    if estimator.solver == "sgd":
        kwargs = {
            "momentum": estimator.momentum,
            "nesterov": bool(estimator.nesterovs_momentum and estimator.momentum > 0),
        }
    elif estimator.solver == "lbfgs":
        # scipy's options as scikit-learn sets them: gtol=tol, the default
        # ftol (but no finer than the dtype resolves), the first step 1.
        eps = torch.finfo(DTYPES[estimator.dtype]).eps
        kwargs = {
            "tolerance_grad": estimator.tol,
            "tolerance_change": max(SCIPY_FTOL, eps),
            "history_size": 10,
            "max_fun": estimator.max_fun,
        }
    else:
        kwargs = {"betas": (estimator.beta_1, estimator.beta_2), "eps": estimator.epsilon}
    # AdamW decays decoupled from the gradient, with alpha as its rate;
    # otherwise scikit-learn's L2 term alpha * ||W||^2 / (2 * sw_sum), with
    # sw_sum the batch's total sample weight, becomes a weight decay of
    # alpha / sw_sum: weights of 2 then train as rows given twice.
    if estimator.solver == "adamw":
        kwargs["weight_decay"] = estimator.alpha
    else:
        kwargs["weight_decay"] = estimator.alpha / (batch_size * mean_weight)
    kwargs["lr"] = 1.0 if estimator.solver == "lbfgs" else estimator.learning_rate_init
    return OPTIMIZERS[estimator.solver], kwargs
