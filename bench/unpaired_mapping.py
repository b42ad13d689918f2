"""Unpaired mapping at equal CPU time (issue 34): CycleGAN, DistanceGAN alone and DistanceGAN with
the cycle on the built-in unpaired digits (plain -> bold inverted, `--task digits`), and DTN,
DistanceGAN and CycleGAN on the built-in house numbers -> plain digits (`--task house_numbers`,
Taigman et al.'s SVHN -> MNIST), and Recycle-GAN against per-frame CycleGAN on the built-in moving
shapes -> moving digits (`--task video`).

Benaim & Wolf 2017's point: a map that keeps distances, learnt without its inverse, matches or beats
CycleGAN's; Bansal et al.'s, that a translation tied to the frames around it keeps the video's
timing where per-frame CycleGAN flickers. Each configuration is a command line (`python -m
gan_lightning model=... seed=s`, one core); its iterations are set so that it spends the CPU time of
a default run on the task (1,000 iterations of CycleGAN; of Recycle-GAN for the video), from a
calibration of each configuration's CPU seconds per iteration (the difference of a 20- and a
60-iteration run, so start-up is left out). Scores: the run's own last evaluation on the
validation digits, `val/digit_kept_AtoB` (how often the digits classifier reads the input's digit in
its translation, the renderings being known: DTN's measure) and `val/fd_AtoB` (FD on the digits
classifier's features to the B training images; its floor, B's own validation images, beside it);
for the video, per frame FD and the temporal scores of `gan_lightning.metrics.video` (how often the
digit read in an output frame changes from the frame before, beside real clips' rate; the mean
change per frame, beside real clips').

    python bench/unpaired_mapping.py [--task digits|house_numbers|video] [--seeds 3] [--workers 1]

Runs go to bench/runs/unpaired_mapping/<task>/<config>_seed<s>/ (finished ones are reused), results
to bench/unpaired_mapping_<task>.json and the table to stdout (for bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
HOUSE_NUMBERS = ["experiment=house_numbers_to_digits"]
TASKS = {
    "digits": {
        "cyclegan": ["model=cyclegan"],
        "distancegan": ["model=distancegan"],
        "distancegan_cycle": ["model=distancegan", "model.two_sided=true", "model.cycle_weight=10"],
    },
    "house_numbers": {
        "cyclegan": [*HOUSE_NUMBERS, "model=cyclegan", "model.identity_weight=0"],  # F's identity term would feed grey digits to an RGB map
        "distancegan": [*HOUSE_NUMBERS, "model=distancegan"],
        "dtn": ["model=dtn"],
    },
    "video": {
        "cyclegan": ["model=cyclegan", "data=moving_clips"],  # per frame: the windows' last frames, as unrelated images
        "recyclegan": ["model=recyclegan"],
    },
}
REFERENCE = {"digits": ("cyclegan", 1000), "house_numbers": ("cyclegan", 1000), "video": ("recyclegan", 1000)}  # the CPU time each gets: a default run
KEPT = [("digit_kept_AtoB", "digit kept A→B (%)", 100, 1), ("fd_AtoB", "FD A→B", 1, 1), ("fd_AtoB_floor", "FD floor", 1, 1)]
COLUMNS = {  # task -> (score, header, scale, digits)
    "digits": KEPT,
    "house_numbers": KEPT,
    "video": [
        ("fd_AtoB", "per-frame FD A→B", 1, 1), ("fd_AtoB_floor", "FD floor", 1, 1),
        ("digit_flips_AtoB", "digit flips A→B (%)", 100, 1), ("digit_flips_B", "flips in real B clips (%)", 100, 1),
        ("temporal_change_AtoB", "change per frame A→B", 1, 4), ("temporal_change_B", "change per frame, real B", 1, 4),
        ("fd_BtoA", "per-frame FD B→A", 1, 1), ("temporal_change_BtoA", "change per frame B→A", 1, 4), ("temporal_change_A", "change per frame, real A", 1, 4),
    ],
}  # fmt: skip
CONFIGS: dict[str, list[str]] = {}
RUNS = BENCH / "runs" / "unpaired_mapping"
QUIET = ["~callbacks.rich_progress_bar", "logger=csv"]


def cpu_seconds(command: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, done


def use_task(task: str) -> Path:
    """Point the module at a task's configurations (worker processes call it too); its store."""
    global RUNS
    CONFIGS.clear()
    CONFIGS.update(TASKS[task])
    RUNS = BENCH / "runs" / "unpaired_mapping" / task
    return BENCH / f"unpaired_mapping_{task}.json"


