"""Pure PyTorch networks: no scikit-learn import, explicit keyword arguments.

Every network takes its input and output sizes as keyword arguments
(``n_features``, ``n_outputs``, ``in_channels``...) and, where useful, splits
``forward`` into ``forward_features`` and ``forward_head``.
"""

from ._cnn import FCN, VGG, ConvNet, LeNet5, MobileNetV2, ResNet, TimeSeriesResNet
from ._layers import ACTIVATIONS, HeadedNetwork, make_activation
from ._mlp import MLP

__all__ = [
    "ACTIVATIONS",
    "FCN",
    "HeadedNetwork",
    "MLP",
    "VGG",
    "ConvNet",
    "LeNet5",
    "MobileNetV2",
    "ResNet",
    "TimeSeriesResNet",
    "make_activation",
]
