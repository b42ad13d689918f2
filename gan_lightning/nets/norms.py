"""Normalisation layers, chosen by name the same way in every network.

- batch: BatchNorm (DCGAN, pix2pix), statistics over the batch;
- layer: each sample normalised over all its features (channels and positions), with a learned
  scale and shift per channel: GroupNorm with one group, which on flat features (N, C) is LayerNorm.
  The norm of WGAN-GP's critic: it does not mix the samples of a batch, which would break the
  per-sample gradient penalty (Gulrajani et al. 2017, sec. 4);
- instance: each sample and channel over its positions, without learned parameters or running
  statistics (CycleGAN, as the authors' code); images only;
- none.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from torch import nn

from gan_lightning.errors import ConfigError

NORMS = ("batch", "layer", "instance", "none")


def norm_layer(norm: str, network: str, dims: int = 2) -> Callable[[int], nn.Module]:
    """A constructor channels -> layer, for images (dims=2) or flat features (dims=1)."""
    if norm == "batch":
        return nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d
    if norm == "layer":
        return partial(nn.GroupNorm, 1)
    if norm == "instance" and dims == 2:
        return partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)
    if norm == "none":
        return lambda channels: nn.Identity()
    names = NORMS if dims == 2 else tuple(n for n in NORMS if n != "instance")
    raise ConfigError(f"{network} norm={norm} is unknown: choose one of {', '.join(names)}")


def uses_bias(norm: str) -> bool:
    """A layer followed by a norm with its own shift (batch, layer) needs no bias; InstanceNorm without
    affine parameters and no norm keep it, as in the translation papers' code."""
    return norm not in ("batch", "layer")


def normal_weights_init(module: nn.Module, std: float = 0.02) -> None:
    """The N(0, 0.02) init of DCGAN (Radford et al., sec. 4) that pix2pix and CycleGAN kept (Isola et al.
    2017, Zhu et al. 2017: their code's 'normal' init): convolution weights from N(0, std), BatchNorm
    scales from N(1, 0.02), biases 0 (VGAN's code takes std 0.01: `functools.partial`)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Conv3d, nn.ConvTranspose3d)):
        nn.init.normal_(module.weight, 0.0, std)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.BatchNorm3d)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
