"""Offline scoring of a whole file with one registered model version, as serving would answer each document.

Every output row carries its document's id, the label and the probability of every label, the number of tokens,
and the model version and input-file hash that produced it, so a prediction can always be traced back. The
output appears whole or not at all: rows go to a hidden partial file, synced chunk by chunk, and one rename
publishes it. A scoring killed halfway resumes from the partial file's complete rows (same model version, same
input hash, same ids in the same order), so no document is scored twice and no row is duplicated.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import mlflow
from mlflow.exceptions import MlflowException
from tqdm.auto import tqdm

from longloop.corpus.atomic_files import read_jsonl_complete
from longloop.corpus.production_files import ProductionDocument, read_production_documents
from longloop.corpus.readers import resolve_inside
from longloop.corpus.records import DataError
from longloop.registry.model_registry import alias_version
from longloop.registry.pyfunc_model import LongloopPyfunc
from longloop.serving.champion_source import load_registered_version
from longloop.settings.params import ServingParams
from longloop.training.folder_checksums import sha256_file

CHUNK_DOCUMENTS = 64  # one synced write per chunk: what a kill can cost


@dataclass(frozen=True)
class ScoringSummary:
    out: str
    documents: int
    scored_now: int  # the rest came from the partial file an interrupted scoring left
    resumed_from: int
    model_name: str
    model_version: str
    data_sha256: str
    precision: str
    seconds: float
    cpu_seconds: float

    @property
    def seconds_per_1000_documents(self) -> float:
        return 1000 * self.seconds / max(1, self.scored_now)

    def to_dict(self) -> dict:
        return {
            "out": self.out,
            "documents": self.documents,
            "scored_now": self.scored_now,
            "resumed_from": self.resumed_from,
            "model_name": self.model_name,
            "model_version": self.model_version,
            "data_sha256": self.data_sha256,
            "precision": self.precision,
            "seconds": round(self.seconds, 3),
            # The cost of scoring: wall and CPU seconds per 1,000 documents on this machine.
            "seconds_per_1000_documents": round(self.seconds_per_1000_documents, 3),
            "cpu_seconds_per_1000_documents": round(1000 * self.cpu_seconds / max(1, self.scored_now), 3),
        }


def partial_path(out: Path) -> Path:
    return out.with_name(f".{out.name}.partial")


def _resumable_rows(partial: Path, docs: Sequence[ProductionDocument], version: str, data_sha256: str) -> int:
    """How many leading rows of an interrupted scoring can be kept (0 when they belong to other work)."""
    if not partial.is_file():
        return 0
    try:
        rows = read_jsonl_complete(partial)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return 0
    keep = 0
    for row, doc in zip(rows, docs, strict=False):
        if row.get("id") != doc.id or row.get("model_version") != version or row.get("data_sha256") != data_sha256:
            break
        keep += 1
    return keep if keep == len(rows) else 0


def _rewrite_kept(partial: Path, keep: int) -> None:
    """Cut the partial file back to its ``keep`` complete rows (a kill may have left half a line)."""
    lines = partial.read_bytes().split(b"\n")[:keep]
    with open(partial, "wb") as fh:
        fh.write(b"".join(line + b"\n" for line in lines))
        fh.flush()
        os.fsync(fh.fileno())


def score_documents(
    model: LongloopPyfunc,
    docs: Sequence[ProductionDocument],
    out: Path,
    model_name: str,
    model_version: str,
    data_sha256: str,
    on_chunk: Callable[[int], None] | None = None,
    chunk_documents: int = CHUNK_DOCUMENTS,
) -> ScoringSummary:
    """Score ``docs`` into ``out`` (JSONL); ``on_chunk(n)`` after every chunk of ``n`` documents (progress)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(out)
    resumed = _resumable_rows(partial, docs, model_version, data_sha256)
    if resumed:
        _rewrite_kept(partial, resumed)
    else:
        partial.unlink(missing_ok=True)
    if on_chunk is not None and resumed:
        on_chunk(resumed)
    started, cpu_started = time.perf_counter(), time.process_time()
    labels = list(model.labels)
    with open(partial, "ab") as fh:
        for start in range(resumed, len(docs), chunk_documents):
            chunk = docs[start : start + chunk_documents]
            preds = model.predict_full([d.text for d in chunk])
            lines = []
            for i, doc in enumerate(chunk):
                probabilities = {
                    label: round(float(p), 6) for label, p in zip(labels, preds.probabilities[i], strict=True)
                }
                row = {
                    "id": doc.id,
                    "label": preds.labels[i],
                    "confidence": round(float(preds.probabilities[i].max()), 6),
                    "probabilities": probabilities,
                    "n_tokens": preds.n_tokens[i],
                    "model_name": model_name,
                    "model_version": model_version,
                    "data_sha256": data_sha256,
                }
                lines.append(json.dumps(row, ensure_ascii=False) + "\n")
            fh.write("".join(lines).encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
            if on_chunk is not None:
                on_chunk(len(chunk))
    os.replace(partial, out)
    folder = os.open(out.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return ScoringSummary(
        out=str(out),
        documents=len(docs),
        scored_now=len(docs) - resumed,
        resumed_from=resumed,
        model_name=model_name,
        model_version=model_version,
        data_sha256=data_sha256,
        precision=model.precision,
        seconds=time.perf_counter() - started,
        cpu_seconds=time.process_time() - cpu_started,
    )


@dataclass(frozen=True)
class ScoringRequest:
    """What to score, with which version, into which file: ``version`` wins over ``alias``."""

    data: str
    out: str
    allowed_roots: list[Path]
    max_text_chars: int
    tracking_uri: str
    model_name: str
    version: str | None = None
    alias: str = "champion"


def _scoring_inputs(request: ScoringRequest) -> tuple[Path, Path, list[ProductionDocument]]:
    roots = request.allowed_roots
    data_path, out_path = resolve_inside(request.data, roots), resolve_inside(request.out, roots)
    if out_path.suffix != ".jsonl":
        raise DataError(f"{request.out}: the scores are written as .jsonl")
    if out_path == data_path:
        raise DataError(f"{request.out}: the scores would overwrite the documents they score")
    return data_path, out_path, read_production_documents(data_path, roots, request.max_text_chars)


def _scoring_version(request: ScoringRequest) -> str:
    mlflow.set_tracking_uri(request.tracking_uri)
    name, version = request.model_name, request.version
    if version is None:
        version = alias_version(name, request.alias)
        if version is None:
            raise DataError(f"{name} has no version with the alias {request.alias!r}: train one with `longloop run`")
    try:
        mlflow.MlflowClient().get_model_version(name, version)
    except MlflowException:
        raise DataError(f"{name} has no version {version!r}") from None
    return version


def check_scoring_request(request: ScoringRequest) -> None:
    """Everything ``score_file`` would refuse, refused first, with one line: bad paths or rows, no such version."""
    _scoring_inputs(request)
    _scoring_version(request)


def score_file(request: ScoringRequest, serving: ServingParams, progress: bool = True) -> ScoringSummary:
    """``longloop score``: the documents (id, text) of ``request.data`` (JSONL, CSV or Parquet, read and checked
    like production traffic) scored into ``request.out`` by the requested version, served as ``serving`` says."""
    data_path, out_path, docs = _scoring_inputs(request)
    version = _scoring_version(request)
    model = load_registered_version(
        request.model_name, version, serving.quantize, serving.max_int8_accuracy_drop, serving.min_bf16_agreement
    )
    with tqdm(total=len(docs), desc="score", unit="doc", file=sys.stderr, disable=not progress) as bar:
        return score_documents(model, docs, out_path, request.model_name, version, sha256_file(data_path), bar.update)
