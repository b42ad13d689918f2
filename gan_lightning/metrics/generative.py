"""FD (FID on Inception), IS, KID, precision, recall, density and coverage of generated images
against a real set, on one backbone's features.

The backbone runs once per batch. The Fréchet distance keeps running sums in torchmetrics'
FrechetInceptionDistance (memory flat in N); the others need every feature, kept in torchmetrics
CatMetrics so processes gather them, and are computed the way the reference code does: IS and KID
by torch-fidelity's own functions (its splits, subsets and seeds), precision/recall/density/coverage
by `gan_lightning.metrics.prdc` (the `prdc` package's definitions, in blocks). Real-set statistics
are cached on disk per (dataset, split, resolution, backbone, N).

Names follow the backbone: Inception's scores are `fid`, `is` and `kid`; any other backbone's
(the digits classifier) `fd`, `classifier_score` and `kd`, as published numbers only hold for Inception.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from torch_fidelity.metric_isc import KEY_METRIC_ISC_MEAN, KEY_METRIC_ISC_STD, isc_features_to_metric
from torch_fidelity.metric_kid import KEY_METRIC_KID_MEAN, KEY_METRIC_KID_STD, kid_features_to_metric
from torchmetrics import CatMetric
from torchmetrics.classification import MulticlassConfusionMatrix
from torchmetrics.image import FrechetInceptionDistance

from gan_lightning.cache import load_or_build
from gan_lightning.data.pixels import frames_of
from gan_lightning.metrics.classes import ClassGaussians, class_accuracies, intra_class_distance
from gan_lightning.metrics.frechet import frechet_distance_infinity
from gan_lightning.metrics.prdc import precision_recall_density_coverage

log = logging.getLogger(__name__)

KID_SUBSETS, KID_SUBSET_SIZE, IS_SPLITS, FIDELITY_SEED = 100, 1000, 10, 2020  # torch-fidelity's defaults


class PrecomputedFeatures(nn.Module):
    """The 'feature extractor' torchmetrics runs when the backbone has already run: the identity."""

    def __init__(self, num_features: int):
        super().__init__()
        self.num_features = num_features

    def forward(self, features: Tensor) -> Tensor:
        return features


def gathered(metric: CatMetric) -> Tensor:
    """Every process's rows of a CatMetric, in rank order (an empty one gives no rows)."""
    return metric.compute() if metric.value else torch.zeros(0)


