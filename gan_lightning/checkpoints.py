"""Checkpoints: read without running anything they name, and written so a kill never leaves a broken one.

A checkpoint stores the family's name and the config nodes (`_target_: ...`) that rebuild its parts,
and tools instantiate those nodes. Loading goes through `read_checkpoint`, which runs nothing: the
file is read with `torch.load(weights_only=True)`, the family must be one of gan-lightning's, and
every `_target_` that a tool would instantiate (the model's hyperparameters, the run's data config)
must be a class or a module-level function of the packages a run is built from (`ALLOWED`). A
checkpoint that names anything else (`pathlib.Path.touch`, another package's family) is refused with
one line naming it. Your own networks or data in another package are allowed by naming its modules in
GAN_LIGHTNING_TRUSTED_MODULES (comma-separated), for checkpoints you made yourself.

`AtomicCheckpointIO` writes each checkpoint with `gan_lightning.cache.save_atomically` (a temporary
file in the same folder, flushed, renamed over the old one), so a process killed at any moment leaves
the previous complete file; Lightning's own save goes through a temporary file in TMPDIR, moved
across file systems, and a failed save went unreported.
"""

from __future__ import annotations

import importlib
import os
import pickle
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from lightning.fabric.plugins import TorchCheckpointIO

from gan_lightning.cache import save_atomically
from gan_lightning.errors import CheckpointError

# What a checkpoint's config nodes may name: where gan-lightning's parts, data, schedules and the
# optimizers they use are defined.
ALLOWED = (
    "gan_lightning.nets", "gan_lightning.losses", "gan_lightning.priors", "gan_lightning.data",
    "gan_lightning.schedules", "torch.optim",
)  # fmt: skip
FAMILY_PACKAGE = "gan_lightning.models"
TRUST_VARIABLE = "GAN_LIGHTNING_TRUSTED_MODULES"


def trusted_modules() -> tuple[str, ...]:
    return tuple(name.strip() for name in os.environ.get(TRUST_VARIABLE, "").split(",") if name.strip())


def _inside(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def targets(tree: Any) -> Iterator[str]:
    """Every `_target_` value in a nest of dicts and lists."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key == "_target_":
                yield value
            else:
                yield from targets(value)
    elif isinstance(tree, (list, tuple)):
        for value in tree:
            yield from targets(value)


def allowed_target(name: Any) -> bool:
    """Whether `name` is a class, or a function at module level, defined in an allowed package. The name
    is checked before anything is imported, then what it resolves to (a path through an attribute,
    such as gan_lightning.data.base.torch.save, resolves to something defined elsewhere)."""
    packages = ALLOWED + trusted_modules()
    if not isinstance(name, str) or not _inside(name, packages):
        return False
    module_name, _, attribute = name.rpartition(".")
    while module_name:
        try:
            module = importlib.import_module(module_name)
            break
        except ImportError:
            module_name, _, head = module_name.rpartition(".")
            attribute = f"{head}.{attribute}"
    else:
        return False
    found: Any = module
    for part in attribute.split("."):
        found = getattr(found, part, None)
    if not (isinstance(found, type) or callable(found)):
        return False
    defined_in = getattr(found, "__module__", None) or ""
    return _inside(defined_in, packages) and "." not in getattr(found, "__qualname__", ".")


def family_class(name: Any, path: Path) -> type:
    """The family class a checkpoint names, if it is one of the package's (or a trusted module's)."""
    from gan_lightning.models.base import Family

    family = Family.FAMILIES.get(name) if isinstance(name, str) else None
    if family is None or not _inside(family.__module__, (FAMILY_PACKAGE, *trusted_modules())):
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


class AtomicCheckpointIO(TorchCheckpointIO):
    """Writes checkpoints whole or not at all, and reads them as `read_checkpoint` does."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: str | Path, storage_options: Any = None) -> None:
        path = Path(path)
        try:
            save_atomically(checkpoint, path)
        except OSError as error:
            raise CheckpointError(
                f"cannot write checkpoints into {path.parent} ({error.strerror or error}): free space or make it "
                "writable, or write the run elsewhere with hydra.run.dir=..."
            ) from error

    def load_checkpoint(self, path: str | Path, map_location: Any = None, weights_only: bool | None = None) -> dict[str, Any]:
        return read_checkpoint(path, map_location if map_location is not None else "cpu")
