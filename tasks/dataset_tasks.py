"""Prefect tasks for loading, splitting, merging and versioning datasets."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from corpus.atomic_files import write_jsonl_atomic
from corpus.dataset_files import read_records, write_records
from corpus.demo_records import demo_records
from corpus.readers import read_dataset
from corpus.splits import assign_splits
from settings.params import LongloopParams
from settings.state_paths import StatePaths
from versioning.dvc_snapshots import ensure_repo, snapshot_file


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
def merge_feedback(params: LongloopParams, dataset_path: str, feedback_path: str) -> dict:
    """Append labelled production feedback to the current dataset; new records get splits by hash."""
    paths = StatePaths.from_params(params)
    base = read_records(Path(dataset_path))
    known = {r.id for r in base}
    new = [r for r in read_records(Path(feedback_path)) if r.id not in known]
    merged = base + assign_splits(new, params.data.split.validation, params.data.split.test, params.project.seed)
    out = write_records(paths.data_dir / "dataset.jsonl", merged)
    return {"path": str(out), "source": f"{dataset_path} + {feedback_path}", "counts": _counts(merged),
            "added": len(new), "quarantined": 0}


@task(name="version-dataset", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def version_dataset(params: LongloopParams, dataset_path: str) -> dict:
    paths = StatePaths.from_params(params)
    ensure_repo(paths.root, paths.dvc_cache, str(paths.dvc_remote.resolve()))
    return snapshot_file(paths.root, Path(dataset_path)).to_dict()
