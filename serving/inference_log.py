"""The inference log the drift jobs read: one JSON line per prediction, with PII redacted."""

from __future__ import annotations

from pathlib import Path

from corpus.atomic_files import append_jsonl, read_jsonl_complete
from governance.pii import redact


def log_prediction(path: Path, entry: dict) -> None:
    entry = {**entry, "text": redact(entry["text"])[0]}
    append_jsonl(path, entry)


def read_inference_log(path: Path, since_line: int = 0) -> list[dict]:
    return read_jsonl_complete(path)[since_line:]
