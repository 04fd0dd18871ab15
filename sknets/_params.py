"""Estimator parameters declared once: signature, checks and documentation.

Every public parameter is a :class:`Param`: its name, default, the
constraints that ``_validate_params`` applies and its numpydoc entry.  The
shared training parameters are declared here once; an estimator lists only
its own parameters (``_params``) and the shared defaults it changes
(``_defaults``).  From that one declaration :func:`install_parameters`
writes the class's

* ``__init__``: a real Python function with an explicit signature, generated
  as :mod:`dataclasses` generates its ``__init__`` (so ``inspect.signature``,
  ``help()``, IDEs, ``get_params``, ``clone`` and pickling see ordinary
  keyword arguments, and a misspelt argument is Python's own TypeError);
* ``_parameter_constraints``, scikit-learn's declarative parameter checks;
* the ``Parameters`` section of its docstring, defaults included.
"""

import textwrap
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, Options, StrOptions

from ._fairness import FAIRNESS_CONSTRAINTS

__all__ = [
    "Param",
    "PositiveInts",
    "PositiveIntTuples",
    "as_positive_ints",
    "install_parameters",
    "SHARED_TRAINING_PARAMS",
    "CLASS_WEIGHT_PARAM",
    "TASK_WEIGHTS_PARAM",
    "CLASSIFIER_PARAMS",
    "REGRESSION_LOSS_PARAM",
    "DEVICE_PARAMS",
    "INPUT_SHAPE_PARAM",
    "QUANTILE_TABLE_PARAMS",
    "TABLE_ATTRIBUTES",
    "TABLE_PARAMS",
]


class Param:
    """One public estimator parameter.

    Parameters
    ----------
    name : str
        The argument's name.
    default : object
        Its default (immutable: tuples, not lists).
    type_doc : str
        The numpydoc type, e.g. ``"int or sequence of int"``.
    doc : str
        The description (any indentation; it is dedented).
    constraints : list
        scikit-learn parameter constraints (``Interval``, ``StrOptions``,
        ``"boolean"``, a :class:`_Constraint`...).
    positional : bool, default=False
        May also be passed by position (scikit-learn's MLPs take
        ``hidden_layer_sizes`` and ``activation`` so).
    applies_to : tuple of str or None, default=None
        The kinds of data (``"tabular"``, ``"series"``, ``"images"``,
        ``"tokens"``) on which the parameter acts; None for all.  ``fit``
        refuses a value away from the default on other data, rather than
        ignoring it.
    """

    def __init__(
        self, name, default, type_doc, doc, constraints, *, positional=False, applies_to=None
    ):
        self.name = name
        self.default = default
        self.type_doc = type_doc
        self.doc = textwrap.dedent(doc).strip()
        self.constraints = list(constraints)
        self.positional = positional
        self.applies_to = applies_to

    def with_default(self, default):
        """The same parameter with another default."""
        return Param(
            self.name,
            default,
            self.type_doc,
            self.doc,
            self.constraints,
            positional=self.positional,
            applies_to=self.applies_to,
        )

    def normalise(self, value):
        """``value`` as a network takes it: sequences of ints as tuples, the rest unchanged."""
        for constraint in self.constraints:
            if isinstance(constraint, PositiveInts) and constraint.is_satisfied_by(value):
                return as_positive_ints(
                    value, allow_int=constraint.allow_int, allow_empty=constraint.allow_empty
                )
            if isinstance(constraint, PositiveIntTuples) and constraint.is_satisfied_by(value):
                return constraint.convert(value)
        return value

    def numpydoc(self):
        """The parameter's entry in a numpydoc Parameters section (4-space indent)."""
        default = repr(self.default).replace("'", '"')
        description = textwrap.indent(self.doc, " " * 8)
        return f"    {self.name} : {self.type_doc}, default={default}\n{description}"

    def __repr__(self):
        return f"Param({self.name!r}, default={self.default!r})"


# ----------------------------------------------------------------- constraints
def _is_positive_int(value):
    return isinstance(value, Integral | np.integer) and not isinstance(value, bool) and value >= 1


def as_positive_ints(value, *, allow_int=True, allow_empty=False):
    """``value`` as a tuple of positive ints, or None when it is not one."""
    if allow_int and _is_positive_int(value):
        return (int(value),)
    if isinstance(value, str | bytes):
        return None
    try:
        values = list(value)
    except TypeError:
        return None
    if (not values and not allow_empty) or not all(_is_positive_int(v) for v in values):
        return None
    return tuple(int(v) for v in values)


