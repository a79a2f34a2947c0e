"""A process that should not outlive its parent: a pipeline's own serving process, once the pipeline is killed."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time


def exit_with_parent(parent_pid: int, poll_seconds: float = 1.0) -> threading.Thread:
    """Send this process SIGTERM (uvicorn's graceful shutdown) once its parent is no longer ``parent_pid``."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(poll_seconds)
        logging.getLogger("longloop.serving").warning("parent process %d is gone; shutting down", parent_pid)
        os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=watch, name="exit-with-parent", daemon=True)
    thread.start()
    return thread
