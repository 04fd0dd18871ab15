"""Convolutional networks for images ``(n, C, H, W)`` and series ``(n, C, T)``.

Every network here takes keyword arguments only: ``in_channels`` and
``n_outputs``, then the parameters of the estimators that build it, with
their names and defaults (an estimator passes each by name). Each splits
``forward`` into ``forward_features`` (a pooled and flattened ``(n,
num_features)`` tensor) and ``forward_head`` (a Linear layer),
and runs on any spatial size down to a single pixel or a single time step:
the estimators are fed whatever shape a user (or scikit-learn's
``check_estimator``, with its 1 x 1 "images") sends, so a network must never
fail because its input is small. Each class says in a comment how it does so.
"""

from numbers import Integral

from torch import nn
from torch.nn import functional as F

from ._layers import HeadedNetwork, make_activation

__all__ = ["FCN", "VGG", "ConvNet", "LeNet5", "MobileNetV2", "ResNet", "TimeSeriesResNet"]

# The layer classes for series (spatial_dims=1) and images (spatial_dims=2).
_LAYERS = {
    1: {
        "conv": nn.Conv1d,
        "batch_norm": nn.BatchNorm1d,
        "max_pool": nn.MaxPool1d,
        "avg_pool": nn.AvgPool1d,
        "adaptive_avg_pool": nn.AdaptiveAvgPool1d,
        "zero_pad": nn.ZeroPad1d,
    },
    2: {
        "conv": nn.Conv2d,
        "batch_norm": nn.BatchNorm2d,
        "max_pool": nn.MaxPool2d,
        "avg_pool": nn.AvgPool2d,
        "adaptive_avg_pool": nn.AdaptiveAvgPool2d,
        "zero_pad": nn.ZeroPad2d,
    },
}

#: The convolutions per stage (``n_blocks``) of the standard VGG networks
#: (Simonyan & Zisserman 2015, table 1: A, B, D, E), whose stages are
#: ``filters=(64, 128, 256, 512, 512)`` wide.
VGG_N_BLOCKS = {
    "vgg11": (1, 1, 2, 2, 2),
    "vgg13": (2, 2, 2, 2, 2),
    "vgg16": (2, 2, 3, 3, 3),
    "vgg19": (2, 2, 4, 4, 4),
}


def _layers(spatial_dims):
    """The layer classes for ``spatial_dims`` (1 for series, 2 for images)."""
    try:
        return _LAYERS[spatial_dims]
    except (KeyError, TypeError):
        raise ValueError(
            f"spatial_dims must be 1 (series) or 2 (images); got {spatial_dims!r}."
        ) from None


def _stages(filters):
    """``filters`` (an int: one stage) as a tuple of ints."""
    if isinstance(filters, Integral):
        return (int(filters),)
    return tuple(int(size) for size in filters)


def _per_stage(value, filters, name):
    """``value`` (an int for every stage, or one per stage of ``filters``) as a tuple."""
    if isinstance(value, Integral):
        return (int(value),) * len(filters)
    value = tuple(int(v) for v in value)
    if len(value) != len(filters):
        raise ValueError(
            f"filters and {name} must have the same length (one entry per stage); got "
            f"filters={filters!r} and {name}={value!r}."
        )
    return value


