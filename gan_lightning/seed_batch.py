"""Seed-batched training: N independent runs of one small GAN, each from its own seed, in one process.

A run of the 2D mode-coverage protocol (PacGAN's MLPs, batch 100) leaves a CPU core, let alone a GPU,
mostly waiting on Python and on the dispatch of small matrix products. Here the N runs' weights are
stacked along a new first dimension (`torch.func.stack_module_state`) and every forward pass is one
`torch.func.vmap` over that dimension, so each step costs about one run's overhead. Each run keeps its
own initial weights, data order, noise, BatchNorm statistics, optimizer state and EMA: summed over the
runs, the loss gives each run's weights exactly its own gradient, and the elementwise optimizers
(Adam, SGD, RMSprop) then update each slice as they would that run alone. So N runs batched equal N
runs apart to float tolerance (tests/test_seed_batch.py).

The update is the GAN family's Algorithm 1 (`gan_lightning.models.gan.GAN.training_step`): `n_critic` D
steps on fresh real and fake minibatches, then one G step, then G's EMA. Written here by hand because
Lightning trains one module per process and torch.func stops at the vectorised call: the loop, its
data streams and its checkpoints are what this module adds. It takes the families' own networks, loss,
prior, optimizers, schedulers and EMA decay from their configs; what it cannot vectorise exactly it
refuses by name (`unsupported`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

import torch
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from torch import Tensor, nn
from torch.func import vmap

from gan_lightning.data.base import training_images
from gan_lightning.errors import CheckpointError, ConfigError
from gan_lightning.loggers import append_row, drop_rows_from
from gan_lightning.models.base import build
from gan_lightning.models.gan import GAN
from gan_lightning.models.sampling import ema_with_warmup
from gan_lightning.nets.stacked import StackedNetwork
from gan_lightning.nets.tricks import has_spectral_norm
from gan_lightning.train import check_config

ELEMENTWISE_OPTIMIZERS = (torch.optim.Adam, torch.optim.AdamW, torch.optim.SGD, torch.optim.RMSprop, torch.optim.Adamax)


def unsupported(family: GAN) -> list[str]:
    """What of this family's configuration seed-batched training would not reproduce exactly."""
    reasons = []
    if type(family) is not GAN:
        reasons.append(f"the {type(family).__name__} family (only the GAN family's update is batched)")
    settings = {
        "model.penalty": family.penalty is not None,
        "model.weight_clip": family.weight_clip is not None,
        "model.instance_noise": family.instance_noise > 0,
        "model.augment": family.augment is not None,
        "model.mode_seeking_weight": family.mode_seeking_weight > 0,
    }
    reasons += [f"{key} (set)" for key, used in settings.items() if used]
    for name in ("generator", "discriminator"):
        network = getattr(family, name)
        if has_spectral_norm(network):
            reasons.append(f"spectral norm in the {name} (its power iteration is per-call state)")
        if any(isinstance(module, nn.Dropout) and module.p > 0 for module in network.modules()):
            reasons.append(f"dropout in the {name} (its masks would not come from each run's own stream)")
    for key, player in family.players.items():
        if player.gradient_clip is not None:
            reasons.append(f"gradient clipping of player {key} (a norm over the whole stack)")
        optimizer = build(player.optimizer).func  # the class a `_partial_` config names
        if not issubclass(optimizer, ELEMENTWISE_OPTIMIZERS):
            reasons.append(f"{player.config_key}: {optimizer.__name__} (not an elementwise optimizer)")
    return reasons


