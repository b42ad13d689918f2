"""SinGAN's networks: Shaham, Dekel & Michaeli 2019, "SinGAN: Learning a Generative Model from a Single
Natural Image" (arXiv 1905.01164), sec. 2 and Figure 4.

A pyramid of fully convolutional patch GANs. At scale n (0 the coarsest), G_n takes the upsampled image
of the scale below, x~_{n-1}, plus spatial noise z_n, and adds a residual: x~_n = x~_{n-1} + psi_n(z_n +
x~_{n-1}) (eq. 1), psi_n five 3x3 convolutions (BatchNorm and LeakyReLU 0.2 but the last, tanh); the
coarsest takes noise alone. D_n has the same five convolutions, the last to one channel: a map of
patch scores with a receptive field of 11x11 pixels at every scale. Widths start at 32 and double every
4 scales. Convolutions pad by 1 (the authors pad the input by 5 once); the networks keep any size.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.errors import ConfigError


def scale_sizes(height: int, width: int, num_scales: int, min_size: int) -> list[tuple[int, int]]:
    """(height, width) of each scale, coarsest first: the finest is the image's, each coarser one r
    times smaller, r chosen so the coarsest's shorter side is `min_size` (25 in the paper)."""
    if num_scales < 2 or not 0 < min_size < min(height, width):
        shorter = min(height, width)
        raise ConfigError(f"a SinGAN pyramid needs 2 or more scales and model.min_size below the image's side {shorter}, not {num_scales} and {min_size}")
    r = (min_size / min(height, width)) ** (1 / (num_scales - 1))
    return [(max(1, round(height * r ** (num_scales - 1 - n))), max(1, round(width * r ** (num_scales - 1 - n)))) for n in range(num_scales)]


def resized(images: Tensor, size: tuple[int, int]) -> Tensor:
    """Images resized to `size` (bicubic; antialiased when shrinking, as the paper's imresize), in [-1, 1]."""
    if tuple(images.shape[-2:]) == tuple(size):
        return images
    return F.interpolate(images, size=size, mode="bicubic", antialias=True, align_corners=False).clamp(-1, 1)


def image_pyramid(images: Tensor, sizes: list[tuple[int, int]]) -> list[Tensor]:
    """The images at every scale, coarsest first."""
    return [resized(images, size) for size in sizes]


def convolutions(in_channels: int, width: int, out_channels: int, layers: int, output: nn.Module | None) -> nn.Sequential:
    """`layers` 3x3 convolutions: BatchNorm and LeakyReLU(0.2) after all but the last, `output` after it."""
    modules: list[nn.Module] = []
    for i in range(layers - 1):
        modules += [nn.Conv2d(in_channels if i == 0 else width, width, 3, padding=1), nn.BatchNorm2d(width), nn.LeakyReLU(0.2)]
    modules.append(nn.Conv2d(width, out_channels, 3, padding=1))
    return nn.Sequential(*modules, *([output] if output is not None else []))


class ScaleGenerator(nn.Module):
    """(noise, previous) -> previous + psi(noise + previous), all (N, C, h, w)."""

    def __init__(self, channels: int = 3, width: int = 32, layers: int = 5):
        super().__init__()
        self.body = convolutions(channels, width, channels, layers, nn.Tanh())

    def forward(self, noise: Tensor, previous: Tensor) -> Tensor:
        return previous + self.body(noise + previous)


class ScaleDiscriminator(nn.Module):
    """Images (N, C, h, w) -> patch scores (N, 1, h, w)."""

    def __init__(self, channels: int = 3, width: int = 32, layers: int = 5):
        super().__init__()
        self.body = convolutions(channels, width, 1, layers, None)

    def forward(self, images: Tensor) -> Tensor:
        return self.body(images)


def scale_widths(num_scales: int, width: int, max_width: int) -> list[int]:
    """Each scale's width, coarsest first: doubled every 4 scales, at most `max_width` (32 to 128 in the paper)."""
    return [min(width * 2 ** (n // 4), max_width) for n in range(num_scales)]


class SinGANGenerator(nn.Module):
    """The pyramid of generators, coarsest first.

    Args:
        num_scales: N.
        channels: image channels.
        width, max_width, layers: each scale's width (doubling every 4 scales up to max_width) and its
            convolutions (5).
    """

    def __init__(self, num_scales: int = 8, channels: int = 3, width: int = 32, max_width: int = 128, layers: int = 5):
        super().__init__()
        if layers < 2:
            raise ConfigError(f"SinGAN's networks need at least 2 convolutions, not {layers}")
        self.channels, self.widths = channels, scale_widths(num_scales, width, max_width)
        self.stages = nn.ModuleList(ScaleGenerator(channels, w, layers) for w in self.widths)

    def forward(self, noises: list[Tensor], amplitudes: list[float], start: Tensor | None = None, first: int = 0) -> list[Tensor]:
        """The image at each scale from `first` to len(noises) - 1, each noise map (N, C, h_n, w_n)
        scaled by its amplitude; scale `first` builds on `start` (upsampled to its size), or on zeros."""
        outputs, x = [], start
        for n in range(first, len(noises)):
            noise = noises[n]
            previous = noise.new_zeros(noise.shape) if x is None else resized(x, tuple(noise.shape[-2:]))
            x = self.stages[n](amplitudes[n] * noise, previous)
            outputs.append(x)
        return outputs


class SinGANDiscriminator(nn.Module):
    """One patch discriminator per scale, coarsest first (arguments as `SinGANGenerator`)."""

    def __init__(self, num_scales: int = 8, channels: int = 3, width: int = 32, max_width: int = 128, layers: int = 5):
        super().__init__()
        self.stages = nn.ModuleList(ScaleDiscriminator(channels, w, layers) for w in scale_widths(num_scales, width, max_width))

