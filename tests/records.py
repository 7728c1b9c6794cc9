"""Small factories for scheduler records in pure tests: a job, a node, a partition, with defaults."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hpc_lab_ext.models import Job, Node, Partition

_JOB = Job(
    id="1", name="job", user="alice", partition="batch", state="RUNNING", reason="", nodes="node1",
    node_count=1, cpus=1, memory_mb=1000, memory_per_cpu=False, gres="", submit_time=None,
    start_time=None, time_limit_s=3600, elapsed_s=0,
)  # fmt: skip


def job(job_id: str, **fields: Any) -> Job:
    return replace(_JOB, id=job_id, **fields)


def node(name: str, **fields: Any) -> Node:
    values: dict[str, Any] = {
        "state": "idle", "reason": "", "partitions": ("debug", "batch"), "cpus_total": 8, "cpus_alloc": 0,
        "memory_total_mb": 16000, "memory_alloc_mb": 0,
    }  # fmt: skip
    values.update(fields)
    return Node(name=name, **values)


def partition(name: str, nodes: tuple[str, ...], **fields: Any) -> Partition:
    values: dict[str, Any] = {
        "state": "up", "default": False, "max_time_s": None, "default_time_s": None, "max_nodes": None,
        "cpus_total": 8 * len(nodes),
    }  # fmt: skip
    values.update(fields)
    return Partition(name=name, nodes=nodes, **values)
