"""The site poll service: one scheduler poll for everybody, each caller served their view of it.

Run by JupyterHub as a managed service (``c.JupyterHub.services`` with a ``command``; see
scripts/sandbox-hub): the hub gives it JUPYTERHUB_SERVICE_PREFIX, JUPYTERHUB_SERVICE_URL and
what HubAuth needs. A caller presents a hub token (a single-user server its
JUPYTERHUB_API_TOKEN), which must hold ``access:services!service=<this service>``; the token's
owner is the Slurm user whose view is served.

    GET <prefix>api/snapshot[?since=<tag of the caller's last answer>][&refresh=urgent]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import secrets
import signal
import time
from typing import Any, Protocol
from urllib.parse import urlparse

from tornado import web
from tornado.httpserver import HTTPServer

from ..errors import HPCLabError
from ..poller import Poller
from ..scheduler import BACKEND_NAMES, select_backend
from ..scheduler.slurm import SlurmBackend
from ..wire import MadeOnce
from . import payload
from .ended import SiteSlurmBackend
from .policy import PolicyReader
from .visibility import Ended, visible_ended, visible_snapshot

log = logging.getLogger("hpc_lab_ext.site_poll")


class SitePoll:
    """The service's state: the one poller, the policy, urgent refreshes limited for the site."""

    def __init__(self, poller: Poller, policy: PolicyReader, *, urgent_spacing: float = 2.0) -> None:
        self.poller = poller
        self.policy = policy
        self.urgent_spacing = urgent_spacing
        self.bodies: MadeOnce[str] = MadeOnce()
        self.instance = secrets.token_hex(4)
        self._urgent: asyncio.Task[None] | None = None
        self._last_urgent = float("-inf")
        self.urgent_polls = 0

    async def urgent_refresh(self) -> None:
        """A poll at once for a caller that just acted on a job; callers arriving together share
        one, and the site gets at most one every `urgent_spacing` seconds."""
        if self._urgent is None:
            self._urgent = asyncio.get_running_loop().create_task(self._urgent_poll())
        await asyncio.shield(self._urgent)

    async def _urgent_poll(self) -> None:
        try:
            await asyncio.sleep(max(0.0, self._last_urgent + self.urgent_spacing - time.monotonic()))
        finally:
            self._urgent = None  # whoever comes during the poll asks for the next one
        self._last_urgent = time.monotonic()
        self.urgent_polls += 1
        await self.poller.refresh(timeout=30, urgent=True)

    async def body(self, user: str, since: str) -> str | None:
        """The JSON answer for `user`; None when Slurm would not show them this exactly."""
        policy = await self.policy.current()
        if not policy.served(user):
            return None
        snapshot = await self.poller.first_snapshot()
        since_down = self.poller.unreachable_since
        everybody_ended: Ended | None = getattr(self.poller.backend, "ended", None)
        ended = None if everybody_ended is None else visible_ended(everybody_ended, user, policy)
        if since == payload.tag(self.instance, snapshot, ended):
            return payload.json_text(payload.freshness(self.instance, snapshot, ended, since_down))
        return await self.bodies.get(
            policy.view_key(user),
            (snapshot.version, snapshot.stale, snapshot.updated_at, since_down, policy, ended),
            lambda: payload.encode(
                self.instance, visible_snapshot(snapshot, user, policy), ended, since_down
            ),
        )


class Identify(Protocol):
    async def __call__(self, handler: web.RequestHandler) -> str:
        """The Slurm user a request comes from; HTTPError 401/403 when it may not ask."""


class HubIdentity:
    """Callers identified by the hub from the token they present (HubAuth asks the hub's
    GET /user with it; answers are cached for `cache_max_age`). The token must hold this
    service's access scope (JUPYTERHUB_OAUTH_ACCESS_SCOPES, set by the hub) and belong to a
    person, whose hub name is their Unix and Slurm name."""

    def __init__(self, cache_max_age: float = 300) -> None:
        from jupyterhub.services.auth import HubAuth  # type: ignore[import-untyped,import-not-found,unused-ignore]

        self.hub_auth: Any = HubAuth(cache_max_age=cache_max_age)

    async def __call__(self, handler: web.RequestHandler) -> str:
        model = await self.hub_auth.get_user(handler, sync=False)
        if not model:
            raise web.HTTPError(401, "a JupyterHub token is needed (Authorization: token ...)")
        if not self.hub_auth.check_scopes(self.hub_auth.access_scopes, model):
            raise web.HTTPError(403, f"the token lacks {', '.join(sorted(self.hub_auth.access_scopes))}")
        if model.get("kind", "user") != "user":
            raise web.HTTPError(403, "only a person's token (their server's) has a view of the queue")
        return str(model["name"])


