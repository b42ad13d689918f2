"""python -m gan_lightning.export: each format loads back and computes what the family samples."""

import json

import numpy as np
import pytest
import torch

from gan_lightning.errors import ConfigError
from gan_lightning.export import export
from gan_lightning.models import load_family
from gan_lightning.priors import Latent
from gan_lightning.train import train

from conftest import TINY, compose_config, run_cli, tiny_overrides

FORMATS = ["torchscript", "onnx", "safetensors"]
RUNS = {
    "dcgan_ema": [*tiny_overrides("dcgan"), "model.ema_decay=0.9"],
    "cgan": tiny_overrides("cgan"),
    "vae": [
        *TINY, "model=vae", "model.decoder.base_width=8", "model.encoder.base_width=8", "model.decoder.hidden=32", "model.encoder.hidden=32",
        "~callbacks.likelihood",
    ],
    "pix2pix": [
        *(o for o in TINY if "sample_grid" not in o), "model=pix2pix", "data=paired_digits", "data.image_size=32",
        "model.generator.base_width=4", "model.discriminator.base_width=4",
    ],
    "progan": [  # half way through the fade-in to 16x16
        *TINY, "data=shapes", "data.image_size=16", "data.count=200", "data.batch_size=8", "~callbacks.evaluation", "model=progan",
        "model.generator.max_width=8", "model.discriminator.max_width=8", "model.batch_sizes=[8]", "model.phase_images=8",
    ],
    "stylegan": [  # truncated: the exported network truncates too
        *TINY, "data=shapes", "data.image_size=16", "data.count=200", "data.batch_size=8", "~callbacks.evaluation", "model=stylegan",
        "model.generator.max_width=8", "model.discriminator.max_width=8", "model.generator.mapping_layers=2", "model.truncation_psi=0.7",
    ],
    "pixelcnn": [
        *TINY, "model=pixelcnn", "model.network.hidden=12", "model.network.num_blocks=1", "model.num_fixed_samples=8",
        "~callbacks.evaluation", "~callbacks.likelihood",
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    paths = {}
    for name, overrides in RUNS.items():
        out = tmp_path_factory.mktemp(name) / "run"
        train(compose_config([*overrides, "metrics.every_n_epochs=null", "metrics.every_n_iterations=null"], out))
        paths[name] = out / "checkpoints" / "last.ckpt"
    return paths


def export_with(tmp_path, *overrides):
    return export(compose_config(list(overrides), tmp_path, config_name="export"))


def run_export(path, inputs: dict[str, torch.Tensor], family) -> torch.Tensor:
    """The exported file's outputs for `inputs`, loaded as a user without gan-lightning would."""
    if path.suffix == ".pt":
        return torch.jit.load(str(path))(*inputs.values())
    if path.suffix == ".onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return torch.from_numpy(session.run(None, {name: value.numpy() for name, value in inputs.items()})[0])
    from safetensors.torch import load_file

    network = family.sampling_network if hasattr(family, "sampling_network") else family.translator("AtoB")
    with torch.no_grad():
        for parameter in network.parameters():
            parameter.add_(1.0)  # the file, not the checkpoint, must supply the weights
    network.load_state_dict(load_file(str(path)))
    with torch.no_grad():
        outputs = network.eval()(*inputs.values())
    return family.expected_samples(outputs) if hasattr(family, "expected_samples") else outputs


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("run", ["dcgan_ema", "cgan", "vae", "progan", "stylegan"])
def test_each_format_samples_as_the_family_does(tmp_path, checkpoints, run, file_format):
    path = export_with(tmp_path, f"ckpt_path={checkpoints[run]}", f"format={file_format}", f"output_dir={tmp_path / 'export'}")
    signature = json.loads(path.with_suffix(".json").read_text())
    family = load_family(checkpoints[run])
    latent = family.prior.indexed(range(5), seed=1, device="cpu")  # 5: another batch size than the export's example
    expected = family.generate(latent)
    inputs = {"z": latent.z} if latent.labels is None else {"z": latent.z, "labels": latent.labels}
    assert list(signature["inputs"]) == list(inputs) and signature["outputs"]["images"]["shape"] == ["N", *expected.shape[1:]]
    assert signature["ema_weights"] == (run in ("dcgan_ema", "progan", "stylegan"))
    # rtol: ONNX Runtime's kernels round StyleGAN's instance norms a little differently
    np.testing.assert_allclose(run_export(path, inputs, family).detach().numpy(), expected.numpy(), atol=1e-5, rtol=1e-4)


def test_the_ema_weights_are_the_ones_exported(tmp_path, checkpoints):
    family = load_family(checkpoints["dcgan_ema"])
    path = export_with(tmp_path, f"ckpt_path={checkpoints['dcgan_ema']}", "format=torchscript", f"output_dir={tmp_path}")
    z = torch.randn(4, family.prior.latent_dim)
    exported = torch.jit.load(str(path))(z)
    with torch.no_grad():
        trained = family.generator.eval()(z)
    assert not torch.allclose(exported, trained, atol=1e-4)  # G's own weights differ from their average
    torch.testing.assert_close(exported, family.generate(Latent(z)))


@pytest.mark.parametrize("file_format", ["torchscript", "onnx"])
def test_a_translator_exports_its_generator(tmp_path, checkpoints, file_format):
    path = export_with(tmp_path, f"ckpt_path={checkpoints['pix2pix']}", f"format={file_format}", f"output_dir={tmp_path}")
    assert path.name.startswith("translator_AtoB")
    family = load_family(checkpoints["pix2pix"])
    images = torch.rand(3, 1, 32, 32) * 2 - 1
    with torch.no_grad():
        expected = family.translator("AtoB").eval()(images)
    inputs = {"images": images}
    np.testing.assert_allclose(run_export(path, inputs, family).detach().numpy(), expected.numpy(), atol=1e-5)


def test_what_cannot_be_exported_is_named(tmp_path, checkpoints):
    with pytest.raises(ConfigError, match="PixelCNN samples in a loop of its own"):
        export_with(tmp_path, f"ckpt_path={checkpoints['pixelcnn']}", f"output_dir={tmp_path}")
    with pytest.raises(ConfigError, match="format=keras is unknown: choose one of torchscript, onnx, safetensors"):
        export_with(tmp_path, f"ckpt_path={checkpoints['cgan']}", "format=keras", f"output_dir={tmp_path}")
    with pytest.raises(ConfigError, match="direction=BtoA is not one Pix2Pix learns"):
        export_with(tmp_path, f"ckpt_path={checkpoints['pix2pix']}", "direction=BtoA", f"output_dir={tmp_path}")
    first = export_with(tmp_path, f"ckpt_path={checkpoints['cgan']}", f"output_dir={tmp_path}")
    written = first.read_bytes()
    with pytest.raises(ConfigError, match="exists: choose another output_dir"):
        export_with(tmp_path, f"ckpt_path={checkpoints['dcgan_ema']}", f"output_dir={tmp_path}")
    assert first.read_bytes() == written


def test_export_from_the_command_line(tmp_path, checkpoints):
    result = run_cli(f"ckpt_path={checkpoints['cgan']}", "format=onnx", "hydra.run.dir=out", module="gan_lightning.export", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "sampler.onnx").is_file() and (tmp_path / "out" / "sampler.json").is_file()


def test_a_missing_export_package_is_named(tmp_path, checkpoints, monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None if name == "onnx" else real_find_spec(name, *args))
    with pytest.raises(ConfigError, match="format=onnx needs the onnx package: pip install 'gan-lightning\\[export\\]'"):
        export_with(tmp_path, f"ckpt_path={checkpoints['cgan']}", "format=onnx", f"output_dir={tmp_path}")
    assert not list(tmp_path.glob("sampler.*"))
