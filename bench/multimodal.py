"""Many outputs per input (issue 17): BiCycleGAN against pix2pix+noise (Zhu et al. 2017, sec. 4) on the
built-in edges -> digits. For each validation input, 10 outputs from 10 latent codes: their diversity
(the mean pairwise distance between the outputs of one input, in pixels (L1) and on the digits
classifier's features; the paper's uses LPIPS, whose weights cannot be fetched offline) and their
realism (FD of all outputs to the training digits, on the same features: FD, not FID).
pix2pix+noise is expected to ignore z (diversity near 0), as in the paper's Figure 1 and Table 1.

    nice -n 19 python bench/multimodal.py                  # trains what is missing, then the table
    python bench/multimodal.py --iterations 20 --seeds 1   # a smoke run

Each cell trains on one core (bench/runs/multimodal/<row>/seed_<s>; finished cells are kept,
interrupted ones resume). Writes bench/multimodal.md and .json.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf

from gan_lightning.data.pixels import to_unit
from gan_lightning.metrics import DigitsClassifierBackbone
from gan_lightning.metrics.translation import batched, frechet_to, gaussian_of
from gan_lightning.models import load_family

from seeded_runs import mean_se, report, run_seeded_table, table_arguments

BENCH = Path(__file__).resolve().parent
KEY = ("row", "seed")
OUTPUTS = 10
ROWS = {"bicyclegan": ("BiCycleGAN", []), "pix2pix_noise": ("pix2pix+noise", ["model.encoded=false"])}
METRICS = ("pixel_diversity", "feature_diversity", "fd")


def mean_pairwise(outputs: torch.Tensor) -> float:
    """(N, K, D): the mean over inputs of the mean L1 distance (per value) between their K outputs."""
    distances = torch.cdist(outputs, outputs, p=1) / outputs.shape[-1]  # (N, K, K)
    k = outputs.shape[1]
    return float(distances.sum(dim=(1, 2)).mean() / (k * (k - 1)))


def run_data(run: Path):
    """The data module a finished run trained on, set up."""
    data = instantiate(OmegaConf.load(run / "config.yaml").data)
    data.setup()
    return data


def validation_pairs(data) -> tuple[torch.Tensor, torch.Tensor]:
    """The validation edges and digits, (N, 1, H, W) each."""
    pairs = [data.val_set[i] for i in range(len(data.val_set))]
    return torch.stack([pair["A"] for pair in pairs]), torch.stack([pair["B"] for pair in pairs])


@torch.no_grad()
def scores(run: Path, backbone: DigitsClassifierBackbone, reference: tuple) -> dict[str, float]:
    out = run / "multimodal.json"
    if out.is_file():
        return json.loads(out.read_text())
    model = load_family(run / "checkpoints" / "last.ckpt")
    edges, _ = validation_pairs(run_data(run))
    result = diversity_and_realism(model.translate_many(edges, OUTPUTS, seed=0).cpu(), backbone, reference)
    out.write_text(json.dumps(result))
    return result


@torch.no_grad()
def diversity_and_realism(outputs: torch.Tensor, backbone: DigitsClassifierBackbone, reference: tuple) -> dict[str, float]:
    """The table's numbers for K outputs of each input, (N, K, C, H, W) in [-1, 1]."""
    features = torch.stack([backbone(outputs[:, j])[0] for j in range(outputs.shape[1])], dim=1).double()
    return {
        "pixel_diversity": mean_pairwise(to_unit(outputs).flatten(2)),
        "feature_diversity": mean_pairwise(features),
        "fd": frechet_to(reference, backbone, batched(outputs.flatten(0, 1), 250)),
    }


def training_digits(data, backbone: DigitsClassifierBackbone) -> tuple:
    """The Gaussian of the training targets' features, the FD's reference: the training digits as the
    validation digits are served (`train_set.reference`), not the jittered crops training draws."""
    return gaussian_of(backbone, batched(data.train_set.reference("B"), 250))


def main() -> None:
    args = table_arguments(__doc__, "multimodal", seeds=3)
    wanted, results, minutes = run_seeded_table(args, {row: ["model=bicyclegan", *overrides] for row, (_, overrides) in ROWS.items()}, ("psnr",))
    backbone = DigitsClassifierBackbone("~/.cache/gan_lightning")
    lines = ["| model | pixel diversity (mean pairwise L1) | feature diversity | FD to the training digits | val PSNR |", "|---|---|---|---|---|"]
    for row, (label, _) in ROWS.items():
        found = [r for r in results if r["row"] == row]
        if not found:
            continue
        runs = [args.runs / row / f"seed_{r['seed']}" for r in found]
        data = instantiate(OmegaConf.load(runs[0] / "config.yaml").data)
        data.setup()
        reference = training_digits(data, backbone)
        measured = [scores(run, backbone, reference) for run in runs]
        n = "" if len(found) == args.seeds else f" (n={len(found)})"
        cells = " | ".join(mean_se([m[key] for m in measured], 4 if "diversity" in key else 1) for key in METRICS)
        lines.append(f"| {label}{n} | {cells} | {mean_se([r['psnr'] for r in found], 2)} |")
    setup = f"edges -> digits 32x32, batch 16, {OUTPUTS} outputs per validation input, {args.seeds} seeds, {args.workers} one-core workers"
    report("multimodal.py", setup, results, len(wanted) - len(results), minutes, "\n".join(lines), args.output, KEY)


if __name__ == "__main__":
    main()
