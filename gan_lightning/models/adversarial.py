"""What the noise-to-image adversarial families share: G, D, the adversarial loss, a prior, players {d, g}."""

from __future__ import annotations

from torch import Tensor

from gan_lightning.errors import ConfigError
from gan_lightning.models.base import Family, Spec, build
from gan_lightning.models.sampling import LatentSampling


def critic_steps(n_critic: int) -> int:
    """D steps per G step, each on its own real minibatch (Algorithm 1's k)."""
    if n_critic < 1:
        raise ConfigError(f"model.n_critic must be at least 1, not {n_critic}")
    return n_critic


class GANFamily(LatentSampling, Family):
    """Base of the families that play D against a G fed from a prior (GAN, cGAN, AC-GAN, InfoGAN, BiGAN).

    Args:
        generator, discriminator: config nodes of the networks.
        loss: config node of an `AdversarialLoss`.
        prior: config node of a prior (`gan_lightning.priors`): what G takes.
        g_optimizer, d_optimizer: `_partial_` optimizer configs of the players g and d.
        g_scheduler, d_scheduler: optional `_partial_` scheduler configs, stepped once per epoch.
        ema_decay, num_fixed_samples: see `LatentSampling.init_sampling`.
    Players: d (D's parameters, optimizer first) and g (G's).
    """

    def __init__(
        self,
        generator: Spec,
        discriminator: Spec,
        loss: Spec,
        prior: Spec,
        g_optimizer: Spec,
        d_optimizer: Spec,
        g_scheduler: Spec | None = None,
        d_scheduler: Spec | None = None,
        ema_decay: float | None = None,
        num_fixed_samples: int = 64,
    ):
        super().__init__()
        # The run config goes to the loggers from train.py; these travel in checkpoints and rebuild the model.
        self.save_hyperparameters(logger=False)
        self.generator = build(generator)
        self.discriminator = build(discriminator)
        self.loss = build(loss)
        self.init_sampling(build(prior), "generator", ema_decay, num_fixed_samples)
        self.add_player("d", [self.discriminator], d_optimizer, d_scheduler)
        self.add_player("g", [self.generator], g_optimizer, g_scheduler)

    def log_losses(self, d_loss: Tensor, g_loss: Tensor, real_logits: Tensor, fake_logits: Tensor, **terms: Tensor | float | None) -> None:
        """The numbers every adversarial family logs, under the same names everywhere, and its own `terms`."""
        if not self.logging_step:
            return
        scores = {"d_real": self.loss.score(real_logits.detach()).mean(), "d_fake": self.loss.score(fake_logits.detach()).mean()}
        self.log_train({"d_loss": d_loss, "g_loss": g_loss, **scores, **terms})

    def require_prior(self, conditional: bool) -> None:
        """A message when the prior's kind does not fit the family's game."""
        if self.prior.conditional and not conditional:
            raise ConfigError(f"{type(self).__name__} is unconditional and the prior hands G class labels: use model=cgan or model=acgan")
        if conditional and not self.prior.conditional:
            raise ConfigError(
                f"{type(self).__name__} needs a label-conditioned generator and prior (gan_lightning.nets.ConditionalGenerator, "
                f"gan_lightning.priors.ClassConditionalPrior), not {type(self.generator).__name__} with {type(self.prior).__name__}"
            )
