"""The voxel shapes' classifier: the offline metric backbone for `data=voxel_shapes` (3D-GAN). A
small 3D CNN on 32^3 grids (other sides are resized) that tells the four primitives apart; its 128
penultimate features carry the Fréchet distance, precision and recall, its logits the classifier
score and the primitive each sample is read as. Trained on volumes drawn with a seed of its own,
cached like the digits classifier.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.data.voxels import PRIMITIVES, voxel_shape
from gan_lightning.metrics.backbones import CachedClassifierBackbone, fit_classifier


class VoxelClassifier(nn.Module):
    """Volumes (N, 1, S, S, S) in [-1, 1] -> (128 features, primitive logits)."""

    input_size = 32

    def __init__(self, width: int = 16):
        super().__init__()
        self.embed = nn.Sequential(  # stride-2 convolutions: a 32^3 grid is 8 times the work of a 32x32 image a channel
            nn.Conv3d(1, width, 4, 2, 1), nn.ReLU(),  # 16^3
            nn.Conv3d(width, 2 * width, 4, 2, 1), nn.ReLU(),  # 8^3
            nn.Conv3d(2 * width, 2 * width, 4, 2, 1), nn.ReLU(),  # 4^3
            nn.Flatten(), nn.Linear(2 * width * 64, 128), nn.ReLU(),
        )  # fmt: skip
        self.head = nn.Linear(128, len(PRIMITIVES))

    def forward(self, volumes: Tensor) -> tuple[Tensor, Tensor]:
        volumes = volumes.float()
        if volumes.shape[-1] != self.input_size:
            volumes = F.interpolate(volumes, size=(self.input_size,) * 3, mode="trilinear", align_corners=False)
        features = self.embed(volumes)
        return features, self.head(features)


def train_voxel_classifier(count: int = 4_000, epochs: int = 4, seed: int = 0, lr: float = 1e-3, batch_size: int = 64) -> tuple[VoxelClassifier, dict]:
    """Train on `count` volumes drawn with data seed 1,000 + `seed` (not the data set's own) and score
    on 1,000 more; one thread, so every machine builds the same bytes."""
    drawn = [voxel_shape(1_000 + seed, i, VoxelClassifier.input_size) for i in range(count + 1_000)]
    volumes = torch.stack([torch.from_numpy(grid) for grid, _ in drawn]).unsqueeze(1).float() * 2 - 1
    labels = torch.tensor([label for _, label in drawn])

    def batch_loss(model: nn.Module, batch: Tensor, stream: torch.Generator) -> Tensor:
        return F.cross_entropy(model(volumes[batch])[1], labels[batch])

    model = fit_classifier(VoxelClassifier, count, batch_loss, epochs, seed, lr, batch_size, threads=1)
    with torch.no_grad():
        read = torch.cat([model(part)[1].argmax(dim=1) for part in volumes[count:].split(250)])
    return model, {"val_accuracy": round(float((read == labels[count:]).float().mean()), 4)}


class VoxelClassifierBackbone(CachedClassifierBackbone):
    """The voxel classifier as a metric backbone (FD, classifier score, KD on its features; class
    accuracy over the primitives). It reads whole volumes: the image metrics do not split them into slices."""

    name = "voxel_classifier"
    num_features = 128
    num_classes = len(PRIMITIVES)
    volumetric = True
    SETTINGS = {"version": 1, "count": 4_000, "epochs": 4, "seed": 0, "lr": 1e-3, "batch_size": 64}

    def make(self) -> nn.Module:
        return VoxelClassifier()

    def fit(self, **settings) -> tuple[nn.Module, dict]:
        return train_voxel_classifier(**settings)
