"""StyleGAN against DCGAN on the built-in shapes at equal CPU time, seed for seed (issue 33).

    nice -n 19 python bench/stylegan_fd.py                # trains the DCGAN seeds that are missing, then measures
    nice -n 19 python bench/stylegan_fd.py --seeds 1      # one seed (separate invocations train side by side)
    python bench/stylegan_fd.py --measure-only            # only the table, on finished runs
    nice -n 19 python bench/stylegan_fd.py --size 64      # the same on 64x64 shapes (style_mixing.py --variant 64px)

The issue's aim: StyleGAN reaches at least DCGAN's FD at equal CPU time on shapes. The StyleGAN runs
are `bench/style_mixing.py`'s (`model=stylegan data=shapes seed=S`, 3,000 iterations on one core, and
its `--variant demodulate`); this trains `model=dcgan data=shapes seed=S` on one core for the
preset's seed-S run's CPU seconds (`trainer.max_time`, wall time: give each run a core of its own;
the table reports the CPU time each run had), or, where that StyleGAN run was resumed after an
interruption (its record then counts only the last part), for the mean of the seeds' whole runs.
Each final checkpoint is scored by `python -m gan_lightning.evaluate` on 5,000 samples (the factor
classifier's features: FD, not FID), and each run's own evaluations (2,000 samples) give FD at equal
iterations: DCGAN's nearest to StyleGAN's 3,000.
Writes bench/stylegan_fd.json and .md (`--size 64`: bench/stylegan_fd_64px.*, the preset only).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
from datetime import date
from pathlib import Path

from progressive_style import RUNS, evaluate
from style_mixing import SEEDS, run_name

from seeded_runs import finished_run, logged_iterations, machine, max_time, minutes, train_resumable

BENCH = Path(__file__).resolve().parent
STYLEGAN_ITERATIONS = 3000  # model=stylegan's trainer.max_steps (conf/budget/stylegan.yaml): where DCGAN is read at equal steps
# Per image size: the StyleGAN runs (label -> bench/style_mixing.py's variant), the first of them DCGAN's budget
STYLEGANS = {
    32: {"StyleGAN (AdaIN, the preset)": "preset", "StyleGAN2's demodulation": "demodulate"},
    64: {"StyleGAN (AdaIN, the preset)": "64px"},
}


def dcgan_name(seed: int, size: int) -> str:
    return f"dcgan_equal_seed_{seed}" if size == 32 else f"dcgan_equal_{size}px_seed_{seed}"


def budget(seed: int, variant: str) -> float:
    """DCGAN's CPU seconds for a seed: its StyleGAN run's (`variant`); where that run was resumed after an
    interruption (its bench.json then counts only the last part), the mean of the seeds' runs that were not."""
    runs = {other: RUNS / run_name(other, variant) / "bench.json" for other in {*SEEDS, seed}}
    runs = {other: json.loads(path.read_text()) for other, path in runs.items() if path.is_file()}
    if not runs[seed].get("resumed"):
        return runs[seed]["cpu_seconds"]
    whole = [run["cpu_seconds"] for run in runs.values() if not run.get("resumed")]
    if not whole:
        raise SystemExit(f"every finished {variant} StyleGAN run was resumed, so none has its whole CPU time: retrain one")
    return statistics.mean(whole)


def fd_curve(name: str) -> list[tuple[int, float]]:
    """(step, FD) of a run's own evaluations."""
    with open(RUNS / name / "metrics.csv", newline="") as file:
        return [(int(row["step"]), float(row["val/fd"])) for row in csv.DictReader(file) if row.get("val/fd")]


def fd_near(curve: list[tuple[int, float]], step: int) -> tuple[int, float]:
    return min(curve, key=lambda point: abs(point[0] - step))


def run_row(name: str, bench: dict) -> dict:
    """A finished run (`bench`: its bench.json) measured."""
    return {
        "run": name,
        "command": bench["command"],
        "cpu_minutes": bench["cpu_seconds"] / 60,
        "cpu_time": cpu_time(bench),
        "iterations": logged_iterations(RUNS / name),
        "final": evaluate(name),
        "curve": fd_curve(name),
    }


