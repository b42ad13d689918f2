"""BEGAN's networks (Berthelot, Schumm & Metz 2017, "BEGAN: Boundary Equilibrium Generative
Adversarial Networks", arXiv 1703.10717, sec. 3.5 and Figure 1), also EBGAN's autoencoder D.

A decoder maps h (N_h numbers) through a linear layer to an 8x8 map of n channels, then per doubling
two 3x3 convolutions with ELU and a nearest-neighbour upsampling, and a last 3x3 convolution to the
image; G is such a decoder. The encoder mirrors it: a 3x3 convolution, then per halving two 3x3
convolutions with ELU and a stride-2 convolution whose filters grow linearly (n, 2n, 3n, ...), and a
linear layer to h. No BatchNorm anywhere. skip=True gives the paper's skip connections: the first
8x8 map, upsampled, is joined to the input of every later block of the decoder.
D is an autoencoder, encoder then decoder; BEGAN and EBGAN judge an image by how well D rebuilds it.
`ShallowAutoencoder` is a weaker D than the paper's, the kind public MNIST ports of BEGAN use.
"""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.errors import ConfigError


def doublings_from_8x8(image_size: int, network: str) -> int:
    k = math.log2(image_size / 8) if image_size > 0 else -1
    if k < 0 or not k.is_integer():
        raise ConfigError(f"the {network} builds square images of side 8*2^k (8, 16, 32, 64, ...), not data.image_size={image_size}")
    return int(k)


def conv_elu(in_channels: int, out_channels: int) -> list[nn.Module]:
    return [nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.ELU(inplace=True)]


class BEGANDecoder(nn.Module):
    """h (N, latent_dim) -> images (N, channels, image_size, image_size); G, and D's second half."""

    def __init__(self, latent_dim: int = 64, image_size: int = 32, channels: int = 1, width: int = 32, skip: bool = False):
        super().__init__()
        self.latent_dim, self.width, self.skip = latent_dim, width, skip
        self.input = nn.Linear(latent_dim, width * 64)
        doublings = doublings_from_8x8(image_size, "BEGAN decoder")
        joined = 2 * width if skip else width
        self.blocks = nn.ModuleList(
            [nn.Sequential(*conv_elu(width, width), *conv_elu(width, width))]
            + [nn.Sequential(*conv_elu(joined, width), *conv_elu(width, width)) for _ in range(doublings)]
        )
        self.output = nn.Conv2d(width, channels, 3, padding=1)

    def forward(self, h: Tensor) -> Tensor:
        start = self.input(h).view(h.shape[0], self.width, 8, 8)
        x = self.blocks[0](start)
        for block in self.blocks[1:]:
            x = F.interpolate(x, scale_factor=2, mode="nearest")
            if self.skip:
                x = torch.cat([x, F.interpolate(start, size=x.shape[-2:], mode="nearest")], dim=1)
            x = block(x)
        return self.output(x)


class BEGANEncoder(nn.Module):
    """images -> h (N, code_dim); D's first half."""

    def __init__(self, image_size: int = 32, channels: int = 1, width: int = 32, code_dim: int = 64):
        super().__init__()
        halvings = doublings_from_8x8(image_size, "BEGAN encoder")
        layers: list[nn.Module] = conv_elu(channels, width)
        for k in range(halvings):  # filters n, 2n, ...: after each halving one more n
            wide = (k + 1) * width
            layers += [*conv_elu(wide, wide), *conv_elu(wide, wide), nn.Conv2d(wide, wide + width, 3, stride=2, padding=1), nn.ELU(inplace=True)]
        layers += [*conv_elu((halvings + 1) * width, (halvings + 1) * width), *conv_elu((halvings + 1) * width, (halvings + 1) * width)]
        self.net = nn.Sequential(*layers, nn.Flatten(), nn.Linear((halvings + 1) * width * 64, code_dim))

    def forward(self, images: Tensor) -> Tensor:
        return self.net(images)


class AutoencoderDiscriminator(nn.Module):
    """D(x) = decoder(encoder(x)): BEGAN's and EBGAN's D. `encode` gives the code (EBGAN's pulling-away
    term reads it)."""

    def __init__(self, image_size: int = 32, channels: int = 1, width: int = 32, code_dim: int = 64, skip: bool = False):
        super().__init__()
        self.encoder = BEGANEncoder(image_size, channels, width, code_dim)
        self.decoder = BEGANDecoder(code_dim, image_size, channels, width, skip)

    def encode(self, images: Tensor) -> Tensor:
        return self.encoder(images)

    def forward(self, images: Tensor) -> Tensor:
        return self.decoder(self.encoder(images))


@runtime_checkable
class Autoencoder(Protocol):
    """A D that rebuilds its input and gives the code it rebuilds from (EBGAN's pulling-away term reads it)."""

    def encode(self, images: Tensor) -> Tensor: ...

    def __call__(self, images: Tensor) -> Tensor: ...


class ShallowAutoencoder(nn.Module):
    """A shallow autoencoder D: one 4x4 stride-2 convolution of `width` filters with ReLU, a linear
    bottleneck of code_dim numbers, a linear layer back to the half-size map, and one 4x4 stride-2
    transposed convolution to the image. No activation around the bottleneck and no norms: a weak,
    nearly linear D of the kind MNIST ports of BEGAN use (znxlwm/pytorch-generative-model-collections).
    On the built-in digits the paper's deep ELU D rebuilds G's first samples almost as well as the real
    digits, so k stays near 0 and G collapses (bench/RESULTS.md, BEGAN); the port's D rebuilds them at
    a third of the real digits' error, so k grows and D pushes G's samples away."""

    def __init__(self, image_size: int = 32, channels: int = 1, width: int = 64, code_dim: int = 32):
        super().__init__()
        if image_size < 2 or image_size % 2:
            raise ConfigError(f"the shallow autoencoder halves the image once: data.image_size must be even, not {image_size}")
        half = image_size // 2
        self.encoder = nn.Sequential(
            nn.Conv2d(channels, width, 4, stride=2, padding=1), nn.ReLU(inplace=True), nn.Flatten(), nn.Linear(width * half * half, code_dim)
        )
        self.decoder = nn.Sequential(
            nn.Linear(code_dim, width * half * half), nn.Unflatten(1, (width, half, half)), nn.ConvTranspose2d(width, channels, 4, stride=2, padding=1)
        )

    def encode(self, images: Tensor) -> Tensor:
        return self.encoder(images)

    def forward(self, images: Tensor) -> Tensor:
        return self.decoder(self.encoder(images))
