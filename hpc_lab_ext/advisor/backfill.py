"""What the live snapshot says about when a shape would start: backfill gaps and planned jobs.

`sbatch --test-only` answers how a job would be placed by itself, but on Slurm 22.05 it misses
backfill around pending jobs that already hold a plan: with a wide job planned in an hour, it
answers "in an hour" for a 15-minute job that backfill starts within seconds, and it can answer
too early for a long job that must wait for the wide one to finish. The snapshot knows both
things: the free cores now and the planned starts of pending jobs (`squeue --start`).

- A shape starts at the next backfill cycle when enough of it fits the free cores now and its
  walltime ends before the first planned start of a pending job that may use the same nodes, as
  backfill's own plan has it (rounded down to bf_resolution, counted from the next cycle: see
  planning.py).
- Otherwise it cannot start before each planned job it would overlap has run to its limit.
- And it starts no later than running jobs reaching their time limits leave room for it (the
  same reckoning as the free-cores table, gaps.py): an upper bound that keeps the estimate and
  the table from contradicting each other.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..models import Job, Partition, Snapshot
from .gaps import node_free, releases, timestamp
from .planning import Planning
from .shapes import Shape, fit_now

#: how far ahead the timeline bound looks
HORIZON_S = 7 * 86400
#: seconds from submission to start when the main scheduler starts a job at once
START_S = 1.0


def pending_ahead(snapshot: Snapshot, partition: str) -> int:
    """Pending jobs that may use the partition's nodes (a new job is tried after them)."""
    nodes_of = {p.name: set(p.nodes) for p in snapshot.partitions}
    mine = nodes_of.get(partition, set())
    return sum(
        1
        for j in snapshot.jobs
        if j.state == "PENDING" and any(mine & nodes_of.get(n, set()) for n in j.partition.split(","))
    )


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


def window_s(blocks: Sequence[tuple[float, float]], now: float, planning: Planning | None = None) -> float:
    """Walltime a job submitted now may have and still be backfilled before the first planned job.

    Without `planning`, the plain seconds until that job's planned start; infinite when none is
    planned (or, with planning, none within backfill's window).
    """
    if not blocks:
        return math.inf
    if planning is None:
        return blocks[0][0] - now
    if not planning.backfill:
        return 0.0  # no backfill: nothing starts ahead of a waiting job
    return planning.usable_s(blocks[0][0], now)


def _overlaps(
    start: float, walltime: float, blocks: Sequence[tuple[float, float]], planning: Planning
) -> bool:
    """Whether a job running from `start` for `walltime` s meets a planned job's reservation."""
    for b_start, b_end in blocks:
        if b_start - start > planning.window_s:
            continue
        begin = planning.gap_end(b_start)
        end = math.ceil(b_end / planning.resolution_s) * planning.resolution_s
        if start < end and start + walltime >= begin:
            return True
    return False


def latest_start(
    shape: Shape, jobs: int, snapshot: Snapshot, now: float, planning: Planning
) -> tuple[float, str] | None:
    """The first moment at which, by time limits alone, `jobs` jobs of `shape` fit and overlap no
    planned job: running jobs give back their cores at their limits (as in the free-cores table)
    and planned jobs take theirs from their planned start. None when not within HORIZON_S.
    """
    members = [n for n in snapshot.nodes if shape.partition in n.partitions]
    if not members or shape.cores <= 0:
        return None
    back = releases(snapshot.jobs, now)
    blocks = planned(snapshot.jobs, snapshot.partitions, shape.partition, now)
    taken = sorted(
        (max(now, t), j.cpus)
        for j in snapshot.jobs
        if (t := _start_of(j)) is not None and shape.partition in j.partition.split(",")
    )
    moments = sorted({now, *(t for v in back.values() for t, _ in v if t > now), *(e for _, e in blocks)})
    for t in moments:
        if t - now > HORIZON_S:
            break
        slots = sum(node_free(n, back.get(n.name, ()), t) // shape.cores for n in members)
        slots -= math.ceil(sum(c for s, c in taken if s <= t) / shape.cores)
        # tried by the scheduler up to one backfill interval later
        tried = t + planning.latency_s
        ahead = [b for b in blocks if b[1] > t]
        if slots >= jobs and not _overlaps(tried, shape.walltime_s, ahead, planning):
            if t <= now:
                return now + planning.expected_delay_s, "fits the free cores now"
            return t, "running jobs reach their time limits by then (the free-cores table's reckoning)"
    return None


def expected_start(
    shape: Shape, jobs: int, snapshot: Snapshot, now: float, planning: Planning | None = None
) -> tuple[float | None, str]:
    """When `jobs` jobs of `shape` could all start by the snapshot's account, and why.

    (next cycle, ...) when they fit a backfill gap now; (t, ...) when planned jobs hold them off
    until t; (None, "") when the snapshot has nothing to add to the scheduler's own answer.
    """
    planning = planning or Planning()
    blocks = planned(snapshot.jobs, snapshot.partitions, shape.partition, now)
    window = window_s(blocks, now, planning)
    fits = fit_now(snapshot.nodes, shape.partition, shape.cores, shape.memory_mb) >= jobs
    if fits and shape.walltime_s <= window:
        waiting = pending_ahead(snapshot, shape.partition)
        if not waiting:
            # nothing waits in the partition: the main scheduler starts it when it is submitted
            return now + START_S, "fits the free cores now"
        why = "fits the free cores now"
        if blocks and math.isfinite(window):
            why += f" and ends before the next planned job (in {(blocks[0][0] - now) / 60:.0f} min)"
        why += f": backfill, every {planning.interval_s} s"
        delay = planning.expected_delay_s
        if waiting >= planning.max_job_test:
            # behind more waiting jobs than a cycle tests: tried only in a later cycle, if at all
            cycles = math.ceil((waiting + 1) / planning.max_job_test)
            delay += planning.interval_s * (cycles - 1)
            why += f", but {waiting} jobs wait and a cycle tests {planning.max_job_test}"
        return now + delay, why
    t = now
    if not planning.backfill and blocks:
        t = blocks[0][0]  # no backfill: nothing overtakes the job that waits ahead of it
    for start, end in blocks:
        if _overlaps(t, shape.walltime_s, [(start, end)], planning) or t + shape.walltime_s > start:
            t = max(t, end)
    if t > now:
        if not planning.backfill:
            return t, "no backfill here: not before the jobs waiting ahead of it have started"
        return t, "after the planned jobs it would overlap have run to their limits"
    return None, ""
