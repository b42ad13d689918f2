"""Parity with the authors' code (issue 31): a family trained by its reference implementation and by
gan-lightning on the same data, with the same network sizes, batch, learning rates and number of
iterations, 3 seeds each, both scored by one evaluation: 2,000 samples of each run written as PNG files
and read by `python -m gan_lightning.evaluate folder=DIR`.

The reference code is never part of this project. Give a checkout of it per family (and, where its
dependencies are old, the Python of a virtual environment made for it); a family without one is skipped:

    nice -n 19 python bench/parity.py --reference dcgan=~/refs/pytorch-examples
    nice -n 19 python bench/parity.py --reference dcgan=~/refs/pytorch-examples --python dcgan=~/refs/venv/bin/python
    python bench/parity.py --reference dcgan=~/refs/pytorch-examples --seeds 1 --epochs 1 --samples 200   # a smoke run

Drivers (one a family; each says what it runs and where the two sides still differ):
- dcgan: pytorch/examples, `dcgan/main.py` (RESULTS used commit 77f55b912142e11fcfdf5b530231fb9c52f181e8,
  which needs only torch and torchvision and runs unpatched on torch 2.x).

Every run uses one core (OMP_NUM_THREADS=1 for both sides); seconds per iteration are the run's wall time
over its iterations, start-up and the run's own image and checkpoint writing included. Runs live in
bench/runs/parity/<family>/<side>/seed_<s> and finished ones are kept (a killed table resumes, cell by
cell). Writes bench/parity.md and .json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import torch
from torchvision.utils import save_image

from seeded_runs import machine, mean_se

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
METRICS = ("fd", "precision", "recall")
ONE_CORE = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run(command: list[str], log: Path, cwd: Path | None = None) -> float:
    """Run `command` on one core with its output in `log`; its wall seconds."""
    start = time.perf_counter()
    with log.open("w") as out:
        subprocess.run(command, cwd=cwd or ROOT, env={**os.environ, **ONE_CORE}, check=True, stdout=out, stderr=subprocess.STDOUT)
    return time.perf_counter() - start


def score(samples: Path, data: list[str], output: Path) -> dict[str, float]:
    """The evaluate CLI's numbers for a folder of samples against the data's real set."""
    command = [sys.executable, "-m", "gan_lightning.evaluate", f"folder={samples}", *data, f"metrics.num_samples={len(list(samples.glob('*.png')))}"]
    run([*command, f"output={output}", f"paths.output_dir={output.parent}"], output.with_suffix(".log"))
    (row,) = json.loads(output.read_text())["rows"]
    return {name: float(row[name]) for name in METRICS}


class DCGANDriver:
    """pytorch/examples' DCGAN (dcgan/main.py) against `model=dcgan`, on the built-in digits at 64x64
    RGB (main.py's only size), exported from our data module as an ImageFolder, so both sides train on
    the same 1,617 images. Same G and D widths (ngf = ndf = base_width), batch 64, Adam 2e-4 / 0.5,
    BCE / the non-saturating loss, N(0, 0.02) init, `epochs` epochs of main.py's 26 batches.

    The reference's G is loaded into our DCGANGenerator (the same layers; ours adds a bias to the output
    layer, left at 0) and sampled as ours is: eval mode, sample i from z of stream (0, i).
    Differences left: main.py's G step reuses the D step's fake batch where ours draws fresh z; its D
    has no bias in the first and last layers and a sigmoid before BCE (ours: logits, softplus); its
    last batch of an epoch holds 17 images, ours always 64.
    """

    name = "dcgan"
    images = 1617  # the digits' training split
    batch = 64

    def __init__(self, width: int, epochs: int):
        self.width, self.epochs = width, epochs
        self.iterations = epochs * math.ceil(self.images / self.batch)
        self.data = ["data=digits", "data.image_size=64", "data.channels=3"]

    def prepare(self, folder: Path) -> Path:
        """The digits' training split as PNG files in ImageFolder's layout (one folder a class)."""
        root = folder / "digits_64_rgb"
        if (root / "done").is_file():
            return root
        from hydra import compose, initialize_config_dir
        from hydra.utils import instantiate

        from gan_lightning.cli import config_dir
        from gan_lightning.data.base import training_images

        with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
            cfg = compose(config_name="train", overrides=self.data)
        datamodule = instantiate(cfg.data)
        datamodule.setup("fit")
        images = training_images(datamodule.train_set)
        labels = [int(datamodule.train_set[i]["label"]) for i in range(len(datamodule.train_set))]
        for i, (image, label) in enumerate(zip(images, labels)):
            (root / str(label)).mkdir(parents=True, exist_ok=True)
            save_image((image + 1) / 2, root / str(label) / f"{i:04d}.png")
        (root / "done").write_text(str(len(images)))
        return root

    def train_reference(self, checkout: Path, python: str, data: Path, out: Path, seed: int) -> float:
        command = [
            python, str(checkout / "dcgan" / "main.py"), "--dataset", "folder", "--dataroot", str(data), "--workers", "0",
            "--batchSize", str(self.batch), "--imageSize", "64", "--ngf", str(self.width), "--ndf", str(self.width),
            "--niter", str(self.epochs), "--manualSeed", str(seed + 1), "--outf", str(out),
        ]  # fmt: skip
        return run(command, out / "train.log", cwd=out)

    def sample_reference(self, out: Path, samples: Path, count: int) -> None:
        from gan_lightning.nets import DCGANGenerator
        from gan_lightning.priors import GaussianPrior

        state = torch.load(out / f"netG_epoch_{self.epochs - 1}.pth", map_location="cpu", weights_only=True)
        generator = DCGANGenerator(latent_dim=100, image_size=64, channels=3, base_width=self.width)
        missing, unexpected = generator.load_state_dict({key.replace("main.", "net.", 1): value for key, value in state.items()}, strict=False)
        output_layer = generator.net[-2]  # before the tanh
        if unexpected or missing != [f"net.{len(generator.net) - 2}.bias"]:
            raise SystemExit(f"the reference's G does not fit DCGANGenerator: missing {missing}, unexpected {unexpected}")
        with torch.no_grad():
            output_layer.bias.zero_()  # the reference's output layer has none
        write_samples(generator.eval(), GaussianPrior(100), samples, count)

    def train_ours(self, out: Path, seed: int) -> float:
        overrides = [
            "model=dcgan", *self.data, f"data.batch_size={self.batch}", f"model.generator.base_width={self.width}",
            f"model.discriminator.base_width={self.width}", f"trainer.max_steps={self.iterations}", f"seed={seed}",
            "metrics.every_n_iterations=null", "~callbacks.evaluation", "~callbacks.rich_progress_bar", "+trainer.enable_progress_bar=false",
            f"paths.output_dir={out}",
        ]  # fmt: skip
        return run([sys.executable, "-m", "gan_lightning", *overrides], out / "train.log")

    def sample_ours(self, out: Path, samples: Path, count: int) -> None:
        command = [sys.executable, "-m", "gan_lightning.sample", f"ckpt_path={out / 'checkpoints' / 'last.ckpt'}", f"num_samples={count}"]
        run([*command, f"output_dir={samples}", f"paths.output_dir={out}"], out / "sample.log")


@torch.no_grad()
def write_samples(generator: torch.nn.Module, prior, folder: Path, count: int) -> None:
    """Sample i of a reference G from z of stream (0, i), as `gan_lightning.sample` draws ours."""
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, count, 250):
        indices = range(start, min(start + 250, count))
        images = generator(prior.indexed(indices, seed=0).z)
        for i, image in zip(indices, images):
            save_image((image + 1) / 2, folder / f"{i:06d}.png")


DRIVERS = {"dcgan": DCGANDriver}


def cell(driver, side: str, seed: int, args: argparse.Namespace, data: Path) -> dict:
    """One side's run of one seed: trained, sampled and scored unless its result.json says it was."""
    out = args.runs / driver.name / side / f"seed_{seed}"
    record = out / "result.json"
    if record.is_file():
        return json.loads(record.read_text())
    out.mkdir(parents=True, exist_ok=True)
    samples = out / "generated"  # a run's own grids go to out / "samples"
    if side == "reference":
        seconds = driver.train_reference(args.reference[driver.name], args.python.get(driver.name, sys.executable), data, out, seed)
        driver.sample_reference(out, samples, args.samples)
    else:
        seconds = driver.train_ours(out, seed)
        driver.sample_ours(out, samples, args.samples)
    result = {"family": driver.name, "side": side, "seed": seed, "iterations": driver.iterations, "seconds_per_iteration": seconds / driver.iterations}
    result |= score(samples, driver.data, out / "metrics.json")
    record.write_text(json.dumps(result))
    return result


