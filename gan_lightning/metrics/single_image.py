"""Scores of a model of one image (SinGAN, Shaham et al. 2019, sec. 4), and the two references its
samples are read against.

- `diversity`: the standard deviation of each pixel over the samples, averaged over pixels and
  divided by the standard deviation of the training image's pixels (the paper's measure).
- `single_image_swd`: how far each sample's local patches are from the image's, as the sliced
  Wasserstein distance of `gan_lightning.metrics.swd` at each level of a Laplacian pyramid, averaged
  over samples. The paper's SIFID is the Fréchet distance of Inception's first-layer features, whose
  weights cannot be fetched offline; this distance needs no network and is reported under its own name.
- References: `random_crops` (the image's own content, shifted and slightly zoomed: a floor) and
  `patch_shuffle` (its tiles in a random order: the patch statistics kept, the structure broken).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from gan_lightning.metrics.swd import sliced_wasserstein_distances


def diversity(samples: Tensor, image: Tensor) -> float:
    """samples (N, C, H, W), image (C, H, W) in [-1, 1]: mean per-pixel std over samples / the image's std."""
    return float(samples.std(dim=0).mean() / image.std())


def single_image_swd(samples: Tensor, image: Tensor, levels: int = 3, per_image: int = 128, seed: int = 0) -> list[float]:
    """SWD x 1e3 of the samples' patches to the image's at each pyramid level, finest first (the
    image's patches drawn as often as the samples'); the samples must have the image's size."""
    return sliced_wasserstein_distances(image[None].expand(len(samples), -1, -1, -1), samples, levels=levels, per_image=per_image, seed=seed)


def random_crops(image: Tensor, count: int, keep: float = 0.9, seed: int = 0, size: tuple[int, int] | None = None) -> Tensor:
    """`count` random crops of `keep` of each side of the image (C, H, W), resized back to its size;
    or, given `size` (h, w), crops of that size (each side capped at `keep` of the image's), kept as
    they are: the image's own content at another shape."""
    stream = torch.Generator().manual_seed(seed)
    height, width = image.shape[-2:]
    crop_h, crop_w = round(height * keep), round(width * keep)
    if size is not None:
        crop_h, crop_w = min(size[0], crop_h), min(size[1], crop_w)
    crops = []
    for _ in range(count):
        top, left = (int(torch.randint(side - crop + 1, (), generator=stream)) for side, crop in ((height, crop_h), (width, crop_w)))
        crops.append(image[:, top : top + crop_h, left : left + crop_w])
    if size is not None:
        return torch.stack(crops)
    return F.interpolate(torch.stack(crops), size=(height, width), mode="bicubic", align_corners=False).clamp(-1, 1)


def patch_shuffle(image: Tensor, count: int, tile: int = 8, seed: int = 0) -> Tensor:
    """`count` images made of the image's tile x tile tiles in random orders (the image cropped to a
    multiple of `tile`, then padded back by reflection)."""
    stream = torch.Generator().manual_seed(seed)
    channels, height, width = image.shape
    rows, cols = height // tile, width // tile
    tiles = image[:, : rows * tile, : cols * tile].unfold(1, tile, tile).unfold(2, tile, tile).reshape(channels, rows * cols, tile, tile)
    shuffled = []
    for _ in range(count):
        order = torch.randperm(rows * cols, generator=stream)
        grid = tiles[:, order].reshape(channels, rows, cols, tile, tile).permute(0, 1, 3, 2, 4).reshape(channels, rows * tile, cols * tile)
        shuffled.append(F.pad(grid[None], (0, width - cols * tile, 0, height - rows * tile), mode="replicate")[0])
    return torch.stack(shuffled)
