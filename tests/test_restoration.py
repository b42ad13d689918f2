"""Restoration and high-resolution translation (issue 17): the built-in photographs as patches, super-resolution
(SRResNet, SRGAN, the paper's Y-channel scores, VGG losses and their weights), inpainting (the context encoder) and pix2pixHD."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from skimage.color import rgb2ycbcr
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from torchvision.models import vgg19

from gan_lightning.capabilities import TranslatesMany
from gan_lightning.data import InpaintingDataModule, SuperResolutionDataModule
from gan_lightning.data.photos import BUILTIN_PHOTOS, builtin_photo
from gan_lightning.data.pixels import cropped, luma
from gan_lightning.data.restoration import bicubic_downsample, bicubic_upsample
from gan_lightning.errors import ConfigError, DataError
from gan_lightning.losses import hole_loss
from gan_lightning.losses.perceptual import VGG19_FILE, VGG19_LAYERS, ContentLoss, PerceptualLoss
from gan_lightning.metrics.swd import sliced_wasserstein, sliced_wasserstein_distances
from gan_lightning.metrics.translation import score_pairs
from gan_lightning.models import SRGAN, BiCycleGAN, ContextEncoder, load_family
from gan_lightning.models.bicyclegan import standard_normal_kl
from gan_lightning.nets import ContextEncoderGenerator, LocalEnhancer, SRGANDiscriminator, SRResNet
from gan_lightning.train import train
from gan_lightning.translate import translate_folder

from conftest import compose_config, read_metrics, run_cli, write_images


@pytest.mark.parametrize("scale", [2, 4])
def test_srresnet_upsamples_by_exactly_its_scale_at_any_size(scale):
    net = SRResNet(width=8, blocks=2, scale=scale)
    assert net(torch.zeros(2, 3, 12, 20)).shape == (2, 3, 12 * scale, 20 * scale)
    assert sum(isinstance(m, torch.nn.PixelShuffle) for m in net.modules()) == {2: 1, 4: 2}[scale]
    resize = SRResNet(width=8, blocks=2, scale=scale, upsampling="resize")
    assert resize(torch.zeros(2, 3, 12, 20)).shape == (2, 3, 12 * scale, 20 * scale)
    assert not any(isinstance(m, torch.nn.PixelShuffle) for m in resize.modules())


def test_srresnet_upsamples_a_constant_image_to_a_constant_image_at_initialisation():
    """ICNR: no checkerboard before training; PyTorch's default filters start with one."""

    def spread(icnr: bool, upsampling: str = "pixel_shuffle") -> float:
        torch.manual_seed(0)
        net = SRResNet(in_channels=3, out_channels=3, width=8, blocks=1, scale=4, icnr=icnr, upsampling=upsampling).eval()
        with torch.no_grad():
            out = net(torch.full((1, 3, 24, 24), 0.3))
        interior = out[..., 40:56, 40:56]  # beyond the reach of the zero padding at the borders
        return (interior.amax(dim=(-2, -1)) - interior.amin(dim=(-2, -1))).max().item()  # within each channel

    assert spread(icnr=True) < 1e-3
    assert spread(icnr=False) > 1e-2
    assert spread(icnr=False, upsampling="resize") < 1e-3  # resize-convolution: one filter for every phase


def test_bad_network_sizes_are_refused():
    with pytest.raises(ConfigError, match="must be 2, 4, 8"):
        SRResNet(scale=3)
    with pytest.raises(ConfigError, match="unknown SRResNet upsampling 'bilinear'"):
        SRResNet(upsampling="bilinear")
    with pytest.raises(ConfigError, match="multiple of 16"):
        SRGANDiscriminator(image_size=40)
    with pytest.raises(ConfigError, match="judges 32x32 patches"):
        SRGANDiscriminator(image_size=32, width=4, dense=8)(torch.zeros(1, 3, 64, 64))


