"""BEGAN's two claims on the built-in digits (issue 16): the convergence measure M tracks sample
quality, and gamma trades diversity for quality.

    nice -n 19 python bench/began.py [--iterations 3000]

Trains `model=began` with gamma 0.3, 0.5, 0.7 and 1.0 (bench/runs/began/gamma_G; a finished run is kept,
an interrupted one resumes), each evaluated every 250 iterations (FD on the digits classifier,
precision and recall). For each run: the Spearman correlation between M, averaged over the
iterations since the previous evaluation, and FD at the evaluations (positive: M falls as FD falls),
and the last evaluation's FD, precision and recall. Writes bench/began.json and .md.
"""

from __future__ import annotations

import argparse
import csv
import json
from datetime import date
from pathlib import Path

from scipy.stats import spearmanr

from seeded_runs import machine, train_resumable

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RUNS = BENCH / "runs" / "began"
GAMMAS = (0.3, 0.5, 0.7, 1.0)  # the three, and 1.0: where k leaves 0 on these digits


def run(gamma: float, iterations: int) -> dict:
    return train_resumable(RUNS / f"gamma_{gamma}", ["model=began", f"model.gamma={gamma}", f"trainer.max_steps={iterations}"])


def measure(run_dir: Path) -> dict:
    """From a run's metrics.csv: Spearman(M, FD) over its evaluations (M averaged over the iterations
    since the previous one), the last k and the last evaluation."""
    with open(run_dir / "metrics.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    evaluations = [(int(r["step"]), float(r["val/fd"]), float(r["val/precision"]), float(r["val/recall"])) for r in rows if r.get("val/fd")]
    convergence = [(int(r["step"]), float(r["train/convergence"])) for r in rows if r.get("train/convergence")]
    convergence_k = [float(r["train/k"]) for r in rows if r.get("train/k")]
    points, previous = [], -1
    for step, fd, _, _ in evaluations:
        window = [m for s, m in convergence if previous < s <= step]
        points.append((sum(window) / len(window), fd))
        previous = step
    correlation = spearmanr([m for m, _ in points], [fd for _, fd in points])
    last = evaluations[-1]
    return {
        "final_k": convergence_k[-1],
        "spearman_m_fd": float(correlation.statistic),
        "p_value": float(correlation.pvalue),
        "evaluations": len(points),
        "m_and_fd": points,
        "final": {"step": last[0], "fd": last[1], "precision": last[2], "recall": last[3]},
    }


def report(results: dict) -> str:
    lines = [
        f"# BEGAN on digits ({results['date']}, {results['machine']}, {results['iterations']} iterations)",
        "",
        "| gamma | Spearman(M, FD) over evaluations | p | final FD | precision | recall | final k | wall time |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for gamma, r in results["runs"].items():
        f = r["final"]
        correlation = f"{r['spearman_m_fd']:.2f} ({r['evaluations']} points) | {r['p_value']:.2g}"
        row = f"{f['fd']:.1f} | {f['precision']:.3f} | {f['recall']:.3f} | {r['final_k']:.4f} | {r['seconds'] / 60:.1f} min"
        lines.append(f"| {gamma} | {correlation} | {row} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=3000)
    args = parser.parse_args()
    runs = {}
    for gamma in GAMMAS:
        runs[str(gamma)] = {**run(gamma, args.iterations), **measure(RUNS / f"gamma_{gamma}")}
    results = {
        "date": str(date.today()),
        "machine": machine(),
        "iterations": args.iterations,
        "runs": runs,
    }
    (BENCH / "began.json").write_text(json.dumps(results, indent=2))
    (BENCH / "began.md").write_text(report(results))
    print(report(results))


if __name__ == "__main__":
    main()
