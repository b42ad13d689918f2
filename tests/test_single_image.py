"""Single-image GANs (issue 18): SinGAN's pyramid, its coarse-to-fine training, reconstruction from
fixed noise, samples of other sizes, the scores of a model of one image, and InGAN's retargeting."""

from __future__ import annotations

import pytest
import torch

from gan_lightning.capabilities import Retargets
from gan_lightning.data import SingleImageDataModule
from gan_lightning.errors import ConfigError, DataError
from gan_lightning.explore import explore
from gan_lightning.metrics.single_image import diversity, patch_shuffle, random_crops, single_image_swd
from gan_lightning.models import InGAN, SinGAN, load_family
from gan_lightning.nets.ingan import InGANGenerator
from gan_lightning.nets.singan import image_pyramid, scale_sizes
from gan_lightning.train import train

from conftest import compose_config, read_metrics, write_images

TINY = ["model=singan", "model.generator.num_scales=3", "model.min_size=8", "model.iterations_per_scale=4", "trainer.max_steps=12",
        "model.generator.width=8", "model.discriminator.width=8", "model.d_steps=1", "model.g_steps=1", "data.max_size=24",
        "data.length=12", "trainer.log_every_n_steps=1", "model.num_fixed_samples=4"]  # fmt: skip


def test_the_pyramid_runs_from_min_size_to_the_image_at_one_ratio():
    sizes = scale_sizes(48, 64, 5, 12)
    assert sizes[-1] == (48, 64) and min(sizes[0]) == 12
    ratios = [b[1] / a[1] for a, b in zip(sizes, sizes[1:])]
    assert max(ratios) - min(ratios) < 0.1 and all(r > 1 for r in ratios)
    levels = image_pyramid(torch.zeros(1, 3, 48, 64), sizes)
    assert [tuple(level.shape[-2:]) for level in levels] == sizes
    with pytest.raises(ConfigError, match="2 or more scales"):
        scale_sizes(48, 64, 1, 12)


def test_single_image_data_serves_the_resized_photograph_and_refuses_unknown_ones(tmp_path):
    data = SingleImageDataModule(image="china", max_size=32, length=5)
    data.setup()
    assert len(data.train_set) == 5 and data.train_set[0]["image"].shape == (3, 21, 32)  # 427x640 -> 21x32
    (path,) = write_images(tmp_path, 1, size=(40, 20))
    assert SingleImageDataModule(image=str(path), max_size=20).photograph().shape == (3, 10, 20)
    with pytest.raises(DataError, match="neither a built-in photograph"):
        SingleImageDataModule(image="balloons").photograph()


def test_singan_trains_coarse_to_fine_each_scale_on_the_image_at_its_size(tmp_path):
    run = tmp_path / "run"
    cfg = compose_config(TINY, run)
    seen: dict[int, set] = {}
    original = SinGAN.training_step

    def recording(self, batch, batch_idx):
        if not seen:
            for n, stage in enumerate(self.discriminator.stages):
                stage.register_forward_hook(lambda module, inputs, output, n=n: seen.setdefault(n, set()).add(tuple(inputs[0].shape[-2:])))
        return original(self, batch, batch_idx)

    SinGAN.training_step = recording
    try:
        train(cfg)
    finally:
        SinGAN.training_step = original
    model = load_family(run / "checkpoints" / "last.ckpt")
    sizes = model.size_list()
    assert sizes[-1] == (16, 24) and {n: {size} for n, size in enumerate(sizes)} == seen
    steps = read_metrics(run / "metrics.csv")
    assert [row["train/scale"] for row in steps] == [0.0] * 4 + [1.0] * 4 + [2.0] * 4
    assert model.amplitudes[0] == 1 and all(0 < a < 1 for a in model.amplitudes[1:].tolist())

    samples = model.sample(3, seed=1)
    assert samples.shape == (3, 3, 16, 24) and torch.equal(samples, model.sample_indexed([0, 1, 2], seed=1)[0])
    assert not torch.equal(samples[0], samples[1])
    assert model.sample_at(2, width_factor=2, seed=0).shape == (2, 3, 16, 48)  # twice as wide
    assert model.sample_at(1, height_factor=1.5, seed=0).shape == (1, 3, 24, 24)
    assert model.reconstruction_noise.shape == (3, *sizes[0])  # z*, learned in training, came back from the checkpoint
    # the coarsest noise is one channel repeated (tamarott/SinGAN, training.py: generate_noise([1, ...]).expand(1, 3, ...))
    coarsest, finer = model.noises(2, sizes)[:2]
    assert torch.equal(coarsest[:, :1].expand_as(coarsest), coarsest) and not torch.equal(finer[:, :1].expand_as(finer), finer)
    assert torch.equal(model.reconstruction_noise[:1].expand_as(model.reconstruction_noise), model.reconstruction_noise)
    scored = read_metrics(run / "metrics.csv", prefix="val/")[-1]  # SingleImageScores at the last epoch
    assert 0 < scored["val/diversity"] and 0 < scored["val/patch_swd"]