def test_y_channel_psnr_and_ssim_match_scikit_image():
    """The paper's protocol (Y of YCbCr, border of `scale` cropped) against scikit-image's own
    conversion and metrics, an implementation independent of torchmetrics."""
    stream = np.random.default_rng(0)
    target = np.clip(np.cumsum(stream.normal(0, 0.05, (2, 48, 48, 3)), axis=2) % 1, 0, 1)  # smooth-ish RGB in [0, 1]
    output = np.clip(target + stream.normal(0, 0.04, target.shape), 0, 1)
    as_tensor = lambda x: torch.from_numpy(x).permute(0, 3, 1, 2).float() * 2 - 1  # noqa: E731
    scores = score_pairs([(as_tensor(output), as_tensor(target))], scored=lambda images: cropped(luma(images), 4))
    y = lambda x: rgb2ycbcr(x)[4:-4, 4:-4, 0] / 255  # noqa: E731
    psnr = np.mean([peak_signal_noise_ratio(y(t), y(o), data_range=1) for t, o in zip(target, output)])
    gaussian = {"gaussian_weights": True, "sigma": 1.5, "use_sample_covariance": False}  # the SSIM paper's window, as torchmetrics
    ssim = np.mean([structural_similarity(y(t), y(o), data_range=1, **gaussian) for t, o in zip(target, output)])
    assert scores["psnr"] == pytest.approx(psnr, abs=1e-3)
    assert scores["ssim"] == pytest.approx(ssim, abs=1e-3)


def test_built_in_photographs_are_rgb_and_unknown_names_are_refused():
    assert len(BUILTIN_PHOTOS) >= 15
    for name in ("astronaut", "camera", "china"):  # RGB, grey, scikit-learn's
        photo = builtin_photo(name)
        assert photo.dtype == torch.uint8 and photo.shape[0] == 3 and min(photo.shape[1:]) >= 256
    with pytest.raises(DataError, match="choose from astronaut"):
        builtin_photo("lena")


def test_super_resolution_pairs_are_a_patch_and_its_bicubic_downsampling():
    data = SuperResolutionDataModule(scale=4, patch_size=32, patches_per_epoch=10, val_patches=5, batch_size=2)
    data.setup()
    item = data.train_set[0]
    assert item["B"].shape == (3, 32, 32) and item["A"].shape == (3, 8, 8)
    assert torch.allclose(item["A"], bicubic_downsample(item["B"][None], 4)[0])
    assert len(data.train_set) == 10 and len(data.val_set) == 5
    assert torch.equal(data.val_set[3]["B"], data.val_set[3]["B"])  # fixed validation patches
    assert not torch.equal(data.train_set[0]["B"], data.train_set[0]["B"])  # fresh training ones
    reference = data.train_set.reference("B")  # the mean-target baseline's patches: the same at every call
    assert len(reference) == 10 and torch.equal(reference[0], reference[0])
    assert data.baselines(item["A"][None])["bicubic"].shape == (1, 3, 32, 32)
    assert data.shown(item["A"][None]).shape == (1, 3, 32, 32)
    assert data.scored(item["B"][None]).shape == (1, 1, 24, 24)  # Y channel, 4 pixels cropped on each side


@pytest.mark.parametrize(
    "arguments,message",
    [
        ({"photos": ["coffee"], "val_photos": ["coffee"]}, "share coffee"),
        ({"photos": ["nope"]}, "not a built-in photograph"),
        ({"patch_size": 30}, "divide data.patch_size=30"),
        ({"patch_size": 1024}, "smaller than data.patch_size=1024"),
    ],
)
def test_bad_super_resolution_settings_are_refused(arguments, message):
    with pytest.raises(DataError, match=message):
        data = SuperResolutionDataModule(**arguments)
        data.setup()