def _same_conv(layers, in_channels, out_channels, kernel_size, bias=True, *, dilation=1, groups=1):
    """A stride-1 convolution whose output has the size of its input.

    Odd kernels use symmetric padding. Even kernels need one more zero on the
    right than on the left (Keras' 'same', which the time-series papers use);
    ``padding="same"`` would do that too but warns on every call, so the
    asymmetric padding is an explicit ZeroPad layer in front of the conv.
    A dilated kernel spans ``dilation * (kernel_size - 1) + 1`` steps.
    """
    conv = layers["conv"]
    total = dilation * (kernel_size - 1)
    arguments = {"dilation": dilation, "groups": groups, "bias": bias}
    if total % 2 == 0:
        return conv(in_channels, out_channels, kernel_size, padding=total // 2, **arguments)
    left, right = total // 2, total - total // 2
    pad = (left, right) * (2 if layers["conv"] is nn.Conv2d else 1)
    return nn.Sequential(
        layers["zero_pad"](pad),
        conv(in_channels, out_channels, kernel_size, padding=0, **arguments),
    )


def _dense_stack(width, hidden_layer_sizes, activation, dropout):
    """Linear -> activation -> [Dropout] per entry; returns (layers, out width)."""
    layers = []
    for size in hidden_layer_sizes:
        layers += [nn.Linear(width, size), make_activation(activation)]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = size
    return layers, width


class ConvNet(HeadedNetwork):
    """Plain convolutional network for series or images.

    One block (a stage) per entry of ``filters``: a 'same' convolution,
    optional batch normalisation, the activation and a max-pool; then
    adaptive average pooling to ``adaptive_pool_size`` positions per spatial
    axis, flattening, the dense layers (Linear, activation, dropout) and a
    Linear head with no activation (the loss applies softmax / sigmoid).

    Parameters
    ----------
    in_channels : int
        Channels of the input ``(n, in_channels, T)`` or ``(n, in_channels, H, W)``.
    n_outputs : int
        Width of the output.
    spatial_dims : {1, 2}, default=2
        1 for series (Conv1d), 2 for images (Conv2d).
    filters : int or sequence of int, default=(32, 64)
        Output channels of each convolutional block (an int: one block).
    kernel_size : int or sequence of int, default=3
        Size of the convolution kernels (padded to keep the size): one for
        every block, or one per block (as many as ``filters``).
    pool_size : int, default=2
        Size and stride of the max-pool after each block.
    adaptive_pool_size : int, default=4
        Positions per spatial axis kept by the adaptive average pooling
        before the dense layers (4 x 4 for images), so that the dense layers
        see where features are whatever the input size; 1 is global average
        pooling.  A map smaller than this is repeated, never cropped.
    hidden_layer_sizes : sequence of int, default=(128,)
        Width of each dense layer after the pooling; empty for none.
    dropout : float, default=0.0
        Dropout probability after each dense activation.
    batch_norm : bool, default=True
        Insert batch normalisation after each convolution (which then has no
        bias: the normalisation would cancel it).
    activation : str, default="relu"
        A name from :data:`sknets.networks.ACTIVATIONS`.

    Examples
    --------
    >>> import torch
    >>> from sknets.networks import ConvNet
    >>> net = ConvNet(in_channels=1, n_outputs=10, filters=(8, 16))
    >>> net(torch.randn(4, 1, 28, 28)).shape
    torch.Size([4, 10])
    >>> net.forward_features(torch.randn(4, 1, 28, 28)).shape
    torch.Size([4, 128])
    """

    def __init__(
        self,
        *,
        in_channels,
        n_outputs,
        spatial_dims=2,
        filters=(32, 64),
        kernel_size=3,
        pool_size=2,
        adaptive_pool_size=4,
        hidden_layer_sizes=(128,),
        dropout=0.0,
        batch_norm=True,
        activation="relu",
    ):
        super().__init__()
        layers = _layers(spatial_dims)
        filters = _stages(filters)
        kernel_sizes = _per_stage(kernel_size, filters, "kernel_size")
        blocks = []
        width = in_channels
        for size, kernel in zip(filters, kernel_sizes, strict=True):
            blocks.append(_same_conv(layers, width, size, kernel, bias=not batch_norm))
            if batch_norm:
                blocks.append(layers["batch_norm"](size))
            blocks.append(make_activation(activation))
            # ceil_mode: a window hanging over the edge still gives an output,
            # so a size smaller than pool_size (down to 1) pools to 1 instead
            # of 0, and tiny inputs never crash.
            blocks.append(layers["max_pool"](pool_size, ceil_mode=True))
            width = size
        self.conv = nn.Sequential(*blocks)
        # Adaptive pooling: the width of the dense part does not depend on
        # the input size, which may be anything from 1 x 1 up.
        self.pool = nn.Sequential(layers["adaptive_avg_pool"](adaptive_pool_size), nn.Flatten())
        width *= adaptive_pool_size**spatial_dims
        dense, width = _dense_stack(width, hidden_layer_sizes, activation, dropout)
        self.dense = nn.Sequential(*dense)
        self.head = nn.Linear(width, n_outputs)
        self.num_features = width

    def forward_features(self, x):
        """Output of the last dense layer (or the pooled convolutions), ``(n, num_features)``."""
        return self.dense(self.pool(self.conv(x)))


class LeNet5(HeadedNetwork):
    """LeNet-5 (LeCun et al. 1998) for series or images.

    Convolution with 6 filters of size 5, average-pool 2, convolution with
    16 filters of size 5, average-pool 2, dense layers of 120 and 84 units and
    a Linear head.

    Inputs smaller than 32 along a spatial axis are zero-padded (centred) to
    32, as LeCun et al. padded the 28 x 28 MNIST digits to 32 x 32; so a
    28 x 28 or 32 x 32 image gives the paper's 16 x 5 x 5 maps, and any input
    down to 1 x 1 runs. Larger inputs are average-pooled to 5 x 5 (5 steps
    for a series) before the dense layers.

    Parameters
    ----------
    in_channels : int
        Channels of the input ``(n, in_channels, T)`` or ``(n, in_channels, H, W)``.
    n_outputs : int
        Width of the output.
    spatial_dims : {1, 2}, default=2
        1 for series (Conv1d), 2 for images (Conv2d).
    activation : str, default="tanh"
        A name from :data:`sknets.networks.ACTIVATIONS`.

    Examples
    --------
    >>> import torch
    >>> from sknets.networks import LeNet5
    >>> net = LeNet5(in_channels=1, n_outputs=10)
    >>> net(torch.randn(4, 1, 28, 28)).shape
    torch.Size([4, 10])
    >>> net(torch.randn(4, 1, 8, 8)).shape  # padded to 32 x 32
    torch.Size([4, 10])
    """

    #: Inputs are zero-padded up to this size along every spatial axis.
    min_input_size = 32

    def __init__(self, *, in_channels, n_outputs, spatial_dims=2, activation="tanh"):
        super().__init__()
        layers = _layers(spatial_dims)
        self.spatial_dims = spatial_dims
        self.conv = nn.Sequential(
            layers["conv"](in_channels, 6, 5),
            make_activation(activation),
            layers["avg_pool"](2),
            layers["conv"](6, 16, 5),
            make_activation(activation),
            layers["avg_pool"](2),
            layers["adaptive_avg_pool"](5),
            nn.Flatten(),
        )
        self.dense = nn.Sequential(
            nn.Linear(16 * 5**spatial_dims, 120),
            make_activation(activation),
            nn.Linear(120, 84),
            make_activation(activation),
        )
        self.head = nn.Linear(84, n_outputs)
        self.num_features = 84

    def _pad(self, x):
        # F.pad takes (left, right) pairs starting from the last axis.
        pad = []
        for size in reversed(x.shape[2:]):
            missing = max(0, self.min_input_size - size)
            pad += [missing // 2, missing - missing // 2]
        return F.pad(x, pad) if any(pad) else x

    def forward_features(self, x):
        """Output of the 84-unit layer, ``(n, 84)``."""
        return self.dense(self.conv(self._pad(x)))


def _vgg_torchvision_name(spatial_dims, filters, n_blocks, hidden, pool_size, batch_norm):
    """torchvision's name of this VGG (``"vgg16_bn"``), None if torchvision has none."""
    names = {blocks: name for name, blocks in VGG_N_BLOCKS.items()}
    if (
        spatial_dims != 2
        or filters != (64, 128, 256, 512, 512)
        or n_blocks not in names
        or tuple(hidden) != (4096, 4096)
        or pool_size != 7
    ):
        return None
    return names[n_blocks] + ("_bn" if batch_norm else "")


class VGG(HeadedNetwork):
    """VGG network (Simonyan & Zisserman 2015) for series or images.

    Stages of 3 x 3 convolutions (each with optional batch normalisation and
    ReLU): stage ``i`` has ``n_blocks[i]`` convolutions of ``filters[i]``
    channels and ends with a 2 x 2 max-pool; then adaptive average pooling
    (global by default), dense layers (Linear, ReLU, Dropout) and a Linear
    head.  With ``batch_norm=False``, ``adaptive_pool_size=7`` and dense
    layers of 4096 this is torchvision's VGG, parameter for parameter.

    Parameters
    ----------
    in_channels : int
        Channels of the input ``(n, in_channels, T)`` or ``(n, in_channels, H, W)``.
    n_outputs : int
        Width of the output.
    spatial_dims : {1, 2}, default=2
        1 for series (Conv1d), 2 for images (Conv2d).
    filters : int or sequence of int, default=(64, 128, 256, 512, 512)
        Output channels of the convolutions of each stage (an int: one stage).
    n_blocks : sequence of int, default=(1, 1, 2, 2, 2)
        Convolutions of each stage, as many as ``filters``: (1, 1, 2, 2, 2)
        is VGG-11, (2, 2, 2, 2, 2) VGG-13, (2, 2, 3, 3, 3) VGG-16 and
        (2, 2, 4, 4, 4) VGG-19.
    hidden_layer_sizes : sequence of int, default=(512, 512)
        Width of each dense layer of the classifier.
    dropout : float, default=0.5
        Dropout probability after each dense activation.
    batch_norm : bool, default=True
        Insert batch normalisation after each convolution (which then has no
        bias).
    adaptive_pool_size : int, default=1
        Positions per spatial axis kept by the adaptive average pooling
        before the dense layers: 1 is global average pooling, 7 the paper's
        7 x 7 maps of a 224 x 224 image.

    Examples
    --------
    >>> import torch
    >>> from sknets.networks import VGG
    >>> net = VGG(in_channels=3, n_outputs=10, filters=(32, 64, 128), n_blocks=(1, 1, 2),
    ...           hidden_layer_sizes=(64,))
    >>> net(torch.randn(4, 3, 32, 32)).shape
    torch.Size([4, 10])
    """

    def __init__(
        self,
        *,
        in_channels,
        n_outputs,
        spatial_dims=2,
        filters=(64, 128, 256, 512, 512),
        n_blocks=(1, 1, 2, 2, 2),
        hidden_layer_sizes=(512, 512),
        dropout=0.5,
        batch_norm=True,
        adaptive_pool_size=1,
    ):
        super().__init__()
        layers = _layers(spatial_dims)
        filters = _stages(filters)
        n_blocks = _per_stage(n_blocks, filters, "n_blocks")
        convs = []
        width = in_channels
        for size, n_convs in zip(filters, n_blocks, strict=True):
            for _ in range(n_convs):
                convs.append(layers["conv"](width, size, 3, padding=1, bias=not batch_norm))
                if batch_norm:
                    convs.append(layers["batch_norm"](size))
                convs.append(nn.ReLU())
                width = size
            # ceil_mode: a map of size 1 stays 1 instead of vanishing, so the
            # five halvings of VGG-16 run on any input down to 1 x 1.
            convs.append(layers["max_pool"](2, ceil_mode=True))
        self.conv = nn.Sequential(*convs)
        # Adaptive pooling: the classifier's width is independent of the input size.
        self.pool = nn.Sequential(layers["adaptive_avg_pool"](adaptive_pool_size), nn.Flatten())
        width *= adaptive_pool_size**spatial_dims
        dense, width = _dense_stack(width, hidden_layer_sizes, "relu", dropout)
        self.dense = nn.Sequential(*dense)
        self.head = nn.Linear(width, n_outputs)
        self.num_features = width
        self.torchvision_name = _vgg_torchvision_name(
            spatial_dims, filters, n_blocks, hidden_layer_sizes, adaptive_pool_size, batch_norm
        )

    def forward_features(self, x):
        """Output of the last dense layer (or the pooled convolutions), ``(n, num_features)``."""
        return self.dense(self.pool(self.conv(x)))


class BasicBlock(nn.Module):
    """Residual block of ResNet-18/34 (He et al. 2016).

    ``relu(branch(x) + shortcut(x))`` where the branch is conv 3 x 3 (with
    ``stride``), BN, ReLU, conv 3 x 3, BN and the shortcut is the identity,
    or a 1 x 1 convolution and BN when the stride or the width changes.

    Parameters
    ----------
    in_channels : int
        Channels of the input.
    out_channels : int
        Channels of the output.
    stride : int, default=1
        Stride of the first convolution and of the shortcut projection.
    spatial_dims : {1, 2}, default=2
        1 for series, 2 for images.
    """

    def __init__(self, in_channels, out_channels, stride=1, spatial_dims=2):
        super().__init__()
        layers = _layers(spatial_dims)
        conv, batch_norm = layers["conv"], layers["batch_norm"]
        self.branch = nn.Sequential(
            conv(in_channels, out_channels, 3, stride=stride, padding=1, bias=False),
            batch_norm(out_channels),
            nn.ReLU(),
            conv(out_channels, out_channels, 3, padding=1, bias=False),
            batch_norm(out_channels),
        )
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                conv(in_channels, out_channels, 1, stride=stride, bias=False),
                batch_norm(out_channels),
            )
        else:
            self.shortcut = nn.Identity()
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.branch(x) + self.shortcut(x))


