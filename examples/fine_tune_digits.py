"""Fine-tuning: start from a network trained on other classes, and bring your own backbone.

A ResNet is trained on the 8x8 digits 0-4 and its weights saved with
``torch.save``, as a published checkpoint would be. With 10 images of each
of the digits 5-9, ``ResNetClassifier(weights=path)`` then starts from those
weights (a new head for the new classes; the backbone frozen for the first
epoch, then fine-tuned) and is compared with the same network trained from
scratch on the same 50 images, on every other image of the digits 5-9.

The last part wraps a backbone of your own in ``ModuleClassifier``: a
function that builds the network from ``in_channels`` and ``n_outputs``.
With torchvision installed it is torchvision's ResNet-18 with a new last
layer (``weights=ResNet18_Weights.DEFAULT`` there would start it from
ImageNet on a connected machine); without, sknets' network of the same
layers.

Run it with ``python examples/fine_tune_digits.py`` (``--max-iter 2`` for a
quick run with fewer epochs).
"""

import argparse
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sknets import ModuleClassifier, ResNetClassifier
from sknets.networks import ResNet

ARCHITECTURE = {"filters": (16, 32, 64), "n_blocks": 1, "batch_size": 16, "random_state": 0}


def own_backbone(in_channels, n_outputs):
    """torchvision's ResNet-18 with a new last layer, or sknets' network of the same layers."""
    try:
        from torchvision.models import resnet18  # noqa: PLC0415 (an optional dependency)
    except ImportError:
        return ResNet(in_channels=in_channels, n_outputs=n_outputs, small_input=False)
    model = resnet18()  # resnet18(weights="DEFAULT") on a connected machine
    model.conv1 = torch.nn.Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False)
    model.fc = torch.nn.Linear(model.fc.in_features, n_outputs)
    return model


def main(max_iter=None):
    epochs = max_iter or 30
    X, y = load_digits(return_X_y=True)
    images = (X / 16.0).reshape(-1, 1, 8, 8).astype(np.float32)  # pixels in [0, 1]
    source, target = y < 5, y >= 5
    rng = np.random.RandomState(0)
    train = np.concatenate(
        [rng.choice(np.flatnonzero(y == digit), 10, replace=False) for digit in range(5, 10)]
    )
    test = np.setdiff1d(np.flatnonzero(target), train)

    pretrained = ResNetClassifier(**ARCHITECTURE, max_iter=epochs)
    pretrained.fit(images[source], y[source])
    checkpoint = Path(tempfile.mkdtemp()) / "digits_0_4.pt"
    torch.save(pretrained.module_.state_dict(), checkpoint)
    print(f"trained on digits 0-4 ({source.sum()} images), saved to {checkpoint.name}")

    models = {
        "from the digits 0-4 checkpoint": ResNetClassifier(
            **ARCHITECTURE, weights=checkpoint, max_iter=epochs
        ),
        "from scratch": ResNetClassifier(**ARCHITECTURE, max_iter=epochs),
    }
    for name, model in models.items():
        model.fit(images[train], y[train])
        accuracy = model.score(images[test], y[test])
        print(f"{name}: 50 training images, accuracy on {len(test)} others {accuracy:.3f}")

    backbone = ModuleClassifier(
        own_backbone, learning_rate_init=1e-3, batch_size=16, max_iter=epochs, random_state=0
    ).fit(images[train], y[train])
    print(
        f"ModuleClassifier({type(backbone.module_).__module__.split('.')[0]} ResNet-18): "
        f"accuracy {backbone.score(images[test], y[test]):.3f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-iter", type=int, default=None)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    main(args.max_iter)
