"""Image-to-image translation: folder layouts, networks, the image pool, the lr schedule, metrics,
and pix2pix / CycleGAN trained for a few batches, then used by the translate CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch.optim.lr_scheduler import LambdaLR

from gan_lightning.capabilities import Samples, Translates
from gan_lightning.data import PairedDataModule, PairedDigitsDataModule, UnpairedDataModule, UnpairedDigitsDataModule
from gan_lightning.data.translation import Jitter
from gan_lightning.errors import ConfigError, DataError
from gan_lightning.losses import relativistic_generator_loss
from gan_lightning.metrics.translation import score_pairs
from gan_lightning.models import CycleGAN, Pix2Pix, load_family
from gan_lightning.models.image_pool import ImagePool
from gan_lightning.models.translation import all_scales
from gan_lightning.nets import PatchDiscriminator, PatchGAN, ResNetGenerator, UNetGenerator
from gan_lightning.nets.eval_mode import eval_mode
from gan_lightning.schedules import ConstantThenLinearDecay
from gan_lightning.train import train
from gan_lightning.translate import translate_folder

from conftest import compose_config, read_metrics, write_aligned_pairs, write_unpaired_domains

# ---- data: the layouts users have ----


def grey_of(image: torch.Tensor) -> float:
    """A [-1, 1] image's mean as a 0-255 grey level."""
    return float((image.mean() + 1) * 127.5)


def paired(root: Path, **args) -> PairedDataModule:
    data = PairedDataModule(str(root), image_size=16, load_size=16, batch_size=2, **args)
    data.setup()
    return data


def test_aligned_files_are_split_into_their_a_and_b_halves(tmp_path):
    data = paired(write_aligned_pairs(tmp_path / "facades"))
    assert len(data.train_set) == len(data.val_set) == 4
    for i, pair in enumerate(data.val_set):  # pair_i: A grey 10 (i + 1), B its complement
        assert pair["A"].shape == pair["B"].shape == (3, 16, 16)
        assert grey_of(pair["A"]) == pytest.approx(10 * (i + 1), abs=1)
        assert grey_of(pair["B"]) == pytest.approx(255 - 10 * (i + 1), abs=1)
    batch = next(iter(data.train_dataloader()))
    assert torch.allclose((batch["A"] + batch["B"]).mean(dim=(1, 2, 3)), torch.zeros(2), atol=0.01)  # still partners


def test_a_and_b_folders_pair_files_by_name_and_direction_swaps_them(tmp_path):
    root = tmp_path / "two_folders"
    for side, value in (("A", 40), ("B", 200)):
        for split in ("train", "test"):
            (root / side / split).mkdir(parents=True)
            for name, offset in (("x.png", 0), ("y.png", 20)):
                Image.fromarray(np.full((16, 16), value + offset, dtype=np.uint8)).save(root / side / split / name)
    data = paired(root, channels=1)
    assert [grey_of(p["A"]) for p in data.val_set] == pytest.approx([40, 60], abs=1)  # val falls back to test/
    assert [grey_of(p["B"]) for p in data.val_set] == pytest.approx([200, 220], abs=1)
    swapped = paired(root, channels=1, direction="BtoA")
    assert [grey_of(p["A"]) for p in swapped.val_set] == pytest.approx([200, 220], abs=1)


def test_a_missing_partner_names_the_file(tmp_path):
    root = tmp_path / "two_folders"
    for side in ("A", "B"):
        (root / side / "train").mkdir(parents=True)
    Image.new("L", (8, 8)).save(root / "A" / "train" / "lonely.png")
    with pytest.raises(DataError, match=r"lonely.png has no partner .*B/train/lonely.png"):
        paired(root)


def test_partners_of_different_sizes_are_refused(tmp_path):
    root = tmp_path / "two_folders"
    for side, size in (("A", (8, 8)), ("B", (8, 10))):
        (root / side / "train").mkdir(parents=True)
        Image.new("L", size).save(root / side / "train" / "x.png")
    with pytest.raises(DataError, match=r"is 8x8 but its partner .* is 8x10: paired images must have the same size"):
        paired(root)


