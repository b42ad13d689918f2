"""BigGAN: Brock, Donahue & Simonyan 2019, "Large Scale GAN Training for High Fidelity Natural Image
Synthesis" (arXiv 1809.11096).

The class-conditional game of cGAN (hinge loss, projection D) with BigGAN's additions, each a switch:
the width multiplier, the shared class embedding and the hierarchical latent live in G
(`gan_lightning.nets.ResNetConditionalGenerator`); here, orthogonal regularisation of G's weights
(sec. 3.1, the off-diagonal form, beta 1e-4), gradient accumulation so a large effective batch runs on
small memory (`accumulation` parts per batch), and through the shared base an EMA of G
(`ema_decay`) and the truncation trick at sampling (`prior.truncation`: |z| entries above it are
redrawn).
"""

from __future__ import annotations

import torch
from torch import Tensor

from gan_lightning.errors import ConfigError
from gan_lightning.losses.penalties import orthogonal_regularization
from gan_lightning.models.adversarial import labelled_batch
from gan_lightning.models.cgan import CGAN


class BigGAN(CGAN):
    """`n_critic` D steps, then one G step, each on `accumulation` parts of its batch whose gradients
    add up before the step (`Family.update_in_parts`); G's loss adds ortho_weight times the
    orthogonal regularisation of its weights.

    Args:
        ortho_weight: beta (1e-4 in the paper; 0: off).
        accumulation: parts each batch is split into (data.batch_size must divide by it).
        Other arguments: see `CGAN`.
    Logs train/g_ortho besides cGAN's numbers.
    """

    def __init__(self, *, ortho_weight: float = 1e-4, accumulation: int = 1, **parts):
        super().__init__(**parts)
        if ortho_weight < 0 or accumulation < 1:
            raise ConfigError(f"model.ortho_weight must be 0 or more and model.accumulation at least 1, not {ortho_weight} and {accumulation}")
        self.ortho_weight, self.accumulation = ortho_weight, accumulation

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        images = labelled_batch(batch, "biggan")[0]
        if len(images) % (self.n_critic * self.accumulation):
            raise ConfigError(f"data.batch_size={len(images) // self.n_critic} does not split into model.accumulation={self.accumulation} equal parts")
        logits = {}

        def d_loss_of(real: Tensor, label: Tensor) -> Tensor:
            with torch.no_grad():
                fake = self.generator(self.draw(len(real), labels=label).z, label)
            logits["real"], logits["fake"] = self.discriminator(real, label), self.discriminator(fake, label)
            return self.loss.discriminator(logits["real"], logits["fake"])

        for minibatch in self.critic_batches(batch):
            real, label = labelled_batch(minibatch, "biggan")
            parts = list(zip(real.chunk(self.accumulation), label.chunk(self.accumulation)))
            d_loss = self.update_in_parts("d", lambda i, parts=parts: d_loss_of(*parts[i]), self.accumulation)

        terms = {}

        def g_loss_of(i: int) -> Tensor:
            real_part, label_part = parts[i]  # the last D step's real pairs, for a relativistic loss
            latent = self.draw(len(real_part))
            fake_logits = self.discriminator(self.generator(latent.z, latent.labels), latent.labels)
            terms["adversarial"] = self.loss.generator(fake_logits, self.loss.real_logits_for_generator(self.discriminator, real_part, label_part))
            if not self.ortho_weight:
                return terms["adversarial"]
            # each part's backward pass frees its graph: the (cheap) regulariser is built again per part
            terms["ortho"] = orthogonal_regularization(self.generator, self.ortho_weight)
            return terms["adversarial"] + terms["ortho"]

        with self.toggled("g"):
            self.update_in_parts("g", g_loss_of, self.accumulation)
        self.log_losses(d_loss, terms["adversarial"], logits["real"], logits["fake"], g_ortho=terms.get("ortho"))
