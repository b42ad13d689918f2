"""Built-in clips: one moving shape or one moving digit on a still background, drawn from a seed.

Both domains share one motion model: over a clip's frames the object's centre, size, rotation and
colour move linearly between two random draws, so every frame follows smoothly from the one before
and a next frame is predictable from the two before it (what Recycle-GAN's predictors learn). Only
the object differs: one of the five shapes, or one of scikit-learn's 1,797 digits, drawn at 4x the
size and box-filtered down like the still shapes (`gan_lightning.data.shapes`). Clip i of a domain
is a function of (seed, domain, i) alone. Written by hand: no package ships short clips with known,
smooth motion (Moving MNIST is a download, grey, and its digits only slide).

Recycle-GAN maps the shapes to the digits (`data=moving_clips`, `gan_lightning.data.video`); VGAN
generates the shapes' clips (`data=moving_shapes`, `MovingShapesDataModule`).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from PIL import Image
from sklearn.datasets import load_digits
from torch import Tensor
from torch.utils.data import Dataset

from gan_lightning.data.base import GANDataModule
from gan_lightning.data.shapes import FOREGROUNDS, SHAPES, SUPERSAMPLING, shape_mask
from gan_lightning.errors import DataError

KINDS = ("shapes", "digits")
CENTRE = (0.42, 0.58)  # the object's centre, as fractions of the side
SIZE = (0.85, 1.0)  # a digit's side (a shape's diameter x 0.7), as a fraction of the frame's side
MAX_TURN = math.radians(20)  # rotation either way: digits stay readable
DARK_BACKGROUNDS = ((15, 15, 25), (45, 30, 80), (20, 65, 45))  # the still shapes' near-black, indigo and dark green


def draw_motion(rng: np.random.Generator, frames: int) -> dict[str, np.ndarray]:
    """Per frame: centre x, y and size (fractions of the side), rotation (radians) and colour (RGB),
    each moving linearly from one random draw to another over the clip."""
    path = np.linspace(0.0, 1.0, frames)

    def between(start, end) -> np.ndarray:
        start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
        return start + np.multiply.outer(path, end - start)

    first, last = rng.choice(len(FOREGROUNDS), size=2, replace=False)
    return {
        "x": between(*rng.uniform(*CENTRE, size=2)), "y": between(*rng.uniform(*CENTRE, size=2)),
        "size": between(*rng.uniform(*SIZE, size=2)), "rotation": between(*rng.uniform(-MAX_TURN, MAX_TURN, size=2)),
        "colour": between(FOREGROUNDS[first], FOREGROUNDS[last]),
    }  # fmt: skip


def digit_glyphs() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits as (N, 8, 8) uint8 masks (0-255) and their labels."""
    digits = load_digits()
    return (digits.images * (255 / 16)).round().astype(np.uint8), digits.target


def paint(mask: Image.Image, colour: np.ndarray, background: tuple[int, int, int], size: int) -> np.ndarray:
    """The object (a supersampled mask) in `colour` on `background`, box-filtered down to (size, size, 3) uint8."""
    canvas = Image.new("RGB", mask.size, background)
    canvas.paste(tuple(int(round(c)) for c in colour), (0, 0, *mask.size), mask=mask)
    return np.asarray(canvas.resize((size, size), Image.Resampling.BOX))


def digit_mask(glyph: np.ndarray, x: float, y: float, size: float, rotation: float, side: int) -> Image.Image:
    """A (side, side) mask of an 8x8 glyph scaled to `size` of the side, turned by `rotation`, centred at (x, y)."""
    extent = max(int(round(size * side)), 1)
    turned = Image.fromarray(glyph, "L").resize((extent, extent), Image.Resampling.BILINEAR)
    turned = turned.rotate(math.degrees(rotation), resample=Image.Resampling.BICUBIC, expand=True)
    mask = Image.new("L", (side, side), 0)
    mask.paste(turned, (int(round(x * side - turned.width / 2)), int(round(y * side - turned.height / 2))))
    return mask


def moving_clip(kind: str, seed: int, index: int, frames: int, size: int, glyphs: np.ndarray) -> tuple[np.ndarray, int]:
    """Clip `index` of domain `kind` under `seed`: (frames, size, size, 3) uint8, and its object's
    class (the shape, or the digit's index into `glyphs`)."""
    rng = np.random.default_rng([seed, KINDS.index(kind), index])
    which = int(rng.integers(len(SHAPES) if kind == "shapes" else len(glyphs)))
    background = DARK_BACKGROUNDS[int(rng.integers(len(DARK_BACKGROUNDS)))]
    motion = draw_motion(rng, frames)
    side = size * SUPERSAMPLING
    pictures = []
    for t in range(frames):
        x, y, extent, rotation = (float(motion[name][t]) for name in ("x", "y", "size", "rotation"))
        if kind == "shapes":
            mask = shape_mask(SHAPES[which], x, y, 0.35 * extent, rotation, side)
        else:
            mask = digit_mask(glyphs[which], x, y, extent, rotation, side)
        pictures.append(paint(mask, motion["colour"][t], background, size))
    return np.stack(pictures), which


class ClipSet(Dataset):
    """`count` moving-shape clips under `seed`, served as {"image": (3, T, H, W) in [-1, 1]}: what an
    image family's batches hold, one clip an item. Each clip is drawn when first asked for and kept
    (as uint8): a data set is ready at once, and its first epoch draws it."""

    def __init__(self, count: int, frames: int, size: int, seed: int):
        self.frames, self.size, self.seed = frames, size, seed
        self.clips: list[Tensor | None] = [None] * count

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        if self.clips[index] is None:
            drawn = moving_clip("shapes", self.seed, index, self.frames, self.size, np.zeros(0))[0]  # (T, H, W, 3)
            self.clips[index] = torch.from_numpy(drawn).permute(3, 0, 1, 2).contiguous()  # (3, T, H, W)
        return {"image": self.clips[index].float() / 127.5 - 1}


class MovingShapesDataModule(GANDataModule):
    """Built-in clips to generate (VGAN): one moving shape on a still background a clip (the moving
    shapes of `data=moving_clips`), as (3, frames, H, W) samples.
    Scored frame by frame on the shapes classifier's features (`metrics.backbone=auto`).

    Args:
        image_size: side of the frames (32).
        frames: frames a clip (16).
        clips: clips in the data set, train and validation splits together.
        seed: the seed the clips are drawn from.
        channels: 3, in the config for the networks.
        Loader arguments: see GANDataModule.
    """

    metrics_backbone = "shapes_classifier"

    def __init__(self, image_size: int = 32, frames: int = 16, clips: int = 1000, seed: int = 0, channels: int = 3, **loader_args):
        super().__init__(**loader_args)
        if channels != 3:
            raise DataError(f"the moving shapes are coloured: data.channels must be 3, not {channels}")
        if frames < 2 or clips < 1:
            raise DataError(f"data.frames must be 2 or more and data.clips 1 or more, not {frames} and {clips}")
        self.image_size, self.frames, self.clips, self.seed, self.channels = image_size, frames, clips, seed, channels

    def load(self) -> ClipSet:
        return ClipSet(self.clips, self.frames, self.image_size, self.seed)
