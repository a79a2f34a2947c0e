"""Valid real-world text through the command line: ``govern`` reads it in every format, and a whole ``run``
passes it from stage to stage (the dataset written by one stage and read by the next) unchanged."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from longloop.corpus.dataset_files import read_records
from tests.cli_runner import run_cli

# Inserted into every demo document: what str.splitlines() breaks on and JSON allows raw, and other real text.
SPECIAL = " first\u2028second\u2029third\u0085fourth\tcolumn\r\nwindows \U0001f680\U0001f44d\U0001f3fd \ufeff "


def _write_real_text_datasets(project: Path) -> dict[str, str]:
    assert run_cli(project, "demo-data", "--out", "demo.jsonl", "--n", "160").code == 0
    rows = [json.loads(line) for line in (project / "demo.jsonl").read_text(encoding="utf-8").split("\n") if line]
    for i, r in enumerate(rows):
        cut = len(r["text"]) // 2
        r["text"] = r["text"][:cut] + SPECIAL + r["text"][cut:] + ("\u2028" if i % 2 else "\t")
    (project / "real.jsonl").write_bytes(
        b"\xef\xbb\xbf" + "".join(json.dumps(r, ensure_ascii=False) + "\r\n" for r in rows).encode("utf-8")
    )  # BOM and CRLF too
    with open(project / "real.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    pq.write_table(pa.Table.from_pylist(rows), project / "real.parquet")
    return {r["id"]: r["text"] for r in rows}


def test_govern_reads_real_text_in_every_format(project):
    texts = _write_real_text_datasets(project)
    for name in ("real.jsonl", "real.csv", "real.parquet"):
        res = run_cli(project, "govern", "--data", name, "--json", timeout=120)
        assert res.code == 0, (name, res.stderr[-2000:])
        assert res.json["verdict"] == "pass" and res.json["records"] == len(texts), name


@pytest.mark.slow  # a whole run on the tiny config: about a minute on 2 cores
def test_a_run_passes_real_text_from_stage_to_stage_unchanged(project):
    texts = _write_real_text_datasets(project)
    # No champion, so nothing is served: this test is about the dataset files between the stages.
    params = project / "params.yaml"
    params.write_text(params.read_text().replace("min_gain_over_baseline: null", "min_gain_over_baseline: 1.0"))
    res = run_cli(project, "run", "--data", "real.csv", "--json", timeout=600)
    assert res.code in (0, 1), res.stderr[-3000:]  # 1: the promotion gate refused, as configured
    summary = res.json
    assert summary["governance"]["verdict"] == "pass" and summary["dataset"]["counts"]["total"] == len(texts)
    stored = read_records(project / ".longloop" / "data" / "dataset.jsonl")
    assert {r.id: r.text for r in stored} == texts
    [kept_path] = (project / ".longloop" / "data" / "governance").glob("*/kept.jsonl")  # what training read
    kept = read_records(kept_path)
    assert {r.id: r.text for r in kept} == texts
    assert summary["training"]["val_accuracy"] >= 0  # training ran on it
