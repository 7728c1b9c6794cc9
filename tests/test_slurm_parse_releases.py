"""The same scenarios recorded from Slurm 22.05 and 25.11 parse to the same models.

scripts/record-fixtures ran the same jobs, partitions and node failures on both sandboxes
(`tests/fixtures/slurm/` from Debian's 22.05.8, `tests/fixtures/slurm-25.11/` from 25.11.7 with
HPC_FIXTURES_DIR). Job ids, times and the order of rows differ between recordings; everything else
the parsers give must not, except where the release itself differs (node reasons, below).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hpc_lab_ext.models import Job, Node
from hpc_lab_ext.scheduler.slurm_parse import parse_nodes, parse_partitions, parse_squeue, parse_starts

FIXTURES = Path(__file__).parent / "fixtures"
OLD, NEW = FIXTURES / "slurm", FIXTURES / "slurm-25.11"


def job_shape(job: Job) -> tuple[Any, ...]:
    """A job without what changes from one recording to the next (ids, times, its node)."""
    task = job.array_task_id
    pattern = None if task is None else ("range" if "[" in job.id else "task")
    return (
        job.name, job.user, job.partition, job.state, job.reason, job.node_count, job.cpus,
        job.memory_mb, job.gres, job.time_limit_s, job.priority is None, pattern, "+" in job.id,
    )  # fmt: skip


def node_shape(node: Node) -> tuple[Any, ...]:
    return (
        node.name, node.state, node.partitions, node.cpus_total, node.cpus_alloc, node.memory_total_mb,
        node.memory_alloc_mb, node.gpus_total, node.gpus_alloc,
    )  # fmt: skip


SQUEUE = sorted(p.name for p in NEW.glob("squeue_*.txt") if p.name != "squeue_start.txt")
NODES = sorted(p.name for p in NEW.glob("nodes_*.txt"))


def test_both_releases_were_recorded() -> None:
    assert len(SQUEUE) == 8 and len(NODES) == 6
    assert all((OLD / name).exists() for name in [*SQUEUE, *NODES, "partitions.txt", "squeue_start.txt"])


@pytest.mark.parametrize("name", SQUEUE)
def test_queues_parse_alike(name: str) -> None:
    old = sorted(job_shape(j) for j in parse_squeue((OLD / name).read_text("utf-8")))
    new = sorted(job_shape(j) for j in parse_squeue((NEW / name).read_text("utf-8")))
    assert new == old


@pytest.mark.parametrize("name", NODES)
def test_nodes_parse_alike(name: str) -> None:
    old = [node_shape(n) for n in parse_nodes((OLD / name).read_text("utf-8"))]
    new = [node_shape(n) for n in parse_nodes((NEW / name).read_text("utf-8"))]
    assert new == old


def test_node_reasons_where_the_releases_differ() -> None:
    """25.11 keeps a resumed node's last reason and adds its own to an admin's: recorded as such."""
    drained = {n.name: n.reason for n in parse_nodes((NEW / "nodes_drained.txt").read_text("utf-8"))}
    assert drained == {
        "node1": "disk check: sda=bad | replace",
        "node2": "kernel update",
        "node3": "",
        "node4": "fan failure",
    }
    old_down = {n.name: n.reason for n in parse_nodes((OLD / "nodes_down.txt").read_text("utf-8"))}
    new_down = {n.name: (n.state, n.reason) for n in parse_nodes((NEW / "nodes_down.txt").read_text("utf-8"))}
    assert old_down["node4"] == "Not responding" and old_down["node1"] == ""
    assert new_down["node4"] == ("down", "fan failure : Not responding")
    assert new_down["node1"] == ("idle", "disk check: sda=bad | replace")


def test_partitions_and_starts_parse_alike() -> None:
    old_nodes = parse_nodes((OLD / "nodes_idle.txt").read_text("utf-8"))
    new_nodes = parse_nodes((NEW / "nodes_idle.txt").read_text("utf-8"))
    old = parse_partitions((OLD / "partitions.txt").read_text("utf-8"), old_nodes)
    new = parse_partitions((NEW / "partitions.txt").read_text("utf-8"), new_nodes)
    assert new == old
    starts = parse_starts((NEW / "squeue_start.txt").read_text("utf-8"))
    assert len(starts) == len(parse_starts((OLD / "squeue_start.txt").read_text("utf-8"))) == 4
