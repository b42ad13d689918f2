"""Editing one factor of the shapes (issue 18): for each categorical factor of `data=shapes`, a latent
direction from value 0 to value 1 (`gan_lightning.latent.editing`, from `--pool` samples read by the shapes
factor classifier), applied to the samples read as value 0 at two strengths; the share of edited
samples whose targeted factor now reads 1, the share whose other factors read as before, and the
share with both. StyleGAN's default run on the shapes (the one bench/inversion.py trains), edited in z.

    nice -n 19 python bench/editing.py                 # trains the run if missing, then the table
    python bench/editing.py --pool 200 --set trainer.max_steps=20   # a smoke run

Writes bench/editing.md and .json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from omegaconf import OmegaConf

from gan_lightning.data.shapes import CATEGORICAL
from gan_lightning.latent import editing
from gan_lightning.models import load_family
from gan_lightning.priors import Latent

from seeded_runs import machine, train_resumable, write_report

BENCH = Path(__file__).resolve().parent
STRENGTHS = (1.0, 2.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pool", type=int, default=4000, help="labelled samples each direction is found from")
    parser.add_argument("--direction", default="mean", choices=editing.METHODS)
    parser.add_argument("--set", nargs="*", default=[], help="overrides of the run")
    parser.add_argument("--run", type=Path, default=BENCH / "runs" / "inversion" / "stylegan")
    parser.add_argument("--output", type=Path, default=BENCH / "editing", help="writes <output>.md and <output>.json")
    args = parser.parse_args()

    trained = train_resumable(args.run, ["model=stylegan", *args.set])
    model = load_family(args.run / "checkpoints" / "last.ckpt")
    cache = OmegaConf.load(args.run / "config.yaml").metrics.cache_dir
    pool = model.prior.indexed(range(args.pool), seed=0, device=model.device)
    readers = {factor: editing.factor_reader(factor, cache) for factor in CATEGORICAL}
    before = {factor: read(model.generate(pool)) for factor, read in readers.items()}
    rows = {}
    for factor in CATEGORICAL:
        direction = editing.attribute_direction(pool.z, before[factor], 0, 1, args.direction)
        chosen = (before[factor] == 0).nonzero().flatten()
        for strength in STRENGTHS:
            images = model.generate(Latent(pool.z[chosen] + strength * direction.to(pool.z.device)))
            after = {name: read(images) for name, read in readers.items()}
            changed = after[factor] == 1
            kept = torch.stack([after[other] == before[other][chosen] for other in CATEGORICAL if other != factor]).all(dim=0)
            rows[f"{factor}, strength {strength:g}"] = {
                "edited": len(chosen), "target": float(changed.float().mean()), "others_kept": float(kept.float().mean()),
                "both": float((changed & kept).float().mean()),
            }  # fmt: skip
    lines = ["| factor 0 -> 1, strength | samples edited | read as the target | other factors unchanged | both |", "|---|---|---|---|---|"]
    lines += [f"| {name} | {r['edited']} | {r['target']:.3f} | {r['others_kept']:.3f} | {r['both']:.3f} |" for name, r in rows.items()]
    header = (
        f"`python bench/editing.py {' '.join(sys.argv[1:])}` ({machine()}): `{trained['command']}`, directions by `{args.direction}` "
        f"from {args.pool} samples read by the shapes factor classifier."
    )
    write_report(args.output, header, "\n".join(lines), {"run": trained, "rows": rows})


if __name__ == "__main__":
    main()
