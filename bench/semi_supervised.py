"""Semi-supervised digits (issue 16): the semi-supervised GAN (Salimans et al. 2016: K-class D,
logsumexp real/fake, feature matching) against the same D trained as a plain classifier on the
labelled examples alone (model.unsupervised_weight=0: same networks, optimizer and iterations), with
20, 50 and 100 labels (as many per class), 5 seeds each. A seed draws the networks, the noise and
which examples keep their labels (data.labelled_seed).

    nice -n 19 python bench/semi_supervised.py             # the whole table: 2 rows x 3 label counts x 5 seeds
    python bench/semi_supervised.py --labels 20 --seeds 1 --iterations 500

Each cell trains `model=ssgan` on the 8x8 digits (1,617 training, 180 validation images) on one core
and reports the final val/error on the validation split (and the samples' FD with the digits
classifier). Runs go to bench/runs/semi_supervised/<row>/labelled_<n>/seed_<s>/; finished cells are
kept, so the table resumes. Writes bench/semi_supervised.md and .json.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from seeded_runs import mean_se, report, run_table

BENCH = Path(__file__).resolve().parent
KEY = ("row", "labelled", "seed")
METRICS = ("error", "fd")
ROWS = {  # key: (name in the table, overrides)
    "classifier": ("D alone, labelled examples only", ["model.unsupervised_weight=0"]),
    "ssgan": ("semi-supervised GAN, feature matching", []),
}
# Salimans et al. 2016, Table 1: permutation-invariant MNIST (60,000 images), test error % (feature matching).
PUBLISHED_MNIST = {20: "16.77 ± 4.52", 50: "2.21 ± 1.36", 100: "0.93 ± 0.065"}
PUBLISHED_SVHN = "8.11 ± 1.3"  # Table 2: SVHN, 1,000 labels


def overrides_for(row: str, labelled: int, seed: int, iterations: int, extra: list[str]) -> list[str]:
    return [
        "model=ssgan",
        f"seed={seed}",
        f"data.labelled={labelled}",
        f"data.labelled_seed={seed}",
        *ROWS[row][1],
        f"trainer.max_steps={iterations}",
        "metrics.every_n_iterations=null",  # scored once, when training ends
        "~callbacks.rich_progress_bar",
        "logger=csv",
        "trainer.enable_model_summary=false",
        "+trainer.enable_progress_bar=false",
        *extra,
    ]


def table(results: list[dict], labels: list[int], seeds: int) -> str:
    header = " | ".join(f"{ROWS[row][0]}: error %" for row in ROWS)
    lines = [f"| labels | {header} | FM GAN samples' FD | published, MNIST (60,000 images) |", "|---|---|---|---|---|"]
    for count in labels:
        cells = []
        for row in ROWS:
            cell = [r for r in results if r["row"] == row and r["labelled"] == count]
            n = "" if len(cell) == seeds else f" (n={len(cell)})"
            cells.append(f"{mean_se([100 * r['error'] for r in cell], 1)}{n}" if cell else "")
        gan = [r["fd"] for r in results if r["row"] == "ssgan" and r["labelled"] == count]
        lines.append(f"| {count} | {' | '.join(cells)} | {mean_se(gan, 1) if gan else ''} | {PUBLISHED_MNIST.get(count, '')} |")
    lines.append(f"| 1,000 (SVHN, a different data set) | | | | feature matching {PUBLISHED_SVHN} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", nargs="+", default=list(ROWS), choices=list(ROWS))
    parser.add_argument("--labels", nargs="+", type=int, default=[20, 50, 100])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--set", nargs="*", default=[], help="more overrides, for every row")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--runs", type=Path, default=BENCH / "runs" / "semi_supervised")
    parser.add_argument("--collect", action="store_true", help="train nothing: tabulate the runs already finished")
    parser.add_argument("--output", type=Path, default=BENCH / "semi_supervised", help="writes <output>.md and <output>.json")
    args = parser.parse_args()

    jobs = [(row, count, seed) for count in args.labels for seed in range(args.seeds) for row in args.rows]
    wanted = {job: overrides_for(*job, args.iterations, args.set) for job in jobs}

    def run_dir(job: tuple) -> Path:
        return args.runs / job[0] / f"labelled_{job[1]}" / f"seed_{job[2]}"

    def describe(job: tuple) -> dict:
        return {"row": job[0], "labelled": job[1], "seed": job[2], "iterations": args.iterations}

    results, minutes = run_table(wanted, args, KEY, run_dir, describe, METRICS)
    setup = f"8x8 digits (180 validation images), batch 100, {args.iterations:,} iterations, {args.seeds} seeds, {args.workers} one-core workers"
    report("semi_supervised.py", setup, results, len(jobs) - len(results), minutes, table(results, args.labels, args.seeds), args.output, KEY)


if __name__ == "__main__":
    main()
