"""One candidate of the architecture report, measured in a process of its own:
``python -m longloop.evaluation.candidate_run REQUEST.json PARENT_PID`` (started by ``architecture_comparison``).

The child dies with its parent: a killed ``longloop run`` must not leave a candidate training on into the folder
that the next run resumes from.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """SIGKILL this process when ``parent`` exits (Linux), and exit now if it already has."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request above took effect
        sys.exit(1)


if __name__ == "__main__":
    die_with_parent(int(sys.argv[2]))
    from longloop.evaluation.architecture_comparison import run_candidate_request

    run_candidate_request(Path(sys.argv[1]))
