"""Dataset files the pipeline passes between stages: split records as JSONL, written atomically."""

from __future__ import annotations

import json
from pathlib import Path

from longloop.corpus.atomic_files import write_jsonl_atomic
from longloop.corpus.records import Record


def write_records(path: Path, records: list[Record]) -> Path:
    return write_jsonl_atomic(path, (r.to_dict() for r in records))


def read_records(path: Path) -> list[Record]:
    """Read a file this pipeline wrote itself (already validated at the door)."""
    return [Record(**json.loads(line)) for line in Path(path).read_text(encoding="utf-8").splitlines() if line]
