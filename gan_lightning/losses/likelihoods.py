"""Observation models p(x | network outputs) of the likelihood families (VAE decoder, PixelCNN).

A network emits `outputs_per_value` numbers for each data value (each channel of each pixel, or each
coordinate of a point); the likelihood turns them into a distribution over the data, built on
torch.distributions. Images are modelled as what they are, discrete: `levels` intensity values per
channel (17 for the 8x8 digits' ink counts, 256 for 8-bit images), so -log p(x) is a true negative
log-likelihood in nats, comparable across models as bits per dimension. Continuous data (2D points)
gets a Gaussian, whose -log p(x) is a density and has no bits per dimension.

Layouts: images (N, outputs_per_value * C, H, W) with output k * C + c for value k of channel c
(channel groups interleave, as PixelCNN's masks need); flat data (N, outputs_per_value * D).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import torch
from torch import Tensor
from torch.distributions import Categorical, Distribution, Independent, Normal

from gan_lightning.errors import ConfigError


def to_levels(x: Tensor, levels: int) -> Tensor:
    """Values in [-1, 1] -> the nearest of `levels` evenly spaced integers 0..levels-1."""
    return ((x.clamp(-1, 1) + 1) / 2 * (levels - 1)).round().long()


def from_levels(k: Tensor, levels: int) -> Tensor:
    """Integers 0..levels-1 -> values in [-1, 1]."""
    return k.float() / (levels - 1) * 2 - 1


def split_outputs(outputs: Tensor, per_value: int) -> Tensor:
    """(N, per_value * C, ...) -> (N, C, ..., per_value): each data value's outputs on the last axis."""
    return outputs.unflatten(1, (per_value, -1)).movedim(1, -1)  # no batch size baked in: exports keep N free


class CategoricalLikelihood:
    """A softmax over the `levels` intensity values of each channel of each pixel, independent given
    the outputs (a VAE's decoder; PixelCNN's outputs condition each value on those before it)."""

    discrete = True

    def __init__(self, levels: int = 256):
        if levels < 2:
            raise ConfigError(f"a categorical likelihood needs at least 2 intensity levels, not {levels}")
        self.levels = levels
        self.outputs_per_value = levels

    def distribution(self, outputs: Tensor) -> Distribution:
        """Independent categoricals, one event per sample."""
        logits = split_outputs(outputs, self.levels)
        return Independent(Categorical(logits=logits), logits.dim() - 2)

    def log_prob(self, outputs: Tensor, x: Tensor) -> Tensor:
        """log p(x) per sample, in nats: x in [-1, 1], read as its nearest level."""
        return self.distribution(outputs).log_prob(to_levels(x, self.levels))

    def mean(self, outputs: Tensor) -> Tensor:
        """E[x] under the distribution, in [-1, 1]."""
        probabilities = split_outputs(outputs, self.levels).softmax(dim=-1)
        values = from_levels(torch.arange(self.levels, device=outputs.device), self.levels)
        return probabilities @ values

    def sample(self, outputs: Tensor, streams: Sequence[torch.Generator]) -> Tensor:
        """One draw of every value per sample, sample i's from streams[i], in [-1, 1]."""

        def one(row: Tensor, stream: torch.Generator) -> Tensor:
            cumulative = split_outputs(row[None], self.levels)[0].softmax(dim=-1).cumsum(dim=-1)
            uniforms = torch.rand(cumulative.shape[:-1], generator=stream)
            return from_levels((cumulative < uniforms[..., None]).sum(dim=-1).clamp(max=self.levels - 1), self.levels)

        return draw_each(one, outputs, streams)


class GaussianLikelihood:
    """N(mean, scale^2) per coordinate, the network giving the mean and log-scale (continuous data,
    such as the 2D mixtures). The log-scale is kept above `min_log_scale`, so the density stays finite."""

    discrete = False
    levels = None
    outputs_per_value = 2

    def __init__(self, min_log_scale: float = -7.0):
        self.min_log_scale = min_log_scale

    def distribution(self, outputs: Tensor) -> Distribution:
        mean, log_scale = split_outputs(outputs, 2).unbind(-1)
        return Independent(Normal(mean, log_scale.clamp_min(self.min_log_scale).exp()), mean.dim() - 1)

    def log_prob(self, outputs: Tensor, x: Tensor) -> Tensor:
        return self.distribution(outputs).log_prob(x)

    def mean(self, outputs: Tensor) -> Tensor:
        return split_outputs(outputs, 2)[..., 0]

    def sample(self, outputs: Tensor, streams: Sequence[torch.Generator]) -> Tensor:
        """mean + scale * eps per sample, sample i's eps from streams[i]."""

        def one(row: Tensor, stream: torch.Generator) -> Tensor:
            mean, log_scale = split_outputs(row[None], 2)[0].unbind(-1)
            return mean + log_scale.clamp_min(self.min_log_scale).exp() * torch.randn(mean.shape, generator=stream)

        return draw_each(one, outputs, streams)


def stream_of(values: Tensor) -> torch.Generator:
    """A random stream keyed by a tensor's values: the same values, the same stream, on any batch or process."""
    digest = hashlib.blake2b(values.detach().double().cpu().numpy().tobytes(), digest_size=8).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest, "little") >> 1)


def draw_each(distribution_of_one, outputs: Tensor, streams: Sequence[torch.Generator]) -> Tensor:
    """One draw per sample, sample i from streams[i] (on the CPU, then moved to the outputs' device)."""
    return torch.stack([distribution_of_one(row.cpu(), stream) for row, stream in zip(outputs.float(), streams)]).to(outputs.device)


def bits_per_dimension(nats: Tensor, dimensions: int) -> Tensor:
    """-log2 p(x) / D: a negative log-likelihood in nats per sample, per data dimension in bits."""
    return nats / (dimensions * math.log(2))
