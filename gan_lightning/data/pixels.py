"""Views of [-1, 1] images that scores are taken on: [0, 1] pixels, the luma channel, an inner crop,
the frames of clips. Data modules name the view their task is scored on (`scored`); the metrics compute on it."""

from __future__ import annotations

import torch
from torch import Tensor


def to_unit(images: Tensor) -> Tensor:
    """[-1, 1] -> [0, 1] pixels, the range PSNR and SSIM are reported on."""
    return ((images.float() + 1) / 2).clamp(0, 1)


def luma(images: Tensor) -> Tensor:
    """[-1, 1] RGB -> the Y channel of YCbCr (ITU-R BT.601, as MATLAB's rgb2ycbcr: 16/255 to 235/255),
    the channel super-resolution papers score PSNR and SSIM on."""
    weights = torch.tensor([65.481, 128.553, 24.966], device=images.device) / 255
    return (to_unit(images) * weights[:, None, None]).sum(dim=1, keepdim=True) + 16 / 255


def cropped(images: Tensor, border: int) -> Tensor:
    """Images without a strip of `border` pixels on every side."""
    return images[..., border : images.shape[-2] - border, border : images.shape[-1] - border].contiguous() if border else images


def frames_of(samples: Tensor) -> Tensor:
    """A batch of clips (N, C, T, H, W) as its frames (N * T, C, H, W), clip after clip; images as they are.
    Image metrics score a clip frame by frame, and grids show it as a row of frames."""
    return samples.transpose(1, 2).flatten(0, 1) if samples.dim() == 5 else samples
