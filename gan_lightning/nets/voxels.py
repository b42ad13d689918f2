"""3D-GAN's networks (Wu, Zhang, Xue, Freeman & Tenenbaum 2016, "Learning a Probabilistic Latent
Space of Object Shapes via 3D Generative-Adversarial Modeling", sec. 3.1): DCGAN's design in three
dimensions. G: z (200) -> a 4x4x4 grid of 512 channels by a 4x4x4 transposed convolution, then
stride-2 4x4x4 transposed convolutions with BatchNorm and ReLU halving the channels, to one channel
of occupancy (the paper's sigmoid; tanh here, the [-1, 1] the data takes). D mirrors it: stride-2
4x4x4 convolutions with BatchNorm and LeakyReLU(0.2), then one logit. The paper's grid is 64^3
(512-256-128-64 channels); here the grid is the data's, 4 * 2^k. Weights from N(0, 0.02), as DCGAN's
(the paper does not say).
"""

from __future__ import annotations

from torch import Tensor, nn

from gan_lightning.nets.dcgan import doublings_from_4x4
from gan_lightning.nets.norms import normal_weights_init
from gan_lightning.nets.vgan import grown_from_z


class VoxelGenerator(nn.Module):
    """z (N, latent_dim) -> volumes (N, channels, S, S, S) in [-1, 1].

    Args:
        latent_dim: z's size (the paper's 200).
        image_size: the grid's side S = 4 * 2^k (the paper's 64).
        channels: 1 (occupancy).
        base_width: the last hidden layer's channels, doubled per layer towards z (the paper's 64).
    """

    def __init__(self, latent_dim: int = 200, image_size: int = 32, channels: int = 1, base_width: int = 64):
        super().__init__()
        self.latent_dim = latent_dim
        doublings = doublings_from_4x4(image_size, "voxel generator")
        width = base_width * 2 ** (doublings - 1)
        body, last = grown_from_z(nn.ConvTranspose3d, nn.BatchNorm3d, latent_dim, width, 4, doublings - 1)
        self.net = nn.Sequential(*body, nn.ConvTranspose3d(last, channels, 4, 2, 1), nn.Tanh())
        self.apply(normal_weights_init)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z[:, :, None, None, None])


class VoxelDiscriminator(nn.Module):
    """Volumes (N, channels, S, S, S) -> logits (N,)."""

    def __init__(self, image_size: int = 32, channels: int = 1, base_width: int = 64):
        super().__init__()
        doublings = doublings_from_4x4(image_size, "voxel discriminator")
        layers: list[nn.Module] = [nn.Conv3d(channels, base_width, 4, 2, 1, bias=False), nn.BatchNorm3d(base_width), nn.LeakyReLU(0.2, inplace=True)]
        width = base_width
        for _ in range(doublings - 1):
            layers += [nn.Conv3d(width, 2 * width, 4, 2, 1, bias=False), nn.BatchNorm3d(2 * width), nn.LeakyReLU(0.2, inplace=True)]
            width *= 2
        layers.append(nn.Conv3d(width, 1, 4))
        self.net = nn.Sequential(*layers)
        self.apply(normal_weights_init)

    def forward(self, volumes: Tensor) -> Tensor:
        return self.net(volumes).flatten()
