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
    def inference_log(self) -> Path:
        return self.state / "inference" / "requests.jsonl"

    @property
    def monitoring_dir(self) -> Path:
        return self.state / "monitoring"

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
