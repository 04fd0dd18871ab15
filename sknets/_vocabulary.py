"""The parameter vocabulary: one name per concept, and the peer spellings that lead to it.

:data:`TERMS` holds every public parameter name with its one meaning and
where the name comes from (scikit-learn's name where it has one, then
PyTorch's, then the reference paper's; ``n_`` for every count).  The
contract page's names table is generated from it and from the estimators'
declarations, and ``tests/test_vocabulary.py`` fails when an estimator or a
network spells a concept otherwise.  :data:`PEER_SPELLINGS` maps the names a
user brings from scikit-learn's other estimators, PyTorch, skorch, Keras,
Surprise or an earlier sknets to the name used here, so that a misspelt
argument gets a pointed error instead of Python's bare ``TypeError``.
"""

import inspect
from numbers import Real

from sklearn.utils._param_validation import InvalidParameterError

__all__ = [
    "TERMS",
    "PEER_SPELLINGS",
    "PeerSpellingsMixin",
    "STRUCTURAL_ARGUMENTS",
    "Term",
    "build_network",
    "check_applicable_parameters",
    "check_peer_values",
    "data_kind",
    "network_arguments",
]


class Term:
    """One entry of the vocabulary: what a parameter name means and where it comes from."""

    def __init__(self, meaning, origin):
        self.meaning = meaning
        self.origin = origin

    def __repr__(self):
        return f"Term({self.meaning!r}, {self.origin!r})"


_SKLEARN_MLP = "scikit-learn's MLP"

