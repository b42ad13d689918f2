"""Attribute2Image: Yan, Yang, Sohn & Lee 2016, "Attribute2Image: Conditional Image Generation from
Visual Attributes" (arXiv 1512.00570): images generated from an attribute vector y and a latent z
that holds what the attributes leave open.

- CVAE (sec. 3.1): q(z | x, y), p(z) = N(0, I) independent of y, p(x | z, y). Training maximises
      E_q[log p(x | z, y)] - KL(q(z | x, y) || p(z)),
  with a Gaussian p(x | z, y) whose mean and log-scale the decoder gives per pixel (the authors'
  GaussianCriterion); samples are its mean.
- disCVAE (sec. 3.2): the image is a foreground over a background, x = (1 - g) * x_F + g * x_B, with
  z = [z_F, z_B]: q(z_F | x_F, y) from the foreground alone, q(z_B | x, y, z_F) from the image. As the
  authors' code (train_lfw_disCVAE.lua) it minimises, summed over pixels, the smooth L1 error of the
  foreground layer against x_F = the image inside the shape's mask (-1 outside) and of the composed
  image against x, alpha x the binary cross-entropy of the gate g against the background (1 - mask),
  and both KL terms.

On the built-in shapes y is every factor but rotation (`gan_lightning.data.shapes.attribute_vector`):
z is left the rotation and the fine detail. Samples ask for attributes drawn as the data's are
(`gan_lightning.attribute_priors.AttributePrior`); the attributes callback reads them back with the shapes
factor classifier. A real image is edited by encoding it under its own attributes (`infer`) and
decoding the posterior mean under others (`gan_lightning.latent.editing.edit_attributes`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.distributions import Independent, kl_divergence

from gan_lightning.attribute_priors import AttributePrior
from gan_lightning.errors import ConfigError, DataError
from gan_lightning.models.base import Family, Spec, build
from gan_lightning.models.sampling import LatentSampling
from gan_lightning.models.vae import diagonal_gaussian, standard_gaussian
from gan_lightning.nets.eval_mode import eval_mode
from gan_lightning.priors import Latent


class CVAE(LatentSampling, Family):
    """One update of encoder and decoder together (the player `cvae`) per batch, down -ELBO.

    Args:
        encoder: config node of a network (images, attributes) -> mean and log-variance of q(z | x, y).
        decoder: config node of a network (z, attributes) -> the likelihood's parameters; the family
            sets its `outputs_per_value`.
        likelihood: config node of p(x | z, y) (Gaussian).
        prior: config node of an `AttributePrior`.
        optimizer, scheduler: the player's `_partial_` optimizer and (optional) scheduler configs.
        beta: weight of the KL term (1: the ELBO).
        ema_decay, num_fixed_samples: see `LatentSampling.init_sampling`.
    """

    needs = ("factors",)  # what each training item must hold (the attributes are read from the factors)

    def __init__(
        self,
        encoder: Spec,
        decoder: Spec,
        likelihood: Spec,
        prior: Spec,
        optimizer: Spec,
        scheduler: Spec | None = None,
        beta: float = 1.0,
        ema_decay: float | None = None,
        num_fixed_samples: int = 64,
    ):
        super().__init__()
        self.save_hyperparameters(logger=False)
        if beta < 0:
            raise ConfigError(f"model.beta must be 0 or more, not {beta}")
        self.beta = beta
        self.likelihood = build(likelihood)
        attributes = attribute_prior(prior, type(self).__name__)
        self.encoder = build(encoder, condition_dim=attributes.attribute_dim)
        self.decoder = build(decoder, attribute_dim=attributes.attribute_dim, outputs_per_value=self.likelihood.outputs_per_value)
        self.init_sampling(attributes, "decoder", ema_decay, num_fixed_samples)
        self.add_player("cvae", [self.encoder, self.decoder], optimizer, scheduler, config_key="model.optimizer")

    def on_fit_start(self) -> None:
        super().on_fit_start()
        require_items(self.trainer.datamodule, self.needs, type(self).__name__)

    # The model.

    def posterior(self, x: Tensor, attributes: Tensor) -> Independent:
        """q(z | x, y)."""
        return diagonal_gaussian(self.encoder(x, attributes))

    def expected_samples(self, outputs: Tensor) -> Tensor:
        return self.likelihood.mean(outputs)

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        x, attributes = batch["image"], self.prior.condition_of(batch)
        posterior = self.posterior(x, attributes)
        z = posterior.rsample()
        reconstruction = -self.likelihood.log_prob(self.decoder(z, attributes), x)  # -log p(x | z, y), nats per image
        kl = kl_divergence(posterior, standard_gaussian(self.prior.latent_dim, self.device))
        self.update("cvae", (reconstruction + self.beta * kl).mean())
        self.log_train({"elbo": -(reconstruction + kl).mean(), "reconstruction": reconstruction.mean(), "kl": kl.mean()})

    # Capability: InfersLatents.

    def infer(self, images: Tensor, attributes: Tensor) -> Latent:
        """The posterior mean of each image's z under its attributes, as a latent asking for them."""
        with eval_mode(self.encoder), torch.no_grad():
            z = self.posterior(images.to(self.device), attributes.to(self.device)).mean
        return Latent(z, None, attributes.to(self.device))


