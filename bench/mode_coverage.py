"""PacGAN's 2D mode-coverage table (Lin et al. 2018, arXiv 1712.04086, Table 1), reproduced.

Each row is a set of Hydra overrides on `experiment=mode_coverage` (the protocol's networks, data and
optimizer); each cell trains one seed and scores 2,500 samples at the end (modes, high-quality share,
reverse KL). Runs go to bench/runs/mode_coverage/<row>/<data>/seed_<s>/ and keep their metrics.csv.

    python bench/mode_coverage.py                          # the whole table: 6 rows x 2 mixtures x 10 seeds
    python bench/mode_coverage.py --rows gan pacgan4 --data grid --seeds 3 --iterations 2000

The table (mean +- standard error over seeds) is printed beside the published numbers and written,
with the per-seed results, to bench/mode_coverage.md and bench/mode_coverage.json.

With --budget N every row gets N iterations and its seeds train together, seed-batched
(`gan_lightning.seed_batch`: one process per row and mixture, the runs vectorised, each its own
weights, data, noise and log), into bench/runs/mode_coverage_<N>/ and bench/mode_coverage_<N>.md/.json:

    nice -n 19 python bench/mode_coverage.py --budget 10000          # GAN and the best probe, 10 seeds each
    python bench/mode_coverage.py --budget 10000 --rows best best_ema --data grid --seeds 3   # probes

Each row-and-mixture group saves a checkpoint every 1,000 iterations and each seed its result when
done, so an interrupted table resumes where it stopped, row by row and seed by seed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from seeded_runs import finished, mean_se, report, run_table

BENCH = Path(__file__).resolve().parent
KEY = ("row", "data", "seed")
METRICS = ("modes", "high_quality", "reverse_kl")

# The protocol trains 400 epochs of 1,000 iterations. This machine does about 24 GAN iterations a
# second per core (G alone is 4 x 400 units with batch norm: ~1 GFLOP an iteration), so that schedule
# would take 160 core-hours for the table. Instead every run gets about the same compute, ~105 s of
# one core: 2,500 iterations of the one-D-step rows; WGAN-GP (5 critic steps with a double backward
# each) and the unrolled GAN (5 differentiable D steps inside every G step) get fewer.
TTUR = ["model.g_optimizer.lr=1e-4", "model.d_optimizer.lr=1e-3", "model.g_optimizer.betas=[0.5,0.999]", "model.d_optimizer.betas=[0.5,0.999]"]
DECAY = "{_target_:torch.optim.lr_scheduler.MultiStepLR,_partial_:true,milestones:[6000],gamma:0.1}"
DECAYS = ["model.scheduler_interval=iteration", *(f"model.{player}_scheduler={DECAY}" for player in "gd")]
ROWS: dict[str, tuple[str, int, list[str]]] = {  # key: (name in the table, iterations, overrides)
    "gan": ("GAN", 2500, []),
    "wgan_gp": (
        "WGAN-GP",  # the WGAN-GP toy code: n_critic 5, weight 10, Adam betas (0.5, 0.9), no norm in the critic
        500,
        ["model=wgan_gp", "model.discriminator.norm=none", "model.g_optimizer.betas=[0.5,0.9]", "model.d_optimizer.betas=[0.5,0.9]"],
    ),
    "unrolled": ("Unrolled GAN", 300, ["model=unrolled"]),
    "pacgan2": ("PacGAN2", 2500, ["model.discriminator.pack=2"]),
    "pacgan4": ("PacGAN4", 2500, ["model.discriminator.pack=4"]),
    # The best found for this short schedule: D learns 10x faster than G (TTUR, Heusel et al. 2017)
    # and both use beta1 = 0.5, so D resolves the 0.05-wide modes before G spreads over them.
    "best": ("GAN + TTUR (D 1e-3, G 1e-4)", 2500, TTUR),
    # Candidates for the longer budgets' best row, probed with --budget.
    "best_ema": ("GAN + TTUR + G EMA 0.99", 2500, [*TTUR, "model.ema_decay=0.99"]),
    "best_pack2": ("PacGAN2 + TTUR", 2500, [*TTUR, "model.discriminator.pack=2"]),
    "best_decay": ("GAN + TTUR, both rates x0.1 after 6,000 iterations", 2500, [*TTUR, *DECAYS]),
    "best_ema_decay": ("GAN + TTUR + G EMA 0.99 + the rate drop", 2500, [*TTUR, "model.ema_decay=0.99", *DECAYS]),
    "best_ema_pack2": ("PacGAN2 + TTUR + G EMA 0.99", 2500, [*TTUR, "model.ema_decay=0.99", "model.discriminator.pack=2"]),
    "best_ema_pack2_decay": ("PacGAN2 + TTUR + G EMA 0.99 + the rate drop", 2500, [*TTUR, "model.ema_decay=0.99", "model.discriminator.pack=2", *DECAYS]),
    "best_ema_pack4_decay": ("PacGAN4 + TTUR + G EMA 0.99 + the rate drop", 2500, [*TTUR, "model.ema_decay=0.99", "model.discriminator.pack=4", *DECAYS]),
}
BATCHED_ROWS = ["gan", "best_ema_decay"]  # the --budget table's default rows: GAN and the probes' best
PUBLISHED = {  # Lin et al. 2018, Table 1 (400 epochs): modes, HQ %, reverse KL (mean +- s.e.)
    "GAN": {"ring": ("6.3±0.5", "98.2%", "0.45±0.09"), "grid": ("17.3±0.8", "94.8%", "0.70±0.07")},
    "PacGAN2": {"ring": ("7.9±0.1", "95.6%", "0.07±0.03"), "grid": ("23.8±0.7", "91.3%", "0.13±0.04")},
    "PacGAN4": {"ring": ("7.8±0.1", "95.9%", "0.07±0.02"), "grid": ("24.8±0.2", "93.6%", "0.04±0.01")},
}


def overrides_for(row: str, data: str, seed: int, iterations: int, extra: list[str]) -> list[str]:
    """The Hydra overrides of one cell: the protocol, the row's settings, the schedule."""
    return [
        "experiment=mode_coverage",
        f"data={data}",
        f"seed={seed}",
        f"data.seed={seed}",
        *ROWS[row][2],
        f"trainer.max_steps={iterations}",
        "trainer.max_epochs=-1",
        "~callbacks.rich_progress_bar",
        "callbacks.evaluation.every_n_epochs=100000",  # scored once, when training ends
        "logger=csv",
        "trainer.enable_model_summary=false",
        "+trainer.enable_progress_bar=false",
        *extra,
    ]


