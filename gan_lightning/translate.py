"""Translate a folder of images with a trained checkpoint of a translating family (pix2pix, CycleGAN,
DistanceGAN, DTN, SRGAN, BiCycleGAN, the context encoder).

    python -m gan_lightning.translate ckpt_path=RUN/checkpoints/last.ckpt input_dir=DIR output_dir=OUT
    python -m gan_lightning.translate ckpt_path=... input_dir=... output_dir=... direction=BtoA   (CycleGAN)
    python -m gan_lightning.translate ckpt_path=... input_dir=... output_dir=... samples=10     (BiCycleGAN: name_0.png ... name_9.png)

Every image under input_dir is resized (shorter side) and center-cropped to the size the model
was trained on, translated, and written as PNG to output_dir under its relative path. A model
trained on patches (SRGAN: its data has a patch_size, not an image_size) translates each image
whole, at its own size: super-resolution writes it `scale` times larger.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from omegaconf import DictConfig

from gan_lightning.cache import save_image_atomically
from gan_lightning.capabilities import Translates, TranslatesMany
from gan_lightning.cli import check_writable, command
from gan_lightning.data import ImageFiles, image_transform
from gan_lightning.errors import ConfigError
from gan_lightning.models import load_family, read_checkpoint
from gan_lightning.models.translation import DIRECTIONS

log = logging.getLogger(__name__)


def translate_folder(cfg: DictConfig) -> list[Path]:
    if cfg.direction not in DIRECTIONS:
        raise ConfigError(f"direction={cfg.direction} is unknown: choose AtoB or BtoA")
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    checkpoint = read_checkpoint(cfg.ckpt_path, device)  # read once: its data settings here, the model below
    data = checkpoint.get("config", {}).get("data", {})
    image_size, channels = cfg.image_size or data.get("image_size"), cfg.channels or data.get("channels")
    whole = image_size is None and "patch_size" in data  # trained on patches: each image at its own size
    if (image_size is None and not whole) or channels is None:
        raise ConfigError(f"{cfg.ckpt_path} does not say its image size and channels: pass image_size=... channels=...")
    images = ImageFiles(cfg.input_dir, image_transform(image_size, channels), channels, option="input_dir")
    model = load_family(cfg.ckpt_path, checkpoint=checkpoint)
    if not isinstance(model, Translates):
        held = type(model).__name__
        families = "pix2pix, CycleGAN, DistanceGAN, DTN, SRGAN or BiCycleGAN"
        raise ConfigError(f"{cfg.ckpt_path} holds a {held}, which does not translate images: use a {families} checkpoint")
    if cfg.samples < 1 or (cfg.samples > 1 and not isinstance(model, TranslatesMany)):
        raise ConfigError(f"samples={cfg.samples}: {type(model).__name__} gives one output per input, so samples must be 1 (BiCycleGAN gives many)")
    output_dir = Path(cfg.output_dir)
    check_writable(output_dir, "output_dir")
    written = []
    batch_size = 1 if whole else cfg.batch_size  # images of their own sizes do not stack
    for start in range(0, len(images), batch_size):
        indices = range(start, min(start + batch_size, len(images)))
        batch = torch.stack([images[i]["image"] for i in indices])
        if cfg.samples > 1:  # name_0.png ... name_{k-1}.png, output j from latent code j for every input
            outputs = model.translate_many(batch, cfg.samples, cfg.seed).float().cpu()
        else:
            outputs = model.translate(batch, cfg.direction).float().cpu()[:, None]
        for i, translations in zip(indices, outputs):
            relative = images.files[i].relative_to(images.root).with_suffix("")
            for j, image in enumerate(translations):
                path = output_dir / f"{relative}_{j}.png" if cfg.samples > 1 else output_dir / f"{relative}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                save_image_atomically(image, path, durable=False, normalize=True, value_range=(-1, 1))
                written.append(path)
    log.info("Translated %d images (%s) into %s", len(written), cfg.direction, output_dir)
    print(output_dir)
    return written


main = command(translate_folder, "translate")


if __name__ == "__main__":
    main()
