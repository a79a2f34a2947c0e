"""The dynamic batcher answers each request as soon as its own group of similar-length requests is done."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from longloop.serving.dynamic_batcher import DynamicBatcher, shortest_first_groups


def _item(*texts: str, key: str = ""):
    return (list(texts), None, key)


def test_groups_run_shortest_first_within_the_character_budget():
    items = [_item("x" * 50), _item("x" * 5), _item("x" * 20, "x" * 20), _item("x" * 200)]
    groups = shortest_first_groups(items, max_group_chars=60)
    assert [[sum(map(len, ts)) for ts, *_ in g] for g in groups] == [[5, 40], [50], [200]]
    assert shortest_first_groups(items, None) == [items]  # no budget: one call, arrival order


def test_requests_for_different_models_never_share_a_group():
    items = [_item("x" * 5, key="canary"), _item("x" * 6, key="stable"), _item("x" * 7, key="canary")]
    for budget in (None, 1000):
        groups = shortest_first_groups(items, budget)
        assert [[i[2] for i in g] for g in groups] == [["canary", "canary"], ["stable"]]


def test_a_short_request_is_answered_before_a_long_one_that_arrived_with_it():
    calls: list[list[str]] = []

    def run_batch(texts: list[str], key: str) -> list[int]:
        calls.append(texts)
        time.sleep(0.002 * sum(len(t) for t in texts) / 100)  # cost grows with the text, as inference does
        return [len(t) for t in texts]

    async def scenario() -> tuple[list[str], list]:
        batcher = DynamicBatcher(run_batch, max_documents=8, max_wait_ms=50, max_group_chars=1000)
        batcher.start()
        finished: list[str] = []

        async def send(name: str, texts: list[str]):
            out = await batcher.submit(texts)
            finished.append(name)
            return out

        results = await asyncio.gather(send("long", ["y" * 20_000]), send("short", ["z" * 10, "w" * 30]))
        await batcher.stop()
        return finished, results

    finished, (long_out, short_out) = asyncio.run(scenario())
    assert finished == ["short", "long"] and len(calls) == 2
    (result, offset, n) = short_out
    assert result[offset : offset + n] == [10, 30]
    (result, offset, n) = long_out
    assert result[offset : offset + n] == [20_000]


def _peak_concurrency(workers: int) -> int:
    """Four single-document requests of 200 ms each; the most model calls that ever ran at once."""
    running, peak, lock = 0, 0, threading.Lock()

    def run_batch(texts: list[str], key: str) -> list[int]:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.2)
        with lock:
            running -= 1
        return [len(t) for t in texts]

    async def scenario() -> list:
        batcher = DynamicBatcher(run_batch, max_documents=1, max_wait_ms=0, workers=workers)
        batcher.start()
        results = await asyncio.gather(*(batcher.submit(["x" * n]) for n in (1, 2, 3, 4)))
        await batcher.stop()
        return results

    results = asyncio.run(scenario())
    assert sorted(r[0][r[1]] for r in results) == [1, 2, 3, 4]  # every request got its own answer
    return peak


def test_workers_run_model_calls_at_once_and_one_worker_runs_them_in_turn():
    assert _peak_concurrency(workers=2) == 2
    assert _peak_concurrency(workers=1) == 1


def test_zero_workers_is_refused():
    with pytest.raises(ValueError, match="workers"):
        DynamicBatcher(lambda texts, key: texts, max_documents=1, max_wait_ms=0, workers=0)


def test_a_failed_model_call_frees_its_worker_for_the_next_request():
    calls = 0

    def run_batch(texts: list[str], key: str) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("the model failed")
        return [len(t) for t in texts]

    async def scenario():
        batcher = DynamicBatcher(run_batch, max_documents=1, max_wait_ms=0, workers=1)
        batcher.start()
        try:
            with pytest.raises(RuntimeError, match="the model failed"):
                await asyncio.wait_for(batcher.submit(["a"]), 5)
            return await asyncio.wait_for(batcher.submit(["bb"]), 5)  # a leaked worker would time out here
        finally:
            await batcher.stop()

    result, offset, n = asyncio.run(scenario())
    assert result[offset : offset + n] == [2]


def test_stopping_answers_every_waiting_request_with_an_error():
    started = threading.Event()

    def run_batch(texts: list[str], key: str) -> list[int]:
        started.set()
        time.sleep(0.3)
        return [len(t) for t in texts]

    async def scenario() -> list:
        batcher = DynamicBatcher(run_batch, max_documents=1, max_wait_ms=0, workers=1)
        batcher.start()
        requests = [asyncio.create_task(batcher.submit([text])) for text in ("running", "queued", "queued too")]
        while not started.is_set():
            await asyncio.sleep(0.01)
        await batcher.stop()
        return await asyncio.wait_for(asyncio.gather(*requests, return_exceptions=True), 5)  # none hangs

    outcomes = asyncio.run(scenario())
    assert len(outcomes) == 3
    assert all(isinstance(o, RuntimeError) and "shutting down" in str(o) for o in outcomes)
