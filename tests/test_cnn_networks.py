"""Forward / backward / NaN checks of the convolutional networks (sknets.networks._cnn)."""

import functools

import pytest
import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from sknets.networks import (
    FCN,
    VGG,
    ConvNet,
    LeNet5,
    MobileNetV2,
    ResNet,
    TimeSeriesResNet,
)
from sknets.networks._cnn import VGG_N_BLOCKS, BasicBlock, InvertedResidual

N_OUTPUTS = 3
SIZES = {1: [(1,), (3,), (24,), (150,)], 2: [(1, 1), (2, 5), (8, 8), (28, 28)]}

# name -> (factory(in_channels, n_outputs, spatial_dims), spatial dims it supports); tiny widths.
NETWORKS = {
    "convnet": (
        functools.partial(ConvNet, filters=(4, 8), hidden_layer_sizes=(8,), dropout=0.1),
        (1, 2),
    ),
    "convnet-even-kernel-no-bn": (
        functools.partial(
            ConvNet,
            filters=(4, 8, 8),
            kernel_size=4,
            pool_size=3,
            hidden_layer_sizes=(),
            batch_norm=False,
            activation="tanh",
        ),
        (1, 2),
    ),
    "lenet5": (LeNet5, (1, 2)),
    "vgg-small": (
        functools.partial(VGG, filters=(32, 64, 128), n_blocks=(1, 1, 2), hidden_layer_sizes=(16,)),
        (1, 2),
    ),
    "vgg-tiny-no-bn": (
        # No dropout: with dense layers this narrow and no BatchNorm, dropout 0.5
        # can switch off every unit for both rows of the batch (a dead network).
        functools.partial(
            VGG,
            filters=(4, 8, 8),
            n_blocks=(1, 2, 1),
            hidden_layer_sizes=(16, 8),
            dropout=0.0,
            batch_norm=False,
        ),
        (1, 2),
    ),
    "resnet18": (functools.partial(ResNet, filters=(4, 8, 16, 32)), (1, 2)),
    "resnet-imagenet-stem": (
        functools.partial(ResNet, filters=(4, 8, 16, 32), n_blocks=1, small_input=False),
        (1, 2),
    ),
    "mobilenetv2": (functools.partial(MobileNetV2, width_mult=0.25), (1, 2)),
    "mobilenetv2-imagenet-strides": (
        functools.partial(MobileNetV2, width_mult=0.25, small_input=False),
        (2,),
    ),
    "ts-resnet": (
        lambda in_channels, n_outputs, spatial_dims: TimeSeriesResNet(
            in_channels=in_channels, n_outputs=n_outputs, filters=(4, 8, 8)
        ),
        (1,),
    ),
    "ts-resnet-stages": (
        lambda in_channels, n_outputs, spatial_dims: TimeSeriesResNet(
            in_channels=in_channels, n_outputs=n_outputs, filters=(4, 8), n_blocks=(2, 1)
        ),
        (1,),
    ),
    "fcn": (
        lambda in_channels, n_outputs, spatial_dims: FCN(
            in_channels=in_channels, n_outputs=n_outputs, filters=(4, 8, 4)
        ),
        (1,),
    ),
}

CASES = [
    pytest.param(name, spatial_dims, size, id=f"{name}-{spatial_dims}d-{'x'.join(map(str, size))}")
    for name, (_, dims) in NETWORKS.items()
    for spatial_dims in dims
    for size in SIZES[spatial_dims]
]


def _build(name, in_channels, spatial_dims, device):
    factory, _ = NETWORKS[name]
    return factory(in_channels=in_channels, n_outputs=N_OUTPUTS, spatial_dims=spatial_dims).to(
        device
    )


