"""The CycleGAN generator (Zhu et al. 2017, appendix 7.2, after Johnson et al. 2016) and pix2pixHD's
global generator (Wang et al. 2018, sec. 3.2), which is the same network with four downsamplings.

c7s1-64, d128, d256, R256 x n_blocks, u128, u64, c7s1-out: a 7x7 convolution, two stride-2
downsamplings, `num_blocks` residual blocks (6 for 128x128 images, 9 for 256x256), two stride-2
upsamplings and a 7x7 convolution with tanh. Reflection padding, instance norm, ReLU.
"""

from __future__ import annotations

from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.nets.norms import norm_layer, normal_weights_init, uses_bias


class ResidualBlock(nn.Module):
    """x + (reflect-pad, 3x3 conv, norm, ReLU, reflect-pad, 3x3 conv, norm)(x): the map keeps its size."""

    def __init__(self, width: int, make_norm, bias: bool):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(width, width, 3, bias=bias), make_norm(width), nn.ReLU(inplace=True),
            nn.ReflectionPad2d(1), nn.Conv2d(width, width, 3, bias=bias), make_norm(width),
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class ResNetGenerator(nn.Module):
    """Images (N, in_channels, H, W) -> (N, out_channels, H, W) in [-1, 1]; H and W multiples of 4.

    Args:
        in_channels, out_channels: channels of the two domains.
        base_width: channels of the first layer (64 in the paper); doubled by each downsampling.
        num_blocks: residual blocks at the lowest resolution (6 or 9 in the paper).
        norm: instance (the paper), batch or none.
        downsamplings: stride-2 convolutions down, and as many transposed ones up (2; pix2pixHD's
            global generator: 4); image sides must be multiples of 2^downsamplings.
    """

    def __init__(
        self, in_channels: int = 3, out_channels: int = 3, base_width: int = 64, num_blocks: int = 9, norm: str = "instance", downsamplings: int = 2
    ):
        super().__init__()
        if num_blocks < 0 or downsamplings < 0:
            raise ConfigError(f"the ResNet generator's num_blocks and downsamplings must be 0 or more, not {num_blocks} and {downsamplings}")
        make_norm, bias = norm_layer(norm, "the ResNet generator"), uses_bias(norm)
        w, self.downsamplings = base_width, downsamplings
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(in_channels, w, 7, bias=bias), make_norm(w), nn.ReLU(inplace=True)]
        for scale in (2**i for i in range(downsamplings)):  # d128, d256
            layers += [nn.Conv2d(w * scale, w * scale * 2, 3, 2, 1, bias=bias), make_norm(w * scale * 2), nn.ReLU(inplace=True)]
        layers += [ResidualBlock(w * 2**downsamplings, make_norm, bias) for _ in range(num_blocks)]
        for scale in (2**i for i in range(downsamplings, 0, -1)):  # u128, u64
            layers += [
                nn.ConvTranspose2d(w * scale, w * scale // 2, 3, 2, 1, output_padding=1, bias=bias),
                make_norm(w * scale // 2),
                nn.ReLU(inplace=True),
            ]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(w, out_channels, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(normal_weights_init)

    def features(self, images: Tensor) -> Tensor:
        """The last feature map before the output convolution (base_width channels, full size): what
        pix2pixHD's local enhancer adds its own features to."""
        multiple = 2**self.downsamplings
        if images.shape[-1] % multiple or images.shape[-2] % multiple:
            raise ConfigError(
                f"the ResNet generator halves the image {self.downsamplings} times and doubles it back: its sides must be "
                f"multiples of {multiple}, not {images.shape[-2]}x{images.shape[-1]}: set data.image_size to a multiple of {multiple}"
            )
        return self.net[:-3](images)

    def forward(self, images: Tensor) -> Tensor:
        return self.net[-3:](self.features(images))
