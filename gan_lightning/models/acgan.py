"""AC-GAN: Odena, Olah & Shlens 2017, "Conditional Image Synthesis with Auxiliary Classifier GANs"
(arXiv 1610.09585).

G(z, c) draws a sample of class c; D judges only the sample, with two heads: the source (real or
fake) and the class. With
    L_S = E[log P(S = real | x_real)] + E[log P(S = fake | x_fake)],
    L_C = E[log P(C = c | x_real)] + E[log P(C = c | x_fake)],
D maximises L_S + L_C and G maximises L_C - L_S (sec. 3). The source terms use the configured
adversarial loss, so with the default non-saturating loss G maximises log P(S = real | x_fake)
instead of minimising L_S, as the paper's code does.

AC-GAN's class term rewards G for samples its classifier finds easy, which narrows each class
(Shu et al. 2017; Gong et al. 2019). TAC-GAN's remedy (Gong et al. 2019, "Twin Auxiliary Classifiers
Generative Adversarial Net", arXiv 1907.02690, eq. 7), `twin_classifier=True`: a twin class head
learns the labels of generated samples alone, and G is also rewarded for making that head's
cross-entropy large, which cancels the conditional-entropy term the plain class loss minimises.
"""

from __future__ import annotations

import torch
from torch import Tensor

from gan_lightning.errors import ConfigError
from gan_lightning.losses.auxiliary import auxiliary_class_loss, class_loss
from gan_lightning.models.adversarial import GANFamily, labelled_batch


class ACGAN(GANFamily):
    """One D step, one G step per batch.

    Args:
        class_weight: weight of the class terms L_C against the source terms (1 in the paper).
        fake_class_loss: D's class head also learns the labels of generated samples (the paper's L_C).
            False trains it on real samples only, so it cannot learn G's own cues for the labels,
            which G would then be rewarded for (see the preset for what this changes on digits).
        twin_classifier: TAC-GAN: D's twin head (`AuxiliaryClassifierDiscriminator(twin=True)`)
            learns generated samples' labels, and G's class term becomes class_weight x (its
            samples' cross-entropy under the class head - that under the twin head).
        Other arguments: see `GANFamily`; the prior is class-conditional, and D must return (source
        logits, class logits[, twin class logits]), as `gan_lightning.nets.AuxiliaryClassifierDiscriminator` does.
    """

    def __init__(self, *, class_weight: float = 1.0, fake_class_loss: bool = True, twin_classifier: bool = False, **parts):
        super().__init__(**parts)
        self.require_prior(conditional=True)
        self.fake_class_loss, self.twin_classifier = fake_class_loss, twin_classifier
        if twin_classifier and getattr(self.discriminator, "twin", None) is None:
            raise ConfigError("model.twin_classifier=true needs D's twin head: model.discriminator.twin=true")
        if class_weight < 0:
            raise ConfigError(f"model.class_weight must be 0 or more, not {class_weight}")
        self.class_weight = class_weight

    def discriminator_class_loss(self, real_classes: Tensor, labels: Tensor, fake_classes: Tensor, fake_labels: Tensor, fake_twin: Tensor | None) -> Tensor:
        """-L_C, or only its real half when fake_class_loss is off; plus the twin head's cross-entropy
        on generated samples with the twin classifier."""
        loss = auxiliary_class_loss(real_classes, labels, fake_classes, fake_labels) if self.fake_class_loss else class_loss(real_classes, labels)
        return loss + class_loss(fake_twin, fake_labels) if self.twin_classifier else loss

    def generator_class_loss(self, classes: Tensor, twin: Tensor | None, labels: Tensor) -> Tensor:
        """G's class term on its samples: -L_C's generated half, less the twin head's cross-entropy
        with the twin classifier."""
        loss = class_loss(classes, labels)
        return loss - class_loss(twin, labels) if self.twin_classifier else loss

    def heads(self, images: Tensor) -> tuple[Tensor, Tensor, Tensor | None]:
        """D's source logits, class logits and twin class logits (None without the twin head)."""
        source, classes, *twin = self.discriminator(images)
        return source, classes, twin[0] if twin else None

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        real, labels = labelled_batch(batch, "acgan")

        # D: -(L_S + L_C), the source loss written as the configured adversarial loss.
        latent = self.draw(len(real))
        fake_labels = latent.labels
        with torch.no_grad():
            fake = self.generator(latent.z, fake_labels)
        (real_logits, real_classes, _), (fake_logits, fake_classes, fake_twin) = self.heads(real), self.heads(fake)
        d_class_loss = self.discriminator_class_loss(real_classes, labels, fake_classes, fake_labels, fake_twin)
        d_loss = self.loss.discriminator(real_logits, fake_logits)
        self.update("d", d_loss + self.class_weight * d_class_loss)

        # G: -L_C for its own samples, plus the adversarial generator loss (for -L_S).
        with self.toggled("g"):
            latent = self.draw(len(real))
            source, classes, twin = self.heads(self.generator(latent.z, latent.labels))
            g_loss = self.loss.generator(source, self.loss.real_logits_for_generator(lambda x: self.discriminator(x)[0], real))
            self.update("g", g_loss + self.class_weight * self.generator_class_loss(classes, twin, latent.labels))

        real_class_accuracy = (real_classes.argmax(1) == labels).float().mean() if self.logging_step else None
        self.log_losses(d_loss, g_loss, real_logits, fake_logits, d_class_loss=d_class_loss, real_class_accuracy=real_class_accuracy)
