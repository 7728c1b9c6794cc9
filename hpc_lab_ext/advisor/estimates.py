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
from .backfill import expected_start
from .gaps import timestamp
from .shapes import Candidate, Shape

_ANSWER = re.compile(r"to start at (\S+) using (\d+) processors on nodes (\S+) in partition (\S+)")
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


def with_snapshot(e: Estimate, snapshot: Snapshot, now: float) -> Estimate:
    """Slurm's answer corrected by what the snapshot knows about backfill gaps and planned jobs."""
    if e.first_start is None:
        return e  # Slurm cannot place even one such job: nothing to correct
    changes: dict[str, Any] = {}
    reasons = []
    for key, count in (("first", 1), ("all", e.jobs)):
        t, why = expected_start(e.shape, count, snapshot, now)
        wait: float | None = getattr(e, f"{key}_wait_s")
        if t is None or (wait is not None and t - now <= wait and t > now):
            continue
        changes[f"{key}_start"], changes[f"{key}_wait_s"] = _iso(t), max(0.0, t - now)
        reasons.append(why)
    if not changes:
        return e
    return replace(
        e,
        basis=f"queue snapshot: {reasons[-1]}",
        error=None if "all_start" in changes else e.error,
        **changes,
    )


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
