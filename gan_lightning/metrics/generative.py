"""FID (or FD), IS and KID of generated images against a real set, with torchmetrics.

The backbone runs once per batch; its features and logits feed torchmetrics' FrechetInceptionDistance,
KernelInceptionDistance and InceptionScore through an identity feature module, so the metrics keep
torchmetrics' state handling and cross-process sync. FID keeps running sums (memory flat in N);
KID and IS keep every feature. Real-set statistics are cached on disk per (dataset, split,
resolution, backbone, N).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment
from torch import Tensor, nn
from torchmetrics import CatMetric, Metric
from torchmetrics.classification import MulticlassConfusionMatrix
from torchmetrics.image import FrechetInceptionDistance, InceptionScore, KernelInceptionDistance

from gan_lightning.metrics.frechet import frechet_distance, frechet_distance_infinity

log = logging.getLogger(__name__)


class PrecomputedFeatures(nn.Module):
    """The 'feature extractor' torchmetrics runs when the backbone has already run: the identity."""

    def __init__(self, num_features: int):
        super().__init__()
        self.num_features = num_features

    def forward(self, features: Tensor) -> Tensor:
        return features


def _one_block(metric: nn.Module, *states: str) -> None:
    """Concatenate a metric's list states into one tensor per process. KID and IS gather their lists
    element by element across processes, which pairs up wrongly when processes hold different
    numbers of batches."""
    for name in states:
        blocks = getattr(metric, name)
        if isinstance(blocks, list) and len(blocks) > 1:
            setattr(metric, name, [torch.cat(blocks)])


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


class GenerativeMetrics(nn.Module):
    """Distance, IS and KID on one backbone. Feed real and generated images, then `compute()`.

    Args:
        backbone: maps [-1, 1] images to (features, logits); has `num_features`, `distance_name`, `cache_key`.
        kid: also compute KID (Binkowski et al. 2018; unbiased at any N).
        inception_score: also compute IS (Salimans et al. 2016) from the backbone's logits.
        fid_infinity: keep the generated features and extrapolate the distance to N -> infinity.

    A backbone that is a classifier of the data's classes (`num_classes`, as the digits classifier)
    also scores generated images that carry labels: `class_accuracy` is the share it assigns to the
    label they were generated for (conditional families), `matched_class_accuracy` the same after the
    best one-to-one relabelling (for unsupervised codes, as InfoGAN's categorical code). With
    `num_classes` (the data's) and real labels, it also keeps a Gaussian per class on each side and
    reports their mean Fréchet distance as `intra_<fid|fd>` for conditional families.
    """

    # Per-class Gaussians hold K d^2 numbers a side: on for the digits classifier (10 x 128^2), not for
    # Inception on many classes (1,000 x 2,048^2 would be 34 GB).
    MAX_CLASS_STATISTICS = 50_000_000

    def __init__(
        self, backbone: nn.Module, kid: bool = True, inception_score: bool = True, fid_infinity: bool = False, num_classes: int | None = None
    ):
        super().__init__()
        self.backbone = backbone
        features = backbone.num_features
        self.distance_name = backbone.distance_name
        self.fid = FrechetInceptionDistance(feature=PrecomputedFeatures(features), reset_real_features=False)
        with warnings.catch_warnings():  # "will save all extracted features": known, see the docstring
            warnings.filterwarnings("ignore", message=".*will save all extracted features")
            self.kid = KernelInceptionDistance(feature=PrecomputedFeatures(features), reset_real_features=False) if kid else None
            self.inception_score = InceptionScore(feature=PrecomputedFeatures(0)) if inception_score else None
        self.fake_features = CatMetric() if fid_infinity else None
        classes = getattr(backbone, "num_classes", None)
        self.confusion = MulticlassConfusionMatrix(classes) if classes else None  # rows: labels, columns: predictions
        self._labelled = False
        per_class = num_classes and num_classes * features**2 <= self.MAX_CLASS_STATISTICS
        self.real_classes = ClassGaussians(num_classes, features) if per_class else None
        self.fake_classes = ClassGaussians(num_classes, features) if per_class else None

    @property
    def num_real(self) -> int:
        return int(self.fid.real_features_num_samples)

    def update(self, images: Tensor, real: bool, labels: Tensor | None = None) -> None:
        """Add a batch; `labels` are the classes generated images were conditioned on, if any."""
        features, logits = self.backbone(images)
        self.fid.update(features, real=real)
        classes = self.real_classes if real else self.fake_classes
        if labels is not None and classes is not None and labels.max() < classes.num_classes:
            classes.update(features, labels.to(features.device))
        if self.kid is not None:
            self.kid.update(features, real=real)
        if not real:
            if self.inception_score is not None:
                self.inception_score.update(logits)
            if self.fake_features is not None:
                self.fake_features.update(features)
            if labels is not None and self.confusion is not None:
                if labels.max() >= self.confusion.num_classes:
                    return  # more labels than the classifier has classes: nothing to compare
                self.confusion.update(logits.argmax(dim=1), labels.to(logits.device))
                self._labelled = True

    def reset_fake(self) -> None:
        """Forget the generated images, keep the real statistics."""
        for metric in (self.fid, self.kid, self.inception_score, self.fake_features, self.confusion, self.fake_classes):
            if metric is not None:
                metric.reset()
        self._labelled = False

    @torch.no_grad()
    def compute(self) -> dict[str, float]:
        """{fid or fd, is, is_std, kid, kid_std, num_samples[, fid_infinity]}, synced over processes."""
        if self.kid is not None:
            _one_block(self.kid, "real_features", "fake_features")
        if self.inception_score is not None:
            _one_block(self.inception_score, "features")
        with torch.random.fork_rng(devices=[]):  # IS and KID draw random subsets; keep training's RNG
            torch.manual_seed(0)
            with self.fid.sync_context():  # the counts over all processes (compute() restores local states)
                num_fake, num_real = int(self.fid.fake_features_num_samples), int(self.fid.real_features_num_samples)
            results: dict[str, float] = {self.distance_name: float(self.fid.compute()), "num_samples": num_fake}
            if self.inception_score is not None:
                mean, std = self.inception_score.compute()
                results.update({"is": float(mean), "is_std": float(std)})
            if self.kid is not None:
                self.kid.subset_size = min(1000, num_fake, num_real)
                mean, std = self.kid.compute()
                results.update({"kid": float(mean), "kid_std": float(std)})
            if self.fake_features is not None:
                real_mean = self.fid.real_features_sum / self.fid.real_features_num_samples
                real_cov = (self.fid.real_features_cov_sum - self.fid.real_features_num_samples * torch.outer(real_mean, real_mean)) / (
                    self.fid.real_features_num_samples - 1
                )
                infinity, _ = frechet_distance_infinity(real_mean, real_cov, self.fake_features.compute())
                results[f"{self.distance_name}_infinity"] = infinity
            if self._labelled:
                confusion = self.confusion.compute().double()
                rows, columns = linear_sum_assignment(confusion.cpu().numpy(), maximize=True)
                results["class_accuracy"] = float(confusion.trace() / confusion.sum())
                results["matched_class_accuracy"] = float(confusion[rows, columns].sum() / confusion.sum())
            if self.fake_classes is not None and self.fake_classes.counts.sum() > 0 and self.real_classes.counts.sum() > 0:
                results[f"intra_{self.distance_name}"] = intra_class_distance(self.real_classes, self.fake_classes)
        return results

    # Real statistics, computed once and cached.

    def real_state(self) -> dict[str, Tensor]:
        state = {
            "sum": self.fid.real_features_sum,
            "cov_sum": self.fid.real_features_cov_sum,
            "count": self.fid.real_features_num_samples,
        }
        if self.kid is not None:
            state["features"] = torch.cat(self.kid.real_features) if self.kid.real_features else torch.zeros(0, self.backbone.num_features)
        if self.real_classes is not None:
            state.update(class_sums=self.real_classes.sums, class_outer=self.real_classes.outer, class_counts=self.real_classes.counts)
        return {name: tensor.detach().cpu() for name, tensor in state.items()}

    def load_real_state(self, state: Mapping[str, Tensor]) -> None:
        device = self.fid.real_features_sum.device
        self.fid.real_features_sum = state["sum"].to(device)
        self.fid.real_features_cov_sum = state["cov_sum"].to(device)
        self.fid.real_features_num_samples = state["count"].to(device)
        if self.kid is not None:
            self.kid.real_features = [state["features"].to(device)] if len(state["features"]) else []
        if self.real_classes is not None and "class_sums" in state:
            self.real_classes.sums = state["class_sums"].to(device)
            self.real_classes.outer = state["class_outer"].to(device)
            self.real_classes.counts = state["class_counts"].to(device)

    def set_real(self, batches: Callable[[], Iterable[tuple[Tensor, Tensor | None]]], key: Mapping[str, Any], cache_dir: str | Path | None, load: bool = True) -> None:
        """Real statistics from the cache file for `key`, else from `batches()` (then cached).

        Under DDP pass load=False on all ranks but one: the states are summed across processes.
        """
        if not load:
            if self.kid is not None:  # an empty (0, d) block, so the gather across processes lines up
                self.kid.real_features = [torch.zeros(0, self.backbone.num_features, device=self.fid.real_features_sum.device)]
            return
        path = None
        if cache_dir is not None:
            settings = {**key, "kid": self.kid is not None, "per_class": self.real_classes is not None}
            digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]
            path = Path(cache_dir).expanduser() / "real_statistics" / f"{digest}.pt"
            if path.is_file():
                self.load_real_state(torch.load(path, weights_only=True))
                log.info("Real statistics from the cache: %s", path)
                return
        for images, labels in batches():
            self.update(images.to(self.fid.real_features_sum.device), real=True, labels=labels)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            torch.save(self.real_state(), path)
            path.with_suffix(".json").write_text(json.dumps(key, indent=2, sort_keys=True, default=str))
