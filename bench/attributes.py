"""Generation from attributes and text on the built-in shapes (issue 35): Attribute2Image's CVAE and
layered disCVAE, the chairs generator (Dosovitskiy et al.), the attribute GAN (Karacan et al.'s
conditioning) and StackGAN from captions, 3 seeds each.

Each row is a command line (`python -m gan_lightning model=<preset> seed=s`, one core, the presets'
2,000 iterations of 64 shapes of 32x32; the GAN's 1,000 of G) scored at its end by the run itself: 1,000 samples asked for
attributes drawn as the data's, each factor read back by the shapes factor classifier
(`gan_lightning.metrics.attributes`; chance is 1/5 for the shape, 1/6 for the foreground colour, 1/4
for the background, 1/3 for the texture), and FD on the classifier's features (2,000 samples; not
Inception, so not FID). Then editing real images: for 1,000 shapes the runs never saw (data seed 99),
each categorical factor asked to be the next value (v + 1 mod K): the image's z inferred under its own
attributes (the VAEs' encoders; the GAN's inversion, 300 Adam steps from 2 starts; the chairs
generator has no z), generated under the edited ones (`gan_lightning.latent.editing.edit_attributes`), read
before and after by the classifier, as bench/editing.md's columns: the share read as the target, the
share whose other factors read as before, the same leaving out the shape (which no family yet draws), both.

    python bench/attributes.py [--seeds 3] [--workers 1] [--iterations N] [--collect]

Runs go to bench/runs/attributes/<row>/seed_<s>/ (each with its edits.json), results to bench/attributes.json and .md.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import torch
from omegaconf import OmegaConf

from gan_lightning.data.shapes import CATEGORICAL

from seeded_runs import machine, mean_se, report, run_seeded_table, seeded_rows, table_arguments

ROWS = {  # row -> overrides
    "cvae": ["model=attribute2image"],
    "discvae": ["model=discvae"],
    "chairs": ["model=chairs"],
    "attribute_gan": ["model=attribute_gan"],
    "stackgan": ["model=stackgan", "metrics.every_n_iterations=280"],  # evaluated in stage I too (at 280, 560, 840)
}
METRICS = ("fd", *(f"accuracy_{name}" for name in CATEGORICAL), "all_categorical", "error_x", "error_y", "error_scale")
EDITED = 1000


def edit_scores(checkpoint, cache_dir: str) -> dict[str, dict[str, float]]:
    """factor -> the edit scores (`edit_agreement`) of EDITED unseen shapes, each asked for the next value of the factor."""
    from gan_lightning.data.shapes import ShapesDataset
    from gan_lightning.latent.editing import edit_attributes
    from gan_lightning.metrics.attributes import edit_agreement
    from gan_lightning.metrics.shapes_classifier import ShapesClassifierBackbone
    from gan_lightning.models import load_family

    model = load_family(checkpoint)
    reader = ShapesClassifierBackbone(cache_dir)
    data = ShapesDataset(EDITED, 32, seed=99)
    images = data.images.float() / 127.5 - 1
    factors = {name: torch.tensor([f[name] for f in data.factors]) for name in data.factors[0]}
    attributes = model.prior.attributes_of(factors)
    targets = {name: (factors[name] + 1) % count for name, count in CATEGORICAL.items()}
    edits = edit_attributes(model, images, attributes, [model.prior.attributes_of(factors | {name: target}) for name, target in targets.items()])
    before = reader.read(images)
    scores = {name: edit_agreement(before, reader.read(edited.cpu()), name, target) for (name, target), edited in zip(targets.items(), edits)}
    return scores


def saved_edit_scores(run: Path) -> dict[str, dict[str, float]]:
    """`edit_scores` of the run's last checkpoint, kept in the run's edits.json beside its checkpoint's
    modification time (the GAN's inversions take minutes: a collect reuses them while the run is unchanged)."""
    checkpoint, saved = run / "checkpoints" / "last.ckpt", run / "edits.json"
    stamp = {"checkpoint_mtime": checkpoint.stat().st_mtime, "edited": EDITED}
    if saved.is_file() and (kept := json.loads(saved.read_text()))["stamp"] == stamp:
        return kept["scores"]
    scores = edit_scores(checkpoint, OmegaConf.load(run / "config.yaml").metrics.cache_dir)
    saved.write_text(json.dumps({"stamp": stamp, "scores": scores}))
    return scores


def stage_fds(run) -> tuple[float, float]:
    """A StackGAN run's FD at its last evaluation before stage II began (evaluations fall at the ends
    of epochs: the 840th of the 1,000 iterations of stage I), and at its last."""
    config = OmegaConf.load(run / "config.yaml")
    switch = int(config.model.stage_one_share * config.trainer.max_steps)  # the first iteration of stage II
    with open(run / "metrics.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    evaluations = [(int(row["step"]), float(row["val/fd"])) for row in rows if row.get("val/fd")]
    before = [fd for step, fd in evaluations if step < switch]
    return (before[-1] if before else float("nan")), evaluations[-1][1]


def main() -> None:
    args = table_arguments(__doc__.splitlines()[0], "attributes", seeds=3)
    wanted, results, minutes = run_seeded_table(args, ROWS, METRICS)
    lines = [
        "| model | FD | shape | foreground | background | texture | all four | x error | y error | scale error | seeds |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += seeded_rows(ROWS, results, METRICS, fd_digits=0, digits=3)
    stages = [stage_fds(args.runs / "stackgan" / f"seed_{r['seed']}") for r in results if r["row"] == "stackgan"]
    if stages:
        lines += ["", "StackGAN's two stages: FD of its samples at the last evaluation before stage II trains (stage I's, upsampled) and at the end:", "",
                  "| stage I | stage II | seeds |", "|---|---|---|",
                  f"| {mean_se([one for one, _ in stages], 0)} | {mean_se([two for _, two in stages], 0)} | {len(stages)} |"]  # fmt: skip
    torch.set_num_threads(1)
    edits = {}
    for r in results:
        run = args.runs / r["row"] / f"seed_{r['seed']}"
        if r["row"] != "stackgan" and (run / "checkpoints" / "last.ckpt").is_file():
            r["edits"] = saved_edit_scores(run)
            edits.setdefault(r["row"], []).append(r["edits"])
    if edits:
        lines += ["", "Editing unseen shapes (each factor to its next value; mean ± standard error over seeds):", "",
                  "| model | factor | read as the target | other factors as before | the others but the shape as before | both | seeds |",
                  "|---|---|---|---|---|---|---|"]  # fmt: skip
        for row, runs in edits.items():
            for name in CATEGORICAL:
                cells = [mean_se([run[name][key] for run in runs], 3) for key in ("target", "others_kept", "others_but_shape_kept", "both")]
                lines.append(f"| `{' '.join(ROWS[row])}` | {name} | {' | '.join(cells)} | {len(runs)} |")
    setup = f"{machine()}; mean ± standard error over seeds; chance: shape 0.2, foreground 0.167, background 0.25, texture 0.333"
    report("attributes.py", setup, results, len(wanted) - len(results), minutes, "\n".join(lines), args.output, ("row", "seed"))


if __name__ == "__main__":
    main()
