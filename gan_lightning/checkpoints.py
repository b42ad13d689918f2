"""What a checkpoint may name: the trust rules every read of a checkpoint applies, and nothing else.

A checkpoint stores the family's name and the config nodes (`_target_: ...`) that rebuild its parts,
and tools instantiate those nodes. Every `_target_` that a tool would instantiate (the model's
hyperparameters, the run's data config) must be a class or a module-level function of the packages a
run is built from (`ALLOWED`). A checkpoint that names anything else (`pathlib.Path.touch`, another
package's family) is refused with one line naming it. Your own networks or data in another package
are allowed by naming its modules in GAN_LIGHTNING_TRUSTED_MODULES (comma-separated), for
checkpoints you made yourself.

The reading itself (`torch.load(weights_only=True)`, once per command, the family checked) is
`gan_lightning.models.checkpointing.read_checkpoint`; the writing, whole or not at all, is
`gan_lightning.trainer.AtomicCheckpointIO`.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from typing import Any

# What a checkpoint's config nodes may name: where gan-lightning's parts, data, schedules and the
# optimizers they use are defined.
ALLOWED = (
    "gan_lightning.nets", "gan_lightning.losses", "gan_lightning.priors", "gan_lightning.attribute_priors", "gan_lightning.data",
    "gan_lightning.schedules", "torch.optim",
)  # fmt: skip
FAMILY_PACKAGE = "gan_lightning.models"
TRUST_VARIABLE = "GAN_LIGHTNING_TRUSTED_MODULES"


def trusted_modules() -> tuple[str, ...]:
    return tuple(name.strip() for name in os.environ.get(TRUST_VARIABLE, "").split(",") if name.strip())


def inside(module: str, packages: tuple[str, ...]) -> bool:
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
    if not isinstance(name, str) or not inside(name, packages):
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
    return inside(defined_in, packages) and "." not in getattr(found, "__qualname__", ".")
