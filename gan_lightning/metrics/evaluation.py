"""What the evaluation callback and the evaluate CLI share: settings, backbone choice, sample streams."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

import torch
from torch import Tensor, nn
from torch.utils.data import Dataset, Subset

from gan_lightning.capabilities import Samples
from gan_lightning.errors import ConfigError
from gan_lightning.metrics.backbones import DigitsClassifierBackbone, InceptionBackbone
from gan_lightning.metrics.frechet import SMALLEST_SUBSET
from gan_lightning.metrics.generative import GenerativeMetrics
from gan_lightning.metrics.shapes_classifier import ShapesClassifierBackbone
from gan_lightning.metrics.voxel_classifier import VoxelClassifierBackbone

BACKBONES = ("auto", "inception", "digits_classifier", "shapes_classifier", "voxel_classifier")


@dataclasses.dataclass(frozen=True)
class MetricSettings:
    """The `metrics` config group (conf/metrics/default.yaml documents each field)."""

    backbone: str = "auto"
    num_samples: int = 2000
    every_n_epochs: int | None = None
    every_n_iterations: int | None = 250
    batch_size: int = 250
    real_split: str = "train"
    kid: bool = True
    inception_score: bool = True
    fid_infinity: bool = False
    precision_recall: bool = True
    nearest_k: int = 3
    prdc_strict: bool = False
    inception_weights: str | None = None
    cache_dir: str | None = "~/.cache/gan_lightning"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MetricSettings:
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(config) - known)
        if unknown:
            raise ConfigError(f"unknown metrics option(s) {', '.join(unknown)}: the options are {', '.join(sorted(known))}")
        settings = cls(**config)
        if settings.backbone not in BACKBONES:
            raise ConfigError(f"metrics.backbone={settings.backbone} is unknown: choose one of {', '.join(BACKBONES)}")
        if settings.real_split not in ("train", "val"):
            raise ConfigError(f"metrics.real_split must be train or val, not {settings.real_split}")
        if settings.num_samples < 2:
            raise ConfigError(f"metrics.num_samples must be at least 2, not {settings.num_samples}")
        if settings.precision_recall and settings.num_samples <= settings.nearest_k:
            raise ConfigError(f"precision and recall use metrics.nearest_k={settings.nearest_k} neighbours: metrics.num_samples must exceed it")
        if settings.fid_infinity and settings.num_samples < 2 * SMALLEST_SUBSET:
            raise ConfigError(
                f"metrics.fid_infinity fits subsets of {SMALLEST_SUBSET:,} to N samples (Chong & Forsyth 2020): it needs "
                f"metrics.num_samples of at least {2 * SMALLEST_SUBSET:,}, not {settings.num_samples:,}"
            )
        return settings


def build_backbone(settings: MetricSettings, datamodule: Any) -> nn.Module:
    """The configured backbone; `auto` takes the datamodule's own (`metrics_backbone`), else Inception."""
    name = settings.backbone
    if name == "auto":
        name = getattr(datamodule, "metrics_backbone", "inception")
    if name == "digits_classifier":
        return DigitsClassifierBackbone(settings.cache_dir or "~/.cache/gan_lightning")
    if name == "shapes_classifier":
        return ShapesClassifierBackbone(settings.cache_dir or "~/.cache/gan_lightning")
    if name == "voxel_classifier":
        return VoxelClassifierBackbone(settings.cache_dir or "~/.cache/gan_lightning")
    return InceptionBackbone(settings.inception_weights)


def build_metrics(settings: MetricSettings, datamodule: Any) -> GenerativeMetrics:
    num_classes = getattr(datamodule, "num_classes", None)  # per-class statistics for conditional families
    return GenerativeMetrics(
        build_backbone(settings, datamodule), settings.kid, settings.inception_score, settings.fid_infinity, num_classes,
        settings.precision_recall, settings.nearest_k, settings.prdc_strict,
    )  # fmt: skip


def fixed_subset(dataset: Dataset, n: int, seed: int = 0) -> Dataset:
    """The same n items of `dataset` every time (all of them if it has no more)."""
    if n >= len(dataset):
        return dataset
    return Subset(dataset, torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed))[:n].tolist())


def image_batches(datamodule: Any, dataset: Dataset, batch_size: int) -> Iterator[tuple[Tensor, Tensor | None]]:
    """A dataset's images in batches, with their labels where it has them (else None)."""
    for batch in datamodule.dataloader(dataset, batch_size):
        yield batch["image"], batch.get("label")


def real_statistics_key(datamodule: Any, split: str, count: int, backbone: nn.Module) -> dict[str, Any]:
    """What identifies a real set's statistics: data and its settings, split, resolution, backbone, N."""
    settings = {k: v for k, v in dict(datamodule.hparams).items() if k not in ("batch_size", "num_workers")}
    return {"data": type(datamodule).__qualname__, **settings, "split": split, "num_samples": count, "backbone": backbone.cache_key}


def set_real_statistics(metrics: GenerativeMetrics, settings: MetricSettings, datamodule: Any, split: str, load: bool = True) -> int:
    """Fill `metrics` with the real split's statistics (cached); returns N, the real images used."""
    dataset = fixed_subset(getattr(datamodule, f"{split}_set"), settings.num_samples)
    key = real_statistics_key(datamodule, split, len(dataset), metrics.backbone)
    metrics.set_real(lambda: image_batches(datamodule, dataset, settings.batch_size), key, settings.cache_dir, load=load)
    return len(dataset)


def share(total: int, rank: int, world_size: int) -> int:
    """This process's part of `total` samples: the parts differ by at most one and add up to `total`."""
    return total // world_size + (rank < total % world_size)


def index_batches(total: int, batch_size: int, rank: int = 0, world_size: int = 1) -> Iterator[range]:
    """This process's contiguous block of the sample indices 0..total-1, in batches. With samples that
    depend only on their index (`Samples.sample_indexed`), any number of processes generates the
    same samples, and gathering the blocks in rank order restores the one-process order."""
    start = sum(share(total, r, world_size) for r in range(rank))
    stop = start + share(total, rank, world_size)
    for batch_start in range(start, stop, batch_size):
        yield range(batch_start, min(batch_start + batch_size, stop))


def generated_images(
    model: Samples, total: int, batch_size: int, rank: int = 0, world_size: int = 1, seed: int = 0
) -> Iterator[tuple[Tensor, Tensor | None]]:
    """This process's share of `total` samples of a family, in batches of (images, the classes they
    were drawn for, or None), each sample a function of (seed, its index) alone."""
    for indices in index_batches(total, batch_size, rank, world_size):
        yield model.sample_indexed(indices, seed)
