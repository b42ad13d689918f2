"""3D-GAN on the built-in voxel shapes, 3 seeds, with and without its D accuracy rule (issue 35).

Wu et al. train D only while its accuracy on the batch is at most 80%, so that D does not outrun G.
Each row is a command line (`python -m gan_lightning model=3dgan seed=s ...`, one core, the preset's
1,000 iterations of 32 grids of 32^3) scored at its end by the run itself, on the voxel classifier's
features (2,000 generated volumes against 2,000 training volumes; not Inception, so FD, not FID): FD,
the classifier score (exp of the mean KL between the classifier's class distribution on a sample and
on all samples, at most the 4 shapes), precision and recall.

    python bench/voxel_generation.py [--seeds 3] [--workers 1] [--iterations N] [--collect]

Runs go to bench/runs/voxel_generation/<row>/seed_<s>/, results to bench/voxel_generation.json and .md.
"""

from __future__ import annotations

from seeded_runs import machine, report, run_seeded_table, seeded_rows, table_arguments

ROWS = {  # row -> overrides
    "accuracy_rule": ["model=3dgan"],
    "no_rule": ["model=3dgan", "model.d_accuracy_limit=null"],
}
METRICS = ("fd", "classifier_score", "precision", "recall")


def main() -> None:
    args = table_arguments(__doc__.splitlines()[0], "voxel_generation", seeds=3)
    wanted, results, minutes = run_seeded_table(args, ROWS, METRICS)
    lines = ["| run | FD | classifier score (of 4) | precision | recall | seeds |", "|---|---|---|---|---|---|"]
    lines += seeded_rows(ROWS, results, METRICS, fd_digits=0, digits=2)
    setup = f"{machine()}; mean ± standard error over seeds"
    report("voxel_generation.py", setup, results, len(wanted) - len(results), minutes, "\n".join(lines), args.output, ("row", "seed"))


if __name__ == "__main__":
    main()
