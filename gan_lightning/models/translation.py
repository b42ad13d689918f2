"""What the image-to-image families (pix2pix, CycleGAN) share.

`GANFamily` is built around a latent z (its `latent_dim`, fixed noise, `sample(n)` from noise); a
translation family has no z: it maps an image of domain A to one of domain B. So this base keeps
the training machinery the families share (manual optimization, parts from config, per-epoch
schedulers, logging only in written iterations, the family name in checkpoints) and replaces
sampling by `translate`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from gan_lightning.errors import ConfigError, DataError
from gan_lightning.models.training import Spec, TrainingControls, build

DIRECTIONS = ("AtoB", "BtoA")


def with_channels(spec: Spec, **channels: int) -> Spec:
    """A network config with its channel arguments set by the family (the networks take
    `in_channels` / `out_channels`): the two CycleGAN generators are one config with the domains swapped."""
    return {**spec, **channels}


def all_scales(scores: Tensor | list[Tensor]) -> list[Tensor]:
    """A discriminator's scores as a list, one grid per scale (a single-scale D may return a tensor)."""
    return scores if isinstance(scores, list) else [scores]


class TranslationFamily(TrainingControls):
    """Base of the translation families; subclasses write `training_step` and `translate`.

    Args:
        loss: config node of an `AdversarialLoss`, applied to every score of a PatchGAN's grid
            (`loss=non_saturating` is the papers' "vanilla" GAN loss, `least_squares` LSGAN,
            `wasserstein` with a gradient penalty WGAN-GP).
        penalty: optional penalty on each discriminator (`+penalty@model.penalty=gradient`).
        g_optimizer, d_optimizer, g_scheduler, d_scheduler: as in `GANFamily`.
    """

    def __init__(
        self,
        loss: Spec,
        g_optimizer: Spec,
        d_optimizer: Spec,
        penalty: Spec | None = None,
        g_scheduler: Spec | None = None,
        d_scheduler: Spec | None = None,
    ):
        super().__init__()
        self.automatic_optimization = False
        self.save_hyperparameters(logger=False)
        self.loss = build(loss)
        self.penalty = build(penalty)
        self.logging_step = True

    real_batches_per_step = 1  # one (A, B) batch per iteration
    optimizer_steps_per_iteration = 2  # one D step (both Ds for CycleGAN) and one G step

    @property
    def iteration(self) -> int:
        return self.trainer.global_step // self.optimizer_steps_per_iteration

    # Translating: grids, metrics and the translate CLI go through these.

    def translate(self, images: Tensor, direction: str = "AtoB") -> Tensor:
        raise NotImplementedError

    @torch.no_grad()
    def run_eval(self, net: nn.Module, images: Tensor) -> Tensor:
        """net(images) in eval mode (BatchNorm running statistics, no dropout), in [-1, 1]."""
        was_training = net.training
        net.eval()
        try:
            return net(images.to(self.device))
        finally:
            net.train(was_training)

    def sample(self, n: int, seed: int | None = None, inputs: Tensor | None = None) -> Tensor:
        """The translations of the first n `inputs` (a translation family has no noise to sample from)."""
        if inputs is None:
            raise ConfigError(f"{type(self).__name__} translates images and has no noise to sample from: use translate(images) or sample(n, inputs=images)")
        return self.translate(inputs[:n])

    needs_pairs = False  # True: the family learns from aligned (A, B) pairs, not from two unrelated sets

    def on_fit_start(self) -> None:
        datamodule = self.trainer.datamodule
        name, data = type(self).__name__, type(datamodule).__name__
        if "A" not in datamodule.train_set[0]:
            raise DataError(f"{name} translates images of domain A into domain B, and {data} has no A and B images: use data=paired, paired_digits, unpaired or unpaired_digits")
        if self.needs_pairs and not getattr(datamodule, "paired", True):
            raise DataError(f"{name} learns from aligned pairs and {data} pairs unrelated images: use data=paired (or paired_digits), or model=cyclegan for unpaired data")

    # Discriminator terms, summed over the scales of a multi-scale PatchGAN and averaged.

    def discriminator_loss(self, real_scores: Tensor | list[Tensor], fake_scores: Tensor | list[Tensor]) -> Tensor:
        pairs = list(zip(all_scales(real_scores), all_scales(fake_scores)))
        return sum(self.loss.discriminator(real, fake) for real, fake in pairs) / len(pairs)

    def generator_adversarial_loss(self, fake_scores: Tensor | list[Tensor]) -> Tensor:
        scores = all_scales(fake_scores)
        return sum(self.loss.generator(fake) for fake in scores) / len(scores)

    def penalty_on(self, discriminator: nn.Module, real: Tensor, fake: Tensor) -> Tensor | None:
        """The configured penalty on D, which sees every score of every scale as one output."""
        if self.penalty is None:
            return None

        def every_score(images: Tensor) -> Tensor:
            return torch.cat([s.flatten(1) for s in all_scales(discriminator(images))], dim=1)

        return self.penalty(every_score, real, fake)

    def mean_score(self, scores: Tensor | list[Tensor]) -> Tensor:
        """D's mean output over every patch and scale (the probability for the logistic losses)."""
        return torch.stack([self.loss.score(s.detach()).mean() for s in all_scales(scores)]).mean()

    def log_terms(self, terms: dict[str, Tensor | float]) -> None:
        """Step metrics under train/..., with both learning rates, in logged iterations."""
        if not self.logging_step:
            return
        d_opt, g_opt = self.optimizers()
        values = {f"train/{name}": value.detach() if isinstance(value, Tensor) else value for name, value in terms.items()}
        self.log_dict({**values, "train/lr_d": d_opt.param_groups[0]["lr"], "train/lr_g": g_opt.param_groups[0]["lr"]})

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        super().on_save_checkpoint(checkpoint)  # the random streams: TrainingControls
        checkpoint["family"] = f"{type(self).__module__}.{type(self).__qualname__}"
