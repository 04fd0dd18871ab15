"""Pure PyTorch networks: no scikit-learn import, explicit keyword arguments.

Every network takes its input and output sizes as keyword arguments
(``n_features``, ``n_outputs``, ``in_channels``...) and, where useful, splits
``forward`` into ``forward_features`` and ``forward_head``.
"""

from ._autoencoder import LIKELIHOODS, Autoencoder, Codec, VariationalAutoencoder
from ._cnn import FCN, VGG, ConvNet, LeNet5, MobileNetV2, ResNet, TimeSeriesResNet
from ._diffusion import (
    BETA_SCHEDULES,
    GaussianDiffusion,
    MLPDenoiser,
    UNetDenoiser,
    noise_schedule,
)
from ._ft_transformer import FeatureTokenizer, FTTransformer
from ._fusion import COMBINATIONS, FusionNetwork
from ._gan import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator
from ._gnn import GNN_LAYERS, GraphNetwork, import_graph_layers
from ._gpt import CausalSelfAttention, GPTBlock, GPTNetwork
from ._inception import (
    InceptionNetwork,
    InceptionTime,
    LITENetwork,
    LITETime,
    hand_crafted_filters,
)
from ._layers import ACTIVATIONS, HeadedNetwork, TargetScaling, make_activation
from ._mlp import MLP
from ._pretrained import (
    CHECKPOINTS,
    IMAGENET_MEAN,
    IMAGENET_STD,
    PreparedNetwork,
    load_pretrained,
    resize_matrix,
    weights_not_loaded,
)
from ._rbm import BernoulliRBM, DeepBeliefNetwork
from ._recommender import INTERACTIONS, CollaborativeFilteringNetwork
from ._rnn import CELLS, POOLINGS, RecurrentNetwork
from ._seq2seq import SEQ2SEQ_CELLS, AdditiveAttention, Seq2SeqNetwork
from ._sequence import AttentionPooling, SequenceInput, masked_mean, sequence_mask
from ._tabm import TabM
from ._tabular import CategoryEmbedding, TableInputLayer, embedding_width, split_table
from ._transformer import SinusoidalPositionalEncoding, TransformerEncoderNetwork
from ._zeroshot import AttributeCompatibilityNetwork

__all__ = [
    "CHECKPOINTS",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "PreparedNetwork",
    "load_pretrained",
    "resize_matrix",
    "weights_not_loaded",
    "TabM",
    "FeatureTokenizer",
    "FTTransformer",
    "CategoryEmbedding",
    "TableInputLayer",
    "embedding_width",
    "split_table",
    "AttributeCompatibilityNetwork",
    "LIKELIHOODS",
    "Autoencoder",
    "Codec",
    "VariationalAutoencoder",
    "BETA_SCHEDULES",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "GaussianDiffusion",
    "MLPDenoiser",
    "MLPDiscriminator",
    "MLPGenerator",
    "UNetDenoiser",
    "noise_schedule",
    "ACTIVATIONS",
    "GNN_LAYERS",
    "GraphNetwork",
    "import_graph_layers",
    "CELLS",
    "CollaborativeFilteringNetwork",
    "INTERACTIONS",
    "POOLINGS",
    "SEQ2SEQ_CELLS",
    "AdditiveAttention",
    "AttentionPooling",
    "BernoulliRBM",
    "DeepBeliefNetwork",
    "CausalSelfAttention",
    "GPTBlock",
    "GPTNetwork",
    "RecurrentNetwork",
    "Seq2SeqNetwork",
    "SequenceInput",
    "SinusoidalPositionalEncoding",
    "TransformerEncoderNetwork",
    "masked_mean",
    "sequence_mask",
    "FCN",
    "InceptionNetwork",
    "InceptionTime",
    "LITENetwork",
    "LITETime",
    "hand_crafted_filters",
    "HeadedNetwork",
    "TargetScaling",
    "MLP",
    "VGG",
    "ConvNet",
    "LeNet5",
    "MobileNetV2",
    "ResNet",
    "TimeSeriesResNet",
    "make_activation",
    "COMBINATIONS",
    "FusionNetwork",
]
