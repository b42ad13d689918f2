"""What every family's manual optimization needs: parts built from config, the D and G optimizers
with their per-epoch schedulers, one update, logging only in written iterations, and what the
Trainer's settings ask for: gradient clipping inside the optimizer step, torch.compile of the
networks, and the random streams in checkpoints for exact resumption.

Families use manual optimization, where Lightning does none of this, so these hooks live here and
both the noise-to-image families (`GANFamily`) and the image-to-image ones (`TranslationFamily`)
inherit them. The Trainer's settings come from `gan_lightning.trainer.GANTrainer`.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import torch
from hydra.utils import instantiate
from lightning import LightningModule
from torch import Tensor
from torch.nn import Parameter
from torch.optim import Optimizer

from gan_lightning.errors import ConfigError

log = logging.getLogger(__name__)

Spec = Mapping[str, Any]  # a config node: {"_target_": "module.Class", ...}


def build(spec: Spec | None) -> Any:
    """Instantiate a config node with plain Python containers; None stays None."""
    return None if spec is None else instantiate(spec, _convert_="all")


def rng_states() -> dict[str, Any]:
    """The random streams a training step can draw from: Python's, NumPy's, torch's on CPU and CUDA."""
    _, keys, position, has_gauss, cached_gaussian = np.random.get_state()
    numpy_state = {"keys": torch.from_numpy(keys.astype(np.int64)), "position": position, "has_gauss": has_gauss, "cached_gaussian": cached_gaussian}
    # Tensors and plain numbers only, so `torch.load(..., weights_only=True)` still reads the checkpoint.
    states = {"python": random.getstate(), "numpy": numpy_state, "torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def set_rng_states(states: dict[str, Any]) -> None:
    random.setstate(states["python"])
    numpy_state = states["numpy"]
    keys = numpy_state["keys"].numpy().astype(np.uint32)
    np.random.set_state(("MT19937", keys, numpy_state["position"], numpy_state["has_gauss"], numpy_state["cached_gaussian"]))
    torch.set_rng_state(states["torch"])
    if "cuda" in states and torch.cuda.is_available() and len(states["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(states["cuda"])


class TrainingControls(LightningModule):
    """Optimizers, updates and Lightning hooks for clipping, compiling and exact resumption; a family's
    own hooks call super(). A family has `hparams` d_optimizer, g_optimizer (`_partial_` optimizer
    configs) and d_scheduler, g_scheduler (`_partial_` scheduler configs or None), and an `iteration`."""

    iteration: int  # training steps completed: see the families

    def make_optimizers(self, d_parameters: Iterable[Parameter], g_parameters: Iterable[Parameter]) -> tuple[list[Optimizer], list[Any]]:
        """The optimizers in the order [D, G] (`self.optimizers()` returns them so), with their schedulers."""
        d_opt = build(self.hparams.d_optimizer)(d_parameters)
        g_opt = build(self.hparams.g_optimizer)(g_parameters)
        schedulers = [
            build(spec)(opt)
            for spec, opt in ((self.hparams.d_scheduler, d_opt), (self.hparams.g_scheduler, g_opt))
            if spec is not None
        ]
        return [d_opt, g_opt], schedulers

    def update(self, optimizer: Optimizer, loss: Tensor) -> None:
        """One manual update: clear the gradients, backpropagate through Lightning (AMP, DDP), step.
        Clipping, where trainer.gradient_clip_val asks for it, happens inside the step: see on_before_optimizer_step."""
        optimizer.zero_grad(set_to_none=True)
        self.manual_backward(loss)
        optimizer.step()

    def on_train_epoch_end(self) -> None:
        schedulers = self.lr_schedulers() or []  # Lightning returns None, one scheduler, or a list
        for scheduler in schedulers if isinstance(schedulers, list) else [schedulers]:
            scheduler.step()

    def on_train_batch_start(self, batch: Any, batch_idx: int) -> None:
        # Lightning writes step metrics every trainer.log_every_n_steps iterations and drops the others,
        # yet each self.log call took about 2 ms under the profiler: together a fifth of an iteration of
        # the 2D benchmark's networks. The families log only in iterations whose values are written
        # (the logger connector's test).
        every = self.trainer.log_every_n_steps
        self.logging_step = every > 0 and (self.iteration + 1) % every == 0

    def on_before_optimizer_step(self, optimizer: Optimizer) -> None:
        # Lightning calls this inside optimizer.step(): under 16-mixed after the GradScaler has unscaled
        # the gradients (so the threshold is in true units) and before the update, which the scaler
        # skips when a gradient is not finite.
        # (Lightning's clip_gradients refuses fused optimizers under any mixed precision, bf16's too,
        # though only a GradScaler unscales inside the step; check_clipping_possible catches that case.)
        clip_val = getattr(self.trainer, "family_gradient_clip_val", None)
        if clip_val:
            params = [p for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
            if self.trainer.family_gradient_clip_algorithm == "value":
                torch.nn.utils.clip_grad_value_(params, clip_val)
            else:
                torch.nn.utils.clip_grad_norm_(params, clip_val)

    @property
    def double_backward(self) -> bool:
        """Whether D's loss differentiates through D's own gradients (gradient penalties, unrolling)."""
        return getattr(self, "penalty", None) is not None

    def setup(self, stage: str) -> None:
        if stage == "fit" and getattr(self.trainer, "compile_networks", False):
            self.compile_networks()
        if stage == "fit" and getattr(self.trainer, "family_gradient_clip_val", None):
            self.check_clipping_possible()

    def compile_networks(self) -> None:
        """torch.compile the networks in place (state_dict keys unchanged, so checkpoints stay portable):
        every generator* and discriminator* submodule, the moving average aside. Discriminators stay
        eager when their loss needs double backward, which compiled graphs do not support."""
        for name, net in self.named_children():
            if name.endswith("_ema") or not name.startswith(("generator", "discriminator")):
                continue
            if name.startswith("discriminator") and self.double_backward:
                log.info("trainer.compile: %s stays eager (its loss differentiates through its gradients)", name)
                continue
            net.compile()

    def check_clipping_possible(self) -> None:
        scaler = getattr(self.trainer.precision_plugin, "scaler", None)
        fused = [name for name in ("d_optimizer", "g_optimizer") if self.hparams[name].get("fused")]
        if scaler is not None and fused:
            fix = " ".join(f"model.{name}.fused=false" for name in fused)
            raise ConfigError(
                f"trainer.gradient_clip_val with {self.trainer.precision} needs unscaled gradients, and a fused "
                f"optimizer only unscales them inside its step: turn fusing off with {fix}"
            )

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        super().on_save_checkpoint(checkpoint)
        # Lightning restores weights, optimizers, schedulers, EMA buffers, counters and (through
        # ResumableLoader) the data order; with the RNG streams too, a resumed run draws the same noise.
        # Every process saves (only rank 0 writes): each process's torch stream, which draws its noise.
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
        self._rng_states_to_restore = checkpoint.get("rng_states")

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
