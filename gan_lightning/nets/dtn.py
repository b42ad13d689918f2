"""The domain transfer network's fixed encoder f (Taigman, Polyak & Wolf 2017): what G = g o f sees."""

from __future__ import annotations

from torch import Tensor, nn

from gan_lightning.metrics.house_numbers_classifier import HouseNumbersClassifierBackbone


class SourceEncoder(nn.Module):
    """f: the 128 penultimate features of the source domain's digit classifier (the built-in house
    numbers': `gan_lightning.metrics.house_numbers_classifier`), trained once and cached, then fixed:
    never trained here, always in eval mode. Grey images are repeated to RGB, so f reads the target
    domain's digits too (DTN applies f to both domains). Its weights travel in the family's checkpoints.

    Args:
        cache_dir: where the trained classifier is cached (metrics.cache_dir's default).
    """

    feature_width = 128

    def __init__(self, cache_dir: str = "~/.cache/gan_lightning"):
        super().__init__()
        self.classifier = HouseNumbersClassifierBackbone(cache_dir).classifier
        self.requires_grad_(False)

    def train(self, mode: bool = True) -> SourceEncoder:
        return super().train(False)

    def forward(self, images: Tensor) -> Tensor:
        return self.classifier(images)[0]