class SnapshotHandler(web.RequestHandler):
    site: SitePoll
    identify: Identify

    def initialize(self, site: SitePoll, identify: Identify) -> None:
        self.site = site
        self.identify = identify

    async def prepare(self) -> None:
        self.current_user = await self.identify(self)

    async def get(self) -> None:
        user = self.current_user
        since = self.get_argument("since", "")
        refresh = self.get_argument("refresh", "")
        if refresh not in ("", "urgent"):
            raise web.HTTPError(400, "refresh may only be 'urgent'")
        if len(since) > 64:
            raise web.HTTPError(400, "since is the tag of an earlier answer")
        self.site.poller.touch()
        try:
            if refresh:
                await self.site.urgent_refresh()
            body = await self.site.body(user, since)
        except (asyncio.TimeoutError, HPCLabError) as e:
            raise web.HTTPError(503, f"no snapshot yet: {e}") from e
        if body is None:
            # PrivateData=partitions: only Slurm knows which partitions this person may see.
            self.set_status(409)
            self.finish({"message": f"Slurm's PrivateData hides partitions from {user}: poll as them"})
            return
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(body)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None))[1]
        message = exc.log_message if isinstance(exc, web.HTTPError) and exc.log_message else self._reason
        self.finish({"message": message})


def make_app(site: SitePoll, identify: Identify, prefix: str) -> web.Application:
    route = prefix.rstrip("/") + "/api/snapshot"
    return web.Application(
        [(route, SnapshotHandler, {"site": site, "identify": identify})],
        compress_response=True,
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m hpc_lab_ext.site_poll", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--backend", choices=BACKEND_NAMES, default="auto")
    parser.add_argument("--poll-interval", type=float, default=15.0)
    parser.add_argument("--min-poll-interval", type=float, default=5.0)
    parser.add_argument("--start-interval", type=float, default=60.0)
    parser.add_argument("--max-backoff", type=float, default=300.0)
    parser.add_argument("--idle-after", type=float, default=300.0)
    parser.add_argument("--command-timeout", type=float, default=10.0)
    parser.add_argument(
        "--urgent-spacing", type=float, default=2.0, help="seconds between urgent polls, site-wide"
    )
    parser.add_argument(
        "--policy-every", type=float, default=300.0, help="seconds between reads of PrivateData"
    )
    parser.add_argument(
        "--job-socket",
        default=None,
        help="Unix socket answering job states (job_query.py; default "
        "/run/hpc-lab-site-poll/<service name>.sock, '' for none)",
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    backend = select_backend(args.backend, command_timeout=args.command_timeout)
    if type(backend) is SlurmBackend:  # read ended jobs with the queue (ended.py)
        backend = SiteSlurmBackend(command_timeout=args.command_timeout)
    poller = Poller(
        backend,
        interval=args.poll_interval,
        min_interval=args.min_poll_interval,
        max_backoff=args.max_backoff,
        idle_after=args.idle_after,
        start_interval=args.start_interval,
    )
    site = SitePoll(
        poller, PolicyReader(backend, every=args.policy_every), urgent_spacing=args.urgent_spacing
    )
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
    server = HTTPServer(make_app(site, HubIdentity(), prefix), xheaders=True)
    server.listen(url.port or 80, url.hostname or "127.0.0.1")
    log.info("site poll: %s backend, serving %s on %s", backend.name, prefix, url.geturl())
    from .job_query import default_socket, listen

    path = default_socket() if args.job_socket is None else args.job_socket
    job_states = await listen(site, path) if path else None
    # The hub stops its services with a signal: stop serving, close and remove the socket.
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    try:
        await stopping.wait()
        log.info("site poll: stopping")
    finally:
        server.stop()
        if job_states is not None:
            job_states.close()
            with contextlib.suppress(OSError):
                os.unlink(path)
        await poller.stop()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if not os.environ.get("JUPYTERHUB_SERVICE_URL") or not os.environ.get("JUPYTERHUB_API_TOKEN"):
        raise SystemExit(
            "the site poll runs as a JupyterHub service, which the hub starts with its URL and token "
            "(JUPYTERHUB_SERVICE_URL, JUPYTERHUB_API_TOKEN): see c.JupyterHub.services in the README"
        )
    logging.basicConfig(level=logging.INFO, format="[%(levelname)1.1s %(asctime)s %(name)s] %(message)s")
    asyncio.run(serve(args))
