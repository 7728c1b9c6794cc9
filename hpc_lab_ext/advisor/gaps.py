"""Where the sand can go: free cores per partition now and over the next hour.

A pure function of one scheduler snapshot. A node's cores are free at time t when they are not
allocated now, or when the running job holding them reaches its time limit before t; cores that
pending jobs are expected to take by t (their estimated start) are then subtracted per partition.
Down, drained and draining nodes offer nothing. Jobs usually end before their limit, so the
future figures are a floor: what is certainly free, as far as the scheduler has planned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..models import Job, Node, Partition, Snapshot
from ..scheduler.slurm_parse import expand_hostlist

#: seconds from now at which free cores are reported
HORIZON_S = (0, 900, 1800, 3600)
_UNUSABLE = ("down", "drain", "fail", "maint", "reserved", "unknown", "not_responding", "future", "inval")


@dataclass(frozen=True)
class PartitionGaps:
    name: str
    cpus_total: int
    max_time_s: int | None
    #: free cores at each of HORIZON_S
    free: tuple[int, ...]
    #: the most cores free on one node now: the biggest single worker that could start
    largest_node_free: int

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cpus_total": self.cpus_total,
            "max_time_s": self.max_time_s,
            "free": [{"in_s": s, "cpus": c} for s, c in zip(HORIZON_S, self.free, strict=True)],
            "largest_node_free": self.largest_node_free,
        }


def usable(node: Node) -> bool:
    return not any(word in node.state for word in _UNUSABLE)


def timestamp(text: str | None) -> float | None:
    """Seconds since the epoch of the scheduler's ISO 8601 time; None when absent or malformed."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def job_end(job: Job, now: float) -> float | None:
    """When a running job reaches its time limit; None when it has none."""
    if job.time_limit_s is None:
        return None
    started = timestamp(job.start_time)
    if started is None:
        started = now - job.elapsed_s
    return started + job.time_limit_s


def _node_names(job: Job) -> tuple[str, ...]:
    try:
        return expand_hostlist(job.nodes)
    except ValueError:
        return ()


def releases(jobs: Iterable[Job], now: float) -> dict[str, list[tuple[float, int]]]:
    """Node -> (time, cores) its running jobs give back at their time limits."""
    found: dict[str, list[tuple[float, int]]] = {}
    for job in jobs:
        if job.state not in ("RUNNING", "COMPLETING") or not job.nodes:
            continue
        end = job_end(job, now)
        names = _node_names(job)
        if end is None or not names:
            continue
        share, extra = divmod(job.cpus, len(names))
        for i, name in enumerate(names):
            found.setdefault(name, []).append((end, share + (1 if i < extra else 0)))
    return found


def _planned(jobs: Iterable[Job], now: float) -> dict[str, list[tuple[float, int]]]:
    """Partition -> (expected start, cores) of pending jobs the scheduler has planned."""
    found: dict[str, list[tuple[float, int]]] = {}
    for job in jobs:
        if job.state != "PENDING":
            continue
        start = timestamp(job.start_time)
        if start is None:
            continue
        for name in job.partition.split(","):
            found.setdefault(name, []).append((max(start, now), job.cpus))
    return found


def node_free(node: Node, given_back: Sequence[tuple[float, int]], at: float) -> int:
    if not usable(node):
        return 0
    free = node.cpus_total - node.cpus_alloc + sum(c for t, c in given_back if t <= at)
    return max(0, min(node.cpus_total, free))


def compute(
    nodes: Sequence[Node], jobs: Sequence[Job], partitions: Sequence[Partition], now: float
) -> list[PartitionGaps]:
    back = releases(jobs, now)
    planned = _planned(jobs, now)
    result = []
    for part in partitions:
        members = [n for n in nodes if part.name in n.partitions]
        free = []
        for offset in HORIZON_S:
            at = now + offset
            total = sum(node_free(n, back.get(n.name, ()), at) for n in members)
            taken = sum(c for t, c in planned.get(part.name, ()) if t <= at)
            free.append(max(0, total - taken) if part.state == "up" else 0)
        largest = max((node_free(n, (), now) for n in members), default=0) if part.state == "up" else 0
        result.append(PartitionGaps(part.name, part.cpus_total, part.max_time_s, tuple(free), largest))
    return result


def of_snapshot(snapshot: Snapshot, now: float) -> list[PartitionGaps]:
    return compute(snapshot.nodes, snapshot.jobs, snapshot.partitions, now)
