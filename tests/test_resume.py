"""ckpt_path=...: a run stopped at step N and resumed logs exactly what the uninterrupted run logs."""

from pathlib import Path

import pytest
import torch

from gan_lightning.data import DigitsDataModule
from gan_lightning.data.resumable import ResumableLoader
from gan_lightning.train import train

from conftest import compose_config, read_metrics, tiny_overrides

# Everything a checkpoint must carry: two D steps per G step (two optimizers at different step
# counts), an EMA generator, a learning-rate schedule, instance noise (fresh noise every D input).
SETTINGS = [
    "model.n_critic=2",
    "model.ema_decay=0.9",
    "model.instance_noise=0.1",
    "model.g_scheduler={_target_: torch.optim.lr_scheduler.StepLR, _partial_: true, step_size: 1, gamma: 0.5}",
    "++trainer.limit_train_batches=3",
    "trainer.max_epochs=3",
    "~callbacks.evaluation",
    "~callbacks.sample_grid",
]


def run(out: Path, *overrides: str) -> Path:
    train(compose_config([*tiny_overrides("dcgan"), *SETTINGS, *overrides], out))
    return out


def logged(*runs: Path) -> list[dict[str, float]]:
    return [row for out in runs for row in read_metrics(out / "metrics.csv")]


# A job killed after iteration 5 that saved a checkpoint after iteration 4 (mid-epoch), and a run
# that ended after its first epoch (3 iterations) and is extended to three.
STOPS = {
    "mid-epoch": (4, ["callbacks.checkpoints.every_n_iterations=4", "trainer.max_steps=5"], "step=0000004.ckpt"),
    "epoch-end": (3, ["trainer.max_epochs=1"], "last.ckpt"),
}


@pytest.fixture(scope="module")
def whole(tmp_path_factory) -> Path:
    """The uninterrupted run."""
    return run(tmp_path_factory.mktemp("whole"))


@pytest.mark.parametrize("stop", list(STOPS))
def test_stopped_and_resumed_run_logs_the_uninterrupted_losses_bit_for_bit(tmp_path, whole, stop):
    step, overrides, checkpoint = STOPS[stop]
    first = run(tmp_path / "first", *overrides)
    second = run(tmp_path / "second", f"ckpt_path='{first / 'checkpoints' / checkpoint}'")

    expected = logged(whole)
    resumed = [row for row in logged(first) if row["step"] < step] + logged(second)
    assert [row["step"] for row in expected] == list(range(9))  # 3 epochs of 3 iterations
    assert [row["step"] for row in logged(second)] == list(range(step, 9))
    assert resumed == expected  # every loss, score and learning rate, exactly
    assert sorted({row["train/lr_g"] for row in expected}) == pytest.approx([5e-5, 1e-4, 2e-4])  # one per epoch

    end, end_resumed = (torch.load(out / "checkpoints" / "last.ckpt", weights_only=True) for out in (whole, second))
    assert end_resumed["global_step"] == end["global_step"] == 9 * 3
    for name, tensor in end["state_dict"].items():  # G, D, the EMA generator and its update count
        assert torch.equal(end_resumed["state_dict"][name], tensor), name
    for d_or_g, resumed_state in zip(end["optimizer_states"], end_resumed["optimizer_states"]):
        for index, state in d_or_g["state"].items():
            assert all(torch.equal(resumed_state["state"][index][key], value) for key, value in state.items())


def test_loader_resumes_mid_epoch_with_the_batches_it_had_left():
    data = DigitsDataModule(batch_size=4, image_size=8)
    data.setup()
    torch.manual_seed(3)
    loader = data.train_dataloader()
    assert isinstance(loader, ResumableLoader)
    loader.sampler.set_epoch(2)
    batches = iter(loader)
    seen = [next(batches)["image"] for _ in range(3)]
    state = loader.state_dict()
    assert state == {"seed": 3, "epoch": 2, "batches_served": 3}
    rest = [next(batches)["image"] for _ in range(2)]

    torch.manual_seed(99)  # a fresh process with another global RNG
    again = data.train_dataloader()
    again.load_state_dict(state)
    again.sampler.set_epoch(2)
    resumed = [batch["image"] for batch in again]
    assert len(resumed) == len(loader) - 3
    assert all(torch.equal(a, b) for a, b in zip(resumed, rest))
    again.sampler.set_epoch(3)  # the next epoch starts from its first batch, in a new order
    first_of_next = next(iter(again))["image"]
    assert not torch.equal(first_of_next, seen[0])
    assert len(list(iter(again))) == len(again)


def test_a_run_resumed_twice_across_an_epoch_end_still_matches(tmp_path):
    """Resumed from a checkpoint at an epoch's end, then again from one the resumed run wrote mid-epoch:
    Lightning's epoch counters must survive both (a checkpoint taken after an epoch's last batch, in
    place of the epoch-end one, once made the second resume replay that epoch). Epochs end by running
    out of data here (2 steps of 2 x 256 images an epoch), as in real runs, not by a batch limit."""
    settings = [o for o in SETTINGS if "limit_train_batches" not in o] + [
        "data.batch_size=256",
        "trainer.max_epochs=5",
        "callbacks.checkpoints.every_n_iterations=3",
    ]

    def run_here(out: Path, *overrides: str) -> Path:
        train(compose_config([*tiny_overrides("dcgan"), *settings, *overrides], out))
        return out

    whole = run_here(tmp_path / "whole")
    assert [row["step"] for row in logged(whole)] == list(range(10))  # 5 epochs of 2 iterations
    first = run_here(tmp_path / "first", "trainer.max_steps=7")  # iteration 6 ends epoch 2: saved at the epoch's end
    second = run_here(tmp_path / "second", "trainer.max_steps=10", f"ckpt_path='{first / 'checkpoints' / 'step=0000006.ckpt'}'")
    third = run_here(tmp_path / "third", f"ckpt_path='{second / 'checkpoints' / 'step=0000009.ckpt'}'")  # mid-epoch 4
    resumed = [row for row in logged(first) if row["step"] < 6] + [row for row in logged(second) if row["step"] < 9] + logged(third)
    assert resumed == logged(whole)
    end, end_resumed = (torch.load(out / "checkpoints" / "last.ckpt", weights_only=True) for out in (whole, third))
    assert all(torch.equal(end_resumed["state_dict"][name], tensor) for name, tensor in end["state_dict"].items())
