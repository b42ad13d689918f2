"""Lightning's Trainer, taking the settings that manual optimization leaves to the families."""

from __future__ import annotations

from typing import Any

from lightning import Trainer

from gan_lightning.errors import ConfigError


class GANTrainer(Trainer):
    """A `lightning.Trainer` that also takes `gradient_clip_val`, `gradient_clip_algorithm` and `compile`.

    Lightning refuses automatic gradient clipping under manual optimization, which every family uses,
    so the clipping settings are kept here and applied by the family in `on_before_optimizer_step`:
    after 16-mixed's GradScaler has unscaled the gradients, before the optimizer steps.
    `compile=True` has the family compile its networks with torch.compile before training.

    Args:
        gradient_clip_val: clip each optimizer's gradients to this norm (or value); None: no clipping.
        gradient_clip_algorithm: "norm" (the global 2-norm of the optimizer's gradients) or "value".
        compile: compile G and D with torch.compile (D stays eager where its loss needs double
            backward, as gradient penalties do: torch.compile cannot differentiate twice).
        Other arguments: those of `lightning.Trainer`.
    """

    def __init__(
        self,
        *,
        gradient_clip_val: float | None = None,
        gradient_clip_algorithm: str = "norm",
        compile: bool = False,  # noqa: A002 (the name users write: trainer.compile=true)
        **kwargs: Any,
    ):
        if gradient_clip_val is not None and gradient_clip_val < 0:
            raise ConfigError(f"trainer.gradient_clip_val must be positive or null, not {gradient_clip_val}")
        if gradient_clip_algorithm not in ("norm", "value"):
            raise ConfigError(f"trainer.gradient_clip_algorithm must be norm or value, not {gradient_clip_algorithm}")
        super().__init__(**kwargs)
        self.family_gradient_clip_val = gradient_clip_val or None
        self.family_gradient_clip_algorithm = gradient_clip_algorithm
        self.compile_networks = bool(compile)