def test_a_folder_of_photographs_is_split_by_image(tmp_path):
    write_images(tmp_path / "photos", 5, size=(48, 40), suffix=".jpg")
    data = SuperResolutionDataModule(root=str(tmp_path / "photos"), patch_size=32, val_fraction=0.2, patches_per_epoch=4, val_patches=2)
    data.setup()
    assert len(data.train_set.photos) == 4 and len(data.val_set.photos) == 1
    assert not {str(p) for p in data.train_set.photos.photos} & {str(p) for p in data.val_set.photos.photos}
    assert data.train_set[0]["B"].shape == (3, 32, 32)
    with pytest.raises(DataError, match="both splits need at least one"):
        SuperResolutionDataModule(root=str(tmp_path / "photos"), val_fraction=0.0).setup()


TINY_SRGAN = [
    "model=srgan", "model.generator.width=8", "model.generator.blocks=1", "model.discriminator.width=4", "model.discriminator.dense=16",
    "data.patch_size=32", "data.patches_per_epoch=8", "data.val_patches=4", "data.batch_size=4", "trainer.max_steps=4",
    "model.pretrain_iterations=2", "trainer.log_every_n_steps=1", "metrics.every_n_iterations=null",
]  # fmt: skip


def test_srgan_pretrains_srresnet_then_plays_and_translates_whole_images_four_times_larger(tmp_path):
    run = tmp_path / "run"
    train(compose_config(TINY_SRGAN, run))
    steps = read_metrics(run / "metrics.csv")
    assert len(steps) == 4 and all(row["train/g_content"] > 0 for row in steps)
    assert ["train/d_loss" in row for row in steps] == [False, False, True, True]  # SRResNet first, then the game
    assert [row["train/lr_g"] for row in steps] == pytest.approx([1e-3, 1e-3, 1e-4, 1e-4])  # at the paper's rate
    assert all(row["train/g_loss"] == pytest.approx(row["train/g_content"] + 1e-3 * row["train/g_adversarial"], rel=1e-5) for row in steps[2:])
    last = read_metrics(run / "metrics.csv", prefix="val/")[-1]
    assert {"val/psnr", "val/ssim", "val/psnr_bicubic", "val/ssim_bicubic"} <= set(last)
    assert 15 < last["val/psnr_bicubic"] < 60
    assert Image.open(run / "samples" / "last.png").size[0] == 3 * 34 + 2  # input (upsampled) | output | target, 32x32 each
    model = load_family(run / "checkpoints" / "last.ckpt")
    assert isinstance(model, SRGAN) and not any("vgg" in key for key in model.state_dict())

    inputs = tmp_path / "inputs"
    write_images(inputs, 2, size=(20, 12))
    arguments = [f"ckpt_path={run / 'checkpoints' / 'last.ckpt'}", f"input_dir={inputs}", f"output_dir={tmp_path / 'out'}"]
    written = translate_folder(compose_config(arguments, tmp_path / "t", "translate"))
    assert [Image.open(path).size for path in written] == [(80, 48)] * 2  # each whole image, 4x larger


def test_srresnet_preset_never_plays_the_game(tmp_path):
    run = tmp_path / "run"
    train(compose_config([*TINY_SRGAN, "model=srresnet", "~callbacks.evaluation"], run))
    assert not any("train/d_loss" in row for row in read_metrics(run / "metrics.csv"))


def test_vgg_layers_end_with_the_papers_activations():
    features = vgg19().features
    for name, convolutions in (("vgg22", 4), ("vgg54", 16)):
        kept = features[: VGG19_LAYERS[name]]
        assert isinstance(kept[-1], torch.nn.ReLU) and isinstance(features[VGG19_LAYERS[name]], torch.nn.MaxPool2d)
        assert sum(isinstance(m, torch.nn.Conv2d) for m in kept) == convolutions


