"""The shared poller's logic, driven by an in-memory backend (the real Slurm is tested elsewhere)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from hpc_lab_ext.errors import SchedulerUnavailable
from hpc_lab_ext.models import Job, Node, Partition
from hpc_lab_ext.poller import Poller
from hpc_lab_ext.scheduler.base import SchedulerBackend

JOB = Job(
    id="1",
    name="a",
    user="alice",
    partition="debug",
    state="RUNNING",
    reason="",
    nodes="node1",
    node_count=1,
    cpus=1,
    memory_mb=1000,
    memory_per_cpu=True,
    gres="",
    submit_time=None,
    start_time=None,
    time_limit_s=60,
    elapsed_s=1,
)


class InMemoryBackend(SchedulerBackend):
    name = "memory"

    def __init__(self) -> None:
        self.jobs: list[Job] = [JOB]
        self.down = False
        self.calls = 0
        self.start_calls = 0
        self.pings = 0

    async def version(self) -> str:
        return "memory 1"

    async def ping(self) -> None:
        self.pings += 1
        if self.down:
            raise SchedulerUnavailable("down")

    async def list_jobs(self) -> list[Job]:
        self.calls += 1
        await asyncio.sleep(0.01)
        if self.down:
            raise SchedulerUnavailable("controller is down")
        return list(self.jobs)

    async def list_nodes(self) -> list[Node]:
        return []

    async def list_partitions(self, nodes: list[Node] | None = None) -> list[Partition]:
        return []

    async def estimated_starts(self) -> dict[str, str]:
        self.start_calls += 1
        return {"2": "2026-11-25T15:00:00+00:00"}

    async def job_action(self, job_id: str, action: str) -> None:
        raise NotImplementedError


@pytest.fixture
def backend_and_poller(jp_asyncio_loop):
    backend = InMemoryBackend()
    poller = Poller(backend, interval=0.5, min_interval=0.2, jitter=0, idle_after=60)
    yield backend, poller
    jp_asyncio_loop.run_until_complete(poller.stop())


async def test_first_snapshot_has_jobs(backend_and_poller) -> None:
    _, poller = backend_and_poller
    snap = await poller.first_snapshot(timeout=5)
    assert snap.jobs == (JOB,)
    assert snap.stale is False
    assert snap.version == 1


async def test_many_refreshes_share_polls(backend_and_poller) -> None:
    backend, poller = backend_and_poller
    await poller.first_snapshot(timeout=5)
    before = backend.calls
    await asyncio.gather(*(poller.refresh(timeout=5) for _ in range(50)))
    # 50 simultaneous "refresh now" requests: one coalesced poll (two if one was already due).
    assert 1 <= backend.calls - before <= 2


async def test_refresh_respects_min_interval(backend_and_poller) -> None:
    _, poller = backend_and_poller
    await poller.first_snapshot(timeout=5)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    await poller.refresh(timeout=5)
    await poller.refresh(timeout=5)
    await poller.refresh(timeout=5)
    # three polls in a row can't be closer than min_interval apart
    assert loop.time() - t0 >= 2 * 0.2 - 0.05


async def test_version_changes_only_when_content_changes(backend_and_poller) -> None:
    backend, poller = backend_and_poller
    snap = await poller.first_snapshot(timeout=5)
    same = await poller.refresh(timeout=5)
    assert same.version == snap.version
    seen: list[tuple[int, int]] = []
    poller.subscribe(lambda old, new: seen.append((old.version, new.version)))
    await poller.refresh(timeout=5)  # nothing new: listeners hear of the poll, same version
    backend.jobs = [replace(JOB, state="COMPLETING")]
    changed = await poller.refresh(timeout=5)
    assert changed.version == snap.version + 1
    assert changed.jobs[0].state == "COMPLETING"
    assert seen == [(snap.version, snap.version), (snap.version, snap.version + 1)]


async def test_outage_keeps_data_marked_stale_then_recovers(backend_and_poller) -> None:
    backend, poller = backend_and_poller
    await poller.first_snapshot(timeout=5)
    backend.down = True
    snap = await poller.refresh(timeout=5)
    assert snap.stale is True
    assert snap.error == "controller is down"
    assert snap.jobs == (JOB,)  # last known data is still served
    assert poller.unreachable_since is not None
    backend.down = False
    snap = await poller.refresh(timeout=10)
    assert snap.stale is False
    assert snap.error is None
    assert poller.unreachable_since is None


async def test_backoff_grows_while_unreachable() -> None:
    poller = Poller(InMemoryBackend(), interval=2, min_interval=1, max_backoff=10, jitter=0)
    delays = []
    for failures in range(6):
        poller._failures = failures
        delays.append(poller._next_delay())
    assert delays == [2, 2, 4, 8, 10, 10]


async def test_sleeps_when_nobody_watches() -> None:
    backend = InMemoryBackend()
    poller = Poller(backend, interval=0.05, min_interval=0.0, jitter=0, idle_after=0.1)
    poller.start()
    try:
        await poller.first_snapshot(timeout=5)
        await asyncio.sleep(0.5)
        calls = backend.calls
        await asyncio.sleep(0.5)
        assert backend.calls == calls  # idle: no polls at all
        poller.touch()
        await asyncio.sleep(0.2)
        assert backend.calls > calls  # a client came back: polling resumes
    finally:
        await poller.stop()


def test_rejects_bad_intervals() -> None:
    with pytest.raises(ValueError):
        Poller(InMemoryBackend(), interval=1, min_interval=5)


async def test_running_time_alone_is_not_a_change(backend_and_poller) -> None:
    backend, poller = backend_and_poller
    snap = await poller.first_snapshot(timeout=5)
    backend.jobs = [replace(JOB, elapsed_s=JOB.elapsed_s + 15)]
    again = await poller.refresh(timeout=5)
    assert again.version == snap.version
    assert again.jobs[0].elapsed_s == JOB.elapsed_s + 15  # fresh value served all the same
    assert again.updated_at > snap.updated_at


async def test_expected_starts_fill_pending_jobs_at_a_slower_cadence(backend_and_poller) -> None:
    backend, poller = backend_and_poller
    pending = replace(JOB, id="2", state="PENDING", reason="Resources", nodes="", start_time=None)
    backend.jobs = [JOB, pending]
    snap = await poller.refresh(timeout=5)
    by_id = {job.id: job for job in snap.jobs}
    assert by_id["2"].start_time == "2026-11-25T15:00:00+00:00"
    assert by_id["1"].start_time is None  # running jobs are left alone
    await poller.refresh(timeout=5)
    await poller.refresh(timeout=5)
    assert backend.start_calls == 1  # start_interval (60 s) not yet over


async def test_urgent_refresh_skips_min_interval() -> None:
    backend = InMemoryBackend()
    poller = Poller(backend, interval=30, min_interval=10, jitter=0)
    try:
        await poller.first_snapshot(timeout=5)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        await poller.refresh(timeout=5, urgent=True)
        assert loop.time() - t0 < 1
    finally:
        await poller.stop()


async def test_watchers_keep_it_polling() -> None:
    backend = InMemoryBackend()
    poller = Poller(backend, interval=0.05, min_interval=0.0, jitter=0, idle_after=0.05)
    poller.watchers = 1
    try:
        await poller.first_snapshot(timeout=5)
        calls = backend.calls
        await asyncio.sleep(0.5)
        assert backend.calls > calls + 3
    finally:
        await poller.stop()


async def test_recovery_is_noticed_by_ping_despite_backoff() -> None:
    backend = InMemoryBackend()
    poller = Poller(backend, interval=0.2, min_interval=0.1, max_backoff=60, jitter=0)
    try:
        await poller.first_snapshot(timeout=5)
        backend.down = True
        for _ in range(4):  # backoff grows to 0.2 * 2**3 = 1.6 s between full polls
            await poller.refresh(timeout=10)
        assert poller.snapshot.stale
        calls = backend.calls
        await asyncio.sleep(0.5)
        assert backend.calls == calls  # backed off: no full poll
        assert backend.pings >= 1  # but cheap pings go on
        backend.down = False
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        while poller.snapshot.stale:
            await asyncio.sleep(0.05)
            assert loop.time() - t0 < 0.2 * 2 + 0.3, "recovery took longer than one interval"
    finally:
        await poller.stop()
