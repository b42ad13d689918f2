"""What the seeded benchmark tables (mode_coverage.py, stacked_digits.py) share: train one cell of a
table from Hydra overrides in its own run directory, resume a table from the cells already finished,
run the rest in a pool of one-core workers, and print mean +- standard error over seeds.

A cell is identified by its key, a tuple of fields of its result (e.g. row, data, seed); a finished
cell counts only if it was trained with exactly the overrides the table asks for now.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

Key = tuple


def train_cell(overrides: list[str], output_dir: Path, metrics: Sequence[str], fields: dict) -> dict:
    """Train one cell on one core (resuming an interrupted one from its last checkpoint) and return
    `fields` with its wall and CPU seconds and the final value of each of `metrics` (logged as
    val/<name>); also written, with the overrides, to output_dir/result.json."""
    import torch
    from hydra import compose, initialize_config_dir
    from omegaconf import open_dict

    from gan_lightning.cli import config_dir
    from gan_lightning.train import train

    torch.set_num_threads(1)  # one core a run; the pool runs one run per core
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        cfg = compose(config_name="train", overrides=overrides)
    with open_dict(cfg):
        cfg.paths.output_dir = str(output_dir)
        last = output_dir / "checkpoints" / "last.ckpt"
        if last.is_file():  # an interrupted cell resumes (its seconds then count this part only)
            cfg.ckpt_path = str(last)
    start, cpu_start = time.perf_counter(), own_cpu_seconds()
    train(cfg)
    seconds, cpu_seconds = time.perf_counter() - start, own_cpu_seconds() - cpu_start
    with open(output_dir / "metrics.csv", newline="") as file:
        final = [row for row in csv.DictReader(file) if row.get(f"val/{metrics[0]}")][-1]
    result = {**fields, "seconds": round(seconds, 1), "cpu_seconds": round(cpu_seconds, 1), **{name: float(final[f"val/{name}"]) for name in metrics}}
    (output_dir / "result.json").write_text(json.dumps({"overrides": overrides, "result": result}))
    return result


def max_time(seconds: float) -> str:
    """`+trainer.max_time=` (DD:HH:MM:SS) for a budget of `seconds`: a peer trained for another run's time."""
    seconds = round(seconds)
    return f"00:{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def minutes(run: dict, key: str = "cpu_seconds") -> str:
    """A run's time from its bench.json (`key`: "seconds" or "cpu_seconds") as a table gives it; a resumed
    run's record counts only the part after its interruption, and says so."""
    return f"{run.get(key, float('nan')) / 60:.1f} min" + (" (resumed: last part)" if run.get("resumed") else "")


def logged_iterations(run_dir: Path) -> int:
    """The last step a run logged to its metrics.csv, plus one (exact to the logging interval)."""
    with open(run_dir / "metrics.csv", newline="") as file:
        return max(int(row["step"]) for row in csv.DictReader(file)) + 1


def machine() -> str:
    """The machine a bench ran on, as its results record it."""
    import torch

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}"


