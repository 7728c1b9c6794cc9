"""What the live snapshot says about when a shape would start: backfill gaps and planned jobs.

`sbatch --test-only` answers how a job would be placed by itself, but on Slurm 22.05 it misses
backfill around pending jobs that already hold a plan: with a wide job planned in an hour, it
answers "in an hour" for a 15-minute job that backfill starts within seconds, and it can answer
too early for a long job that must wait for the wide one to finish. The snapshot knows both
things: the free cores now and the planned starts of pending jobs (`squeue --start`).

- A shape starts now when enough of it fits the free cores now and its walltime ends before the
  first planned start of a pending job that may use the same nodes (the backfill window).
- Otherwise it cannot start before each planned job it would overlap has run to its limit.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..models import Job, Partition, Snapshot
from .gaps import timestamp
from .shapes import Shape, fit_now


def _start_of(job: Job) -> float | None:
    return timestamp(job.start_time) if job.state == "PENDING" else None


def planned(
    jobs: Sequence[Job], partitions: Sequence[Partition], target: str, now: float
) -> list[tuple[float, float]]:
    """(start, end) of pending jobs with a planned start that may use nodes of partition `target`."""
    nodes_of = {p.name: set(p.nodes) for p in partitions}
    mine = nodes_of.get(target, set())
    found = []
    for job in jobs:
        start = _start_of(job)
        if start is None:
            continue
        shared = any(mine & nodes_of.get(name, set()) for name in job.partition.split(","))
        if shared:
            start = max(start, now)
            limit = job.time_limit_s if job.time_limit_s is not None else 365 * 86400
            found.append((start, start + limit))
    return sorted(found)


def window_s(blocks: Sequence[tuple[float, float]], now: float) -> float:
    """Seconds until the first planned job; infinite when none is planned."""
    return blocks[0][0] - now if blocks else float("inf")


def expected_start(shape: Shape, jobs: int, snapshot: Snapshot, now: float) -> tuple[float | None, str]:
    """When `jobs` jobs of `shape` could all start by the snapshot's account, and why.

    (now, ...) when they fit a backfill gap now; (t, ...) when planned jobs hold them off until t;
    (None, "") when the snapshot has nothing to add to the scheduler's own answer.
    """
    blocks = planned(snapshot.jobs, snapshot.partitions, shape.partition, now)
    window = window_s(blocks, now)
    fits = fit_now(snapshot.nodes, shape.partition, shape.cores, shape.memory_mb) >= jobs
    if fits and shape.walltime_s <= window:
        why = "fits the free cores now"
        if blocks:
            why += f" and ends before the next planned job (in {window / 60:.0f} min): backfill"
        return now, why
    t = now
    for start, end in blocks:
        if t + shape.walltime_s > start:
            t = max(t, end)
    if t > now:
        return t, "after the planned jobs it would overlap have run to their limits"
    return None, ""
