"""What each task hands the next stage: typed, frozen results instead of dicts.

``to_dict()`` is the one serialisation (for ``--json``, the retraining log and Prefect's UI); its keys are the
JSON keys users rely on. Fields marked ``INTERNAL`` travel between stages but are not part of that JSON, and
fields marked ``OPTIONAL`` are left out of it while they are None.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from longloop.monitoring.canary_watch import CanaryEvidence, CanaryVerdict
from longloop.registry.rollout_state import Rollout

# Re-exported: the flows hand the dataset snapshot on, and may not import the versioning library themselves.
from longloop.versioning.dvc_snapshots import Snapshot as Snapshot

INTERNAL = {"json": False}
OPTIONAL = {"omit_none": True}


def jsonable(value: Any) -> Any:
    """Results, and dicts and lists holding them, as plain JSON values."""
    if isinstance(value, StageResult) or hasattr(value, "to_dict"):  # ours, and the libraries' own records
        return value.to_dict()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class StageResult:
    def to_dict(self) -> dict[str, Any]:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if not f.metadata.get("json", True) or (value is None and f.metadata.get("omit_none")):
                continue
            out[f.name] = jsonable(value)
        return out


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class DatasetFile(StageResult):
    """A split dataset file in the state folder, and where its records came from."""

    path: str
    source: str
    counts: dict[str, int]  # "total" and one entry per split
    quarantined: int = 0  # rows set aside by the reader (``data.on_bad_record: quarantine``)
    added: int = 0  # feedback records a merge added


@dataclass(frozen=True)
class FeedbackCollection(StageResult):
    """A user's feedback labels joined by id to the documents production served."""

    feedback_path: str | None  # None when no label matched a served document
    records: int
    quarantined: int
    unmatched: int


# ---------------------------------------------------------------- governance


@dataclass(frozen=True)
class GovernanceOutcome(StageResult):
    verdict: str  # "pass" or "block"
    reasons: list[str]
    checks: dict[str, dict[str, Any]]  # check name -> passed, violations
    removed: int
    records: int
    kept: int
    kept_path: str  # the records the gate let through, secrets and personal data masked
    kept_sha256: str
    report_dir: str
    card: dict[str, Any]

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    def summary(self) -> dict[str, Any]:
        """What a run's summary shows of the gate."""
        return {"verdict": self.verdict, "reasons": self.reasons, "checks": self.checks, "removed": self.removed}


# ---------------------------------------------------------------- training, evaluation, registry


@dataclass(frozen=True)
class TrackingRun(StageResult):
    run_id: str
    run_dir: str
    tracking_uri: str


@dataclass(frozen=True)
class TrainedVersionLookup(StageResult):
    """The training fingerprint of a cycle, and the registered version that already carries it, if any."""

    fingerprint: str
    version: str | None
    run_id: str | None
    model_uri: str | None


@dataclass(frozen=True)
class TrainedModel(StageResult):
    result: dict[str, Any]  # the trainer's result (losses, accuracy, tokens/s, steps, ...)
    parameters: int
    model_dir: str | None = field(default=None, metadata=INTERNAL)  # None for a reused version's summary
    # Under model.architecture: auto, the folders of the candidates not chosen, as the selection trained them.
    candidate_dirs: dict[str, str] = field(default_factory=dict, metadata=INTERNAL)

    def summary(self) -> dict[str, Any]:
        """A run summary's ``training``: the trainer's result and the parameter count."""
        return {**self.result, "parameters": self.parameters}


# The scalar metrics of an evaluation (logged to MLflow as ``test_<name>``).
SCALAR_METRIC_KEYS = (
    "accuracy",
    "macro_f1",
    "ece",
    "ece_uncalibrated",
    "nll",
    "temperature",
    "seconds_per_1000_documents",
    "cpu_seconds_per_1000_documents",
    "robustness_max_drop",
    "ood_auroc_max_softmax",
    "ood_auroc_energy",
)
# What stages pass on of a challenger's evaluation (the reuse path reads the same back from evaluation.json),
# and of the champion's on the same test set.
CHALLENGER_METRIC_KEYS = (
    *SCALAR_METRIC_KEYS,
    "by_length",
    "n_documents",
    "robustness",
    "comparisons",
    "int8",
    "bf16",
    "served_precision",
    "architecture",
)
CHAMPION_METRIC_KEYS = (*SCALAR_METRIC_KEYS, "by_length", "robustness")


@dataclass(frozen=True)
class ModelEvaluation(StageResult):
    """A model's metrics on the challenger's test set; ``version`` is set for a registered champion."""

    metrics: dict[str, Any]
    version: str | None = None

    @classmethod
    def of_challenger(cls, metrics: dict[str, Any]) -> ModelEvaluation:
        return cls({k: metrics[k] for k in CHALLENGER_METRIC_KEYS if k in metrics})

    @classmethod
    def of_champion(cls, version: str, metrics: dict[str, Any]) -> ModelEvaluation:
        return cls({k: metrics[k] for k in CHAMPION_METRIC_KEYS}, version)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> ModelEvaluation | None:
        """The inverse of ``to_dict`` (the ledger keeps evaluations as JSON)."""
        if d is None:
            return None
        return cls({k: v for k, v in d.items() if k != "version"}, d.get("version"))

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, **self.metrics} if self.version is not None else dict(self.metrics)


@dataclass(frozen=True)
class ArchitectureReportSummary(StageResult):
    """An evaluation's architecture report (evaluation/architecture_comparison.py): each candidate's figures
    on the challenger's test split, the cost / macro-F1 Pareto front, and what the stated policy recommends."""

    recommended: str
    reason: str
    policy: str
    pareto: list[str]
    candidates: list[dict[str, Any]]
    table: str = field(default="", metadata=INTERNAL)  # what the command line prints


