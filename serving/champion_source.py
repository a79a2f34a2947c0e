"""Keeps the current ``champion`` loaded and swaps in a new one without a restart or a dropped request; also
follows the champion's rollout (its canary), which can end without the alias moving."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from longloop.registry.pyfunc_model import LongloopPyfunc
from longloop.registry.rollout_state import Rollout

log = logging.getLogger("longloop.serving")


def load_registered_version(
    model_name: str,
    version: str,
    quantize: str | None = None,
    max_int8_accuracy_drop: float | None = None,
    min_bf16_agreement: float | None = None,
) -> LongloopPyfunc:
    """A registered version as serving runs it: MLflow's own pyfunc loading, then the served precision chosen
    (``quantize``/``max_int8_accuracy_drop``/``min_bf16_agreement`` None keep the policy stored with the model)."""
    model = mlflow.pyfunc.load_model(f"models:/{model_name}/{version}").unwrap_python_model()
    model.use_precision(quantize, max_int8_accuracy_drop, min_bf16_agreement)
    return model


@dataclass(frozen=True)
class LoadedModel:
    version: str
    model: LongloopPyfunc


class ChampionSource:
    def __init__(
        self,
        tracking_uri: str,
        model_name: str,
        alias: str = "champion",
        refresh_seconds: float = 2.0,
        quantize: str | None = None,
        max_int8_accuracy_drop: float | None = None,
        min_bf16_agreement: float | None = None,
        wanted: Callable[[], bool] | None = None,
    ):
        """``quantize``/``max_int8_accuracy_drop``/``min_bf16_agreement`` (``serving.*``): None keeps the policy
        stored with the model. ``wanted``: when given and False, nothing is loaded (a loaded model is let go), so
        a model needed only now and then (the previous champion, during a canary) holds no memory otherwise."""
        self.tracking_uri, self.model_name, self.alias = tracking_uri, model_name, alias
        self.refresh_seconds = refresh_seconds
        self.precision_policy = (quantize, max_int8_accuracy_drop, min_bf16_agreement)
        self._current: LoadedModel | None = None
        self.wanted = wanted
        self.rollout: Rollout | None = None  # the rollout tags of the alias's version, read on every refresh
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    @property
    def current(self) -> LoadedModel | None:
        return self._current  # one reference read: a request keeps the model it started with

    def refresh(self) -> bool:
        """Load the alias's version if it changed; returns True when a new model was swapped in."""
        if self.wanted is not None and not self.wanted():
            self._current = None
            return False
        mlflow.set_tracking_uri(self.tracking_uri)
        try:
            found = MlflowClient().get_model_version_by_alias(self.model_name, self.alias)
        except MlflowException as exc:
            self.last_error = f"no {self.alias} for {self.model_name}: {exc.message.splitlines()[0]}"
            return False
        version = str(found.version)
        self.rollout = Rollout.from_tags(version, dict(found.tags))
        if self._current is not None and self._current.version == version:
            return False
        try:
            model = load_registered_version(self.model_name, version, *self.precision_policy)
            choice = model.precision_choice
        except Exception as exc:  # a broken version must not take the serving app down
            self.last_error = f"could not load version {version}: {exc}"
            log.error(self.last_error)
            return False
        self._current = LoadedModel(version=version, model=model)
        self.last_error = None
        log.info("serving %s version %s in %s (%s)", self.model_name, version, choice.precision, choice.reason)
        return True

    def start(self) -> None:
        self.refresh()
        self._thread = threading.Thread(target=self._watch, name="champion-watch", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.refresh_seconds):
            self.refresh()

    def stop(self) -> None:
        self._stop.set()
