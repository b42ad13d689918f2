"""What every family shares: named players, the iteration count, one logging call, checkpoint identity.

A family is a training algorithm: a LightningModule with manual optimization whose `training_step`
writes out how its players are updated. A *player* is what one optimizer trains: D and G in a GAN,
both D's and both G's in CycleGAN, the encoder and decoder together in a VAE, one pair per level in
a pyramid. Each player has its optimizer and scheduler (`_partial_` config nodes, built here), its
own gradient clipping if it needs one, and whether torch.compile may compile its networks.

What a family gets here, and what it provides:
- `add_player(name, modules, optimizer, ...)` in its constructor; `update(name, loss)` and
  `toggled(name)` in `training_step`;
- `iteration`: training steps completed, one per batch whatever the optimizer steps in it. It is the
  unit of `trainer.max_steps` (see `gan_lightning.trainer`), log intervals, checkpoint intervals and
  schedules; Lightning keeps it with its loops' progress, in every checkpoint;
- `real_batches_per_step`: how many real minibatches one step takes (WGAN's critic steps each take
  their own); the datamodule asks for it, so `trainer.fit(model, datamodule)` from Python batches as
  the command line does;
- `log_train(terms)`: train/<name> for each term and train/lr_<player>, in the iterations Lightning writes;
- the family's name in every checkpoint, and a check on loading that the checkpoint holds this family;
- the random streams in checkpoints (exact resumption), clipping inside the optimizer step, compile.

Networks and parts arrive as config nodes (`_target_`) and are built with `build`, so a checkpoint's
hyperparameters alone rebuild the model: `load_family(path).sample(16)` works in a fresh process.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from hydra.utils import instantiate
from lightning import LightningModule
from torch import Tensor, nn
from torch.optim import Optimizer

from gan_lightning.errors import CheckpointError, ConfigError, DivergenceError
from gan_lightning.models.rng import rng_states, set_rng_states

log = logging.getLogger(__name__)

Spec = Mapping[str, Any]  # a config node: {"_target_": "module.Class", ...}
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
        scheduler: a `_partial_` learning-rate scheduler config, stepped once per epoch, or None.
        gradient_clip: clip this player's gradients to this norm, whatever trainer.gradient_clip_val says.
        compile: whether trainer.compile=true compiles its networks; False where its loss
            differentiates through its own gradients (penalties, unrolling), which compiled graphs cannot.
        config_key: where its optimizer's config lives, for messages (model.<name>_optimizer by default).
    """

    modules: list[nn.Module]
    optimizer: Spec
    scheduler: Spec | None = None
    gradient_clip: float | None = None
    compile: bool = True
    config_key: str = ""

    def parameters(self) -> Iterator[nn.Parameter]:
        for module in self.modules:
            yield from module.parameters()


