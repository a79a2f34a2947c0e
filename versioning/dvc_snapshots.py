"""Content-addressed dataset snapshots with DVC: add, push to the configured remote, restore by hash."""

from __future__ import annotations

import contextlib
import hashlib
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml


class VersioningError(RuntimeError):
    pass


@dataclass(frozen=True)
class Snapshot:
    md5: str
    size: int
    path: str  # relative to the DVC repo root
    dvc_file: str
    pushed: int  # objects newly pushed to the remote (0 when the data was already there)
    remote: str
    reused: bool = False  # the content was already in the cache and the remote: no new object anywhere

    def to_dict(self) -> dict:
        return asdict(self)


@contextlib.contextmanager
def _quiet():
    # DVC prints hints for interactive use on stdout; keep stdout for our own (JSON) output.
    with contextlib.redirect_stdout(sys.stderr):
        yield


def _repo(root: Path):
    from dvc.repo import Repo

    return Repo(str(root))


def ensure_repo(root: Path, cache_dir: Path, remote_url: str, remote_name: str = "local") -> None:
    """Make ``root`` a DVC repo (inside git when there is one) and point its cache and remote.

    The settings go to ``.dvc/config.local``, which DVC keeps out of git, so the committed config stays
    the user's and a server setup can name an S3 remote there instead.
    """
    from dvc.repo import Repo

    with _quiet():
        if not (root / ".dvc").is_dir():
            Repo.init(str(root), no_scm=not (root / ".git").exists())
        with _repo(root) as repo:
            with repo.config.edit("local") as conf:
                conf["cache"]["dir"] = str(cache_dir.resolve())
                if remote_name not in repo.config["remote"]:
                    conf["remote"][remote_name] = {"url": remote_url}
                conf["core"]["remote"] = remote_name


def snapshot_file(root: Path, path: Path, remote_name: str = "local") -> Snapshot:
    """Track ``path`` with DVC and push it; unchanged content adds no new object anywhere."""
    rel = path.resolve().relative_to(root.resolve())
    content_md5 = _file_md5(path)  # DVC 3 hashes a file's bytes with plain md5
    with _quiet(), _repo(root) as repo:
        try:
            # DVC trusts an object that exists under the right name: a damaged one would be reported up to
            # date and pushed on. Damaged copies are dropped first, so that add and push write them afresh.
            _drop_if_damaged(Path(repo.cache.local.oid_to_path(content_md5)), content_md5)
            remote = repo.cloud.get_remote_odb(remote_name)
            if type(remote.fs).__name__ == "LocalFileSystem":  # a folder remote; object stores check their own
                _drop_if_damaged(Path(remote.oid_to_path(content_md5)), content_md5)
            cached_before = repo.cache.local.exists(content_md5)
            # DVC resolves relative targets against the process's working folder: pass absolute paths.
            stages = repo.add(str(path.resolve()))
            dvc_file = Path(stages[0].path).resolve().relative_to(root.resolve())
            pushed = repo.push(targets=[str(root.resolve() / dvc_file)], remote=remote_name)
        except Exception as exc:  # DVC raises a wide family; surface one clear line
            raise VersioningError(f"dvc could not version {rel}: {exc}") from exc
    out = yaml.safe_load((root / dvc_file).read_text())["outs"][0]
    pushed = int(pushed or 0)
    return Snapshot(
        md5=out["md5"],
        size=int(out.get("size", 0)),
        path=str(rel),
        dvc_file=str(dvc_file),
        pushed=pushed,
        remote=remote_name,
        reused=cached_before and pushed == 0 and out["md5"] == content_md5,
    )


def _drop_if_damaged(obj: Path, md5: str) -> None:
    if obj.is_file() and _file_md5(obj) != md5:
        obj.chmod(0o644)  # DVC keeps objects read-only
        obj.unlink()


def _file_md5(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "md5").hexdigest()


def restore_snapshot(root: Path, md5: str, dest: Path, remote_name: str = "local") -> Path:
    """Bring back the exact data of a recorded hash from the remote into ``dest`` (inside ``root``)."""
    dest = dest.resolve()
    dest.parent.mkdir(parents=True, exist_ok=True)
    dvc_file = dest.with_name(dest.name + ".dvc")
    dvc_file.write_text(yaml.safe_dump({"outs": [{"md5": md5, "hash": "md5", "path": dest.name}]}))
    with _quiet(), _repo(root) as repo:
        try:
            repo.pull(targets=[str(dvc_file)], remote=remote_name, force=True)
        except Exception as exc:
            raise VersioningError(f"dvc could not restore {md5}: {exc}") from exc
    if _file_md5(dest) != md5:
        dest.unlink()
        raise VersioningError(
            f"the remote's copy of {md5} is damaged (its content hashes differently); nothing was restored"
        )
    return dest
