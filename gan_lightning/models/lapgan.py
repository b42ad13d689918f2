"""LAPGAN: Denton, Chintala, Szlam & Fergus 2015, "Deep Generative Image Models using a Laplacian
Pyramid of Adversarial Networks" (arXiv 1506.05751), sec. 3.

A pyramid of K levels (gan_lightning/nets/lapgan.py). Level 0 is an unconditional GAN on the coarsest
images I_{K-1}; each finer level k is a conditional GAN whose G_k draws the band-pass residual h_k
from the upsampled coarser image l_k = u(I_{k+1}) and a noise plane, and whose D_k judges (h_k, l_k).
Every level trains on the real images' own pyramid (l_k from the real I_{k+1}), so the levels are
independent games, trained together here with one player pair each; sampling runs coarse to fine,
each level refining the one below it.
"""

from __future__ import annotations

import torch
from torch import Tensor

from gan_lightning.data.pyramids import conditioned_pyramid, downsample, upsample
from gan_lightning.errors import ConfigError
from gan_lightning.models.adversarial import GANFamily
from gan_lightning.models.base import Spec
from gan_lightning.nets.eval_mode import eval_mode
from gan_lightning.nets.lapgan import LaplacianPyramidDiscriminator, LaplacianPyramidGenerator


class LAPGAN(GANFamily):
    """Each iteration, for every level k from the coarsest: one step of D_k on the real batch's level k
    (I_{K-1} or (h_k, l_k)) against G_k's, then one step of G_k.

    Args: see `GANFamily`; G a `LaplacianPyramidGenerator`, D a `LaplacianPyramidDiscriminator` with
    the same levels, the prior's latent_dim null (G's: the coarse z and a noise plane per finer level).
    Players d0, g0, d1, g1, ...: one pair per level, coarsest first, each with the configured optimizer.
    Logs train/d_loss and train/g_loss (sums over levels) and each level's as train/d_loss_<size>,
    train/g_loss_<size>.
    """

    def __init__(self, **parts: Spec):
        super().__init__(**parts)
        self.require_prior(conditional=False)
        if not isinstance(self.generator, LaplacianPyramidGenerator) or not isinstance(self.discriminator, LaplacianPyramidDiscriminator):
            raise ConfigError("model=lapgan needs gan_lightning.nets.LaplacianPyramidGenerator and LaplacianPyramidDiscriminator")
        if self.generator.sizes != self.discriminator.sizes:
            raise ConfigError(f"LAPGAN's G has levels {self.generator.sizes} and its D {self.discriminator.sizes}: give both the same levels and image_size")

    def add_players(self, g_optimizer, d_optimizer, g_scheduler, d_scheduler, scheduler_interval) -> None:
        for k, (g, d) in enumerate(zip(self.generator.stages, self.discriminator.stages)):
            self.add_player(f"d{k}", [d], d_optimizer, d_scheduler, scheduler_interval=scheduler_interval, config_key="model.d_optimizer")
            self.add_player(f"g{k}", [g], g_optimizer, g_scheduler, scheduler_interval=scheduler_interval, config_key="model.g_optimizer")

    @property
    def sizes(self) -> list[int]:
        return self.generator.sizes

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        losses = {}
        for k, (real, low) in enumerate(conditioned_pyramid(batch["image"], len(self.sizes))):  # (I_{K-1}, None), (h_k, l_k)
            losses[f"d_loss_{self.sizes[k]}"], losses[f"g_loss_{self.sizes[k]}"] = self.train_level(k, real, low)
        if self.logging_step:
            total = {player: sum(value for name, value in losses.items() if name.startswith(player)) for player in ("d", "g")}
            self.log_train({"d_loss": total["d"], "g_loss": total["g"], **losses})

    def train_level(self, k: int, real: Tensor, low: Tensor | None) -> tuple[Tensor, Tensor]:
        """One D_k step and one G_k step; their losses."""
        with torch.no_grad():
            fake = self.generate_level(k, low, self.draw(len(real)).z)
        d_loss = self.loss.discriminator(self.judge_level(k, real, low), self.judge_level(k, fake, low))
        self.update(f"d{k}", d_loss)
        with self.toggled(f"g{k}"):
            fake_logits = self.judge_level(k, self.generate_level(k, low, self.draw(len(real)).z), low)
            g_loss = self.loss.generator(fake_logits, self.loss.real_logits_for_generator(self.judge_level, k, real, low))
            self.update(f"g{k}", g_loss)
        return d_loss, g_loss

    def generate_level(self, k: int, low: Tensor | None, z: Tensor) -> Tensor:
        """G_k's output: the coarsest image for k = 0, else a band-pass refining `low`."""
        coarse_z, noise = self.generator.split(z)
        stage = self.generator.stages[k]
        return stage(coarse_z) if k == 0 else stage(low, noise[k - 1])

    def judge_level(self, k: int, samples: Tensor, low: Tensor | None) -> Tensor:
        stage = self.discriminator.stages[k]
        return stage(samples) if k == 0 else stage(samples, low)

    @torch.no_grad()
    def sample_levels(self) -> list[Tensor]:
        """The fixed sample batch at every level, coarsest first."""
        latent, _ = self.prior.grid(self.num_fixed_samples, self.device)
        network = self.sampling_network
        with eval_mode(network):
            return network.levels(latent.z)

    @torch.no_grad()
    def judge(self, samples: Tensor) -> Tensor:
        """The finest level's D on each sample's own finest band-pass and the coarser image under it."""
        samples = samples.to(self.device)
        k = len(self.sizes) - 1
        low = upsample(downsample(samples)) if k else None
        with eval_mode(self.discriminator):
            return self.judge_level(k, samples if low is None else samples - low, low)
