"""Write the torchvision reference outputs that tests/test_pretrained.py compares with.

Run with a Python that has torchvision (the tests need none):

    python tools/torchvision_reference.py tests/data/torchvision_reference.npz

For each architecture with a published checkpoint, a state dict is filled
with values drawn from a seeded generator, in torchvision's layout
(:func:`tests.test_pretrained.reference_state_dict` draws the same values
without torchvision), loaded into the torchvision model, and the model's
outputs on a seeded input are saved: the globally pooled features before
the last layer and the logits, in evaluation mode.
"""

import sys

import numpy as np
import torch
import torchvision

sys.path.insert(0, "tests")
from _pretrained_reference import ARCHITECTURES, reference_input, reference_state_dict  # noqa: E402


def features_and_logits(model, x):
    captured = {}
    last = dict(model.named_modules())[LAST_LAYER[type(model).__name__]]
    handle = last.register_forward_hook(lambda m, inputs, out: captured.update(f=inputs[0]))
    with torch.no_grad():
        logits = model(x)
    handle.remove()
    return captured["f"].numpy(), logits.numpy()


LAST_LAYER = {"ResNet": "fc", "VGG": "classifier.6", "MobileNetV2": "classifier.1"}


def main(path):
    arrays = {"torchvision_version": np.array(torchvision.__version__)}
    for name in ARCHITECTURES:
        model = torchvision.models.get_model(name).eval()
        shapes = {key: tuple(value.shape) for key, value in model.state_dict().items()}
        model.load_state_dict(reference_state_dict(shapes))
        features, logits = features_and_logits(model, reference_input())
        arrays[f"{name}/features"] = features
        arrays[f"{name}/logits"] = logits
        arrays[f"{name}/keys"] = np.array(list(shapes))
        arrays[f"{name}/shapes"] = np.array([str(shape) for shape in shapes.values()])
    np.savez_compressed(path, **arrays)


if __name__ == "__main__":
    main(sys.argv[1])
