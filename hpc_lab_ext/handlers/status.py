"""GET /api/v1/status: which scheduler, is it reachable, who are we, and may we act."""

from __future__ import annotations

from dataclasses import replace

import tornado.web
from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized

from .base import AUTH_RESOURCE, HPCLabHandler


class StatusHandler(HPCLabHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.reject_unknown_query(())
        status = await self.hpc.status()
        # The panel hides the buttons of what the server would refuse this person.
        can_write = await ensure_async(
            self.authorizer.is_authorized(self, self.current_user, "write", AUTH_RESOURCE)
        )
        self.write_json(replace(status, can_write=bool(can_write)).to_json())
