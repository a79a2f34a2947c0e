"""How the serving process splits its cores between model workers."""

from __future__ import annotations

import os

import pytest

from longloop.serving.cpu_workers import WorkerPlan, cores_in_quota, plan_workers, usable_cores


@pytest.mark.parametrize(
    "setting, cores, plan",
    [
        ("auto", 2, WorkerPlan(2, 1)),
        ("auto", 1, WorkerPlan(1, 1)),
        (1, 8, WorkerPlan(1, 8)),
        (2, 8, WorkerPlan(2, 4)),
        (3, 8, WorkerPlan(3, 2)),
        (4, 2, WorkerPlan(4, 1)),  # more workers than cores: one thread each, never zero
    ],
)
def test_workers_share_the_cores(setting, cores, plan):
    assert plan_workers(setting, cores) == plan


@pytest.mark.parametrize("setting", [0, -1, True, "many", 1.5])
def test_a_bad_setting_is_refused(setting):
    with pytest.raises(ValueError, match="model_workers"):
        plan_workers(setting, 2)


def test_usable_cores_is_the_affinity_capped_by_the_quota_of_its_cgroup_or_a_parent(tmp_path):
    affinity = len(os.sched_getaffinity(0))
    root = tmp_path / "cgroup"
    own = root / "system.slice" / "longloop.service"
    own.mkdir(parents=True)
    proc = tmp_path / "proc-self-cgroup"
    proc.write_text("0::/system.slice/longloop.service\n")
    assert usable_cores(tmp_path / "absent", root) == affinity  # no cgroup v2: the affinity
    assert usable_cores(proc, root) == affinity  # no cpu.max anywhere
    (own / "cpu.max").write_text("max 100000\n")
    assert usable_cores(proc, root) == affinity  # no limit
    (root / "system.slice" / "cpu.max").write_text("100000 100000\n")  # the parent's limit: one core
    assert usable_cores(proc, root) == 1
    proc.write_text("12:cpu,cpuacct:/docker/abc\n")  # cgroup v1 only: not read
    assert usable_cores(proc, root) == affinity


@pytest.mark.parametrize(
    "line, cores",
    [
        ("max 100000", None),
        ("200000 100000", 2),
        ("150000 100000", 1),
        ("50000 100000", 1),
        ("garbage", None),
        ("a b", None),
    ],
)
def test_cgroup_quota_in_whole_cores(line, cores):
    assert cores_in_quota(line) == cores
