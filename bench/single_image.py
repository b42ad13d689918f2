"""SinGAN's samples against two references (issue 18; Shaham et al. 2019, sec. 4): its default run on
the built-in china.jpg, 50 samples at the training size and 50 twice as wide, scored by diversity
(per-pixel standard deviation over samples / the image's) and by the sliced Wasserstein distance of
their patches to the image's at three pyramid levels (no network needed; the paper's SIFID needs
Inception), beside the image's own random crops (a floor) and shuffles of its 8x8 tiles (patch
statistics kept, structure broken).

    nice -n 19 python bench/single_image.py            # trains the default run if missing, then the table
    python bench/single_image.py --set model.iterations_per_scale=10 trainer.max_steps=50   # a smoke run

Writes bench/single_image.md and .json; the run is kept in bench/runs/single_image (resumable).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf

from gan_lightning.metrics.single_image import diversity, patch_shuffle, random_crops, single_image_swd
from gan_lightning.models import load_family

from seeded_runs import machine, train_resumable, write_report

BENCH = Path(__file__).resolve().parent
SAMPLES = 50


def scores(samples: torch.Tensor, image: torch.Tensor) -> dict[str, float]:
    """Diversity, and the SWD levels where the samples have the image's size (NaN otherwise)."""
    swd = single_image_swd(samples, image) if samples.shape[-2:] == image.shape[-2:] else [float("nan")] * 3
    return {"diversity": diversity(samples, image), "swd": sum(swd) / len(swd), **{f"swd_{i}": d for i, d in enumerate(swd)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", nargs="*", default=[], help="overrides of the run")
    parser.add_argument("--runs", type=Path, default=BENCH / "runs" / "single_image")
    parser.add_argument("--output", type=Path, default=BENCH / "single_image", help="writes <output>.md and <output>.json")
    args = parser.parse_args()

    overrides = ["model=singan", *args.set]
    run = train_resumable(args.runs, overrides)
    model = load_family(args.runs / "checkpoints" / "last.ckpt")
    data = instantiate(OmegaConf.load(args.runs / "config.yaml").data)
    image = data.photograph()
    rows = {
        "SinGAN, training size": scores(model.sample(SAMPLES, seed=0), image),
        "SinGAN, twice as wide (diversity only)": scores(model.sample_at(SAMPLES, width_factor=2, seed=0), image),
        "the image's random crops, 90% of each side (floor)": scores(random_crops(image, SAMPLES), image),
        "shuffles of its 8x8 tiles": scores(patch_shuffle(image, SAMPLES), image),
    }
    lines = ["| samples | diversity | SWD x1e3 to the image's patches, mean (finest / middle / coarsest) |", "|---|---|---|"]
    for name, row in rows.items():
        swd = "" if row["swd"] != row["swd"] else f"{row['swd']:.0f} ({row['swd_0']:.0f} / {row['swd_1']:.0f} / {row['swd_2']:.0f})"
        lines.append(f"| {name} | {row['diversity']:.3f} | {swd} |")
    header = (
        f"`python bench/single_image.py {' '.join(sys.argv[1:])}`: `{run['command']}`, {tuple(image.shape[1:])} pixels, "
        f"{run['seconds'] / 60:.1f} min wall and {run['cpu_seconds'] / 60:.1f} CPU min to train ({machine()}); {SAMPLES} samples a row."
    )
    write_report(args.output, header, "\n".join(lines), {"run": run, "rows": rows})


if __name__ == "__main__":
    main()
