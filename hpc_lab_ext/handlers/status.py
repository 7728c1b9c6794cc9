"""GET /api/v1/status: which scheduler, is it reachable, who are we."""

from __future__ import annotations

import tornado.web

from .base import HPCLabHandler


class StatusHandler(HPCLabHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reject_unknown_query(())
        status = await self.hpc.status()
        self.write_json(status.to_json())
