"""The bad inputs of tests/test_bad_inputs.py, each run once as a user would type it, and what each
gets: the exit code and the one line printed. Writes the table to bench/bad_inputs.md.

    python bench/bad_inputs.py
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "tests"))

from test_bad_inputs import CASES, FAST, make_inputs  # noqa: E402


def run(module: str, arguments: list[str], cwd: Path) -> tuple[int, str]:
    entry = importlib.import_module(module if module != "gan_lightning" else "gan_lightning.__main__")
    printed = io.StringIO()
    old_argv, old_cwd = sys.argv, os.getcwd()
    sys.argv = [module, *arguments]
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            try:
                entry.main()
                code = 0
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 1
    finally:
        sys.argv = old_argv
        os.chdir(old_cwd)
    return code, printed.getvalue()


def main() -> None:
    root = Path(tempfile.mkdtemp())
    files = make_inputs(root / "inputs")
    lines = [
        "`python bench/bad_inputs.py`: every case of tests/test_bad_inputs.py, as typed (paths shortened to <name>);",
        "the exit code and the line the user gets (Hydra's own errors print its option list after the line shown).",
        "",
        "| what was tried | command | exit | the line printed |",
        "|---|---|---|---|",
    ]
    for number, (case, (module, arguments, expected)) in enumerate(CASES.items()):
        filled = [a.format(**files) for a in arguments]
        if not any(a.startswith("hydra.run.dir=") for a in filled):
            filled.append(f"hydra.run.dir={root / 'runs' / str(number)}")
        code, printed = run(module, filled, root)
        message = expected.format(**files)
        line = next((candidate for candidate in printed.splitlines() if message in candidate), "(not found)")
        line = line.split("[ERROR] - ", 1)[-1].strip()
        shown = " ".join(a.format(**{k: f"<{k}>" for k in files}) for a in arguments if a not in FAST)  # the tiny-run settings left out
        for name, path in files.items():
            line = line.replace(str(path), f"<{name}>")
        traceback = " (TRACEBACK)" if "Traceback" in printed else ""
        lines.append(f"| {case} | `python -m {module} {shown}` | {code}{traceback} | {line.replace('|', '/')} |")
    table = "\n".join(lines)
    print(table)
    (BENCH / "bad_inputs.md").write_text(table + "\n")


if __name__ == "__main__":
    main()
