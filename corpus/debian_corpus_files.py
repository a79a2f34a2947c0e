"""The Debian changelog corpus written to JSONL files, as ``longloop real-corpus`` makes it: the training
documents, and optionally the production documents (id, text) and their feedback labels (id, label)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from longloop.corpus.atomic_files import write_jsonl_atomic
from longloop.corpus.debian_changelogs import DEFAULT_DOC_ROOT, build_debian_corpus
from longloop.corpus.readers import resolve_inside
from longloop.corpus.records import DataError


@dataclass(frozen=True)
class DebianCorpusFiles:
    summary: dict  # DebianCorpus.summary(): documents, labels, production entries, words, skipped, build time
    paths: dict[str, Path]  # "documents", and "production" and "feedback" when they were asked for

    def to_dict(self) -> dict:
        return self.summary | {"paths": {name: str(path) for name, path in self.paths.items()}}


def write_debian_corpus(
    documents: str,
    allowed_roots: Sequence[Path],
    production: str | None = None,
    feedback: str | None = None,
    doc_root: str | Path = DEFAULT_DOC_ROOT,
    min_documents: int = 200,
    min_per_label: int = 20,
    max_labels: int | None = None,
    production_entries: int = 2,
    max_text_chars: int = 400_000,
) -> DebianCorpusFiles:
    """Build the corpus (``build_debian_corpus``) and write each file asked for: distinct ``.jsonl`` files inside
    ``allowed_roots``, checked before anything is built."""
    given = {"documents": documents, "production": production, "feedback": feedback}
    paths = {name: resolve_inside(path, list(allowed_roots)) for name, path in given.items() if path}
    for name, path in paths.items():
        if path.suffix != ".jsonl":
            raise DataError(f"{given[name]}: the real corpus is written as .jsonl")
    if len(set(paths.values())) < len(paths):
        raise DataError("--out, --production-out and --feedback-out must be different files")
    corpus = build_debian_corpus(
        doc_root,
        min_documents=min_documents,
        min_per_label=min_per_label,
        max_labels=max_labels,
        production_entries=production_entries,
        max_text_chars=max_text_chars,
    )
    rows = {
        "documents": corpus.records,
        "production": corpus.production_documents(),
        "feedback": corpus.feedback_labels(),
    }
    for name, path in paths.items():
        write_jsonl_atomic(path, rows[name])
    return DebianCorpusFiles(corpus.summary(), paths)