def table(results: list[dict], commits: dict[str, str]) -> str:
    lines = ["| family | side | seeds | " + " | ".join(METRICS) + " | s / iteration | reference commit |", "|---" * (len(METRICS) + 5) + "|"]
    for family in dict.fromkeys(r["family"] for r in results):
        for side in ("reference", "ours"):
            rows = [r for r in results if r["family"] == family and r["side"] == side]
            if rows:
                values = [mean_se([r[m] for r in rows], 3 if m != "fd" else 1) for m in METRICS]
                speed = mean_se([r["seconds_per_iteration"] for r in rows], 3)
                lines.append(f"| {family} | {side} | {len(rows)} | " + " | ".join(values) + f" | {speed} | {commits.get(family, '')} |")
    return "\n".join(lines)


def commit_of(checkout: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return "unknown (not a git checkout)"


def pairs(values: list[str], what: str) -> dict[str, str]:
    parsed = dict(value.split("=", 1) for value in values if "=" in value)
    if len(parsed) != len(values) or set(parsed) - set(DRIVERS):
        raise SystemExit(f"{what} takes FAMILY=PATH with FAMILY one of {', '.join(DRIVERS)}, not {' '.join(values)}")
    return parsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", nargs="+", default=[], help="FAMILY=CHECKOUT for each family to compare")
    parser.add_argument("--python", nargs="*", default=[], help="FAMILY=PYTHON: the reference's interpreter (default: this one)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=25, help="DCGAN: main.py's epochs (its default 25; 26 iterations each)")
    parser.add_argument("--width", type=int, default=32, help="DCGAN: ngf = ndf = base_width (main.py's default 64)")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--runs", type=Path, default=BENCH / "runs" / "parity")
    parser.add_argument("--output", type=Path, default=BENCH / "parity")
    args = parser.parse_args()
    args.reference = {family: Path(path).expanduser().resolve() for family, path in pairs(args.reference, "--reference").items()}
    args.python = pairs(args.python, "--python")
    if not args.reference:
        raise SystemExit(f"no reference checkout given: --reference FAMILY=DIR, FAMILY one of {', '.join(DRIVERS)}")

    results, commits = [], {}
    for family, checkout in args.reference.items():
        driver = DRIVERS[family](args.width, args.epochs)
        commits[family] = commit_of(checkout)[:12]
        data = driver.prepare(args.runs)
        for seed in range(args.seeds):
            for side in ("reference", "ours"):
                results.append(cell(driver, side, seed, args, data))
                print(json.dumps(results[-1]), flush=True)
    header = f"`python bench/parity.py {' '.join(sys.argv[1:])}`: {machine()}, one core a run; {args.samples} samples a run, scored by the evaluate CLI"
    report = f"{header}\n\n{table(results, commits)}"
    print(report)
    args.output.with_suffix(".md").write_text(report + "\n")
    args.output.with_suffix(".json").write_text(json.dumps({"commits": commits, "results": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
