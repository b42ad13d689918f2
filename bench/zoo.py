"""The model zoo (issue 21): every preset's default run on the built-in data, as a table with a small
sample picture per row, written into the README (between its zoo markers) and docs/images/zoo/.

    python bench/zoo.py [--workers 2] [--table-only]

The rows are bench/presets.py's default runs (label 'after', seed 0: `python -m gan_lightning
model=<preset> seed=0` on one core); finished ones are reused and missing ones trained the same way,
so a preset added to conf/model gets its row the next time this runs. Scores are the runs' own
last evaluation, with its N and backbone: FD on the built-in data's classifier features (the offline
backbones: not Inception, so not FID), translation scores on the validation pairs, patch SWD for the
single-image families; each grid at README size (128 to 256 pixels wide). It fails, naming them, while
a preset in conf/model has no row.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from PIL import Image

from gan_lightning.cli import config_dir
from gan_lightning.data.shapes import CATEGORICAL

import presets

REPO = presets.REPO
PICTURES = REPO / "docs" / "images" / "zoo"
README = REPO / "README.md"
GALLERY = REPO / "docs" / "gallery.md"
# Pictures other benches made of what a family is known for, shown under its section of the gallery.
MORE_PICTURES = {
    "LAPGAN": [("lapgan_levels.png", "each sample at every level of the pyramid, coarsest first (bench/lapgan.py)")],
    "ProGAN": [("progan_resolutions.png", "the last grid at each resolution as the networks grow (bench/progressive_style.py)")],
    "StyleGAN": [
        ("stylegan_style_mixing.png", "style mixing: coarse styles of one row's source, fine of one column's (`explore mode=style_mixing`)"),
        ("stylegan_truncation.png", "truncation towards the mean w (`explore mode=truncation`)"),
        ("stylegan_noise.png", "the same styles under different noise (`explore mode=noise`)"),
        ("stylegan_64px_shapes.png", "on 64x64 shapes: seed 0's last samples, four rows (bench/style_mixing.py --variant 64px)"),
        ("dcgan_64px_shapes_failed.png", "DCGAN in the same CPU time: seed 2's last samples, two rows, its training failed (bench/stylegan_fd.py --size 64)"),
    ],
    "CGAN": [("sagan_digits.png", "SAGAN after 1,000 iterations: a row per class"), ("biggan_digits.png", "BigGAN after 1,000 iterations")],
    "SinGAN": [("singan_china.png", "random samples of the one photograph"), ("singan_china_2x.png", "a sample twice as wide")],
    "InGAN": [("ingan_china.png", "the photograph retargeted to other shapes")],
    "SRGAN": [("srgan_photos.png", "low resolution, bicubic, SRGAN, high resolution (bench/restoration.py)")],
    "ContextEncoder": [("context_encoder_photos.png", "masked, inpainted, original (bench/restoration.py)")],
    "BiCycleGAN": [("bicyclegan_digits.png", "several outputs per input from different z")],
}
START, END = "<!-- zoo:start (bench/zoo.py writes this table) -->", "<!-- zoo:end -->"


def cpu(result: dict) -> str:
    """The run's CPU minutes; a run stopped and resumed counts its resumed part only, so say so."""
    return f"{result['cpu_minutes']} (resumed part)" if result.get("resumed") else str(result["cpu_minutes"])


def failed(result: dict | None) -> bool:
    """No finished run: none yet, or one that stopped with an error message."""
    return result is None or presets.failed(result)


def backbone(r: dict) -> str | None:
    """The features the run's scores were computed on, as bench/presets.py stored them from the run's
    log (or the run folder, where it is still here); a row recorded before run folders were kept here
    (2026-12-01) was scored with the first build of the digits classifier (FD within 0.5% of the current one)."""
    hparams = presets.run_dir("after", r["model"]) / "hparams.yaml"
    if "backbone" not in r and not hparams.is_file():
        return "digits classifier, first build, 2026-12-01"
    name = r["backbone"] if "backbone" in r else OmegaConf.select(OmegaConf.load(hparams), "evaluation.backbone")
    return None if name is None else str(name).split("-")[0].replace("_", " ")