#: Every public parameter name of every estimator, with its one meaning.
TERMS = {
    # ---- shared training parameters
    "solver": Term("optimizer", _SKLEARN_MLP),
    "max_fun": Term("loss evaluations of L-BFGS", _SKLEARN_MLP),
    "alpha": Term("L2 penalty (weight decay)", _SKLEARN_MLP),
    "batch_size": Term("rows per gradient step", _SKLEARN_MLP),
    "learning_rate": Term("learning-rate schedule (never a rate)", _SKLEARN_MLP),
    "learning_rate_init": Term("initial learning rate (step size)", _SKLEARN_MLP),
    "power_t": Term("exponent of the inverse-scaling schedule", _SKLEARN_MLP),
    "max_iter": Term("epochs (passes over the training data)", _SKLEARN_MLP),
    "shuffle": Term("shuffle the rows every epoch", _SKLEARN_MLP),
    "random_state": Term("seed of initialisation, batches and sampling", _SKLEARN_MLP),
    "tol": Term("improvement that counts for stopping", _SKLEARN_MLP),
    "verbose": Term("progress output (0, 1 or 2)", _SKLEARN_MLP),
    "warm_start": Term("continue from the previous fit", _SKLEARN_MLP),
    "momentum": Term("momentum of SGD", _SKLEARN_MLP),
    "nesterovs_momentum": Term("Nesterov's momentum for SGD", _SKLEARN_MLP),
    "early_stopping": Term("stop when a held-out score stops improving", _SKLEARN_MLP),
    "validation_fraction": Term("share of the rows held out for early stopping", _SKLEARN_MLP),
    "beta_1": Term("Adam's first-moment decay", _SKLEARN_MLP),
    "beta_2": Term("Adam's second-moment decay", _SKLEARN_MLP),
    "epsilon": Term("Adam's numerical-stability term", _SKLEARN_MLP),
    "n_iter_no_change": Term("epochs without improvement before stopping", _SKLEARN_MLP),
    "loss": Term("the regression loss (squared_error, poisson...)", "scikit-learn's regressors"),
    "class_weight": Term("weight of each class in the loss", "scikit-learn's linear models"),
    "task_weights": Term("weight of each task (column of a 2-D y) in the loss", "sknets"),
    "fairness_penalty": Term("weight of a group-fairness gap added to the loss", "sknets"),
    "fairness_constraint": Term("which group-fairness gap is penalised", "fairlearn"),
    "device": Term("where the network trains and predicts", "PyTorch"),
    "dtype": Term("floating-point type of the network", "PyTorch"),
    # ---- widths
    "hidden_layer_sizes": Term(
        "widths of the fully connected hidden layers, in order", _SKLEARN_MLP
    ),
    "hidden_size": Term("width of a recurrent state", "PyTorch's nn.LSTM"),
    "d_model": Term("width of a transformer's token representation", "PyTorch's nn.Transformer"),
    "dim_feedforward": Term(
        "width of a transformer layer's feed-forward sublayer", "PyTorch's nn.Transformer"
    ),
    "n_components": Term(
        "dimension of the latent space the model encodes to, factorises into or samples from",
        "scikit-learn's PCA, NMF and BernoulliRBM",
    ),
    "embedding_dim": Term(
        "width of the token embedding, where it is free of the other widths",
        "PyTorch's nn.Embedding",
    ),
    "filters": Term(
        "output channels of each convolution stage (an int: one stage)", "Keras' Conv layers"
    ),
    "width_mult": Term("factor applied to every channel count", "torchvision's MobileNetV2"),
    "last_channel": Term(
        "channels of the last 1x1 convolution before the head", "torchvision's MobileNet"
    ),
    # ---- depth
    "n_layers": Term(
        "stacked layers of one kind (recurrent, encoder, decoder, Inception modules)",
        "PyTorch's num_layers",
    ),
    "bottleneck_size": Term(
        "channels of the 1x1 convolution in front of an Inception module", "InceptionTime"
    ),
    "n_blocks": Term(
        "blocks in each convolution stage (residual blocks, VGG's convolutions)",
        "torchvision's ResNet (layers)",
    ),
    "inverted_residual_setting": Term(
        "MobileNetV2's stages as (expansion, channels, blocks, stride) rows",
        "torchvision's MobileNetV2",
    ),
    # ---- convolution details
    "kernel_size": Term(
        "convolution kernel size: one int, or one per stage or per convolution of a block",
        "PyTorch's Conv1d/Conv2d",
    ),
    "pool_size": Term("max-pooling window after each convolution stage", "Keras' MaxPooling"),
    "adaptive_pool_size": Term(
        "positions per axis kept by the adaptive average pooling before the dense head "
        "(1: global average pooling)",
        "PyTorch's AdaptiveAvgPool output_size",
    ),
    "small_input": Term(
        "a 3x3 stem without max pooling, for small images", "CIFAR variants of ResNet"
    ),
    "batch_norm": Term("batch normalisation in each hidden layer or block", "Ioffe & Szegedy"),
    "activation": Term("activation of the hidden layers", _SKLEARN_MLP),
    "dropout": Term(
        "dropout probability (default: the reference paper's, 0 where it has none)", "PyTorch"
    ),
    "attention_dropout": Term(
        "dropout probability on the attention weights", "Gorishniy et al. 2021 (FT-Transformer)"
    ),
    "residual_dropout": Term(
        "dropout probability on a sublayer's output before it is added back",
        "Gorishniy et al. 2021 (FT-Transformer)",
    ),
    "input_shape": Term(
        "shape of one sample, channels first, into which 2-D rows are reshaped; "
        "chooses the convolutional network where a family has a dense one too",
        "Keras' input_shape",
    ),
    # ---- tables
    "categorical_features": Term(
        "which columns of a table are categorical", "scikit-learn's HistGradientBoosting"
    ),
    "numeric_transform": Term(
        "transform of a table's numeric columns inside the estimator (standard, quantile)",
        "Gorishniy et al. (2021)'s preprocessing",
    ),
    "min_frequency": Term(
        "count below which categories share the unseen-category embedding",
        "scikit-learn's OneHotEncoder",
    ),
    "n_members": Term(
        "members of an ensemble held in one network (TabM's k)",
        "TabM (Gorishniy et al., 2025)",
    ),
    "numeric_embedding": Term(
        "embedding of each numeric feature before the first layer (periodic or none)",
        "Gorishniy et al. 2022, as TabM uses it",
    ),
    # ---- images: pretrained weights, fine-tuning, augmentation
    "weights": Term(
        "checkpoint to start from (a published name, a file, None)", "torchvision's builders"
    ),
    "resize": Term("height and width images are resized to inside the network", "torchvision"),
    "n_frozen_epochs": Term(
        "first epochs in which a pretrained backbone is frozen", "fastai's freeze_epochs"
    ),
    "backbone_learning_rate": Term(
        "learning rate of a pretrained backbone once unfrozen", "discriminative fine-tuning"
    ),
    "freeze_batch_norm": Term(
        "keep a pretrained backbone's batch-norm statistics", "Keras' fine-tuning guide"
    ),
    "augment": Term("random changes to the training images", "Keras' augmentation layers"),
    "pack_size": Term(
        "samples a GAN's discriminator judges together", "PacGAN (Lin et al. 2018)'s packing"
    ),
    # ---- sequences and text
    "n_heads": Term(
        "attention heads (default: the reference paper's)", "PyTorch's nn.MultiheadAttention"
    ),
    "vocab_size": Term("number of token ids, 0 being padding", "PyTorch's nn.Embedding"),
    "block_size": Term("context length of a language model, in tokens", "nanoGPT"),
    "cell": Term("the recurrent cell: rnn, lstm or gru", "Keras' RNN(cell)"),
    "bidirectional": Term("run each recurrent layer both ways", "PyTorch's nn.LSTM"),
    "pooling": Term(
        "how a sequence of states becomes one vector (last, mean, attention, cls)",
        "Keras' pooling layers",
    ),
    "teacher_forcing_ratio": Term(
        "probability that a decoder step is fed the true previous value", "Bengio et al. 2015"
    ),
    "level": Term("what a token is: a word or a character", "sknets' TextTokenizer"),
    "max_features": Term("most frequent tokens kept", "scikit-learn's CountVectorizer"),
    "min_df": Term("fewest documents a kept token occurs in", "scikit-learn's CountVectorizer"),
    "lowercase": Term("lowercase the text first", "scikit-learn's CountVectorizer"),
    "max_len": Term("longest token sequence kept", "Keras' TextVectorization"),
    "token_pattern": Term("regular expression of a word token", "scikit-learn's CountVectorizer"),
    # ---- generative models
    "noise_std": Term("standard deviation of the noise added to training inputs", "sknets"),
    "beta": Term("weight of the KL term of a VAE", "Higgins et al. 2017 (beta-VAE)"),
    "n_warmup_epochs": Term("epochs of linear KL warm-up", "Bowman et al. 2016"),
    "likelihood": Term("the decoder's distribution: gaussian or bernoulli", "Kingma & Welling"),
    "n_timesteps": Term("steps of the diffusion noise schedule", "diffusers' num_train_timesteps"),
    "beta_schedule": Term("noise variances over the diffusion steps", "diffusers' DDPMScheduler"),
    "n_sampling_steps": Term(
        "steps of the faster DDIM sampler (None: every step, ancestral)",
        "diffusers' num_inference_steps",
    ),
    # ---- RBM and DBN
    "n_gibbs_steps": Term("Gibbs steps per update (the k of CD-k)", "Hinton 2002"),
    "persistent": Term("persistent contrastive divergence", "Tieleman 2008"),
    "mean_field": Term("negative phase on probabilities instead of samples", "Welling & Hinton"),
    "n_pretrain_epochs": Term("epochs of greedy pretraining of each RBM", "Hinton et al. 2006"),
    "pretrain_learning_rate_init": Term(
        "learning rate of the greedy pretraining of each RBM", "Hinton et al. 2006"
    ),
    # ---- graphs, recommenders, fusion, zero-shot, own modules
    "conv": Term("the message-passing layer: gcn, sage or gat", "PyTorch Geometric's nn.conv"),
    "n_neighbors": Term("neighbours of a k-nearest-neighbour graph", "scikit-learn's neighbors"),
    "unlabelled_label": Term(
        "the label that marks an unlabelled node", "scikit-learn's semi_supervised (-1)"
    ),
    "interaction": Term("how a user's and an item's vectors make a rating", "He et al. 2017"),
    "branches": Term("the network of each column group", "scikit-learn's ColumnTransformer"),
    "combine": Term("how the branches' outputs are fused: concat or attention", "sknets"),
    "class_attributes": Term("one attribute vector per class, seen or not", "Lampert et al."),
    "seen_class_penalty": Term(
        "score subtracted from the seen classes at prediction", "Chao et al. 2016"
    ),
    "module": Term("a user's network (class or factory)", "skorch's module"),
    "module_params": Term("arguments of the user's network", "skorch's module routing"),
}

