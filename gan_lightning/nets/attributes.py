"""Networks that take a vector condition beside their input: Attribute2Image's (Yan et al. 2016)
encoders q(z | x, y) and decoders p(x | z, y), y an attribute vector, the layered decoder of its
disCVAE (a foreground with a gate over a background), an attribute GAN's G(z, y) and D(x, y), and
the chairs generator's up-convolutional network (Dosovitskiy et al. 2015).

The authors' code joins y late (a linear layer on y beside the image trunk's features, and beside z
in the decoder); here the encoder takes y as constant planes on the image's channels (as cGAN's concat
D takes a label) and the decoder takes [z, y], so any encoder or decoder config can be conditioned.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn


class ConditionedImageNet(nn.Module):
    """(images (N, C, H, W), condition (N, D)) -> the wrapped network's outputs (an encoder's posterior,
    a discriminator's logits) for the images with D constant planes more, plane d holding condition[:, d].

    Args:
        net: a partial network config taking `channels`, built here with channels + condition_dim.
        condition_dim: D (set by the family).
    """

    def __init__(self, net: Callable[..., nn.Module], condition_dim: int = 0):
        super().__init__()
        self.condition_dim = self.attribute_dim = condition_dim
        self.net = net(channels=net.keywords["channels"] + condition_dim)
        self.latent_dim = getattr(self.net, "latent_dim", None)

    def forward(self, images: Tensor, condition: Tensor) -> Tensor:
        planes = condition.to(images)[:, :, None, None].expand(-1, -1, *images.shape[2:])
        return self.net(torch.cat([images, planes], dim=1))


class ConditionedDecoder(nn.Module):
    """(z (N, latent_dim), attributes (N, attribute_dim)) -> the wrapped decoder's outputs for [z, attributes].

    Args:
        net: a partial decoder config taking `latent_dim`, built here with latent_dim + attribute_dim.
        attribute_dim: size of the attribute vector (set by the family).
        latent_dim: size of z.
        arguments: more for the decoder (`outputs_per_value`, set by the family).
    """

    def __init__(self, net: Callable[..., nn.Module], latent_dim: int, attribute_dim: int = 0, **arguments):
        super().__init__()
        self.attribute_dim, self.latent_dim = attribute_dim, latent_dim
        self.net = net(latent_dim=latent_dim + attribute_dim, **arguments)

    def forward(self, z: Tensor, attributes: Tensor) -> Tensor:
        return self.net(torch.cat([z, attributes.to(z)], dim=1))


class LayeredDecoder(nn.Module):
    """disCVAE's decoder (Yan et al. 2016, sec. 3.2): z = [z_F, z_B]; the foreground network maps
    (z_F, y) to a foreground x_F (tanh) and a background gate g (sigmoid, one channel more), the
    background network maps z_B (and y, with `condition_background`) to x_B (tanh), and the image is
    x = (1 - g) * x_F + g * x_B.

    Args:
        foreground, background: partial decoder configs taking `latent_dim` and `channels`.
        attribute_dim: size of y (set by the family).
        foreground_dim, background_dim: sizes of z_F and z_B.
        channels: the image's.
        condition_background: the background network takes y too. The authors' takes z_B alone (their
            attributes describe the face or bird); the shapes' attributes include the background colour.
    """

    def __init__(
        self,
        foreground: Callable[..., nn.Module],
        background: Callable[..., nn.Module],
        attribute_dim: int = 0,
        foreground_dim: int = 12,
        background_dim: int = 4,
        channels: int = 3,
        condition_background: bool = True,
    ):
        super().__init__()
        self.attribute_dim, self.foreground_dim, self.condition_background = attribute_dim, foreground_dim, condition_background
        self.latent_dim = foreground_dim + background_dim
        self.foreground = ConditionedDecoder(foreground, foreground_dim, attribute_dim, channels=channels + 1)
        self.background = ConditionedDecoder(background, background_dim, attribute_dim if condition_background else 0, channels=channels)

    def layers(self, z: Tensor, attributes: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(x_F, g, x_B) for z = [z_F, z_B]."""
        z_foreground, z_background = z.split([self.foreground_dim, self.latent_dim - self.foreground_dim], dim=1)
        foreground = self.foreground(z_foreground, attributes)
        background = self.background(z_background, attributes if self.condition_background else attributes[:, :0])
        return foreground[:, :-1].tanh(), foreground[:, -1:].sigmoid(), background.tanh()

    def forward(self, z: Tensor, attributes: Tensor) -> Tensor:
        foreground, gate, background = self.layers(z, attributes)
        return (1 - gate) * foreground + gate * background


class UpConvGenerator(nn.Module):
    """Dosovitskiy, Springenberg & Brox 2015 ("Learning to Generate Chairs with Convolutional Neural
    Networks", arXiv 1411.5928): (z, attributes) -> an image and its segmentation mask, (N, C + 1, S, S).

    The attributes pass two fully connected layers of `hidden` units, a third maps them to a 4x4 map
    of `base_width` * 2^k channels; each of k up-convolutions (the paper's unpooling then 5x5
    convolution, here a stride-2 transposed convolution) doubles the side and halves the channels,
    each followed by a 3x3 convolution, LeakyReLU(0.3) throughout (the paper's slope). The image's
    C channels and the mask's one come from the last map. z is optional (latent_dim 0: the paper's
    generator has none).

    Args:
        attribute_dim: size of the attributes (set by the family).
        latent_dim: size of z, joined to the attributes (0: none).
        image_size: S = 4 * 2^k.
        channels: C.
        base_width: channels at the image's side (the paper: 32 at 128x128 after 92 to 256).
        hidden: width of the fully connected layers (the paper: 512, then 1024).
    """

    def __init__(self, attribute_dim: int = 0, latent_dim: int = 0, image_size: int = 32, channels: int = 3, base_width: int = 32, hidden: int = 512):
        super().__init__()
        from gan_lightning.nets.dcgan import doublings_from_4x4

        self.attribute_dim, self.latent_dim = attribute_dim, latent_dim
        doublings = doublings_from_4x4(image_size, "up-convolutional generator")
        width = base_width * 2**doublings
        self.fully_connected = nn.Sequential(
            nn.Linear(attribute_dim + latent_dim, hidden), nn.LeakyReLU(0.3), nn.Linear(hidden, hidden), nn.LeakyReLU(0.3),
            nn.Linear(hidden, width * 16), nn.LeakyReLU(0.3), nn.Unflatten(1, (width, 4, 4)),
        )  # fmt: skip
        layers: list[nn.Module] = []
        for _ in range(doublings):
            layers += [nn.ConvTranspose2d(width, width // 2, 4, 2, 1), nn.LeakyReLU(0.3), nn.Conv2d(width // 2, width // 2, 3, 1, 1), nn.LeakyReLU(0.3)]
            width //= 2
        self.up = nn.Sequential(*layers, nn.Conv2d(width, channels + 1, 3, 1, 1))

    def forward(self, z: Tensor, attributes: Tensor) -> Tensor:
        return self.up(self.fully_connected(torch.cat([z, attributes.to(z)], dim=1)))
