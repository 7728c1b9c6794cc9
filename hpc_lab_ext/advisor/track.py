"""How right the estimates have been here: predicted against actual starts of worker jobs.

The record watches the shared poll's snapshots (no command of its own): a cluster's worker jobs
carry the name `hpc-lab-<cluster id>`. When one first appears, the advisor's model predicts its
start from the queue as it was just before (the previous snapshot, at the job's submit time);
when it is seen running, its actual start is recorded against that prediction, per profile and
partition. The last outcomes are kept in a small JSON file per user under the cache directory.

What people see (`Track.text`): "usually right within 1 min here", "often late here: ..." and
so on; when estimates have been off the same way at least MIN_OUTCOMES times, later estimates
for that profile and partition are moved by the median error (`Track.correction_s`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..models import Job, Snapshot
from .backfill import expected_start
from .gaps import timestamp
from .planning import Planning
from .shapes import Shape

log = logging.getLogger(__name__)

_WORKER = re.compile(r"^hpc-lab-([0-9a-f]{8})$")
KEEP = 50  # outcomes kept per profile and partition
MIN_OUTCOMES = 3  # fewer say nothing
RIGHT_S = 60.0  # "right" means within a minute
_RUNNING = ("RUNNING", "COMPLETING", "COMPLETED", "SUSPENDED")


@dataclass(frozen=True)
class Outcome:
    job_id: str
    predicted: float  # epoch seconds
    actual: float
    basis: str = ""

    @property
    def error_s(self) -> float:
        """Positive: the job started later than predicted."""
        return self.actual - self.predicted


@dataclass(frozen=True)
class Track:
    """What the record says about one profile in one partition."""

    n: int
    median_error_s: float
    right_share: float  # share of starts within RIGHT_S of the estimate
    spread_s: float  # 80th percentile of |error|
    text: str

    @property
    def correction_s(self) -> float:
        """What to add to an estimate: the median error once it is consistently beyond a minute."""
        return self.median_error_s if abs(self.median_error_s) > RIGHT_S and self.right_share < 0.5 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "correction_s": self.correction_s}


def _minutes(seconds: float) -> str:
    m = abs(seconds) / 60
    return f"{m:.0f} min" if m >= 1.5 else "1 min"


def summarize(outcomes: list[Outcome]) -> Track | None:
    """The record's verdict on these outcomes (pure); None below MIN_OUTCOMES."""
    if len(outcomes) < MIN_OUTCOMES:
        return None
    errors = [o.error_s for o in outcomes]
    median = statistics.median(errors)
    right = sum(abs(e) <= RIGHT_S for e in errors) / len(errors)
    spread = sorted(abs(e) for e in errors)[max(0, round(0.8 * len(errors)) - 1)]
    n = len(errors)
    if right >= 0.8:
        text = f"usually right within 1 min here ({round(right * n)} of the last {n} starts)"
    elif median > RIGHT_S:
        text = f"often late here: starts came a median {_minutes(median)} after the estimate (last {n})"
    elif median < -RIGHT_S:
        text = f"often early here: starts came a median {_minutes(median)} before the estimate (last {n})"
    else:
        text = f"right within 1 min in {round(right * n)} of the last {n} starts here"
    return Track(n, median, right, spread, text)


def _shape_of(job: Job) -> Shape | None:
    if job.time_limit_s is None or job.cpus <= 0:
        return None
    memory = job.memory_mb or 0
    if job.memory_per_cpu:
        memory *= job.cpus
    gres = job.gres.removeprefix("gres:")
    return Shape(job.partition.split(",")[0], job.cpus, memory, job.time_limit_s, gres)


def _without(snapshot: Snapshot, job_id: str) -> Snapshot:
    from dataclasses import replace

    return replace(snapshot, jobs=tuple(j for j in snapshot.jobs if j.id != job_id))


