"""The prepared GPU check (issue 19): what a session lent a GPU (about 15 minutes, all tries together)
runs once, in under 10 minutes, and pastes into bench/RESULTS.md.

    python bench/gpu_check.py                 # on the GPU: about 9.5 minutes; writes bench/gpu_check.md and .json
    python bench/gpu_check.py --minutes 5     # a shorter lease: every part shrinks to fit
    python bench/gpu_check.py --smoke         # anywhere, on the CPU, in about a minute (tests/test_gpu_check.py)

The parts run cheapest first, so a lease cut short still returns numbers, each within its share of
--minutes (what does not fit is skipped and the report says so):
1. Training throughput (images/s) of DCGAN 64x64 (the PyTorch example's widths, 64; batch 128) and of
   StyleGAN 64x64 (the most involved family here: mapping network, modulated convolutions, lazy R1,
   EMA; batch 32), both on the built-in shapes, in fp32 eager, bf16-mixed, channels-last and
   torch.compile, each as a ratio to fp32 eager, all in this one run.
2. DDP: with two GPUs, a 2-process run (`trainer=ddp`) whose processes must end with bit-identical
   weights, as tests/test_distributed_training.py checks with two CPU processes; skipped with one GPU.
3. Seed-batched training (`gan_lightning.seed_batch`) of the mode-coverage protocol against separate
   Lightning runs: ms per seed-iteration, 10 seeds at once against one run (the issue's aim: 5x).
4. PacGAN's grid protocol (Lin et al. 2018) with its 400,000 iterations (400 epochs of 1,000), for GAN,
   PacGAN4 and GAN + TTUR + G EMA (the 10,000-iteration table's best row, less its rate drop), 10
   seeds each, the three groups seed-batched and stepped in turn until they finish or the time is up;
   each seed scored on 2,500 samples (modes, high-quality share, reverse KL), with the iterations
   reached in every row.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import lightning as L
import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from mode_coverage import PUBLISHED, ROWS, overrides_for
from seed_batch import batched_seconds_per_iteration, lightning_seconds_per_iteration, speed_table, synchronize

from gan_lightning.cli import config_dir
from gan_lightning.data.toy import mixture_modes
from gan_lightning.metrics.modes import mode_statistics
from gan_lightning.seed_batch import runs_from_configs
from gan_lightning.train import quiet_known_noise

from seeded_runs import mean_se

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SETTINGS = {  # name -> trainer overrides
    "fp32 eager": ["trainer.channels_last=false"],  # the layout PyTorch gives, whatever auto picks on this device
    "bf16-mixed": ["trainer.precision=bf16-mixed"],
    "channels-last": ["trainer.channels_last=true"],
    "torch.compile": ["trainer.compile=true"],
}
FAMILIES = {  # name -> overrides (full size on a GPU; --smoke shrinks them)
    "DCGAN 64x64": [
        "model=dcgan", "data=shapes", "data.image_size=64", "data.batch_size=128", "model.generator.base_width=64", "model.discriminator.base_width=64",
    ],  # fmt: skip
    "StyleGAN 64x64": ["model=stylegan", "data=shapes", "data.image_size=64", "data.batch_size=32"],
}
SMOKE_FAMILIES = {
    "DCGAN 32x32 (smoke)": ["model=dcgan", "data=digits", "data.batch_size=16", "model.generator.base_width=8", "model.discriminator.base_width=8"],
}
# The 10,000-iteration table's best row without its rate drop, whose milestone (6,000) fits that schedule only.
PROTOCOL_ROWS = ["gan", "pacgan4", "best_ema"]
PROTOCOL_ITERATIONS = 400_000
SHARES = {"throughput": 0.40, "ddp": 0.08, "seed_batch": 0.12}  # of --minutes; the protocol takes what is left


def compose_run(overrides: list[str], output_dir: Path):
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        return compose("train", [*overrides, f"paths.output_dir={output_dir}"])


class IterationClock(L.Callback):
    """When each training iteration starts."""

    def __init__(self):
        self.starts: list[float] = []

    def on_train_batch_start(self, *args) -> None:
        synchronize("cuda" if torch.cuda.is_available() else "cpu")
        self.starts.append(time.perf_counter())


def images_per_second(overrides: list[str], warm_up: int, steps: int, folder: Path) -> float:
    """Training throughput of one configuration: real images through an iteration per second, timed
    over `steps` iterations after `warm_up` (compilation, cuDNN's autotuning), without evaluation,
    sample grids, logging or checkpoints."""
    cfg = compose_run(overrides, folder)
    datamodule = instantiate(cfg.data)
    model = instantiate(cfg.model, _recursive_=False, _convert_="all")
    clock = IterationClock()
    options = {"max_steps": warm_up + steps + 1, "logger": False, "enable_checkpointing": False, "enable_progress_bar": False, "enable_model_summary": False}
    trainer = instantiate(cfg.trainer, callbacks=[clock], **options)
    trainer.fit(model, datamodule=datamodule)
    seconds = (clock.starts[warm_up + steps] - clock.starts[warm_up]) / steps
    return cfg.data.batch_size * getattr(model, "real_batches_per_step", 1) / seconds


def throughput(
    families: dict[str, list[str]], settings: dict[str, list[str]], trainer: list[str], warm_up: int, steps: int, deadline: float, folder: Path
) -> tuple[str, dict]:
    """Markdown: each family's images/s under each setting, and its ratio to the first setting's."""
    numbers: dict[str, dict[str, float | str]] = {}
    for family, overrides in families.items():
        numbers[family] = {}
        for setting, extra in settings.items():
            if time.monotonic() > deadline:
                numbers[family][setting] = "out of time"
                continue
            try:
                numbers[family][setting] = images_per_second([*overrides, *trainer, *extra], warm_up, steps, folder / f"{len(numbers)}_{len(numbers[family])}")
            except Exception as error:  # noqa: BLE001 - a setting this machine cannot run is reported, not fatal
                numbers[family][setting] = f"failed: {type(error).__name__}: {str(error).splitlines()[0][:120]}"
    lines = ["| family | " + " | ".join(settings) + " |", "|---" * (len(settings) + 1) + "|"]
    for family, row in numbers.items():
        base = next(iter(row.values()))
        cells = []
        for setting in settings:
            value = row[setting]
            if isinstance(value, float) and isinstance(base, float):
                cells.append(f"{value:,.0f} img/s ({value / base:.2f}x)")
            else:
                cells.append(str(value))
        lines.append(f"| {family} | " + " | ".join(cells) + " |")
    return "\n".join(lines), numbers


def ddp_check(smoke: bool, folder: Path) -> tuple[str, dict]:
    """Two processes on two GPUs end with the same weights, bit for bit (BatchNorm's running statistics
    aside: each process keeps its own)."""
    gpus = torch.cuda.device_count()
    if smoke or gpus < 2:
        why = "--smoke" if smoke else f"{gpus} GPU{'s' if gpus != 1 else ''} here, 2 needed"
        return f"Skipped ({why}).", {"skipped": why}
    out = folder / "ddp"
    command = [
        sys.executable, "-m", "gan_lightning", "trainer=ddp", "trainer.devices=2", "model=dcgan", "trainer.max_steps=50",
        "~callbacks.evaluation", "~callbacks.rich_progress_bar", f"hydra.run.dir={out}",
        "+callbacks.rank_weights._target_=helpers.rank_weights.SaveRankWeights", f"+callbacks.rank_weights.dirpath={out / 'ranks'}",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'tests'}"}
    result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        return f"The 2-process run failed: `{result.stderr.strip().splitlines()[-1]}`", {"failed": result.stderr[-2000:]}
    ranks = [torch.load(out / "ranks" / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    differing = [name for name, tensor in ranks[0]["state"].items() if "running_" not in name and not torch.equal(ranks[1]["state"][name], tensor)]
    verdict = "identical" if not differing else f"different in {len(differing)} tensors ({', '.join(differing[:3])}, ...)"
    return f"`trainer=ddp trainer.devices=2 model=dcgan`, 50 iterations: the two processes' weights are {verdict}.", {"differing": differing}


def seed_batch_speed(device: str, seeds: int, iterations: int, folder: Path) -> tuple[str, dict]:
    """ms per seed-iteration: separate Lightning runs (steady rate) against seed-batched with 1 and `seeds`."""
    lightning = lightning_seconds_per_iteration(iterations, folder)
    batched = {n: batched_seconds_per_iteration(n, iterations, folder / f"batched_{n}", device) for n in (1, seeds)}
    return speed_table(lightning, batched), {"lightning_seconds_per_iteration": lightning, "batched_seconds_per_iteration": batched}


def protocol(device: str, seeds: int, deadline: float, folder: Path, iterations: int) -> tuple[str, dict]:
    """PacGAN's grid protocol, its rows seed-batched, stepped in turn until `iterations` or `deadline`."""
    groups = {}
    for row in PROTOCOL_ROWS:
        configs = [compose_run(overrides_for(row, "grid", seed, iterations, []), folder / row / f"seed_{seed}") for seed in range(seeds)]
        groups[row] = runs_from_configs(configs, device)
    start = time.perf_counter()
    while time.monotonic() < deadline and any(batch.iteration < iterations for batch in groups.values()):
        for batch in groups.values():
            if batch.iteration < iterations:
                batch.step()
    synchronize(device)
    seconds = time.perf_counter() - start
    modes, std = mixture_modes("grid")
    results = {}
    for row, batch in groups.items():
        with torch.no_grad():
            results[row] = [mode_statistics(family.sample_indexed(range(2500))[0], modes, std) for family in batch.write_back()]
    lines = ["| row | iterations | grid modes /25 | grid HQ | grid rev-KL |", "|---|---|---|---|---|"]
    for row, batch in groups.items():
        name, stats = ROWS[row][0], results[row]
        hq = 100 * sum(s["high_quality"] for s in stats) / len(stats)
        covered, kl = mean_se([s["modes"] for s in stats], 1), mean_se([s["reverse_kl"] for s in stats], 2)
        lines.append(f"| {name} (ours, {len(stats)} seeds) | {batch.iteration:,} | {covered} | {hq:.1f}% | {kl} |")
        if name in PUBLISHED:
            lines.append(f"| {name} (published) | 400,000 | " + " | ".join(PUBLISHED[name]["grid"]) + " |")
    reached = min(batch.iteration for batch in groups.values())
    note = (
        f"All three rows reached the protocol's {iterations:,} iterations in {seconds / 60:.1f} min."
        if reached >= iterations
        else f"Out of time after {seconds / 60:.1f} min: {reached:,} of the protocol's {iterations:,} iterations "
        f"({100 * reached / iterations:.1f}%), so these rows are not the protocol's."
    )
    record = {row: {"iterations": groups[row].iteration, "seeds": stats} for row, stats in results.items()}
    return note + "\n\n" + "\n".join(lines), {"seconds": seconds, "rows": record}


def describe_machine(device: str) -> str:
    if device == "cuda":
        name = torch.cuda.get_device_name(0)
        return f"{torch.cuda.device_count()} x {name}, CUDA {torch.version.cuda}, torch {torch.__version__}, {os.cpu_count()} CPU cores"
    return f"CPU only ({platform.machine()}, {os.cpu_count()} cores), torch {torch.__version__}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=9.5, help="the whole check's time budget")
    parser.add_argument("--smoke", action="store_true", help="on the CPU, every part tiny: checks that the script works")
    parser.add_argument("--output", type=Path, default=BENCH / "gpu_check", help="writes <output>.md and <output>.json")
    args = parser.parse_args()
    quiet_known_noise()
    device = "cuda" if torch.cuda.is_available() and not args.smoke else "cpu"
    if device == "cpu" and not args.smoke:
        sys.exit("bench/gpu_check.py: no GPU here (torch.cuda.is_available() is False): run it on the GPU machine, or with --smoke to check the script")
    start = time.monotonic()
    budget = 60 * args.minutes

    def deadline(*parts: str) -> float:
        return start + budget * sum(SHARES[part] for part in parts)

    sections, record = [], {"machine": describe_machine(device), "date": datetime.date.today().isoformat(), "smoke": args.smoke}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        families, trainer = (SMOKE_FAMILIES, ["trainer=cpu"]) if args.smoke else (FAMILIES, ["trainer=gpu"])
        settings = {name: extra for name, extra in SETTINGS.items() if not (args.smoke and name == "torch.compile")}
        steps = {"warm_up": 2, "steps": 3} if args.smoke else {"warm_up": 10, "steps": 30}
        table, record["throughput"] = throughput(families, settings, trainer, **steps, deadline=deadline("throughput"), folder=folder / "throughput")
        skipped = "\n\ntorch.compile is left out under --smoke: compiling alone takes minutes on a CPU." if args.smoke else ""
        sections.append(("Training throughput", table + skipped))
        text, record["ddp"] = ddp_check(args.smoke, folder)
        sections.append(("Two processes (DDP)", text))
        if time.monotonic() < deadline("throughput", "ddp", "seed_batch"):
            text, record["seed_batch"] = seed_batch_speed(device, 2 if args.smoke else 10, 10 if args.smoke else 300, folder / "speed")
        else:
            text, record["seed_batch"] = "Skipped: out of time.", {"skipped": "out of time"}
        sections.append(("Seed-batched training against separate runs (mode-coverage protocol, grid)", text))
        seeds, iterations = (2, 20) if args.smoke else (10, PROTOCOL_ITERATIONS)
        text, record["protocol"] = protocol(device, seeds, start + budget - 30, folder / "protocol", iterations)
        sections.append(("PacGAN's grid protocol, seed-batched", text))

    command = "python bench/gpu_check.py " + " ".join(sys.argv[1:])
    report = f"## GPU check: {record['machine']} ({record['date']})\n\n`{command.strip()}`, {(time.monotonic() - start) / 60:.1f} min in all.\n"
    report += "".join(f"\n### {title}\n\n{text}\n" for title, text in sections)
    print(report)
    args.output.with_suffix(".md").write_text(report)
    args.output.with_suffix(".json").write_text(json.dumps(record, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
