"""One shared scheduler poll per server.

However many browser tabs watch, the scheduler is asked at most once per interval; every request is
answered from the latest immutable snapshot. "Refresh now" requests are coalesced into the next poll,
which never runs sooner than `min_interval` after the previous one. While the scheduler is unreachable
the poll backs off exponentially and the last good data is served marked stale. When nobody has asked
for `idle_after` seconds the loop sleeps until the next request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import replace

from .errors import HPCLabError
from .models import Job, Node, Partition, Snapshot
from .scheduler.base import SchedulerBackend

log = logging.getLogger(__name__)

Listener = Callable[[Snapshot, Snapshot], None]


class Poller:
    def __init__(
        self,
        backend: SchedulerBackend,
        *,
        interval: float = 15.0,
        min_interval: float = 5.0,
        max_backoff: float = 300.0,
        idle_after: float = 300.0,
        jitter: float = 0.1,
        start_interval: float = 60.0,
    ) -> None:
        if min_interval < 0 or interval < min_interval:
            raise ValueError("need 0 <= min_interval <= interval")
        self.backend = backend
        self.interval = interval
        self.min_interval = min_interval
        self.max_backoff = max_backoff
        self.idle_after = idle_after
        self.jitter = jitter
        self._snapshot = Snapshot()
        self._listeners: list[Listener] = []
        self._wake = asyncio.Event()
        self._polled = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._last_poll_start = float("-inf")
        self._last_watched = time.monotonic()
        self._refresh_wanted = False
        self._urgent = False
        self._failures = 0
        self._starts: dict[str, str] = {}
        self._starts_at = float("-inf")
        self.start_interval = start_interval
        self.watchers = 0  # open websocket clients: keep polling while any is connected
        self.unreachable_since: float | None = None
        self.polls = 0  # scheduler polls made, for tests and benchmarks

    # -- what clients see -------------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call listener(old, new) after every poll; returns an unsubscribe.

        `new.version != old.version` says the content changed; otherwise only freshness did.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def touch(self) -> None:
        """Somebody is watching: keep polling (wakes a sleeping loop)."""
        self._last_watched = time.monotonic()
        self.start()
        self._wake.set()

    async def refresh(self, timeout: float | None = None, *, urgent: bool = False) -> Snapshot:
        """Ask for a poll soon (coalesced, rate-limited) and wait until one has landed.

        `urgent` skips the minimum interval: used after a job action so its effect shows at once.
        """
        self._last_watched = time.monotonic()
        self._refresh_wanted = True
        self._urgent = self._urgent or urgent
        self.start()
        async with self._polled:
            self._wake.set()
            polls = self.polls
            await asyncio.wait_for(self._polled.wait_for(lambda: self.polls > polls), timeout)
        return self._snapshot

    async def first_snapshot(self, timeout: float = 30.0) -> Snapshot:
        """The current snapshot, waiting for the very first poll if none has landed yet."""
        self.touch()
        if self.polls == 0:
            async with self._polled:
                await asyncio.wait_for(self._polled.wait_for(lambda: self.polls > 0), timeout)
        return self._snapshot

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the loop (idempotent); clients' first request starts it too."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="hpc-lab-poller")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    # -- the loop ---------------------------------------------------------------------------------

    def _idle_for(self) -> float:
        if self.watchers > 0:
            return 0.0
        return max(0.0, time.monotonic() - self._last_watched - self.idle_after)

    def _next_delay(self) -> float:
        if self._failures:
            base = min(self.max_backoff, self.interval * 2 ** (self._failures - 1))
        else:
            base = self.interval
        return float(base * (1 + random.uniform(-self.jitter, self.jitter)))

    async def _run(self) -> None:
        while True:
            await self._poll_once()
            delay = self._next_delay()
            deadline = time.monotonic() + delay
            # While the scheduler is down the full poll backs off, but a cheap ping every
            # interval notices its return, so recovery shows within one interval.
            next_ping = time.monotonic() + self.interval
            while True:
                if self._refresh_wanted:
                    # Coalesced refresh: honour the site's minimum spacing between scheduler calls.
                    spacing = 0.0 if self._urgent else self.min_interval
                    earliest = self._last_poll_start + spacing
                    deadline = min(deadline, max(earliest, time.monotonic()))
                now = time.monotonic()
                if now >= deadline and self._idle_for() == 0:
                    break
                if self._failures and now >= next_ping and self._idle_for() == 0:
                    next_ping = now + self.interval
                    if await self._answers():
                        break
                    continue
                self._wake.clear()
                # Idle: sleep until someone touches us; otherwise until the deadline.
                if self._idle_for() > 0:
                    wait = None
                else:
                    wait = max(0.0, (min(deadline, next_ping) if self._failures else deadline) - now)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)

    async def _answers(self) -> bool:
        try:
            await self.backend.ping()
        except HPCLabError:
            return False
        return True

    async def _fetch(self) -> tuple[list[Job], list[Node], list[Partition]]:
        backend = self.backend

        async def nodes_and_partitions() -> tuple[list[Node], list[Partition]]:
            nodes = await backend.list_nodes()
            return nodes, await backend.list_partitions(nodes)

        jobs, (nodes, partitions) = await asyncio.gather(backend.list_jobs(), nodes_and_partitions())
        # Expected starts cost the controller more: ask for them at a slower cadence.
        if any(job.state == "PENDING" for job in jobs):
            if time.monotonic() - self._starts_at >= self.start_interval:
                self._starts_at = time.monotonic()
                try:
                    self._starts = await backend.estimated_starts()
                except HPCLabError as e:
                    log.info("expected start times not available: %s", e.message)
            jobs = [
                replace(job, start_time=self._starts[job.id])
                if job.state == "PENDING" and job.start_time is None and job.id in self._starts
                else job
                for job in jobs
            ]
        return jobs, nodes, partitions

    def _data_time(self) -> float:
        """When the data of a poll that just succeeded was read: now, unless it came from
        another poll (site_poll.client)."""
        return time.time()

    async def _poll_once(self) -> None:
        self._refresh_wanted = False
        self._urgent = False
        self._last_poll_start = time.monotonic()
        old = self._snapshot
        try:
            jobs, nodes, partitions = await self._fetch()
        except HPCLabError as e:
            self._failures += 1
            if self.unreachable_since is None:
                self.unreachable_since = time.time()
            log.warning("scheduler poll failed (%d in a row): %s", self._failures, e.message)
            new = replace(old, stale=True, error=e.message, version=old.version + (not old.stale))
        except Exception as e:  # a bug in a parser must not stop the loop for everyone
            self._failures += 1
            log.exception("scheduler poll crashed")
            new = replace(old, stale=True, error=f"internal error: {e}", version=old.version + 1)
        else:
            self._failures = 0
            self.unreachable_since = None
            new_jobs, new_nodes, new_partitions = tuple(jobs), tuple(nodes), tuple(partitions)
            changed = (
                old.stale
                or new_jobs != old.jobs
                or new_nodes != old.nodes
                or new_partitions != old.partitions
            )
            new = Snapshot(
                jobs=new_jobs,
                nodes=new_nodes,
                partitions=new_partitions,
                updated_at=self._data_time(),
                stale=False,
                error=None,
                version=old.version + 1 if changed else old.version,
            )
        self._snapshot = new
        self.polls += 1
        for listener in list(self._listeners):
            try:
                listener(old, new)
            except Exception:
                log.exception("snapshot listener failed")
        async with self._polled:
            self._polled.notify_all()
