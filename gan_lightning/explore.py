"""Walk a trained model's latent space: sample grids, interpolations, vector arithmetic, code traversals.

    python -m gan_lightning.explore ckpt_path=RUN/checkpoints/last.ckpt mode=samples
    python -m gan_lightning.explore ckpt_path=... mode=interpolate method=slerp rows=8 steps=10
    python -m gan_lightning.explore ckpt_path=... mode=arithmetic "groups=[[3,17,40],[5,9],[22,61]]"
    python -m gan_lightning.explore ckpt_path=... mode=traverse code=1        (InfoGAN)
    python -m gan_lightning.explore ckpt_path=... mode=style_mixing crossover=8  (StyleGAN; also truncation, noise)
    python -m gan_lightning.explore ckpt_path=... mode=invert images=DIR [space=w+]  (codes of real images: image | G(code) rows)
    python -m gan_lightning.explore ckpt_path=... mode=edit factor=digit source=3 target=8 strength=2  (attribute editing)
    python -m gan_lightning.explore ckpt_path=... mode=attributes factor=background  (real shapes, each to every value)
    python -m gan_lightning.explore ckpt_path=... mode=inject images=DIR  (SinGAN: each image injected at every scale)

Writes one PNG grid (`output`, by default <mode>.png in the run directory) and prints its path.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
import torch.nn.functional as F
from omegaconf import DictConfig, OmegaConf
from torch import Tensor

from gan_lightning import latent
from gan_lightning.cache import save_image_atomically
from gan_lightning.capabilities import HasLatentSpace, HasStyles, Injects, Samples
from gan_lightning.cli import check_writable, command
from gan_lightning.data import ImageFiles, image_transform
from gan_lightning.data.shapes import CATEGORICAL, ShapesDataset
from gan_lightning.errors import ConfigError
from gan_lightning.latent import editing, styles
from gan_lightning.latent.inversion import invert, psnr
from gan_lightning.metrics import ShapesClassifierBackbone
from gan_lightning.metrics.attributes import edit_agreement
from gan_lightning.models import load_family, read_checkpoint

log = logging.getLogger(__name__)
MODES = ("samples", "interpolate", "arithmetic", "traverse", "style_mixing", "truncation", "noise", "invert", "edit", "attributes", "inject")
STYLE_MODES = ("style_mixing", "truncation", "noise")


def explore(cfg: DictConfig) -> Path:
    if cfg.mode not in MODES:
        raise ConfigError(f"mode={cfg.mode} is unknown: choose one of {', '.join(MODES)}")
    if cfg.count < 1 or cfg.rows < 1:
        raise ConfigError(f"count and rows must be at least 1, not count={cfg.count} rows={cfg.rows}")
    model = load_family(cfg.ckpt_path)
    if not isinstance(model, Samples):
        raise ConfigError(f"{type(model).__name__} has no latent space to explore: translate images with python -m gan_lightning.translate")
    if cfg.mode not in ("samples", "inject") and not isinstance(model, HasLatentSpace):
        raise ConfigError(f"mode={cfg.mode} walks a latent space, and {type(model).__name__} samples without one: use mode=samples")
    if cfg.mode in STYLE_MODES and not isinstance(model, HasStyles):
        raise ConfigError(f"mode={cfg.mode} needs a style-based generator (model=stylegan), not {type(model).__name__}")
    images, nrow = render(model, cfg)
    if images.dim() != 4:
        made = "points" if images.dim() == 2 else "clips or volumes"
        raise ConfigError(f"this model generates {made}, not images: explore draws image grids (python -m gan_lightning.sample writes its samples)")
    output = Path(cfg.output)
    check_writable(output.parent, "the folder of output")
    output.parent.mkdir(parents=True, exist_ok=True)
    save_image_atomically(images.float().cpu(), output, nrow=nrow, normalize=True, value_range=(-1, 1))
    log.info("Wrote %s", output)
    print(output)
    return output


def render(model, cfg: DictConfig) -> tuple[Tensor, int]:
    """The images of one mode and the number per grid row."""
    if cfg.mode == "samples":
        return model.sample_indexed(range(cfg.count), cfg.seed)[0], cfg.nrow
    if cfg.mode == "interpolate":
        return latent.interpolation_grid(model, cfg.rows, cfg.steps, cfg.method, cfg.seed), cfg.steps
    if cfg.mode == "style_mixing":
        return styles.style_mixing_grid(model, cfg.rows, cfg.steps, cfg.crossover, cfg.seed)
    if cfg.mode == "truncation":
        return styles.truncation_grid(model, cfg.rows, cfg.steps, cfg.seed)
    if cfg.mode == "noise":
        return styles.noise_grid(model, cfg.rows, cfg.steps, cfg.seed)
    if cfg.mode == "traverse":
        codes, per_row = model.prior.traversal(cfg.code, cfg.steps, seed=cfg.seed)
        return model.generate(codes), per_row
    if cfg.mode == "invert":
        return inversion_grid(model, cfg), 2
    if cfg.mode == "edit":
        return edit_grid(model, cfg), cfg.steps
    if cfg.mode == "attributes":
        return attribute_grid(model, cfg)
    if cfg.mode == "inject":
        return injection_grid(model, cfg), model.num_scales
    if not cfg.groups:
        raise ConfigError('mode=arithmetic needs groups of sample numbers from mode=samples, e.g. "groups=[[3,17],[5,9],[22]]"')
    if model.prior.conditional:
        raise ConfigError("vector arithmetic on z is for unconditional families; a conditional family has its labels")
    groups = [model.prior.indexed([int(i) for i in group], cfg.seed).z for group in OmegaConf.to_container(cfg.groups)]
    return latent.arithmetic(model, groups, list(cfg.signs), seed=cfg.seed), 3


def inversion_grid(model, cfg: DictConfig) -> Tensor:
    """Each image under cfg.images (at most cfg.count, resized to the model's size) beside G of the
    code found for it; logs each one's PSNR."""
    if not cfg.images:
        raise ConfigError("mode=invert needs images=DIR, a folder of the images to find codes for")
    data = read_checkpoint(cfg.ckpt_path).get("config", {}).get("data", {})
    if "image_size" not in data:
        raise ConfigError(f"{cfg.ckpt_path} does not say its image size: mode=invert takes models of square images")
    files = ImageFiles(cfg.images, image_transform(data["image_size"], data["channels"]), data["channels"], option="images")
    images = torch.stack([files[i]["image"] for i in range(min(cfg.count, len(files)))])
    found = invert(model, images, cfg.space, cfg.inversion_steps, cfg.restarts, seed=cfg.seed)
    for path, value in zip(files.files, psnr(found.reconstructions, images.to(found.reconstructions.device)).tolist()):
        log.info("%s: PSNR %.2f dB", path, value)
    return torch.stack([images.to(found.reconstructions.device), found.reconstructions], dim=1).flatten(0, 1)


def attribute_grid(model, cfg: DictConfig) -> tuple[Tensor, int]:
    """`rows` shapes the model never saw (drawn with data seed 99 + seed), each followed by itself with
    its attribute `factor` changed to every value in turn (`editing.edit_attributes`: a family without
    an encoder is inverted with `inversion_steps` and `restarts`); logs the share of edits read as asked and
    the share whose other factors read as before (the shapes factor classifier)."""
    editing.require_attributes(model)
    if cfg.factor not in CATEGORICAL:
        raise ConfigError(f"factor={cfg.factor} is not an attribute of the shapes: choose one of {', '.join(CATEGORICAL)}")
    data = ShapesDataset(cfg.rows, model.sample(1, seed=cfg.seed).shape[-1], seed=99 + cfg.seed)
    images = data.images.float() / 127.5 - 1
    factors = {name: torch.tensor([f[name] for f in data.factors]) for name in data.factors[0]}
    reader = ShapesClassifierBackbone(cfg.cache_dir)
    targets = [torch.full((len(images),), value) for value in range(CATEGORICAL[cfg.factor])]
    asked = [model.prior.attributes_of(factors | {cfg.factor: target}) for target in targets]
    columns = [edited.cpu() for edited in editing.edit_attributes(model, images, model.prior.attributes_of(factors), asked, cfg.inversion_steps, cfg.restarts)]
    before = reader.read(images)
    scores = [edit_agreement(before, reader.read(edited), cfg.factor, target) for edited, target in zip(columns, targets)]
    share = {key: sum(score[key] for score in scores) / len(scores) for key in scores[0]}
    log.info("%s edited to each value: %.1f%% read as asked, %.1f%% keep the other factors", cfg.factor, 100 * share["target"], 100 * share["others_kept"])
    return torch.stack([images, *columns], dim=1).flatten(0, 1), len(columns) + 1


def injection_grid(model, cfg: DictConfig) -> Tensor:
    """SinGAN: each image under cfg.images (resized to the training image's size), then the model's
    output when it is injected at each scale from 1 to the finest: a row per image."""
    if not isinstance(model, Injects):
        raise ConfigError(f"mode=inject hands an image to one scale of a pyramid (model=singan), not to {type(model).__name__}")
    if not cfg.images:
        raise ConfigError("mode=inject needs images=DIR, a folder of the images to inject (a painting, a pasted object, ...)")
    size = tuple(model.sample(1, seed=cfg.seed).shape[-2:])
    files = ImageFiles(cfg.images, image_transform(None, 3), 3, option="images")
    count = min(cfg.count, len(files))
    images = torch.cat([F.interpolate(files[i]["image"][None], size=size, mode="bicubic", align_corners=False) for i in range(count)])
    outputs = [model.inject(images, scale, cfg.seed).cpu() for scale in range(1, model.num_scales)]
    return torch.stack([images.clamp(-1, 1), *outputs], dim=1).flatten(0, 1)


def edit_grid(model, cfg: DictConfig) -> Tensor:
    """`rows` samples read as `source`, each edited towards `target` of `factor` in `steps` strengths
    from 0 to `strength` (a direction found from `count` labelled samples, by `direction`: mean or
    linear), or, for a conditional
    family, with its condition changed halfway along the row; logs the share read as `target` after."""
    read = editing.factor_reader(cfg.factor, cfg.cache_dir)
    pool = model.prior.indexed(range(cfg.count), cfg.seed, model.device)
    labels = read(model.generate(pool))
    chosen = (labels == cfg.source).nonzero().flatten()[: cfg.rows]
    if not len(chosen):
        raise ConfigError(f"none of {cfg.count} samples reads as {cfg.factor}={cfg.source}: draw more (count=) or pick another source")
    picked = pool[chosen]
    if model.prior.conditional:
        before, after = model.generate(picked), editing.relabelled(model, picked, cfg.target, cfg.factor)
        rows = torch.stack([before] * (cfg.steps // 2) + [after] * (cfg.steps - cfg.steps // 2), dim=1)
    else:
        direction = editing.attribute_direction(pool.z, labels, cfg.source, cfg.target, cfg.direction)
        rows = editing.edited(model, picked, direction, torch.linspace(0, cfg.strength, cfg.steps).tolist())
    share = float((read(rows[:, -1]) == cfg.target).float().mean())
    log.info("%s %s -> %s: %.1f%% of the edited samples read as %s", cfg.factor, cfg.source, cfg.target, 100 * share, cfg.target)
    return rows.flatten(0, 1)


main = command(explore, "explore")


if __name__ == "__main__":
    main()
