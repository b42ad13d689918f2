"""What every family shares: parts built from config, sampling, generator EMA, fixed noise, logging.

A family is a training algorithm: a subclass writes out its discriminator and generator updates in
`training_step` and says how many real minibatches and optimizer steps one training step takes.
Networks, loss, optimizers and schedulers arrive as config nodes (`_target_`, `_partial_` for the
optimizer and scheduler factories) and are built here, so a checkpoint's hyperparameters alone
rebuild the model: `Family.load_from_checkpoint(path).sample(16)` works in a fresh process.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn
from torch.optim import Optimizer
from torch.optim.swa_utils import AveragedModel

from gan_lightning.errors import ConfigError
from gan_lightning.models.training import Spec, TrainingControls, build


def ema_with_warmup(decay: float):
    """An AveragedModel update: an EMA whose decay after t updates is min(decay, (1 + t) / (10 + t)).

    The warm-up (as in tf.train.ExponentialMovingAverage) keeps short runs from averaging in the
    random initial weights: with decay 0.999 a plain EMA still holds 37% of them after 1,000 steps.
    Integer buffers (BatchNorm's batch count) are copied.
    """

    def update(averaged: list[Tensor], current: list[Tensor], num_updates: Tensor) -> None:
        t = int(num_updates)
        weight_of_current = 1.0 - min(decay, (1 + t) / (10 + t))
        for average, value in zip(averaged, current):
            if average.is_floating_point():
                average.lerp_(value, weight_of_current)
            else:
                average.copy_(value)

    return update


class GANFamily(TrainingControls):
    """Base of every family. Subclasses implement `training_step` with manual optimization.

    Args:
        generator, discriminator: config nodes of the networks; G must expose `latent_dim`.
        loss: config node of an `AdversarialLoss`.
        g_optimizer, d_optimizer: `_partial_` optimizer configs, called with the parameters.
        g_scheduler, d_scheduler: optional `_partial_` scheduler configs, stepped once per epoch.
        ema_decay: if set, samples and evaluation use an exponential moving average of G's
            weights and buffers (Karras et al. 2018; Yazici et al. 2019) with this decay, reached
            after a warm-up (see `ema_with_warmup`).
        num_fixed_samples: size of the fixed noise batch behind comparable sample grids.
    """

    def __init__(
        self,
        generator: Spec,
        discriminator: Spec,
        loss: Spec,
        g_optimizer: Spec,
        d_optimizer: Spec,
        g_scheduler: Spec | None = None,
        d_scheduler: Spec | None = None,
        ema_decay: float | None = None,
        num_fixed_samples: int = 64,
    ):
        super().__init__()
        self.automatic_optimization = False
        # The full run config goes to the loggers from train.py; here the hyperparameters only
        # travel in checkpoints, where they rebuild the networks.
        self.save_hyperparameters(logger=False)
        self.generator: nn.Module = build(generator)
        self.discriminator: nn.Module = build(discriminator)
        self.loss = build(loss)
        if not hasattr(self.generator, "latent_dim"):
            raise ConfigError(f"the generator {type(self.generator).__name__} has no `latent_dim` attribute")
        if ema_decay is not None and not 0.0 < ema_decay < 1.0:
            raise ConfigError(f"model.ema_decay must lie in (0, 1) or be null, not {ema_decay}")
        self.generator_ema = (
            None
            if ema_decay is None
            else AveragedModel(self.generator, multi_avg_fn=ema_with_warmup(ema_decay), use_buffers=True)
        )
        if self.generator_ema is not None:
            self.generator_ema.requires_grad_(False)  # never trained: DDP leaves it out of gradient sync
        if self.num_classes:  # conditional: the fixed grid holds one row per class
            num_fixed_samples -= num_fixed_samples % self.num_classes
            if num_fixed_samples == 0:
                raise ConfigError(f"model.num_fixed_samples must be at least the {self.num_classes} classes")
        self.register_buffer("fixed_noise", self.noise(num_fixed_samples, seed=0))
        self.logging_step = True  # whether this iteration's step metrics are written: on_train_batch_start

    # What one training step consumes and does; train.py uses these to size loaders and budgets.

    @property
    def real_batches_per_step(self) -> int:
        """Real minibatches one training step consumes (the datamodule hands them over together)."""
        return 1

    @property
    def optimizer_steps_per_iteration(self) -> int:
        """Optimizer steps per training step: Lightning's `global_step` grows by this much per batch."""
        raise NotImplementedError

    @property
    def iteration(self) -> int:
        """Training steps completed (one generator update each): the unit of step budgets and log steps."""
        return self.trainer.global_step // self.optimizer_steps_per_iteration

    # Sampling: every metric, grid, notebook and CLI goes through these.

    @property
    def latent_dim(self) -> int:
        return self.generator.latent_dim

    def noise(self, n: int, seed: int | None = None) -> Tensor:
        """z ~ N(0, I) of shape (n, latent_dim); with `seed`, the same z on every device and run."""
        if seed is None:
            return torch.randn(n, self.latent_dim, device=self.device)
        stream = torch.Generator().manual_seed(seed)
        return torch.randn(n, self.latent_dim, generator=stream).to(self.device)

    def indexed_noise(self, indices: range, seed: int = 0) -> Tensor:
        """z_i for each sample index i, a function of (seed, i) alone: evaluation gets the same samples
        whatever the batch size or number of processes."""
        streams = (torch.Generator().manual_seed(seed * 1_000_003 + i) for i in indices)
        return torch.stack([torch.randn(self.latent_dim, generator=stream) for stream in streams]).to(self.device)

    @property
    def sampling_generator(self) -> nn.Module:
        """The generator behind samples and evaluation: its moving average when EMA is on."""
        return self.generator if self.generator_ema is None else self.generator_ema.module

    @property
    def num_classes(self) -> int | None:
        """K for a label-conditioned generator (which takes labels in 0..K-1), None otherwise."""
        return getattr(self.generator, "num_classes", None)

    def balanced_labels(self, indices: range | int) -> Tensor | None:
        """Sample i gets class i mod K, so any run of K samples holds every class once; None when unconditional."""
        if not self.num_classes:
            return None
        indices = range(indices) if isinstance(indices, int) else indices
        return torch.tensor(list(indices), device=self.device) % self.num_classes

    @torch.no_grad()
    def generate(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        """G(z) (or G(z, labels)) in eval mode (BatchNorm running statistics, no dropout), in [-1, 1]."""
        if labels is not None and not self.num_classes:
            raise ConfigError(f"{type(self).__name__} with {type(self.generator).__name__} is unconditional: it takes no labels")
        net = self.sampling_generator
        was_training = net.training
        net.eval()
        try:
            return net(z.to(self.device)) if not self.num_classes else net(z.to(self.device), labels)
        finally:
            net.train(was_training)

    def generate_indexed(self, indices: range, seed: int = 0) -> Tensor:
        """Samples i in `indices`, each a function of (seed, i) alone (see indexed_noise); conditional
        families give sample i the class i mod K."""
        return self.generate(self.indexed_noise(indices, seed), self.balanced_labels(indices))

    def sample(self, n: int, seed: int | None = None, labels: Tensor | None = None) -> Tensor:
        """n generated images in [-1, 1]; a conditional family draws class i mod K for sample i unless
        `labels` (n class indices) say otherwise."""
        if labels is None:
            labels = self.balanced_labels(n)
        elif not isinstance(labels, Tensor):
            labels = torch.as_tensor(labels)
        return self.generate(self.noise(n, seed), labels)

    def sample_fixed(self) -> Tensor:
        """Images from the fixed noise batch, so grids from different epochs are comparable; a
        conditional family's come class by class, `grid_nrow` of each."""
        if not self.num_classes:
            return self.generate(self.fixed_noise)
        labels = torch.arange(self.num_classes, device=self.device).repeat_interleave(self.grid_nrow)
        return self.generate(self.fixed_noise, labels)

    @property
    def grid_nrow(self) -> int | None:
        """Images per grid row that put one class in each row; None when unconditional."""
        return len(self.fixed_noise) // self.num_classes if self.num_classes else None

    # Optimization helpers for training_step.

    def configure_optimizers(self) -> tuple[list[Optimizer], list[Any]]:
        return self.make_optimizers(self.discriminator.parameters(), self.generator.parameters())

    def update_ema(self) -> None:
        if self.generator_ema is not None:
            self.generator_ema.update_parameters(self.generator)

    def log_losses(self, d_loss: Tensor, g_loss: Tensor, real_logits: Tensor, fake_logits: Tensor) -> None:
        """The numbers every family logs, under the same names everywhere, in logged iterations."""
        if not self.logging_step:
            return
        d_opt, g_opt = self.optimizers()
        self.log_dict(
            {
                "train/d_loss": d_loss.detach(),
                "train/g_loss": g_loss.detach(),
                "train/d_real": self.loss.score(real_logits.detach()).mean(),
                "train/d_fake": self.loss.score(fake_logits.detach()).mean(),
                "train/lr_d": d_opt.param_groups[0]["lr"],
                "train/lr_g": g_opt.param_groups[0]["lr"],
            }
        )

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        # Lets gan_lightning.models.load_family() rebuild a checkpoint without being told its class.
        checkpoint["family"] = f"{type(self).__module__}.{type(self).__qualname__}"
        super().on_save_checkpoint(checkpoint)  # the random streams: TrainingControls


class CriticSteps:
    """Mixed into families that take `n_critic` D steps per G step, each on its own real minibatch."""

    n_critic: int

    @staticmethod
    def checked_n_critic(n_critic: int) -> int:
        if n_critic < 1:
            raise ConfigError(f"model.n_critic must be at least 1, not {n_critic}")
        return n_critic

    @property
    def real_batches_per_step(self) -> int:
        return self.n_critic

    @property
    def optimizer_steps_per_iteration(self) -> int:
        return self.n_critic + 1
