"""The unconditional adversarial game: Goodfellow et al. 2014, "Generative Adversarial Nets", Algorithm 1.

One family, several presets: `gan` (the paper's MLPs) and `dcgan` (Radford et al. 2015) differ in
their networks, loss and optimizer settings, never in this update rule.
"""

from __future__ import annotations

import torch
from torch import Tensor

from gan_lightning.errors import ConfigError
from gan_lightning.losses import clip_weights, mode_seeking_loss
from gan_lightning.models.adversarial import GANFamily
from gan_lightning.models.base import Spec, build
from gan_lightning.nets.batching import forward_together


class GAN(GANFamily):
    """Algorithm 1: `n_critic` discriminator steps (k in the paper), then one generator step.

    Each training step receives `n_critic` real minibatches, so every D step sees fresh real data
    and fresh noise, as in the paper.

    Args:
        penalty: optional config of a penalty on D (gradient penalty, R1), added to its loss.
        weight_clip: if set, D's parameters are clipped to [-weight_clip, weight_clip] after each of
            its steps (WGAN).
        instance_noise: standard deviation of Gaussian noise added to every input of D, real and fake
            (Sonderby et al. 2016; Arjovsky & Bottou 2017), so the two distributions overlap.
        instance_noise_anneal_steps: if set, the noise falls linearly to 0 over this many iterations.
        augment: optional config of a differentiable augmentation (DiffAugment) applied to every
            input of D, real and fake, in D's steps and in G's step.
        mode_seeking_weight: if positive, G also minimises this times the mode-seeking term
            (Mao et al. 2019, MSGAN) on the two halves of its batch; logged as train/g_mode_seeking.
        d_accuracy_limit: if set, a D step is taken only while D's accuracy on its batch (real
            logits above 0, fake ones below) is at most this (3D-GAN's 0.8, Wu et al. 2016's training details:
            a D that learns faster than G starves it); logged as train/d_accuracy.
        Other arguments: see `GANFamily`.
    """

    takes_critic_steps = True

    def __init__(
        self,
        *,
        penalty: Spec | None = None,
        weight_clip: float | None = None,
        instance_noise: float = 0.0,
        instance_noise_anneal_steps: int | None = None,
        augment: Spec | None = None,
        mode_seeking_weight: float = 0.0,
        d_accuracy_limit: float | None = None,
        **parts,
    ):
        super().__init__(**parts)
        self.require_prior(conditional=False)
        if instance_noise < 0:
            raise ConfigError(f"model.instance_noise must be 0 or more, not {instance_noise}")
        self.instance_noise, self.instance_noise_anneal_steps = instance_noise, instance_noise_anneal_steps
        if weight_clip is not None and weight_clip <= 0:
            raise ConfigError(f"model.weight_clip must be positive or null, not {weight_clip}")
        self.penalty = build(penalty)
        self.players["d"].compile = self.penalty is None  # a penalty differentiates through D's gradients
        self.augment = build(augment)
        self.weight_clip = weight_clip
        if mode_seeking_weight < 0:
            raise ConfigError(f"model.mode_seeking_weight must be 0 or more, not {mode_seeking_weight}")
        self.mode_seeking_weight = mode_seeking_weight
        if d_accuracy_limit is not None and not 0.0 < d_accuracy_limit <= 1.0:
            raise ConfigError(f"model.d_accuracy_limit must lie in (0, 1] or be null, not {d_accuracy_limit}")
        self.d_accuracy_limit = d_accuracy_limit

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        noise_std = self.instance_noise_std()  # constant within an iteration

        # k discriminator steps, each descending D's loss (for the logistic loss, ascending
        # log D(x) + log(1 - D(G(z)))) plus its penalty; train/d_loss logs the loss alone.
        reals = [minibatch["image"] for minibatch in self.critic_batches(batch)]
        for real in reals:
            with torch.no_grad():
                fake = self.generator(self.draw(len(real)).z)
            real_logits, fake_logits = self.discriminate_each(real, fake)
            d_loss = self.loss.discriminator(real_logits, fake_logits)
            penalty = self.discriminator_penalty(real, fake)
            d_accuracy = discriminator_accuracy(real_logits, fake_logits) if self.d_accuracy_limit is not None else None
            if d_accuracy is None or d_accuracy <= self.d_accuracy_limit:
                self.update("d", d_loss if penalty is None else d_loss + penalty)
            if self.weight_clip is not None:
                clip_weights(self.discriminator, self.weight_clip)

        # G descends its loss on fresh noise; D's weights are frozen so none of its gradients are computed.
        with self.toggled("g"):
            z = self.draw(len(real)).z
            fake, own_terms = self.generated(z)
            g_loss = self.generator_loss(fake, reals)
            diversity = mode_seeking_loss(fake, z) if self.mode_seeking_weight else None
            weighted_diversity = 0 if diversity is None else self.mode_seeking_weight * diversity
            self.update("g", g_loss + weighted_diversity + sum(own_terms.values()))

        instance_noise = noise_std if self.instance_noise else None
        terms = {"d_penalty": penalty, "g_mode_seeking": diversity, "instance_noise": instance_noise, "d_accuracy": d_accuracy, **own_terms}
        self.log_losses(d_loss, g_loss, real_logits, fake_logits, **terms)

    def generated(self, z: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """G's samples for its step, and the terms of G's loss its network adds beside the game's, by
        name (VGAN's mask sparsity); none here."""
        return self.generator(z), {}

    def instance_noise_std(self) -> float:
        """The instance noise now: instance_noise, annealed linearly to 0 when anneal steps are set."""
        if not self.instance_noise or self.instance_noise_anneal_steps is None:
            return self.instance_noise
        return self.instance_noise * max(0.0, 1.0 - self.iteration / self.instance_noise_anneal_steps)

    def discriminator_input(self, samples: Tensor) -> Tensor:
        """What D sees of samples: augmented, then with instance noise, where those are on."""
        if self.augment is not None:
            samples = self.augment(samples)
        std = self.instance_noise_std()
        return samples + std * torch.randn_like(samples) if std > 0 else samples

    def discriminate(self, samples: Tensor) -> Tensor:
        """D's logits for samples (see discriminator_input)."""
        return self.discriminator(self.discriminator_input(samples))

    def discriminate_each(self, *samples: Tensor) -> list[Tensor]:
        """D's logits for each batch of samples: one call where D judges each sample alone (`forward_together`)."""
        return forward_together(self.discriminator, *map(self.discriminator_input, samples))

    def discriminator_penalty(self, real: Tensor, fake: Tensor) -> Tensor | None:
        """The configured penalty (gradient, R1) on D as the game sees it: through the augmentation and
        instance noise, as in DiffAugment's R1 (gradients with respect to the un-augmented samples)."""
        return None if self.penalty is None else self.penalty(self.discriminate, real, fake)

    def generator_loss(self, fake: Tensor, reals: tuple[Tensor, ...]) -> Tensor:
        """G's loss on its samples, judged by the current D (the unrolled game looks further ahead); a
        relativistic loss compares them with D's logits of the last real minibatch, as its authors' code does."""
        return self.loss.generator(self.discriminate(fake), self.loss.real_logits_for_generator(self.discriminate, reals[-1]))


def discriminator_accuracy(real_logits: Tensor, fake_logits: Tensor) -> float:
    """The share of a D batch D gets right: real logits above 0, fake ones below."""
    right = torch.cat([(real_logits > 0).flatten(), (fake_logits < 0).flatten()])
    return float(right.float().mean())
