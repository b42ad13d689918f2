"""Adversarial losses (pure functions of logits); penalties and reconstruction terms join them here."""

from gan_lightning.losses.adversarial import (
    AdversarialLoss,
    bce_discriminator_loss,
    hinge_discriminator_loss,
    least_squares_discriminator_loss,
    least_squares_generator_loss,
    minimax_generator_loss,
    non_saturating_generator_loss,
    probability,
    relativistic_discriminator_loss,
    relativistic_generator_loss,
    wasserstein_discriminator_loss,
    wasserstein_generator_loss,
)
from gan_lightning.losses.diversity import mode_seeking_loss, pulling_away_term
from gan_lightning.losses.likelihoods import CategoricalLikelihood, GaussianLikelihood
from gan_lightning.losses.penalties import GradientPenalty, R1Penalty, clip_weights
from gan_lightning.losses.reconstruction import feature_matching_loss, hole_loss, l1_loss
from gan_lightning.losses.semi_supervised import mean_feature_matching_loss, real_fake_logit

__all__ = [
    "AdversarialLoss",
    "CategoricalLikelihood",
    "GaussianLikelihood",
    "GradientPenalty",
    "R1Penalty",
    "bce_discriminator_loss",
    "clip_weights",
    "feature_matching_loss",
    "hole_loss",
    "hinge_discriminator_loss",
    "l1_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "mean_feature_matching_loss",
    "minimax_generator_loss",
    "mode_seeking_loss",
    "pulling_away_term",
    "non_saturating_generator_loss",
    "probability",
    "real_fake_logit",
    "relativistic_discriminator_loss",
    "relativistic_generator_loss",
    "wasserstein_discriminator_loss",
    "wasserstein_generator_loss",
]
