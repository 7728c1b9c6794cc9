"""The Dask clusters of one server user, each run by a supervisor process of its own.

A cluster's supervisor (kernel_env/hpc_lab_supervisor.py) runs in the notebook kernel's Python
and holds the dask-jobqueue (or local) cluster, so its Dask scheduler and workers unpickle the
notebook's objects with the notebook's own packages. This manager starts supervisors, talks to
them over their control channel (plain JSON over TLS: nothing of the user's is unpickled here),
and applies the same checks to the panel's buttons and to the notebook's handle
(hpc_lab_notebook.HpcCluster). Worker jobs are named ``hpc-lab-<id>``; each cluster's
credentials, record and logs are under ``<log_dir>/<id>/``, readable by the user only.

Supervisors outlive the server: a restarted server takes its clusters over again
(`adopt_all`), and a supervisor that hears from no server for `orphan_timeout_s` closes its
cluster itself. A watcher per cluster releases idle workers, cancels jobs Dask lost track of,
and forgets workers whose job left the queue before connecting (so counts match the queue's).
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..advisor.shapes import AdvicePolicy
from ..errors import (
    BadRequest,
    CommandFailed,
    Conflict,
    Forbidden,
    HPCLabError,
    NotFound,
    SchedulerUnavailable,
)
from ..models import Job, Snapshot
from ..scheduler.base import SchedulerBackend
from . import dashboards, handles, patience, supervisor, watcher
from .entry import RECORD, Entry, SnapshotSource, shown
from .env import check_python, credential_paths, make_security
from .jobqueue_classes import cluster_spec
from .model import (
    LIVE_STATES,
    TAG_PREFIX,
    ClusterInfo,
    connect_code,
    count_workers,
    join_workers,
    workers_from,
)
from .profiles import Profile, is_int, resolve, within_server_job

log = logging.getLogger(__name__)

#: worker jobs, and the supervisor's own job where it runs as one
_TAG = re.compile(rf"{re.escape(TAG_PREFIX)}([0-9a-f]{{8}})(?:{re.escape(supervisor.JOB_SUFFIX)})?")
_CLOSE_TIMEOUT_S = 90.0
#: a scale waits for every submission (sbatch per worker job)
_SCALE_TIMEOUT_S = 300.0


def _job_options(p: Profile) -> list[str]:
    """sbatch options of a supervisor run as a job: the profile's partition, account and walltime."""
    options = [f"--time={p.walltime}"]
    if p.partition:
        options.append(f"--partition={p.partition}")
    if p.account:
        options.append(f"--account={p.account}")
    return options


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
        orphan_timeout_s: float = 600.0,
        server_end: Callable[[], float | None] | None = None,
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
        #: a supervisor that hears from no server this long closes its cluster
        self.orphan_timeout_s = orphan_timeout_s
        #: this server's URL as the notebook's kernel reaches it (set once the server runs)
        self.server_url = ""
        self._clusters: dict[str, Entry] = {}
        #: the administrator's bounds on suggested shapes and on patience
        self.policy = policy or AdvicePolicy()
        #: when the Slurm job this server runs in ends (seconds since the epoch), else None
        self.server_end = server_end or (lambda: None)
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

    def info(self, cluster_id: str) -> ClusterInfo:
        return self._info(self._entry(cluster_id))

    def list(self) -> builtins.list[ClusterInfo]:
        return [self._info(entry) for entry in self._clusters.values()]

    def by_token(self, cluster_id: object, token: str) -> str:
        """The id of the cluster whose notebook handle token this is; Forbidden otherwise."""
        entry = self._entry(cluster_id)
        if not token or not entry.token or not hmac.compare_digest(token, entry.token):
            raise Forbidden(
                f"this credential is not the one of cluster {entry.id}: only its owner's notebook "
                "(which can read the cluster's handle.json) may steer it"
            )
        return entry.id

    def _tagged(self, snapshot: Snapshot, tag: str) -> builtins.list[Job]:
        return [job for job in snapshot.jobs if job.name == tag and job.user == self.user]

    def _info(self, entry: Entry) -> ClusterInfo:
        state = entry.state
        snapshot = self.poller.snapshot
        workers = workers_from(state)
        specs = entry.specs()
        jobs = [] if entry.local else self._tagged(snapshot, entry.tag)
        age = max(0.0, time.time() - snapshot.updated_at) if snapshot.updated_at else 0.0
        address = state.get("scheduler_address")
        port, host = state.get("dashboard_port"), state.get("dashboard_host", "127.0.0.1")
        requested = len(specs) * (1 if entry.local else entry.profile.processes)
        return ClusterInfo(
            id=entry.id,
            name=entry.tag,
            profile=entry.profile.to_json(),
            owner=self.user,
            notebook=entry.notebook,
            python=entry.python,
            scheduler_address=address,
            dashboard_link=f"http://{host}:{port}/status" if port else None,
            dashboard_path=entry.dashboard_path,
            status=entry.status,
            created_at=entry.created_at,
            adapt=entry.adapt,
            idle_since=entry.idle_since,
            idle_timeout_s=entry.profile.idle_timeout_s,
            counts=count_workers(requested, jobs, workers, local=entry.local),
            workers=tuple(join_workers(specs, jobs, workers, snapshot_age_s=age, local=entry.local)),
            connect_code=connect_code(str(handles.HANDLE_DIR), str(entry.cred_dir)) if address else "",
            error=entry.error,
            patience=entry.patience.to_json() if entry.patience else None,
        )

    def absorb(self, entry: Entry, answer: Mapping[str, Any]) -> None:
        """Keep a supervisor's answer as the cluster's state, unless a later one is kept already (a
        read answered before a scale finished can arrive after the scale's own answer)."""
        if not isinstance(answer.get("seq"), int) or answer["seq"] < entry.state.get("seq", 0):
            return
        entry.state = {k: v for k, v in answer.items() if k not in ("ok", "error")}
        if entry.state.get("status") == "failed" and entry.status == "running":
            entry.status, entry.error = "failed", "the cluster's Dask scheduler stopped"

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
        if entry.status != "running" or entry.link is None:
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
        """Start a cluster whose supervisor, scheduler and workers run `python` (the notebook
        kernel's); with `workers`, ask for that many at once; `patience_settings` turns on
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
        else:
            snapshot = await self._known_snapshot()
            resolved = resolve(
                profile, {} if overrides is None else overrides, snapshot.partitions, snapshot.nodes
            )
            # Worker jobs of a server that is itself a Slurm job end with it (JupyterHub's servers).
            resolved = within_server_job(resolved, self.server_end(), time.time())
        python = await check_python(python, jobqueue=profile.scheduler != "local")
        cluster_id = secrets.token_hex(4)
        while cluster_id in self._clusters or (self.log_dir / cluster_id).exists():
            cluster_id = secrets.token_hex(4)
        self.log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        cred_dir = self.log_dir / cluster_id
        cred_dir.mkdir(mode=0o700)
        entry = Entry(
            cluster_id, resolved, python, notebook and notebook[:1000], cred_dir,
            token=secrets.token_urlsafe(32), patience=wanted,
        )  # fmt: skip
        self._clusters[cluster_id] = entry
        try:
            make_security(cred_dir)
            spec = cluster_spec(
                resolved, entry.tag, python, cred_dir,
                interface=self.worker_interface, local_directory=self.worker_local_directory,
            )  # fmt: skip
            spec.update(tag=entry.tag, orphan_timeout_s=self.orphan_timeout_s)
            if resolved.supervisor == "job":
                spec["kwargs"]["scheduler_options"] = {"dashboard_address": ":0"}  # the proxy's way in
                entry.link = await supervisor.start_as_job(python, cred_dir, spec, _job_options(resolved))
            else:
                entry.link = await supervisor.start(python, cred_dir, spec)
            self.absorb(entry, await entry.link.call("hello"))
        except Exception as e:
            del self._clusters[cluster_id]
            await self._stop_supervisor(entry)
            self._forget(entry)
            if isinstance(e, HPCLabError):
                raise
            log.exception("cluster %s did not start", cluster_id)
            raise HPCLabError(f"the Dask scheduler did not start: {e}") from e
        self._run(entry)
        log.info("cluster %s (%s) started for %s in %s", cluster_id, resolved.name, self.user, python)
        if workers:
            return await self.scale(cluster_id, workers)  # type: ignore[arg-type]
        return self._info(entry)

    def _run(self, entry: Entry) -> None:
        """A started (or adopted) cluster: dashboard, record, notebook handle and watcher."""
        entry.status = "running"
        view = dashboards.DashboardView(lambda: entry.state)
        registered = dashboards.register(view, f"{entry.profile.name} {entry.tag}", entry.dashboard_key)
        entry.dashboard_key, entry.dashboard_path = registered or (None, None)
        entry.save()
        handles.write(entry, self.server_url)
        entry.watcher = asyncio.get_running_loop().create_task(
            watcher.watch(self, entry), name=f"hpc-lab-cluster-{entry.id}"
        )

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
        assert entry.link is not None
        async with entry.lock:
            if not entry.local:
                self._check_reachable(self.poller.snapshot)
            entry.last_action = time.time()
            answer = await entry.link.call("scale", timeout=_SCALE_TIMEOUT_S, n=n)
            self.absorb(entry, answer)
            if answer.get("error"):
                await self.submission_failed(entry, str(answer["error"]))
        return self._info(entry)

    async def adapt(self, cluster_id: str, minimum: int, maximum: int) -> ClusterInfo:
        entry = self._entry(cluster_id)
        minimum = self._checked_count(entry, "minimum", minimum)
        maximum = self._checked_count(entry, "maximum", maximum)
        if minimum > maximum:
            raise BadRequest(f"minimum ({minimum}) must not be more than maximum ({maximum})")
        self._check_running(entry)
        assert entry.link is not None
        async with entry.lock:
            if not entry.local:
                self._check_reachable(self.poller.snapshot)
            self.absorb(entry, await entry.link.call("adapt", minimum=minimum, maximum=maximum))
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
        else:
            if before is not None:
                wanted.tries, wanted.events = before.tries, before.events
            entry.patience = wanted
        entry.save()
        return self._info(entry)

    async def submission_failed(self, entry: Entry, error: str) -> None:
        """Map a failed submission (the supervisor already forgot its phantom workers) to an error."""
        if entry.local:
            raise HPCLabError(f"workers did not start: {error}")
        log.warning("cluster %s: worker job(s) not submitted: %s", entry.id, error)
        await self.backend.ping()  # SchedulerUnavailable when that is why
        lines = [line for line in error.splitlines() if "error" in line.lower()]
        reason = (lines[-1] if lines else error.splitlines()[0] if error else "no reason given").strip()
        raise CommandFailed(f"Slurm did not take the worker jobs: {reason[:500]}")

    # ---- closing ---------------------------------------------------------------------------------

    async def close(self, cluster_id: str) -> ClusterInfo:
        """Close a cluster; afterwards none of its jobs is left in the queue."""
        return (await self._close([self._entry(cluster_id)]))[0]

    async def close_all(self) -> None:
        await self._close(builtins.list(self._clusters.values()))

    async def detach_all(self) -> None:
        """Stop watching every cluster but leave it running: the next server takes it over."""
        for entry in builtins.list(self._clusters.values()):
            if entry.watcher is not None:
                entry.watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await entry.watcher
            dashboards.unregister(entry.dashboard_path)
            if entry.link is not None:
                await entry.link.aclose()
        log.info("left %d cluster(s) running for the next server", len(self._clusters))
        self._clusters.clear()

    async def _close(self, entries: builtins.list[Entry]) -> builtins.list[ClusterInfo]:
        async def one(entry: Entry) -> tuple[ClusterInfo, set[str]]:
            entry.status = "closing"
            if entry.watcher is not None:
                entry.watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await entry.watcher
            async with entry.lock:
                job_ids = {j for j in entry.specs().values() if j}
                final = self._info(entry)
                await self._stop_supervisor(entry)
                self._clusters.pop(entry.id, None)
                dashboards.unregister(entry.dashboard_path)
                entry.status = "closed"
                self._forget(entry)
            return final, job_ids

        results = await asyncio.gather(*(one(e) for e in entries))
        tags = {t for e in entries if not e.local for t in (e.tag, e.tag + supervisor.JOB_SUFFIX)}
        errors: str | None = None
        if tags:
            try:
                await self._cancel_leftovers(tags, set().union(*(ids for _, ids in results)))
            except HPCLabError as e:
                errors = f"some worker jobs may be left in the queue: {e.message}"
                log.warning("closing clusters: %s", errors)
        return [replace(info, status="closed", error=errors) for info, _ in results]

    async def _stop_supervisor(self, entry: Entry) -> None:
        """Close the cluster in its supervisor and wait for the process to end."""
        if entry.link is None:
            return
        pid = entry.link.pid()
        try:
            await entry.link.call("close", timeout=_CLOSE_TIMEOUT_S)
        except HPCLabError as e:
            log.warning("cluster %s did not close cleanly: %s", entry.id, e.message)
        await entry.link.aclose()
        if pid is not None:
            await supervisor.wait_gone(pid, timeout=10.0)

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
    def _forget(entry: Entry) -> None:
        """Remove what would let anyone reach or take over the cluster again; its logs stay."""
        names = [*credential_paths(entry.cred_dir), entry.cred_dir / RECORD, *handles.files(entry.cred_dir)]
        for path in names:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    # ---- after a restart -------------------------------------------------------------------------

    async def adopt_all(self) -> builtins.list[str]:
        """Take over the clusters an earlier server of this user left running; forget the rest."""
        directories = sorted(self.log_dir.glob("*/")) if self.log_dir.is_dir() else []
        entries = [e for e in map(Entry.load, directories) if e is not None and e.id not in self._clusters]
        answers = await asyncio.gather(*(self._hello(entry) for entry in entries))
        adopted = []
        for entry, answer in zip(entries, answers, strict=True):
            if answer is None:
                self._forget(entry)
                continue
            self._clusters[entry.id] = entry
            self.absorb(entry, answer)
            self._run(entry)
            adopted.append(entry.id)
        if adopted:
            log.info("took over %d running cluster(s): %s", len(adopted), ", ".join(adopted))
        return adopted

    @staticmethod
    async def _hello(entry: Entry) -> dict[str, Any] | None:
        entry.link = supervisor.Link(entry.cred_dir)
        try:
            return await entry.link.call("hello", timeout=10)
        except HPCLabError as e:
            log.info("cluster %s is gone (%s); its jobs count as orphans", entry.id, e.message)
            await entry.link.aclose()
            return None

    async def cleanup_orphans(self) -> builtins.list[str]:
        """Cancel this user's jobs tagged for clusters this manager does not have (their
        supervisor is gone: it closed after orphan_timeout_s, or was killed)."""
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
                f"({', '.join(cancelled[:10])}{'…' if len(cancelled) > 10 else ''}) left by clusters "
                "whose supervisor had stopped; create a new cluster to continue."
            )
        return cancelled