@dataclass(frozen=True)
class CycleEvaluation(StageResult):
    challenger: ModelEvaluation
    champion: ModelEvaluation | None  # None when there is no champion yet
    # evaluation.architecture_report: the challenger beside the candidates (None when off, or reused)
    architectures: ArchitectureReportSummary | None = field(default=None, metadata=OPTIONAL)


@dataclass(frozen=True)
class Registration(StageResult):
    model_name: str
    version: str
    model_uri: str
    aliases: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Promotion(StageResult):
    promoted: bool
    reason: str
    infra_check: str | None
    champion_version: str | None
    previous_champion: str | None
    aliases: list[str]  # the challenger version's aliases after the gate
    awaiting_approval: bool = False  # passed the gate, waits for a person (registry.promotion.require_approval)
    awaiting_shadow: bool = False  # passed the metrics, waits for live documents answered in shadow


@dataclass(frozen=True)
class ReusedVersion(StageResult):
    """A registered version trained from the same data, parameters and code, as its run logged it. ``promotion``
    is None while it still has to go through the gate (the cycle that trained it stopped before)."""

    training: TrainedModel
    evaluation: CycleEvaluation
    registration: Registration
    promotion: Promotion | None
    run: TrackingRun


# ---------------------------------------------------------------- serving and monitoring


@dataclass(frozen=True)
class ProductionTraffic(StageResult):
    """Documents sent through the served model, and where they start in the inference log."""

    documents: int
    requests: int
    ok: int
    failed: int
    model_versions: list[str]
    feedback_path: str | None  # the demo's own labels for its synthetic traffic; None for a user's file
    log_offset: int
    shifts: list[str]
    source: str | None = field(default=None, metadata=OPTIONAL)

    def summary(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("documents", "requests", "ok", "failed", "shifts")}


@dataclass(frozen=True)
class DriftWindow(StageResult):
    since_line: int
    end_line: int
    new_documents: int
    ready: bool
    reason: str


# The keys of a drift record that a watched window reports.
DRIFT_SUMMARY_KEYS = (
    "drift_detected",
    "score",
    "alpha",
    "n_reference",
    "n_current",
    "checks",
    "evidently",
    "reused",
    "quality",
)


@dataclass(frozen=True)
class DriftResult(StageResult):
    """One drift check; ``record`` is the whole record the drift history keeps (signals, vocabulary, identity)."""

    drift_detected: bool
    score: float
    n_current: int
    reused: bool
    at: str | None
    evidently: dict[str, Any] | None
    record: dict[str, Any] = field(metadata=INTERNAL)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> DriftResult:
        return cls(
            drift_detected=bool(record["drift_detected"]),
            score=float(record["score"]),
            n_current=int(record["n_current"]),
            reused=bool(record.get("reused")),
            at=record.get("at"),
            evidently=record.get("evidently"),
            record=record,
        )

    @property
    def drifting_signals(self) -> list[str]:
        return [n for n, c in self.record["checks"].items() if c["drift"]]

    @property
    def quality(self) -> dict[str, Any] | None:
        """The champion's accuracy on the window's feedback labels (``monitoring.label_quality``), if enough came."""
        return self.record.get("quality")

    @property
    def quality_degraded(self) -> bool:
        return bool(self.quality and self.quality["degraded"])

    def summary(self, keys: tuple[str, ...] = DRIFT_SUMMARY_KEYS) -> dict[str, Any]:
        return {k: self.record.get(k) for k in keys}

    def to_dict(self) -> dict[str, Any]:
        return dict(self.record)


@dataclass(frozen=True)
class RetrainingDecision(StageResult):
    retrain: bool
    reason: str


@dataclass(frozen=True)
class RetrainingRequest(StageResult):
    """The event that asks the drift-triggered retraining deployment to retrain."""

    event: str
    event_id: str | None


@dataclass(frozen=True)
class RetrainingLogEntry(StageResult):
    at: str
    started: bool
    reason: str
    outcome: dict[str, Any] | None


@dataclass(frozen=True)
class RetrainingOutcome(StageResult):
    """What the retraining log and ``longloop status`` keep of a retraining: the cycle's verdicts when it ran
    here, or the event that asked the drift-triggered deployment to run it."""

    blocked: bool | None = field(default=None, metadata=OPTIONAL)
    governance_verdict: str | None = field(default=None, metadata=OPTIONAL)
    dataset: dict[str, Any] | None = field(default=None, metadata=OPTIONAL)  # dvc_md5, counts, added
    registry: dict[str, Any] | None = field(default=None, metadata=OPTIONAL)
    promotion: Promotion | None = field(default=None, metadata=OPTIONAL)
    evaluation: CycleEvaluation | None = field(default=None, metadata=OPTIONAL)
    requested: RetrainingRequest | None = field(default=None, metadata=OPTIONAL)
    served_new_champion: bool | None = field(default=None, metadata=OPTIONAL)  # the deployment answers with it


# ---------------------------------------------------------------- release


@dataclass(frozen=True)
class CanaryCheck(StageResult):
    """One look of the canary watch at the champion's rollout."""

    rollout: Rollout | None  # the champion's rollout when the check began (None: none was ever started)
    evidence: CanaryEvidence | None = None  # None: no canary in progress
    verdict: CanaryVerdict | None = None
    ledger: dict[str, Any] | None = None  # the ledger entry of a rollback or a completion
