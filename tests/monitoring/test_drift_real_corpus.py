"""``longloop drift`` on real text, as a user runs it: Debian package changelogs of this machine, as JSONL.

Two samples of one real corpus must not alarm (before the vocabulary was held out of the reference, every
same-corpus pair did: the reference's OOV rate was 0 by construction), and real shifts must: changelogs of other
Debian sections against a reference of library changelogs, and long changelogs against all of them. The corpus
is built here from the installed packages, which differ between machines; a Debian machine with fewer documents
than the windows need fails the test rather than skipping it. One document per distinct file, read here rather
than through ``corpus/debian_changelogs.py``, whose one document per source package leaves fewer documents than
these windows draw (361 against 580 on the machine this was written on).
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from longloop.corpus.records import has_control_chars
from tests.cli_runner import run_cli

LIBRARY_SECTIONS = {"libs", "libdevel"}
REF, WINDOW = 100, 60  # documents in a reference and in a window


def debian_changelogs(max_chars: int = 400_000) -> list[dict]:
    """Distinct changelog files with their package's Debian section; files the CLI would refuse are left out."""
    listing = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package}\t${Section}\n"], capture_output=True, text=True, check=True
    ).stdout
    section = dict(line.split("\t", 1) for line in listing.split("\n") if "\t" in line)
    docs: dict[str, dict] = {}
    for path in sorted(glob.glob("/usr/share/doc/*/changelog.Debian.gz")):
        try:
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
                text = f.read()
        except (OSError, EOFError):  # a truncated or corrupt file: not a document
            continue
        if text.strip() and len(text) <= max_chars and not has_control_chars(text):
            package = Path(path).parent.name
            docs.setdefault(
                hashlib.sha256(text.encode()).hexdigest(), {"text": text, "section": section.get(package, "unknown")}
            )
    return list(docs.values())


@pytest.fixture(scope="module")
def corpus(tiny_params) -> list[dict]:
    docs = debian_changelogs(tiny_params.data.max_text_chars)  # the limit the CLI holds the project's files to
    libs = [d for d in docs if d["section"] in LIBRARY_SECTIONS]
    # What the windows below draw without replacement; the machine this was written on had 580, 323 of libraries.
    assert len(docs) >= 2 * (REF + WINDOW) and len(libs) >= REF + WINDOW and len(docs) - len(libs) >= WINDOW, (
        f"too few Debian changelogs on this machine: {len(docs)} ({len(libs)} of library sections)"
    )
    return docs


def _drift(project: Path, name: str, ref: list[dict], cur: list[dict]) -> dict:
    for side, docs in (("ref", ref), ("cur", cur)):
        (project / f"{name}-{side}.jsonl").write_text("".join(json.dumps({"text": d["text"]}) + "\n" for d in docs))
    res = run_cli(
        project, "drift", "--reference", f"{name}-ref.jsonl", "--current", f"{name}-cur.jsonl", "--json", timeout=300
    )
    assert res.code == 0, res.stderr[-2000:]
    return res.json


def test_same_corpus_windows_do_not_alarm_and_real_shifts_do(project, corpus):
    rng = np.random.default_rng(2026)
    libs = [d for d in corpus if d["section"] in LIBRARY_SECTIONS]
    others = [d for d in corpus if d["section"] not in LIBRARY_SECTIONS]

    def sample(docs: list[dict], *sizes: int) -> list[list[dict]]:
        idx = rng.permutation(len(docs))
        cuts = np.cumsum((0,) + sizes)
        return [[docs[i] for i in idx[a:b]] for a, b in zip(cuts[:-1], cuts[1:])]

    # Same corpus: library changelogs against library changelogs, and all against all. At alpha 0.01 an alarm
    # is expected in about one pair of a hundred; the vocabulary built from the whole reference alarmed on all.
    null = [_drift(project, f"lib{i}", *sample(libs, REF, WINDOW)) for i in range(2)]
    null += [_drift(project, f"all{i}", *sample(corpus, REF, WINDOW)) for i in range(2)]
    alarms = [[name for name, c in r["checks"].items() if c["drift"]] for r in null]
    assert sum(r["drift_detected"] for r in null) <= 1, alarms
    assert not any(r["checks"]["oov_rate"]["drift"] for r in null)

    # Another section: a reference of library changelogs, a window of utilities', admin tools', Python's, ...
    section = _drift(project, "section", sample(libs, REF)[0], sample(others, WINDOW)[0])
    assert section["drift_detected"] and section["checks"]["words"]["drift"]

    # Much longer documents: a window of changelogs above the corpus's 75th percentile of words.
    ref, rest = sample(corpus, REF, len(corpus) - REF)
    cut = np.percentile([len(d["text"].split()) for d in corpus], 75)
    long_docs = [d for d in rest if len(d["text"].split()) > cut][:WINDOW]
    assert len(long_docs) == WINDOW, f"too few long Debian changelogs on this machine: {len(long_docs)}"
    longer = _drift(project, "longer", ref, long_docs)
    assert longer["drift_detected"] and longer["checks"]["length"]["drift"]
