"""What the Trainer's settings ask of a family's players, handed over by GANTrainer.fit (`Family.settings`)."""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn


@dataclass(frozen=True)
class TrainingSettings:
    """What the Trainer's settings ask of a family's players (see `gan_lightning.trainer.GANTrainer`).

    Args:
        max_iterations: the run's length in iterations (-1: no limit but the epochs).
        gradient_clip_val, gradient_clip_algorithm: clip each player's gradients ("norm" or "value"),
            unless the player clips its own.
        compile: torch.compile the players' networks (those that may be).
        channels_last: store the convolution weights channels-last: True (every network), False, or
            "auto" (the networks measured faster so on the run's device type: `channels_last_networks`).
        detect_divergence: stop with one message when a logged number or a weight is no longer finite.
    """

    max_iterations: int = -1
    gradient_clip_val: float | None = None
    gradient_clip_algorithm: str = "norm"
    compile: bool = False
    channels_last: bool | str = "auto"
    detect_divergence: bool = True

    def channels_last_networks(self, family: nn.Module, device_type: str) -> list[nn.Module]:
        """The networks of `family` to store channels-last: all (True), none (False), or under "auto"
        those whose class lists `device_type` in `channels_last_faster_on`, where the layout was
        measured faster (bench/peers.py)."""
        if self.channels_last != "auto":
            return [family] if self.channels_last else []
        return [module for module in family.modules() if device_type in getattr(module, "channels_last_faster_on", ())]
