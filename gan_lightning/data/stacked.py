"""Stacked digits: the Stacked MNIST protocol of PacGAN and VEEGAN (Srivastava et al. 2017; Lin et al.
2018) on scikit-learn's digits. Each image holds three independent random digits, one per channel,
so there are 10^3 = 1,000 modes (digit triples); the label of an image is 100 d1 + 10 d2 + d3.
Images are composed on the fly from the 1,797 digits and a table of triples drawn with `seed`.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.utils.data import Dataset

from gan_lightning.data.base import GANDataModule
from gan_lightning.data.digits import digit_images
from gan_lightning.errors import DataError


class StackedDigits(Dataset):
    """Image i stacks digits[picks[i, 0]], digits[picks[i, 1]], digits[picks[i, 2]] as its channels."""

    def __init__(self, digits: Tensor, labels: Tensor, picks: Tensor):
        self.digits, self.labels, self.picks = digits, labels, picks

    def __len__(self) -> int:
        return len(self.picks)

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        pick = self.picks[index]
        triple = self.labels[pick]
        return {"image": self.digits[pick, 0], "label": triple[0] * 100 + triple[1] * 10 + triple[2]}


class StackedDigitsDataModule(GANDataModule):
    """`num_samples` stacked-digit images (3 channels, image_size square) with 1,000 classes.

    Args:
        image_size: side of the images.
        channels, num_classes: 3 and 1,000; in the config for networks and conditional models.
        num_samples: size of the data set (PacGAN's Stacked MNIST has 128,000 images).
        seed: draws the triples.
        Loader arguments: see GANDataModule.
    """

    metrics_backbone = None  # FD of three overlaid digits means little: judged by mode coverage

    def __init__(
        self, image_size: int = 32, num_samples: int = 128_000, seed: int = 0, channels: int = 3, num_classes: int = 1000, **loader_args
    ):
        super().__init__(**loader_args)
        if num_classes != 1000:
            raise DataError(f"stacked digits have 1,000 classes (digit triples), not data.num_classes={num_classes}")
        self.num_classes = num_classes
        if num_samples < 1:
            raise DataError(f"data.num_samples must be positive, not {num_samples}")
        if channels != 3:
            raise DataError(f"stacked digits have 3 channels (one digit each), not data.channels={channels}")
        self.image_size, self.num_samples, self.seed, self.channels = image_size, num_samples, seed, channels

    def load(self) -> StackedDigits:
        digits, labels = digit_images(self.image_size)
        picks = torch.randint(len(digits), (self.num_samples, 3), generator=torch.Generator().manual_seed(self.seed))
        return StackedDigits(digits, labels, picks)
