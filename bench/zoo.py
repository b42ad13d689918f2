"""The model zoo (issue 21): every preset's default run on the built-in data, as a table with a small
sample picture per row, written into the README (between its zoo markers) and docs/images/zoo/.

    python bench/zoo.py [--workers 2]

The rows are bench/presets.py's default runs (label 'after', seed 0: `python -m gan_lightning
model=<preset> seed=0` on one core); finished ones are reused and missing ones trained the same way,
so a preset added to conf/model gets its row the next time this runs. Scores are the runs' own
last evaluation: FD on the digits classifier's features (the offline backbone: not Inception, so not
FID), 2,000 samples against the 1,617 training digits, precision and recall on the same features.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

from omegaconf import OmegaConf
from PIL import Image

import presets

REPO = presets.REPO
PICTURES = REPO / "docs" / "images" / "zoo"
README = REPO / "README.md"
START, END = "<!-- zoo:start (bench/zoo.py writes this table) -->", "<!-- zoo:end -->"


def headline(r: dict) -> str:
    """What the preset is scored by, with the baseline that gives it meaning."""
    if "l1" in r:
        return f"val L1 {r['l1']:.3f} (input: {r['l1_input']:.3f}), SSIM {r['ssim']:.2f}"
    if "fd_AtoB" in r:
        return f"FD A→B {r['fd_AtoB']:.1f} (real: {r['fd_AtoB_floor']:.1f}, input: {r['fd_AtoB_input']:.0f})"
    text = f"FD {r['fd']:.1f}"
    if "class_accuracy" in r and r["model"] != "infogan":
        text += f", class accuracy {100 * r['class_accuracy']:.0f}%"
    if "matched_class_accuracy" in r and r["model"] == "infogan":
        text += f", code ↔ digit {100 * r['matched_class_accuracy']:.0f}%"
    if "bits_per_dim" in r:
        text += f", {r['bits_per_dim']:.2f} bits/dim"
    return text


def picture(model: str) -> Path:
    """The run's last sample grid, shrunk to 128 pixels wide, grey (the digits are)."""
    grid = Image.open(presets.run_dir("after", model) / "samples" / "last.png").convert("L")
    grid.thumbnail((128, 10_000))
    path = PICTURES / f"{model}.png"
    grid.save(path, optimize=True)
    return path


def family(model: str) -> str:
    config = OmegaConf.load(presets.run_dir("after", model) / ".hydra" / "config.yaml")
    return str(config.model._target_).rsplit(".", 1)[-1]


def table(results: dict) -> str:
    lines = [
        "| preset | family | after 1,000 iterations | precision | recall | CPU min | last grid |",
        "|---|---|---|---|---|---|---|",
    ]
    for model in presets.PRESETS:
        r = results.get(("after", model, 0))
        if r is None or "error" in r:
            continue
        scores = [f"{r[k]:.2f}" if k in r else "" for k in ("precision", "recall")]
        image = picture(model).relative_to(REPO)
        lines.append(f"| `model={model}` | {family(model)} | {headline(r)} | {' | '.join(scores)} | {r['cpu_minutes']} | ![{model}]({image}) |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    finished = presets.stored()
    missing = [m for m in presets.PRESETS if ("after", m, 0) not in finished or "error" in finished[("after", m, 0)]]
    if missing:  # trained as bench/presets.py trains them, into its store
        subprocess.run([sys.executable, str(presets.BENCH / "presets.py"), "--models", *missing, "--workers", str(args.workers)], check=True)
    PICTURES.mkdir(parents=True, exist_ok=True)
    block = (
        f"{START}\n`python bench/zoo.py`, {time.strftime('%Y-%m-%d')}: each preset's default run (`python -m gan_lightning "
        "model=<preset>`, seed 0) on the built-in digits, one CPU core of a 2-core VM; FD on the digits classifier's "
        "features (not Inception), 2,000 samples against the 1,617 training digits.\n\n" + table(presets.stored()) + f"\n{END}"
    )
    text = README.read_text()
    if START not in text:
        raise SystemExit(f"README.md has no {START} marker: put the marker pair where the zoo table goes")
    README.write_text(re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S))
    print(block)


if __name__ == "__main__":
    main()