#: Names a user may bring from elsewhere, with the name used here and whose they are.
PEER_SPELLINGS = {
    "n_iter": ("max_iter", "scikit-learn's BernoulliRBM"),
    "epochs": ("max_iter", "Keras"),
    "max_epochs": ("max_iter", "skorch"),
    "n_epochs": ("max_iter", "Surprise"),
    "lr": ("learning_rate_init", "skorch and PyTorch's optimizers"),
    "lr_all": ("learning_rate_init", "Surprise"),
    "weight_decay": ("alpha", "PyTorch's optimizers"),
    "reg_all": ("alpha", "Surprise"),
    "optimizer": ("solver", "skorch"),
    "seed": ("random_state", "PyTorch"),
    "num_layers": ("n_layers", "PyTorch"),
    "n_layer": ("n_layers", "nanoGPT"),
    "nhead": ("n_heads", "PyTorch's nn.Transformer"),
    "n_head": ("n_heads", "nanoGPT"),
    "num_heads": ("n_heads", "PyTorch's nn.MultiheadAttention"),
    "n_embd": ("d_model", "nanoGPT"),
    "hidden_dim": ("hidden_size", "common PyTorch code"),
    "latent_dim": ("n_components", "common VAE and GAN code"),
    "nz": ("n_components", "PyTorch's DCGAN example"),
    "n_factors": ("n_components", "Surprise and sknets before 0.1.0"),
    "layers": ("n_blocks", "torchvision's ResNet and sknets before 0.1.0"),
    "base_filters": ("filters", "sknets before 0.1.0"),
    "series_filters": ("filters", "sknets before 0.1.0"),
    "series_kernel_size": ("kernel_size", "sknets before 0.1.0"),
    "kernel_sizes": ("kernel_size", "sknets before 0.1.0"),
    "blocks": ("filters and n_blocks", "sknets before 0.1.0"),
    "pooled_size": ("adaptive_pool_size", "sknets before 0.1.0"),
    "width_multiplier": ("width_mult", "the MobileNetV2 paper and sknets before 0.1.0"),
    "last_channels": ("last_channel", "sknets before 0.1.0"),
    "layer": ("conv", "sknets before 0.1.0"),
    "sampling_steps": ("n_sampling_steps", "sknets before 0.1.0"),
    "num_inference_steps": ("n_sampling_steps", "diffusers"),
    "num_train_timesteps": ("n_timesteps", "diffusers"),
    "pretrain_learning_rate": ("pretrain_learning_rate_init", "sknets before 0.1.0"),
    "pretrain_epochs": ("n_pretrain_epochs", "sknets before 0.1.0"),
    "image_shape": ("input_shape", "sknets' networks before 0.1.0"),
    "image_size": ("input_shape", "sknets' networks before 0.1.0"),
    "sample_shape": ("input_shape", "sknets' networks before 0.1.0"),
    "embed_dim": ("embedding_dim", "PyTorch's nn.MultiheadAttention"),
    "max_tokens": ("max_features", "Keras' TextVectorization"),
    "num_words": ("max_features", "Keras' Tokenizer"),
    "output_sequence_length": ("max_len", "Keras' TextVectorization"),
    "max_length": ("max_len", "Hugging Face tokenizers"),
    "dense_layers": ("hidden_layer_sizes", "sknets before 0.1.0"),
    "hidden_units": ("hidden_layer_sizes", "TensorFlow's estimators"),
    "k": ("n_members", "the tabm package"),
    "n_estimators": ("n_members", "scikit-learn's ensembles"),
    "pretrained": ("weights", "torchvision before 0.13"),
    "freeze_epochs": ("n_frozen_epochs", "fastai"),
    "augmentation": ("augment", "sknets before 0.1.0"),
    "transforms": ("augment", "torchvision's datasets"),
    "d_block": ("hidden_layer_sizes", "the tabm package"),
    "num_embeddings": ("numeric_embedding", "the tabm package"),
}

