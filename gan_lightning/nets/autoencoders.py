"""Encoders and decoders of the VAE (Kingma & Welling 2014): images or flat data in, the parameters
of a diagonal Gaussian posterior out; latents in, the outputs a likelihood reads out
(`gan_lightning.losses.likelihoods`: `outputs_per_value` numbers per data value).

The convolutional pair halves (doubles) the image with stride-2 4x4 convolutions between the data
and a 4x4 map, as DCGAN's networks do, with a fully connected hidden layer at the 4x4 end; ReLU
throughout and no normalisation, so a sample's posterior does not depend on its batch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from torch import Tensor, nn

from gan_lightning.nets.dcgan import doublings_from_4x4


def mlp(in_features: int, out_features: int, hidden_dims: Sequence[int]) -> nn.Sequential:
    """Linear layers with ReLU between them."""
    layers: list[nn.Module] = []
    for width in hidden_dims:
        layers += [nn.Linear(in_features, width), nn.ReLU(inplace=True)]
        in_features = width
    return nn.Sequential(*layers, nn.Linear(in_features, out_features))


class ConvEncoder(nn.Module):
    """Images (N, channels, S, S) -> (N, 2 * latent_dim): the mean and log-variance of q(z | x).

    Args:
        image_size: S = 4 * 2^k.
        channels: image channels.
        latent_dim: dimensions of z.
        base_width: channels after the first convolution, doubling per halving.
        hidden: width of the fully connected layer.
    """

    def __init__(self, image_size: int = 32, channels: int = 1, latent_dim: int = 16, base_width: int = 32, hidden: int = 256):
        super().__init__()
        self.latent_dim = latent_dim
        layers: list[nn.Module] = []
        width, in_channels = base_width, channels
        for _ in range(doublings_from_4x4(image_size, "convolutional encoder")):
            layers += [nn.Conv2d(in_channels, width, 4, 2, 1), nn.ReLU(inplace=True)]
            in_channels, width = width, width * 2
        self.net = nn.Sequential(*layers, nn.Flatten(), mlp(in_channels * 16, 2 * latent_dim, [hidden]))

    def forward(self, images: Tensor) -> Tensor:
        return self.net(images)


class ConvDecoder(nn.Module):
    """z (N, latent_dim) -> (N, outputs_per_value * channels, S, S), mirroring `ConvEncoder`.

    Args:
        outputs_per_value: the likelihood's numbers per data value (set by the family).
        Others: as `ConvEncoder`.
    """

    def __init__(self, latent_dim: int = 16, image_size: int = 32, channels: int = 1, base_width: int = 32, hidden: int = 256, outputs_per_value: int = 1):
        super().__init__()
        self.latent_dim = latent_dim
        doublings = doublings_from_4x4(image_size, "convolutional decoder")
        width = base_width * 2 ** (doublings - 1)
        layers: list[nn.Module] = [mlp(latent_dim, width * 16, [hidden]), nn.ReLU(inplace=True), nn.Unflatten(1, (width, 4, 4))]
        for i in range(doublings):
            out = outputs_per_value * channels if i == doublings - 1 else width // 2
            layers.append(nn.ConvTranspose2d(width, out, 4, 2, 1))
            if i < doublings - 1:
                layers.append(nn.ReLU(inplace=True))
            width = out
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)


class MLPEncoder(nn.Module):
    """Samples (N, *shape) -> (N, 2 * latent_dim), through ReLU layers (2D points, small images)."""

    def __init__(self, shape: Sequence[int], latent_dim: int = 2, hidden_dims: Sequence[int] = (128, 128)):
        super().__init__()
        self.latent_dim = latent_dim
        self.net = mlp(math.prod(shape), 2 * latent_dim, hidden_dims)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x.flatten(1))


class MLPDecoder(nn.Module):
    """z (N, latent_dim) -> (N, outputs_per_value * D) for samples of `shape` (D values), through ReLU
    layers; (N, outputs_per_value * C, H, W) for images of shape (C, H, W)."""

    def __init__(self, shape: Sequence[int], latent_dim: int = 2, hidden_dims: Sequence[int] = (128, 128), outputs_per_value: int = 1):
        super().__init__()
        self.latent_dim, self.shape = latent_dim, tuple(shape)
        self.net = mlp(latent_dim, outputs_per_value * math.prod(shape), hidden_dims)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z).view(len(z), -1, *self.shape[1:])
