"""Differentiable augmentation: Zhao, Liu, Lin, Zhu & Han 2020, "Differentiable Augmentation for
Data-Efficient GAN Training" (arXiv 2006.10738).

D sees every image, real and generated, through the same random transforms, in its own steps and in
G's step; the transforms are differentiable, so G's gradient passes through them. D then cannot
memorise the few real images it has, while G still learns the untransformed distribution.
The paper's three policies, each drawn independently per image:
- color: brightness + U(-0.5, 0.5), saturation x U(0, 2), contrast x U(0.5, 1.5);
- translation: shift by up to 1/8 of the side, filling with zeros;
- cutout: zero a square of half the side at a random position.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.errors import ConfigError


def color(x: Tensor) -> Tensor:
    n = len(x)
    x = x + (torch.rand(n, 1, 1, 1, device=x.device, dtype=x.dtype) - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (torch.rand(n, 1, 1, 1, device=x.device, dtype=x.dtype) * 2) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (torch.rand(n, 1, 1, 1, device=x.device, dtype=x.dtype) + 0.5) + mean


def translation(x: Tensor, ratio: float = 0.125) -> Tensor:
    """Shift each image by whole pixels, up to `ratio` of its side each way, zeros coming in."""
    n, _, height, width = x.shape
    max_dy, max_dx = int(height * ratio + 0.5), int(width * ratio + 0.5)
    dy = torch.randint(-max_dy, max_dy + 1, (n, 1, 1), device=x.device)
    dx = torch.randint(-max_dx, max_dx + 1, (n, 1, 1), device=x.device)
    rows = (torch.arange(height, device=x.device).view(1, height, 1) + dy).clamp(-1, height)  # -1, height: padding
    cols = (torch.arange(width, device=x.device).view(1, 1, width) + dx).clamp(-1, width)
    padded = F.pad(x, (1, 1, 1, 1))  # index i of the image is i + 1 of the padded one
    index = (rows + 1) * (width + 2) + (cols + 1)  # (n, height, width) into the flattened padded image
    flat = padded.flatten(2)  # (n, channels, (height + 2) * (width + 2))
    return flat.gather(2, index.flatten(1).unsqueeze(1).expand(-1, x.shape[1], -1)).view_as(x)


def cutout(x: Tensor, ratio: float = 0.5) -> Tensor:
    """Zero one square of `ratio` of the side per image, centred anywhere in it (clipped at the edges)."""
    n, _, height, width = x.shape
    cut_h, cut_w = int(height * ratio + 0.5), int(width * ratio + 0.5)
    cy = torch.randint(0, height + (1 - cut_h % 2), (n, 1, 1), device=x.device)
    cx = torch.randint(0, width + (1 - cut_w % 2), (n, 1, 1), device=x.device)
    rows = torch.arange(height, device=x.device).view(1, height, 1)
    cols = torch.arange(width, device=x.device).view(1, 1, width)
    inside = (rows >= cy - cut_h // 2) & (rows < cy - cut_h // 2 + cut_h) & (cols >= cx - cut_w // 2) & (cols < cx - cut_w // 2 + cut_w)
    return x * (~inside).unsqueeze(1).to(x.dtype)


POLICIES = {"color": color, "translation": translation, "cutout": cutout}


class DiffAugment(nn.Module):
    """Applies the policies in order (default: the paper's "color,translation,cutout") to NCHW images."""

    def __init__(self, policy: Sequence[str] = ("color", "translation", "cutout")):
        super().__init__()
        unknown = [name for name in policy if name not in POLICIES]
        if unknown:
            raise ConfigError(f"DiffAugment policy {', '.join(unknown)} is unknown: choose from {', '.join(POLICIES)}")
        self.policy = list(policy)

    def forward(self, images: Tensor) -> Tensor:
        if images.dim() != 4:
            raise ConfigError(f"DiffAugment transforms images (N, C, H, W), not samples of shape {tuple(images.shape[1:])}: drop model.augment for this data")
        for name in self.policy:
            images = POLICIES[name](images)
        return images
