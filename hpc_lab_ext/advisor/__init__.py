"""The advisor: which worker shape gets the capacity asked for soonest, and where the gaps are.

- shapes: the candidates a profile and the administrator's policy allow (pure);
- estimates: Slurm's own answer for each, without submitting (`sbatch --test-only`);
- gaps: free cores per partition now and over the next hour, from the live snapshot (pure);
- planning: the backfill scheduler's own settings (bf_interval, bf_resolution...) and what they
  mean for a gap; backfill: the snapshot's reckoning with them (pure);
- track: predicted against actual starts of worker jobs, per profile and partition;
- patience: when pending worker jobs are worth resubmitting in a sooner shape (pure).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..clusters.profiles import Profile, resolve, slurm_memory_mb, walltime_seconds
from ..models import Snapshot
from .backfill import planned, window_s
from .estimates import Estimate, estimate, soonest, wait_of, with_snapshot, with_track
from .planning import Planning
from .shapes import AdvicePolicy, Candidate, Shape, candidate_shapes
from .track import StartRecord


@dataclass(frozen=True)
class Advice:
    n: int  # workers asked for
    jobs: int  # worker jobs of the profile's own shape
    estimates: list[Estimate]  # soonest first
    #: the scheduler's planning settings the estimates rest on (planning.Planning)
    planning: Planning = field(default_factory=Planning)

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "jobs": self.jobs,
            "estimates": [e.to_json() for e in self.estimates],
            "planning": {**self.planning.to_json(), "text": self.planning.describe()},
        }


def shape_of(p: Profile) -> Shape:
    """The worker job a resolved profile asks for."""
    return Shape(p.partition, p.cores, slurm_memory_mb(p.memory), walltime_seconds(p.walltime), p.gres)


def candidates(  # noqa: PLR0917
    profile: Profile,
    overrides: Mapping[str, Any],
    n: int,
    snapshot: Snapshot,
    policy: AdvicePolicy,
    planning: Planning | None = None,
) -> tuple[Profile, list[Candidate]]:
    """The resolved profile and the shapes worth asking about for `n` workers (BadRequest on bad input)."""
    p = resolve(profile, overrides, snapshot.partitions, snapshot.nodes)
    jobs = -(-n // p.processes)
    now = time.time()
    windows = {
        part.name: window_s(planned(snapshot.jobs, snapshot.partitions, part.name, now), now, planning)
        for part in snapshot.partitions
    }
    # Fewer cores per job only when each job is one worker: threads per worker = cores // processes.
    open_fields = [f for f in p.open_fields if f != "cores" or p.processes == 1]
    found = candidate_shapes(
        shape_of(p),
        open_fields,
        snapshot.partitions,
        p.allowed_partitions,
        jobs=jobs,
        max_jobs=p.max_workers // p.processes,
        nodes=snapshot.nodes,
        policy=policy,
        windows=windows,
    )
    # What the profile's own fields were set to stays set unless a candidate changes it.
    return p, [Candidate(c.shape, {**overrides, **c.overrides}, c.jobs, c.why) for c in found]


async def advise(  # noqa: PLR0917
    profile: Profile,
    overrides: Mapping[str, Any],
    n: int,
    snapshot: Snapshot,
    policy: AdvicePolicy,
    planning: Planning | None = None,
    record: StartRecord | None = None,
) -> Advice:
    """Estimates for the profile's shape and the ones it allows, at the scheduler's `planning`
    settings (Slurm's defaults when not given), corrected by the `record` of past starts."""
    planning = planning or Planning()
    p, found = candidates(profile, overrides, n, snapshot, policy, planning)
    answers = await asyncio.gather(*(estimate(c) for c in found))
    now = time.time()
    estimates = [with_snapshot(e, snapshot, now, planning) for e in answers]
    if record is not None:
        record.planning = planning
        estimates = [with_track(e, record.track(p.name, e.shape.partition)) for e in estimates]
    return Advice(n=n, jobs=-(-n // p.processes), estimates=soonest(estimates), planning=planning)


__all__ = [
    "Advice",
    "AdvicePolicy",
    "Candidate",
    "Estimate",
    "Planning",
    "Shape",
    "StartRecord",
    "advise",
    "candidates",
    "shape_of",
    "soonest",
    "wait_of",
]
