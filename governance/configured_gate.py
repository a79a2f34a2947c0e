"""The governance gate with the benchmark sets and waivers that params.yaml names, plus any given besides: what
the pipeline's governance task and ``longloop govern`` both run on a split dataset."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from longloop.corpus.readers import read_benchmark_sets
from longloop.corpus.records import Record
from longloop.governance.checks import CHECK_NAMES
from longloop.governance.gate import GateReport, run_gate
from longloop.governance.waivers import WaiverSet, load_waivers
from longloop.settings.params import GovernanceParams


@dataclass(frozen=True)
class GateRun:
    report: GateReport
    kept: list[Record]  # the records that may be used for training
    benchmarks: list[Record]  # the benchmark sets' records the contamination check compared against
    waivers: WaiverSet  # every waiver read, in file order


def run_configured_gate(
    records: list[Record],
    params: GovernanceParams,
    root: Path,
    max_text_chars: int,
    extra_benchmarks: Sequence[str] = (),
    extra_waivers: Sequence[str] = (),
) -> GateRun:
    """Read ``params.benchmark_sets`` and ``params.waivers`` (then the extra files; all relative to the project
    ``root`` and inside it) and judge the split ``records``. A bad file is a one-line error before any check runs.
    """
    benchmarks = read_benchmark_sets([*params.benchmark_sets, *extra_benchmarks], root, max_text_chars)
    waivers = load_waivers([*([params.waivers] if params.waivers else []), *extra_waivers], root, CHECK_NAMES)
    report, kept = run_gate(records, params, benchmarks=benchmarks, waivers=waivers)
    return GateRun(report, kept, benchmarks, waivers)
