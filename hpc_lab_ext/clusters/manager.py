"""The Dask clusters of one server user: dask-jobqueue SLURMCluster or a LocalCluster each.

The Dask scheduler of every cluster runs inside the server; its workers are Slurm jobs named
``hpc-lab-<id>`` (or local processes). Every cluster speaks TLS with credentials made for it and
written, readable by the user only, under ``<log_dir>/<id>/``; `ClusterInfo.connect_code` loads
them. A watcher per cluster releases idle workers, cancels jobs Dask lost track of, and forgets
workers whose job left the queue before connecting (so counts match what Slurm has).
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import logging
import re
import secrets
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from ..errors import BadRequest, CommandFailed, Conflict, HPCLabError, NotFound, SchedulerUnavailable
from ..models import Job, Snapshot
from ..scheduler.base import SchedulerBackend
from . import dashboards
from .env import check_python, credential_paths, start_cluster
from .model import (
    LIVE_STATES,
    TAG_PREFIX,
    ClusterInfo,
    cluster_specs,
    cluster_tag,
    connect_code,
    count_workers,
    dask_workers,
    drop_unsubmitted,
    join_workers,
    spec_of,
)
from .profiles import Profile, is_int, resolve

log = logging.getLogger(__name__)

_TAG = re.compile(rf"{re.escape(TAG_PREFIX)}([0-9a-f]{{8}})")
#: a job must have been known this long before a queue poll for its absence there to count
_SNAPSHOT_MARGIN_S = 2.0
_CLOSE_TIMEOUT_S = 60.0


class SnapshotSource(Protocol):
    """What the manager needs of the poller."""

    @property
    def snapshot(self) -> Snapshot: ...

    async def refresh(self, timeout: float | None = None, *, urgent: bool = False) -> Snapshot: ...


@dataclass(eq=False)
class _Entry:
    id: str
    profile: Profile
    python: str
    notebook: str | None
    cred_dir: Path
    cluster: Any = None
    status: str = "starting"
    created_at: float = field(default_factory=time.time)
    last_action: float = field(default_factory=time.time)
    adapt: dict[str, int] | None = None
    idle_since: float | None = None
    error: str | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    watcher: asyncio.Task[None] | None = None
    connected_jobs: set[str] = field(default_factory=set)  # job ids whose worker has connected
    first_known: dict[str, float] = field(default_factory=dict)  # job id -> when first seen
    dashboard_path: str | None = None  # proxied by dask-labextension

    @property
    def tag(self) -> str:
        return cluster_tag(self.id)

    @property
    def local(self) -> bool:
        return self.profile.scheduler == "local"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:40]}..."


class ClusterManager:
    def __init__(  # noqa: PLR0917
        self,
        backend: SchedulerBackend,
        poller: SnapshotSource,
        user: str,
        profiles: Mapping[str, Profile],
        log_dir: Path,
        idle_check_s: float = 30.0,
        *,
        worker_interface: str | None = None,
        worker_local_directory: str | None = None,
    ) -> None:
        if re.search(r"\s", str(log_dir)):
            raise ValueError("log_dir must not contain whitespace (it goes on worker command lines)")
        self.backend = backend
        self.poller = poller
        self.user = user
        self.profiles = dict(profiles)
        self.log_dir = Path(log_dir)
        self.idle_check_s = idle_check_s
        self.worker_interface = worker_interface
        self.worker_local_directory = worker_local_directory
        self._clusters: dict[str, _Entry] = {}
        #: what people should know about their clusters that no cluster shows (e.g. orphans cancelled)
        self.notice: str | None = None

    # ---- reading ---------------------------------------------------------------------------------

    def _entry(self, cluster_id: object) -> _Entry:
        entry = self._clusters.get(cluster_id) if isinstance(cluster_id, str) else None
        if entry is None:
            raise NotFound(f"no cluster {_shown(cluster_id)} here (it may have been closed)")
        return entry

    def get(self, cluster_id: str) -> Any:
        """The Dask cluster object (SLURMCluster or LocalCluster) of a cluster id."""
        return self._entry(cluster_id).cluster

    def info(self, cluster_id: str) -> ClusterInfo:
        return self._info(self._entry(cluster_id))

    def list(self) -> builtins.list[ClusterInfo]:
        return [self._info(entry) for entry in self._clusters.values()]

    def _tagged(self, snapshot: Snapshot, tag: str) -> builtins.list[Job]:
        return [job for job in snapshot.jobs if job.name == tag and job.user == self.user]

    def _info(self, entry: _Entry) -> ClusterInfo:
        cluster = entry.cluster
        snapshot = self.poller.snapshot
        workers = dask_workers(entry.cluster) if cluster is not None else []
        specs = cluster_specs(entry.cluster) if cluster is not None else {}
        jobs = [] if entry.local else self._tagged(snapshot, entry.tag)
        age = max(0.0, time.time() - snapshot.updated_at) if snapshot.updated_at else 0.0
        scheduler = getattr(cluster, "scheduler", None)
        address = getattr(scheduler, "address", None)
        dashboard = getattr(scheduler, "services", {}).get("dashboard")
        requested = len(specs) * (1 if entry.local else entry.profile.processes)
        cert, key = credential_paths(entry.cred_dir)
        return ClusterInfo(
            id=entry.id,
            name=entry.tag,
            profile=entry.profile.to_json(),
            owner=self.user,
            notebook=entry.notebook,
            python=entry.python,
            scheduler_address=address,
            dashboard_link=f"http://127.0.0.1:{dashboard.port}/status" if dashboard else None,
            dashboard_path=entry.dashboard_path,
            status=entry.status,
            created_at=entry.created_at,
            adapt=dict(entry.adapt) if entry.adapt else None,
            idle_since=entry.idle_since,
            idle_timeout_s=entry.profile.idle_timeout_s,
            counts=count_workers(requested, jobs, workers, local=entry.local),
            workers=tuple(join_workers(specs, jobs, workers, snapshot_age_s=age, local=entry.local)),
            connect_code=connect_code(address, str(cert), str(cert), str(key)) if address else "",
            error=entry.error,
        )

    # ---- checks ----------------------------------------------------------------------------------

    def _check_reachable(self, snapshot: Snapshot) -> None:
        since = getattr(self.poller, "unreachable_since", None)
        if since is not None or (snapshot.stale and snapshot.error):
            when = time.strftime(" since %H:%M:%S", time.localtime(since)) if since else ""
            raise SchedulerUnavailable(
                f"the scheduler is not answering{when} ({snapshot.error or 'no answer'}); "
                "try again when it is back"
            )

    async def _refresh(self, urgent: bool = True) -> Snapshot:
        try:
            snapshot = await self.poller.refresh(timeout=30, urgent=urgent)
        except asyncio.TimeoutError:
            raise SchedulerUnavailable("the scheduler's queue could not be read within 30 s") from None
        self._check_reachable(snapshot)
        return snapshot

    async def _known_snapshot(self) -> Snapshot:
        snapshot = self.poller.snapshot
        if not snapshot.updated_at:  # never polled yet
            return await self._refresh(urgent=False)
        self._check_reachable(snapshot)
        return snapshot

    @staticmethod
    def _check_running(entry: _Entry) -> None:
        if entry.status != "running":
            raise Conflict(f"cluster {entry.id} is {entry.status}")

    # ---- creating --------------------------------------------------------------------------------

    async def create(
        self, profile_name: str, overrides: Mapping[str, Any] | None, python: str, notebook: str | None = None
    ) -> ClusterInfo:
        profile = self.profiles.get(profile_name) if isinstance(profile_name, str) else None
        if profile is None:
            names = ", ".join(sorted(self.profiles)) or "none configured"
            raise BadRequest(f"unknown profile {_shown(profile_name)}; profiles: {names}")
        if notebook is not None and not isinstance(notebook, str):
            raise BadRequest("notebook must be a path (a string)")
        if profile.scheduler == "local":
            resolved = resolve(profile, {} if overrides is None else overrides, [])
            python = sys.executable  # a LocalCluster's workers are children of the server
        else:
            snapshot = await self._known_snapshot()
            resolved = resolve(
                profile, {} if overrides is None else overrides, snapshot.partitions, snapshot.nodes
            )
            python = await check_python(python)
        cluster_id = secrets.token_hex(4)
        while cluster_id in self._clusters:
            cluster_id = secrets.token_hex(4)
        self.log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        cred_dir = self.log_dir / cluster_id
        cred_dir.mkdir(mode=0o700)
        entry = _Entry(cluster_id, resolved, python, notebook and notebook[:1000], cred_dir)
        self._clusters[cluster_id] = entry
        try:
            entry.cluster = await start_cluster(
                resolved,
                entry.tag,
                python,
                cred_dir,
                interface=self.worker_interface,
                local_directory=self.worker_local_directory,
            )
        except Exception as e:
            del self._clusters[cluster_id]
            self._forget_credentials(entry)
            if isinstance(e, HPCLabError):
                raise
            log.exception("cluster %s did not start", cluster_id)
            raise HPCLabError(f"the Dask scheduler did not start: {e}") from e
        entry.status = "running"
        link = self._info(entry).dashboard_link
        entry.dashboard_path = dashboards.register(entry.cluster, f"{resolved.name} {entry.tag}", link)
        entry.watcher = asyncio.get_running_loop().create_task(
            self._watch(entry), name=f"hpc-lab-cluster-{cluster_id}"
        )
        log.info("cluster %s (%s) started for %s", cluster_id, resolved.name, self.user)
        return self._info(entry)

    # ---- scaling ---------------------------------------------------------------------------------

    def _checked_count(self, entry: _Entry, name: str, value: object) -> int:
        limit = entry.profile.max_workers
        if not is_int(value) or not 0 <= value <= limit:  # type: ignore[operator]
            raise BadRequest(
                f"{name} must be a whole number from 0 to {limit} (the profile's max_workers), "
                f"not {_shown(value)}"
            )
        assert isinstance(value, int)
        return value

    async def scale(self, cluster_id: str, n: int) -> ClusterInfo:
        """Ask for exactly n workers; turns adaptive scaling off."""
        entry = self._entry(cluster_id)
        n = self._checked_count(entry, "n", n)
        self._check_running(entry)
        async with entry.lock:
            if not entry.local:
                self._check_reachable(self.poller.snapshot)
            self._stop_adapt(entry)
            entry.last_action = time.time()
            entry.cluster.scale(n)
            await self._settle(entry)
        return self._info(entry)

    async def adapt(self, cluster_id: str, minimum: int, maximum: int) -> ClusterInfo:
        entry = self._entry(cluster_id)
        minimum = self._checked_count(entry, "minimum", minimum)
        maximum = self._checked_count(entry, "maximum", maximum)
        if minimum > maximum:
            raise BadRequest(f"minimum ({minimum}) must not be more than maximum ({maximum})")
        self._check_running(entry)
        async with entry.lock:
            if not entry.local:
                self._check_reachable(self.poller.snapshot)
            entry.cluster.adapt(minimum=minimum, maximum=maximum)
            entry.adapt = {"minimum": minimum, "maximum": maximum}
            entry.last_action = time.time()
        return self._info(entry)

    @staticmethod
    def _stop_adapt(entry: _Entry) -> None:
        adaptive = getattr(entry.cluster, "_adaptive", None)
        if adaptive is not None:
            adaptive.stop()
            entry.cluster._adaptive = None
        entry.adapt = None

    async def _settle(self, entry: _Entry) -> None:
        """Wait until the cluster has submitted/cancelled jobs for its spec; no phantoms on failure."""
        try:
            await entry.cluster._correct_state()
        except Exception as e:
            if entry.local:
                raise HPCLabError(f"workers did not start: {e}") from e
            dropped = drop_unsubmitted(entry.cluster)
            log.warning("cluster %s: %d worker job(s) not submitted: %s", entry.id, dropped, e)
            await self.backend.ping()  # SchedulerUnavailable when that is why
            lines = [line for line in str(e).splitlines() if "error" in line.lower()]
            reason = (lines[-1] if lines else str(e).splitlines()[0]).strip()
            raise CommandFailed(f"Slurm did not take the worker jobs: {reason[:500]}") from e

    # ---- closing ---------------------------------------------------------------------------------

    async def close(self, cluster_id: str) -> ClusterInfo:
        """Close a cluster; afterwards none of its jobs is left in the queue."""
        return (await self._close([self._entry(cluster_id)]))[0]

    async def close_all(self) -> None:
        await self._close(builtins.list(self._clusters.values()))

    async def _close(self, entries: builtins.list[_Entry]) -> builtins.list[ClusterInfo]:
        async def one(entry: _Entry) -> tuple[ClusterInfo, set[str]]:
            entry.status = "closing"
            if entry.watcher is not None:
                entry.watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await entry.watcher
            async with entry.lock:
                job_ids = {j for j in cluster_specs(entry.cluster).values() if j}
                final = self._info(entry)
                try:
                    self._stop_adapt(entry)
                    await asyncio.wait_for(entry.cluster.close(), _CLOSE_TIMEOUT_S)
                except Exception as e:
                    log.warning("cluster %s did not close cleanly: %s", entry.id, e)
                self._clusters.pop(entry.id, None)
                dashboards.unregister(entry.dashboard_path)
                entry.status = "closed"
                self._forget_credentials(entry)
            return final, job_ids

        results = await asyncio.gather(*(one(e) for e in entries))
        tags = {e.tag for e in entries if not e.local}
        errors: str | None = None
        if tags:
            try:
                await self._cancel_leftovers(tags, set().union(*(ids for _, ids in results)))
            except HPCLabError as e:
                errors = f"some worker jobs may be left in the queue: {e.message}"
                log.warning("closing clusters: %s", errors)
        return [replace(info, status="closed", error=errors) for info, _ in results]

    async def _cancel_leftovers(self, tags: set[str], job_ids: set[str]) -> builtins.list[str]:
        snapshot = await self._refresh()
        left = [
            j.id
            for j in snapshot.jobs
            if j.user == self.user and (j.name in tags or j.id in job_ids) and j.state in LIVE_STATES
        ]
        return await self._cancel(left)

    async def _cancel(self, job_ids: Iterable[str]) -> builtins.list[str]:
        cancelled = []
        for job_id in job_ids:
            try:
                await self.backend.job_action(job_id, "cancel")
            except NotFound:
                continue
            cancelled.append(job_id)
        return cancelled

    @staticmethod
    def _forget_credentials(entry: _Entry) -> None:
        for path in credential_paths(entry.cred_dir):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    async def cleanup_orphans(self) -> builtins.list[str]:
        """Cancel this user's jobs tagged for clusters this manager does not have (a server killed
        before it could close them). Their schedulers died with that server, so re-adopting them
        is not possible; cancelling frees what they hold."""
        snapshot = await self._refresh()
        orphans = []
        for job in snapshot.jobs:
            m = _TAG.fullmatch(job.name)
            if m and job.user == self.user and m.group(1) not in self._clusters and job.state in LIVE_STATES:
                orphans.append(job.id)
        cancelled = await self._cancel(orphans)
        if cancelled:
            log.info("cancelled %d orphaned worker job(s): %s", len(cancelled), ", ".join(cancelled))
            self.notice = (
                f"At {time.strftime('%H:%M')} this server cancelled {len(cancelled)} worker job(s) "
                f"({', '.join(cancelled[:10])}{'…' if len(cancelled) > 10 else ''}) left by clusters of an "
                "earlier server that stopped without closing them; create a new cluster to continue."
            )
        return cancelled

    # ---- the watcher -----------------------------------------------------------------------------

    async def _watch(self, entry: _Entry) -> None:
        while entry.status == "running":
            await asyncio.sleep(self.idle_check_s)
            try:
                await self._tick(entry)
            except HPCLabError as e:
                log.info("cluster %s: %s", entry.id, e.message)
            except Exception:
                log.exception("cluster %s: watcher step failed", entry.id)

    async def _tick(self, entry: _Entry) -> None:
        cluster = entry.cluster
        if getattr(cluster.status, "name", "") in ("closed", "failed"):
            entry.status, entry.error = "failed", "the cluster's Dask scheduler stopped"
            return
        await self._release_if_idle(entry)
        if not entry.local:
            await self._reconcile(entry)

    async def _release_if_idle(self, entry: _Entry) -> None:
        """Scale to 0 once no task has run for idle_timeout_s; the scheduler stays up."""
        counts = self._info(entry).counts
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
            log.info(
                "cluster %s idle since %s: releasing its workers", entry.id, time.ctime(entry.idle_since)
            )
            if entry.adapt is not None and entry.adapt["minimum"] > 0:
                entry.adapt = {"minimum": 0, "maximum": entry.adapt["maximum"]}
                entry.cluster.adapt(**entry.adapt)
            entry.cluster.scale(0)
            await self._settle(entry)

    async def _reconcile(self, entry: _Entry) -> None:
        """Make Dask's view of the worker jobs match the queue's."""
        cluster = entry.cluster
        if entry.lock.locked() or cluster._lock.locked():
            return  # jobs are being submitted or cancelled right now
        drop_unsubmitted(entry.cluster)
        snapshot = self.poller.snapshot
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
        queued = {job.id: job for job in self._tagged(snapshot, entry.tag)}
        strays = [i for i, job in queued.items() if i not in known and job.state in LIVE_STATES]
        if strays:
            log.warning("cluster %s: cancelling job(s) Dask lost track of: %s", entry.id, strays)
            await self._cancel(strays)
        for job_id, key in known.items():
            seen_before_poll = entry.first_known[job_id] < snapshot.updated_at - _SNAPSHOT_MARGIN_S
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
                await self._settle(entry)
