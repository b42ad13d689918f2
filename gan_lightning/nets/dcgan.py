"""DCGAN networks (Radford, Metz & Chintala 2015, arXiv 1511.06434, sec. 3).

No fully connected or pooling layers: G grows a 4x4 map by stride-2 transposed convolutions with
BatchNorm and ReLU (tanh at the output); D mirrors it with stride-2 convolutions, LeakyReLU(0.2) and
BatchNorm (none on its input layer), and a final 4x4 convolution gives one logit per image.
All weights start from N(0, 0.02). A layer has a bias where no normalisation with its own shift
follows: without one (D's input and output layers; every layer with norm=none, as SNGAN's critic
has), D(0) = 0 and D(a x) = a D(x), and a G facing such a critic only learns to shrink its samples.
"""

from __future__ import annotations

import math

from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.nets.norms import norm_layer, normal_weights_init, uses_bias
from gan_lightning.nets.tricks import MinibatchDiscrimination, MinibatchStdDev, apply_spectral_norm, pack_samples


def doublings_from_4x4(image_size: int, network: str) -> int:
    """How many stride-2 layers turn a 4x4 map into `image_size` (image_size = 4 * 2**k, k >= 1)."""
    k = math.log2(image_size / 4) if image_size > 0 else -1
    if k < 1 or not k.is_integer():
        sizes = ", ".join(str(4 * 2**i) for i in range(1, 7))
        raise ConfigError(
            f"the {network} builds square images of side 4*2^k ({sizes}, ...), "
            f"not data.image_size={image_size}: set data.image_size to one of those"
        )
    return int(k)


# Device types where DCGAN's G and D train faster with channels-last weights (trainer.channels_last=auto):
# bench/peers.py, bench/RESULTS.md "Speed against peers". Not yet measured on a GPU: there, trainer.channels_last=true.
CHANNELS_LAST_FASTER_ON = ("cpu",)


class DCGANGenerator(nn.Module):
    """z (N, latent_dim) -> images (N, channels, image_size, image_size) in [-1, 1].

    spectral_norm=True normalises every layer's weight by its largest singular value, as SAGAN and
    BigGAN do in G too (Zhang et al. 2019).
    """

    channels_last_faster_on = CHANNELS_LAST_FASTER_ON

    def __init__(self, latent_dim: int = 100, image_size: int = 64, channels: int = 3, base_width: int = 64, spectral_norm: bool = False):
        super().__init__()
        self.latent_dim = latent_dim
        doublings = doublings_from_4x4(image_size, "DCGAN generator")
        width = base_width * 2 ** (doublings - 1)
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(latent_dim, width, 4, 1, 0, bias=False),  # 1x1 -> 4x4
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
        ]
        for _ in range(doublings - 1):
            layers += [
                nn.ConvTranspose2d(width, width // 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(width // 2),
                nn.ReLU(inplace=True),
            ]
            width //= 2
        layers += [nn.ConvTranspose2d(width, channels, 4, 2, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(normal_weights_init)
        if spectral_norm:
            apply_spectral_norm(self.net)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z.view(*z.shape, 1, 1))


class DCGANDiscriminator(nn.Module):
    """Images (N, channels, image_size, image_size) -> logits (N,).

    Args:
        norm: "batch" (the paper), "layer" (for gradient penalties) or "none" (`gan_lightning.nets.norms`).
        slope: the LeakyReLU's negative slope (0.2 in DCGAN, 0.1 in SNGAN's standard CNN).
        spectral_norm: divide each weight by its largest singular value (Miyato et al. 2018).
        pack: judge this many samples at once (PacGAN); batches must be divisible by it.
        minibatch_std: add the minibatch standard deviation map before the last layer (ProGAN).
        minibatch_kernels: if > 0, minibatch discrimination (Salimans et al. 2016) with this many
            kernels on the flattened last feature map, and a linear output layer.
        output_layer: False builds the trunk alone, for a network that only reads `features()` (BiGAN's
            joint D): `head()` and `forward()` then do not exist.
    """

    channels_last_faster_on = CHANNELS_LAST_FASTER_ON

    def __init__(
        self,
        image_size: int = 64,
        channels: int = 3,
        base_width: int = 64,
        norm: str = "batch",
        spectral_norm: bool = False,
        pack: int = 1,
        minibatch_std: bool = False,
        minibatch_kernels: int = 0,
        output_layer: bool = True,
        slope: float = 0.2,
    ):
        super().__init__()
        self.pack, self.output_layer = pack, output_layer
        make_norm, bias = norm_layer(norm, "DCGAN discriminator"), uses_bias(norm)
        doublings = doublings_from_4x4(image_size, "DCGAN discriminator")
        layers: list[nn.Module] = [
            nn.Conv2d(channels * pack, base_width, 4, 2, 1),  # no norm on the input layer: a bias
            nn.LeakyReLU(slope, inplace=True),
        ]
        width = base_width
        for _ in range(doublings - 1):
            layers += [
                nn.Conv2d(width, width * 2, 4, 2, 1, bias=bias),
                make_norm(width * 2),
                nn.LeakyReLU(slope, inplace=True),
            ]
            width *= 2
        if minibatch_std:
            layers.append(MinibatchStdDev())
            width += 1
        self.feature_width = width * 16 + minibatch_kernels  # what features() holds per sample, flattened
        if minibatch_kernels:  # the 4x4 convolution below is a linear layer on the flattened map
            layers += [nn.Flatten(), MinibatchDiscrimination(width * 16, minibatch_kernels)]
        if output_layer:
            layers.append(nn.Linear(self.feature_width, 1) if minibatch_kernels else nn.Conv2d(width, 1, 4, 1, 0))
        self.net = nn.Sequential(*layers)
        self.apply(normal_weights_init)
        if spectral_norm:
            apply_spectral_norm(self.net)

    def features(self, images: Tensor) -> Tensor:
        """What the output layer sees: (N / pack, width, 4, 4), or flat with minibatch discrimination."""
        trunk = self.net[:-1] if self.output_layer else self.net
        return trunk(pack_samples(images, self.pack))

    def head(self, features: Tensor) -> Tensor:
        """The output layer: features -> logits (N / pack,)."""
        return self.net[-1](features).flatten()

    def forward(self, images: Tensor) -> Tensor:
        return self.head(self.features(images))
