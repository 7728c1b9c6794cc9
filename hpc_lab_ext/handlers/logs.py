"""GET /api/v1/logs/{job id}: a window of one of the user's jobs' stdout or stderr.

Query: ``stream`` (stdout | stderr), then at most one of ``offset`` (bytes from there on: following)
and ``before`` (the page ending there: earlier lines); ``limit`` (bytes, up to 1 MiB); ``wait``
(seconds, up to 30, with ``offset``: answer as soon as the file grows, or empty after that long).
No path is ever taken from the request. Statuses: 400 bad query, 403 another user's job or a file
the job's user does not own or the server cannot read, 404 unknown job or missing file, 415 binary
or not a regular file, 503 scheduler unreachable.
"""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from ..errors import BadRequest, NotFound
from ..logs.manager import STREAMS, LogManager
from ..logs.window import DEFAULT_LIMIT, MAX_LIMIT
from .base import HPCLabHandler

MAX_WAIT = 30.0


class JobLogHandler(HPCLabHandler):
    @property
    def logs(self) -> LogManager:
        manager: LogManager | None = getattr(self.hpc, "logs", None)
        if manager is None:
            raise NotFound("job logs are not available on this server")
        return manager

    def _int(self, name: str, low: int, high: int) -> int | None:
        values = self.request.query_arguments.get(name, [])
        if not values:
            return None
        if len(values) > 1:
            raise BadRequest(f"query parameter {name!r} given more than once")
        text = values[0].decode("ascii", errors="replace")
        if not text.isdigit() or len(text) > 15 or not low <= int(text) <= high:
            raise BadRequest(f"{name}={text[:20]!r}: expected a whole number from {low} to {high}")
        return int(text)

    @tornado.web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        self.reject_unknown_query(("stream", "offset", "before", "limit", "wait"))
        stream = self.query_choice("stream", STREAMS, "stdout")
        offset = self._int("offset", 0, 2**62)
        before = self._int("before", 0, 2**62)
        if offset is not None and before is not None:
            raise BadRequest("give offset (read on from there) or before (the page before it), not both")
        limit = self._int("limit", 1, MAX_LIMIT) or DEFAULT_LIMIT
        wait = self._int("wait", 0, int(MAX_WAIT)) or 0
        if wait and offset is None:
            raise BadRequest("wait needs offset: it waits for the file to grow past it")
        window = await self.logs.read(
            job_id, stream, offset=offset, before=before, limit=limit, wait=float(wait)
        )
        self.write_json(window.to_json())