def _fewest_values_per_batch_norm_channel(net, x):
    """Forward ``x`` and return (output, the fewest values any BatchNorm normalised per channel)."""
    seen = []

    def record(module, inputs):
        seen.append(inputs[0].numel() // inputs[0].shape[1])

    hooks = [
        m.register_forward_pre_hook(record) for m in net.modules() if isinstance(m, _BatchNorm)
    ]
    try:
        out = net(x)
    finally:
        for hook in hooks:
            hook.remove()
    return out, min(seen, default=None)


def _check_gradients(net, out, device, strict):
    weights = torch.randn(out.shape, device=device)
    (out * weights).sum().backward()
    for name, param in net.named_parameters():
        assert param.grad is not None, name
        assert torch.isfinite(param.grad).all(), name
        if strict or name.startswith("head."):
            assert param.grad.abs().sum() > 0, f"{name} got a zero gradient"


@pytest.mark.parametrize("in_channels", [1, 3])
@pytest.mark.parametrize("name, spatial_dims, size", CASES)
def test_forward_backward(name, spatial_dims, size, in_channels, torch_device, seeded):
    net = _build(name, in_channels, spatial_dims, torch_device).train()
    x = torch.randn(2, in_channels, *size, device=torch_device)
    out, fewest = _fewest_values_per_batch_norm_channel(net, x)
    assert out.shape == (2, N_OUTPUTS)
    assert out.dtype == torch.float32
    assert torch.isfinite(out).all()
    # A training-mode BatchNorm that normalises only 2 values per channel (a
    # batch of 2 whose maps are down to one position) outputs
    # +-d / sqrt(d^2 + eps) for the two rows (d = half their difference):
    # about (-1, +1) whatever its input. Its output is flat in everything
    # before it, so the gradient reaching those layers is close to zero and,
    # with float32 cancellation in BatchNorm's backward, can be exactly zero
    # (MobileNetV2 shows it). There only the head must get a non-zero
    # gradient (all gradients must still be finite);
    # test_every_parameter_trains_with_a_batch_of_4 runs the same cases with
    # a batch that avoids the degenerate case.
    _check_gradients(net, out, torch_device, strict=fewest is None or fewest > 2)


@pytest.mark.parametrize("name, spatial_dims, size", CASES)
def test_every_parameter_trains_with_a_batch_of_4(name, spatial_dims, size, torch_device, seeded):
    net = _build(name, 2, spatial_dims, torch_device).train()
    x = torch.randn(4, 2, *size, device=torch_device)
    out, fewest = _fewest_values_per_batch_norm_channel(net, x)
    assert fewest is None or fewest >= 4
    assert torch.isfinite(out).all()
    _check_gradients(net, out, torch_device, strict=True)


@pytest.mark.parametrize("in_channels", [1, 3])
@pytest.mark.parametrize("name, spatial_dims, size", CASES)
def test_features_and_head_compose_to_forward(
    name, spatial_dims, size, in_channels, torch_device, seeded
):
    net = _build(name, in_channels, spatial_dims, torch_device)
    # A few training steps so that BatchNorm's running statistics are not trivial.
    net.train()
    with torch.no_grad():
        for _ in range(2):
            net(torch.randn(4, in_channels, *size, device=torch_device) * 2 + 1)
    net.eval()
    x = torch.randn(3, in_channels, *size, device=torch_device)
    with torch.no_grad():
        features = net.forward_features(x)
        composed = net.forward_head(features)
        direct = net(x)
        again = net(x)
    assert features.shape == (3, net.num_features)
    assert direct.shape == (3, N_OUTPUTS)
    assert torch.isfinite(direct).all()
    torch.testing.assert_close(composed, direct, rtol=0, atol=0)
    # Eval mode: dropout off and BatchNorm on running statistics, so deterministic.
    torch.testing.assert_close(again, direct, rtol=0, atol=0)


def test_single_row_in_eval_mode(seeded):
    for net, x in [
        (
            ConvNet(in_channels=1, n_outputs=2, filters=(4,), hidden_layer_sizes=(4,)),
            torch.randn(1, 1, 1, 1),
        ),
        (ResNet(in_channels=1, n_outputs=2, filters=(4, 8, 16, 32)), torch.randn(1, 1, 5, 5)),
        (FCN(in_channels=1, n_outputs=2, filters=(4, 4, 4)), torch.randn(1, 1, 1)),
    ]:
        out = net.eval()(x)
        assert out.shape == (1, 2)
        assert torch.isfinite(out).all()


# -- architecture checks -------------------------------------------------------------------


def _n_parameters(net):
    return sum(p.numel() for p in net.parameters())


def _resnet_parameter_count(in_channels, n_outputs, n_blocks, filters, small_input):
    """ResNet-18/34 parameters counted by hand: convs have no bias, a BN has 2 per channel."""
    stem_kernel = 3 if small_input else 7
    total = in_channels * filters[0] * stem_kernel**2 + 2 * filters[0]
    width = filters[0]
    for index, (size, n_stage_blocks) in enumerate(zip(filters, n_blocks, strict=True)):
        for block in range(n_stage_blocks):
            total += width * size * 9 + 2 * size + size * size * 9 + 2 * size
            if width != size or (index > 0 and block == 0):
                total += width * size + 2 * size  # 1 x 1 projection + BN
            width = size
    return total + width * n_outputs + n_outputs


@pytest.mark.parametrize(
    "n_blocks, torchvision_count", [((2, 2, 2, 2), 11_689_512), ((3, 4, 6, 3), 21_797_672)]
)
def test_resnet_matches_torchvision_parameter_count(n_blocks, torchvision_count):
    net = ResNet(in_channels=3, n_outputs=1000, n_blocks=n_blocks, small_input=False)
    expected = _resnet_parameter_count(3, 1000, n_blocks, (64, 128, 256, 512), small_input=False)
    # torchvision.models.resnet18().parameters() / resnet34(): the documented counts.
    assert expected == torchvision_count
    assert _n_parameters(net) == expected
    filters = (8, 16, 32, 64)
    small = ResNet(in_channels=1, n_outputs=10, n_blocks=n_blocks, filters=filters)
    assert _n_parameters(small) == _resnet_parameter_count(1, 10, n_blocks, filters, True)


def test_resnet_default_network_is_unchanged():
    # The default image network of ResNetClassifier/Regressor before filters and
    # n_blocks replaced base_filters=64 (doubled at each stage) and layers=(2, 2, 2, 2),
    # counted on the code of that time: ResNet(3, 10) and ResNet(1, 2).
    assert _n_parameters(ResNet(in_channels=3, n_outputs=10)) == 11_173_962
    assert _n_parameters(ResNet(in_channels=1, n_outputs=2)) == 11_168_706
    widths = [
        m.out_channels
        for m in ResNet(in_channels=3, n_outputs=10).modules()
        if isinstance(m, nn.Conv2d)
    ]
    assert widths[0] == 64 and sorted(set(widths)) == [64, 128, 256, 512]


@pytest.mark.parametrize("network", [ResNet, TimeSeriesResNet, VGG])
def test_filters_and_n_blocks_must_have_the_same_length(network):
    with pytest.raises(ValueError, match=r"filters and n_blocks must have the same length"):
        network(in_channels=1, n_outputs=2, filters=(4, 8), n_blocks=(1, 1, 1))
    # An int is as many blocks in every stage.
    net = network(in_channels=1, n_outputs=2, filters=(4, 8), n_blocks=2)
    assert net.num_features == 8 or network is VGG


def test_resnet_has_residual_blocks(seeded):
    net = ResNet(in_channels=2, n_outputs=3, filters=(4, 8, 16, 32)).eval()
    blocks = [m for m in net.modules() if isinstance(m, BasicBlock)]
    assert len(blocks) == 8
    identity, projection = net.stages[0][0], net.stages[1][0]
    assert isinstance(identity.shortcut, nn.Identity)
    conv, bn = projection.shortcut
    assert isinstance(conv, nn.Conv2d) and conv.kernel_size == (1, 1) and conv.stride == (2, 2)
    assert isinstance(bn, nn.BatchNorm2d)
    with torch.no_grad():
        for block, x in [
            (identity, torch.randn(2, 4, 6, 6)),
            (projection, torch.randn(2, 4, 6, 6)),
        ]:
            out = block(x)
            torch.testing.assert_close(out, torch.relu(block.branch(x) + block.shortcut(x)))
            # The shortcut really contributes.
            assert not torch.allclose(out, torch.relu(block.branch(x)))
    # Stride 2 from stage 2 on; the 3 x 3 stem keeps 8 x 8.
    assert net.stem(torch.randn(2, 2, 8, 8)).shape[-2:] == (8, 8)
    assert net.stages(torch.randn(2, 4, 8, 8)).shape[-3:] == (32, 1, 1)


def test_resnet_1d_uses_conv1d():
    net = ResNet(in_channels=1, n_outputs=2, spatial_dims=1, filters=(4, 8, 16, 32))
    convs = [m for m in net.modules() if isinstance(m, nn.Conv1d | nn.Conv2d)]
    assert convs and all(isinstance(m, nn.Conv1d) for m in convs)


def _vgg_widths(n_blocks, filters=(64, 128, 256, 512, 512)):
    return [size for size, n in zip(filters, n_blocks, strict=True) for _ in range(n)]


@pytest.mark.parametrize(
    "config, n_convs", [("vgg11", 8), ("vgg13", 10), ("vgg16", 13), ("vgg19", 16)]
)
def test_vgg_configurations(config, n_convs):
    net = VGG(in_channels=3, n_outputs=10, n_blocks=VGG_N_BLOCKS[config], hidden_layer_sizes=(8,))
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == n_convs
    assert all(m.kernel_size == (3, 3) for m in convs)
    assert [m.out_channels for m in convs] == _vgg_widths(VGG_N_BLOCKS[config])
    pools = [m for m in net.modules() if isinstance(m, nn.MaxPool2d)]
    assert len(pools) == 5
    assert net.num_features == 8


def test_vgg16_n_blocks_has_13_convolutions():
    net = VGG(in_channels=3, n_outputs=10, n_blocks=(2, 2, 3, 3, 3))
    assert sum(isinstance(m, nn.Conv2d) for m in net.modules()) == 13


def test_vgg_default_is_vgg11():
    net = VGG(in_channels=3, n_outputs=10)
    convs = [m.out_channels for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert convs == _vgg_widths(VGG_N_BLOCKS["vgg11"]) == [64, 128, 256, 256, 512, 512, 512, 512]
    assert net.num_features == 512


def test_mobilenetv2_stages_and_last_channel(seeded):
    net = MobileNetV2(
        in_channels=1,
        n_outputs=3,
        inverted_residual_setting=((1, 8, 2, 1), (6, 16, 3, 2)),
        last_channel=40,
    )
    blocks = [m for m in net.modules() if isinstance(m, InvertedResidual)]
    assert len(blocks) == 5
    assert [b.branch[-2].out_channels for b in blocks] == [8, 8, 16, 16, 16]
    assert net.head.in_features == net.num_features == 40
    # The last layer widens with width multipliers above 1 only, as in the paper.
    small = MobileNetV2(in_channels=1, n_outputs=3, width_mult=0.5, last_channel=40)
    wide = MobileNetV2(in_channels=1, n_outputs=3, width_mult=2.0, last_channel=40)
    assert small.num_features == 40
    assert wide.num_features == 80
    assert net(torch.randn(2, 1, 9, 9)).shape == (2, 3)


def test_mobilenetv2_uses_depthwise_convolutions(seeded):
    # torchvision.models.mobilenet_v2(): 3,504,872 parameters.
    full = MobileNetV2(in_channels=3, n_outputs=1000, small_input=False)
    assert _n_parameters(full) == 3_504_872
    # The paper's table: the repeats after the first block of each stage add their input.
    assert sum(m.use_residual for m in full.modules() if isinstance(m, InvertedResidual)) == 10
    net = MobileNetV2(in_channels=3, n_outputs=5, width_mult=0.25).eval()
    blocks = [m for m in net.modules() if isinstance(m, InvertedResidual)]
    assert len(blocks) == 17
    for block in blocks:
        depthwise = [m for m in block.modules() if isinstance(m, nn.Conv2d) and m.groups > 1]
        assert len(depthwise) == 1
        conv = depthwise[0]
        assert conv.groups == conv.in_channels == conv.out_channels
        assert conv.kernel_size == (3, 3)
        assert isinstance(block.branch[-1], nn.BatchNorm2d)  # linear bottleneck: no activation
    # Channels are multiples of 8; residual blocks add their input.
    assert all(m.out_channels % 8 == 0 for m in net.modules() if isinstance(m, nn.Conv2d))
    residual = [b for b in blocks if b.use_residual]
    # At width 0.25 the 16- and 24-channel stages both round to 8 channels, and with
    # small_input the 24-channel stage has stride 1, so their first blocks add their input too.
    assert len(residual) == 12
    x = torch.randn(2, residual[0].branch[0][0].in_channels, 4, 4)
    with torch.no_grad():
        torch.testing.assert_close(residual[0](x), x + residual[0].branch(x))
    # small_input: downsampling by 8 instead of 32.
    with torch.no_grad():
        assert net.features(torch.randn(1, 3, 32, 32)).shape[-2:] == (4, 4)
        big = MobileNetV2(in_channels=3, n_outputs=5, width_mult=0.25, small_input=False).eval()
        assert big.features(torch.randn(1, 3, 32, 32)).shape[-2:] == (1, 1)
    assert net.num_features == 1280


def test_fcn_default_layout():
    net = FCN(in_channels=1, n_outputs=2)
    convs = [m for m in net.modules() if isinstance(m, nn.Conv1d)]
    assert [m.kernel_size[0] for m in convs] == [8, 5, 3]
    assert [m.out_channels for m in convs] == [128, 256, 128]
    assert len([m for m in net.modules() if isinstance(m, nn.BatchNorm1d)]) == 3
    assert net.num_features == 128
    x = torch.randn(2, 1, 17)
    # 'same' padding, including the even kernel: the length is kept.
    assert net.conv(x).shape == (2, 128, 17)
    with pytest.raises(ValueError, match="filters and kernel_size must have the same length"):
        FCN(in_channels=1, n_outputs=2, filters=(4, 4), kernel_size=(8, 5, 3))
    # An int: one kernel size for every convolution; filters as an int: one convolution.
    convs = [
        m
        for m in FCN(in_channels=1, n_outputs=2, kernel_size=5).modules()
        if isinstance(m, nn.Conv1d)
    ]
    assert [m.kernel_size[0] for m in convs] == [5, 5, 5]
    assert FCN(in_channels=1, n_outputs=2, filters=6, kernel_size=(3,)).num_features == 6


def test_time_series_resnet_layout(seeded):
    net = TimeSeriesResNet(in_channels=1, n_outputs=2).eval()
    assert len(net.blocks) == 3
    for block, size in zip(net.blocks, (64, 128, 128), strict=True):
        convs = [m for m in block.branch.modules() if isinstance(m, nn.Conv1d)]
        assert [m.kernel_size[0] for m in convs] == [8, 5, 3]
        assert all(m.out_channels == size for m in convs)
    # Projection where the width changes, BN only where it does not.
    assert isinstance(net.blocks[0].shortcut[0], nn.Conv1d)
    assert isinstance(net.blocks[1].shortcut[0], nn.Conv1d)
    assert isinstance(net.blocks[2].shortcut, nn.BatchNorm1d)
    x = torch.randn(2, 64, 11)
    block = net.blocks[1]
    with torch.no_grad():
        torch.testing.assert_close(block(x), torch.relu(block.branch(x) + block.shortcut(x)))
        assert net.blocks(torch.randn(2, 1, 11)).shape == (2, 128, 11)
    assert net.num_features == 128


def test_time_series_resnet_stages(seeded):
    # n_blocks[i] residual blocks of width filters[i]; the first block of a stage
    # changes the width (a projection shortcut), the others keep it (BN only).
    net = TimeSeriesResNet(
        in_channels=1, n_outputs=2, filters=(4, 8), n_blocks=(2, 1), kernel_size=(5, 3)
    )
    assert len(net.blocks) == 3
    for block, size in zip(net.blocks, (4, 4, 8), strict=True):
        convs = [m for m in block.branch.modules() if isinstance(m, nn.Conv1d)]
        assert [m.kernel_size[0] for m in convs] == [5, 3]
        assert all(m.out_channels == size for m in convs)
    assert isinstance(net.blocks[0].shortcut[0], nn.Conv1d)
    assert isinstance(net.blocks[1].shortcut, nn.BatchNorm1d)
    assert isinstance(net.blocks[2].shortcut[0], nn.Conv1d)
    assert net(torch.randn(2, 1, 9)).shape == (2, 2)


def test_lenet5_layout(seeded):
    net = LeNet5(in_channels=1, n_outputs=10)
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert [(m.out_channels, m.kernel_size) for m in convs] == [(6, (5, 5)), (16, (5, 5))]
    assert [m.out_features for m in net.modules() if isinstance(m, nn.Linear)] == [120, 84, 10]
    assert isinstance(net.conv[1], nn.Tanh)
    with torch.no_grad():
        for size in [(28, 28), (32, 32), (1, 1), (3, 30)]:
            # Padded to 32: the paper's 16 x 5 x 5 maps.
            assert net.conv[:6](net._pad(torch.randn(2, 1, *size))).shape == (2, 16, 5, 5)
        assert net.conv[:6](net._pad(torch.randn(2, 1, 64, 40))).shape == (2, 16, 13, 7)


def test_convnet_layout():
    net = ConvNet(
        in_channels=1,
        n_outputs=2,
        spatial_dims=1,
        filters=(4, 8),
        hidden_layer_sizes=(16, 8),
        dropout=0.5,
    )
    assert [type(m) for m in net.conv] == [nn.Conv1d, nn.BatchNorm1d, nn.ReLU, nn.MaxPool1d] * 2
    assert all(m.bias is None for m in net.conv if isinstance(m, nn.Conv1d))
    assert [type(m) for m in net.dense] == [nn.Linear, nn.ReLU, nn.Dropout] * 2
    assert net.num_features == 8  # after the dense layers
    assert ConvNet(
        in_channels=3, n_outputs=2, filters=(4, 6), hidden_layer_sizes=()
    ).num_features == (6 * 4 * 4)


@pytest.mark.parametrize("network", [ConvNet, LeNet5, VGG, ResNet, MobileNetV2])
def test_unknown_spatial_dims_raises(network):
    with pytest.raises(ValueError, match="spatial_dims must be 1 .* or 2 .*got 3"):
        network(in_channels=1, n_outputs=2, spatial_dims=3)


@pytest.mark.parametrize("spatial_dims, shape", [(2, (3, 1, 5, 5)), (1, (3, 1, 9))])
def test_convnet_adaptive_pool_size(spatial_dims, shape, seeded):
    x = torch.randn(*shape)
    kept = ConvNet(
        in_channels=1,
        n_outputs=2,
        spatial_dims=spatial_dims,
        filters=(4, 6),
        adaptive_pool_size=3,
        hidden_layer_sizes=(),
    )
    assert kept.num_features == 6 * 3**spatial_dims
    assert kept(x).shape == (3, 2)
    # adaptive_pool_size=1 is global average pooling; a smaller map is repeated.
    gap = ConvNet(
        in_channels=1,
        n_outputs=2,
        spatial_dims=spatial_dims,
        filters=(4, 6),
        adaptive_pool_size=1,
        hidden_layer_sizes=(),
    )
    assert gap.num_features == 6
    tiny = torch.randn(2, 1, *([1] * spatial_dims))
    assert torch.isfinite(kept(tiny)).all()
    with torch.no_grad():
        maps = kept.conv(tiny)
        torch.testing.assert_close(
            kept.pool(maps), maps.flatten(1).repeat_interleave(3**spatial_dims, 1)
        )


@pytest.mark.parametrize("name, count", [("vgg11", 132_863_336), ("vgg16", 138_357_544)])
def test_vgg_with_torchvision_layout_has_torchvisions_parameter_count(name, count):
    # torchvision.models.vgg11() / vgg16(): no batch norm, 7 x 7 pooling, 4096-wide classifier.
    net = VGG(
        in_channels=3,
        n_outputs=1000,
        n_blocks=VGG_N_BLOCKS[name],
        hidden_layer_sizes=(4096, 4096),
        batch_norm=False,
        adaptive_pool_size=7,
    )
    assert _n_parameters(net) == count
    small = VGG(
        in_channels=3, n_outputs=10, filters=(32, 64, 128), n_blocks=(1, 1, 2), adaptive_pool_size=2
    )
    assert small.num_features == 512


def test_convnet_kernel_size_per_block():
    net = ConvNet(in_channels=1, n_outputs=2, filters=(4, 6), kernel_size=(5, 3))
    assert [m.kernel_size for m in net.modules() if isinstance(m, nn.Conv2d)] == [(5, 5), (3, 3)]
    assert ConvNet(in_channels=1, n_outputs=2, filters=4).num_features == 128
    with pytest.raises(ValueError, match="filters and kernel_size must have the same length"):
        ConvNet(in_channels=1, n_outputs=2, filters=(4, 6), kernel_size=(5,))


@pytest.mark.parametrize(
    "network", [ConvNet, LeNet5, VGG, ResNet, TimeSeriesResNet, FCN, MobileNetV2]
)
def test_networks_take_keyword_arguments_only(network):
    with pytest.raises(TypeError, match="positional"):
        network(1, 2)