class _Custom(Options):
    """Base of sknets' own parameter constraints.

    scikit-learn's ``make_constraint`` takes only its own constraint
    classes; deriving from ``Options`` (and overriding what it checks and
    how it reads) makes a custom check a first-class constraint, with
    scikit-learn's error message.
    """

    def __init__(self):
        super().__init__(object, set())


class PositiveInts(_Custom):
    """A (possibly single int) sequence of ints in [1, inf), as a parameter constraint."""

    def __init__(self, *, allow_int=True, allow_empty=False):
        super().__init__()
        self.allow_int = allow_int
        self.allow_empty = allow_empty

    def is_satisfied_by(self, val):
        return (
            as_positive_ints(val, allow_int=self.allow_int, allow_empty=self.allow_empty)
            is not None
        )

    def __str__(self):
        what = "an int in the range [1, inf) or a " if self.allow_int else "a "
        empty = "possibly empty " if self.allow_empty else "non-empty "
        return f"{what}{empty}sequence of ints in the range [1, inf)"


class PositiveIntTuples(_Custom):
    """A non-empty sequence of non-empty tuples of ints in [1, inf) (of ``length`` each)."""

    def __init__(self, length=None):
        super().__init__()
        self.length = length

    def convert(self, value):
        """``value`` as a tuple of tuples of ints, or None."""
        if isinstance(value, str | bytes):
            return None
        try:
            groups = [as_positive_ints(group, allow_int=False) for group in value]
        except TypeError:
            return None
        if not groups or any(
            group is None or (self.length is not None and len(group) != self.length)
            for group in groups
        ):
            return None
        return tuple(groups)

    def is_satisfied_by(self, val):
        return self.convert(val) is not None

    def __str__(self):
        each = f"{self.length} " if self.length else "non-empty "
        return f"a non-empty sequence of tuples of {each}ints in the range [1, inf)"


# ------------------------------------------------------- the shared parameters
_OPTIMIZER_NAMES = ("adam", "adamw", "sgd", "lbfgs")

