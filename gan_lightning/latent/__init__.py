"""What can be done in a trained family's latent space. This module: walking it for any family that
samples through a prior (`HasLatentSpace`), interpolation and vector arithmetic; `editing`: attribute
directions found from labelled samples; `inversion`: the latent code of given images; `styles`: the
pictures of a style-based generator's style space. `python -m gan_lightning.explore` draws them all.

- `lerp` and `slerp` paths between latents. Gaussian latents concentrate near a sphere, and a linear
  path between two of them cuts through its inside, where G has seen no training inputs; the
  spherical path keeps the norm (Shoemake 1985; White 2016, "Sampling Generative Networks").
- `arithmetic`: G(mean z of group A - mean z of group B + mean z of group C), the DCGAN paper's
  "smiling woman - neutral woman + neutral man" (Radford et al. 2015, sec. 6.3): averaging several
  z per concept makes the result stable where single vectors are not.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from gan_lightning.capabilities import HasLatentSpace
from gan_lightning.errors import ConfigError
from gan_lightning.priors import Latent, UniformPrior

METHODS = ("lerp", "slerp")


def lerp(a: Tensor, b: Tensor, t: Tensor | float) -> Tensor:
    """(1 - t) a + t b."""
    return a + (b - a) * t


def slerp(a: Tensor, b: Tensor, t: Tensor | float, eps: float = 1e-7) -> Tensor:
    """Spherical interpolation of the last axis: along the great circle between the directions of a
    and b, sin((1 - t) w) / sin(w) a + sin(t w) / sin(w) b, with w the angle between them. Parallel
    vectors (w near 0) fall back to lerp."""
    t = torch.as_tensor(t, dtype=a.dtype, device=a.device)
    cosine = (a * b).sum(-1, keepdim=True) / (a.norm(dim=-1, keepdim=True) * b.norm(dim=-1, keepdim=True)).clamp_min(eps)
    omega = torch.arccos(cosine.clamp(-1.0, 1.0))
    sin_omega = torch.sin(omega)
    parallel = sin_omega.abs() < eps
    safe = torch.where(parallel, torch.ones_like(sin_omega), sin_omega)
    spherical = torch.sin((1 - t) * omega) / safe * a + torch.sin(t * omega) / safe * b
    return torch.where(parallel, lerp(a, b, t), spherical)


def interpolate(a: Tensor, b: Tensor, steps: int, method: str = "slerp") -> Tensor:
    """(steps, ...) latents from a to b, both ends included."""
    if method not in METHODS:
        raise ConfigError(f"interpolation method={method} is unknown: choose one of {', '.join(METHODS)}")
    if steps < 2:
        raise ConfigError(f"an interpolation needs at least 2 steps, not {steps}")
    t = torch.linspace(0, 1, steps, dtype=a.dtype, device=a.device).view(steps, *([1] * a.dim()))
    return (slerp if method == "slerp" else lerp)(a.unsqueeze(0), b.unsqueeze(0), t)


def interpolation_grid(model: HasLatentSpace, rows: int = 8, steps: int = 8, method: str = "slerp", seed: int = 0, labels: Tensor | None = None) -> Tensor:
    """(rows * steps) samples: each row walks from one random latent to another. A conditional family
    keeps each row's condition: its label (given, or class r mod K for row r) and the attributes of
    the row's first draw."""
    if model.prior.conditional:
        labels = (model.prior.labels_of(range(rows)) if labels is None else torch.as_tensor(labels)).repeat_interleave(2)
    ends = model.prior.sample(2 * rows, stream=torch.Generator().manual_seed(seed), labels=labels, truncate=True)
    path = torch.cat([interpolate(ends.z[2 * r], ends.z[2 * r + 1], steps, method) for r in range(rows)])
    first = ends[::2]
    return model.generate(Latent(path, *(None if part is None else part.repeat_interleave(steps, dim=0) for part in (first.labels, first.attributes))))


def arithmetic(
    model: HasLatentSpace,
    groups: Sequence[Tensor],
    signs: Sequence[int] = (1, -1, 1),
    spread: float = 0.25,
    count: int = 9,
    seed: int = 0,
) -> Tensor:
    """`count` samples around the latent sum of signs[i] * mean(groups[i]) (z vectors, (n_i, d) each):
    the first at the sum itself, the others with N(0, spread^2) added, as the DCGAN paper shows them."""
    if len(groups) != len(signs) or not groups:
        raise ConfigError(f"vector arithmetic needs one sign per group: got {len(groups)} groups and {len(signs)} signs")
    if any(len(group) == 0 for group in groups):
        raise ConfigError("a group of latents for vector arithmetic is empty: give it at least one z")
    result = sum(sign * group.mean(dim=0) for sign, group in zip(signs, groups))
    stream = torch.Generator().manual_seed(seed)
    offsets = spread * torch.randn(count, result.numel(), generator=stream).to(result.device)
    offsets[0] = 0
    return model.generate(Latent(result.unsqueeze(0) + offsets))


def set_latent_truncation(model, threshold: float | None) -> None:
    """The tools' truncation=...: sample with the prior's Gaussian entries beyond `threshold` redrawn
    (BigGAN's truncation trick) instead of the checkpoint's own setting (None: keep it)."""
    if threshold is None:
        return
    if not isinstance(model, HasLatentSpace) or not hasattr(model.prior, "truncation"):
        raise ConfigError(f"truncation redraws a prior's large z; {type(model).__name__} samples through none: drop it")
    if threshold <= 0:
        raise ConfigError(f"truncation must be positive, not {threshold}")
    if isinstance(model.prior, UniformPrior):
        raise ConfigError("a uniform prior has no tails to truncate: drop truncation")
    model.prior.truncation = threshold
