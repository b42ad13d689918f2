"""pix2pixHD's coarse-to-fine generator: Wang, Liu, Zhu, Tao, Kautz & Catanzaro 2018, "High-Resolution
Image Synthesis and Semantic Manipulation with Conditional GANs" (arXiv 1711.11585), sec. 3.2, Figure 3.

G = {G1, G2}. G1, the global generator, is the ResNet generator with four downsamplings, run on the
input downsampled 2x. G2, the local enhancer, has a front end (a 7x7 convolution and one stride-2
downsampling) whose output is added to G1's last feature map, then residual blocks, one upsampling
and a 7x7 convolution to the image. The multi-scale D and the feature-matching loss are pix2pix's
options (`gan_lightning.nets.patchgan`, `gan_lightning.models.Pix2Pix`).
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.nets.norms import norm_layer, normal_weights_init, uses_bias
from gan_lightning.nets.resnet import ResidualBlock, ResNetGenerator


class LocalEnhancer(nn.Module):
    """Images (N, in_channels, H, W) -> (N, out_channels, H, W) in [-1, 1].

    Args:
        in_channels, out_channels: the two domains' channels.
        base_width: the local enhancer's first layer (32 in the paper); G1 starts at twice it (64).
        global_downsamplings: G1's downsamplings (4).
        global_blocks: G1's residual blocks (9).
        local_blocks: G2's residual blocks (3).
        norm: instance (the paper), batch or none.
    """

    def __init__(
        self, in_channels: int = 3, out_channels: int = 3, base_width: int = 32, global_downsamplings: int = 4, global_blocks: int = 9,
        local_blocks: int = 3, norm: str = "instance",
    ):  # fmt: skip
        super().__init__()
        make_norm, bias = norm_layer(norm, "the local enhancer"), uses_bias(norm)
        w = base_width
        self.global_generator = ResNetGenerator(in_channels, out_channels, 2 * w, global_blocks, norm, global_downsamplings)
        self.front = nn.Sequential(
            nn.ReflectionPad2d(3), nn.Conv2d(in_channels, w, 7, bias=bias), make_norm(w), nn.ReLU(inplace=True),
            nn.Conv2d(w, 2 * w, 3, 2, 1, bias=bias), make_norm(2 * w), nn.ReLU(inplace=True),
        )  # fmt: skip
        self.back = nn.Sequential(
            *(ResidualBlock(2 * w, make_norm, bias) for _ in range(local_blocks)),
            nn.ConvTranspose2d(2 * w, w, 3, 2, 1, output_padding=1, bias=bias), make_norm(w), nn.ReLU(inplace=True),
            nn.ReflectionPad2d(3), nn.Conv2d(w, out_channels, 7), nn.Tanh(),
        )  # fmt: skip
        self.front.apply(normal_weights_init)
        self.back.apply(normal_weights_init)

    def forward(self, images: Tensor) -> Tensor:
        coarse = F.avg_pool2d(images, 3, stride=2, padding=1, count_include_pad=False)  # the paper's 2x downsampling
        return self.back(self.front(images) + self.global_generator.features(coarse))
