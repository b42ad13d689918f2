"""The context encoder: Pathak, Krähenbühl, Donahue, Darrell & Efros 2016, "Context Encoders: Feature
Learning by Inpainting" (arXiv 1604.07379), sec. 3.1 and Figure 2.

An encoder of 4x4 stride-2 convolutions (BatchNorm, LeakyReLU 0.2) from the image and its hole mask
down to a 4x4 map; the channel-wise fully connected layer (each channel's 4x4 map fully connected to
itself, no weights across channels) and a 1x1 convolution that mixes the channels; a decoder of 4x4
stride-2 transposed convolutions (BatchNorm, ReLU) back to the image, tanh. The output keeps the known
pixels and takes the decoder's only in the hole. Weights start as the authors' code's (DCGAN's normal init).
`upsampling="resize"` makes each decoder step nearest-neighbour x2 then a 3x3 convolution (Odena et al.
2016, "Deconvolution and Checkerboard Artifacts"), without the grid that 4x4 stride-2 transposed
convolutions leave at their stride.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.nets.norms import normal_weights_init


class ChannelwiseFullyConnected(nn.Module):
    """(N, C, H, W) -> (N, C, H, W): every channel's H x W map through its own fully connected layer,
    C (HW)^2 weights where a full layer would have (C HW)^2 (sec. 3.1)."""

    def __init__(self, channels: int, size: int):
        super().__init__()
        area = size * size
        self.weight = nn.Parameter(torch.randn(channels, area, area) / math.sqrt(area))
        self.bias = nn.Parameter(torch.zeros(channels, area))

    def forward(self, x: Tensor) -> Tensor:
        flat = x.flatten(2)  # (N, C, HW)
        return (torch.einsum("ncp,cpq->ncq", flat, self.weight) + self.bias).view_as(x)


UPSAMPLING = {
    "transposed": lambda into, out: nn.ConvTranspose2d(into, out, 4, 2, 1),
    "resize": lambda into, out: nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(into, out, 3, 1, 1)),
}


class ContextEncoderGenerator(nn.Module):
    """(N, channels + 1, S, S): images with their holes and the mask (1 in the hole) as the last
    channel -> the inpainted images (N, channels, S, S).

    Args:
        channels: image channels.
        image_size: S, a power of 2, at least 8.
        width: the first encoder layer's channels, doubled per halving up to 8x.
        upsampling: each decoder step's x2: "transposed" (the paper's up-convolution) or "resize".
    """

    def __init__(self, channels: int = 3, image_size: int = 64, width: int = 64, upsampling: str = "transposed"):
        super().__init__()
        if upsampling not in UPSAMPLING:
            raise ConfigError(f"unknown context encoder upsampling {upsampling!r}: use one of {', '.join(UPSAMPLING)}")
        up = UPSAMPLING[upsampling]
        halvings = math.log2(image_size / 4) if image_size >= 8 else 0
        if halvings < 1 or not halvings.is_integer():
            raise ConfigError(f"the context encoder halves the image down to 4x4: its size must be 8, 16, 32, 64, ..., not {image_size}")
        widths = [min(width * 2**i, 8 * width) for i in range(int(halvings))]
        encoder: list[nn.Module] = []
        for i, out in enumerate(widths):
            encoder += [nn.Conv2d(channels + 1 if i == 0 else widths[i - 1], out, 4, 2, 1)]
            encoder += [nn.LeakyReLU(0.2)] if i == 0 else [nn.BatchNorm2d(out), nn.LeakyReLU(0.2)]
        self.encoder = nn.Sequential(*encoder)
        self.bottleneck = nn.Sequential(ChannelwiseFullyConnected(widths[-1], 4), nn.Conv2d(widths[-1], widths[-1], 1), nn.BatchNorm2d(widths[-1]), nn.ReLU())
        decoder: list[nn.Module] = []
        for i in reversed(range(1, len(widths))):
            decoder += [up(widths[i], widths[i - 1]), nn.BatchNorm2d(widths[i - 1]), nn.ReLU()]
        self.decoder = nn.Sequential(*decoder, up(widths[0], channels), nn.Tanh())
        self.channels = channels
        self.apply(normal_weights_init)  # the authors' weights_init: convolutions N(0, 0.02), BatchNorm scales N(1, 0.02)

    def forward(self, inputs: Tensor) -> Tensor:
        return self.keep_known(inputs, self.paint(inputs))

    @staticmethod
    def keep_known(inputs: Tensor, painted: Tensor) -> Tensor:
        """The inpainted images: the known pixels of `inputs`, `painted`'s in the hole."""
        images, mask = inputs[:, :-1], inputs[:, -1:]
        return images * (1 - mask) + painted * mask

    def paint(self, inputs: Tensor) -> Tensor:
        """The decoder's whole image, before the known pixels are put back (the loss's overlap term
        reads it around the hole)."""
        if inputs.shape[1] != self.channels + 1:
            got = inputs.shape[1]
            raise ConfigError(f"the context encoder takes {self.channels} image channels and the hole's mask, not {got} channels: use data=inpainting's inputs")
        return self.decoder(self.bottleneck(self.encoder(inputs)))
