"""Actions on jobs: only on the server user's own jobs, checked against the snapshot first."""

from __future__ import annotations

import time

from .errors import BadRequest, Conflict, Forbidden, NotFound, SchedulerUnavailable
from .jobids import validate_job_id
from .models import Job, Snapshot
from .poller import Poller
from .scheduler.base import JOB_ACTIONS, SchedulerBackend


def find_job(snapshot: Snapshot, job_id: str) -> Job | None:
    """The queue row a job id refers to: itself, or the array/het job it belongs to."""
    base = job_id.replace("+", "_").split("_")[0]
    fallback = None
    for job in snapshot.jobs:
        if job.id == job_id:
            return job
        if fallback is None and (
            job.id.startswith((f"{base}_", f"{base}+")) or base in (job.id, job.array_job_id)
        ):
            fallback = job
    return fallback


class JobActions:
    def __init__(self, backend: SchedulerBackend, poller: Poller, user: str) -> None:
        self.backend = backend
        self.poller = poller
        self.user = user

    def _check_reachable(self) -> None:
        since = self.poller.unreachable_since
        if since is not None:
            when = time.strftime("%H:%M:%S", time.localtime(since))
            raise SchedulerUnavailable(
                f"the scheduler has not answered since {when}; try again when it is back"
            )

    async def run(self, job_id: str, action: str) -> Snapshot:
        if action not in JOB_ACTIONS:
            raise BadRequest(f"unknown action {action[:40]!r}; allowed: {', '.join(JOB_ACTIONS)}")
        job_id = validate_job_id(job_id)
        self._check_reachable()
        job = find_job(await self.poller.first_snapshot(), job_id)
        if job is None:  # maybe submitted since the last poll
            job = find_job(await self.poller.refresh(timeout=30, urgent=True), job_id)
            self._check_reachable()
        if job is None:
            raise NotFound(f"job {job_id} is not in the queue (it may have finished)")
        if job.user != self.user:
            raise Forbidden(f"job {job_id} belongs to {job.user}; you can only {action} your own jobs")
        if action == "hold" and job.state != "PENDING":
            # Slurm would accept this and change nothing for a job that already runs.
            raise Conflict(
                f"job {job_id} is {job.state.lower()}; only pending jobs can be held (cancel it to stop it)"
            )
        if action == "release" and not job.reason.startswith("JobHeld"):
            # The scheduler accepts this silently; say what is true instead.
            raise Conflict(f"job {job_id} is not held, so there is nothing to release")
        await self.backend.job_action(job_id, action)
        return await self.poller.refresh(timeout=30, urgent=True)