class Family(LightningModule):
    """Base of every family; see the module docstring. Subclasses register their players in their
    constructor (optimizers are returned in that order) and write `training_step`."""

    FAMILIES: ClassVar[dict[str, type[Family]]] = {}  # every family class, by the name checkpoints store
    real_batches_per_step = 1  # real minibatches one training step takes (served as one batch)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Family.FAMILIES[cls.qualified_name()] = cls

    @classmethod
    def qualified_name(cls) -> str:
        return f"{cls.__module__}.{cls.__qualname__}"

    def __init__(self):
        super().__init__()
        self.automatic_optimization = False
        self.players: dict[str, Player] = {}
        self.logging_step = True  # whether this iteration's step metrics are written: on_train_batch_start

    @classmethod
    def load_from_checkpoint(cls, checkpoint_path: Any, map_location: Any = None, **kwargs: Any) -> Family:
        """Lightning's loader, after `gan_lightning.checkpoints.read_checkpoint` has checked the file (it
        runs nothing a checkpoint names outside gan-lightning) and that it holds this family."""
        from gan_lightning.checkpoints import read_checkpoint

        stored = read_checkpoint(checkpoint_path)["family"]
        if stored != cls.qualified_name():
            raise CheckpointError(f"{checkpoint_path} holds {stored.rsplit('.', 1)[-1]}, not {cls.__name__}: load it with gan_lightning.models.load_family")
        return super().load_from_checkpoint(checkpoint_path, map_location=map_location, weights_only=True, **kwargs)

    # Players and their updates.

    def add_player(self, name: str, modules: Iterable[nn.Module], optimizer: Spec, scheduler: Spec | None = None, **settings: Any) -> Player:
        if name in self.players:
            raise ValueError(f"{type(self).__name__} has two players named {name}")
        settings.setdefault("config_key", f"model.{name}_optimizer")
        self.players[name] = Player(list(modules), optimizer, scheduler, **settings)
        return self.players[name]

    def configure_optimizers(self) -> tuple[list[Optimizer], list[Any]]:
        optimizers, schedulers = [], []
        for name, player in self.players.items():
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

    @contextmanager
    def toggled(self, name: str) -> Iterator[None]:
        """Only player `name` computes gradients: the others' parameters are frozen meanwhile (G's step
        needs no gradients of D's weights)."""
        with self.toggled_optimizer(self.optimizer(name)):
            yield

    def on_train_epoch_end(self) -> None:
        schedulers = self.lr_schedulers() or []  # Lightning returns None, one scheduler, or a list
        for scheduler in schedulers if isinstance(schedulers, list) else [schedulers]:
            scheduler.step()

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
        iterations Lightning writes; the one logging call of a training step."""
        if not self.logging_step:
            return
        values = {f"train/{name}": value.detach() if isinstance(value, Tensor) else value for name, value in terms.items() if value is not None}
        if getattr(self._trainer, "detect_divergence", True):
            self.check_divergence(values)
        for name in self.players:
            values[f"train/lr_{name}"] = self.optimizer(name).param_groups[0]["lr"]
        self.log_dict(values)

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

    def setup(self, stage: str) -> None:
        if stage != "fit":
            return
        if getattr(self.trainer, "compile_networks", False):
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
        return getattr(self._trainer, "family_gradient_clip_val", None), getattr(self._trainer, "family_gradient_clip_algorithm", "norm")

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

    # Checkpoints: which family they hold, and the random streams for exact resumption.

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint["family"] = self.qualified_name()  # load_family() rebuilds it without being told its class
        checkpoint["iteration"] = self.iteration
        # Lightning restores weights, optimizers, schedulers, counters and (through ResumableLoader) the
        # data order; with the random streams too, a resumed run draws the same noise. Every process
        # saves its own torch stream (only rank 0 writes), from which it draws its noise.
        states = rng_states()
        if self.trainer.world_size > 1:
            states["torch_per_process"] = self.gather_from_processes(torch.get_rng_state())
            if self.device.type == "cuda":
                states["cuda_per_process"] = self.gather_from_processes(torch.cuda.get_rng_state(self.device))
        checkpoint["rng_states"] = states

    def gather_from_processes(self, state: Tensor) -> Tensor:
        """Every process's `state` (a byte tensor of the same size everywhere), stacked in rank order."""
        local = state.to(self.device)
        gathered = [torch.empty_like(local) for _ in range(self.trainer.world_size)]
        torch.distributed.all_gather(gathered, local)
        return torch.stack(gathered).cpu()

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        stored = checkpoint.get("family")
        if stored != self.qualified_name():
            held = stored.rsplit(".", 1)[-1] if isinstance(stored, str) else "no model family"
            raise CheckpointError(
                f"the checkpoint holds {held}, not {type(self).__name__}: load it with gan_lightning.models.load_family, "
                f"or resume it with the model it was trained with"
            )
        self._rng_states_to_restore = checkpoint.get("rng_states")

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False):
        try:
            return super().load_state_dict(state_dict, strict=strict, assign=assign)
        except RuntimeError as error:
            detail = str(error).splitlines()[1].strip() if len(str(error).splitlines()) > 1 else str(error)
            raise CheckpointError(
                f"the checkpoint's {type(self).__name__} has other networks than this config builds ({detail}): "
                "resume it with the config it was trained with (its run's config.yaml)"
            ) from None

    def on_train_start(self) -> None:
        # Restored here rather than on loading: building the model, loaders and callbacks after the
        # checkpoint is read must not move the streams the training steps draw from.
        states, self._rng_states_to_restore = getattr(self, "_rng_states_to_restore", None), None
        rank, world_size = self.trainer.global_rank, self.trainer.world_size
        if states is not None:
            set_rng_states(states)
            per_process = states.get("torch_per_process")
            if per_process is not None and len(per_process) == world_size:
                torch.set_rng_state(per_process[rank].clone())  # a view into the stack segfaults
                if "cuda_per_process" in states and self.device.type == "cuda":
                    torch.cuda.set_rng_state(states["cuda_per_process"][rank].clone(), self.device)
                return
        if rank > 0:
            # seed_everything gives every process the same seed (hence the same initial weights); from
            # here on each must draw its own noise, or all would train on the same fake batch.
            torch.manual_seed(hash((torch.initial_seed(), rank)) % 2**62)
