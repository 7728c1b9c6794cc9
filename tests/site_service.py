"""The site poll service run inside a test: its tornado app on a port of its own, stoppable and
startable again on the same port (the servers' fallback is tested against that).

Callers are identified by `TokenTable`, which stands in for the hub's token check (HubIdentity
asks a running JupyterHub; the whole chain with the hub's tokens and scopes runs in
benchmarks/hub_bench.py --site-poll on scripts/sandbox-hub).
"""

from __future__ import annotations

import socket
from typing import Any

from tornado import web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from hpc_lab_ext.poller import Poller
from hpc_lab_ext.scheduler.base import SchedulerBackend
from hpc_lab_ext.site_poll.policy import PolicyReader
from hpc_lab_ext.site_poll.service import SitePoll, make_app

PREFIX = "/services/hpc-lab-site-poll/"


class TokenTable:
    """Test double for the hub's token check: token -> user name; anything else is a 401."""

    def __init__(self, tokens: dict[str, str]) -> None:
        self.tokens = tokens

    async def __call__(self, handler: web.RequestHandler) -> str:
        header = handler.request.headers.get("Authorization", "")
        user = self.tokens.get(header.removeprefix("token "))
        if user is None:
            raise web.HTTPError(401, "unknown token")
        return user


class Service:
    def __init__(self, backend: SchedulerBackend, tokens: dict[str, str], **poll: Any) -> None:
        settings = {"interval": 1.0, "min_interval": 0.2, **poll}
        self.poller = Poller(backend, **settings)
        self.site = SitePoll(self.poller, PolicyReader(backend), urgent_spacing=0.5)
        self.app = make_app(self.site, TokenTable(tokens), PREFIX)
        self.port = _free_port()
        self.server: HTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PREFIX}"

    def start(self) -> None:
        self.server = HTTPServer(self.app)
        self.server.add_sockets(bind_sockets(self.port, "127.0.0.1"))

    async def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            await self.server.close_all_connections()
            self.server = None

    async def close(self) -> None:
        await self.stop()
        await self.poller.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
