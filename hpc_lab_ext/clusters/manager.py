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
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..advisor.shapes import AdvicePolicy
from ..errors import BadRequest, CommandFailed, Conflict, HPCLabError, NotFound, SchedulerUnavailable
from ..models import Job, Snapshot
from ..scheduler.base import SchedulerBackend
from . import dashboards, patience, watcher
from .entry import Entry, SnapshotSource, shown
from .env import check_python, credential_paths, start_cluster
from .model import (
    LIVE_STATES,
    TAG_PREFIX,
    ClusterInfo,
    cluster_specs,
    connect_code,
    count_workers,
    dask_workers,
    drop_unsubmitted,
    join_workers,
)
from .profiles import Profile, is_int, resolve

log = logging.getLogger(__name__)

_TAG = re.compile(rf"{re.escape(TAG_PREFIX)}([0-9a-f]{{8}})")
_CLOSE_TIMEOUT_S = 60.0


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
        policy: AdvicePolicy | None = None,
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
        self._clusters: dict[str, Entry] = {}
        #: the administrator's bounds on suggested shapes and on patience
        self.policy = policy or AdvicePolicy()
        #: how patience picks a sooner shape (the advisor); tests may put their own
        self.patience_chooser: patience.Chooser | None = None
        #: what people should know about their clusters that no cluster shows (e.g. orphans cancelled)
        self.notice: str | None = None

    # ---- reading ---------------------------------------------------------------------------------

    def _entry(self, cluster_id: object) -> Entry:
        entry = self._clusters.get(cluster_id) if isinstance(cluster_id, str) else None
        if entry is None:
            raise NotFound(f"no cluster {shown(cluster_id)} here (it may have been closed)")
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

    def _info(self, entry: Entry) -> ClusterInfo:
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
            patience=entry.patience.to_json() if entry.patience else None,
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
    def _check_running(entry: Entry) -> None:
        if entry.status != "running":
            raise Conflict(f"cluster {entry.id} is {entry.status}")

    # ---- creating --------------------------------------------------------------------------------

    async def create(  # noqa: PLR0917
        self,
        profile_name: str,
        overrides: Mapping[str, Any] | None,
        python: str,
        notebook: str | None = None,
        workers: object = 0,
        patience_settings: object = None,
    ) -> ClusterInfo:
        """Start a cluster; with `workers`, ask for that many at once; `patience_settings` turns on
        resubmission of long-pending worker jobs ({"after_s", "max_tries"})."""
        profile = self.profiles.get(profile_name) if isinstance(profile_name, str) else None
        if profile is None:
            names = ", ".join(sorted(self.profiles)) or "none configured"
            raise BadRequest(f"unknown profile {shown(profile_name)}; profiles: {names}")
        if notebook is not None and not isinstance(notebook, str):
            raise BadRequest("notebook must be a path (a string)")
        if not is_int(workers) or not 0 <= workers <= profile.max_workers:  # type: ignore[operator]
            raise BadRequest(
                f"workers must be a whole number from 0 to {profile.max_workers} (the profile's "
                f"max_workers), not {shown(workers)}"
            )
        wanted = patience.checked(patience_settings, self.policy)
        if wanted is not None:
            patience.check_scheduler(profile.scheduler)
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
        entry = Entry(cluster_id, resolved, python, notebook and notebook[:1000], cred_dir, patience=wanted)
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
            watcher.watch(self, entry), name=f"hpc-lab-cluster-{cluster_id}"
        )
        log.info("cluster %s (%s) started for %s", cluster_id, resolved.name, self.user)
        if workers:
            return await self.scale(cluster_id, workers)  # type: ignore[arg-type]
        return self._info(entry)

    # ---- scaling ---------------------------------------------------------------------------------

    def _checked_count(self, entry: Entry, name: str, value: object) -> int:
        limit = entry.profile.max_workers
        if not is_int(value) or not 0 <= value <= limit:  # type: ignore[operator]
            raise BadRequest(
                f"{name} must be a whole number from 0 to {limit} (the profile's max_workers), "
                f"not {shown(value)}"
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

    async def set_patience(self, cluster_id: str, settings: object) -> ClusterInfo:
        """Turn resubmission of long-pending worker jobs on ({"after_s", "max_tries"}) or off (None).

        Tries already made count against a new max_tries: turning it off and on does not reset it.
        """
        entry = self._entry(cluster_id)
        wanted = patience.checked(settings, self.policy)
        self._check_running(entry)
        if wanted is not None:
            patience.check_scheduler(entry.profile.scheduler)
        before = entry.patience
        if wanted is None:
            if before is not None:
                before.on = False
            return self._info(entry)
        if before is not None:
            wanted.tries, wanted.events = before.tries, before.events
        entry.patience = wanted
        return self._info(entry)

    @staticmethod
    def _stop_adapt(entry: Entry) -> None:
        adaptive = getattr(entry.cluster, "_adaptive", None)
        if adaptive is not None:
            adaptive.stop()
            entry.cluster._adaptive = None
        entry.adapt = None

    async def _settle(self, entry: Entry) -> None:
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

    async def _close(self, entries: builtins.list[Entry]) -> builtins.list[ClusterInfo]:
        async def one(entry: Entry) -> tuple[ClusterInfo, set[str]]:
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
    def _forget_credentials(entry: Entry) -> None:
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
