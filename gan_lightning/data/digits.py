"""scikit-learn's handwritten digits: 1,797 8x8 grey images with labels 0-9, shipped with the
package, so the default run needs no download (UCI optical recognition of handwritten digits)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import Tensor
from torch.utils.data import Subset

from gan_lightning.data.base import GANDataModule, TensorDictDataset
from gan_lightning.errors import DataError


def digit_images(image_size: int) -> tuple[Tensor, Tensor]:
    """All 1,797 digits as grey (N, 1, image_size, image_size) images in [-1, 1] (bilinear from 8x8), and labels."""
    digits = load_digits()
    images = torch.as_tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
    if image_size != images.shape[-1]:
        images = F.interpolate(images, size=image_size, mode="bilinear", align_corners=False)
    return images.clamp(0, 1) * 2 - 1, torch.as_tensor(digits.target, dtype=torch.long)


class DigitsDataModule(GANDataModule):
    """Digits resized to `image_size` (bilinear) and scaled from [0, 16] to [-1, 1].

    Args:
        image_size: side of the square images.
        channels: 1, or 3 to repeat the grey channel for networks that expect RGB.
        num_classes: 10, the digits; in the config so conditional models can read `data.num_classes`.
        Loader arguments: see GANDataModule.
    """

    metrics_backbone = "digits_classifier"  # metrics.backbone=auto evaluates digits offline with it

    def __init__(self, image_size: int = 32, channels: int = 1, num_classes: int = 10, **loader_args):
        super().__init__(**loader_args)
        if channels not in (1, 3):
            raise DataError(f"data.channels must be 1 or 3 for digits, not {channels}")
        if num_classes != 10:
            raise DataError(f"digits has 10 classes, not data.num_classes={num_classes}")
        self.num_classes = num_classes
        self.image_size, self.channels = image_size, channels

    def load(self) -> TensorDictDataset:
        images, labels = digit_images(self.image_size)
        return TensorDictDataset(images.expand(-1, self.channels, -1, -1).contiguous(), labels)

    def tensors(self, split: Subset) -> tuple[Tensor, Tensor]:
        """All images and labels of one split (a Subset of the loaded set) as two tensors."""
        dataset: TensorDictDataset = split.dataset
        return dataset.images[split.indices], dataset.labels[split.indices]
