"""Conditional GAN: Mirza & Osindero 2014, "Conditional Generative Adversarial Nets" (arXiv 1411.1784).

G(z, y) draws a sample of class y; D(x, y) judges (sample, label) pairs, joined at its input
(`conditioning=concat`, the paper) or through a projection (`conditioning=projection`, Miyato &
Koyama 2018). The game is Algorithm 1 of Goodfellow et al. on pairs:
min_G max_D E[log D(x, y)] + E[log(1 - D(G(z, y), y))].
y is whatever the prior conditions on: a class, or with an attribute prior the shapes' attribute
vector (model=attribute_gan: Karacan et al. 2016's attribute-conditioned G and D, arXiv 1612.00215).
"""

from __future__ import annotations

import torch
from torch import Tensor

from gan_lightning.errors import ConfigError
from gan_lightning.models.adversarial import GANFamily


class CGAN(GANFamily):
    """`n_critic` D steps on real pairs (x, y) against fake pairs (G(z, y), y) with the same labels,
    so label frequencies tell D nothing; then one G step on labels drawn from the prior (uniform).
    The prior must be conditional (`gan_lightning.priors.ClassConditionalPrior`, `AttributePrior`):
    it says what y is, for real batches (`condition_of`) and for draws (`condition`).
    Other arguments: see `GANFamily`."""

    takes_critic_steps = True

    def __init__(self, **parts):
        super().__init__(**parts)
        self.require_prior(conditional=True)
        if misfit := self.prior.misfit(self.discriminator):
            raise ConfigError(f"the discriminator does not fit the prior: {misfit}")

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        batch = {**batch, "condition": self.prior.condition_of(batch)}  # a tensor: split among the D steps
        for minibatch in self.critic_batches(batch):
            real, condition = minibatch["image"], minibatch["condition"]
            with torch.no_grad():
                fake = self.generator(self.draw(len(real)).z, condition)
            real_logits, fake_logits = self.discriminator(real, condition), self.discriminator(fake, condition)
            d_loss = self.loss.discriminator(real_logits, fake_logits)
            self.update("d", d_loss)

        with self.toggled("g"):
            latent = self.draw(len(real))
            drawn = self.prior.condition(latent)
            fake_logits_g = self.discriminator(self.generator(latent.z, drawn), drawn)
            g_loss = self.loss.generator(fake_logits_g, self.loss.real_logits_for_generator(self.discriminator, real, condition))
            self.update("g", g_loss)
        self.log_losses(d_loss, g_loss, real_logits, fake_logits)
