"""How far the digits numbers moved with the digits classifier's version 2 (issue 32).

Version 1 trained with the machine's thread count, so two machines built different weights under one
name; version 2 trains on one thread with deterministic algorithms and is named by its weights' hash.
This scores the same images with each build against the digits training split (the zoo's protocol:
2,000 samples, seed 0) and prints each metric's relative change, so a table made with version 1 can be
read against new runs:

    python bench/digits_classifier_versions.py [CHECKPOINT ...] [--cache ~/.cache/gan_lightning]

Builds compared: version 2; version 1 as a 1-thread and as a 2-thread machine built it; and the
version-1 file in `--cache`, the one this machine's earlier tables used, if it is there (the report says
which build it is). Image sets: the validation split (a perfect generator) and 2,000 samples of each
checkpoint. Writes bench/digits_classifier_versions.md and .json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

import torch
from hydra.utils import instantiate

from gan_lightning.metrics.backbones import DigitsClassifier, DigitsClassifierBackbone, train_digits_classifier, weights_digest
from gan_lightning.metrics.evaluation import fixed_subset, generated_images, image_batches
from gan_lightning.metrics.generative import GenerativeMetrics
from gan_lightning.models import load_family, read_checkpoint

from seeded_runs import machine

BENCH = Path(__file__).resolve().parent
METRICS = ("fd", "kd", "classifier_score", "precision", "recall", "density", "coverage")


def version_1(threads: int) -> DigitsClassifier:
    """Version 1 as a machine with `threads` threads built it (it took the machine's count)."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return train_digits_classifier(threads=None)[0]
    finally:
        torch.set_num_threads(before)


def cached_version_1(cache: Path) -> DigitsClassifier | None:
    """The version-1 classifier in this machine's cache (the file earlier tables were scored with), if any."""
    settings = {"version": 1, "epochs": 10, "seed": 0, "lr": 1e-3, "batch_size": 64}
    path = cache.expanduser() / f"digits_classifier-{hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]}.pt"
    if not path.is_file():
        return None
    model = DigitsClassifier()
    model.load_state_dict(torch.load(path, weights_only=True)["state_dict"])
    return model.eval().requires_grad_(False)


def image_sets(checkpoints: list[Path], count: int) -> dict[str, tuple[object, Callable]]:
    """name -> (datamodule, a function giving the images' batches), for the val split and each checkpoint."""
    from gan_lightning.data import DigitsDataModule

    digits = DigitsDataModule(image_size=16)
    digits.setup("fit")
    sets = {"validation split (360 digits)": (digits, lambda: image_batches(digits, digits.val_set, 250))}
    for path in checkpoints:
        data = read_checkpoint(path)["config"]["data"]
        if not data["_target_"].endswith("DigitsDataModule"):
            raise SystemExit(f"{path} was trained on {data['_target_']}: the digits classifier's builds are compared on digits")
        datamodule = instantiate(data)
        datamodule.setup("fit")
        model = load_family(path)
        sets[str(path)] = (datamodule, lambda model=model: generated_images(model, count, 250, seed=0))
    return sets


def scores(backbone: torch.nn.Module, datamodule, batches) -> dict[str, float]:
    metrics = GenerativeMetrics(backbone)
    for images, _ in image_batches(datamodule, fixed_subset(datamodule.train_set, 2000), 250):
        metrics.update(images, real=True)
    for images, _ in batches():
        metrics.update(images, real=False)
    return metrics.compute()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoints", nargs="*", type=Path)
    parser.add_argument("--cache", type=Path, default=Path("~/.cache/gan_lightning"))
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--output", type=Path, default=BENCH / "digits_classifier_versions")
    args = parser.parse_args()

    backbone = DigitsClassifierBackbone(args.output.parent / "runs" / "digits_classifier_versions")  # version 2, its own cache
    builds = {"v2": backbone.classifier, "v1, 1 thread": version_1(1), "v1, 2 threads": version_1(2)}
    cached = cached_version_1(args.cache)
    if cached is not None:
        builds["v1, this machine's cache"] = cached
    digests = {name: weights_digest(model) for name, model in builds.items()}
    results = {}
    for what, (datamodule, batches) in image_sets(args.checkpoints, args.samples).items():
        for name, model in builds.items():
            backbone.classifier = model
            results.setdefault(what, {})[name] = {m: v for m, v in scores(backbone, datamodule, batches).items() if m in METRICS}
            print(what, name, results[what][name], flush=True)

    old = "v1, this machine's cache" if cached is not None else "v1, 2 threads"
    lines = [
        f"`python bench/digits_classifier_versions.py {' '.join(sys.argv[1:])}`: {machine()}",
        "",
        "Weights' hashes: " + ", ".join(f"{name} `{digest}`" for name, digest in digests.items()),
        "",
        f"| images | build | {' | '.join(METRICS)} |",
        "|---|---|" + "---|" * len(METRICS),
    ]
    for what, by_build in results.items():
        for name, values in by_build.items():
            lines.append(f"| {what} | {name} | " + " | ".join(f"{values[m]:.4g}" for m in METRICS) + " |")
        change = [100 * (by_build["v2"][m] - by_build[old][m]) / abs(by_build[old][m]) if by_build[old][m] else float("nan") for m in METRICS]
        lines.append(f"| {what} | v2 against {old}, % | " + " | ".join(f"{c:+.2f}" for c in change) + " |")
    report = "\n".join(lines)
    print(report)
    args.output.with_suffix(".md").write_text(report + "\n")
    args.output.with_suffix(".json").write_text(json.dumps({"digests": digests, "results": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
