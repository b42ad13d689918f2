"""A preset's default run resumed from its checkpoint of iteration `stop` against the run that never stopped: how many of the final
weight, buffer and optimizer tensors differ, and by how much (issue 38: CycleGAN's pools of past
translations once lived outside the checkpoint).

    python bench/resume_exact.py --model cyclegan --stop 60 --end 120

Runs on one core (OMP_NUM_THREADS=1 is set for it), in bench/runs/resume_exact/<model>/.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import torch

BENCH = Path(__file__).resolve().parent


def train(out: Path, model: str, steps: int, *extra: str) -> None:
    overrides = [f"model={model}", f"trainer.max_steps={steps}", "~callbacks.evaluation", "~callbacks.rich_progress_bar", "+trainer.enable_progress_bar=false"]
    command = [sys.executable, "-m", "gan_lightning", *overrides, *extra, f"hydra.run.dir={out}"]
    subprocess.run(command, check=True, capture_output=True, env={**os.environ, "OMP_NUM_THREADS": "1"})


def tensors(checkpoint: dict) -> dict[str, torch.Tensor]:
    """Every tensor of the final state: weights and buffers (the pools' images too), optimizer states."""
    found = {}
    for name, value in checkpoint["state_dict"].items():
        found[name] = value["images"] if isinstance(value, dict) else value
    for player, state in enumerate(checkpoint["optimizer_states"]):
        for index, values in state["state"].items():
            found |= {f"optimizer{player}.{index}.{key}": value for key, value in values.items() if torch.is_tensor(value)}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="cyclegan")
    parser.add_argument("--stop", type=int, default=60)
    parser.add_argument("--end", type=int, default=120)
    args = parser.parse_args()
    root = BENCH / "runs" / "resume_exact" / args.model
    shutil.rmtree(root, ignore_errors=True)
    # The uninterrupted run keeps its checkpoint of iteration `stop` (what a job killed after it leaves);
    # a second run resumes from it (same settings, so the same lr schedule) to `end`.
    train(root / "whole", args.model, args.end, f"callbacks.checkpoints.every_n_iterations={args.stop}")
    stopped = root / "whole" / "checkpoints" / f"step={args.stop:07d}.ckpt"
    train(root / "resumed", args.model, args.end, f"ckpt_path='{stopped}'")  # quoted: the name holds an =
    whole, resumed = (tensors(torch.load(root / run / "checkpoints" / "last.ckpt", weights_only=True)) for run in ("whole", "resumed"))
    differing = [name for name in whole if not torch.equal(whole[name], resumed[name])]
    largest = max((float((whole[n].float() - resumed[n].float()).abs().max()) for n in differing), default=0.0)
    print(f"model={args.model}, stopped at {args.stop}, resumed to {args.end}: ", end="")
    print(f"{len(differing)} of {len(whole)} tensors differ, largest difference {largest:.3g}")


if __name__ == "__main__":
    main()