class ResNet(HeadedNetwork):
    """ResNet-18/34 (He et al. 2016) for series or images.

    A stem, one stage of ``n_blocks[i]`` ``BasicBlock`` of ``filters[i]``
    channels per entry of ``filters`` (stride 2 in the first block of every
    stage but the first), global average pooling and a Linear head.  The
    defaults, ``filters=(64, 128, 256, 512)`` and ``n_blocks=(2, 2, 2, 2)``,
    are ResNet-18; ``n_blocks=(3, 4, 6, 3)`` is ResNet-34.

    Every convolution is padded and a strided convolution or pooling of a
    size-1 map gives a size-1 map, so any input down to 1 x 1 runs.

    Parameters
    ----------
    in_channels : int
        Channels of the input ``(n, in_channels, T)`` or ``(n, in_channels, H, W)``.
    n_outputs : int
        Width of the output.
    spatial_dims : {1, 2}, default=2
        1 for series, 2 for images.
    filters : int or sequence of int, default=(64, 128, 256, 512)
        Channels of each stage (an int: one stage); the stem has as many as
        the first stage.
    n_blocks : int or sequence of int, default=(2, 2, 2, 2)
        Residual blocks of each stage, as many as ``filters`` (an int: as
        many in every stage).
    small_input : bool, default=True
        True: a 3 x 3 stride-1 stem without max-pool (for 8 x 8 to 32 x 32
        images, as in the CIFAR ResNets). False: the ImageNet stem, a 7 x 7
        stride-2 convolution and a 3 x 3 stride-2 max-pool.

    Examples
    --------
    >>> import torch
    >>> from sknets.networks import ResNet
    >>> net = ResNet(in_channels=3, n_outputs=10, filters=(16, 32, 64, 128))
    >>> net(torch.randn(4, 3, 32, 32)).shape
    torch.Size([4, 10])
    >>> resnet18 = ResNet(in_channels=3, n_outputs=1000, small_input=False)
    >>> sum(p.numel() for p in resnet18.parameters())
    11689512
    """

    def __init__(
        self,
        *,
        in_channels,
        n_outputs,
        spatial_dims=2,
        filters=(64, 128, 256, 512),
        n_blocks=(2, 2, 2, 2),
        small_input=True,
    ):
        super().__init__()
        classes = _layers(spatial_dims)
        conv, batch_norm = classes["conv"], classes["batch_norm"]
        filters = _stages(filters)
        n_blocks = _per_stage(n_blocks, filters, "n_blocks")
        stem_width = filters[0]
        if small_input:
            self.stem = nn.Sequential(
                conv(in_channels, stem_width, 3, padding=1, bias=False),
                batch_norm(stem_width),
                nn.ReLU(),
            )
        else:
            self.stem = nn.Sequential(
                conv(in_channels, stem_width, 7, stride=2, padding=3, bias=False),
                batch_norm(stem_width),
                nn.ReLU(),
                classes["max_pool"](3, stride=2, padding=1),
            )
        stages = []
        width = stem_width
        for index, (size, n_stage_blocks) in enumerate(zip(filters, n_blocks, strict=True)):
            blocks = []
            for block in range(n_stage_blocks):
                stride = 2 if index > 0 and block == 0 else 1
                blocks.append(BasicBlock(width, size, stride=stride, spatial_dims=spatial_dims))
                width = size
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)
        self.pool = nn.Sequential(classes["adaptive_avg_pool"](1), nn.Flatten())
        self.head = nn.Linear(width, n_outputs)
        self.num_features = width
        torchvision_blocks = {(2, 2, 2, 2): "resnet18", (3, 4, 6, 3): "resnet34"}
        standard = spatial_dims == 2 and filters == (64, 128, 256, 512)
        self.torchvision_name = torchvision_blocks.get(n_blocks) if standard else None

    def forward_features(self, x):
        """Globally pooled output of the last stage, ``(n, num_features)``."""
        return self.pool(self.stages(self.stem(x)))


