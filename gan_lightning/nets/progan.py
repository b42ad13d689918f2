"""Progressive growing (Karras, Aila, Laine & Lehtinen 2018, "Progressive Growing of GANs for Improved
Quality, Stability, and Variation", arXiv 1710.10196): the layers of sec. 4 and a G and D that grow.

Equalized learning rate (sec. 4.1): weights start from N(0, 1) and are scaled at run time by He's
constant gain / sqrt(fan_in), so Adam's step is the same size for every layer. Pixelwise feature
normalisation (sec. 4.2) keeps G's features at unit length per pixel. Written by hand: neither torch
nor torchvision has these layers, and the libraries that do carry whole training frameworks with them.

Growing (sec. 2). Both networks hold every block from the start, and their current `level` (0 is 4x4,
level k is 4 * 2**k) and fade-in `alpha` as buffers, so a checkpoint knows how far they have grown.
As in the authors' code, images keep the data's size throughout: G upsamples its output to it by
nearest neighbours, and D box-filters its input down to the current resolution, so samples, reals and
metrics never change shape while the networks grow. During a fade-in (level k, alpha < 1) the new
block's output is blended with the previous level's, upsampled, in G; with the previous level's input
path in D: alpha 0 is the network of level k - 1, alpha 1 the new one.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.nets.dcgan import doublings_from_4x4
from gan_lightning.nets.tricks import MinibatchStdDev

LEAK = 0.2
HE_GAIN = math.sqrt(2.0)  # for LeakyReLU(0.2) the authors keep ReLU's sqrt(2)


class EqualizedLinear(nn.Module):
    """A linear layer whose weight is stored as N(0, 1) / lr_multiplier and used times
    gain * lr_multiplier / sqrt(in_features) (StyleGAN's mapping network: lr_multiplier 0.01)."""

    def __init__(self, in_features: int, out_features: int, gain: float = HE_GAIN, lr_multiplier: float = 1.0, bias_init: float = 0.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_multiplier)
        self.bias = nn.Parameter(torch.full((out_features,), float(bias_init)))
        self.scale = gain * lr_multiplier / math.sqrt(in_features)
        self.lr_multiplier = lr_multiplier

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight * self.scale, self.bias * self.lr_multiplier)


class EqualizedConv2d(nn.Module):
    """A stride-1 convolution ("same" padding) whose weight is scaled by gain / sqrt(fan_in) at run time."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, gain: float = HE_GAIN, padding: int | None = None, bias: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.scale = gain / math.sqrt(in_channels * kernel_size**2)
        self.padding = kernel_size // 2 if padding is None else padding

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)


class PixelNorm(nn.Module):
    """Sec. 4.2: each pixel's feature vector divided by its root mean square over channels."""

    def forward(self, x: Tensor) -> Tensor:
        return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + 1e-8)


