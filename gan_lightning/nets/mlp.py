"""Fully connected networks of the original GAN (Goodfellow et al. 2014, sec. 5).

The paper's G mixes ReLU hidden layers with a bounded output; here the output is tanh so samples
live in [-1, 1] like the data. Its D used maxout units with dropout; here LeakyReLU(0.2) with
dropout, which trains as well on images and needs no extra layer type.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.nets.tricks import pack_samples


def _hidden_stack(
    in_features: int,
    hidden_dims: Sequence[int],
    activation: Callable[[], nn.Module],
    dropout: float = 0.0,
    batch_norm: bool = False,
) -> tuple[list[nn.Module], int]:
    """Linear (+ batch norm) + activation (+ dropout) per hidden width; returns the layers and the last width."""
    layers: list[nn.Module] = []
    for width in hidden_dims:
        layers += [nn.Linear(in_features, width), *([nn.BatchNorm1d(width)] if batch_norm else []), activation()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        in_features = width
    return layers, in_features


OUTPUTS = {"tanh": nn.Tanh, "linear": nn.Identity}


class MLPGenerator(nn.Module):
    """z (N, latent_dim) -> samples (N, *shape): in [-1, 1] with output="tanh" (images), unbounded
    with output="linear" (2D mixtures). batch_norm=True adds BatchNorm before each ReLU (PacGAN's G)."""

    def __init__(
        self,
        shape: Sequence[int],
        latent_dim: int = 100,
        hidden_dims: Sequence[int] = (256, 512, 1024),
        batch_norm: bool = False,
        output: str = "tanh",
    ):
        super().__init__()
        if output not in OUTPUTS:
            raise ConfigError(f"MLP generator output={output} is unknown: choose one of {', '.join(OUTPUTS)}")
        self.latent_dim = latent_dim
        self.shape = tuple(shape)
        layers, width = _hidden_stack(latent_dim, hidden_dims, nn.ReLU, batch_norm=batch_norm)
        layers += [nn.Linear(width, math.prod(self.shape)), OUTPUTS[output]()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z).view(len(z), *self.shape)


class MLPDiscriminator(nn.Module):
    """Samples (N, *shape) -> logits (N / pack,); pack > 1 judges packs of samples (PacGAN)."""

    def __init__(self, shape: Sequence[int], hidden_dims: Sequence[int] = (1024, 512, 256), dropout: float = 0.3, pack: int = 1):
        super().__init__()
        self.pack = pack
        layers, width = _hidden_stack(math.prod(shape) * pack, hidden_dims, lambda: nn.LeakyReLU(0.2), dropout)
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(pack_samples(x.flatten(1), self.pack)).flatten()


class Maxout(nn.Module):
    """Goodfellow et al. 2013: `units` outputs, each the maximum of `pieces` linear functions."""

    def __init__(self, in_features: int, units: int, pieces: int):
        super().__init__()
        self.units, self.pieces = units, pieces
        self.linear = nn.Linear(in_features, units * pieces)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x).view(len(x), self.units, self.pieces).amax(dim=2)


class MaxoutDiscriminator(nn.Module):
    """Samples (N, *shape) -> logits (N / pack,) through maxout layers, the D of the original GAN and
    of the PacGAN mode-coverage protocol (3 layers of 200 units x 5 pieces; pack > 1 is PacGAN)."""

    def __init__(self, shape: Sequence[int], hidden_dims: Sequence[int] = (200, 200, 200), pieces: int = 5, pack: int = 1):
        super().__init__()
        self.pack = pack
        layers: list[nn.Module] = []
        width = math.prod(shape) * pack
        for units in hidden_dims:
            layers.append(Maxout(width, units, pieces))
            width = units
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(pack_samples(x.flatten(1), self.pack)).flatten()
