"""A window identical to the last one checked reuses its result and adds no Evidently snapshot (real Evidently)."""

import numpy as np

from longloop.monitoring.drift_job import run_drift_check
from longloop.monitoring.evidently_dashboard import SNAPSHOTS_PER_WINDOW
from longloop.settings.params import MonitoringParams

WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda".split()


def _rows(n: int, seed: int, length: int, version: str | None) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        text = " ".join(rng.choice(WORDS, length + int(rng.integers(0, 20))))
        row = {
            "id": f"d{seed}-{i}",
            "text": text,
            "n_tokens": len(text.split()),
            "prediction": str(rng.choice(["a", "b"])),
            "confidence": float(rng.uniform(0.5, 1)),
            "embedding": [float(v) for v in rng.normal(size=4)],
        }
        if version:
            row["model_version"] = version
        rows.append(row)
    return rows


def _snapshots(workspace):
    return sorted(workspace.rglob("snapshots/*.json"))


def test_the_same_window_again_reuses_the_result_and_a_changed_one_is_checked(tmp_path):
    mp = MonitoringParams(permutations=100)
    workspace, vocabulary = tmp_path / "evidently", WORDS[:6]
    reference, current = _rows(40, 1, 30, None), _rows(30, 2, 60, "3")
    first = run_drift_check(reference, current, vocabulary, 256, mp, workspace, tmp_path / "r1.html")
    assert first["reused"] is False and len(_snapshots(workspace)) == SNAPSHOTS_PER_WINDOW

    # The same documents scored by the same model version, logged in another order and with the last digits
    # of the scores changed by another batch's padding: the same window.
    again_rows = [{**r, "confidence": r["confidence"] + 1e-7} for r in reversed(current)]
    again = run_drift_check(reference, again_rows, vocabulary, 256, mp, workspace, tmp_path / "r2.html")
    assert (
        again["reused"] is True
        and len(_snapshots(workspace)) == SNAPSHOTS_PER_WINDOW
        and not (tmp_path / "r2.html").exists()
    )
    assert again["evidently"]["snapshot_id"] == first["evidently"]["snapshot_id"]
    assert (again["drift_detected"], again["score"], again["checks"]) == (
        first["drift_detected"],
        first["score"],
        first["checks"],
    )
    assert again["first_checked_at"] == first["at"]

    # Another model version, another document, or another test setting: a new check and a new snapshot.
    for changed in (
        run_drift_check(reference, _rows(30, 2, 60, "4"), vocabulary, 256, mp, workspace),
        run_drift_check(reference, current[:-1] + _rows(1, 9, 60, "3"), vocabulary, 256, mp, workspace),
        run_drift_check(reference, current, vocabulary, 256, MonitoringParams(permutations=120), workspace),
    ):
        assert changed["reused"] is False
    assert len(_snapshots(workspace)) == 4 * SNAPSHOTS_PER_WINDOW


def test_without_a_workspace_nothing_is_remembered(tmp_path):
    mp = MonitoringParams(permutations=100)
    reference, current = _rows(40, 1, 30, None), _rows(30, 2, 60, "3")
    assert run_drift_check(reference, current, WORDS, 256, mp)["reused"] is False
    assert run_drift_check(reference, current, WORDS, 256, mp)["reused"] is False
