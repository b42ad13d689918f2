"""Every config file in conf/ composes and instantiates into the object it describes."""

from pathlib import Path

import pytest
import torch
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from lightning import Callback, Trainer
from lightning.pytorch.loggers import Logger
from lightning.pytorch.utilities.exceptions import MisconfigurationException
from omegaconf import OmegaConf

from gan_lightning.capabilities import Retargets, Samples, Translates
from gan_lightning.cli import config_dir
from gan_lightning.data import GANDataModule
from gan_lightning.errors import ConfigError
from gan_lightning.losses import AdversarialLoss
from gan_lightning.metrics import MetricSettings
from gan_lightning.models import Family

from conftest import compose_config, read_metrics, write_aligned_pairs, write_unpaired_domains, write_video_clips
from release_formats import RELEASES, build_release

CONF = Path(config_dir())
# Groups a run selects directly, and groups that model presets pick from (how each is selected).
RUN_GROUPS = ["data", "model", "loss", "trainer", "callbacks", "logger", "experiment", "debug", "metrics"]
PART_GROUPS = {
    "net": "model.{role}",
    "optimizer": "model.{role}",
    "penalty": "model.penalty",
    "augment": "model.augment",
    "prior": "model.prior",
    "likelihood": "model.likelihood",
}
INFRASTRUCTURE = {"hydra", "paths", "hparams_search", "base", "budget"}  # hparams_search: tests/test_sweeps.py; base: what presets share; budget: their lengths


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def test_every_config_group_is_covered_here():
    groups = {p.name for p in CONF.iterdir() if p.is_dir()}
    assert groups == set(RUN_GROUPS) | set(PART_GROUPS) | INFRASTRUCTURE
    assert {"data", "model", "loss", "trainer", "logger", "callbacks", "experiment", "debug"} <= groups


def build_model(cfg) -> Family:
    return instantiate(cfg.model, _recursive_=False, _convert_="all")


TOY_DATA = {"ring", "grid", "swissroll"}  # 2D points: they go with experiment=mode_coverage
FOLDER_FIXTURES = {"paired": write_aligned_pairs, "unpaired": write_unpaired_domains, "video": write_video_clips}  # image-to-image layouts


def sample_shape(data_cfg, key: str = "B") -> tuple[int, ...] | None:
    """What one sample (or one `key` image of a pair) of this data looks like: (C, H, W) for images,
    (C, T, H, W) for clips, (C, S, S, S) for voxel grids, (2,) for 2D mixtures; super-resolution's inputs (A) are `scale` times smaller than its patches (B),
    inpainting's carry their hole's mask as one more channel. None for one photograph, whose shape is
    its own (its longer side max_size)."""
    if data_cfg.get("kind") in TOY_DATA:
        return (2,)
    if "max_size" in data_cfg:
        return None
    side = data_cfg.get("image_size") or data_cfg.patch_size // (data_cfg.get("scale", 1) if key == "A" else 1)
    channels = data_cfg.get(f"channels_{key.lower()}", data_cfg.get("channels"))  # domains of their own channels (house numbers -> digits)
    if "frames" in data_cfg and "past_frames" not in data_cfg:  # clips to generate (C, T, H, W); a translation's clips serve frames
        return (channels, data_cfg.frames, side, side)
    if data_cfg._target_.endswith("VoxelShapesDataModule"):  # voxel grids (C, S, S, S)
        return (channels, side, side, side)
    return (channels + int(key == "A" and "mask" in data_cfg), side, side)


