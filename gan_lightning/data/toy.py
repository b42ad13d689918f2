"""2D mixtures for mode-collapse studies, as in the PacGAN protocol (Lin et al. 2018, arXiv 1712.04086).

- ring: 8 Gaussians at (cos 2*pi*i/8, sin 2*pi*i/8), i = 0..7, standard deviation 0.01.
- grid: 25 Gaussians at {-4, -2, 0, 2, 4}^2, standard deviation 0.05.
- swissroll: scikit-learn's Swiss roll (noise 0.25) in its (x, z) plane, scaled by 1/7.5: no modes.

Batches hold the points under `image` (N, 2), the key every family reads samples from.
"""

from __future__ import annotations

import math

import torch
from sklearn.datasets import make_swiss_roll
from torch import Tensor

from gan_lightning.data.base import GANDataModule, TensorDictDataset
from gan_lightning.errors import DataError


def mixture_modes(kind: str) -> tuple[Tensor, float]:
    """The mode centres (K, 2) and the per-mode standard deviation of a mixture."""
    if kind == "ring":
        angles = torch.arange(8, dtype=torch.float64) * 2 * math.pi / 8  # 8 distinct angles, not linspace(0, 2*pi, 8)
        return torch.stack([angles.cos(), angles.sin()], dim=1).float(), 0.01
    if kind == "grid":
        axis = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0])
        return torch.cartesian_prod(axis, axis), 0.05
    raise DataError(f"{kind} has no modes: the mixtures are ring and grid")


class ToyDataModule(GANDataModule):
    """`num_samples` points of a 2D distribution (kind: ring, grid or swissroll), drawn with `seed`.

    The PacGAN protocol trains on 100,000 points with batch 100. Loader arguments: see GANDataModule.
    """

    metrics_backbone = None  # points, not images: judged by mode coverage (callbacks.evaluation: ModeCoverage)
    KINDS = ("ring", "grid", "swissroll")

    def __init__(self, kind: str = "ring", num_samples: int = 100_000, seed: int = 0, **loader_args):
        loader_args.setdefault("batch_size", 100)
        loader_args.setdefault("val_fraction", 0.0)
        loader_args.setdefault("intensity_levels", None)
        super().__init__(**loader_args)
        if kind not in self.KINDS:
            raise DataError(f"data.kind={kind} is unknown: choose one of {', '.join(self.KINDS)}")
        self.kind, self.num_samples, self.seed = kind, num_samples, seed
        self.modes, self.mode_std = mixture_modes(kind) if kind != "swissroll" else (None, None)

    def load(self) -> TensorDictDataset:
        stream = torch.Generator().manual_seed(self.seed)
        if self.kind == "swissroll":
            points, _ = make_swiss_roll(self.num_samples, noise=0.25, random_state=self.seed)
            return TensorDictDataset(torch.as_tensor(points[:, [0, 2]], dtype=torch.float32) / 7.5)
        which = torch.randint(len(self.modes), (self.num_samples,), generator=stream)
        points = self.modes[which] + self.mode_std * torch.randn(self.num_samples, 2, generator=stream)
        return TensorDictDataset(points, which)