def headline(r: dict) -> str:
    """What the preset is scored by, with the baseline that gives it meaning, its N and backbone."""
    if "l1" in r:
        # the task's own baseline: bicubic upsampling (super-resolution), biharmonic filling (inpainting), the input
        baseline = next(name for name in ("bicubic", "biharmonic", "input") if f"l1_{name}" in r)
        l1, psnr = f"val L1 {r['l1']:.3f} ({baseline}: {r[f'l1_{baseline}']:.3f})", f"PSNR {r['psnr']:.1f} dB ({baseline}: {r[f'psnr_{baseline}']:.1f})"
        return f"{l1}, {psnr}, SSIM {r['ssim']:.2f} on the validation pairs"
    if "fd_AtoB" in r:
        text = f"FD A→B {r['fd_AtoB']:.1f} (real: {r['fd_AtoB_floor']:.1f}, input: {r['fd_AtoB_input']:.0f}; {backbone(r) or 'digits classifier'})"
        if "digit_kept_AtoB" in r:  # the digits classifier reads the input's digit in its translation
            text += f", digit kept {100 * r['digit_kept_AtoB']:.0f}%"
        if "digit_flips_AtoB" in r:  # clips: the digit read changes from one output frame to the next
            text += f", digit flips {100 * r['digit_flips_AtoB']:.0f}% (real clips: {100 * r['digit_flips_B']:.0f}%)"
        return text
    if "patch_swd" in r:
        diversity = f", diversity {r['diversity']:.2f}" if "diversity" in r else ""
        return f"patch SWD {r['patch_swd']:.1f} to the image{diversity}"
    if "error" in r and "fd" not in r:
        return f"val error {100 * r['error']:.1f}%"
    text = f"FD {r['fd']:.1f}"
    if "accuracy_foreground" in r:  # generated from attributes or captions: each factor read as asked
        text += ", read as asked (1,000 samples): " + ", ".join(f"{name} {100 * r[f'accuracy_{name}']:.0f}%" for name in CATEGORICAL)
    elif "class_accuracy" in r and r["model"] != "infogan":
        text += f", class accuracy {100 * r['class_accuracy']:.0f}%"
    if "matched_class_accuracy" in r and r["model"] == "infogan":
        text += f", code ↔ digit {100 * r['matched_class_accuracy']:.0f}%"
    if "bits_per_dim" in r:
        text += f", {r['bits_per_dim']:.2f} bits/dim"
    if "error" in r:
        text += f", val error {100 * r['error']:.1f}%"
    if "still_pixels" in r:  # clips: what stays still, beside the real clips
        text += f", still pixels {100 * r['still_pixels']:.1f}% (real: {100 * r['still_pixels_real']:.0f}%)"
    unit = "frames" if "still_pixels" in r else "samples"  # clips are scored frame by frame
    measured = [f"{int(r['num_samples']):,} {unit}"] if "num_samples" in r else []
    measured += [name for name in [backbone(r)] if name]
    return text + (f" ({', '.join(measured)})" if measured else "")