def test_an_aligned_file_of_odd_width_and_a_missing_layout_are_refused(tmp_path):
    (tmp_path / "odd" / "train").mkdir(parents=True)
    Image.new("RGB", (15, 8)).save(tmp_path / "odd" / "train" / "x.png")
    with pytest.raises(DataError, match="width must be even"):
        paired(tmp_path / "odd")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"no training pairs .* root/train/\*.jpg .* root/A/train/"):
        paired(tmp_path / "empty")


def test_jitter_crops_and_flips_both_images_of_a_pair_alike():
    torch.manual_seed(0)
    ramp = torch.linspace(-1, 1, 16).expand(1, 16, 16).contiguous()  # varies along x: crops and flips show
    jitter = Jitter(image_size=12, load_size=16, flip=True)
    outputs = [jitter(ramp, -ramp) for _ in range(8)]
    assert all(torch.allclose(a, -b) for a, b in outputs)
    assert len({round(float(a[0, 0, 0]), 3) for a, _ in outputs}) > 2  # the crops and flips do vary


def test_unpaired_layout_reads_both_domains_and_validates_on_the_test_folders(tmp_path):
    root = write_unpaired_domains(tmp_path / "horse2zebra")
    data = UnpairedDataModule(str(root), image_size=16, load_size=18, batch_size=2, channels=1)
    data.setup()
    assert len(data.train_set) == 5 and len(data.val_set) == 2  # the larger domain's length
    assert len(data.train_set.domain("A")) == 5 and len(data.train_set.domain("B")) == 3
    item = data.train_set[4]
    assert grey_of(item["A"]) == pytest.approx(20, abs=1) and grey_of(item["B"]) == pytest.approx(230, abs=1)
    swapped = UnpairedDataModule(str(root), image_size=16, batch_size=2, channels=1, direction="BtoA")
    swapped.setup()
    assert grey_of(swapped.val_set[0]["A"]) == pytest.approx(230, abs=1) and len(swapped.train_set.domain("A")) == 3


def test_unpaired_layout_without_a_domain_is_refused(tmp_path):
    root = write_unpaired_domains(tmp_path / "half", counts={"trainA": 2, "testA": 1, "testB": 1})
    with pytest.raises(DataError, match=r"no images in .*trainB: an unpaired dataset holds root/trainA, root/trainB"):
        UnpairedDataModule(str(root), batch_size=1).setup()


def test_built_in_pairs_are_edges_of_the_digit_and_the_domains_are_disjoint():
    pairs = PairedDigitsDataModule(batch_size=4)
    pairs.setup()
    item = pairs.val_set[0]
    assert item["A"].shape == item["B"].shape == (1, 32, 32)
    stroke, edges = item["B"] > 0, item["A"] > -0.5
    assert edges.any() and stroke.any() and not torch.equal(edges, stroke)
    domains = UnpairedDigitsDataModule(batch_size=1)
    domains.setup()
    a, b = domains.val_set.domain("A")[0], domains.val_set.domain("B")[0]
    assert a[0, 0, 0] == -1 and b[0, 0, 0] == 1 and a.mean() < b.mean()  # A black background, B white
    assert len(domains.train_set.domain("A")) + len(domains.val_set.domain("A")) == 1797 // 2


def test_paired_outputs_are_compared_with_the_training_targets_as_validation_serves_them_not_with_random_crops():
    pairs = PairedDigitsDataModule(batch_size=4)  # training pairs: resized to 36, cropped to 32 at random
    pairs.setup()
    crops = [pairs.train_set[0]["B"] for _ in range(8)]
    assert any(not torch.equal(crops[0], crop) for crop in crops)
    targets = pairs.train_set.reference("B")  # the FD's reference and the mean-target baseline's images
    assert len(targets) == len(pairs.train_set)
    assert torch.equal(targets[0], pairs.train_set.images_b[0]) and torch.equal(targets[0], targets[0])  # built at 32, as validation's
    swapped = PairedDigitsDataModule(batch_size=4, direction="BtoA")
    swapped.setup()
    assert torch.equal(swapped.train_set.reference("B")[5], pairs.train_set.images_a[5])  # the edge maps


# ---- networks ----


