"""Prefect tasks for loading, splitting, merging and versioning datasets."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from longloop.corpus.atomic_files import write_jsonl_atomic
from longloop.corpus.dataset_files import read_records, write_records
from longloop.corpus.demo_records import demo_records
from longloop.corpus.readers import read_dataset
from longloop.corpus.records import DataError
from longloop.corpus.splits import assign_splits
from longloop.settings.params import LongloopParams
from longloop.settings.state_paths import StatePaths
from longloop.versioning.dvc_snapshots import ensure_repo, snapshot_file
from longloop.tasks.retry_policy import TRANSIENT_RETRIES


def _counts(records) -> dict:
    out: dict[str, int] = {"total": len(records)}
    for r in records:
        out[r.split] = out.get(r.split, 0) + 1
    return out


@task(name="load-and-split", cache_policy=NO_CACHE)
def load_and_split(params: LongloopParams, data_path: str | None) -> dict:
    paths = StatePaths.from_params(params).ensure()
    quarantined: list[dict] = []
    if data_path:
        res = read_dataset(data_path, [paths.root], params.data.max_text_chars,
                           quarantine=params.data.on_bad_record == "quarantine")
        records, quarantined = res.records, res.quarantined
    else:
        records = demo_records(params.data.demo, params.data.max_text_chars)
    records = assign_splits(records, params.data.split.validation, params.data.split.test, params.project.seed)
    out = write_records(paths.data_dir / "dataset.jsonl", records)
    if quarantined:
        write_jsonl_atomic(paths.data_dir / "quarantine.jsonl", quarantined)
    return {"path": str(out), "source": data_path or "demo", "counts": _counts(records), "quarantined": len(quarantined)}


@task(name="merge-feedback", cache_policy=NO_CACHE)
def merge_feedback(params: LongloopParams, dataset_path: str | None = None,
                   feedback_paths: list[str] | None = None) -> dict:
    """Append labelled production feedback to the current dataset; new records get splits by hash.

    Without arguments: the state folder's dataset and every feedback file collected so far (records already
    in the dataset are skipped by id, so merging the same feedback twice adds nothing)."""
    paths = StatePaths.from_params(params)
    base_path = Path(dataset_path) if dataset_path else paths.data_dir / "dataset.jsonl"
    if not base_path.is_file():
        raise DataError(f"{base_path}: no dataset to retrain on yet; run the pipeline first")
    sources = [Path(p) for p in feedback_paths] if feedback_paths is not None else sorted(
        paths.data_dir.glob("feedback-*.jsonl"))
    base = read_records(base_path)
    known = {r.id for r in base}
    new = []
    for source in sources:
        for r in read_records(source):
            if r.id not in known:
                known.add(r.id)
                new.append(r)
    merged = base + assign_splits(new, params.data.split.validation, params.data.split.test, params.project.seed)
    out = write_records(paths.data_dir / "dataset.jsonl", merged)
    return {"path": str(out), "source": " + ".join(str(p) for p in [base_path, *sources]), "counts": _counts(merged),
            "added": len(new), "quarantined": 0}


@task(name="version-dataset", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def version_dataset(params: LongloopParams, dataset_path: str) -> dict:
    paths = StatePaths.from_params(params)
    ensure_repo(paths.root, paths.dvc_cache, str(paths.dvc_remote.resolve()))
    return snapshot_file(paths.root, Path(dataset_path)).to_dict()
