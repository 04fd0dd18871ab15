"""sknets: every classic neural network as a scikit-learn estimator."""

from importlib.metadata import PackageNotFoundError, version

from ._autoencoder import AutoencoderTransformer, VAEGenerator
from ._cnn import (
    CNNClassifier,
    CNNRegressor,
    FCNClassifier,
    LeNetClassifier,
    MobileNetClassifier,
    ResNetClassifier,
    ResNetRegressor,
    VGGClassifier,
)
from ._config import config_context, get_config, set_config
from ._diffusion import DiffusionGenerator
from ._ft_transformer import FTTransformerClassifier, FTTransformerRegressor
from ._fusion import FusionClassifier, FusionRegressor
from ._gan import GANGenerator
from ._gnn import GNNClassifier, GNNRegressor
from ._gpt import GPTGenerator
from ._inception import InceptionTimeClassifier, InceptionTimeRegressor, LITETimeClassifier
from ._mlp import MLPClassifier, MLPRegressor
from ._module import ModuleClassifier, ModuleRegressor
from ._rbm import DBNClassifier, DBNTransformer, RBMTransformer
from ._recommender import CollaborativeFilteringRegressor
from ._rnn import (
    GRUClassifier,
    GRURegressor,
    LSTMClassifier,
    LSTMRegressor,
    RNNClassifier,
    RNNRegressor,
)
from ._seq2seq import Seq2SeqRegressor
from ._tabm import TabMClassifier, TabMRegressor
from ._transformer import TransformerClassifier, TransformerRegressor
from ._zeroshot import ZeroShotClassifier
from .text import TextTokenizer

try:
    __version__ = version("sknets")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = [
    "ZeroShotClassifier",
    "AutoencoderTransformer",
    "FusionClassifier",
    "FusionRegressor",
    "VAEGenerator",
    "DBNClassifier",
    "DBNTransformer",
    "RBMTransformer",
    "RNNRegressor",
    "RNNClassifier",
    "LSTMRegressor",
    "LSTMClassifier",
    "DiffusionGenerator",
    "GANGenerator",
    "GNNClassifier",
    "GNNRegressor",
    "GRURegressor",
    "GRUClassifier",
    "CNNClassifier",
    "CNNRegressor",
    "CollaborativeFilteringRegressor",
    "FCNClassifier",
    "InceptionTimeClassifier",
    "InceptionTimeRegressor",
    "LITETimeClassifier",
    "FTTransformerClassifier",
    "FTTransformerRegressor",
    "GPTGenerator",
    "LeNetClassifier",
    "MLPClassifier",
    "MLPRegressor",
    "MobileNetClassifier",
    "ModuleClassifier",
    "ModuleRegressor",
    "ResNetClassifier",
    "ResNetRegressor",
    "Seq2SeqRegressor",
    "TabMClassifier",
    "TabMRegressor",
    "TextTokenizer",
    "TransformerClassifier",
    "TransformerRegressor",
    "VGGClassifier",
    "__version__",
    "config_context",
    "get_config",
    "set_config",
]
