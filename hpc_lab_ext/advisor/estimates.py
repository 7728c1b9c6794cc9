"""When would workers start? Slurm's own answer, asked without submitting anything.

For a worker shape, `sbatch --test-only` says when one job, and when N jobs together, would start.
Pure functions read Slurm's answer and order the estimates; `estimate` runs the commands through
the runner (argv lists, timeouts) and keeps answers briefly, as a busy scheduler's plan changes.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from ..errors import BadRequest, SchedulerUnavailable
from ..models import Snapshot
from ..runner import run
from .backfill import expected_start, latest_start
from .gaps import timestamp
from .planning import CYCLE_S, Planning
from .shapes import Candidate, Shape
from .track import Track

# 22.05: "Job 56 to start at 2026-11-30T12:46:07 using 4 processors on nodes node1 in partition debug".
# 25.11 adds " on cluster <name>" in a federation and a stray " a" before "using" (src/api/allocate.c).
_ANSWER = re.compile(
    r"to start at (\S+)(?: on cluster \S+)?(?: a)? using (\d+) processors on nodes (\S+) in partition (\S+)"
)
CACHE_S = 20.0


@dataclass(frozen=True)
class Estimate:
    shape: Shape
    #: what to send as "overrides" to get this shape from the profile ({} for the profile's own)
    overrides: dict[str, Any]
    first_start: str | None  # ISO 8601, None when Slurm cannot run it at all
    all_start: str | None
    first_wait_s: float | None
    all_wait_s: float | None
    error: str | None = None
    #: worker jobs of this shape that give the capacity asked for
    jobs: int = 1
    why: str = ""
    #: what the figures rest on: Slurm's test-only answer, or the snapshot's backfill reckoning
    basis: str = "sbatch --test-only"
    #: how far off the start may be, in seconds either way (None: the scheduler cannot say)
    error_s: float | None = None
    #: how right estimates for this profile and partition have been here (track.Track.to_json)
    track: dict[str, Any] | None = None
    #: seconds the record moved this estimate by (its median error; 0 when it has been right)
    correction_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def parse_test_only(text: str) -> str | None:
    """The start time in `sbatch --test-only`'s answer, or None when it has none."""
    m = _ANSWER.search(text)
    return m.group(1) if m else None


def wait_seconds(start: str | None, now: float) -> float | None:
    at = timestamp(start)
    return None if at is None else max(0.0, at - now)


async def _start(shape: Shape, tasks: int, timeout: float) -> tuple[str | None, str | None]:
    result = await run(shape.argv(tasks), timeout=timeout)
    text = result.stderr + result.stdout
    start = parse_test_only(text)
    if start is not None:
        return start, None
    if re.search(r"Unable to contact|Socket timed out|Connection refused", text):
        raise SchedulerUnavailable(f"Slurm controller unreachable: {text.strip()[:200]}")
    return None, (text.strip().splitlines() or ["no answer"])[-1][:300]


_cache: dict[tuple[Shape, int], tuple[float, str | None, str | None, str | None]] = {}


async def estimate(candidate: Candidate, timeout: float = 15.0) -> Estimate:
    """When the first of a candidate's jobs, and when all of them, would start (cached briefly)."""
    shape, n = candidate.shape, candidate.jobs
    if not 1 <= n <= 1000:
        raise BadRequest(f"n must be a whole number from 1 to 1000, not {n!r}")
    key = (shape, n)
    now = time.time()
    hit = _cache.get(key)
    if hit is not None and now - hit[0] < CACHE_S:
        first, every, error = hit[1:]
    else:
        (first, error_first), (every, error_all) = await asyncio.gather(
            _start(shape, 1, timeout), _start(shape, n, timeout)
        )
        error = error_first or error_all
        _cache[key] = (now, first, every, error)
    return Estimate(
        shape=shape,
        overrides=candidate.overrides,
        first_start=first,
        all_start=every,
        first_wait_s=wait_seconds(first, now),
        all_wait_s=wait_seconds(every, now),
        error=error,
        jobs=n,
        why=candidate.why,
    )


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t).isoformat(timespec="seconds")