def own_cpu_seconds() -> float:
    """This process's user + system CPU seconds, all threads (a pool worker's: the cells it ran)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def train_resumable(output_dir: Path, overrides: list[str]) -> dict:
    """`python -m gan_lightning overrides` into output_dir, on every core, unless it finished (its
    bench.json: the command and wall time); an interrupted run resumes from its last checkpoint."""
    record = output_dir / "bench.json"
    if record.is_file():
        return json.loads(record.read_text())
    last = output_dir / "checkpoints" / "last.ckpt"
    quiet = ["+trainer.enable_progress_bar=false", "~callbacks.rich_progress_bar"]
    command = [sys.executable, "-m", "gan_lightning", *overrides, f"paths.output_dir={output_dir}", *quiet]
    if last.is_file():
        command.append(f"ckpt_path={last}")  # resumed: then the times count this part only
    output_dir.mkdir(parents=True, exist_ok=True)
    resumed = last.is_file()
    start, cpu_start = time.perf_counter(), children_cpu_seconds()
    with (output_dir.parent / f"{output_dir.name}.log").open("w") as log:
        subprocess.run(command, cwd=Path(__file__).resolve().parents[1], check=True, stdout=subprocess.DEVNULL, stderr=log)
    result = {
        "command": " ".join(["python -m gan_lightning", *overrides]),
        "seconds": round(time.perf_counter() - start, 1),
        "cpu_seconds": round(children_cpu_seconds() - cpu_start, 1),  # user + system, all threads
        "resumed": resumed,
    }
    record.write_text(json.dumps(result))
    return result


def finished_run(output_dir: Path, command: str) -> dict:
    """A finished run's bench.json (see train_resumable); where the run has not finished, one line
    naming `command`, the one that trains it, instead of a traceback."""
    record = output_dir / "bench.json"
    if not record.is_file():
        raise SystemExit(f"no finished run in {output_dir}: run `{command}` first")
    return json.loads(record.read_text())


def finished(runs: Path, output: Path, wanted: dict[Key, list[str]], key_fields: Sequence[str]) -> dict[Key, dict]:
    """The results at hand for the wanted cells (key -> overrides) whose overrides match: in the run
    directories under `runs`, or in an earlier <output>.json (committed, so a table can be finished on
    another machine)."""
    known = {}
    if output.with_suffix(".json").is_file():
        for entry in json.loads(output.with_suffix(".json").read_text()):
            known[tuple(entry[field] for field in key_fields)] = entry
    for path in runs.glob("**/result.json"):
        saved = json.loads(path.read_text())
        known[tuple(saved["result"][field] for field in key_fields)] = {**saved["result"], "overrides": saved["overrides"]}
    return {key: known[key] for key, overrides in wanted.items() if key in known and same_overrides(overrides, known[key].get("overrides"))}


def same_overrides(wanted: list[str], saved: list[str] | None) -> bool:
    """The same overrides, in any order (runs saved before the rows' moved behind the common ones)."""
    return saved is not None and sorted(saved) == sorted(wanted)


def run_missing(
    wanted: dict[Key, list[str]], results: dict[Key, dict], run_dir: Callable[[Key], Path],
    describe: Callable[[Key], dict], metrics: Sequence[str] | Callable[[Key], Sequence[str]], workers: int,
) -> None:
    """Train the wanted cells not in `results`, in the order given, `workers` at a time, each in
    run_dir(key) with describe(key) (its key fields and any others) in its result, and the final
    values of `metrics` (or of metrics(key)); add them to `results` and print each as it is collected."""
    metrics_of = metrics if callable(metrics) else (lambda key: metrics)
    with ProcessPoolExecutor(workers) as pool:
        futures = {
            key: pool.submit(train_cell, overrides, run_dir(key), metrics_of(key), describe(key))
            for key, overrides in wanted.items()
            if key not in results
        }
        for key, future in futures.items():
            results[key] = {**future.result(), "overrides": wanted[key]}
            print(json.dumps(future.result()), flush=True)


def run_table(
    wanted: dict[Key, list[str]], args, key_fields: Sequence[str], run_dir: Callable[[Key], Path],
    describe: Callable[[Key], dict], metrics: Sequence[str] | Callable[[Key], Sequence[str]],
) -> tuple[list[dict], float]:
    """A table's cells: those already finished (in args.runs, or in args.output's .json) and, unless
    args.collect, the rest trained by `run_missing` with args.workers; the results in the order of
    `wanted`, and this invocation's wall minutes."""
    results = finished(args.runs, args.output, wanted, key_fields)
    start = time.perf_counter()
    if not args.collect:
        run_missing(wanted, results, run_dir, describe, metrics, args.workers)
    return [results[key] for key in wanted if key in results], (time.perf_counter() - start) / 60


def report(script: str, setup: str, results: list[dict], missing: int, minutes: float, table: str, output: Path, key_fields: Sequence[str]) -> None:
    """Print the table under a header (the command that made it, `setup`, the runs done and still to
    run, the time they took, this invocation's wall time) and save both (see `save`). Their CPU
    minutes where every run recorded its own (runs from before that give wall minutes, which overstate
    the CPU time when runs share the cores)."""
    command = f"python bench/{script} " + " ".join(sys.argv[1:])
    timed = all("cpu_seconds" in r for r in results)
    spent = sum(r["cpu_seconds" if timed else "seconds"] for r in results) / 60
    kind = "CPU minutes" if timed else "minutes of wall time (summed over runs)"
    header = (
        f"`{command.strip()}`: {setup}; {len(results)} runs ({missing} still to run), {spent:.0f} "
        f"{kind} of training; {minutes:.1f} min wall clock for this invocation.\n\n"
    )
    print("\n" + header + table)
    save(output, results, key_fields, header + table)


def save(output: Path, results: list[dict], key_fields: Sequence[str], report: str) -> None:
    """<output>.md gets the report; <output>.json the results, plus the earlier ones of cells this
    invocation did not ask for (a table run row by row keeps every row)."""
    path = output.with_suffix(".json")
    keys = {tuple(entry[field] for field in key_fields) for entry in results}
    earlier = json.loads(path.read_text()) if path.is_file() else []
    kept = [entry for entry in earlier if tuple(entry[field] for field in key_fields) not in keys]
    path.write_text(json.dumps(kept + results, indent=1) + "\n")
    output.with_suffix(".md").write_text(report + "\n")


def mean_se(values: list[float], digits: int) -> str:
    """The mean ± its standard error; one value alone, which has none."""
    mean = statistics.fmean(values)
    if len(values) == 1:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f}±{statistics.stdev(values) / math.sqrt(len(values)):.{digits}f}"


