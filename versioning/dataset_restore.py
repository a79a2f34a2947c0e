"""Bring a dataset snapshot back by its DVC md5: what ``longloop restore-data`` runs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from longloop.versioning.dvc_snapshots import ensure_repo, restore_snapshot

_MD5 = re.compile(r"[0-9a-f]{32}")


def is_md5(text: str) -> bool:
    """A DVC md5 as DVC writes it: 32 lower-case hex digits (nothing else may reach a file name or DVC)."""
    return _MD5.fullmatch(text) is not None


@dataclass(frozen=True)
class RestoredDataset:
    md5: str
    path: Path

    def to_dict(self) -> dict:
        return {"md5": self.md5, "path": str(self.path)}


def restore_dataset(root: Path, md5: str, dest: Path, cache_dir: Path, remote_url: str) -> RestoredDataset:
    """Restore the snapshot ``md5`` from the remote into ``dest`` (inside the DVC repo ``root``), making ``root`` a
    DVC repo with that cache and remote first when it is not one yet."""
    if not is_md5(md5):
        raise ValueError(f"{md5!r} is not an md5 hash")
    ensure_repo(root, cache_dir, remote_url)
    return RestoredDataset(md5, restore_snapshot(root, md5, dest))
