"""The user's ended jobs: from Slurm's accounting when it answers, else from the server's own
record of the jobs it saw leave the queue. The answer says which. No tornado here.

The own record is kept whatever the source: after each poll, the user's jobs that left the queue
are looked up with ``scontrol -o show job`` (Slurm keeps them for MinJobAge), at most
RECORD_PER_POLL at a time, and stored with their final state, exit code and times.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from ..errors import BadRequest, CommandFailed, HPCLabError, NotFound, SchedulerUnavailable
from ..logs.paths import matches_job, parse_show_job_line
from ..models import Job, Snapshot
from ..poller import Poller
from ..scheduler.base import SchedulerBackend
from .records import GROUPS, EndedJob, counts, from_show_job
from .sizing import array_summaries, suggest
from .store import OwnRecord

log = logging.getLogger(__name__)

RECORD_PER_POLL = 50
#: seconds between two looks for jobs that ended unseen (shorter than Slurm's MinJobAge)
SWEEP_INTERVAL = 10.0
#: how long a stopping server waits for a batch of ended jobs being recorded (seconds)
STOP_WAIT = 10.0
MAX_DAYS = 90

ACCOUNTING = "accounting"
OWN_RECORD = "own-record"


def _last_seen(job: Job) -> EndedJob:
    """What the queue last showed of a job Slurm no longer knows: its end is unknown."""
    return EndedJob(
        id=job.id,
        name=job.name,
        partition=job.partition,
        state="UNKNOWN",
        exit_code=None,
        signal=None,
        submit_time=job.submit_time,
        start_time=job.start_time,
        end_time=None,
        elapsed_s=job.elapsed_s,
        time_limit_s=job.time_limit_s,
        cpus=job.cpus,
        req_mem_mb=job.memory_mb * job.cpus if job.memory_per_cpu and job.memory_mb else job.memory_mb,
        max_rss_mb=None,
        total_cpu_s=None,
        nodes=job.nodes,
    )


class HistoryManager:
    def __init__(
        self, backend: SchedulerBackend, poller: Poller | None, user: str, record: OwnRecord | None
    ) -> None:
        self.backend = getattr(backend, "cli", backend)
        self.user = user
        self.record = record
        self._pending: dict[str, Job | None] = {}  # job id -> its last queue row, if seen
        self._swept = 0.0
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._closing = False
        self.poller = poller
        self._unsubscribe = poller.subscribe(self._on_poll) if poller is not None else None

    async def history(self, days: int) -> dict[str, Any]:
        """The user's jobs that ended in the last `days` days, newest first, with their source."""
        if not 1 <= days <= MAX_DAYS:
            raise BadRequest(f"days must be from 1 to {MAX_DAYS}")
        note = None
        ask = getattr(self.backend, "ended_jobs", None)
        if ask is not None:
            try:
                jobs: list[EndedJob] = await ask(self.user, days)
            except (CommandFailed, SchedulerUnavailable) as e:  # no slurmdbd, or no sacct at all
                note = f"Slurm accounting did not answer ({e.message}); showing the jobs this server saw end"
            else:
                jobs.sort(key=lambda j: j.end_time or "", reverse=True)
                return self._answer(ACCOUNTING, None, days, jobs)
        else:
            note = (
                f"the {self.backend.name} scheduler has no job accounting here; "
                "showing the jobs this server saw end"
            )
        if self.record is None:
            raise NotFound("no job history: no accounting and no record of this server's own")
        if self.poller is not None:
            self.poller.touch()  # someone looks: keep seeing jobs leave the queue
        await self._record_pending(sweep=True)  # what ended since the last poll, too
        records = await asyncio.to_thread(self.record.since_json, days * 86400.0)
        tally = dict.fromkeys(GROUPS, 0)
        for record in records:
            tally[record.get("group", "other")] = tally.get(record.get("group", "other"), 0) + 1
        return {
            "source": OWN_RECORD,
            "note": note,
            "days": days,
            "counts": tally,
            "arrays": [],  # no use figures in the own record
            "jobs": records,
        }

    def _answer(self, source: str, note: str | None, days: int, jobs: list[EndedJob]) -> dict[str, Any]:
        limits: dict[str, int | None] = {}
        if self.poller is not None:
            limits = {p.name: p.max_time_s for p in self.poller.snapshot.partitions}
        records = []
        for job in jobs:
            record = job.to_json()
            record["suggestion"] = suggest(job, limits.get(job.partition))
            records.append(record)
        return {
            "source": source,
            "note": note,
            "days": days,
            "counts": counts(jobs),
            "arrays": array_summaries(jobs),
            "jobs": records,
        }

    # -- the own record ---------------------------------------------------------------------

    def _on_poll(self, old: Snapshot | None, new: Snapshot) -> None:
        if self.record is None or new.stale:
            return
        if old is not None and not old.stale and old.updated_at:
            now = {j.id for j in new.jobs}
            for job in old.jobs:
                if job.user == self.user and job.id not in now and "[" not in job.id:
                    self._pending[job.id] = job
        sweep = time.monotonic() - self._swept >= SWEEP_INTERVAL
        if (self._pending or sweep) and (self._task is None or self._task.done()):
            with contextlib.suppress(RuntimeError):  # no running loop
                self._task = asyncio.get_running_loop().create_task(self._record_pending(sweep))

    async def _sweep(self) -> None:
        """Jobs that ended between two polls never showed in the queue: Slurm still lists them."""
        self._swept = time.monotonic()
        ask = getattr(self.backend, "recently_ended", None)
        if ask is None or self.record is None:
            return
        try:
            ids = await ask(self.user)
        except HPCLabError:
            return
        for job_id in ids:
            if self._closing:
                return
            if job_id not in self._pending and not await asyncio.to_thread(self.record.known, job_id):
                self._pending[job_id] = None

    async def _record_pending(self, sweep: bool = False) -> None:
        async with self._lock:
            await self._record_locked(sweep)

    async def _record_locked(self, sweep: bool) -> None:
        if sweep:
            await self._sweep()
        while self._pending and self.record is not None and not self._closing:
            batch = list(self._pending.items())[:RECORD_PER_POLL]
            ended = []
            for job_id, job in batch:
                self._pending.pop(job_id, None)
                record = await self._ended(job_id, job)
                if record is not None:
                    ended.append(record)
            try:
                await asyncio.to_thread(self.record.add, ended)
            except Exception:
                log.exception("hpc-lab-ext: could not record ended jobs")

    async def _ended(self, job_id: str, job: Job | None) -> EndedJob | None:
        """The job's end from Slurm's record of it; what the queue last showed when Slurm has
        forgotten it; None when neither knows it."""
        show = getattr(self.backend, "show_job", None)
        text = ""
        if show is not None:
            try:
                text = await show(job_id)
            except NotFound:
                pass
            except HPCLabError as e:
                log.info("hpc-lab-ext: job %s left the queue, its end unknown: %s", job_id, e.message)
        for line in text.splitlines():
            fields = parse_show_job_line(line)
            if matches_job(fields, job_id):
                ended = from_show_job(fields, job_id)
                if ended is not None:
                    return ended
        return _last_seen(job) if job is not None else None

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        # A recording under way finishes the batch it is writing (its thread would go on writing
        # to the record closed below if the task were only cancelled) and starts no other.
        self._closing = True
        task = self._task
        if task is not None and not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), STOP_WAIT)
            except asyncio.TimeoutError:
                log.warning("hpc-lab-ext: stopped while recording ended jobs; the rest are not recorded")
                task.cancel()
            except Exception:
                log.exception("hpc-lab-ext: recording ended jobs failed")
        if self.record is not None:
            self.record.close()
