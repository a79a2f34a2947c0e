"""Two windows of documents from JSONL files, checked line by line and compared for drift: what ``longloop drift``
runs. No training vocabulary here: the drift job builds one from half of the reference and measures the OOV rate
on the other half (a vocabulary from the whole reference gives it OOV 0 and every window "drifts")."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from longloop.corpus.atomic_files import read_jsonl_complete
from longloop.corpus.readers import resolve_inside
from longloop.corpus.records import DataError, has_control_chars, is_valid_unicode
from longloop.settings.params import MonitoringParams

MIN_DOCUMENTS = 5  # the drift job's own minimum per window


@dataclass(frozen=True)
class FileDriftCheck:
    drift_detected: bool
    score: float
    checks: dict  # signal -> its test (p_value, threshold, drift, ...)

    def to_dict(self) -> dict:
        return {"drift_detected": self.drift_detected, "score": self.score, "checks": self.checks}


def read_drift_window(path: str, allowed_roots: Sequence[Path], max_text_chars: int) -> list[dict]:
    """The rows of a JSONL window (``text``; ``prediction`` optional), each checked: a bad file or line is a
    one-line ``DataError`` naming it. Rows without ``n_tokens`` get the text's word count."""
    p = resolve_inside(path, list(allowed_roots))
    if p.is_dir():
        raise DataError(f"{path}: is a folder, not a JSONL file")
    if not p.is_file():
        raise DataError(f"{path}: file not found")
    try:
        rows = read_jsonl_complete(p)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise DataError(f"{path}: not valid JSONL ({type(exc).__name__})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    for i, r in enumerate(rows, start=1):
        if not isinstance(r, dict) or not isinstance(r.get("text"), str) or not r["text"].strip():
            raise DataError(f"{path}:{i}: field 'text' is missing or empty")
        if not is_valid_unicode(r["text"]) or has_control_chars(r["text"]):
            raise DataError(f"{path}:{i}: field 'text' holds control characters or invalid Unicode")
        if "prediction" in r and not isinstance(r["prediction"], str):
            raise DataError(f"{path}:{i}: field 'prediction' must be a string")
        if len(r["text"]) > max_text_chars:
            raise DataError(f"{path}:{i}: field 'text' is over the limit of {max_text_chars} characters")
        r.setdefault("n_tokens", len(r["text"].split()))
    if len(rows) < MIN_DOCUMENTS:
        raise DataError(f"{path}: needs at least {MIN_DOCUMENTS} documents, has {len(rows)}")
    return rows


def check_drift_between_files(
    reference: str,
    current: str,
    allowed_roots: Sequence[Path],
    max_text_chars: int,
    context_tokens: int,
    mp: MonitoringParams,
    workspace_dir: Path | None = None,
) -> FileDriftCheck:
    """Compare the ``current`` window with the ``reference`` one; with ``workspace_dir``, also record an Evidently
    snapshot there. Predictions count only when every row of both windows carries one."""
    ref = read_drift_window(reference, allowed_roots, max_text_chars)
    cur = read_drift_window(current, allowed_roots, max_text_chars)
    # Imported once the input is known to be good: bad input fails fast, before the statistics load.
    from longloop.monitoring.drift_job import run_drift_check

    if not all("prediction" in r for r in ref + cur):
        for r in ref + cur:
            r.pop("prediction", None)
    result = run_drift_check(ref, cur, None, context_tokens, mp, workspace_dir)
    return FileDriftCheck(result["drift_detected"], result["score"], result["checks"])
