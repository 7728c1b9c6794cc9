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
