"""An attribute-conditioned GAN that edits real images: the attribute half of Karacan, Akata, Erdem &
Erdem 2016, "Learning to Generate Images of Outdoor Scenes from Attributes and Semantic Layouts"
(AL-CGAN, arXiv 1612.00215), which conditions G and D on continuous scene attributes ("night",
"sunny", ...) and, in its 2018 sequel, edits a photograph by generating it again under changed
attributes.

G(z, y) and D(x, y), y the shapes' attribute vector (`gan_lightning.priors.AttributePrior`), play the
conditional game of Mirza & Osindero on (image, attributes) pairs: D's steps judge real pairs against
G's images made for the same attributes, G's step takes attributes drawn as the data's. A real image
is edited by inverting G under its own attributes (the z whose G(z, y) is closest) and generating
that z under the changed ones (`gan_lightning.latent.editing.edit_attributes`). The semantic layout
of the paper has no counterpart on the shapes and is left out.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.models.adversarial import GANFamily
from gan_lightning.models.attribute2image import require_items
from gan_lightning.models.base import Spec, build
from gan_lightning.priors import AttributePrior


class AttributeGAN(GANFamily):
    """`n_critic` D steps on real (image, attributes) pairs against (G(z, y), y) with the same
    attributes, then one G step on attributes drawn from the prior.

    Args: see `GANFamily` (G: a network (z, attributes) -> images, such as `ConditionedDecoder`
        around DCGAN's G; D: one (images, attributes) -> logits, such as `ConditionedImageNet` around
        DCGAN's D; the prior: an `AttributePrior`).
    """

    takes_critic_steps = True

    def __init__(self, **parts):
        super().__init__(**parts)
        if not isinstance(self.prior, AttributePrior):
            raise ConfigError(f"AttributeGAN generates from attributes: model.prior must be an AttributePrior, not {type(self.prior).__name__}")

    def build_discriminator(self, spec: Spec) -> nn.Module:
        discriminator = build(spec)
        if getattr(discriminator, "condition_dim", None) != self.prior.attribute_dim:
            raise ConfigError(f"D must take the prior's {self.prior.attribute_dim} attributes (model.discriminator.condition_dim), as ConditionedImageNet")
        return discriminator

    def on_fit_start(self) -> None:
        super().on_fit_start()
        require_items(self.trainer.datamodule, ("factors",), type(self).__name__)

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        batch = {**batch, "attributes": self.prior.attributes_of(batch["factors"])}  # tensors: split among the D steps
        for minibatch in self.critic_batches(batch):
            real, attributes = minibatch["image"], minibatch["attributes"]
            with torch.no_grad():
                fake = self.generator(self.draw(len(real)).z, attributes)
            real_logits, fake_logits = self.discriminator(real, attributes), self.discriminator(fake, attributes)
            d_loss = self.loss.discriminator(real_logits, fake_logits)
            self.update("d", d_loss)

        with self.toggled("g"):
            latent = self.draw(len(real))
            fake_logits_g = self.discriminator(self.generator(latent.z, latent.attributes), latent.attributes)
            g_loss = self.loss.generator(fake_logits_g, self.loss.real_logits_for_generator(self.discriminator, real, attributes))
            self.update("g", g_loss)
        self.log_losses(d_loss, g_loss, real_logits, fake_logits)
