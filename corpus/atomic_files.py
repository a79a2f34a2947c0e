"""Write files so that a reader (or a crash) never sees half of one: temp name, fsync, rename."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def publish_file(tmp: str | Path, path: str | Path) -> Path:
    """Move a file a library wrote under a temporary name (safetensors, a tokenizer) into place, synced first,
    as ``write_bytes_atomic`` does with bytes it writes itself."""
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return Path(path)


def publish_folder(tmp: str | Path, folder: str | Path) -> Path:
    """Move a folder written under a temporary name (a model, a checkpoint) into place: every file synced
    first, then one rename, so that the folder is complete or absent, whenever a crash comes."""
    tmp, folder = Path(tmp), Path(folder)
    for p in tmp.rglob("*"):
        if p.is_file():
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())
    if folder.exists():
        shutil.rmtree(folder)
    tmp.rename(folder)
    parent = os.open(folder.parent, os.O_RDONLY)
    try:
        os.fsync(parent)  # the rename itself
    finally:
        os.close(parent)
    return folder


def write_text_atomic(path: str | Path, text: str) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | Path, obj: object) -> Path:
    return write_text_atomic(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def write_jsonl_atomic(path: str | Path, rows: Iterable[dict]) -> Path:
    return write_text_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def append_jsonl(path: str | Path, row: dict) -> None:
    """Append one record as a single write, under an exclusive lock. Readers skip an unterminated last line
    that a kill left; the next append cuts that fragment off first, so it never runs into the new record."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            os.ftruncate(fd, _end_of_last_complete_line(fd, size))
        os.write(fd, line)
    finally:
        os.close(fd)  # releases the lock


def _end_of_last_complete_line(fd: int, size: int, chunk: int = 1 << 16) -> int:
    end = size
    while end > 0:
        start = max(0, end - chunk)
        cut = os.pread(fd, end - start, start).rfind(b"\n")
        if cut >= 0:
            return start + cut + 1
        end = start
    return 0


def read_jsonl_complete(path: str | Path) -> list[dict]:
    """Read an append-only JSONL log, ignoring a trailing line that a crash cut short."""
    path = Path(path)
    if not path.exists():
        return []
    rows = []
    raw = path.read_bytes()
    for line in raw.split(b"\n")[:-1] if not raw.endswith(b"\n") else raw.split(b"\n"):
        if line.strip():
            rows.append(json.loads(line))
    return rows
