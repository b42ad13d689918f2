"""StyleGAN's style mixing on the built-in shapes, three seeds, every crossover layer (issue 33).

    nice -n 19 python bench/style_mixing.py            # trains the seeds that are missing, then measures
    python bench/style_mixing.py --measure-only        # only the measurements, on finished runs

The issue's aim: each factor of the shapes (position, shape, colours, texture) reads from its expected
source (position and shape from the coarse one, colours and texture from the fine one) in at least
80% of mixtures, the crossover chosen per factor. The 32x32 generator has 8 styles, two per resolution
(4, 8, 16, 32); a mixture takes styles 0..layer-1 from the coarse source and the rest from the fine
one, for layer = 1..7 (4: after 8x8, the crossover of `bench/progressive_style.py`; 6: after 16x16).

1. `model=stylegan data=shapes seed=S` with its defaults (3,000 iterations) for each seed, in
   bench/runs/progressive_style/ (seed 0 is `progressive_style.py`'s run; each run on one core, an
   interrupted one resumes), then FD, precision and recall of each on 5,000 samples.
2. Each factor's crossover is chosen on one set of 400 pairs (the prior's stream 1) as the layer whose
   mixtures read most often as the expected source, mean over seeds, and measured on another 400
   pairs (stream 2), so the choice does not flatter the number it is judged by. One crossover for
   every factor (the one whose worst factor is best) is reported beside it.
3. A ceiling for these rates: how often the classifier reads a sample's factors the same under a fresh
   draw of the per-layer noise (the styles unchanged), over the measuring pairs' coarse sources.
Writes bench/style_mixing.json and .md. `--variant V` trains and measures runs of its own (VARIANTS:
StyleGAN2's weight demodulation in place of AdaIN, at the preset's learning rate or at the one it had
until 2026-12-06, 1e-2, the preset at 1e-2, and the preset on 64x64 shapes, whose 10 styles put the
outline further from the last layer) and writes bench/style_mixing_V.*.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
from datetime import date
from pathlib import Path

import torch
from progressive_style import RUNS, evaluate, load_stylegan, style_mixing_rates

from gan_lightning.priors import index_stream

from seeded_runs import finished_run, machine, minutes, train_resumable

BENCH = Path(__file__).resolve().parent
SEEDS = (0, 1, 2)
FACTORS = ("position", "shape", "foreground", "background", "texture")
# The preset's variants measured here, each the overrides that reproduce its runs
LR_1E_2 = ["model.g_optimizer.lr=1e-2", "model.d_optimizer.lr=1e-2"]
DEMODULATE = ["model.generator.modulation=demodulate"]
VARIANTS = {
    "preset": [],
    "lr_1e-2": LR_1E_2,
    "demodulate": DEMODULATE,
    "demodulate_lr_1e-2": [*DEMODULATE, *LR_1E_2],
    "64px": ["data.image_size=64"],
}
CHOOSE, MEASURE = 1, 2  # the prior's streams: pairs that choose a crossover, pairs that measure it


@torch.no_grad()
def noise_stability(model, reader, count: int = 400, seed: int = MEASURE) -> dict[str, float]:
    """Per factor, the share of `count` samples (the prior's stream `seed`) that read the same with
    the fixed noise maps and with fresh ones (position: within 0.05)."""
    styles = model.styles(model.prior.indexed(range(count), seed=seed))
    fixed = reader.read(model.synthesize(styles))
    fresh = reader.read(model.synthesize(styles, noise=[index_stream(seed + 100, i) for i in range(count)]))
    same = {factor: (fixed[factor] == fresh[factor]).float().mean().item() for factor in FACTORS if factor != "position"}
    moved = torch.stack([fixed["x"] - fresh["x"], fixed["y"] - fresh["y"]], dim=1).norm(dim=1)
    return {"position": (moved <= 0.05).float().mean().item(), **same}


def run_name(seed: int, variant: str = "preset") -> str:
    """Seed 0 of the preset is bench/progressive_style.py's StyleGAN run."""
    stem = "stylegan" if variant == "preset" else f"stylegan_{variant}"
    return stem if seed == 0 else f"{stem}_seed_{seed}"


def expected_share(rates: dict, factor: str) -> float:
    r = rates[factor]
    return r["from_coarse"] if r["expected"] == "coarse" else r["from_fine"]


def mean_std(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.1%}"
    return f"{statistics.mean(values):.1%} ± {statistics.stdev(values):.1%}"


def report(results: dict) -> str:
    seeds, layers = results["seeds"], results["layers"]
    lines = [
        f"# StyleGAN's style mixing on shapes ({results['variant']}; {results['date']}, {results['machine']})",
        "",
        "| seed | command | wall time | CPU time | FD | precision | recall |",
        "|---|---|---|---|---|---|---|",
    ]
    for seed in seeds:
        run, m = results["runs"][str(seed)], results["metrics"][str(seed)]
        lines.append(
            f"| {seed} | `{run['command']}` | {minutes(run, 'seconds')} | {minutes(run)} "
            f"| {m['fd']:.1f} | {m['precision']:.3f} | {m['recall']:.3f} |"
        )
    for stream, title in [(CHOOSE, "choosing"), (MEASURE, "measuring")]:
        lines += ["", f"Mixtures that read as the expected source, mean ± std over seeds (the {title} pairs):", ""]
        lines += ["| styles from the coarse source | " + " | ".join(FACTORS) + " |", "|---|" + "---|" * len(FACTORS)]
        for layer in layers:
            rates = [results["rates"][str(stream)][str(seed)][str(layer)] for seed in seeds]
            cells = [mean_std([expected_share(r, factor) for r in rates]) for factor in FACTORS]
            side = 4 * 2 ** ((layer - 1) // 2)
            lines.append(f"| {layer}: through {side}x{side}'s {'first' if layer % 2 else 'second'} | " + " | ".join(cells) + " |")
    lines += ["", "Chosen on the choosing pairs, measured on the others (per seed; met: at least 80% in every seed):", ""]
    lines += ["| factor | expected from | crossover layer | per seed | mean | met |", "|---|---|---|---|---|---|"]
    for factor, choice in results["chosen"].items():
        shares = choice["measured"]
        met, per_seed = ("yes" if min(shares) >= 0.8 else "no"), ", ".join(f"{s:.1%}" for s in shares)
        lines.append(f"| {factor} | {choice['expected']} | {choice['layer']} | {per_seed} | {statistics.mean(shares):.1%} | {met} |")
    lines += ["", "The ceiling: samples whose factors read the same under a fresh draw of the noise maps (per seed):", ""]
    lines += ["| " + " | ".join(FACTORS) + " |", "|" + "---|" * len(FACTORS)]
    per_seed = [results["noise_stability"][str(seed)] for seed in seeds]
    lines.append("| " + " | ".join(", ".join(f"{s[factor]:.1%}" for s in per_seed) for factor in FACTORS) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure-only", action="store_true", help="measure finished runs, train nothing")
    parser.add_argument("--variant", choices=VARIANTS, default="preset", help="the preset as it is, or a variant of it")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    args = parser.parse_args()
    seeds, name = args.seeds, functools.partial(run_name, variant=args.variant)
    overrides = ["model=stylegan", "data=shapes", *VARIANTS[args.variant]]
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    runs = {}
    for seed in seeds:
        if args.measure_only:
            runs[str(seed)] = finished_run(RUNS / name(seed), f"nice -n 19 python bench/style_mixing.py --variant {args.variant} --seeds {seed}")
        else:
            runs[str(seed)] = train_resumable(RUNS / name(seed), [*overrides, f"seed={seed}"])
    metrics = {str(seed): evaluate(name(seed)) for seed in seeds}
    rates, stability = {str(stream): {} for stream in (CHOOSE, MEASURE)}, {}
    for seed in seeds:
        model, reader = load_stylegan(name(seed))
        layers = list(range(1, len(model.style_resolutions)))
        stability[str(seed)] = noise_stability(model, reader)
        for stream in (CHOOSE, MEASURE):
            rates[str(stream)][str(seed)] = {str(layer): style_mixing_rates(model, reader, layer, seed=stream) for layer in layers}

    def share(stream: int, seed: int, layer: int, factor: str) -> float:
        return expected_share(rates[str(stream)][str(seed)][str(layer)], factor)

    chosen = {}
    for factor in FACTORS:
        layer = max(layers, key=lambda k: statistics.mean(share(CHOOSE, seed, k, factor) for seed in seeds))
        expected = rates[str(CHOOSE)][str(seeds[0])][str(layer)][factor]["expected"]
        chosen[factor] = {"layer": layer, "expected": expected, "measured": [share(MEASURE, seed, layer, factor) for seed in seeds]}
    one = max(layers, key=lambda k: min(statistics.mean(share(CHOOSE, seed, k, f) for seed in seeds) for f in FACTORS))
    chosen["every factor, one crossover"] = {
        "layer": one,
        "expected": "as above",
        "measured": [min(share(MEASURE, seed, one, f) for f in FACTORS) for seed in seeds],
    }
    results = {
        "date": str(date.today()),
        "machine": machine(),
        "variant": args.variant,
        "seeds": seeds,
        "layers": layers,
        "runs": runs,
        "metrics": metrics,
        "rates": rates,
        "chosen": chosen,
        "noise_stability": stability,
    }
    output = BENCH / ("style_mixing" if args.variant == "preset" else f"style_mixing_{args.variant}")
    output.with_suffix(".json").write_text(json.dumps(results, indent=2))
    output.with_suffix(".md").write_text(report(results))
    print(report(results))


if __name__ == "__main__":
    main()
