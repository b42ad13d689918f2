"""Laplacian pyramids and LAPGAN's networks (Denton, Chintala, Szlam & Fergus 2015, "Deep Generative
Image Models using a Laplacian Pyramid of Adversarial Networks", arXiv 1506.05751).

An image I_0 has the Gaussian pyramid I_{k+1} = d(I_k) (d: blur and decimate, here a 2x2 box filter)
and the Laplacian pyramid h_k = I_k - u(I_{k+1}) (u: bilinear upsampling) over its K levels, topped by
the coarsest image I_{K-1}; I_k = u(I_{k+1}) + h_k rebuilds every level exactly. LAPGAN generates the
coarsest image with an unconditional G and each band-pass h_k with a G conditioned on u(I_{k+1}).

Written here rather than taken from a library: the pyramid is three lines of torch (kornia, which
has one, is not a dependency), and the networks are the paper's.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.errors import ConfigError


def downsample(images: Tensor) -> Tensor:
    """d: a 2x2 box filter and decimation, (N, C, H, W) -> (N, C, H/2, W/2)."""
    return F.avg_pool2d(images, 2)


def upsample(images: Tensor) -> Tensor:
    """u: bilinear upsampling x2, (N, C, H, W) -> (N, C, 2H, 2W)."""
    return F.interpolate(images, scale_factor=2, mode="bilinear", align_corners=False)


def gaussian_pyramid(images: Tensor, levels: int) -> list[Tensor]:
    """[I_{K-1}, ..., I_1, I_0]: the images at every level, coarsest first."""
    pyramid = [images]
    for _ in range(levels - 1):
        pyramid.insert(0, downsample(pyramid[0]))
    return pyramid


def conditioned_pyramid(images: Tensor, levels: int) -> list[tuple[Tensor, Tensor | None]]:
    """Coarsest first, what each LAPGAN level generates and what it is conditioned on: (I_{K-1}, None),
    then (h_k, l_k) with l_k = u(I_{k+1}) and the band-pass residual h_k = I_k - l_k."""
    gaussian = gaussian_pyramid(images, levels)
    lows = [upsample(coarser) for coarser in gaussian[:-1]]
    return [(gaussian[0], None)] + [(finer - low, low) for finer, low in zip(gaussian[1:], lows)]


def laplacian_pyramid(images: Tensor, levels: int) -> list[Tensor]:
    """[I_{K-1}, h_{K-2}, ..., h_0]: the coarsest image, then each finer level's band-pass residual."""
    return [target for target, _ in conditioned_pyramid(images, levels)]


def collapse(pyramid: list[Tensor]) -> list[Tensor]:
    """The images at every level, coarsest first, rebuilt from a Laplacian pyramid: I_k = u(I_{k+1}) + h_k."""
    images = [pyramid[0]]
    for band in pyramid[1:]:
        images.append(upsample(images[-1]) + band)
    return images


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