class GenerativeMetrics(nn.Module):
    """The scores of generated images against a real set. Feed real and generated images, then `compute()`.

    Args:
        backbone: maps [-1, 1] images to (features, logits); has `num_features`, `cache_key`, and the
            names of its scores: `distance_name`, `score_name`, `kernel_name`.
        kid: the kernel distance (KID; Binkowski et al. 2018, unbiased at any N): 100 subsets of
            min(1,000, N) a side, drawn as torch-fidelity draws them (generated side first); its
            spread is undefined (NaN) when both subsets are whole sets, so that every subset is the same.
        inception_score: the score of the backbone's logits (IS; Salimans et al. 2016): 10 splits.
        fid_infinity: also the distance extrapolated to N -> infinity (`frechet_distance_infinity`).
        precision_recall: precision, recall, density and coverage with `nearest_k` neighbours
            (`prdc_strict`: a ball's boundary outside it, as the `prdc` package; see metrics/prdc.py).

    Scores of few samples mean little, and `compute()` warns: below `MIN_SAMPLES` a side (IS splits
    of a few images, nearest-neighbour balls of a handful of points), and where N is at most the
    feature dimension (the covariances in FD are singular).

    A backbone that is a classifier of the data's classes (`num_classes`, as the digits classifier)
    also scores generated images that carry labels: `class_accuracy` and `matched_class_accuracy`
    (see `class_accuracies`). With `num_classes` (the data's) and real labels, it also keeps a Gaussian
    per class on each side and reports their mean Fréchet distance as `intra_<fid|fd>`.
    """

    # Per-class Gaussians hold K d^2 numbers a side: on for the digits classifier (10 x 128^2), not for
    # Inception on many classes (1,000 x 2,048^2 would be 34 GB).
    MAX_CLASS_STATISTICS = 50_000_000
    MIN_SAMPLES = 100  # a side, below which compute() warns that the scores say little

    def __init__(
        self,
        backbone: nn.Module,
        kid: bool = True,
        inception_score: bool = True,
        fid_infinity: bool = False,
        num_classes: int | None = None,
        precision_recall: bool = True,
        nearest_k: int = 3,
        prdc_strict: bool = False,
    ):
        super().__init__()
        self.backbone = backbone
        features = backbone.num_features
        self.distance_name = backbone.distance_name
        self.kid, self.inception_score, self.fid_infinity = kid, inception_score, fid_infinity
        self.precision_recall, self.nearest_k, self.prdc_strict = precision_recall, nearest_k, prdc_strict
        self.fid = FrechetInceptionDistance(feature=PrecomputedFeatures(features), reset_real_features=False)
        self.keeps_features = kid or fid_infinity or precision_recall
        self.real_features = CatMetric() if self.keeps_features else None
        self.fake_features = CatMetric() if self.keeps_features else None
        self.fake_logits = CatMetric() if inception_score else None
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
        """Add a batch; `labels` are the classes generated images were drawn for, if any. Clips
        (N, C, T, H, W) enter frame by frame, each frame with its clip's label, unless the backbone
        reads volumes whole (the voxel classifier)."""
        if images.dim() == 5 and not self.backbone.volumetric:
            labels = None if labels is None else labels.repeat_interleave(images.shape[2])
            images = frames_of(images)
        features, logits = self.backbone(images)
        self.fid.update(features, real=real)
        classes = self.real_classes if real else self.fake_classes
        if labels is not None and classes is not None and labels.max() < classes.num_classes:
            classes.update(features, labels.to(features.device))
        if self.keeps_features:
            (self.real_features if real else self.fake_features).update(features)  # kept as float32 (CatMetric)
        if real:
            return
        if self.fake_logits is not None:
            self.fake_logits.update(logits)
        if labels is not None and self.confusion is not None and labels.max() < self.confusion.num_classes:
            self.confusion.update(logits.argmax(dim=1), labels.to(logits.device))
            self._labelled = True

    def reset_fake(self) -> None:
        """Forget the generated images, keep the real statistics."""
        for metric in (self.fid, self.fake_features, self.fake_logits, self.confusion, self.fake_classes):
            if metric is not None:
                metric.reset()
        self._labelled = False

    @torch.no_grad()
    def compute(self) -> dict[str, float]:
        """The scores, gathered over processes: the distance, `num_samples` (generated) and `num_real`,
        then those switched on (see the class docstring)."""
        with self.fid.sync_context():  # the counts over all processes (compute() restores local states)
            num_fake, num_real = int(self.fid.fake_features_num_samples), int(self.fid.real_features_num_samples)
        self.warn_if_too_few(num_fake, num_real)
        results: dict[str, float] = {self.distance_name: float(self.fid.compute()), "num_samples": num_fake, "num_real": num_real}
        if self.fake_logits is not None:
            score = isc_features_to_metric(gathered(self.fake_logits).cpu(), splits=IS_SPLITS, shuffle=True, rng_seed=FIDELITY_SEED)
            results.update({self.backbone.score_name: score[KEY_METRIC_ISC_MEAN], f"{self.backbone.score_name}_std": score[KEY_METRIC_ISC_STD]})
        if self.keeps_features:
            results.update(self.feature_scores(gathered(self.real_features).cpu(), gathered(self.fake_features).cpu()))
        if self._labelled:
            results.update(class_accuracies(self.confusion.compute()))
        if self.fake_classes is not None and self.fake_classes.counts.sum() > 0 and self.real_classes.counts.sum() > 0:
            results[f"intra_{self.distance_name}"] = intra_class_distance(self.real_classes, self.fake_classes)
        return results

    def warn_if_too_few(self, num_fake: int, num_real: int) -> None:
        """A warning where N is too small for the scores to mean much (see the class docstring)."""
        fewest, dimension = min(num_fake, num_real), self.backbone.num_features
        if fewest < self.MIN_SAMPLES:
            log.warning(
                "scoring %d generated against %d real images: under %d a side the scores say little (IS splits of a few images, "
                "precision and coverage near 1 by construction); raise metrics.num_samples", num_fake, num_real, self.MIN_SAMPLES,
            )  # fmt: skip
        if fewest <= dimension:
            log.warning(
                "scoring %d generated against %d real images on %d features: with N at most the feature dimension the covariances "
                "are singular and %s is unreliable; raise metrics.num_samples above %d", num_fake, num_real, dimension, self.distance_name, dimension,
            )  # fmt: skip

    def feature_scores(self, real: Tensor, fake: Tensor) -> dict[str, float]:
        """KID, precision/recall/density/coverage and FD_inf, the scores that need every feature."""
        results: dict[str, float] = {}
        if self.kid:
            size = min(KID_SUBSET_SIZE, len(real), len(fake))
            kid = kid_features_to_metric(  # generated first: torch-fidelity's input1, whose subset it draws first
                fake.float(), real.float(), kid_subsets=KID_SUBSETS, kid_subset_size=size, kid_kernel="poly", kid_kernel_poly_degree=3,
                kid_kernel_poly_gamma=None, kid_kernel_poly_coef0=1, rng_seed=FIDELITY_SEED, verbose=False,
            )  # fmt: skip
            # When both subsets are whole sets, every subset is the same: the spread is no measure of anything.
            spread = kid[KEY_METRIC_KID_STD] if size < max(len(real), len(fake)) else math.nan
            results.update({self.backbone.kernel_name: kid[KEY_METRIC_KID_MEAN], f"{self.backbone.kernel_name}_std": spread})
        if self.precision_recall:
            results.update(precision_recall_density_coverage(real, fake, self.nearest_k, self.prdc_strict))
        if self.fid_infinity:
            real_mean, real_covariance = real.mean(dim=0), real.T.cov()
            results[f"{self.distance_name}_infinity"], _ = frechet_distance_infinity(real_mean, real_covariance, fake)
        return results

    # Real statistics, computed once and cached.

    def real_state(self) -> dict[str, Tensor]:
        state = {
            "sum": self.fid.real_features_sum,
            "cov_sum": self.fid.real_features_cov_sum,
            "count": self.fid.real_features_num_samples,
        }
        if self.keeps_features:
            # this process's features
            state["features"] = torch.cat([*self.real_features.value, self.fid.real_features_sum.new_zeros(0, self.backbone.num_features).float()])
        if self.real_classes is not None:
            state.update(class_sums=self.real_classes.sums, class_outer=self.real_classes.outer, class_counts=self.real_classes.counts)
        return {name: tensor.detach().cpu() for name, tensor in state.items()}

    def load_real_state(self, state: Mapping[str, Tensor]) -> None:
        device = self.fid.real_features_sum.device
        self.fid.real_features_sum = state["sum"].to(device)
        self.fid.real_features_cov_sum = state["cov_sum"].to(device)
        self.fid.real_features_num_samples = state["count"].to(device)
        if self.keeps_features:
            self.real_features.reset()
            self.real_features.update(state["features"].to(device, torch.float32))
        if self.real_classes is not None and "class_sums" in state:
            self.real_classes.restore(state["class_sums"], state["class_outer"], state["class_counts"])

    def check_real_state(self, state: Mapping[str, Tensor]) -> None:
        """Raises when a cached state does not fit these metrics (another feature size, a truncated entry)."""
        d = self.backbone.num_features
        if state["sum"].shape != (d,) or state["cov_sum"].shape != (d, d) or not torch.isfinite(state["cov_sum"]).all():
            raise ValueError(f"real statistics of shape {tuple(state['sum'].shape)}, not ({d},)")
        if self.keeps_features and state["features"].shape != (int(state["count"]), d):
            raise ValueError(f"{len(state['features'])} real features kept for {int(state['count'])} images")

    def set_real(
        self,
        batches: Callable[[], Iterable[tuple[Tensor, Tensor | None]]],
        key: Mapping[str, Any],
        cache_dir: str | Path | None,
        load: bool = True,
    ) -> None:
        """Real statistics from the cache file for `key`, else from `batches()` (then cached).

        Under DDP pass load=False on all ranks but one: the states are summed across processes.
        """
        if not load:
            if self.keeps_features:  # an empty (0, d) block, so the gather across processes lines up
                self.real_features.value = [torch.zeros(0, self.backbone.num_features, device=self.fid.real_features_sum.device)]
            return
        path = None
        if cache_dir is not None:
            settings = {**key, "features": self.keeps_features, "per_class": self.real_classes is not None}
            digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]
            path = Path(cache_dir).expanduser() / "real_statistics" / f"{digest}.pt"

        def build() -> dict[str, Tensor]:
            for images, labels in batches():
                self.update(images.to(self.fid.real_features_sum.device), real=True, labels=labels)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.with_suffix(".json").write_text(json.dumps(key, indent=2, sort_keys=True, default=str))
            return self.real_state()

        self.load_real_state(load_or_build(path, build, self.check_real_state, "real statistics"))
