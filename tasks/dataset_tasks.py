"""Prefect tasks for loading, splitting, merging and versioning datasets."""

from __future__ import annotations

import hashlib
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from longloop.corpus.atomic_files import write_jsonl_atomic
from longloop.corpus.dataset_files import read_records, write_records
from longloop.corpus.demo_records import demo_records
from longloop.corpus.production_files import read_feedback_labels, refuse_unknown_labels
from longloop.corpus.readers import read_dataset
from longloop.corpus.records import DataError, Record
from longloop.corpus.splits import assign_splits
from longloop.monitoring.production_feedback import join_feedback
from longloop.serving.inference_log import read_inference_log
from longloop.settings.params import DataParams, SplitParams
from longloop.settings.state_paths import StatePaths
from longloop.tasks.retry_policy import TRANSIENT_RETRIES
from longloop.tasks.stage_results import DatasetFile, FeedbackCollection
from longloop.versioning.dvc_snapshots import Snapshot, ensure_repo, snapshot_file


def _counts(records: list[Record]) -> dict[str, int]:
    out: dict[str, int] = {"total": len(records)}
    for r in records:
        split = r.split or "unsplit"
        out[split] = out.get(split, 0) + 1
    return out


@task(name="load-and-split", cache_policy=NO_CACHE)
def load_and_split(paths: StatePaths, data: DataParams, seed: int, data_path: str | None) -> DatasetFile:
    """A user's file (``data_path``) or, without one, the demo corpus, split by hash into the state folder."""
    paths.ensure()
    quarantined: list[dict] = []
    if data_path:
        res = read_dataset(data_path, [paths.root], data.max_text_chars, quarantine=data.on_bad_record == "quarantine")
        records, quarantined = res.records, res.quarantined
    else:
        records = demo_records(data.demo, data.max_text_chars)
    records = assign_splits(records, data.split.validation, data.split.test, seed)
    out = write_records(paths.dataset, records)
    if quarantined:
        write_jsonl_atomic(paths.quarantined_rows, quarantined)
    return DatasetFile(str(out), data_path or "demo", _counts(records), quarantined=len(quarantined))


@task(name="merge-feedback", cache_policy=NO_CACHE)
def merge_feedback(
    paths: StatePaths,
    split: SplitParams,
    seed: int,
    dataset_path: str | None = None,
    feedback_paths: list[str] | None = None,
) -> DatasetFile:
    """Append labelled production feedback to the current dataset; new records get splits by hash.

    Without arguments: the state folder's dataset and every feedback file collected so far (records already
    in the dataset are skipped by id, so merging the same feedback twice adds nothing)."""
    base_path = Path(dataset_path) if dataset_path else paths.dataset
    if not base_path.is_file():
        raise DataError(f"{base_path}: no dataset to retrain on yet; run the pipeline first")
    sources = [Path(p) for p in feedback_paths] if feedback_paths is not None else paths.feedback_files()
    base = read_records(base_path)
    known = {r.id for r in base}
    new = []
    for source in sources:
        for r in read_records(source):
            if r.id not in known:
                known.add(r.id)
                new.append(r)
    merged = base + assign_splits(new, split.validation, split.test, seed)
    out = write_records(paths.dataset, merged)
    merged_from = " + ".join(str(p) for p in [base_path, *sources])
    return DatasetFile(str(out), merged_from, _counts(merged), quarantined=0, added=len(new))


@task(name="collect-feedback", cache_policy=NO_CACHE)
def collect_feedback(
    paths: StatePaths, data: DataParams, labels_path: str, dataset_path: str | None = None
) -> FeedbackCollection:
    """A user's feedback labels joined by id to the documents production served (the inference log), kept in
    the state folder as ``feedback-<hash>.jsonl`` for every later retraining. A label the model was never
    trained on is refused (``data.on_unknown_feedback_label: fail``) or set aside, never merged."""
    labels = read_feedback_labels(labels_path, [paths.root])
    base = read_records(Path(dataset_path) if dataset_path else paths.dataset)
    known = {r.label for r in base}
    if data.on_unknown_feedback_label == "fail":
        refuse_unknown_labels(labels, known, labels_path)
    joined = join_feedback(
        labels,
        read_inference_log(paths.inference_log),
        known,
        data.production_license,
        source=f"feedback:{Path(labels_path).name}",
    )
    digest = hashlib.sha256("\n".join(f"{r.id}\t{r.label}\t{r.text}" for r in joined.records).encode()).hexdigest()
    out = paths.feedback_file(digest[:12])
    if joined.records:
        write_records(out, joined.records)
    if joined.quarantined:
        write_jsonl_atomic(paths.feedback_quarantine_file(digest[:12]), joined.quarantined)
    return FeedbackCollection(
        str(out) if joined.records else None, len(joined.records), len(joined.quarantined), len(joined.unmatched)
    )


@task(name="version-dataset", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def version_dataset(paths: StatePaths, dataset_path: str) -> Snapshot:
    ensure_repo(paths.root, paths.dvc_cache, str(paths.dvc_remote.resolve()))
    return snapshot_file(paths.root, Path(dataset_path))
