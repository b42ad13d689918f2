"""Precision and recall (Kynkäänniemi et al. 2019, "Improved Precision and Recall Metric for Assessing
Generative Models", arXiv 1904.06991), density and coverage (Naeem et al. 2020, "Reliable Fidelity
and Diversity Metrics for Generative Models", arXiv 2002.09797), on backbone features.

Each set's manifold is the union of balls around its points, of radius the distance to the k-th
nearest other point (k = 3). With real points r_j (radii R_j) and generated points f_i (radii F_i):
- precision = share of f_i inside some real ball (fidelity);
- recall = share of r_j inside some generated ball (diversity);
- density = mean over f_i of (number of real balls holding it) / k, unbounded above, robust to outliers;
- coverage = share of r_j whose own ball holds some f_i.
A point on a ball's boundary is inside (`<=`), as Kynkäänniemi et al.'s code and torch-fidelity
count it; `strict=True` leaves it outside, as the `prdc` package does. The two differ only on ties,
but there completely: a generated copy of a real point, at distance 0 from it, is inside a ball of
radius 0 by `<=` and outside by `<`. Distances between identical rows are exactly 0 (`distances`),
so such ties do not hang on rounding.

Written here, not taken from the `prdc` package (which it matches to 1e-6 with strict=True, tests/test_prdc.py):
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


def row_ids(*sets: Tensor) -> list[Tensor]:
    """For each set of rows, an id a row, equal (within and across the sets) exactly where rows are identical."""
    ids = torch.unique(torch.cat(sets), dim=0, return_inverse=True)[1]
    return list(ids.split([len(rows) for rows in sets]))


def distances(rows: Tensor, points: Tensor, ids: tuple[Tensor, Tensor]) -> Tensor:
    """Euclidean distances (len(rows), len(points)), exactly 0 between identical rows (`ids`: their
    `row_ids`). torch.cdist expands |a - b|^2 into |a|^2 + |b|^2 - 2 a.b, which leaves ~1e-7 between copies."""
    row_id, point_id = ids
    return torch.cdist(rows, points).masked_fill_(row_id[:, None] == point_id[None, :], 0.0)


def nearest_neighbour_radii(features: Tensor, k: int, ids: Tensor) -> Tensor:
    """The distance from each point to its k-th nearest other point (the point itself is the 0th)."""
    size = block_rows(len(features))
    radii = [distances(rows, features, (block, ids)).kthvalue(k + 1, dim=1).values for rows, block in zip(features.split(size), ids.split(size))]
    return torch.cat(radii)


@torch.no_grad()
def precision_recall_density_coverage(real: Tensor, fake: Tensor, k: int = 3, strict: bool = False) -> dict[str, float]:
    """The four scores of `fake` (M, d) against `real` (N, d), in float64; see the module docstring
    (`strict`: a ball's boundary is outside it, as the `prdc` package)."""
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"k = {k} nearest neighbours need more than {k} points on each side, got {len(real)} real and {len(fake)} generated")
    real, fake = real.double(), fake.double()
    real_ids, fake_ids = row_ids(real, fake)
    real_radii, fake_radii = nearest_neighbour_radii(real, k, real_ids), nearest_neighbour_radii(fake, k, fake_ids)
    within = torch.lt if strict else torch.le
    in_real_ball = torch.zeros(len(fake), dtype=torch.bool, device=fake.device)
    real_balls_holding = torch.zeros(len(fake), dtype=torch.float64, device=fake.device)
    recalled, covered = [], []
    size = block_rows(len(fake))
    for rows, radii, ids in zip(real.split(size), real_radii.split(size), real_ids.split(size)):
        to_fake = distances(rows, fake, (ids, fake_ids))  # (block of reals, M)
        inside = within(to_fake, radii[:, None])  # f_i in the ball of r_j
        in_real_ball |= inside.any(dim=0)
        real_balls_holding += inside.sum(dim=0)
        recalled.append(within(to_fake, fake_radii[None, :]).any(dim=1))
        covered.append(within(to_fake.min(dim=1).values, radii))
    return {
        "precision": float(in_real_ball.double().mean()),
        "recall": float(torch.cat(recalled).double().mean()),
        "density": float(real_balls_holding.mean() / k),
        "coverage": float(torch.cat(covered).double().mean()),
    }
