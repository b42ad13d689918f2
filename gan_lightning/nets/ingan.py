"""InGAN's retargeting generator: Shocher, Bagon, Isola & Irani 2019, "InGAN: Capturing and Retargeting
the "DNA" of a Natural Image" (arXiv 1812.00231), sec. 3 and Figure 3.

G(x; T) maps an image to one of another shape: an encoder (a 7x7 convolution, then stride-2
convolutions doubling the width), residual blocks, a geometric transformation of the feature maps
(here the retargeting itself: each map resized to the output's shape, bilinear), and a decoder that
upsamples back with skip connections from the encoder's transformed maps, ending in a 7x7 convolution
and tanh. The output's sides must be multiples of 2^downscales.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.errors import ConfigError


def block(in_channels: int, out_channels: int, stride: int = 1, kernel: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel, stride, kernel // 2), nn.BatchNorm2d(out_channels), nn.ReLU())


class Residual(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.body = nn.Sequential(block(width, width), nn.Conv2d(width, width, 3, padding=1), nn.BatchNorm2d(width))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class InGANGenerator(nn.Module):
    """(images (N, C, H, W), output size (h, w)) -> images (N, C, h, w) in [-1, 1].

    Args:
        channels: image channels.
        width: the first layer's channels (64 in the authors' code).
        downscales: stride-2 convolutions (3).
        blocks: residual blocks in the bottleneck (6).
    """

    def __init__(self, channels: int = 3, width: int = 64, downscales: int = 3, blocks: int = 6):
        super().__init__()
        widths = [width * 2**i for i in range(downscales + 1)]
        self.multiple = 2**downscales
        self.entry = block(channels, width, kernel=7)
        self.down = nn.ModuleList(block(widths[i], widths[i + 1], stride=2) for i in range(downscales))
        self.bottleneck = nn.Sequential(*(Residual(widths[-1]) for _ in range(blocks)))
        self.up = nn.ModuleList(block(widths[i + 1] + widths[i], widths[i]) for i in reversed(range(downscales)))  # upsampled, joined to the skip
        self.exit = nn.Sequential(nn.Conv2d(width, channels, 7, padding=3), nn.Tanh())

    def forward(self, images: Tensor, size: tuple[int, int]) -> Tensor:
        height, width = size
        if height % self.multiple or width % self.multiple or min(height, width) < self.multiple:
            raise ConfigError(f"InGAN's outputs must have sides that are positive multiples of {self.multiple}, not {height}x{width}")
        x = self.entry(images)
        skips = [x]
        for layer in self.down:
            x = layer(x)
            skips.append(x)
        x = self.bottleneck(skips.pop())
        x = F.interpolate(x, size=(height // self.multiple, width // self.multiple), mode="bilinear", align_corners=False)  # the transformation
        for layer in self.up:  # each skip transformed as the bottleneck was
            x = F.interpolate(x, scale_factor=2, mode="nearest")
            x = layer(torch.cat([x, F.interpolate(skips.pop(), size=x.shape[-2:], mode="bilinear", align_corners=False)], dim=1))
        return self.exit(x)
