"""The jupyter_server extension: configuration, wiring, start and stop of the shared poller."""

from __future__ import annotations

import asyncio
import os
import pwd
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Dict, Enum, Float, Unicode, default

from .errors import HPCLabError
from .handlers import HANDLERS
from .history.manager import HistoryManager
from .history.resubmit import Resubmitter
from .history.store import OwnRecord
from .jobs import JobActions
from .logs.manager import LogManager
from .models import ServerJob, Snapshot, Status
from .poller import Poller
from .scheduler import BACKEND_NAMES, SchedulerBackend, select_backend
from .server_job import server_job
from .updates import UpdatesHub
from .wire import Compressed, MadeOnce

if TYPE_CHECKING:
    from .clusters.manager import ClusterManager


def clusters_payload(manager: ClusterManager) -> dict[str, Any]:
    """The user's clusters as GET clusters and the updates websocket give them."""
    return {"clusters": [c.to_json() for c in manager.list()], "notice": manager.notice}


def unix_user() -> str:
    """The Unix user the server runs as: the name the scheduler knows (not the Jupyter identity)."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


class HPCLabApp(ExtensionApp):
    name = "hpc_lab_ext"
    description = "Scheduler queue, node usage and Dask clusters on HPC clusters"

    backend = Enum(
        list(BACKEND_NAMES),
        default_value="auto",
        config=True,
        help="Scheduler backend: 'cli' (Slurm's commands; 'slurm' is the same), 'pyslurm' (Slurm's C "
        "API through pyslurm, which must match the running Slurm), 'sge' (Grid Engine's commands), "
        "'local' (no scheduler: this machine as one node), or 'auto' (Slurm's commands when on PATH, "
        "else pyslurm when usable, else Grid Engine's commands, else local). pyslurm is faster on "
        "queues of up to a few hundred jobs and slower above (docs/performance.md).",
    )
    walltime_extend_hint = Unicode(
        "",
        config=True,
        help="What people should do to get more time when the Slurm job their Jupyter server runs in "
        "nears its time limit (e.g. 'Run: extend-session 2h'); shown with the warnings 15 and 5 "
        "minutes before it. Empty: the warnings only say to save.",
    )
    poll_interval = Float(
        15.0,
        config=True,
        help="Seconds between scheduler polls while someone is watching. One poll serves every client.",
    )
    min_poll_interval = Float(
        5.0,
        config=True,
        help="Site minimum seconds between two scheduler polls, however often clients ask to refresh.",
    )
    max_backoff = Float(
        300.0, config=True, help="Longest wait between polls while the scheduler is unreachable (seconds)."
    )
    start_interval = Float(
        60.0,
        config=True,
        help="Seconds between asking the scheduler for expected start times of pending jobs "
        "(costlier than listing the queue, so asked less often).",
    )
    idle_after = Float(
        300.0,
        config=True,
        help="Stop polling when no client has asked for this many seconds; the next request wakes it.",
    )
    command_timeout = Float(
        10.0,
        config=True,
        help="Seconds after which a scheduler command is abandoned (counted as a failure).",
    )
    user = Unicode(help="Unix user whose jobs are 'mine'. Defaults to the user the server runs as.").tag(
        config=True
    )

    profiles = Dict(
        config=True,
        help="Dask cluster profiles offered to users: name -> settings (cores, memory, processes, "
        "walltime, partition, gres, account, job_extra_directives, max_workers, open_fields, "
        "allowed_partitions, idle_timeout_s, description). Empty: built-in small/medium/gpu profiles.",
    )
    user_profile = Bool(
        True,
        config=True,
        help="Also offer the jobqueue.slurm section of the user's dask config (jobqueue.yaml) as a "
        "profile named 'my-jobqueue' (resource keys only; admin limits still apply).",
    )
    idle_timeout = Float(
        600.0,
        config=True,
        help="Seconds without Dask tasks after which a cluster's workers are released (scaled to 0; "
        "the cluster stays and can scale up again). Profiles may set their own idle_timeout_s.",
    )
    cluster_dir = Unicode(
        config=True,
        help="Directory for each cluster's TLS credentials and worker logs; worker jobs must see it "
        "(a shared filesystem on a real cluster). Default: ~/.cache/hpc-lab-ext/clusters.",
    )
    advisor = Dict(
        config=True,
        help="Bounds on what the start-time advisor may suggest and on patience (resubmitting "
        "long-pending worker jobs): min_walltime (e.g. '00:15:00'), min_cores, partitions (names "
        "suggestions may use; empty: what each profile allows), patience_min_after (seconds), "
        "patience_max_tries.",
    )
    cluster_orphan_timeout = Float(
        600.0,
        config=True,
        help="Seconds a cluster keeps running without a Jupyter server (after a crash or a restart "
        "of the server); a server that starts within this time takes it over, otherwise it closes "
        "itself and cancels its worker jobs.",
    )
    clusters_survive_restart = Bool(
        True,
        config=True,
        help="When the server stops on a signal (a restart, an upgrade, Ctrl-C), leave its Dask "
        "clusters running for the next server (see cluster_orphan_timeout). File > Shut Down always "
        "closes them.",
    )
    log_follow_interval = Float(
        0.25,
        config=True,
        help="Seconds between two looks at a followed job log's size (one look per file, however "
        "many tabs follow it).",
    )
    site_poll_url = Unicode(
        config=True,
        help="URL of the site's poll service (hpc_lab_ext.site_poll, a JupyterHub service: one "
        "scheduler poll for every server of the hub), e.g. 'http://hub.example.org/services/"
        "hpc-lab-site-poll/'. The server's snapshot comes from there, asked with this server's "
        "JUPYTERHUB_API_TOKEN; while it cannot be reached the server polls the scheduler itself. "
        "Empty: always poll here. Default: $HPC_LAB_SITE_POLL_URL (the hub's Spawner.environment).",
    )
    worker_interface = Unicode(
        "",
        config=True,
        help="Network interface Dask schedulers and workers listen on (e.g. ib0); empty: the default route.",
    )

    @default("user")
    def _default_user(self) -> str:
        return unix_user()

    @default("site_poll_url")
    def _default_site_poll_url(self) -> str:
        return os.environ.get("HPC_LAB_SITE_POLL_URL", "")

    @default("cluster_dir")
    def _default_cluster_dir(self) -> str:
        return str(Path.home() / ".cache" / "hpc-lab-ext" / "clusters")

    scheduler: SchedulerBackend
    poller: Poller
    updates: UpdatesHub
    job_actions: JobActions
    clusters: ClusterManager | None = None
    logs: LogManager
    history: HistoryManager
    resubmitter: Resubmitter
    #: view name -> (snapshot version its records come from, serialized records)
    view_cache: dict[str, tuple[int, str]]
    #: gzip of each view's latest body
    compressed: Compressed
    #: each view's serialized records, made once per version in a worker thread
    view_texts: MadeOnce[str]
    _version: str | None = None

    def initialize_settings(self) -> None:
        if self.min_poll_interval > self.poll_interval:
            self.log.warning("min_poll_interval > poll_interval; using poll_interval for both")
            self.min_poll_interval = self.poll_interval
        self.scheduler = select_backend(self.backend, command_timeout=self.command_timeout)
        self.poller = self._poller()
        self.view_cache = {}
        self.compressed = Compressed()
        self.view_texts = MadeOnce()
        self.job_actions = JobActions(self.scheduler, self.poller, self.user)
        self.logs = LogManager(
            self.scheduler,
            self.poller,
            self.user,
            Path(self.cluster_dir).parent / "job-logs.json",
            follow_interval=self.log_follow_interval,
        )
        # Through the site poll, when there is one, the record learns of ended jobs from it too.
        self.history = HistoryManager(self.poller.backend, self.poller, self.user, self._own_record())
        self.resubmitter = Resubmitter(self.scheduler, self.poller, self.user)
        self.clusters = self._cluster_manager()
        if self.clusters is not None:
            self.clusters.server_url = self._server_url()
        manager = self.clusters
        self.updates = UpdatesHub(
            self.poller, clusters=(lambda: clusters_payload(manager)) if manager else None
        )
        self.settings["hpc_lab_ext"] = self
        self.log.info("hpc-lab-ext: %s backend, user %s", self.scheduler.name, self.user)

    def _poller(self) -> Poller:
        """The shared poll: of the site poll service when one is configured, else of the scheduler."""
        settings: dict[str, Any] = {
            "interval": self.poll_interval,
            "min_interval": self.min_poll_interval,
            "max_backoff": self.max_backoff,
            "idle_after": self.idle_after,
            "start_interval": self.start_interval,
        }
        token = os.environ.get("JUPYTERHUB_API_TOKEN", "")
        if not self.site_poll_url or not self.scheduler.live_queue:
            return Poller(self.scheduler, **settings)
        if not token:
            self.log.warning("hpc-lab-ext: site_poll_url is set but there is no JUPYTERHUB_API_TOKEN")
            return Poller(self.scheduler, **settings)
        from .site_poll.client import SitePollBackend, SitePollPoller

        self.log.info("hpc-lab-ext: snapshot from the site poll service at %s", self.site_poll_url)
        backend = SitePollBackend(self.site_poll_url, token, self.scheduler, timeout=self.command_timeout)
        return SitePollPoller(backend, **settings)

    def initialize_handlers(self) -> None:
        self.handlers.extend(HANDLERS)

    def _own_record(self) -> OwnRecord | None:
        """The record of ended jobs kept beside cluster_dir (for sites without accounting)."""
        if not self.scheduler.live_queue:
            return None
        try:
            return OwnRecord(Path(self.cluster_dir).parent / "history.sqlite")
        except (OSError, sqlite3.Error) as e:
            self.log.warning("hpc-lab-ext: no record of ended jobs: %s", e)
            return None

    def _cluster_manager(self) -> ClusterManager | None:
        """The Dask cluster manager, or None when the dask extra is not installed."""
        try:
            import dask.config

            from .advisor.shapes import AdvicePolicy
            from .clusters.manager import ClusterManager
            from .clusters.profiles import USER_PROFILE, default_profiles, load_profiles
        except ImportError as e:
            self.log.warning("hpc-lab-ext: no Dask clusters (%s); install hpc_lab_ext[dask]", e)
            return None
        kind = self.scheduler.name if self.scheduler.name in ("slurm", "sge") else "local"
        user_file = Path(dask.config.PATH) / "jobqueue.yaml"
        loaded = load_profiles(self.profiles, user_file if self.user_profile and kind == "slurm" else None)
        profiles = {n: p for n, p in loaded.items() if p.scheduler == kind}
        if set(profiles) <= {USER_PROFILE}:  # the site configured none for this scheduler
            profiles = {**default_profiles(kind), **profiles}
        profiles = {n: self._with_idle_timeout(n, p) for n, p in profiles.items()}
        return ClusterManager(
            self.scheduler,
            self.poller,
            self.user,
            profiles,
            Path(self.cluster_dir),
            worker_interface=self.worker_interface or None,
            policy=AdvicePolicy.from_config(self.advisor),
            orphan_timeout_s=self.cluster_orphan_timeout,
            server_end=self._server_end,
        )

    def _server_end(self) -> float | None:
        job = self._server_job(self.poller.snapshot)
        return None if job is None else job.ends_at

    def _with_idle_timeout(self, name: str, profile: Any) -> Any:
        from dataclasses import replace

        if "idle_timeout_s" in self.profiles.get(name, {}):
            return profile
        return replace(profile, idle_timeout_s=self.idle_timeout)

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        if self.clusters is not None:
            self.clusters.server_url = self._server_url()
            self._cleanup = asyncio.get_running_loop().create_task(self._take_over_clusters())

    async def _take_over_clusters(self) -> None:
        """Take over the clusters an earlier server left running, then cancel worker jobs of
        clusters whose supervisor is gone."""
        assert self.clusters is not None
        try:
            adopted = await self.clusters.adopt_all()
        except Exception:
            self.log.exception("hpc-lab-ext: could not take over the running clusters")
            adopted = []
        if adopted:
            self.log.info("hpc-lab-ext: took over running cluster(s) %s", ", ".join(adopted))
            self.updates.push_clusters()
        try:
            cancelled = await self.clusters.cleanup_orphans()
        except HPCLabError as e:
            self.log.warning("hpc-lab-ext: could not look for orphaned worker jobs: %s", e.message)
            return
        if cancelled:
            self.log.warning("hpc-lab-ext: cancelled orphaned worker jobs %s", ", ".join(cancelled))

    async def stop_extension(self) -> None:
        await self.updates.stop()
        self.logs.stop()
        await self.history.stop()
        if self.clusters is not None:
            try:
                if self.clusters_survive_restart and self._stopping_on_signal():
                    await self.clusters.detach_all()
                else:
                    await self.clusters.close_all()
            except Exception:
                self.log.exception("hpc-lab-ext: closing the Dask clusters failed")
        await self.poller.stop()

    def _server_url(self) -> str:
        """Where a notebook's kernel on this host reaches this server (its handle's calls)."""
        return str(getattr(self.serverapp, "connection_url", "") or "")

    def _stopping_on_signal(self) -> bool:
        """Whether the server is stopping on a signal (its stop() sets _stopping) rather than on
        File > Shut Down (the /api/shutdown request cleans up without calling stop())."""
        return bool(getattr(self.serverapp, "_stopping", False))

    async def status(self) -> Status:
        snapshot = await self.poller.first_snapshot()
        error = snapshot.error
        if self._version is None:
            try:
                self._version = await self.scheduler.version()
            except HPCLabError as e:
                error = error or e.message
        return Status(
            backend=self.scheduler.name,
            backend_version=self._version or "unknown",
            reachable=not snapshot.stale,
            user=self.user,
            error=error,
            live_queue=self.scheduler.live_queue,
            unreachable_since=self.poller.unreachable_since,
            updated_at=snapshot.updated_at,
            unsupported_scheduler=getattr(self.scheduler, "unsupported", None),
            server_job=self._server_job(snapshot),
        )

    def _server_job(self, snapshot: Snapshot) -> ServerJob | None:
        """The Slurm job this server runs in, on a Slurm backend (see server_job.py)."""
        if self.scheduler.name != "slurm":
            return None
        return server_job(os.environ, snapshot, self.walltime_extend_hint)
