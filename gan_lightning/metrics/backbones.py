"""Feature networks behind the metrics: images in [-1, 1] -> (features, logits).

- `InceptionBackbone`: torch-fidelity's Inception-v3, the network published FID and IS use, with
  TF-compatible bilinear resizing to 299x299 (no antialiasing), so numbers match papers.
- `DigitsClassifierBackbone`: a small CNN trained on the built-in digits in seconds and cached; the
  offline default for digits data (its distance is reported as FD, not FID).
- `CachedClassifierBackbone`: what both built-in classifiers share (training on first use, the
  cache, the names of their scores); the shapes data's is in `shapes_classifier.py`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.cache import load_or_build, pretrained_weights

log = logging.getLogger(__name__)

INCEPTION_WEIGHTS_FILE = "weights-inception-2015-12-05-6726825d.pth"


def to_uint8(images: Tensor) -> Tensor:
    """[-1, 1] float images -> uint8 in [0, 255], rounded as image files hold them."""
    return ((images.float() + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)


def to_uint8_rgb(images: Tensor) -> Tensor:
    """[-1, 1] float images (grey or RGB) -> uint8 RGB in [0, 255], as image files hold them."""
    images = to_uint8(images)
    return images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images


def inception_weights(path: str | None) -> str:
    """The Inception weights file: `path`, else torch hub's cache, else downloaded into that cache."""
    from torch_fidelity.feature_extractor_inceptionv3 import URL_INCEPTION_V3

    return pretrained_weights(path, URL_INCEPTION_V3, "metrics.inception_weights", " To train without metrics: ~callbacks.evaluation")


class InceptionBackbone(nn.Module):
    """Inception-v3 pool features (2048) and logits (1008, as the TF graph) for FID, KID and IS."""

    name = "inception"
    distance_name, score_name, kernel_name = "fid", "is", "kid"  # the published metrics' names
    volumetric = False  # reads images: clips are scored frame by frame
    num_features = 2048

    def __init__(self, weights_path: str | None = None):
        super().__init__()
        from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

        weights = inception_weights(weights_path)
        self.net = FeatureExtractorInceptionV3("inception-v3-compat", ["2048", "logits_unbiased"], feature_extractor_weights_path=weights)
        self.net.eval().requires_grad_(False)
        self.cache_key = f"{self.name}-{Path(weights).stem}"

    def train(self, mode: bool = True) -> InceptionBackbone:
        return super().train(False)  # always in eval mode

    @torch.no_grad()
    def forward(self, images: Tensor) -> tuple[Tensor, Tensor]:
        features, logits = self.net(to_uint8_rgb(images))
        return features, logits


def resized(images: Tensor, size: int) -> Tensor:
    """Images as a classifier of `size` x `size` inputs takes them (bilinear, antialiased)."""
    if images.shape[-1] == size and images.shape[-2] == size:
        return images
    return F.interpolate(images, size=size, mode="bilinear", align_corners=False, antialias=True)


def fit_classifier(
    make: Callable[[], nn.Module], count: int, batch_loss: Callable[[nn.Module, Tensor, torch.Generator], Tensor],
    epochs: int, seed: int, lr: float, batch_size: int, threads: int | None = None,
) -> nn.Module:  # fmt: skip
    """`make()` trained with Adam on `batch_loss(model, example indices, stream)` over `count` examples,
    reshuffled every epoch; returned in eval mode without gradients. Deterministic on CPU for a given
    thread count (`threads` fixes it for the training, so that machines with more or fewer cores build
    the same bytes), with deterministic algorithms: its own seed, inside a forked RNG so the run's
    random streams are not disturbed."""
    before, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(threads or before)
    torch.use_deterministic_algorithms(True)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            stream = torch.Generator().manual_seed(seed)
            model = make()
            optimizer = torch.optim.Adam(model.parameters(), lr=lr)
            for _ in range(epochs):
                for batch in torch.randperm(count, generator=stream).split(batch_size):
                    loss = batch_loss(model, batch, stream)
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
    finally:
        torch.set_num_threads(before)
        torch.use_deterministic_algorithms(deterministic)
    return model.eval().requires_grad_(False)


def weights_digest(module: nn.Module) -> str:
    """The first 12 hex digits of the SHA-256 of a module's state (names and bytes, in order): what
    identifies a trained classifier, so two builds that differ in one bit are told apart."""
    digest = hashlib.sha256()
    for name, tensor in module.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:12]