def test_reconstruction_from_the_fixed_noise_improves_with_training(tmp_path):
    run = tmp_path / "run"
    train(compose_config([*TINY, "model.generator.num_scales=2", "model.iterations_per_scale=30", "trainer.max_steps=60"], run))
    coarse = [row["train/g_reconstruction"] for row in read_metrics(run / "metrics.csv") if row["train/scale"] == 0]
    assert coarse[-1] < 0.5 * coarse[0]
    model = load_family(run / "checkpoints" / "last.ckpt")
    image = SingleImageDataModule(image="china", max_size=24).photograph()[None]
    rebuilt, noise = model.reconstruct_image(), model.sample(1, seed=0)
    assert torch.nn.functional.mse_loss(rebuilt, image) < torch.nn.functional.mse_loss(noise, image)  # z* gives the image back


def test_a_run_length_that_does_not_fit_the_scales_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="set trainer.max_steps=12"):
        train(compose_config([*TINY, "trainer.max_steps=10"], tmp_path / "run"))


def test_patch_distances_use_the_pyramid_levels_that_hold_a_patch():
    from gan_lightning.metrics.swd import fitting_levels

    assert fitting_levels(torch.zeros(1, 3, 43, 64)) == 3  # 43, 21, 10 pixels: each holds 7x7
    assert fitting_levels(torch.zeros(1, 3, 43, 64), torch.zeros(2, 3, 16, 24)) == 2  # the smaller batch decides
    assert fitting_levels(torch.zeros(1, 3, 6, 30)) == 0


def test_diversity_swd_and_the_two_references():
    image = SingleImageDataModule(image="china", max_size=48).photograph()  # (3, 32, 48)
    assert diversity(image[None].expand(4, -1, -1, -1), image) == 0  # the same image four times
    noise = torch.rand(4, *image.shape) * 2 - 1
    assert diversity(noise, image) > 0.5  # uniform noise: each pixel varies about as much as the whole image
    shuffled = patch_shuffle(image, 3, tile=8)
    assert shuffled.shape == (3, *image.shape) and not torch.equal(shuffled[0], image)
    assert torch.equal(shuffled[0].flatten().sort().values, image.flatten().sort().values)  # the same tiles, moved (48 and 32 divide by 8)
    crops = random_crops(image, 3)
    assert crops.shape == (3, *image.shape) and not torch.equal(crops[0], crops[1])
    narrow = random_crops(image, 2, size=(32, 24))  # another shape: its height capped at 90% of the image's, not resized
    assert narrow.shape == (2, 3, 29, 24)
    assert any(torch.equal(narrow[0], image[:, top : top + 29, left : left + 24]) for top in range(4) for left in range(25))
    settings = {"levels": 2, "per_image": 64}
    own, shuffle, random = (sum(single_image_swd(s, image, **settings)) for s in (crops, shuffled, noise[:3]))
    assert own < random and shuffle < random


def test_ingan_outputs_have_the_requested_shape_and_refuse_shapes_it_cannot_make():
    net = InGANGenerator(channels=3, width=4, downscales=3, blocks=1)
    image = torch.rand(1, 3, 40, 64) * 2 - 1
    for size in ((40, 64), (40, 128), (80, 32), (16, 16)):
        assert net(image, size).shape == (1, 3, *size)
    with pytest.raises(ConfigError, match="multiples of 8"):
        net(image, (40, 60))


