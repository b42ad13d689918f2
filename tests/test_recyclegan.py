"""Recycle-GAN (Bansal et al. 2018): the temporal terms by hand, the clips it learns from (built-in
and folders of frames), the temporal scores, the family, and videos translated frame by frame."""

import os

import lightning as L
import numpy as np
import pytest
import torch
from hydra.utils import instantiate
from torch import nn

from gan_lightning.data import MovingClipsDataModule, VideoDataModule
from gan_lightning.data.clips import digit_glyphs, moving_clip
from gan_lightning.data.video import plain_digits
from gan_lightning.errors import DataError
from gan_lightning.losses.temporal import predicted, recurrent_loss, recycle, recycle_loss
from gan_lightning.metrics.video import flips, temporal_change, video_metrics
from gan_lightning.models import RecycleGAN, load_family
from gan_lightning.train import train
from gan_lightning.translate import translate_folder

from conftest import compose_config, read_metrics, write_video_clips

TINY = [
    "model=recyclegan", "trainer=cpu", "trainer.max_steps=3", "trainer.log_every_n_steps=1", "trainer.enable_model_summary=false",
    "+trainer.enable_progress_bar=false", "~callbacks.rich_progress_bar", "metrics.every_n_iterations=3", "data.clips=10", "data.frames=4",
    "model.generator.num_blocks=1", "model.generator.base_width=4", "model.predictor.base_width=4", "model.discriminator.base_width=4",
]  # fmt: skip


class Scale(nn.Module):
    def __init__(self, factor: float):
        super().__init__()
        self.factor = factor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.factor * x


class Extrapolate(nn.Module):
    """A predictor of one-channel frames that continues a straight line: 2 x_t - x_{t-1}."""

    def forward(self, stacked: torch.Tensor) -> torch.Tensor:
        before, last = stacked[:, :1], stacked[:, 1:]
        return 2 * last - before


def test_the_recurrent_and_recycle_terms_by_hand():
    past = torch.stack([torch.zeros(1, 1, 2, 2), torch.ones(1, 1, 2, 2)], dim=1)  # x_1 = 0, x_2 = 1, oldest first
    following = torch.full((1, 1, 2, 2), 3.0)  # x_3 = 3: faster than the straight line
    prediction = predicted(Extrapolate(), past)
    torch.testing.assert_close(prediction, torch.full((1, 1, 2, 2), 2.0))  # 2 x 1 - 0
    assert recurrent_loss(prediction, following).item() == pytest.approx(1.0)  # |3 - 2|
    # G doubles, P_Y extrapolates in Y (2 x 2 - 0 = 4), F halves it back: 2, one short of x_3
    path = recycle(Scale(2.0), Extrapolate(), Scale(0.5), past)
    torch.testing.assert_close(path.mapped_past, 2 * past)
    torch.testing.assert_close(path.mapped_next, torch.full((1, 1, 2, 2), 4.0))
    torch.testing.assert_close(path.back, torch.full((1, 1, 2, 2), 2.0))
    assert recycle_loss(path, following).item() == pytest.approx(1.0)
    # a map to Y that is not undone by F leaves a recycle error even where the predictor is right
    assert recycle_loss(recycle(Scale(2.0), Extrapolate(), Scale(1.0), past), torch.full((1, 1, 2, 2), 2.0)).item() == pytest.approx(2.0)


def test_moving_clips_are_drawn_from_the_seed_and_move_smoothly():
    glyphs, labels = digit_glyphs()
    first, again = moving_clip("digits", 0, 3, 10, 32, glyphs), moving_clip("digits", 0, 3, 10, 32, glyphs)
    assert np.array_equal(first[0], again[0]) and first[0].shape == (10, 32, 32, 3)
    assert not np.array_equal(first[0], moving_clip("digits", 1, 3, 10, 32, glyphs)[0])
    for kind in ("shapes", "digits"):
        clip = torch.from_numpy(moving_clip(kind, 0, 5, 10, 32, glyphs)[0]).float()
        other = torch.from_numpy(moving_clip(kind, 0, 6, 10, 32, glyphs)[0]).float()
        step = (clip[1:] - clip[:-1]).abs().mean()
        assert 0 < step < 0.25 * (clip - other).abs().mean()  # each frame follows from the last, far closer than another clip
    # the moving digits stay digits: the digits classifier reads most frames (what digit_flips rests on)
    from gan_lightning.metrics.backbones import DigitsClassifierBackbone

    clips = [moving_clip("digits", 0, i, 10, 32, glyphs) for i in range(40)]
    frames = torch.from_numpy(np.stack([c for c, _ in clips])).permute(0, 1, 4, 2, 3).flatten(0, 1).float() / 127.5 - 1
    read = DigitsClassifierBackbone(os.environ["GAN_LIGHTNING_CACHE"]).predict(plain_digits(frames)).view(40, 10)
    assert (read == torch.tensor([labels[d] for _, d in clips])[:, None]).float().mean() > 0.8