#: Network arguments that the training data determine (a DataSpec's sizes)
#: or that an estimator computes; the rest of a network's arguments are
#: vocabulary names, forwarded from the estimator's parameters.
STRUCTURAL_ARGUMENTS = {
    "n_features": "features of one row",
    "category_sizes": "codes of each categorical column of a table",
    "n_outputs": "output units",
    "in_channels": "channels of one sample",
    "spatial_dims": "1 for series, 2 for images",
    "n_users": "distinct user ids",
    "n_items": "distinct item ids",
    "n_classes": "classes a conditional generator takes",
    "horizon": "steps forecast ahead",
    "n_target_channels": "channels forecast",
    "log_outputs": "outputs are logs of the prediction (a Poisson loss)",
    "seen_classes": "mask of the classes seen in training",
    "global_mean": "the mean rating, the recommender's intercept",
    "init_std": "standard deviation of the initial embeddings",
    "denoiser": "the network a diffusion model trains",
    "clip_range": "bound of a diffusion sampler's clean-sample estimates",
    "n_code_outputs": "width of the code layer when it differs from n_components",
    "min_std": "floor of a Gaussian decoder's standard deviation",
    "n_eval_draws": "latent draws of a VAE's likelihood estimate",
    "time_embedding_dim": "width of a denoiser's time-step embedding",
    "query_features": "width of an attention query",
    "attention_size": "width of an attention layer",
    "network": "the network a PreparedNetwork puts its input preparation in front of",
    "input_size": "height and width of the images a network will be given",
    "mean": "per-channel mean a checkpoint's inputs are normalised with",
    "std": "per-channel standard deviation a checkpoint's inputs are normalised with",
    "output_link": "output activation on whose scale an ensemble's members are averaged",
    "task_sizes": "outputs of each task's softmax",
}


