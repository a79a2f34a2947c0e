"""A real DVC repository with a local-folder remote."""

import pytest

from longloop.versioning.dvc_snapshots import ensure_repo, restore_snapshot, snapshot_file


def _objects(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def repo(tmp_path):
    """A DVC repository in ``tmp_path`` with its cache and folder remote; returns (cache, remote, data file)."""
    remote, cache = tmp_path / "remote", tmp_path / "state" / "cache"
    ensure_repo(tmp_path, cache, str(remote))
    data = tmp_path / "state" / "data.jsonl"
    data.parent.mkdir(parents=True, exist_ok=True)
    return cache, remote, data


def test_snapshot_push_dedupe_and_restore(tmp_path, repo):
    cache, remote, data = repo
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


def test_unchanged_content_adds_no_object_to_the_cache_or_the_remote(tmp_path, repo):
    cache, remote, data = repo
    data.write_text('{"id": "a"}\n')
    first = snapshot_file(tmp_path, data)
    assert not first.reused
    counts = (len(_objects(cache)), len(_objects(remote)))

    data.write_text('{"id": "a"}\n')  # rewritten with the same bytes, as every pipeline run does
    again = snapshot_file(tmp_path, data)
    assert again.reused and again.md5 == first.md5 and again.pushed == 0
    assert (len(_objects(cache)), len(_objects(remote))) == counts

    data.write_text('{"id": "b"}\n')
    changed = snapshot_file(tmp_path, data)
    assert not changed.reused and (len(_objects(cache)), len(_objects(remote))) == (counts[0] + 1, counts[1] + 1)

    data.write_text('{"id": "a"}\n')  # back to content stored before: still nothing new
    back = snapshot_file(tmp_path, data)
    assert back.reused and back.md5 == first.md5
    assert (len(_objects(cache)), len(_objects(remote))) == (counts[0] + 1, counts[1] + 1)


def _damage(obj):
    obj.chmod(0o644)
    obj.write_bytes(obj.read_bytes()[:5])  # what a kill or a bad disk leaves under the right name


def test_damaged_objects_are_written_again_and_a_damaged_remote_restores_nothing(tmp_path, repo):
    import hashlib

    from longloop.versioning.dvc_snapshots import VersioningError

    cache, remote, data = repo
    data.write_text('{"id": "kept"}\n' * 50)
    first = snapshot_file(tmp_path, data)
    (cached,), (pushed,) = _objects(cache), _objects(remote)
    _damage(cached)
    _damage(pushed)
    again = snapshot_file(tmp_path, data)  # DVC alone would call both copies up to date
    assert again.md5 == first.md5 and not again.reused and again.pushed == 1
    for obj in (cached, pushed):
        assert hashlib.md5(obj.read_bytes()).hexdigest() == first.md5

    _damage(pushed)
    import shutil

    shutil.rmtree(cache)
    target = tmp_path / "state" / "restored.jsonl"
    with pytest.raises(VersioningError, match="damaged"):
        restore_snapshot(tmp_path, first.md5, target)
    assert not target.exists()
