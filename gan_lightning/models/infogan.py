"""InfoGAN: Chen, Duan, Houthooft, Schulman, Sutskever & Abbeel 2016, "InfoGAN: Interpretable
Representation Learning by Information Maximizing Generative Adversarial Nets" (arXiv 1606.03657).

G's input is noise joined to codes c (`gan_lightning.priors.InfoGANPrior`): categorical codes
(one-hot) and continuous codes ~ U(-1, 1). A head Q on D's trunk infers c from G(z, c); both players
add lambda * -L_I (the variational lower bound on the mutual information I(c; G(z, c)), eq. 5) to
their losses, so G makes its codes recoverable and they come to control separate factors, with no
labels: on digits a 10-way code tends to pick the digit.
"""

from __future__ import annotations

import torch
from torch import Tensor

from gan_lightning.errors import ConfigError
from gan_lightning.losses.auxiliary import mutual_information_loss
from gan_lightning.models.adversarial import GANFamily
from gan_lightning.models.base import Spec, build
from gan_lightning.nets import LatentCodeDiscriminator
from gan_lightning.priors import InfoGANPrior


class InfoGAN(GANFamily):
    """One D (and Q) step, one G (and Q) step per batch.

    Args:
        info_weight: lambda, the weight of -L_I for both players (1 in the paper).
        continuous_weight: weight of the continuous codes inside -L_I: a smaller lambda for them keeps
            the term on the scale of the GAN loss (sec. 7; 0.1 here).
        q_hidden: width of Q's hidden layer (128).
        The prior is an `InfoGANPrior` (its codes: categorical [10] and 2 continuous on MNIST).
        `discriminator` is D's network (a `_partial_` config with `features()` and `head()`); Q's head
        goes on its trunk (`gan_lightning.nets.LatentCodeDiscriminator`), sized by the prior's codes.
        Other arguments: see `GANFamily`.
    """

    prior: InfoGANPrior

    def __init__(self, *, info_weight: float = 1.0, continuous_weight: float = 0.1, q_hidden: int = 128, **parts):
        self.q_hidden = q_hidden
        super().__init__(**parts)
        self.info_weight, self.continuous_weight = info_weight, continuous_weight

    def build_discriminator(self, spec: Spec) -> LatentCodeDiscriminator:
        if not isinstance(self.prior, InfoGANPrior):
            raise ConfigError(f"InfoGAN draws its codes from gan_lightning.priors.InfoGANPrior, not {type(self.prior).__name__}")
        return LatentCodeDiscriminator(build(spec), self.prior.categorical, self.prior.continuous, self.q_hidden)

    def information_loss(self, discriminated: tuple[Tensor, list[Tensor], Tensor], z: Tensor) -> Tensor:
        """-L_I of Q's inferences against the codes inside G's input z."""
        _, q_categorical, q_continuous = discriminated
        categorical, continuous = self.prior.codes(z)
        return mutual_information_loss(q_categorical, categorical, q_continuous, continuous, self.continuous_weight)

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        real = batch["image"]

        # D and Q: D's adversarial loss plus lambda * -L_I on the codes of G's samples.
        z = self.draw(len(real)).z
        with torch.no_grad():
            fake = self.generator(z)
        real_logits, _, _ = self.discriminator(real)
        fake_judged = self.discriminator(fake)
        d_loss = self.loss.discriminator(real_logits, fake_judged[0])
        self.update("d", d_loss + self.info_weight * self.information_loss(fake_judged, z))

        # G: its adversarial loss plus lambda * -L_I, Q's weights held (they belong to D's optimizer).
        with self.toggled("g"):
            z = self.draw(len(real)).z
            judged = self.discriminator(self.generator(z))
            g_loss = self.loss.generator(judged[0], self.loss.real_logits_for_generator(lambda x: self.discriminator(x)[0], real))
            g_info = self.information_loss(judged, z)
            self.update("g", g_loss + self.info_weight * g_info)
        self.log_losses(d_loss, g_loss, real_logits, fake_judged[0], info_loss=g_info)
