"""BiGAN (Donahue, Krähenbühl & Darrell 2017, "Adversarial Feature Learning", arXiv 1605.09782), the
same model as ALI (Dumoulin et al. 2017, "Adversarially Learned Inference", arXiv 1606.00704).

An encoder E maps data to latents beside G mapping latents to data. D judges joint pairs: (x, E(x))
with x real against (G(z), z) with z drawn. At the optimum the two joint distributions match, so E
inverts G; E(x) is a representation learned without labels (the papers' linear-probe results).
"""

from __future__ import annotations

import torch
from torch import Tensor

from gan_lightning.errors import ConfigError
from gan_lightning.models.adversarial import GANFamily
from gan_lightning.models.base import Spec, build
from gan_lightning.nets import JointDiscriminator
from gan_lightning.nets.eval_mode import eval_mode
from gan_lightning.priors import Latent


class BiGAN(GANFamily):
    """One D step, one joint G-and-E step per batch.

    D minimises the configured loss with (x, E(x)) as real and (G(z), z) as fake. G and E minimise
    the same loss with the roles swapped, D's game with inverted labels (the ALI papers' non-saturating
    form): G wants its pairs taken for data pairs, E wants data pairs taken for generated ones.

    Args:
        encoder: config node of E, data -> z (`latent_dim` outputs like G's input).
        discriminator: D's network for x (a `_partial_` config with `features()`, `feature_width` and
            `output_layer`); D is the joint judge around it (`gan_lightning.nets.JointDiscriminator`).
        joint_hidden, joint_dropout: the joint judge's hidden width and dropout (ALI's).
        Other arguments: see `GANFamily`; D is called as D(x, z); the player g updates G and E together.
    """

    def __init__(self, *, encoder: Spec, joint_hidden: int = 512, joint_dropout: float = 0.2, **parts):
        self.joint_hidden, self.joint_dropout = joint_hidden, joint_dropout
        super().__init__(**parts)
        self.require_prior(conditional=False)
        self.encoder = build(encoder)
        if getattr(self.encoder, "latent_dim", self.prior.latent_dim) != self.prior.latent_dim:
            raise ConfigError(f"the encoder's latent_dim={self.encoder.latent_dim} differs from the generator's {self.prior.latent_dim}: make them equal")
        self.players["g"].modules.append(self.encoder)

    def build_discriminator(self, spec: Spec) -> JointDiscriminator:
        return JointDiscriminator(build(spec), self.prior.latent_dim, self.joint_hidden, self.joint_dropout)

    @torch.no_grad()
    def encode(self, images: Tensor) -> Tensor:
        """E(x) in eval mode."""
        with eval_mode(self.encoder):
            return self.encoder(images.to(self.device))

    @torch.no_grad()
    def judge(self, samples: Tensor) -> Tensor:
        """D's logit for each data pair (x, E(x)), in eval mode."""
        samples = samples.to(self.device)
        with eval_mode(self.discriminator, self.encoder):
            return self.discriminator(samples, self.encoder(samples))

    def reconstruct(self, images: Tensor) -> Tensor:
        """G(E(x)): how much of x the pair of maps keeps."""
        return self.generate(Latent(self.encode(images)))

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        real = batch["image"]

        with torch.no_grad():
            z = self.draw(len(real)).z
            fake, inferred = self.generator(z), self.encoder(real)
        real_logits, fake_logits = self.discriminator(real, inferred), self.discriminator(fake, z)
        d_loss = self.loss.discriminator(real_logits, fake_logits)
        self.update("d", d_loss)

        with self.toggled("g"):
            z = self.draw(len(real)).z
            swapped_fake, swapped_real = self.discriminator(real, self.encoder(real)), self.discriminator(self.generator(z), z)
            g_loss = self.loss.discriminator(swapped_real, swapped_fake)  # D's loss, labels inverted
            self.update("g", g_loss)
        self.log_losses(d_loss, g_loss, real_logits, fake_logits)
