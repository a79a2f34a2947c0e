"""A real DVC repository with a local-folder remote."""

from versioning.dvc_snapshots import ensure_repo, restore_snapshot, snapshot_file


def _objects(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_snapshot_push_dedupe_and_restore(tmp_path):
    remote, cache = tmp_path / "remote", tmp_path / "state" / "cache"
    ensure_repo(tmp_path, cache, str(remote))
    data = tmp_path / "state" / "data.jsonl"
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_text('{"id": "1"}\n')
    first = snapshot_file(tmp_path, data)
    assert first.pushed == 1 and len(first.md5) == 32
    again = snapshot_file(tmp_path, data)
    assert again.md5 == first.md5 and again.pushed == 0
    assert len(_objects(remote)) == 1

    data.write_text('{"id": "2"}\n')
    second = snapshot_file(tmp_path, data)
    assert second.md5 != first.md5 and len(_objects(remote)) == 2

    import shutil
    shutil.rmtree(cache)  # restore must come from the remote
    restored = restore_snapshot(tmp_path, first.md5, tmp_path / "state" / "restored.jsonl")
    assert restored.read_text() == '{"id": "1"}\n'
