"""The unrolled GAN's 2D mixture (Metz et al. 2017, section 3.1; issue 33): `experiment=unrolled_mixture`
with 0, 5 and 10 unrolling steps at the same number of G updates, 3 seeds each. The claim: unrolling
covers more of the 8 modes than the plain GAN (0 steps), which hops from mode to mode.

    nice -n 19 python bench/unrolled_mixture.py --workers 2

Beside the final modes, high-quality share and reverse KL, the table gives each seed's modes at every
evaluation (every 2,000 iterations), read from its metrics.csv, so the plain GAN's hopping shows.
"""

from __future__ import annotations

import csv

from seeded_runs import report, run_seeded_table, seeded_rows, table_arguments

ROWS = {f"unroll_{steps}": ["experiment=unrolled_mixture", f"model.unroll_steps={steps}"] for steps in (0, 5, 10)}
METRICS = ("modes", "high_quality", "reverse_kl")


def course(run_dir) -> str:
    """The modes covered at each evaluation of one run, as 'a → b → ...' (a run taken from the committed
    table, whose directory was not kept, has none to read)."""
    if not (run_dir / "metrics.csv").is_file():
        return "(run directory not kept)"
    with open(run_dir / "metrics.csv", newline="") as file:
        return " → ".join(f"{float(row['val/modes']):.0f}" for row in csv.DictReader(file) if row.get("val/modes"))


def main() -> None:
    args = table_arguments(__doc__, "unrolled_mixture", seeds=3)
    wanted, results, minutes = run_seeded_table(args, ROWS, METRICS)
    lines = ["| overrides | modes /8 | high quality | reverse KL | seeds |", "|---|---|---|---|---|", *seeded_rows(ROWS, results, METRICS)]
    lines += ["", "| row | seed | modes at each evaluation |", "|---|---|---|"]
    for cell in sorted(results, key=lambda r: (r["row"], r["seed"])):
        seed = cell["seed"]
        lines.append(f"| {cell['row']} | {seed} | {course(args.runs / cell['row'] / f'seed_{seed}')} |")
    budget = f"{args.iterations} iterations" if args.iterations else "25,000 iterations"
    networks = "the authors' notebook's MLPs (2x128 tanh, orthogonal init)"
    setup = f"ring of 8 Gaussians (std 0.01), {networks}, batch 512, minimax loss, {budget}, {args.workers} one-core workers"
    report("unrolled_mixture.py", setup, results, len(wanted) - len(results), minutes, "\n".join(lines), args.output, ("row", "seed"))


if __name__ == "__main__":
    main()