class StartRecord:
    """Predicted vs actual starts of one user's worker jobs, fed by the poll's snapshots."""

    def __init__(self, path: Path | None, user: str, profile_of: Callable[[str], str | None]) -> None:
        self.path = path
        self.user = user
        self.profile_of = profile_of
        #: the scheduler's planning settings the predictions use (set by whoever read them last)
        self.planning = Planning()
        self._waiting: dict[str, tuple[str, float, str]] = {}  # job id -> (key, predicted, basis)
        self._done: set[str] = set()
        self.outcomes: dict[str, list[Outcome]] = {}
        self._load()

    @staticmethod
    def key(profile: str, partition: str) -> str:
        return f"{profile}/{partition}"

    def track(self, profile: str, partition: str) -> Track | None:
        return summarize(self.outcomes.get(self.key(profile, partition), []))

    # ---- feeding ------------------------------------------------------------------------------

    def observe(self, old: Snapshot | None, new: Snapshot) -> None:
        """A poll listener: predict the start of new worker jobs, record the start of running ones."""
        now = time.time()
        seen = set()
        changed = False
        for job in new.jobs:
            m = _WORKER.match(job.name) if job.name.startswith("hpc-lab-") else None
            if m is None or job.user != self.user or job.id in self._done:
                continue
            seen.add(job.id)
            if job.id not in self._waiting:
                self._predict(job, m.group(1), old, new, now)
            if job.state in _RUNNING and job.id in self._waiting:
                changed |= self._record(job, now)
        for job_id in set(self._waiting) - seen:  # cancelled or gone while waiting
            del self._waiting[job_id]
        if len(self._done) > 10_000:  # only jobs still in the queue can come back
            self._done &= {j.id for j in new.jobs}
        if changed:
            self._save()

    def _predict(self, job: Job, cluster_id: str, old: Snapshot | None, new: Snapshot, now: float) -> None:
        try:
            profile = self.profile_of(cluster_id)
        except Exception:  # a closed cluster: nothing to file it under
            profile = None
        shape = _shape_of(job)
        if profile is None or shape is None:
            self._done.add(job.id)
            return
        submitted = timestamp(job.submit_time) or now
        # The queue just before this job arrived: the previous snapshot (without the job itself).
        before = _without(old if old is not None and old.jobs else new, job.id)
        predicted, why = expected_start(shape, 1, before, submitted, self.planning)
        basis = f"queue snapshot: {why}" if predicted is not None else ""
        if predicted is None:
            if job.state == "PENDING" and timestamp(job.start_time) is None:
                return  # no prediction yet: Slurm's plan may come with the next poll
            planned = timestamp(job.start_time) if job.state == "PENDING" else None
            predicted, basis = (planned, "Slurm's plan") if planned is not None else (submitted, "no wait")
        self._waiting[job.id] = (self.key(profile, shape.partition), predicted, basis)

    def _record(self, job: Job, now: float) -> bool:
        key, predicted, basis = self._waiting.pop(job.id)
        self._done.add(job.id)
        actual = timestamp(job.start_time) or now
        kept = self.outcomes.setdefault(key, [])
        kept.append(Outcome(job.id, predicted, actual, basis))
        del kept[:-KEEP]
        return True

    # ---- keeping ------------------------------------------------------------------------------

    def _load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text())
            self.outcomes = {
                str(k): [Outcome(**o) for o in v][-KEEP:] for k, v in data.get("outcomes", {}).items()
            }
        except (OSError, ValueError, TypeError) as e:
            log.warning("start record %s unreadable, starting afresh: %s", self.path, e)
            self.outcomes = {}

    def _save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            data = {"outcomes": {k: [asdict(o) for o in v] for k, v in self.outcomes.items()}}
            tmp.write_text(json.dumps(data))
            os.chmod(tmp, 0o600)
            tmp.replace(self.path)
        except OSError as e:
            log.warning("could not save the start record %s: %s", self.path, e)


_records: dict[int, StartRecord] = {}


def attach(manager: Any) -> StartRecord:
    """The start record of a cluster manager, subscribed to its poll on first use (idempotent).

    Kept next to the manager's cluster directory (by default ~/.cache/hpc-lab-ext/advisor/).
    """
    record = _records.get(id(manager))
    if record is not None and getattr(record, "_manager", None) is manager:
        return record

    def profile_of(cluster_id: str) -> str | None:
        name = manager.info(cluster_id).profile.get("name")
        return name if isinstance(name, str) else None

    path = Path(manager.log_dir).parent / "advisor" / f"starts-{manager.user}.json"
    record = StartRecord(path, manager.user, profile_of)
    record._manager = manager  # type: ignore[attr-defined]
    subscribe = getattr(manager.poller, "subscribe", None)
    if subscribe is not None:
        subscribe(record.observe)
    _records[id(manager)] = record
    return record
