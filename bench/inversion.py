"""Inverting held-out images (issue 18): how well the code found for an image the model never saw gives
it back. DCGAN (gradient descent in z), BiGAN (its encoder alone: G(E(x)); then descent from E(x)) on
the digits, and StyleGAN on the shapes (descent in W, one w for every layer, and in W+, one per
layer), each its preset's default run. Scores over `--images` validation images: PSNR and the squared
distance of the data's classifier features (the digits' or the shapes factor classifier's: no
download) between image and reconstruction, lower is closer.

    nice -n 19 python bench/inversion.py                # trains the default runs if missing, then the table
    python bench/inversion.py --images 4 --steps 5 --set trainer.max_steps=20   # a smoke run

Runs are kept in bench/runs/inversion/<preset> (resumable). Writes bench/inversion.md and .json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf

from gan_lightning.latent.inversion import invert, psnr
from gan_lightning.metrics import MetricSettings
from gan_lightning.metrics.evaluation import build_backbone
from gan_lightning.models import load_family
from gan_lightning.priors import Latent

from seeded_runs import machine, train_resumable, write_report

BENCH = Path(__file__).resolve().parent
PRESETS = {"dcgan": ["model=dcgan"], "bigan": ["model=bigan"], "stylegan": ["model=stylegan"]}


def methods(preset: str, steps: int, restarts: int) -> dict:
    """name -> (model, images) -> reconstructions."""
    def descent(space: str):
        return lambda model, images: invert(model, images, space, steps, restarts).reconstructions

    if preset == "bigan":
        return {
            "BiGAN, encoder only: G(E(x))": lambda model, images: model.generate(Latent(model.encode(images))),
            "BiGAN, descent from E(x)": descent("z"),
        }
    if preset == "stylegan":
        return {"StyleGAN, descent in W": descent("w"), "StyleGAN, descent in W+": descent("w+")}
    return {"DCGAN, descent in z": descent("z")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=64, help="validation images to invert")
    parser.add_argument("--steps", type=int, default=500, help="Adam steps a restart")
    parser.add_argument("--restarts", type=int, default=4)
    parser.add_argument("--set", nargs="*", default=[], help="overrides of every run")
    parser.add_argument("--runs", type=Path, default=BENCH / "runs" / "inversion")
    parser.add_argument("--output", type=Path, default=BENCH / "inversion", help="writes <output>.md and <output>.json")
    args = parser.parse_args()

    rows, runs = {}, {}
    for preset, overrides in PRESETS.items():
        runs[preset] = train_resumable(args.runs / preset, [*overrides, *args.set])
        model = load_family(args.runs / preset / "checkpoints" / "last.ckpt")
        data = instantiate(OmegaConf.load(args.runs / preset / "config.yaml").data)
        data.setup()
        images = torch.stack([data.val_set[i]["image"] for i in range(min(args.images, len(data.val_set)))])
        backbone = build_backbone(MetricSettings(), data)
        for name, method in methods(preset, args.steps, args.restarts).items():
            torch.manual_seed(0)
            found = method(model, images).detach().cpu()
            distance = (backbone(found)[0] - backbone(images)[0]).pow(2).sum(dim=1)
            rows[name] = {"psnr": float(psnr(found, images).mean()), "feature_distance": float(distance.mean()), "images": len(images)}
    lines = ["| model and method | PSNR (dB) | classifier feature distance |", "|---|---|---|"]
    lines += [f"| {name} | {row['psnr']:.2f} | {row['feature_distance']:.2f} |" for name, row in rows.items()]
    trained = ", ".join(f"{preset} {run['seconds'] / 60:.1f} min" for preset, run in runs.items())
    header = (
        f"`python bench/inversion.py {' '.join(sys.argv[1:])}` ({machine()}): {args.images} validation images, "
        f"{args.restarts} restarts of {args.steps} Adam steps; default runs trained in {trained}."
    )
    write_report(args.output, header, "\n".join(lines), {"runs": runs, "rows": rows})


if __name__ == "__main__":
    main()
