"""StackGAN: Zhang, Xu, Li, Zhang, Wang, Huang & Metaxas 2017, "StackGAN: Text to Photo-realistic Image
Synthesis with Stacked Generative Adversarial Networks" (arXiv 1612.03242), as the authors' code
trains it (StackGAN-Pytorch, trainer.py), on the built-in shapes with captions of their shape, colours
and texture (`data=shapes_captions`).

Stage I draws a coarse image from the caption; stage II, trained after it with stage I fixed, redraws
it at twice the size from stage I's image and the caption again. Each stage turns the caption's
embedding into its condition by conditioning augmentation, c ~ N(mu(phi), sigma(phi)^2), with
KL(N(mu, sigma^2) || N(0, I)) (its mean over the condition's dimensions) weighted by 2 in G's loss
(the authors' COEFF.KL). D judges an image with the condition's mean mu and is matching-aware (Reed et
al. 2016): its loss is
    BCE(D(x, mu), 1) + (BCE(D(G(z, c), mu), 0) + BCE(D(x, mu'), 0)) / 2,
mu' the mean of another image's caption in the batch (the batch rolled by one). G's is
BCE(D(G(z, c), mu), 1) + 2 KL. Stage II's D also judges images without the condition, each of its
terms in both losses beside the conditional one (`discriminator_loss`). The paper's caption embedding
is pretrained (char-CNN-RNN); this one learns during the run, its own player, to tell each caption's
factors, and G and D take it detached.
Samples are stage II's images once it trains, stage I's upsampled before (`StackedGenerator.stage`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.distributions import Normal, kl_divergence

from gan_lightning.attribute_priors import CaptionPrior
from gan_lightning.data.shapes import CATEGORICAL
from gan_lightning.errors import ConfigError
from gan_lightning.models.base import Family, Spec, build
from gan_lightning.models.sampling import LatentSampling


def kl_to_standard(mu: Tensor, log_variance: Tensor) -> Tensor:
    """KL(N(mu, sigma^2) || N(0, I)) per dimension, the mean over the batch and the dimensions (the
    authors' KL_loss: a mean, not a sum over the condition's dimensions)."""
    return kl_divergence(Normal(mu, (0.5 * log_variance).exp()), Normal(0.0, 1.0)).mean()


def bce(logits: Tensor, target: float) -> Tensor:
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def discriminator_loss(discriminator, real: Tensor, fake: Tensor, condition: Tensor) -> Tensor:
    """The authors' compute_discriminator_loss: real pairs against the mean of the fake pairs and the
    wrong ones (real images, another's condition), each term shared with the unconditional head's
    where D has one (stage II): (real + real') / 2 + (fake + fake' + wrong) / 3."""
    real_features, fake_features = discriminator.encode(real), discriminator.encode(fake)
    real_terms = [bce(logits, 1.0) for logits in discriminator.judgements(real_features, condition)]
    fake_terms = [bce(logits, 0.0) for logits in discriminator.judgements(fake_features, condition)]
    fake_terms.append(bce(discriminator.conditioned(real_features, condition.roll(1, 0)), 0.0))
    return sum(real_terms) / len(real_terms) + sum(fake_terms) / len(fake_terms)


class StackGAN(LatentSampling, Family):
    """Players: `text` (the caption encoder, every iteration), `g1` and `d1` (stage I, the first
    `stage_one_share` of the iterations), `g2` and `d2` (stage II, the rest).

    Args:
        generator: config node of a `StackedGenerator`.
        discriminator_one, discriminator_two: config nodes of the stages' `StackDiscriminator`s (the
            family sets stage I's image size).
        prior: config node of a `CaptionPrior`.
        optimizer, text_optimizer: `_partial_` optimizer configs of the GAN players and of the text encoder.
        stage_one_share: the share of trainer.max_steps that trains stage I.
        kl_weight: the KL term's weight in G's loss (the authors' 2).
        ema_decay, num_fixed_samples: see `LatentSampling.init_sampling`.
    """

    def __init__(
        self, generator: Spec, discriminator_one: Spec, discriminator_two: Spec, prior: Spec, optimizer: Spec, text_optimizer: Spec,
        stage_one_share: float = 0.5, kl_weight: float = 2.0, ema_decay: float | None = None, num_fixed_samples: int = 64,
    ):  # fmt: skip
        super().__init__()
        self.save_hyperparameters(logger=False)
        if not 0.0 < stage_one_share < 1.0 or kl_weight < 0:
            raise ConfigError(f"model.stage_one_share must lie in (0, 1) and model.kl_weight be 0 or more, not {stage_one_share} and {kl_weight}")
        self.stage_one_share, self.kl_weight = stage_one_share, kl_weight
        prior = build(prior)
        if not isinstance(prior, CaptionPrior):
            raise ConfigError(f"StackGAN draws from captions: model.prior must be a CaptionPrior (prior=captions), not {type(prior).__name__}")
        self.generator = build(generator)
        self.discriminator_one = build(discriminator_one, image_size=self.generator.image_size // 2)
        self.discriminator_two = build(discriminator_two)
        self.init_sampling(prior, "generator", ema_decay, num_fixed_samples)
        g = self.generator
        self.add_player("text", [g.text], text_optimizer, config_key="model.text_optimizer")
        self.add_player("d1", [self.discriminator_one], optimizer, config_key="model.optimizer")
        self.add_player("g1", [g.augment_one, g.stage_one], optimizer, config_key="model.optimizer")
        self.add_player("d2", [self.discriminator_two], optimizer, config_key="model.optimizer")
        self.add_player("g2", [g.augment_two, g.stage_two], optimizer, config_key="model.optimizer")

    @property
    def stage_one_iterations(self) -> int:
        return max(1, int(self.stage_one_share * (self.settings.max_iterations or 0)))

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        captions, x = self.prior.condition_of(batch), batch["image"]
        g = self.generator
        embedding = g.text(captions)
        logits = g.text.factor_logits(embedding)
        text_loss = sum(F.cross_entropy(logits[name], batch["factors"][name]) for name in CATEGORICAL)
        self.update("text", text_loss)
        embedding = embedding.detach()

        stage = 1 if self.iteration < self.stage_one_iterations else 2
        if stage == 2 and int(g.stage) == 1:
            g.stage.fill_(2)  # samples are stage II's from now on
        z = self.draw(len(x)).z
        if stage == 1:
            real, discriminator, augment = F.avg_pool2d(x, 2), self.discriminator_one, g.augment_one
            c, mu, log_variance = augment(embedding)
            fake = g.stage_one(z, c)
        else:
            real, discriminator, augment = x, self.discriminator_two, g.augment_two
            with torch.no_grad():  # stage I is fixed
                first = g.stage_one(z, g.augment_one(embedding)[0])
            c, mu, log_variance = augment(embedding)
            fake = g.stage_two(first, c)
        condition = mu.detach()
        d_loss = discriminator_loss(discriminator, real, fake.detach(), condition)
        self.update(f"d{stage}", d_loss)
        with self.toggled(f"g{stage}"):
            judgements = discriminator.judgements(discriminator.encode(fake), condition)
            adversarial = sum(bce(logits, 1.0) for logits in judgements)
            kl = kl_to_standard(mu, log_variance)
            g_loss = adversarial + self.kl_weight * kl
            self.update(f"g{stage}", g_loss)
        self.log_train({"text_loss": text_loss, "d_loss": d_loss, "g_loss": g_loss, "kl": kl, "stage": float(stage),
                        "d_fake": judgements[0].sigmoid().mean()})  # fmt: skip
