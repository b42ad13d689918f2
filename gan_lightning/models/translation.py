"""What the image-to-image families (pix2pix, CycleGAN) share.

A translation family has no prior to sample from: it maps an image of domain A to one of domain B
(the `Translates` capability). It has the players d (every discriminator) and g (every generator),
the adversarial loss applied to every score of a PatchGAN's grid, and an optional penalty on D.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gan_lightning.errors import ConfigError, DataError
from gan_lightning.models.base import Family, Spec, build
from gan_lightning.nets.eval_mode import eval_mode

DIRECTIONS = ("AtoB", "BtoA")


def with_channels(spec: Spec, **channels: int) -> Spec:
    """A network config with its channel arguments set by the family (the networks take
    `in_channels` / `out_channels`): the two CycleGAN generators are one config with the domains swapped."""
    return {**spec, **channels}


def all_scales(scores: Tensor | list[Tensor]) -> list[Tensor]:
    """A discriminator's scores as a list, one grid per scale (a single-scale D may return a tensor)."""
    return scores if isinstance(scores, list) else [scores]


class TranslationFamily(Family):
    """Base of the translation families; subclasses build their networks, call `add_players`, and
    write `training_step` and `translate`.

    Args:
        loss: config node of an `AdversarialLoss`, applied to every score of a PatchGAN's grid
            (`loss=non_saturating` is the papers' "vanilla" GAN loss, `least_squares` LSGAN,
            `wasserstein` with a gradient penalty WGAN-GP).
        penalty: optional penalty on each discriminator (`penalty=gradient`).
        g_optimizer, d_optimizer, g_scheduler, d_scheduler: the players' optimizers and schedulers
            (`_partial_` configs), the schedulers stepped after every `scheduler_interval` ("epoch" or "iteration").
    """

    directions: tuple[str, ...] = DIRECTIONS
    needs_pairs = False  # True: the family learns from aligned (A, B) pairs, not from two unrelated sets

    def __init__(
        self,
        loss: Spec,
        g_optimizer: Spec,
        d_optimizer: Spec,
        penalty: Spec | None = None,
        g_scheduler: Spec | None = None,
        d_scheduler: Spec | None = None,
        scheduler_interval: str = "epoch",
    ):
        super().__init__()
        self.save_hyperparameters(logger=False)
        self.loss = build(loss)
        self.penalty = build(penalty)

    def add_players(self, discriminators: list[nn.Module], generators: list[nn.Module]) -> None:
        """The players d (every discriminator) and g (every generator), with the configured optimizers."""
        compile_d = self.penalty is None  # a penalty differentiates through D's gradients
        interval = self.hparams.scheduler_interval
        self.add_player("d", discriminators, self.hparams.d_optimizer, self.hparams.d_scheduler, compile=compile_d, scheduler_interval=interval)
        self.add_player("g", generators, self.hparams.g_optimizer, self.hparams.g_scheduler, scheduler_interval=interval)

    def translator(self, direction: str) -> nn.Module:
        """The generator that maps images in `direction` (one of `directions`)."""
        raise NotImplementedError

    @torch.no_grad()
    def translate(self, images: Tensor, direction: str = "AtoB") -> Tensor:
        """The translations of `images` in [-1, 1], in the family's inference mode."""
        if direction not in DIRECTIONS:
            raise ConfigError(f"direction={direction} is unknown: choose AtoB or BtoA")
        if direction not in self.directions:
            raise ConfigError(f"{type(self).__name__} learns one direction (A to B of its data): to translate B to A, train with data.direction=BtoA")
        net = self.translator(direction)
        with self.inference_mode(net):
            return net(images.to(self.device))

    def inference_mode(self, net: nn.Module):
        """The mode a generator translates in: eval mode (BatchNorm's running statistics, no dropout)."""
        return eval_mode(net)

    def on_fit_start(self) -> None:
        datamodule = self.trainer.datamodule
        name, data = type(self).__name__, type(datamodule).__name__
        if "A" not in datamodule.train_set[0]:
            raise DataError(
                f"{name} translates images of domain A into domain B, and {data} has no A and B images: "
                "use data=paired, paired_digits, unpaired or unpaired_digits"
            )
        if self.needs_pairs and not getattr(datamodule, "paired", True):
            raise DataError(
                f"{name} learns from aligned pairs and {data} pairs unrelated images: "
                "use data=paired (or paired_digits), or model=cyclegan for unpaired data"
            )

    # Adversarial terms, summed over the scales of a multi-scale PatchGAN as the pix2pixHD and
    # BicycleGAN authors' GANLoss does: their weights against L1, KL and feature matching assume the sum.

    def discriminator_loss(self, real_scores: Tensor | list[Tensor], fake_scores: Tensor | list[Tensor]) -> Tensor:
        return sum(self.loss.discriminator(real, fake) for real, fake in zip(all_scales(real_scores), all_scales(fake_scores)))

    def generator_adversarial_loss(self, discriminator: nn.Module, fake_scores: Tensor | list[Tensor], real: Tensor) -> Tensor:
        """G's adversarial term on D's scores of its outputs; a relativistic loss also has D judge `real`."""
        real_scores = self.loss.real_logits_for_generator(discriminator, real)
        if real_scores is None:
            return sum(self.loss.generator(fake) for fake in all_scales(fake_scores))
        return sum(self.loss.generator(fake, real) for fake, real in zip(all_scales(fake_scores), all_scales(real_scores)))

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

