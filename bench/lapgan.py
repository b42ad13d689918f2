"""LAPGAN against DCGAN at the same CPU time on the built-in digits (issue 16).

    python bench/lapgan.py                 # trains what is missing (3 seeds), then measures
    python bench/lapgan.py --measure-only  # only the measurements, on finished runs

For each seed, in bench/runs/lapgan/<model>_seed_<s> (a finished run is kept; an interrupted one
resumes from its last checkpoint): `model=lapgan` with its defaults (1,000 iterations), then
`model=dcgan` for as long as that LAPGAN run took (trainer.max_time), both scored only at the end
(metrics.every_n_iterations=null) so evaluations take none of the budget. Each final checkpoint is
scored by `python -m gan_lightning.evaluate` (5,000 samples against the train split, the digits
classifier's features: FD, not FID). The seed-0 LAPGAN grid of every level goes to
docs/images/lapgan_levels.png. Writes bench/lapgan.json and .md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

from seeded_runs import finished_run, logged_iterations, machine, max_time, mean_se, train_resumable

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RUNS = BENCH / "runs" / "lapgan"
QUIET = ["metrics.every_n_iterations=null", "trainer.enable_model_summary=false"]
METRICS = ("fd", "precision", "recall")


def evaluate(run: Path) -> dict:
    out = run / "metrics_final.json"
    if not out.is_file():
        checkpoint = run / "checkpoints" / "last.ckpt"
        command = [sys.executable, "-m", "gan_lightning.evaluate", f"ckpt_path={checkpoint}", "metrics.num_samples=5000", f"output={out}"]
        subprocess.run(command, cwd=REPO, check=True, capture_output=True)
    row = json.loads(out.read_text())["rows"][0]
    return {key: row[key] for key in METRICS}


def report(results: dict) -> str:
    lines = [
        f"`python bench/lapgan.py`: {results['machine']}, {results['date']}; digits 32x32, batch 32; "
        "FD/precision/recall of 5,000 samples on the digits classifier's features.",
        "",
        "| model | seed | iterations | seconds | CPU seconds | FD | precision | recall |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, run in results["runs"].items():
        m = run["metrics"]
        lines.append(
            f"| {name.rsplit('_seed_', 1)[0]} | {name.rsplit('_', 1)[1]} | {run['iterations']:,} | {run['seconds']:.0f} | {run['cpu_seconds']:.0f} "
            f"| {m['fd']:.1f} | {m['precision']:.3f} | {m['recall']:.3f} |"
        )
    lines += ["", "| model | FD (mean ± s.e.) | precision | recall |", "|---|---|---|---|"]
    for model in ("lapgan", "dcgan"):
        runs = [run["metrics"] for name, run in results["runs"].items() if name.startswith(model)]
        if runs:
            lines.append(f"| {model} | " + " | ".join(mean_se([r[key] for r in runs], 1 if key == "fd" else 3) for key in METRICS) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--measure-only", action="store_true", help="measure finished runs, train nothing")
    args = parser.parse_args()
    records = {}
    for seed in range(args.seeds):
        lapgan, dcgan = RUNS / f"lapgan_seed_{seed}", RUNS / f"dcgan_seed_{seed}"
        if not args.measure_only:
            timing = train_resumable(lapgan, ["model=lapgan", f"seed={seed}", *QUIET])
            train_resumable(dcgan, ["model=dcgan", f"seed={seed}", "trainer.max_steps=-1", f"+trainer.max_time={max_time(timing['seconds'])}", *QUIET])
        for run in (lapgan, dcgan):  # every run, or the committed table keeps the rows a partial one would lose
            records[run] = finished_run(run, f"nice -n 19 python bench/lapgan.py --seeds {args.seeds}")
    # measured once every run is known to be there, not seed by seed until a missing one stops the bench
    runs = {run.name: {**record, "iterations": logged_iterations(run), "metrics": evaluate(run)} for run, record in records.items()}
    if (RUNS / "lapgan_seed_0" / "samples" / "levels_last.png").is_file():
        shutil.copy(RUNS / "lapgan_seed_0" / "samples" / "levels_last.png", REPO / "docs" / "images" / "lapgan_levels.png")
    results = {"date": str(date.today()), "machine": machine(), "runs": runs}
    (BENCH / "lapgan.json").write_text(json.dumps(results, indent=2))
    (BENCH / "lapgan.md").write_text(report(results))
    print(report(results))


if __name__ == "__main__":
    main()