TINY_INGAN = ["model=ingan", "model.generator.width=4", "model.generator.blocks=1", "model.discriminator.base_width=4", "data.max_size=48",
              "data.length=6", "trainer.max_steps=6", "model.curriculum_iterations=2", "trainer.log_every_n_steps=1"]  # fmt: skip


def test_ingan_trains_on_shapes_drawn_under_its_curriculum_and_retargets_at_three_aspect_ratios(tmp_path):
    run = tmp_path / "run"
    train(compose_config(TINY_INGAN, run))
    steps = read_metrics(run / "metrics.csv")
    factors = [(row["train/height_factor"], row["train/width_factor"]) for row in steps]
    assert all(0.15 <= f <= 2.25 * 1.2 for pair in factors for f in pair) and len(set(factors)) > 1  # new shapes as the range opens
    assert all(row["train/g_loss"] == pytest.approx(row["train/g_adversarial"] + 0.1 * row["train/g_reconstruction"], rel=1e-5) for row in steps)
    scored = read_metrics(run / "metrics.csv", prefix="val/")[-1]
    three = [scored[f"val/patch_swd_{shape}"] for shape in ("1x0.5", "1x2", "2x1")]
    assert all(d > 0 for d in three) and scored["val/patch_swd"] == pytest.approx(sum(three) / 3) and "val/diversity" not in scored
    names = {path.name for path in (run / "samples").glob("retarget_*.png")}
    assert {"retarget_1x0.5.png", "retarget_1x1.png", "retarget_1x2.png"} <= names
    model = load_family(run / "checkpoints" / "last.ckpt")
    assert isinstance(model, InGAN) and isinstance(model, Retargets)
    image = SingleImageDataModule(image="china", max_size=48).photograph()[None]  # 32x48
    assert [tuple(model.retarget(image, 1, w).shape[-2:]) for w in (0.5, 1, 2)] == [(32, 24), (32, 48), (32, 96)]
    smallest = 2 * model.generator.multiple  # never a 1x1 bottleneck, which BatchNorm cannot train on in a batch of one
    assert model.fitted(1, 1) == (smallest, smallest) and model.fitted(32, 1) == (32, smallest)


def test_an_image_injected_at_a_fine_scale_keeps_more_of_itself(tmp_path):
    run = tmp_path / "run"
    train(compose_config(TINY, run))
    model = load_family(run / "checkpoints" / "last.ckpt")
    painting = torch.zeros(1, 3, 16, 24)
    painting[..., :8, :] = 0.8  # a bright sky over a dark ground
    coarse, fine = model.inject(painting, 1), model.inject(painting, 2)
    assert coarse.shape == fine.shape == (1, 3, 16, 24)
    assert torch.nn.functional.mse_loss(fine, painting) < torch.nn.functional.mse_loss(model.sample(1, seed=0), painting)
    with pytest.raises(ConfigError, match="choose 1 to 2"):
        model.inject(painting, 0)
    folder = tmp_path / "paintings"
    write_images(folder, 2, size=(30, 20))
    out = tmp_path / "inject.png"
    overrides = [f"ckpt_path={run / 'checkpoints' / 'last.ckpt'}", "mode=inject", f"images={folder}", f"output={out}"]
    assert explore(compose_config(overrides, tmp_path, "explore")) == out


def test_singan_splits_the_runs_length_over_its_scales(tmp_path):
    # trainer.max_steps is every family's length: the preset's iterations_per_scale is null, so 13
    # iterations over 3 scales are 4, 4 and 5 (the last scale takes what does not divide).
    run = tmp_path / "run"
    train(compose_config([*TINY, "model.iterations_per_scale=null", "trainer.max_steps=13", "~callbacks.evaluation"], run))
    assert [int(row["train/scale"]) for row in read_metrics(run / "metrics.csv")] == [0] * 4 + [1] * 4 + [2] * 5
    assert compose_config(["model=singan"], tmp_path).model.iterations_per_scale is None  # the preset's default
    with pytest.raises(ConfigError, match="model=singan splits trainer.max_steps over its 3 scales: give at least 3, not 2"):
        train(compose_config([*TINY, "model.iterations_per_scale=null", "trainer.max_steps=2"], tmp_path / "short"))