def _peer_spelling_message(estimator_name, name):
    """The pointed message for ``name``, a peer's spelling of one of our names."""
    ours, whose = PEER_SPELLINGS[name]
    return (
        f"{estimator_name} has no parameter {name!r} (the name in {whose}): "
        f"sknets calls it {ours}. See the names table of the contract page."
    )


class PeerSpellingsMixin:
    """Pointed errors for another library's parameter names, in the constructor and set_params.

    A scikit-learn estimator's ``__init__`` must only store its arguments,
    so the check runs in ``__new__``, which sees the same keywords first;
    a name that is nobody's still gets Python's own ``TypeError``.
    """

    def __new__(cls, *args, **kwargs):
        _refuse_peer_spellings(cls, kwargs, TypeError)
        return super().__new__(cls)

    def set_params(self, **params):
        _refuse_peer_spellings(type(self), params, ValueError)
        return super().set_params(**params)


def _refuse_peer_spellings(cls, names, error):
    known = set(cls._get_param_names())
    for name in set(names) - known:
        # Pointed only where this estimator has the concept: latent_dim on
        # an MLP is Python's plain error, not advice to set n_components.
        if name in PEER_SPELLINGS and known & set(PEER_SPELLINGS[name][0].split(" and ")):
            raise error(_peer_spelling_message(cls.__name__, name))


def check_peer_values(estimator):
    """Refuse values that are right under a peer's meaning of one of our names.

    ``learning_rate`` is a schedule here, as in scikit-learn's MLPs; in
    scikit-learn's BernoulliRBM and in Keras it is the rate, so a number
    there is the rate meant for ``learning_rate_init``.
    """
    value = getattr(estimator, "learning_rate", None)
    if isinstance(value, Real) and not isinstance(value, bool):
        raise InvalidParameterError(
            f"The 'learning_rate' parameter of {type(estimator).__name__} is the schedule "
            f"(a str such as 'constant' or 'cosine'), got the number {value!r}: the "
            f"rate itself is learning_rate_init (set learning_rate_init={value!r}; "
            "scikit-learn's BernoulliRBM calls the rate learning_rate)."
        )


def data_kind(spec):
    """The kind of data a DataSpec describes: tabular, series, images, tokens, graph or ids."""
    sizes = spec.as_dict()
    if sizes.get("vocab_size") is not None:
        return "tokens"
    if "n_nodes" in sizes:
        return "graph"
    if "n_ids" in sizes:
        return "ids"
    return {1: "series", 2: "images"}.get(sizes.get("spatial_dims"), "tabular")


def check_applicable_parameters(estimator, spec):
    """Refuse a parameter set away from its default that does nothing for this data.

    A :class:`~sknets.base.Param` with ``applies_to`` acts only on those
    kinds of data (ResNet's ``small_input`` on images, its ``kernel_size``
    on series; the dense sizes of a generator on rows, its ``filters`` on
    images): silently ignoring it would let a grid search vary nothing.
    """
    from ._params import collect_parameters  # noqa: PLC0415 (the vocabulary sits below _params)

    kind = data_kind(spec)
    for param in collect_parameters(type(estimator)):
        if param.applies_to is None or kind in param.applies_to:
            continue
        value = getattr(estimator, param.name)
        if _same_value(value, param.default):
            continue
        raise ValueError(
            f"{type(estimator).__name__}: {param.name}={value!r} applies to "
            f"{' and '.join(param.applies_to)} only, and this data is {kind}; leave it "
            f"at its default ({param.default!r})."
        )


