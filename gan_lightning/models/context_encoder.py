"""Context encoder: Pathak, Krähenbühl, Donahue, Darrell & Efros 2016, "Context Encoders: Feature
Learning by Inpainting" (arXiv 1604.07379).

G paints the hole of an image from its context. Its joint loss (sec. 3.2, eq. 3) is
L = lambda_rec L_rec + lambda_adv L_adv, with L_rec the squared error in the hole alone (eq. 1) and
L_adv the adversarial loss of G's inpainted image (eq. 2); lambda_rec 0.999, lambda_adv 0.001.
`adversarial_weight=0` trains the encoder on L_rec alone (the paper's L2 column). D judges the whole
inpainted image, where the paper's judges the centre region alone.
"""

from __future__ import annotations

from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.losses import hole_loss
from gan_lightning.models.base import Spec, build
from gan_lightning.models.translation import TranslationFamily


class ContextEncoder(TranslationFamily):
    """Per batch of (image with hole and mask x, image y): one D step on (y, G(x)) when the
    adversarial term is on, then one G step on the joint loss.

    Args:
        generator: config node of G (`ContextEncoderGenerator`): the image and its mask in, the
            inpainted image out.
        discriminator: config node of D (on whole images).
        reconstruction_weight: lambda_rec (0.999).
        adversarial_weight: lambda_adv (0.001); 0 trains G on the hole's L2 alone, with no D steps.
        Other arguments: see `TranslationFamily`.
    Logs train/g_reconstruction, train/g_adversarial, train/g_loss, train/d_loss, train/d_real, train/d_fake.
    """

    directions = ("AtoB",)
    needs_pairs = True

    def __init__(self, *, generator: Spec, discriminator: Spec, reconstruction_weight: float = 0.999, adversarial_weight: float = 0.001, **parts):
        super().__init__(**parts)
        if reconstruction_weight < 0 or adversarial_weight < 0:
            weights = f"{reconstruction_weight} and {adversarial_weight}"
            raise ConfigError(f"model.reconstruction_weight and model.adversarial_weight must be 0 or more, not {weights}")
        self.reconstruction_weight, self.adversarial_weight = reconstruction_weight, adversarial_weight
        self.generator, self.discriminator = build(generator), build(discriminator)
        self.add_players([self.discriminator], [self.generator])

    def translator(self, direction: str) -> nn.Module:
        return self.generator

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        inputs, real = batch["A"], batch["B"]
        mask = inputs[:, -1:]
        fake = self.generator(inputs)

        d_loss = real_logits = fake_logits = None
        if self.adversarial_weight:  # D step: real images against inpainted ones
            real_logits, fake_logits = self.discriminator(real), self.discriminator(fake.detach())
            d_loss = self.loss.discriminator(real_logits, fake_logits)
            self.update("d", d_loss)

        with self.toggled("g"):  # G step: the joint loss (eq. 3), D's weights frozen
            g_reconstruction = hole_loss(fake, real, mask)
            g_adversarial = self.generator_adversarial_loss(self.discriminator, self.discriminator(fake), real) if self.adversarial_weight else None
            g_loss = self.reconstruction_weight * g_reconstruction + (self.adversarial_weight * g_adversarial if g_adversarial is not None else 0)
            self.update("g", g_loss)

        self.log_train({
            "g_loss": g_loss, "g_reconstruction": g_reconstruction, "g_adversarial": g_adversarial, "d_loss": d_loss,
            "d_real": None if real_logits is None else self.mean_score(real_logits),
            "d_fake": None if fake_logits is None else self.mean_score(fake_logits),
        })  # fmt: skip
