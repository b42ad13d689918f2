"""Scores of the single-image families against their one training image, logged while they train."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from lightning import Callback, LightningModule, Trainer
from torch import Tensor

from gan_lightning.callbacks.schedule import epoch_due
from gan_lightning.capabilities import Retargets, Samples
from gan_lightning.metrics.single_image import diversity
from gan_lightning.metrics.swd import fitting_levels, sliced_wasserstein_distances


class SingleImageScores(Callback):
    """Every `every_n_epochs` epochs (or `every_n_iterations` iterations) and at the last epoch, the
    scores of `gan_lightning.metrics.single_image` against the first validation image:

    - a family that samples (SinGAN): `num_samples` samples (the same ones each time), their
      `val/diversity` (per-pixel standard deviation over samples / the image's) and `val/patch_swd`
      (the sliced Wasserstein distance x1e3 of their 7x7 patches to the image's, averaged over the
      pyramid levels, up to three, that hold such patches: SIFID's place, as SIFID needs Inception's
      weights), the image resized to the samples' size (a scale still training samples smaller);
    - a family that retargets (InGAN): the image retargeted to each (height, width) factor pair of
      `factors`, the patch distance of each to the image, `val/patch_swd_<h>x<w>`, and their mean,
      `val/patch_swd`. It draws no noise, so it has no diversity to score.
    """

    def __init__(self, num_samples: int = 16, every_n_epochs: int | None = 5, every_n_iterations: int | None = None, factors: list[list[float]] | None = None):
        self.num_samples, self.every_n_epochs, self.every_n_iterations = num_samples, every_n_epochs, every_n_iterations
        self.factors = [tuple(pair) for pair in (factors or [[1.0, 0.5], [1.0, 2.0], [2.0, 1.0]])]

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not epoch_due(trainer, self.every_n_epochs, self.every_n_iterations):
            return
        image = trainer.datamodule.val_set[0]["image"].float()
        with torch.no_grad():
            if isinstance(pl_module, Retargets):
                scores = self.retargeting_scores(pl_module, image)
            elif isinstance(pl_module, Samples):
                scores = self.sampling_scores(pl_module, image)
            else:
                return
        pl_module.log_dict({f"val/{name}": value for name, value in scores.items()})

    def sampling_scores(self, pl_module: Samples, image: Tensor) -> dict[str, float]:
        samples = pl_module.sample_indexed(range(self.num_samples))[0].float().cpu()
        at_size = F.interpolate(image[None], size=samples.shape[-2:], mode="bicubic", align_corners=False)[0].clamp(-1, 1)
        return {"diversity": diversity(samples, at_size), **patch_distance("patch_swd", at_size[None].expand_as(samples), samples)}

    def retargeting_scores(self, pl_module: Retargets, image: Tensor) -> dict[str, float]:
        scores = {}
        for height_factor, width_factor in self.factors:
            output = pl_module.retarget(image[None], height_factor, width_factor).float().cpu()
            scores |= patch_distance(f"patch_swd_{height_factor:g}x{width_factor:g}", image[None], output)
        if scores:
            scores["patch_swd"] = sum(scores.values()) / len(scores)
        return scores


def patch_distance(name: str, real: Tensor, fake: Tensor) -> dict[str, float]:
    """{name: the mean SWD x1e3 over the pyramid levels that fit both}, or {} for images too small."""
    levels = fitting_levels(real, fake)
    if not levels:
        return {}
    distances = sliced_wasserstein_distances(real, fake, levels=levels)
    return {name: sum(distances) / len(distances)}
