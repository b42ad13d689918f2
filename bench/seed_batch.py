"""Seed-batched training against separate runs (issue 19): the cost of one seed's iteration of the
2D mode-coverage protocol (PacGAN's networks, grid, batch 100) on one core,
- as a separate `python -m gan_lightning experiment=mode_coverage` run (Lightning's loop; the steady
  rate, from a run of K iterations and one of 2K, so start-up does not count),
- as the seed-batched loop with one seed (the same update without vectorisation), and
- seed-batched with N seeds at once (per seed: the batch's time over N),
and what 10 runs of 10,000 iterations then take each way. Every timing is repeated in interleaved
rounds (--repeats), and the best of each is shown: this machine's speed drifts over minutes.

    nice -n 19 python bench/seed_batch.py                 # K = 500, N = 1, 5, 10
    python bench/seed_batch.py --iterations 20 --seeds 2 --repeats 1  # a smoke run

Writes bench/seed_batch.md and .json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch
from hydra import compose, initialize_config_dir

from gan_lightning.cli import config_dir
from gan_lightning.seed_batch import runs_from_configs

from seeded_runs import machine, train_cell, write_report

BENCH = Path(__file__).resolve().parent
PROTOCOL = ["experiment=mode_coverage", "data=grid", "~callbacks.rich_progress_bar", "trainer.enable_model_summary=false", "+trainer.enable_progress_bar=false"]
WARM_UP = 20


def lightning_seconds_per_iteration(iterations: int, folder: Path) -> float:
    """Lightning's steady rate: (time of 2K iterations - time of K) / K, one seed, scored only at the end.
    A short run first loads what a first run loads (modules from disk, a GPU's context), which would
    otherwise fall on the K-iteration run alone and shrink the difference."""
    def run(steps: int) -> float:
        overrides = [*PROTOCOL, "seed=0", f"trainer.max_steps={steps}", "trainer.max_epochs=-1", "callbacks.evaluation.every_n_epochs=100000", "logger=csv"]
        return train_cell(overrides, folder / f"lightning_{steps}", ["modes"], {})["seconds"]

    run(WARM_UP)
    return (run(2 * iterations) - run(iterations)) / iterations


def batched_seconds_per_iteration(seeds: int, iterations: int, folder: Path, device: str = "cpu") -> float:
    """The seed-batched loop's time per iteration of all `seeds` runs, after a warm-up."""
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        configs = [compose("train", [*PROTOCOL, f"seed={seed}", f"data.seed={seed}", f"paths.output_dir={folder / str(seed)}"]) for seed in range(seeds)]
    batch = runs_from_configs(configs, device)
    batch.train(WARM_UP)
    synchronize(device)
    start = time.perf_counter()
    batch.train(iterations)
    synchronize(device)
    return (time.perf_counter() - start) / iterations


def arithmetic_floor(folder: Path) -> tuple[float, float]:
    """(GFLOP of one seed's iteration, counted by torch's FlopCounterMode; this core's GFLOP/s in the
    protocol's main matrix product, 100 x 400 by 400 x 400): their ratio is the time of the matrix
    products alone, which no batching removes."""
    from torch.utils.flop_counter import FlopCounterMode

    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        batch = runs_from_configs([compose("train", [*PROTOCOL, "seed=0", "data.seed=0", f"paths.output_dir={folder}"])])
    batch.train(2)
    with FlopCounterMode(display=False) as counter:
        batch.step()
    inputs, weight = torch.randn(100, 400), torch.randn(400, 400)
    for _ in range(50):
        inputs @ weight
    repeats, start = 2000, time.perf_counter()
    for _ in range(repeats):
        inputs @ weight
    rate = 2 * 100 * 400 * 400 * repeats / (time.perf_counter() - start) / 1e9
    return counter.get_total_flops() / 1e9, rate


def synchronize(device: str) -> None:
    """Wait for the queued GPU work, so a timing covers it."""
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def speed_table(lightning: float, batched: dict[int, float]) -> str:
    """Markdown: ms per seed-iteration each way, the speed-up, and 10 runs of 10,000 iterations."""
    lines = ["| training | ms per seed-iteration | speed-up against separate runs | 10 runs x 10,000 iterations (min) |", "|---|---|---|---|"]
    lines.append(f"| separate runs (Lightning) | {1e3 * lightning:.2f} | 1.00x | {1e5 * lightning / 60:.1f} |")
    for n, seconds in batched.items():
        per_seed = seconds / n
        name = f"seed-batched, {n} seed{'s' if n > 1 else ''} at once"
        lines.append(f"| {name} | {1e3 * per_seed:.2f} | {lightning / per_seed:.2f}x | {1e5 * per_seed / 60:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=500, help="K: iterations each timing covers")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 5, 10], help="seeds batched together (N)")
    parser.add_argument("--repeats", type=int, default=2, help="rounds of every timing, interleaved; the table shows each one's best")
    parser.add_argument("--output", type=Path, default=BENCH / "seed_batch", help="writes <output>.md and <output>.json")
    args = parser.parse_args()
    torch.set_num_threads(1)

    rounds = []  # this machine's speed drifts: each round times every way once, and noise only adds time
    with tempfile.TemporaryDirectory() as folder:
        for r in range(args.repeats):
            round_dir = Path(folder) / f"round_{r}"
            lightning = lightning_seconds_per_iteration(args.iterations, round_dir)
            batched = {n: batched_seconds_per_iteration(n, args.iterations, round_dir / f"batched_{n}") for n in args.seeds}
            rounds.append({"lightning": lightning, "batched": batched})
        gflop, rate = arithmetic_floor(Path(folder) / "floor")
    lightning = min(r["lightning"] for r in rounds)
    batched = {n: min(r["batched"][n] for r in rounds) for n in args.seeds}
    header = (
        f"`python bench/seed_batch.py {' '.join(sys.argv[1:])}` ({machine()}): the mode-coverage protocol on the grid, batch 100, "
        f"one core (torch.set_num_threads(1)); each timing over {args.iterations} iterations, after {WARM_UP} of warm-up for the batched loop "
        f"and without start-up for Lightning's (a run of {2 * args.iterations} iterations less one of {args.iterations}); "
        f"the best of {args.repeats} interleaved rounds (all rounds in the JSON)."
    )
    floor = (
        f"\n\nThe arithmetic floor: one seed's iteration is {gflop:.2f} GFLOP (torch's FlopCounterMode), and this core multiplies "
        f"the protocol's 100x400 by 400x400 matrices at {rate:.0f} GFLOP/s, so the matrix products alone take {gflop / rate * 1e3:.1f} ms "
        f"a seed-iteration however the seeds are batched (a bound on batching's speed-up: {lightning / (gflop / rate):.2f}x)."
    )
    record = {
        "iterations": args.iterations, "lightning_seconds_per_iteration": lightning, "batched_seconds_per_iteration": batched, "rounds": rounds,
        "gflop": gflop, "gflops": rate,
    }  # fmt: skip
    write_report(args.output, header, speed_table(lightning, batched) + floor, record)


if __name__ == "__main__":
    main()
