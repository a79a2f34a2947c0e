"""The inference log the drift jobs read: one JSON line per prediction, with secrets and personal data masked.

Masking keeps every character offset (``[EMAIL]****`` over an address of the same length), so the text's
length and line structure, which the drift features measure, are those of the request.
"""

from __future__ import annotations

from pathlib import Path

from longloop.corpus.atomic_files import append_jsonl, read_jsonl_complete
from longloop.governance.redaction import mask_text


def log_prediction(path: Path, entry: dict) -> None:
    masked = {"text": mask_text(entry["text"])}
    if isinstance(entry.get("id"), str):
        masked["id"] = mask_text(entry["id"])  # the client's document id is free text too
    append_jsonl(path, {**entry, **masked})


def read_inference_log(path: Path, since_line: int = 0) -> list[dict]:
    return read_jsonl_complete(path)[since_line:]
