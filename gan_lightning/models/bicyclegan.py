"""BiCycleGAN: Zhu, Zhang, Pathak, Darrell, Efros, Wang & Shechtman 2017, "Toward Multimodal
Image-to-Image Translation" (arXiv 1711.11586).

G(A, z) translates with a latent code z (8-d, tiled and joined to A's channels: the paper's
"add_to_input"); E encodes an image of B into a Gaussian over z. Two cycles share G (sec. 3.4, eq. 9):

- cVAE-GAN (B -> z -> B): z ~ E(B), G(A, z) must rebuild B (L1, lambda 10) and fool D_vae; KL(E(B) || N(0, I)),
  lambda_KL 0.01.
- cLR-GAN (z -> B -> z): z ~ N(0, I), G(A, z) must fool D_lr, and E must recover z from it (L1 on E's mean,
  lambda_latent 0.5), a term whose gradient reaches G alone, as the authors' code.

Each batch is halved, one half per cycle, as the authors' code. `encoded=False` is the paper's
"pix2pix+noise" baseline: G(A, z) with random z, L1 and one D, no E; it learns to ignore z.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.distributions import Normal, kl_divergence

from gan_lightning.errors import ConfigError, DataError
from gan_lightning.losses import l1_loss
from gan_lightning.models.base import Spec, build
from gan_lightning.models.translation import TranslationFamily, with_channels
from gan_lightning.nets.eval_mode import eval_mode


class LatentConditioned(nn.Module):
    """G(A, z): z (N, latent_dim) tiled over A's pixels and joined to its channels, through `net`."""

    def __init__(self, net: nn.Module, latent_dim: int):
        super().__init__()
        self.net, self.latent_dim = net, latent_dim

    def forward(self, images: Tensor, z: Tensor) -> Tensor:
        tiled = z[:, :, None, None].expand(-1, -1, *images.shape[-2:])
        return self.net(torch.cat([images, tiled], dim=1))


def standard_normal_kl(mean: Tensor, log_variance: Tensor) -> Tensor:
    """KL(N(mean, exp(log_variance)) || N(0, I)), summed over z's dimensions, averaged over the batch."""
    posterior = Normal(mean, (0.5 * log_variance).exp())
    return kl_divergence(posterior, Normal(torch.zeros_like(mean), torch.ones_like(mean))).sum(dim=1).mean()


