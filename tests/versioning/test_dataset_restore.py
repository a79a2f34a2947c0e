"""Restoring a dataset snapshot by md5 from a real DVC folder remote."""

import shutil

import pytest

from longloop.versioning.dataset_restore import is_md5, restore_dataset
from longloop.versioning.dvc_snapshots import VersioningError, ensure_repo, snapshot_file


def test_a_snapshot_comes_back_from_the_remote(tmp_path):
    cache, remote = tmp_path / "state" / "cache", tmp_path / "remote"
    ensure_repo(tmp_path, cache, str(remote))
    data = tmp_path / "state" / "dataset.jsonl"
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_text('{"id": "1", "text": "kept"}\n')
    md5 = snapshot_file(tmp_path, data).md5
    shutil.rmtree(cache)  # from the remote, not the cache

    restored = restore_dataset(tmp_path, md5, tmp_path / "state" / "restored.jsonl", cache, str(remote))

    assert restored.path == tmp_path / "state" / "restored.jsonl"
    assert restored.path.read_text() == '{"id": "1", "text": "kept"}\n'
    assert restored.to_dict() == {"md5": md5, "path": str(tmp_path / "state" / "restored.jsonl")}


def test_a_repo_is_set_up_when_there_is_none_and_an_unknown_hash_restores_nothing(tmp_path):
    with pytest.raises(VersioningError, match="could not restore"):
        restore_dataset(tmp_path, "0" * 32, tmp_path / "out.jsonl", tmp_path / "cache", str(tmp_path / "remote"))
    assert (tmp_path / ".dvc").is_dir() and not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize(
    "text, ok",
    [("0123456789abcdef" * 2, True), ("0" * 31, False), ("0" * 33, False), ("A" * 32, False), ("../../etc", False)],
)
def test_only_32_lower_case_hex_digits_are_an_md5(text, ok):
    assert is_md5(text) is ok
    assert not is_md5("0" * 32 + "\n")


def test_a_bad_hash_never_reaches_dvc(tmp_path):
    with pytest.raises(ValueError, match=r"^'\.\./x' is not an md5 hash$"):
        restore_dataset(tmp_path, "../x", tmp_path / "out.jsonl", tmp_path / "cache", str(tmp_path / "remote"))
    assert not (tmp_path / ".dvc").exists()
