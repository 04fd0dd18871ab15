"""When to use each public estimator, and what it costs: written once.

Each entry becomes the first paragraph of the estimator's Notes section
(``add_guide_note``) and a row of the "Choosing an estimator" page, which
the docs build generates from this table and the estimators' tags, so the
two cannot disagree.  Costs are stated relative to other estimators; the
measured figures are in the benchmark tables.
"""

import textwrap

# name -> (when to use it, what it costs)
GUIDE = {
    "MLPClassifier": (
        "Tabular data (rows of numeric features, dense or sparse); a drop-in for "
        "scikit-learn's MLPClassifier that trains on a GPU and stops early with the best "
        "weights restored.",
        "The cheapest network: time per epoch grows with rows x (features + hidden units).",
    ),
    "MLPRegressor": (
        "Tabular regression, one or several targets; a drop-in for scikit-learn's "
        "MLPRegressor (squared error or Poisson deviance).",
        "As MLPClassifier.",
    ),
    "TabMClassifier": (
        "Tabular data where accuracy matters more than training time: an ensemble of MLPs "
        "trained as one network, which its paper (TabM, ICLR 2025) finds ahead of single "
        "MLPs and attention-based tabular models on its benchmarks.",
        "The members share their weights but not their computation: an epoch costs about "
        "n_members (32) times an MLP of the same width, and the periodic embeddings widen "
        "the first layer; a GPU pays off early.",
    ),
    "TabMRegressor": (
        "Tabular regression, one or several targets, where TabMClassifier's reasons hold; "
        "standardise the target (TransformedTargetRegressor).",
        "As TabMClassifier.",
    ),
    "FTTransformerClassifier": (
        "Tabular data where interactions between columns matter and there are thousands "
        "of rows or more: the strong attention baseline of Gorishniy et al. (2021), "
        "one token per column.",
        "Attention over the columns: time grows with the square of the number of "
        "features; often ten times an MLPClassifier's or more (a GPU model at its "
        "defaults), and it needs more epochs at its small learning rate.",
    ),
    "FTTransformerRegressor": (
        "Tabular regression with an FT-Transformer, one or several targets.",
        "As FTTransformerClassifier.",
    ),
    "CNNClassifier": (
        "Small images or series when a configurable plain convolutional stack is enough "
        "(digits, sensor windows); the first convolutional model to try.",
        "Convolutions cost per pixel or step: a few times an MLP of similar width.",
    ),
    "CNNRegressor": (
        "Regression from small images or series with a plain convolutional stack.",
        "As CNNClassifier.",
    ),
    "LeNetClassifier": (
        "28 x 28 grey images (MNIST-like) with LeCun's classic architecture; a small, "
        "well-understood baseline.",
        "Small and fast on a CPU.",
    ),
    "VGGClassifier": (
        "Larger natural images where a deep plain stack of 3 x 3 convolutions is wanted; "
        "small VGG configurations for small images.",
        "Heavy: VGG-11 and deeper are GPU models; dropout 0.5 in the head.",
    ),
    "ResNetClassifier": (
        "Images (ResNet-18/34) or series (Wang et al.'s ResNet); deep networks that still "
        "train well thanks to residual connections.",
        "ResNet-18 is a GPU model for real images; the series ResNet is heavy for long "
        "series on a CPU.",
    ),
    "ResNetRegressor": (
        "Regression from images or series with a residual network.",
        "As ResNetClassifier.",
    ),
    "MobileNetClassifier": (
        "Images when the fitted model must be small or run on a small device "
        "(MobileNetV2's inverted residuals, width_mult).",
        "Few parameters, but depthwise convolutions are not fast to train on a CPU.",
    ),
    "FCNClassifier": (
        "Time-series classification (univariate or multivariate, equal length): the "
        "strong baseline of Wang et al. and Fawaz et al.",
        "Its published protocol trains 2,000 epochs: set max_iter lower, or "
        'learning_rate="adaptive", for a quick run.',
    ),
    "InceptionTimeClassifier": (
        "Time-series classification where accuracy matters most: the strongest deep "
        "classifier of Ismail Fawaz et al.'s UCR benchmark, an ensemble of 5 networks.",
        "Five networks of 420k parameters each and 1,500 epochs by default: the slowest "
        "series classifier here; LITETimeClassifier is a tenth of the cost.",
    ),
    "InceptionTimeRegressor": (
        "Regression from series with InceptionTime's ensemble.",
        "As InceptionTimeClassifier.",
    ),
    "LITETimeClassifier": (
        "Time-series classification close to InceptionTime's accuracy at a tenth of its "
        "parameters and time (hand-crafted filters, separable convolutions).",
        "1,500 epochs by default, as InceptionTime: set max_iter lower for a quick run.",
    ),
    "RNNClassifier": (
        "Series or token ids with the recurrent cell as a hyperparameter "
        '(cell="rnn", "lstm", "gru"), e.g. to tune it in a grid search.',
        "Recurrent steps run in sequence: time grows with the sequence length.",
    ),
    "RNNRegressor": (
        "Regression from series or token ids with the cell as a hyperparameter.",
        "As RNNClassifier.",
    ),
    "LSTMClassifier": (
        "Series of unequal length (NaN-padded) or text (with TextTokenizer) where order "
        "matters; attention pooling shows which steps it used.",
        "Sequential in time; on long raw series a convolutional model is often both "
        "faster and better.",
    ),
    "LSTMRegressor": (
        "Regression or one-step forecasting from series or token ids.",
        "As LSTMClassifier.",
    ),
    "GRUClassifier": (
        "As LSTMClassifier, with a lighter gated cell.",
        "A little cheaper than an LSTM of the same width.",
    ),
    "GRURegressor": (
        "As LSTMRegressor, with a GRU cell.",
        "A little cheaper than an LSTM of the same width.",
    ),
    "TransformerClassifier": (
        "Series or text where long-range interactions matter; padding is masked.",
        "Attention costs grow with the square of the sequence length; it needs more data "
        "than a recurrent network to shine.",
    ),
    "TransformerRegressor": (
        "Regression from series or token ids with a transformer encoder.",
        "As TransformerClassifier.",
    ),
    "Seq2SeqRegressor": (
        "Multi-step forecasting: the next horizon values of one or several channels from "
        "an input window.",
        "Decodes the horizon step by step: several times an LSTMRegressor's fit time.",
    ),
    "ModuleClassifier": (
        "Your own torch.nn.Module as a classifier, with every shared behaviour of sknets "
        "and scikit-learn's checks passing.",
        "Whatever your network costs; sknets adds little to a hand-written loop.",
    ),
    "ModuleRegressor": (
        "Your own torch.nn.Module as a regressor.",
        "As ModuleClassifier.",
    ),
    "AutoencoderTransformer": (
        "Non-linear dimensionality reduction, denoising, or anomaly detection "
        "(score_samples) on rows or images.",
        "An MLP (or CNN) trained twice over: encoder and decoder.",
    ),
    "VAEGenerator": (
        "A generative model with a likelihood bound (score_samples) and a smooth latent "
        "space (transform); new samples with sample.",
        "About an autoencoder's cost; samples are blurrier than a GAN's or a diffusion model's.",
    ),
    "RBMTransformer": (
        "Binary or [0, 1] features to learnt binary features, as scikit-learn's "
        "BernoulliRBM, on a GPU when there is one.",
        "Cheap per update; contrastive divergence needs many epochs for good features.",
    ),
    "DBNTransformer": (
        "Stacked RBM features (greedy layer-wise pre-training) for [0, 1] data.",
        "One RBM's cost per layer.",
    ),
    "DBNClassifier": (
        "Classification with an RBM stack pre-trained without labels, then fine-tuned; "
        "historically important, today mostly for teaching and small data.",
        "Pre-training plus fine-tuning: a few times an MLP of the same size.",
    ),
    "GANGenerator": (
        "Sharp samples of rows or images, conditional on a class when fit with labels.",
        "Two networks trained in turn for a fixed number of epochs; no likelihood, and "
        "modes can be missed.",
    ),
    "DiffusionGenerator": (
        "High-quality samples that cover every mode of the data (rows or images).",
        "Training is as cheap as an MLP's or U-Net's per epoch but needs many epochs; "
        "sampling runs the network once per step (use n_sampling_steps).",
    ),
    "GPTGenerator": (
        "Generating or scoring text (character-level, or token ids); a small "
        "language model trained on your own corpus.",
        "Attention over block_size tokens per window; a CPU-sized model trains in minutes "
        "on a short corpus.",
    ),
    "GNNClassifier": (
        "Nodes of a graph (or rows linked by a k-NN graph) with few labels: "
        "semi-supervised node classification, and new rows linked to the graph.",
        "The whole graph in every step: memory grows with nodes and edges.",
    ),
    "GNNRegressor": (
        "Regression over the nodes of a graph, with unlabelled (NaN) nodes.",
        "As GNNClassifier.",
    ),
    "CollaborativeFilteringRegressor": (
        "Ratings from (user, item) id pairs, and top-n recommendations; unknown users or "
        "items fall back to biases.",
        "One embedding per id: memory grows with users and items.",
    ),
    "ZeroShotClassifier": (
        "Classes described by attributes (a table: one row per class), some of them absent "
        "from the training data; also generalised zero-shot (seen and unseen classes "
        "together, with seen_class_penalty).",
        "As MLPClassifier, plus one dot product per class.",
    ),
    "FusionClassifier": (
        "Rows that hold several kinds of data at once (pixels, token ids, numeric "
        "columns), each of which carries part of the label: one sknets network per group "
        "of columns, trained end to end with a shared head.",
        "The sum of its branches' networks, trained together: about the cost of fitting "
        "each branch alone, once.",
    ),
    "FusionRegressor": (
        "Regression from rows that hold several kinds of data at once, one network per "
        "group of columns.",
        "As FusionClassifier.",
    ),
}


