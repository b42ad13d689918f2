"""The Fréchet distance between Gaussians fitted to features, and its extrapolation to infinite N."""

from __future__ import annotations

import logging
import math

import torch
from torch import Tensor

log = logging.getLogger(__name__)


def mean_and_covariance(features: Tensor) -> tuple[Tensor, Tensor]:
    """Mean and unbiased covariance of features (N, d), in float64."""
    features = features.double()
    mean = features.mean(dim=0)
    centred = features - mean
    return mean, centred.T @ centred / (len(features) - 1)


def frechet_distance(mu1: Tensor, sigma1: Tensor, mu2: Tensor, sigma2: Tensor) -> Tensor:
    """||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))  (Heusel et al. 2017, eq. 6).

    Tr((sigma1 sigma2)^(1/2)) is the sum of the square roots of the eigenvalues of sigma1 sigma2,
    which are real and non-negative for covariance matrices (up to rounding, hence `.real`).
    """
    mu1, sigma1, mu2, sigma2 = (t.double() for t in (mu1, sigma1, mu2, sigma2))
    difference = mu1 - mu2
    trace_sqrt_product = torch.linalg.eigvals(sigma1 @ sigma2).sqrt().real.sum()
    return difference.dot(difference) + sigma1.trace() + sigma2.trace() - 2 * trace_sqrt_product


SMALLEST_SUBSET = 5_000  # Chong & Forsyth's smallest N on the curve


def frechet_distance_infinity(
    real_mean: Tensor, real_covariance: Tensor, fake_features: Tensor, points: int = 15, smallest: int = SMALLEST_SUBSET, seed: int = 0
) -> tuple[float, list[tuple[int, float]]]:
    """FD extrapolated to infinitely many generated samples (Chong & Forsyth 2020, arXiv 1911.07023).

    As their procedure: FD of random subsets of `points` sizes evenly spaced from `smallest` (5,000) to
    N, a least-squares line FD = FD_inf + slope / N, and its intercept. Only the generated side is
    extrapolated; the real statistics are those given. Returns FD_inf and the (N, FD) points. N must be
    at least twice `smallest`, for the 1/N values to spread; below that, ValueError. A negative
    intercept (a distance cannot be one: the fit is unstable) is returned as NaN, with a warning.
    """
    total = len(fake_features)
    if total < 2 * smallest:
        raise ValueError(f"FD extrapolation fits subsets of {smallest:,} to N generated samples: N must be at least {2 * smallest:,}, not {total:,}")
    sizes = [int(n) for n in torch.linspace(smallest, total, points).tolist()]
    stream = torch.Generator().manual_seed(seed)
    curve = []
    for n in sizes:
        subset = fake_features[torch.randperm(total, generator=stream)[:n]]
        curve.append((n, float(frechet_distance(real_mean, real_covariance, *mean_and_covariance(subset)))))
    inverse_n = torch.tensor([1.0 / n for n, _ in curve], dtype=torch.float64)
    distances = torch.tensor([d for _, d in curve], dtype=torch.float64)
    design = torch.stack([torch.ones_like(inverse_n), inverse_n], dim=1)
    intercept, _slope = torch.linalg.lstsq(design, distances.unsqueeze(1)).solution.squeeze(1)
    if intercept < 0:
        log.warning("the Fréchet distance extrapolated to N -> infinity came out negative (%.3g): an unstable fit, reported as NaN", float(intercept))
        return math.nan, curve
    return float(intercept), curve
