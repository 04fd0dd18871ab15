"""Data augmentation of training images: batched, on the device, per image.

The ``augment`` parameter of the image estimators names a preset of
:data:`PRESETS` or gives a function of one image; :func:`make_augmentation`
turns it into the function of a batch that the training net applies to
every training batch's X (never to validation batches or predictions).
Random draws come from torch's generator, which a fit seeds from
``random_state``, so that refits are bit-identical.
"""

import torch
from torch.nn import functional as F

__all__ = ["PRESETS", "make_augmentation"]


def random_flip(images):
    """Each image mirrored left to right with probability 1/2."""
    flip = torch.rand(images.shape[0], device=images.device) < 0.5
    return torch.where(flip[:, None, None, None], images.flip(-1), images)


def random_crop(images, fraction=0.125):
    """Each image shifted by up to ``fraction`` of its size, the edge zero-padded.

    The padding-and-crop of the CIFAR ResNets (He et al. 2016: 4 pixels of
    32), one offset per image.
    """
    n, _, height, width = images.shape
    pad_h, pad_w = round(height * fraction), round(width * fraction)
    if pad_h == pad_w == 0:
        return images
    padded = F.pad(images, (pad_w, pad_w, pad_h, pad_h))
    top = torch.randint(0, 2 * pad_h + 1, (n,), device=images.device)
    left = torch.randint(0, 2 * pad_w + 1, (n,), device=images.device)
    rows = (top[:, None] + torch.arange(height, device=images.device))[:, None, :, None]
    cols = (left[:, None] + torch.arange(width, device=images.device))[:, None, None, :]
    batch = torch.arange(n, device=images.device)[:, None, None, None]
    channels = torch.arange(images.shape[1], device=images.device)[None, :, None, None]
    return padded[batch, channels, rows, cols]


def _flip_crop(images):
    return random_crop(random_flip(images))


#: The presets ``augment`` names: ``"flip"`` mirrors each image left to right
#: with probability 1/2; ``"crop"`` shifts each image by up to 1/8 of its
#: size (zero-padded, the CIFAR recipe); ``"flip_crop"`` does both.
PRESETS = {"flip": random_flip, "crop": random_crop, "flip_crop": _flip_crop}


class _PerImage:
    """A function of one ``(C, H, W)`` image applied to each image of a batch.

    torchvision's ``transforms.v2`` pipelines draw one set of random
    parameters per call, so a call on a whole batch would flip or crop all
    its images alike; called per image they draw per image, as in a
    ``Dataset``.
    """

    def __init__(self, transform):
        self.transform = transform

    def __call__(self, images):
        augmented = torch.stack([self.transform(image) for image in images])
        if augmented.shape != images.shape:
            raise ValueError(
                f"augment changed the shape of an image from {tuple(images.shape[1:])} to "
                f"{tuple(augmented.shape[1:])}; it must keep it (resize with the "
                "estimator's resize parameter instead)."
            )
        return augmented.to(images.dtype)


def make_augmentation(augment):
    """The function of a training batch that ``augment`` (None, a preset, a callable) is."""
    if augment is None:
        return None
    if isinstance(augment, str):
        return PRESETS[augment]
    return _PerImage(augment)