# name -> the parameters a user sets first, beside max_iter (the architecture's
# size and the choices that change what the model is); the "Choosing an
# estimator" page lists them, and a test checks that each is a parameter.
KEY_PARAMETERS = {
    "AutoencoderTransformer": ("n_components", "hidden_layer_sizes", "filters", "noise_std"),
    "CNNClassifier": ("input_shape", "filters", "kernel_size", "hidden_layer_sizes"),
    "CNNRegressor": ("input_shape", "filters", "kernel_size", "hidden_layer_sizes"),
    "CollaborativeFilteringRegressor": ("n_components", "interaction", "alpha"),
    "DBNClassifier": ("hidden_layer_sizes", "n_pretrain_epochs", "n_gibbs_steps"),
    "DBNTransformer": ("hidden_layer_sizes", "n_gibbs_steps", "persistent"),
    "DiffusionGenerator": ("input_shape", "n_timesteps", "beta_schedule", "n_sampling_steps"),
    "FCNClassifier": ("filters", "kernel_size"),
    "InceptionTimeClassifier": ("n_members", "n_layers", "filters", "kernel_size"),
    "InceptionTimeRegressor": ("n_members", "n_layers", "filters", "kernel_size"),
    "LITETimeClassifier": ("n_members", "filters", "kernel_size"),
    "FTTransformerClassifier": ("d_model", "n_layers", "n_heads", "attention_dropout"),
    "FTTransformerRegressor": ("d_model", "n_layers", "n_heads", "attention_dropout"),
    "FusionClassifier": ("branches", "combine", "hidden_layer_sizes"),
    "FusionRegressor": ("branches", "combine", "hidden_layer_sizes"),
    "GANGenerator": ("input_shape", "n_components", "hidden_layer_sizes", "filters"),
    "GNNClassifier": ("conv", "hidden_layer_sizes", "n_neighbors"),
    "GNNRegressor": ("conv", "hidden_layer_sizes", "n_neighbors"),
    "GPTGenerator": ("block_size", "d_model", "n_layers", "n_heads"),
    "GRUClassifier": ("hidden_size", "n_layers", "bidirectional", "vocab_size"),
    "GRURegressor": ("hidden_size", "n_layers", "bidirectional", "vocab_size"),
    "LSTMClassifier": ("hidden_size", "n_layers", "bidirectional", "vocab_size"),
    "LSTMRegressor": ("hidden_size", "n_layers", "bidirectional", "vocab_size"),
    "LeNetClassifier": ("input_shape", "activation"),
    "MLPClassifier": ("hidden_layer_sizes", "activation", "alpha"),
    "MLPRegressor": ("hidden_layer_sizes", "activation", "alpha", "loss"),
    "MobileNetClassifier": ("input_shape", "width_mult", "small_input"),
    "ModuleClassifier": ("module", "module_params"),
    "ModuleRegressor": ("module", "module_params", "loss"),
    "RBMTransformer": ("n_components", "n_gibbs_steps", "persistent"),
    "RNNClassifier": ("cell", "hidden_size", "n_layers", "vocab_size"),
    "RNNRegressor": ("cell", "hidden_size", "n_layers", "vocab_size"),
    "ResNetClassifier": ("input_shape", "filters", "n_blocks", "small_input"),
    "ResNetRegressor": ("input_shape", "filters", "n_blocks", "small_input"),
    "Seq2SeqRegressor": ("cell", "hidden_size", "teacher_forcing_ratio"),
    "TabMClassifier": ("hidden_layer_sizes", "n_members", "dropout", "numeric_embedding"),
    "TabMRegressor": ("hidden_layer_sizes", "n_members", "dropout", "numeric_embedding"),
    "TransformerClassifier": ("d_model", "n_heads", "n_layers", "vocab_size"),
    "TransformerRegressor": ("d_model", "n_heads", "n_layers", "vocab_size"),
    "VAEGenerator": ("input_shape", "n_components", "likelihood", "beta"),
    "VGGClassifier": ("input_shape", "filters", "n_blocks", "hidden_layer_sizes"),
    "ZeroShotClassifier": ("class_attributes", "hidden_layer_sizes"),
}


