"""Read two Debian file formats: a package changelog split into its entries, and a DEP-5 copyright file's
first ``License:`` field.

A changelog entry (Debian Policy 4.4) opens with ``source (version) distributions; urgency=...`` and ends
with the trailer `` -- Name <e-mail>  date`` (RFC 5322 date). Policy asks for two spaces before the date;
old entries sometimes have one, so any run of whitespace is accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_HEADER = re.compile(r"^(?P<source>[A-Za-z0-9][A-Za-z0-9+.\-]*) \((?P<version>[^()\s]+)\)")
_TRAILER = re.compile(r"^ -- (?P<maintainer>.*?) <(?P<email>[^<>]*)>\s+(?P<date>\S.*?)\s*$")
# DEP-5 (copyright-format 1.0): a machine-readable file opens with the Format field; field names are
# case-insensitive; the first line of License holds the short name or expression.
_DEP5_FORMAT = re.compile(r"\A\s*format:", re.IGNORECASE)
_LICENSE_FIELD = re.compile(r"^license:[ \t]*(?P<value>.*?)[ \t]*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class ChangelogEntry:
    position: int  # 0 for the entry at the top of the file (the newest by convention)
    source: str | None  # the source package named in the header; None when the header is not standard
    version: str | None
    date: datetime | None  # timezone-aware; None when the trailer's date cannot be parsed
    text: str  # the entry as written, header to trailer


def parse_date(text: str) -> datetime | None:
    """A trailer's RFC 5322 date, timezone-aware (``-0000``, which the parser leaves naive, read as UTC)."""
    try:
        date = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return date if date.tzinfo else date.replace(tzinfo=UTC)


def changelog_entries(text: str) -> list[ChangelogEntry]:
    """The entries of a changelog in file order. Text after the last trailer (``Old Changelog:`` sections, Emacs
    variables, debhelper's "older entries have been removed" note) belongs to no entry and is left out."""
    entries: list[ChangelogEntry] = []
    block: list[str] = []
    for line in text.split("\n"):  # "\n" only: str.splitlines() would also break on U+2028 inside an entry
        block.append(line.rstrip("\r"))
        trailer = _TRAILER.match(block[-1])
        if not trailer:
            continue
        lines = block
        while lines and not lines[0].strip():
            lines.pop(0)
        header = _HEADER.match(lines[0]) if lines else None
        entries.append(
            ChangelogEntry(
                position=len(entries),
                source=header["source"] if header else None,
                version=header["version"] if header else None,
                date=parse_date(trailer["date"]),
                text="\n".join(lines),
            )
        )
        block = []
    return entries


def first_dep5_license(text: str) -> str:
    """The value of the first ``License:`` field, as written (``GPL-2+``, ``BSD-3-clause or GPL``), of a DEP-5
    copyright file; "" when the file is not machine-readable (free-form copyright files mention licenses in
    prose, which is no field) or its first License line is empty."""
    if not _DEP5_FORMAT.match(text):
        return ""
    field = _LICENSE_FIELD.search(text)
    return field["value"] if field else ""