class SeedBatch:
    """N runs of the GAN family, one per entry of `families` (each built under its own seed) and of
    `datasets` (its training points or images, (M, ...)), trained in lockstep.

    Args:
        families: the runs' modules, built from one config; their G, D, loss, prior, optimizer and
            scheduler settings, n_critic and EMA are what is trained. `write_back` returns the trained
            weights to them, so everything that reads a family (sampling, metrics, checkpoints) reads these.
        datasets: each run's training data; each run draws its minibatches (without replacement, a
            fresh order every epoch) and its noise from its own streams, seeded by `seeds`.
        batch_size: real samples a D step takes.
        seeds: one per run.
        device: where the stacked weights, the data and the steps live (the families stay where they are).
    """

    def __init__(self, families: Sequence[GAN], datasets: Sequence[Tensor], batch_size: int, seeds: Sequence[int], device: torch.device | str = "cpu"):
        if not (len(families) == len(datasets) == len(seeds)) or not families:
            raise ValueError("seed-batched training needs one family, one dataset and one seed per run")
        reasons = sorted({reason for family in families for reason in unsupported(family)})
        if reasons:
            raise ConfigError(f"seed-batched training cannot reproduce {'; '.join(reasons)}: train these runs one by one (python -m gan_lightning ...)")
        self.families, self.seeds = list(families), list(seeds)
        first = families[0]
        self.loss, self.prior, self.n_critic = first.loss, first.prior, first.n_critic
        self.device = torch.device(device)
        self.datasets = torch.stack(list(datasets)).to(self.device)  # (N, M, ...)
        self.batch_size = batch_size
        self.batches_per_epoch = self.datasets.shape[1] // (batch_size * self.n_critic)
        if self.batches_per_epoch == 0:
            raise ConfigError(f"each run's data has {self.datasets.shape[1]} samples, fewer than one step takes ({self.n_critic} x batch {batch_size})")

        self.generator = StackedNetwork([family.generator for family in families], self.device)
        self.discriminator = StackedNetwork([family.discriminator for family in families], self.device)
        players = first.players
        self.optimizers = {
            "d": build(players["d"].optimizer)(self.discriminator.parameters()),
            "g": build(players["g"].optimizer)(self.generator.parameters()),
        }
        self.schedulers = {
            key: (build(player.scheduler)(self.optimizers[key]), player.scheduler_interval)
            for key, player in players.items()
            if player.scheduler is not None
        }
        decay = first.hparams.get("ema_decay")
        self.ema_update = None if decay is None else ema_with_warmup(decay)
        self.ema = None if decay is None else {name: value.detach().clone() for name, value in self.generator.state().items()}
        self.ema_updates = 0

        self.data_streams = [torch.Generator().manual_seed(seed) for seed in seeds]
        self.noise_streams = [torch.Generator().manual_seed(seed + 1_000_003) for seed in seeds]  # apart from the data's
        self.order: Tensor | None = None  # (N, M): this epoch's order of each run's data
        self.iteration = 0

    # The data and the noise: each run from its own streams.

    def real_batches(self) -> Tensor:
        """(N, n_critic * batch_size, ...): the next step's real samples of every run."""
        position = self.iteration % self.batches_per_epoch
        if position == 0 or self.order is None:
            self.order = torch.stack([torch.randperm(self.datasets.shape[1], generator=stream) for stream in self.data_streams])
        step = self.n_critic * self.batch_size
        indices = self.order[:, position * step : (position + 1) * step].to(self.device)
        return torch.gather(self.datasets, 1, indices.view(*indices.shape, *[1] * (self.datasets.dim() - 2)).expand(-1, -1, *self.datasets.shape[2:]))

    def noise(self, n: int) -> Tensor:
        """(N, n, latent_dim): n draws of each run's prior."""
        return torch.stack([self.prior.sample(n, stream=stream).z for stream in self.noise_streams]).to(self.device)

    # Algorithm 1, vectorised over runs.

    def step(self) -> dict[str, Tensor]:
        """One iteration of every run; returns each run's losses {"d_loss": (N,), "g_loss": (N,)}."""
        reals = self.real_batches().chunk(self.n_critic, dim=1)
        for real in reals:
            with torch.no_grad():
                fake = self.generator(self.noise(real.shape[1]))
            d_loss = vmap(self.loss.discriminator)(self.discriminator(real), self.discriminator(fake))
            self.descend("d", d_loss)

        # G descends its loss on fresh noise; D's weights take no gradient meanwhile.
        fake = self.generator(self.noise(real.shape[1]))
        judged = [self.discriminator(fake, trained=False)]
        if self.loss.relativistic:  # G's loss compares with the last real minibatch, as GAN.generator_loss
            judged.append(self.discriminator(real, trained=False))
        g_loss = vmap(self.loss.generator)(*judged)
        self.descend("g", g_loss)
        self.update_ema()

        self.iteration += 1
        for scheduler, interval in self.schedulers.values():
            if interval == "iteration" or self.iteration % self.batches_per_epoch == 0:
                scheduler.step()
        return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}

    def descend(self, player: str, losses: Tensor) -> None:
        """One step of every run's `player` down its own loss: the sum's gradient in run i's slice is run i's."""
        optimizer = self.optimizers[player]
        optimizer.zero_grad(set_to_none=True)
        losses.sum().backward()
        optimizer.step()

    @torch.no_grad()
    def update_ema(self) -> None:
        if self.ema is None:
            return
        current = self.generator.state()
        if self.ema_updates == 0:  # the first update copies, as AveragedModel's does
            for name, value in self.ema.items():
                value.copy_(current[name])
        else:
            self.ema_update(list(self.ema.values()), [current[name] for name in self.ema], torch.tensor(self.ema_updates))
        self.ema_updates += 1

    def train(self, iterations: int) -> None:
        for _ in range(iterations):
            self.step()

    # Back to the families, and checkpoints.

    def write_back(self) -> list[GAN]:
        """The trained weights (and EMA) into each run's family, which samples and scores as any other."""
        self.generator.write_into([family.generator for family in self.families])
        self.discriminator.write_into([family.discriminator for family in self.families])
        if self.ema is not None:
            with torch.no_grad():
                for i, family in enumerate(self.families):
                    family.network_ema.module.load_state_dict({name: value[i] for name, value in self.ema.items()})
                    family.network_ema.n_averaged.fill_(self.ema_updates)
        return self.families

    def state_dict(self) -> dict:
        """Tensors and plain values only: a checkpoint that loads with weights_only=True."""
        return {
            "seeds": self.seeds,
            "iteration": self.iteration,
            "generator": self.generator.state(),
            "discriminator": self.discriminator.state(),
            "ema": self.ema,
            "ema_updates": self.ema_updates,
            "optimizers": {key: optimizer.state_dict() for key, optimizer in self.optimizers.items()},
            "schedulers": {key: scheduler.state_dict() for key, (scheduler, _) in self.schedulers.items()},
            "data_streams": [stream.get_state() for stream in self.data_streams],
            "noise_streams": [stream.get_state() for stream in self.noise_streams],
            "order": self.order,
        }

    def load_state_dict(self, state: dict) -> None:
        if list(state["seeds"]) != self.seeds:
            saved = list(state["seeds"])
            raise CheckpointError(f"this checkpoint holds the runs of seeds {saved}, not {self.seeds}: resume with the same seeds, or start in another folder")
        self.iteration, self.ema_updates, self.order = state["iteration"], state["ema_updates"], state["order"]
        self.generator.load_state(state["generator"])
        self.discriminator.load_state(state["discriminator"])
        if self.ema is not None:
            for name, value in self.ema.items():
                value.copy_(state["ema"][name])
        for key, optimizer in self.optimizers.items():
            optimizer.load_state_dict(state["optimizers"][key])
        for key, (scheduler, _) in self.schedulers.items():
            scheduler.load_state_dict(state["schedulers"][key])
        for stream, saved in zip([*self.data_streams, *self.noise_streams], [*state["data_streams"], *state["noise_streams"]]):
            stream.set_state(saved)

    def save(self, path: Path) -> None:
        """Written whole or not at all: a run killed while saving keeps its previous checkpoint."""
        partial = path.with_name(path.name + ".partial")
        torch.save(self.state_dict(), partial)
        os.replace(partial, path)

    def load(self, path: Path) -> None:
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)  # tensors only: nothing in it runs
        except Exception as error:  # noqa: BLE001 - any unreadable file gets the same message
            raise CheckpointError(f"{path} is not a readable seed-batch checkpoint ({type(error).__name__}): delete it to start these runs afresh") from None
        if not isinstance(state, dict) or "generator" not in state:
            raise CheckpointError(f"{path} is not a seed-batch checkpoint: delete it to start these runs afresh")
        self.load_state_dict(state)


