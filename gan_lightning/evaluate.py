"""Evaluate a checkpoint, or a folder of images, against a data set: FID (FD), IS and KID.

    python -m gan_lightning.evaluate ckpt_path=RUN/checkpoints/last.ckpt [metrics.num_samples=N] [real_floor=true]
    python -m gan_lightning.evaluate folder=DIR data=digits

Prints a table and writes it as JSON (`output`, by default metrics.json in the run directory).
With real_floor=true it adds the real-vs-real floor: the validation split scored against the same
real statistics at the same N, the best a generator can hope to score on this protocol. Where the
split holds fewer images than metrics.num_samples, the floor is scored at the split's size, and the
model once more at that N beside it (a distance depends on N); its own first row keeps the N asked for.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from torch import Tensor

from gan_lightning.capabilities import Samples
from gan_lightning.cli import check_writable, command
from gan_lightning.data import ImageFiles, image_transform
from gan_lightning.errors import ConfigError
from gan_lightning.latent import set_latent_truncation
from gan_lightning.latent.styles import set_truncation
from gan_lightning.metrics.evaluation import (
    MetricSettings,
    build_metrics,
    fixed_subset,
    generated_images,
    image_batches,
    set_real_statistics,
)
from gan_lightning.metrics.generative import GenerativeMetrics
from gan_lightning.models import load_family, read_checkpoint

log = logging.getLogger(__name__)


def score(metrics: GenerativeMetrics, batches: Iterator[tuple[Tensor, Tensor | None]]) -> dict[str, float]:
    """The metrics of (images, conditioning labels or None) batches."""
    metrics.reset_fake()
    device = metrics.fid.real_features_sum.device
    for images, labels in batches:
        metrics.update(images.to(device), real=False, labels=labels)
    return metrics.compute()


def format_cell(row: dict[str, Any], column: str) -> str:
    """A value as the table prints it: 4 significant digits, with its spread (`<column>_std`) where it has one."""
    value = row.get(column, "")
    if not isinstance(value, float):
        return str(value)
    spread = row.get(f"{column}_std")
    return f"{value:.4g} ± {spread:.2g}" if isinstance(spread, float) else f"{value:.4g}"


def format_table(rows: list[dict[str, Any]]) -> str:
    """The rows as aligned columns; a score's spread goes in its own cell (score ± spread)."""
    columns = ["what", *[c for c in rows[0] if c != "what" and not c.endswith("_std")]]
    cells = [[format_cell(row, c) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in cells]
    return "\n".join(lines)


def evaluate(cfg: DictConfig) -> dict[str, Any]:
    settings = MetricSettings.from_config(OmegaConf.to_container(cfg.metrics, resolve=True))
    check_writable(Path(cfg.output).parent, "the folder of output")  # before minutes of scoring
    ckpt_path, folder = cfg.get("ckpt_path"), cfg.get("folder")
    if (ckpt_path is None) == (folder is None):
        raise ConfigError("give either ckpt_path=... (a checkpoint) or folder=... (a folder of generated images)")
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    checkpoint = read_checkpoint(ckpt_path, device) if ckpt_path is not None else None  # read once, for the model and its data
    model = load_family(ckpt_path, checkpoint=checkpoint) if ckpt_path is not None else None
    if model is not None:
        set_truncation(model, cfg.get("truncation_psi"))
        set_latent_truncation(model, cfg.get("truncation"))
    if model is not None and not isinstance(model, Samples):
        raise ConfigError(
            f"{type(model).__name__} translates images rather than sampling them: its scores are logged while it trains (val/...); "
            "translate a folder with python -m gan_lightning.translate"
        )
    data_config = cfg.get("data")
    if data_config is None and checkpoint is not None:
        data_config = checkpoint.get("config", {}).get("data")
    if data_config is None:
        raise ConfigError("name the real data to compare with, e.g. data=digits or data=image_folder data.root=...")
    datamodule = instantiate(data_config)
    datamodule.setup("fit")
    metrics = build_metrics(settings, datamodule).to(device)

    num_samples = settings.num_samples
    num_real = set_real_statistics(metrics, settings, datamodule, settings.real_split)

    if model is not None:
        what = f"model {ckpt_path}"

        def images(count: int) -> Iterator[tuple[Tensor, Tensor | None]]:
            return generated_images(model, count, settings.batch_size, seed=cfg.seed)

    else:
        found = ImageFiles(folder, image_transform(datamodule.image_size, datamodule.channels), datamodule.channels, option="folder")
        if len(found) < num_samples:
            raise ConfigError(
                f"folder={folder} holds {len(found)} images, fewer than the metrics.num_samples={num_samples} asked for "
                f"(FD depends on N): add images, or score these with metrics.num_samples={len(found)}"
            )
        what = f"folder {folder}"

        def images(count: int) -> Iterator[tuple[Tensor, Tensor | None]]:
            return image_batches(datamodule, fixed_subset(found, count), settings.batch_size)

    rows = [{"what": what, **score(metrics, images(num_samples))}]
    if cfg.real_floor:
        floor_samples = min(num_samples, len(datamodule.val_set))
        if floor_samples < num_samples:
            log.warning(
                "real_floor: the validation split holds %d images, fewer than metrics.num_samples=%d: the floor is scored at N = %d, "
                "and the %s once more at that N beside it", floor_samples, num_samples, floor_samples, what.split()[0],
            )  # fmt: skip
            rows.append({"what": f"{what} at N = {floor_samples}", **score(metrics, images(floor_samples))})
        val_images = image_batches(datamodule, fixed_subset(datamodule.val_set, floor_samples), settings.batch_size)
        rows.append({"what": "real floor (val split)", **score(metrics, val_images)})

    report = {
        "rows": rows,
        "real": {"split": settings.real_split, "num_samples": num_real, "data": data_config.get("_target_")},
        "backbone": metrics.backbone.cache_key,
        "metrics": vars(settings),
    }
    print(format_table(rows))
    print(f"real set: {num_real} images of the {settings.real_split} split; backbone {metrics.backbone.cache_key}")
    output = Path(cfg.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2))
    log.info("Wrote %s", output)
    return report


main = command(evaluate, "evaluate")


if __name__ == "__main__":
    main()
