"""Mode covering versus mode seeking (seed 000, after Theis et al. 2016): a model fitted by maximum
likelihood (VAE, PixelCNN) must put mass wherever the data is, so it covers every mode and spreads
between them; a GAN's game tolerates missing modes, so it seeks a few and is sharp on those.

Two tables, every row under the same evaluation:
- digits: GAN (MLPs), DCGAN, VAE and PixelCNN on the 8x8 digits (17 ink levels, where the likelihoods
  are exact), 1,000 iterations each (20 epochs at batch 32, the default schedule), scored once at the
  end on 2,000 samples with the digits classifier: FD, precision, recall, density, coverage, KD and
  the classifier score; the likelihood families also report validation bits per dimension beside the
  independent-pixels baseline;
- grid: GAN (the PacGAN protocol's networks with the TTUR setting that did best in
  bench/mode_coverage.py) and the VAE (experiment=mode_coverage_vae) on the 25-Gaussian grid, 4,000
  iterations each: modes covered, share of high-quality samples, reverse KL; and a picture of seed 0's
  samples over the modes (bench/covering_seeking.png).

    python bench/covering_seeking.py [--workers 2] [--seeds 3] [--collect]

Runs go to bench/runs/covering_seeking/<table>_<row>/seed_<s>/; results to bench/covering_seeking.md
and .json; finished cells are reused.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from seeded_runs import finished, mean_se, report, run_missing

BENCH = Path(__file__).resolve().parent
KEY = ("table", "row", "seed")
QUIET = ["~callbacks.rich_progress_bar", "logger=csv", "trainer.enable_model_summary=false", "+trainer.enable_progress_bar=false"]
SAMPLE_SCORES = ("fd", "precision", "recall", "density", "coverage", "kd", "classifier_score")
LIKELIHOOD_SCORES = ("bits_per_dim", "bits_per_dim_independent")
MODE_SCORES = ("modes", "high_quality", "reverse_kl")
TTUR = ["model.d_optimizer.lr=1e-3", "model.g_optimizer.lr=1e-4", "model.d_optimizer.betas=[0.5,0.999]", "model.g_optimizer.betas=[0.5,0.999]"]
ROWS: dict[tuple[str, str], tuple[str, list[str], tuple[str, ...]]] = {  # (table, row): (name, overrides, scores)
    ("digits", "gan"): ("GAN (MLPs)", ["model=gan"], SAMPLE_SCORES),
    ("digits", "dcgan"): ("DCGAN", ["model=dcgan"], SAMPLE_SCORES),
    ("digits", "vae"): ("VAE, decoder means", ["model=vae"], SAMPLE_SCORES + LIKELIHOOD_SCORES),
    ("digits", "vae_draws"): ("VAE, draws from p(x given z)", ["model=vae", "model.sample_noise=true"], SAMPLE_SCORES + LIKELIHOOD_SCORES),
    ("digits", "pixelcnn"): ("PixelCNN", ["model=pixelcnn"], SAMPLE_SCORES + LIKELIHOOD_SCORES),
    ("grid", "gan"): ("GAN + TTUR", ["experiment=mode_coverage", "data=grid", *TTUR], MODE_SCORES),
    ("grid", "vae"): ("VAE (draws from the model)", ["experiment=mode_coverage_vae", "data=grid"], MODE_SCORES),
}


def overrides_for(table: str, row: str, seed: int) -> list[str]:
    schedule = (
        ["data=digits_8x8", "trainer.max_epochs=20", "metrics.every_n_epochs=0"]
        if table == "digits"
        else ["trainer.max_steps=4000", "trainer.max_epochs=-1", "callbacks.evaluation.every_n_epochs=100000"]
    )
    return [*ROWS[table, row][1], *schedule, f"seed={seed}", *QUIET]


def run_dir(key: tuple) -> Path:
    table, row, seed = key
    return BENCH / "runs" / "covering_seeking" / f"{table}_{row}" / f"seed_{seed}"


def tables(results: list[dict], seeds: int) -> str:
    by_cell: dict[tuple[str, str], list[dict]] = {}
    for result in results:
        by_cell.setdefault((result["table"], result["row"]), []).append(result)
    lines = [
        f"Digits, 8x8, 1,000 iterations (mean ± s.e. over {seeds} seeds; 2,000 samples against the training split,",
        "digits-classifier features; bits per dimension on the validation split, the VAE's an importance-weighted bound, k = 100):",
        "",
        "| | FD | precision | recall | density | coverage | KD | classifier score | bits/dim | independent pixels |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (table, row), (name, _, scores) in ROWS.items():
        cells = by_cell.get((table, row), [])
        if table != "digits" or not cells:
            continue
        values = [mean_se([c[s] for c in cells], 3 if s not in ("fd",) else 1) for s in SAMPLE_SCORES]
        bits = [mean_se([c[s] for c in cells], 3) if s in scores else "" for s in LIKELIHOOD_SCORES]
        lines.append(f"| {name} ({len(cells)}) | " + " | ".join(values + bits) + " |")
    lines += [
        "",
        f"Grid of 25 Gaussians, 4,000 iterations (mean ± s.e. over {seeds} seeds; 2,500 samples; PacGAN protocol's scoring):",
        "",
        "| | modes /25 | high-quality samples | reverse KL |",
        "|---|---|---|---|",
    ]
    for (table, row), (name, _, _) in ROWS.items():
        cells = by_cell.get((table, row), [])
        if table == "grid" and cells:
            hq = mean_se([100 * c["high_quality"] for c in cells], 1)
            lines.append(f"| {name} ({len(cells)}) | {mean_se([c['modes'] for c in cells], 1)} | {hq}% | {mean_se([c['reverse_kl'] for c in cells], 2)} |")
    return "\n".join(lines)


def picture(path: Path) -> None:
    """Seed 0's 2,500 samples of each grid row over the 25 mode centres, side by side."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from gan_lightning.data import mixture_modes
    from gan_lightning.metrics.modes import mode_statistics
    from gan_lightning.models import load_family

    modes, std = mixture_modes("grid")
    rows = [(table, row) for table, row in ROWS if table == "grid"]
    figure = Figure(figsize=(4.2 * len(rows), 4.4), dpi=90)
    FigureCanvasAgg(figure)
    for ax, (table, row) in zip(figure.subplots(1, len(rows)), rows):
        checkpoint = run_dir((table, row, 0)) / "checkpoints" / "last.ckpt"
        if not checkpoint.is_file():
            continue
        samples = load_family(checkpoint).sample_indexed(range(2500))[0].float()
        stats = mode_statistics(samples, modes, std)
        ax.scatter(samples[:, 0], samples[:, 1], s=1, c="black", alpha=0.4, linewidths=0)
        ax.scatter(modes[:, 0], modes[:, 1], s=30, c="red", marker="x", linewidths=1)
        ax.set(xlim=(-6, 6), ylim=(-6, 6), aspect="equal")
        ax.set_title(f"{ROWS[table, row][0]}: {stats['modes']}/25 modes, {100 * stats['high_quality']:.0f}% HQ", fontsize=9)
    figure.tight_layout()
    figure.savefig(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2)))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--collect", action="store_true", help="tabulate the finished cells, train nothing")
    args = parser.parse_args()
    output = BENCH / "covering_seeking"
    wanted = {(table, row, seed): overrides_for(table, row, seed) for (table, row) in ROWS for seed in range(args.seeds)}
    start = time.perf_counter()
    results = finished(BENCH / "runs" / "covering_seeking", output, wanted, KEY)
    if not args.collect:
        run_missing(wanted, results, run_dir, lambda key: dict(zip(KEY, key)), lambda key: ROWS[key[0], key[1]][2], args.workers)
    picture(BENCH / "covering_seeking.png")
    setup = "digits 8x8 (1,000 iterations) and the 2D grid (4,000 iterations), every row under one evaluation"
    ordered = [results[key] for key in wanted if key in results]
    report("covering_seeking.py", setup, ordered, len(wanted) - len(ordered), (time.perf_counter() - start) / 60, tables(ordered, args.seeds), output, KEY)


if __name__ == "__main__":
    main()
