"""Inpainting the centre of photo patches (issue 17): mean-colour fill, scikit-image's biharmonic
inpainting, and the context encoder (Pathak et al. 2016) trained on L2 alone and on L2 + adversarial,
on the fixed validation patches of the held-out photographs (chelsea, coffee, china), scored in the
hole: L1, PSNR and SSIM. (The paper's own numbers are on Paris StreetView at 128x128, a different
set: only the order of the methods compares.)

    nice -n 19 python bench/inpainting.py                 # trains what is missing, then the table
    python bench/inpainting.py --iterations 20 --seeds 1 # a smoke run

Each cell trains `model=context_encoder` on one core (bench/runs/inpainting/<row>/seed_<s>; finished
cells are kept, interrupted ones resume). Writes bench/inpainting.md and .json.
"""

from __future__ import annotations

from pathlib import Path

from hydra.utils import instantiate

from gan_lightning.metrics.translation import score_pairs

from seeded_runs import mean_se, report, run_seeded_table, table_arguments

BENCH = Path(__file__).resolve().parent
KEY = ("row", "seed")
METRICS = ("l1", "psnr", "ssim")
ROWS = {"l2": ("context encoder, L2", ["model.adversarial_weight=0"]), "joint": ("context encoder, L2 + adversarial", [])}


def baseline_scores(extra: list[str]) -> dict[str, dict[str, float]]:
    """The scores of the data's baselines (mean fill, biharmonic) on the validation patches."""
    from hydra import compose, initialize_config_dir

    from gan_lightning.cli import config_dir

    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        cfg = compose(config_name="train", overrides=["model=context_encoder", *extra])
    data = instantiate(cfg.data)
    data.setup()
    batches = [b for b in data.dataloader(data.val_set, 64)]
    return {
        name: score_pairs(((data.baselines(b["A"])[name], b["B"]) for b in batches), scored=data.scored)
        for name in ("mean_fill", "biharmonic")
    }


def table(results: list[dict], seeds: int, baselines: dict[str, dict[str, float]]) -> str:
    lines = ["| method | L1 in the hole | PSNR in the hole (dB) | SSIM in the hole |", "|---|---|---|---|"]
    for name, label in (("mean_fill", "mean colour of the known pixels"), ("biharmonic", "biharmonic inpainting (scikit-image)")):
        values = baselines[name]
        lines.append(f"| {label} | {values['l1']:.4f} | {values['psnr']:.2f} | {values['ssim']:.4f} |")
    for row, (label, _) in ROWS.items():
        found = [r for r in results if r["row"] == row]
        if found:
            n = "" if len(found) == seeds else f" (n={len(found)})"
            cells = " | ".join(mean_se([r[m] for r in found], 4 if m != "psnr" else 2) for m in METRICS)
            lines.append(f"| {label}{n} | {cells} |")
    return "\n".join(lines)


def main() -> None:
    args = table_arguments(__doc__, "inpainting", seeds=3)
    rows = {row: ["model=context_encoder", *overrides] for row, (_, overrides) in ROWS.items()}
    wanted, results, minutes = run_seeded_table(args, rows, METRICS)
    setup = f"64x64 patches of 13 built-in photographs, 32x32 centre hole, batch 64, {args.seeds} seeds, {args.workers} one-core workers"
    baselines = baseline_scores([o for o in args.set if o.startswith("data.")])
    report("inpainting.py", setup, results, len(wanted) - len(results), minutes, table(results, args.seeds, baselines), args.output, KEY)

if __name__ == "__main__":
    main()
