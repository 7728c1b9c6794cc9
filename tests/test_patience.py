"""Patience: which pending worker jobs are overdue, and when resubmitting them is worth it (pure)."""

from __future__ import annotations

import time

import pytest
from records import job

from hpc_lab_ext.advisor.estimates import Estimate
from hpc_lab_ext.advisor.shapes import AdvicePolicy, Shape
from hpc_lab_ext.clusters.patience import Patience, checked, overdue, reshaped, worth_it
from hpc_lab_ext.clusters.profiles import Profile
from hpc_lab_ext.errors import BadRequest

NOW = 1_800_000_000.0


def iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t))


def estimate(wait: float | None, jobs: int = 2) -> Estimate:
    return Estimate(Shape("debug", 2, 2000, 900), {"partition": "debug"}, None, None, wait, wait, jobs=jobs)


def test_overdue_means_pending_unheld_and_known_long_enough() -> None:
    jobs = [
        job("1", state="PENDING", reason="Priority"),
        job("2", state="PENDING", reason="JobHeldUser"),
        job("3", state="RUNNING"),
        job("4", state="PENDING", reason="Resources"),
    ]
    known = {"1": NOW - 400, "2": NOW - 400, "3": NOW - 400, "4": NOW - 10}
    assert [j.id for j in overdue(jobs, known, NOW, 300)] == ["1"]


def test_worth_it_only_when_clearly_sooner_than_the_plan() -> None:
    waiting = [job("1", state="PENDING", start_time=iso(NOW + 3600))]
    go, why = worth_it(waiting, estimate(0), NOW)
    assert go and "2 × 2 cores for 00:15:00 in debug starts in 0 s instead of 3600 s" in why
    assert worth_it(waiting, estimate(3590), NOW) == (
        False,
        "nothing starts sooner than the scheduler's plan (3600 s)",
    )
    assert worth_it(waiting, None, NOW)[0] is False
    assert worth_it(waiting, estimate(None), NOW)[0] is False
    # no plan at all (e.g. a partition's limits): any shape that can start is better
    unplanned = [job("1", state="PENDING", start_time=None)]
    assert worth_it(unplanned, estimate(1200), NOW)[0] is True


def test_checked_bounds_come_from_the_policy() -> None:
    policy = AdvicePolicy(patience_min_after_s=60, patience_max_tries=3)
    assert checked(None, policy) is None
    p = checked({"after_s": 120}, policy)
    assert p is not None and (p.after_s, p.max_tries, p.tries) == (120, 3, 0)
    for bad, words in [
        ({"after_s": 10}, "after_s must be whole seconds from 60"),
        ({"after_s": 120, "max_tries": 9}, "max_tries must be a whole number from 0 to 3"),
        ({"after_s": "soon"}, "after_s must be whole seconds"),
        ({"max_tries": 1}, "patience must be null or"),
        ({"after_s": 120, "shell": "rm"}, "patience must be null or"),
        ("yes", "patience must be null or"),
    ]:
        with pytest.raises(BadRequest, match=words):
            checked(bad, policy)


def test_patience_counts_tries_and_keeps_recent_events() -> None:
    p = Patience(after_s=60, max_tries=2)
    assert not p.exhausted
    p.tries = 2
    assert p.exhausted and p.to_json()["exhausted"] is True
    for i in range(15):
        p.record(f"event {i}", NOW + i)
    assert [e["text"] for e in p.events] == [f"event {i}" for i in range(5, 15)]


def test_reshaped_profile_takes_the_new_shape() -> None:
    profile = Profile(name="p", cores=4, memory="8GB", walltime="02:00:00", partition="batch")
    shape = Estimate(Shape("debug", 2, 3815, 900), {}, None, None, 0, 0, jobs=4)
    p = reshaped(profile, shape)
    assert (p.partition, p.cores, p.memory, p.walltime) == ("debug", 2, "3815MiB", "00:15:00")
    same_cores = reshaped(profile, Estimate(Shape("debug", 4, 7630, 1800), {}, None, None, 0, 0))
    assert same_cores.memory == "8GB"