def run(config: str, seed: int, iterations: int, folder: Path, evaluate: bool = True) -> tuple[float, Path]:
    if folder.exists():
        shutil.rmtree(folder)
    overrides = [*CONFIGS[config], f"seed={seed}", f"trainer.max_steps={iterations}", f"hydra.run.dir={folder}", *QUIET]
    overrides += [f"metrics.every_n_iterations={iterations}"] if evaluate else ["~callbacks.evaluation", "~callbacks.sample_grid"]
    seconds, done = cpu_seconds([sys.executable, "-m", "gan_lightning", *overrides])
    if done.returncode != 0:
        raise RuntimeError(f"{config} seed {seed} failed:\n{(done.stdout + done.stderr)[-2000:]}")
    return seconds, folder


def per_iteration(config: str) -> float:
    """CPU seconds an iteration of `config` takes, start-up left out."""
    short, _ = run(config, 0, 20, RUNS / "calibration" / f"{config}_20", evaluate=False)
    long, _ = run(config, 0, 60, RUNS / "calibration" / f"{config}_60", evaluate=False)
    return (long - short) / 40


def cell(task: str, config: str, seed: int, iterations: int) -> dict:
    use_task(task)
    folder = RUNS / f"{config}_seed{seed}"
    result_file = folder / "result.json"
    if result_file.is_file():
        return json.loads(result_file.read_text())
    seconds, folder = run(config, seed, iterations, folder)
    with open(folder / "metrics.csv", newline="") as file:
        rows = [row for row in csv.DictReader(file) if row.get("val/fd_AtoB")]
    last = {key[4:]: float(value) for key, value in rows[-1].items() if key.startswith("val/") and value != ""}
    result = {"config": config, "seed": seed, "iterations": iterations, "cpu_minutes": round(seconds / 60, 2), **last}
    result_file.write_text(json.dumps(result))
    return result


def spread(values: list[float], scale: float = 1.0, digits: int = 1) -> str:
    scaled = [scale * v for v in values]
    if len(scaled) < 2:
        return f"{scaled[0]:.{digits}f}"
    return f"{statistics.mean(scaled):.{digits}f} ± {statistics.stdev(scaled):.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=list(TASKS), default="digits")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    store = use_task(args.task)
    stored = json.loads(store.read_text()) if store.is_file() else {}
    costs = stored.get("seconds_per_iteration") or {config: per_iteration(config) for config in CONFIGS}
    reference, reference_iterations = REFERENCE[args.task]
    budget = costs[reference] * reference_iterations
    iterations = {config: max(20, round(budget / cost)) for config, cost in costs.items()}
    store.write_text(json.dumps({"seconds_per_iteration": costs, "iterations": iterations, "results": stored.get("results", [])}, indent=1))
    jobs = [(args.task, config, seed, iterations[config]) for config in CONFIGS for seed in range(args.seeds)]
    results = []
    with ProcessPoolExecutor(args.workers) as pool:
        for result in pool.map(cell, *zip(*jobs)):
            results.append(result)
            print(json.dumps(result), flush=True)
            store.write_text(json.dumps({"seconds_per_iteration": costs, "iterations": iterations, "results": results}, indent=1))
    columns = COLUMNS[args.task]
    print(f"| configuration | iterations | CPU s / iteration | {' | '.join(header for _, header, _, _ in columns)} | CPU min |")
    print("|---" * (len(columns) + 4) + "|")
    for config in CONFIGS:
        cells = [r for r in results if r["config"] == config]
        scores = [spread([c[score] for c in cells], scale, digits) for score, _, scale, digits in columns]
        minutes = spread([c["cpu_minutes"] for c in cells], digits=2)
        print(f"| `{' '.join(CONFIGS[config])}` | {iterations[config]:,} | {costs[config]:.3f} | {' | '.join(scores)} | {minutes} |")
    if args.task == "video":
        print(f"picture: {clips_picture(BENCH.parent / 'docs' / 'images' / 'retargeting_clips.png')}")


def clips_picture(path: Path, count: int = 4) -> Path:
    """Validation clips of moving shapes (rows of frames), each above its translations frame by frame
    by the seed-0 runs of every configuration, in CONFIGS order."""
    import torch
    from torchvision.utils import save_image

    sys.path.insert(0, str(REPO))
    from gan_lightning.data import MovingClipsDataModule
    from gan_lightning.models import load_family

    data = MovingClipsDataModule()
    data.setup("fit")
    models = [load_family(RUNS / f"{config}_seed0" / "checkpoints" / "last.ckpt") for config in CONFIGS]
    rows = []
    for clip in data.val_set.clips("A")[:count]:
        rows += [clip, *(model.translate(clip).cpu() for model in models)]
    frames = len(rows[0])
    save_image(torch.cat(rows), path, nrow=frames, normalize=True, value_range=(-1, 1), padding=1)
    return path


if __name__ == "__main__":
    main()
