"""Mode coverage of generated 2D points (the PacGAN / VEEGAN protocol).

A sample is high quality when it lies within 3 standard deviations of its nearest mode; a mode is
covered when at least one high-quality sample is nearest to it; the reverse KL is
KL(histogram of the high-quality samples over the modes || uniform over the modes).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def mode_statistics(samples: Tensor, modes: Tensor, std: float) -> dict[str, float]:
    """{"modes": covered modes, "high_quality": share of high-quality samples, "reverse_kl": ...}."""
    distances = torch.cdist(samples.double(), modes.double())
    nearest_distance, nearest = distances.min(dim=1)
    high_quality = nearest_distance <= 3 * std
    counts = torch.bincount(nearest[high_quality], minlength=len(modes)).double()
    covered = int((counts > 0).sum())
    if covered == 0:
        reverse_kl = math.inf
    else:
        p = counts[counts > 0] / counts.sum()
        reverse_kl = float((p * (p * len(modes)).log()).sum())  # sum p log(p / (1/K)); empty modes add 0
    return {"modes": covered, "high_quality": float(high_quality.double().mean()), "reverse_kl": reverse_kl}