@pytest.mark.parametrize(
    "receptive_field,image_size,grid,field",
    [("pixel", 32, 32, 1), ("16", 32, 14, 16), ("70", 64, 6, 70), ("70", 256, 30, 70), ("full", 32, 1, 46)],
)
def test_patchgan_grid_size_and_receptive_field(receptive_field, image_size, grid, field):
    net = PatchDiscriminator(in_channels=2, image_size=image_size, receptive_field=receptive_field, base_width=4)
    assert net.receptive_field == field and net.grid_size == grid
    assert net(torch.zeros(1, 2, image_size, image_size)).shape == (1, 1, grid, grid)


@pytest.mark.parametrize("receptive_field,field", [("pixel", 1), ("16", 16), ("70", 70)])
def test_one_score_sees_exactly_its_receptive_field(receptive_field, field):
    """The input pixels an interior score depends on (non-zero gradient) form a field x field square."""
    net = PatchDiscriminator(in_channels=1, image_size=96, receptive_field=receptive_field, base_width=4).eval()
    image = torch.randn(1, 1, 96, 96, requires_grad=True)
    scores = net(image)
    middle = scores.shape[-1] // 2
    scores[0, 0, middle, middle].backward()
    rows, cols = (image.grad[0, 0] != 0).nonzero(as_tuple=True)
    assert int(rows.max() - rows.min()) + 1 == field and int(cols.max() - cols.min()) + 1 == field


def test_full_image_discriminator_sees_the_whole_image_and_multiscale_halves_it():
    assert PatchDiscriminator(image_size=32, receptive_field="full").receptive_field >= 32
    net = PatchGAN(num_scales=2, in_channels=2, image_size=64, receptive_field="16", base_width=4)
    scores = net(torch.zeros(2, 2, 64, 64))
    assert [s.shape for s in scores] == [(2, 1, 30, 30), (2, 1, 14, 14)]
    features = net.layer_outputs(torch.zeros(2, 2, 64, 64))
    assert len(features) == 2 and torch.equal(features[0][-1], scores[0])
    with pytest.raises(ConfigError, match="receptive_field=40 is unknown"):
        PatchDiscriminator(receptive_field="40")
    with pytest.raises(ConfigError, match="leaves no score for 16x16 images"):
        PatchDiscriminator(image_size=16, receptive_field="70")


def test_generators_keep_the_image_size_and_refuse_sizes_they_cannot_build():
    unet = UNetGenerator(in_channels=1, out_channels=3, image_size=32, base_width=4)
    assert len(unet.down) == 5
    assert sum(isinstance(m, torch.nn.Dropout) and m.p == 0.5 for m in unet.modules()) == 3  # the innermost decoder layers
    out = unet(torch.randn(2, 1, 32, 32))
    assert out.shape == (2, 3, 32, 32) and out.abs().max() <= 1
    assert ResNetGenerator(3, 1, base_width=4, num_blocks=2)(torch.randn(1, 3, 20, 20)).shape == (1, 1, 20, 20)
    with pytest.raises(ConfigError, match="not data.image_size=48"):
        UNetGenerator(image_size=48)
    with pytest.raises(ConfigError, match="multiples of 4"):
        ResNetGenerator(1, 1, base_width=4, num_blocks=1)(torch.randn(1, 1, 18, 18))



def test_unet_in_place_activations_change_neither_outputs_nor_gradients():
    """The encoder's LeakyReLUs overwrite the skips in place; the decoder's ReLU makes that exact."""
    import copy

    torch.manual_seed(0)
    in_place = UNetGenerator(in_channels=1, out_channels=1, image_size=16, base_width=4, dropout=0.0)
    fresh = copy.deepcopy(in_place)
    for module in fresh.modules():
        if isinstance(module, torch.nn.LeakyReLU):
            assert module.inplace
            module.inplace = False
    results = []
    for network in (in_place, fresh):
        images = torch.randn(3, 1, 16, 16, generator=torch.Generator().manual_seed(1)).requires_grad_()
        out = network(images)
        out.square().sum().backward()
        results.append((out.detach(), images.grad, [p.grad.clone() for p in network.parameters()]))
        network.zero_grad()
    (out_a, grad_a, params_a), (out_b, grad_b, params_b) = results
    assert torch.equal(out_a, out_b) and torch.equal(grad_a, grad_b)
    assert all(torch.equal(a, b) for a, b in zip(params_a, params_b))

