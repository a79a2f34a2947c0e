"""What every check of the gate is and shares: findings, results, and the context computed once per gate run.

A check is a small object with a ``name``, an ``enabled(context)`` predicate, a ``default_action(params)``
(the action when ``governance.actions.<name>`` is not set), ``run(context) -> CheckResult`` and
``report_fields(result, counted, limit)`` (its part of the JSON report). It never decides the verdict: the gate
applies waivers and actions to its findings, the same way for every check.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

import numpy as np

from longloop.corpus.records import Record
from longloop.corpus.splits import by_split
from longloop.governance.exact_duplicates import exact_duplicate_index_groups
from longloop.governance.near_duplicates import near_duplicate_indices
from longloop.governance.waivers import Waiver, WaiverSet
from longloop.governance.word_hashing import WordHashes, hash_words
from longloop.settings.params import GovernanceParams

SPLIT_RANK = {"train": 0, "validation": 1, "test": 2}


@dataclass(frozen=True)
class Finding:
    """One problem one check found. ``record_id`` is the record an action applies to (None: a finding about
    the dataset as a whole); ``related`` are the other records involved (the other side of a pair)."""

    check: str
    record_id: str | None
    reason: str
    related: tuple[str, ...] = ()
    token: str | None = None  # the token a token waiver may name (label leakage)
    detail: Any = None  # the check's own dataclass for this finding (a hit, a pair, a verdict)
    counted: bool = True  # False: reported and acted on, but not a violation (a license set aside by policy)
    action: str | None = None  # set by the check when policy fixes it (None: the check's configured action)
    waived_by: tuple[Waiver, ...] = ()  # the waivers that accepted it: it no longer counts nor acts

    @property
    def waived(self) -> bool:
        return bool(self.waived_by)


@dataclass
class CheckResult:
    findings: list[Finding]
    summary: Any = None  # the check's own dataclass of figures that waivers do not change


@dataclass(frozen=True)
class DuplicatePair:
    a: str  # the earlier record (input order)
    b: str
    jaccard: float  # 1.0 for an exact copy


class GateContext:
    """The inputs of one gate run and the work its checks share, each piece computed at most once.

    The words of every record are hashed once, in split order (train, validation, test), so that each split
    is one contiguous slice of the hashes and no check copies them.
    """

    def __init__(
        self,
        records: list[Record],
        params: GovernanceParams,
        benchmarks: list[Record] | None = None,
        waivers: WaiverSet | None = None,
    ):
        self.records = records
        self.params = params
        self.benchmarks = list(benchmarks or [])
        self.waivers = waivers or WaiverSet()
        self.splits = by_split(records)
        self.split_of = {r.id: r.split or "train" for r in records}
        self.order = np.array(
            sorted(range(len(records)), key=lambda k: SPLIT_RANK[records[k].split or "train"]), dtype=np.int64
        )
        self.n_train = len(self.splits["train"])
        self.n_held = len(self.splits["validation"]) + len(self.splits["test"])

    @cached_property
    def words(self) -> WordHashes:
        return hash_words([self.records[i].text for i in self.order.tolist()])

    @cached_property
    def train_words(self) -> WordHashes:
        return self.words.slice(0, self.n_train)

    @property
    def held_out(self) -> list[Record]:
        """Validation, test and benchmark records, in the order of ``held_out_words``."""
        return self.splits["validation"] + self.splits["test"] + self.benchmarks

    @cached_property
    def held_out_words(self) -> WordHashes:
        held = self.words.slice(self.n_train, self.n_train + self.n_held)
        if not self.benchmarks:
            return held
        bench = hash_words([r.text for r in self.benchmarks])
        return WordHashes(
            np.concatenate([held.hashes, bench.hashes]),
            np.concatenate([held.offsets, held.offsets[-1] + bench.offsets[1:]]),
            np.concatenate([held.id_like, bench.id_like]),
        )

    @cached_property
    def duplicate_pairs(self) -> list[DuplicatePair]:
        """Exact and near duplicates, once per pair (the exact score wins), earlier record first."""
        order, records = self.order, self.records
        exact = sorted(sorted(order[g].tolist()) for g in exact_duplicate_index_groups(self.words))
        nd = self.params.near_duplicates
        near = sorted(
            (min(int(order[i]), int(order[j])), max(int(order[i]), int(order[j])), float(jac))
            for i, j, jac in near_duplicate_indices(self.words, nd.threshold, nd.num_perm, nd.shingle_words)
        )
        pairs, seen = [], set()
        for a, b, score in [(g[0], other, 1.0) for g in exact for other in g[1:]] + near:
            ids = (records[a].id, records[b].id)
            if ids in seen or ids[::-1] in seen:
                continue
            seen.add(ids)
            pairs.append(DuplicatePair(ids[0], ids[1], score))
        return pairs

    @cached_property
    def duplicate_groups(self) -> np.ndarray:
        """A group id per record (input order): records linked by a chain of duplicate pairs share one."""
        parent = np.arange(len(self.records))
        index = {r.id: i for i, r in enumerate(self.records)}

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for p in self.duplicate_pairs:
            a, b = root(index[p.a]), root(index[p.b])
            if a != b:
                parent[max(a, b)] = min(a, b)
        return np.array([root(i) for i in range(len(self.records))], dtype=np.int64)


class Check(Protocol):
    name: str

    def enabled(self, context: GateContext) -> bool: ...

    def default_action(self, params: GovernanceParams) -> str: ...

    def run(self, context: GateContext) -> CheckResult: ...

    def violations(self, findings: list[Finding]) -> int:
        """How many violations these (unwaived) findings are, in the check's own unit."""
        ...

    def report_fields(self, result: CheckResult, unwaived: list[Finding], limit: int) -> dict:
        """The check's own keys of its JSON report entry, from the findings no waiver accepted (lists cut to
        ``limit`` items; counts complete)."""
        ...


class BaseCheck(ABC):
    """Defaults for a check: always enabled, blocks, one violation per counted finding, no extra report keys.
    ``run`` is the one method a check must write (a subclass without it cannot be instantiated)."""

    name = "check"
    # Records this check quarantines count toward governance.max_quarantine_share: they are lost to training.
    counts_toward_quarantine_cap = True

    def enabled(self, context: GateContext) -> bool:
        return True

    def default_action(self, params: GovernanceParams) -> str:
        return params.on_violation

    @abstractmethod
    def run(self, context: GateContext) -> CheckResult: ...

    def violations(self, findings: list[Finding]) -> int:
        return sum(f.counted for f in findings)

    def report_fields(self, result: CheckResult, unwaived: list[Finding], limit: int) -> dict:
        return {}
