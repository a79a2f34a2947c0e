"""One candidate of the architecture report, measured in a process of its own:
``python -m longloop.evaluation.candidate_run REQUEST.json`` (written by ``architecture_comparison``)."""

from __future__ import annotations

import sys
from pathlib import Path

from longloop.evaluation.architecture_comparison import run_candidate_request

if __name__ == "__main__":
    run_candidate_request(Path(sys.argv[1]))
