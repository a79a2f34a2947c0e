"""One drift job: a window of the inference log against the training reference, with an Evidently report."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from monitoring.drift_detector import detect_drift
from monitoring.drift_features import document_features
from monitoring.evidently_dashboard import feature_frame, record_drift_report
from settings.params import MonitoringParams


def run_drift_check(reference: list[dict], current: list[dict], vocabulary: list[str], context_tokens: int,
                    mp: MonitoringParams, workspace_dir: Path | None = None, html_path: Path | None = None) -> dict:
    if len(reference) < 5 or len(current) < 5:
        raise ValueError(f"too few documents for a drift check (reference {len(reference)}, current {len(current)})")
    vocab = set(vocabulary)
    ref_f = document_features(reference, vocab, context_tokens, mp.hash_buckets)
    cur_f = document_features(current, vocab, context_tokens, mp.hash_buckets)
    result = detect_drift(ref_f, cur_f, reference, current, mp.alpha, mp.permutations).to_dict()
    result["at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    if workspace_dir is not None:
        result["evidently"] = record_drift_report(workspace_dir, feature_frame(ref_f, reference),
                                                  feature_frame(cur_f, current), html_path)
    return result
