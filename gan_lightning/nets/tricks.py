"""Discriminator-side tricks that are layers: packing and minibatch standard deviation."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gan_lightning.errors import ConfigError


def pack_samples(samples: Tensor, pack: int) -> Tensor:
    """PacGAN (Lin et al. 2018): D judges `pack` samples at once, concatenated along the first
    feature axis: (N, C, ...) -> (N / pack, pack * C, ...). Consecutive samples form a pack."""
    if pack == 1:
        return samples
    if len(samples) % pack:
        raise ConfigError(f"packing {pack} samples needs a batch divisible by {pack}, got {len(samples)}: adjust data.batch_size")
    return samples.reshape(len(samples) // pack, pack * samples.shape[1], *samples.shape[2:])


class MinibatchStdDev(nn.Module):
    """Karras et al. 2018 (ProGAN), sec. 3: one extra feature map holding the standard deviation of
    each feature over the batch, averaged over features and positions, so D can see low variety."""

    def forward(self, x: Tensor) -> Tensor:
        spread = x.std(dim=0, unbiased=False).mean()  # a scalar for the whole batch
        return torch.cat([x, spread.expand(len(x), 1, *x.shape[2:])], dim=1)
