"""Rate limit (429) and bearer-token authentication (401) over real loopback HTTP; /health and /ready stay open."""

from __future__ import annotations

import httpx

from longloop.serving.deployment import start_serving_process, stop_serving_process
from longloop.serving.rate_limiter import TokenBucketLimiter
from longloop.settings.params import ServingParams

TOKEN = "a-test-token-0123456789"
DOC = {"documents": [{"text": "a short document"}]}


def test_token_bucket_refills_at_its_rate_and_keeps_clients_apart():
    now = [0.0]
    limiter = TokenBucketLimiter(rate=2.0, burst=3, max_clients=2, clock=lambda: now[0])
    assert [limiter.allow("a")[0] for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")[0] is True  # another client has its own bucket
    allowed, wait = limiter.allow("a")
    assert not allowed and abs(wait - 0.5) < 1e-9
    now[0] += 0.5
    assert limiter.allow("a")[0] is True and limiter.allow("a")[0] is False
    limiter.allow("c")  # a third client evicts the longest idle one ("b"), whose bucket starts full again
    assert len(limiter._buckets) == 2 and "b" not in limiter._buckets


def test_rate_limit_answers_429_per_client_and_spares_health(start_app):
    url, _, log = start_app(ServingParams(rate_limit_per_second=0.5, rate_limit_burst=3, refresh_seconds=0.3))
    with httpx.Client(timeout=30) as client:
        codes = [client.post(f"{url}/predict", json=DOC).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
        r = client.post(f"{url}/predict", json=DOC)
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1 and "too many" in r.json()["error"]
        assert client.get(f"{url}/metrics").status_code == 429  # every route but the probes has a budget
        assert all(client.get(f"{url}/health").status_code == 200 for _ in range(10))
        assert client.get(f"{url}/ready").status_code == 200
    assert log.read_text().count("\n") == 3  # refused requests never reach the model or the log


def test_bearer_token_is_required_on_predict_and_metrics(start_app):
    url, _, log = start_app(ServingParams(auth_token_env="LONGLOOP_SERVING_TOKEN", refresh_seconds=0.3), TOKEN)
    with httpx.Client(timeout=30) as client:
        for headers in (
            {},
            {"Authorization": "Bearer wrong-token"},
            {"Authorization": TOKEN},
            {"Authorization": f"Basic {TOKEN}"},
            {"Authorization": f"Bearer {TOKEN}x"},
            {"Authorization": "Bearer"},
        ):
            r = client.post(f"{url}/predict", json=DOC, headers=headers)
            assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer", (headers, r.text)
            assert TOKEN not in r.text
        assert client.get(f"{url}/metrics").status_code == 401
        assert client.get(f"{url}/health").status_code == 200 and client.get(f"{url}/ready").status_code == 200
        assert not log.exists()
        ok = client.post(f"{url}/predict", json=DOC, headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200 and ok.json()["predictions"][0]["label"]
        assert client.get(f"{url}/metrics", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200


def test_app_configured_for_auth_refuses_to_start_open(registered_champion, tmp_path):
    import pytest

    from longloop.serving.app import create_app
    from longloop.serving.champion_source import ChampionSource

    sp = ServingParams(auth_token_env="LONGLOOP_SERVING_TOKEN")
    with pytest.raises(ValueError, match="no token"):
        create_app(ChampionSource(registered_champion, "clf"), sp, tmp_path / "log.jsonl", auth_token=None)


def test_deployed_process_gets_its_token_on_stdin(registered_champion, tmp_path):
    sp = ServingParams(auth_token_env="LONGLOOP_SERVING_TOKEN", refresh_seconds=0.5, ready_timeout_seconds=120, port=0)
    dep = start_serving_process(
        registered_champion, "clf", tmp_path / "log.jsonl", sp, tmp_path / "logs", auth_token=TOKEN
    )
    try:
        assert TOKEN not in repr(dep) and TOKEN not in str(dep.to_dict())
        assert httpx.post(f"{dep.url}/predict", json=DOC, timeout=30).status_code == 401
        assert httpx.post(f"{dep.url}/predict", json=DOC, headers=dep.auth_headers, timeout=30).status_code == 200
        with open(f"/proc/{dep.pid}/cmdline", "rb") as fh:
            assert TOKEN.encode() not in fh.read()
    finally:
        stop_serving_process(dep)


def test_a_port_another_process_holds_is_refused_not_mistaken_for_ours(registered_champion, tmp_path):
    import socket

    import pytest

    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        sp = ServingParams(port=other.getsockname()[1], ready_timeout_seconds=30)
        with pytest.raises(RuntimeError, match=f"serving.port {sp.port} on 127.0.0.1 is in use"):
            start_serving_process(registered_champion, "clf", tmp_path / "log.jsonl", sp, tmp_path / "logs")
