"""`model=gan` within its default run (issue 33): Goodfellow et al.'s MLP GAN on the built-in digits,
the preset as it was (Adam 2e-4 / 0.5, 1,000 iterations) against the preset now (5e-4, 3,000
iterations), 3 seeds each; the claim: FD below 150 at the end of the default run.

    nice -n 19 python bench/plain_gan.py --workers 2
"""

from __future__ import annotations

from seeded_runs import report, run_seeded_table, seeded_rows, table_arguments

ROWS = {
    "before": ["model=gan", "model.g_optimizer.lr=2e-4", "model.d_optimizer.lr=2e-4", "trainer.max_steps=1000"],
    "now": ["model=gan"],
}
METRICS = ("fd", "precision", "recall")


def main() -> None:
    args = table_arguments(__doc__, "plain_gan", seeds=3)
    wanted, results, minutes = run_seeded_table(args, ROWS, METRICS)
    lines = ["| overrides | FD | precision | recall | seeds |", "|---|---|---|---|---|", *seeded_rows(ROWS, results, METRICS)]
    setup = f"digits 32x32, batch 32, the preset's MLPs, evaluated at the end (2,000 samples, digits classifier), {args.workers} one-core workers"
    report("plain_gan.py", setup, results, len(wanted) - len(results), minutes, "\n".join(lines), args.output, ("row", "seed"))


if __name__ == "__main__":
    main()
