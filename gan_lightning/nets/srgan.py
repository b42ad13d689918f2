"""SRGAN's networks: Ledig et al. 2017, "Photo-Realistic Single Image Super-Resolution Using a
Generative Adversarial Network" (arXiv 1609.04802), Figure 4.

G (SRResNet): a 9x9 convolution and PReLU; B residual blocks (3x3 convolution, BatchNorm, PReLU, 3x3
convolution, BatchNorm, plus the block's input); a 3x3 convolution and BatchNorm added to the first
layer's output; one upsampling stage per factor 2 (a 3x3 convolution to 4x the channels,
PixelShuffle x2, PReLU); a 9x9 convolution to the image. Fully convolutional: any input size.

The upsampling convolutions start from ICNR (Aitken, Ledig et al. 2017, "Checkerboard artifact free
sub-pixel convolution", arXiv 1707.02937, the SRGAN authors' own remedy): the four filters that
PixelShuffle spreads over one 2x2 block start equal, so each stage starts as a convolution followed by
nearest-neighbour upsampling, and a constant image comes out constant, where independent filters
start every 2x2 block with a checkerboard the training must undo. Neither torch nor torchvision has
it; it is four lines (`icnr_`). `upsampling="resize"` replaces each stage by resize-convolution
(nearest-neighbour x2, then a 3x3 convolution, PReLU; Odena et al. 2016, "Deconvolution and
Checkerboard Artifacts"), which has one filter for every output phase, so no phase can drift from the
others during training either.

D: a 3x3 convolution and LeakyReLU(0.2), then seven 3x3 convolutions with BatchNorm and LeakyReLU
(k64 s2, k128 s1, k128 s2, k256 s1, k256 s2, k512 s1, k512 s2 for width 64), a dense layer of 1024,
LeakyReLU, and one logit.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from gan_lightning.errors import ConfigError


class ResidualBlock(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(width, width, 3, padding=1), nn.BatchNorm2d(width), nn.PReLU(),
            nn.Conv2d(width, width, 3, padding=1), nn.BatchNorm2d(width),
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


UPSAMPLING = {
    "pixel_shuffle": lambda width: [nn.Conv2d(width, 4 * width, 3, padding=1), nn.PixelShuffle(2), nn.PReLU()],
    "resize": lambda width: [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(width, width, 3, padding=1), nn.PReLU()],
}


class SRResNet(nn.Module):
    """Low-resolution images (N, C, h, w) -> (N, C, scale * h, scale * w), in [-1, 1] (a linear output).

    Args:
        in_channels, out_channels: image channels (3).
        width: channels of every layer (64 in the paper).
        blocks: residual blocks B (16 in the paper).
        scale: the upsampling factor, a power of 2 (4: two x2 stages).
        icnr: start the upsampling convolutions from ICNR (see the module docstring); False: PyTorch's
            default, independent filters (the SRGAN paper's network as published).
        upsampling: "pixel_shuffle" (the paper's sub-pixel convolution) or "resize" (nearest-neighbour
            x2, then a convolution: no filter per phase; `icnr` has nothing to act on).
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 3,
        width: int = 64,
        blocks: int = 16,
        scale: int = 4,
        icnr: bool = True,
        upsampling: str = "pixel_shuffle",
    ):
        super().__init__()
        doublings = math.log2(scale) if scale > 0 else 0.5
        if doublings < 1 or not doublings.is_integer():
            raise ConfigError(f"SRResNet upsamples in x2 stages: the scale must be 2, 4, 8, ..., not {scale}")
        if blocks < 1 or width < 1:
            raise ConfigError(f"SRResNet needs at least one residual block and one channel, not blocks={blocks}, width={width}")
        if upsampling not in UPSAMPLING:
            raise ConfigError(f"unknown SRResNet upsampling {upsampling!r}: use one of {', '.join(UPSAMPLING)}")
        self.scale = scale
        self.head = nn.Sequential(nn.Conv2d(in_channels, width, 9, padding=4), nn.PReLU())
        self.body = nn.Sequential(*(ResidualBlock(width) for _ in range(blocks)), nn.Conv2d(width, width, 3, padding=1), nn.BatchNorm2d(width))
        stages = [UPSAMPLING[upsampling](width) for _ in range(int(doublings))]
        self.upsample = nn.Sequential(*(layer for stage in stages for layer in stage))
        if icnr and upsampling == "pixel_shuffle":
            for stage in stages:
                icnr_(stage[0], 2)
        self.tail = nn.Conv2d(width, out_channels, 9, padding=4)

    def forward(self, x: Tensor) -> Tensor:
        features = self.head(x)
        return self.tail(self.upsample(features + self.body(features)))


@torch.no_grad()
def icnr_(conv: nn.Conv2d, factor: int) -> None:
    """ICNR in place for a convolution followed by PixelShuffle(factor): output channels c * factor^2
    + i (i < factor^2), which PixelShuffle puts at the factor x factor positions of channel c, all take
    filter c of the default initialisation (drawn with the layer's own fan-in), and its bias."""
    channels = conv.out_channels // factor**2
    conv.weight.copy_(conv.weight[:channels].repeat_interleave(factor**2, dim=0))
    if conv.bias is not None:
        conv.bias.copy_(conv.bias[:channels].repeat_interleave(factor**2))


class SRGANDiscriminator(nn.Module):
    """High-resolution images (N, C, S, S) -> logits (N,).

    Args:
        in_channels: image channels.
        image_size: S, the (patch) side it judges (96 in the paper); a multiple of 16.
        width: the first layer's channels (64); the later ones 2x, 4x, 8x it.
        dense: the dense layer's units (1024).
    """

    def __init__(self, in_channels: int = 3, image_size: int = 96, width: int = 64, dense: int = 1024):
        super().__init__()
        if image_size < 16 or image_size % 16:
            raise ConfigError(f"SRGAN's D halves the image four times and flattens it: its size must be a multiple of 16, not {image_size}")
        layers = [nn.Conv2d(in_channels, width, 3, padding=1), nn.LeakyReLU(0.2)]
        channels = width
        for out, stride in [(width, 2), (2 * width, 1), (2 * width, 2), (4 * width, 1), (4 * width, 2), (8 * width, 1), (8 * width, 2)]:
            layers += [nn.Conv2d(channels, out, 3, stride=stride, padding=1), nn.BatchNorm2d(out), nn.LeakyReLU(0.2)]
            channels = out
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(channels * (image_size // 16) ** 2, dense), nn.LeakyReLU(0.2), nn.Linear(dense, 1))
        self.image_size = image_size

    def forward(self, images: Tensor) -> Tensor:
        if images.shape[-2:] != (self.image_size, self.image_size):
            size = f"{images.shape[-1]}x{images.shape[-2]}"
            raise ConfigError(f"SRGAN's D judges {self.image_size}x{self.image_size} patches, not {size}: set its image_size to the data's patch size")
        return self.head(self.features(images)).flatten()
