"""Built-in 3D shapes as voxel grids, drawn from a seed (for 3D-GAN, Wu et al. 2016).

Four primitives, each a class: cube, sphere, cylinder and torus, of a random size, a random 3D
rotation and a small random offset from the centre, filled where their implicit function says the
voxel's centre is inside. Volume i is a function of (seed, i) alone. Served as {"image": (1, S, S, S)
in {-1, 1}} (-1 empty, 1 filled; the authors' occupancy 0 / 1, mapped to the range every other
family's data takes), with "label", the primitive. Written by hand: no package ships voxel shapes,
and ShapeNet and ModelNet are downloads. `pictures` draws volumes as images (`render_voxels`).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.spatial.transform import Rotation
from torch import Tensor

from gan_lightning.data.base import GANDataModule, TensorDictDataset
from gan_lightning.errors import DataError

PRIMITIVES = ("cube", "sphere", "cylinder", "torus")
SIZE = (0.55, 0.85)  # the shape's radius, as a fraction of half the grid's side
OFFSET = 0.1  # largest shift of its centre from the grid's, as a fraction of half the side


def inside(primitive: str, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Whether points in the shape's own coordinates (radius 1) lie inside it."""
    if primitive == "cube":
        return np.maximum(np.maximum(np.abs(x), np.abs(y)), np.abs(z)) <= 0.75
    if primitive == "sphere":
        return x**2 + y**2 + z**2 <= 1.0
    if primitive == "cylinder":
        return (x**2 + y**2 <= 0.6**2) & (np.abs(z) <= 0.9)
    if primitive == "torus":  # a ring of radius 0.65 around z, tube radius 0.3
        return (np.sqrt(x**2 + y**2) - 0.65) ** 2 + z**2 <= 0.3**2
    raise ValueError(f"no primitive {primitive}")


def voxel_shape(seed: int, index: int, side: int) -> tuple[np.ndarray, int]:
    """Volume `index` under `seed`: a (side, side, side) bool grid and its primitive."""
    rng = np.random.default_rng([seed, index])
    label = int(rng.integers(len(PRIMITIVES)))
    radius, offset = rng.uniform(*SIZE), rng.uniform(-OFFSET, OFFSET, size=3)
    turn = Rotation.random(random_state=rng)
    centres = (np.arange(side) + 0.5) / side * 2 - 1  # voxel centres in [-1, 1]
    points = np.stack(np.meshgrid(centres, centres, centres, indexing="ij"), axis=-1).reshape(-1, 3)
    local = turn.inv().apply(points - offset) / radius
    return inside(PRIMITIVES[label], *local.T).reshape(side, side, side), label


class VoxelShapesDataModule(GANDataModule):
    """Voxel primitives (module docstring) drawn from `seed`.

    Args:
        image_size: the grid's side S, 4 * 2^k (32; the authors' 64).
        count: volumes in the data set, train and validation together.
        seed: the seed the volumes are drawn from.
        channels: 1 (occupancy), in the config for the networks.
        num_classes: the primitives, 4; in the config for conditional models.
        Loader arguments: see GANDataModule.
    """

    metrics_backbone = "voxel_classifier"

    def __init__(self, image_size: int = 32, count: int = 4000, seed: int = 0, channels: int = 1, num_classes: int = len(PRIMITIVES), **loader_args):
        super().__init__(**loader_args)
        if channels != 1:
            raise DataError(f"voxel grids hold occupancy alone: data.channels must be 1, not {channels}")
        if num_classes != len(PRIMITIVES):
            raise DataError(f"the voxel shapes have {len(PRIMITIVES)} classes ({', '.join(PRIMITIVES)}), not data.num_classes={num_classes}")
        if not isinstance(image_size, int) or image_size < 8 or count < 1:
            raise DataError(f"data.image_size must be 8 or more and data.count positive, not {image_size} and {count}")
        self.image_size, self.count, self.seed, self.channels, self.num_classes = image_size, count, seed, channels, num_classes

    def load(self) -> TensorDictDataset:
        drawn = [voxel_shape(self.seed, i, self.image_size) for i in range(self.count)]
        volumes = torch.from_numpy(np.stack([grid for grid, _ in drawn])).unsqueeze(1).float() * 2 - 1
        return TensorDictDataset(volumes, torch.tensor([label for _, label in drawn]))

    def pictures(self, volumes: Tensor, threshold: float = 0.0, size: int = 128) -> Tensor:
        """Volumes (N, 1, S, S, S) in [-1, 1] as (N, 3, size, size) images in [-1, 1]: their voxels
        above `threshold` seen from one oblique view, what sample grids show."""
        return torch.stack([render_voxels(volume[0].cpu().numpy() > threshold, size) for volume in volumes])


def render_voxels(filled: np.ndarray, size: int = 128, elevation: float = 25.0, azimuth: float = 40.0) -> Tensor:
    """One bool grid drawn as a (3, size, size) image in [-1, 1]: each filled voxel a square seen from
    an oblique view (orthographic), the nearest kept, shaded by depth. Written here because
    matplotlib's voxels take seconds a grid, and sample grids draw many."""
    side = filled.shape[0]
    view = Rotation.from_euler("zx", [azimuth, elevation - 90], degrees=True)  # then x right, y up, z towards the viewer
    points = view.apply(np.argwhere(filled) + 0.5 - side / 2)
    scale = size / (side * 1.3)  # the shapes (radius at most 0.95 of half the side) fit
    columns = np.round(points[:, 0] * scale + size / 2).astype(int)
    rows = np.round(size / 2 - points[:, 1] * scale).astype(int)
    nearest = np.full((size, size), -np.inf)
    reach = max(int(np.ceil(scale / 2)), 1)  # a voxel covers about scale pixels
    for dr in range(-reach + 1, reach + 1):
        for dc in range(-reach + 1, reach + 1):
            r, c = np.clip(rows + dr, 0, size - 1), np.clip(columns + dc, 0, size - 1)
            np.maximum.at(nearest, (r, c), points[:, 2])
    seen = np.isfinite(nearest)
    brightness = np.ones((size, size))
    if seen.any():
        depth = nearest[seen]
        brightness[seen] = 0.3 + 0.7 * (depth - depth.min()) / max(depth.max() - depth.min(), 1e-6)  # far dark, near bright
    colour = np.where(seen[..., None], brightness[..., None] * np.array([0.29, 0.5, 0.83]), 1.0)  # blue shapes on white
    return torch.from_numpy(colour).permute(2, 0, 1).float() * 2 - 1