@pytest.mark.parametrize("group,option", [(g, o) for g in RUN_GROUPS for o in options(g)])
def test_run_config_composes_and_instantiates(group, option, tmp_path, image_dir, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")
    overrides = ["experiment=mode_coverage"] if group == "data" and option in TOY_DATA else []
    cfg = compose_config([*overrides, f"{group}={option}"], tmp_path)
    if OmegaConf.is_missing(cfg.data, "root"):
        if option in FOLDER_FIXTURES:
            cfg.data.root = str(FOLDER_FIXTURES[option](tmp_path / "pairs"))
        elif group == "data" and option in RELEASES:  # a tiny copy in the release's own format
            cfg.data.root = str(build_release(option, tmp_path / "data"))
        else:
            cfg.data.root = str(image_dir)
    if group in ("data", "experiment"):
        datamodule = instantiate(cfg.data)
        assert isinstance(datamodule, GANDataModule)
        datamodule.setup()
        item = datamodule.train_set[0]
        for key in ("A", "B") if "A" in item else ("image",):  # image-to-image data: a pair of images
            expected = sample_shape(cfg.data, key)
            assert item[key].shape == expected if expected else max(item[key].shape[1:]) == cfg.data.max_size
    if group in ("model", "loss", "experiment") or overrides:
        model = build_model(cfg)
        assert [isinstance(model, P) for P in (Samples, Translates, Retargets)].count(True) == 1  # a family samples, translates or retargets
        if isinstance(model, Translates):
            assert model.translate(torch.zeros(2, *sample_shape(cfg.data, "A"))).shape == (2, *sample_shape(cfg.data))
        elif isinstance(model, Retargets):
            assert model.retarget(torch.zeros(1, cfg.data.channels, 32, 48), 1.0, 2.0).shape == (1, cfg.data.channels, 32, 96)
        else:
            if sample_shape(cfg.data) is None:  # SinGAN learns its image's sizes in training
                with pytest.raises(ConfigError, match="not been trained yet"):
                    model.sample(2, seed=0)
            else:
                assert model.sample(2, seed=0).shape == (2, *sample_shape(cfg.data))
        if "loss" in cfg.model:  # the adversarial families
            assert isinstance(model.loss, AdversarialLoss)
            assert model.loss.discriminator(torch.zeros(3), torch.zeros(3)).ndim == 0
    if group in ("trainer", "debug", "experiment"):
        if cfg.trainer.accelerator == "gpu" and not torch.cuda.is_available():
            with pytest.raises((InstantiationException, MisconfigurationException), match="gpu"):
                instantiate(cfg.trainer)
        else:
            assert isinstance(instantiate(cfg.trainer), Trainer)
    if group in ("callbacks", "debug", "experiment"):
        assert all(isinstance(instantiate(node), Callback) for node in (cfg.callbacks or {}).values())
    if group == "metrics":
        settings = MetricSettings.from_config(OmegaConf.to_container(cfg.metrics, resolve=True))
        assert settings.num_samples >= 2 and not settings.cache_dir.startswith("$")
    if group == "logger":
        loggers = [instantiate(node) for node in (cfg.logger or {}).values()]
        assert all(isinstance(logger, Logger) for logger in loggers)
        assert len(loggers) == {"none": 0, "many": 3}.get(option, 1)


FAMILY_NETWORKS = {  # networks only their own families use
    "lapgan_": "lapgan", "biggan_": "sagan", "srgan_": "srgan", "singan_": "singan", "ingan_": "ingan", "vgan_": "vgan", "voxel_": "3dgan",
}  # fmt: skip


@pytest.mark.parametrize("role", ["generator", "discriminator"])
def test_every_network_config_builds_into_a_model(role, tmp_path):
    for option in options("net"):
        if not option.endswith(role):
            continue
        preset = next((model for prefix, model in FAMILY_NETWORKS.items() if option.startswith(prefix)), "dcgan")
        cfg = compose_config([f"model={preset}", f"net@model.{role}={option}"], tmp_path)
        model = build_model(cfg)
        assert type(getattr(model, role)).__name__.lower().endswith(role)
        if isinstance(model, Translates):  # judges high-resolution patches
            assert model.discriminator(torch.zeros(2, *sample_shape(cfg.data))).shape == (2,)
            continue
        if isinstance(model, Retargets):
            assert model.retarget(torch.zeros(1, 3, 32, 48), 0.5, 1.0).shape == (1, 3, 16, 48)
            continue
        if sample_shape(cfg.data) is None:  # a pyramid for one photograph: samples once trained (tests/test_single_image.py)
            assert len(getattr(model, role).stages) == cfg.model.generator.num_scales
            continue
        samples = model.sample(2)
        assert samples.shape == (2, *sample_shape(cfg.data))
        if preset in ("dcgan", "vgan", "3dgan"):
            assert model.discriminator(samples).shape == (2,)


def test_every_optimizer_config_builds_optimizers(tmp_path):
    for option in options("optimizer"):
        cfg = compose_config([f"optimizer@model.g_optimizer={option}", f"optimizer@model.d_optimizer={option}"], tmp_path)
        optimizers, schedulers = build_model(cfg).configure_optimizers()
        assert [type(o) for o in optimizers] == [instantiate(cfg.model.d_optimizer).func] * 2
        assert schedulers == []


def test_paper_defaults_of_the_dcgan_preset(tmp_path):
    cfg = compose_config(["model=dcgan"], tmp_path)
    assert cfg.model.g_optimizer.lr == cfg.model.d_optimizer.lr == 2e-4
    assert cfg.model.g_optimizer.betas[0] == 0.5
    assert cfg.model.n_critic == 1
    assert cfg.model.loss.generator._target_.endswith("non_saturating_generator_loss")


def test_evaluate_config_composes_with_the_shared_groups(tmp_path):
    cfg = compose_config(["data=digits", "ckpt_path=x.ckpt"], tmp_path, config_name="evaluate")
    assert cfg.ckpt_path == "x.ckpt" and cfg.real_floor is False
    assert MetricSettings.from_config(OmegaConf.to_container(cfg.metrics, resolve=True)).backbone == "auto"
    assert compose_config([], tmp_path, config_name="evaluate").get("data") is None  # the checkpoint's own data by default


def test_every_penalty_config_builds_a_penalty_on_d(tmp_path):
    for option in options("penalty"):
        model = build_model(compose_config([f"penalty={option}"], tmp_path))
        real = torch.randn(4, 1, 32, 32)
        value = model.penalty(model.discriminator, real, model.sample(4))
        assert value.ndim == 0 and value.item() >= 0


def test_every_augment_config_transforms_what_d_sees(tmp_path):
    for option in options("augment"):
        model = build_model(compose_config([f"augment={option}"], tmp_path))
        images = model.sample(4)
        seen = model.discriminator_input(images)
        assert seen.shape == images.shape and not torch.equal(seen, images)


def test_every_prior_config_draws_what_its_preset_generator_takes(tmp_path):
    presets = {
        "gaussian": ["model=dcgan"], "uniform": ["model=bigan", "prior=uniform", "model.encoder.output=tanh"],
        "class_conditional": ["model=cgan"], "infogan": ["model=infogan"], "attributes": ["model=chairs"],
        "captions": ["model=stackgan"],
    }  # fmt: skip
    assert set(presets) == set(options("prior"))
    for option, overrides in presets.items():
        model = build_model(compose_config(overrides, tmp_path))
        assert type(model.prior).__name__.lower().startswith(option.replace("_", "").removesuffix("s"))
        assert model.prior.sample(3).z.shape == (3, model.generator.latent_dim)


def test_the_loss_penalty_and_augment_groups_land_in_the_model(tmp_path):
    cfg = compose_config(["model=wgan_gp", "loss=hinge", "augment=diffaugment"], tmp_path)
    assert cfg.model.loss.discriminator._target_.endswith("hinge_discriminator_loss")
    assert cfg.model.penalty._target_.endswith("GradientPenalty") and cfg.model.augment._target_.endswith("DiffAugment")
    assert "loss" not in cfg and "penalty" not in cfg  # nothing left at the top level
    assert "penalty" not in compose_config(["model=dcgan"], tmp_path).model  # no penalty unless a preset or penalty= picks one
    assert "loss" not in compose_config(["model=vae"], tmp_path).model  # the likelihood families play no adversarial game


# The README's overrides for any preset: callbacks keyed by their role, whatever the family.
COMMON_OVERRIDES = ["~callbacks.evaluation", "~callbacks.sample_grid", "callbacks.checkpoints.every_n_iterations=500"]


@pytest.mark.parametrize("preset", sorted(path.stem for path in (CONF / "model").glob("*.yaml")))
def test_the_readmes_callback_overrides_work_on_every_preset(preset, tmp_path):
    callbacks = compose_config([f"model={preset}"], tmp_path).callbacks
    assert {"evaluation", "sample_grid", "checkpoints"} <= set(callbacks)  # each preset scores and draws under these names
    trimmed = compose_config([f"model={preset}", *COMMON_OVERRIDES], tmp_path).callbacks
    assert "evaluation" not in trimmed and "sample_grid" not in trimmed and trimmed.checkpoints.every_n_iterations == 500


@pytest.mark.parametrize("experiment", ["mode_coverage", "mode_coverage_vae", "stacked_digits"])
def test_skipping_evaluation_works_in_the_protocol_experiments(experiment, tmp_path):
    assert "evaluation" in compose_config([f"experiment={experiment}"], tmp_path).callbacks
    assert "evaluation" not in compose_config([f"experiment={experiment}", "~callbacks.evaluation"], tmp_path).callbacks


def test_a_translation_preset_trains_with_the_readmes_overrides(tmp_path):
    # model=cyclegan once refused ~callbacks.evaluation: its scores had another name
    from gan_lightning.train import train

    run = tmp_path / "run"
    train(compose_config(["model=cyclegan", "model.generator.num_blocks=1", "model.generator.base_width=4", "model.discriminator.base_width=4",
                          "data.image_size=32", "data.load_size=34", "trainer=cpu", "trainer.max_steps=2", "trainer.log_every_n_steps=1",
                          "+trainer.enable_progress_bar=false", "~callbacks.rich_progress_bar", *COMMON_OVERRIDES], run))  # fmt: skip
    assert (run / "checkpoints" / "last.ckpt").is_file() and not (run / "samples").exists()
    rows = read_metrics(run / "metrics.csv", prefix="")
    assert len(rows) == 2 and not any(key.startswith("val/") for row in rows for key in row)


def test_the_package_imports_in_one_direction():
    """No import circle between gan_lightning's modules, function-level imports included, and none
    between its packages (data/ below metrics/: the pixel views scores use live in data/pixels.py)."""
    import ast

    import gan_lightning

    root = Path(gan_lightning.__file__).parent
    modules = {".".join(path.relative_to(root.parent).with_suffix("").parts).removesuffix(".__init__"): path for path in root.rglob("*.py")}

    def known(name: str) -> str | None:  # the module a dotted name lives in
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {known(alias.name) for alias in node.names if alias.name.startswith("gan_lightning")}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
                if base.startswith("gan_lightning"):
                    imported |= {known(f"{base}.{alias.name}") for alias in node.names}
        graph[name] = {other for other in imported if other and other != name}

    def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
        """Strongly connected components of more than one node (Tarjan)."""
        index, low, stack, found, counter = {}, {}, [], [], [0]

        def visit(node: str) -> None:
            index[node] = low[node] = counter[0]
            counter[0] += 1
            stack.append(node)
            for other in edges.get(node, ()):
                if other not in index:
                    visit(other)
                    low[node] = min(low[node], low[other])
                elif other in stack:
                    low[node] = min(low[node], index[other])
            if low[node] == index[node]:
                component = []
                while component[-1:] != [node]:
                    component.append(stack.pop())
                if len(component) > 1:
                    found.append(sorted(component))

        for node in list(edges):
            if node not in index:
                visit(node)
        return found

    assert len(graph) > 80 and "gan_lightning.models.checkpointing" in graph["gan_lightning.trainer"]  # the walk sees the imports
    assert cycles(graph) == []
    top = {name: {".".join(other.split(".")[:2]) for other in others} - {".".join(name.split(".")[:2])} for name, others in graph.items()}
    packages: dict[str, set[str]] = {}
    for name, others in top.items():
        packages.setdefault(".".join(name.split(".")[:2]), set()).update(others)
    assert cycles(packages) == []
    assert "gan_lightning.metrics" not in packages["gan_lightning.data"]  # data/ never reaches up into metrics/
    # the layers of docs/architecture.md: no library package reaches up into a run or a command-line program
    programs = {f"gan_lightning.{name}" for name in ("__main__", "evaluate", "sample", "explore", "export", "translate", "train", "cli")}
    for library in ("models", "nets", "losses", "data", "metrics", "callbacks", "latent"):
        assert not packages[f"gan_lightning.{library}"] & (programs | {"gan_lightning.trainer"}), library


SWAPPABLE = ("loss", "penalty", "prior", "augment")  # the parts of an adversarial family, each a run-level group


def test_model_presets_set_model_keys_and_choose_other_groups_by_name():
    """A preset's own keys are its family's arguments; what it picks outside the model (data, callbacks,
    the run's length, a loss or prior) is an option of the group named for it, and a budget sets only
    the run's length and batch."""
    for path in sorted((CONF / "model").glob("*.yaml")):
        assert not path.read_text().startswith("# @package"), path.name  # its keys land under model.
        for entry in OmegaConf.load(path).get("defaults", []):
            text = next(iter(entry)) if isinstance(entry, dict) else entry
            if "_global_" in text:
                group = text.removeprefix("override ").lstrip("/").split("@")[0]
                assert group in ("data", "callbacks", "budget", *SWAPPABLE), (path.name, text)
    for path in (CONF / "budget").glob("*.yaml"):
        settings = OmegaConf.to_container(OmegaConf.load(path))
        assert {f"{group}.{key}" for group, keys in settings.items() for key in keys} <= {"trainer.max_steps", "data.batch_size"}, path.name
    for group in SWAPPABLE:  # one spelling: group=option on the command line, whatever the preset
        assert all((CONF / group / f"{option}.yaml").read_text().startswith(f"# @package model.{group}") for option in options(group)), group
        option = options(group)[0]
        chosen = compose_config([f"{group}={option}"], Path("unused")).model[group]
        assert chosen._target_ == OmegaConf.load(CONF / group / f"{option}.yaml")._target_, group
