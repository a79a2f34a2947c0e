"""The canary watch's judgement: what the canary log (written by the serving app while a champion is in its
canary) and the feedback labels say about the new champion against the previous one, and the verdict on it.

Each side is judged on its own requests since the rollout started: the canary's failed-request rate (the
serving app answered those clients from the previous champion instead), its model time per document against
the previous champion's, and, once feedback labels arrived for enough of both sides' documents, its accuracy
against the previous champion's. Acting on the verdict (a rollback through the ledger, or the rollout's
completion) is the registry's (``registry/canary_rollout.py``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from longloop.corpus.atomic_files import read_jsonl_complete
from longloop.monitoring.feedback_labels import labels_by_id
from longloop.monitoring.label_quality import MIN_LABELLED, wilson_interval
from longloop.settings.params import CanaryParams

MIN_REQUESTS = 20  # answered requests on each side before their model times are compared


@dataclass(frozen=True)
class ArmEvidence:
    version: str
    requests: int
    failed: int
    documents: int  # answered documents
    ms_per_document: float | None  # mean model milliseconds per answered document
    labelled: int  # answered documents whose feedback label arrived
    correct: int

    @property
    def error_rate(self) -> float | None:
        return self.failed / self.requests if self.requests else None

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.labelled if self.labelled else None


@dataclass(frozen=True)
class CanaryEvidence:
    canary: ArmEvidence
    stable: ArmEvidence

    @property
    def latency_ratio(self) -> float | None:
        if not self.stable.ms_per_document or self.canary.ms_per_document is None:
            return None
        return self.canary.ms_per_document / self.stable.ms_per_document

    def to_dict(self) -> dict:
        return {"canary": asdict(self.canary), "stable": asdict(self.stable), "latency_ratio": self.latency_ratio}


@dataclass(frozen=True)
class CanaryVerdict:
    action: str  # continue | complete | rollback
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


def _since(row: dict, since: datetime) -> bool:
    at = row.get("at")
    return isinstance(at, str) and datetime.fromisoformat(at) >= since


def answered_documents(calls: list[dict]) -> tuple[int, float | None]:
    """Documents the answered canary-log rows of ``calls`` hold, and their mean model milliseconds per document
    (None with no answered document)."""
    answered = [c for c in calls if c.get("ok") and c.get("model_ms_per_document") is not None]
    documents = sum(int(c["documents"]) for c in answered)
    ms = sum(float(c["model_ms_per_document"]) * int(c["documents"]) for c in answered)
    return documents, (ms / documents if documents else None)


def _arm(arm: str, version: str, calls: list[dict], served: list[dict], labels: dict[str, str]) -> ArmEvidence:
    mine = [c for c in calls if c.get("arm") == arm and c.get("version") == version]
    documents, ms_per_document = answered_documents(mine)
    graded = [
        (r["prediction"], labels[r["id"]])
        for r in served
        if r.get("model_version") == version and r.get("id") in labels
    ]
    return ArmEvidence(
        version=version,
        requests=len(mine),
        failed=sum(not c.get("ok") for c in mine),
        documents=documents,
        ms_per_document=ms_per_document,
        labelled=len(graded),
        correct=sum(p == l for p, l in graded),
    )


def canary_evidence(
    canary_log: Path, inference_log: Path, feedback_rows: list[dict], version: str, stable: str, since: datetime
) -> CanaryEvidence:
    """Both sides of the rollout of ``version`` beside ``stable`` since it started. Accuracy counts the documents
    each version answered (a failed canary request answered by the previous champion counts for that one)."""
    calls = [c for c in read_jsonl_complete(canary_log) if _since(c, since)]
    served = [r for r in read_jsonl_complete(inference_log) if _since(r, since)]
    labels = labels_by_id(feedback_rows)
    return CanaryEvidence(
        canary=_arm("canary", version, calls, served, labels),
        stable=_arm("stable", stable, calls, served, labels),
    )


def judge_canary(evidence: CanaryEvidence, limits: CanaryParams) -> CanaryVerdict:
    """Roll back on the first limit breached; complete once the canary answered ``min_documents``."""
    c, s = evidence.canary, evidence.stable
    if c.requests:
        low, _ = wilson_interval(c.failed, c.requests)
        if low > limits.max_error_rate:
            return CanaryVerdict(
                "rollback",
                f"canary v{c.version} failed {c.failed} of {c.requests} requests (95% interval from {low:.3f}, over "
                f"registry.canary.max_error_rate {limits.max_error_rate})",
            )
    ratio = evidence.latency_ratio
    answered = (c.requests - c.failed, s.requests - s.failed)
    if limits.max_latency_ratio is not None and ratio is not None and min(answered) >= MIN_REQUESTS:
        if ratio > limits.max_latency_ratio:
            return CanaryVerdict(
                "rollback",
                f"canary v{c.version} took {c.ms_per_document:.1f} ms per document, {ratio:.2f}x v{s.version}'s "
                f"{s.ms_per_document:.1f} (over registry.canary.max_latency_ratio {limits.max_latency_ratio})",
            )
    if c.labelled >= MIN_LABELLED and s.labelled >= MIN_LABELLED:
        _, high = wilson_interval(c.correct, c.labelled)
        assert s.accuracy is not None and c.accuracy is not None
        if high < s.accuracy - limits.max_accuracy_drop:
            return CanaryVerdict(
                "rollback",
                f"canary v{c.version} accuracy {c.accuracy:.3f} on {c.labelled} labels (95% interval up to "
                f"{high:.3f}) is more than {limits.max_accuracy_drop} below v{s.version}'s {s.accuracy:.3f} "
                f"on {s.labelled}",
            )
    if c.documents >= limits.min_documents:
        return CanaryVerdict(
            "complete",
            f"canary v{c.version} answered {c.documents} documents within limits "
            f"({c.failed} of {c.requests} requests failed"
            + (f", {ratio:.2f}x v{s.version}'s model time" if ratio is not None else "")
            + (f", accuracy {c.accuracy:.3f} on {c.labelled} labels" if c.accuracy is not None else "")
            + ")",
        )
    return CanaryVerdict("continue", f"canary v{c.version} answered {c.documents} of {limits.min_documents} documents")
