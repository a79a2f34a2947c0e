"""Send a batch of documents through the served model, a few requests at a time, as production would."""

from __future__ import annotations

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
        r = httpx.post(
            f"{url}/predict",
            json={"documents": [{"id": d["id"], "text": d["text"]} for d in chunk]},
            timeout=timeout,
            headers=headers,
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
