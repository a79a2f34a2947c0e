"""Shadow mode: the ``challenger`` answers a copy of every live request beside the champion, off the response
path, and what it said goes to a shadow log the promotion gate reads.

The copy is offered to a bounded queue after the champion's answer is ready; when the queue is full the copy
is dropped (and counted), so a slow challenger never delays or fails a champion's answer. One background
thread runs the challenger at a lower CPU priority (a nice value, where the OS allows one per thread), one
request at a time. Each shadow row pairs the two models' labels and confidences for a document with their
model-call milliseconds per document, so the gate can judge agreement and relative latency on live traffic
(``registry/shadow_evidence.py`` reads it).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from longloop.corpus.atomic_files import append_jsonl
from longloop.serving.champion_source import ChampionSource

log = logging.getLogger("longloop.serving")
SHADOW_NICE = 10  # a shadow model call gives the CPU to the champion's calls first


@dataclass(frozen=True)
class ShadowRequest:
    request_id: str
    ids: list[str | None]
    texts: list[str]
    champion_version: str
    champion_labels: list[str]
    champion_confidences: list[float]
    champion_ms_per_document: float


class ShadowRunner:
    def __init__(self, source: ChampionSource, shadow_log: Path, queue_requests: int, token_budget: int):
        """``source``: keeps the shadowed alias (``challenger``) loaded, as the champion's source does."""
        self.source, self.shadow_log, self.token_budget = source, shadow_log, token_budget
        self.queue: queue.Queue[ShadowRequest | None] = queue.Queue(maxsize=queue_requests)
        self.dropped = self.shadowed = self.skipped = 0
        self._thread: threading.Thread | None = None

    @property
    def version(self) -> str | None:
        loaded = self.source.current
        return loaded.version if loaded is not None else None

    def offer(self, request: ShadowRequest) -> bool:
        """Queue a copy of an answered request; False (and counted) when the queue is full."""
        try:
            self.queue.put_nowait(request)
        except queue.Full:
            self.dropped += 1
            return False
        return True

    def start(self) -> None:
        self.source.start()
        self._thread = threading.Thread(target=self._run, name="shadow-model", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the request being run; copies still queued are dropped."""
        self.source.stop()
        while True:
            try:
                self.queue.get_nowait()
            except queue.Empty:
                break
        self.queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), SHADOW_NICE)  # Linux: this thread only
        except (AttributeError, OSError):
            pass
        while (request := self.queue.get()) is not None:
            try:
                self._shadow(request)
            except Exception as exc:  # the shadow must never take the serving app down
                log.error("shadow call failed: %s", exc)

    def _shadow(self, request: ShadowRequest) -> None:
        loaded = self.source.current
        if loaded is None or loaded.version == request.champion_version:
            self.skipped += 1  # nothing to compare: no challenger, or the challenger is the champion
            return
        start = time.perf_counter()
        preds = loaded.model.predict_full(request.texts, token_budget=self.token_budget)
        ms = 1000 * (time.perf_counter() - start) / len(request.texts)
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        for i, doc_id in enumerate(request.ids):
            append_jsonl(
                self.shadow_log,
                {
                    "at": now,
                    "request_id": request.request_id,
                    "id": doc_id,
                    "champion_version": request.champion_version,
                    "challenger_version": loaded.version,
                    "champion_label": request.champion_labels[i],
                    "challenger_label": preds.labels[i],
                    "agree": preds.labels[i] == request.champion_labels[i],
                    "champion_confidence": request.champion_confidences[i],
                    "challenger_confidence": round(float(preds.probabilities[i].max()), 6),
                    "champion_ms_per_document": round(request.champion_ms_per_document, 3),
                    "challenger_ms_per_document": round(ms, 3),
                },
            )
        self.shadowed += len(request.texts)
