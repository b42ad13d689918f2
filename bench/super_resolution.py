"""Super-resolution x4 on the built-in photographs (issue 17): bicubic upsampling, SRResNet and SRGAN
on the three held-out photographs (chelsea, coffee, china), scored as Ledig et al. 2017 do (PSNR and
SSIM on the Y channel with a 4-pixel border cropped), and for realism by the sliced Wasserstein
distance between the local patches of the outputs and of the real photographs at three levels of a
Laplacian pyramid (Karras et al. 2018; `gan_lightning.metrics.swd`: no pretrained network, where FID's
Inception cannot be fetched). The paper's point: SRGAN gives up PSNR for realism.

    nice -n 19 python bench/super_resolution.py                    # trains what is missing, then the table
    python bench/super_resolution.py --iterations 20 --set model.pretrain_iterations=10   # a smoke run

Each cell trains on one core (bench/runs/super_resolution/<row>/seed_<s>; finished cells are kept,
interrupted ones resume): `model=srresnet` and `model=srgan` for the same number of iterations, SRGAN's
first half of them (or model.pretrain_iterations= in --set) its SRResNet phase. The evaluation upsamples each whole held-out photograph
(cropped to a multiple of 4) from its bicubic x4 downsampling. Writes bench/super_resolution.md and .json.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from gan_lightning.data.photos import VALIDATION_PHOTOS, builtin_photo
from gan_lightning.data.pixels import cropped, luma
from gan_lightning.data.restoration import bicubic_downsample, bicubic_upsample
from gan_lightning.metrics.swd import sliced_wasserstein_distances
from gan_lightning.metrics.translation import score_pairs
from gan_lightning.models import load_family

from seeded_runs import mean_se, report, run_seeded_table, table_arguments

BENCH = Path(__file__).resolve().parent
KEY = ("row", "seed")
SCALE = 4
ROWS = {"srresnet": "SRResNet (MSE)", "srgan": "SRGAN (MSE content + 1e-3 adversarial)"}
PUBLISHED = {  # Ledig et al. 2017, Table 2, Set14 x4: PSNR / SSIM (../shared/REFERENCES.md)
    "bicubic": "25.99 / 0.7486",
    "srresnet": "28.49 / 0.8184",
    "srgan": "26.02 / 0.7397 (SRGAN-VGG54)",
}


def held_out() -> list[torch.Tensor]:
    """The held-out photographs in [-1, 1], cropped to a multiple of the scale."""
    photos = []
    for name in VALIDATION_PHOTOS:
        photo = builtin_photo(name).float() / 127.5 - 1
        height, width = (side - side % SCALE for side in photo.shape[1:])
        photos.append(photo[:, :height, :width])
    return photos


def tiles(image: torch.Tensor, size: int = 64) -> torch.Tensor:
    """The image's non-overlapping size x size tiles (N, C, size, size)."""
    return image.unfold(1, size, size).unfold(2, size, size).permute(1, 2, 0, 3, 4).reshape(-1, image.shape[0], size, size)


def scores(upsample) -> dict[str, float]:
    """PSNR and SSIM (Y channel, border cropped; the mean over the photographs) and the SWD of the
    outputs' 64x64 tiles to the real ones at each pyramid level (finest first) and their mean."""
    real, outputs = held_out(), []
    for photo in real:
        with torch.no_grad():
            outputs.append(upsample(bicubic_downsample(photo[None], SCALE))[0].clamp(-1, 1).cpu())
    protocol = score_pairs(((o[None], r[None]) for o, r in zip(outputs, real)), scored=lambda images: cropped(luma(images), SCALE))
    swd = sliced_wasserstein_distances(torch.cat([tiles(r) for r in real]), torch.cat([tiles(o) for o in outputs]))
    return {"psnr": protocol["psnr"], "ssim": protocol["ssim"], "swd": sum(swd) / len(swd), **{f"swd_{i}": d for i, d in enumerate(swd)}}


def model_scores(run: Path) -> dict[str, float]:
    out = run / "held_out.json"
    if not out.is_file():
        model = load_family(run / "checkpoints" / "last.ckpt")
        out.write_text(json.dumps(scores(lambda low: model.translate(low))))
    return json.loads(out.read_text())


def table_row(name: str, found: list[dict], published: str) -> str:
    """One method's line: mean (± standard error over seeds) of each score."""

    def cell(key: str, digits: int) -> str:
        return mean_se([f[key] for f in found], digits)

    levels = " / ".join(cell(f"swd_{i}", 0) for i in range(3))
    return f"| {name} | {cell('psnr', 2)} | {cell('ssim', 4)} | {cell('swd', 0)} ({levels}) | {published} |"


def table(results: list[dict], seeds: int, bicubic: dict[str, float], runs: Path) -> str:
    lines = [
        "| method | PSNR (dB) | SSIM | SWD x1e3, mean (finest / middle / coarsest level) | published, Set14 x4 (PSNR / SSIM) |",
        "|---|---|---|---|---|",
        table_row("bicubic", [bicubic], PUBLISHED["bicubic"]),
    ]
    for row, name in ROWS.items():
        found = [model_scores(runs / row / f"seed_{r['seed']}") for r in results if r["row"] == row]
        if found:
            lines.append(table_row(name + ("" if len(found) == seeds else f" (n={len(found)})"), found, PUBLISHED[row]))
    return "\n".join(lines)


def main() -> None:
    args = table_arguments(__doc__, "super_resolution", seeds=1, iterations=3000)
    given = next((int(o.split("=")[1]) for o in args.set if o.startswith("model.pretrain_iterations=")), None)
    pretrain = args.iterations // 2 if given is None else given
    schedule = [] if given is not None else [f"model.pretrain_iterations={pretrain}"]  # SRResNet's rate falls there too: the same schedule
    rows = {"srresnet": ["model=srresnet", *schedule], "srgan": ["model=srgan", *schedule]}
    wanted, results, minutes = run_seeded_table(args, rows, ("psnr", "ssim"))
    setup = (
        f"x4 from 64x64 patches of 13 built-in photographs, batch 16, {args.iterations} iterations "
        f"({pretrain} of SRGAN's MSE pretraining), {args.workers} one-core workers"
    )
    bicubic = scores(lambda low: bicubic_upsample(low, SCALE))
    report("super_resolution.py", setup, results, len(wanted) - len(results), minutes, table(results, args.seeds, bicubic, args.runs), args.output, KEY)


if __name__ == "__main__":
    main()
