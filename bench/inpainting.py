"""Inpainting the centre of photo patches (issue 17): mean-colour fill, scikit-image's biharmonic
inpainting, and the context encoder (Pathak et al. 2016) trained on L2 alone and on L2 + adversarial,
on the fixed validation patches of the held-out photographs (chelsea, coffee, china), scored in the
hole: L1, PSNR and SSIM against the truth, and realism (issue 33): the patch SWD between the filled
holes of 256 held-out patches and the true holes of 256 others (ProGAN's sliced Wasserstein distance
of 7x7 neighbourhoods at 3 Laplacian levels, x1e3, their mean), whose floor is the true holes of the
first 256 against the others. (The paper's own numbers are on Paris StreetView at 128x128, a
different set: only the order of the methods compares.)

    nice -n 19 python bench/inpainting.py                 # trains what is missing, then the table
    python bench/inpainting.py --iterations 20 --seeds 1 # a smoke run

Each cell trains `model=context_encoder` on one core (bench/runs/inpainting/<row>/seed_<s>; finished
cells are kept, interrupted ones resume). Writes bench/inpainting.md and .json.
"""

from __future__ import annotations

from pathlib import Path

import torch
from hydra.utils import instantiate

from gan_lightning.metrics.swd import sliced_wasserstein_distances
from gan_lightning.metrics.translation import score_pairs
from gan_lightning.models import load_family

from seeded_runs import mean_se, report, run_seeded_table, table_arguments

BENCH = Path(__file__).resolve().parent
KEY = ("row", "seed")
METRICS = ("l1", "psnr", "ssim")
ROWS = {
    "l2": ("context encoder, L2", ["model.adversarial_weight=0"]),
    "joint": ("context encoder, L2 + adversarial", []),
    "resize": ("context encoder, L2 + adversarial, resize-convolution decoder", ["experiment=context_encoder_resize"]),
}


REALISM_PATCHES = 512  # held-out patches for the realism score: half the reference, half filled


def inpainting_data(extra: list[str], val_patches: int | None = None):
    """The preset's data module, set up (with `val_patches` fixed validation patches if given)."""
    from hydra import compose, initialize_config_dir

    from gan_lightning.cli import config_dir

    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        cfg = compose(config_name="train", overrides=["model=context_encoder", *extra, *([f"data.val_patches={val_patches}"] if val_patches else [])])
    data = instantiate(cfg.data)
    data.setup()
    return data


def realism_halves(data) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(reference images, inputs with holes, their truth): the first half of the realism patches gives
    the reference, the second half is filled."""
    batch = next(iter(data.dataloader(data.val_set, REALISM_PATCHES)))
    half = REALISM_PATCHES // 2
    return batch["B"][:half], batch["A"][half:], batch["B"][half:]


def hole_realism(data, reference: torch.Tensor, filled: torch.Tensor) -> float:
    """Mean patch SWD (x1e3, 3 levels) between the holes of `filled` and those of `reference`."""
    holes = [data.scored(images) * 2 - 1 for images in (reference, filled)]
    distances = sliced_wasserstein_distances(*holes, levels=3)
    return sum(distances) / len(distances)


def baseline_scores(extra: list[str]) -> dict[str, dict[str, float]]:
    """The scores of the data's baselines (mean fill, biharmonic) on the validation patches, their
    realism, and the realism floor (the true holes, under "truth")."""
    data = inpainting_data(extra)
    batches = [(data.baselines(b["A"]), b["B"]) for b in data.dataloader(data.val_set, 64)]  # each fill made once
    scores = {name: score_pairs(((fills[name], target) for fills, target in batches), scored=data.scored) for name in ("mean_fill", "biharmonic")}
    realism_data = inpainting_data(extra, REALISM_PATCHES)
    reference, inputs, truth = realism_halves(realism_data)
    for name, filled in realism_data.baselines(inputs).items():
        scores[name]["swd"] = hole_realism(realism_data, reference, filled)
    scores["truth"] = {"swd": hole_realism(realism_data, reference, truth)}
    return scores


def run_realism(run: Path, data, reference: torch.Tensor, inputs: torch.Tensor) -> float:
    """The realism of one trained cell's fills (its last checkpoint) of `inputs`, against `reference`."""
    model = load_family(run / "checkpoints" / "last.ckpt")
    with torch.no_grad():
        return hole_realism(data, reference, model.translate(inputs))


def table(results: list[dict], seeds: int, baselines: dict[str, dict[str, float]]) -> str:
    lines = [
        "| method | patch SWD x1e3 in the hole (realism) | L1 in the hole | PSNR in the hole (dB) | SSIM in the hole |",
        "|---|---|---|---|---|",
        f"| the true holes (the floor) | {baselines['truth']['swd']:.1f} | | | |",
    ]
    for name, label in (("mean_fill", "mean colour of the known pixels"), ("biharmonic", "biharmonic inpainting (scikit-image)")):
        values = baselines[name]
        lines.append(f"| {label} | {values['swd']:.1f} | {values['l1']:.4f} | {values['psnr']:.2f} | {values['ssim']:.4f} |")
    for row, (label, _) in ROWS.items():
        found = [r for r in results if r["row"] == row]
        if found:
            n = "" if len(found) == seeds else f" (n={len(found)})"
            cells = " | ".join(mean_se([r[m] for r in found], {"psnr": 2, "swd": 1}.get(m, 4)) for m in ("swd", *METRICS))
            lines.append(f"| {label}{n} | {cells} |")
    return "\n".join(lines)


def main() -> None:
    args = table_arguments(__doc__, "inpainting", seeds=3)
    rows = {row: ["model=context_encoder", *overrides] for row, (_, overrides) in ROWS.items()}
    wanted, results, minutes = run_seeded_table(args, rows, METRICS)
    setup = f"64x64 patches of 13 built-in photographs, 32x32 centre hole, batch 64, {args.seeds} seeds, {args.workers} one-core workers"
    data_overrides = [o for o in args.set if o.startswith("data.")]
    baselines = baseline_scores(data_overrides)
    realism_data = inpainting_data(data_overrides, REALISM_PATCHES)
    reference, inputs, _ = realism_halves(realism_data)
    for result in results:
        result["swd"] = run_realism(args.runs / result["row"] / f"seed_{result['seed']}", realism_data, reference, inputs)
    report("inpainting.py", setup, results, len(wanted) - len(results), minutes, table(results, args.seeds, baselines), args.output, KEY)


if __name__ == "__main__":
    main()
