"""InceptionTime and LITETime: ensembles of Inception-style networks for series ``(n, C, T)``.

InceptionTime (Ismail Fawaz et al. 2020) holds ``n_members`` Inception
networks; LITETime (Ismail-Fawaz et al. 2023) as many LITE networks, a
tenth of the size. Both average their members' predictions, as TabM does
(:func:`~sknets.networks.average_members`): in training ``forward``
returns ``(ensemble output, member outputs)`` so that each member is
trained on its own loss. Convolutions are Keras' ``"same"``: an even
kernel gets one more zero on the right, as in the reference code.
"""

import numpy as np
import torch
from torch import nn

from ._cnn import _layers, _same_conv
from ._tabm import average_members

__all__ = ["InceptionNetwork", "InceptionTime", "LITENetwork", "LITETime", "hand_crafted_filters"]


def same_conv1d(in_channels, out_channels, kernel_size, *, dilation=1, groups=1, bias=False):
    """A stride-1 Conv1d whose output is as long as its input (Keras' ``"same"``)."""
    return _same_conv(
        _layers(1), in_channels, out_channels, kernel_size, bias, dilation=dilation, groups=groups
    )


class InceptionModule(nn.Module):
    """One Inception module: bottleneck, three kernel sizes and a max-pool branch, BN, ReLU.

    A 1 x 1 bottleneck to ``bottleneck_size`` channels (left out for a
    single input channel, as in the paper), then convolutions of
    ``kernel_size``, ``kernel_size // 2`` and ``kernel_size // 4`` with
    ``filters`` channels each, beside a max-pool of 3 followed by a 1 x 1
    convolution of the input; the four are concatenated, normalised and
    passed through ReLU.
    """

    def __init__(self, in_channels, *, filters, kernel_size, bottleneck_size):
        super().__init__()
        if in_channels > 1 and bottleneck_size:
            self.bottleneck = nn.Conv1d(in_channels, bottleneck_size, 1, bias=False)
            width = bottleneck_size
        else:
            self.bottleneck = nn.Identity()
            width = in_channels
        self.convs = nn.ModuleList(
            same_conv1d(width, filters, max(kernel_size // 2**i, 1)) for i in range(3)
        )
        self.pool = nn.Sequential(
            nn.MaxPool1d(3, stride=1, padding=1), nn.Conv1d(in_channels, filters, 1, bias=False)
        )
        self.norm = nn.BatchNorm1d(4 * filters)
        self.out_channels = 4 * filters

    def forward(self, x):
        narrow = self.bottleneck(x)
        branches = [conv(narrow) for conv in self.convs] + [self.pool(x)]
        return torch.relu(self.norm(torch.cat(branches, dim=1)))


class InceptionNetwork(nn.Module):
    """One Inception network (Ismail Fawaz et al. 2020): a member of InceptionTime.

    ``n_layers`` Inception modules with a residual connection (a 1 x 1
    convolution and batch norm) around every three, global average pooling
    over time and a Linear head.

    Parameters
    ----------
    in_channels : int
        Channels of the input ``(n, in_channels, T)``.
    n_outputs : int
        Width of the output.
    filters : int, default=32
        Output channels of each convolution of a module (a module has four).
    kernel_size : int, default=40
        The longest kernel of a module; the others are its half and quarter.
    n_layers : int, default=6
        Inception modules.
    bottleneck_size : int, default=32
        Channels of the 1 x 1 bottleneck in front of each module's
        convolutions (0: none).

    Examples
    --------
    >>> import torch
    >>> from sknets.networks import InceptionNetwork
    >>> net = InceptionNetwork(in_channels=1, n_outputs=3)
    >>> net(torch.randn(4, 1, 150)).shape
    torch.Size([4, 3])
    """

    def __init__(
        self, *, in_channels, n_outputs, filters=32, kernel_size=40, n_layers=6, bottleneck_size=32
    ):
        super().__init__()
        modules, shortcuts = [], []
        width = residual_width = in_channels
        for index in range(n_layers):
            module = InceptionModule(
                width, filters=filters, kernel_size=kernel_size, bottleneck_size=bottleneck_size
            )
            modules.append(module)
            width = module.out_channels
            if index % 3 == 2:
                shortcuts.append(
                    nn.Sequential(
                        nn.Conv1d(residual_width, width, 1, bias=False), nn.BatchNorm1d(width)
                    )
                )
                residual_width = width
        self.inception_modules = nn.ModuleList(modules)
        self.shortcuts = nn.ModuleList(shortcuts)
        self.head = nn.Linear(width, n_outputs)
        self.num_features = width

    def forward_features(self, x):
        """Output of the last module averaged over time, ``(n, num_features)``."""
        residual = x
        for index, module in enumerate(self.inception_modules):
            x = module(x)
            if index % 3 == 2:
                x = torch.relu(x + self.shortcuts[index // 3](residual))
                residual = x
        return x.mean(dim=-1)

    def forward(self, x):
        return self.head(self.forward_features(x))


def hand_crafted_filters(kernel_sizes=(2, 4, 8, 16, 32, 64)):
    """LITE's fixed filters (Ismail-Fawaz et al. 2022): increase, decrease and peak detectors.

    Returns a list of 1-D numpy kernels: for each size an alternating
    filter that responds to increases, one that responds to decreases,
    and (from the second size on) a peak detector 1.5 times as long.

    Examples
    --------
    >>> from sknets.networks import hand_crafted_filters
    >>> [len(f) for f in hand_crafted_filters((2, 4))]
    [2, 4, 2, 4, 6]
    """
    filters = []
    # Increase detectors are -1 on their even taps, decrease detectors on their odd ones.
    for flipped_parity in (0, 1):
        for size in kernel_sizes:
            taps = np.ones(size)
            taps[np.arange(size) % 2 == flipped_parity] = -1
            filters.append(taps)
    for size in kernel_sizes[1:]:
        taps = np.zeros(size + size // 2)
        left = np.linspace(0, 1, size // 4 + 1)[1:] ** 2
        right = left[::-1]
        quarter = size // 4
        taps[0:quarter] = -left
        taps[quarter : size // 2] = -right
        taps[size // 2 : 3 * quarter] = 2 * left
        taps[3 * quarter : size] = 2 * right
        taps[size : 5 * quarter] = -left
        taps[5 * quarter :] = -right
        filters.append(taps)
    return filters


class _HandCraftedFilters(nn.Module):
    """The fixed filters over the sum of the channels, then ReLU (not trained)."""

    def __init__(self, in_channels):
        super().__init__()
        self.convs = nn.ModuleList()
        for taps in hand_crafted_filters():
            conv = same_conv1d(in_channels, 1, len(taps))
            layer = conv[-1] if isinstance(conv, nn.Sequential) else conv
            weight = torch.tensor(taps, dtype=torch.float32).expand(1, in_channels, -1)
            # A buffer, not a parameter: no optimizer or freezing ever trains it.
            del layer.weight
            layer.register_buffer("weight", weight.clone())
            self.convs.append(conv)
        self.out_channels = len(self.convs)

    def forward(self, x):
        return torch.relu(torch.cat([conv(x) for conv in self.convs], dim=1))


class LITENetwork(nn.Module):
    """One LITE network (Ismail-Fawaz et al. 2023): a member of LITETime.

    A first layer of three convolutions (``kernel_size``, its half and
    quarter; ``filters`` channels each) beside fixed hand-crafted filters
    (:func:`hand_crafted_filters`), batch norm and ReLU; then two depthwise
    separable convolutions (kernels ``kernel_size // 2`` and ``// 4``,
    dilations 2 and 4) each with batch norm and ReLU; global average
    pooling over time and a Linear head. About 10,000 parameters.

    Parameters
    ----------
    in_channels : int
        Channels of the input ``(n, in_channels, T)``.
    n_outputs : int
        Width of the output.
    filters : int, default=32
        Output channels of each convolution.
    kernel_size : int, default=40
        The longest kernel of the first layer.

    Examples
    --------
    >>> import torch
    >>> from sknets.networks import LITENetwork
    >>> net = LITENetwork(in_channels=1, n_outputs=2)
    >>> net(torch.randn(4, 1, 24)).shape
    torch.Size([4, 2])
    """

    def __init__(self, *, in_channels, n_outputs, filters=32, kernel_size=40):
        super().__init__()
        self.convs = nn.ModuleList(
            same_conv1d(in_channels, filters, max(kernel_size // 2**i, 1)) for i in range(3)
        )
        self.hand_crafted = _HandCraftedFilters(in_channels)
        width = 3 * filters + self.hand_crafted.out_channels
        self.norm = nn.BatchNorm1d(width)
        separable = []
        for i in range(2):
            separable += [
                same_conv1d(
                    width,
                    width,
                    max(kernel_size // 2 // 2**i, 1),
                    dilation=2 ** (i + 1),
                    groups=width,
                ),
                nn.Conv1d(width, filters, 1, bias=False),
                nn.BatchNorm1d(filters),
                nn.ReLU(),
            ]
            width = filters
        self.separable = nn.Sequential(*separable)
        self.head = nn.Linear(width, n_outputs)
        self.num_features = width

    def forward_features(self, x):
        """Output of the last separable convolution averaged over time, ``(n, num_features)``."""
        first = [conv(x) for conv in self.convs] + [self.hand_crafted(x)]
        x = torch.relu(self.norm(torch.cat(first, dim=1)))
        return self.separable(x).mean(dim=-1)

    def forward(self, x):
        return self.head(self.forward_features(x))


class _Ensemble(nn.Module):
    """``n_members`` networks whose predictions are averaged (see the module docstring)."""

    member_class = None

    def __init__(self, *, n_members, output_link="identity", task_sizes=None, **member_arguments):
        super().__init__()
        self.members = nn.ModuleList(
            self.member_class(**member_arguments) for _ in range(n_members)
        )
        self.n_members = n_members
        self.output_link = output_link
        self.task_sizes = task_sizes

    def forward_members(self, x):
        """Every member's output: ``(batch, n_members, n_outputs)``."""
        return torch.stack([member(x) for member in self.members], dim=1)

    def forward(self, x):
        members = self.forward_members(x)
        ensemble = average_members(members, self.output_link, self.task_sizes)
        return (ensemble, members) if self.training else ensemble


class InceptionTime(_Ensemble):
    """InceptionTime (Ismail Fawaz et al. 2020): ``n_members`` Inception networks, averaged.

    Parameters
    ----------
    in_channels, n_outputs : int
        Channels of the input ``(n, in_channels, T)`` and width of the output.
    n_members : int, default=5
        Inception networks (:class:`InceptionNetwork`), each initialised on
        its own.
    filters, kernel_size, n_layers, bottleneck_size
        Those of every member (:class:`InceptionNetwork`).
    output_link : str, default="identity"
        The scale on which the members' outputs are averaged
        (:func:`~sknets.networks.average_members`): ``"softmax"`` averages
        class probabilities.
    task_sizes : sequence of int or None, default=None
        Classes of each task of a multitask output (one softmax each).

    Examples
    --------
    >>> import torch
    >>> from sknets.networks import InceptionTime
    >>> net = InceptionTime(in_channels=1, n_outputs=3, n_members=2, output_link="softmax").eval()
    >>> probabilities = net(torch.randn(4, 1, 50)).exp()  # the members' mean
    >>> torch.allclose(probabilities.sum(dim=1), torch.ones(4))
    True
    """

    member_class = InceptionNetwork

    def __init__(
        self,
        *,
        in_channels,
        n_outputs,
        n_members=5,
        filters=32,
        kernel_size=40,
        n_layers=6,
        bottleneck_size=32,
        output_link="identity",
        task_sizes=None,
    ):
        super().__init__(
            n_members=n_members,
            output_link=output_link,
            task_sizes=task_sizes,
            in_channels=in_channels,
            n_outputs=n_outputs,
            filters=filters,
            kernel_size=kernel_size,
            n_layers=n_layers,
            bottleneck_size=bottleneck_size,
        )


class LITETime(_Ensemble):
    """LITETime (Ismail-Fawaz et al. 2023): ``n_members`` LITE networks, averaged.

    Parameters
    ----------
    in_channels, n_outputs : int
        Channels of the input ``(n, in_channels, T)`` and width of the output.
    n_members : int, default=5
        LITE networks (:class:`LITENetwork`), each initialised on its own.
    filters, kernel_size
        Those of every member (:class:`LITENetwork`).
    output_link, task_sizes
        As :class:`InceptionTime`'s.

    Examples
    --------
    >>> import torch
    >>> from sknets.networks import LITETime
    >>> net = LITETime(in_channels=1, n_outputs=2, n_members=2).eval()
    >>> net(torch.randn(4, 1, 24)).shape
    torch.Size([4, 2])
    """

    member_class = LITENetwork

    def __init__(
        self,
        *,
        in_channels,
        n_outputs,
        n_members=5,
        filters=32,
        kernel_size=40,
        output_link="identity",
        task_sizes=None,
    ):
        super().__init__(
            n_members=n_members,
            output_link=output_link,
            task_sizes=task_sizes,
            in_channels=in_channels,
            n_outputs=n_outputs,
            filters=filters,
            kernel_size=kernel_size,
        )
