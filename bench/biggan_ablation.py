"""BigGAN's ablation (Brock et al. 2019, Table 1) at small scale on the built-in digits (issue 15):
the SAGAN baseline, then cumulatively + width (ch x1.5), + shared class embedding, + skip-z
(hierarchical latent), + orthogonal regularisation; then the last row's checkpoints sampled with the
truncation trick at two thresholds. 3 seeds a row, each the preset's default schedule (1,000
iterations, batch 32); EMA off in every row (not one of the table's steps).

    nice -n 19 python bench/biggan_ablation.py --set metrics.every_n_iterations=null   # the table in RESULTS:
                                                               # trains what is missing, evaluates once at the end
    python bench/biggan_ablation.py --rows sagan --seeds 1 --iterations 100

Each cell trains `model=biggan` with the row's switches on one core (bench/runs/biggan_ablation/<row>/
seed_<s>; finished cells are kept) and reports the last evaluation: FD, the classifier score (IS on
the digits classifier), intra-class FD, class accuracy (the share of samples the digits classifier
gives the class they were drawn for), precision and recall (2,000 samples, the digits classifier's
features: FD, not FID). Writes bench/biggan_ablation.md and .json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from seeded_runs import mean_se, report, run_table

BENCH = Path(__file__).resolve().parent
KEY = ("row", "seed")
METRICS = ("fd", "classifier_score", "intra_fd", "class_accuracy", "precision", "recall")


def switches(width: bool = False, shared: bool = False, skip_z: bool = False, ortho: bool = False) -> list[str]:
    """model=biggan's overrides with the given pieces on, the others off; EMA off."""
    return [
        f"model.generator.ch={12 if width else 8}",
        f"model.discriminator.ch={12 if width else 8}",
        f"model.generator.shared_embedding={str(shared).lower()}",
        f"model.generator.hierarchical={str(skip_z).lower()}",
        f"model.ortho_weight={1e-4 if ortho else 0}",
        "model.ema_decay=null",
    ]


ROWS = {  # key: (name in the table, overrides on model=biggan); each row adds one piece to the one above
    "sagan": ("SAGAN baseline (ch 8)", switches()),
    "width": ("+ width (ch 12)", switches(width=True)),
    "shared": ("+ shared embedding", switches(width=True, shared=True)),
    "skipz": ("+ skip-z", switches(width=True, shared=True, skip_z=True)),
    "ortho": ("+ orthogonal regularisation", switches(width=True, shared=True, skip_z=True, ortho=True)),
}
TRUNCATIONS = (1.0, 0.5)
# Brock et al. 2019, Table 1 (ImageNet 128x128): FID / IS of the rows this table repeats.
PUBLISHED = {
    "SAGAN baseline (ch 8)": "SAGAN baseline (batch 256): 18.65 / 52.52",
    "+ width (ch 12)": "+ ch x1.5 (batch 2048): 9.18 / 94.94",
    "+ shared embedding": "+ shared: 9.21 / 98.76",
    "+ skip-z": "+ skip-z: 8.73 / 98.94",
    "+ orthogonal regularisation": "+ ortho: 8.51 / 99.31",
}


def overrides_for(row: str, seed: int, iterations: int | None, extra: list[str]) -> list[str]:
    return [
        "model=biggan",
        f"seed={seed}",
        *ROWS[row][1],
        *([f"trainer.max_steps={iterations}"] if iterations else []),
        "~callbacks.rich_progress_bar",
        "logger=csv",
        "trainer.enable_model_summary=false",
        "+trainer.enable_progress_bar=false",
        *extra,
    ]


def truncated(run: Path, threshold: float) -> dict:
    """The run's last checkpoint scored with truncation=threshold (python -m gan_lightning.evaluate)."""
    out = run / f"metrics_truncation_{threshold}.json"
    if not out.is_file():
        checkpoint = run / "checkpoints" / "last.ckpt"
        command = [sys.executable, "-m", "gan_lightning.evaluate", f"ckpt_path={checkpoint}", f"truncation={threshold}", f"output={out}"]
        subprocess.run(command, cwd=BENCH.parent, check=True, capture_output=True)
    return json.loads(out.read_text())["rows"][0]


def cell(values: list[float], digits: int) -> str:
    return mean_se(values, digits) if values else ""


def table(results: list[dict], rows: list[str], seeds: int, truncations: dict[float, list[dict]]) -> str:
    header = "| row | FD | classifier score | intra-class FD | class accuracy | precision | recall | published (ImageNet 128, FID / IS) |"
    lines = [header, "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        found = [r for r in results if r["row"] == row]
        n = "" if len(found) == seeds else f" (n={len(found)})"
        values = [cell([r[m] for r in found], 1 if "fd" in m else 3) for m in METRICS]
        lines.append(f"| {ROWS[row][0]}{n} | {' | '.join(values)} | {PUBLISHED.get(ROWS[row][0], '')} |")
    for threshold, scored in truncations.items():
        values = [cell([r[m] for r in scored if m in r], 1 if "fd" in m else 3) for m in METRICS]
        lines.append(f"| last row, truncation {threshold} (n={len(scored)}) | {' | '.join(values)} | truncation trades variety for fidelity (Figure 2) |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", nargs="+", default=list(ROWS), choices=list(ROWS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--iterations", type=int, help="iterations per run (default: the preset's)")
    parser.add_argument("--set", nargs="*", default=[], help="more overrides, for every row")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--runs", type=Path, default=BENCH / "runs" / "biggan_ablation")
    parser.add_argument("--collect", action="store_true", help="train nothing: tabulate the runs already finished")
    parser.add_argument("--output", type=Path, default=BENCH / "biggan_ablation", help="writes <output>.md and <output>.json")
    args = parser.parse_args()

    jobs = [(row, seed) for row in args.rows for seed in range(args.seeds)]
    wanted = {job: overrides_for(*job, args.iterations, args.set) for job in jobs}

    def run_dir(job: tuple) -> Path:
        return args.runs / job[0] / f"seed_{job[1]}"

    def describe(job: tuple) -> dict:
        return {"row": job[0], "seed": job[1], "iterations": args.iterations or "preset"}

    results, minutes = run_table(wanted, args, KEY, run_dir, describe, METRICS)
    last = [run_dir(("ortho", r["seed"])) for r in results if r["row"] == "ortho"]
    truncations = {threshold: [truncated(run, threshold) for run in last] for threshold in TRUNCATIONS} if last else {}
    setup = f"digits 32x32, batch 32, {args.seeds} seeds, {args.workers} one-core workers"
    report("biggan_ablation.py", setup, results, len(jobs) - len(results), minutes, table(results, args.rows, args.seeds, truncations), args.output, KEY)


if __name__ == "__main__":
    main()