def picture(model: str) -> Path:
    """The run's last sample grid at README size: at most 256 pixels wide, at least 128 (pixels
    repeated, not blurred), grey where the data are, colour where they are not."""
    path = PICTURES / f"{model}.png"
    samples = presets.run_dir("after", model) / "samples"
    drawn = sorted(samples.glob("*.png"), key=lambda p: p.stat().st_mtime) if samples.is_dir() else []
    last = samples / "last.png" if (samples / "last.png").is_file() else (drawn[-1] if drawn else None)  # InGAN draws retargeting grids only
    if last is None:
        return path  # a row recorded earlier keeps the picture made then
    grid = Image.open(last)
    grid = grid.convert("L") if grid.mode in ("L", "LA", "I;16") or is_grey(grid) else grid.convert("RGB")
    if grid.width > 256:
        grid.thumbnail((256, 10_000))
    elif grid.width < 128:
        factor = -(-128 // grid.width)
        grid = grid.resize((grid.width * factor, grid.height * factor), Image.NEAREST)
    grid.save(path, optimize=True)
    return path


def is_grey(image: Image.Image) -> bool:
    rgb = image.convert("RGB")
    red, green, blue = rgb.split()
    return red.tobytes() == green.tobytes() == blue.tobytes()


def family(model: str) -> str:
    saved = presets.run_dir("after", model) / ".hydra" / "config.yaml"
    if saved.is_file():
        target = OmegaConf.load(saved).model._target_
    else:  # a row recorded earlier: the preset as it composes now
        with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
            target = compose(config_name="train", overrides=[f"model={model}"]).model._target_
    return str(target).rsplit(".", 1)[-1]


def table(results: dict) -> tuple[str, list[str]]:
    """The README's table, and the presets that have no finished default run yet."""
    lines = [
        "| preset | family | score at the end of the default run | precision | recall | iterations | CPU min | last grid |",
        "|---|---|---|---|---|---|---|---|",
    ]
    missing = []
    for model in presets.PRESETS:
        r = results.get(("after", model, 0))
        if failed(r):
            missing.append(model)
            continue
        scores = [f"{r[k]:.2f}" if k in r else "" for k in ("precision", "recall")]
        image = picture(model).relative_to(REPO)
        lines.append(
            f"| `model={model}` | {family(model)} | {headline(r)} | {' | '.join(scores)} | {r['iterations']:,} | {cpu(r)} | ![{model}]({image}) |"
        )
    return "\n".join(lines), missing


def gallery(results: dict) -> str:
    """docs/gallery.md: a section per family, each preset's last grid and the command that made it,
    then the pictures other benches made of what the family is known for."""
    families: dict[str, list[str]] = {}
    for model in presets.PRESETS:
        families.setdefault(family(model), []).append(model)
    lines = [
        "# Gallery",
        "",
        "[Back to the README](../README.md) · made by `python bench/zoo.py` from each preset's default run",
        "(seed 0, one CPU core) and the benches named under the pictures; the scores are in the README's zoo.",
    ]
    for name, models in families.items():
        lines += ["", f"## {name}", ""]
        for model in models:
            r = results.get(("after", model, 0))
            if failed(r):
                lines += [f"`model={model}`: no default run recorded yet.", ""]
                continue
            lines += [f"`python -m gan_lightning model={model}`: {headline(r)}, {r['iterations']:,} iterations", "",
                      f"![{model}](images/zoo/{model}.png)", ""]  # fmt: skip
        for picture_name, caption in MORE_PICTURES.get(name, []):
            lines += [f"![{caption}](images/{picture_name})", "", f"*{caption}*", ""]
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--table-only", action="store_true", help="write the table and gallery from the runs finished so far, training none")
    args = parser.parse_args()
    finished = presets.stored()
    missing = [m for m in presets.PRESETS if failed(finished.get(("after", m, 0)))]
    if missing and not args.table_only:  # trained as bench/presets.py trains them, into its store
        subprocess.run([sys.executable, str(presets.BENCH / "presets.py"), "--models", *missing, "--workers", str(args.workers)], check=True)
    PICTURES.mkdir(parents=True, exist_ok=True)
    rows, missing = table(presets.stored())
    block = (
        f"{START}\n`python bench/zoo.py`, {time.strftime('%Y-%m-%d')}: each preset's default run (`python -m gan_lightning "
        "model=<preset>`, seed 0, its own data and budget) on one CPU core of a 2-core VM, scored by the run's own last "
        "evaluation: FD on the built-in data's classifier features (digits, shapes or voxel classifier; clips frame by frame: not Inception, so not FID) "
        "against the training images, translation scores on the validation pairs, patch SWD to the one image.\n\n" + rows + f"\n{END}"
    )
    text = README.read_text()
    if START not in text:
        raise SystemExit(f"README.md has no {START} marker: put the marker pair where the zoo table goes")
    README.write_text(re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S))
    print(block)
    GALLERY.write_text(gallery(presets.stored()))
    if missing:  # every preset in conf/model must have its row
        raise SystemExit(f"no finished default run for {', '.join(missing)}: run bench/zoo.py again (it trains what is missing)")


if __name__ == "__main__":
    main()
