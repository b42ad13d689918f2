"""SinGAN's and InGAN's claims over 3 seeds (issue 33), each run its default (`model=singan`,
`model=ingan`: the built-in china.jpg, 64 pixels wide) scored by the run's own evaluation at its end
(`gan_lightning.callbacks.SingleImageScores`), beside the image's own random crops (90% of each side,
resized back) scored the same way:

- SinGAN: 16 samples, their diversity (per-pixel standard deviation over samples / the image's) and
  the patch SWD x1e3 of their 7x7 patches to the image's, averaged over 3 pyramid levels. The claim:
  SWD within 1.5x the crops' and diversity at least the crops'.
- InGAN: the image retargeted to 3 shapes (half as wide, twice as wide, twice as tall), the patch SWD
  of each to the image; each shape's floor is the image's own crops of that shape (each side capped
  at 90% of the image's, not resized), the mean over 16 scored alone as one output is. The claim:
  each shape within 1.5x its floor. (A smaller image's patches are farther from the whole image's
  at the coarse levels, so a single floor for every shape would not compare like with like.)

    nice -n 19 python bench/single_image_claims.py --workers 2
"""

from __future__ import annotations

import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from gan_lightning.callbacks.single_image import patch_distance
from gan_lightning.cli import config_dir
from gan_lightning.metrics.single_image import diversity, random_crops

from seeded_runs import mean_se, report, run_table, seeded_cells, table_arguments

CROPS = 16  # as many as the callback's samples
SHAPES = ("1x0.5", "1x2", "2x1")
FAMILIES = {  # row -> (overrides, the metrics its run logs)
    "singan": (["model=singan"], ("patch_swd", "diversity")),
    "ingan": (["model=ingan"], tuple(f"patch_swd_{shape}" for shape in SHAPES)),
}


def training_image():
    """The image the runs train on and are scored against, as the callback reads it."""
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        cfg = compose(config_name="train", overrides=["model=singan"])
    data = instantiate(cfg.data)
    data.setup()
    return data.val_set[0]["image"].float()


def shaped_crops_swd(image: torch.Tensor, height_factor: float, width_factor: float) -> float:
    """The mean patch SWD to the image of CROPS random crops of the image at (height_factor x H,
    width_factor x W), each side capped at 90% of the image's, each scored alone."""
    size = (round(image.shape[-2] * height_factor), round(image.shape[-1] * width_factor))
    crops = random_crops(image, CROPS, size=size)
    return sum(patch_distance("swd", image[None], crop[None])["swd"] for crop in crops) / CROPS


def crop_floors(image: torch.Tensor) -> dict[str, float]:
    """The crops' scores: as SinGAN's 16 samples are scored, and per InGAN shape as one output is."""
    crops = random_crops(image, CROPS)
    floors = {"swd_together": patch_distance("swd", image[None].expand_as(crops), crops)["swd"], "diversity": diversity(crops, image)}
    for shape in SHAPES:
        floors[shape] = shaped_crops_swd(image, *(float(factor) for factor in shape.split("x")))
    return floors


def claim(met: bool) -> str:
    return "met" if met else "not met"


def table(results: dict[str, list[dict]], floors: dict[str, float]) -> str:
    lines = ["| run | scores (mean ± s.e. over seeds) | the crops | claim | seeds |", "|---|---|---|---|---|"]
    singan = results["singan"]
    if singan:
        swd, spread = ([r[m] for r in singan] for m in ("patch_swd", "diversity"))
        met = len(singan) >= 3 and max(swd) <= 1.5 * floors["swd_together"] and min(spread) >= floors["diversity"]
        bound = 1.5 * floors["swd_together"]
        lines.append(
            f"| `model=singan` | patch SWD {mean_se(swd, 1)}, diversity {mean_se(spread, 3)} | patch SWD {floors['swd_together']:.1f}, "
            f"diversity {floors['diversity']:.3f} | SWD ≤ 1.5x ({bound:.1f}) and diversity ≥ the crops' in every seed: {claim(met)} | {len(singan)} |"
        )
    ingan = results["ingan"]
    if ingan:
        cells = [f"{shape}: {mean_se([r[f'patch_swd_{shape}'] for r in ingan], 1)}" for shape in SHAPES]
        ratios = {shape: max(r[f"patch_swd_{shape}"] for r in ingan) / floors[shape] for shape in SHAPES}
        met = len(ingan) >= 3 and max(ratios.values()) <= 1.5
        worst = ", ".join(f"{shape} {ratio:.2f}x" for shape, ratio in ratios.items())
        lines.append(
            f"| `model=ingan` | patch SWD at (height x width factors) {', '.join(cells)} | {', '.join(f'{shape}: {floors[shape]:.1f}' for shape in SHAPES)} "
            f"(crops of each shape) | every shape ≤ 1.5x its crops in every seed (worst seed: {worst}): {claim(met)} | {len(ingan)} |"
        )
    return "\n".join(lines)


def main() -> None:
    args = table_arguments(__doc__, "single_image_claims", seeds=3)
    wanted = seeded_cells(args, {row: overrides for row, (overrides, _) in FAMILIES.items()})
    found, minutes = run_table(
        wanted, args, ("row", "seed"), lambda key: args.runs / key[0] / f"seed_{key[1]}",
        lambda key: {"row": key[0], "seed": key[1], "iterations": args.iterations or "preset"}, lambda key: FAMILIES[key[0]][1],
    )  # fmt: skip
    results = {row: [r for r in found if r["row"] == row] for row in FAMILIES}
    setup = f"the default runs on the built-in china.jpg (64 pixels wide), {args.workers} one-core workers"
    floors = crop_floors(training_image())
    report("single_image_claims.py", setup, found, len(wanted) - len(found), minutes, table(results, floors), args.output, ("row", "seed"))

if __name__ == "__main__":
    main()
