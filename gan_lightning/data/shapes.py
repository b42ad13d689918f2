"""Shapes: built-in RGB images drawn from a seed, each with the factors it was drawn from, so that
conditioning, latent editing and style mixing can be scored, not only looked at.

Each image is one shape on a plain background. Coarse factors: which shape (`label`), its position
(x, y: the centre, as fractions of the side) and scale (radius over side), and its rotation; fine
factors: the foreground colour, the background colour and the texture of the shape's fill (solid,
stripes, checks). Image i is a function of (seed, i) alone: drawn at 4x the size and box-filtered
down, so edges are antialiased the same way on every machine. Written by hand: no library ships
such a data set with its factors (dSprites is grey and fixed at 64x64, 3D Shapes is a download).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw
from torch import Tensor
from torch.utils.data import Dataset

from gan_lightning.data.base import GANDataModule
from gan_lightning.errors import DataError

SHAPES = ("circle", "square", "triangle", "star", "cross")
FOREGROUNDS = ((230, 60, 60), (60, 200, 80), (70, 110, 240), (240, 200, 50), (200, 80, 220), (60, 210, 220))  # fmt: skip
BACKGROUNDS = ((15, 15, 25), (75, 75, 75), (45, 30, 80), (20, 65, 45))  # near-black, grey, indigo, dark green
TEXTURES = ("solid", "stripes", "checks")
POSITION, SCALE = (0.3, 0.7), (0.15, 0.3)  # centre range and radius range, as fractions of the side
SUPERSAMPLING = 4
CATEGORICAL = {"shape": len(SHAPES), "foreground": len(FOREGROUNDS), "background": len(BACKGROUNDS), "texture": len(TEXTURES)}
CONTINUOUS = ("x", "y", "scale", "rotation")
RANGES = {"x": POSITION, "y": POSITION, "scale": SCALE}
# Captions: the shape, colours and texture in words, in one of four phrasings (StackGAN's text on shapes).
SHAPE_WORDS = SHAPES
FOREGROUND_WORDS = ("red", "green", "blue", "yellow", "purple", "cyan")
BACKGROUND_WORDS = ("black", "grey", "indigo", "dark green")
TEXTURE_WORDS = ("plain", "striped", "checked")
PHRASINGS = (
    "a {foreground} {texture} {shape} on a {background} background",
    "a {texture} {shape} in {foreground} over {background}",
    "{background} background with a {foreground} {shape} that is {texture}",
    "there is a {shape} , {foreground} and {texture} , on {background}",
)
_NAMES = (*SHAPE_WORDS, *FOREGROUND_WORDS, *BACKGROUND_WORDS, *TEXTURE_WORDS)
VOCABULARY = ("<pad>", *sorted({w for phrasing in PHRASINGS for w in phrasing.split() if not w.startswith("{")} | {w for name in _NAMES for w in name.split()}))
CAPTION_LENGTH = 12  # words, the longest phrasing's; shorter captions are padded with <pad> (0)  # the continuous attributes, mapped to [-1, 1]
ATTRIBUTE_DIM = sum(CATEGORICAL.values()) + len(RANGES)  # 21: one-hot shape, colours and texture; x, y, scale


def draw_factors(seed: int, index: int) -> dict[str, float | int]:
    """The factors of image `index` under `seed`: a function of the two alone."""
    rng = np.random.default_rng([seed, index])
    return {
        "shape": int(rng.integers(len(SHAPES))), "x": float(rng.uniform(*POSITION)), "y": float(rng.uniform(*POSITION)),
        "scale": float(rng.uniform(*SCALE)), "rotation": float(rng.uniform(0, 2 * math.pi)),
        "foreground": int(rng.integers(len(FOREGROUNDS))), "background": int(rng.integers(len(BACKGROUNDS))),
        "texture": int(rng.integers(len(TEXTURES))),
    }  # fmt: skip


def outline(shape: str, cx: float, cy: float, radius: float, rotation: float) -> list[tuple[float, float]]:
    """The polygon of a shape (unit outline scaled by `radius`, turned by `rotation`, centred at cx, cy)."""
    if shape == "square":
        unit = [(math.cos(a), math.sin(a)) for a in (math.pi / 4 + k * math.pi / 2 for k in range(4))]
    elif shape == "triangle":
        unit = [(math.cos(a), math.sin(a)) for a in (-math.pi / 2 + k * 2 * math.pi / 3 for k in range(3))]
    elif shape == "star":  # five points, inner radius 0.45
        unit = [(r * math.cos(a), r * math.sin(a)) for k in range(10) for r, a in [((1.0, 0.45)[k % 2], -math.pi / 2 + k * math.pi / 5)]]
    elif shape == "cross":  # a plus sign, arms 0.7 wide
        a = 0.35
        unit = [(-a, -1), (a, -1), (a, -a), (1, -a), (1, a), (a, a), (a, 1), (-a, 1), (-a, a), (-1, a), (-1, -a), (-a, -a)]
    else:
        raise ValueError(f"no outline for {shape}")
    cos, sin = math.cos(rotation), math.sin(rotation)
    return [(cx + radius * (u * cos - v * sin), cy + radius * (u * sin + v * cos)) for u, v in unit]


def fill(texture: str, colour: tuple[int, int, int], side: int) -> Image.Image:
    """The shape's fill: the colour, with every other band (stripes) or square (checks) darkened."""
    if texture == "solid":
        return Image.new("RGB", (side, side), colour)
    rows, columns = np.indices((side, side)) // max(side // 16, 1)  # bands of a sixteenth of the side
    dark = rows % 2 == 1 if texture == "stripes" else (rows + columns) % 2 == 1
    pixels = np.empty((side, side, 3), dtype=np.uint8)
    pixels[:] = colour
    pixels[dark] = (np.asarray(colour) * 0.45).astype(np.uint8)
    return Image.fromarray(pixels, "RGB")