def test_the_built_in_clips_are_served_as_windows_of_consecutive_frames():
    data = MovingClipsDataModule(clips=10, frames=5, load_size=32, batch_size=2)  # no crop jitter: frames as drawn
    data.setup("fit")
    assert len(data.train_set) == 9 * 3 and len(data.val_set) == 1 * 3  # 3 windows of 2 + 1 frames per clip of 5
    item = data.val_set[1]
    assert item["A"].shape == (3, 32, 32) and item["A_past"].shape == (2, 3, 32, 32)
    clip = data.val_set.clips("A")[0]
    torch.testing.assert_close(torch.cat([item["A_past"], item["A"][None]]), clip[1:4])  # frames 1, 2 and then 3
    torch.testing.assert_close(data.val_set.domain("A")[1], clip[3])  # per-frame measures see the last frame of each window
    assert data.as_plain_digits(clip, "A") is None and data.as_plain_digits(clip, "B") is not None
    batch = next(iter(data.train_dataloader()))
    assert batch["B_past"].shape == (2, 2, 3, 32, 32)
    with pytest.raises(DataError, match="leaves no frame after data.past_frames=4"):
        MovingClipsDataModule(frames=4, past_frames=4)


def test_a_folder_of_frame_folders_is_read_in_name_order(tmp_path):
    write_video_clips(tmp_path, (4, 2))  # the 2-frame clip gives no window of 3
    data = VideoDataModule(str(tmp_path), image_size=16, load_size=16, flip=False, batch_size=1)
    data.setup("fit")
    assert len(data.train_set) == 2 and len(data.val_set) == 2
    item = data.val_set[1]  # frames 1, 2 then 3 of the first test clip of A: grey 50, 60, 70
    greys = [round(float((frame.mean() + 1) * 127.5)) for frame in (*item["A_past"], item["A"])]
    assert greys == [50, 60, 70]
    assert [len(clip) for clip in data.val_set.clips("B")] == [4, 2]
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no train clips of domain A"):
        VideoDataModule(str(tmp_path / "empty")).setup("fit")
    with pytest.raises(DataError, match="lower data.past_frames"):
        VideoDataModule(str(tmp_path), past_frames=4).setup("fit")


def test_temporal_change_and_flips_by_hand():
    still, blinking = torch.full((3, 1, 2, 2), -1.0), torch.tensor([-1.0, 1.0, -1.0]).view(3, 1, 1, 1).expand(3, 1, 2, 2)
    assert temporal_change([still]) == 0.0 and temporal_change([blinking]) == pytest.approx(1.0)  # [0, 1] pixels: 0 -> 1 -> 0
    assert temporal_change([still, blinking]) == pytest.approx(0.5)  # over every pair of consecutive frames
    assert flips([torch.tensor([3, 3, 5, 5]), torch.tensor([1, 1])]) == pytest.approx(1 / 4)


class Frozen(nn.Module):
    """A 'translator' that ignores its input: its output never changes."""

    directions = ("AtoB",)
    device = torch.device("cpu")

    def translate(self, images, direction="AtoB"):
        return torch.zeros_like(images)


def test_video_metrics_see_a_frozen_translator_never_change():
    from gan_lightning.metrics.backbones import DigitsClassifierBackbone

    data = MovingClipsDataModule(clips=20, frames=6)
    data.setup("fit")
    scores = video_metrics(Frozen(), data, DigitsClassifierBackbone(os.environ["GAN_LIGHTNING_CACHE"]))
    assert scores["temporal_change_AtoB"] == 0.0 and scores["digit_flips_AtoB"] == 0.0
    assert scores["temporal_change_B"] > 0.005 and scores["temporal_change_AtoB_input"] > 0.005  # real clips move
    assert scores["digit_flips_B"] < 0.1 and "temporal_change_BtoA" not in scores


def test_a_run_trains_every_player_and_translates_a_folder_of_frames(tmp_path):
    run = tmp_path / "run"
    train(compose_config(TINY, run))
    model = load_family(run / "checkpoints" / "last.ckpt")
    assert isinstance(model, RecycleGAN) and list(model.players) == ["d", "g"]
    assert model.predictor_a.down[0].in_channels == 2 * 3  # two past frames of RGB
    cfg = compose_config(TINY, run)
    L.seed_everything(cfg.seed)
    fresh = instantiate(cfg.model, _recursive_=False, _convert_="all")  # the run's networks as they started
    for name in ("generator_ab", "generator_ba", "predictor_a", "predictor_b", "discriminator_a", "discriminator_b"):
        trained, initial = getattr(model, name).state_dict(), getattr(fresh, name).state_dict()
        assert any(not torch.equal(trained[k], initial[k]) for k in trained if trained[k].is_floating_point()), f"{name} did not learn"
    scores = read_metrics(run / "metrics.csv", prefix="val/")[-1]
    assert {"val/temporal_change_AtoB", "val/digit_flips_AtoB", "val/fd_AtoB", "val/cycle_l1_A"} <= set(scores)
    frames = write_video_clips(tmp_path / "video", (3,))
    out = tmp_path / "out"
    cfg = compose_config([f"ckpt_path={run / 'checkpoints' / 'last.ckpt'}", f"input_dir={frames}", f"output_dir={out}"], tmp_path / "t", "translate")
    written = translate_folder(cfg)
    frames_out = [f"{domain}/clip0/{t:05d}.png" for domain in ("testA", "testB", "trainA", "trainB") for t in range(3)]
    assert sorted(p.relative_to(out).as_posix() for p in written) == frames_out  # frames in, frames out, under their names


def test_recyclegan_on_still_images_is_one_clear_error(tmp_path):
    with pytest.raises(DataError, match="RecycleGAN learns from clips and UnpairedDigitsDataModule serves still images"):
        still = [o for o in TINY if not o.startswith("data.")]
        train(compose_config([*still, "data=unpaired_digits"], tmp_path / "run"))