# ---- the image pool and the lr schedule ----


def images_of(*ids: float) -> torch.Tensor:
    """One 1x1 image per id, its value the id: what comes back tells which image it is."""
    return torch.tensor(ids, dtype=torch.float32).view(-1, 1, 1, 1)


def test_image_pool_returns_the_first_images_then_swaps_half_for_old_ones():
    torch.manual_seed(0)
    pool = ImagePool(size=4)
    assert pool.query(images_of(0, 1, 2, 3)).flatten().tolist() == [0, 1, 2, 3]  # filling: returned as they come
    stored, old_returned = {0.0, 1.0, 2.0, 3.0}, 0
    for new in range(4, 404):
        returned = float(pool.query(images_of(new)))
        if returned != new:  # an old image, which leaves the pool; the new one takes its place
            assert returned in stored
            stored = stored - {returned} | {float(new)}
            old_returned += 1
        assert {float(x) for x in pool.images} == stored and len(pool.images) == 4
    assert 0.4 < old_returned / 400 < 0.6
    assert torch.equal(ImagePool(size=0).query(images_of(7, 8)), images_of(7, 8))  # no pool: always the latest
    generated = images_of(7, 8).requires_grad_() * 2  # still in G's graph, which G's step has freed
    assert not ImagePool(size=0).query(generated).requires_grad  # D's loss must not reach back into it


def test_linear_decay_is_constant_then_falls_to_zero():
    factor = ConstantThenLinearDecay(total=200, decay_fraction=0.5)  # the paper's 100 + 100 epochs
    assert factor.decay_start == 100
    assert [factor(0), factor(99), factor(100), factor(150), factor(199), factor(200)] == [1.0, 1.0, 1.0, 0.5, 0.01, 0.0]
    optimizer = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=2e-4)
    scheduler = LambdaLR(optimizer, ConstantThenLinearDecay(total=10))
    lrs = []
    for _ in range(10):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()  # an epoch of training
        scheduler.step()
    assert lrs[:6] == pytest.approx([2e-4] * 6) and lrs[6:] == pytest.approx([1.6e-4, 1.2e-4, 0.8e-4, 0.4e-4])
    assert optimizer.param_groups[0]["lr"] == 0.0
    with pytest.raises(ConfigError, match="trainer.max_steps"):
        ConstantThenLinearDecay(total=-1)


# ---- metrics ----


def test_paired_scores_on_known_errors():
    target = torch.zeros(4, 1, 8, 8)  # grey 0.5 on [0, 1]
    scores = score_pairs([(target + 0.2, target)])  # 0.1 off everywhere on [0, 1]
    assert scores["l1"] == pytest.approx(0.1, abs=1e-6)
    assert scores["psnr"] == pytest.approx(20.0, abs=1e-3)  # 10 log10(1 / 0.1^2)
    assert score_pairs([(target, target)])["ssim"] == pytest.approx(1.0)


# ---- training, grids, the translate CLI ----

TINY_RUN = [
    "trainer=cpu",
    "trainer.max_epochs=2",
    "+trainer.limit_train_batches=2",
    "trainer.log_every_n_steps=1",
    "trainer.enable_model_summary=false",
    "+trainer.enable_progress_bar=false",
    "~callbacks.rich_progress_bar",
    "callbacks.checkpoints.every_n_epochs=1",
    "callbacks.sample_grid.count=3",
    "metrics.every_n_epochs=1",
    "data.image_size=32",
    "data.load_size=34",
    "model.generator.base_width=4",
    "model.discriminator.base_width=4",
]


def trained(tmp_path: Path, *overrides: str) -> Path:
    run = tmp_path / "run"
    train(compose_config([*TINY_RUN, *overrides], run))
    return run


