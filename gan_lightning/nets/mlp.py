"""Fully connected networks of the original GAN (Goodfellow et al. 2014, sec. 5).

The paper's G mixes ReLU hidden layers with a bounded output; here the output is tanh so samples
live in [-1, 1] like the data. Its D used maxout units with dropout; here LeakyReLU(0.2) with
dropout, which trains as well on images and needs no extra layer type.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from torch import Tensor, nn


def _hidden_stack(
    in_features: int, hidden_dims: Sequence[int], activation: Callable[[], nn.Module], dropout: float = 0.0
) -> tuple[list[nn.Module], int]:
    """Linear + activation (+ dropout) per hidden width; returns the layers and the last width."""
    layers: list[nn.Module] = []
    for width in hidden_dims:
        layers += [nn.Linear(in_features, width), activation()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        in_features = width
    return layers, in_features


class MLPGenerator(nn.Module):
    """z (N, latent_dim) -> samples (N, *shape) in [-1, 1]."""

    def __init__(self, shape: Sequence[int], latent_dim: int = 100, hidden_dims: Sequence[int] = (256, 512, 1024)):
        super().__init__()
        self.latent_dim = latent_dim
        self.shape = tuple(shape)
        layers, width = _hidden_stack(latent_dim, hidden_dims, nn.ReLU)
        layers += [nn.Linear(width, math.prod(self.shape)), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z).view(len(z), *self.shape)


class MLPDiscriminator(nn.Module):
    """Samples (N, *shape) -> logits (N,)."""

    def __init__(self, shape: Sequence[int], hidden_dims: Sequence[int] = (1024, 512, 256), dropout: float = 0.3):
        super().__init__()
        layers, width = _hidden_stack(math.prod(shape), hidden_dims, lambda: nn.LeakyReLU(0.2), dropout)
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x.flatten(1)).flatten()
