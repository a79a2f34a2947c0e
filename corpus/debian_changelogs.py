"""A real corpus from text nobody here wrote: the Debian changelogs of the packages installed on this machine.

Each installed package's documentation folder, ``<doc_root>/<package>/``, holds ``changelog.Debian.gz``; the
folder names the package, dpkg gives its section, which is the label, and the ``copyright`` file beside it the
license. The installed packages differ from machine to machine, so the corpus is built where it is used and
its size is checked, never assumed.

Choices, all deterministic (folders, packages and entries are read in sorted or file order):

- **One document per source package.** The binary packages built from one source ship the same changelog,
  often differing only in debhelper's closing note naming the binary or in a binNMU entry; keeping each would
  put near-copies with different labels on both sides of a split. The document is that of the binary package
  named like the source when it is installed, else of the first by name; its id is that package's name and its
  label that package's section (an area prefix such as ``contrib/`` dropped). Folders that are symlinks are
  another package's documentation and are skipped.
- **Training text and production stream.** The newest ``production_entries`` entries of a package (by trailer
  date; ties go to the one higher in the file) are its production stream, provided that at least one older
  entry stays for training and that each is strictly newer than every entry left behind (an entry tied with
  the newest training entry stays in training). Entries without a parseable date or version stay in training.
  The training document is the remaining entries in file order; when it is longer than ``max_text_chars`` it
  keeps the newest entries that fit, whole. The production stream is ordered by date, as it arrived.
- **Labels.** Sections with at least ``min_per_label`` documents are kept (with ``max_labels``, only the most
  frequent); documents of other sections, and their production entries, are dropped.
"""

from __future__ import annotations

import gzip
import hashlib
import statistics
import subprocess
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from longloop.corpus.debian_formats import ChangelogEntry, changelog_entries, first_dep5_license
from longloop.corpus.records import DataError

DEFAULT_DOC_ROOT = Path("/usr/share/doc")
CHANGELOG = "changelog.Debian.gz"
COPYRIGHT = "copyright"


@dataclass
class DebianCorpus:
    records: list[dict]  # training documents: id, text, label, license, source, source_package, dates
    production: list[dict]  # newer entries: id (package@version), text, label, package, date
    labels: dict[str, int]  # kept label -> documents
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> packages (or documents) left out
    build_seconds: float = 0.0

    def production_documents(self) -> list[dict]:
        """What production traffic carries: the entry's id and text, no label."""
        return [{"id": p["id"], "text": p["text"]} for p in self.production]

    def feedback_labels(self) -> list[dict]:
        """The labels that come back later for the production documents, joined by id."""
        return [{"id": p["id"], "label": p["label"]} for p in self.production]

    def summary(self) -> dict:
        words = sorted(len(r["text"].split()) for r in self.records)
        return {
            "documents": len(self.records),
            "labels": dict(self.labels),
            "production_entries": len(self.production),
            "words_per_document": {
                "median": statistics.median(words) if words else 0,
                "p90": words[int(0.9 * (len(words) - 1))] if words else 0,
                "max": words[-1] if words else 0,
            },
            "skipped": dict(self.skipped),
            "build_seconds": round(self.build_seconds, 2),
        }


@dataclass(frozen=True)
class _Changelog:
    package: str
    path: Path
    section: str
    entries: list[ChangelogEntry]


