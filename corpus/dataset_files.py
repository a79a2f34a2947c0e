"""Dataset files the pipeline passes between stages: split records as JSONL, written atomically."""

from __future__ import annotations

import json
from pathlib import Path

from longloop.corpus.atomic_files import write_jsonl_atomic
from longloop.corpus.jsonl_lines import jsonl_lines
from longloop.corpus.records import Record


def write_records(path: Path, records: list[Record]) -> Path:
    return write_jsonl_atomic(path, (r.to_dict() for r in records))


def read_records(path: Path) -> list[Record]:
    """Read a file this pipeline wrote itself (already validated at the door). Lines are split on ``\\n`` only:
    the writer leaves U+2028, U+2029 and U+0085 raw in the text, where ``splitlines()`` would break a record."""
    return [Record(**json.loads(line)) for _, line in jsonl_lines(Path(path).read_text(encoding="utf-8"))]
