"""BiGAN / ALI networks (Donahue et al. 2017, arXiv 1605.09782; Dumoulin et al. 2017, arXiv 1606.00704):
an encoder E: x -> z, and a discriminator that judges (x, z) pairs."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from gan_lightning.nets.dcgan import DCGANDiscriminator


class DCGANEncoder(nn.Module):
    """Images (N, channels, image_size, image_size) -> z (N, latent_dim): the DCGAN discriminator's
    strided convolutions, with a last 4x4 convolution to latent_dim linear outputs."""

    def __init__(self, latent_dim: int = 100, image_size: int = 64, channels: int = 3, base_width: int = 64, norm: str = "batch"):
        super().__init__()
        self.latent_dim = latent_dim
        trunk = DCGANDiscriminator(image_size=image_size, channels=channels, base_width=base_width, norm=norm, output_layer=False)
        self.net = nn.Sequential(*trunk.net, nn.Conv2d(trunk.feature_width // 16, latent_dim, 4, 1, 0))  # 4x4 map -> z

    def forward(self, images: Tensor) -> Tensor:
        return self.net(images).flatten(1)


class JointDiscriminator(nn.Module):
    """(x, z) pairs -> logits (N,): x's features from an image discriminator's trunk (`net`, partial;
    its output layer is dropped) and z's from a hidden layer meet in a joint MLP, with dropout as in ALI.

    Args:
        net: a partial discriminator config with `features()`, `feature_width` and `output_layer`
            (built without its output layer).
        latent_dim: size of z.
        hidden: width of z's layer and of the joint layer.
        dropout: dropout after each hidden layer.
    """

    def __init__(self, net: Callable[..., nn.Module], latent_dim: int, hidden: int = 512, dropout: float = 0.2):
        super().__init__()
        self.image = net(output_layer=False)
        self.latent = nn.Sequential(nn.Linear(latent_dim, hidden), nn.LeakyReLU(0.2), nn.Dropout(dropout))
        self.joint = nn.Sequential(nn.Linear(self.image.feature_width + hidden, hidden), nn.LeakyReLU(0.2), nn.Dropout(dropout), nn.Linear(hidden, 1))

    def forward(self, x: Tensor, z: Tensor) -> Tensor:
        return self.joint(torch.cat([self.image.features(x).flatten(1), self.latent(z)], dim=1)).flatten()
