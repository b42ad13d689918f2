"""What every family shares: named players, the iteration count, one logging call, checkpoint identity.

A family is a training algorithm: a LightningModule with manual optimization whose `training_step`
writes out how its players are updated. A *player* is what one optimizer trains: D and G in a GAN,
both D's and both G's in CycleGAN, the encoder and decoder together in a VAE, one pair per level in
a pyramid. Each player has its optimizer and scheduler (`_partial_` config nodes, built here), its
own gradient clipping if it needs one, and whether torch.compile may compile its networks.

What a family gets here, and what it provides:
- `add_player(name, modules, optimizer, ...)` in its constructor; `update(name, loss)` and
  `toggled(name)` in `training_step`; `after_step(name)` after each update, where a mixin hooks in
  what must follow a player's step (the moving average of G: `LatentSampling`);
- `iteration`: training steps completed, one per batch whatever the optimizer steps in it. It is the
  unit of `trainer.max_steps` (see `gan_lightning.trainer`), log intervals, checkpoint intervals and
  schedules; Lightning keeps it with its loops' progress, in every checkpoint;
- `real_batches_per_step`: how many real minibatches one step takes (WGAN's critic steps each take
  their own); the datamodule asks for it, so `trainer.fit(model, datamodule)` from Python batches as
  the command line does;
- `log_train(terms)`: train/<name> for each term and train/lr_<player>, in the iterations Lightning writes;
- the family's name in every checkpoint, and a check on loading that the checkpoint holds this family
  (`checkpointing.py`);
- the random streams in checkpoints (exact resumption), clipping inside the optimizer step, compile;
- `settings`: what the Trainer's settings ask of the players (`TrainingSettings`), handed over by
  `gan_lightning.trainer.GANTrainer.fit`. Under a plain `lightning.Trainer` the family keeps the
  defaults, and refuses a `max_steps` (Lightning's counts optimizer steps, not iterations).

Networks and parts arrive as config nodes (`_target_`) and are built with `build`, so a checkpoint's
hyperparameters alone rebuild the model: `load_family(path).sample(16)` works in a fresh process.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from hydra.utils import instantiate
from lightning import Callback
from torch import Tensor, nn
from torch.optim import Optimizer

from gan_lightning.errors import ConfigError, DivergenceError
from gan_lightning.models.checkpointing import CheckpointState
from gan_lightning.models.settings import TrainingSettings

log = logging.getLogger(__name__)

Spec = Mapping[str, Any]  # a config node: {"_target_": "module.Class", ...}
SCHEDULER_INTERVALS = ("epoch", "iteration")
EXPLODED = 1e8  # a logged loss or score beyond this has diverged (losses of working runs stay far below)


def build(spec: Spec | None, **arguments: Any) -> Any:
    """Instantiate a config node with plain Python containers (and `arguments` set by the family);
    None stays None."""
    return None if spec is None else instantiate(spec, _convert_="all", **arguments)


@dataclass
class Player:
    """What one optimizer trains.

    Args:
        modules: the networks whose parameters it updates.
        optimizer: a `_partial_` optimizer config, called with those parameters.
        scheduler: a `_partial_` learning-rate scheduler config, or None.
        scheduler_interval: when the scheduler steps: after every "epoch" or every "iteration".
        gradient_clip: clip this player's gradients to this norm, whatever trainer.gradient_clip_val says.
        compile: whether trainer.compile=true compiles its networks; False where its loss
            differentiates through its own gradients (penalties, unrolling), which compiled graphs cannot.
        config_key: where its optimizer's config lives, for messages (model.<name>_optimizer by default).
    """

    modules: list[nn.Module]
    optimizer: Spec
    scheduler: Spec | None = None
    scheduler_interval: str = "epoch"
    gradient_clip: float | None = None
    compile: bool = True
    config_key: str = ""

    def parameters(self) -> Iterator[nn.Parameter]:
        for module in self.modules:
            yield from module.parameters()


class IterationSchedules(Callback):
    """Steps the players' per-iteration learning-rate schedules after each iteration (see Family)."""

    def on_train_batch_end(self, trainer: Any, pl_module: Family, *args: Any) -> None:
        pl_module.step_schedulers("iteration")