def _same_value(value, default):
    try:
        return bool(value == default)
    except (TypeError, ValueError):  # arrays compare element-wise
        return False


def network_arguments(network_class, estimator, spec, **given):
    """The keyword arguments of ``network_class`` taken by name.

    Each keyword-only argument of the network's constructor is taken from
    ``given`` if there, else from the :class:`~sknets.base.DataSpec` (the
    sizes the training data determined), else from the estimator's
    parameter of the same name (normalised by its
    :class:`~sknets.base.Param`: sequences of ints become tuples); the rest
    keep the network's defaults.  This is why a network and the estimators
    that build it share one vocabulary.
    """
    from ._params import collect_parameters  # noqa: PLC0415

    params = {param.name: param for param in collect_parameters(type(estimator))}
    sizes = spec.as_dict() if spec is not None else {}
    # The constructor's own signature: a torch module's class signature may
    # come from a metaclass or __new__.
    signature = inspect.signature(network_class.__init__).parameters
    arguments = {}
    for name, argument in signature.items():
        if argument.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        if name in given:
            arguments[name] = given[name]
        elif name in sizes:  # what the data determined (a text's vocabulary) wins
            arguments[name] = sizes[name]
        elif name in params:
            arguments[name] = params[name].normalise(getattr(estimator, name))
    takes_any = any(arg.kind is inspect.Parameter.VAR_KEYWORD for arg in signature.values())
    unknown = set(given) - set(signature)
    if unknown and not takes_any:
        raise TypeError(f"{network_class.__name__} takes no argument {sorted(unknown)}")
    return arguments


def takes_keyword(function, name):
    """Whether ``function`` accepts the keyword argument ``name`` (or any keyword).

    None when its signature cannot be read (a builtin): the call itself tells.
    """
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    return any(p.name == name or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def build_network(network_class, estimator, spec, **given):
    """``network_class`` built from the estimator's parameters and the data's sizes.

    What ``_build_module(spec)`` returns in most estimators: the network's
    keyword-only arguments are named as the estimator's parameters (and
    the :class:`~sknets.base.DataSpec`'s sizes), so none is passed by hand.

    Parameters
    ----------
    network_class : type of torch.nn.Module
        A network whose constructor takes keyword arguments.
    estimator : NeuralEstimator
        The estimator whose parameters fill the arguments of the same names.
    spec : DataSpec or None
        The sizes the training data determined (``n_features``,
        ``n_outputs``, ``in_channels``...), which win over parameters.
    **given
        Arguments the estimator computes itself; they win over both.

    Returns
    -------
    network : torch.nn.Module

    Examples
    --------
    >>> import torch
    >>> from sknets import MLPClassifier
    >>> from sknets.base import DataSpec, build_network
    >>> from sknets.networks import MLP
    >>> spec = DataSpec(sample_shape=(4,), n_features=4, n_outputs=3)
    >>> net = build_network(MLP, MLPClassifier(hidden_layer_sizes=[8]), spec)
    >>> net.linear_layers()[0].out_features, net(torch.zeros(2, 4)).shape
    (8, torch.Size([2, 3]))
    """
    return network_class(**network_arguments(network_class, estimator, spec, **given))


def parameter_users():
    """Which public estimators take each parameter, grouped by their default.

    Returns ``{name: {repr(default): [estimator names]}}`` over every
    estimator of :func:`sknets.utils.all_estimators` and ``TextTokenizer``:
    what the contract page's names table shows and the vocabulary test
    checks against :data:`TERMS`.
    """
    from .text import TextTokenizer  # noqa: PLC0415 (the estimators import this module)
    from .utils import all_estimators  # noqa: PLC0415

    users = {}
    for name, cls in [*all_estimators(), ("TextTokenizer", TextTokenizer)]:
        for param in inspect.signature(cls.__init__).parameters.values():
            if param.name != "self":
                by_default = users.setdefault(param.name, {})
                by_default.setdefault(repr(param.default), []).append(name)
    return users
