"""Waivers: findings a named person reviewed and accepted, for a stated reason, read from a YAML or JSON file.

A waiver names what it covers in one of three ways:

- ``record: <id>`` (optionally with ``check: <name>``): every finding on that record, or on a pair or hit
  that involves it (the evaluation side of a contamination hit, either side of a leakage pair);
- ``ngram: <text>`` (contamination): every n-gram of that text (``governance.contamination.ngram`` words
  or more, normalised like the documents) stops counting as shared text;
- ``token: <word>`` (label leakage): that token is no longer reported as giving a label away.

``reason`` and ``accepted_by`` are required on every waiver: an anonymous or unexplained waiver is refused
when the file is read, like any other bad configuration. The file is either a list of waivers or a mapping
with the list under ``waivers``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from longloop.corpus.readers import resolve_inside
from longloop.governance.text_normalization import normalized_words
from longloop.governance.word_hashing import hash_words, ngram_hashes
from longloop.settings.params import ConfigError, read_config_file

MAX_WAIVER_FILE_BYTES = 5_000_000
KINDS = ("record", "ngram", "token")
_FIELDS = {"record", "ngram", "token", "check", "reason", "accepted_by"}
_MAX_FIELD_CHARS = 20_000


@dataclass(frozen=True)
class Waiver:
    kind: str  # "record" | "ngram" | "token"
    value: str
    reason: str
    accepted_by: str
    check: str | None = None  # for a record waiver: only this check's findings (None: every check)

    def applies_to_check(self, check: str) -> bool:
        if self.kind == "ngram":
            return check == "contamination"
        if self.kind == "token":
            return check == "label_leakage"
        return self.check is None or self.check == check

    def describe(self) -> str:
        return f"{self.kind} {self.value!r}" + (f" ({self.check})" if self.check else "")


@dataclass(frozen=True)
class WaiverSet:
    waivers: tuple[Waiver, ...] = ()
    source: str | None = None  # the file they came from

    def __len__(self) -> int:
        return len(self.waivers)

    def of_kind(self, kind: str) -> list[Waiver]:
        return [w for w in self.waivers if w.kind == kind]

    def merged(self, other: WaiverSet) -> WaiverSet:
        sources = [s for s in (self.source, other.source) if s]
        return WaiverSet(self.waivers + other.waivers, ", ".join(sources) or None)


@dataclass
class NgramWaivers:
    """The hashes of the n-grams that the ``ngram`` waivers cover, and which waiver each came from."""

    hashes: np.ndarray  # sorted, distinct
    waiver_of: np.ndarray  # index into the waiver list, per hash
    waivers: list[Waiver] = field(default_factory=list)


def ngram_waiver_hashes(waivers: WaiverSet, n: int) -> NgramWaivers:
    texts = waivers.of_kind("ngram")
    if not texts:
        return NgramWaivers(np.zeros(0, np.uint64), np.zeros(0, np.int64), [])
    for w in texts:
        if len(normalized_words(w.value)) < n:
            raise ConfigError(
                f"{waivers.source or 'waivers'}: the n-gram waiver {w.value[:60]!r} has fewer than "
                f"{n} words (governance.contamination.ngram)"
            )
    grams, offsets = ngram_hashes(hash_words([w.value for w in texts], threads=1), n, short_docs_whole=False)
    owner = np.repeat(np.arange(len(texts)), np.diff(offsets))
    order = np.argsort(grams, kind="stable")
    grams, owner = grams[order], owner[order]
    first = np.concatenate(([True], grams[1:] != grams[:-1])) if len(grams) else np.zeros(0, bool)
    return NgramWaivers(grams[first], owner[first], texts)


def parse_waivers(raw: object, source: str, known_checks: tuple[str, ...] | None = None) -> WaiverSet:
    """Validate waivers as read from YAML or JSON; every problem is a one-line ``ConfigError``."""
    if isinstance(raw, dict):
        if set(raw) - {"waivers"}:
            extra = sorted(map(str, set(raw) - {"waivers"}))[0]
            raise ConfigError(f"{source}: {extra}: unknown key (the waivers go in a list under 'waivers')")
        raw = raw.get("waivers")
    if raw is None:
        return WaiverSet((), source)
    if not isinstance(raw, list):
        raise ConfigError(f"{source}: expected a list of waivers, got {type(raw).__name__}")
    out = []
    for i, entry in enumerate(raw, start=1):
        where = f"{source}: waiver {i}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: expected a mapping with record, ngram or token, reason and accepted_by")
        unknown = sorted(map(str, set(entry) - _FIELDS))
        if unknown:
            raise ConfigError(f"{where}: {unknown[0]}: unknown key")
        kinds = [k for k in KINDS if k in entry]
        if len(kinds) != 1:
            raise ConfigError(f"{where}: name exactly one of record, ngram or token")
        values = {}
        for name in (kinds[0], "reason", "accepted_by") + (("check",) if "check" in entry else ()):
            value = entry.get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                # YAML reads 00017 as 15 (octal) and 1e3 as 1000.0: converting back would name another record
                raise ConfigError(f"{where}: '{name}' must be a string (quote it: YAML read {value!r} as a number)")
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{where}: '{name}' is required (a non-empty string)")
            if len(value) > _MAX_FIELD_CHARS:
                raise ConfigError(f"{where}: '{name}' is over {_MAX_FIELD_CHARS} characters")
            values[name] = value.strip() if name != "record" else value
        check = values.get("check")
        if check is not None and kinds[0] != "record":
            raise ConfigError(f"{where}: 'check' goes with a record waiver only ({kinds[0]} waivers have their check)")
        if check is not None and known_checks is not None and check not in known_checks:
            raise ConfigError(f"{where}: check {check!r} is not one of {', '.join(known_checks)}")
        out.append(Waiver(kinds[0], values[kinds[0]], values["reason"], values["accepted_by"], check))
    return WaiverSet(tuple(out), source)


def read_waivers(path: str | Path, known_checks: tuple[str, ...] | None = None) -> WaiverSet:
    """Read a waivers file (``.json``: JSON; anything else: YAML, without aliases)."""
    p = Path(path)
    raw = read_config_file(p, "waivers file", MAX_WAIVER_FILE_BYTES)
    return parse_waivers(raw, p.name, known_checks)


def load_waivers(
    paths: list[str] | tuple[str, ...], root: Path, known_checks: tuple[str, ...] | None = None
) -> WaiverSet:
    """The waivers of every file given (relative to the project ``root`` and inside it), in order."""
    merged = WaiverSet()
    for given in paths:
        path = resolve_inside(Path(given) if Path(given).is_absolute() else Path(root) / given, [Path(root)])
        merged = merged.merged(read_waivers(path, known_checks))
    return merged
