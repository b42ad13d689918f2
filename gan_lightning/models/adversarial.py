"""What the noise-to-image adversarial families share: G, D, the adversarial loss, a prior, players {d, g}."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gan_lightning.errors import ConfigError, DataError
from gan_lightning.models.base import Family, Spec, build
from gan_lightning.models.sampling import LatentSampling
from gan_lightning.nets.eval_mode import eval_mode


def labelled_batch(batch: dict[str, Tensor], family: str) -> tuple[Tensor, Tensor]:
    """(images, labels) of a batch, or a message that the family needs labelled data."""
    if "label" not in batch:
        raise DataError(f"{family} conditions on class labels, and this data has none: use labelled data such as data=digits")
    return batch["image"], batch["label"]


def refuse_adversarial_loss(preset: str, loss: Spec | None) -> None:
    """The autoencoder families write their own game: an adversarial loss config has no place in it."""
    if loss is not None:
        raise ConfigError(f"model={preset} plays its own game on reconstruction errors: drop the adversarial loss (loss=null)")


class GANFamily(LatentSampling, Family):
    """Base of the families that play D against a G fed from a prior (GAN, cGAN, AC-GAN, InfoGAN, BiGAN).

    Args:
        generator, discriminator: config nodes of the networks.
        loss: config node of an `AdversarialLoss`.
        prior: config node of a prior (`gan_lightning.priors`): what G takes.
        g_optimizer, d_optimizer: `_partial_` optimizer configs of the players g and d.
        g_scheduler, d_scheduler: optional `_partial_` scheduler configs.
        scheduler_interval: they step after every "epoch" (the default) or every "iteration".
        n_critic: D steps per G step (Algorithm 1's k), each on its own real minibatch: a step's
            batch holds n_critic of them (`critic_batches`). A family whose step takes one D update
            (`takes_critic_steps = False`) refuses more.
        ema_decay, num_fixed_samples: see `LatentSampling.init_sampling`; the moving average follows G's step by itself.
    Players: d (D's parameters, optimizer first) and g (G's), unless the family's `add_players` says otherwise.
    """

    takes_critic_steps = False  # True: its training_step loops over critic_batches(batch)

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
        scheduler_interval: str = "epoch",
        n_critic: int = 1,
        ema_decay: float | None = None,
        num_fixed_samples: int = 64,
    ):
        super().__init__()
        if n_critic < 1 or (n_critic > 1 and not self.takes_critic_steps):
            fewest = "at least 1" if n_critic < 1 else f"1: {type(self).__name__} takes one D step per G step"
            raise ConfigError(f"model.n_critic must be {fewest}, not {n_critic}")
        self.n_critic = self.real_batches_per_step = n_critic
        # The run config goes to the loggers from train.py; these travel in checkpoints and rebuild the model.
        self.save_hyperparameters(logger=False)
        self.generator = build(generator)
        self.loss = build(loss)
        # prior.latent_dim null: as many as G takes, for a G that computes it (LAPGAN's noise planes)
        inputs = {"latent_dim": self.generator.latent_dim} if prior.get("latent_dim", 0) is None else {}
        self.init_sampling(build(prior, **inputs), "generator", ema_decay, num_fixed_samples)
        self.discriminator = self.build_discriminator(discriminator)
        self.add_players(g_optimizer, d_optimizer, g_scheduler, d_scheduler, scheduler_interval)

    def on_fit_start(self) -> None:
        super().on_fit_start()
        served = self.trainer.datamodule.train_set[0].get("image")
        made = None if served is None else self.sample(1, seed=0)[0]
        if made is not None and made.dim() != served.dim():
            kinds = {1: "points", 3: "images (C, H, W)", 4: "clips (C, T, H, W)"}
            made_kind, served_kind = kinds.get(made.dim(), f"{made.dim()}-d samples"), kinds.get(served.dim(), f"{served.dim()}-d items")
            raise DataError(
                f"{type(self).__name__}'s generator makes {made_kind} and {type(self.trainer.datamodule).__name__} serves {served_kind}: "
                "pick data of the kind the model makes (clips for model=vgan: data=moving_shapes)"
            )

    def add_players(self, g_optimizer: Spec, d_optimizer: Spec, g_scheduler: Spec | None, d_scheduler: Spec | None, scheduler_interval: str) -> None:
        """Players d and g. A family with more (LAPGAN: a pair per pyramid level) adds its own here."""
        self.add_player("d", [self.discriminator], d_optimizer, d_scheduler, scheduler_interval=scheduler_interval)
        self.add_player("g", [self.generator], g_optimizer, g_scheduler, scheduler_interval=scheduler_interval)

    def critic_batches(self, batch: dict[str, Tensor]) -> list[dict[str, Tensor]]:
        """The step's batch as its n_critic real minibatches, one for each D step (images and labels
        alike; what is not a tensor stays out)."""
        parts = {key: value.chunk(self.n_critic) for key, value in batch.items() if isinstance(value, Tensor)}
        return [dict(zip(parts, minibatch)) for minibatch in zip(*parts.values())]

    def build_discriminator(self, spec: Spec) -> nn.Module:
        """D from its config node. A family whose D is more than the configured network (InfoGAN's Q
        head on it, BiGAN's joint (x, z) judge around it) builds that here, after G and the prior, so an
        experiment that swaps the networks (experiment=mode_coverage) swaps that family's too."""
        return build(spec)

    @torch.no_grad()
    def judge(self, samples: Tensor) -> Tensor:
        """D's source logit for each sample alone, in eval mode (no power iterations or batch statistics
        from them): a packing D (PacGAN) judges a pack of copies of each sample. Not the training game's
        view of D (see GAN.discriminate): what pictures of D show."""
        samples = samples.to(self.device).repeat_interleave(getattr(self.discriminator, "pack", 1), dim=0)
        with eval_mode(self.discriminator):
            judged = self.discriminator(samples)
        return judged[0] if isinstance(judged, tuple) else judged  # AC-GAN, InfoGAN: (source, head)

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