def cpu_time(run: dict) -> str:
    """A run's CPU time as the table gives it (`run`: its bench.json). A resumed run's record counts only
    its last part; a DCGAN run's time is then its budget, trainer.max_time, which Lightning's Timer
    keeps across the resume."""
    if run.get("resumed") and "max_time=" in run["command"]:
        days, hours, mins, secs = map(int, run["command"].split("max_time=")[1].split()[0].split(":"))
        return f"{(days * 24 + hours) * 60 + mins + secs / 60:.1f} min (its budget; resumed)"
    return minutes(run)


def report(results: dict) -> str:
    seeds, dcgan = results["seeds"], results["dcgan"]
    lines = [
        f"# StyleGAN and DCGAN on {results['size']}x{results['size']} shapes at equal CPU time ({results['date']}, {results['machine']})",
        "",
        "FD, precision and recall of the final checkpoints on 5,000 samples; 'at ~3,000 iterations': the",
        "runs' own evaluations (2,000 samples), DCGAN's nearest to StyleGAN's end.",
        "",
        "| run | seed | CPU time | iterations | FD | precision | recall | lowest FD (iteration) | FD / DCGAN's | at ~3,000 iterations |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, rows in [("DCGAN", dcgan), *results["stylegan"].items()]:
        for seed in seeds:
            row, reference = rows[str(seed)], dcgan[str(seed)]
            m, (low_step, low) = row["final"], min(row["curve"], key=lambda point: point[1])
            step, near = fd_near(row["curve"], STYLEGAN_ITERATIONS - 1)
            lines.append(
                f"| {label} | {seed} | {row['cpu_time']} | {row['iterations']:,} | {m['fd']:.1f} | {m['precision']:.3f} "
                f"| {m['recall']:.3f} | {low:.1f} ({low_step + 1:,}) | {m['fd'] / reference['final']['fd']:.2f} | {near:.1f} ({step + 1:,}) |"
            )
    lines += ["", "Mean ± std over seeds (final FD):", ""]
    for label, rows in [("DCGAN", dcgan), *results["stylegan"].items()]:
        fds = [rows[str(seed)]["final"]["fd"] for seed in seeds]
        spread = f" ± {statistics.stdev(fds):.1f}" if len(fds) > 1 else ""
        lines.append(f"- {label}: {statistics.mean(fds):.1f}{spread}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure-only", action="store_true", help="measure finished runs, train nothing")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--size", type=int, choices=STYLEGANS, default=32, help="the shapes' image size")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    stylegans, size = STYLEGANS[args.size], args.size
    stylegan_runs = {  # every run the table reads is there before anything trains or is measured
        label: {
            seed: finished_run(RUNS / run_name(seed, variant), f"nice -n 19 python bench/style_mixing.py --variant {variant} --seeds {seed}")
            for seed in args.seeds
        }
        for label, variant in stylegans.items()
    }
    if args.measure_only:
        dcgan_runs = {
            seed: finished_run(RUNS / dcgan_name(seed, size), f"nice -n 19 python bench/stylegan_fd.py --size {size} --seeds {seed}")
            for seed in args.seeds
        }
    else:
        sized = [] if size == 32 else [f"data.image_size={size}"]  # 32: the data's default
        dcgan_runs = {}
        for seed in args.seeds:
            seconds = budget(seed, next(iter(stylegans.values())))  # the first StyleGAN's time
            overrides = ["model=dcgan", "data=shapes", *sized, f"seed={seed}", "trainer.max_steps=-1", f"+trainer.max_time={max_time(seconds)}"]
            dcgan_runs[seed] = train_resumable(RUNS / dcgan_name(seed, size), overrides)
    results = {
        "date": str(date.today()),
        "machine": machine(),
        "size": size,
        "seeds": args.seeds,
        "dcgan": {str(seed): run_row(dcgan_name(seed, size), run) for seed, run in dcgan_runs.items()},
        "stylegan": {
            label: {str(seed): run_row(run_name(seed, variant), stylegan_runs[label][seed]) for seed in args.seeds}
            for label, variant in stylegans.items()
        },
    }
    output = BENCH / ("stylegan_fd" if size == 32 else f"stylegan_fd_{size}px")
    output.with_suffix(".json").write_text(json.dumps(results, indent=2))
    output.with_suffix(".md").write_text(report(results))
    print(report(results))


if __name__ == "__main__":
    main()
