"""The normalisation layers image-to-image networks choose from by name."""

from __future__ import annotations

from functools import partial
from typing import Callable

from torch import nn

from gan_lightning.errors import ConfigError

NORMS = ("batch", "instance", "none")


def norm_layer(norm: str, network: str) -> Callable[[int], nn.Module]:
    """A constructor channels -> layer. pix2pix uses BatchNorm, CycleGAN InstanceNorm without learned
    affine parameters or running statistics (as the authors' code)."""
    if norm == "batch":
        return nn.BatchNorm2d
    if norm == "instance":
        return partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)
    if norm == "none":
        return lambda channels: nn.Identity()
    raise ConfigError(f"{network} norm={norm} is unknown: choose one of {', '.join(NORMS)}")


def uses_bias(norm: str) -> bool:
    """A convolution followed by BatchNorm needs no bias (the norm's shift replaces it); InstanceNorm
    without affine parameters and no norm keep it, as in the authors' code."""
    return norm != "batch"


def translation_weights_init(module: nn.Module) -> None:
    """Isola et al. 2017 and Zhu et al. 2017 (their code's 'normal' init): weights from N(0, 0.02),
    BatchNorm scales from N(1, 0.02), biases 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
