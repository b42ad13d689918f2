"""The Fréchet distance between Gaussians fitted to features, and its extrapolation to infinite N."""

from __future__ import annotations

import torch
from torch import Tensor


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


def frechet_distance_infinity(
    real_mean: Tensor, real_covariance: Tensor, fake_features: Tensor, points: int = 15, seed: int = 0
) -> tuple[float, list[tuple[int, float]]]:
    """FD extrapolated to infinitely many samples (Chong & Forsyth 2020, arXiv 1911.07023).

    FD is close to linear in 1/N: compute it on random subsets of `points` sizes from N/5 to N,
    fit FD = FD_inf + slope / N by least squares, and return FD_inf with the (N, FD) points.
    """
    total = len(fake_features)
    sizes = sorted({int(n) for n in torch.linspace(max(total // 5, 2), total, points).tolist()})
    if len(sizes) < 2:
        raise ValueError(f"FD extrapolation needs at least 2 sample sizes; {total} samples give {sizes}")
    stream = torch.Generator().manual_seed(seed)
    curve = []
    for n in sizes:
        subset = fake_features[torch.randperm(total, generator=stream)[:n]]
        curve.append((n, float(frechet_distance(real_mean, real_covariance, *mean_and_covariance(subset)))))
    inverse_n = torch.tensor([1.0 / n for n, _ in curve], dtype=torch.float64)
    distances = torch.tensor([d for _, d in curve], dtype=torch.float64)
    design = torch.stack([torch.ones_like(inverse_n), inverse_n], dim=1)
    intercept, _slope = torch.linalg.lstsq(design, distances.unsqueeze(1)).solution.squeeze(1)
    return float(intercept), curve
