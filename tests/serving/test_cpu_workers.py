"""How the serving process splits its cores between model workers."""

from __future__ import annotations

import pytest

from serving.cpu_workers import WorkerPlan, plan_workers, usable_cores


@pytest.mark.parametrize("setting, cores, plan", [
    ("auto", 2, WorkerPlan(2, 1)),
    ("auto", 1, WorkerPlan(1, 1)),
    (1, 8, WorkerPlan(1, 8)),
    (2, 8, WorkerPlan(2, 4)),
    (3, 8, WorkerPlan(3, 2)),
    (4, 2, WorkerPlan(4, 1)),  # more workers than cores: one thread each, never zero
])
def test_workers_share_the_cores(setting, cores, plan):
    assert plan_workers(setting, cores) == plan


@pytest.mark.parametrize("setting", [0, -1, True, "many", 1.5])
def test_a_bad_setting_is_refused(setting):
    with pytest.raises(ValueError, match="model_workers"):
        plan_workers(setting, 2)


def test_usable_cores_counts_this_process_affinity():
    assert 1 <= usable_cores()