def render(factors: dict[str, float | int], size: int) -> np.ndarray:
    """One image (size, size, 3) uint8 of these factors."""
    return render_with_mask(factors, size)[0]


def render_with_mask(factors: dict[str, float | int], size: int) -> tuple[np.ndarray, np.ndarray]:
    """The image (size, size, 3) and the shape's coverage of each pixel (size, size), both uint8."""
    side = size * SUPERSAMPLING
    canvas = Image.new("RGB", (side, side), BACKGROUNDS[factors["background"]])
    mask = shape_mask(SHAPES[factors["shape"]], factors["x"], factors["y"], factors["scale"], factors["rotation"], side)
    canvas.paste(fill(TEXTURES[factors["texture"]], FOREGROUNDS[factors["foreground"]], side), mask=mask)
    return np.asarray(canvas.resize((size, size), Image.Resampling.BOX)), np.asarray(mask.resize((size, size), Image.Resampling.BOX))


def attribute_vector(factors: dict[str, Tensor], rotation: bool = False) -> Tensor:
    """(N, ATTRIBUTE_DIM) attributes of a batch of factors (each (N,)): the categorical factors one-hot,
    then x, y and scale mapped from their ranges to [-1, 1]; with `rotation`, (N, ATTRIBUTE_DIM + 2),
    the angle's cosine and sine after them. Rotation is otherwise left out: a circle has none, the
    other shapes repeat under their symmetries, and the factor classifier does not read it."""
    one_hot = [F.one_hot(factors[name].long(), count).float() for name, count in CATEGORICAL.items()]
    continuous = [(factors[name].float() - low) / (high - low) * 2 - 1 for name, (low, high) in RANGES.items()]
    if rotation:
        continuous += [factors["rotation"].float().cos(), factors["rotation"].float().sin()]
    return torch.cat([*one_hot, torch.stack(continuous, dim=1)], dim=1)


def factors_of(attributes: Tensor) -> dict[str, Tensor]:
    """The factors an attribute vector asks for (the inverse of `attribute_vector`, with or without
    rotation): the categorical ones as class indices, the continuous ones as values."""
    *one_hots, continuous = attributes.split([*CATEGORICAL.values(), attributes.shape[1] - sum(CATEGORICAL.values())], dim=1)
    factors = {name: one_hot.argmax(dim=1) for name, one_hot in zip(CATEGORICAL, one_hots)}
    factors |= {name: (value + 1) / 2 * (high - low) + low for (name, (low, high)), value in zip(RANGES.items(), continuous.unbind(dim=1))}
    if continuous.shape[1] > len(RANGES):
        factors["rotation"] = torch.atan2(continuous[:, -1], continuous[:, -2]) % (2 * math.pi)
    return factors


def caption(factors: dict[str, float | int], phrasing: int) -> str:
    """The shape, colours and texture of `factors` in words, in phrasing `phrasing` (0..3)."""
    return PHRASINGS[phrasing].format(
        shape=SHAPE_WORDS[factors["shape"]], foreground=FOREGROUND_WORDS[factors["foreground"]],
        background=BACKGROUND_WORDS[factors["background"]], texture=TEXTURE_WORDS[factors["texture"]],
    )  # fmt: skip


