"""docker/Dockerfile and docker/compose.yaml describe an image that can be built from this repository.
(Building it needs a Docker daemon and the network; these tests read the files.)"""

from __future__ import annotations

import json
import re

import yaml

from conftest import REPO, compose_config

DOCKERFILE = REPO / "docker" / "Dockerfile"
COMPOSE = REPO / "docker" / "compose.yaml"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", "\n".join(line for line in DOCKERFILE.read_text().splitlines() if not line.lstrip().startswith("#")))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in text.splitlines() if line.strip()]


def test_dockerfile_installs_the_package_on_a_cuda_runtime_image():
    steps = instructions()
    args = dict(value.split("=", 1) for kind, value in steps if kind == "ARG" and "=" in value)
    base = next(value for kind, value in steps if kind == "FROM")
    base = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], base)
    assert re.fullmatch(r"nvidia/cuda:[\d.]+-(cudnn-)?runtime-ubuntu[\d.]+", base), base
    for kind, value in steps:  # everything copied in exists here
        if kind == "COPY":
            sources = value.split()[:-1]
            assert sources and all((REPO / source).exists() for source in sources), value
    runs = " ".join(value for kind, value in steps if kind == "RUN")
    assert "uv pip install --no-cache -r pyproject.toml" in runs and "uv pip install --no-cache --no-deps ." in runs
    assert json.loads(next(value for kind, value in steps if kind == "ENTRYPOINT")) == ["python", "-m", "gan_lightning"]
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".venv", "outputs", ".git"} <= set(ignored)


def test_compose_builds_that_image_and_passes_the_wandb_settings():
    service = yaml.safe_load(COMPOSE.read_text())["services"]["train"]
    build = service["build"]
    assert (COMPOSE.parent / build["context"]).resolve() == REPO
    assert (REPO / build["dockerfile"]).resolve() == DOCKERFILE
    passed = {entry.split("=", 1)[0] for entry in service["environment"]}
    assert {"WANDB_API_KEY", "WANDB_MODE", "WANDB_PROJECT"} <= passed
    # An empty WANDB_MODE makes wandb.init fail, so unset variables must stay unset, not become "".
    assert "WANDB_MODE" in service["environment"] and "WANDB_API_KEY" in service["environment"]
    devices = service["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]
    assert any(volume.endswith(":/runs") for volume in service["volumes"])


def test_wandb_project_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WANDB_PROJECT", "my-gans")
    assert compose_config(["logger=wandb"], tmp_path).logger.wandb.project == "my-gans"
    monkeypatch.delenv("WANDB_PROJECT")
    assert compose_config(["logger=wandb"], tmp_path).logger.wandb.project == "gan-lightning"


def test_readme_documents_the_image_and_the_compose_file():
    readme = (REPO / "README.md").read_text()
    assert "docker build -f docker/Dockerfile -t gan-lightning ." in readme
    assert "docker compose -f docker/compose.yaml run --rm train" in readme
    assert all(name in readme for name in ("WANDB_API_KEY", "WANDB_MODE", "WANDB_PROJECT"))
