"""Precision and recall (Kynkäänniemi et al. 2019, "Improved Precision and Recall Metric for Assessing
Generative Models", arXiv 1904.06991), density and coverage (Naeem et al. 2020, "Reliable Fidelity
and Diversity Metrics for Generative Models", arXiv 2002.09797), on backbone features.

Each set's manifold is the union of balls around its points, of radius the distance to the k-th
nearest other point (k = 3). With real points r_j (radii R_j) and generated points f_i (radii F_i):
- precision = share of f_i inside some real ball (fidelity);
- recall = share of r_j inside some generated ball (diversity);
- density = mean over f_i of (number of real balls holding it) / k, unbounded above, robust to outliers;
- coverage = share of r_j whose own ball holds some f_i.
Written here, not taken from the `prdc` package (which it matches to 1e-6, tests/test_prdc.py):
that package builds the full N x N distance matrices, 20 GB of float64 at N = 50,000, where these
walk them in blocks of rows. The cost is three N x N x d distance computations (real-real,
generated-generated, real-generated): 1.5e13 multiply-adds at N = 50,000 on Inception's 2,048
features, minutes on a GPU; memory is a block of `block_rows` x N distances.
"""

from __future__ import annotations

import torch
from torch import Tensor


def block_rows(n: int, budget: int = 2**25) -> int:
    """Rows per block so that a block of distances to n points holds at most `budget` numbers."""
    return max(1, budget // max(n, 1))


def nearest_neighbour_radii(features: Tensor, k: int) -> Tensor:
    """The distance from each point to its k-th nearest other point (the point itself is the 0th)."""
    radii = [torch.cdist(rows, features).kthvalue(k + 1, dim=1).values for rows in features.split(block_rows(len(features)))]
    return torch.cat(radii)


@torch.no_grad()
def precision_recall_density_coverage(real: Tensor, fake: Tensor, k: int = 3) -> dict[str, float]:
    """The four scores of `fake` (M, d) against `real` (N, d), in float64; see the module docstring."""
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"k = {k} nearest neighbours need more than {k} points on each side, got {len(real)} real and {len(fake)} generated")
    real, fake = real.double(), fake.double()
    real_radii, fake_radii = nearest_neighbour_radii(real, k), nearest_neighbour_radii(fake, k)
    in_real_ball = torch.zeros(len(fake), dtype=torch.bool, device=fake.device)
    real_balls_holding = torch.zeros(len(fake), dtype=torch.float64, device=fake.device)
    recalled, covered = [], []
    for rows, radii in zip(real.split(block_rows(len(fake))), real_radii.split(block_rows(len(fake)))):
        distances = torch.cdist(rows, fake)  # (block of reals, M)
        inside = distances < radii[:, None]  # f_i in the ball of r_j
        in_real_ball |= inside.any(dim=0)
        real_balls_holding += inside.sum(dim=0)
        recalled.append((distances < fake_radii[None, :]).any(dim=1))
        covered.append(distances.min(dim=1).values < radii)
    return {
        "precision": float(in_real_ball.double().mean()),
        "recall": float(torch.cat(recalled).double().mean()),
        "density": float(real_balls_holding.mean() / k),
        "coverage": float(torch.cat(covered).double().mean()),
    }