def runs_from_configs(configs: Sequence[DictConfig], device: torch.device | str = "cpu") -> SeedBatch:
    """The runs of these composed training configs (`python -m gan_lightning`'s, one per run), which
    may differ only in `seed` and the data's settings: each family and its data are built as train.py
    builds them (seeded, then the data, then the model), so run i starts from the weights that
    `python -m gan_lightning` with configs[i] would train."""
    def shared(cfg: DictConfig) -> dict:
        return {key: value for key, value in OmegaConf.to_container(cfg).items() if key not in ("seed", "data", "paths")}

    if any(shared(cfg) != shared(configs[0]) for cfg in configs):
        raise ConfigError("seed-batched runs must share every setting but seed and data.*: batch the runs of one configuration together")
    families, datasets = [], []
    for cfg in configs:
        check_config(cfg)
        if cfg.get("seed") is None:
            raise ConfigError("seed-batched runs each need their own seed: give seed=0, seed=1, ...")
        torch.manual_seed(cfg.seed)
        datamodule = instantiate(cfg.data)
        families.append(instantiate(cfg.model, _recursive_=False, _convert_="all"))
        datamodule.setup("fit")
        datasets.append(training_images(datamodule.train_set))
    return SeedBatch(families, datasets, configs[0].data.batch_size, [cfg.seed for cfg in configs], device)


def fit(
    batch: SeedBatch, iterations: int, checkpoint: Path, run_dirs: Sequence[Path], every: int = 1000, log_every: int = 100, deadline: float | None = None
) -> bool:
    """Train the runs to `iterations`, resuming from `checkpoint` where it exists and saving it every
    `every` iterations and at the end, so a run killed at any moment loses at most `every`; each run's
    losses go every `log_every` iterations to its own run_dirs[i]/metrics.csv (train/d_loss,
    train/g_loss by step, as a Lightning run logs them). Stops early at time.monotonic() `deadline`
    if given; returns whether the runs reached `iterations`."""
    if checkpoint.is_file():
        batch.load(checkpoint)
    for run_dir in run_dirs:
        run_dir.mkdir(parents=True, exist_ok=True)
        drop_rows_from(run_dir / "metrics.csv", batch.iteration + 1)  # logged after the checkpoint: logged again
    while batch.iteration < iterations and (deadline is None or time.monotonic() < deadline):
        losses = batch.step()
        if batch.iteration % log_every == 0:
            for i, run_dir in enumerate(run_dirs):
                append_row(run_dir / "metrics.csv", {"step": batch.iteration, **{f"train/{name}": float(value[i]) for name, value in losses.items()}})
        if batch.iteration % every == 0:
            batch.save(checkpoint)
    batch.save(checkpoint)
    return batch.iteration >= iterations
