"""PixelCNN networks (van den Oord, Kalchbrenner & Kavukcuoglu 2016, "Pixel Recurrent Neural
Networks", sec. 3.4; van den Oord et al. 2016, "Conditional Image Generation with PixelCNN Decoders").

Images (N, C, H, W) in [-1, 1] -> (N, levels * C, H, W) logits, where the output for channel c of
pixel (i, j) sees only the pixels before (i, j) in raster order and, at (i, j) itself, the channels
before c (R, then G, then B). Masked convolutions enforce it: every layer's channels are split into C
interleaved groups (channel k belongs to group k mod C, group c standing for data channel c); at
the centre pixel a mask A (first layer) lets group c see the groups before it, a mask B (later
layers) also group c itself.

- `PixelCNN`: a 7x7 mask A convolution, residual blocks (1x1, 3x3 mask B, 1x1), two 1x1 mask B
  layers and the output: the paper's architecture (Figure 5), with a blind spot above-right of each pixel.
- `GatedPixelCNN`: vertical and horizontal stacks (no blind spot), gated units tanh(a) * sigmoid(b),
  residual connections in the horizontal stack (van den Oord et al. 2016, Figure 2).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.errors import ConfigError

MASKS = ("A", "B", "V")


def pixel_mask(out_channels: int, in_channels: int, kernel: tuple[int, int], mask: str, groups: int) -> Tensor:
    """The (out, in, kh, kw) mask of a masked convolution.

    A, B: rows above the centre and the pixels left of it in its row; at the centre, output group g
    sees input groups < g (A) or <= g (B). V (the vertical stack): every pixel of the rows up to and
    including the centre row; the stack's output reaches the horizontal one a row lower."""
    kh, kw = kernel
    mask_tensor = torch.zeros(out_channels, in_channels, kh, kw)
    centre_row, centre_col = kh // 2, kw // 2
    if mask == "V":
        mask_tensor[:, :, : centre_row + 1] = 1
        return mask_tensor
    mask_tensor[:, :, :centre_row] = 1
    mask_tensor[:, :, centre_row, :centre_col] = 1
    out_group = torch.arange(out_channels)[:, None] % groups
    in_group = torch.arange(in_channels)[None, :] % groups
    mask_tensor[:, :, centre_row, centre_col] = (out_group > in_group if mask == "A" else out_group >= in_group).float()
    return mask_tensor


class MaskedConv2d(nn.Conv2d):
    """A 'same' convolution whose weights are multiplied by `pixel_mask` on every call."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int | tuple[int, int], mask: str, groups: int = 1):
        kernel = (kernel, kernel) if isinstance(kernel, int) else tuple(kernel)
        if mask not in MASKS:
            raise ConfigError(f"mask {mask} is unknown: choose one of {', '.join(MASKS)}")
        super().__init__(in_channels, out_channels, kernel, padding=(kernel[0] // 2, kernel[1] // 2))
        self.register_buffer("mask", pixel_mask(out_channels, in_channels, kernel, mask, groups), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


def _check_widths(hidden: int, channels: int) -> None:
    if hidden % channels:
        raise ConfigError(f"the PixelCNN's hidden width {hidden} must be a multiple of the data's {channels} channels (one group each)")


class ResidualBlock(nn.Module):
    """x + 1x1(ReLU(3x3 mask B(ReLU(1x1(ReLU(x)))))), halving the width inside (the paper's Figure 5)."""

    def __init__(self, width: int, groups: int):
        super().__init__()
        half = width // 2
        self.body = nn.Sequential(
            nn.ReLU(), MaskedConv2d(width, half, 1, "B", groups),
            nn.ReLU(), MaskedConv2d(half, half, 3, "B", groups),
            nn.ReLU(), MaskedConv2d(half, width, 1, "B", groups),
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


def output_layers(width: int, channels: int, outputs_per_value: int) -> nn.Sequential:
    """ReLU, 1x1 mask B, ReLU, 1x1 mask B to outputs_per_value * channels logits."""
    return nn.Sequential(
        nn.ReLU(), MaskedConv2d(width, width, 1, "B", channels),
        nn.ReLU(), MaskedConv2d(width, outputs_per_value * channels, 1, "B", channels),
    )  # fmt: skip


class PixelCNN(nn.Module):
    """The paper's PixelCNN. Args: channels (C of the data), hidden (2h, a multiple of C), num_blocks
    (residual blocks; the paper: 15), outputs_per_value (the levels, set by the family)."""

    def __init__(self, channels: int = 1, hidden: int = 64, num_blocks: int = 6, outputs_per_value: int = 256):
        super().__init__()
        _check_widths(hidden // 2, channels)
        self.net = nn.Sequential(
            MaskedConv2d(channels, hidden, 7, "A", channels),
            *[ResidualBlock(hidden, channels) for _ in range(num_blocks)],
            output_layers(hidden, channels, outputs_per_value),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


def gate(x: Tensor) -> Tensor:
    """tanh(a) * sigmoid(b) for x = [a, b] on the channels."""
    a, b = x.chunk(2, dim=1)
    return torch.tanh(a) * torch.sigmoid(b)


def shift_down(x: Tensor) -> Tensor:
    """Row i takes row i - 1 (zeros in row 0): the vertical stack's view of the rows above."""
    return F.pad(x, (0, 0, 1, 0))[:, :, :-1]


class GatedBlock(nn.Module):
    """One layer of both stacks. The vertical stack (k x k, rows up to its own) feeds the horizontal
    one (1 x k, the pixels to the left, masked A in the first layer, B after) a row lower; gated units
    in both; the horizontal stack is residual after its first layer."""

    def __init__(self, in_channels: int, width: int, kernel: int, groups: int, first: bool):
        super().__init__()
        self.first = first
        self.vertical = MaskedConv2d(in_channels, 2 * width, kernel, "V", groups)
        self.horizontal = MaskedConv2d(in_channels, 2 * width, (1, kernel), "A" if first else "B", groups)
        self.vertical_to_horizontal = nn.Conv2d(2 * width, 2 * width, 1)  # rows above only: no mask needed
        self.out = MaskedConv2d(width, width, 1, "B", groups)

    def forward(self, vertical: Tensor, horizontal: Tensor) -> tuple[Tensor, Tensor]:
        v = self.vertical(vertical)
        h = self.horizontal(horizontal) + self.vertical_to_horizontal(shift_down(v))
        h = self.out(gate(h))
        return gate(v), h if self.first else horizontal + h


class GatedPixelCNN(nn.Module):
    """The gated PixelCNN. Args: channels (C), hidden (a multiple of C), num_layers (the paper: 20),
    kernel (odd), outputs_per_value (set by the family)."""

    def __init__(self, channels: int = 1, hidden: int = 64, num_layers: int = 8, kernel: int = 5, outputs_per_value: int = 256):
        super().__init__()
        _check_widths(hidden, channels)
        self.blocks = nn.ModuleList(
            GatedBlock(channels if i == 0 else hidden, hidden, kernel if i else max(kernel, 7), channels, first=i == 0) for i in range(num_layers)
        )
        self.output = output_layers(hidden, channels, outputs_per_value)

    def forward(self, x: Tensor) -> Tensor:
        vertical = horizontal = x
        for block in self.blocks:
            vertical, horizontal = block(vertical, horizontal)
        return self.output(horizontal)