def _error_s(basis: str, wait: float | None, planning: Planning) -> float | None:
    """How far off a start estimate of this basis may be, either way."""
    if wait is None:
        return None
    if "backfill, every" in basis:
        return planning.interval_s / 2 + CYCLE_S  # which moment of the interval the cycle comes
    if basis.endswith("fits the free cores now"):
        return CYCLE_S + planning.interval_s / 2 if wait > 5 else 5.0
    # a plan: jobs may end before their limits (sooner) or higher-priority jobs arrive (later)
    return planning.resolution_s + planning.interval_s + 0.1 * wait


def with_snapshot(e: Estimate, snapshot: Snapshot, now: float, planning: Planning | None = None) -> Estimate:
    """Slurm's answer corrected by what the snapshot knows about backfill gaps and planned jobs,
    and bounded by when running jobs reach their time limits (the free-cores table's reckoning)."""
    planning = planning or Planning()
    if e.first_start is None:
        return e  # Slurm cannot place even one such job: nothing to correct
    changes: dict[str, Any] = {}
    reasons = []
    for key, count in (("first", 1), ("all", e.jobs)):
        t, why = expected_start(e.shape, count, snapshot, now, planning)
        wait: float | None = getattr(e, f"{key}_wait_s")
        bound = latest_start(e.shape, count, snapshot, now, planning)
        if t is not None and (wait is None or t - now > wait or t - now <= planning.latency_s):
            wait, why_now = max(0.0, t - now), why
        elif wait is not None:
            why_now = ""
        else:
            continue
        if bound is not None and bound[0] - now < wait - planning.resolution_s:
            wait, why_now = max(0.0, bound[0] - now), bound[1]
        if why_now:
            changes[f"{key}_start"], changes[f"{key}_wait_s"] = _iso(now + wait), wait
            reasons.append(why_now)
    if not changes:
        return replace(e, error_s=_error_s(e.basis, e.all_wait_s or e.first_wait_s, planning))
    basis = f"queue snapshot: {reasons[-1]}"
    return replace(
        e,
        basis=basis,
        error=None if "all_start" in changes else e.error,
        error_s=_error_s(basis, changes.get("all_wait_s", e.all_wait_s), planning),
        **changes,
    )


def with_track(e: Estimate, track: Track | None) -> Estimate:
    """The estimate with what the record says about this profile and partition here; moved by the
    record's median error when estimates here have been off the same way."""
    if track is None:
        return e
    shift = track.correction_s
    changes: dict[str, Any] = {"track": track.to_json(), "correction_s": shift}
    if e.error_s is not None:
        changes["error_s"] = max(e.error_s, track.spread_s)
    if shift:
        for key in ("first", "all"):
            wait = getattr(e, f"{key}_wait_s")
            start = timestamp(getattr(e, f"{key}_start"))
            if wait is not None and start is not None:
                changes[f"{key}_wait_s"] = max(0.0, wait + shift)
                changes[f"{key}_start"] = _iso(start + shift)
    return replace(e, **changes)


def forget() -> None:
    """Drop cached answers (after the queue changed on purpose, e.g. jobs were just submitted)."""
    _cache.clear()


def wait_of(e: Estimate) -> float:
    """When all workers would start, else the first; infinity when Slurm cannot place it.

    Slurm cannot always place N tasks as one test job (e.g. a partition's MaxNodes): then the
    first worker's start is what is known.
    """
    wait = e.all_wait_s if e.all_wait_s is not None else e.first_wait_s
    return wait if wait is not None else float("inf")


def soonest(estimates: Sequence[Estimate]) -> list[Estimate]:
    """Soonest first: by when all workers would start (else the first), the profile's own first on ties."""

    def key(e: Estimate) -> tuple[float, float]:
        return (wait_of(e), 0 if not e.overrides else 1)

    return sorted(estimates, key=key)
