"""Send a batch of documents through the served model, a few requests at a time, as production would."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import httpx


def send_documents(
    url: str,
    documents: list[dict],
    per_request: int = 4,
    concurrency: int = 4,
    timeout: float = 120.0,
    headers: dict[str, str] | None = None,
) -> dict:
    chunks = [documents[i : i + per_request] for i in range(0, len(documents), per_request)]

    def post(chunk: list[dict]) -> tuple[int, list[str]]:
        # Each request is a client of its own (named by its first document), so a canary's share of clients is
        # its share of this traffic (hashed: a header holds ASCII only).
        first = chunk[0].get("id")
        client = {"X-Client-Id": hashlib.sha256(str(first).encode()).hexdigest()[:16]} if first is not None else {}
        r = httpx.post(
            f"{url}/predict",
            json={"documents": [{"id": d["id"], "text": d["text"]} for d in chunk]},
            timeout=timeout,
            headers={**(headers or {}), **client},
        )
        return r.status_code, [r.json().get("model_version", "")] if r.status_code == 200 else []

    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(post, chunks))
    statuses = [s for s, _ in results]
    return {
        "documents": len(documents),
        "requests": len(chunks),
        "ok": statuses.count(200),
        "failed": len(statuses) - statuses.count(200),
        "model_versions": sorted({v for _, vs in results for v in vs}),
    }
