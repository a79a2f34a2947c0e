"""Collect concurrent requests into one model call (up to a size, for at most a few milliseconds)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


class DynamicBatcher:
    def __init__(self, run_batch: Callable[[list[str]], Any], max_documents: int, max_wait_ms: int):
        self.run_batch, self.max_documents, self.max_wait = run_batch, max_documents, max_wait_ms / 1000
        self.queue: asyncio.Queue = asyncio.Queue()
        self.task: asyncio.Task | None = None
        self.batches_run = 0

    def start(self) -> None:
        self.task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()

    async def submit(self, texts: list[str]):
        fut = asyncio.get_running_loop().create_future()
        await self.queue.put((texts, fut))
        return await fut

    async def _loop(self) -> None:
        while True:
            items = [await self.queue.get()]
            n = len(items[0][0])
            deadline = asyncio.get_running_loop().time() + self.max_wait
            while n < self.max_documents:
                timeout = deadline - asyncio.get_running_loop().time()
                if timeout <= 0:
                    break
                try:
                    item = await asyncio.wait_for(self.queue.get(), timeout)
                except asyncio.TimeoutError:
                    break
                items.append(item)
                n += len(item[0])
            texts = [t for ts, _ in items for t in ts]
            try:
                result = await asyncio.to_thread(self.run_batch, texts)
                self.batches_run += 1
                offset = 0
                for ts, fut in items:
                    if not fut.done():
                        fut.set_result((result, offset, len(ts)))
                    offset += len(ts)
            except Exception as exc:  # deliver the failure to every waiting request
                for _, fut in items:
                    if not fut.done():
                        fut.set_exception(exc)
