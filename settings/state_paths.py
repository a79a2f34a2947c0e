"""Where the embedded defaults keep their state: one folder inside the working tree."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from longloop.settings.params import LongloopParams


@dataclass(frozen=True)
class StatePaths:
    root: Path  # the project folder (where params.yaml lives)
    state: Path  # the state folder, .longloop/ by default

    @classmethod
    def from_params(cls, params: LongloopParams) -> StatePaths:
        root = Path(params.root)
        state = Path(params.project.state_dir)
        state = state if state.is_absolute() else root / state
        return cls(root=root, state=state)

    @property
    def prefect_home(self) -> Path:
        return self.state / "prefect"

    @property
    def mlflow_dir(self) -> Path:
        return self.state / "mlflow"

    @property
    def mlflow_tracking_uri(self) -> str:
        return f"sqlite:///{(self.mlflow_dir / 'mlflow.db').as_posix()}"

    @property
    def mlflow_artifacts(self) -> Path:
        return self.mlflow_dir / "artifacts"

    @property
    def data_dir(self) -> Path:
        return self.state / "data"

    @property
    def dvc_cache(self) -> Path:
        return self.state / "dvc-cache"

    @property
    def dvc_remote(self) -> Path:
        return self.state / "dvc-remote"

    @property
    def evidently_workspace(self) -> Path:
        return self.state / "evidently"

    @property
    def dataset(self) -> Path:
        """The current split dataset: what the last run loaded, plus the feedback merged since."""
        return self.data_dir / "dataset.jsonl"

    @property
    def quarantined_rows(self) -> Path:
        """Rows the reader set aside (``data.on_bad_record: quarantine``)."""
        return self.data_dir / "quarantine.jsonl"

    def feedback_file(self, key: str) -> Path:
        """Labelled production documents, merged into the dataset by every later retraining."""
        return self.data_dir / f"feedback-{key}.jsonl"

    def feedback_quarantine_file(self, key: str) -> Path:
        return self.data_dir / f"feedback-quarantine-{key}.jsonl"

    def feedback_files(self) -> list[Path]:
        """Every feedback file collected so far (not the quarantined labels), in a stable order."""
        return sorted(
            p for p in self.data_dir.glob("feedback-*.jsonl") if not p.name.startswith("feedback-quarantine-")
        )

    def governance_dir(self, key: str) -> Path:
        """The gate's kept records and report for one (data, settings, benchmarks, waivers) key."""
        return self.data_dir / "governance" / key

    @property
    def inference_log(self) -> Path:
        return self.state / "inference" / "requests.jsonl"

    @property
    def monitoring_dir(self) -> Path:
        return self.state / "monitoring"

    @property
    def drift_reference(self) -> Path:
        """The champion's test predictions: what the drift job compares production with."""
        return self.monitoring_dir / "reference.jsonl"

    @property
    def drift_vocabulary(self) -> Path:
        """The champion's training vocabulary, for the out-of-vocabulary signal."""
        return self.monitoring_dir / "vocabulary.json"

    @property
    def drift_model_spec(self) -> Path:
        """The champion's model spec (architecture, context, what it reads): the drift features follow it."""
        return self.monitoring_dir / "model_spec.json"

    @property
    def drift_history(self) -> Path:
        return self.monitoring_dir / "drift-history.jsonl"

    @property
    def drift_cursor(self) -> Path:
        """Where the last scheduled drift check stopped reading the inference log."""
        return self.monitoring_dir / "drift-cursor.json"

    def drift_report(self, stamp: str) -> Path:
        return self.monitoring_dir / "reports" / f"drift-{stamp}.html"

    @property
    def logs_dir(self) -> Path:
        return self.state / "logs"

    @property
    def dvc_training_dir(self) -> Path:
        """Work folder of the DVC pipeline's ``train`` stage."""
        return self.state / "dvc-training"

    @property
    def runs_dir(self) -> Path:
        return self.state / "runs"

    def training_dir(self, fingerprint: str) -> Path:
        """Checkpoints of the training with this fingerprint: a killed run's successor resumes from them."""
        return self.state / "training" / fingerprint

    @property
    def ledger(self) -> Path:
        return self.state / "registry" / "promotions.jsonl"

    @property
    def retraining_log(self) -> Path:
        return self.state / "monitoring" / "retraining.jsonl"

    def tracking_uri(self, params: LongloopParams) -> str:
        """A configured MLflow server wins; otherwise the embedded SQLite store in the state folder."""
        return params.services.mlflow_tracking_uri or self.mlflow_tracking_uri

    def ensure(self) -> StatePaths:
        for d in (
            self.prefect_home,
            self.mlflow_artifacts,
            self.data_dir,
            self.dvc_remote,
            self.evidently_workspace,
            self.inference_log.parent,
            self.monitoring_dir,
            self.runs_dir,
            self.ledger.parent,
        ):
            d.mkdir(parents=True, exist_ok=True)
        return self


@dataclass(frozen=True)
class TrackingTarget:
    """Where a run's MLflow calls go: the store, the experiment, and the artifact root of an embedded store."""

    uri: str
    experiment: str
    artifact_root: Path | None  # None for a server, which manages its own artifacts

    @classmethod
    def for_params(cls, params: LongloopParams) -> TrackingTarget:
        """The configured server, or the embedded SQLite store with artifacts in the state folder."""
        paths = StatePaths.from_params(params)
        artifacts = None if params.services.mlflow_tracking_uri else paths.mlflow_artifacts
        return cls(paths.tracking_uri(params), params.project.name, artifacts)
