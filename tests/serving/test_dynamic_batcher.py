"""The dynamic batcher answers each request as soon as its own group of similar-length requests is done."""

from __future__ import annotations

import asyncio
import time

from serving.dynamic_batcher import DynamicBatcher, shortest_first_groups


def _item(*texts: str):
    return (list(texts), None)


def test_groups_run_shortest_first_within_the_character_budget():
    items = [_item("x" * 50), _item("x" * 5), _item("x" * 20, "x" * 20), _item("x" * 200)]
    groups = shortest_first_groups(items, max_group_chars=60)
    assert [[sum(map(len, ts)) for ts, _ in g] for g in groups] == [[5, 40], [50], [200]]
    assert shortest_first_groups(items, None) == [items]  # no budget: one call, arrival order


def test_a_short_request_is_answered_before_a_long_one_that_arrived_with_it():
    calls: list[list[str]] = []

    def run_batch(texts: list[str]) -> list[int]:
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
    assert result[offset:offset + n] == [10, 30]
    (result, offset, n) = long_out
    assert result[offset:offset + n] == [20_000]
