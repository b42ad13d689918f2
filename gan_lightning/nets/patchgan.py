"""PatchGAN discriminators (Isola et al. 2017, sec. 3.2.2 and 4.4), and the multi-scale version of
pix2pixHD (Wang et al. 2018, sec. 3.2).

A PatchGAN classifies each N x N patch of its input as real or fake and outputs the grid of those
scores; its receptive field N is the patch size. The paper compares:

- `pixel`  1x1 (PixelGAN): 1x1 convolutions C64-C128-1, colour statistics only;
- `16`     16x16: C64(stride 2)-C128-1;
- `70`     70x70 (the default): C64-C128-C256 (stride 2)-C512-1;
- `full`   the whole image (ImageGAN): stride-2 layers down to a 4x4 map and a 4x4 convolution to
           one score per image (the paper's 286x286 for 256x256 images).

Ck: 4x4 convolution with k filters, norm (none on the first layer), LeakyReLU(0.2); the last layer
is a 4x4 (1x1 for pixel) convolution to one channel. `num_scales` > 1 runs copies of the network on
the input downsampled by 2, 4, ... (pix2pixHD); `layer_outputs` returns every layer's output for its
feature-matching loss.
"""

from __future__ import annotations

import math

import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.nets.norms import norm_layer, normal_weights_init, uses_bias

RECEPTIVE_FIELDS = ("pixel", "16", "70", "full")


def layer_plan(receptive_field: str, image_size: int) -> list[tuple[int, int, int]]:
    """(kernel, stride, padding) of each convolution, the output layer last."""
    if receptive_field == "pixel":
        return [(1, 1, 0)] * 3
    if receptive_field == "16":
        return [(4, 2, 1), (4, 1, 1), (4, 1, 1)]
    if receptive_field == "70":
        return [(4, 2, 1)] * 3 + [(4, 1, 1), (4, 1, 1)]
    if receptive_field == "full":
        halvings = math.log2(image_size / 4) if image_size > 0 else -1
        if halvings < 1 or not halvings.is_integer():
            raise ConfigError(
                f"the full-image discriminator halves the image down to 4x4: data.image_size must be 4*2^k "
                f"(8, 16, 32, 64, ...), not {image_size}"
            )
        return [(4, 2, 1)] * int(halvings) + [(4, 1, 0)]
    raise ConfigError(f"receptive_field={receptive_field} is unknown: choose one of {', '.join(RECEPTIVE_FIELDS)}")


def receptive_field_size(plan: list[tuple[int, int, int]]) -> int:
    """The side of the input patch one output score sees: r_in = (r_out - 1) * stride + kernel, from the top."""
    size = 1
    for kernel, stride, _ in reversed(plan):
        size = (size - 1) * stride + kernel
    return size


def output_size(plan: list[tuple[int, int, int]], image_size: int) -> int:
    """The side of the score grid for a square input of `image_size`."""
    size = image_size
    for kernel, stride, padding in plan:
        size = (size + 2 * padding - kernel) // stride + 1
    return size


class PatchDiscriminator(nn.Module):
    """Images (N, in_channels, S, S) -> scores (N, 1, s, s), one per patch of the receptive field.

    Args:
        in_channels: channels of what D judges (pix2pix: input and output concatenated).
        image_size: side S (used by `full` only, to reach a single score).
        receptive_field: pixel, 16, 70 or full (see the module docstring).
        base_width: filters of the first layer (64 in the paper), doubled per layer up to 8x.
        norm: batch (pix2pix), instance (CycleGAN) or none (for gradient penalties).
    """

    def __init__(self, in_channels: int = 6, image_size: int = 256, receptive_field: str = "70", base_width: int = 64, norm: str = "batch"):
        super().__init__()
        self.plan = layer_plan(str(receptive_field), image_size)
        self.receptive_field = receptive_field_size(self.plan)
        self.grid_size = output_size(self.plan, image_size)
        if self.grid_size < 1:
            raise ConfigError(
                f"a {receptive_field} PatchGAN leaves no score for {image_size}x{image_size} images: use images of "
                f"at least 32 pixels (data.image_size) or a smaller receptive field (16, pixel)"
            )
        make_norm, bias = norm_layer(norm, "the PatchGAN discriminator"), uses_bias(norm)
        self.layers = nn.ModuleList()
        width = in_channels
        for i, (kernel, stride, padding) in enumerate(self.plan):
            if i == len(self.plan) - 1:
                self.layers.append(nn.Conv2d(width, 1, kernel, stride, padding))
                break
            out = base_width * min(2**i, 8)
            norm_here = [] if i == 0 else [make_norm(out)]
            self.layers.append(nn.Sequential(nn.Conv2d(width, out, kernel, stride, padding, bias=bias or i == 0), *norm_here, nn.LeakyReLU(0.2, inplace=True)))
            width = out
        self.apply(normal_weights_init)

    def layer_outputs(self, images: Tensor) -> list[Tensor]:
        """Every layer's output; the last is the score grid."""
        outputs, x = [], images
        for layer in self.layers:
            x = layer(x)
            outputs.append(x)
        return outputs

    def forward(self, images: Tensor) -> Tensor:
        return self.layer_outputs(images)[-1]


class PatchGAN(nn.Module):
    """One PatchGAN per scale: scale k judges the input average-pooled k times by 2 (pix2pixHD).

    `forward` returns the list of score grids, one per scale; `layer_outputs` the list of each
    scale's layer outputs (for pix2pixHD's feature matching). With num_scales=1 this is the pix2pix / CycleGAN discriminator.
    """

    def __init__(self, num_scales: int = 1, image_size: int = 256, **patch_args):
        super().__init__()
        if num_scales < 1:
            raise ConfigError(f"the discriminator's num_scales must be at least 1, not {num_scales}")
        if image_size % 2 ** (num_scales - 1):
            raise ConfigError(f"num_scales={num_scales} halves the image {num_scales - 1} times: data.image_size={image_size} must allow it")
        self.scales = nn.ModuleList(
            PatchDiscriminator(image_size=image_size // 2**k, **patch_args) for k in range(num_scales)
        )

    @property
    def receptive_field(self) -> int:
        """The first scale's receptive field in input pixels (scale k sees 2^k times more)."""
        return self.scales[0].receptive_field

    def scaled_inputs(self, images: Tensor) -> list[Tensor]:
        inputs = [images]
        for _ in range(len(self.scales) - 1):
            inputs.append(F.avg_pool2d(inputs[-1], 3, stride=2, padding=1, count_include_pad=False))
        return inputs

    def judged(self, images: Tensor) -> list[tuple[PatchDiscriminator, Tensor]]:
        """Each scale's network and input, the coarser scales left out where their input is too small
        to leave a score (images of other shapes than the training ones: InGAN's retargeted outputs)."""
        pairs = list(zip(self.scales, self.scaled_inputs(images)))
        return pairs[:1] + [(net, x) for net, x in pairs[1:] if output_size(net.plan, min(x.shape[-2:])) >= 1]

    def layer_outputs(self, images: Tensor) -> list[list[Tensor]]:
        return [net.layer_outputs(x) for net, x in self.judged(images)]

    def forward(self, images: Tensor) -> list[Tensor]:
        return [net(x) for net, x in self.judged(images)]
