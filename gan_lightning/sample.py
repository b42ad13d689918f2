"""Write a checkpoint's samples to a folder.

    python -m gan_lightning.sample ckpt_path=RUN/checkpoints/last.ckpt num_samples=50000 output_dir=DIR
    python -m gan_lightning.sample ckpt_path=... format=npz        (one samples.npz instead of PNGs)

PNGs are named by sample index (000000.png, ...; a class-conditional family's carry the class they
were drawn for: 000007_class7.png). Sample i is drawn from (seed, i) alone, exactly as the
checkpoint's evaluation draws it, so `python -m gan_lightning.evaluate folder=DIR` on the folder gives
the FD that `evaluate ckpt_path=...` gives at the same seed and N, up to the 8-bit rounding of the files.
samples.json beside them records the checkpoint, seed, count and classes.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch
from omegaconf import DictConfig
from PIL import Image
from rich.progress import track
from torchvision.datasets.folder import IMG_EXTENSIONS

from gan_lightning.cache import write_atomically
from gan_lightning.capabilities import Samples
from gan_lightning.cli import check_writable, command
from gan_lightning.errors import ConfigError
from gan_lightning.latent import set_latent_truncation
from gan_lightning.latent.styles import set_truncation
from gan_lightning.metrics.backbones import to_uint8
from gan_lightning.metrics.evaluation import index_batches
from gan_lightning.models import load_family

log = logging.getLogger(__name__)
FORMATS = ("png", "npz")


def refuse_overwriting(output_dir: Path) -> None:
    """Earlier samples are never overwritten: an output folder that holds some is refused."""
    if not output_dir.is_dir():
        return
    earlier = [p for p in output_dir.iterdir() if p.suffix.lower() in (*IMG_EXTENSIONS, ".npz")]
    if earlier:
        raise ConfigError(
            f"output_dir={output_dir} already holds {len(earlier)} image or .npz files: choose a new folder "
            "(samples are not mixed with or written over earlier ones)"
        )


def write_samples(cfg: DictConfig) -> dict[str, Any]:
    if cfg.format not in FORMATS:
        raise ConfigError(f"format={cfg.format} is unknown: choose png or npz")
    if not isinstance(cfg.num_samples, int) or cfg.num_samples < 1:
        raise ConfigError(f"num_samples={cfg.num_samples} must be a positive integer")
    if not isinstance(cfg.batch_size, int) or cfg.batch_size < 1:
        raise ConfigError(f"batch_size={cfg.batch_size} must be a positive integer")
    output_dir = Path(cfg.output_dir)
    check_writable(output_dir, "output_dir")
    refuse_overwriting(output_dir)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = load_family(cfg.ckpt_path, map_location=device)
    set_truncation(model, cfg.get("truncation_psi"))
    set_latent_truncation(model, cfg.get("truncation"))
    if not isinstance(model, Samples):
        raise ConfigError(
            f"{cfg.ckpt_path} holds a {type(model).__name__}, which translates images rather than sampling them: "
            "use python -m gan_lightning.translate"
        )
    output_dir.mkdir(parents=True, exist_ok=True)
    batches = list(index_batches(cfg.num_samples, cfg.batch_size))
    images, labels = [], []
    for indices in track(batches, description=f"sampling {cfg.num_samples}", transient=True):
        with torch.no_grad():
            batch, classes = model.sample_indexed(indices, cfg.seed)
        pixels = to_uint8(batch.cpu()).movedim(1, -1).numpy()  # N, H, W, C (clips: N, T, H, W, C)
        if cfg.format == "png":
            for i, image in zip(indices, pixels):
                name = f"{i:06d}" if classes is None else f"{i:06d}_class{int(classes[i - indices[0]])}"
                image = np.concatenate(list(image), axis=1) if image.ndim == 4 else image  # a clip (a volume): its frames (slices) side by side
                picture = Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image)
                write_atomically(output_dir / f"{name}.png", lambda file, picture=picture: picture.save(file, format="PNG"), durable=False)
        else:
            images.append(pixels)
        if classes is not None:
            labels.append(classes.cpu().numpy())
    if cfg.format == "npz":
        arrays = {"images": np.concatenate(images), **({"labels": np.concatenate(labels)} if labels else {})}
        write_atomically(output_dir / "samples.npz", lambda file: np.savez(file, **arrays))
    record = {
        "ckpt_path": str(cfg.ckpt_path), "family": type(model).__name__, "num_samples": cfg.num_samples,
        "seed": cfg.seed, "format": cfg.format, "num_classes": model.num_classes,
        "class_counts": np.bincount(np.concatenate(labels)).tolist() if labels else None,
    }  # fmt: skip
    (output_dir / "samples.json").write_text(json.dumps(record, indent=2))
    log.info("Wrote %d samples of %s (seed %d) into %s", cfg.num_samples, type(model).__name__, cfg.seed, output_dir)
    print(output_dir)
    return record


main = command(write_samples, "sample")


if __name__ == "__main__":
    main()