def test_missing_or_foreign_vgg_weights_stop_the_run_before_training(tmp_path):
    run = tmp_path / "run"
    offline = {"TORCH_HOME": str(tmp_path / "hub"), "https_proxy": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}  # no download, even online
    result = run_cli(*TINY_SRGAN, "model.content=vgg54", f"hydra.run.dir={run}", cwd=tmp_path, env=offline)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output
    (line,) = [line for line in output.splitlines() if VGG19_FILE in line]
    assert "model.vgg_weights=" in line and str(tmp_path / "hub") in line
    assert not (run / "checkpoints").exists() and not (run / "metrics.csv").exists()
    foreign = tmp_path / VGG19_FILE
    torch.save({"conv.weight": torch.zeros(1)}, foreign)
    with pytest.raises(ConfigError, match="does not hold torchvision's VGG19 weights"):
        ContentLoss("vgg22", str(foreign))
    with pytest.raises(ConfigError, match="model.vgg_weights=/nope.pth does not exist"):
        ContentLoss("vgg22", "/nope.pth")


def test_sliced_wasserstein_is_exact_in_one_dimension_and_sees_blur_at_the_finest_level():
    stream = torch.Generator().manual_seed(0)
    values = torch.randn(500, 1, dtype=torch.float64, generator=stream)
    assert sliced_wasserstein(values, values + 0.5, directions=4, repeats=2, stream=stream) == pytest.approx(0.5)  # a shift, whatever the sign
    assert sliced_wasserstein(values, values, directions=4, repeats=2, stream=stream) == 0
    photo = builtin_photo("astronaut").float() / 127.5 - 1
    tiles = photo[:, :256, :256].unfold(1, 32, 32).unfold(2, 32, 32).permute(1, 2, 0, 3, 4).reshape(-1, 3, 32, 32)  # 64 tiles
    first, second = tiles[::2], tiles[1::2]
    blurred = bicubic_upsample(bicubic_downsample(second, 4), 4)
    settings = {"levels": 2, "per_image": 32, "directions": 64, "repeats": 1}
    sharp, blurry = sliced_wasserstein_distances(first, second, **settings), sliced_wasserstein_distances(first, blurred, **settings)
    assert blurry[0] > 1.5 * sharp[0]  # the band-pass level: blur takes the detail away


def test_the_context_encoder_decoder_may_resize_then_convolve():
    inputs = torch.cat([torch.rand(2, 3, 32, 32) * 2 - 1, torch.zeros(2, 1, 32, 32)], dim=1)
    for upsampling, transposed in (("transposed", 3), ("resize", 0)):
        net = ContextEncoderGenerator(channels=3, image_size=32, width=8, upsampling=upsampling)
        assert net.paint(inputs).shape == (2, 3, 32, 32)
        assert sum(isinstance(m, torch.nn.ConvTranspose2d) for m in net.modules()) == transposed
    with pytest.raises(ConfigError, match="unknown context encoder upsampling 'bilinear'"):
        ContextEncoderGenerator(upsampling="bilinear")


def test_the_hole_loss_ignores_pixels_outside_the_mask():
    target, output = torch.zeros(2, 3, 8, 8), torch.zeros(2, 3, 8, 8)
    mask = torch.zeros(2, 1, 8, 8)
    mask[:, :, 2:6, 2:6] = 1
    output[:, :, 2:6, 2:6] = 0.5
    assert hole_loss(output, target, mask) == pytest.approx(0.25)  # the squared error of the hole's pixels
    output[:, :, :2] = 9.0  # outside the hole
    assert hole_loss(output, target, mask) == pytest.approx(0.25)


def test_the_hole_loss_with_overlap_weighs_the_border_as_the_authors_code():
    output, target = torch.randn(2, 3, 16, 16), torch.randn(2, 3, 16, 16)
    mask = torch.zeros(2, 1, 16, 16)
    mask[:, :, 4:12, 4:12] = 1
    # pathak22/context-encoder train.lua: G predicts the centre and the 2-pixel border around the hole
    # (overlapPred), the MSE's gradient weighted 10 on that border and 1 inside (wtl2Matrix).
    weights = torch.full((12, 12), 10.0)
    weights[2:10, 2:10] = 1
    expected = (weights * (output - target)[..., 2:14, 2:14].pow(2)).mean()
    assert hole_loss(output, target, mask, overlap=2) == pytest.approx(float(expected), rel=1e-5)
    output[..., :2, :] = 99.0  # beyond the border
    assert hole_loss(output, target, mask, overlap=2) == pytest.approx(float(expected), rel=1e-5)


