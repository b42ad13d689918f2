"""LAPGAN's networks (Denton, Chintala, Szlam & Fergus 2015, "Deep Generative Image Models using a
Laplacian Pyramid of Adversarial Networks", arXiv 1506.05751), the paper's own.

LAPGAN generates the coarsest image of a Laplacian pyramid (`gan_lightning.data.pyramids`) with an
unconditional G and each band-pass h_k with a G conditioned on u(I_{k+1}).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from gan_lightning.data.pyramids import upsample
from gan_lightning.errors import ConfigError


def level_sizes(image_size: int, levels: int) -> list[int]:
    """The side of each level, coarsest first; a message when the size does not halve that often."""
    if levels < 1 or image_size % 2 ** (levels - 1) or image_size // 2 ** (levels - 1) < 4:
        raise ConfigError(
            f"a {levels}-level pyramid halves image_size {levels - 1} times down to at least 4, and {image_size} does not: "
            "change model.generator.levels or data.image_size"
        )
    return [image_size // 2 ** (levels - 1 - k) for k in range(levels)]


class RefinementGenerator(nn.Module):
    """(u(I_{k+1}) (N, C, H, W), a noise plane (N, 1, H, W)) -> band-pass h_k (N, C, H, W): the paper's
    conditional G, three 5x5 convolutions with BatchNorm and ReLU, the noise as one more input plane,
    a linear output (residuals are signed)."""

    def __init__(self, channels: int, width: int = 64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels + 1, width, 5, padding=2, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, width, 5, padding=2, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, channels, 5, padding=2),
        )  # fmt: skip

    def forward(self, low: Tensor, noise: Tensor) -> Tensor:
        return self.net(torch.cat([low, noise], dim=1))


class RefinementDiscriminator(nn.Module):
    """(h_k, u(I_{k+1})) -> logits (N,): the paper's conditional D, judging a band-pass together with
    the coarser image it refines: two 5x5 convolutions (the second strided), dropout, a linear output."""

    def __init__(self, channels: int, image_size: int, width: int = 64, dropout: float = 0.5):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(2 * channels, width, 5, padding=2), nn.LeakyReLU(0.2),
            nn.Conv2d(width, width, 5, stride=2, padding=2), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(width * (image_size // 2) ** 2, 1),
        )  # fmt: skip

    def forward(self, band: Tensor, low: Tensor) -> Tensor:
        return self.net(torch.cat([band, low], dim=1)).flatten()


class LaplacianPyramidGenerator(nn.Module):
    """z -> images, coarse to fine: stage 0 (an unconditional G at the coarsest size) draws I_{K-1}
    from the first coarse.latent_dim values of z; stage k refines u(I) with a band-pass drawn from
    the next H_k x W_k values of z, a noise plane. So z holds everything a sample depends on and
    sample i stays a function of (seed, i).

    Args:
        coarse: a partial config of the coarsest level's G, called with shape=(channels, s, s).
        refiner: a partial config of the finer levels' Gs, called with channels=.
        image_size, channels: the data's.
        levels: K, the pyramid's levels (3: 8, 16 and 32 for 32x32 images).
    """

    def __init__(self, coarse: Callable[..., nn.Module], refiner: Callable[..., nn.Module], image_size: int, channels: int, levels: int = 3):
        super().__init__()
        self.sizes = level_sizes(image_size, levels)
        self.channels = channels
        self.stages = nn.ModuleList([coarse(shape=(channels, self.sizes[0], self.sizes[0]))])
        self.stages.extend(refiner(channels=channels) for _ in self.sizes[1:])
        self.coarse_latent_dim = self.stages[0].latent_dim
        self.latent_dim = self.coarse_latent_dim + sum(size * size for size in self.sizes[1:])

    def split(self, z: Tensor) -> tuple[Tensor, list[Tensor]]:
        """(the coarse G's z, the noise plane of each finer level)."""
        parts = z.split([self.coarse_latent_dim] + [size * size for size in self.sizes[1:]], dim=1)
        return parts[0], [plane.view(len(z), 1, size, size) for plane, size in zip(parts[1:], self.sizes[1:])]

    def levels(self, z: Tensor) -> list[Tensor]:
        """The sample at every level, coarsest first: I_{K-1}, then I_k = u(I_{k+1}) + G_k(u(I_{k+1}), noise_k)."""
        coarse_z, noise = self.split(z)
        images = [self.stages[0](coarse_z)]
        for stage, plane in zip(self.stages[1:], noise):
            low = upsample(images[-1])
            images.append(low + stage(low, plane))
        return images

    def forward(self, z: Tensor) -> Tensor:
        return self.levels(z)[-1]


class LaplacianPyramidDiscriminator(nn.Module):
    """One D per level: stage 0 judges the coarsest images, stage k judges (h_k, u(I_{k+1})).

    Args:
        coarse: a partial config of the coarsest level's D, called with shape=(channels, s, s).
        refiner: a partial config of the finer levels' Ds, called with channels= and image_size=.
        image_size, channels, levels: as the generator's.
    """

    def __init__(self, coarse: Callable[..., nn.Module], refiner: Callable[..., nn.Module], image_size: int, channels: int, levels: int = 3):
        super().__init__()
        self.sizes = level_sizes(image_size, levels)
        self.stages = nn.ModuleList([coarse(shape=(channels, self.sizes[0], self.sizes[0]))])
        self.stages.extend(refiner(channels=channels, image_size=size) for size in self.sizes[1:])
