"""The serving app: ``/predict`` with dynamic batching, ``/health``, ``/ready``, Prometheus ``/metrics``.

A failed model call (an exception, or probabilities that are not finite numbers) answers 500 with one line;
during a canary, a request the canary failed is answered by the previous champion and counted against the
canary (``serving/canary.py``).
"""

from __future__ import annotations

import os
import time
import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from longloop.corpus.records import has_control_chars, is_valid_unicode
from longloop.serving.canary import CANARY, CHAMPION, STABLE, CanaryRouter
from longloop.serving.champion_source import ChampionSource
from longloop.serving.dynamic_batcher import DynamicBatcher
from longloop.serving.inference_log import log_prediction
from longloop.serving.rate_limiter import TokenBucketLimiter
from longloop.serving.request_guard import RequestGuard
from longloop.serving.shadow import ShadowRequest, ShadowRunner
from longloop.settings.params import ServingParams


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(None, max_length=200)
    text: str = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _one_line_id(cls, value: str | None) -> str | None:
        if value is not None and (not is_valid_unicode(value) or any(ord(c) < 32 or ord(c) == 127 for c in value)):
            raise ValueError("must be valid Unicode without control characters")
        return value

    @field_validator("text")
    @classmethod
    def _clean_text(cls, value: str) -> str:
        if not is_valid_unicode(value):
            raise ValueError("holds a lone surrogate, not valid Unicode")
        if has_control_chars(value):
            raise ValueError("contains control characters")
        if not value.strip():
            raise ValueError("is only whitespace")
        return value


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    documents: list[Document] = Field(min_length=1)


# Requests are grouped by length before they are tokenised: text runs at about 4-6 characters per token
# (5.7 on the demo corpus), so a group of `serving.token_budget` tokens' worth of characters is a model call or two.
CHARS_PER_TOKEN = 5


class ModelCallError(RuntimeError):
    """Registered ``version`` could not answer a group of documents."""

    def __init__(self, version: str, message: str):
        super().__init__(f"version {version} {message}")
        self.version = version


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": message})


