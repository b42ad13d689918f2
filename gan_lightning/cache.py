"""Files kept between runs (the digits classifier, real-set statistics) and checkpoints: written to a
temporary file in the same folder and renamed over the old one, so a process killed while writing
leaves the old file or the new one, never half of one; read back with a check, so a damaged cache
file is rebuilt with a warning instead of breaking every later run."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from gan_lightning.errors import ConfigError, out_of_space

log = logging.getLogger(__name__)


def write_atomically(path: str | Path, write: Callable[[Any], None], durable: bool = True) -> None:
    """`write(file)` into a temporary file beside `path`, then renamed over it: `path` holds the old file
    or the new one, never half of one, and no temporary file is left behind (the error is re-raised).
    `durable`: also flushed to the disk (fsync) before and after the rename, so that a power cut keeps
    it; off for the many small files of one command, which a power cut would leave to be run again."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(partial, "wb") as file:
            write(file)
            file.flush()
            if durable:
                os.fsync(file.fileno())
        os.replace(partial, path)  # atomic on POSIX and Windows: the old file, or the new one
        if durable:
            directory = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)  # the rename itself survives a power cut
            finally:
                os.close(directory)
    except Exception as error:
        full = out_of_space(error)
        if full is not None and full.filename is None:
            full.filename = str(path)  # a failed write() names no file: name the one being written
        raise
    finally:
        partial.unlink(missing_ok=True)


def save_atomically(obj: Any, path: str | Path) -> None:
    """torch.save `obj` to `path` whole or not at all (the error on failure, the old file untouched)."""
    write_atomically(path, lambda file: torch.save(obj, file))


def save_image_atomically(images: torch.Tensor, path: str | Path, durable: bool = True, **options: Any) -> None:
    """torchvision's save_image (a PNG; `options` as its own), whole or not at all (see write_atomically)."""
    from torchvision.utils import save_image

    write_atomically(path, lambda file: save_image(images, file, format="png", **options), durable)


def remove_partial_files(folder: Path) -> None:
    """Temporary files that a killed save left behind."""
    for partial in folder.glob(".*.partial-*"):
        partial.unlink(missing_ok=True)


def load_or_build(path: Path | None, build: Callable[[], dict], check: Callable[[dict], None], what: str) -> dict:
    """The dict cached at `path` if it reads back and passes `check` (which raises on a bad entry), else
    `build()`, cached there for next time. A damaged file is replaced; a folder that cannot be written
    costs only the caching."""
    if path is not None and path.is_file():
        try:
            cached = torch.load(path, weights_only=True)
            check(cached)
            log.info("%s from the cache: %s", what, path)
            return cached
        except Exception as error:  # noqa: BLE001 (any damage means: build it again)
            log.warning("the cached %s in %s is damaged (%s: %s): computing it again", what, path, type(error).__name__, error)
            path.unlink(missing_ok=True)
    built = build()
    if path is not None:
        try:
            save_atomically(built, path)
        except OSError as error:
            log.warning("could not cache the %s in %s (%s): set metrics.cache_dir to a writable folder", what, path, error)
    return built


def pretrained_weights(path: str | None, url: str, option: str, extra_hint: str = "") -> str:
    """A pretrained network's weights file: `path` (the config's `option`), else the copy in torch hub's
    cache, else downloaded into that cache; offline without either, one ConfigError that names the
    file, the folder, where to get it and the option."""
    name = url.rsplit("/", 1)[-1]
    if path is not None:
        if not Path(path).is_file():
            raise ConfigError(f"{option}={path} does not exist: point it at {name}")
        return str(path)
    cached = Path(torch.hub.get_dir()) / "checkpoints" / name
    if cached.is_file():
        return str(cached)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        torch.hub.download_url_to_file(url, str(cached), progress=False)
    except Exception as error:
        cached.unlink(missing_ok=True)
        raise ConfigError(
            f"the weights {name} are not in {cached.parent} and could not be downloaded ({error.__class__.__name__}). "
            f"Download them on a machine with internet from {url} and put the file in {cached.parent}, or pass "
            f"{option}=/path/to/{name}.{extra_hint}"
        ) from error
    return str(cached)
