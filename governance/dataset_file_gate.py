"""A dataset file through the governance gate, as ``longloop govern`` and the DVC ``govern`` stage run it: read
and split the file, run the configured gate, and write every finding and the records the gate keeps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from longloop.corpus.atomic_files import write_jsonl_atomic
from longloop.corpus.dataset_files import write_records
from longloop.corpus.readers import read_dataset, resolve_inside
from longloop.corpus.records import DataError, Record
from longloop.corpus.splits import assign_splits
from longloop.governance.configured_gate import run_configured_gate
from longloop.governance.gate import GateReport
from longloop.governance.pii import masked_for_training
from longloop.settings.params import LongloopParams


@dataclass(frozen=True)
class GovernedFile:
    report: GateReport
    kept: list[Record]  # with their splits, as the gate let them through (unmasked)
    records: int  # valid records read from the file
    quarantined_rows: int  # rows set aside as unreadable (data.on_bad_record: quarantine)
    findings_path: Path | None  # where every finding was written
    kept_path: Path | None  # where the kept records were written, masked for training

    def to_dict(self) -> dict:
        return self.report.to_dict() | {
            "records": self.records,
            "kept": len(self.kept),
            "quarantined_rows": self.quarantined_rows,
            "findings_path": str(self.findings_path) if self.findings_path else None,
        }


def govern_dataset_file(
    data: str,
    params: LongloopParams,
    working_dir: Path,
    extra_benchmarks: Sequence[str] = (),
    extra_waivers: Sequence[str] = (),
    findings: str | None = None,
    kept: str | None = None,
) -> GovernedFile:
    """Judge the dataset file ``data`` (inside the project). ``findings`` (a ``.jsonl`` file) receives every
    finding of every check, ``kept`` the records the gate keeps, with their splits and with secrets and personal
    data masked (the DVC ``train`` stage's input); both may lie in ``working_dir`` or the project. Bad input and
    bad output paths are one-line ``DataError``s, raised before the gate runs."""
    root = Path(params.root)
    read = read_dataset(data, [root], params.data.max_text_chars, quarantine=params.data.on_bad_record == "quarantine")
    findings_path = resolve_inside(findings, [working_dir, root]) if findings else None
    if findings_path is not None and findings_path.suffix != ".jsonl":
        raise DataError(f"{findings}: the findings are written as .jsonl")
    kept_path = resolve_inside(kept, [working_dir, root]) if kept else None
    records = assign_splits(read.records, params.data.split.validation, params.data.split.test, params.project.seed)
    gate = run_configured_gate(
        records, params.governance, root, params.data.max_text_chars, extra_benchmarks, extra_waivers
    )
    if findings_path is not None:
        write_jsonl_atomic(findings_path, gate.report.finding_rows())
    if kept_path is not None:
        write_records(kept_path, masked_for_training(gate.kept))
    return GovernedFile(gate.report, gate.kept, len(records), len(read.quarantined), findings_path, kept_path)