class BiCycleGAN(TranslationFamily):
    """Per batch of pairs: one step of both Ds, then one joint step of G and E (see the module docstring).

    Args:
        generator: config node of G's network (a U-Net); the family adds latent_dim to its in_channels.
        encoder: config node of E (a conv encoder of B's images to 2 * latent_dim numbers: mean and
            log-variance); the family sets its latent_dim.
        discriminator: config node of each D (a PatchGAN on B's images).
        latent_dim: z's size (8).
        l1_weight, kl_weight, latent_weight: lambda (10), lambda_KL (0.01), lambda_latent (0.5).
        encoded: False trains pix2pix+noise (no E, no cLR-GAN cycle).
        Other arguments: see `TranslationFamily`.
    Logs train/d_loss, train/g_loss and each term: g_gan_vae, g_gan_lr, g_l1, g_kl, g_latent.
    """

    directions = ("AtoB",)
    needs_pairs = True

    def __init__(
        self, *, generator: Spec, encoder: Spec, discriminator: Spec, latent_dim: int = 8, l1_weight: float = 10.0, kl_weight: float = 0.01,
        latent_weight: float = 0.5, encoded: bool = True, **parts,
    ):  # fmt: skip
        super().__init__(**parts)
        if latent_dim < 1 or min(l1_weight, kl_weight, latent_weight) < 0:
            raise ConfigError(f"model.latent_dim must be positive and the loss weights 0 or more, not {latent_dim}, {l1_weight}, {kl_weight}, {latent_weight}")
        self.latent_dim, self.encoded = latent_dim, encoded
        self.l1_weight, self.kl_weight, self.latent_weight = l1_weight, kl_weight, latent_weight
        self.generator = LatentConditioned(build(with_channels(generator, in_channels=generator["in_channels"] + latent_dim)), latent_dim)
        self.encoder = build({**encoder, "latent_dim": latent_dim}) if encoded else None
        self.vae_discriminator = build(discriminator)
        self.lr_discriminator = build(discriminator) if encoded else None
        discriminators = [self.vae_discriminator, *([self.lr_discriminator] if encoded else [])]
        self.add_players(discriminators, [self.generator, *([self.encoder] if encoded else [])])

    def translator(self, direction: str) -> nn.Module:
        return self.generator

    def posterior(self, images: Tensor) -> tuple[Tensor, Tensor]:
        """E's mean and log-variance of z for images of B."""
        return self.encoder(images).chunk(2, dim=1)

    @torch.no_grad()
    def translate(self, images: Tensor, direction: str = "AtoB", z: Tensor | None = None) -> Tensor:
        """G(A, z) in eval mode; z drawn from N(0, I) when not given."""
        if direction != "AtoB":
            raise ConfigError("BiCycleGAN learns one direction (A to B of its data): to translate B to A, train with data.direction=BtoA")
        images = images.to(self.device)
        z = torch.randn(len(images), self.latent_dim, device=self.device) if z is None else z.to(self.device)
        with eval_mode(self.generator):
            return self.generator(images, z)

    @torch.no_grad()
    def translate_many(self, images: Tensor, count: int, seed: int = 0) -> Tensor:
        codes = torch.randn(count, self.latent_dim, generator=torch.Generator().manual_seed(seed))
        return torch.stack([self.translate(images, z=code.expand(len(images), -1)) for code in codes], dim=1)

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        a, b = batch["A"], batch["B"]
        if len(a) < 2:
            raise DataError("BiCycleGAN halves each batch between its two cycles: data.batch_size must be 2 or more")
        half = len(a) // 2
        a_vae, b_vae, a_lr, b_lr = a[:half], b[:half], a[half:], b[half:]

        # cVAE-GAN: z from E(B) (reparameterised); pix2pix+noise: z from the prior. cLR-GAN: z from the prior.
        if self.encoded:
            mean, log_variance = self.posterior(b_vae)
            z_vae = mean + torch.randn_like(mean) * (0.5 * log_variance).exp()
        else:
            z_vae = torch.randn(half, self.latent_dim, device=self.device)
        fake_vae = self.generator(a_vae, z_vae)
        z_lr = torch.randn(len(a_lr), self.latent_dim, device=self.device)
        fake_lr = self.generator(a_lr, z_lr) if self.encoded else None

        # D step: each D on real B against its cycle's outputs.
        d_loss = self.discriminator_loss(self.vae_discriminator(b_vae), self.vae_discriminator(fake_vae.detach()))
        if self.encoded:
            d_loss = d_loss + self.discriminator_loss(self.lr_discriminator(b_lr), self.lr_discriminator(fake_lr.detach()))
        self.update("d", d_loss)

        # G and E step (eq. 9); the latent regression's gradient reaches G alone.
        with self.toggled("g"):
            terms = {
                "g_gan_vae": self.generator_adversarial_loss(self.vae_discriminator, self.vae_discriminator(fake_vae), b_vae),
                "g_l1": self.l1_weight * l1_loss(fake_vae, b_vae),
            }
            if self.encoded:
                terms["g_gan_lr"] = self.generator_adversarial_loss(self.lr_discriminator, self.lr_discriminator(fake_lr), b_lr)
                terms["g_kl"] = self.kl_weight * standard_normal_kl(mean, log_variance)
                self.encoder.requires_grad_(False)
                try:
                    terms["g_latent"] = self.latent_weight * l1_loss(self.posterior(fake_lr)[0], z_lr)
                finally:
                    self.encoder.requires_grad_(True)
            g_loss = sum(terms.values())
            self.update("g", g_loss)

        self.log_train({"d_loss": d_loss, "g_loss": g_loss, **terms})
