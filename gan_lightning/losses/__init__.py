"""Adversarial losses (pure functions of logits); penalties and reconstruction terms join them here."""

from gan_lightning.losses.adversarial import (
    AdversarialLoss,
    bce_discriminator_loss,
    minimax_generator_loss,
    non_saturating_generator_loss,
    probability,
)

__all__ = [
    "AdversarialLoss",
    "bce_discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_generator_loss",
    "probability",
]
