"""Read JSONL, CSV and Parquet datasets into validated records, with errors naming file, line and field."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from corpus.records import DataError, Record, record_from_mapping


@dataclass
class ReadResult:
    records: list[Record]
    quarantined: list[dict] = field(default_factory=list)  # {"where", "reason", "row"}


def resolve_inside(path: str | Path, allowed_roots: list[Path]) -> Path:
    """Resolve a user-given path (symlinks included) and refuse it when it leaves the allowed roots."""
    resolved = Path(path).expanduser().resolve()
    roots = [Path(r).resolve() for r in allowed_roots]
    if not any(resolved == r or r in resolved.parents for r in roots):
        raise DataError(f"{path}: path is outside the allowed folders ({', '.join(str(r) for r in roots)})")
    return resolved


def _rows_jsonl(path: Path, raw: str):
    for lineno, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield f"{path}:{lineno}", json.loads(line)
        except json.JSONDecodeError as exc:
            yield f"{path}:{lineno}", DataError(f"{path}:{lineno}: malformed JSON ({exc.msg})")


def _rows_csv(path: Path, raw: str):
    reader = csv.DictReader(io.StringIO(raw, newline=""))
    try:
        for row in reader:
            yield f"{path}:{reader.line_num}", {k: v for k, v in row.items() if k is not None}
    except csv.Error as exc:
        yield f"{path}:{reader.line_num}", DataError(f"{path}:{reader.line_num}: malformed CSV ({exc})")


def _rows_parquet(path: Path):
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises many types for a corrupt file
        raise DataError(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None
    for i, row in enumerate(table.to_pylist(), start=1):
        yield f"{path}:row {i}", row


def read_dataset(path: str | Path, allowed_roots: list[Path], max_text_chars: int = 400_000,
                 quarantine: bool = False) -> ReadResult:
    """Read and validate a dataset. With ``quarantine`` bad rows are set aside instead of failing."""
    path = resolve_inside(path, allowed_roots)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".csv", ".parquet"):
        raise DataError(f"{path}: unsupported format '{suffix or '(none)'}' (use .jsonl, .csv or .parquet)")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: file is empty")
    if suffix == ".parquet":
        rows = _rows_parquet(path)
    else:
        try:
            raw = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[: exc.start].count(b"\n") + 1
            raise DataError(f"{path}:{line}: invalid UTF-8 bytes") from None
        rows = _rows_jsonl(path, raw) if suffix == ".jsonl" else _rows_csv(path, raw)

    result = ReadResult(records=[])
    seen: dict[str, str] = {}
    for where, row in rows:
        try:
            if isinstance(row, DataError):
                raise row
            rec = record_from_mapping(row, where, max_text_chars)
            if rec.id in seen:
                raise DataError(f"{where}: field 'id' duplicates id {rec.id!r} first seen at {seen[rec.id]}")
            seen[rec.id] = where
            result.records.append(rec)
        except DataError as exc:
            if not quarantine:
                raise
            result.quarantined.append({"where": where, "reason": str(exc), "row": row if isinstance(row, dict) else None})
    if not result.records:
        raise DataError(f"{path}: no valid records")
    return result
