"""DistanceGAN's distance-preserving term: Benaim & Wolf 2017, "One-Sided Unsupervised Domain
Mapping" (arXiv 1706.00826).

A map G: A -> B should keep how far apart two samples are: the distance between x_i and x_j in A,
standardised by A's mean and standard deviation of such distances, should equal that of G(x_i) and
G(x_j) in B, standardised by B's. The distance is the mean absolute difference of two
images, as in the authors' code; without pairs in a batch (a batch of one), the distance between an
image's top and bottom halves stands in for it (the paper's self-distance).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from gan_lightning.errors import ConfigError


def pairwise_distances(images: Tensor) -> Tensor:
    """The mean absolute difference of every pair i < j of `images` (N, ...): N (N - 1) / 2 values."""
    if len(images) < 2:
        raise ConfigError("the pairwise distance term compares images of one batch: data.batch_size must be 2 or more (or model.self_distance=true)")
    flat = images.flatten(1)
    first, second = torch.triu_indices(len(flat), len(flat), offset=1, device=flat.device)
    return torch.cdist(flat, flat, p=1)[first, second] / flat.shape[1]  # L1 without an (N^2, D) difference tensor


def self_distances(images: Tensor) -> Tensor:
    """The mean absolute difference of each image's top and bottom halves (N values)."""
    top, bottom = images.chunk(2, dim=-2)
    return (top - bottom).abs().flatten(1).mean(dim=1)


@dataclass(frozen=True)
class DistanceStatistics:
    """A domain's mean and standard deviation of the distances the term compares."""

    mean: float
    std: float

    @classmethod
    def of(cls, distances: Tensor) -> DistanceStatistics:
        std = float(distances.std(unbiased=False))
        if std == 0:
            raise ConfigError("every distance in a domain is the same: its images do not differ, so distances cannot be standardised")
        return cls(float(distances.mean()), std)

    def standardised(self, distances: Tensor) -> Tensor:
        return (distances - self.mean) / self.std


def distance_loss(source_distances: Tensor, mapped_distances: Tensor, source: DistanceStatistics, target: DistanceStatistics) -> Tensor:
    """E |(d(x_i, x_j) - mu_A) / sigma_A - (d(G(x_i), G(x_j)) - mu_B) / sigma_B| over the pairs (or the
    halves): the paper's L_distance for G: A -> B."""
    return (source.standardised(source_distances) - target.standardised(mapped_distances)).abs().mean()
