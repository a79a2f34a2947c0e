"""Embedded mode (no Prefect server configured): Prefect starts a temporary server of its own, which takes
seconds (a uvicorn process importing Prefect's server and migrating its SQLite database). Started in a thread
while the command imports its flows, the two overlap instead of following each other.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def started_alongside(enabled: bool) -> Iterator[None]:
    """Start Prefect's temporary server in a thread during the ``with`` block and wait for it to answer on
    leaving it; the flows and clients made afterwards find it running (Prefect keeps one per process).
    ``enabled`` False (a Prefect server is configured): nothing is started."""
    if not enabled:
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer

    failed: list[BaseException] = []

    def start() -> None:
        try:
            SubprocessASGIServer().start()
        except BaseException as exc:  # handed to the caller's thread below
            failed.append(exc)

    thread = threading.Thread(target=start, name="prefect-temporary-server", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()
    if failed:
        raise failed[0]
