"""Sliced Wasserstein distance between the local patches of two image sets, level by level of a
Laplacian pyramid: Karras, Aila, Laine & Lehtinen 2018 (ProGAN, arXiv 1710.10196, sec. 5 and
appendix D). A realism measure that needs no pretrained network: what the restoration benchmarks
report offline, where Inception's weights (FID) cannot be fetched.

Per level, `per_image` random 7x7 neighbourhoods of each image become descriptors of 7 * 7 * C
values, each colour channel normalised to zero mean and unit deviation over its set; the distance is
the mean, over random unit directions, of the 1-D Wasserstein-1 distance between the two sets'
projections (sorted, then compared in order), reported x 1e3 as the paper does. The pyramid is
LAPGAN's (a 2x2 box filter and bilinear upsampling), where ProGAN's code uses a 5-tap binomial one.

Written here: none of torchmetrics, torch-fidelity or scikit-image computes it.
"""

from __future__ import annotations

import torch
from torch import Tensor

from gan_lightning.data.pyramids import laplacian_pyramid
from gan_lightning.errors import ConfigError


def patch_descriptors(images: Tensor, per_image: int, size: int, stream: torch.Generator) -> Tensor:
    """`per_image` random size x size neighbourhoods of each image, flattened: (N * per_image, C * size^2),
    each colour channel normalised over the whole set."""
    n, channels, height, width = images.shape
    if min(height, width) < size:
        raise ConfigError(f"sliced Wasserstein patches are {size}x{size}, larger than a {height}x{width} pyramid level: use larger images or fewer levels")
    top = torch.randint(height - size + 1, (n, per_image), generator=stream)
    left = torch.randint(width - size + 1, (n, per_image), generator=stream)
    offsets = torch.arange(size)
    rows = (top[..., None] + offsets)[..., :, None].expand(-1, -1, size, size)  # (N, P, size, size)
    cols = (left[..., None] + offsets)[..., None, :].expand(-1, -1, size, size)
    batch = torch.arange(n)[:, None, None, None].expand_as(rows)
    patches = images.permute(0, 2, 3, 1)[batch, rows, cols]  # (N, P, size, size, C)
    patches = patches.reshape(-1, size * size, channels)
    patches = (patches - patches.mean(dim=(0, 1))) / patches.std(dim=(0, 1)).clamp_min(1e-8)
    return patches.flatten(1)


def sliced_wasserstein(a: Tensor, b: Tensor, directions: int, repeats: int, stream: torch.Generator) -> float:
    """Mean over `repeats` x `directions` random unit directions of the Wasserstein-1 distance between
    the projections of descriptor sets a and b (the same number of rows)."""
    total = 0.0
    for _ in range(repeats):
        projection = torch.randn(a.shape[1], directions, generator=stream, dtype=a.dtype)
        projection = projection / projection.norm(dim=0, keepdim=True)
        total += float(((a @ projection).sort(dim=0).values - (b @ projection).sort(dim=0).values).abs().mean())
    return total / repeats


@torch.no_grad()
def sliced_wasserstein_distances(
    real: Tensor, fake: Tensor, levels: int = 3, per_image: int = 128, size: int = 7, directions: int = 512, repeats: int = 4, seed: int = 0,
) -> list[float]:  # fmt: skip
    """SWD x 1e3 of the two image sets (N, C, H, W) in [-1, 1] at each level of their Laplacian
    pyramids, finest first (the band-pass residuals, then the coarsest image); as many descriptors
    of each set are compared (the smaller count). Sides are cropped to a multiple of 2^(levels - 1),
    which the pyramid halves that often."""
    stream = torch.Generator().manual_seed(seed)
    multiple = 2 ** (levels - 1)
    real, fake = (images[..., : images.shape[-2] // multiple * multiple, : images.shape[-1] // multiple * multiple] for images in (real, fake))
    distances = []
    for real_level, fake_level in zip(reversed(laplacian_pyramid(real.double(), levels)), reversed(laplacian_pyramid(fake.double(), levels))):
        a, b = patch_descriptors(real_level, per_image, size, stream), patch_descriptors(fake_level, per_image, size, stream)
        count = min(len(a), len(b))
        a, b = (d[torch.randperm(len(d), generator=stream)[:count]] for d in (a, b))
        distances.append(1e3 * sliced_wasserstein(a, b, directions, repeats, stream))
    return distances


def fitting_levels(*images: Tensor, size: int = 7, most: int = 3) -> int:
    """The most pyramid levels (up to `most`) whose coarsest still holds a size x size patch in every
    one of the image batches; 0 when not even the images themselves do."""
    side = min(min(batch.shape[-2:]) for batch in images)
    levels = 0
    while levels < most and side // 2**levels >= size:
        levels += 1
    return levels
