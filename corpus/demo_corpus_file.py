"""The demo corpus written to a JSONL file, as ``longloop demo-data`` (and the DVC ``dataset`` stage) makes it: the
config's demo settings, with the document count, seed, stream, shifts and planted problems a caller overrides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from longloop.corpus.atomic_files import write_jsonl_atomic
from longloop.corpus.demo_corpus import generate_corpus
from longloop.corpus.demo_records import DemoSettings
from longloop.corpus.readers import resolve_inside
from longloop.corpus.records import DataError


@dataclass(frozen=True)
class DemoCorpusFile:
    path: Path
    records: int
    shifts: tuple[str, ...]
    plant: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"path": str(self.path), "records": self.records, "shifts": list(self.shifts), "plant": list(self.plant)}


def write_demo_corpus(
    out: str,
    allowed_roots: Sequence[Path],
    demo: DemoSettings,
    n_documents: int | None = None,
    seed: int | None = None,
    stream: int = 0,
    shifts: Sequence[str] = (),
    plant: Sequence[str] = (),
) -> DemoCorpusFile:
    """Write the corpus to ``out`` (a ``.jsonl`` file inside ``allowed_roots``); ``n_documents`` and ``seed``
    default to ``demo``'s."""
    path = resolve_inside(out, list(allowed_roots))
    if path.suffix != ".jsonl":
        raise DataError(f"{out}: the demo corpus is written as .jsonl")
    rows = generate_corpus(
        n_documents if n_documents is not None else demo.n_documents,
        seed=seed if seed is not None else demo.seed,
        stream=stream,
        median_tokens=demo.median_tokens,
        length_sigma=demo.length_sigma,
        max_tokens=demo.max_tokens,
        n_labels=demo.n_labels,
        shifts=tuple(shifts),
        plant=tuple(plant),
    )
    write_jsonl_atomic(path, rows)
    return DemoCorpusFile(path, len(rows), tuple(shifts), tuple(plant))
