"""A server's snapshot from the site poll service, and its own poll while the service is away.

The service runs in-process on the real sandbox Slurm (tests/site_service.py); the server's side
is the real `SitePollBackend` + `SitePollPoller`, falling back to the real Slurm backend.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sandbox import cancel, require_slurm, submit
from site_service import Service
from test_poller import InMemoryBackend

from hpc_lab_ext.app import unix_user
from hpc_lab_ext.models import Job
from hpc_lab_ext.scheduler.slurm import SlurmBackend
from hpc_lab_ext.site_poll.client import SitePollBackend, SitePollPoller
from hpc_lab_ext.site_poll.ended import SiteSlurmBackend

TOKEN = "server-token-of-this-user"


class CountedSlurm(SlurmBackend):
    """The Slurm CLI backend, counting the queue reads a server makes itself."""

    def __init__(self) -> None:
        super().__init__()
        self.job_reads = 0
        self.ended_reads = 0

    async def list_jobs(self) -> list[Job]:
        self.job_reads += 1
        return await super().list_jobs()

    async def recently_ended(self, user: str) -> list[str]:
        self.ended_reads += 1
        return await super().recently_ended(user)


def server_poller(url: str, fallback: Any, token: str = TOKEN, **kwargs: Any) -> SitePollPoller:
    backend = SitePollBackend(url, token, fallback, timeout=3, retry_after=kwargs.pop("retry_after", 0.5))
    return SitePollPoller(backend, interval=1.0, min_interval=0.2, jitter=0, **kwargs)


@pytest.fixture
def held() -> Iterator[str]:
    require_slurm()
    job = submit(["-H", "-p", "batch", "-J", "site-poll-test"])
    yield job
    cancel([job])


@pytest.mark.slurm
async def test_snapshot_comes_from_the_service(held: str) -> None:
    service = Service(SiteSlurmBackend(), {TOKEN: unix_user()})
    service.start()
    fallback = CountedSlurm()
    poller = server_poller(service.url, fallback)
    try:
        snap = await poller.first_snapshot(timeout=20)
        assert held in [j.id for j in snap.jobs]
        assert poller.backend.using_service and poller.backend.requests >= 1
        assert fallback.job_reads == 0  # the server itself asked Slurm nothing
        own = {j.id: j for j in await SlurmBackend().list_jobs()}
        assert {j.id: j for j in snap.jobs}[held] == own[held]
        assert [n.name for n in snap.nodes] == [n.name for n in await SlurmBackend().list_nodes()]
        assert {p.name for p in snap.partitions} >= {"batch", "debug"}
        # The time of the data is when the service read it, not when the server asked.
        assert snap.updated_at == service.poller.snapshot.updated_at
    finally:
        await poller.stop()
        await service.close()


@pytest.mark.slurm
async def test_ended_jobs_come_from_the_service_too(held: str) -> None:
    service = Service(SiteSlurmBackend(), {TOKEN: unix_user()})
    service.start()
    fallback = CountedSlurm()
    poller = server_poller(service.url, fallback)
    quick = submit(["-p", "debug", "-J", "site-poll-quick"], script="true")
    try:
        # The queue the service serves is the one plain squeue lists (its -t all read split).
        await poller.first_snapshot(timeout=20)
        deadline = time.monotonic() + 20
        while quick not in await fallback.recently_ended(unix_user()) and time.monotonic() < deadline:
            await asyncio.sleep(0.3)
        reads = fallback.ended_reads
        await service.poller.refresh(timeout=20)
        snap = await poller.refresh(timeout=20)
        assert quick in await poller.backend.recently_ended(unix_user())
        assert fallback.ended_reads == reads  # not asked of Slurm by the server
        assert quick not in [j.id for j in snap.jobs]
        plain = await SlurmBackend().list_jobs()
        assert {j.id for j in snap.jobs} == {j.id for j in plain}
        assert await poller.backend.recently_ended("nobody") == []
    finally:
        cancel([quick])
        await poller.stop()
        await service.close()


@pytest.mark.slurm
async def test_service_down_then_back(held: str) -> None:
    service = Service(SiteSlurmBackend(), {TOKEN: unix_user()})
    service.start()
    fallback = CountedSlurm()
    poller = server_poller(service.url, fallback)
    try:
        first = await poller.first_snapshot(timeout=20)
        assert poller.backend.using_service and fallback.job_reads == 0
        await service.stop()
        snap = await poller.refresh(timeout=20)
        # Nobody can tell: the same jobs, fresh, read by the server itself.
        assert not poller.backend.using_service and fallback.job_reads == 1
        assert not snap.stale and held in [j.id for j in snap.jobs]
        assert snap.version == first.version
        service.start()
        await asyncio.sleep(0.6)  # retry_after
        await poller.refresh(timeout=20)
        assert poller.backend.using_service
        reads = fallback.job_reads
        await poller.refresh(timeout=20)
        assert fallback.job_reads == reads == 1
    finally:
        await poller.stop()
        await service.close()


@pytest.mark.slurm
async def test_token_the_service_refuses_means_own_poll(held: str) -> None:
    service = Service(SiteSlurmBackend(), {TOKEN: unix_user()})
    service.start()
    fallback = CountedSlurm()
    poller = server_poller(service.url, fallback, token="not-a-hub-token")
    try:
        snap = await poller.first_snapshot(timeout=20)
        assert held in [j.id for j in snap.jobs] and not snap.stale
        assert not poller.backend.using_service and fallback.job_reads == 1
    finally:
        await poller.stop()
        await service.close()


@pytest.mark.slurm
async def test_action_then_urgent_refresh_through_the_service(held: str) -> None:
    # The service's own polls are far apart: only the urgent one can show the cancel at once.
    service = Service(SiteSlurmBackend(), {TOKEN: unix_user()}, interval=120, min_interval=60)
    service.start()
    fallback = CountedSlurm()
    poller = server_poller(service.url, fallback)
    try:
        assert held in [j.id for j in (await poller.first_snapshot(timeout=20)).jobs]
        polls = service.poller.polls
        await poller.backend.job_action(held, "cancel")  # as the user, straight to Slurm
        started = time.monotonic()
        snap = await poller.refresh(timeout=30, urgent=True)
        assert held not in [j.id for j in snap.jobs if j.state != "CANCELLED"]
        assert service.site.urgent_polls == 1 and service.poller.polls == polls + 1
        assert time.monotonic() - started < 5
        assert fallback.job_reads == 0
    finally:
        await poller.stop()
        await service.close()


async def test_urgent_refreshes_are_limited_for_the_site() -> None:
    backend = InMemoryBackend()
    service = Service(backend, {}, interval=120, min_interval=60)
    service.site.urgent_spacing = 1.0
    try:
        await service.poller.first_snapshot(timeout=5)
        started, polls = time.monotonic(), service.poller.polls
        # Twenty servers acting at once share one poll; the next burst waits for the spacing.
        await asyncio.gather(*(service.site.urgent_refresh() for _ in range(20)))
        assert service.poller.polls == polls + 1
        await asyncio.gather(*(service.site.urgent_refresh() for _ in range(20)))
        assert service.poller.polls == polls + 2
        assert time.monotonic() - started >= 0.9
    finally:
        await service.close()


async def test_stale_service_makes_a_stale_snapshot_then_recovers() -> None:
    backend = InMemoryBackend()
    service = Service(backend, {TOKEN: "alice"}, max_backoff=1.0)
    service.start()
    fallback = InMemoryBackend()
    poller = server_poller(service.url, fallback, max_backoff=1.0)
    try:
        good = await poller.first_snapshot(timeout=10)
        assert not good.stale and [j.id for j in good.jobs] == ["1"]
        backend.down = True
        await service.poller.refresh(timeout=10)
        snap = await poller.refresh(timeout=10)
        # As when the server's own poll fails: the last data, marked stale with Slurm's words.
        assert snap.stale and snap.error == "controller is down" and snap.jobs == good.jobs
        assert poller.unreachable_since is not None
        assert poller.backend.using_service and fallback.calls == 0
        backend.down = False
        deadline = time.monotonic() + 15
        while poller.snapshot.stale and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert not poller.snapshot.stale and poller.unreachable_since is None
    finally:
        await poller.stop()
        await service.close()


async def test_service_answers_401_to_unknown_tokens_and_400_to_bad_queries() -> None:
    from tornado.httpclient import AsyncHTTPClient, HTTPClientError

    service = Service(InMemoryBackend(), {TOKEN: "alice"})
    service.start()
    client = AsyncHTTPClient()
    try:
        for headers, query, code in (
            ({}, "", 401),
            ({"Authorization": "token nope"}, "", 401),
            ({"Authorization": f"token {TOKEN}"}, "?refresh=always", 400),
        ):
            with pytest.raises(HTTPClientError) as e:
                await client.fetch(service.url + "api/snapshot" + query, headers=headers)
            assert e.value.code == code
            assert json.loads(e.value.response.body)["message"]
        ok = await client.fetch(service.url + "api/snapshot", headers={"Authorization": f"token {TOKEN}"})
        assert json.loads(ok.body)["jobs"]["columns"]["id"] == ["1"]
    finally:
        await service.close()
