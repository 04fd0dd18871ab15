"""Docstring pieces shared by every estimator (numpydoc parameter lists).

The shared training parameters are documented once here and spliced into
each estimator's ``__doc__`` f-string, as their validation and behaviour
live once in :mod:`sknets.base`.
"""

import re

TRAINING_PARAMETERS_DOC = """
    solver : {"adam", "adamw", "sgd"}, default="adam"
        Optimizer. ``"sgd"`` uses ``momentum`` and ``nesterovs_momentum``;
        ``"adam"`` and ``"adamw"`` use ``beta_1``, ``beta_2`` and ``epsilon``.
    alpha : float, default=0.0001
        Strength of the L2 penalty on the weight matrices (not the biases),
        scaled as in scikit-learn (``alpha * ||W||^2 / (2 * sw_sum)``, with
        ``sw_sum`` a batch's size times the mean sample weight, so that a
        weight of 2 trains as a row given twice); with ``solver="adamw"``
        it is AdamW's decoupled weight decay.
    batch_size : int or "auto", default="auto"
        Mini-batch size; ``"auto"`` is ``min(200, n_samples)``.
    learning_rate : {"constant", "invscaling", "adaptive", "plateau", \
"cosine", "step"}, default="constant"
        Learning-rate schedule, applied with every solver (scikit-learn
        applies it to ``"sgd"`` only). ``"invscaling"``:
        ``learning_rate_init / (t + 1) ** power_t`` with ``t`` the samples
        seen; ``"adaptive"``: divide by 5 whenever ``n_iter_no_change``
        epochs fail to improve by ``tol``, stop below 1e-6; ``"plateau"``:
        halve it instead, down to ``learning_rate_init / 10``, and train
        all ``max_iter`` epochs, keeping the weights of the lowest training
        loss (with ``early_stopping``: stop on a plateau at that floor and
        keep the best validation weights); ``"cosine"``:
        cosine decay to 0 over ``max_iter`` epochs; ``"step"``: multiply by
        0.1 every ``max_iter // 3`` epochs.
    learning_rate_init : float, default=0.001
        Initial learning rate.
    power_t : float, default=0.5
        Exponent of the ``"invscaling"`` schedule.
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
        Reshuffle the training rows every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, shuffling and the validation
        split. With an int, two fits on the same data give bit-identical
        predictions on the CPU. The caller's global random state is never
        changed.
    tol : float, default=1e-4
        Minimum improvement of the training loss (or of the validation
        score with ``early_stopping``) that counts as progress.
    verbose : int, default=0
        0 silent, 1 a progress bar per fit, 2 a table row per epoch.
    warm_start : bool, default=False
        Continue from the weights of the previous fit instead of starting
        anew (with a fresh optimizer, as in scikit-learn).
    momentum : float, default=0.9
        Momentum of ``solver="sgd"``.
    nesterovs_momentum : bool, default=True
        Use Nesterov momentum with ``solver="sgd"``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified
        for classifiers), stop when its score has not improved by ``tol``
        for ``n_iter_no_change`` epochs, and restore the best weights.
    validation_fraction : float, default=0.1
        Share of the training data held out with ``early_stopping``.
    beta_1 : float, default=0.9
        Adam's first-moment decay.
    beta_2 : float, default=0.999
        Adam's second-moment decay.
    epsilon : float, default=1e-8
        Adam's numerical-stability term.
    n_iter_no_change : int, default=10
        Epochs without progress before stopping (or, with
        ``learning_rate="adaptive"`` or ``"plateau"``, before lowering the
        learning rate)."""


def with_defaults(doc, **defaults):
    """``doc`` (a numpydoc parameter list) with the defaults of some parameters changed."""
    for name, value in defaults.items():
        doc, found = re.subn(
            rf"(\n    {name} : [^\n]*default=)[^\n]+", rf"\g<1>{value!r}".replace("'", '"'), doc
        )
        if found != 1:
            raise ValueError(f"no default for {name!r} in the parameter list")
    return doc


CLASS_WEIGHT_DOC = """
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, as in scikit-learn's linear
        models; multiplied with ``sample_weight``."""

DEVICE_AND_DTYPE_DOC = """
    device : str or torch.device, default="auto"
        ``"auto"`` (CUDA if available, else MPS, else CPU), ``"cpu"``,
        ``"cuda"``, ``"cuda:N"``, ``"mps"`` or a ``torch.device``; resolved
        at fit time into ``device_``.
    dtype : {"float32", "float64"}, default="float32"
        Floating-point type the network trains and predicts in (numpy's
        and torch's float32/float64 types are accepted too). ``"float64"``
        computes as scikit-learn's own MLP does on float64 data, at about
        twice the time on a CPU and far more on consumer GPUs; MPS devices
        have no float64. Warm-started fits and ``partial_fit`` convert the
        trained network when it changes."""
