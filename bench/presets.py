"""Every preset on its default run (issue 22): what `python -m gan_lightning model=<preset>` gives a
user who changes nothing, scored the way the run scores itself.

Each cell is the command line itself (`python -m gan_lightning model=<preset> seed=0`, one core), in
its own run directory. The table reads the last evaluation of each run's metrics.csv: FD, the
classifier score, precision and recall on the digits classifier's features (2,000 samples), class
accuracy for the conditional presets, bits per dimension for the likelihood ones, the translation
scores for pix2pix and CycleGAN; the CPU time of the run; and the run's last sample grid, tiled into
bench/presets_<label>.png. InfoGAN's categorical code matched to the digit classes is the run's own
`val/matched_class_accuracy` (the best one-to-one relabelling of code values, over the 2,000 samples
read by the digits classifier). BiGAN's reconstructions are measured on the trained model: the mean
L1 between G(E(x)) and x over the validation digits, against the same for G(E(x)) and a random other
validation digit (equal when reconstructions ignore their inputs), and how often the digits
classifier reads the input's digit in its reconstruction (10% by chance).

    python bench/presets.py [--label after] [--models dcgan sngan ...] [--workers 2] [--code DIR]
                            [--seeds N] [--iterations N]

--code trains with the package checked out at DIR (an earlier commit: the 'before' rows of a fix);
--iterations runs a longer budget than the default 1,000 (evaluated at each quarter of it): the
budget a preset that fails its default run needs, under its own --label;
runs go to bench/runs/presets/<label>/<model>/, results to bench/presets.json (every label) and
bench/presets.md; finished cells are reused, and a cell stopped part-way continues from its last
checkpoint (its CPU time is then marked as the resumed part's).
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
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

from omegaconf import OmegaConf

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
ORDER = ["gan", "dcgan", "wgan", "wgan_gp", "wgan_lp", "lsgan", "sngan", "pacgan", "unrolled",
         "cgan", "acgan", "infogan", "bigan", "vae", "pixelcnn", "pix2pix", "cyclegan"]  # fmt: skip
# Every preset in conf/model: the known ones in the order above, any newer one after them.
PRESETS = [*ORDER, *sorted({p.stem for p in (REPO / "conf" / "model").glob("*.yaml")} - set(ORDER))]
VARIANTS = {
    "bigan_uniform": ["model=bigan", "prior=uniform", "model.encoder.output=tanh"],  # the authors' z and E output
    "unrolled_ema": ["model=unrolled", "model.ema_decay=0.999"],  # samples from G's moving average
    "dcgan_shapes": ["model=dcgan", "data=shapes"],  # the built-in shapes, scored on their factor classifier
}
QUIET = ["~callbacks.rich_progress_bar", "logger=csv", "trainer.enable_model_summary=false", "+trainer.enable_progress_bar=false"]
COLUMNS = {  # val/<name> -> column, in table order
    "fd": "FD", "classifier_score": "classifier score", "precision": "precision", "recall": "recall",
    "class_accuracy": "class accuracy", "bits_per_dim": "bits/dim", "l1": "L1 A→B", "ssim": "SSIM A→B",
    "fd_AtoB": "FD A→B", "fd_AtoB_floor": "FD A→B floor", "fd_AtoB_input": "FD A→B input",
}  # fmt: skip


STORE = BENCH / "presets.json"


def stored() -> dict[tuple[str, str, int], dict]:
    """Every finished cell, by (label, model, seed)."""
    cells = json.loads(STORE.read_text()) if STORE.is_file() else []
    return {(r["label"], r["model"], r.get("seed", 0)): r for r in cells}


def failed(result: dict) -> bool:
    """A cell that stopped with an error message (a semi-supervised run's val/error is a number)."""
    return isinstance(result.get("error"), str)


def run_dir(label: str, model: str, seed: int = 0) -> Path:
    return BENCH / "runs" / "presets" / label / (model if seed == 0 else f"{model}_seed{seed}")


def budget(iterations: int | None) -> list[str]:
    """Overrides for a budget other than the default, evaluated and drawn at each quarter of it."""
    if iterations is None:
        return []
    quarter = iterations // 4
    return [f"trainer.max_steps={iterations}", f"metrics.every_n_iterations={quarter}", f"callbacks.sample_grid.every_n_iterations={quarter}"]


def train_cell(label: str, model: str, seed: int, code: Path, iterations: int | None = None) -> dict:
    """One run from the command line, on one core; its final scores and CPU time."""
    out = run_dir(label, model, seed)
    if (out / "result.json").is_file():
        return json.loads((out / "result.json").read_text())
    resume = []  # a run stopped part-way (the bench killed) continues from its last checkpoint
    if (out / "checkpoints" / "last.ckpt").is_file():
        resume = [f"ckpt_path={out / 'checkpoints' / 'last.ckpt'}"]
    elif out.exists():
        shutil.rmtree(out)
    env = {**os.environ, "PYTHONPATH": str(code), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    preset = VARIANTS.get(model, [f"model={model}"])
    command = [sys.executable, "-m", "gan_lightning", *preset, f"seed={seed}", f"hydra.run.dir={out}", *budget(iterations), *resume, *QUIET]
    done = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        return {"label": label, "model": model, "seed": seed, "error": (done.stdout + done.stderr)[-2000:]}
    with open(out / "metrics.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    scores = {key[4:]: float(value) for row in rows for key, value in row.items() if key.startswith("val/") and value != ""}
    fds = [float(row["val/fd"]) for row in rows if row.get("val/fd")]
    hparams = OmegaConf.load(out / "hparams.yaml") if (out / "hparams.yaml").is_file() else {}
    scored_on = OmegaConf.select(hparams, "evaluation.backbone") if hparams else None  # kept: the run folder may go
    result = {
        "label": label, "model": model, "seed": seed, "iterations": max(int(float(row["step"])) for row in rows if row.get("step")) + 1,
        "cpu_minutes": round((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / 60, 1),
        "wall_minutes": round((time.perf_counter() - start) / 60, 1), "fd_over_time": fds, **scores,
        **({"backbone": str(scored_on)} if scored_on is not None else {}),
        **({"resumed": True} if resume else {}),  # its CPU time is the resumed part's
        **measure(out / "checkpoints" / "last.ckpt", model, code),
    }  # fmt: skip
    (out / "result.json").write_text(json.dumps(result))
    return result


def measure(checkpoint: Path, model: str, code: Path) -> dict:
    """The measurements that need the model, made by the code that trained it (--measure)."""
    if not model.startswith("bigan"):
        return {}
    env = {**os.environ, "PYTHONPATH": str(code), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, __file__, "--measure", str(checkpoint)], cwd=code, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def bigan_reconstruction(checkpoint: Path) -> dict:
    import torch

    from gan_lightning.data import DigitsDataModule
    from gan_lightning.metrics.backbones import DigitsClassifierBackbone
    from gan_lightning.models import load_family

    family = load_family(checkpoint).eval()
    data = DigitsDataModule(image_size=32)
    data.setup("fit")
    x = torch.stack([data.val_set[i]["image"] for i in range(len(data.val_set))])
    labels = torch.tensor([int(data.val_set[i]["label"]) for i in range(len(data.val_set))])
    codes = family.encode(x)
    reconstructed = family.reconstruct(x)
    other = x[torch.randperm(len(x), generator=torch.Generator().manual_seed(0))]
    classifier = DigitsClassifierBackbone(os.environ.get("GAN_LIGHTNING_CACHE", "~/.cache/gan_lightning"))
    return {
        "recon_l1": round(float((reconstructed - x).abs().mean()), 4),
        "recon_l1_other": round(float((reconstructed - other).abs().mean()), 4),
        "recon_same_digit": round(float((classifier.predict(reconstructed) == labels).float().mean()), 4),
        "code_norm": round(float(codes.norm(dim=1).mean()), 2),
        "code_norm_spread": round(float(codes.norm(dim=1).std()), 2),
        "z_norm": round(float(family.prior.sample(len(x)).z.norm(dim=1).mean()), 2),
    }


def grid_picture(label: str, models: list[str]) -> Path | None:
    """The last sample grid of each run, tiled with its preset's name, in grey (the digits are)."""
    from PIL import Image, ImageDraw

    grids = [(m, Image.open(p).convert("L")) for m in models if (p := run_dir(label, m) / "samples" / "last.png").is_file()]
    if not grids:
        return None
    size, per_row = 200, 6
    sheet = Image.new("L", (per_row * size, -(-len(grids) // per_row) * (size + 16)), 255)
    for i, (model, grid) in enumerate(grids):
        x, y = (i % per_row) * size, (i // per_row) * (size + 16)
        grid.thumbnail((size - 4, size - 4))
        sheet.paste(grid, (x + 2, y + 16))
        ImageDraw.Draw(sheet).text((x + 4, y + 2), model, fill=0)
    path = BENCH / f"presets_{label}.png"
    sheet.save(path, optimize=True)
    return path


def spread(values: list[float], scale: float = 1.0, digits: int = 3) -> str:
    """mean ± standard deviation over seeds (the value alone for one seed)."""
    values = [scale * v for v in values]
    if len(values) == 1:
        return f"{values[0]:.{digits}g}"
    return f"{statistics.mean(values):.{digits}g} ± {statistics.stdev(values):.{digits - 1}g}"


def seed_spread(cells: list[dict], key: str, scale: float = 1.0) -> str:
    """`spread` of one result over the seeds' cells."""
    return spread([c[key] for c in cells], scale)


def table(results: list[dict]) -> str:
    lines = [
        "| preset | run | iterations | " + " | ".join(COLUMNS.values()) + " | CPU min | FD over the run |",
        "|---|---|---|" + "---|" * len(COLUMNS) + "---|---|",
    ]
    order = [*PRESETS, *VARIANTS]
    for r in sorted((r for r in results if r.get("seed", 0) == 0), key=lambda r: (order.index(r["model"]), r["label"])):
        if failed(r):
            lines.append(f"| {r['model']} | {r['label']} | failed: {r['error'].strip().splitlines()[-1][:120]} |")
            continue
        cells = [f"{r[k]:.3g}" if k in r else "" for k in COLUMNS]
        trend = " → ".join(f"{v:.0f}" for v in r.get("fd_over_time", []))
        cpu = f"{r['cpu_minutes']}{' (resumed)' if r.get('resumed') else ''}"
        lines.append(f"| {r['model']} | {r['label']} | {r['iterations']} | " + " | ".join(cells) + f" | {cpu} | {trend} |")
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in results:
        if r["model"] == "infogan" and "matched_class_accuracy" in r or "recon_l1" in r:
            groups.setdefault((r["model"], r["label"]), []).append(r)
    if groups:
        lines += [
            "", "| preset | run | seeds | InfoGAN code ↔ class, matched (%) | BiGAN L1(G(E(x)), x) | L1(G(E(x)), other x) | same digit (%) | ‖E(x)‖ | ‖z‖ |",
            "|---|---|---|---|---|---|---|---|---|",
        ]  # fmt: skip
        for (model, label), cells in sorted(groups.items()):
            column = partial(seed_spread, cells)
            if model == "infogan":
                lines.append(f"| {model} | {label} | {len(cells)} | {column('matched_class_accuracy', 100)} | | | | | |")
            else:
                recon = f"{column('recon_l1')} | {column('recon_l1_other')} | {column('recon_same_digit', 100)}"
                lines.append(f"| {model} | {label} | {len(cells)} | | {recon} | {column('code_norm')} | {column('z_norm')} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="after")
    parser.add_argument("--models", nargs="+", default=[*PRESETS, *VARIANTS], choices=[*PRESETS, *VARIANTS])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=1, help="seeds 0..N-1 of each model (the table shows seed 0)")
    parser.add_argument("--code", type=Path, default=REPO, help="the checkout whose package trains")
    parser.add_argument("--iterations", type=int, help="a budget other than the default run's 1,000 iterations")
    parser.add_argument("--measure", nargs="+", metavar="CHECKPOINT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(bigan_reconstruction(Path(args.measure[0]))))
        return
    results = stored()
    wanted = [(args.label, m, seed) for m in args.models for seed in range(args.seeds)]
    missing = [key for key in wanted if key not in results or failed(results[key])]
    with ProcessPoolExecutor(args.workers) as pool:
        futures = {key: pool.submit(train_cell, *key, args.code.resolve(), args.iterations) for key in missing}
        for key, future in futures.items():
            result = future.result()
            print(json.dumps({k: v for k, v in result.items() if k != "error"}), flush=True)
            results = {**stored(), key: result}  # reread: another invocation may have stored cells meanwhile
            STORE.write_text(json.dumps(list(results.values()), indent=1))  # partial results survive a stop
    grid_picture(args.label, [*PRESETS, *VARIANTS])  # every run of the label so far
    results = stored()
    header = (
        f"`python bench/presets.py` on {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}: every preset's default run, "
        "seed 0 (label 'long': a longer budget, its iterations in the table).\n\n"
    )
    (BENCH / "presets.md").write_text(header + table(list(results.values())) + "\n")
    print(table(list(results.values())))


if __name__ == "__main__":
    main()