def test_cyclegan_resumed_after_its_pools_fill_ends_as_the_run_that_never_stopped(tmp_path):
    """CycleGAN's decay steps after every iteration, and its D learns from pools of past translations
    (2 here: full after the second iteration); a run stopped after 3 of 6 and resumed logs the learning
    rates and losses of one that never stopped, and ends with the same weights, optimizers and pools."""
    settings = ["model=cyclegan", "model.generator.num_blocks=1", "trainer.max_steps=6", "++trainer.limit_train_batches=3",
                "model.pool_size=2", "~callbacks.evaluation", "~callbacks.sample_grid"]  # fmt: skip
    whole = trained(tmp_path / "whole", *settings, "trainer.max_epochs=2")
    first = trained(tmp_path / "first", *settings, "trainer.max_epochs=1")
    stopped = torch.load(first / "checkpoints" / "last.ckpt", weights_only=True)
    assert [len(stopped["state_dict"][f"pool_{d}._extra_state"]["images"]) for d in "ab"] == [2, 2]  # full when it stopped
    resumed = trained(tmp_path / "first", *settings, "trainer.max_epochs=2", f"ckpt_path={first / 'checkpoints' / 'last.ckpt'}")
    steps = read_metrics(whole / "metrics.csv")
    assert [row["train/lr_g"] for row in steps] == pytest.approx([2e-4, 2e-4, 2e-4, 2e-4, 4e-4 / 3, 2e-4 / 3])
    assert read_metrics(resumed / "metrics.csv") == steps  # the first 3 rows, then the resumed 3: every loss and learning rate, exactly
    end, end_resumed = (torch.load(out / "checkpoints" / "last.ckpt", weights_only=True) for out in (whole, resumed))
    for name, value in end["state_dict"].items():
        resumed_value = end_resumed["state_dict"][name]
        pair = (resumed_value["images"], value["images"]) if name.endswith("_extra_state") else (resumed_value, value)  # the pools' images
        assert torch.equal(*pair), name
    for player, resumed_state in zip(end["optimizer_states"], end_resumed["optimizer_states"]):
        for index, state in player["state"].items():
            assert all(torch.equal(resumed_state["state"][index][key], value) for key, value in state.items())


def test_a_family_that_keeps_tensors_outside_its_state_dict_is_refused_at_its_first_checkpoint(tmp_path, monkeypatch):
    from gan_lightning.models.checkpointing import untracked_state

    model = load_family(trained(tmp_path / "run", "model=cyclegan", "model.generator.num_blocks=1", "trainer.max_steps=2") / "checkpoints" / "last.ckpt")
    assert untracked_state(model) == []  # the pools save their images themselves
    model.history = [torch.zeros(2)]  # a list of tensors a resume would lose, as the pools once were
    model.discriminator_a.last_scores = torch.zeros(2)
    assert untracked_state(model) == ["history", "discriminator_a.last_scores"]
    with pytest.raises(RuntimeError, match="CycleGAN keeps training state outside its state_dict \\(history, discriminator_a.last_scores\\)"):
        model.on_save_checkpoint({})


def grid_shape(path: Path) -> tuple[int, int]:
    """(rows, columns) of 32x32 images in a torchvision grid with 2-pixel padding."""
    width, height = Image.open(path).size
    return (height - 2) // 34, (width - 2) // 34


def test_pix2pix_trains_on_the_built_in_pairs_and_scores_against_the_baselines(tmp_path):
    run = trained(tmp_path, "model=pix2pix", "data.batch_size=4")
    steps = read_metrics(run / "metrics.csv")
    assert len(steps) == 4 and all(row["train/g_l1"] > 0 for row in steps)
    evaluations = read_metrics(run / "metrics.csv", prefix="val/")
    assert len(evaluations) == 2
    first = evaluations[0]
    assert {"val/l1", "val/psnr", "val/ssim", "val/l1_input", "val/psnr_mean"} <= set(first)
    assert 0 < first["val/l1_mean"] < first["val/l1_input"]  # edges are farther from digits than the mean digit
    assert grid_shape(run / "samples" / "last.png") == (3, 3)  # input | output | target
    model = load_family(run / "checkpoints" / "last.ckpt")
    assert isinstance(model, Pix2Pix) and model.discriminator.receptive_field == 70
    assert model.discriminator.scales[0].layers[0][0].in_channels == 2  # the (input, output) pair


def test_pix2pix_hd_options_and_wgan_gp(tmp_path):
    run = trained(
        tmp_path, "model=pix2pix", "data.batch_size=4", "model.discriminator.num_scales=2", "model.discriminator.receptive_field=16",
        "model.feature_matching_weight=10", "loss=wasserstein", "penalty=gradient", "model.discriminator.norm=none",
        "~callbacks.evaluation",
    )  # fmt: skip
    steps = read_metrics(run / "metrics.csv")
    assert all(row["train/g_feature_matching"] > 0 and row["train/d_penalty"] >= 0 for row in steps)


