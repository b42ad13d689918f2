"""The pix2pix generator: a U-Net (Isola et al. 2017, sec. 3.2.1 and appendix 6.1.1).

An encoder-decoder whose layer i is joined by a skip connection to layer n - i, so low-level
structure shared by input and output (edges, positions) can bypass the bottleneck. Encoder:
stride-2 4x4 convolutions, LeakyReLU(0.2), BatchNorm except on the first and the innermost layer.
Decoder: ReLU, stride-2 4x4 transposed convolutions, BatchNorm, dropout 0.5 in the three innermost
layers (the paper's only noise: "we provide noise only in the form of dropout", kept at test time in
the paper, and by pix2pix's default model.inference=paper), tanh at the output. Channels double from
`base_width` up to 8x.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.nets.norms import norm_layer, normal_weights_init, uses_bias


def unet_depth(image_size: int) -> int:
    """Stride-2 layers that take a square image of `image_size` down to 1x1 (image_size = 2^k, k >= 2)."""
    depth = math.log2(image_size) if image_size > 0 else -1
    if depth < 2 or not depth.is_integer():
        sizes = ", ".join(str(2**k) for k in range(4, 10))
        raise ConfigError(
            f"the U-Net generator takes square images of side 2^k down to 1x1 ({sizes}, ...), "
            f"not data.image_size={image_size}: set data.image_size to one of those"
        )
    return int(depth)


class UNetGenerator(nn.Module):
    """Images (N, in_channels, S, S) -> images (N, out_channels, S, S) in [-1, 1], S = 2^depth.

    Args:
        in_channels, out_channels: channels of the input and output domains.
        image_size: side S; the encoder has log2(S) layers, down to 1x1 (8 for the paper's 256x256).
        base_width: channels of the first layer (the paper's 64), doubled per layer up to 8 x base_width.
        norm: batch (the paper), instance or none.
        dropout: dropout probability in the `dropout_layers` innermost decoder layers (0.5, 3 in the paper).
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 3,
        image_size: int = 256,
        base_width: int = 64,
        norm: str = "batch",
        dropout: float = 0.5,
        dropout_layers: int = 3,
    ):
        super().__init__()
        depth = unet_depth(image_size)
        make_norm, bias = norm_layer(norm, "the U-Net generator"), uses_bias(norm)
        widths = [base_width * min(2**i, 8) for i in range(depth)]  # encoder layer i outputs widths[i]

        self.down = nn.ModuleList()
        for i, width in enumerate(widths):
            if i == 0:
                self.down.append(nn.Conv2d(in_channels, width, 4, 2, 1))  # no norm follows: a bias (the authors' code has none)
                continue
            innermost = i == depth - 1
            # In place: the skip it overwrites reaches the decoder through a ReLU, and ReLU(LeakyReLU(x))
            # = ReLU(x), values and gradients alike (as in the authors' code); one tensor fewer a layer.
            layers = [nn.LeakyReLU(0.2, inplace=True), nn.Conv2d(widths[i - 1], width, 4, 2, 1, bias=bias or innermost)]
            self.down.append(nn.Sequential(*layers, *([] if innermost else [make_norm(width)])))

        # Decoder layer i undoes encoder layer i: it reads encoder i's output (innermost) or that joined
        # with the decoder output from below (2 x widths[i]) and writes widths[i - 1] channels.
        self.up = nn.ModuleList()
        for i in reversed(range(depth)):
            in_width = widths[i] if i == depth - 1 else 2 * widths[i]
            if i == 0:
                self.up.append(nn.Sequential(nn.ReLU(inplace=True), nn.ConvTranspose2d(in_width, out_channels, 4, 2, 1), nn.Tanh()))
                continue
            layers = [nn.ReLU(inplace=True), nn.ConvTranspose2d(in_width, widths[i - 1], 4, 2, 1, bias=bias), make_norm(widths[i - 1])]
            if depth - 1 - i < dropout_layers and dropout > 0:
                layers.append(nn.Dropout(dropout))
            self.up.append(nn.Sequential(*layers))
        self.apply(normal_weights_init)

    def forward(self, images: Tensor) -> Tensor:
        skips = []
        x = images
        for layer in self.down:
            x = layer(x)
            skips.append(x)
        skips.pop()  # the innermost output feeds the decoder directly
        for layer in self.up[:-1]:
            x = torch.cat([layer(x), skips.pop()], dim=1)
        return self.up[-1](x)
