"""BEGAN's claims on the built-in digits with a shallow autoencoder as D (issue 33):
`experiment=began_digits` at gamma 0.7 and 1 (rows ending lr_5e-5: the experiment as it is) and at the
paper's learning rate 1e-4 at gamma 0.5, 0.7 and 1, 3 seeds each, evaluated every 250 iterations.

    nice -n 19 python bench/began_digits.py --workers 2

The row gamma_1.0_halved adds the fixed learning-rate halving of the authors' code (every fifth of
the run) to gamma 1 at 1e-4.

The claims: no collapse (recall >= 0.5), the convergence measure M tracks quality (Spearman(M, FD) >=
0.8 over a run's evaluations, M averaged over the iterations since the previous one, as
bench/began.py), and lower gamma trading recall for precision. FD, precision and recall on the digits
classifier's features (2,000 samples) at the end; per run, Spearman(M, FD), the last k and the FD at
each evaluation.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from began import measure

from seeded_runs import mean_se, report, run_seeded_table, seeded_rows, table_arguments

GAMMAS = (0.5, 0.7, 1.0)
EVERY_250 = "metrics.every_n_iterations=250"
# The first table: the paper's learning rate, 1e-4 (experiment=began_digits learned at it until
# these rows showed G's improvement over within ~1,000 iterations while M falls to the end).
PAPER_LR = ["model.g_optimizer.lr=1e-4", "model.d_optimizer.lr=1e-4"]
ROWS = {f"gamma_{g}": ["experiment=began_digits", f"model.gamma={g}", EVERY_250, *PAPER_LR] for g in GAMMAS}
# The authors' code halves both learning rates on a fixed schedule (carpedm20/BEGAN-tensorflow: every
# 100,000 of 500,000 iterations), not when M stalls: the same fifths of a 4,000-iteration run.
HALVED = [
    "model.lr_decay_patience=null", "model.scheduler_interval=iteration", "model.d_scheduler=${model.g_scheduler}",
    "model.g_scheduler={_target_:torch.optim.lr_scheduler.StepLR,_partial_:true,step_size:800,gamma:0.5}",
]  # fmt: skip
ROWS["gamma_1.0_halved"] = [*ROWS["gamma_1.0"], *HALVED]
# Half the paper's rate throughout, the experiment's own (G's improvement spread over the run, for M,
# which falls to the end, to have a falling FD to track).
for g in (0.7, 1.0):
    ROWS[f"gamma_{g}_lr_5e-5"] = ["experiment=began_digits", f"model.gamma={g}", EVERY_250]
METRICS = ("fd", "precision", "recall")
KEPT = ("spearman_m_fd", "final_k", "m_and_fd")  # each run's measures, kept in the table's json


def measured(run_dir: Path, result: dict) -> dict:
    """A run's M-and-FD measures: from its metrics.csv, or, where its folder is gone, from the table's
    json (rows tabulated before the json kept final_k and the series have only their correlation)."""
    if (run_dir / "metrics.csv").is_file():
        return measure(run_dir)
    return {key: result[key] for key in KEPT if key in result}


def main() -> None:
    args = table_arguments(__doc__, "began_digits", seeds=3)
    wanted, results, minutes = run_seeded_table(args, ROWS, METRICS)
    runs = {(r["row"], r["seed"]): measured(args.runs / r["row"] / f"seed_{r['seed']}", r) for r in results}
    lines = ["| overrides | FD | precision | recall | seeds |", "|---|---|---|---|---|", *seeded_rows(ROWS, results, METRICS)]
    lines += ["", "| row | Spearman(M, FD) over seeds | its least | final k |", "|---|---|---|---|"]
    for row in ROWS:
        per_run = [m for (r, _), m in runs.items() if r == row]
        if per_run:
            rho, ks = [m["spearman_m_fd"] for m in per_run], [m["final_k"] for m in per_run if "final_k" in m]
            k = mean_se(ks, 3) if ks else "-"
            lines.append(f"| {row} | {mean_se(rho, 2)} | {min(rho):.2f} | {k} |")
    lines += ["", "| row | seed | FD at each evaluation | M (mean since the previous evaluation) |", "|---|---|---|---|"]
    for (row, seed), m in sorted((key, m) for key, m in runs.items() if "m_and_fd" in m):
        fds = " → ".join(f"{fd:.0f}" for _, fd in m["m_and_fd"])
        ms = " → ".join(f"{value:.3f}" for value, _ in m["m_and_fd"])
        lines.append(f"| {row} | {seed} | {fds} | {ms} |")
    for r in results:  # the table's json keeps each run's measures beside its scores
        r.update({key: value for key, value in runs[(r["row"], r["seed"])].items() if key in KEPT})
    budget = f"{args.iterations} iterations" if args.iterations else "the experiment's iterations"
    setup = f"digits 32x32, BEGAN's decoder as G, a shallow autoencoder as D, {budget}, {args.workers} one-core workers"
    median = statistics.median(r["seconds"] for r in results) / 60 if results else 0
    setup += f"; median run {median:.1f} min wall"
    report("began_digits.py", setup, results, len(wanted) - len(results), minutes, "\n".join(lines), args.output, ("row", "seed"))


if __name__ == "__main__":
    main()