class _TimeSeriesResidualBlock(nn.Module):
    """Block of Wang et al. 2017: three 'same' Conv1d + BN (+ ReLU), a shortcut, ReLU."""

    def __init__(self, in_channels, out_channels, kernel_size):
        super().__init__()
        layers = _layers(1)
        branch = []
        width = in_channels
        for index, size in enumerate(kernel_size):
            branch += [
                _same_conv(layers, width, out_channels, size, bias=False),
                nn.BatchNorm1d(out_channels),
            ]
            # The last convolution's ReLU comes after the addition.
            if index < len(kernel_size) - 1:
                branch.append(nn.ReLU())
            width = out_channels
        self.branch = nn.Sequential(*branch)
        if in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv1d(in_channels, out_channels, 1, bias=False), nn.BatchNorm1d(out_channels)
            )
        else:
            self.shortcut = nn.BatchNorm1d(out_channels)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.branch(x) + self.shortcut(x))


class TimeSeriesResNet(HeadedNetwork):
    """Residual network for time series (Wang et al. 2017; Fawaz et al. 2019).

    One stage of ``n_blocks[i]`` residual blocks of ``filters[i]`` channels
    per entry of ``filters`` (the first block of a stage changes the width);
    a block is one 'same' Conv1d per entry of ``kernel_size``, each followed
    by BN and (but the last) ReLU, plus a shortcut (1 x 1 convolution and
    BN, or BN only when the channels already match), and a ReLU after the
    addition. Then global average pooling over time and a Linear head. The
    defaults are Wang et al.'s network: three blocks of 64, 128 and 128
    channels with kernels of 8, 5 and 3. The convolutions keep the length
    and nothing is strided, so a series of any length down to 1 runs.

    Parameters
    ----------
    in_channels : int
        Channels of the input series ``(n, in_channels, T)``.
    n_outputs : int
        Width of the output.
    filters : int or sequence of int, default=(64, 128, 128)
        Channels of each stage (an int: one stage).
    n_blocks : int or sequence of int, default=(1, 1, 1)
        Residual blocks of each stage, as many as ``filters`` (an int: as
        many in every stage).
    kernel_size : sequence of int, default=(8, 5, 3)
        Kernel sizes of the convolutions inside every residual block, one
        convolution per entry.

    Examples
    --------
    >>> import torch
    >>> from sknets.networks import TimeSeriesResNet
    >>> net = TimeSeriesResNet(in_channels=2, n_outputs=3)
    >>> net(torch.randn(4, 2, 100)).shape
    torch.Size([4, 3])
    >>> len(TimeSeriesResNet(in_channels=2, n_outputs=3, filters=(8, 16), n_blocks=(2, 1)).blocks)
    3
    """

    def __init__(
        self,
        *,
        in_channels,
        n_outputs,
        filters=(64, 128, 128),
        n_blocks=(1, 1, 1),
        kernel_size=(8, 5, 3),
    ):
        super().__init__()
        filters = _stages(filters)
        n_blocks = _per_stage(n_blocks, filters, "n_blocks")
        kernel_size = _stages(kernel_size)
        blocks = []
        width = in_channels
        for size, n_stage_blocks in zip(filters, n_blocks, strict=True):
            for _ in range(n_stage_blocks):
                blocks.append(_TimeSeriesResidualBlock(width, size, kernel_size))
                width = size
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.Sequential(nn.AdaptiveAvgPool1d(1), nn.Flatten())
        self.head = nn.Linear(width, n_outputs)
        self.num_features = width

    def forward_features(self, x):
        """Output of the last block averaged over time, ``(n, num_features)``."""
        return self.pool(self.blocks(x))


