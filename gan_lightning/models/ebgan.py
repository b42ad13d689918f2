"""Energy-based GAN: Zhao, Mathieu & LeCun 2017, "Energy-based Generative Adversarial Network"
(arXiv 1609.03126), sec. 2.

D is an autoencoder whose reconstruction error is an energy: D(x) = ||Dec(Enc(x)) - x||^2 (here the
mean squared error per value). D lowers the energy of real images and raises that of generated ones
up to a margin m: L_D = D(x) + [m - D(G(z))]^+; G lowers the energy of its samples:
L_G = D(G(z)), plus, with weight pt_weight, the pulling-away term on the encoder's codes of its batch
(eq. 6), which pushes the codes apart so G cannot collapse onto one low-energy image.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.losses import pulling_away_term
from gan_lightning.models.adversarial import GANFamily, refuse_adversarial_loss
from gan_lightning.models.base import Spec
from gan_lightning.nets.began import Autoencoder
from gan_lightning.nets.eval_mode import eval_mode


def energy(autoencoder: nn.Module, images: Tensor) -> tuple[Tensor, Tensor]:
    """Each image's energy (mean squared reconstruction error) and its code."""
    codes = autoencoder.encode(images)
    rebuilt = autoencoder.decoder(codes)
    return (images - rebuilt).pow(2).flatten(1).mean(dim=1), codes


class EBGAN(GANFamily):
    """Args:
        margin: m (D stops raising a sample's energy beyond it).
        pt_weight: weight of the pulling-away term in G's loss (the paper: 0.1; 0: EBGAN without PT).
        Other arguments: see `GANFamily` (D: an `Autoencoder`, with `encode`; no adversarial loss).
    Logs train/d_loss, train/g_loss, train/energy_real, train/energy_fake and train/pulling_away.
    """

    def __init__(self, *, margin: float = 1.0, pt_weight: float = 0.1, loss: Spec | None = None, **parts):
        refuse_adversarial_loss("ebgan", loss)
        super().__init__(loss=None, **parts)
        if margin <= 0 or pt_weight < 0:
            raise ConfigError(f"model.margin must be positive and model.pt_weight 0 or more, not {margin} and {pt_weight}")
        if not isinstance(self.discriminator, Autoencoder):
            raise ConfigError("model=ebgan needs an autoencoder D with an encoder (net@model.discriminator=began_autoencoder or shallow_autoencoder)")
        self.margin, self.pt_weight = margin, pt_weight

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        real = batch["image"]

        # D descends D(x) + [m - D(G(z))]^+.
        with torch.no_grad():
            fake = self.generator(self.draw(len(real)).z)
        energy_real, energy_fake = energy(self.discriminator, real)[0], energy(self.discriminator, fake)[0]
        d_loss = energy_real.mean() + (self.margin - energy_fake).clamp(min=0).mean()
        self.update("d", d_loss)

        # G descends D(G(z)) + pt_weight * PT(codes of G(z)).
        with self.toggled("g"):
            generated_energy, codes = energy(self.discriminator, self.generator(self.draw(len(real)).z))
            pulling_away = pulling_away_term(codes) if self.pt_weight else None
            g_loss = generated_energy.mean()
            self.update("g", g_loss if pulling_away is None else g_loss + self.pt_weight * pulling_away)

        terms = {"energy_real": energy_real.mean(), "energy_fake": energy_fake.mean(), "pulling_away": pulling_away}
        self.log_train({"d_loss": d_loss, "g_loss": g_loss, **terms})

    @torch.no_grad()
    def judge(self, samples: Tensor) -> Tensor:
        """Minus each sample's energy: higher for what D takes for real."""
        with eval_mode(self.discriminator):
            return -energy(self.discriminator, samples.to(self.device))[0]