SHARED_TRAINING_PARAMS = (
    Param(
        "solver",
        "adam",
        '{"adam", "adamw", "sgd", "lbfgs"}',
        """
        Optimizer. ``"sgd"`` uses ``momentum`` and ``nesterovs_momentum``
        (scikit-learn's update); ``"adam"`` and ``"adamw"`` use ``beta_1``,
        ``beta_2`` and ``epsilon``. ``"lbfgs"`` is full-batch L-BFGS as in
        scikit-learn: one epoch is one L-BFGS iteration over all training
        rows (``max_iter`` iterations, ``max_fun`` loss evaluations, ``tol``
        the gradient tolerance); ``batch_size``, ``learning_rate``,
        ``learning_rate_init``, ``power_t``, ``momentum`` and ``shuffle``
        are ignored and ``partial_fit`` is unavailable. L-BFGS expects a
        deterministic objective, which dropout is not. Models with several
        optimizers or their own training step refuse it.""",
        [StrOptions(set(_OPTIMIZER_NAMES))],
    ),
    Param(
        "max_fun",
        15000,
        "int",
        """
        With ``solver="lbfgs"``, the maximum number of loss evaluations
        (line-search steps included); training stops with a
        ConvergenceWarning when it is reached. Ignored by the other solvers.""",
        [Interval(Integral, 1, None, closed="left")],
    ),
    Param(
        "alpha",
        0.0001,
        "float",
        """
        Strength of the L2 penalty on the weight matrices (not the biases),
        scaled as in scikit-learn (``alpha * ||W||^2 / (2 * sw_sum)``, with
        ``sw_sum`` a batch's size times the mean sample weight, so that a
        weight of 2 trains as a row given twice); with ``solver="adamw"``
        it is AdamW's decoupled weight decay.""",
        [Interval(Real, 0, None, closed="left")],
    ),
    Param(
        "batch_size",
        "auto",
        'int or "auto"',
        """
        Mini-batch size; ``"auto"`` is ``min(200, n_samples)``.""",
        [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    ),
    Param(
        "learning_rate",
        "constant",
        '{"constant", "invscaling", "adaptive", "plateau", "cosine", "step"}',
        """
        Learning-rate schedule, applied with every solver but ``"lbfgs"``
        (scikit-learn applies it to ``"sgd"`` only) and, where a model
        trains with several optimizers, to each of them in proportion to
        its initial rate.
        ``"invscaling"``: ``learning_rate_init / (t + 1) ** power_t`` with
        ``t`` the samples seen; ``"adaptive"``: divide by 5 whenever
        ``n_iter_no_change`` epochs fail to improve by ``tol``, stop below
        1e-6; ``"plateau"``: halve it instead, down to
        ``learning_rate_init / 10``, and train all ``max_iter`` epochs,
        keeping the weights of the lowest training loss (with
        ``early_stopping``: stop on a plateau at that floor and keep the
        best validation weights); ``"cosine"``: cosine decay to 0 over
        ``max_iter`` epochs; ``"step"``: multiply by 0.1 every
        ``max_iter // 3`` epochs.""",
        [StrOptions({"constant", "invscaling", "adaptive", "plateau", "cosine", "step"})],
    ),
    Param(
        "learning_rate_init",
        0.001,
        "float",
        """
        Initial learning rate.""",
        [Interval(Real, 0, None, closed="neither")],
    ),
    Param(
        "power_t",
        0.5,
        "float",
        """
        Exponent of the ``"invscaling"`` schedule.""",
        [Interval(Real, 0, None, closed="left")],
    ),
    Param(
        "max_iter",
        200,
        "int",
        """
        Maximum number of epochs (L-BFGS iterations with ``solver="lbfgs"``).""",
        [Interval(Integral, 1, None, closed="left")],
    ),
    Param(
        "shuffle",
        True,
        "bool",
        """
        Reshuffle the training rows every epoch.""",
        ["boolean"],
    ),
    Param(
        "random_state",
        None,
        "int, RandomState instance or None",
        """
        Seeds weight initialisation, dropout, shuffling and the validation
        split. With an int, two fits on the same data give bit-identical
        predictions on the CPU. The caller's global random state is never
        changed.""",
        ["random_state"],
    ),
    Param(
        "tol",
        1e-4,
        "float",
        """
        Minimum improvement of the training loss (or of the validation
        score with ``early_stopping``) that counts as progress; with
        ``solver="lbfgs"``, the gradient tolerance (training stops when no
        gradient component exceeds it).""",
        [Interval(Real, 0, None, closed="left")],
    ),
    Param(
        "verbose",
        0,
        "int",
        """
        0 silent, 1 a progress bar per fit, 2 a table row per epoch.""",
        ["verbose"],
    ),
    Param(
        "warm_start",
        False,
        "bool",
        """
        Continue from the weights of the previous fit instead of starting
        anew (with fresh optimizers, as in scikit-learn).""",
        ["boolean"],
    ),
    Param(
        "momentum",
        0.9,
        "float",
        """
        Momentum of ``solver="sgd"``.""",
        [Interval(Real, 0, 1, closed="both")],
    ),
    Param(
        "nesterovs_momentum",
        True,
        "bool",
        """
        Use Nesterov momentum with ``solver="sgd"``.""",
        ["boolean"],
    ),
    Param(
        "early_stopping",
        False,
        "bool",
        """
        Hold out ``validation_fraction`` of the training data (stratified
        for classifiers), stop when its score has not improved by ``tol``
        for ``n_iter_no_change`` epochs, and restore the best weights.""",
        ["boolean"],
    ),
    Param(
        "validation_fraction",
        0.1,
        "float",
        """
        Share of the training data held out with ``early_stopping``.""",
        [Interval(Real, 0, 1, closed="left")],
    ),
    Param(
        "beta_1",
        0.9,
        "float",
        """
        Adam's first-moment decay.""",
        [Interval(Real, 0, 1, closed="left")],
    ),
    Param(
        "beta_2",
        0.999,
        "float",
        """
        Adam's second-moment decay.""",
        [Interval(Real, 0, 1, closed="left")],
    ),
    Param(
        "epsilon",
        1e-8,
        "float",
        """
        Adam's numerical-stability term.""",
        [Interval(Real, 0, None, closed="neither")],
    ),
    Param(
        "n_iter_no_change",
        10,
        "int",
        """
        Epochs without progress before stopping (or, with
        ``learning_rate="adaptive"`` or ``"plateau"``, before lowering the
        learning rate).""",
        [Interval(Integral, 1, None, closed="left")],
    ),
)

REGRESSION_LOSS_PARAM = Param(
    "loss",
    "squared_error",
    '{"squared_error", "poisson"}',
    """
    Loss of the regressor: half the squared error, or the half Poisson
    deviance of non-negative targets (counts, rates), for which the network
    predicts the log of the mean and ``predict`` returns its exponential.
    Both are averaged over the target columns.""",
    [StrOptions({"squared_error", "poisson"})],
)

CLASS_WEIGHT_PARAM = Param(
    "class_weight",
    None,
    'dict, list of dict, "balanced" or None',
    """
    Weights of the classes in the loss, as in scikit-learn's linear
    models; multiplied with ``sample_weight``. For a 2-D y (several
    tasks, or labels), a list of one dict per column of y, or
    ``"balanced"`` (the product of each column's balanced weights), as
    :func:`sklearn.utils.class_weight.compute_sample_weight`.""",
    [StrOptions({"balanced"}), dict, list, None],
)

TASK_WEIGHTS_PARAM = Param(
    "task_weights",
    None,
    "array-like of shape (n_tasks,) or None",
    """
    For a 2-D y whose columns are separate tasks (multiclass-multioutput,
    or multilabel): the weight of each column's loss in the sum the
    network minimises. None weighs every task 1. The tasks share the
    network's trunk, each with its own output units, so a larger weight
    makes the shared features serve that task more.""",
    ["array-like", None],
)

FAIRNESS_PENALTY_PARAM = Param(
    "fairness_penalty",
    0.0,
    "float",
    """
    Weight of a fairness term in the loss: each training batch adds
    ``fairness_penalty`` times the gap between the groups of the
    ``sensitive_features`` passed to ``fit`` (see ``fairness_constraint``),
    computed from the predicted probabilities so that it has a gradient.
    0 (the default) trains without it and ignores ``sensitive_features``;
    above 0, ``fit`` requires them. Binary, multiclass and multilabel
    targets (:doc:`/fairness`).""",
    [Interval(Real, 0, None, closed="left")],
)

FAIRNESS_CONSTRAINT_PARAM = Param(
    "fairness_constraint",
    "demographic_parity",
    '{"demographic_parity", "equalized_odds"}',
    """
    The gap ``fairness_penalty`` weighs, named as fairlearn's constraints:
    ``"demographic_parity"``, the largest difference between groups of the
    mean predicted probability of a class (the positive one for a binary
    target; the largest over the classes otherwise); ``"equalized_odds"``,
    the larger of the same differences of the soft true-positive and
    false-positive rates.""",
    [StrOptions(set(FAIRNESS_CONSTRAINTS))],
)

#: The parameters every classifier adds to the shared training ones.
CLASSIFIER_PARAMS = (
    CLASS_WEIGHT_PARAM,
    TASK_WEIGHTS_PARAM,
    FAIRNESS_PENALTY_PARAM,
    FAIRNESS_CONSTRAINT_PARAM,
)

#: Declared once for every estimator that reshapes rows into samples.
INPUT_SHAPE_PARAM = Param(
    "input_shape",
    None,
    "tuple of int or None",
    """
    Shape of one sample, channels first, into which each 2-D row of X is
    reshaped: ``(channels, height, width)`` for images, ``(channels,
    timepoints)`` for series (``(height, width)``: one grey channel, for
    the image-only estimators).  Lets a ``StandardScaler`` (or any 2-D
    step) run first in a pipeline; its product must equal the number of
    features.  Ignored (but checked) when X already has the sample's
    dimensions.  In the families with a dense network for rows and a
    convolutional one for images (autoencoder, VAE, GAN, diffusion),
    setting it chooses the convolutional one.""",
    [None, PositiveInts(allow_int=False)],
)

DEVICE_PARAMS = (
    Param(
        "device",
        "auto",
        "str or torch.device",
        """
        ``"auto"`` (CUDA if available, else MPS, else CPU), ``"cpu"``,
        ``"cuda"``, ``"cuda:N"``, ``"mps"`` or a ``torch.device``; resolved
        at fit time into ``device_``.""",
        [str, torch.device],
    ),
    Param(
        "dtype",
        "float32",
        '{"float32", "float64"}',
        """
        Floating-point type the network trains and predicts in (numpy's
        and torch's float32/float64 types are accepted too). ``"float64"``
        computes as scikit-learn's own MLP does on float64 data, at about
        twice the time on a CPU and far more on consumer GPUs; MPS devices
        have no float64. Warm-started fits and ``partial_fit`` convert the
        trained network when it changes.""",
        [
            StrOptions({"float32", "float64"}),
            Options(type, {np.float32, np.float64}),
            Options(torch.dtype, {torch.float32, torch.float64}),
        ],
    ),
)


# ------------------------------------------------------------- installation
_SECTION_HEADERS = ("Attributes", "See Also", "Notes", "References", "Examples")


def collect_parameters(cls):
    """The full, ordered parameter list of ``cls``.

    Its own parameters (``_params``, the nearest in the MRO) come first,
    then the kind's shared ones (``_shared_params``); a shared parameter
    that the class declares itself takes the class's place and text.
    ``_defaults`` of every class in the MRO (the nearest winning) change
    defaults.
    """
    own = tuple(getattr(cls, "_params", ()))
    own_names = {param.name for param in own}
    shared = [p for p in getattr(cls, "_shared_params", ()) if p.name not in own_names]
    params = list(own) + shared
    defaults = {}
    for klass in reversed(cls.__mro__):
        defaults.update(vars(klass).get("_defaults", {}))
    names = [param.name for param in params]
    if len(set(names)) != len(names):
        raise TypeError(f"{cls.__name__} declares a parameter twice: {names}")
    unknown = set(defaults) - set(names)
    if unknown:
        raise TypeError(f"{cls.__name__}._defaults names unknown parameters {sorted(unknown)}")
    return [p.with_default(defaults[p.name]) if p.name in defaults else p for p in params]


def _make_init(cls, params):
    """A generated ``__init__`` that stores each argument under its own name."""
    positional = [p for p in params if p.positional]
    keyword = [p for p in params if not p.positional]
    if any(p.positional for p in params[len(positional) :]):
        raise TypeError(f"{cls.__name__}: positional parameters must come first")
    arguments = ["self"] + [f"{p.name}=__defaults[{p.name!r}]" for p in positional]
    if keyword:
        arguments += ["*"] + [f"{p.name}=__defaults[{p.name!r}]" for p in keyword]
    body = [f"    self.{p.name} = {p.name}" for p in params] or ["    pass"]
    source = f"def __init__({', '.join(arguments)}):\n" + "\n".join(body)
    namespace = {}
    exec(source, {"__defaults": {p.name: p.default for p in params}}, namespace)  # noqa: S102
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    return init


def parameters_section(params):
    """The numpydoc ``Parameters`` section of ``params``."""
    entries = "\n".join(param.numpydoc() for param in params)
    return f"    Parameters\n    ----------\n{entries}\n\n"


def _with_parameters_section(doc, params):
    if doc is None or "\n    Parameters\n    ----------" in doc:
        return doc
    positions = [doc.find(f"\n    {header}\n    ---") for header in _SECTION_HEADERS]
    positions = [position for position in positions if position >= 0]
    cut = min(positions) + 1 if positions else len(doc)
    head = doc[:cut] if doc[:cut].endswith("\n\n") else doc[:cut].rstrip() + "\n\n"
    return head + parameters_section(params) + doc[cut:]


def install_parameters(cls):
    """Give ``cls`` its ``__init__``, ``_parameter_constraints`` and Parameters docs.

    A class that writes its own ``__init__`` (scikit-learn's custom) keeps
    it, and its own ``_parameter_constraints`` and docstring.
    """
    if "__init__" in vars(cls):
        return
    params = collect_parameters(cls)
    cls.__init__ = _make_init(cls, params)
    cls._parameter_constraints = {param.name: param.constraints for param in params}
    if "__doc__" in vars(cls):
        cls.__doc__ = _with_parameters_section(cls.__doc__, params)


# --------------------------------------------------- fitted attributes' docs
# The entries of the Attributes sections that every estimator shares,
# written once; ``attributes_doc`` strings some of them together.
_TRAINING_ATTRIBUTES = {
    "n_features_in_": ("int", "Number of features seen during fit."),
    "feature_names_in_": (
        "ndarray of shape (`n_features_in_`,)",
        "Names of the features seen during fit, when X was a DataFrame.",
    ),
    "classes_": (
        "ndarray of shape (n_classes,) or list of such",
        "Class labels (label indices for multilabel targets); for "
        "multiclass-multioutput targets, a list with each task's labels.",
    ),
    "n_outputs_": ("int", "Number of output units (all the tasks' classes for several tasks)."),
    "n_iter_": ("int", "Number of epochs run."),
    "t_": ("int", "Number of training samples seen."),
    "loss_": ("float", "Training loss of the last epoch (without the L2 term)."),
    "loss_curve_": ("list of float", "Training loss after each epoch."),
    "best_loss_": ("float or None", "Lowest training loss (None with early stopping)."),
    "validation_scores_": (
        "list of float or None",
        "Validation score after each epoch (None without early stopping).",
    ),
    "best_validation_score_": (
        "float or None",
        "Best validation score (None without early stopping).",
    ),
    "history_": (
        "skorch.History",
        "Per-epoch record: train_loss, valid_loss, valid_score, lr, dur.",
    ),
    "device_": ("torch.device", "Device the model was trained on."),
}

#: The attributes every classifier sets in fit, in the order documented.
CLASSIFIER_ATTRIBUTES = tuple(_TRAINING_ATTRIBUTES)
#: The same for regressors (no classes_).
REGRESSOR_ATTRIBUTES = tuple(name for name in _TRAINING_ATTRIBUTES if name != "classes_")
# Transformers and generators: no targets, so no classes_ and no n_outputs_.
UNSUPERVISED_ATTRIBUTES = tuple(name for name in REGRESSOR_ATTRIBUTES if name != "n_outputs_")


def attributes_doc(names, **entries):
    """Numpydoc Attributes entries: the shared ones in ``names``, then ``entries``.

    ``entries`` maps more names (or shared names, to change their text) to
    ``(type, description)``.
    """
    documented = {name: _TRAINING_ATTRIBUTES[name] for name in names}
    documented.update(entries)
    return "".join(
        f"\n    {name} : {kind}\n{textwrap.indent(textwrap.fill(text, 68), ' ' * 8)}"
        for name, (kind, text) in documented.items()
    )


#: Declared once for every estimator that reads tables (see sknets._inputs._table).
TABLE_PARAMS = (
    Param(
        "categorical_features",
        "from_dtype",
        'array-like of {bool, int, str}, "from_dtype" or None',
        """
        Which columns of X are categorical, as in scikit-learn's
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`:
        ``"from_dtype"`` takes the DataFrame columns of ``category``,
        ``object`` and ``string`` dtype (and the non-numeric columns of an
        object array); a boolean mask, integer indices or column names
        choose them; None: none (a string column is then an error).
        Each categorical column becomes a learned embedding: one row per
        category seen at least ``min_frequency`` times, one for a missing
        value and one shared by the rare categories and those unseen in
        training.""",
        ["array-like", StrOptions({"from_dtype"}), None],
    ),
    Param(
        "numeric_transform",
        "auto",
        '{"auto", "standard", "quantile"} or None',
        """
        What is done to the numeric columns inside the estimator, fitted on
        the training rows (weighted by ``sample_weight``, as the loss is):
        ``"standard"`` centres and scales each,
        ``"quantile"`` maps each onto a normal distribution by its
        quantiles (scikit-learn's
        :class:`~sklearn.preprocessing.QuantileTransformer`, as the
        tabular deep-learning literature does), None leaves them as they
        are.  ``"auto"``: ``"standard"`` when X has categorical or
        missing values (a table), None for numeric rows (an array or a
        DataFrame), which then reach the network exactly as given (as
        scikit-learn's MLPs take them: scale them first).
        A missing numeric value is replaced by the column's mean (0 after
        either transform) and, where the training rows had missing values
        in that column, flagged in an added 0/1 column.""",
        [StrOptions({"auto", "standard", "quantile"}), None],
    ),
    Param(
        "min_frequency",
        5,
        "int or float",
        """
        Categories seen fewer times than this in training (an int) or in a
        smaller fraction of the rows (a float in (0, 1)) share one
        embedding with the categories unseen in training, as
        :class:`~sklearn.preprocessing.OneHotEncoder`'s ``min_frequency``
        groups infrequent categories.""",
        [Interval(Integral, 1, None, closed="left"), Interval(Real, 0, 1, closed="neither")],
    ),
)

#: The fitted attributes of the estimators that read tables.
TABLE_ATTRIBUTES = {
    "is_categorical_": (
        "ndarray of bool or None",
        "Which columns of X were taken as categorical; None where none was (as "
        "HistGradientBoosting's).",
    ),
    "table_encoding_": (
        "TableEncoding or None",
        "What the fit learned of X's columns (categories kept, numeric transform, missing-value "
        "columns); None for sparse X.",
    ),
}

#: TABLE_PARAMS for the tabular networks whose papers quantile-transform the numeric columns.
QUANTILE_TABLE_PARAMS = tuple(
    param.with_default("quantile") if param.name == "numeric_transform" else param
    for param in TABLE_PARAMS
)