def train_batched(cells: dict[tuple, list[str]], group_dir: Path, iterations: int) -> list[dict]:
    """Train the seeds of one row and mixture (key -> overrides) seed-batched on one core, resuming
    from its checkpoint in group_dir; score each, and save its result in group_dir/seed_<s>/result.json.
    The checkpoint is named by its seeds: seeds added later train as a group of their own beside it."""
    import torch
    from hydra import compose, initialize_config_dir

    from gan_lightning.cli import config_dir
    from gan_lightning.data.toy import mixture_modes
    from gan_lightning.metrics.modes import mode_statistics
    from gan_lightning.seed_batch import fit, runs_from_configs

    torch.set_num_threads(1)
    run_dirs = [group_dir / f"seed_{key[2]}" for key in cells]
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        configs = [compose(config_name="train", overrides=[*overrides, f"paths.output_dir={run_dir}"]) for overrides, run_dir in zip(cells.values(), run_dirs)]
    start = time.perf_counter()
    batch = runs_from_configs(configs)
    fit(batch, iterations, group_dir / f"batch_seeds_{'_'.join(str(key[2]) for key in cells)}.pt", run_dirs)
    seconds = time.perf_counter() - start  # a resumed group counts this part only
    modes, std = mixture_modes(configs[0].data.kind)
    results = []
    for (key, overrides), family, run_dir in zip(cells.items(), batch.write_back(), run_dirs):
        with torch.no_grad():
            stats = mode_statistics(family.sample_indexed(range(2500))[0], modes, std)
        result = {**dict(zip(KEY, key)), "iterations": iterations, "seconds": round(seconds / len(cells), 1), "batched": len(cells), **stats}
        (run_dir / "result.json").write_text(json.dumps({"overrides": overrides, "result": result}))
        results.append({**result, "overrides": overrides})
    return results


def batched_table(args: argparse.Namespace) -> None:
    """The --budget table: each row and mixture's missing seeds trained together (see train_batched)."""
    runs, output = args.runs or BENCH / "runs" / f"mode_coverage_{args.budget}", args.output or BENCH / f"mode_coverage_{args.budget}"
    jobs = [(row, data, seed) for row in args.rows for data in args.data for seed in range(args.seeds)]
    wanted = {job: overrides_for(*job, args.budget, args.set) for job in jobs}
    results = finished(runs, output, wanted, KEY)
    groups = {(row, data): {job: wanted[job] for job in jobs if job[:2] == (row, data) and job not in results} for row in args.rows for data in args.data}
    start = time.perf_counter()
    if not args.collect:
        with ProcessPoolExecutor(args.workers) as pool:
            futures = [pool.submit(train_batched, cells, runs / row / data, args.budget) for (row, data), cells in groups.items() if cells]
            for future in futures:
                for result in future.result():
                    results[tuple(result[field] for field in KEY)] = result
                    print(json.dumps({k: v for k, v in result.items() if k != "overrides"}), flush=True)
    done = [results[job] for job in jobs if job in results]
    setup = f"batch 100, {args.seeds} seeds trained seed-batched per row and mixture, {args.workers} one-core workers"
    minutes = (time.perf_counter() - start) / 60
    report("mode_coverage.py", setup, done, len(jobs) - len(done), minutes, table(done, args.rows, args.data, args.seeds), output, KEY)


