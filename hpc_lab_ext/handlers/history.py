"""GET /api/v1/history?days=N: the user's jobs that ended in the last N days (1-90, default 7).

The answer's ``source`` says where they come from: ``accounting`` (sacct) or ``own-record`` (the
jobs this server saw leave the queue), with a ``note`` saying why when accounting did not answer.
"""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from ..errors import BadRequest, NotFound
from ..history.manager import MAX_DAYS, HistoryManager
from ..history.resubmit import Resubmitter
from .base import HPCLabHandler


class HistoryHandler(HPCLabHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.reject_unknown_query(("days",))
        values = self.request.query_arguments.get("days", [b"7"])
        text = values[-1].decode("ascii", errors="replace")
        if len(values) > 1 or not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
            raise BadRequest(f"days={text[:20]!r}: expected one whole number from 1 to {MAX_DAYS}")
        manager: HistoryManager | None = getattr(self.hpc, "history", None)
        if manager is None:
            raise NotFound("job history is not available on this server")
        self.write_json(await manager.history(int(text)))


class ResubmitHandler(HPCLabHandler):
    """GET history/{id}/resubmit: the job's script, the suggested request, the partition's limits
    and when each shape would start. POST {"cpus", "mem_mb", "time_s"}: submit it again that way
    (201, {"job_id"}); nothing else is taken from the request."""

    @property
    def resubmitter(self) -> Resubmitter:
        manager: Resubmitter | None = getattr(self.hpc, "resubmitter", None)
        if manager is None:
            raise NotFound("resubmitting is not available on this server")
        return manager

    @tornado.web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        self.reject_unknown_query(())
        self.write_json(await self.resubmitter.plan(job_id))

    @tornado.web.authenticated
    @authorized
    async def post(self, job_id: str) -> None:
        self.reject_unknown_query(())
        body = self.json_body(("cpus", "mem_mb", "time_s"), required=("cpus", "mem_mb", "time_s"))
        new_id = await self.resubmitter.submit(job_id, body)
        self.write_json({"job_id": new_id, "resubmitted_from": job_id}, status=201)
