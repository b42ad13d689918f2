"""CycleGAN: Zhu, Park, Isola & Efros 2017, "Unpaired Image-to-Image Translation using
Cycle-Consistent Adversarial Networks" (arXiv 1703.10593).

Two maps G: A -> B and F: B -> A, two discriminators D_B (on B) and D_A (on A). With no pairs, the
adversarial terms only match domains; the cycle terms tie each image to its translation (eq. 2):
F(G(a)) ~ a and G(F(b)) ~ b. The full objective (eq. 3):
L = L_GAN(G, D_B) + L_GAN(F, D_A) + lambda_A ||F(G(a)) - a||_1 + lambda_B ||G(F(b)) - b||_1, plus
the identity term of sec. 5.2, lambda_id (lambda_A ||F(a) - a||_1 + lambda_B ||G(b) - b||_1), which
keeps colours when nothing needs changing. D learns from a pool of past translations (sec. 4).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.losses import l1_loss
from gan_lightning.models.base import Spec, build
from gan_lightning.models.image_pool import ImagePool
from gan_lightning.models.translation import TranslationFamily, with_channels
from gan_lightning.nets.batching import forward_together


class CycleGAN(TranslationFamily):
    """Per batch (a, b), unpaired: one step of both generators, then one step of both discriminators
    (the authors' order), each D on the real images of its domain against translations from its pool.

    Args:
        generator: config node of G: A -> B with `in_channels` (A) and `out_channels` (B); F: B -> A
            is built from the same node with the channels swapped.
        discriminator: config node of D; D_A gets A's channels, D_B B's.
        cycle_weight_a, cycle_weight_b: lambda_A and lambda_B (10 each).
        identity_weight: lambda_id, relative to the cycle weights (0.5); 0 turns it off.
        pool_size: generated images kept for each D (50); 0 gives D the latest translations only.
        Other arguments: see `TranslationFamily`.
    """

    def __init__(
        self,
        *,
        generator: Spec,
        discriminator: Spec,
        cycle_weight_a: float = 10.0,
        cycle_weight_b: float = 10.0,
        identity_weight: float = 0.5,
        pool_size: int = 50,
        **parts,
    ):
        super().__init__(**parts)
        if min(cycle_weight_a, cycle_weight_b, identity_weight) < 0 or pool_size < 0:
            raise ConfigError("model.cycle_weight_a, cycle_weight_b, identity_weight and pool_size must be 0 or more")
        channels_a, channels_b = generator["in_channels"], generator["out_channels"]
        if identity_weight and channels_a != channels_b:
            raise ConfigError(
                f"the identity term feeds B images to F: B -> A, which needs as many channels in A as in B ({channels_a} and {channels_b}): "
                "set model.identity_weight=0"
            )
        self.generator_ab = build(generator)  # G
        self.generator_ba = build(with_channels(generator, in_channels=channels_b, out_channels=channels_a))  # F
        self.discriminator_a = build(with_channels(discriminator, in_channels=channels_a))
        self.discriminator_b = build(with_channels(discriminator, in_channels=channels_b))
        self.cycle_weight_a, self.cycle_weight_b, self.identity_weight = cycle_weight_a, cycle_weight_b, identity_weight
        self.pool_a, self.pool_b = ImagePool(pool_size), ImagePool(pool_size)
        self.add_players([self.discriminator_a, self.discriminator_b], [self.generator_ab, self.generator_ba])

    def translator(self, direction: str) -> nn.Module:
        return self.generator_ab if direction == "AtoB" else self.generator_ba

    def identity_inputs(self, images: Tensor) -> list[Tensor]:
        """The images a generator also translates for the identity term: none when it does not count."""
        return [images] if self.identity_weight else []

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        real_a, real_b = batch["A"], batch["B"]

        # G and F step, both discriminators frozen.
        with self.toggled("g"):
            fake_b, *same_b = forward_together(self.generator_ab, real_a, *self.identity_inputs(real_b))  # G(a), and G(b) if needed
            fake_a, *same_a = forward_together(self.generator_ba, real_b, *self.identity_inputs(real_a))  # F(b), and F(a) if needed
            g_gan_ab = self.generator_adversarial_loss(self.discriminator_b, self.discriminator_b(fake_b), real_b)
            g_gan_ba = self.generator_adversarial_loss(self.discriminator_a, self.discriminator_a(fake_a), real_a)
            g_cycle_a = self.cycle_weight_a * l1_loss(self.generator_ba(fake_b), real_a)  # ||F(G(a)) - a||_1
            g_cycle_b = self.cycle_weight_b * l1_loss(self.generator_ab(fake_a), real_b)  # ||G(F(b)) - b||_1
            g_identity = torch.zeros((), device=self.device)
            if self.identity_weight:
                g_identity = self.identity_weight * (
                    self.cycle_weight_a * l1_loss(same_a[0], real_a)  # ||F(a) - a||_1
                    + self.cycle_weight_b * l1_loss(same_b[0], real_b)  # ||G(b) - b||_1
                )
            g_loss = g_gan_ab + g_gan_ba + g_cycle_a + g_cycle_b + g_identity
            self.update("g", g_loss)

        # D_A and D_B step: real images of their domain against translations drawn from the pools.
        pooled_b, pooled_a = self.pool_b.query(fake_b), self.pool_a.query(fake_a)
        real_scores_b, fake_scores_b = forward_together(self.discriminator_b, real_b, pooled_b)
        real_scores_a, fake_scores_a = forward_together(self.discriminator_a, real_a, pooled_a)
        d_loss_b = self.discriminator_loss(real_scores_b, fake_scores_b)
        d_loss_a = self.discriminator_loss(real_scores_a, fake_scores_a)
        penalties = [
            p
            for p in (self.penalty_on(self.discriminator_b, real_b, pooled_b), self.penalty_on(self.discriminator_a, real_a, pooled_a))
            if p is not None
        ]
        d_loss = d_loss_a + d_loss_b
        self.update("d", d_loss + sum(penalties))

        if self.logging_step:
            self.log_train({
                "d_loss": d_loss, "d_loss_a": d_loss_a, "d_loss_b": d_loss_b,
                "g_loss": g_loss, "g_gan_ab": g_gan_ab, "g_gan_ba": g_gan_ba,
                "g_cycle_a": g_cycle_a, "g_cycle_b": g_cycle_b, "g_identity": g_identity,
                "d_real": self.mean_score(real_scores_b), "d_fake": self.mean_score(fake_scores_b),
                "d_penalty": sum(penalties) if penalties else None,
            })  # fmt: skip
