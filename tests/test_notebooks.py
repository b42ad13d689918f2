"""The notebooks run top to bottom, with small settings put in after their parameters cell."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from PIL import Image

from conftest import REPO

# A run of seconds: epochs of 3 batches, small networks, the last evaluated on 100 samples.
SMALL_RUN = [
    "+trainer.limit_train_batches=3",
    "trainer.log_every_n_steps=1",
    "data.batch_size=8",
    "data.image_size=16",
    "model.generator.base_width=8",
    "model.discriminator.base_width=8",
    "metrics.num_samples=100",
    "metrics.batch_size=100",
    "callbacks.sample_grid.every_n_epochs=1",
    "callbacks.checkpoints.every_n_epochs=1",
]


@pytest.fixture(autouse=True)
def one_thread_kernels(monkeypatch):
    """Kernels compute on one thread: on a busy 2-core machine, OpenMP threads waiting on each other
    made the quickstart's 6 tiny training steps take 14 s instead of 0.5 s."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # the kernel inherits it; its torch reads it at import


def run_notebook(name: str, tmp_path: Path, **parameters) -> nbformat.NotebookNode:
    """Execute notebooks/<name> in `tmp_path` with `parameters` set after its parameters cell (as
    papermill does), and return it with its outputs."""
    notebook = nbformat.read(REPO / "notebooks" / name, as_version=4)
    (index,) = [i for i, cell in enumerate(notebook.cells) if "parameters" in cell.metadata.get("tags", [])]
    injected = nbformat.v4.new_code_cell("\n".join(f"{key} = {value!r}" for key, value in parameters.items()))
    notebook.cells.insert(index + 1, injected)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    return notebook


def outputs_of(notebook: nbformat.NotebookNode, fragment: str) -> list:
    """The outputs of the code cell whose source contains `fragment`."""
    (cell,) = [c for c in notebook.cells if c.cell_type == "code" and fragment in c.source]
    return cell.outputs


def pictures(outputs: list) -> list[Image.Image]:
    return [Image.open(io.BytesIO(base64.b64decode(o["data"]["image/png"]))) for o in outputs if "image/png" in o.get("data", {})]


def text(outputs: list) -> str:
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)


def test_quickstart_trains_samples_and_plots(tmp_path):
    notebook = run_notebook("01_quickstart.ipynb", tmp_path, MAX_EPOCHS=2, OVERRIDES=SMALL_RUN, RUN_DIR="run")
    run = tmp_path / "run"
    assert (run / "checkpoints" / "last.ckpt").is_file() and (run / "metrics.csv").is_file()
    sampled = outputs_of(notebook, "model.sample(100, seed=0)")
    assert len(pictures(sampled)) == 1
    assert "(100, 1, 16, 16)" in text(sampled)
    plotted = outputs_of(notebook, "train/d_loss")
    (figure,) = pictures(plotted)
    assert figure.width > 2 * figure.height  # losses beside the distance
    summary = text(plotted)
    assert "'train/d_loss'" in summary and "'val/fd'" in summary


def test_latent_space_interpolates_and_does_arithmetic(tmp_path):
    notebook = run_notebook(
        "02_latent_space.ipynb", tmp_path, MAX_EPOCHS=1, OVERRIDES=[*SMALL_RUN, "~callbacks.evaluation"], RUN_DIR="run", STEPS=5, SAMPLES=200
    )
    norms = text(outputs_of(notebook, "latent.interpolate(a, b, STEPS, method)"))
    assert "'lerp': 'min |z| = " in norms and "'slerp': 'min |z| = " in norms
    lerp_min = float(norms.split("'lerp': 'min |z| = ")[1].split()[0])
    slerp_min = float(norms.split("'slerp': 'min |z| = ")[1].split()[0])
    assert lerp_min < 0.8 * slerp_min  # the straight path dips inside the shell, the great circle does not
    assert len(pictures(outputs_of(notebook, "interpolation_grid"))) == 2
    arithmetic = outputs_of(notebook, "latent.arithmetic(")
    assert len(pictures(arithmetic)) == 1
    assert "ink of the results (mean)" in text(arithmetic) and " of 9'" in text(arithmetic)


@pytest.mark.parametrize("name", ["01_quickstart.ipynb", "02_latent_space.ipynb"])
def test_committed_notebooks_were_executed(name):
    """The notebooks in the repository show their outputs from a full-size run."""
    notebook = nbformat.read(REPO / "notebooks" / name, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)
    assert sum(len(pictures(cell.outputs)) for cell in code) >= 2
    assert not any(output.get("output_type") == "error" for cell in code for output in cell.outputs)
