"""SRGAN: Ledig et al. 2017, "Photo-Realistic Single Image Super-Resolution Using a Generative
Adversarial Network" (arXiv 1609.04802).

G (SRResNet) maps a low-resolution image to one `scale` times larger. Training has two phases, as in
the paper (sec. 3.2): SRResNet alone, trained on the pixel-wise MSE for `pretrain_iterations`
(SRResNet-MSE, the PSNR-oriented model); then the game, from those weights, with the perceptual loss
l^SR = l_X^SR + 1e-3 l_Gen^SR (eq. 3): a content loss (the pixels' MSE, or VGG19's features: `content`)
plus the adversarial loss, the generator's -log D(G(x)).
"""

from __future__ import annotations

from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.losses.perceptual import ContentLoss
from gan_lightning.models.base import Spec, build
from gan_lightning.models.translation import TranslationFamily, with_channels


class SRGAN(TranslationFamily):
    """Per batch of (low-resolution x, high-resolution y) patches: while pretraining, one G step on
    MSE(G(x), y); afterwards one D step on (y, G(x)), then one G step on the perceptual loss.

    Args:
        generator: config node of G (SRResNet), with `in_channels` and `out_channels`.
        discriminator: config node of D; the family sets its `in_channels` to G's output channels.
        content: the content loss of the game: "mse" (SRGAN-MSE), "vgg22" or "vgg54" (SRGAN-VGG54,
            the paper's best), VGG19's features rescaled by 1 / 12.75.
        adversarial_weight: the adversarial term's weight (1e-3); 0 trains SRResNet throughout.
        pretrain_iterations: iterations of SRResNet (MSE, no D) before the game starts.
        vgg_weights: a local VGG19 weights file for the VGG content losses (None: torch hub's cache).
        Other arguments: see `TranslationFamily`.
    Logs train/g_content (and, in the game, train/g_adversarial, train/d_loss, train/d_real, train/d_fake).
    """

    directions = ("AtoB",)
    needs_pairs = True

    def __init__(
        self,
        *,
        generator: Spec,
        discriminator: Spec,
        content: str = "mse",
        adversarial_weight: float = 1e-3,
        pretrain_iterations: int = 0,
        vgg_weights: str | None = None,
        **parts,
    ):
        super().__init__(**parts)
        if adversarial_weight < 0 or pretrain_iterations < 0:
            raise ConfigError(f"model.adversarial_weight and model.pretrain_iterations must be 0 or more, not {adversarial_weight} and {pretrain_iterations}")
        self.adversarial_weight, self.pretrain_iterations = adversarial_weight, pretrain_iterations
        self.pixel_loss = ContentLoss("mse")
        self.content_loss = ContentLoss(content, vgg_weights)  # before training: a missing VGG file stops the run here
        self.generator = build(generator)
        self.discriminator = build(with_channels(discriminator, in_channels=generator["out_channels"]))
        self.add_players([self.discriminator], [self.generator])

    def translator(self, direction: str) -> nn.Module:
        return self.generator

    @property
    def pretraining(self) -> bool:
        """Whether this step trains SRResNet alone (the first phase, or a run without the game)."""
        return self.iteration < self.pretrain_iterations or not self.adversarial_weight

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        low, high = batch["A"], batch["B"]
        if self.pretraining:
            g_content = self.pixel_loss(self.generator(low), high)
            self.update("g", g_content)
            self.log_train({"g_content": g_content, "g_loss": g_content})
            return
        fake = self.generator(low)

        # D step: real high-resolution patches against G's upsamplings.
        real_logits, fake_logits = self.discriminator(high), self.discriminator(fake.detach())
        d_loss = self.loss.discriminator(real_logits, fake_logits)
        penalty = self.penalty_on(self.discriminator, high, fake.detach())
        self.update("d", d_loss if penalty is None else d_loss + penalty)

        # G step: the perceptual loss, content + weighted adversarial (eq. 3); D's weights frozen.
        with self.toggled("g"):
            g_content = self.content_loss(fake, high)
            g_adversarial = self.generator_adversarial_loss(self.discriminator, self.discriminator(fake), high)
            g_loss = g_content + self.adversarial_weight * g_adversarial
            self.update("g", g_loss)

        self.log_train({
            "d_loss": d_loss, "d_penalty": penalty, "g_loss": g_loss, "g_content": g_content, "g_adversarial": g_adversarial,
            "d_real": self.mean_score(real_logits), "d_fake": self.mean_score(fake_logits),
        })  # fmt: skip
