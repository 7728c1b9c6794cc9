"""Free cores per partition now and over the next hour, and what fits now (pure)."""

from __future__ import annotations

import time

from records import job, node, partition

from hpc_lab_ext.advisor.gaps import HORIZON_S, compute, job_end, releases
from hpc_lab_ext.advisor.shapes import fit_now

NOW = 1_800_000_000.0


def iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t))


NODES = [
    node("node1", state="allocated", cpus_alloc=8, memory_alloc_mb=8000),
    node("node2", state="mixed", cpus_alloc=6, memory_alloc_mb=6000),
    node("node3", state="idle", partitions=("batch",)),
    node("node4", state="down", partitions=("batch",)),
]
PARTS = [
    partition("debug", ("node1", "node2"), max_time_s=1800),
    partition("batch", ("node1", "node2", "node3", "node4")),
]
JOBS = [
    # ends in 10 minutes: 8 cores of node1 come back
    job("10", nodes="node1", cpus=8, start_time=iso(NOW - 3000), time_limit_s=3600, partition="debug"),
    # ends in 50 minutes on node2
    job("11", nodes="node2", cpus=6, start_time=iso(NOW - 600), time_limit_s=3600),
    # no time limit: never comes back
    job("12", state="PENDING", nodes="", cpus=4, start_time=iso(NOW + 1200), partition="batch"),
]


def test_job_end_from_start_or_elapsed() -> None:
    assert job_end(JOBS[0], NOW) == NOW + 600
    assert job_end(job("x", start_time=None, elapsed_s=100, time_limit_s=200), NOW) == NOW + 100
    assert job_end(job("y", time_limit_s=None), NOW) is None


def test_multi_node_jobs_give_back_their_share_on_each_node() -> None:
    back = releases([job("20", nodes="node[1-2]", node_count=2, cpus=5, start_time=iso(NOW))], NOW)
    assert back == {"node1": [(NOW + 3600, 3)], "node2": [(NOW + 3600, 2)]}


def test_free_cores_now_and_later() -> None:
    gaps = {g.name: g for g in compute(NODES, JOBS, PARTS, NOW)}
    assert HORIZON_S == (0, 900, 1800, 3600)
    # debug: node2 has 2 free now; node1's 8 come back at +10 min; node2's 6 at +50 min
    assert gaps["debug"].free == (2, 10, 10, 16)
    assert gaps["debug"].largest_node_free == 2
    # batch adds node3 (8 idle) and not the down node4; the pending job planned at +20 min takes 4
    assert gaps["batch"].free == (10, 18, 14, 20)
    assert gaps["batch"].largest_node_free == 8
    assert gaps["batch"].to_json()["free"][1] == {"in_s": 900, "cpus": 18}


def test_a_down_partition_offers_nothing() -> None:
    down = [partition("debug", ("node1", "node2"), state="down")]
    assert compute(NODES, [], down, NOW)[0].free == (0, 0, 0, 0)


def test_fit_now_counts_whole_workers_by_cores_and_memory() -> None:
    assert fit_now(NODES, "batch", 2, 1000) == 1 + 4  # node2: 2 free cores; node3: 8
    assert fit_now(NODES, "batch", 4, 1000) == 2  # node3 only
    assert fit_now(NODES, "batch", 1, 7000) == 1 + 2  # memory bounds: node2 10000 MB free, node3 16000
    assert fit_now(NODES, "debug", 4, 1000) == 0


def test_estimate_and_free_cores_table_do_not_contradict() -> None:
    """The case seen in the panel: `sbatch --test-only` said 21:41 while the free-cores table showed
    the cores free within 15 minutes. The estimate now starts no later than the table's reckoning."""
    from hpc_lab_ext.advisor.estimates import Estimate, with_snapshot
    from hpc_lab_ext.advisor.planning import Planning
    from hpc_lab_ext.advisor.shapes import Shape
    from hpc_lab_ext.models import Snapshot

    now = time.time()
    nodes = (node("node1", cpus_alloc=8), node("node2", cpus_alloc=8))
    jobs = (  # both nodes full, their jobs reach their limits in 14 minutes
        job("20", nodes="node1", cpus=8, start_time=iso(now - 600), time_limit_s=1440),
        job("21", nodes="node2", cpus=8, start_time=iso(now - 600), time_limit_s=1440),
    )
    parts = (partition("batch", ("node1", "node2")),)
    snap = Snapshot(jobs=jobs, nodes=nodes, partitions=parts)
    table = {g.name: g for g in compute(nodes, jobs, parts, now)}["batch"]
    assert table.free[0] == 0 and table.free[1] == 16  # free within 15 minutes
    shape = Shape("batch", 2, 2000, 1800)
    said = iso(now + 21 * 60 + 41)
    e = Estimate(shape, {}, said, said, 1301.0, 1301.0, jobs=4)
    fixed = with_snapshot(e, snap, now, Planning(interval_s=30))
    assert fixed.all_wait_s is not None and fixed.all_wait_s <= HORIZON_S[1]
    assert abs(fixed.all_wait_s - 840) < 2 and "time limits" in fixed.basis
    assert fixed.error_s is not None and fixed.error_s > 0
    # and the other way round: "now" only where the table shows the cores free now
    quiet = Snapshot(jobs=(), nodes=(node("node1"), node("node2")), partitions=parts)
    now_e = with_snapshot(replace_wait(e, 0.0, now), quiet, now, Planning(interval_s=30))
    assert now_e.all_wait_s is not None and now_e.all_wait_s <= 20
    assert {g.name: g for g in compute(quiet.nodes, (), parts, now)}["batch"].free[0] >= 4 * 2


def replace_wait(e: object, wait: float, now: float) -> object:
    from dataclasses import replace

    return replace(
        e, first_start=iso(now + wait), all_start=iso(now + wait), first_wait_s=wait, all_wait_s=wait
    )  # type: ignore[type-var]
