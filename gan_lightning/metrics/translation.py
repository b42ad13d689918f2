"""Scores of image-to-image models on a validation split.

- paired (pix2pix): L1, PSNR and SSIM of G(x) against y, on [0, 1] pixels, through torchmetrics;
  with the two trivial baselines, output = input and output = the mean training target.
- unpaired (CycleGAN): the Fréchet distance of translated images to the target domain (on the
  backbone the generative metrics use: the digits classifier offline, else Inception), beside the
  distance of the untranslated inputs, and the cycle reconstruction error ||F(G(a)) - a||_1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import torch
from torch import Tensor, nn
from torchmetrics import MeanAbsoluteError, MetricCollection
from torchmetrics.image import PeakSignalNoiseRatio, StructuralSimilarityIndexMeasure

from gan_lightning.metrics.frechet import frechet_distance, mean_and_covariance


def to_unit(images: Tensor) -> Tensor:
    """[-1, 1] -> [0, 1] pixels, the range PSNR and SSIM are reported on."""
    return ((images.float() + 1) / 2).clamp(0, 1)


def paired_scores() -> MetricCollection:
    """L1 (mean absolute error), PSNR (mean over images) and SSIM on [0, 1] pixels."""
    return MetricCollection(
        {
            "l1": MeanAbsoluteError(),
            "psnr": PeakSignalNoiseRatio(data_range=1.0, dim=(1, 2, 3)),
            "ssim": StructuralSimilarityIndexMeasure(data_range=1.0),
        }
    )


@torch.no_grad()
def score_pairs(pairs: Iterable[tuple[Tensor, Tensor]], device: torch.device | str = "cpu") -> dict[str, float]:
    """The paired scores of (output, target) batches in [-1, 1]."""
    scores = paired_scores().to(device)
    for output, target in pairs:
        scores.update(to_unit(output.to(device)), to_unit(target.to(device)))
    return {name: float(value) for name, value in scores.compute().items()}


def validation_pairs(loader: Iterable[dict[str, Tensor]], translate: Callable[[Tensor], Tensor]) -> Iterator[tuple[Tensor, Tensor]]:
    """(translate(A), B) for each validation batch."""
    for batch in loader:
        yield translate(batch["A"]), batch["B"]


def paired_metrics(model, loader: Iterable[dict[str, Tensor]], mean_target: Tensor | None = None) -> dict[str, float]:
    """l1, psnr, ssim of the model; with `mean_target` (C, H, W), also of the two baselines, as
    `<score>_input` (output = input) and `<score>_mean` (output = the mean training target)."""
    device = model.device
    results = score_pairs(validation_pairs(loader, lambda a: model.translate(a.to(device))), device)
    if mean_target is not None:
        results |= {f"{k}_input": v for k, v in score_pairs(((b["A"], b["B"]) for b in loader), device).items()}
        means = ((mean_target.expand_as(b["B"]), b["B"]) for b in loader)
        results |= {f"{k}_mean": v for k, v in score_pairs(means, device).items()}
    return results


def round_trip(model, images: Tensor, direction: str) -> tuple[Tensor, Tensor]:
    """(translated, translated back): G(a) and F(G(a)) for AtoB, F(b) and G(F(b)) for BtoA."""
    back = "BtoA" if direction == "AtoB" else "AtoB"
    translated = model.translate(images, direction)
    return translated, model.translate(translated, back)


@torch.no_grad()
def gaussian_of(backbone: nn.Module, batches: Iterable[Tensor], device: torch.device | str = "cpu") -> tuple[Tensor, Tensor, int]:
    """Mean and covariance of the backbone's features of image batches in [-1, 1], and their count."""
    features = torch.cat([backbone(images.to(device))[0].double().cpu() for images in batches])
    mean, covariance = mean_and_covariance(features)
    return mean, covariance, len(features)


def batched(images, batch_size: int) -> Iterator[Tensor]:
    """An indexable set of (C, H, W) images as batches."""
    for start in range(0, len(images), batch_size):
        yield torch.stack([images[i] for i in range(start, min(start + batch_size, len(images)))])


def frechet_to(reference: tuple[Tensor, Tensor, int], backbone: nn.Module, batches: Iterable[Tensor], device: torch.device | str = "cpu") -> float:
    mean, covariance, _ = gaussian_of(backbone, batches, device)
    return float(frechet_distance(reference[0], reference[1], mean, covariance))


@torch.no_grad()
def unpaired_metrics(model, datamodule, backbone: nn.Module, batch_size: int = 250, references: dict | None = None) -> dict[str, float]:
    """For each direction X -> Y: `fd_XtoY` of G(val X) to the train split of Y, `fd_XtoY_input` of
    val X itself (no translation) and `fd_XtoY_floor` of val Y (the same domain, a perfect
    translator's score at this N), and `cycle_l1_X`, the mean |F(G(x)) - x| on [0, 1] pixels.
    `references` caches the train-split Gaussians between calls."""
    device = model.device
    backbone = backbone.to(device)
    references = {} if references is None else references
    results: dict[str, float] = {}
    for source, target in (("A", "B"), ("B", "A")):
        direction = f"{source}to{target}"
        if target not in references:
            references[target] = gaussian_of(backbone, batched(datamodule.train_set.domain(target), batch_size), device)
        reference = references[target]
        val_source, val_target = datamodule.val_set.domain(source), datamodule.val_set.domain(target)
        translated = [model.translate(batch.to(device), direction) for batch in batched(val_source, batch_size)]
        results[f"fd_{direction}"] = frechet_to(reference, backbone, translated, device)
        results[f"fd_{direction}_input"] = frechet_to(reference, backbone, batched(val_source, batch_size), device)
        results[f"fd_{direction}_floor"] = frechet_to(reference, backbone, batched(val_target, batch_size), device)
        errors = [
            (to_unit(round_trip(model, batch, direction)[1]) - to_unit(batch.to(device))).abs().mean(dim=(1, 2, 3))
            for batch in batched(val_source, batch_size)
        ]
        results[f"cycle_l1_{source}"] = float(torch.cat(errors).mean())
    return results
