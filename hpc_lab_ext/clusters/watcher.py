"""The watcher of one cluster: keeps its supervisor company, releases idle workers, and keeps Dask's
view of the worker jobs true.

Every `idle_check_s` seconds, while the cluster runs: ask the supervisor for its state (which also
tells it that its server lives), scale to 0 once no task ran for the profile's idle timeout (the
scheduler stays; starting workers hold the clock), cancel jobs Dask lost track of, forget jobs
that left the queue before their worker connected, replace workers that retired (e.g. by
--lifetime before walltime), and, when the owner asked for patience, resubmit worker jobs that
waited too long in a shape that starts sooner (patience.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from ..errors import HPCLabError
from . import patience
from .entry import Entry
from .model import LIVE_STATES, spec_of, workers_from
from .supervisor import SupervisorGone

if TYPE_CHECKING:
    from .manager import ClusterManager

log = logging.getLogger(__name__)

#: a job must have been known this long before a queue poll for its absence there to count
SNAPSHOT_MARGIN_S = 2.0
#: seconds between two reads of a supervisor's state
STATE_INTERVAL_S = 1.0


async def watch(m: ClusterManager, entry: Entry) -> None:
    """Refresh the cluster's state every STATE_INTERVAL_S (so the panel's counts follow workers as
    they connect, and the supervisor knows its server lives); the rest every idle_check_s."""
    next_check = time.monotonic() + m.idle_check_s
    while entry.status == "running":
        await asyncio.sleep(min(m.idle_check_s, STATE_INTERVAL_S))
        try:
            if not await refresh(m, entry):
                return
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + m.idle_check_s
                await tick(m, entry)
        except HPCLabError as e:
            log.info("cluster %s: %s", entry.id, e.message)
        except Exception:
            log.exception("cluster %s: watcher step failed", entry.id)


async def refresh(m: ClusterManager, entry: Entry) -> bool:
    """The supervisor's state; False (the cluster marked failed, its jobs cancelled) when it is gone."""
    assert entry.link is not None
    try:
        m.absorb(entry, await entry.link.call("state"))
    except SupervisorGone as e:
        entry.status, entry.error = "failed", f"the cluster's supervisor stopped ({e.message})"
        log.warning("cluster %s: %s", entry.id, entry.error)
        # Its worker jobs, now that nothing runs them (pending ones would start for nothing).
        live = [j.id for j in m._tagged(m.poller.snapshot, entry.tag) if j.state in LIVE_STATES]
        await m._cancel(live)
        return False
    return entry.status == "running"


async def tick(m: ClusterManager, entry: Entry) -> None:
    await release_if_idle(m, entry)
    if not entry.local and entry.specs():
        # Worker jobs to keep an eye on: the shared poll stays awake even with no browser open.
        touch = getattr(m.poller, "touch", None)
        if touch is not None:
            touch()
    if not entry.local:
        await reconcile(m, entry)
        if entry.patience is not None:
            await patience.check(m, entry, m.patience_chooser)


async def release_if_idle(m: ClusterManager, entry: Entry) -> None:
    """Scale to 0 once no task has run for idle_timeout_s; the scheduler stays up."""
    counts = m._info(entry).counts
    if counts["running"] > counts["connected"]:
        # Workers still starting: the idle clock starts once they could have been given work.
        entry.last_action = time.time()
        return
    idle = entry.state.get("idle_since")
    entry.idle_since = max(float(idle), entry.last_action) if idle is not None else None
    if entry.idle_since is None or time.time() - entry.idle_since < entry.profile.idle_timeout_s:
        return
    if not entry.specs() or entry.lock.locked():
        return
    async with entry.lock:
        assert entry.link is not None
        log.info("cluster %s idle since %s: releasing its workers", entry.id, time.ctime(entry.idle_since))
        answer = await entry.link.call("release", timeout=120)
        m.absorb(entry, answer)
        if answer.get("error"):
            log.warning("cluster %s: releasing its workers: %s", entry.id, answer["error"])


async def reconcile(m: ClusterManager, entry: Entry) -> None:
    """Make Dask's view of the worker jobs match the queue's."""
    if entry.lock.locked() or entry.state.get("busy"):
        return  # jobs are being submitted or cancelled right now
    snapshot = m.poller.snapshot
    if snapshot.stale or not snapshot.updated_at:
        return
    now = time.time()
    specs = entry.specs()
    names = list(specs)
    for worker in workers_from(entry.state):
        key = spec_of(worker.name, names)
        if key is not None and specs.get(key):
            entry.connected_jobs.add(str(specs[key]))
    known = {job_id for job_id in specs.values() if job_id}
    for job_id in known:
        entry.first_known.setdefault(job_id, now)
    queued = {job.id: job for job in m._tagged(snapshot, entry.tag)}
    # A stray must look like one in two checks running: a job being submitted right now can be in
    # the queue a moment before the supervisor's state names it.
    suspects = {i for i, job in queued.items() if i not in known and job.state in LIVE_STATES}
    strays = sorted(suspects & entry.suspects)
    entry.suspects = suspects - set(strays)
    if strays:
        log.warning("cluster %s: cancelling job(s) Dask lost track of: %s", entry.id, strays)
        await m._cancel(strays)
    vanished = []
    for job_id in known:
        seen_before_poll = entry.first_known[job_id] < snapshot.updated_at - SNAPSHOT_MARGIN_S
        if job_id not in queued and seen_before_poll and job_id not in entry.connected_jobs:
            log.warning(
                "cluster %s: job %s left the queue before its worker connected (logs in %s)",
                entry.id,
                job_id,
                entry.cred_dir,
            )
            vanished.append(job_id)
    # Specs without a job: a failed submission to forget, or a retired worker to replace.
    if vanished or any(job_id is None for job_id in specs.values()):
        async with entry.lock:
            assert entry.link is not None
            m.absorb(entry, await entry.link.call("forget", timeout=120, job_ids=vanished))
