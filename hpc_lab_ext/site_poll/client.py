"""A single-user server's side of the site poll.

`SitePollBackend` is what the server's own `Poller` polls when a site poll service is configured:
one HTTP request to the service per poll instead of squeue, scontrol and sinfo. The poller's
calls in one poll (jobs, nodes, partitions, expected starts) share that one answer. While the
service cannot be reached (or will not serve this person) the calls go to the scheduler itself,
as before, and the service is tried again every `retry_after` seconds. A stale answer (the
service cannot reach Slurm either) is a failed poll, as the scheduler's own failure would be.

`SitePollPoller` passes the urgency of a refresh (after a job action) on to the service.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from ..errors import SchedulerUnavailable
from ..models import Job, Node, Partition, Snapshot
from ..poller import Poller
from ..scheduler.base import SchedulerBackend
from .payload import SiteData, decode

log = logging.getLogger(__name__)


class ServiceUnreachable(Exception):
    """The service did not answer usefully: poll the scheduler directly."""


@dataclass
class _Round:
    """One answer of the service and which of the poller's calls have used it."""

    task: asyncio.Future[SiteData | None]
    taken: set[str] = field(default_factory=set)


class SitePollBackend(SchedulerBackend):
    def __init__(
        self,
        url: str,
        token: str,
        fallback: SchedulerBackend,
        *,
        timeout: float = 10.0,
        retry_after: float = 30.0,
    ) -> None:
        self.url = url.rstrip("/") + "/api/snapshot"
        self.token = token
        self.fallback = fallback
        self.name = fallback.name
        self.live_queue = fallback.live_queue
        self.timeout = timeout
        self.retry_after = retry_after
        self.using_service = True
        self._down_since: float | None = None  # monotonic time the service was last found unusable
        self._data: SiteData | None = None
        self._round: _Round | None = None
        self._urgent_next = False
        self.requests = 0  # answers asked of the service, for tests and benchmarks

    # -- the service ------------------------------------------------------------------------------

    def want_urgent(self) -> None:
        self._urgent_next = True

    def _service_due(self) -> bool:
        return self._down_since is None or time.monotonic() - self._down_since >= self.retry_after

    async def _ask(self) -> SiteData:
        query = {}
        if self._data is not None:
            query["since"] = self._data.tag
        if self._urgent_next:
            query["refresh"] = "urgent"
            self._urgent_next = False
        url = self.url + ("?" + urlencode(query) if query else "")
        request = HTTPRequest(
            url,
            headers={"Authorization": f"token {self.token}"},
            request_timeout=self.timeout + (30 if "refresh" in query else 0),
            connect_timeout=self.timeout,
            decompress_response=True,
        )
        self.requests += 1
        try:
            response = await AsyncHTTPClient().fetch(request)
            data = decode(json.loads(response.body), self._data)
        except HTTPClientError as e:
            raise ServiceUnreachable(f"{e.code} {_message(e)}") from e
        except (OSError, ValueError, asyncio.TimeoutError) as e:
            raise ServiceUnreachable(str(e) or type(e).__name__) from e
        self._data = data
        return data

    async def _answer(self) -> SiteData | None:
        """The service's answer, or None to use the scheduler itself this time."""
        if not self._service_due():
            return None
        try:
            data = await self._ask()
        except ServiceUnreachable as e:
            if self.using_service or self._down_since is None:
                log.warning(
                    "site poll service at %s unusable (%s): polling the scheduler directly, trying "
                    "the service again every %.0f s",
                    self.url,
                    e,
                    self.retry_after,
                )
            self.using_service = False
            self._down_since = time.monotonic()
            self._data = None
            return None
        if not self.using_service:
            log.info("site poll service at %s answers again: polling through it", self.url)
        self.using_service = True
        self._down_since = None
        return data

    async def _part(self, part: str) -> SiteData | None:
        """The answer of this poll for one of its calls: the first call of a poll asks the
        service, the others share its answer. Raises SchedulerUnavailable when it is stale."""
        current = self._round
        if current is None or part in current.taken:
            current = self._round = _Round(asyncio.ensure_future(self._answer()))
        current.taken.add(part)
        data = await current.task
        if data is not None and data.stale:
            raise SchedulerUnavailable(data.error or "the site poll service cannot reach the scheduler")
        return data

    @property
    def data_time(self) -> float | None:
        """When the service read the data the last poll got from it (None: read here, now)."""
        data = self._data
        return data.updated_at if data is not None and self.using_service else None

    # -- SchedulerBackend -------------------------------------------------------------------------

    async def version(self) -> str:
        return await self.fallback.version()

    async def ping(self) -> None:
        # Between failed polls: the service's snapshot stopped being stale, or Slurm answers.
        self._round = None
        if await self._part("ping") is None:
            await self.fallback.ping()

    async def list_jobs(self) -> list[Job]:
        data = await self._part("jobs")
        return list(data.jobs) if data is not None else await self.fallback.list_jobs()

    async def list_nodes(self) -> list[Node]:
        data = await self._part("nodes")
        return list(data.nodes) if data is not None else await self.fallback.list_nodes()

    async def list_partitions(self, nodes: list[Node] | None = None) -> list[Partition]:
        data = await self._part("partitions")
        if data is not None:
            return list(data.partitions)
        return await self.fallback.list_partitions(nodes)

    async def estimated_starts(self) -> dict[str, str]:
        data = await self._part("starts")
        if data is None:
            return await self.fallback.estimated_starts()
        # The service's jobs carry their expected starts already.
        return {j.id: j.start_time for j in data.jobs if j.state == "PENDING" and j.start_time}

    async def recently_ended(self, user: str) -> list[str]:
        """The user's jobs Slurm lists as ended (history/manager.py's sweep), from the service's
        last answer when it reads them, else asked of Slurm."""
        data = self._data
        if self.using_service and data is not None and data.ended is not None:
            return [job_id for job_id, owner in data.ended if owner == user]
        ask = getattr(self.fallback, "recently_ended", None)
        if ask is None:
            return []
        return list(await ask(user))

    def __getattr__(self, name: str) -> Any:
        # What else managers ask a backend for (show_job, job_output, ended_jobs, ...) is Slurm's.
        if name.startswith("__") or name == "fallback":
            raise AttributeError(name)
        return getattr(self.fallback, name)

    async def job_action(self, job_id: str, action: str) -> None:
        # Actions are the person's own, with their own Slurm credentials.
        await self.fallback.job_action(job_id, action)
        self.want_urgent()


def _message(error: HTTPClientError) -> str:
    body = error.response.body if error.response is not None else b""
    try:
        return str(json.loads(body)["message"])
    except (ValueError, KeyError, TypeError):
        return error.message or ""


class SitePollPoller(Poller):
    """The server's poller fed by the site poll: a refresh after a job action asks the service
    for an urgent poll too, and a snapshot's time is when the service read it."""

    backend: SitePollBackend

    async def refresh(self, timeout: float | None = None, *, urgent: bool = False) -> Snapshot:
        if urgent:
            self.backend.want_urgent()
        return await super().refresh(timeout, urgent=urgent)

    def _data_time(self) -> float:
        return self.backend.data_time or super()._data_time()
