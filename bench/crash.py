"""A run killed at random moments and resumed each time ends where an uninterrupted run ends.

The default run (DCGAN on the digits, 20 epochs) with a checkpoint every 25 iterations besides the
per-epoch one: one copy runs uninterrupted; another is killed with SIGKILL at `--kills` random
moments (seeded) and restarted each time from its newest checkpoint (checkpoints/last.ckpt), into
its own run folder. Checked and tabulated: every checkpoint found on restart reads back whole; no
temporary file is left; the final weights, buffers and optimizer states equal the uninterrupted
run's bit for bit; and so do the losses in metrics.csv.

    python bench/crash.py [--kills 20] [--seed 0] [overrides ...]

Results go to bench/crash.md (and are printed); runs to bench/runs/crash/.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import torch

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
QUIET = ["~callbacks.rich_progress_bar", "+trainer.enable_progress_bar=false", "trainer.enable_model_summary=false"]
SCHEDULE = ["callbacks.checkpoints.every_n_iterations=25"]


def command(run_dir: Path, overrides: list[str], resume: bool) -> list[str]:
    resume_from = [f"ckpt_path='{run_dir / 'checkpoints' / 'last.ckpt'}'"] if resume else []
    return [sys.executable, "-m", "gan_lightning", *SCHEDULE, *QUIET, *overrides, f"hydra.run.dir={run_dir}", *resume_from]


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}


def losses(run_dir: Path) -> list[tuple[str, ...]]:
    """The rows of metrics.csv that log training losses, as text (what a comparison must match exactly)."""
    with open(run_dir / "metrics.csv", newline="") as file:
        return [(row["step"], row["train/d_loss"], row["train/g_loss"]) for row in csv.DictReader(file) if row.get("train/g_loss")]


def same_state(first: Path, second: Path) -> tuple[bool, list[str]]:
    """Whether two checkpoints hold equal weights, buffers and optimizer states, and what differs."""
    a, b = (torch.load(path, weights_only=True) for path in (first, second))
    differ = [name for name, tensor in a["state_dict"].items() if not torch.equal(tensor, b["state_dict"][name])]
    for index, (state_a, state_b) in enumerate(zip(a["optimizer_states"], b["optimizer_states"])):
        for parameter, values in state_a["state"].items():
            differ += [
                f"optimizer {index} {parameter} {key}"
                for key, value in values.items()
                if not torch.equal(torch.as_tensor(value), torch.as_tensor(state_b["state"][parameter][key]))
            ]
    return not differ and a["global_step"] == b["global_step"], differ


def crash_and_resume(workdir: Path, overrides: list[str], kills: int, seed: int, window: tuple[float, float]) -> dict:
    """Run uninterrupted into workdir/whole; run into workdir/killed, killed `kills` times at moments drawn
    uniformly from `window` seconds after each start, resumed each time; compare."""
    from gan_lightning.models import read_checkpoint

    shutil.rmtree(workdir, ignore_errors=True)
    whole, killed = workdir / "whole", workdir / "killed"
    start = time.perf_counter()
    subprocess.run(command(whole, overrides, resume=False), env=environment(), check=True, capture_output=True)
    whole_seconds = time.perf_counter() - start
    draws = random.Random(seed)
    restarts, unreadable, at_iterations = 0, [], []
    start = time.perf_counter()
    for kill in range(kills + 1):
        newest = killed / "checkpoints" / "last.ckpt"
        if newest.exists():
            try:
                at_iterations.append(read_checkpoint(newest)["iteration"])
            except Exception as error:  # noqa: BLE001 (counted, then the run fails below)
                unreadable.append(f"{newest}: {error}")
        elif killed.exists():
            shutil.rmtree(killed)  # killed before its first checkpoint: nothing to resume, start afresh
        log = workdir / f"log_{kill:02d}.txt"
        with open(log, "wb") as output:
            process = subprocess.Popen(command(killed, overrides, resume=newest.exists()), env=environment(), stdout=output, stderr=output)
        if kill < kills:
            try:
                process.wait(timeout=draws.uniform(*window))
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
                restarts += 1
                continue
        if process.wait() != 0:
            raise RuntimeError(f"the resumed run failed: {log.read_text()[-2000:]}")
        if kill < kills:  # it finished before its kill: the remaining kills have nothing to stop
            break
    killed_seconds = time.perf_counter() - start
    equal, differ = same_state(whole / "checkpoints" / "last.ckpt", killed / "checkpoints" / "last.ckpt")
    return {
        "kills": restarts,
        "resumed_from_iterations": at_iterations,
        "unreadable_checkpoints": unreadable,
        "temporary_files_left": sorted(str(p.relative_to(workdir)) for p in workdir.rglob(".*.partial-*")),
        "final_state_equal": equal,
        "differing": differ[:5],
        "losses_equal": losses(whole) == losses(killed),
        "logged_iterations": len(losses(killed)),
        "seconds_uninterrupted": round(whole_seconds, 1),
        "seconds_killed_and_resumed": round(killed_seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--window", type=float, nargs=2, default=(6.0, 13.0), help="seconds after each start within which the kill falls")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()
    result = crash_and_resume(BENCH / "runs" / "crash", args.overrides, args.kills, args.seed, tuple(args.window))
    lines = [
        f"`python bench/crash.py {' '.join(sys.argv[1:])}`".replace("  ", " "),
        f"({platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {date.today()}): the default run",
        f"with `{' '.join(SCHEDULE)}`, killed with SIGKILL at moments drawn uniformly from {args.window[0]:.0f}-{args.window[1]:.0f} s after",
        f"each start (seed {args.seed}), resumed each time from checkpoints/last.ckpt into its own folder.",
        "",
        (
            "| kills | resumed from iterations | unreadable checkpoints | temporary files left | final weights and optimizer states | "
            "losses in metrics.csv | time (uninterrupted / killed and resumed) |"
        ),
        "|---|---|---|---|---|---|---|",
        f"| {result['kills']} | {', '.join(map(str, result['resumed_from_iterations']))} | {len(result['unreadable_checkpoints'])} | "
        f"{len(result['temporary_files_left'])} | {'equal bit for bit' if result['final_state_equal'] else 'DIFFER: ' + ', '.join(result['differing'])} | "
        f"{'equal' if result['losses_equal'] else 'differ'} ({result['logged_iterations']} rows) | "
        f"{result['seconds_uninterrupted']} s / {result['seconds_killed_and_resumed']} s |",
    ]
    report = "\n".join(lines)
    print(report)
    (BENCH / "crash.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
