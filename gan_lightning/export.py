"""Export a checkpoint's sampling network to run without gan-lightning.

    python -m gan_lightning.export ckpt_path=RUN/checkpoints/last.ckpt format=torchscript|onnx|safetensors

What is exported is what the family samples with: its sampling network (the moving average when the
run kept one) in eval mode, followed by what turns the network's outputs into samples without
drawing anything (a VAE's decoder gives p(x | z): the export gives its mean). Inputs are z (N,
latent_dim), drawn from the prior named in the signature, and for class-conditional families the
labels (N,) as int64; outputs are images (N, C, H, W) in [-1, 1]. pix2pix and CycleGAN export the
generator of `direction` (images -> images) in eval mode. TorchScript and ONNX hold the network and
its computation; safetensors holds the sampling network's weights (its state_dict keys), for loading
into the same network class. <name>.json beside the file records the signature, the family and the
checkpoint. PixelCNN samples pixel by pixel in a loop of its own and is not exported.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig
from torch import Tensor, nn

from gan_lightning.capabilities import HasLatentSpace, Translates
from gan_lightning.cli import check_writable, command
from gan_lightning.errors import ConfigError
from gan_lightning.models import load_family, read_checkpoint

log = logging.getLogger(__name__)
SUFFIXES = {"torchscript": ".pt", "onnx": ".onnx", "safetensors": ".safetensors"}


class Exported(nn.Module):
    """network(*inputs), then `head` (samples from the network's outputs), in eval mode."""

    def __init__(self, network: nn.Module, head: Callable[[Tensor], Tensor] | None = None):
        super().__init__()
        self.network, self.head = network, head
        self.eval()  # BatchNorm's running statistics, no dropout: traced so

    def forward(self, *inputs: Tensor) -> Tensor:
        outputs = self.network(*inputs)
        return outputs if self.head is None else self.head(outputs)


def exportable(family: Any, direction: str, data: dict[str, Any]) -> tuple[str, Exported, dict[str, Tensor], dict[str, Any]]:
    """(file name, the module, example inputs by name, the signature) of a family's exported network;
    `data`: the run's data config (a translator's image size)."""
    if isinstance(family, HasLatentSpace):
        prior = family.prior
        inputs = {"z": torch.zeros(2, prior.latent_dim)}
        described = {"z": {"shape": ["N", prior.latent_dim], "dtype": "float32", "prior": type(prior).__name__, "truncation": prior.truncation}}
        if prior.conditional:
            inputs["labels"] = torch.arange(2) % prior.num_classes
            described["labels"] = {"shape": ["N"], "dtype": "int64", "classes": prior.num_classes}
        module = Exported(family.sampling_network, family.expected_samples)
        name, output, ema = "sampler", "images", family.network_ema is not None
    elif isinstance(family, Translates):
        if direction not in family.directions:
            raise ConfigError(f"direction={direction} is not one {type(family).__name__} learns: choose one of {', '.join(family.directions)}")
        size, channels = data.get("image_size"), data.get("channels")
        if size is None or channels is None:
            raise ConfigError(f"the checkpoint does not say its data's image_size and channels, which {type(family).__name__}'s inputs take")
        inputs = {"images": torch.zeros(2, channels, size, size)}
        described = {"images": {"shape": ["N", channels, size, size], "dtype": "float32", "range": [-1, 1]}}
        module = Exported(family.translator(direction))
        name, output, ema = f"translator_{direction}", "translated", False
    else:
        raise ConfigError(
            f"{type(family).__name__} samples in a loop of its own rather than as network(z): only families that "
            "sample through a prior (GANs, the VAE) or translate images (pix2pix, CycleGAN) export"
        )
    with torch.no_grad():
        outputs = module(*inputs.values())
    signature = {
        "family": type(family).__name__, "inputs": described, "ema_weights": ema,
        "outputs": {output: {"shape": ["N", *outputs.shape[1:]], "dtype": "float32", "range": [-1, 1]}},
    }  # fmt: skip
    return name, module, inputs, signature


def needs(package: str) -> None:
    """ONNX and safetensors exports need their packages (the `export` extra); torch writes TorchScript."""
    if importlib.util.find_spec(package) is None:
        raise ConfigError(f"format={package} needs the {package} package: pip install 'gan-lightning[export]'")


def write(module: Exported, inputs: dict[str, Tensor], output: str, path: Path, file_format: str) -> None:
    examples = tuple(inputs.values())
    if file_format == "torchscript":
        torch.jit.save(torch.jit.trace(module, examples), str(path))
    elif file_format == "onnx":
        needs("onnx")
        dynamic = {name: {0: "N"} for name in [*inputs, output]}
        # The TorchScript-based exporter: N stays a free axis, and it needs only the onnx package.
        torch.onnx.export(module, examples, str(path), input_names=list(inputs), output_names=[output], dynamic_axes=dynamic, dynamo=False)
    else:
        needs("safetensors")
        from safetensors.torch import save_file

        save_file({key: value.contiguous() for key, value in module.network.state_dict().items()}, str(path))


def export(cfg: DictConfig) -> Path:
    if cfg.format not in SUFFIXES:
        raise ConfigError(f"format={cfg.format} is unknown: choose one of {', '.join(SUFFIXES)}")
    data = read_checkpoint(cfg.ckpt_path).get("config", {}).get("data", {})
    family = load_family(cfg.ckpt_path)
    name, module, inputs, signature = exportable(family, cfg.direction, data)
    output_dir = Path(cfg.output_dir)
    check_writable(output_dir, "output_dir")
    path = output_dir / f"{name}{SUFFIXES[cfg.format]}"
    if path.exists():
        raise ConfigError(f"{path} exists: choose another output_dir=... (an earlier export is not written over)")
    output_dir.mkdir(parents=True, exist_ok=True)
    write(module, inputs, next(iter(signature["outputs"])), path, cfg.format)
    signature |= {"format": cfg.format, "file": path.name, "ckpt_path": str(cfg.ckpt_path)}
    path.with_suffix(".json").write_text(json.dumps(signature, indent=2))
    log.info("Exported %s's %s as %s to %s", signature["family"], name, cfg.format, path)
    print(path)
    return path


main = command(export, "export")


if __name__ == "__main__":
    main()