def installed_sections() -> dict[str, str]:
    """package -> Debian section, from dpkg's database (``dpkg-query -W``)."""
    try:
        proc = subprocess.run(
            ["dpkg-query", "-W", "-f=${Package}\t${Section}\n"],
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise DataError("dpkg-query not found: Debian package sections are only known on a Debian system") from None
    except subprocess.TimeoutExpired:
        raise DataError("dpkg-query did not answer within 120 s") from None
    if proc.returncode != 0:
        raise DataError(f"dpkg-query failed ({(proc.stderr.strip().split(chr(10)) or ['no message'])[0]})")
    sections: dict[str, str] = {}
    for line in proc.stdout.split("\n"):
        package, _, section = line.partition("\t")
        # A multi-arch package is listed once per architecture, with the same section.
        if package and section.strip():
            sections.setdefault(package, section.strip().rsplit("/", 1)[-1])  # "contrib/net" -> "net"
    return sections


def _one_line(text: str) -> str:
    """A field value that a record allows on one line: control characters (tabs too) become spaces."""
    return "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in text).strip()


def _plain_text(text: str) -> str:
    """Changelog text as a record's text allows it: control characters other than newline and tab (a form feed
    before Emacs variables, say) become spaces."""
    return "".join(" " if (ord(c) < 32 and c not in "\n\t") or ord(c) == 127 else c for c in text)


def _decode(data: bytes) -> str:
    """UTF-8 line by line; a line that is not (entries from before Debian moved changelogs to UTF-8 in 2006)
    is read as Latin-1, which every byte sequence is, without garbling the UTF-8 lines around it."""
    lines = []
    for raw in data.split(b"\n"):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(raw.decode("latin-1"))
    return "\n".join(lines)


def _read_changelog(path: Path) -> list[ChangelogEntry] | None:
    try:
        return changelog_entries(_plain_text(_decode(gzip.decompress(path.read_bytes()))))
    except (OSError, EOFError, zlib.error):  # unreadable or corrupt gzip: the package has no usable changelog
        return None


def _package_changelogs(doc_root: Path, sections: dict[str, str], skipped: Counter) -> list[_Changelog]:
    """One changelog per installed package whose own (non-symlink) folder holds a readable one. A changelog
    that is a symlink to another package's is read twice and then grouped with it by ``_one_per_source``."""
    found = []
    try:
        folders = sorted(doc_root.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise DataError(f"{doc_root}: cannot be listed ({exc.strerror or type(exc).__name__})") from None
    for folder in folders:
        if folder.is_symlink():
            skipped["folder is a symlink to another package's"] += 1
            continue
        path = folder / CHANGELOG
        if not folder.is_dir() or not path.is_file():
            skipped["no changelog.Debian.gz"] += 1
            continue
        if folder.name not in sections:
            skipped["not an installed package with a section"] += 1
            continue
        entries = _read_changelog(path)
        if not entries:
            skipped["changelog unreadable or without entries"] += 1
            continue
        found.append(_Changelog(folder.name, path, sections[folder.name], entries))
    return found


def _one_per_source(changelogs: list[_Changelog], skipped: Counter) -> list[_Changelog]:
    """The changelog of the binary package named like the source, else of the first binary package by name."""
    by_source: dict[str, list[_Changelog]] = {}
    for c in changelogs:
        source = c.entries[0].source or hashlib.sha256(c.entries[0].text.encode()).hexdigest()
        by_source.setdefault(source, []).append(c)
    chosen = []
    for source, group in sorted(by_source.items()):
        group.sort(key=lambda c: (c.package != source, c.package))
        chosen.append(group[0])
        skipped["another binary package of the same source"] += len(group) - 1
    return chosen


def _picked_date(entry: ChangelogEntry) -> datetime:
    """The date of an entry ``_split_entries`` picked for production: it picks only dated, versioned ones."""
    if entry.date is None:
        raise ValueError(f"changelog entry {entry.position} has no date, so it cannot be a production entry")
    return entry.date


def _picked_version(entry: ChangelogEntry) -> str:
    """The version of an entry ``_split_entries`` picked for production (see ``_picked_date``)."""
    if entry.version is None:
        raise ValueError(f"changelog entry {entry.position} has no version, so it cannot be a production entry")
    return entry.version


def _split_entries(
    entries: list[ChangelogEntry], production_entries: int
) -> tuple[list[ChangelogEntry], list[ChangelogEntry]]:
    """(training entries in file order, production entries), as the module's docstring describes."""
    candidates = sorted(
        (e for e in entries if e.date and e.version), key=lambda e: (e.date, -e.position), reverse=True
    )[: max(0, min(production_entries, len(entries) - 1))]
    picked = {e.position for e in candidates}
    newest_left = max((e.date for e in entries if e.date and e.position not in picked), default=None)
    production = [e for e in candidates if newest_left is None or _picked_date(e) > newest_left]
    picked = {e.position for e in production}
    return [e for e in entries if e.position not in picked], production


def _fitting_text(entries: list[ChangelogEntry], max_text_chars: int) -> tuple[str, list[ChangelogEntry]]:
    """The entries joined by a blank line, from the top of the file, as many whole entries as fit."""
    kept: list[ChangelogEntry] = []
    size = 0
    for e in entries:
        size += len(e.text) + (2 if kept else 0)
        if size > max_text_chars:
            break
        kept.append(e)
    if not kept:  # a single entry over the limit: its beginning
        return entries[0].text[:max_text_chars], entries[:1]
    return "\n\n".join(e.text for e in kept), kept


def _utc(date: datetime) -> str:
    """ISO 8601 in UTC, so that dates written in different time zones sort as strings in time order."""
    return date.astimezone(UTC).isoformat()


def _license_of(folder: Path) -> str:
    try:
        return _one_line(first_dep5_license((folder / COPYRIGHT).read_text(encoding="utf-8", errors="replace")))
    except OSError:  # no copyright file (or an unreadable one): no license recorded
        return ""


def _documents(changelog: _Changelog, production_entries: int, max_text_chars: int) -> tuple[dict, list[dict]]:
    training, production = _split_entries(changelog.entries, production_entries)
    text, kept = _fitting_text(training, max_text_chars)
    record = {
        "id": changelog.package,
        "text": text,
        "label": changelog.section,
        "license": _license_of(changelog.path.parent),
        "source": str(changelog.path),
        "source_package": changelog.entries[0].source or "",
        "dates": [_utc(e.date) if e.date else None for e in kept],
    }
    stream: list[dict] = []
    versions: Counter[str | None] = Counter()
    for e in production:
        versions[e.version] += 1  # a version that appears twice in one changelog still gets its own id
        suffix = f"#{versions[e.version]}" if versions[e.version] > 1 else ""
        stream.append(
            {
                "id": f"{changelog.package}@{_one_line(_picked_version(e))}{suffix}",
                "text": e.text,
                "label": changelog.section,
                "package": changelog.package,
                "date": _utc(_picked_date(e)),
            }
        )
    return record, stream


def build_debian_corpus(
    doc_root: str | Path = DEFAULT_DOC_ROOT,
    min_documents: int = 200,
    min_per_label: int = 20,
    max_labels: int | None = None,
    production_entries: int = 2,
    max_text_chars: int = 400_000,
    sections: dict[str, str] | None = None,
) -> DebianCorpus:
    """Build the corpus (see the module docstring for every choice). ``sections`` (package -> section) replaces
    the dpkg query. A DataError when fewer than ``min_documents`` documents can be built."""
    started = time.perf_counter()
    doc_root = Path(doc_root)
    if not doc_root.is_dir():
        raise DataError(f"{doc_root}: not a folder of Debian package documentation")
    sections = installed_sections() if sections is None else dict(sections)
    skipped: Counter = Counter()
    changelogs = _one_per_source(_package_changelogs(doc_root, sections, skipped), skipped)

    counts = Counter(c.section for c in changelogs)
    kept_labels = sorted((label for label, n in counts.items() if n >= min_per_label), key=lambda l: (-counts[l], l))
    kept_labels = kept_labels[:max_labels] if max_labels is not None else kept_labels
    records, production = [], []
    for changelog in changelogs:
        if changelog.section not in kept_labels:
            skipped[
                f"label with fewer than {min_per_label} documents"
                if counts[changelog.section] < min_per_label
                else f"label beyond the {max_labels} most frequent"
            ] += 1
            continue
        record, stream = _documents(changelog, production_entries, max_text_chars)
        records.append(record)
        production.extend(stream)
    if len(records) < min_documents:
        reasons = ", ".join(f"{n} {why}" for why, n in sorted(skipped.items()))
        raise DataError(
            f"{doc_root}: only {len(records)} documents could be built from Debian changelogs, fewer "
            f"than the {min_documents} asked for ({len(kept_labels)} labels with at least {min_per_label} "
            f"documents; left out: {reasons or 'nothing'})"
        )
    records.sort(key=lambda r: r["id"])
    production.sort(key=lambda p: (p["date"], p["id"]))
    return DebianCorpus(
        records=records,
        production=production,
        labels={l: counts[l] for l in kept_labels},
        skipped=dict(sorted(skipped.items())),
        build_seconds=time.perf_counter() - started,
    )
