"""GET /api/v1/jobs: the queue from the shared snapshot."""

from __future__ import annotations

import tornado.web

from ..models import JobList
from .base import HPCLabHandler


class JobsHandler(HPCLabHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reject_unknown_query(("user",))
        who = self.query_choice("user", ("me", "all"), "me")
        snapshot = await self.hpc.poller.first_snapshot()
        jobs = snapshot.jobs
        if who == "me":
            jobs = tuple(job for job in jobs if job.user == self.hpc.user)
        self.write_json(JobList(jobs=jobs, updated_at=snapshot.updated_at, stale=snapshot.stale).to_json())
