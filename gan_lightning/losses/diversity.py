"""Terms that reward the generator for diverse samples."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from gan_lightning.errors import ConfigError


def mode_seeking_loss(samples: Tensor, z: Tensor, eps: float = 1e-5) -> Tensor:
    """Mode-seeking regularisation (Mao et al. 2019, MSGAN, eq. 3), as a term G minimises.

    G maximises d_I(G(z1), G(z2)) / d_z(z1, z2): distant codes must give distant samples, so G cannot
    map a region of z onto one mode. The batch's two halves are the pairs (z1, z2); as in the
    authors' code the distances are mean absolute differences and the term is 1 / (ratio + eps).
    """
    if len(z) < 2 or len(z) % 2:
        raise ConfigError(f"the mode-seeking term pairs samples: it needs an even batch of at least 2, got {len(z)}")
    first, second = samples.flatten(1).chunk(2)
    z1, z2 = z.flatten(1).chunk(2)
    ratio = (first - second).abs().mean() / (z1 - z2).abs().mean()
    return 1.0 / (ratio + eps)


def pulling_away_term(codes: Tensor) -> Tensor:
    """EBGAN's pulling-away term (Zhao et al. 2017, eq. 6): the mean squared cosine similarity of every
    pair of distinct codes in the batch, 0 when they are orthogonal, 1 when they point alike."""
    if len(codes) < 2:
        raise ConfigError(f"the pulling-away term compares samples: it needs a batch of at least 2, got {len(codes)}")
    unit = F.normalize(codes.flatten(1), dim=1)
    cosines = unit @ unit.T
    n = len(codes)
    return (cosines.pow(2).sum() - cosines.diagonal().pow(2).sum()) / (n * (n - 1))
