"""The watcher of one cluster: releases idle workers, and keeps Dask's view of the worker jobs true.

Every `idle_check_s` seconds, while the cluster runs: scale to 0 once no task ran for the profile's
idle timeout (the scheduler stays; starting workers hold the clock), cancel jobs Dask lost track of,
forget jobs that left the queue before their worker connected, replace workers that retired
(e.g. by --lifetime before walltime), and, when the owner asked for patience, resubmit worker jobs
that waited too long in a shape that starts sooner (patience.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from ..errors import HPCLabError
from . import patience
from .entry import Entry
from .model import LIVE_STATES, cluster_specs, dask_workers, drop_unsubmitted, spec_of

if TYPE_CHECKING:
    from .manager import ClusterManager

log = logging.getLogger(__name__)

#: a job must have been known this long before a queue poll for its absence there to count
SNAPSHOT_MARGIN_S = 2.0


async def watch(m: ClusterManager, entry: Entry) -> None:
    while entry.status == "running":
        await asyncio.sleep(m.idle_check_s)
        try:
            await tick(m, entry)
        except HPCLabError as e:
            log.info("cluster %s: %s", entry.id, e.message)
        except Exception:
            log.exception("cluster %s: watcher step failed", entry.id)


async def tick(m: ClusterManager, entry: Entry) -> None:
    cluster = entry.cluster
    if getattr(cluster.status, "name", "") in ("closed", "failed"):
        entry.status, entry.error = "failed", "the cluster's Dask scheduler stopped"
        return
    await release_if_idle(m, entry)
    if not entry.local and entry.cluster.worker_spec:
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
    idle = getattr(entry.cluster.scheduler, "idle_since", None)
    entry.idle_since = max(idle, entry.last_action) if idle is not None else None
    if entry.idle_since is None or time.time() - entry.idle_since < entry.profile.idle_timeout_s:
        return
    if not entry.cluster.worker_spec or entry.lock.locked():
        return
    async with entry.lock:
        log.info("cluster %s idle since %s: releasing its workers", entry.id, time.ctime(entry.idle_since))
        if entry.adapt is not None and entry.adapt["minimum"] > 0:
            entry.adapt = {"minimum": 0, "maximum": entry.adapt["maximum"]}
            entry.cluster.adapt(**entry.adapt)
        entry.cluster.scale(0)
        await m._settle(entry)


async def reconcile(m: ClusterManager, entry: Entry) -> None:
    """Make Dask's view of the worker jobs match the queue's."""
    cluster = entry.cluster
    if entry.lock.locked() or cluster._lock.locked():
        return  # jobs are being submitted or cancelled right now
    drop_unsubmitted(entry.cluster)
    snapshot = m.poller.snapshot
    if snapshot.stale or not snapshot.updated_at:
        return
    now = time.time()
    names = [str(k) for k in cluster.worker_spec]
    specs = cluster_specs(entry.cluster)
    for worker in dask_workers(entry.cluster):
        key = spec_of(worker.name, names)
        if key is not None and specs.get(key):
            entry.connected_jobs.add(str(specs[key]))
    known = {str(w.job_id): k for k, w in cluster.workers.items() if getattr(w, "job_id", None)}
    for job_id in known:
        entry.first_known.setdefault(job_id, now)
    queued = {job.id: job for job in m._tagged(snapshot, entry.tag)}
    strays = [i for i, job in queued.items() if i not in known and job.state in LIVE_STATES]
    if strays:
        log.warning("cluster %s: cancelling job(s) Dask lost track of: %s", entry.id, strays)
        await m._cancel(strays)
    for job_id, key in known.items():
        seen_before_poll = entry.first_known[job_id] < snapshot.updated_at - SNAPSHOT_MARGIN_S
        if job_id not in queued and seen_before_poll and job_id not in entry.connected_jobs:
            log.warning(
                "cluster %s: job %s left the queue before its worker connected (logs in %s)",
                entry.id,
                job_id,
                entry.cred_dir,
            )
            cluster.workers.pop(key, None)
            cluster.worker_spec.pop(key, None)
    if set(cluster.worker_spec) - set(cluster.workers):  # e.g. a worker retired by --lifetime
        async with entry.lock:
            await m._settle(entry)
