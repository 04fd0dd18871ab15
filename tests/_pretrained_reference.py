"""Deterministic checkpoints in torchvision's layout, shared by the tests and the tool.

``tools/torchvision_reference.py`` (run where torchvision is installed)
loads :func:`reference_state_dict` into torchvision's models and saves their
outputs on :func:`reference_input`; ``tests/test_pretrained.py`` loads the
same values into sknets' networks, without torchvision, and compares.
"""

import numpy as np
import torch

#: torchvision models compared, with the sknets network and arguments that are the same.
ARCHITECTURES = {
    "resnet18": ("ResNet", {"small_input": False}),
    "vgg11_bn": (
        "VGG",
        {"hidden_layer_sizes": (4096, 4096), "adaptive_pool_size": 7, "batch_norm": True},
    ),
    "mobilenet_v2": ("MobileNetV2", {"small_input": False}),
}


def reference_state_dict(shapes):
    """Seeded values for every tensor of ``shapes`` (names to shapes, in order).

    Weights are scaled by their fan-in so that activations stay of order 1
    through every layer, and batch-norm statistics are away from the
    identity, so that a tensor loaded into the wrong place changes the
    outputs.
    """
    rng = np.random.RandomState(0)
    state = {}
    for key, shape in shapes.items():
        leaf = key.rpartition(".")[2]
        if leaf == "num_batches_tracked":
            state[key] = torch.tensor(0)
            continue
        values = rng.standard_normal(shape).astype(np.float32)
        if leaf == "running_var":
            values = rng.uniform(0.5, 1.5, shape).astype(np.float32)
        elif leaf == "weight" and len(shape) == 1:  # a batch norm's scale
            values = 1 + 0.1 * values
        elif leaf == "weight":
            values *= np.sqrt(2.0 / np.prod(shape[1:]))
        else:  # biases and running means
            values *= 0.1
        state[key] = torch.from_numpy(values)
    return state


def reference_input():
    """Two seeded RGB images of 64 x 64 (divisible by VGG's 32)."""
    return torch.from_numpy(np.random.RandomState(1).rand(2, 3, 64, 64).astype(np.float32))
