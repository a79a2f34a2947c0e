"""Which task failures Prefect retries: the transient ones, with exponential backoff.

A tracking server that is briefly down, a connection reset or a SQLite file another process holds locked
clears up by itself, so the task runs again after 2, 4, 8, ... seconds (with jitter, so that several
workers don't retry in step). Everything else (bad input, a missing model, a bug) fails at once with its
reason: retrying it would only delay the same error.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypedDict

from prefect.tasks import exponential_backoff

if TYPE_CHECKING:
    from prefect.client.schemas import TaskRun
    from prefect.states import State
    from prefect.tasks import RetryConditionCallable, Task

# Phrases of the errors that pass: SQLite's busy lock, and connection failures as MLflow's REST client
# and SQLAlchemy word them after wrapping the original exception.
_TRANSIENT_PHRASES = (
    "database is locked",
    "database table is locked",
    "max retries exceeded",
    "connection refused",
    "connection reset",
    "connection aborted",
    "temporarily unavailable",
    "server closed the connection",
    "could not connect to server",
    "remote end closed connection",
    "read timed out",
    "timed out",
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_transient(exc: BaseException) -> bool:
    """True when ``exc`` (or an exception it was raised from) is one that waiting can cure."""
    import httpx

    for e in _chain(exc):
        if isinstance(e, (ConnectionError, TimeoutError, httpx.TransportError)):
            return True
        if isinstance(e, sqlite3.OperationalError) and "locked" in str(e).lower():
            return True
        if type(e).__module__.startswith(("requests", "urllib3")) and "Connection" in type(e).__name__:
            return True
        if type(e).__name__ in ("OperationalError", "MlflowException", "RestException") and any(
            p in str(e).lower() for p in _TRANSIENT_PHRASES
        ):
            return True
    return False


def retry_if_transient(task: Task[..., Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Prefect's ``retry_condition_fn``: retry only the failures ``is_transient`` accepts."""
    try:
        state.result(raise_on_failure=True)
    except Exception as exc:  # the task's own exception, re-raised from its failed state
        return is_transient(exc)
    return False


class RetryOptions(TypedDict):
    """The retry keywords of Prefect's ``@task``, typed so that ``**TRANSIENT_RETRIES`` matches its overloads."""

    retries: int
    retry_delay_seconds: Callable[[int], list[float]]
    retry_jitter_factor: float
    retry_condition_fn: RetryConditionCallable


# For tasks whose work can safely run again (each either checks what it already did, or resumes).
TRANSIENT_RETRIES: RetryOptions = {
    "retries": 4,
    "retry_delay_seconds": exponential_backoff(backoff_factor=2),
    "retry_jitter_factor": 0.5,
    "retry_condition_fn": retry_if_transient,
}
