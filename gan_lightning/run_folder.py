"""One training process a run folder at a time.

A cluster that requeues a job whose first copy still runs, or a user who resumes a run twice into its
own folder, would have two processes write one `metrics.csv` and one `last.ckpt`. The process
training into a folder holds an exclusive `flock` on `<folder>/.run.lock` (which holds its pid, host
and start time, for the message a second process gets). The kernel drops the lock when the process
ends, however it ends, so a killed run leaves nothing stuck: the next process takes the folder over.
Only the first process of a distributed run takes it (its other ranks write into the folder under it).
flock is POSIX: elsewhere (Windows) folders are not held. On network filesystems whose flock is local
to each machine, two machines are not kept apart.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gan_lightning.errors import ConfigError

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None

LOCK_FILE = ".run.lock"
_held: dict[Path, int] = {}  # folder -> the open lock file of this process


def first_process() -> bool:
    """Whether this is rank 0 of its run (launchers set these for the other ranks; a plain run sets none)."""
    return all(os.environ.get(name, "0") == "0" for name in ("LOCAL_RANK", "RANK", "SLURM_PROCID"))


def hold(folder: Path) -> bool:
    """Hold `folder` for this process (created if need be); True if this call took it, False if this
    process already held it or does not hold folders. A folder another live process holds: ConfigError
    naming that process."""
    folder = folder.resolve()
    if fcntl is None or folder in _held or not first_process():
        return False
    try:
        folder.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return False  # a folder it cannot write: the run's first write says so, in its own words
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:  # EWOULDBLOCK: another process holds it
        holder = os.pread(descriptor, 512, 0).decode(errors="replace").strip() or "another process"
        os.close(descriptor)
        raise ConfigError(
            f"{folder} is being trained into by {holder}: wait for that run to end or stop it, or train into another folder (hydra.run.dir=...)"
        ) from None
    except OSError:  # a filesystem without locks (ENOLCK, some network mounts): train unheld
        os.close(descriptor)
        return False
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, f"process {os.getpid()} on {socket.gethostname()} (since {time.strftime('%Y-%m-%d %H:%M:%S')})\n".encode(), 0)
    _held[folder] = descriptor
    return True


def release(folder: Path) -> None:
    """Let `folder` go (the lock file stays; a lock file no process holds is free)."""
    descriptor = _held.pop(folder.resolve(), None)
    if descriptor is not None:
        os.close(descriptor)  # closing the last descriptor drops the flock


@contextmanager
def holding(folder: Path) -> Iterator[None]:
    """Hold `folder` while the block runs, unless this process already held it (then it keeps holding it)."""
    took = hold(folder)
    try:
        yield
    finally:
        if took:
            release(folder)