class FCN(HeadedNetwork):
    """Fully convolutional network for time series (Wang et al. 2017).

    One 'same' Conv1d, BN and ReLU per entry of ``filters``, global average
    pooling over time and a Linear head.  Nothing is strided, so a series of
    any length down to 1 runs.

    Parameters
    ----------
    in_channels : int
        Channels of the input series ``(n, in_channels, T)``.
    n_outputs : int
        Width of the output.
    filters : int or sequence of int, default=(128, 256, 128)
        Channels of each convolution (an int: one convolution).
    kernel_size : int or sequence of int, default=(8, 5, 3)
        Kernel size of the convolutions: one for all, or one per convolution
        (as many as ``filters``).

    Examples
    --------
    >>> import torch
    >>> from sknets.networks import FCN
    >>> net = FCN(in_channels=1, n_outputs=3)
    >>> net(torch.randn(4, 1, 100)).shape
    torch.Size([4, 3])
    """

    def __init__(self, *, in_channels, n_outputs, filters=(128, 256, 128), kernel_size=(8, 5, 3)):
        super().__init__()
        filters = _stages(filters)
        kernel_sizes = _per_stage(kernel_size, filters, "kernel_size")
        layers = _layers(1)
        convs = []
        width = in_channels
        for size, kernel in zip(filters, kernel_sizes, strict=True):
            convs += [
                _same_conv(layers, width, size, kernel, bias=False),
                nn.BatchNorm1d(size),
                nn.ReLU(),
            ]
            width = size
        self.conv = nn.Sequential(*convs)
        self.pool = nn.Sequential(nn.AdaptiveAvgPool1d(1), nn.Flatten())
        self.head = nn.Linear(width, n_outputs)
        self.num_features = width

    def forward_features(self, x):
        """Output of the last convolution averaged over time, ``(n, num_features)``."""
        return self.pool(self.conv(x))


