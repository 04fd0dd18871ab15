"""The rules of a fit's epochs and of its end: convergence, early stopping, schedules, progress.

:class:`EpochMonitor` applies scikit-learn's rules after each epoch (the
NaN check, the loss curve, early stopping with the best weights kept, the
learning-rate schedules), carries their state across warm starts and
partial fits, and says why a fit ended unconverged;
:class:`ProgressReporter` shows a fit's progress (``verbose``).  Both are
skorch callbacks of the training net.  :func:`not_learned_message` is the
check of a fit's end that no epoch rule makes: a model that learned nothing.
"""

import copy
import math
import sys
import time

import numpy as np
import torch
from skorch.callbacks import Callback

from .exceptions import NonFiniteLossError


class StopTraining(Exception):
    """Raised by a callback to end training early (convergence, early stopping).

    skorch ends its loop on ``KeyboardInterrupt``; sknets keeps that for
    the user's Ctrl-C, which must reach the caller (a script, a grid
    search) instead of ending the fit as if it had converged.
    """


class EpochMonitor(Callback):
    """scikit-learn's per-epoch rules, kept across warm starts and partial fits.

    After each epoch: refuse a non-finite loss; record the loss curve and,
    with a validation set, the validation loss and score (keeping the best
    weights); count epochs without an improvement of at least ``tol``; past
    ``n_iter_no_change`` of them either divide the learning rate by 5
    (``learning_rate="adaptive"``), halve it down to a floor
    (``"plateau"``) or stop; otherwise apply the schedule.

    ``"plateau"`` is Keras' ``ReduceLROnPlateau(factor=0.5,
    min_lr=learning_rate_init / 10)`` with a fixed epoch budget, as Fawaz et
    al. (2019) trained their series networks: a plateau at the floor marks
    the fit as converged but stops it only with a validation set; without
    one, the weights of the epoch with the lowest training loss are kept.
    """

    PLATEAU_FACTOR = 0.5
    PLATEAU_FLOOR = 0.1  # times learning_rate_init

    def __init__(
        self,
        *,
        tol,
        n_iter_no_change,
        learning_rate,
        learning_rate_init,
        power_t,
        max_iter,
    ):
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.loss_curve = []
        self.validation_scores = []
        self.best_loss = np.inf
        self.best_validation_score = -np.inf
        self.no_improvement_count = 0
        self.n_iter = 0
        self.schedule_epoch = 0
        self.samples_seen = 0
        self.converged = False
        self.stop_message = None  # why a fit stopped unconverged before max_iter
        self.validation = None
        self.score_fn = None
        self.best_state = None
        self.n_train = 0
        self._epoch_start = 0.0

    def start(self, net, *, n_train, validation=None, score_fn=None, continuing=False):
        """Prepare one call to fit or partial_fit (``continuing``: on trained weights)."""
        self.n_train = n_train
        self.validation = validation
        self.score_fn = score_fn
        self.converged = False
        self.stop_message = None
        self.best_state = None
        self.best_validation_score = -np.inf
        self._best_loss_of_fit = np.inf
        if validation is not None:
            self.no_improvement_count = 0
            if continuing:
                # A warm-started fit keeps its starting weights unless an
                # epoch beats them on this fit's validation rows.
                self.best_validation_score = net.evaluate(validation, score_fn)[1]
                self.best_state = self._copy_state(net)

    # What the monitor carries from one fit or partial_fit call to the next.
    _CARRIED = (
        "loss_curve",
        "validation_scores",
        "best_loss",
        "best_validation_score",
        "no_improvement_count",
        "n_iter",
        "schedule_epoch",
        "samples_seen",
        "converged",
    )

    def carried_state(self):
        """A copy of the counters, curves and stopping state (to roll a failed call back)."""
        return {name: copy.copy(getattr(self, name)) for name in self._CARRIED}

    def restore(self, state):
        """Go back to a :meth:`carried_state`."""
        for name, value in state.items():
            setattr(self, name, copy.copy(value))

    def restart_schedule(self):
        """A new optimizer at learning_rate_init: the cosine or step schedule starts over."""
        self.schedule_epoch = 0

    @staticmethod
    def _copy_state(net):
        return {key: value.detach().clone() for key, value in net.module_.state_dict().items()}

    def release(self):
        """Drop the references to data and weight copies so the net pickles small."""
        self.validation = None
        self.score_fn = None
        self.best_state = None

    def on_epoch_begin(self, net, **kwargs):
        self._epoch_start = time.perf_counter()

    def on_epoch_end(self, net, **kwargs):
        history = net.history
        loss = history[-1, "train_loss"]
        if not math.isfinite(loss):
            raise NonFiniteLossError(
                f"The training loss became {loss} at epoch {self.n_iter + 1}; training was "
                "stopped. Scale the inputs (e.g. StandardScaler) or lower "
                "learning_rate_init."
            )
        validation_scores = self.validation_scores
        if self.validation is not None:
            valid_loss, score = net.evaluate(self.validation, self.score_fn)
            history.record("valid_loss", valid_loss)
            history.record("valid_score", score)
            validation_scores = [*validation_scores, score]
        # One statement, so that a Ctrl-C cannot leave the epoch counted in
        # one counter and not in another (Python handles signals between
        # calls, and these are plain attribute stores).
        self.n_iter, self.samples_seen, self.loss_curve, self.validation_scores = (
            self.n_iter + 1,
            self.samples_seen + self.n_train,
            [*self.loss_curve, loss],
            validation_scores,
        )
        self.schedule_epoch += 1
        if self.validation is not None:
            improved = score >= self.best_validation_score + self.tol
            if score > self.best_validation_score:
                self.best_validation_score = score
                self.best_state = self._copy_state(net)
        else:
            improved = loss <= self.best_loss - self.tol
            self.best_loss = min(self.best_loss, loss)
            if self.learning_rate == "plateau" and loss < self._best_loss_of_fit:
                self._best_loss_of_fit = loss
                self.best_state = self._copy_state(net)
        self.no_improvement_count = 0 if improved else self.no_improvement_count + 1
        history.record("lr", self._current_lr(net))
        history.record("dur", time.perf_counter() - self._epoch_start)

        full_batch = net._full_batch_optimizer()
        if full_batch is not None:
            self._full_batch_rules(full_batch)
        elif self.no_improvement_count > self.n_iter_no_change:
            current = self._current_lr(net)
            floor = self.learning_rate_init * self.PLATEAU_FLOOR
            if self.learning_rate == "adaptive" and current > 1e-6:
                self._set_lr(net, current / 5.0)
                self.no_improvement_count = 0
            elif self.learning_rate == "plateau" and current > floor * (1 + 1e-9):
                self._set_lr(net, max(current * self.PLATEAU_FACTOR, floor))
                self.no_improvement_count = 0
            elif self.learning_rate == "plateau" and self.validation is None:
                # A fixed budget: converged, but the fit runs on to max_iter.
                self.converged = True
                self.no_improvement_count = 0
            else:
                self.converged = True
                raise StopTraining
        elif self.learning_rate in ("invscaling", "cosine", "step"):
            self._set_lr(net, self._scheduled_lr())

    def _full_batch_rules(self, optimizer):
        """L-BFGS's own stopping rules (scipy's, as scikit-learn's lbfgs solver).

        No schedule and no training-loss plateau rule: the iteration stops
        on its gradient and relative-decrease tolerances or its evaluation
        budget; a validation set still stops it after ``n_iter_no_change``
        epochs without improvement.
        """
        if self.validation is not None and self.no_improvement_count > self.n_iter_no_change:
            self.converged = True
        elif optimizer.converged:
            self.converged = True
        elif optimizer.n_evaluations >= optimizer.max_fun:
            self.stop_message = (
                f"lbfgs failed to converge after {self.n_iter} iteration(s): the number of "
                f"loss evaluations reached max_fun={optimizer.max_fun}. Increase max_fun "
                "(or max_iter) or scale the data."
            )
        else:
            return
        raise StopTraining

    def on_train_end(self, net, **kwargs):
        if self.best_state is not None:
            net.module_.load_state_dict(self.best_state)

    def unconverged_message(self, solver):
        """Why a fit ended unconverged: the rule that stopped it, else ``max_iter``."""
        if self.stop_message:
            return self.stop_message
        if solver == "lbfgs":
            return (
                f"lbfgs failed to converge after {self.n_iter} iteration(s): the maximum "
                f"number of iterations was reached (max_iter={self.max_iter}). Increase "
                "max_iter or scale the data."
            )
        return (
            f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and "
            "the optimization hasn't converged yet."
        )

    def _scheduled_lr(self):
        if self.learning_rate == "invscaling":
            return self.learning_rate_init / (self.samples_seen + 1) ** self.power_t
        if self.learning_rate == "cosine":
            progress = min(self.schedule_epoch, self.max_iter) / self.max_iter
            return self.learning_rate_init * 0.5 * (1.0 + math.cos(math.pi * progress))
        step_size = max(1, self.max_iter // 3)
        return self.learning_rate_init * 0.1 ** (self.schedule_epoch // step_size)

    def _current_lr(self, net):
        """The main optimizer's rate (in ``learning_rate_init``'s units)."""
        for optimizer in net.optimizers.values():
            group = optimizer.param_groups[0]
            if group["initial_lr"] == self.learning_rate_init:
                return group["lr"]
            return self.learning_rate_init * group["lr"] / group["initial_lr"]
        return self.learning_rate_init

    def _set_lr(self, net, value):
        """Set the main rate to ``value`` and every other one in proportion."""
        factor = value / self.learning_rate_init
        for optimizer in net.optimizers.values():
            for group in optimizer.param_groups:
                # Exactly ``value`` where the rate started at learning_rate_init.
                same = group["initial_lr"] == self.learning_rate_init
                group["lr"] = value if same else group["initial_lr"] * factor


def not_learned_message(name, modules, loss_curve):
    """Why a fresh fit ended with a model that learned nothing, or None.

    That is, its training loss ended no lower than after the first epoch,
    or its batch norm statistics overflowed.  Unscaled inputs (values of
    1e30) or a rate far too high or low leave the loss flat without making
    it non-finite; the fit would otherwise end with a useless model and
    nothing said.  ``modules`` are the fitted networks by name.
    """
    overflowed = [
        f"{module_name}.{buffer_name}" if module_name != "module" else buffer_name
        for module_name, module in modules.items()
        for buffer_name, buffer in module.named_buffers()
        if buffer.is_floating_point() and not torch.isfinite(buffer).all()
    ]
    if overflowed:
        # Batch norm statistics of huge inputs overflow while the training
        # loss, computed with per-batch statistics, still falls.
        return (
            f"{name} did not learn a usable model: the running statistics "
            f"{', '.join(overflowed[:3])} overflowed to non-finite values, so predictions "
            "are meaningless. Scale the inputs (e.g. with StandardScaler)."
        )
    if len(loss_curve) >= 2 and loss_curve[-1] >= loss_curve[0] - 1e-3 * abs(loss_curve[0]):
        return (
            f"{name} did not learn: its training loss after {len(loss_curve)} epochs "
            f"({loss_curve[-1]:.4g}) is no lower than after the first ({loss_curve[0]:.4g}). "
            "Scale the inputs (e.g. with StandardScaler) or change learning_rate_init."
        )
    return None


class ProgressReporter(Callback):
    """``verbose=1``: one tqdm bar per fit; ``verbose>=2``: one table row per epoch."""

    _columns = ("epoch", "train_loss", "valid_loss", "valid_score", "lr", "dur")

    def __init__(self, verbose=0, description="fit"):
        self.verbose = verbose
        self.description = description
        self._bar = None
        self._header_printed = False

    def start(self, epochs):
        """Open the progress bar of one fit call."""
        self.close()
        self._header_printed = False
        if self.verbose == 1:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=epochs, desc=self.description, unit="epoch", file=sys.stderr)

    def close(self):
        """Close the bar, also when training stopped on an error."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(loss=f"{row['train_loss']:.4g}", refresh=False)
        elif self.verbose >= 2:
            columns = [c for c in self._columns if c in row]
            if not self._header_printed:
                print("  ".join(f"{c:>11}" for c in columns), flush=True)
                self._header_printed = True
            cells = [
                f"{row[c]:>11d}" if isinstance(row[c], int) else f"{row[c]:>11.5g}" for c in columns
            ]
            print("  ".join(cells), flush=True)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_bar"] = None
        return state
