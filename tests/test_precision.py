"""Mixed precision, gradient clipping after unscaling, trainer.compile and trainer.channels_last."""

import pytest
import torch
from hydra.utils import instantiate

from gan_lightning.errors import ConfigError, find_user_error
from gan_lightning.train import train
from gan_lightning.trainer import GANTrainer

from conftest import compose_config, read_metrics, tiny_overrides
from helpers.gradients import RecordStepGradients

CLIP = 1e-3  # far below the gradients of an untrained D and G, so every step is clipped
UNFUSED = ["model.g_optimizer.fused=false", "model.d_optimizer.fused=false"]
# 16-mixed with a GradScaler, on CPU: the same plugin Lightning builds for precision=16-mixed on a GPU.
FP16_ON_CPU = (
    "+trainer.plugins=[{_target_: lightning.pytorch.plugins.precision.MixedPrecision, precision: 16-mixed, "
    "device: cpu, scaler: {_target_: torch.amp.GradScaler, device: cpu, init_scale: 65536.0}}]"
)


def run(tmp_path, *overrides: str) -> tuple[list[float], list[dict]]:
    """Train a tiny DCGAN; the gradient norms its optimizer steps applied, and its logged rows."""
    recorder = RecordStepGradients()
    cfg = compose_config([*tiny_overrides("dcgan"), "~callbacks.evaluation", "~callbacks.sample_grid", *overrides], tmp_path)
    import gan_lightning.train as train_module

    original = train_module.build_callbacks
    train_module.build_callbacks = lambda cfg: [*original(cfg), recorder]
    try:
        train(cfg)
    finally:
        train_module.build_callbacks = original
    return recorder.norms, read_metrics(tmp_path / "metrics.csv")


def test_clipping_under_16_mixed_happens_after_unscaling(tmp_path):
    norms, rows = run(tmp_path, "trainer.precision=null", FP16_ON_CPU, *UNFUSED, f"trainer.gradient_clip_val={CLIP}")
    assert len(norms) == 2 * 4  # a D step and a G step in each of 4 iterations
    applied = [norm for norm in norms if torch.isfinite(torch.tensor(norm))]  # the scaler skips overflowed steps
    assert len(applied) >= 6
    # Clipped in true units: the applied norm is the threshold. Clipping the scaled gradients would
    # leave them CLIP / 65536 after unscaling.
    assert max(applied) <= CLIP * 1.001
    assert min(applied) >= CLIP * 0.99
    assert len(rows) == 4 and all(torch.isfinite(torch.tensor(row["train/g_loss"])) for row in rows)


def test_bf16_mixed_trains_and_clips(tmp_path):
    norms, rows = run(tmp_path / "bf16", "trainer.precision=bf16-mixed", f"trainer.gradient_clip_val={CLIP}")
    assert len(norms) == 8 and max(norms) <= CLIP * 1.001 and min(norms) >= CLIP * 0.99
    _, full = run(tmp_path / "fp32")
    assert len(rows) == len(full) == 4
    first_bf16, first_fp32 = rows[0]["train/d_loss"], full[0]["train/d_loss"]
    assert first_bf16 != first_fp32 and first_bf16 == pytest.approx(first_fp32, rel=0.05)  # bf16 arithmetic, same run


def test_clipping_with_a_fused_optimizer_under_a_grad_scaler_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="model.d_optimizer.fused=false model.g_optimizer.fused=false"):
        run(tmp_path, "trainer.precision=null", FP16_ON_CPU, f"trainer.gradient_clip_val={CLIP}")


def test_bad_clipping_settings_are_clear_errors(tmp_path):
    cfg = compose_config(["trainer=cpu", "trainer.gradient_clip_algorithm=max"], tmp_path)
    with pytest.raises(Exception) as raised:  # Hydra wraps it; the CLI prints the ConfigError's message
        instantiate(cfg.trainer)
    assert "gradient_clip_algorithm must be norm or value, not max" in str(find_user_error(raised.value))


def test_compile_leaves_d_eager_when_its_loss_needs_double_backward(tmp_path):
    for preset, d_compiled in [("dcgan", True), ("wgan_gp", False)]:
        model = instantiate(compose_config([f"model={preset}"], tmp_path).model, _recursive_=False, _convert_="all")
        model.compile_players()
        assert model.generator._compiled_call_impl is not None
        assert (model.discriminator._compiled_call_impl is not None) == d_compiled
        assert set(model.state_dict()) == set(type(model)(**model.hparams).state_dict())  # checkpoint keys unchanged


@pytest.mark.slow
def test_compiled_networks_train(tmp_path):
    norms, rows = run(tmp_path, "trainer.compile=true")
    _, eager = run(tmp_path / "eager")
    assert len(rows) == 4
    assert [row["train/g_loss"] for row in rows] == pytest.approx([row["train/g_loss"] for row in eager], rel=1e-3)


def test_channels_last_stores_conv_weights_nhwc_and_trains_the_same(tmp_path):
    cfg = compose_config([*tiny_overrides("dcgan"), "trainer.channels_last=true"], tmp_path)
    model = instantiate(cfg.model, _recursive_=False, _convert_="all")
    model.trainer = trainer = instantiate(cfg.trainer)
    model.use_settings(trainer.family_settings)
    model.setup("fit")
    weights = [m.weight for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]
    assert weights and all(w.is_contiguous(memory_format=torch.channels_last) for w in weights)
    assert sum(not w.is_contiguous() for w in weights) >= len(weights) - 2  # all but layers where both layouts coincide
    _, rows = run(tmp_path / "nhwc", "trainer.channels_last=true")
    _, plain = run(tmp_path / "nchw")
    assert [row["train/g_loss"] for row in rows] == pytest.approx([row["train/g_loss"] for row in plain], rel=1e-4)


def test_channels_last_auto_stores_only_the_networks_measured_faster_on_the_device(tmp_path):
    def conv_layouts(model_name: str, setting: str) -> dict[str, bool]:
        overrides = tiny_overrides("dcgan") if model_name == "dcgan" else ["model=pix2pix", "model.generator.base_width=4", "model.discriminator.base_width=4"]
        cfg = compose_config([*overrides, f"trainer.channels_last={setting}"], tmp_path)
        model = instantiate(cfg.model, _recursive_=False, _convert_="all")
        model.trainer = trainer = instantiate(cfg.trainer)
        model.use_settings(trainer.family_settings)
        model.setup("fit")
        convs = {name: m.weight for name, m in model.named_modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))}
        either = [name for name, w in convs.items() if w.is_contiguous() and w.is_contiguous(memory_format=torch.channels_last)]
        assert len(either) < len(convs) / 2  # layers with one channel, where both layouts coincide, are left out
        return {name: w.is_contiguous(memory_format=torch.channels_last) for name, w in convs.items() if name not in either}

    assert all(conv_layouts("dcgan", "auto").values())  # DCGAN's nets list "cpu" in channels_last_faster_on
    assert not any(conv_layouts("pix2pix", "auto").values())  # the U-Net and PatchGAN do not (slower so on CPU)
    assert all(conv_layouts("pix2pix", "true").values()) and not any(conv_layouts("dcgan", "false").values())
    with pytest.raises(ConfigError, match="trainer.channels_last must be true, false or auto, not sometimes"):
        GANTrainer(channels_last="sometimes")