def input_kinds(estimator_class):
    """The kinds of data ``estimator_class`` is made for, as its input adapter declares them.

    The names are those of the contract page's "Input shapes" ("tabular",
    "images", "series", "tokens", "texts", "graph", "id pairs", "column
    groups"); every estimator also takes plain 2-D float rows.
    """
    return estimator_class._input.data_kinds


def add_guide_note(cls):
    """Open ``cls``'s Notes section with its guide entry (a section is made if none)."""
    entry = GUIDE.get(cls.__name__)
    doc = vars(cls).get("__doc__")
    if entry is None or doc is None or "**When to use it.**" in doc:
        return
    when, cost = entry
    note = f"    **When to use it.** {when}\n\n    **What it costs.** {cost}\n\n"
    note = _wrapped(note)
    if "\n    Notes\n    -----\n" in doc:
        head, tail = doc.split("\n    Notes\n    -----\n", 1)
        cls.__doc__ = f"{head}\n    Notes\n    -----\n{note}{tail}"
        return
    for header in ("References", "Examples"):
        marker = f"\n    {header}\n    ---"
        if marker in doc:
            head, tail = doc.split(marker, 1)
            cls.__doc__ = (
                f"{head}\n    Notes\n    -----\n{note.rstrip()}\n\n    {header}\n    ---{tail}"
            )
            return
    cls.__doc__ = f"{doc.rstrip()}\n\n    Notes\n    -----\n{note}"


def _wrapped(text, width=79):
    paragraphs = text.strip("\n").split("\n\n")
    return "".join(
        textwrap.fill(p.strip(), width, initial_indent="    ", subsequent_indent="    ") + "\n\n"
        for p in paragraphs
    )