def _make_divisible(value, divisor=8):
    """Round ``value`` to a multiple of ``divisor``, losing at most 10% (torchvision's rule)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def _conv_bn_relu6(layers, in_channels, out_channels, kernel_size, stride=1, groups=1):
    return nn.Sequential(
        layers["conv"](
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=(kernel_size - 1) // 2,
            groups=groups,
            bias=False,
        ),
        layers["batch_norm"](out_channels),
        nn.ReLU6(),
    )


class InvertedResidual(nn.Module):
    """Inverted residual block of MobileNet v2 (Sandler et al. 2018).

    A 1 x 1 expansion to ``in_channels * expand_ratio`` channels with BN and
    ReLU6 (left out when ``expand_ratio`` is 1), a depthwise 3 x 3
    convolution (``groups`` = channels) with BN and ReLU6, and a linear 1 x 1
    projection with BN; the input is added when the stride is 1 and the
    channels match.

    Parameters
    ----------
    in_channels : int
        Channels of the input.
    out_channels : int
        Channels of the output.
    stride : int
        Stride of the depthwise convolution.
    expand_ratio : int
        Expansion factor ``t`` of the hidden width.
    spatial_dims : {1, 2}, default=2
        1 for series, 2 for images.
    """

    def __init__(self, in_channels, out_channels, stride, expand_ratio, spatial_dims=2):
        super().__init__()
        layers = _layers(spatial_dims)
        hidden = int(round(in_channels * expand_ratio))
        blocks = []
        if expand_ratio != 1:
            blocks.append(_conv_bn_relu6(layers, in_channels, hidden, 1))
        blocks += [
            _conv_bn_relu6(layers, hidden, hidden, 3, stride=stride, groups=hidden),
            layers["conv"](hidden, out_channels, 1, bias=False),
            layers["batch_norm"](out_channels),
        ]
        self.branch = nn.Sequential(*blocks)
        self.use_residual = stride == 1 and in_channels == out_channels

    def forward(self, x):
        if self.use_residual:
            return x + self.branch(x)
        return self.branch(x)


class MobileNetV2(HeadedNetwork):
    """MobileNet v2 (Sandler et al. 2018) for series or images.

    A 3 x 3 stem with 32 channels, the paper's table of
    ``InvertedResidual`` stages (expansion t, channels c, repeats n,
    stride s), a 1 x 1 convolution to ``last_channel`` (1280) channels, global average pooling,
    dropout and a Linear head. Channel counts are scaled by
    ``width_mult`` and rounded to multiples of 8 as in torchvision.

    Every convolution is padded and a stride-2 convolution of a size-1 map
    gives a size-1 map, so any input down to 1 x 1 runs.

    Parameters
    ----------
    in_channels : int
        Channels of the input ``(n, in_channels, T)`` or ``(n, in_channels, H, W)``.
    n_outputs : int
        Width of the output.
    spatial_dims : {1, 2}, default=2
        1 for series, 2 for images.
    width_mult : float, default=1.0
        Scale of every channel count (of ``last_channel`` only when above 1),
        as torchvision's argument of the same name.
    dropout : float, default=0.2
        Dropout probability before the head.
    small_input : bool, default=True
        True: stride 1 in the stem and in the first stride-2 stage, so the
        network downsamples 8 times instead of 32 and a 28 x 28 image keeps
        some resolution. False: the ImageNet strides.
    inverted_residual_setting : sequence of (t, c, n, s) or None, default=None
        The stages, each ``n`` inverted residual blocks of expansion ``t``
        and ``c`` output channels, the first with stride ``s``, as in
        torchvision's argument of the same name. None: the paper's table
        (:attr:`SETTINGS`). Fewer or narrower stages make a lighter network.
    last_channel : int, default=1280
        Channels of the last 1 x 1 convolution (the features), scaled by
        ``width_mult`` only when it exceeds 1, as in the paper.

    Examples
    --------
    >>> import torch
    >>> from sknets.networks import MobileNetV2
    >>> net = MobileNetV2(in_channels=1, n_outputs=10, width_mult=0.5)
    >>> net(torch.randn(4, 1, 28, 28)).shape
    torch.Size([4, 10])
    """

    #: (expansion t, channels c, repeats n, stride s) of each stage (the paper's table 2).
    SETTINGS = (
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    )

    def __init__(
        self,
        *,
        in_channels,
        n_outputs,
        spatial_dims=2,
        width_mult=1.0,
        dropout=0.2,
        small_input=True,
        inverted_residual_setting=None,
        last_channel=1280,
    ):
        super().__init__()
        if inverted_residual_setting is None:
            inverted_residual_setting = self.SETTINGS
        layers = _layers(spatial_dims)
        width = _make_divisible(32 * width_mult)
        last = _make_divisible(last_channel * max(1.0, width_mult))
        blocks = [_conv_bn_relu6(layers, in_channels, width, 3, stride=1 if small_input else 2)]
        first_downsampling = True
        for expand_ratio, channels, repeats, stride in inverted_residual_setting:
            if stride == 2 and first_downsampling:
                first_downsampling = False
                if small_input:
                    stride = 1
            size = _make_divisible(channels * width_mult)
            for repeat in range(repeats):
                blocks.append(
                    InvertedResidual(
                        width,
                        size,
                        stride=stride if repeat == 0 else 1,
                        expand_ratio=expand_ratio,
                        spatial_dims=spatial_dims,
                    )
                )
                width = size
        blocks.append(_conv_bn_relu6(layers, width, last, 1))
        self.features = nn.Sequential(*blocks)
        self.pool = nn.Sequential(layers["adaptive_avg_pool"](1), nn.Flatten())
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(last, n_outputs)
        self.num_features = last
        standard = tuple(map(tuple, inverted_residual_setting)) == self.SETTINGS
        self.torchvision_name = (
            "mobilenet_v2"
            if spatial_dims == 2 and standard and width_mult == 1.0 and last_channel == 1280
            else None
        )

    def forward_features(self, x):
        """Globally pooled output of the last 1 x 1 convolution, ``(n, num_features)``."""
        return self.pool(self.features(x))

    def forward_head(self, features):
        """Raw outputs (logits or regression values) from the features, after dropout."""
        return self.head(self.dropout(features))
