"""SRGAN without checkerboards (issue 33): the `model=srgan` default run with its upsampling
convolutions started from ICNR (the default), from PyTorch's default initialisation (the paper's
network as published) and replaced by resize-convolution (Odena et al. 2016; `experiment=srgan_resize`),
3 seeds each, on the three held-out photographs as bench/super_resolution.py scores them, plus the
checkerboard itself.

The checkerboard is the pattern repeating with the upsampling's period (4 pixels at x4: two
PixelShuffle x2 stages): the mean of each of the 4 x 4 pixel phases over the whole image, less their
mean, as an RMS (x1e3, [-1, 1] images). A natural photograph has no preferred phase; the held-out
photographs' own value is the floor, and bicubic upsampling's is given beside it.

    nice -n 19 python bench/checkerboard.py --workers 2
    nice -n 19 python bench/checkerboard.py --workers 2 --rows resize --output bench/checkerboard_resize
"""

from __future__ import annotations

from pathlib import Path

import torch
from super_resolution import SCALE, held_out, model_scores

from gan_lightning.data.restoration import bicubic_downsample, bicubic_upsample
from gan_lightning.models import load_family

from seeded_runs import mean_se, report, run_seeded_table, table_arguments

ROWS = {  # key: (name in the table, overrides)
    "icnr": ("SRGAN, ICNR (now the default)", ["model=srgan"]),
    "default_init": ("SRGAN, PyTorch's default init (`model.generator.icnr=false`)", ["model=srgan", "model.generator.icnr=false"]),
    "resize": ("SRGAN, resize-convolution (`experiment=srgan_resize`)", ["model=srgan", "model.generator.upsampling=resize"]),
}


def phase_pattern(image: torch.Tensor, period: int = SCALE) -> float:
    """RMS of the image's mean at each of the period x period pixel phases, less their mean, per channel."""
    height, width = (side - side % period for side in image.shape[-2:])
    phases = image[..., :height, :width].unflatten(-2, (-1, period)).unflatten(-1, (-1, period)).mean(dim=(-4, -2))
    return (phases - phases.mean(dim=(-2, -1), keepdim=True)).square().mean().sqrt().item() * 1e3


def checkerboard(upsample) -> float:
    """The mean phase pattern of the held-out photographs upsampled from their x4 downsampling."""
    patterns = []
    for photo in held_out():
        with torch.no_grad():
            patterns.append(phase_pattern(upsample(bicubic_downsample(photo[None], SCALE))[0].clamp(-1, 1)))
    return sum(patterns) / len(patterns)


def run_scores(run: Path) -> dict[str, float]:
    model = load_family(run / "checkpoints" / "last.ckpt")
    return {**model_scores(run), "pattern": checkerboard(lambda low: model.translate(low))}


def table(results: list[dict], runs: Path) -> str:
    photos = held_out()
    floor = sum(phase_pattern(photo) for photo in photos) / len(photos)
    lines = [
        "| upsampling | 4x4 phase pattern (RMS x1e3) | PSNR (dB) | SSIM | patch SWD x1e3 | seeds |",
        "|---|---|---|---|---|---|",
        f"| the photographs themselves | {floor:.2f} | | | | |",
        f"| bicubic | {checkerboard(lambda low: bicubic_upsample(low, SCALE)):.2f} | | | | |",
    ]
    for row, (name, _) in ROWS.items():
        found = [run_scores(runs / row / f"seed_{r['seed']}") for r in results if r["row"] == row]
        if found:
            cells = [mean_se([f[key] for f in found], digits) for key, digits in (("pattern", 2), ("psnr", 2), ("ssim", 4), ("swd", 0))]
            lines.append(f"| {name} | {' | '.join(cells)} | {len(found)} |")
    return "\n".join(lines)


def main() -> None:
    args = table_arguments(__doc__, "checkerboard", seeds=3)
    wanted, results, minutes = run_seeded_table(args, {row: overrides for row, (_, overrides) in ROWS.items()}, ("psnr", "ssim"))
    budget = f"{args.iterations} iterations" if args.iterations else "default runs (1,000 iterations, 500 of them MSE pretraining)"
    setup = f"`model=srgan` {budget}, {args.workers} one-core workers"
    report("checkerboard.py", setup, results, len(wanted) - len(results), minutes, table(results, args.runs), args.output, ("row", "seed"))


if __name__ == "__main__":
    main()
