"""When would workers start? Start-time estimates for worker shapes, and the shapes that start sooner.

"Be like sand": many small, short jobs fit the gaps in a busy schedule and start now, where a few
big, long ones wait. Before a person scales up, the server asks Slurm *without submitting*
(`sbatch --test-only`) when one worker and when all N would start, for the profile's own shape and
for the variations the profile leaves open (another allowed partition, a shorter walltime, which
walltime-aware rotation makes harmless, fewer cores per worker). Pure functions build the shapes and
read Slurm's answer; `estimate` runs the commands through the runner (argv lists, timeouts).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from .errors import BadRequest, SchedulerUnavailable
from .models import Partition
from .runner import run

_ANSWER = re.compile(r"to start at (\S+) using (\d+) processors on nodes (\S+) in partition (\S+)")
_SHORTER_S = (3600, 1800, 900)  # walltimes worth trying, when shorter than the profile's
MAX_SHAPES = 6
CACHE_S = 20.0


@dataclass(frozen=True)
class Shape:
    """One worker job: what it asks Slurm for."""

    partition: str
    cores: int
    memory_mb: int
    walltime_s: int
    gres: str = ""

    def argv(self, tasks: int) -> list[str]:
        """sbatch --test-only for `tasks` such jobs starting together (one job of `tasks` tasks)."""
        argv = [
            "sbatch", "--test-only", "--parsable", "--output=/dev/null", "--chdir=/tmp",
            f"--partition={self.partition}", f"--ntasks={tasks}", f"--cpus-per-task={self.cores}",
            f"--mem-per-cpu={max(1, -(-self.memory_mb // self.cores))}M",
            f"--time={max(1, self.walltime_s // 60)}",
        ]  # fmt: skip
        if self.gres:
            argv.append(f"--gres={self.gres}")
        return [*argv, "--wrap=true"]


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

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def parse_test_only(text: str) -> str | None:
    """The start time in `sbatch --test-only`'s answer, or None when it has none."""
    m = _ANSWER.search(text)
    return m.group(1) if m else None


def wait_seconds(start: str | None, now: float) -> float | None:
    if start is None:
        return None
    try:
        return max(0.0, datetime.fromisoformat(start).timestamp() - now)
    except ValueError:
        return None


def format_walltime_minutes(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:00"


def candidate_shapes(
    base: Shape, open_fields: Sequence[str], partitions: Sequence[Partition], allowed: Sequence[str] = ()
) -> list[tuple[Shape, dict[str, Any]]]:
    """The profile's shape first, then the variations it allows that could start sooner."""
    found: list[tuple[Shape, dict[str, Any]]] = [(base, {})]
    by_name = {p.name: p for p in partitions}

    def add(shape: Shape, overrides: dict[str, Any]) -> None:
        if len(found) < MAX_SHAPES and all(shape != s for s, _ in found):
            found.append((shape, overrides))

    if "walltime" in open_fields:
        for seconds in _SHORTER_S:
            if seconds < base.walltime_s:
                add(replace(base, walltime_s=seconds), {"walltime": format_walltime_minutes(seconds)})
                break  # one shorter step is the advice; more would be noise
    if "cores" in open_fields and base.cores > 1:
        half = base.cores // 2
        add(replace(base, cores=half, memory_mb=max(128, base.memory_mb // 2)), {"cores": half})
    if "partition" in open_fields:
        for p in partitions:
            if p.name == base.partition or (allowed and p.name not in allowed):
                continue
            if p.max_time_s is not None and base.walltime_s > p.max_time_s:
                shorter = p.max_time_s
                add(
                    replace(base, partition=p.name, walltime_s=shorter),
                    {"partition": p.name, "walltime": format_walltime_minutes(shorter)},
                )
            else:
                add(replace(base, partition=p.name), {"partition": p.name})
    return [(s, o) for s, o in found if s.partition in by_name]


async def _start(shape: Shape, tasks: int, timeout: float) -> tuple[str | None, str | None]:
    result = await run(shape.argv(tasks), timeout=timeout)
    text = result.stderr + result.stdout
    start = parse_test_only(text)
    if start is not None:
        return start, None
    if re.search(r"Unable to contact|Socket timed out|Connection refused", text):
        raise SchedulerUnavailable(f"Slurm controller unreachable: {text.strip()[:200]}")
    return None, (text.strip().splitlines() or ["no answer"])[-1][:300]


_cache: dict[tuple[Shape, int], tuple[float, Estimate]] = {}


async def estimate(shape: Shape, overrides: dict[str, Any], n: int, timeout: float = 15.0) -> Estimate:
    """When the first of `n` workers of `shape`, and when all of them, would start (cached briefly)."""
    if not 1 <= n <= 1000:
        raise BadRequest(f"n must be a whole number from 1 to 1000, not {n!r}")
    key = (shape, n)
    hit = _cache.get(key)
    now = time.time()
    if hit is not None and now - hit[0] < CACHE_S:
        return replace(hit[1], overrides=overrides)
    (first, error), (every, error_all) = await asyncio.gather(
        _start(shape, 1, timeout), _start(shape, n, timeout)
    )
    result = Estimate(
        shape=shape,
        overrides=overrides,
        first_start=first,
        all_start=every,
        first_wait_s=wait_seconds(first, now),
        all_wait_s=wait_seconds(every, now),
        error=error or error_all,
    )
    _cache[key] = (now, result)
    return result


def soonest(estimates: Sequence[Estimate]) -> list[Estimate]:
    """Soonest first: by when all workers would start (else the first), the profile's own first on ties."""

    def key(e: Estimate) -> tuple[float, float]:
        # Slurm cannot always place N tasks as one test job (e.g. a partition's MaxNodes): then the
        # first worker's start is what is known.
        wait = e.all_wait_s if e.all_wait_s is not None else e.first_wait_s
        return (wait if wait is not None else float("inf"), 0 if not e.overrides else 1)

    return sorted(estimates, key=key)
