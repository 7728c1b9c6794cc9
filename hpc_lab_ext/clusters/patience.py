"""Patience: worker jobs that wait too long are resubmitted in a shape that starts sooner.

Per cluster and only when its owner turns it on: once worker jobs have been pending for longer
than `after_s`, the advisor is asked (without submitting) which shape the profile allows would
start them soonest. When one beats what the scheduler plans for the waiting jobs by at least
MARGIN_S, the cluster's job template changes to it and the waiting jobs are cancelled and
submitted again in that shape. Never more than `max_tries` times per cluster; every try, and why
none was made, is recorded for the cluster card.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..errors import BadRequest
from ..models import Job, Snapshot
from .profiles import Profile, format_walltime, is_int

if TYPE_CHECKING:
    from ..advisor import AdvicePolicy, Estimate
    from .entry import Entry
    from .manager import ClusterManager

log = logging.getLogger(__name__)

#: a new shape must be expected to start at least this much sooner to be worth a resubmission
MARGIN_S = 60.0
#: jobs held by a person are waiting on purpose, not for resources
_HELD = ("JobHeldUser", "JobHeldAdmin")
_EVENTS_KEPT = 10


@dataclass
class Patience:
    after_s: float
    max_tries: int
    tries: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    on: bool = True

    @property
    def exhausted(self) -> bool:
        return self.tries >= self.max_tries

    def record(self, text: str, now: float | None = None) -> None:
        self.events.append({"at": time.time() if now is None else now, "text": text})
        del self.events[:-_EVENTS_KEPT]

    def to_json(self) -> dict[str, Any]:
        return {
            "on": self.on,
            "after_s": self.after_s,
            "max_tries": self.max_tries,
            "tries": self.tries,
            "exhausted": self.exhausted,
            "events": list(self.events),
        }

    def to_record(self) -> dict[str, Any]:
        """What cluster.json keeps, so a restarted server goes on counting the same tries."""
        return {k: v for k, v in self.to_json().items() if k != "exhausted"}

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Patience:
        return cls(
            after_s=float(data["after_s"]),
            max_tries=int(data["max_tries"]),
            tries=int(data.get("tries", 0)),
            events=list(data.get("events", [])),
            on=bool(data.get("on", True)),
        )


def checked(value: object, policy: AdvicePolicy) -> Patience | None:
    """A Patience from a request's {"after_s", "max_tries"} (or null: off); BadRequest with the bounds."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"after_s", "max_tries"} or "after_s" not in value:
        raise BadRequest('patience must be null or {"after_s": seconds, "max_tries": n}')
    after, tries = value["after_s"], value.get("max_tries", policy.patience_max_tries)
    lowest = policy.patience_min_after_s
    if not is_int(after) or not lowest <= after <= 7 * 86400:
        raise BadRequest(
            f"patience after_s must be whole seconds from {lowest} to 604800, not {str(after)[:40]}"
        )
    most = policy.patience_max_tries
    if not is_int(tries) or not 0 <= tries <= most:
        raise BadRequest(f"patience max_tries must be a whole number from 0 to {most}, not {str(tries)[:40]}")
    return Patience(after_s=float(after), max_tries=int(tries))


def check_scheduler(scheduler: str) -> None:
    """BadRequest unless patience can work on this scheduler (it needs Slurm's start estimates)."""
    if scheduler == "local":
        raise BadRequest("patience needs a batch scheduler: local workers never wait")
    if scheduler != "slurm":
        raise BadRequest(f"patience needs Slurm's start-time estimates; {scheduler} has none")


def _planned_wait(job: Job, now: float) -> float:
    """Seconds until the scheduler plans to start a pending job; infinity when it has no plan."""
    from ..advisor.estimates import wait_seconds

    wait = wait_seconds(job.start_time, now)
    return float("inf") if wait is None else wait


def overdue(jobs: Sequence[Job], first_known: dict[str, float], now: float, after_s: float) -> list[Job]:
    """Pending, not held, and known for at least after_s."""
    return [
        job
        for job in jobs
        if job.state == "PENDING"
        and job.reason not in _HELD
        and now - first_known.get(job.id, now) >= after_s
    ]


