"""Forward / backward / NaN checks of the pure torch networks (sknets.networks)."""

import pytest
import torch
from torch import nn

from sknets.networks import ACTIVATIONS, MLP, make_activation

# (n_features, hidden_layer_sizes, activation, dropout, batch_norm, batch)
MLP_CASES = [
    (1, (), "identity", 0.0, False, 2),  # a linear model on one feature
    (1, (1,), "tanh", 0.0, False, 2),
    (1, (3,), "logistic", 0.0, True, 2),
    (2, (4, 3), "leaky_relu", 0.1, False, 8),
    (2, (2,), "relu", 0.0, False, 2),
    (5, (8,), "relu", 0.0, True, 16),
    (5, (16, 8), "gelu", 0.2, True, 32),
    (7, (6, 6, 6), "elu", 0.0, False, 4),
    (3, (10,), "silu", 0.5, False, 64),
]


def _case_id(case):
    n_features, hidden, activation, dropout, batch_norm, batch = case
    widths = "x".join(map(str, hidden)) or "none"
    return f"f{n_features}-h{widths}-{activation}-d{dropout}-bn{int(batch_norm)}-b{batch}"


def _bias_feeding_batch_norm(net):
    """Names of Linear biases followed directly by BatchNorm1d.

    In training mode BatchNorm subtracts the batch mean, so such a bias has
    no effect on the output and its gradient is exactly zero.
    """
    names = set()
    layers = list(net.features)
    for index, layer in enumerate(layers[:-1]):
        if isinstance(layer, nn.Linear) and isinstance(layers[index + 1], nn.BatchNorm1d):
            names.add(f"features.{index}.bias")
    return names


@pytest.mark.parametrize("case", MLP_CASES, ids=_case_id)
def test_mlp_forward_backward(case, torch_device, seeded):
    n_features, hidden, activation, dropout, batch_norm, batch = case
    n_outputs = 3
    net = MLP(
        n_features=n_features,
        n_outputs=n_outputs,
        hidden_layer_sizes=hidden,
        activation=activation,
        dropout=dropout,
        batch_norm=batch_norm,
    ).to(torch_device)
    net.train()
    x = torch.randn(batch, n_features, device=torch_device)
    out = net(x)
    assert out.shape == (batch, n_outputs)
    assert out.dtype == torch.float32
    assert torch.isfinite(out).all()

    # A loss that depends on every output with a different sign and scale.
    weights = torch.randn(batch, n_outputs, device=torch_device)
    (out * weights).sum().backward()
    bias_before_bn = _bias_feeding_batch_norm(net)
    assert len(bias_before_bn) == (len(hidden) if batch_norm else 0)
    scale = net.head.weight.grad.abs().max()
    for name, param in net.named_parameters():
        assert param.grad is not None, name
        assert torch.isfinite(param.grad).all(), name
        if name in bias_before_bn:
            # Zero up to float rounding.
            assert param.grad.abs().max() < 1e-3 * scale, name
        else:
            assert param.grad.abs().sum() > 0, f"{name} got a zero gradient"


@pytest.mark.parametrize("case", MLP_CASES, ids=_case_id)
def test_mlp_features_and_head_compose_to_forward(case, torch_device, seeded):
    n_features, hidden, activation, dropout, batch_norm, batch = case
    net = MLP(
        n_features=n_features,
        n_outputs=2,
        hidden_layer_sizes=hidden,
        activation=activation,
        dropout=dropout,
        batch_norm=batch_norm,
    ).to(torch_device)
    # A few training steps so that BatchNorm's running statistics are not trivial.
    net.train()
    with torch.no_grad():
        for _ in range(3):
            net(torch.randn(batch, n_features, device=torch_device) * 2 + 1)
    net.eval()
    x = torch.randn(batch, n_features, device=torch_device)
    with torch.no_grad():
        features = net.forward_features(x)
        composed = net.forward_head(features)
        direct = net(x)
    expected_width = hidden[-1] if hidden else n_features
    assert net.num_features == expected_width
    assert features.shape == (batch, expected_width)
    torch.testing.assert_close(composed, direct, rtol=0, atol=0)
    # In eval mode dropout is off: the output is deterministic.
    with torch.no_grad():
        torch.testing.assert_close(net(x), direct, rtol=0, atol=0)


def test_mlp_dropout_is_active_in_training_mode(seeded):
    net = MLP(n_features=4, n_outputs=2, hidden_layer_sizes=(64,), dropout=0.5)
    x = torch.randn(8, 4)
    net.train()
    assert not torch.equal(net(x), net(x))
    net.eval()
    assert torch.equal(net(x), net(x))


def test_mlp_single_row_in_eval_mode_with_batch_norm(seeded):
    net = MLP(n_features=3, n_outputs=1, hidden_layer_sizes=(4,), batch_norm=True).eval()
    out = net(torch.randn(1, 3))
    assert out.shape == (1, 1)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize(
    "hidden, batch_norm, dropout, expected",
    [
        ((), False, 0.0, []),
        ((4,), False, 0.0, [nn.Linear, nn.ReLU]),
        ((4, 5), True, 0.3, [nn.Linear, nn.BatchNorm1d, nn.ReLU, nn.Dropout] * 2),
    ],
)
def test_mlp_layer_layout(hidden, batch_norm, dropout, expected, seeded):
    net = MLP(
        n_features=3,
        n_outputs=2,
        hidden_layer_sizes=hidden,
        batch_norm=batch_norm,
        dropout=dropout,
    )
    assert [type(layer) for layer in net.features] == expected
    assert isinstance(net.head, nn.Linear)
    linear = net.linear_layers()
    widths = [3, *hidden, 2]
    assert [(layer.in_features, layer.out_features) for layer in linear] == list(
        zip(widths[:-1], widths[1:], strict=True)
    )
    assert linear[-1] is net.head


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation_builds_and_trains(activation, seeded):
    assert isinstance(make_activation(activation), ACTIVATIONS[activation])
    net = MLP(n_features=2, n_outputs=1, hidden_layer_sizes=(4,), activation=activation)
    x = torch.randn(6, 2)
    net(x).sum().backward()
    assert all(torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0 for p in net.parameters())


def test_unknown_activation_raises():
    with pytest.raises(ValueError, match="Unknown activation 'swish'.*relu"):
        make_activation("swish")
    with pytest.raises(ValueError, match="swish"):
        MLP(n_features=2, n_outputs=1, activation="swish")


@pytest.mark.parametrize("activation, gain", [("relu", 6.0), ("logistic", 2.0)])
def test_mlp_initialisation_is_glorot_uniform_as_sklearn(activation, gain, seeded):
    net = MLP(n_features=30, n_outputs=20, hidden_layer_sizes=(50,), activation=activation)
    for layer in net.linear_layers():
        bound = (gain / (layer.in_features + layer.out_features)) ** 0.5
        for values in (layer.weight, layer.bias):
            assert values.abs().max() <= bound
            # Spread over the interval, not a tiny default-like initialisation.
            assert values.abs().max() > 0.8 * bound
