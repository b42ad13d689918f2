"""Per-class statistics of generated images: a Gaussian per class for the intra-class Fréchet
distance, and the classes a classifier reads against the classes samples were drawn for."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment
from torch import Tensor
from torchmetrics import Metric

from gan_lightning.metrics.frechet import frechet_distance


class ClassGaussians(Metric):
    """Running per-class sums of features, for a Gaussian per class: (K, d) sums, (K, d, d) sums of
    outer products and (K,) counts, in float64, summed across processes like torchmetrics' FID."""

    full_state_update = False

    def __init__(self, num_classes: int, num_features: int):
        super().__init__()
        self.num_classes = num_classes
        self.add_state("sums", torch.zeros(num_classes, num_features, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("outer", torch.zeros(num_classes, num_features, num_features, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("counts", torch.zeros(num_classes, dtype=torch.float64), dist_reduce_fx="sum")

    def update(self, features: Tensor, labels: Tensor) -> None:
        features = features.double()
        one_hot = F.one_hot(labels.long(), self.num_classes).double()  # (N, K)
        self.sums += one_hot.T @ features
        self.outer += torch.einsum("nk,ni,nj->kij", one_hot, features, features)
        self.counts += one_hot.sum(dim=0)

    def restore(self, sums: Tensor, outer: Tensor, counts: Tensor) -> None:
        """Take sums saved earlier (cached real statistics) as this metric's state."""
        self.sums, self.outer, self.counts = sums.to(self.sums), outer.to(self.outer), counts.to(self.counts)
        self.update(self.sums.new_zeros(0, self.sums.shape[1]), self.counts.new_zeros(0))  # adds nothing; compute() then knows it holds data

    def compute(self) -> tuple[Tensor, Tensor, Tensor]:
        """Per-class means (K, d), unbiased covariances (K, d, d) and counts (K,)."""
        counts = self.counts.clamp_min(2)[:, None]
        means = self.sums / counts
        covariances = (self.outer - counts[:, :, None] * means[:, :, None] * means[:, None, :]) / (counts[:, :, None] - 1)
        return means, covariances, self.counts


def intra_class_distance(real: ClassGaussians, fake: ClassGaussians) -> float:
    """The Fréchet distance between real and generated features of each class, averaged over the
    classes both sides have at least 2 samples of (intra-class FID, as in Miyato & Koyama 2018)."""
    real_means, real_covariances, real_counts = real.compute()
    fake_means, fake_covariances, fake_counts = fake.compute()
    classes = [c for c in range(real.num_classes) if real_counts[c] >= 2 and fake_counts[c] >= 2]
    if not classes:
        return math.nan
    distances = [frechet_distance(real_means[c], real_covariances[c], fake_means[c], fake_covariances[c]) for c in classes]
    return float(torch.stack(distances).mean())


def class_accuracies(confusion: Tensor) -> dict[str, float]:
    """From a confusion matrix (rows: the classes samples were drawn for, columns: what the classifier
    read): `class_accuracy`, and `matched_class_accuracy` after the best one-to-one relabelling of the
    rows (Hungarian assignment: for unsupervised codes, as InfoGAN's categorical code)."""
    confusion = confusion.double()
    rows, columns = linear_sum_assignment(confusion.cpu().numpy(), maximize=True)
    return {
        "class_accuracy": float(confusion.trace() / confusion.sum()),
        "matched_class_accuracy": float(confusion[rows, columns].sum() / confusion.sum()),
    }
