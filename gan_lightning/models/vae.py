"""Variational autoencoder: Kingma & Welling 2014, "Auto-Encoding Variational Bayes" (arXiv 1312.6114).

An encoder gives q(z | x) = N(mu(x), diag sigma(x)^2); a decoder gives p(x | z), here a distribution
over the data's own values (`gan_lightning.losses.likelihoods`). Training maximises the evidence
lower bound, with z = mu + sigma * eps, eps ~ N(0, I) (the reparameterisation, sec. 2.4):
    ELBO(x) = E_q[log p(x | z)] - KL(q(z | x) || p(z)) <= log p(x),
and beta weighs the KL term (beta-VAE, Higgins et al. 2017; 1 is the ELBO). The validation bound on
-log p(x) is the importance-weighted one with k samples (Burda et al. 2016), tighter as k grows:
    log p(x) >= E[log 1/k sum_i p(x, z_i) / q(z_i | x)],  z_i ~ q(z | x).
Samples are the decoder's mean for z from the prior (the usual picture of a VAE's images), or with
`sample_noise` draws from p(x | z) itself: the model's own distribution, whose observation noise is
what spreads a VAE over the data (mode covering). Sample i's noise comes from a stream keyed by its
z, so a sample stays a function of its latent alone.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor
from torch.distributions import Independent, Normal, kl_divergence

from gan_lightning.errors import ConfigError
from gan_lightning.losses.likelihoods import stream_of
from gan_lightning.models.base import Family, Spec, build
from gan_lightning.models.sampling import LatentSampling
from gan_lightning.nets.eval_mode import eval_mode
from gan_lightning.priors import GaussianPrior, Latent


def diagonal_gaussian(statistics: Tensor) -> Independent:
    """N(mu, diag sigma^2) from an encoder's outputs (N, 2 * d): mu, then log sigma^2."""
    mean, log_variance = statistics.chunk(2, dim=1)
    return Independent(Normal(mean, (0.5 * log_variance).exp()), 1)


def standard_gaussian(dim: int, device: torch.device) -> Independent:
    """N(0, I) in `dim` dimensions: the prior p(z) of the KL term."""
    zeros = torch.zeros(dim, device=device)
    return Independent(Normal(zeros, torch.ones_like(zeros)), 1)


class VAE(LatentSampling, Family):
    """One update of encoder and decoder together (the player `vae`) per batch, down -ELBO.

    Args:
        encoder: config node of a network x -> (mean, log-variance) of q(z | x), 2 * latent_dim outputs.
        decoder: config node of a network z -> the likelihood's parameters; the family sets its
            `outputs_per_value`.
        likelihood: config node of p(x | z) (categorical over the data's levels for images, Gaussian
            for continuous data).
        prior: config node of the prior p(z), a standard Gaussian.
        optimizer, scheduler: the player's `_partial_` optimizer and (optional) scheduler configs.
        beta: weight of the KL term (1: the ELBO).
        importance_samples: k of the validation bound.
        sample_noise: samples are draws from p(x | z) rather than its mean.
        ema_decay, num_fixed_samples: see `LatentSampling.init_sampling`.
    """

    exact_likelihood = False  # its -log p(x) is an upper bound (importance-weighted)

    def __init__(
        self,
        encoder: Spec,
        decoder: Spec,
        likelihood: Spec,
        prior: Spec,
        optimizer: Spec,
        scheduler: Spec | None = None,
        beta: float = 1.0,
        importance_samples: int = 100,
        sample_noise: bool = False,
        ema_decay: float | None = None,
        num_fixed_samples: int = 64,
    ):
        super().__init__()
        self.save_hyperparameters(logger=False)
        if beta < 0 or importance_samples < 1:
            raise ConfigError(f"model.beta must be 0 or more and model.importance_samples at least 1, not {beta} and {importance_samples}")
        self.beta, self.importance_samples, self.sample_noise = beta, importance_samples, sample_noise
        self.likelihood = build(likelihood)
        self.encoder = build(encoder)
        self.decoder = build(decoder, outputs_per_value=self.likelihood.outputs_per_value)
        self.init_sampling(build(prior), "decoder", ema_decay, num_fixed_samples)
        if not isinstance(self.prior, GaussianPrior):
            raise ConfigError(f"the VAE's KL term is written for a standard Gaussian prior, not {type(self.prior).__name__}")
        if getattr(self.encoder, "latent_dim", self.prior.latent_dim) != self.prior.latent_dim:
            raise ConfigError(f"the encoder's latent_dim={self.encoder.latent_dim} differs from the decoder's {self.prior.latent_dim}: make them equal")
        self.add_player("vae", [self.encoder, self.decoder], optimizer, scheduler, config_key="model.optimizer")

    # The model.

    def posterior(self, x: Tensor) -> Independent:
        """q(z | x) = N(mu, diag sigma^2); the encoder outputs mu and log sigma^2."""
        return diagonal_gaussian(self.encoder(x))

    def prior_distribution(self) -> Independent:
        return standard_gaussian(self.prior.latent_dim, self.device)

    def samples_from(self, outputs: Tensor, latent: Latent) -> Tensor:
        if not self.sample_noise:
            return self.expected_samples(outputs)
        return self.likelihood.sample(outputs, [stream_of(z) for z in latent.z])

    def expected_samples(self, outputs: Tensor) -> Tensor:
        return self.likelihood.mean(outputs)

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        x = batch["image"]
        posterior = self.posterior(x)
        z = posterior.rsample()  # mu + sigma * eps: gradients reach the encoder through z
        reconstruction = -self.likelihood.log_prob(self.decoder(z), x)  # -log p(x | z), nats per sample
        kl = kl_divergence(posterior, self.prior_distribution())  # closed form for two Gaussians
        self.update("vae", (reconstruction + self.beta * kl).mean())
        if self.logging_step:
            self.log_train({"elbo": -(reconstruction + kl).mean(), "reconstruction": reconstruction.mean(), "kl": kl.mean()})

    # Capabilities: Encodes, Reconstructs, ScoresLikelihood.

    @torch.no_grad()
    def encode(self, images: Tensor) -> Tensor:
        """The posterior mean mu(x)."""
        with eval_mode(self.encoder):
            return self.posterior(images.to(self.device)).mean

    def reconstruct(self, images: Tensor) -> Tensor:
        """The decoder's mean for z = mu(x)."""
        return self.generate(Latent(self.encode(images)))

    @property
    def levels(self) -> int | None:
        return self.likelihood.levels

    @torch.no_grad()
    def negative_log_likelihood(self, images: Tensor, chunk: int = 16) -> Tensor:
        """The importance-weighted bound on -log p(x) with `importance_samples` samples, nats per image."""
        x = images.to(self.device)
        k = self.importance_samples
        with eval_mode(self.encoder, self.decoder):
            posterior, prior = self.posterior(x), self.prior_distribution()
            log_weights = []
            for start in range(0, k, chunk):
                z = posterior.sample((min(chunk, k - start),))  # (s, N, d)
                outputs = self.decoder(z.flatten(0, 1))
                log_px_z = self.likelihood.log_prob(outputs, x.repeat(len(z), *[1] * (x.dim() - 1))).view(len(z), len(x))
                log_weights.append(log_px_z + prior.log_prob(z) - posterior.log_prob(z))
        return -(torch.logsumexp(torch.cat(log_weights), dim=0) - math.log(k))
