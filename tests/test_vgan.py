"""VGAN (Vondrick et al. 2016): the two streams and their composition, the mask term, the built-in
clips, clips scored frame by frame, what moves in them, and a run from the command line's config."""

import numpy as np
import pytest
import torch
from PIL import Image

from gan_lightning.data import MovingShapesDataModule
from gan_lightning.data.pixels import frames_of
from gan_lightning.errors import ConfigError, DataError
from gan_lightning.metrics.shapes_classifier import ShapesClassifierBackbone
from gan_lightning.metrics.video import motion_scores, still_pixels
from gan_lightning.models import VGAN, load_family
from gan_lightning.nets import TwoStreamVideoGenerator, VideoDiscriminator
from gan_lightning.sample import write_samples
from gan_lightning.train import train

from conftest import compose_config, read_metrics

TINY = [
    "model=vgan", "trainer=cpu", "trainer.max_steps=3", "trainer.log_every_n_steps=1", "trainer.enable_model_summary=false",
    "+trainer.enable_progress_bar=false", "~callbacks.rich_progress_bar", "metrics.every_n_iterations=3", "metrics.num_samples=16",
    "callbacks.clip_motion.num_samples=8", "data.clips=40", "data.frames=8", "data.batch_size=4", "model.num_fixed_samples=2",
]  # fmt: skip


def test_two_streams_keep_the_background_still_where_the_mask_is_off():
    net = TwoStreamVideoGenerator(image_size=16, frames=8, base_width=4).eval()
    parts = net.parts(torch.randn(2, 100))
    assert parts.foreground.shape == (2, 3, 8, 16, 16) and parts.mask.shape == (2, 1, 8, 16, 16) and parts.background.shape == (2, 3, 16, 16)
    clip = parts.clip()
    torch.testing.assert_close(clip, parts.mask * parts.foreground + (1 - parts.mask) * parts.background[:, :, None])
    with torch.no_grad():
        net.to_mask[0].bias.fill_(-50.0)  # the mask off everywhere: the clip is the background in every frame
    still = net(torch.randn(2, 100))
    torch.testing.assert_close(still, still[:, :, :1].expand_as(still))
    one = TwoStreamVideoGenerator(image_size=16, frames=8, base_width=4, streams=1)
    assert one.parts(torch.randn(2, 100)).mask is None and one.background is None
    assert VideoDiscriminator(image_size=16, frames=8, base_width=4)(clip).shape == (2,)
    with pytest.raises(ConfigError, match="give a multiple of 4"):
        TwoStreamVideoGenerator(image_size=16, frames=6)


def test_clips_are_scored_frame_by_frame_in_order():
    clips = torch.arange(2 * 3 * 4, dtype=torch.float).view(2, 1, 3, 2, 2).expand(2, 3, 3, 2, 2)  # (N, C, T, H, W)
    frames = frames_of(clips)
    assert frames.shape == (6, 3, 2, 2)
    torch.testing.assert_close(frames[4], clips[1, :, 1])  # clip 1, frame 1
    images = torch.zeros(5, 3, 2, 2)
    assert frames_of(images) is images


def test_what_moves_by_hand():
    still = -torch.ones(1, 3, 4, 2, 2)  # (N, C, T, H, W): black, never changing
    moving = still.clone()
    moving[:, :, 2:, 0, 0] = 1.0  # one pixel of four turns white at frame 2
    assert still_pixels(moving.transpose(1, 2)) == pytest.approx(0.75)
    coloured = still.clone()
    coloured[:, 0] = 0.5  # a still pixel of another colour in each channel is still
    assert still_pixels(coloured.transpose(1, 2)) == 1.0
    assert motion_scores(still) == {"temporal_change": 0.0, "still_pixels": 1.0}
    scores = motion_scores(moving)
    assert scores["still_pixels"] == pytest.approx(0.75)
    assert scores["temporal_change"] == pytest.approx(1 / 4 / 3)  # one of 3 frame pairs changes 1 of 4 pixels by 1


def test_the_built_in_clips_are_one_shape_moving_on_a_still_background():
    data = MovingShapesDataModule(clips=6, frames=8, batch_size=2)
    data.setup("fit")
    clip = data.train_set[0]["image"]
    assert clip.shape == (3, 8, 32, 32) and clip.min() >= -1 and clip.max() <= 1
    pixels = (clip + 1) / 2
    spread = (pixels.amax(dim=1) - pixels.amin(dim=1)).amax(dim=0)  # over frames, the widest channel
    assert 0.05 < (spread == 0).float().mean() < 0.95  # a still background around a moving shape
    assert still_pixels(clip.transpose(0, 1)[None]) == pytest.approx(float((spread <= 0.05).float().mean()))
    again = MovingShapesDataModule(clips=6, frames=8, batch_size=2)
    again.setup("fit")
    assert torch.equal(again.train_set[0]["image"], clip)


def test_a_run_learns_from_clips_and_leaves_clip_grids_scores_and_samples(tmp_path, monkeypatch):
    from test_shapes import QUICK_CLASSIFIER

    monkeypatch.setattr(ShapesClassifierBackbone, "SETTINGS", QUICK_CLASSIFIER)  # frames are scored on a quickly trained one
    run = tmp_path / "run"
    train(compose_config(TINY, run))
    model = load_family(run / "checkpoints" / "last.ckpt")
    assert isinstance(model, VGAN) and model.sample(2, seed=0).shape == (2, 3, 8, 32, 32)
    grid = Image.open(run / "samples" / "last.png")
    assert grid.size == (8 * 34 + 2, 2 * 34 + 2)  # two clips, one a row of 8 frames (2-pixel padding)
    steps = read_metrics(run / "metrics.csv")
    assert all(row["train/g_mask"] > 0 for row in steps)  # lambda ||m||_1 joins G's loss
    scores = read_metrics(run / "metrics.csv", prefix="val/")[-1]
    assert {"val/fd", "val/temporal_change", "val/still_pixels", "val/still_pixels_real"} <= set(scores)
    assert scores["val/num_samples"] == 16 * 8  # 16 clips, frame by frame
    folder = tmp_path / "samples"
    write_samples(compose_config([f"ckpt_path={run / 'checkpoints' / 'last.ckpt'}", "num_samples=3", f"output_dir={folder}"], tmp_path, "sample"))
    assert Image.open(folder / "000000.png").size == (8 * 32, 32)  # a clip as a strip of its frames
    from gan_lightning.explore import explore

    with pytest.raises(ConfigError, match="this model generates clips or volumes, not images"):
        explore(compose_config([f"ckpt_path={run / 'checkpoints' / 'last.ckpt'}"], tmp_path / "explore", "explore"))
    npz = tmp_path / "npz"
    write_samples(compose_config([f"ckpt_path={run / 'checkpoints' / 'last.ckpt'}", "num_samples=3", f"output_dir={npz}", "format=npz"], tmp_path, "sample"))
    assert np.load(npz / "samples.npz")["images"].shape == (3, 8, 32, 32, 3)  # N, T, H, W, C


@pytest.mark.parametrize(
    "overrides,message",
    [
        (["model=vgan", "data=digits"], "VGAN's generator makes clips .C, T, H, W. and DigitsDataModule serves images"),
        (["model=dcgan", "data=moving_shapes", "data.clips=40", "data.batch_size=4"], "GAN.s generator makes images .C, H, W. and MovingShapes"),
    ],
)
def test_clips_and_images_do_not_mix(tmp_path, overrides, message):
    with pytest.raises(DataError, match=message):
        train(compose_config([*overrides, *TINY[1:7], "~callbacks.evaluation", "~callbacks.sample_grid"], tmp_path / "run"))