def create_app(
    source: ChampionSource,
    sp: ServingParams,
    inference_log: Path,
    start_watcher: bool = True,
    auth_token: str | None = None,
    model_workers: int = 1,
    shadow: ShadowRunner | None = None,
    canary: CanaryRouter | None = None,
) -> FastAPI:
    """``auth_token``: when given, every route but /health and /ready needs ``Authorization: Bearer <token>``.
    The caller reads it (from the variable ``sp.auth_token_env`` names); the app never reads the environment.
    ``model_workers``: model calls at once (the caller sizes torch's threads for them: ``serving.cpu_workers``).
    ``shadow``: runs the challenger on a copy of every answered request (``serving.shadow``).
    ``canary``: splits the clients between a champion in its canary and the previous champion."""
    registry = CollectorRegistry()
    requests = Counter("longloop_requests_total", "Prediction requests", ["status"], registry=registry)
    documents = Counter("longloop_documents_total", "Documents predicted", registry=registry)
    latency = Histogram("longloop_request_seconds", "Prediction request latency", registry=registry)
    version_gauge = Gauge("longloop_model_version", "Registered version being served", registry=registry)
    rollout_requests = Counter(
        "longloop_rollout_requests_total",
        "Requests during a canary, by side and outcome",
        ["side", "outcome"],
        registry=registry,
    )
    if shadow is not None:
        Gauge(
            "longloop_shadow_documents", "Documents the challenger answered in shadow", registry=registry
        ).set_function(lambda: shadow.shadowed)
        Gauge(
            "longloop_shadow_dropped_requests", "Request copies dropped: shadow queue full", registry=registry
        ).set_function(lambda: shadow.dropped)

    def run_batch(texts: list[str], side: str):
        loaded = canary.model_for(side) if canary is not None else source.current
        if loaded is None:  # /predict answers 503 before a model is loaded, and a loaded one is only ever swapped
            raise RuntimeError("no model loaded yet")
        start = time.perf_counter()
        try:
            preds = loaded.model.predict_full(texts, token_budget=sp.token_budget)
        except Exception as exc:
            raise ModelCallError(loaded.version, f"failed: {exc}") from exc
        if not np.isfinite(preds.probabilities).all():
            bad = int((~np.isfinite(preds.probabilities)).any(axis=1).sum())
            raise ModelCallError(loaded.version, f"gave non-finite probabilities for {bad} of {len(texts)} documents")
        return loaded.version, loaded.model.labels, preds, (time.perf_counter() - start) / len(texts)

    batcher = DynamicBatcher(
        run_batch,
        sp.max_batch_documents,
        sp.batch_wait_ms,
        max_group_chars=sp.token_budget * CHARS_PER_TOKEN,
        workers=model_workers,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if start_watcher:
            source.start()
        if shadow is not None:
            shadow.start()
        if canary is not None:
            canary.start()
        batcher.start()
        yield
        source.stop()
        if shadow is not None:
            shadow.stop()
        if canary is not None:
            canary.stop()
        await batcher.stop()

    app = FastAPI(title="longloop serving", lifespan=lifespan)
    app.state.batcher = batcher

    if sp.auth_token_env and not auth_token:
        raise ValueError(f"serving.auth_token_env is {sp.auth_token_env} but no token was given to the app")
    limiter = TokenBucketLimiter(sp.rate_limit_per_second, sp.rate_limit_burst) if sp.rate_limit_per_second else None
    app.add_middleware(
        RequestGuard,
        max_request_bytes=sp.max_request_bytes,
        limiter=limiter,
        auth_token=auth_token,
        on_reject=lambda status: requests.labels(str(status)).inc(),
    )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        requests.labels(str(exc.status_code)).inc()
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"][1:]) or "body"
        requests.labels("422").inc()
        return _error(422, f"{where}: {err['msg']}")

    @app.get("/health")
    async def health():
        return {"status": "ok"}

    @app.get("/ready")
    async def ready():
        loaded = source.current
        if loaded is None:
            return _error(503, source.last_error or "no model loaded yet")
        return {
            "status": "ready",
            "pid": os.getpid(),  # who answers: a deployment checks it is its own process, not another on the port
            "model": source.model_name,
            "version": loaded.version,
            "precision": loaded.model.precision,
            "model_workers": batcher.workers,
            "shadow": None
            if shadow is None
            else {"version": shadow.version, "documents": shadow.shadowed, "dropped_requests": shadow.dropped},
            "canary": canary.to_dict() if canary is not None else None,
        }

    @app.get("/metrics")
    async def metrics():
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    async def answer(texts: list[str], side: str, request_id: str):
        """The model's answer for ``texts`` from ``side``; a canary's failure is recorded and the previous
        champion answers instead. Returns (side that answered, batch result, offset, n)."""
        try:
            result, offset, n = await batcher.submit(texts, side)
        except ModelCallError as exc:
            if side not in (CANARY, STABLE) or canary is None:
                raise
            canary.record(request_id, side, exc.version, len(texts), None, str(exc))
            rollout_requests.labels(side, "failed").inc()
            if side == STABLE:
                raise
            side = STABLE
            result, offset, n = await batcher.submit(texts, side)
        if side in (CANARY, STABLE) and canary is not None:
            canary.record(request_id, side, result[0], n, 1000 * result[3], None)
            rollout_requests.labels(side, "answered").inc()
        return side, result, offset, n

    @app.post("/predict")
    async def predict(body: PredictRequest, request: Request):
        if source.current is None:
            requests.labels("503").inc()
            return _error(503, source.last_error or "no model loaded yet")
        if len(body.documents) > sp.max_documents_per_request:
            requests.labels("413").inc()
            return _error(413, f"{len(body.documents)} documents, over the limit of {sp.max_documents_per_request}")
        start = time.perf_counter()
        request_id = uuid.uuid4().hex
        client = request.headers.get("x-client-id") or (request.client.host if request.client else "unknown")
        side = canary.side_for(client) if canary is not None else CHAMPION
        try:
            side, (version, labels, preds, seconds_per_document), offset, n = await answer(
                [d.text for d in body.documents], side, request_id
            )
        except ModelCallError as exc:
            requests.labels("500").inc()
            return _error(500, f"model call failed: {exc}")
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        out = []
        for j, doc in enumerate(body.documents):
            i = offset + j
            probs = {l: round(float(p), 6) for l, p in zip(labels, preds.probabilities[i])}
            item = {
                "id": doc.id,
                "label": preds.labels[i],
                "confidence": max(probs.values()),
                "probabilities": probs,
                "n_tokens": preds.n_tokens[i],
                "n_windows": preds.n_windows[i],
            }
            out.append(item)
            log_prediction(
                inference_log,
                {
                    "at": now,
                    "request_id": request_id,
                    "model_version": version,
                    "id": doc.id,
                    "text": doc.text,
                    "prediction": item["label"],
                    "confidence": item["confidence"],
                    "probabilities": probs,
                    "n_tokens": item["n_tokens"],
                    "n_windows": item["n_windows"],
                    "embedding": [round(float(v), 4) for v in preds.embeddings[i]],
                },
            )
        if shadow is not None:  # after the answer is made, never before: the copy waits, the client does not
            shadow.offer(
                ShadowRequest(
                    request_id,
                    [d.id for d in body.documents],
                    [d.text for d in body.documents],
                    version,
                    [item["label"] for item in out],
                    [item["confidence"] for item in out],
                    1000 * seconds_per_document,
                )
            )
        documents.inc(len(out))
        requests.labels("200").inc()
        latency.observe(time.perf_counter() - start)
        version_gauge.set(float(version))
        return {"model_version": version, "predictions": out}

    return app