def table(results: list[dict], rows: list[str], datasets: list[str], seeds: int) -> str:
    """Markdown: one line per row (ours, then the published one where the paper has it)."""
    head = "| | " + " | ".join(f"{d} modes /{8 if d == 'ring' else 25} | {d} HQ | {d} rev-KL" for d in datasets) + " |"
    head = head.replace("| |", "| | iterations |", 1)
    lines = [head, "|---" * (2 + 3 * len(datasets)) + "|"]
    for row in rows:
        name = ROWS[row][0]
        cells = [", ".join(f"{n:,}" for n in sorted({r["iterations"] for r in results if r["row"] == row}))]
        for data in datasets:
            cell = [r for r in results if r["row"] == row and r["data"] == data]
            if not cell:
                cells += ["", "", ""]
                continue
            count = "" if len(cell) == seeds else f" (n={len(cell)})"  # a table still being run
            cells += [
                mean_se([r["modes"] for r in cell], 1) + count,
                f"{100 * statistics.fmean(r['high_quality'] for r in cell):.1f}%",
                mean_se([r["reverse_kl"] for r in cell], 2),
            ]
        lines.append(f"| {name} (ours) | " + " | ".join(cells) + " |")
        if name in PUBLISHED:
            lines.append(published_line(name, datasets))
    shown = {ROWS[row][0] for row in rows}
    lines += [published_line(name, datasets) for name in PUBLISHED if name not in shown]  # the rows to beat
    return "\n".join(lines)


def published_line(name: str, datasets: list[str]) -> str:
    return f"| {name} (published) | 400,000 | " + " | ".join(" | ".join(PUBLISHED[name][d]) for d in datasets) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", nargs="+", choices=list(ROWS), help=f"default: all but the candidates, or {' '.join(BATCHED_ROWS)} with --budget")
    parser.add_argument("--data", nargs="+", default=["ring", "grid"], choices=["ring", "grid"])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--iterations", type=int, help="generator updates per run, for every row (default: each row's own)")
    parser.add_argument("--budget", type=int, help="iterations of every row, its seeds trained seed-batched (a table of its own)")
    parser.add_argument("--set", nargs="*", default=[], help="more overrides, for every row")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--runs", type=Path, help="default: bench/runs/mode_coverage[_<budget>]")
    parser.add_argument("--collect", action="store_true", help="train nothing: tabulate the runs already finished")
    parser.add_argument("--output", type=Path, help="writes <output>.md and <output>.json (default: bench/mode_coverage[_<budget>])")
    args = parser.parse_args()
    if args.budget is not None:
        args.rows = args.rows or BATCHED_ROWS
        batched_table(args)
        return
    args.rows = args.rows or [row for row in ROWS if not row.startswith("best_")]
    args.runs, args.output = args.runs or BENCH / "runs" / "mode_coverage", args.output or BENCH / "mode_coverage"

    # Longest runs first, so the pool is not left waiting on one slow run at the end.
    jobs = [(row, data, seed) for row in args.rows for data in args.data for seed in range(args.seeds)]
    jobs.sort(key=lambda job: job[0] != "unrolled")
    wanted = {job: overrides_for(*job, args.iterations or ROWS[job[0]][1], args.set) for job in jobs}

    def run_dir(job: tuple) -> Path:
        return args.runs / job[0] / job[1] / f"seed_{job[2]}"

    def describe(job: tuple) -> dict:
        return {**dict(zip(KEY, job)), "iterations": args.iterations or ROWS[job[0]][1]}

    results, minutes = run_table(wanted, args, KEY, run_dir, describe, METRICS)

    setup = f"batch 100, {args.seeds} seeds, {args.workers} workers"
    report("mode_coverage.py", setup, results, len(jobs) - len(results), minutes, table(results, args.rows, args.data, args.seeds), args.output, KEY)

if __name__ == "__main__":
    main()
