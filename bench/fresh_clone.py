"""`make train` on a fresh clone, install included: what a new user waits for (issue 21's numbers).

    python bench/fresh_clone.py [--cold]

Clones this repository's HEAD into a temporary folder and times, there, `make .venv/.installed` (the
virtual environment and the install of the package with its dev extras) and then `make train` (the
default run, DCGAN on the built-in digits), with an empty GAN_LIGHTNING_CACHE so the digits
classifier behind the metrics is trained anew. --cold empties uv's download cache first
(`uv cache clean`), so every package is downloaded as on a new machine. Prints a table and the run's
`val/fd` over its evaluations, and writes bench/fresh_clone.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {round(seconds % 60)} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="empty uv's download cache first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        clone, cache = Path(scratch) / "clone", Path(scratch) / "cache"
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
        if args.cold:
            uv = shutil.which("uv") or str(REPO / ".venv" / "bin" / "uv")
            subprocess.run([uv, "cache", "clean"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        env["GAN_LIGHTNING_CACHE"] = str(cache)
        install = timed(["make", ".venv/.installed"], clone, env)
        run = timed(["make", "train"], clone, env)
        (metrics,) = clone.glob("outputs/*/*/metrics.csv")
        with open(metrics, newline="") as file:
            fds = [round(float(row["val/fd"]), 1) for row in csv.DictReader(file) if row.get("val/fd")]
    result = {
        "date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {os.cpu_count()} cores", "python": platform.python_version(),
        "cold_uv_cache": args.cold, "install_seconds": round(install, 1), "train_seconds": round(run, 1),
        "total_seconds": round(install + run, 1), "fd_over_time": fds,
    }  # fmt: skip
    (BENCH / "fresh_clone.json").write_text(json.dumps(result, indent=1))
    print(f"`python bench/fresh_clone.py{' --cold' if args.cold else ''}` ({result['machine']}, Python {result['python']}, {result['date']})\n")
    print("| step | wall time |\n|---|---|")
    print(f"| install (`make .venv/.installed`{', uv cache emptied' if args.cold else ''}) | {minutes(install)} |")
    print(f"| the default run (`make train`: 1,000 iterations, 4 evaluations, the digits classifier trained) | {minutes(run)} |")
    print(f"| **whole** | **{minutes(install + run)}** |\n")
    print("val/fd over the run: " + " → ".join(f"{fd:g}" for fd in fds))


if __name__ == "__main__":
    main()