def test_pix2pix_on_l1_alone_trains_g_on_the_l1_term_only(tmp_path):
    run = trained(tmp_path, "model=pix2pix", "data.batch_size=4", "model.adversarial_weight=0", "~callbacks.evaluation")
    steps = read_metrics(run / "metrics.csv")
    assert steps and all(row["train/g_loss"] == pytest.approx(row["train/g_l1"]) and row["train/g_gan"] > 0 for row in steps)


def test_cyclegan_takes_a_relativistic_loss_each_d_comparing_translations_with_its_own_domain(tmp_path):
    run = trained(tmp_path, "model=cyclegan", "model.generator.num_blocks=1", "trainer.max_steps=2", "loss=relativistic")
    model = load_family(run / "checkpoints" / "last.ckpt")
    assert model.loss.relativistic
    real_b, fake_b = torch.rand(2, 1, 32, 32), torch.rand(2, 1, 32, 32)
    with eval_mode(model.discriminator_b):
        fake_scores = model.discriminator_b(fake_b)
        scales = zip(all_scales(fake_scores), all_scales(model.discriminator_b(real_b)))
        expected = sum(relativistic_generator_loss(fake, real) for fake, real in scales)
        torch.testing.assert_close(model.generator_adversarial_loss(model.discriminator_b, fake_scores, real_b), expected)


def test_cyclegan_trains_decays_lr_and_translates_a_folder_both_ways(tmp_path):
    run = trained(tmp_path, "model=cyclegan", "model.generator.num_blocks=1", "trainer.max_steps=4", "model.pool_size=3")
    steps = read_metrics(run / "metrics.csv")
    assert [row["train/lr_g"] for row in steps] == pytest.approx([2e-4, 2e-4, 2e-4, 1e-4])  # the last half decays, per iteration
    assert all(row["train/g_cycle_a"] > 0 and row["train/g_identity"] > 0 for row in steps)
    last = read_metrics(run / "metrics.csv", prefix="val/")[-1]
    assert {"val/fd_AtoB", "val/fd_AtoB_input", "val/fd_AtoB_floor", "val/fd_BtoA", "val/cycle_l1_A", "val/cycle_l1_B"} <= set(last)
    assert last["val/fd_AtoB_floor"] < last["val/fd_AtoB_input"]  # the two renderings are far apart
    counts = [last[f"val/fd_{d}_{n}"] for d in ("AtoB", "BtoA") for n in ("num_samples", "floor_num_samples", "num_real")]
    assert all(count >= 2 and count == int(count) for count in counts)  # each distance's N logged beside it
    assert last["val/fd_AtoB_num_samples"] == last["val/fd_BtoA_floor_num_samples"]  # val A: the inputs of AtoB, the floor of BtoA
    assert grid_shape(run / "samples" / "last.png") == (6, 4)  # a | G(a) | F(G(a)) | b, both ways

    inputs = tmp_path / "inputs"
    (inputs / "sub").mkdir(parents=True)
    for name in ("one.png", "sub/two.jpg"):
        Image.fromarray(np.random.default_rng(0).integers(0, 256, (40, 30), dtype=np.uint8)).save(inputs / name)
    for direction in ("AtoB", "BtoA"):
        out = tmp_path / f"out_{direction}"
        cfg = compose_config(
            [f"ckpt_path={run / 'checkpoints' / 'last.ckpt'}", f"input_dir={inputs}", f"output_dir={out}", f"direction={direction}"],
            tmp_path / "t",
            "translate",
        )
        written = translate_folder(cfg)
        assert sorted(p.relative_to(out).as_posix() for p in written) == ["one.png", "sub/two.png"]
        assert Image.open(out / "one.png").size == (32, 32)
    model = load_family(run / "checkpoints" / "last.ckpt")
    assert isinstance(model, CycleGAN) and isinstance(model, Translates) and not isinstance(model, Samples)


