"""The semi-supervised GAN: Salimans et al. 2016, "Improved Techniques for Training GANs" (arXiv
1606.03498), sec. 3.1 and 5; Odena 2016, "Semi-Supervised Learning with Generative Adversarial
Networks" (arXiv 1606.01583).

D is a K-class classifier; its real/fake logit is the logsumexp of its class logits (the (K+1)-class
form with the "generated" logit fixed at 0). D learns the labels of the few labelled examples and,
from the unlabelled ones and G's samples, that real images belong to some class and generated ones
to none; G matches the mean of D's last features on real images (feature matching), which makes it
a poor sampler but a good teacher (sec. 5). With `data.labelled=N` the data serves both streams.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from gan_lightning.errors import ConfigError, DataError
from gan_lightning.losses import mean_feature_matching_loss, real_fake_logit
from gan_lightning.models.adversarial import GANFamily
from gan_lightning.nets.eval_mode import eval_mode


def supervised_batch(batch: dict[str, Tensor]) -> tuple[Tensor, Tensor]:
    """The labelled examples of a batch: the labelled stream of semi-supervised data (data.labelled),
    or, on fully labelled data, the batch itself."""
    if "labelled_image" in batch:
        return batch["labelled_image"], batch["labelled_label"]
    if "label" in batch:
        return batch["image"], batch["label"]
    raise DataError("ssgan learns classes from labelled examples, and this data has no labels: use labelled data such as data=digits with data.labelled=N")


class SemiSupervisedGAN(GANFamily):
    """Each iteration, as in the authors' code: D descends the cross-entropy of the labelled batch plus
    `unsupervised_weight` times the adversarial loss on logsumexp logits (unlabelled real batch against
    G's samples); then G descends feature matching on the same real batch (or, with
    feature_matching=false, the adversarial generator loss: Odena's game).

    Args:
        unsupervised_weight: weight of the adversarial term in D's loss. The authors' code halves it
            (0.5); 0 trains D as a plain classifier of the labelled examples (the baseline).
        feature_matching: G's loss is feature matching (sec. 3.1) rather than the adversarial one.
        Other arguments: see `GANFamily` (D: a `ClassifierDiscriminator`; the prior unconditional).
    Logs train/d_supervised and train/labelled_accuracy besides the adversarial numbers; the
    evaluation callback logs val/error on the validation split (`classify`).
    """

    def __init__(self, *, unsupervised_weight: float = 0.5, feature_matching: bool = True, **parts):
        super().__init__(**parts)
        self.require_prior(conditional=False)
        if unsupervised_weight < 0:
            raise ConfigError(f"model.unsupervised_weight must be 0 or more, not {unsupervised_weight}")
        if not hasattr(self.discriminator, "features") or not hasattr(self.discriminator, "num_classes"):
            raise ConfigError(f"ssgan's D classifies: use gan_lightning.nets.ClassifierDiscriminator, not {type(self.discriminator).__name__}")
        self.unsupervised_weight, self.feature_matching = unsupervised_weight, feature_matching

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        real = batch["image"]
        labelled, labels = supervised_batch(batch)

        # D: learn the labelled classes; call the unlabelled reals "some class" and G's samples "none".
        with torch.no_grad():
            fake = self.generator(self.draw(len(real)).z)
        class_logits = self.discriminator(labelled)
        supervised = F.cross_entropy(class_logits, labels)
        real_logits, fake_logits = real_fake_logit(self.discriminator(real)), real_fake_logit(self.discriminator(fake))
        d_loss = self.loss.discriminator(real_logits, fake_logits)
        self.update("d", supervised + self.unsupervised_weight * d_loss)

        # G: match the mean of D's features on the real batch.
        with self.toggled("g"):
            fake = self.generator(self.draw(len(real)).z)
            if self.feature_matching:
                with torch.no_grad():
                    real_features = self.discriminator.features(real)
                g_loss = mean_feature_matching_loss(real_features, self.discriminator.features(fake))
            else:
                real_logits_g = self.loss.real_logits_for_generator(lambda x: real_fake_logit(self.discriminator(x)), real)
                g_loss = self.loss.generator(real_fake_logit(self.discriminator(fake)), real_logits_g)
            self.update("g", g_loss)

        accuracy = (class_logits.argmax(1) == labels).float().mean() if self.logging_step else None
        self.log_losses(d_loss, g_loss, real_logits, fake_logits, d_supervised=supervised, labelled_accuracy=accuracy)

    @torch.no_grad()
    def classify(self, images: Tensor) -> Tensor:
        """D's class logits, in eval mode (no dropout)."""
        with eval_mode(self.discriminator):
            return self.discriminator(images.to(self.device))

    @torch.no_grad()
    def judge(self, samples: Tensor) -> Tensor:
        """The real/fake logit, logsumexp of the class logits."""
        return real_fake_logit(self.classify(samples))
