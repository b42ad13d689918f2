"""Sampling through a prior: what every family whose samples are network(z) shares.

`LatentSampling` gives a family the `Samples` and `HasLatentSpace` capabilities: z from the prior
(`gan_lightning.priors`), the fixed grid batch, and an optional exponential moving average of the
sampling network that samples and evaluation then use. A family mixes it in and calls
`init_sampling` once its network exists; it overrides none of it (InfoGAN's codes and cGAN's labels
are the prior's business). The moving average follows each training step by itself: it is updated
after the step of the last player (in the order the family adds them) that trains the sampling network
or a part of it, G's step in a GAN, the last level's in LAPGAN's pyramid.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.optim.swa_utils import AveragedModel

from gan_lightning.errors import ConfigError
from gan_lightning.nets.eval_mode import eval_mode
from gan_lightning.priors import Latent, Prior


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


class LatentSampling:
    """Samples = network(z) (network(z, y) for a conditional prior), z drawn from `prior`."""

    prior: Prior
    network_ema: AveragedModel | None
    device: torch.device
    players: dict  # the family's (`Family.add_player`)

    def init_sampling(self, prior: Prior, network: str, ema_decay: float | None = None, num_fixed_samples: int = 64) -> None:
        """`network`: the attribute holding the sampling network (G, a decoder).

        ema_decay: if set, samples and evaluation use an exponential moving average of the network's
            weights and buffers (Karras et al. 2018; Yazici et al. 2019) with this decay, reached after
            a warm-up (see `ema_with_warmup`), updated after each step of the player that trains the
            network (`after_step`).
        num_fixed_samples: size of the fixed batch behind comparable sample grids.
        """
        net: nn.Module = getattr(self, network)
        inputs = getattr(net, "latent_dim", prior.latent_dim)
        if inputs != prior.latent_dim:
            raise ConfigError(f"the prior draws latent_dim={prior.latent_dim} inputs and the {type(net).__name__} takes {inputs}: make them equal")
        if prior.conditional and (misfit := prior.misfit(net)):
            raise ConfigError(misfit)
        if ema_decay is not None and not 0.0 < ema_decay < 1.0:
            raise ConfigError(f"model.ema_decay must lie in (0, 1) or be null, not {ema_decay}")
        self.prior, self.sampled_network, self.num_fixed_samples = prior, network, num_fixed_samples
        self._averaging_player: str | None = None
        self.network_ema = None if ema_decay is None else AveragedModel(net, multi_avg_fn=ema_with_warmup(ema_decay), use_buffers=True)
        if self.network_ema is not None:
            self.network_ema.requires_grad_(False)  # never trained: DDP leaves it out of gradient sync
        self.prior.grid(num_fixed_samples)  # a grid that cannot be drawn stops here, not at the first epoch

    @property
    def sampling_network(self) -> nn.Module:
        """The network behind samples and evaluation: its moving average when EMA is on."""
        return getattr(self, self.sampled_network) if self.network_ema is None else self.network_ema.module

    def update_ema(self) -> None:
        if self.network_ema is not None:
            self.network_ema.update_parameters(getattr(self, self.sampled_network))

    def after_step(self, name: str) -> None:
        super().after_step(name)
        if self.network_ema is None:
            return
        if self._averaging_player is None:  # the players are fixed once the family is built: found once
            self._averaging_player = self.averaging_player()
        if name == self._averaging_player:
            self.update_ema()

    def averaging_player(self) -> str:
        """The last player the family added whose networks are the sampling network or parts of it."""
        parts = set(getattr(self, self.sampled_network).modules())
        trains_parts = [name for name, player in self.players.items() if any(module in parts for module in player.modules)]
        if not trains_parts:
            raise ConfigError(f"no player of {type(self).__name__} trains its sampling network {self.sampled_network}: its moving average would never move")
        return trains_parts[-1]

    def network_and_average(self) -> list[nn.Module]:
        """The sampling network and its moving average when EMA is on: what a setting of the network
        (ProGAN's growth, StyleGAN's truncation) must reach."""
        network = getattr(self, self.sampled_network)
        return [network] if self.network_ema is None else [network, self.network_ema.module]

    @property
    def num_classes(self) -> int | None:
        return self.prior.num_classes

    def draw(self, n: int, labels: Tensor | None = None) -> Latent:
        """n training draws from the prior (never truncated), on this device."""
        return self.prior.sample(n, self.device, labels=labels)

    def generate(self, latent: Latent, differentiable: bool = False) -> Tensor:
        """The sampling network's outputs in eval mode (BatchNorm's running statistics, no dropout);
        `differentiable`: with gradients to the latent (for inversion), and the samples expected
        without drawing anything (`expected_samples`)."""
        net = self.sampling_network
        latent = latent if differentiable else latent.to(self.device)
        with torch.set_grad_enabled(differentiable), eval_mode(net):
            outputs = net(latent.z, self.prior.condition(latent)) if self.prior.conditional else net(latent.z)
            return self.expected_samples(outputs) if differentiable else self.samples_from(outputs, latent)

    def samples_from(self, outputs: Tensor, latent: Latent) -> Tensor:
        """Samples from the sampling network's outputs for `latent`: G's are samples; a VAE's decoder
        gives a distribution."""
        return self.expected_samples(outputs)

    def expected_samples(self, outputs: Tensor) -> Tensor:
        """The samples the network's outputs give without drawing anything: G's outputs themselves (a
        VAE: the mean of p(x | z)). An exported network computes these (`gan_lightning.export`)."""
        return outputs

    def sample(self, n: int, seed: int | None = None, labels: Tensor | Sequence[int] | None = None) -> Tensor:
        """n samples; a conditional family draws class i mod K for sample i unless `labels` (n class
        indices) say otherwise; InfoGAN's `labels` set its first categorical code."""
        if labels is not None and not self.prior.num_classes:
            raise ConfigError(f"{type(self).__name__} with {type(getattr(self, self.sampled_network)).__name__} is unconditional: it takes no labels")
        if labels is None and self.prior.conditional:
            labels = self.prior.labels_of(range(n))
        stream = None if seed is None else torch.Generator().manual_seed(seed)
        labels = None if labels is None else torch.as_tensor(labels)
        return self.generate(self.prior.sample(n, self.device, stream, labels, truncate=True))

    def sample_indexed(self, indices: Sequence[int], seed: int = 0) -> tuple[Tensor, Tensor | None]:
        latent = self.prior.indexed(indices, seed, self.device)
        return self.generate(latent), latent.labels

    def sample_grid(self) -> tuple[Tensor, int | None]:
        latent, per_row = self.prior.grid(self.num_fixed_samples, self.device)
        return self.generate(latent), per_row
