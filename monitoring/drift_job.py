"""One drift job: a window of the inference log against the training reference, with an Evidently report.

A window identical to the last one checked (same documents scored by the same model version, same reference,
vocabulary and test settings) gets the last result back instead of a second check: re-running a finished
pipeline adds no Evidently snapshot and no report.

The out-of-vocabulary check needs a vocabulary that no measured document helped build. In the pipeline it is the
model's training vocabulary (``vocabulary.json``, from the train split) and the reference is the test split, which
the split by record id keeps apart from train after the governance gate's deduplication: both the reference and
production windows are measured as unseen text. Without one (``vocabulary=None``, e.g. ``longloop drift`` on two
files), it is built from half of the reference (``drift_features.reference_vocabulary``) and the OOV check
compares the other half with the window.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from longloop.corpus.atomic_files import write_json_atomic
from longloop.monitoring.drift_detector import detect_drift
from longloop.monitoring.drift_features import VOCABULARY_SHARE, document_features, reference_vocabulary
from longloop.monitoring.label_quality import window_quality
from longloop.settings.params import MonitoringParams

LAST_WINDOW = "longloop-last-window.json"  # in the Evidently workspace, beside (not inside) its project folders
# What a row contributes to the checks. Scores are left out of rows that name the model version that scored
# them: the same text through the same version gives the same scores, whatever the batch it was served in (the
# last digits may differ with the batch's padding, and a hash must not).
_SCORES = ("confidence", "embedding")
_ROW_FIELDS = ("text", "n_tokens", "prediction", "label", "model_version") + _SCORES


def _row_digest(row: dict) -> str:
    scored_by_version = "model_version" in row
    kept = {k: row[k] for k in _ROW_FIELDS if k in row and not (scored_by_version and k in _SCORES)}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def window_identity(
    reference: list[dict],
    current: list[dict],
    vocabulary: list[str],
    context_tokens: int,
    mp: MonitoringParams,
    vocabulary_from_reference: bool = False,
) -> str:
    """A hash of everything a check's result depends on; rows in any order (the tests compare distributions)."""
    payload = {
        "reference": sorted(map(_row_digest, reference)),
        "current": sorted(map(_row_digest, current)),
        "vocabulary": hashlib.sha256("\n".join(sorted(vocabulary)).encode()).hexdigest(),
        "vocabulary_from_reference": vocabulary_from_reference,
        "context_tokens": context_tokens,
        "alpha": mp.alpha,
        "permutations": mp.permutations,
        "hash_buckets": mp.hash_buckets,
        "quality_margin": mp.quality_margin,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _last_result(workspace_dir: Path, identity: str) -> dict | None:
    path = workspace_dir / LAST_WINDOW
    if not path.is_file():
        return None
    last = json.loads(path.read_text())
    evidently = last["result"].get("evidently") or {}
    snapshot = workspace_dir / str(evidently.get("project_id")) / "snapshots" / f"{evidently.get('snapshot_id')}.json"
    return last["result"] if last["identity"] == identity and snapshot.is_file() else None


def run_drift_check(
    reference: list[dict],
    current: list[dict],
    vocabulary: list[str] | None,
    context_tokens: int,
    mp: MonitoringParams,
    workspace_dir: Path | None = None,
    html_path: Path | None = None,
    release: dict[str, float] | None = None,
) -> dict:
    """The drift result; with ``workspace_dir``, recorded as an Evidently snapshot (``reused`` is True when the
    window is the last one recorded there, whose result and snapshot are returned unchanged).

    ``vocabulary``: the model's training vocabulary; None builds one from half of the reference, whose documents
    (and any window document identical to one of them) then have no OOV rate. ``release``: the shadow and canary
    figures of the window's time (``monitoring/release_figures.py``), recorded beside the verdict."""
    if len(reference) < 5 or len(current) < 5:
        raise ValueError(f"too few documents for a drift check (reference {len(reference)}, current {len(current)})")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    sources: set[str] = set()
    if vocabulary is None:
        vocabulary, sources = reference_vocabulary([r["text"] for r in reference])
    identity = window_identity(reference, current, vocabulary, context_tokens, mp, bool(sources))
    last = _last_result(workspace_dir, identity) if workspace_dir is not None else None
    if last is not None:
        return {**last, "at": now, "first_checked_at": last["at"], "reused": True, "window_identity": identity}
    vocab = set(vocabulary)
    ref_f = document_features(reference, vocab, context_tokens, mp.hash_buckets, sources)
    cur_f = document_features(current, vocab, context_tokens, mp.hash_buckets, sources)
    result = detect_drift(ref_f, cur_f, reference, current, mp.alpha, mp.permutations).to_dict()
    quality = window_quality(reference, current, mp.quality_margin)
    result.update(
        quality=quality.to_dict() if quality is not None else None,
        release=release or None,
        at=now,
        reused=False,
        window_identity=identity,
        vocabulary={
            "source": "reference" if sources else "training",
            "words": len(vocab),
            **({"share_of_reference": VOCABULARY_SHARE} if sources else {}),
        },
    )
    if workspace_dir is not None:
        # Imported here: Evidently takes seconds to import, and a check that records nothing does not need it.
        from longloop.monitoring.evidently_dashboard import feature_frame, record_drift_report

        result["evidently"] = record_drift_report(
            workspace_dir, feature_frame(ref_f, reference), feature_frame(cur_f, current), result, html_path
        )
        write_json_atomic(workspace_dir / LAST_WINDOW, {"identity": identity, "result": result})
    return result
