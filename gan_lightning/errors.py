"""Errors caused by what the user asked for, reported as one message rather than a traceback.

Raise one of these wherever a config value, a data folder or a checkpoint is wrong, with a message
that names the problem and the fix. The command-line entry points print the message and exit 1.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator


class UserError(Exception):
    """Bad input that the user can fix: the message says what is wrong and how to fix it."""


class ConfigError(UserError):
    """A config value that cannot work (an image size a network cannot produce, a bad option)."""


class DataError(UserError):
    """Missing, empty, corrupt or too small data."""


class CheckpointError(UserError):
    """A checkpoint that is missing, corrupt or from something else, or a folder it cannot be written to."""


class DivergenceError(UserError):
    """Training diverged (a loss or weight no longer finite, or exploding): the settings need changing."""


class DiskFullError(UserError):
    """The disk (or the quota) ran out while the run wrote a file."""


def causes(error: BaseException) -> Iterator[BaseException]:
    """`error`, then what it was raised from or while handling, and so on (Hydra and Lightning wrap
    errors in their own), each once."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        yield current
        seen.add(id(current))
        current = current.__cause__ or current.__context__


def out_of_space(error: BaseException) -> OSError | None:
    """The 'no space left on device' or 'disk quota exceeded' OSError behind `error` (torch.save
    reports a full disk as a RuntimeError raised while handling it)."""
    return next((e for e in causes(error) if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT)), None)


def find_user_error(error: BaseException) -> UserError | None:
    """The UserError behind `error`. One raised in a DataLoader worker comes back with the worker's
    traceback in its message: the message is the original's last line."""
    found = next((e for e in causes(error) if isinstance(e, UserError)), None)
    if found is None or "Original Traceback" not in str(found):
        return found
    last = str(found).strip().splitlines()[-1]
    return type(found)(last.split(": ", 1)[1] if ": " in last else last)
