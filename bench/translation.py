"""pix2pix and CycleGAN on the built-in data, on one CPU core: the issue's must-show numbers.

pix2pix (edges -> digits): validation L1 and PSNR (and SSIM) of G against the trivial baselines
output = input and output = mean training target. CycleGAN (plain -> bold inverted digits): the
Fréchet distance (digits-classifier features) of translated validation images to the target
domain, against that of the untranslated inputs and the real-vs-real floor; and the cycle error.

    python bench/translation.py pix2pix [--epochs 12]
    python bench/translation.py cyclegan [--epochs 4 --batches-per-epoch 150]

Each run is `python -m gan_lightning model=<family> ...` in a fresh process with OMP_NUM_THREADS=1
(one core), in outputs/bench_translation/<family>/; the numbers are the last evaluation's, read
from its metrics.csv, and are written to bench/translation_<family>.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def overrides(family: str, epochs: int, batches_per_epoch: int | None, run_dir: Path) -> list[str]:
    common = [
        f"model={family}",
        "trainer=cpu",
        f"trainer.max_epochs={epochs}",
        f"trainer.max_steps={epochs * batches_per_epoch if batches_per_epoch else -1}",  # CycleGAN's decay runs over these
        "~callbacks.rich_progress_bar",
        "+trainer.enable_progress_bar=false",
        "trainer.enable_model_summary=false",
        f"metrics.every_n_epochs={max(1, epochs // 3)}",
        "metrics.every_n_iterations=null",
        f"hydra.run.dir={run_dir}",
    ]
    if batches_per_epoch:
        common.append(f"+trainer.limit_train_batches={batches_per_epoch}")
    if family == "cyclegan":  # four generator and four discriminator passes an iteration: halve the widths for one core
        common += ["model.generator.base_width=16", "model.discriminator.base_width=16"]
    return common


def last_values(metrics_csv: Path) -> dict[str, float]:
    """Each val/ key's last logged value, and the run's last step."""
    values: dict[str, float] = {}
    with open(metrics_csv, newline="") as file:
        for row in csv.DictReader(file):
            for key, value in row.items():
                if value != "" and (key.startswith("val/") or key == "step"):
                    values[key] = float(value)
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("family", choices=["pix2pix", "cyclegan"])
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batches-per-epoch", type=int, default=None)
    parser.add_argument("--run-dir", type=Path, default=None)
    args = parser.parse_args()
    epochs = args.epochs or (12 if args.family == "pix2pix" else 4)
    batches = args.batches_per_epoch if args.batches_per_epoch is not None else (None if args.family == "pix2pix" else 150)
    run_dir = (args.run_dir or ROOT / "outputs" / "bench_translation" / args.family).resolve()
    command = [sys.executable, "-m", "gan_lightning", *overrides(args.family, epochs, batches, run_dir)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    print(" ".join(["OMP_NUM_THREADS=1", "python", *command[1:]]), flush=True)
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    seconds = time.perf_counter() - start
    cpu_seconds = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime  # the run's own core time, even on a shared machine
    values = last_values(run_dir / "metrics.csv")
    report = {
        "family": args.family,
        "command": "OMP_NUM_THREADS=1 python -m gan_lightning " + " ".join(a for a in command[3:] if not a.startswith("hydra.run.dir")),
        "wall_seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_seconds, 1),
        "iterations": int(values.pop("step")) + 1,
        "machine": f"{platform.processor() or platform.machine()}, 1 thread",
        "metrics": values,
    }
    output = ROOT / "bench" / f"translation_{args.family}.json"
    output.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
