"""Errors caused by what the user asked for, reported as one message rather than a traceback.

Raise one of these wherever a config value, a data folder or a checkpoint is wrong, with a message
that names the problem and the fix. The command-line entry points print the message and exit 1.
"""

from __future__ import annotations

import errno


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


def out_of_space(error: BaseException) -> OSError | None:
    """The 'no space left on device' or 'disk quota exceeded' OSError behind `error`, following its
    chain of causes (torch.save reports a full disk as a RuntimeError raised while handling it)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def find_user_error(error: BaseException) -> UserError | None:
    """The UserError behind `error`, following the chain of causes that Hydra and Lightning add. One
    raised in a DataLoader worker comes back with the worker's traceback in its message: the message
    is the original's last line."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, UserError):
            message = str(current)
            if "Original Traceback" in message:
                last = message.strip().splitlines()[-1]
                return type(current)(last.split(": ", 1)[1] if ": " in last else last)
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