@pytest.mark.parametrize("mask", ["center", "random"])
def test_inpainting_pairs_hold_the_image_with_its_hole_and_the_mask(mask):
    data = InpaintingDataModule(mask=mask, hole=0.5, patch_size=32, patches_per_epoch=6, val_patches=4)
    data.setup()
    item = data.train_set[0]
    inputs, image, hole = item["A"][:3], item["B"], item["A"][3:].bool()
    assert item["A"].shape == (4, 32, 32) and image.shape == (3, 32, 32)
    assert torch.equal(inputs[:, hole[0]], torch.zeros_like(inputs[:, hole[0]])) and torch.equal(inputs[:, ~hole[0]], image[:, ~hole[0]])
    rows, cols = hole[0].nonzero().unbind(1)
    height, width = int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)
    assert hole.sum() == height * width  # one rectangle
    if mask == "center":
        assert (height, width) == (16, 16) and (int(rows.min()), int(cols.min())) == (8, 8)
        assert data.scored(item["B"][None]).shape == (1, 3, 16, 16)  # scores in the hole
    else:
        assert 8 <= height <= 16 and 8 <= width <= 16
        holes = {tuple(data.train_set[0]["A"][3].nonzero().min(dim=0).values.tolist()) for _ in range(8)}
        assert len(holes) > 1  # a new place each time
    assert torch.equal(data.val_set[2]["A"], data.val_set[2]["A"])  # fixed validation holes
    baselines = data.baselines(item["A"][None])
    filled = baselines["mean_fill"][0]
    assert torch.allclose(filled[:, hole[0]], image[:, ~hole[0]].mean(dim=1, keepdim=True).expand(-1, int(hole.sum())))
    for output in baselines.values():
        assert torch.allclose(output[0][:, ~hole[0]], image[:, ~hole[0]], atol=1e-6)  # the known pixels kept


def test_context_encoder_keeps_the_known_pixels_and_trains_with_and_without_its_adversary(tmp_path):
    tiny = ["model=context_encoder", "model.generator.width=8", "model.discriminator.base_width=8", "data.patch_size=32", "data.patches_per_epoch=8",
            "data.val_patches=2", "data.batch_size=4", "trainer.max_steps=2", "trainer.log_every_n_steps=1", "metrics.every_n_iterations=null"]  # fmt: skip
    run = tmp_path / "run"
    train(compose_config(tiny, run))
    steps = read_metrics(run / "metrics.csv")
    assert all(row["train/g_loss"] == pytest.approx(0.999 * row["train/g_reconstruction"] + 0.001 * row["train/g_adversarial"], rel=1e-5) for row in steps)
    last = read_metrics(run / "metrics.csv", prefix="val/")[-1]
    assert {"val/psnr", "val/l1", "val/psnr_mean_fill", "val/psnr_biharmonic"} <= set(last)
    model = load_family(run / "checkpoints" / "last.ckpt")
    assert isinstance(model, ContextEncoder)
    inputs = torch.cat([torch.rand(2, 3, 32, 32) * 2 - 1, torch.zeros(2, 1, 32, 32)], dim=1)
    inputs[:, 3, 8:24, 8:24] = 1
    outputs = model.translate(inputs)
    assert torch.equal(outputs[:, :, :8], inputs[:, :3, :8]) and not torch.equal(outputs[:, :, 8:24, 8:24], inputs[:, :3, 8:24, 8:24])
    images, mask = torch.randn(2, 3, 32, 32), inputs[:, 3:]
    assert torch.equal(images[model.judged_region(mask)], images[..., 8:24, 8:24])  # D judges the hole alone, as the authors' code
    mask[1] = mask[1].roll(3, dims=-1)
    with pytest.raises(ConfigError, match="adversarial_region=image"):
        model.judged_region(mask)
    plain = tmp_path / "l2"
    train(compose_config([*tiny, "model.adversarial_weight=0", "data.mask=random", "~callbacks.evaluation"], plain))  # no D: any holes
    assert not any("train/d_loss" in row for row in read_metrics(plain / "metrics.csv"))