def worth_it(waiting: Sequence[Job], best: Estimate | None, now: float) -> tuple[bool, str]:
    """Whether the advisor's best shape beats the plan for the waiting jobs, and why (for people)."""
    from ..advisor import wait_of

    planned = max(_planned_wait(job, now) for job in waiting)
    if best is None:
        return False, "no other shape the profile allows could start them"
    sooner = wait_of(best)
    if sooner == float("inf"):
        return False, "no shape the profile allows could be placed now"
    if sooner + MARGIN_S > planned:
        if planned == float("inf"):
            return (
                True,
                f"the scheduler has no start time for them; {_shape_text(best)} "
                f"could start in {sooner:.0f} s",
            )
        return False, f"nothing starts sooner than the scheduler's plan ({planned:.0f} s)"
    return True, f"{_shape_text(best)} starts in {sooner:.0f} s instead of {planned:.0f} s"


def _shape_text(e: Estimate) -> str:
    s = e.shape
    return f"{e.jobs} × {s.cores} cores for {format_walltime(s.walltime_s)} in {s.partition}"


Chooser = Callable[["ClusterManager", "Entry", int, Snapshot], Awaitable["Estimate | None"]]


async def soonest_other_shape(
    m: ClusterManager, entry: Entry, jobs: int, snapshot: Snapshot
) -> Estimate | None:
    """The advisor's soonest shape for `jobs` worker jobs other than the cluster's current one."""
    from ..advisor import advise, shape_of

    profile = m.profiles.get(entry.profile.name, entry.profile)
    current = shape_of(entry.profile)
    overrides = {k: v for k, v in _as_overrides(entry.profile).items() if k in profile.open_fields}
    advice = await advise(profile, overrides, jobs * entry.profile.processes, snapshot, m.policy)
    others = [e for e in advice.estimates if e.shape != current]
    return others[0] if others else None


def _as_overrides(p: Profile) -> dict[str, Any]:
    return {"partition": p.partition, "walltime": p.walltime, "cores": p.cores, "memory": p.memory}


def reshaped(profile: Profile, best: Estimate) -> Profile:
    s = best.shape
    memory = profile.memory if s.cores == profile.cores else f"{s.memory_mb}MiB"
    return replace(
        profile, partition=s.partition, cores=s.cores, memory=memory, walltime=format_walltime(s.walltime_s)
    )


async def check(m: ClusterManager, entry: Entry, choose: Chooser | None = None) -> bool:
    """One patience step for a running cluster; True when jobs were resubmitted."""
    patience = entry.patience
    snapshot = m.poller.snapshot
    if patience is None or not patience.on or patience.exhausted or snapshot.stale or entry.lock.locked():
        return False
    now = time.time()
    tagged = m._tagged(snapshot, entry.tag)
    submitted = {job_id for job_id in entry.specs().values() if job_id}
    if submitted - {job.id for job in tagged}:
        return False  # the snapshot is older than the last submission: one try must see every job
    waiting = overdue(tagged, entry.first_known, now, patience.after_s)
    if not waiting:
        return False
    best = await (choose or soonest_other_shape)(m, entry, len(waiting), snapshot)
    go, why = worth_it(waiting, best, now)
    if not go or best is None:
        if not patience.events or patience.events[-1]["text"] != f"kept waiting: {why}":
            patience.record(f"kept waiting: {why}", now)
        return False
    async with entry.lock:
        return await _resubmit(m, entry, waiting, best, why)


async def _resubmit(
    m: ClusterManager, entry: Entry, waiting: Sequence[Job], best: Estimate, why: str
) -> bool:
    from ..advisor import estimates
    from .jobqueue_classes import template_changes

    assert entry.patience is not None and entry.link is not None
    ids = {job.id for job in waiting}
    specs = entry.specs()
    names = [name for name, job_id in specs.items() if job_id in ids]
    if not names:
        return False
    room = entry.profile.max_workers // entry.profile.processes - (len(specs) - len(names))
    count = max(1, min(room, best.jobs))
    entry.patience.tries += 1
    entry.profile = reshaped(entry.profile, best)
    entry.last_action = time.time()
    patience = entry.patience
    patience.record(
        f"try {patience.tries} of {patience.max_tries}: resubmitted {len(names)} waiting job(s) "
        f"({', '.join(sorted(ids))}) because {why}"
    )
    entry.save()
    log.info("cluster %s: patience try %d: %s", entry.id, patience.tries, why)
    estimates.forget()
    # As many jobs of the new shape as give the waiting capacity, within the profile's max_workers;
    # the supervisor submits them under fresh worker names and cancels the waiting ones.
    answer = await asyncio.shield(
        entry.link.call(
            "resubmit", job_ids=sorted(ids), template=template_changes(entry.profile), count=count
        )
    )
    m.absorb(entry, answer)
    if answer.get("error"):
        await m.submission_failed(entry, str(answer["error"]))
    return True
