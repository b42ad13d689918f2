"""Pictures of a style-based generator's style space (StyleGAN, Karras et al. 2019): the grids of
`python -m gan_lightning.explore mode=style_mixing|truncation|noise`.

- `style_mixing_grid`: the paper's Figure 3: the top row holds the "fine" sources, the left column
  the "coarse" sources, and each cell takes its coarse source's styles at the resolutions up to
  `crossover` and its fine source's above it.
- `truncation_grid`: Figure 8: each row one z, psi from 0 (the mean w) to 1 (no truncation).
- `noise_grid`: Figure 4: each row one w under several noise draws, then the per-pixel standard
  deviation of the draws (white: what the noise changes).
"""

from __future__ import annotations

import torch
from torch import Tensor

from gan_lightning.capabilities import HasStyles
from gan_lightning.errors import ConfigError
from gan_lightning.models.stylegan import mix_styles


def crossover_layer(model: HasStyles, crossover: int) -> int:
    """The first layer above resolution `crossover` (the styles before it are the coarse ones)."""
    resolutions = model.style_resolutions
    if crossover not in sorted(set(resolutions))[:-1]:
        choices = ", ".join(str(r) for r in sorted(set(resolutions))[:-1])
        raise ConfigError(f"crossover={crossover} is not a resolution with styles above it: choose one of {choices}")
    return max(i for i, r in enumerate(resolutions) if r == crossover) + 1


def style_mixing_grid(model: HasStyles, rows: int, columns: int, crossover: int, seed: int = 0) -> tuple[Tensor, int]:
    """(rows + 1) x (columns + 1) images, row-major: a blank corner, the fine sources along the top,
    the coarse sources down the left, and their mixtures. Returns the images and the row length."""
    layer = crossover_layer(model, crossover)
    coarse = model.styles(model.prior.indexed(range(rows), seed))
    fine = model.styles(model.prior.indexed(range(rows, rows + columns), seed))
    mixed = mix_styles(coarse.repeat_interleave(columns, dim=0), fine.repeat(rows, 1, 1), layer)
    coarse_images, fine_images, mixed_images = model.synthesize(coarse), model.synthesize(fine), model.synthesize(mixed)
    corner = torch.full_like(fine_images[:1], -1.0)
    grid = [torch.cat([corner, fine_images])]
    for row in range(rows):
        grid.append(torch.cat([coarse_images[row : row + 1], mixed_images[row * columns : (row + 1) * columns]]))
    return torch.cat(grid), columns + 1


def truncation_grid(model: HasStyles, rows: int, steps: int, seed: int = 0) -> tuple[Tensor, int]:
    """rows x steps images: row i is z_i under psi = 0, ..., 1 (steps values)."""
    if steps < 2:
        raise ConfigError(f"mode=truncation needs steps of at least 2 (psi from 0 to 1), not {steps}")
    latent = model.prior.indexed(range(rows), seed)
    psis = torch.linspace(0.0, 1.0, steps).tolist()
    per_psi = torch.stack([model.synthesize(model.styles(latent, psi)) for psi in psis], dim=1)  # (rows, steps, C, H, W)
    return per_psi.flatten(0, 1), steps


def noise_grid(model: HasStyles, rows: int, draws: int, seed: int = 0) -> tuple[Tensor, int]:
    """rows x (draws + 1) images: row i is w_i under `draws` noise draws, then their per-pixel standard
    deviation (averaged over channels, scaled so the largest is white)."""
    if draws < 2:
        raise ConfigError(f"mode=noise needs steps of at least 2 noise draws, not {draws}")
    styles = model.styles(model.prior.indexed(range(rows), seed))
    stream = torch.Generator().manual_seed(seed)
    images = torch.stack([model.synthesize(styles, stream) for _ in range(draws)], dim=1)  # (rows, draws, C, H, W)
    spread = images.std(dim=1).mean(dim=1, keepdim=True)  # (rows, 1, H, W)
    spread = (spread / spread.amax(dim=(1, 2, 3), keepdim=True).clamp_min(1e-8)) * 2 - 1  # [-1, 1], 1: the most change
    spread = spread.expand(-1, images.shape[2], -1, -1).unsqueeze(1)
    return torch.cat([images, spread.to(images)], dim=1).flatten(0, 1), draws + 1


def set_truncation(model, psi: float | None) -> None:
    """The tools' truncation_psi=...: sample a style-based model with this truncation (None: its own)."""
    if psi is None:
        return
    if not isinstance(model, HasStyles):
        raise ConfigError(f"truncation_psi truncates a style-based generator's w (model=stylegan); {type(model).__name__} has none: drop it")
    model.truncation_psi = psi
