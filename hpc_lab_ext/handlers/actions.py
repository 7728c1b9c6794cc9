"""POST /api/v1/jobs/{id}/{cancel|hold|release} on the user's own jobs."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from .base import HPCLabHandler


class JobActionHandler(HPCLabHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self, job_id: str, action: str) -> None:
        self.reject_unknown_query(())
        snapshot = await self.hpc.job_actions.run(job_id, action)
        self.write_json({"job_id": job_id, "action": action, "version": snapshot.version})
