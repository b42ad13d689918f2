"""Progressive growing: Karras et al. 2018, "Progressive Growing of GANs for Improved Quality,
Stability, and Variation" (arXiv 1710.10196), sec. 2 and appendix A.1.

The game is WGAN-GP's (Algorithm 1 of Gulrajani et al., with the drift term eps E[D(x)^2] of sec. A.1
in the critic's loss); what ProGAN adds is the schedule its networks grow on: 4x4 first, then each
doubling of resolution faded in over `phase_images` real images and stabilised over as many more,
with its own batch size. The schedule is a function of the iteration alone, so a checkpoint taken
mid-fade resumes at the same level and alpha.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from gan_lightning.errors import ConfigError
from gan_lightning.models.gan import GAN
from gan_lightning.nets.progan import Growing, at_level

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Growth:
    level: int  # 0: 4x4; k: 4 * 2**k
    alpha: float  # the new level's weight in its fade-in; 1 once stable
    batch_size: int

    @property
    def resolution(self) -> int:
        return 4 * 2**self.level


class GrowthSchedule:
    """Phases in order: 4x4 stable, then for each further level a fade-in and a stable phase, each of
    `phase_images` images at that resolution's batch size; the last phase lasts until training stops.

    Args:
        levels: how many resolutions (4x4 up to the data's size).
        phase_images: real images shown per phase (the paper: 800,000).
        batch_sizes: the batch size at each resolution, 4x4 first; resolutions past the list's end take
            its last (the paper: 16 up to 128x128, then smaller).
    """

    def __init__(self, levels: int, phase_images: int, batch_sizes: Sequence[int]):
        if phase_images < 1:
            raise ConfigError(f"model.phase_images must be positive, not {phase_images}")
        if not batch_sizes or any(size < 1 for size in batch_sizes):
            raise ConfigError(f"model.batch_sizes must list positive batch sizes, 4x4's first, not {list(batch_sizes)}")
        self.phase_images = phase_images
        self.batch_sizes = [batch_sizes[min(level, len(batch_sizes) - 1)] for level in range(levels)]
        # (level, fading, iterations) of each phase, in order
        self.phases = [(0, False)] + [(level, fading) for level in range(1, levels) for fading in (True, False)]

    def iterations(self, level: int) -> int:
        return math.ceil(self.phase_images / self.batch_sizes[level])

    def at(self, iteration: int) -> Growth:
        """Where the networks are in iteration `iteration` (0 is the first)."""
        start = 0
        for number, (level, fading) in enumerate(self.phases):
            length = self.iterations(level)
            if iteration < start + length or number == len(self.phases) - 1:
                alpha = (iteration - start) / length if fading else 1.0
                return Growth(level, alpha, self.batch_sizes[level])
            start += length
        raise AssertionError("unreachable: the last phase lasts")

    def fully_grown_at(self) -> int:
        """The first iteration of the last (stable, full-resolution) phase."""
        return sum(self.iterations(level) for level, _ in self.phases[:-1])


class ProGAN(GAN):
    """WGAN-GP on growing networks (`gan_lightning.nets.ProgressiveGenerator` and `ProgressiveDiscriminator`).

    Args:
        phase_images: real images per fade-in and per stable phase.
        batch_sizes: the minibatch size at each resolution, 4x4 first (the loader serves
            data.batch_size, at least the largest of them; each step takes the first images of its batch).
        Other arguments: see `GAN` (n_critic 1, penalty=gradient, the Wasserstein loss with drift).
    """

    def __init__(self, *, phase_images: int = 16000, batch_sizes: Sequence[int] = (16,), **settings):
        super().__init__(**settings)
        if not isinstance(self.generator, Growing) or not isinstance(self.discriminator, Growing):
            raise ConfigError("model=progan grows its networks: use gan_lightning.nets.ProgressiveGenerator and ProgressiveDiscriminator")
        if self.generator.levels != self.discriminator.levels:
            raise ConfigError(f"G grows to {self.generator.image_size} and D from {self.discriminator.image_size}: give both data.image_size")
        self.schedule = GrowthSchedule(self.generator.levels, phase_images, batch_sizes)
        self.growth = self.schedule.at(0)

    @property
    def resolution(self) -> int:
        """The resolution the networks work at now (`Grows`)."""
        return self.generator.resolution

    def on_fit_start(self) -> None:
        grown, budget = self.schedule.fully_grown_at(), self.settings.max_iterations
        size = self.generator.image_size
        if 0 < budget <= grown:
            message = "trainer.max_steps=%d stops before the networks reach %dx%d at iteration %d: raise it, or lower model.phase_images"
            log.warning(message, budget, size, size, grown)
        else:
            log.info("ProGAN grows to %dx%d by iteration %d", size, size, grown)

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        # Grow to this iteration's level and alpha, take its batch size of real images, seen at that
        # resolution (faded like G's outputs), then play the WGAN-GP game of GAN.training_step.
        self.grow_to(self.schedule.at(self.iteration))
        images = batch["image"]
        if len(images) < self.growth.batch_size * self.n_critic:
            raise ConfigError(
                f"model.batch_sizes asks for {self.growth.batch_size} images at {self.growth.resolution}x{self.growth.resolution} "
                f"and the loader serves {len(images) // self.n_critic}: raise data.batch_size to {self.growth.batch_size}"
            )
        reals = [at_level(minibatch["image"][: self.growth.batch_size], self.growth.level, self.growth.alpha) for minibatch in self.critic_batches(batch)]
        super().training_step({"image": torch.cat(reals)}, batch_idx)

    def grow_to(self, growth: Growth) -> None:
        """Set every network's level and alpha (the moving average's too)."""
        self.growth = growth
        for network in [self.discriminator, *self.network_and_average()]:
            network.grow(growth.level, growth.alpha)

    def update_ema(self) -> None:
        super().update_ema()
        self.grow_to(self.growth)  # the average would have averaged alpha (a buffer) too

    def log_losses(self, *losses: Tensor, **terms: Tensor | float | None) -> None:
        super().log_losses(*losses, resolution=float(self.growth.resolution), alpha=self.growth.alpha, **terms)
