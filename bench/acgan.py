"""AC-GAN's diversity within a class on digits (issue 33): the paper's objective, its known remedies
(the class head taught real digits only; TAC-GAN's twin classifier, Gong et al. 2019; ProGAN's
minibatch standard deviation and Salimans et al.'s minibatch discrimination in D) and cGAN for
reference, each a 1,000-iteration default run (`model=acgan`), 3 seeds. The claim: recall above 0.3
at class accuracy above 90%.

    nice -n 19 python bench/acgan.py --workers 2

FD, precision and recall on the digits classifier's features (2,000 samples, 200 a class) and the
class accuracy: the share of samples the classifier reads as the class they were drawn for.
"""

from __future__ import annotations

from seeded_runs import report, run_seeded_table, seeded_rows, table_arguments

ROWS = {
    "acgan": ["model=acgan"],
    "real_class_head": ["model=acgan", "model.fake_class_loss=false"],
    "twin": ["model=acgan", "model.twin_classifier=true"],
    "minibatch_std": ["model=acgan", "model.discriminator.net.minibatch_std=true"],
    "minibatch_discrimination": ["experiment=acgan_diversity"],  # model=acgan, minibatch discrimination with 50 kernels
    "cgan": ["model=cgan"],
}
METRICS = ("class_accuracy", "fd", "precision", "recall")


def main() -> None:
    args = table_arguments(__doc__, "acgan", seeds=3)
    wanted, results, minutes = run_seeded_table(args, ROWS, METRICS)
    lines = ["| overrides | class accuracy | FD | precision | recall | seeds |", "|---|---|---|---|---|---|", *seeded_rows(ROWS, results, METRICS)]
    budget = f"{args.iterations} iterations" if args.iterations else "the default 1,000 iterations"
    setup = f"digits 32x32, batch 32, DCGAN networks of width 32, {budget}, {args.workers} one-core workers"
    report("acgan.py", setup, results, len(wanted) - len(results), minutes, "\n".join(lines), args.output, ("row", "seed"))


if __name__ == "__main__":
    main()
