"""trainer=ddp_sim: two CPU processes (gloo) train on their own halves of the data and stay identical."""

from pathlib import Path

import pytest
import torch

from conftest import REPO, TINY, TINY_DCGAN, read_metrics, run_cli


@pytest.fixture(scope="module")
def ddp_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ddp") / "run"
    overrides = [o for o in TINY if not o.startswith("trainer=")]
    result = run_cli(
        "trainer=ddp_sim", *overrides, *TINY_DCGAN, "model.ema_decay=0.9", "~callbacks.evaluation",
        f"hydra.run.dir={out}",
        "+callbacks.rank_weights._target_=helpers.rank_weights.SaveRankWeights", f"+callbacks.rank_weights.dirpath={out / 'ranks'}",
        cwd=out.parent, env={"PYTHONPATH": f"{REPO}:{REPO / 'tests'}"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def test_two_processes_end_with_identical_weights(ddp_run):
    rank0, rank1 = (torch.load(ddp_run / "ranks" / f"rank{r}.pt") for r in (0, 1))
    assert rank0["world_size"] == rank1["world_size"] == 2
    assert len(rank0["batch_sums"]) == len(rank1["batch_sums"]) == 4  # 2 epochs of 2 steps each
    assert set(rank0["batch_sums"]).isdisjoint(rank1["batch_sums"])  # each process its own real batches
    for name, tensor in rank0["state"].items():
        if "running_" in name:
            continue  # BatchNorm statistics: local, re-broadcast from rank 0 at every step (D's are never used)
        assert torch.equal(rank1["state"][name], tensor), name  # G, D and the EMA generator, bit for bit
    trained = torch.load(ddp_run / "checkpoints" / "last.ckpt", weights_only=True)
    assert trained["global_step"] == 4 * 2  # D and G steps of 2 x 2 iterations
    assert torch.equal(trained["state_dict"]["network_ema.n_averaged"], torch.tensor(4))
    assert trained["rng_states"]["torch_per_process"].shape[0] == 2  # each process's noise stream


def test_two_processes_draw_their_own_noise_and_log_from_rank_zero(ddp_run):
    per_process = torch.load(ddp_run / "checkpoints" / "last.ckpt", weights_only=True)["rng_states"]["torch_per_process"]
    assert not torch.equal(per_process[0], per_process[1])
    lines = (ddp_run / "metrics.csv").read_text().splitlines()
    assert len(lines) == 1 + 4  # header and one row per iteration, written once


@pytest.mark.slow
def test_two_processes_resume_bit_for_bit(tmp_path):
    """Each process gets back its own noise stream and its share of the data order."""
    common = [o for o in TINY if not o.startswith(("trainer=", "trainer.max_epochs"))]
    common += [*TINY_DCGAN, "trainer=ddp_sim", "model.ema_decay=0.9", "~callbacks.evaluation", "~callbacks.sample_grid"]

    def run(name: str, *overrides: str) -> list[dict]:
        result = run_cli(*common, *overrides, f"hydra.run.dir={tmp_path / name}", cwd=tmp_path)
        assert result.returncode == 0, result.stderr[-3000:]
        return read_metrics(tmp_path / name / "metrics.csv")

    whole = run("whole", "trainer.max_epochs=3")
    first = run("first", "trainer.max_epochs=1")
    second = run("second", "trainer.max_epochs=3", f"ckpt_path={tmp_path / 'first' / 'checkpoints' / 'last.ckpt'}")
    assert len(whole) == 6 and len(first) == 2
    assert first + second == whole  # rank 0's losses, which rank 1's gradients enter through the averaging
