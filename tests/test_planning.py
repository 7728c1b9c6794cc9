"""The backfill scheduler's planning settings: read from recorded `scontrol show config` output, and
what they mean for a gap (pure)."""

from __future__ import annotations

import math
from pathlib import Path

from records import job, node, partition

from hpc_lab_ext.advisor.backfill import expected_start, window_s
from hpc_lab_ext.advisor.planning import Planning, from_config
from hpc_lab_ext.advisor.shapes import AdvicePolicy, Shape, candidate_shapes
from hpc_lab_ext.models import Snapshot
from hpc_lab_ext.scheduler.slurm_parse import parse_config, parse_scheduler_parameters

FIXTURES = Path(__file__).parent / "fixtures" / "slurm"


def config(name: str) -> dict[str, str]:
    return parse_config((FIXTURES / name).read_text())


def test_parse_config_reads_key_value_lines() -> None:
    c = config("config_sandbox.txt")
    assert c["SchedulerType"] == "sched/backfill"
    assert c["SchedulerParameters"] == "batch_sched_delay=0,bf_interval=5"
    assert c["PriorityType"] == "priority/basic"
    assert c["SlurmSchedLogFile"] == ""  # "(null)"
    assert c["TCPTimeout"] == "2 sec"
    assert not any(k.startswith("Configuration") for k in c)


def test_scheduler_parameters_options_and_flags() -> None:
    assert parse_scheduler_parameters("bf_interval=30, bf_continue,bf_window=2880,,") == {
        "bf_interval": "30",
        "bf_continue": "",
        "bf_window": "2880",
    }
    assert parse_scheduler_parameters("") == {}


def test_planning_from_the_recorded_sandboxes() -> None:
    sandbox = from_config(config("config_sandbox.txt"))
    assert (sandbox.backfill, sandbox.interval_s, sandbox.resolution_s) == (True, 5, 60)
    assert (sandbox.window_s, sandbox.max_job_test, sandbox.continues) == (86400, 500, False)
    site = from_config(config("config_site_like.txt"))
    assert (site.interval_s, site.resolution_s) == (30, 60)


def test_planning_of_a_site_with_larger_steps_and_no_backfill() -> None:
    c = config("config_site_like.txt")
    c["SchedulerParameters"] = (
        "bf_interval=60,bf_resolution=300,bf_window=2880,bf_max_job_test=1000,bf_continue"
    )
    site = from_config(c)
    assert (site.interval_s, site.resolution_s, site.window_s) == (60, 300, 2880 * 60)
    assert (site.max_job_test, site.continues) == (1000, True)
    # out of Slurm's range: Slurm's own default
    assert from_config({"SchedulerParameters": "bf_resolution=0,bf_interval=x"}).resolution_s == 60
    assert not from_config({"SchedulerType": "sched/builtin"}).backfill
    assert not from_config({"SchedulerParameters": "bf_interval=-1"}).backfill


def test_the_gap_ends_where_backfill_rounds_the_planned_start_down() -> None:
    p = Planning(interval_s=5, resolution_s=60)
    assert p.gap_end(1_800_000_050.0) == 1_800_000_000.0  # :50 of a minute -> :00
    assert Planning(resolution_s=300).gap_end(1_800_000_290.0) == 1_800_000_000.0
    now = 1_800_000_000.0 - 130
    # planned at :50, 180 s from now: backfill's plan has it at :00, 130 s from now, and the job
    # may be tried up to one interval (and a cycle, and the request's own delay) later
    assert p.usable_s(1_800_000_050.0, now) == 130 - p.latency_s - 1
    assert p.usable_s(now + 2 * 86400, now) == math.inf  # beyond bf_window: no reservation


NOW = 1_800_000_000.0 - 130  # the wide job below is planned 180 s ahead, at :50 of a minute


def busy_snapshot(wide_start: float) -> Snapshot:
    import time

    def iso(t: float) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t))

    nodes = tuple(
        node(n, cpus_alloc=8 if n in ("node3", "node4") else 0, memory_alloc_mb=0)
        for n in ("node1", "node2", "node3", "node4")
    )
    jobs = (
        job("1", nodes="node3", cpus=8, start_time=iso(wide_start - 240), time_limit_s=240),
        job("2", nodes="node4", cpus=8, start_time=iso(wide_start - 240), time_limit_s=240),
        job("3", state="PENDING", nodes="", cpus=32, start_time=iso(wide_start), time_limit_s=240),
    )
    parts = (partition("batch", ("node1", "node2", "node3", "node4")),)
    return Snapshot(jobs=jobs, nodes=nodes, partitions=parts)


def test_the_sand_shape_ends_before_the_rounded_start_at_every_second_of_the_minute() -> None:
    """The issue's case, at each second of the minute: a walltime that ends before the planned
    start, but not before backfill's rounded plan of it, is never suggested."""
    base = Shape("batch", 2, 2000, 7200)
    p = Planning(interval_s=5, resolution_s=60)
    for second in range(60):
        wide = 1_800_000_000.0 + 120 + second
        now = wide - 175
        snap = busy_snapshot(wide)
        blocks = [(wide, wide + 240)]
        window = window_s(blocks, now, p)
        found = candidate_shapes(
            base, ("walltime",), snap.partitions, jobs=4, nodes=snap.nodes,
            policy=AdvicePolicy(min_walltime_s=60), windows={"batch": window},
        )  # fmt: skip
        sand = next(c for c in found if c.why.startswith("4 × 2 cores"))
        tried_by = now + p.latency_s
        assert tried_by + sand.shape.walltime_s < p.gap_end(wide), (second, sand.shape)
        t, why = expected_start(sand.shape, 4, snap, now, p)
        assert t is not None and t - now <= p.interval_s and "backfill" in why


def test_ignoring_the_steps_would_have_suggested_a_walltime_backfill_refuses() -> None:
    wide = 1_800_000_050.0  # :50
    now = wide - 165
    naive = window_s([(wide, wide + 240)], now)  # plain seconds to the planned start
    assert int(naive - 15) // 60 * 60 == 120  # the old rule: 2 minutes
    p = Planning(interval_s=5, resolution_s=60)
    assert now + 120 >= p.gap_end(wide)  # ... ends after backfill's plan has the wide job begin
    assert window_s([(wide, wide + 240)], now, p) // 60 * 60 == 60
    # the 2-minute shape is not "now" by the model: it has to wait for the wide job
    t, why = expected_start(Shape("batch", 2, 2000, 120), 4, busy_snapshot(wide), now, p)
    assert t is not None and t >= wide and "planned jobs" in why


def test_without_backfill_no_gap_is_offered() -> None:
    wide = 1_800_000_050.0
    p = Planning(backfill=False)
    assert window_s([(wide, wide + 240)], wide - 600, p) == 0.0
    t, _ = expected_start(Shape("batch", 2, 2000, 60), 1, busy_snapshot(wide), wide - 600, p)
    assert t is not None and t >= wide
