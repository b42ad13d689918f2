"""Every preset on its default run (issue 22): what `python -m gan_lightning model=<preset>` gives a
user who changes nothing, scored the way the run scores itself.

Each cell is the command line itself (`python -m gan_lightning model=<preset> seed=0`, one core), in
its own run directory. The table reads the last evaluation of each run's metrics.csv: FD, the
classifier score, precision and recall on the digits classifier's features (2,000 samples), class
accuracy for the conditional presets, bits per dimension for the likelihood ones, the translation
scores for pix2pix and CycleGAN; the CPU time of the run; and the run's last sample grid, tiled into
bench/presets_<label>.png. Two measurements need the trained model: InfoGAN's categorical code
matched to the digit classes (the best one-to-one assignment of code values to classes, scipy's
Hungarian solver, over 2,000 samples read by the digits classifier), and BiGAN's reconstruction
error: the mean L1 between G(E(x)) and x over the validation digits, against the same for G(E(x))
and a random other validation digit (equal when reconstructions ignore their inputs), and how often
the digits classifier reads the input's digit in its reconstruction (10% by chance).

    python bench/presets.py [--label after] [--models dcgan sngan ...] [--workers 2] [--code DIR]

--code trains with the package checked out at DIR (an earlier commit: the 'before' rows of a fix);
runs go to bench/runs/presets/<label>/<model>/, results to bench/presets.json (every label) and
bench/presets.md; finished cells are reused.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PRESETS = ["gan", "dcgan", "wgan", "wgan_gp", "wgan_lp", "lsgan", "sngan", "pacgan", "unrolled",
           "cgan", "acgan", "infogan", "bigan", "vae", "pixelcnn", "pix2pix", "cyclegan"]  # fmt: skip
QUIET = ["~callbacks.rich_progress_bar", "logger=csv", "trainer.enable_model_summary=false", "+trainer.enable_progress_bar=false"]
COLUMNS = {  # val/<name> -> column, in table order
    "fd": "FD", "classifier_score": "classifier score", "precision": "precision", "recall": "recall",
    "class_accuracy": "class accuracy", "bits_per_dim": "bits/dim", "fd_AtoB": "FD A→B", "fd_AtoB_floor": "FD A→B floor",
}  # fmt: skip


def run_dir(label: str, model: str) -> Path:
    return BENCH / "runs" / "presets" / label / model


def train_cell(label: str, model: str, code: Path) -> dict:
    """One default run from the command line, on one core; its final scores and CPU time."""
    out = run_dir(label, model)
    env = {**os.environ, "PYTHONPATH": str(code), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    command = [sys.executable, "-m", "gan_lightning", f"model={model}", "seed=0", f"hydra.run.dir={out}", *QUIET]
    done = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        return {"label": label, "model": model, "error": (done.stdout + done.stderr)[-2000:]}
    with open(out / "metrics.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    scores = {key[4:]: float(value) for row in rows for key, value in row.items() if key.startswith("val/") and value != ""}
    fds = [float(row["val/fd"]) for row in rows if row.get("val/fd")]
    result = {
        "label": label, "model": model, "iterations": max(int(float(row["step"])) for row in rows if row.get("step")) + 1,
        "cpu_minutes": round((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / 60, 1),
        "wall_minutes": round((time.perf_counter() - start) / 60, 1), "fd_over_time": fds, **scores,
        **measure(out / "checkpoints" / "last.ckpt", model, code),
    }  # fmt: skip
    (out / "result.json").write_text(json.dumps(result))
    return result


def measure(checkpoint: Path, model: str, code: Path) -> dict:
    """The measurements that need the model, made by the code that trained it (--measure)."""
    if model not in ("infogan", "bigan"):
        return {}
    env = {**os.environ, "PYTHONPATH": str(code), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, __file__, "--measure", str(checkpoint), model], cwd=code, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def infogan_matched_accuracy(checkpoint: Path, n: int = 2000) -> dict:
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    from gan_lightning.metrics.backbones import DigitsClassifierBackbone
    from gan_lightning.models import load_family

    family = load_family(checkpoint)
    images, codes = family.sample_indexed(range(n), seed=1)  # sample i has code value i mod 10
    digits = DigitsClassifierBackbone(os.environ.get("GAN_LIGHTNING_CACHE", "~/.cache/gan_lightning")).predict(images.float()).numpy()
    counts = np.zeros((10, 10), dtype=int)
    np.add.at(counts, (codes.numpy(), digits), 1)
    rows, columns = linear_sum_assignment(-counts)
    return {"matched_accuracy": round(float(counts[rows, columns].sum() / n), 4)}


def bigan_reconstruction(checkpoint: Path) -> dict:
    import torch

    from gan_lightning.data import DigitsDataModule
    from gan_lightning.models import load_family

    from gan_lightning.metrics.backbones import DigitsClassifierBackbone

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


def grid_picture(label: str, models: list[str]) -> Path:
    """The last sample grid of each run, tiled with its preset's name."""
    from PIL import Image, ImageDraw

    grids = [(m, Image.open(p).convert("RGB")) for m in models if (p := run_dir(label, m) / "samples" / "last.png").is_file()]
    size, per_row = 200, 6
    sheet = Image.new("RGB", (per_row * size, -(-len(grids) // per_row) * (size + 16)), "white")
    for i, (model, grid) in enumerate(grids):
        x, y = (i % per_row) * size, (i // per_row) * (size + 16)
        grid.thumbnail((size - 4, size - 4))
        sheet.paste(grid, (x + 2, y + 16))
        ImageDraw.Draw(sheet).text((x + 4, y + 2), model, fill="black")
    path = BENCH / f"presets_{label}.png"
    sheet.save(path)
    return path


def table(results: list[dict]) -> str:
    lines = [
        "| preset | run | iterations | " + " | ".join(COLUMNS.values()) + " | CPU min | FD over the run |",
        "|---|---|---|" + "---|" * len(COLUMNS) + "---|---|",
    ]
    for r in sorted(results, key=lambda r: (PRESETS.index(r["model"]), r["label"])):
        if "error" in r:
            lines.append(f"| {r['model']} | {r['label']} | failed: {r['error'].strip().splitlines()[-1][:120]} |")
            continue
        cells = [f"{r[k]:.3g}" if k in r else "" for k in COLUMNS]
        trend = " → ".join(f"{v:.0f}" for v in r.get("fd_over_time", []))
        lines.append(f"| {r['model']} | {r['label']} | {r['iterations']} | " + " | ".join(cells) + f" | {r['cpu_minutes']} | {trend} |")
    extras = [r for r in results if "matched_accuracy" in r or "recon_l1" in r]
    if extras:
        lines += ["", "| preset | run | InfoGAN code ↔ class, matched | BiGAN L1(G(E(x)), x) | L1(G(E(x)), other x) | same digit | ‖E(x)‖ (spread) | ‖z‖ |", "|---|---|---|---|---|---|---|---|"]
        for r in sorted(extras, key=lambda r: (r["model"], r["label"])):
            if "matched_accuracy" in r:
                lines.append(f"| infogan | {r['label']} | {100 * r['matched_accuracy']:.1f}% | | | | | |")
            else:
                same = f"{100 * r['recon_same_digit']:.1f}%"
                lines.append(f"| bigan | {r['label']} | | {r['recon_l1']} | {r['recon_l1_other']} | {same} | {r['code_norm']} ({r['code_norm_spread']}) | {r['z_norm']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="after")
    parser.add_argument("--models", nargs="+", default=PRESETS, choices=PRESETS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--code", type=Path, default=REPO, help="the checkout whose package trains")
    parser.add_argument("--measure", nargs=2, metavar=("CHECKPOINT", "MODEL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        checkpoint, model = Path(args.measure[0]), args.measure[1]
        print(json.dumps(infogan_matched_accuracy(checkpoint) if model == "infogan" else bigan_reconstruction(checkpoint)))
        return
    store = BENCH / "presets.json"
    results = {(r["label"], r["model"]): r for r in (json.loads(store.read_text()) if store.is_file() else [])}
    missing = [m for m in args.models if (args.label, m) not in results or "error" in results[args.label, m]]
    with ProcessPoolExecutor(args.workers) as pool:
        futures = {m: pool.submit(train_cell, args.label, m, args.code.resolve()) for m in missing}
        for model, future in futures.items():
            results[args.label, model] = future.result()
            print(json.dumps({k: v for k, v in results[args.label, model].items() if k != "error"}), flush=True)
            store.write_text(json.dumps(list(results.values()), indent=1))  # partial results survive a stop
    grid_picture(args.label, args.models)
    header = f"`python bench/presets.py` on {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}: every preset's default run, seed 0.\n\n"
    (BENCH / "presets.md").write_text(header + table(list(results.values())) + "\n")
    print(table(list(results.values())))


if __name__ == "__main__":
    main()