def test_translate_refuses_a_model_that_does_not_translate(tmp_path):
    from conftest import tiny_overrides

    run = tmp_path / "gan"
    train(compose_config([*tiny_overrides("dcgan"), "~callbacks.evaluation", "trainer.max_epochs=1"], run))
    cfg = compose_config([f"ckpt_path={run / 'checkpoints' / 'last.ckpt'}", f"input_dir={tmp_path}", "output_dir=x"], tmp_path / "t", "translate")
    with pytest.raises(ConfigError, match="holds a GAN, which does not translate images"):
        translate_folder(cfg)


def test_a_bad_paired_folder_is_one_line_from_the_command_line(tmp_path):
    from conftest import run_cli

    (tmp_path / "empty").mkdir()
    result = run_cli("model=pix2pix", "data=paired", f"data.root={tmp_path / 'empty'}", "hydra.run.dir=run", cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output, output
    assert "no training pairs under data.root=" in output and "root/A/train/" in output


@pytest.mark.parametrize(
    "overrides,message",
    [
        (["model=pix2pix", "data=digits"], "Pix2Pix translates images of domain A into domain B, and DigitsDataModule has no A and B images"),
        (["model=pix2pix", "data=unpaired_digits"], "Pix2Pix learns from aligned pairs and UnpairedDigitsDataModule pairs unrelated images"),
    ],
)
def test_a_translation_family_on_the_wrong_data_says_which_data_fits(tmp_path, overrides, message):
    with pytest.raises(DataError, match=message):
        tiny = [o for o in TINY_RUN if not o.startswith("data.load_size")]  # digits are not jittered
        train(compose_config([*tiny, *overrides, "~callbacks.evaluation"], tmp_path / "run"))


def test_presets_hold_the_papers_defaults(tmp_path):
    pix2pix = compose_config(["model=pix2pix"], tmp_path)
    assert pix2pix.data._target_.endswith("PairedDigitsDataModule") and "sample_grid" in pix2pix.callbacks
    assert pix2pix.model.l1_weight == 100 and pix2pix.model.discriminator.receptive_field == "70"
    assert pix2pix.model.generator.norm == pix2pix.model.discriminator.norm == "batch" and pix2pix.model.generator.dropout == 0.5
    assert pix2pix.model.g_optimizer.lr == 2e-4 and pix2pix.model.g_optimizer.betas[0] == 0.5
    assert pix2pix.model.loss.generator._target_.endswith("non_saturating_generator_loss")
    cyclegan = compose_config(["model=cyclegan"], tmp_path)
    assert cyclegan.data._target_.endswith("UnpairedDigitsDataModule")
    assert cyclegan.model.cycle_weight_a == cyclegan.model.cycle_weight_b == 10 and cyclegan.model.identity_weight == 0.5
    assert cyclegan.model.pool_size == 50 and cyclegan.model.generator.norm == cyclegan.model.discriminator.norm == "instance"
    assert cyclegan.model.loss.generator._target_.endswith("least_squares_generator_loss") and cyclegan.model.loss.generator.weight == 1.0
    assert cyclegan.model.d_scheduler.lr_lambda.decay_fraction == 0.5 and cyclegan.model.d_scheduler.lr_lambda.total == cyclegan.trainer.max_steps
    folders = compose_config(["model=cyclegan", "data=unpaired", "data.root=x"], tmp_path)  # the command line still picks the data
    assert folders.data._target_.endswith("UnpairedDataModule") and folders.model.generator.in_channels == 3


def test_evaluate_and_explore_send_a_translation_checkpoint_to_translate(tmp_path):
    from gan_lightning.evaluate import evaluate
    from gan_lightning.explore import explore

    run = trained(tmp_path, "model=pix2pix", "data.batch_size=4", "trainer.max_epochs=1", "~callbacks.evaluation")
    ckpt = run / "checkpoints" / "last.ckpt"
    with pytest.raises(ConfigError, match="Pix2Pix translates images rather than sampling them: .* gan_lightning.translate"):
        evaluate(compose_config([f"ckpt_path={ckpt}", "metrics.num_samples=10"], tmp_path / "e", "evaluate"))
    with pytest.raises(ConfigError, match="Pix2Pix has no latent space to explore"):
        explore(compose_config([f"ckpt_path={ckpt}"], tmp_path / "x", "explore"))
