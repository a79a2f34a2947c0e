"""What the flows return: typed compositions of the tasks' results (see ``tasks/stage_results.py``).

``to_dict()`` gives the JSON that ``--json`` prints and the tests and users read; its keys are kept stable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from longloop.tasks.stage_results import (
    INTERNAL,
    OPTIONAL,
    CanaryCheck,
    CycleEvaluation,
    DatasetFile,
    DriftResult,
    FeedbackCollection,
    GovernanceOutcome,
    Promotion,
    Registration,
    RetrainingDecision,
    RetrainingOutcome,
    RetrainingRequest,
    Snapshot,
    StageResult,
    TrainedModel,
)


@dataclass(frozen=True)
class CycleRegistry(StageResult):
    """The version a cycle registered (or reused), with the aliases and champion after the promotion gate."""

    model_name: str
    version: str
    model_uri: str
    aliases: list[str]
    champion_version: str | None
    fingerprint: str
    reused: bool


@dataclass(frozen=True)
class CycleReuse(StageResult):
    """What a cycle took from earlier runs instead of making it again."""

    model_version: str | None  # a registered version trained from the same data, parameters and code
    dvc: bool  # the dataset snapshot was already in the cache and the remote


@dataclass(frozen=True)
class TrainingCycle(StageResult):
    """One cycle: version, gate, and (unless the gate blocked) train or reuse, evaluate, register, promote."""

    dataset: DatasetFile
    snapshot: Snapshot
    governance: GovernanceOutcome
    mlflow_run_id: str
    fingerprint: str | None = None
    reused_version: str | None = None
    training: TrainedModel | None = None
    evaluation: CycleEvaluation | None = None
    registration: Registration | None = None
    promotion: Promotion | None = None

    @property
    def blocked(self) -> bool:
        return not self.governance.passed

    @property
    def reuse(self) -> CycleReuse:
        return CycleReuse(self.reused_version, self.snapshot.reused)

    @property
    def promoted_version(self) -> str | None:
        """The version this cycle made champion, if it did."""
        return self.promotion.champion_version if self.promotion is not None and self.promotion.promoted else None

    def dataset_summary(self) -> dict[str, Any]:
        d = self.dataset
        return {
            "dvc_md5": self.snapshot.md5,
            "dvc_pushed": self.snapshot.pushed,
            "path": d.path,
            "source": d.source,
            "counts": d.counts,
            "quarantined": d.quarantined,
        }

    def registry(self) -> CycleRegistry:
        assert self.registration is not None and self.promotion is not None and self.fingerprint is not None
        r, p = self.registration, self.promotion
        return CycleRegistry(
            r.model_name,
            r.version,
            r.model_uri,
            p.aliases,
            p.champion_version,
            self.fingerprint,
            self.reused_version is not None,
        )

    def retraining_outcome(self) -> RetrainingOutcome:
        """What the retraining log and ``longloop status`` keep of this cycle when a retraining ran it."""
        dataset = {"dvc_md5": self.snapshot.md5, "counts": self.dataset.counts, "added": self.dataset.added}
        if self.blocked:
            return RetrainingOutcome(blocked=True, governance_verdict=self.governance.verdict, dataset=dataset)
        return RetrainingOutcome(
            blocked=False,
            governance_verdict=self.governance.verdict,
            dataset=dataset,
            registry=self.registry().to_dict(),
            promotion=self.promotion,
            evaluation=self.evaluation,
        )


@dataclass(frozen=True)
class DriftCheck(StageResult):
    """A drift check on one window of the inference log, and the retraining decision after it."""

    skipped: bool
    reason: str
    decision: RetrainingDecision
    drift: DriftResult | None = None
    route: str | None = None  # "inline" or "event"
    requested: RetrainingRequest | None = None


@dataclass(frozen=True)
class DriftAction(StageResult):
    """What came of a retraining decision: a retraining run here, an event for the deployment, or nothing."""

    triggered: bool
    reason: str
    outcome: RetrainingOutcome | None
    route: str | None
    recorded_at: str | None
    cycle: TrainingCycle | None = field(default=None, metadata=INTERNAL)

    @classmethod
    def not_watched(cls, reason: str) -> DriftAction:
        return cls(False, reason, None, None, None)


@dataclass(frozen=True)
class WindowReuse(StageResult):
    drift_snapshot: str | None  # the Evidently snapshot of the very same window, checked before
    retraining: CycleReuse | None


@dataclass(frozen=True)
class WatchedWindow(StageResult):
    """One window of production traffic, served and watched: drift, feedback, retraining."""

    deployment: dict[str, Any]  # url, pid, log, served_version, traffic
    reused: WindowReuse
    drift: dict[str, Any]  # the drift record's summary, or drift_detected None and why it was skipped
    retraining: DriftAction
    feedback: FeedbackCollection | None = field(default=None, metadata=OPTIONAL)
    canary: CanaryCheck | None = field(default=None, metadata=OPTIONAL)  # the watch after the window's traffic

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        retraining = out.pop("retraining")
        return {**out, "retraining": retraining}


@dataclass(frozen=True)
class PipelineReuse(StageResult):
    model_version: str | None
    dvc: bool
    drift_snapshot: str | None = None
    retraining: CycleReuse | None = None
    with_window: bool = field(default=False, metadata=INTERNAL)  # a trained cycle reports the window's reuse too

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if not self.with_window:
            out.pop("drift_snapshot")
            out.pop("retraining")
        return out


@dataclass(frozen=True)
class PipelineSummary(StageResult):
    """The main job's result. A blocked dataset reports the dataset, the gate and what was reused, no more."""

    dataset: dict[str, Any]
    governance: dict[str, Any]
    blocked: bool
    reused: PipelineReuse
    training: dict[str, Any] | None = field(default=None, metadata=OPTIONAL)
    evaluation: CycleEvaluation | None = field(default=None, metadata=OPTIONAL)
    registry: CycleRegistry | None = field(default=None, metadata=OPTIONAL)
    promotion: Promotion | None = field(default=None, metadata=OPTIONAL)
    served: bool | None = field(default=None, metadata=OPTIONAL)
    drift: dict[str, Any] | None = field(default=None, metadata=OPTIONAL)
    retraining: DriftAction | None = field(default=None, metadata=OPTIONAL)
    deployment: dict[str, Any] | None = field(default=None, metadata=OPTIONAL)
    feedback: FeedbackCollection | None = field(default=None, metadata=OPTIONAL)
    canary: CanaryCheck | None = field(default=None, metadata=OPTIONAL)

    @property
    def has_champion(self) -> bool:
        return self.registry is not None and self.registry.champion_version is not None


@dataclass(frozen=True)
class DriftMonitoringSummary(StageResult):
    """The scheduled drift job's result."""

    skipped: bool
    reason: str | None = field(default=None, metadata=OPTIONAL)  # why it was skipped
    drift: dict[str, Any] | None = field(default=None, metadata=OPTIONAL)  # drift_detected, score, n_current
    retraining: DriftAction | None = field(default=None, metadata=OPTIONAL)


@dataclass(frozen=True)
class RecordedRetraining(StageResult):
    """A retraining a schedule, the drift event or the command line started, as recorded in the retraining log."""

    triggered: bool
    reason: str
    outcome: RetrainingOutcome
    recorded_at: str