def caption_ids(text: str) -> Tensor:
    """(CAPTION_LENGTH,) word indices into VOCABULARY, padded with 0."""
    words = text.split()
    if len(words) > CAPTION_LENGTH or any(word not in VOCABULARY for word in words):
        raise DataError(f"the caption {text!r} has words outside the shapes' vocabulary or more than {CAPTION_LENGTH} of them")
    return torch.tensor([VOCABULARY.index(word) for word in words] + [0] * (CAPTION_LENGTH - len(words)))


def phrasing_of(seed: int, index: int) -> int:
    """Which phrasing caption i under `seed` takes: a function of the two alone."""
    return int(np.random.default_rng([seed, index, 1]).integers(len(PHRASINGS)))


def shape_mask(shape: str, x: float, y: float, scale: float, rotation: float, side: int) -> Image.Image:
    """A (side, side) mask, 255 inside the shape centred at (x, y) with radius `scale` (fractions of the side)."""
    mask = Image.new("L", (side, side), 0)
    cx, cy, radius = x * side, y * side, scale * side
    if shape == "circle":
        ImageDraw.Draw(mask).ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=255)
    else:
        ImageDraw.Draw(mask).polygon(outline(shape, cx, cy, radius, rotation), fill=255)
    return mask


class ShapesDataset(Dataset):
    """`count` shapes images under `seed`, kept as uint8 and served as {"image" in [-1, 1], "label" (the
    shape), "factors" (a dict of every factor)}; with `masks`, also "mask" (1, size, size): the share of
    each pixel the shape covers, in [0, 1]; with `captions`, also "caption" (CAPTION_LENGTH,): the word
    indices of its shape, colours and texture in one of four phrasings (`caption`)."""

    def __init__(self, count: int, size: int, seed: int = 0, masks: bool = False, captions: bool = False):
        self.factors = [draw_factors(seed, i) for i in range(count)]
        drawn = [render_with_mask(f, size) for f in self.factors]
        self.images = torch.from_numpy(np.stack([image for image, _ in drawn])).permute(0, 3, 1, 2).contiguous()
        self.masks = torch.from_numpy(np.stack([mask for _, mask in drawn]))[:, None] if masks else None
        self.labels = torch.tensor([f["shape"] for f in self.factors])
        self.captions = torch.stack([caption_ids(caption(f, phrasing_of(seed, i))) for i, f in enumerate(self.factors)]) if captions else None

    def __len__(self) -> int:
        return len(self.factors)

    def __getitem__(self, index: int) -> dict:
        factors = self.factors[index]
        item = {
            "image": self.images[index].float() / 127.5 - 1,
            "label": self.labels[index],
            "factors": {name: torch.tensor(factors[name]) for name in (*CATEGORICAL, *CONTINUOUS)},
        }
        if self.masks is not None:
            item["mask"] = self.masks[index].float() / 255
        if self.captions is not None:
            item["caption"] = self.captions[index]
        return item


class ShapesDataModule(GANDataModule):
    """Shapes (see the module docstring) drawn from `seed`.

    Args:
        image_size: side of the square images, at least 8 (32 by default; 64 and 128 for the
            growing and style-based generators).
        count: images in the data set (train and validation splits together).
        seed: the seed the images are drawn from (the train/validation split has its own, `split_seed`).
        channels: 3 (the colours are factors); in the config so networks can read `data.channels`.
        num_classes: the shapes, 5; in the config so conditional models can read `data.num_classes`.
        masks: also serve each image's shape mask (the layered attribute model, model=discvae).
        captions: also serve each image's caption (text to image, model=stackgan).
        Loader arguments: see GANDataModule.
    """

    metrics_backbone = "shapes_classifier"  # metrics.backbone=auto evaluates shapes offline with its factor classifier

    def __init__(
        self, image_size: int = 32, count: int = 10_000, seed: int = 0, channels: int = 3, num_classes: int = len(SHAPES), masks: bool = False,
        captions: bool = False, **loader_args,
    ):
        super().__init__(**loader_args)
        if channels != 3:
            raise DataError(f"shapes are RGB (their colours are factors): data.channels must be 3, not {channels}")
        if not isinstance(image_size, int) or image_size < 8:
            raise DataError(f"data.image_size={image_size} is too small for shapes: give 8 or more (32, 64, 128)")
        if count < 1:
            raise DataError(f"data.count must be positive, not {count}")
        if num_classes != len(SHAPES):
            raise DataError(f"shapes has {len(SHAPES)} classes ({', '.join(SHAPES)}), not data.num_classes={num_classes}")
        self.image_size, self.count, self.seed, self.channels, self.num_classes = image_size, count, seed, channels, num_classes
        self.masks, self.captions = masks, captions

    def load(self) -> ShapesDataset:
        return ShapesDataset(self.count, self.image_size, self.seed, self.masks, self.captions)
