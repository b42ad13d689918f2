"""Gaussian and Laplacian pyramids of images: LAPGAN's levels (Denton et al. 2015) and the patch
pyramid of the sliced Wasserstein distance (metrics/swd.py).

An image I_0 has the Gaussian pyramid I_{k+1} = d(I_k) (d: blur and decimate, here a 2x2 box filter)
and the Laplacian pyramid h_k = I_k - u(I_{k+1}) (u: bilinear upsampling) over its K levels, topped by
the coarsest image I_{K-1}; I_k = u(I_{k+1}) + h_k rebuilds every level exactly. Written here rather
than taken from a library: the pyramid is three lines of torch (kornia, which has one, is not a
dependency).
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


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