def widths(image_size: int, max_width: int, width_base: int, network: str = "progressive network") -> list[int]:
    """Channels at each level (4x4 first): min(max_width, width_base / resolution), as the authors'
    fmap_base / fmap_max; the paper's 1024x1024 networks: width_base 8192, max_width 512."""
    levels = doublings_from_4x4(image_size, network) + 1
    sizes = [min(max_width, width_base // (4 * 2**level)) for level in range(levels)]
    if min(sizes) < 1:
        raise ConfigError(f"width_base={width_base} leaves no channels at {image_size}x{image_size}: raise it to at least {image_size}")
    return sizes


def resize(images: Tensor, size: int) -> Tensor:
    """Box-filter down (average pooling) or repeat up (nearest neighbours) to size x size."""
    side = images.shape[-1]
    if side > size:  # adaptive pooling: the box filter for a whole ratio, and traceable (export)
        return F.adaptive_avg_pool2d(images, size)
    if side < size:
        return F.interpolate(images, size=(size, size), mode="nearest")
    return images


def at_level(images: Tensor, level: int, alpha: float) -> Tensor:
    """Real images as the networks see them at (level, alpha) (sec. A.1, the authors' process_reals):
    box-filtered to the level's resolution, during a fade-in blended with the previous level's, and
    brought back to their size by nearest neighbours, as G's outputs are."""
    size, resolution = images.shape[-1], 4 * 2**level
    current = resize(images, resolution)
    if level > 0 and alpha < 1:
        current = torch.lerp(resize(resize(current, resolution // 2), resolution), current, alpha)
    return resize(current, size)


def conv_act(in_channels: int, out_channels: int, kernel_size: int, normalize: bool, padding: int | None = None) -> list[nn.Module]:
    """Equalized convolution, LeakyReLU(0.2), and pixel norm in G."""
    layers = [EqualizedConv2d(in_channels, out_channels, kernel_size, padding=padding), nn.LeakyReLU(LEAK)]
    return layers + [PixelNorm()] if normalize else layers


class Growing(nn.Module):
    """The growth state both networks hold: `level` and `alpha` buffers, set by `grow` (the ProGAN
    family sets them from its schedule). A new network is fully grown."""

    def __init__(self, levels: int):
        super().__init__()
        self.levels = levels
        self.register_buffer("level", torch.tensor(levels - 1))
        self.register_buffer("alpha", torch.tensor(1.0))

    def grow(self, level: int, alpha: float) -> None:
        if not 0 <= level < self.levels or not 0.0 <= alpha <= 1.0:
            raise ValueError(f"level must lie in [0, {self.levels - 1}] and alpha in [0, 1], not {level} and {alpha}")
        self.level.fill_(level)
        self.alpha.fill_(alpha)

    @property
    def resolution(self) -> int:
        return 4 * 2 ** int(self.level)


class ProgressiveGenerator(Growing):
    """z (N, latent_dim) -> images (N, channels, image_size, image_size) (Table 2, top).

    z is pixel-normalised; a dense layer makes the 4x4 map (the paper's 4x4 transposed convolution of
    a 1x1 input), a 3x3 convolution follows; each further level doubles the map by nearest neighbours
    and applies two 3x3 convolutions; every convolution is followed by LeakyReLU(0.2) and pixel norm.
    A 1x1 "toRGB" layer per level gives the image; the output is linear (no tanh), as in the paper.
    """

    def __init__(self, latent_dim: int = 128, image_size: int = 32, channels: int = 3, max_width: int = 128, width_base: int = 4096):
        sizes = widths(image_size, max_width, width_base)
        super().__init__(len(sizes))
        self.latent_dim, self.image_size = latent_dim, image_size
        self.input = nn.Sequential(PixelNorm(), EqualizedLinear(latent_dim, sizes[0] * 16, gain=HE_GAIN / 4))  # the authors' gain for it
        first = nn.Sequential(nn.LeakyReLU(LEAK), PixelNorm(), *conv_act(sizes[0], sizes[0], 3, normalize=True))
        later = [
            nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), *conv_act(sizes[k - 1], sizes[k], 3, True), *conv_act(sizes[k], sizes[k], 3, True))
            for k in range(1, len(sizes))
        ]
        self.blocks = nn.ModuleList([first, *later])
        self.to_rgb = nn.ModuleList([EqualizedConv2d(width, channels, 1, gain=1.0) for width in sizes])

    def forward(self, z: Tensor) -> Tensor:
        level, alpha = int(self.level), float(self.alpha)
        features = self.blocks[0](self.input(z).view(z.shape[0], -1, 4, 4))
        previous = features
        for block in self.blocks[1 : level + 1]:
            previous, features = features, block(features)
        image = self.to_rgb[level](features)
        if level > 0 and alpha < 1:  # fade-in: the previous level's image, upsampled, blended with the new one
            image = torch.lerp(resize(self.to_rgb[level - 1](previous), image.shape[-1]), image, alpha)
        return resize(image, self.image_size)


class ProgressiveDiscriminator(Growing):
    """images (N, channels, image_size, image_size) -> one score each (Table 2, bottom).

    A 1x1 "fromRGB" layer per level; each level above 4x4 applies two 3x3 convolutions and halves
    the map by average pooling; at 4x4, minibatch standard deviation (sec. 3), a 3x3 and a 4x4
    convolution and a linear output. LeakyReLU(0.2) throughout, no normalisation. StyleGAN uses this
    network too, fully grown.
    """

    def __init__(self, image_size: int = 32, channels: int = 3, max_width: int = 128, width_base: int = 4096):
        sizes = widths(image_size, max_width, width_base)
        super().__init__(len(sizes))
        self.image_size = image_size
        self.from_rgb = nn.ModuleList([nn.Sequential(EqualizedConv2d(channels, width, 1), nn.LeakyReLU(LEAK)) for width in sizes])
        last = nn.Sequential(
            MinibatchStdDev(),
            *conv_act(sizes[0] + 1, sizes[0], 3, normalize=False),
            *conv_act(sizes[0], sizes[0], 4, normalize=False, padding=0),  # 4x4 -> 1x1
            nn.Flatten(),
            EqualizedLinear(sizes[0], 1, gain=1.0),
        )
        earlier = [
            nn.Sequential(*conv_act(sizes[k], sizes[k], 3, False), *conv_act(sizes[k], sizes[k - 1], 3, False), nn.AvgPool2d(2)) for k in range(1, len(sizes))
        ]
        self.blocks = nn.ModuleList([last, *earlier])

    def forward(self, images: Tensor) -> Tensor:
        level, alpha = int(self.level), float(self.alpha)
        images = resize(images, self.resolution)
        features = self.from_rgb[level](images)
        if level > 0:
            features = self.blocks[level](features)
            if alpha < 1:  # fade-in: the previous level's input path, on the images halved, blended with the new block
                features = torch.lerp(self.from_rgb[level - 1](resize(images, images.shape[-1] // 2)), features, alpha)
        for block in reversed(self.blocks[1:level]):
            features = block(features)
        return self.blocks[0](features).flatten()
