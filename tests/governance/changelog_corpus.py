"""Real long documents nobody here wrote: the Debian changelogs installed on this machine, read directly.

Every package's own documentation folder with a ``changelog.Debian.gz`` gives one document (identical texts
once), labelled by its Debian section. Binary packages of one source share most of their changelog, so the
split is drawn per source package: siblings land in the same split, and what the splits share is text that
different packages really share. Built at test time; too few documents is a failure, never a skip.
"""

from __future__ import annotations

import gzip
import hashlib
import random
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from longloop.corpus.records import Record
from longloop.governance.text_normalization import normalized_words

DOC_ROOT = Path("/usr/share/doc")


@dataclass(frozen=True)
class Plant:
    train_id: str
    test_id: str
    passage: str


def _packages() -> dict[str, tuple[str, str]]:
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package}\t${source:Package}\t${Section}\n"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    info = {}
    for line in out.split("\n"):
        if line.count("\t") == 2:
            package, source, section = line.split("\t")
            info.setdefault(package.split(":")[0], (source or package, section.rsplit("/", 1)[-1] or "unknown"))
    return info


def _text(path: Path) -> str:
    data = gzip.decompress(path.read_bytes())
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:  # changelogs from before Debian moved to UTF-8
        text = data.decode("latin-1")
    # a record's text holds no control characters but newline, carriage return and tab
    return "".join(" " if (ord(c) < 32 and c not in "\n\r\t") or ord(c) == 127 else c for c in text)


def changelog_records(min_documents: int, validation: float = 0.15, test: float = 0.15) -> list[Record]:
    """The corpus as split records; ``pytest.fail`` when this machine has fewer than ``min_documents``."""
    info, seen, records = _packages(), set(), []
    for folder in sorted(DOC_ROOT.iterdir()) if DOC_ROOT.is_dir() else []:
        path = folder / "changelog.Debian.gz"
        if folder.is_symlink() or folder.name not in info or not path.is_file():
            continue
        text = _text(path)
        digest = hashlib.sha256(text.encode()).digest()
        if digest in seen or not text.strip():
            continue
        seen.add(digest)
        source, section = info[folder.name]
        u = int.from_bytes(hashlib.sha256(f"split:{source}".encode()).digest()[:8], "big") / 2**64
        split = "test" if u < test else "validation" if u < test + validation else "train"
        records.append(Record(folder.name, text, section, "MIT", str(path), split))
    if len(records) < min_documents:
        pytest.fail(f"only {len(records)} Debian changelogs under {DOC_ROOT} on this machine, {min_documents} needed")
    return records


def plant_copies(
    records: list[Record], count: int, words: int = 200, seed: int = 0
) -> tuple[list[Record], list[Plant]]:
    """``count`` passages of ``words`` words, each from its own test document, each inserted at a word boundary
    into its own training document."""
    rng = random.Random(seed)
    tests = [r for r in records if r.split == "test" and len(r.text.split()) >= words + 50]
    trains = [r for r in records if r.split == "train"]
    if len(tests) < count or len(trains) < count:
        pytest.fail(f"{len(tests)} test and {len(trains)} training changelogs long enough, {count} needed")
    by_id = {r.id: i for i, r in enumerate(records)}
    out, plants = list(records), []
    for source, target in zip(rng.sample(tests, count), rng.sample(trains, count)):
        tokens = source.text.split()
        at = rng.randrange(len(tokens) - words)
        host = target.text.split(" ")
        cut = rng.randrange(len(host) + 1)
        text = " ".join(host[:cut] + [" ".join(tokens[at : at + words])] + host[cut:])
        out[by_id[target.id]] = replace(target, text=text)
        plants.append(Plant(target.id, source.id, " ".join(tokens[at : at + words])))
    return out, plants


def plants_found(report, records: list[Record], plants: list[Plant]) -> int:
    """Plants whose training document the contamination check flags against a held-out document holding the
    passage (the source, or a copy of it that owns the n-grams: the first holder does)."""
    words = {r.id: " ".join(normalized_words(r.text)) for r in records if r.split != "train"}
    hits = {(f.record_id, f.related[0]) for f in report.checks["contamination"].findings if not f.waived}
    found = 0
    for p in plants:
        passage = " ".join(normalized_words(p.passage))
        found += any(t == p.train_id and passage in words.get(e, "") for t, e in hits)
    return found
