"""ProGAN, StyleGAN and DCGAN on the built-in shapes at one CPU budget, and what StyleGAN is known for:
style mixing (measured with the shapes' factor classifier) and the truncation trade-off (issue 14).

    nice -n 19 python bench/progressive_style.py            # trains what is missing, then measures
    python bench/progressive_style.py --measure-only        # only the measurements, on finished runs

1. Runs, in bench/runs/progressive_style/<name> (a finished run, one with bench.json, is kept; an
   interrupted one resumes from its last checkpoint): `model=progan data=shapes` and
   `model=stylegan data=shapes` with their defaults, then `model=dcgan data=shapes` for as long as the
   ProGAN run took (trainer.max_time), so all three get the same CPU time.
2. FD, precision and recall of each final checkpoint (`python -m gan_lightning.evaluate`, 5,000
   samples against the train split, the factor classifier's features), and StyleGAN's at truncation
   psi 0.5, 0.7 and 1.0.
3. Style mixing: 400 pairs (coarse source, fine source); each mixture takes the coarse source's styles
   up to 8x8 (the issue's crossover; also up to 16x16) and the fine source's above. The factor classifier reads both sources and the mixture; for
   each factor, over the pairs whose two sources differ in it, the share of mixtures that read as the
   coarse source (shape; position: nearer the coarse source's) and as the fine source (colours).
Writes bench/progressive_style.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import torch

from seeded_runs import finished_run, machine, max_time, minutes, train_resumable

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RUNS = BENCH / "runs" / "progressive_style"
PAIRS, CROSSOVERS, PSIS = 400, (8, 16), (0.5, 0.7, 1.0)


def train(name: str, *overrides: str) -> dict:
    return train_resumable(RUNS / name, list(overrides))


def evaluate(name: str, psi: float | None = None) -> dict:
    out = RUNS / name / (f"metrics_psi_{psi}.json" if psi is not None else "metrics_final.json")
    if not out.is_file():
        checkpoint = RUNS / name / "checkpoints" / "last.ckpt"
        command = [sys.executable, "-m", "gan_lightning.evaluate", f"ckpt_path={checkpoint}", "metrics.num_samples=5000", f"output={out}"]
        if psi is not None:
            command.append(f"truncation_psi={psi}")
        subprocess.run(command, cwd=REPO, check=True, capture_output=True)
    row = json.loads(out.read_text())["rows"][0]
    return {key: row[key] for key in ("fd", "precision", "recall", "density", "coverage") if key in row}


def load_stylegan(name: str):
    """A finished run's StyleGAN and the shapes' factor classifier that reads its samples."""
    from gan_lightning.metrics.shapes_classifier import ShapesClassifierBackbone
    from gan_lightning.models import load_family

    model = load_family(RUNS / name / "checkpoints" / "last.ckpt")
    return model, ShapesClassifierBackbone(os.environ.get("GAN_LIGHTNING_CACHE", "~/.cache/gan_lightning"))


@torch.no_grad()
def style_mixing_rates(model, reader, layer: int, pairs: int = PAIRS, seed: int = 1) -> dict:
    """For each factor, over `pairs` (coarse, fine) source pairs whose sources differ in it, the share
    of mixtures (styles below `layer` from the coarse source, the rest from the fine) that read as
    the coarse source and as the fine one. The pairs are the prior's draws 0..2 pairs - 1 of `seed`."""
    from gan_lightning.models.stylegan import mix_styles

    coarse = model.styles(model.prior.indexed(range(pairs), seed=seed))
    fine = model.styles(model.prior.indexed(range(pairs, 2 * pairs), seed=seed))
    mixed = mix_styles(coarse, fine, layer)
    read = [reader.read(model.synthesize(styles)) for styles in (coarse, fine, mixed)]
    rates = {}
    for factor, source in [("shape", "coarse"), ("foreground", "fine"), ("background", "fine"), ("texture", "fine")]:
        c, f, m = (r[factor] for r in read)
        differ = c != f
        rates[factor] = {
            "from_coarse": (m == c)[differ].float().mean().item(),
            "from_fine": (m == f)[differ].float().mean().item(),
            "pairs": int(differ.sum()),
            "expected": source,
        }
    position = [torch.stack([r["x"], r["y"]], dim=1) for r in read]
    to_coarse, to_fine = ((position[2] - position[k]).norm(dim=1) for k in (0, 1))
    apart = (position[0] - position[1]).norm(dim=1) > 0.05  # sources whose positions differ visibly
    rates["position"] = {
        "from_coarse": (to_coarse < to_fine)[apart].float().mean().item(),
        "from_fine": (to_fine < to_coarse)[apart].float().mean().item(),
        "pairs": int(apart.sum()),
        "expected": "coarse",
    }
    return rates


def report(results: dict) -> str:
    lines = [
        f"# ProGAN, StyleGAN and DCGAN on shapes ({results['date']}, {results['machine']})",
        "",
        "| run | command | wall time | CPU time | FD | precision | recall |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, run in results["runs"].items():
        m, times = run["metrics"], f"{minutes(run, 'seconds')} | {minutes(run)}"
        lines.append(f"| {name} | `{run['command']}` | {times} | {m['fd']:.1f} | {m['precision']:.3f} | {m['recall']:.3f} |")
    lines += ["", "StyleGAN's truncation (5,000 samples each):", "", "| psi | FD | precision | recall |", "|---|---|---|---|"]
    for psi, m in results["truncation"].items():
        lines.append(f"| {psi} | {m['fd']:.1f} | {m['precision']:.3f} | {m['recall']:.3f} |")
    lines += ["", f"Style mixing ({PAIRS} pairs; the rates count only pairs whose two sources differ in the factor):", ""]
    lines += ["| crossover after | factor | expected from | reads as coarse source | reads as fine source | pairs |", "|---|---|---|---|---|---|"]
    for crossover, rates in results["style_mixing"].items():
        for factor, r in rates.items():
            lines.append(f"| {crossover}x{crossover} | {factor} | {r['expected']} | {r['from_coarse']:.1%} | {r['from_fine']:.1%} | {r['pairs']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    from gan_lightning.latent.styles import crossover_layer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure-only", action="store_true", help="measure finished runs, train nothing")
    args = parser.parse_args()
    RUNS.mkdir(parents=True, exist_ok=True)
    runs = {}
    if not args.measure_only:
        runs["progan"] = train("progan", "model=progan", "data=shapes")
        runs["stylegan"] = train("stylegan", "model=stylegan", "data=shapes")
        runs["dcgan"] = train("dcgan", "model=dcgan", "data=shapes", "trainer.max_steps=-1", f"+trainer.max_time={max_time(runs['progan']['seconds'])}")
    else:
        # all three, or the committed table keeps its rows rather than lose the missing ones
        runs = {name: finished_run(RUNS / name, "nice -n 19 python bench/progressive_style.py") for name in ("progan", "stylegan", "dcgan")}
    for name, run in runs.items():
        run["metrics"] = evaluate(name)
    model, reader = load_stylegan("stylegan")
    results = {
        "date": str(date.today()),
        "machine": machine(),
        "runs": runs,
        "truncation": {str(psi): evaluate("stylegan", psi) for psi in PSIS},
        "style_mixing": {str(crossover): style_mixing_rates(model, reader, crossover_layer(model, crossover)) for crossover in CROSSOVERS},
    }
    (BENCH / "progressive_style.json").write_text(json.dumps(results, indent=2))
    (BENCH / "progressive_style.md").write_text(report(results))
    print(report(results))


if __name__ == "__main__":
    main()
