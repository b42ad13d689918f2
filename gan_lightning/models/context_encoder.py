"""Context encoder: Pathak, Krähenbühl, Donahue, Darrell & Efros 2016, "Context Encoders: Feature
Learning by Inpainting" (arXiv 1604.07379).

G paints the hole of an image from its context. Its joint loss (sec. 3.2, eq. 3) is
L = lambda_rec L_rec + lambda_adv L_adv, with L_rec the squared error in the hole alone (eq. 1) and
L_adv the adversarial loss of G's inpainted image (eq. 2); lambda_rec 0.999, lambda_adv 0.001.
`adversarial_weight=0` trains the encoder on L_rec alone (the paper's L2 column).

As the authors' code (pathak22/context-encoder, train.lua): D judges the hole alone (the centre
region; `adversarial_region=image` has it judge the whole inpainted image, for holes that differ per
image), G also paints an `overlap`-pixel border of the context whose squared errors weigh 10 times
the hole's (`overlapPred`), and the preset gives G ten times D's learning rate.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.losses import hole_loss
from gan_lightning.models.base import Spec, build
from gan_lightning.models.translation import TranslationFamily

REGIONS = ("hole", "image")


class ContextEncoder(TranslationFamily):
    """Per batch of (image with hole and mask x, image y): one D step on (y, G(x)) when the
    adversarial term is on, then one G step on the joint loss.

    Args:
        generator: config node of G (`ContextEncoderGenerator`): the image and its mask in, the
            inpainted image out.
        discriminator: config node of D, sized for what it judges (the hole's side, or the patch's).
        reconstruction_weight: lambda_rec (0.999).
        adversarial_weight: lambda_adv (0.001); 0 trains G on the hole's L2 alone, with no D steps.
        overlap: pixels of context around the hole that G also paints for L_rec (the authors' 4 of 128).
        overlap_weight: the weight of those pixels' squared errors against the hole's 1 (the authors' 10).
        adversarial_region: "hole" (D judges the hole's box, the authors' code) or "image".
        Other arguments: see `TranslationFamily`.
    Logs train/g_reconstruction, train/g_adversarial, train/g_loss, train/d_loss, train/d_real, train/d_fake.
    """

    directions = ("AtoB",)
    needs_pairs = True

    def __init__(
        self,
        *,
        generator: Spec,
        discriminator: Spec,
        reconstruction_weight: float = 0.999,
        adversarial_weight: float = 0.001,
        overlap: int = 0,
        overlap_weight: float = 10.0,
        adversarial_region: str = "hole",
        **parts,
    ):
        super().__init__(**parts)
        if reconstruction_weight < 0 or adversarial_weight < 0:
            weights = f"{reconstruction_weight} and {adversarial_weight}"
            raise ConfigError(f"model.reconstruction_weight and model.adversarial_weight must be 0 or more, not {weights}")
        if overlap < 0 or overlap_weight < 0:
            raise ConfigError(f"model.overlap and model.overlap_weight must be 0 or more, not {overlap} and {overlap_weight}")
        if adversarial_region not in REGIONS:
            raise ConfigError(f"unknown model.adversarial_region {adversarial_region!r}: use hole (the authors' code) or image")
        self.reconstruction_weight, self.adversarial_weight = reconstruction_weight, adversarial_weight
        self.overlap, self.overlap_weight, self.adversarial_region = overlap, overlap_weight, adversarial_region
        self.generator, self.discriminator = build(generator), build(discriminator)
        self.add_players([self.discriminator], [self.generator])

    def translator(self, direction: str) -> nn.Module:
        return self.generator

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        inputs, real = batch["A"], batch["B"]
        mask = inputs[:, -1:]
        painted = self.generator.paint(inputs)

        d_loss = real_logits = fake_logits = None
        if self.adversarial_weight:  # D step: real holes against painted ones
            region = self.judged_region(mask)
            judged_real, judged_fake = real[region], self.generator.keep_known(inputs, painted)[region]
            real_logits, fake_logits = self.discriminator(judged_real), self.discriminator(judged_fake.detach())
            d_loss = self.loss.discriminator(real_logits, fake_logits)
            self.update("d", d_loss)

        with self.toggled("g"):  # G step: the joint loss (eq. 3), D's weights frozen
            g_reconstruction = hole_loss(painted, real, mask, self.overlap, self.overlap_weight)
            g_loss = self.reconstruction_weight * g_reconstruction
            g_adversarial = None
            if self.adversarial_weight:
                g_adversarial = self.generator_adversarial_loss(self.discriminator, self.discriminator(judged_fake), judged_real)
                g_loss = g_loss + self.adversarial_weight * g_adversarial
            self.update("g", g_loss)

        self.log_train({
            "g_loss": g_loss, "g_reconstruction": g_reconstruction, "g_adversarial": g_adversarial, "d_loss": d_loss,
            "d_real": None if real_logits is None else self.mean_score(real_logits),
            "d_fake": None if fake_logits is None else self.mean_score(fake_logits),
        })  # fmt: skip

    def judged_region(self, mask: Tensor) -> tuple[slice, ...]:
        """The index of what D sees of an image batch: the hole's box (the same in every image of the
        batch) or the whole image."""
        if self.adversarial_region == "image":
            return (...,)
        if not torch.equal(mask, mask[:1].expand_as(mask)):
            raise ConfigError(
                "model.adversarial_region=hole needs the same hole in every image (data.mask=center): with random holes use "
                "model.adversarial_region=image and set model.discriminator.image_size to data.patch_size"
            )
        rows, cols = (torch.nonzero(mask[0, 0].amax(dim=d)).flatten() for d in (1, 0))
        return (..., slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1))