def test_pix2pixhd_generator_runs_its_global_generator_at_half_size():
    net = LocalEnhancer(in_channels=1, out_channels=1, base_width=4, global_downsamplings=3, global_blocks=1, local_blocks=1)
    seen = []
    net.global_generator.net[0].register_forward_hook(lambda module, inputs, output: seen.append(inputs[0].shape[-1]))
    out = net(torch.rand(2, 1, 32, 32) * 2 - 1)
    assert out.shape == (2, 1, 32, 32) and seen == [16]
    out.sum().backward()
    assert net.global_generator.net[1].weight.grad.abs().sum() > 0  # G1's features reach the output
    with pytest.raises(ConfigError, match="multiples of 8"):
        net.global_generator(torch.zeros(1, 1, 12, 12))


def test_perceptual_layers_are_the_first_relu_of_each_vgg_block():
    features = vgg19().features
    for block, end in enumerate(PerceptualLoss.ENDS):
        assert isinstance(features[end - 1], torch.nn.ReLU) and isinstance(features[end - 2], torch.nn.Conv2d)
        assert sum(isinstance(m, torch.nn.MaxPool2d) for m in features[:end]) == block


def test_pix2pixhd_trains_with_feature_matching_and_refuses_missing_vgg_weights(tmp_path, monkeypatch):
    run = tmp_path / "run"
    train(compose_config(["model=pix2pixhd", "data.batch_size=4", "trainer.max_steps=2", "trainer.log_every_n_steps=1", "~callbacks.evaluation"], run))
    steps = read_metrics(run / "metrics.csv")
    assert all(row["train/g_feature_matching"] > 0 and row["train/g_l1"] == 0 and "train/g_perceptual" not in row for row in steps)
    assert isinstance(load_family(run / "checkpoints" / "last.ckpt").generator, LocalEnhancer)

    def offline(*args, **kwargs):
        raise ConnectionError("no network")

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    with pytest.raises(ConfigError, match="model.perceptual_weight=0"):
        PerceptualLoss()


def test_the_kl_term_is_zero_for_a_standard_normal_posterior_and_positive_otherwise():
    assert standard_normal_kl(torch.zeros(4, 8), torch.zeros(4, 8)) == 0
    assert standard_normal_kl(torch.full((4, 8), 0.5), torch.zeros(4, 8)) == pytest.approx(8 * 0.5**2 / 2)  # mean^2 / 2 per dimension
    assert standard_normal_kl(torch.zeros(4, 8), torch.full((4, 8), 1.0)) > 0


TINY_BICYCLE = ["model=bicyclegan", "model.generator.base_width=8", "model.encoder.base_width=8", "model.encoder.hidden=16", "model.discriminator.base_width=8",
                "data.batch_size=4", "trainer.max_steps=2", "trainer.log_every_n_steps=1", "metrics.every_n_iterations=null"]  # fmt: skip


