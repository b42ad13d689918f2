"""Read an offline W&B run's transaction log (run-<id>.wandb), which `wandb sync` uploads.

The file is a LevelDB-style log: a 7-byte header, then 32 KiB blocks of chunks, each with a 7-byte
header (CRC32, little-endian length, type: 1 full, 2 first, 3 middle, 4 last), each record a
`wandb_internal_pb2.Record` protobuf. wandb itself no longer ships a Python reader.
"""

from __future__ import annotations

import json
import struct
import time
from collections.abc import Iterator
from pathlib import Path

from wandb.proto import wandb_internal_pb2

HEADER, BLOCK, CHUNK_HEADER = 7, 32768, 7


def records(path: Path) -> Iterator[wandb_internal_pb2.Record]:
    data = Path(path).read_bytes()
    assert data[:4] == b":W&B", f"{path} is not a W&B transaction log"
    position, pieces = HEADER, b""
    while position + CHUNK_HEADER <= len(data):
        left_in_block = BLOCK - position % BLOCK
        if left_in_block < CHUNK_HEADER:  # the block's zero padding
            position += left_in_block
            continue
        _checksum, length, kind = struct.unpack("<IHB", data[position : position + CHUNK_HEADER])
        position += CHUNK_HEADER
        chunk, position = data[position : position + length], position + length
        if kind == 0:  # padding
            continue
        pieces = chunk if kind in (1, 2) else pieces + chunk
        if kind in (1, 4):
            record = wandb_internal_pb2.Record()
            record.ParseFromString(pieces)
            yield record


def finished_log(run_dir: Path, timeout: float = 60.0) -> Path:
    """The run's transaction log once its last record (`exit`) is written: the wandb-core service may
    still be writing after wandb.finish() returns."""
    deadline = time.monotonic() + timeout
    while True:
        logs = list(Path(run_dir).glob("run-*.wandb"))
        if len(logs) == 1 and any(r.WhichOneof("record_type") == "exit" for r in records(logs[0])):
            return logs[0]
        if time.monotonic() > deadline:
            raise TimeoutError(f"no finished W&B transaction log in {run_dir} after {timeout} s")
        time.sleep(0.5)


def summary(path: Path) -> dict:
    """The run as an offline directory holds it: tags, config, and each history key's logged values."""
    run = {"tags": [], "config": {}, "history": {}}
    for record in records(path):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            run["tags"] = list(record.run.tags)
            run["config"].update({item.key: json.loads(item.value_json) for item in record.run.config.update})
        elif kind == "config":
            run["config"].update({item.key: json.loads(item.value_json) for item in record.config.update})
        elif kind == "history":
            for item in record.history.item:
                key = item.key or "/".join(item.nested_key)
                run["history"].setdefault(key, []).append(json.loads(item.value_json))
    return run
