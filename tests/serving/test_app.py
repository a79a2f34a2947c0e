"""The serving app on a real loopback HTTP server, loading a real registered champion."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from longloop.registry.model_registry import set_alias
from longloop.settings.params import ServingParams


@pytest.fixture
def server(start_app):
    return start_app(
        ServingParams(
            max_request_bytes=20_000,
            max_documents_per_request=8,
            refresh_seconds=0.3,
            batch_wait_ms=50,
            rate_limit_per_second=None,
        )
    )


def test_predicts_logs_redacted_and_batches_concurrent_requests(server):
    url, app, log = server
    r = httpx.post(f"{url}/predict", json={"documents": [{"id": "d1", "text": "mail me at a@b.io please"}]})
    assert r.status_code == 200
    body = r.json()
    assert body["model_version"] == "1" and body["predictions"][0]["id"] == "d1"
    assert abs(sum(body["predictions"][0]["probabilities"].values()) - 1) < 1e-3
    entry = json.loads(log.read_text().split("\n")[0])
    assert "a@b.io" not in entry["text"] and "[EMAIL]" in entry["text"]
    assert entry["prediction"] in body["predictions"][0]["probabilities"] and len(entry["embedding"]) > 0

    before = app.state.batcher.batches_run
    with ThreadPoolExecutor(8) as pool:
        codes = list(
            pool.map(
                lambda i: (
                    httpx.post(f"{url}/predict", json={"documents": [{"text": f"doc {i}"}]}, timeout=30).status_code
                ),
                range(16),
            )
        )
    assert codes == [200] * 16
    assert app.state.batcher.batches_run - before < 16  # some requests shared a model call
    assert "longloop_documents_total 17.0" in httpx.get(f"{url}/metrics").text


@pytest.mark.parametrize(
    "payload, status, needle",
    [
        (b'{"documents": [', 422, ""),
        (json.dumps({"documents": []}).encode(), 422, "documents"),
        (json.dumps({"documents": [{"text": ""}]}).encode(), 422, "documents.0.text"),
        (json.dumps({"documents": [{"text": 5}]}).encode(), 422, "documents.0.text"),
        (json.dumps({"docs": []}).encode(), 422, ""),
        (json.dumps({"documents": [{"text": "x"}] * 9}).encode(), 413, "over the limit of 8"),
        (json.dumps({"documents": [{"text": "x" * 30_000}]}).encode(), 413, "over the limit"),
        (b'{"documents": [{"text": "\xff\xfe"}]}', 400, ""),
    ],
)
def test_bad_requests_get_a_clear_4xx(server, payload, status, needle):
    url, _, log = server
    r = httpx.post(f"{url}/predict", content=payload, headers={"content-type": "application/json"})
    assert r.status_code == status
    assert needle in r.text
    assert not log.exists() or log.read_text() == ""


def test_new_champion_is_picked_up_without_restart(server):
    url, _, _ = server
    assert httpx.get(f"{url}/ready").json()["version"] == "1"
    set_alias("clf", "champion", "2")
    stop = time.time() + 30
    versions = set()
    while time.time() < stop:
        r = httpx.post(f"{url}/predict", json={"documents": [{"text": "still answering"}]})
        assert r.status_code == 200  # no request dropped during the swap
        versions.add(r.json()["model_version"])
        if "2" in versions:
            break
    assert "2" in versions
