"""Shadow mode on a real loopback server over a real MLflow store: the challenger answers a copy of each request
off the response path into the shadow log; a full queue drops copies, never answers; the log sums up into the
evidence the promotion gate reads."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from longloop.registry.model_registry import set_alias
from longloop.registry.shadow_evidence import shadow_evidence, shadow_log_for
from longloop.settings.params import ServingParams

TEXTS = ["an invoice charged twice", "the site is down again " * 50, "a third, plain document"]


def _rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _wait_for_rows(path, n, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline and len(_rows(path)) < n:
        time.sleep(0.1)
    return _rows(path)


def test_the_challenger_answers_a_copy_of_each_request_beside_the_champion(start_app):
    set_alias("clf", "challenger", "2")  # version 2 holds the same weights as the champion, version 1
    url, _, log = start_app(ServingParams(shadow=True, refresh_seconds=0.3, rate_limit_per_second=None))
    deadline = time.time() + 30
    while time.time() < deadline and httpx.get(f"{url}/ready").json()["shadow"]["version"] != "2":
        time.sleep(0.1)
    r = httpx.post(f"{url}/predict", json={"documents": [{"id": f"d{i}", "text": t} for i, t in enumerate(TEXTS)]})
    assert r.status_code == 200
    answers = r.json()["predictions"]

    rows = _wait_for_rows(shadow_log_for(log), len(TEXTS))
    assert [row["id"] for row in rows] == ["d0", "d1", "d2"]
    assert {(row["champion_version"], row["challenger_version"]) for row in rows} == {("1", "2")}
    assert [row["champion_label"] for row in rows] == [a["label"] for a in answers]
    assert all(row["agree"] and row["challenger_label"] == row["champion_label"] for row in rows)  # same weights
    assert all(row["champion_ms_per_document"] > 0 and row["challenger_ms_per_document"] > 0 for row in rows)
    assert httpx.get(f"{url}/ready").json()["shadow"]["documents"] == 3
    assert "longloop_shadow_documents 3.0" in httpx.get(f"{url}/metrics").text

    evidence = shadow_evidence(shadow_log_for(log), "2", "1")
    assert (evidence.documents, evidence.agreement) == (3, 1.0) and evidence.latency_ratio > 0
    assert shadow_evidence(shadow_log_for(log), "3", "1").documents == 0  # another challenger has no evidence


def test_a_full_shadow_queue_drops_copies_and_every_request_is_still_answered(start_app):
    set_alias("clf", "challenger", "2")
    sp = ServingParams(shadow=True, shadow_queue_requests=1, refresh_seconds=0.3, rate_limit_per_second=None)
    url, _, log = start_app(sp)
    long_text = "a long document about refunds and outages " * 400

    def send(i):
        return httpx.post(f"{url}/predict", json={"documents": [{"id": str(i), "text": long_text}]}, timeout=120)

    with ThreadPoolExecutor(8) as pool:
        statuses = [r.status_code for r in pool.map(send, range(24))]
    assert statuses == [200] * 24
    ready = httpx.get(f"{url}/ready").json()["shadow"]
    assert ready["dropped_requests"] > 0
    assert f"longloop_shadow_dropped_requests {float(ready['dropped_requests'])}" in httpx.get(f"{url}/metrics").text


def test_without_a_challenger_or_with_the_champion_as_challenger_nothing_is_shadowed(start_app):
    set_alias("clf", "challenger", "1")  # the champion itself: nothing to compare
    url, _, log = start_app(ServingParams(shadow=True, refresh_seconds=0.3, rate_limit_per_second=None))
    assert httpx.post(f"{url}/predict", json={"documents": [{"text": TEXTS[0]}]}).status_code == 200
    time.sleep(1.0)
    assert _rows(shadow_log_for(log)) == []
    assert httpx.get(f"{url}/ready").json()["shadow"]["documents"] == 0


def test_without_shadow_mode_nothing_is_shadowed_and_ready_says_so(start_app):
    set_alias("clf", "challenger", "2")
    url, _, log = start_app(ServingParams(refresh_seconds=0.3, rate_limit_per_second=None))
    assert httpx.post(f"{url}/predict", json={"documents": [{"text": TEXTS[0]}]}).status_code == 200
    time.sleep(0.5)
    assert httpx.get(f"{url}/ready").json()["shadow"] is None and not shadow_log_for(log).exists()