def seeded_rows(rows: dict[str, list[str]], results: list[dict], metrics: Sequence[str], fd_digits: int = 1, digits: int = 3) -> list[str]:
    """A table line per row with results: its overrides, the mean ± standard error over seeds of each
    metric (FD with `fd_digits`, the others with `digits`) and the number of seeds."""
    lines = []
    for row, overrides in rows.items():
        cells = [r for r in results if r["row"] == row]
        if cells:
            scores = [mean_se([c[m] for c in cells], fd_digits if m == "fd" else digits) for m in metrics]
            lines.append(f"| `{' '.join(overrides)}` | {' | '.join(scores)} | {len(cells)} |")
    return lines


def table_arguments(description: str, name: str, seeds: int, iterations: int | None = None) -> argparse.Namespace:
    """The command line every row-by-seed table takes: --iterations, --seeds, --rows (default: all),
    --set (more overrides), --workers, --runs (bench/runs/<name>), --collect and --output
    (bench/<name>.md and .json)."""
    bench = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=iterations, help="iterations per run (default: the preset's)")
    parser.add_argument("--seeds", type=int, default=seeds)
    parser.add_argument("--rows", nargs="+", help="only these rows (default: every row of the table)")
    parser.add_argument("--set", nargs="*", default=[], help="more overrides, for every row")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--runs", type=Path, default=bench / "runs" / name)
    parser.add_argument("--collect", action="store_true", help="train nothing: tabulate the runs already finished")
    parser.add_argument("--output", type=Path, default=bench / name, help="writes <output>.md and <output>.json")
    return parser.parse_args()


def seeded_cells(args: argparse.Namespace, rows: dict[str, list[str]]) -> dict[Key, list[str]]:
    """(row, seed) -> the run's overrides for each row in args.rows (default: all): the seed,
    args.iterations, evaluation at the end only and no progress output, then the row's (a row may
    evaluate more often), then args.set."""
    unknown = sorted(set(args.rows or ()) - set(rows))
    if unknown:
        raise SystemExit(f"unknown rows {', '.join(unknown)}: this table's rows are {', '.join(rows)}")
    common = [
        *([f"trainer.max_steps={args.iterations}"] if args.iterations else []), "metrics.every_n_iterations=null",
        "~callbacks.rich_progress_bar", "trainer.enable_model_summary=false", "+trainer.enable_progress_bar=false",
    ]  # fmt: skip
    chosen = {row: overrides for row, overrides in rows.items() if row in (args.rows or rows)}
    return {(row, seed): [f"seed={seed}", *common, *overrides, *args.set] for row, overrides in chosen.items() for seed in range(args.seeds)}


def run_seeded_table(args: argparse.Namespace, rows: dict[str, list[str]], metrics: Sequence[str]) -> tuple[dict[Key, list[str]], list[dict], float]:
    """The cells of `seeded_cells`, each in args.runs/<row>/seed_<s>, trained or collected by `run_table`:
    (the cells wanted, their results, this invocation's wall minutes)."""
    wanted = seeded_cells(args, rows)
    results, minutes = run_table(
        wanted, args, ("row", "seed"), lambda key: args.runs / key[0] / f"seed_{key[1]}",
        lambda key: {"row": key[0], "seed": key[1], "iterations": args.iterations or "preset"}, metrics,
    )  # fmt: skip
    return wanted, results, minutes


def write_report(output: Path, header: str, table: str, record: dict) -> None:
    """Print a one-run benchmark's report (header, blank line, table), write it to <output>.md and
    `record` (its runs and numbers) to <output>.json."""
    report = f"{header}\n\n{table}"
    print(report)
    output.with_suffix(".md").write_text(report + "\n")
    output.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
