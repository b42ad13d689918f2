"""The shapes data's factor classifier: the offline metric backbone for `data=shapes`, and the judge
that reads each factor back from an image (style mixing and editing are scored with it).

A small CNN on 32x32 RGB (other sizes are resized) with one head per categorical factor (shape,
foreground colour, background colour, texture) and one regressing the position and scale. Its 128
penultimate features carry the Fréchet distance, precision and recall; its shape logits the
classifier score and class accuracy. Rotation is not read: a circle has none and the other shapes
repeat under their own symmetries. Trained on shapes drawn with a seed of its own, cached like the
digits classifier.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.data.shapes import CATEGORICAL, ShapesDataset
from gan_lightning.metrics.backbones import CachedClassifierBackbone, fit_classifier, resized, rgb_trunk

REGRESSED = ("x", "y", "scale")


class ShapesFactorClassifier(nn.Module):
    """images in [-1, 1] -> (128 features, shape logits, {factor: logits or values})."""

    input_size = 32

    def __init__(self, width: int = 32):
        super().__init__()
        self.embed = rgb_trunk(width)
        self.heads = nn.ModuleDict({name: nn.Linear(128, count) for name, count in CATEGORICAL.items()})
        self.position = nn.Linear(128, len(REGRESSED))

    def forward(self, images: Tensor) -> tuple[Tensor, Tensor, dict[str, Tensor]]:
        features = self.embed(resized(images.float(), self.input_size))
        factors = {name: head(features) for name, head in self.heads.items()}
        factors |= dict(zip(REGRESSED, self.position(features).unbind(dim=1)))
        return features, factors["shape"], factors


def factor_loss(predicted: dict[str, Tensor], factors: dict[str, Tensor]) -> Tensor:
    """Cross-entropy for each categorical factor, plus 10 x the squared error of position and scale."""
    loss = sum(F.cross_entropy(predicted[name], factors[name]) for name in CATEGORICAL)
    return loss + 10 * sum(F.mse_loss(predicted[name], factors[name].float()) for name in REGRESSED)


def read_factors(classifier: ShapesFactorClassifier, images: Tensor) -> dict[str, Tensor]:
    """Each factor read from each image: class indices for the categorical ones, values for the others."""
    _, _, predicted = classifier(images)
    return {name: predicted[name].argmax(dim=1) if name in CATEGORICAL else predicted[name] for name in predicted}


def train_shapes_classifier(count: int = 20_000, epochs: int = 4, seed: int = 0, lr: float = 2e-3, batch_size: int = 64) -> tuple[ShapesFactorClassifier, dict]:
    """Train on `count` shapes drawn with data seed 1,000 + `seed` (not the data set's own), and score on
    2,000 more: each categorical factor's accuracy and the mean absolute error of x, y and scale."""
    data = ShapesDataset(count + 2_000, ShapesFactorClassifier.input_size, seed=1_000 + seed)
    images = data.images.float() / 127.5 - 1
    factors = {name: torch.tensor([f[name] for f in data.factors]) for name in (*CATEGORICAL, *REGRESSED)}
    held_out = slice(count, None)  # trained on the first `count`

    def batch_loss(model: nn.Module, batch: Tensor, stream: torch.Generator) -> Tensor:
        _, _, predicted = model(images[batch])
        return factor_loss(predicted, {name: values[batch] for name, values in factors.items()})

    # One thread: the same classifier whatever the machine's core count (its sums in one order).
    model = fit_classifier(ShapesFactorClassifier, count, batch_loss, epochs, seed, lr, batch_size, threads=1)
    with torch.no_grad():
        read = read_factors(model, images[held_out])
    accuracy = {name: round(float((read[name] == factors[name][held_out]).float().mean()), 4) for name in CATEGORICAL}
    error = {name: round(float((read[name] - factors[name][held_out]).abs().mean()), 4) for name in REGRESSED}
    return model, {"val_accuracy": accuracy["shape"], "factor_accuracy": accuracy, "factor_error": error}


class ShapesClassifierBackbone(CachedClassifierBackbone):
    """The shapes factor classifier as a metric backbone (FD, classifier score, KD on its features;
    class accuracy over the shapes), trained once and cached by a hash of its settings."""

    name = "shapes_classifier"
    num_features = 128
    num_classes = CATEGORICAL["shape"]
    SETTINGS = {"version": 2, "count": 20_000, "epochs": 4, "seed": 0, "lr": 2e-3, "batch_size": 64}

    def make(self) -> nn.Module:
        return ShapesFactorClassifier()

    def fit(self, **settings) -> tuple[nn.Module, dict]:
        return train_shapes_classifier(**settings)

    @torch.no_grad()
    def read(self, images: Tensor) -> dict[str, Tensor]:
        """Every factor the classifier reads, for each image."""
        return read_factors(self.classifier, images)