class DisCVAE(CVAE):
    """disCVAE: the layered CVAE (see the module docstring); one update of both encoders and the
    layered decoder per batch.

    Args:
        encoder: config node of q(z_F | x_F, y) (the foreground's).
        background_encoder: config node of q(z_B | x, [y, z_F]) (the image's).
        decoder: config node of a `LayeredDecoder`.
        gate_weight: alpha, the weight of the gate's cross-entropy (the authors' 0.3).
        Others: as `CVAE`; there is no likelihood (the losses are the authors' smooth L1).
    """

    needs = ("factors", "mask")

    def __init__(
        self,
        encoder: Spec,
        background_encoder: Spec,
        decoder: Spec,
        prior: Spec,
        optimizer: Spec,
        scheduler: Spec | None = None,
        gate_weight: float = 0.3,
        beta: float = 1.0,
        ema_decay: float | None = None,
        num_fixed_samples: int = 64,
    ):
        super(CVAE, self).__init__()  # CVAE's own building is not this one's
        self.save_hyperparameters(logger=False)
        if beta < 0 or gate_weight < 0:
            raise ConfigError(f"model.beta and model.gate_weight must be 0 or more, not {beta} and {gate_weight}")
        self.beta, self.gate_weight = beta, gate_weight
        attributes = attribute_prior(prior, type(self).__name__)
        self.encoder = build(encoder, condition_dim=attributes.attribute_dim)
        self.background_encoder = build(background_encoder, condition_dim=attributes.attribute_dim + self.encoder.latent_dim)
        self.decoder = build(decoder, attribute_dim=attributes.attribute_dim)
        given = (self.encoder.latent_dim, self.background_encoder.latent_dim)
        taken = (self.decoder.foreground_dim, self.decoder.latent_dim - self.decoder.foreground_dim)
        if given != taken:
            raise ConfigError(f"the encoders give z_F and z_B of {given} dimensions and the decoder takes {taken}: make them equal")
        self.init_sampling(attributes, "decoder", ema_decay, num_fixed_samples)
        self.add_player("discvae", [self.encoder, self.background_encoder, self.decoder], optimizer, scheduler, config_key="model.optimizer")

    def expected_samples(self, outputs: Tensor) -> Tensor:
        return outputs  # the composed image

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        x, attributes, mask = batch["image"], self.prior.condition_of(batch), batch["mask"]
        target_foreground = foreground_layer(x, mask)
        q_foreground = diagonal_gaussian(self.encoder(target_foreground, attributes))
        z_foreground = q_foreground.rsample()
        q_background = diagonal_gaussian(self.background_encoder(x, torch.cat([attributes, z_foreground], dim=1)))
        z_background = q_background.rsample()
        foreground, gate, background = self.decoder.layers(torch.cat([z_foreground, z_background], dim=1), attributes)
        composed = (1 - gate) * foreground + gate * background
        per_image = len(x)  # the authors sum over pixels; their logs divide by the batch
        terms = {
            "foreground_error": F.smooth_l1_loss(foreground, target_foreground, reduction="sum") / per_image,
            "image_error": F.smooth_l1_loss(composed, x, reduction="sum") / per_image,
            "gate_error": F.binary_cross_entropy(gate, 1 - mask, reduction="sum") / per_image,
            "kl_foreground": kl_divergence(q_foreground, standard_gaussian(q_foreground.mean.shape[1], self.device)).mean(),
            "kl_background": kl_divergence(q_background, standard_gaussian(q_background.mean.shape[1], self.device)).mean(),
        }
        loss = terms["foreground_error"] + terms["image_error"] + self.gate_weight * terms["gate_error"]
        self.update("discvae", loss + self.beta * (terms["kl_foreground"] + terms["kl_background"]))
        self.log_train(terms)

    def infer(self, images: Tensor, attributes: Tensor) -> Latent:
        """[z_F, z_B] at their posterior means. A new image comes without its mask: the one the decoder
        draws for its attributes at z = 0 (the prior's mean) stands in for it."""
        with eval_mode(self.encoder, self.background_encoder, self.sampling_network), torch.no_grad():
            x, y = images.to(self.device), attributes.to(self.device)
            _, gate, _ = self.sampling_network.layers(torch.zeros(len(x), self.prior.latent_dim, device=self.device), y)
            foreground = diagonal_gaussian(self.encoder(foreground_layer(x, 1 - gate), y)).mean
            background = diagonal_gaussian(self.background_encoder(x, torch.cat([y, foreground], dim=1))).mean
        return Latent(torch.cat([foreground, background], dim=1), None, y)


def require_items(datamodule, needs: tuple[str, ...], family: str) -> None:
    """A message that the family needs items holding `needs`, where the data's lack one."""
    if missing := [name for name in needs if name not in datamodule.train_set[0]]:
        where = "data=shapes_with_masks" if "mask" in needs else "data=shapes"
        raise DataError(f"{family} trains on images with {' and '.join(needs)}, and this data serves no {missing[0]}: use {where}")


def attribute_prior(spec: Spec, family: str) -> AttributePrior:
    """The prior built from `spec`, or a message that the family needs an attribute prior."""
    prior = build(spec)
    if not isinstance(prior, AttributePrior):
        raise ConfigError(f"{family} generates from attributes: model.prior must be an AttributePrior (prior=attributes), not {type(prior).__name__}")
    return prior


def foreground_layer(x: Tensor, mask: Tensor) -> Tensor:
    """The image inside the mask, -1 (black) outside: disCVAE's foreground target."""
    return mask * x - (1 - mask)