def test_bicyclegan_trains_both_cycles_and_draws_many_outputs_per_input(tmp_path):
    run = tmp_path / "run"
    train(compose_config(TINY_BICYCLE, run))
    steps = read_metrics(run / "metrics.csv")
    terms = ("train/g_gan_vae", "train/g_gan_lr", "train/g_l1", "train/g_kl", "train/g_latent")
    assert all(row["train/g_loss"] == pytest.approx(sum(row[t] for t in terms), rel=1e-5) for row in steps)
    assert Image.open(run / "samples" / "last.png").size[0] == 6 * 34 + 2  # input | 4 outputs | target
    model = load_family(run / "checkpoints" / "last.ckpt")
    assert isinstance(model, BiCycleGAN) and isinstance(model, TranslatesMany)
    edges = torch.rand(3, 1, 32, 32) * 2 - 1
    many = model.translate_many(edges, 5, seed=1)
    assert many.shape == (3, 5, 1, 32, 32) and torch.equal(many, model.translate_many(edges, 5, seed=1))
    assert not torch.equal(many[:, 0], many[:, 1])  # another code, another output

    inputs = tmp_path / "inputs"
    write_images(inputs, 2, size=(32, 32))
    arguments = [f"ckpt_path={run / 'checkpoints' / 'last.ckpt'}", f"input_dir={inputs}", f"output_dir={tmp_path / 'out'}", "samples=3"]
    written = translate_folder(compose_config(arguments, tmp_path / "t", "translate"))
    assert sorted(p.name for p in written) == [f"img_{i:03d}_{j}.png" for i in range(2) for j in range(3)]
    assert all(Image.open(path).size == (32, 32) for path in written)
    pix2pix = [f"ckpt_path={run / 'checkpoints' / 'last.ckpt'}", f"input_dir={inputs}", f"output_dir={tmp_path / 'one'}", "samples=0"]
    with pytest.raises(ConfigError, match="samples=0"):
        translate_folder(compose_config(pix2pix, tmp_path / "t2", "translate"))


def test_pix2pix_with_noise_has_no_encoder_and_one_cycle(tmp_path):
    run = tmp_path / "run"
    train(compose_config([*TINY_BICYCLE, "model.encoded=false", "~callbacks.evaluation"], run))
    steps = read_metrics(run / "metrics.csv")
    assert all("train/g_latent" not in row and "train/g_kl" not in row and row["train/g_l1"] > 0 for row in steps)
    model = load_family(run / "checkpoints" / "last.ckpt")
    assert model.encoder is None and model.lr_discriminator is None


@pytest.mark.parametrize("preset", ["pix2pixhd", "bicyclegan"])
def test_multiscale_adversarial_terms_weigh_as_the_authors_code(preset, tmp_path):
    """NVIDIA/pix2pixHD and junyanz/BicycleGAN (models/networks.py, GANLoss with lsgan): G's term is
    sum over D's scales of MSE(pred, 1); pix2pixHD's D (pix2pixHD_model.py) 0.5 * the sum over scales of
    MSE(real, 1) + MSE(fake, 0); its feature matching (lambda_feat 10) weighs each layer of each scale
    4 / (n_layers_D + 1) / num_D."""
    from hydra.utils import instantiate

    from gan_lightning.losses.reconstruction import feature_matching_loss

    model = instantiate(compose_config([f"model={preset}"], tmp_path).model, _recursive_=False, _convert_="all")
    torch.manual_seed(0)
    fake, real = [torch.randn(2, 1, 4, 4), torch.randn(2, 1, 2, 2)], [torch.randn(2, 1, 4, 4), torch.randn(2, 1, 2, 2)]
    mse = torch.nn.functional.mse_loss
    theirs_g = sum(mse(pred, torch.ones_like(pred)) for pred in fake)
    torch.testing.assert_close(model.generator_adversarial_loss(torch.nn.Identity(), fake, real=None), theirs_g)  # a standard loss judges no reals
    theirs_d = 0.5 * sum(mse(r, torch.ones_like(r)) + mse(f, torch.zeros_like(f)) for r, f in zip(real, fake))
    torch.testing.assert_close(model.discriminator_loss(real, fake), theirs_d)  # BicycleGAN's D: twice this, a factor Adam ignores

    features = [[torch.randn(2, 3, 4, 4) for _ in range(3)] for _ in range(2)]  # 2 scales, 2 hidden layers + the scores
    others = [[f + torch.randn_like(f) for f in scale] for scale in features]
    theirs_fm = sum(4.0 / 2 / 2 * (a - b).abs().mean() for real_scale, fake_scale in zip(features, others) for a, b in zip(real_scale[:-1], fake_scale[:-1]))
    torch.testing.assert_close(feature_matching_loss(features, others), theirs_fm)