class Family(CheckpointState):
    """Base of every family; see the module docstring. Subclasses register their players in their
    constructor (optimizers are returned in that order) and write `training_step`."""

    real_batches_per_step = 1  # real minibatches one training step takes (served as one batch)

    def __init__(self):
        super().__init__()
        self.automatic_optimization = False
        self.players: dict[str, Player] = {}
        self.logging_step = True  # whether this iteration's step metrics are written: on_train_batch_start
        self.settings = TrainingSettings()  # GANTrainer.fit hands over the run's
        self.settings_given = False

    # Players and their updates.

    def add_player(self, name: str, modules: Iterable[nn.Module], optimizer: Spec, scheduler: Spec | None = None, **settings: Any) -> Player:
        if name in self.players:
            raise ValueError(f"{type(self).__name__} has two players named {name}")
        settings.setdefault("config_key", f"model.{name}_optimizer")
        if settings.get("scheduler_interval", "epoch") not in SCHEDULER_INTERVALS:
            raise ConfigError(f"model.scheduler_interval={settings['scheduler_interval']} is unknown: choose epoch or iteration")
        self.players[name] = Player(list(modules), optimizer, scheduler, **settings)
        return self.players[name]

    def configure_optimizers(self) -> tuple[list[Optimizer], list[Any]]:
        optimizers, schedulers = [], []
        for player in self.players.values():
            try:
                optimizer = build(player.optimizer)(player.parameters())
                optimizers.append(optimizer)
                if player.scheduler is not None:
                    schedulers.append(build(player.scheduler)(optimizer))
            except (ValueError, TypeError) as error:  # torch.optim's checks of lr, betas, ...
                raise ConfigError(f"{player.config_key} (or its scheduler) refuses its settings: {error}") from None
        return optimizers, schedulers

    def optimizer(self, name: str):
        """The (Lightning-wrapped) optimizer of player `name`."""
        optimizers = self.optimizers()
        optimizers = optimizers if isinstance(optimizers, list) else [optimizers]
        return optimizers[list(self.players).index(name)]

    def update(self, name: str, loss: Tensor) -> None:
        """One step of player `name` down `loss`: clear its gradients, backpropagate through Lightning
        (precision, DDP), step. Clipping, where asked for, happens inside the step (on_before_optimizer_step)."""
        optimizer = self.optimizer(name)
        optimizer.zero_grad(set_to_none=True)
        self.manual_backward(loss)
        optimizer.step()
        self.after_step(name)

    def update_in_parts(self, name: str, part_loss: Callable[[int], Tensor], parts: int) -> Tensor:
        """One step of player `name` down the mean of part_loss(0), ..., part_loss(parts - 1), each part
        backpropagated before the next is computed, so memory holds one part's graph: with equal parts of
        a batch, the step of a batch `parts` times larger (gradient accumulation: BigGAN's large batches
        on small memory; exact without BatchNorm, whose statistics are per part). Returns the mean loss."""
        optimizer = self.optimizer(name)
        optimizer.zero_grad(set_to_none=True)
        total = torch.zeros((), device=self.device)
        for part in range(parts):
            loss = part_loss(part) / parts
            self.manual_backward(loss)
            total = total + loss.detach()
        optimizer.step()
        self.after_step(name)
        return total

    def after_step(self, name: str) -> None:
        """What follows each step of player `name` (a sampling family's moving average: `LatentSampling`)."""

    @contextmanager
    def toggled(self, name: str) -> Iterator[None]:
        """Only player `name` computes gradients: the others' parameters are frozen meanwhile (G's step
        needs no gradients of D's weights)."""
        with self.toggled_optimizer(self.optimizer(name)):
            yield

    def step_schedulers(self, interval: str) -> None:
        """Step the schedulers of the players whose schedulers count `interval`s."""
        schedulers = self.lr_schedulers() or []  # Lightning returns None, one scheduler, or a list
        schedulers = schedulers if isinstance(schedulers, list) else [schedulers]
        scheduled = [player for player in self.players.values() if player.scheduler is not None]
        for player, scheduler in zip(scheduled, schedulers):
            if player.scheduler_interval == interval:
                scheduler.step()

    def on_train_epoch_end(self) -> None:
        self.step_schedulers("epoch")

    def configure_callbacks(self) -> list[Callback]:
        # Schedules in iterations step after each iteration, before any checkpoint of it is written:
        # Lightning runs checkpoint callbacks after the others, and a module's hooks after them all.
        per_iteration = any(p.scheduler is not None and p.scheduler_interval == "iteration" for p in self.players.values())
        return [IterationSchedules()] if per_iteration else []

    # Counting and logging.

    @property
    def iteration(self) -> int:
        """Training steps completed (the one running, during training_step, not yet): Lightning's count
        of processed training batches, one per step, saved and restored with its loops."""
        if self._trainer is None:
            return 0
        return self.trainer.fit_loop.epoch_loop.batch_progress.total.processed

    def on_train_batch_start(self, batch: Any, batch_idx: int) -> None:
        # Lightning writes step metrics every trainer.log_every_n_steps iterations and drops the others,
        # yet each self.log call took about 2 ms under the profiler: a fifth of an iteration of the 2D
        # benchmark's networks. Families log only in iterations whose values are written.
        every = self.trainer.log_every_n_steps
        self.logging_step = every > 0 and (self.iteration + 1) % every == 0

    def log_train(self, terms: Mapping[str, Tensor | float | None]) -> None:
        """train/<name> for each term that is not None, and train/lr_<player> for every player, in the
        iterations Lightning writes; the logging of a training step."""
        if not self.logging_step:
            return
        values = {f"train/{name}": value.detach() if isinstance(value, Tensor) else value for name, value in terms.items() if value is not None}
        if self.settings.detect_divergence:
            self.check_divergence(values)
        for name in self.players:
            values[f"train/lr_{name}"] = self.optimizer(name).param_groups[0]["lr"]
        losses = {key: value for key, value in values.items() if key.endswith("_loss")}
        self.log_dict(losses, prog_bar=True)  # the players' losses also in the progress bar
        self.log_dict({key: value for key, value in values.items() if key not in losses})

    def check_divergence(self, values: Mapping[str, Tensor | float]) -> None:
        """One message, and no checkpoint of the diverged state, when a logged number is no longer finite
        or has exploded (checked in the iterations Lightning writes, which read the numbers anyway)."""
        for name, value in values.items():
            number = float(value)
            if not math.isfinite(number) or abs(number) > EXPLODED:
                raise DivergenceError(
                    f"training diverged at iteration {self.iteration}: {name} = {number:.3g}. Lower the learning rates "
                    "(model.g_optimizer.lr, model.d_optimizer.lr); the run's checkpoints/last.ckpt keeps the last state "
                    "saved before. trainer.detect_divergence=false turns this check off"
                )

    # What the Trainer's settings ask of the players.

    def use_settings(self, settings: TrainingSettings) -> None:
        """The settings of the run about to start (GANTrainer.fit calls this)."""
        self.settings, self.settings_given = settings, True

    def setup(self, stage: str) -> None:
        if stage != "fit":
            return
        if not self.settings_given and self.trainer.max_steps > 0:
            raise ConfigError(
                f"lightning.Trainer(max_steps={self.trainer.max_steps}) counts optimizer steps, {len(self.players)} or more an iteration "
                f"of {type(self).__name__}: train with gan_lightning.trainer.GANTrainer, whose max_steps counts iterations"
            )
        for network in self.settings.channels_last_networks(self, self.trainer.strategy.root_device.type):
            network.to(memory_format=torch.channels_last)  # 4-D weights only; checkpoints load into either layout
        if self.settings.compile:
            self.compile_players()
        if any(self.gradient_clip(name)[0] for name in self.players):
            self.check_clipping_possible()

    def compile_players(self) -> None:
        """torch.compile every player's networks in place (state_dict keys unchanged, so checkpoints stay
        portable), except those of players that must stay eager."""
        for name, player in self.players.items():
            if not player.compile:
                log.info("trainer.compile: player %s stays eager (its loss differentiates through its gradients)", name)
                continue
            for module in player.modules:
                module.compile()

    def gradient_clip(self, name: str) -> tuple[float | None, str]:
        """(threshold or None, "norm" or "value") for player `name`: its own, else the trainer's."""
        own = self.players[name].gradient_clip
        if own:
            return own, "norm"
        return self.settings.gradient_clip_val, self.settings.gradient_clip_algorithm

    def on_before_optimizer_step(self, optimizer: Optimizer) -> None:
        # Lightning calls this inside optimizer.step(): under 16-mixed after the GradScaler has unscaled
        # the gradients (so the threshold is in true units) and before the update, which the scaler
        # skips when a gradient is not finite.
        name = next(name for name, opt in zip(self.players, self.trainer.optimizers) if opt is optimizer)
        threshold, algorithm = self.gradient_clip(name)
        if threshold:
            params = [p for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
            if algorithm == "value":
                torch.nn.utils.clip_grad_value_(params, threshold)
            else:
                torch.nn.utils.clip_grad_norm_(params, threshold)

    def check_clipping_possible(self) -> None:
        # Lightning's own clip_gradients refuses fused optimizers under any mixed precision, though only
        # a GradScaler unscales inside the step: that is the case refused here.
        scaler = getattr(self.trainer.precision_plugin, "scaler", None)
        fused = [name for name, player in self.players.items() if player.optimizer.get("fused")]
        if scaler is not None and fused:
            fix = " ".join(f"{self.players[name].config_key}.fused=false" for name in fused)
            raise ConfigError(
                f"gradient clipping with {self.trainer.precision} needs unscaled gradients, and a fused "
                f"optimizer only unscales them inside its step: turn fusing off with {fix}"
            )