def rgb_trunk(width: int = 32) -> nn.Sequential:
    """The built-in RGB classifiers' trunk (shapes, house numbers): three 3x3 convolutions, each halving
    the side by max pooling, 32x32 -> 4x4, then 128 features."""
    return nn.Sequential(
        nn.Conv2d(3, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 16x16
        nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 8x8
        nn.Conv2d(2 * width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 4x4
        nn.Flatten(), nn.Linear(2 * width * 16, 128), nn.ReLU(),
    )  # fmt: skip


class DigitsClassifier(nn.Module):
    """A small CNN for grey digits at 16x16 (the data are 8x8 scans): `embed` gives the 128
    penultimate features, `head` the 10 class logits."""

    input_size = 16

    def __init__(self, width: int = 32):
        super().__init__()
        self.embed = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 8x8
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 4x4
            nn.Flatten(), nn.Linear(2 * width * 16, 128), nn.ReLU(),
        )  # fmt: skip
        self.head = nn.Linear(128, 10)

    def prepare(self, images: Tensor) -> Tensor:
        """Any [-1, 1] images -> grey 16x16 (RGB is averaged)."""
        images = images.float()
        if images.shape[1] != 1:
            images = images.mean(dim=1, keepdim=True)
        return resized(images, self.input_size)

    def forward(self, images: Tensor) -> tuple[Tensor, Tensor]:
        features = self.embed(self.prepare(images))
        return features, self.head(features)


def _shift(images: Tensor, max_shift: int, stream: torch.Generator) -> Tensor:
    """Translate each image by up to `max_shift` pixels (zero-padded with the background value -1)."""
    padded = F.pad(images, [max_shift] * 4, value=-1.0)
    size = images.shape[-1]
    out = torch.empty_like(images)
    offsets = torch.randint(0, 2 * max_shift + 1, (len(images), 2), generator=stream)
    for i, (dy, dx) in enumerate(offsets.tolist()):
        out[i] = padded[i, :, dy : dy + size, dx : dx + size]
    return out


def train_digits_classifier(
    epochs: int = 10, seed: int = 0, lr: float = 1e-3, batch_size: int = 64, threads: int | None = 1
) -> tuple[DigitsClassifier, float]:
    """Train the classifier on the digits train split (fixed split) with small random shifts.

    Deterministic on CPU, on one thread whatever the machine (see `fit_classifier`; `threads=None`
    takes the machine's count, as version 1 did: bench/digits_classifier_versions.py).
    Returns the model (eval mode) and its accuracy on the validation split.
    """
    from gan_lightning.data.digits import DigitsDataModule

    data = DigitsDataModule(image_size=DigitsClassifier.input_size)
    data.setup()
    train_images, train_labels = data.tensors(data.train_set)
    val_images, val_labels = data.tensors(data.val_set)

    def batch_loss(model: nn.Module, batch: Tensor, stream: torch.Generator) -> Tensor:
        _, logits = model(_shift(train_images[batch], 1, stream))
        return F.cross_entropy(logits, train_labels[batch])

    model = fit_classifier(DigitsClassifier, len(train_images), batch_loss, epochs, seed, lr, batch_size, threads)
    with torch.no_grad():
        accuracy = (model(val_images)[1].argmax(1) == val_labels).float().mean().item()
    return model, accuracy


class CachedClassifierBackbone(nn.Module):
    """A classifier of a built-in data set as a metric backbone: trained on first use (`fit`), cached by
    a hash of its `SETTINGS`, and identified (`cache_key`: in real-statistics caches and metrics.json) by
    the hash of its weights, so that two builds that differ are never taken for one. Not Inception, so not FID, IS or KID: the Fréchet distance, the
    classifier score (IS's formula on its logits) and the kernel distance, on its features."""

    name: str
    distance_name, score_name, kernel_name = "fd", "classifier_score", "kd"
    volumetric = False  # True: reads (N, C, D, H, W) volumes whole (the voxel classifier), not as frames
    SETTINGS: dict

    def make(self) -> nn.Module:
        """The untrained classifier: forward(images) -> (features, class logits)."""
        raise NotImplementedError

    def fit(self, **settings) -> tuple[nn.Module, dict]:
        """The trained classifier and what to record of it (at least `val_accuracy`)."""
        raise NotImplementedError

    def __init__(self, cache_dir: str | Path):
        super().__init__()
        settings_hash = hashlib.sha256(json.dumps(self.SETTINGS, sort_keys=True).encode()).hexdigest()[:12]
        path = Path(cache_dir).expanduser() / f"{self.name}-{settings_hash}.pt"
        what = self.name.replace("_", " ")
        self.classifier = self.make()

        def build() -> dict:
            trained, record = self.fit(**{k: v for k, v in self.SETTINGS.items() if k != "version"})
            log.info("Trained the %s (validation accuracy %s), caching it in %s", what, record["val_accuracy"], path)
            return {"state_dict": trained.state_dict(), **record}

        saved = load_or_build(path, build, lambda entry: self.classifier.load_state_dict(entry["state_dict"]), what)
        self.classifier.load_state_dict(saved["state_dict"])
        self.record = {k: v for k, v in saved.items() if k != "state_dict"}
        self.val_accuracy = saved["val_accuracy"]
        self.classifier.eval().requires_grad_(False)
        self.weights = weights_digest(self.classifier)
        self.cache_key = f"{self.name}-{self.weights}"

    def train(self, mode: bool = True) -> CachedClassifierBackbone:
        return super().train(False)

    @torch.no_grad()
    def forward(self, images: Tensor) -> tuple[Tensor, Tensor]:
        return self.classifier(images)[:2]

    @torch.no_grad()
    def predict(self, images: Tensor) -> Tensor:
        """The class of each image."""
        return self.classifier(images)[1].argmax(dim=1)


class DigitsClassifierBackbone(CachedClassifierBackbone):
    """The digits classifier as a metric backbone, trained once and cached (see CachedClassifierBackbone).
    Version 2 trains on one thread with deterministic algorithms (version 1 took the machine's thread
    count, and its weights, hence every digits FD, differed between machines)."""

    name = "digits_classifier"
    num_features = 128
    num_classes = 10  # its logits are the digit classes: it scores conditional generation too
    SETTINGS = {"version": 2, "epochs": 10, "seed": 0, "lr": 1e-3, "batch_size": 64}

    def make(self) -> nn.Module:
        return DigitsClassifier()

    def fit(self, **settings) -> tuple[nn.Module, dict]:
        trained, accuracy = train_digits_classifier(**settings)
        return trained, {"val_accuracy": accuracy}
