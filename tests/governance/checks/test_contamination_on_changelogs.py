"""Contamination on real text: this machine's Debian changelogs, where related packages really share text.

Measured here (582 changelogs, 393 in train, 2026-12-04): every shared 13-gram counted flags 16.8% of the
training changelogs, the document-frequency cut alone 13.5%, the default (cut and passages) 1.3%: the pairs
left are long passages two packages really share (libattr1 and libacl1, the SELinux libraries, libsm and
libice). Planted 200-word copies: 20 of 20 found, with and without 3% of their words changed.
"""

import dataclasses
import random

import pytest

from longloop.governance.checks import ContaminationCheck
from longloop.governance.gate import run_gate
from longloop.settings.params import GovernanceParams
from tests.governance.changelog_corpus import changelog_records, plant_copies, plants_found

MIN_DOCUMENTS = 400
ONLY = (ContaminationCheck(),)


@pytest.fixture(scope="module")
def changelogs():
    return changelog_records(MIN_DOCUMENTS)


def _share(records, **contamination):
    report, _ = run_gate(records, GovernanceParams.model_validate({"contamination": contamination}), checks=ONLY)
    return report.checks["contamination"].violations / sum(r.split == "train" for r in records), report


def test_few_real_changelogs_are_flagged_once_boilerplate_and_stock_lines_are_not_counted(changelogs):
    legacy, _ = _share(changelogs, max_document_frequency=None, min_passage_words=None)
    cut_only, report = _share(changelogs, min_passage_words=None)
    default, report = _share(changelogs)
    summary = report.checks["contamination"].summary
    assert summary.ngrams_cut > 0 and summary.records_flagged_without_cut > 0
    assert cut_only < legacy, (legacy, cut_only)
    assert default <= 0.05 and default <= legacy / 3, (legacy, cut_only, default)


def _edited(records, ids, rate, seed):
    rng = random.Random(seed)
    return [
        dataclasses.replace(r, text=" ".join("zzqx" if rng.random() < rate else w for w in r.text.split(" ")))
        if r.id in ids
        else r
        for r in records
    ]


@pytest.mark.parametrize("edit_rate", [0.0, 0.03])
def test_planted_200_word_copies_of_test_changelogs_are_all_found(changelogs, edit_rate):
    planted, plants = plant_copies(changelogs, 20, words=200, seed=1)
    planted = _edited(planted, {p.train_id for p in plants}, edit_rate, seed=2)
    report, _ = run_gate(planted, GovernanceParams(), checks=ONLY)
    assert plants_found(report, planted, plants) == len(plants)
