"""The OmegaConf resolvers the configs use, registered when `gan_lightning` is imported (before any
config is composed or loaded)."""

from __future__ import annotations

from omegaconf import OmegaConf


def hole_side(patch_size: int, hole: float) -> int:
    """The side in pixels of a square hole that is `hole` of a `patch_size`-pixel patch's side
    (`data=inpainting`); `${hole_side:${data.patch_size},${data.hole}}` in a config."""
    return int(round(patch_size * hole))


OmegaConf.register_new_resolver("hole_side", hole_side, replace=True)
