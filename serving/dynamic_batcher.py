"""Collect concurrent requests into model calls (up to a size, for at most a few milliseconds).

A collected batch runs shortest requests first, in groups of similar length, and each request is answered as
soon as its own group is done: a short document does not wait for a long one that arrived with it, and
grouping by length keeps the padding inside each model call small. With several workers, the next batch is
collected as soon as one of them is free, so a long batch on one worker does not hold up the others; while
all are busy, requests wait in the queue. Stopping answers every request not yet answered with an error, so no
caller waits forever. A request names the model that answers it (its key: the champion, or one side of a
canary); a batch's requests are grouped by key first, so one model call never mixes models.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

Item = tuple[list[str], asyncio.Future, str]  # texts, the caller's future, the key of the model to run


def shortest_first_groups(items: list[Item], max_group_chars: int | None) -> list[list[Item]]:
    """Per key (in order of first arrival), ``items`` ordered by their text length, cut into consecutive groups of
    at most ``max_group_chars`` characters (a longer request is a group of its own); None keeps each key's items
    in one group, in arrival order."""
    keys = list(dict.fromkeys(item[2] for item in items))
    if len(keys) > 1:
        return [g for key in keys for g in shortest_first_groups([i for i in items if i[2] == key], max_group_chars)]
    if max_group_chars is None:
        return [items]
    groups: list[list[Item]] = []
    current: list[Item] = []
    size = 0
    for item in sorted(items, key=lambda it: sum(len(t) for t in it[0])):
        chars = sum(len(t) for t in item[0])
        if current and size + chars > max_group_chars:
            groups.append(current)
            current, size = [], 0
        current.append(item)
        size += chars
    if current:
        groups.append(current)
    return groups


class DynamicBatcher:
    def __init__(
        self,
        run_batch: Callable[[list[str], str], Any],
        max_documents: int,
        max_wait_ms: int,
        max_group_chars: int | None = None,
        workers: int = 1,
    ):
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.run_batch, self.max_documents, self.max_wait = run_batch, max_documents, max_wait_ms / 1000
        self.max_group_chars, self.workers = max_group_chars, workers
        self.queue: asyncio.Queue = asyncio.Queue()
        self.task: asyncio.Task | None = None
        self.batches_run = 0
        self._executor: ThreadPoolExecutor | None = None
        self._running: dict[asyncio.Task, list[Item]] = {}  # batches being run, with their requests
        self._collecting: list[Item] = []  # requests taken from the queue for the batch being collected

    def start(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="model-worker")
        self.task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        held = [item for items in self._running.values() for item in items] + self._collecting
        tasks = [t for t in (self.task, *self._running) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        while not self.queue.empty():
            held.append(self.queue.get_nowait())
        stopping = RuntimeError("the serving app is shutting down")
        for _, fut, _ in held:
            if fut is not None and not fut.done():
                fut.set_exception(stopping)
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)

    async def submit(self, texts: list[str], key: str = ""):
        """``key``: passed to ``run_batch`` with the texts of the group this request lands in."""
        fut = asyncio.get_running_loop().create_future()
        await self.queue.put((texts, fut, key))
        return await fut

    async def _collect(self) -> list[Item]:
        self._collecting = items = [await self.queue.get()]
        n = len(items[0][0])
        deadline = asyncio.get_running_loop().time() + self.max_wait
        while n < self.max_documents:
            timeout = deadline - asyncio.get_running_loop().time()
            if timeout <= 0:
                break
            try:
                item = await asyncio.wait_for(self.queue.get(), timeout)
            except TimeoutError:
                break
            items.append(item)
            n += len(item[0])
        self._collecting = []
        return items

    async def _loop(self) -> None:
        free = asyncio.Semaphore(self.workers)
        while True:
            await free.acquire()  # collect only when a worker can take the batch at once
            try:
                items = await self._collect()
            except BaseException:
                free.release()
                raise
            task = asyncio.create_task(self._run_groups(items, free))
            self._running[task] = items
            task.add_done_callback(lambda done: self._running.pop(done, None))

    async def _run_groups(self, items: list[Item], free: asyncio.Semaphore) -> None:
        loop = asyncio.get_running_loop()
        try:
            for group in shortest_first_groups(items, self.max_group_chars):
                try:
                    result = await loop.run_in_executor(
                        self._executor, self.run_batch, [t for ts, *_ in group for t in ts], group[0][2]
                    )
                    self.batches_run += 1
                    offset = 0
                    for ts, fut, _ in group:
                        if not fut.done():
                            fut.set_result((result, offset, len(ts)))
                        offset += len(ts)
                except Exception as exc:  # deliver the failure to every request of the group
                    for _, fut, _ in group:
                        if not fut.done():
                            fut.set_exception(exc)
        finally:
            free.release()
