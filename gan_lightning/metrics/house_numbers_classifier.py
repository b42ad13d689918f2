"""A classifier of the built-in house numbers: the domain transfer network's f (Taigman et al. 2017
pretrain f as a digit classifier of the source domain, SVHN), trained once and cached like the
digits classifier, the same bytes on every machine.

A small CNN on 32x32 RGB (grey images are repeated to RGB), whose 128 penultimate features are f.
It learns only the source half of `data=house_numbers_to_digits` (split seed 0), drawn with a seed of
its own, so the digits the target domain shows are never among its training images.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.data.digits import digit_images
from gan_lightning.data.house_numbers import house_numbers
from gan_lightning.metrics.backbones import CachedClassifierBackbone, fit_classifier, resized, rgb_trunk


class HouseNumbersClassifier(nn.Module):
    """images in [-1, 1] -> (128 features, 10 digit logits)."""

    input_size = 32

    def __init__(self, width: int = 32):
        super().__init__()
        self.embed = rgb_trunk(width)
        self.head = nn.Linear(128, 10)

    def forward(self, images: Tensor) -> tuple[Tensor, Tensor]:
        images = resized(images.float(), self.input_size)
        features = self.embed(images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images)
        return features, self.head(features)


def source_digits(split_seed: int = 0) -> tuple[Tensor, Tensor]:
    """The digits `data=house_numbers_to_digits` (with this split seed) draws as house numbers, and their labels."""
    digits, labels = digit_images(HouseNumbersClassifier.input_size)
    order = torch.randperm(len(digits), generator=torch.Generator().manual_seed(split_seed + 1))
    source = order[: len(digits) // 2]
    return digits[source], labels[source]


def train_house_numbers_classifier(epochs: int = 20, seed: int = 0, lr: float = 1e-3, batch_size: int = 64) -> tuple[HouseNumbersClassifier, dict]:
    """Train on 90% of the source half, each batch drawn as house numbers afresh (a drawing seed from
    the training stream: new colours, shading and neighbours every time), and score on the other 10%,
    drawn with a seed of their own."""
    digits, labels = source_digits()
    count = int(0.9 * len(digits))

    def batch_loss(model: nn.Module, batch: Tensor, stream: torch.Generator) -> Tensor:
        drawing = int(torch.randint(2**31 - 1, (), generator=stream))
        return F.cross_entropy(model(house_numbers(digits[batch], seed=drawing))[1], labels[batch])

    model = fit_classifier(HouseNumbersClassifier, count, batch_loss, epochs, seed, lr, batch_size, threads=1)
    held_out = house_numbers(digits[count:], seed=1_000 + seed)
    with torch.no_grad():
        accuracy = float((model(held_out)[1].argmax(dim=1) == labels[count:]).float().mean())
    return model, {"val_accuracy": round(accuracy, 4)}


class HouseNumbersClassifierBackbone(CachedClassifierBackbone):
    """The house-numbers classifier, trained once and cached by a hash of its settings."""

    name = "house_numbers_classifier"
    num_features = 128
    num_classes = 10
    SETTINGS = {"version": 1, "epochs": 20, "seed": 0, "lr": 1e-3, "batch_size": 64}

    def make(self) -> nn.Module:
        return HouseNumbersClassifier()

    def fit(self, **settings) -> tuple[nn.Module, dict]:
        return train_house_numbers_classifier(**settings)
