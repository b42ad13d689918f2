"""Scores of image-to-image models on a validation split.

- paired (pix2pix, SRGAN): L1, PSNR and SSIM of G(x) against y, on [0, 1] pixels (or the view the
  data scores: super-resolution's Y channel without a border), through torchmetrics; with the
  data's baselines (output = input; bicubic upsampling) and output = the mean training target.
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

from gan_lightning.data.pixels import to_unit
from gan_lightning.data.unpaired import UnpairedDigitsDataModule
from gan_lightning.metrics.backbones import DigitsClassifierBackbone
from gan_lightning.metrics.frechet import frechet_distance, mean_and_covariance


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
def score_pairs(pairs: Iterable[tuple[Tensor, Tensor]], device: torch.device | str = "cpu", scored: Callable[[Tensor], Tensor] = to_unit) -> dict[str, float]:
    """The paired scores of (output, target) batches in [-1, 1], on `scored` pixels."""
    scores = paired_scores().to(device)
    for output, target in pairs:
        scores.update(scored(output.to(device)), scored(target.to(device)))
    return {name: float(value) for name, value in scores.compute().items()}


@torch.no_grad()
def paired_metrics(
    model, loader: Iterable[dict[str, Tensor]], scored: Callable[[Tensor], Tensor] = to_unit,
    baselines: Callable[[Tensor], dict[str, Tensor]] | None = None, mean_target: Tensor | None = None,
) -> dict[str, float]:  # fmt: skip
    """l1, psnr, ssim of the model's translations of the validation batches' A against their B, each
    image passed through `scored` first ([0, 1] pixels; the data may score another view, such as
    super-resolution's Y channel). `baselines(A)` gives outputs made without the model, by name
    (output = input, bicubic upsampling, ...), scored as `<score>_<name>`; `mean_target` (C, H, W),
    the mean training target, as `<score>_mean`."""
    device = model.device
    scores: dict[str, MetricCollection] = {}

    def add(name: str, output: Tensor, target: Tensor) -> None:
        if name not in scores:
            scores[name] = paired_scores().to(device)
        scores[name].update(scored(output.to(device)), scored(target))

    for batch in loader:
        inputs, target = batch["A"].to(device), batch["B"].to(device)
        add("", model.translate(inputs), target)
        for name, output in (baselines(inputs) if baselines else {}).items():
            add(name, output, target)
        if mean_target is not None:
            add("mean", mean_target.to(device).expand_as(target), target)
    return {f"{score}_{name}" if name else score: float(value) for name, collection in scores.items() for score, value in collection.compute().items()}


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
    """For each direction X -> Y: `fd_XtoY` of G(val X) to the train split of Y (served as val images
    are: resized, neither cropped nor mirrored; `UnpairedImages.reference`), `fd_XtoY_input` of
    val X itself (no translation) and `fd_XtoY_floor` of val Y (the same domain, a perfect
    translator's score), with the N each rests on: `fd_XtoY_num_samples` (val X, translated or not),
    `fd_XtoY_floor_num_samples` (val Y) and `fd_XtoY_num_real` (train Y); and, for a model that maps
    both ways, `cycle_l1_X`, the mean |F(G(x)) - x| on [0, 1] pixels; on the built-in unpaired digits,
    `digit_kept_XtoY`, how often the digits classifier reads x's digit in G(x). A one-sided model is scored in its
    one direction. `references` caches the train-split Gaussians between calls."""
    device = model.device
    backbone = backbone.to(device)
    references = {} if references is None else references
    results: dict[str, float] = {}
    for source, target in (("A", "B"), ("B", "A")):
        direction = f"{source}to{target}"
        if direction not in model.directions:  # a one-sided map (DistanceGAN) is scored the way it goes
            continue
        if target not in references:
            references[target] = gaussian_of(backbone, batched(datamodule.train_set.reference(target), batch_size), device)
        reference = references[target]
        val_source, val_target = datamodule.val_set.domain(source), datamodule.val_set.domain(target)
        translated = [model.translate(batch.to(device), direction) for batch in batched(val_source, batch_size)]
        results[f"fd_{direction}"] = frechet_to(reference, backbone, translated, device)
        results[f"fd_{direction}_input"] = frechet_to(reference, backbone, batched(val_source, batch_size), device)
        results[f"fd_{direction}_floor"] = frechet_to(reference, backbone, batched(val_target, batch_size), device)
        results[f"fd_{direction}_num_samples"] = len(val_source)
        results[f"fd_{direction}_floor_num_samples"] = len(val_target)
        results[f"fd_{direction}_num_real"] = reference[2]
        readable = isinstance(datamodule, UnpairedDigitsDataModule) and isinstance(backbone, DigitsClassifierBackbone)
        if readable and datamodule.as_plain_digits(translated[0], target) is not None:
            # DTN's measure: the digit of each input, read in its translation (the renderings are known)
            read = torch.cat([backbone.predict(datamodule.as_plain_digits(images, target).to(device)).cpu() for images in translated])
            results[f"digit_kept_{direction}"] = float((read == datamodule.val_labels[source]).float().mean())
        if len(model.directions) == 2:
            errors = [
                (to_unit(round_trip(model, batch, direction)[1]) - to_unit(batch.to(device))).abs().mean(dim=(1, 2, 3))
                for batch in batched(val_source, batch_size)
            ]
            results[f"cycle_l1_{source}"] = float(torch.cat(errors).mean())
    return results
