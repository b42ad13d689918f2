"""A family's checkpoints: what they hold besides Lightning's state (the family's name, checked when a
checkpoint is loaded, and the random streams a training step draws from, so a resumed run draws the
same noise: on CPU the same losses, bit for bit), and reading them without running anything they name
(`read_checkpoint`, under the rules of `gan_lightning.checkpoints`) into a family (`load_family`).
Saving refuses a family that keeps tensors outside its state_dict (`untracked_state`), which a resumed
run would silently lose."""

from __future__ import annotations

import pickle
import random
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from lightning import LightningModule
from torch import Tensor

from gan_lightning.checkpoints import FAMILY_PACKAGE, TRUST_VARIABLE, allowed_target, inside, targets, trusted_modules
from gan_lightning.errors import CheckpointError


def rng_states() -> dict[str, Any]:
    """Python's, NumPy's and torch's streams on CPU and CUDA, as tensors and plain numbers only, so
    `torch.load(..., weights_only=True)` still reads the checkpoint."""
    _, keys, position, has_gauss, cached_gaussian = np.random.get_state()
    numpy_state = {"keys": torch.from_numpy(keys.astype(np.int64)), "position": position, "has_gauss": has_gauss, "cached_gaussian": cached_gaussian}
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


def untracked_state(module: torch.nn.Module) -> list[str]:
    """The public attributes of `module` and its submodules that hold tensors outside the state_dict
    (a tensor, or a list, tuple or dict of them, not registered as a parameter or buffer): training
    state a checkpoint would lose. A module that keeps such state privately saves it itself (its
    get_extra_state, as ImagePool)."""
    found = []
    for prefix, sub in module.named_modules():
        for name, value in vars(sub).items():
            if name.startswith("_"):
                continue
            values = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else (value,)
            if any(isinstance(item, Tensor) for item in values):
                found.append(f"{prefix}.{name}" if prefix else name)
    return found


class CheckpointState(LightningModule):
    """Mixed into `Family`: the family's name and the random streams in every checkpoint, loading that
    checks them (and, through `read_checkpoint`, runs nothing foreign), and
    one message when a checkpoint's networks are not this config's."""

    FAMILIES: ClassVar[dict[str, type[CheckpointState]]] = {}  # every family class, by the name checkpoints store

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        CheckpointState.FAMILIES[cls.qualified_name()] = cls

    @classmethod
    def qualified_name(cls) -> str:
        return f"{cls.__module__}.{cls.__qualname__}"

    @classmethod
    def load_from_checkpoint(cls, checkpoint_path: Any, map_location: Any = None, **kwargs: Any) -> CheckpointState:
        """Lightning's loader, but through `read_checkpoint`, which checks the file
        (it runs nothing a checkpoint names outside gan-lightning): read once, then `from_checkpoint`.
        `kwargs` override stored hyperparameters, as Lightning's do."""
        return cls.from_checkpoint(read_checkpoint(checkpoint_path, "cpu" if map_location is None else map_location), checkpoint_path, **kwargs)

    @classmethod
    def from_checkpoint(cls, checkpoint: dict[str, Any], path: Any, **kwargs: Any) -> CheckpointState:
        """This family rebuilt from a checkpoint `read_checkpoint` has read and checked, on the device its
        tensors were read onto. Lightning's `_load_state` builds it from the dict: its public loader
        takes only a file, which it would read (and unpickle) again."""
        from lightning.pytorch.core.saving import _load_state

        stored = checkpoint["family"]
        if stored != cls.qualified_name():
            raise CheckpointError(f"{path} holds {stored.rsplit('.', 1)[-1]}, not {cls.__name__}: load it with gan_lightning.models.load_family")
        try:
            model = _load_state(cls, checkpoint, strict=True, **kwargs)
        except TypeError as error:  # its stored settings are not this family's constructor's
            raise CheckpointError(
                f"{path} says it holds {cls.__name__}, but its settings do not build one ({error}): the file was "
                "altered, or written by another version of gan-lightning"
            ) from None
        device = next((t.device for t in checkpoint["state_dict"].values() if isinstance(t, Tensor)), torch.device("cpu"))
        return model.to(device)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        untracked = untracked_state(self)
        if untracked:  # a family's mistake, not the user's: found by the tests that checkpoint every preset
            raise RuntimeError(
                f"{type(self).__name__} keeps training state outside its state_dict ({', '.join(untracked)}), which a resumed run "
                "would lose: register it as a buffer, or give its module get_extra_state and set_extra_state (see models/image_pool.py)"
            )
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


def family_class(name: Any, path: Path) -> type:
    """The family class a checkpoint names, if it is one of the package's (or a trusted module's)."""
    family = CheckpointState.FAMILIES.get(name) if isinstance(name, str) else None
    if family is None or not inside(family.__module__, (FAMILY_PACKAGE, *trusted_modules())):
        raise CheckpointError(
            f"{path} names the model family {name!r}, which is not one of gan-lightning's: it was not made by "
            f"gan-lightning, or comes from code you must trust first ({TRUST_VARIABLE}=its.module)"
        )
    return family


def read_checkpoint(ckpt_path: str | Path, map_location: str | torch.device = "cpu") -> dict:
    """A gan-lightning checkpoint as a dict (state, hyperparameters, `family`, run `config`), checked as
    the module docstring says; missing, unreadable, foreign or unsafe files raise CheckpointError."""
    path = Path(ckpt_path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}: pass the path of a .ckpt file from a run's checkpoints/ folder")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, ValueError, OSError) as error:
        raise CheckpointError(
            f"{path} is not a readable checkpoint ({error.__class__.__name__}): it may be truncated, not a .ckpt "
            "file, or hold objects other than tensors and plain values"
        ) from error
    if not isinstance(checkpoint, dict) or "family" not in checkpoint or "state_dict" not in checkpoint:
        raise CheckpointError(f"{path} is not a gan-lightning checkpoint: it names no model family")
    family_class(checkpoint["family"], path)
    instantiated = [checkpoint.get("hyper_parameters", {}), (checkpoint.get("config") or {}).get("data", {})]
    refused = sorted({str(name) for name in targets(instantiated) if not allowed_target(name)})
    if refused:
        raise CheckpointError(
            f"{path} asks to build {', '.join(refused)}, which is not part of gan-lightning: refused, nothing was run "
            f"(for your own modules in a checkpoint you made, set {TRUST_VARIABLE})"
        )
    return checkpoint


def load_family(ckpt_path: str | Path, map_location: str | torch.device = "cpu", checkpoint: dict | None = None):
    """Load any family's checkpoint without naming its class; bad or unsafe files raise CheckpointError.
    The file is read once; `checkpoint`: what `read_checkpoint(ckpt_path, map_location)` returned, for a
    caller that has read it already (then it is not read again)."""
    path = Path(ckpt_path)
    checkpoint = read_checkpoint(path, map_location) if checkpoint is None else checkpoint
    return family_class(checkpoint["family"], path).from_checkpoint(checkpoint, path)
